/* SPDX-License-Identifier: MIT */
/*
 * json_alloc.c: jansson's allocator, wrapped to count failures per thread (see
 * json_alloc.h). The wrapped pair is whatever was installed before: malloc and
 * free in the service, an allocator that fails on demand in the tests.
 */
#include "json/json_alloc.h"

#include <assert.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

static json_malloc_t inner_malloc;
static json_free_t inner_free;
static bool installed;
static _Thread_local unsigned long failures;

static void *counting_malloc(size_t size)
{
    void *p = inner_malloc(size);
    if (p == NULL)
        failures++;
    return p;
}

static void counting_free(void *p)
{
    inner_free(p);
}

void json_alloc_install(void)
{
    if (installed)
        return;
    json_get_alloc_funcs(&inner_malloc, &inner_free);
    assert(inner_malloc != NULL && inner_free != NULL);
    json_set_alloc_funcs(counting_malloc, counting_free);
    installed = true;
}

unsigned long json_alloc_failures(void)
{
    return failures;
}
