/* SPDX-License-Identifier: MIT */
/*
 * test_request_decode_nomem.c: SPEC section 5, "a shortage of memory is never
 * blamed on the client". jansson's allocator fails on demand (the Nth allocation,
 * for every N a decode makes); a valid body is then decoded or refused out of
 * memory, never called invalid.
 */
#include "json/json_alloc.h"
#include "json/request_decode.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Allocations a decode of the bodies below makes, with room. */
#define ALLOCATIONS_MAX 400

static long allocations_left = -1; /* -1: never fail */
static bool fail_once;             /* after the one failure, allocations succeed again */

static void *failing_malloc(size_t size)
{
    if (allocations_left == 0) {
        if (fail_once)
            allocations_left = -1;
        return NULL;
    }
    if (allocations_left > 0)
        allocations_left--;
    return malloc(size);
}

static void assert_never_invalid(const char *body, bool batch)
{
    size_t nomem = 0;
    bool decoded = false;
    for (long n = 0; n < ALLOCATIONS_MAX && !decoded; n++) {
        allocations_left = n;
        decoded_attempts out;
        request_decode_result r = decode_attempts(body, strlen(body), batch, &out);
        allocations_left = -1;
        if (r.status == REQUEST_DECODE_INVALID)
            fail_msg("allocation %ld failed: called invalid: %s", n, r.detail);
        assert_true(r.status == REQUEST_DECODE_OK || r.status == REQUEST_DECODE_NOMEM);
        nomem += r.status == REQUEST_DECODE_NOMEM;
        decoded = r.status == REQUEST_DECODE_OK;
        decoded_attempts_free(&out);
    }
    assert_true(decoded);   /* enough allocations: it decodes */
    assert_true(nomem > 0); /* the failures were reached */
}

static void a_valid_body_is_out_of_memory_never_invalid_when_allocation_fails(void **state)
{
    (void)state;
    assert_never_invalid("{\"booking_id\":\"b-1\",\"resource_id\":\"r-1\",\"units\":2,"
                         "\"hold_ms\":5000}",
                         false);
    assert_never_invalid("{\"attempts\":[{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":1},"
                         "{\"booking_id\":\"a-much-longer-booking-id-that-needs-its-own-buffer-"
                         "0123456789\",\"resource_id\":\"r\",\"units\":3}]}",
                         true);
    /* Bad input is still bad input when memory is plenty. */
    decoded_attempts out;
    request_decode_result r = decode_attempts("{\"booking_id\":", 14, false, &out);
    assert_int_equal(r.status, REQUEST_DECODE_INVALID);
    decoded_attempts_free(&out);
}

/* An invalid body is answered its 400, with the detail it has when memory is
 * plenty, whichever one allocation fails, the yajl path's pool (the first)
 * included: the reference decoder then decides it. Out of memory is still the
 * answer when the reference decoder's own allocation is the one that fails. */
static void assert_invalid_whichever_allocation_fails(const char *body, bool batch)
{
    decoded_attempts out;
    request_decode_result plenty = decode_attempts(body, strlen(body), batch, &out);
    decoded_attempts_free(&out);
    assert_int_equal(plenty.status, REQUEST_DECODE_INVALID);
    size_t invalid = 0;
    for (long n = 0; n < ALLOCATIONS_MAX; n++) {
        allocations_left = n;
        fail_once = true;
        request_decode_result r = decode_attempts(body, strlen(body), batch, &out);
        bool failed = allocations_left == -1; /* the n-th allocation was made, and failed */
        allocations_left = -1;
        fail_once = false;
        decoded_attempts_free(&out);
        if (!failed)
            break; /* the decode makes fewer than n + 1 allocations */
        if (r.status == REQUEST_DECODE_NOMEM && n > 0)
            continue; /* the reference decoder's own allocation */
        if (r.status != REQUEST_DECODE_INVALID || strcmp(r.detail, plenty.detail) != 0)
            fail_msg("allocation %ld failed: status %d (%s), not 400 (%s)", n, r.status,
                     r.detail, plenty.detail);
        invalid++;
    }
    assert_true(invalid > 0); /* the pool's failure (n = 0) among them */
}

static void an_invalid_body_is_invalid_as_without_pressure_when_the_yajl_path_runs_short(
    void **state)
{
    (void)state;
    assert_invalid_whichever_allocation_fails(
        "{\"booking_id\":\"b-1\",\"resource_id\":\"r-1\",\"units\":0}", false);
    assert_invalid_whichever_allocation_fails(
        "{\"attempts\":[{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":1},"
        "{\"booking_id\":\"b-2\",\"units\":1}]}",
        true);
}

int main(void)
{
    json_set_alloc_funcs(failing_malloc, free);
    json_alloc_install(); /* counts the failures of failing_malloc, as the service does of malloc */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_valid_body_is_out_of_memory_never_invalid_when_allocation_fails),
        cmocka_unit_test(
            an_invalid_body_is_invalid_as_without_pressure_when_the_yajl_path_runs_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
