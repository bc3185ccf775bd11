/* SPDX-License-Identifier: MIT */
/*
 * test_json_alloc.c: json/json_alloc.h's arena. A decode cuts its tree from a few
 * blocks of the wrapped allocator instead of a dozen allocations per attempt,
 * returns every block when it is done (whatever the body), and leaves nothing of
 * the arena behind; what it decoded is the same as without the arena. Inside an
 * arena, memory is aligned for any value, a long allocation has a block of its
 * own, and a value made before the arena began is freed to the wrapped allocator.
 */
#include "json/json_alloc.h"
#include "json/request_decode.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The wrapped allocator: counts what reaches it. */
static size_t inner_mallocs, inner_frees;

static void *inner_malloc(size_t size)
{
    inner_mallocs++;
    return malloc(size);
}

static void inner_free(void *p)
{
    if (p != NULL)
        inner_frees++;
    free(p);
}

static void counters_reset(void)
{
    inner_mallocs = 0;
    inner_frees = 0;
}

/* A batch body of count single attempts, ids "b-0", "b-1", ... (malloc'd). */
static char *batch_body(size_t count, size_t *len)
{
    size_t room = 32 + count * 64;
    char *body = malloc(room);
    assert_non_null(body);
    size_t n = (size_t)snprintf(body, room, "{\"attempts\":[");
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(body + n, room - n,
                              "%s{\"booking_id\":\"b-%zu\",\"resource_id\":\"r\",\"units\":1}",
                              i > 0 ? "," : "", i);
    n += (size_t)snprintf(body + n, room - n, "]}");
    *len = n;
    return body;
}

static void a_decode_takes_a_few_blocks_not_an_allocation_per_value_and_returns_them_all(
    void **state)
{
    (void)state;
    size_t len;
    char *body = batch_body(1000, &len);
    counters_reset();
    decoded_attempts out;
    request_decode_result r = decode_attempts(body, len, true, &out);
    assert_int_equal(r.status, REQUEST_DECODE_OK);
    assert_int_equal(out.count, 1000);
    assert_string_equal(out.requests[999].booking_id, "b-999");
    assert_string_equal(out.requests[999].resource_id, "r");
    /* A tree of 1000 attempts is some 10000 values: without the arena as many
     * allocations reached the allocator. */
    assert_true(inner_mallocs >= 1 && inner_mallocs <= 16);
    assert_int_equal(inner_frees, inner_mallocs); /* every block returned */
    assert_false(json_alloc_arena_active());
    decoded_attempts_free(&out);
    free(body);
}

static void a_refused_body_returns_every_block_too(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":1,\"units\":2}", /* duplicate */
        "{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":1} x",          /* trailing */
        "{\"booking_id\":\"b 1\",\"resource_id\":\"r\",\"units\":1}",             /* bad id */
        "[1, 2, 3]",                                                             /* not an object */
        ("{\"attempts\":[{\"booking_id\":\"b-1\",\"lines\":[{\"resource_id\":\"a\",\"units\":1},"
         "{\"resource_id\":\"a\",\"units\":1}]}]}"), /* a resource named twice */
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        for (int batch = 0; batch < 2; batch++) {
            counters_reset();
            decoded_attempts out;
            request_decode_result r =
                decode_attempts(bodies[i], strlen(bodies[i]), batch != 0, &out);
            assert_int_equal(r.status, REQUEST_DECODE_INVALID);
            assert_int_equal(inner_frees, inner_mallocs);
            assert_false(json_alloc_arena_active());
            decoded_attempts_free(&out);
        }
    }
}

static void a_long_string_gets_a_block_of_its_own_and_is_returned(void **state)
{
    (void)state;
    /* A body's string far longer than an arena block (jansson's buffer doubles
     * while it reads it): refused, every block returned. */
    size_t n = 300 * 1024;
    char *body = malloc(n + 64);
    assert_non_null(body);
    int head = snprintf(body, 64, "{\"attempts\":[],\"x\":\"");
    memset(body + head, 'a', n);
    memcpy(body + head + n, "\"}", 3);
    counters_reset();
    decoded_attempts out;
    request_decode_result r = decode_attempts(body, strlen(body), true, &out);
    assert_int_equal(r.status, REQUEST_DECODE_INVALID);
    assert_true(inner_mallocs >= 2);
    assert_int_equal(inner_frees, inner_mallocs);
    decoded_attempts_free(&out);
    free(body);
}

static void inside_an_arena_memory_is_aligned_and_values_from_before_are_freed_outside(
    void **state)
{
    (void)state;
    json_t *before = json_string("made before the arena");
    assert_non_null(before);
    counters_reset();
    json_alloc_arena_begin();
    assert_true(json_alloc_arena_active());
    for (int i = 0; i < 100; i++) {
        json_t *v = json_integer(i); /* jansson allocates it with our allocator */
        assert_non_null(v);
        assert_int_equal((uintptr_t)v % alignof(max_align_t), 0);
        json_decref(v); /* a free inside the arena: nothing to do */
    }
    static char text[100 * 1024];
    memset(text, 'z', sizeof text);
    json_t *big = json_stringn(text, sizeof text); /* over a quarter of a block: its own block */
    assert_non_null(big);
    assert_int_equal(json_string_length(big), sizeof text);
    json_decref(big);
    size_t frees_inside = inner_frees;
    json_decref(before); /* made outside the arena: back to the wrapped allocator */
    assert_int_equal(inner_frees, frees_inside + 2); /* its struct and its text */
    json_alloc_arena_end();
    assert_false(json_alloc_arena_active());
    assert_int_equal(inner_frees, inner_mallocs + 2);
}

int main(void)
{
    json_set_alloc_funcs(inner_malloc, inner_free);
    json_alloc_install(); /* as the service does, over malloc */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            a_decode_takes_a_few_blocks_not_an_allocation_per_value_and_returns_them_all),
        cmocka_unit_test(a_refused_body_returns_every_block_too),
        cmocka_unit_test(a_long_string_gets_a_block_of_its_own_and_is_returned),
        cmocka_unit_test(inside_an_arena_memory_is_aligned_and_values_from_before_are_freed_outside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
