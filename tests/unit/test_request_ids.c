/* SPDX-License-Identifier: MIT */
/*
 * test_request_ids.c: an id in a request body and an id in a URL path are checked
 * by one function (decode_id), which accepts exactly what the library's contract
 * (booking_id_valid, SPEC section 3) accepts, so the adapters never disagree with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json/request_decode.h"

#include <stdio.h>
#include <string.h>

static void request_ids_are_valid_exactly_when_the_library_says_so(void **state)
{
    (void)state;
    char id[BOOKING_ID_LEN_MAX + 2];
    /* Every byte alone, then in the middle of an otherwise valid id. */
    for (int c = 0; c < 256; c++) {
        memcpy(id, "ab", 3);
        id[1] = (char)c;
        for (size_t len = 1; len <= 3; len += 2) {
            const char *p = len == 1 ? id + 1 : id;
            bool ok = decode_id(p, len, "'booking_id'").status == REQUEST_DECODE_OK;
            assert_int_equal(ok, booking_id_valid(p, len));
        }
    }
    /* The length limits, 0 and BOOKING_ID_LEN_MAX + 1 out, 1 and the maximum in. */
    memset(id, 'z', sizeof id);
    const size_t lens[] = {0, 1, BOOKING_ID_LEN_MAX, BOOKING_ID_LEN_MAX + 1};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        bool ok = decode_id(id, lens[i], "booking_id in the path").status == REQUEST_DECODE_OK;
        assert_int_equal(ok, booking_id_valid(id, lens[i]));
    }
}

static void an_invalid_request_id_is_a_400_that_names_where_it_was(void **state)
{
    (void)state;
    char want[REQUEST_DECODE_DETAIL_MAX];
    request_decode_result r = decode_id("a b", 3, "resource_id in the path");
    assert_int_equal(r.status, REQUEST_DECODE_INVALID);
    snprintf(want, sizeof want,
             "resource_id in the path must be 1 to %d characters of A-Z a-z 0-9 . _ : -",
             BOOKING_ID_LEN_MAX);
    assert_string_equal(r.detail, want);

    static const char body[] = "{\"booking_id\":\"a/b\",\"resource_id\":\"r\",\"units\":1}";
    decoded_attempt a;
    r = decode_attempt(body, sizeof body - 1, &a);
    assert_int_equal(r.status, REQUEST_DECODE_INVALID);
    snprintf(want, sizeof want, "'booking_id' must be 1 to %d characters of A-Z a-z 0-9 . _ : -",
             BOOKING_ID_LEN_MAX);
    assert_string_equal(r.detail, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_ids_are_valid_exactly_when_the_library_says_so),
        cmocka_unit_test(an_invalid_request_id_is_a_400_that_names_where_it_was),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
