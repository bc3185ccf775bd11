/* SPDX-License-Identifier: MIT */
/*
 * test_request_decode.c: an attempt body and a batch body both come out of the
 * decoder (json/request_decode.h) as booking_requests in body order, with the ids
 * SPEC section 5 sent; a refused body leaves nothing to free or to queue; the
 * optional hold_ms (SPEC sections 3 and 7) is 1 to 604800000, absent meaning 0.
 */
#include "json/request_decode.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static request_decode_result decode_text(const char *body, bool batch, decoded_attempts *out)
{
    return decode_attempts(body, strlen(body), batch, out);
}

static void attempt_body_decodes_to_one_request_kept_inline(void **state)
{
    (void)state;
    decoded_attempts a;
    request_decode_result r =
        decode_text("{\"booking_id\":\"b-1\",\"resource_id\":\"room-1\",\"units\":2}", false, &a);
    assert_int_equal(r.status, REQUEST_DECODE_OK);
    assert_int_equal(a.count, 1);
    assert_ptr_equal(a.requests, &a.single_request); /* nothing allocated */
    assert_string_equal(a.requests[0].booking_id, "b-1");
    assert_string_equal(a.requests[0].resource_id, "room-1");
    assert_int_equal(a.requests[0].units, 2);
    decoded_attempts_free(&a);
    assert_null(a.requests);
}

static void batch_body_decodes_to_requests_in_body_order(void **state)
{
    (void)state;
    decoded_attempts a;
    request_decode_result r = decode_text(
        "{\"attempts\":[{\"booking_id\":\"b-2\",\"resource_id\":\"r\",\"units\":1},"
        "{\"booking_id\":\"b-1\",\"resource_id\":\"s\",\"units\":3}]}", true, &a);
    assert_int_equal(r.status, REQUEST_DECODE_OK);
    assert_int_equal(a.count, 2);
    assert_string_equal(a.requests[0].booking_id, "b-2");
    assert_string_equal(a.requests[0].resource_id, "r");
    assert_int_equal(a.requests[0].units, 1);
    assert_string_equal(a.requests[1].booking_id, "b-1");
    assert_string_equal(a.requests[1].resource_id, "s");
    assert_int_equal(a.requests[1].units, 3);
    decoded_attempts_free(&a);
    assert_int_equal(a.count, 0);
}

static void refused_attempt_or_batch_body_holds_no_attempts(void **state)
{
    (void)state;
    const char *single = "{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":0}";
    const char *batch = "{\"attempts\":[{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":1},"
                        "{\"booking_id\":\"b 2\",\"resource_id\":\"r\",\"units\":1}]}";
    decoded_attempts a;
    assert_int_equal(decode_text(single, false, &a).status, REQUEST_DECODE_INVALID);
    assert_int_equal(a.count, 0);
    decoded_attempts_free(&a);
    request_decode_result r = decode_text(batch, true, &a);
    assert_int_equal(r.status, REQUEST_DECODE_INVALID);
    assert_non_null(strstr(r.detail, "attempts[1]: "));
    assert_int_equal(a.count, 0);
    assert_null(a.requests);
    decoded_attempts_free(&a);
    /* A batch body is not an attempt body, and the other way round. */
    assert_int_equal(decode_text(batch, false, &a).status, REQUEST_DECODE_INVALID);
    decoded_attempts_free(&a);
    assert_int_equal(decode_text(single, true, &a).status, REQUEST_DECODE_INVALID);
    decoded_attempts_free(&a);
}

static void hold_ms_is_optional_and_taken_from_1_to_7_days_in_single_and_batch_bodies(void **state)
{
    (void)state;
    decoded_attempts a;
    assert_int_equal(
        decode_text("{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1}", false, &a).status,
        REQUEST_DECODE_OK);
    assert_int_equal(a.requests[0].hold_ms, 0); /* absent: no hold */
    decoded_attempts_free(&a);
    const char *limits[] = {"1", "604800000"};
    const uint64_t values[] = {1, BOOKING_HOLD_MS_MAX};
    for (size_t i = 0; i < 2; i++) {
        char body[160];
        snprintf(body, sizeof body,
                 "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"hold_ms\":%s}",
                 limits[i]);
        assert_int_equal(decode_text(body, false, &a).status, REQUEST_DECODE_OK);
        assert_int_equal(a.requests[0].hold_ms, values[i]);
        decoded_attempts_free(&a);
    }
    assert_int_equal(
        decode_text("{\"attempts\":[{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,"
                    "\"hold_ms\":250},{\"booking_id\":\"c\",\"resource_id\":\"r\",\"units\":1}]}",
                    true, &a).status,
        REQUEST_DECODE_OK);
    assert_int_equal(a.requests[0].hold_ms, 250);
    assert_int_equal(a.requests[1].hold_ms, 0);
    decoded_attempts_free(&a);
}

static void hold_ms_zero_over_7_days_a_string_a_float_or_null_is_invalid(void **state)
{
    (void)state;
    const char *bad[] = {"0", "604800001", "\"100\"", "1.5", "100.0", "1e3", "-1", "null",
                         "true", "9007199254740993"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[160];
        snprintf(body, sizeof body,
                 "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"hold_ms\":%s}", bad[i]);
        decoded_attempts a;
        request_decode_result r = decode_text(body, false, &a);
        assert_int_equal(r.status, REQUEST_DECODE_INVALID);
        assert_non_null(strstr(r.detail, "hold_ms"));
        assert_int_equal(a.count, 0);
        decoded_attempts_free(&a);
        snprintf(body, sizeof body,
                 "{\"attempts\":[{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,"
                 "\"hold_ms\":%s}]}", bad[i]);
        r = decode_text(body, true, &a);
        assert_int_equal(r.status, REQUEST_DECODE_INVALID);
        assert_non_null(strstr(r.detail, "attempts[0]: 'hold_ms'"));
        assert_int_equal(a.count, 0);
        decoded_attempts_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attempt_body_decodes_to_one_request_kept_inline),
        cmocka_unit_test(batch_body_decodes_to_requests_in_body_order),
        cmocka_unit_test(refused_attempt_or_batch_body_holds_no_attempts),
        cmocka_unit_test(hold_ms_is_optional_and_taken_from_1_to_7_days_in_single_and_batch_bodies),
        cmocka_unit_test(hold_ms_zero_over_7_days_a_string_a_float_or_null_is_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
