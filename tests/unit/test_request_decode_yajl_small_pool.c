/* SPDX-License-Identifier: MIT */
/*
 * test_request_decode_yajl_small_pool.c: json/request_decode_yajl.c built again
 * here with a pool far smaller than what yajl asks for (YAJL_POOL_SIZE, set by
 * tests/unit/CMakeLists.txt), so that a parse takes the fallback of the pool's
 * note: what does not fit comes from malloc, in every build, and is freed with the
 * parse; the decode is the one the reference decoder makes.
 */
#include "json/request_decode.h"
#include "json/request_decode_yajl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

_Static_assert(YAJL_POOL_SIZE < 2048, "smaller than the lexer's buffer alone");

static void assert_same_attempt(const decoded_attempt *a, const decoded_attempt *ref)
{
    assert_string_equal(a->booking_id, ref->booking_id);
    assert_string_equal(a->resource_id, ref->resource_id);
    assert_int_equal(a->units, ref->units);
    assert_int_equal(a->hold_ms, ref->hold_ms);
    assert_int_equal(a->line_count, ref->line_count);
    for (size_t i = 0; i < a->line_count; i++) {
        assert_string_equal(a->lines[i].resource_id, ref->lines[i].resource_id);
        assert_int_equal(a->lines[i].units, ref->lines[i].units);
    }
}

static void a_parse_past_its_pool_takes_malloc_and_decodes_as_the_reference(void **state)
{
    (void)state;
    static const char *const attempts[] = {
        "{\"booking_id\":\"b-1\",\"resource_id\":\"r-1\",\"units\":2,\"hold_ms\":5000}",
        ("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"x\",\"units\":2},"
         "{\"units\":3,\"resource_id\":\"y\"}]} \r\n"),
        "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":0}", /* invalid: declined */
    };
    unsigned long before = yajl_decode_pool_overflows();
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
        decoded_attempt a, ref;
        int st = yajl_decode_attempt(attempts[i], strlen(attempts[i]), &a);
        request_decode_result rr = decode_attempt_reference(attempts[i], strlen(attempts[i]),
                                                            &ref);
        if (rr.status == REQUEST_DECODE_OK) {
            assert_int_equal(st, REQUEST_DECODE_OK);
            assert_same_attempt(&a, &ref);
            decoded_attempt_free(&a);
        } else {
            assert_int_equal(st, REQUEST_DECODE_DECLINED);
            assert_null(a.lines);
        }
        decoded_attempt_free(&ref);
    }
    const char *batch = "{\"attempts\":[{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":1},"
                        "{\"booking_id\":\"b-2\",\"lines\":[{\"resource_id\":\"x\",\"units\":5}],"
                        "\"hold_ms\":1}]}";
    decoded_batch b, ref;
    assert_int_equal(yajl_decode_batch(batch, strlen(batch), &b), REQUEST_DECODE_OK);
    assert_int_equal(decode_batch_reference(batch, strlen(batch), &ref).status, REQUEST_DECODE_OK);
    assert_int_equal(b.count, ref.count);
    assert_int_equal(b.line_count, ref.line_count);
    for (size_t i = 0; i < b.count; i++)
        assert_same_attempt(&b.attempts[i], &ref.attempts[i]);
    decoded_batch_free(&b);
    decoded_batch_free(&ref);
    /* Every parse above overflowed (the lexer's buffer alone is larger). */
    assert_true(yajl_decode_pool_overflows() >= before + 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_parse_past_its_pool_takes_malloc_and_decodes_as_the_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
