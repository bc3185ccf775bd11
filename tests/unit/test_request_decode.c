/*
 * test_request_decode.c: an attempt body and a batch body both come out of the
 * decoder (json/request_decode.h) as booking_requests in body order, with the ids
 * SPEC section 5 sent; a refused body leaves nothing to free or to queue.
 */
#include "json/request_decode.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attempt_body_decodes_to_one_request_kept_inline),
        cmocka_unit_test(batch_body_decodes_to_requests_in_body_order),
        cmocka_unit_test(refused_attempt_or_batch_body_holds_no_attempts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
