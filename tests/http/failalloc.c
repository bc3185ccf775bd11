/* SPDX-License-Identifier: MIT */
/*
 * failalloc.c: an LD_PRELOAD allocator that fails on demand, for the memory
 * pressure tests of hostile_clients.py: while the file named by FAILALLOC_FILE
 * exists, every malloc, calloc or realloc of FAILALLOC_MIN_BYTES or more returns
 * NULL (ENOMEM). Small allocations still succeed, so the server can still answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);

static int should_fail(size_t size)
{
    const char *file = getenv("FAILALLOC_FILE");
    const char *min = getenv("FAILALLOC_MIN_BYTES");
    if (file == NULL || min == NULL || size < (size_t)strtoull(min, NULL, 10))
        return 0;
    return access(file, F_OK) == 0; /* large allocations only: cheap enough */
}

void *malloc(size_t size)
{
    if (should_fail(size)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    if (size != 0 && n <= (size_t)-1 / size && should_fail(n * size)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    if (should_fail(size)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, size);
}
