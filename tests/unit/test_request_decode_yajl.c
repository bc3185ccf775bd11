/* SPDX-License-Identifier: MIT */
/*
 * test_request_decode_yajl.c: the two decoders behind json/request_decode.h.
 * Plain valid bodies are taken by the yajl path (so it is the one the service
 * runs); bodies whose meaning yajl would get wrong (its \u decoding, its UTF-8
 * check, its whitespace) never are, and every body here gets from decode_attempt
 * and decode_batch the status and detail of the jansson reference.
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

static void a_plain_valid_body_is_decoded_by_yajl(void **state)
{
    (void)state;
    static const char *const attempts[] = {
        "{\"booking_id\":\"b-1\",\"resource_id\":\"r-1\",\"units\":2}",
        "{\"hold_ms\":604800000,\"units\":9007199254740991,\"resource_id\":\"r\",\"booking_id\":\"b\"}",
        ("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"x\",\"units\":2},"
         "{\"units\":3,\"resource_id\":\"y\"}]} \r\n"),
    };
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
        decoded_attempt a;
        assert_int_equal(yajl_decode_attempt(attempts[i], strlen(attempts[i]), &a),
                         REQUEST_DECODE_OK);
        decoded_attempt_free(&a);
    }
    const char *batch = "{\n\t\"attempts\": [{\"booking_id\": \"b-1\", \"resource_id\": \"r\", "
                        "\"units\": 1}, {\"booking_id\": \"b-2\", \"lines\": [{\"resource_id\": "
                        "\"x\", \"units\": 5}], \"hold_ms\": 1}]\n}\n";
    decoded_batch b;
    assert_int_equal(yajl_decode_batch(batch, strlen(batch), &b), REQUEST_DECODE_OK);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.line_count, 2);
    assert_null(b.attempts[0].lines);
    assert_string_equal(b.attempts[1].lines[0].resource_id, "x");
    assert_int_equal(b.attempts[1].lines[0].units, 5);
    assert_int_equal(b.attempts[1].hold_ms, 1);
    decoded_batch_free(&b);
}

/* Bodies yajl would misread or accept where jansson refuses, and integers in
 * every form jansson reads its own way. */
static const char *const tricky[] = {
    "{\v\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1}",     /* \v: yajl's whitespace */
    "{\"booking_id\":\"b\",\f\"resource_id\":\"r\",\"units\":1}",     /* \f likewise */
    "{\"booking_id\":\"b\\ud800\",\"resource_id\":\"r\",\"units\":1}", /* yajl: '?' */
    "{\"booking_id\":\"b\\ud800\\u0041\",\"resource_id\":\"r\",\"units\":1}", /* yajl joins */
    "{\"booking_id\":\"b\\udc00\",\"resource_id\":\"r\",\"units\":1}",       /* lone low */
    "{\"booking_id\":\"b\xc0\xaf\",\"resource_id\":\"r\",\"units\":1}",       /* overlong '/' */
    "{\"booking_id\":\"b\xed\xa0\x80\",\"resource_id\":\"r\",\"units\":1}",   /* UTF-8 surrogate */
    "{\"booking_id\":\"b\\u002d1\",\"resource_id\":\"r\",\"units\":1}",       /* valid: "b-1" */
    "{\"booking_\\u0069d\":\"b\",\"resource_id\":\"r\",\"units\":1}",         /* valid key */
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1.0}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1e3}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":-0}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":-1}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":01}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":9007199254740992}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":9223372036854775807}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":9223372036854775808}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":18446744073709551616}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"hold_ms\":0}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"hold_ms\":604800001}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"hold_ms\":null}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":true}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":\"1\"}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"units\":1}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"x\":1}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"lines\":[]}",
    ("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\",\"units\":1},"
     "{\"resource_id\":\"r\",\"units\":1}]}"),
    "{\"booking_id\":\"b\"}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\"",
    "{\"booking_id\":\"b\",\"resource_id\":\"r}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1}}",
    "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1}/",
    "/**/{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1}",
    "{\"booking_id\":[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]}",
    "",
    " ",
    "}",
};

static void every_body_gets_the_reference_decoders_status_and_detail(void **state)
{
    (void)state;
    char body[512];
    for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
        decoded_attempt a, ra;
        request_decode_result r = decode_attempt(tricky[i], strlen(tricky[i]), &a);
        request_decode_result rr = decode_attempt_reference(tricky[i], strlen(tricky[i]), &ra);
        assert_int_equal(r.status, rr.status);
        assert_string_equal(r.detail, rr.detail);
        if (r.status == REQUEST_DECODE_OK) {
            assert_string_equal(a.booking_id, ra.booking_id);
            assert_int_equal(a.units, ra.units);
        }
        decoded_attempt_free(&a);
        decoded_attempt_free(&ra);
        /* The same attempt inside a batch. */
        int n = snprintf(body, sizeof body, "{\"attempts\":[%s]}", tricky[i]);
        assert_true(n > 0 && (size_t)n < sizeof body);
        decoded_batch b, rb;
        r = decode_batch(body, (size_t)n, &b);
        rr = decode_batch_reference(body, (size_t)n, &rb);
        assert_int_equal(r.status, rr.status);
        assert_string_equal(r.detail, rr.detail);
        decoded_batch_free(&b);
        decoded_batch_free(&rb);
    }
}

static void a_body_yajl_would_misread_never_reaches_it(void **state)
{
    (void)state;
    for (size_t i = 0; i < 9; i++) { /* the escapes, the bytes over 0x7f, \v and \f */
        decoded_attempt a;
        assert_int_equal(yajl_decode_attempt(tricky[i], strlen(tricky[i]), &a),
                         REQUEST_DECODE_DECLINED);
        assert_null(a.lines);
    }
}

/* 1025 bundles of 64 lines: more lines than a batch may hold (SPEC section 3),
 * in a body under its 2 MiB limit. Refused as the reference refuses it, however
 * far the lines of the bundles before it went. */
static void a_batch_over_its_lines_limit_is_refused_as_the_reference_refuses_it(void **state)
{
    (void)state;
    /* One-character resource ids, distinct within a bundle, to stay under 2 MiB. */
    static const char ids[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-";
    static const char line[] = "{\"resource_id\":\"A\",\"units\":1}";
    _Static_assert(sizeof ids - 1 >= BOOKING_LINES_MAX, "an id for each line");
    size_t bundles = BOOKING_BATCH_LINES_MAX / BOOKING_LINES_MAX + 1;
    size_t room = 64 + bundles * (64 + BOOKING_LINES_MAX * sizeof line);
    char *body = malloc(room);
    assert_non_null(body);
    size_t n = (size_t)snprintf(body, room, "{\"attempts\":[");
    for (size_t b = 0; b < bundles; b++) {
        n += (size_t)snprintf(body + n, room - n, "%s{\"booking_id\":\"b%zu\",\"lines\":[",
                              b > 0 ? "," : "", b);
        for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
            n += (size_t)snprintf(body + n, room - n, "%s{\"resource_id\":\"%c\",\"units\":1}",
                                  i > 0 ? "," : "", ids[i]);
        n += (size_t)snprintf(body + n, room - n, "]}");
    }
    n += (size_t)snprintf(body + n, room - n, "]}");
    assert_true(n < REQUEST_BODY_BATCH_MAX);
    decoded_batch out, ref;
    request_decode_result r = decode_batch(body, n, &out);
    request_decode_result rr = decode_batch_reference(body, n, &ref);
    assert_int_equal(r.status, REQUEST_DECODE_INVALID);
    assert_int_equal(rr.status, REQUEST_DECODE_INVALID);
    assert_string_equal(r.detail, rr.detail);
    assert_null(out.attempts);
    free(body);
}

/* The pool of a parse holds all yajl asks for (request_decode_yajl.c): after
 * every body above, and a batch of the most attempts with the longest booking
 * ids and numbers, no allocation of yajl's came from the fallback. */
static void yajl_never_asks_for_more_than_its_pool(void **state)
{
    (void)state;
    char id[BOOKING_ID_LEN_MAX + 1];
    memset(id, 'i', BOOKING_ID_LEN_MAX);
    id[BOOKING_ID_LEN_MAX] = '\0';
    size_t room = REQUEST_BODY_BATCH_MAX;
    char *body = malloc(room);
    assert_non_null(body);
    size_t n = (size_t)snprintf(body, room, "{\"attempts\":[");
    for (size_t i = 0; i < BOOKING_BATCH_MAX; i++)
        n += (size_t)snprintf(body + n, room - n,
                              "%s{\"booking_id\":\"%.*s%05zu\",\"resource_id\":\"r\","
                              "\"units\":9007199254740991}",
                              i > 0 ? "," : "", BOOKING_ID_LEN_MAX - 5, id, i);
    n += (size_t)snprintf(body + n, room - n, "]}");
    assert_true(n < room); /* 8192 of 189 bytes: 1.5 MiB, under the 2 MiB of a batch */
    decoded_batch b;
    assert_int_equal(yajl_decode_batch(body, n, &b), REQUEST_DECODE_OK);
    assert_int_equal(b.count, BOOKING_BATCH_MAX);
    decoded_batch_free(&b);
    free(body);
    assert_int_equal(yajl_decode_pool_overflows(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_plain_valid_body_is_decoded_by_yajl),
        cmocka_unit_test(every_body_gets_the_reference_decoders_status_and_detail),
        cmocka_unit_test(a_body_yajl_would_misread_never_reaches_it),
        cmocka_unit_test(a_batch_over_its_lines_limit_is_refused_as_the_reference_refuses_it),
        cmocka_unit_test(yajl_never_asks_for_more_than_its_pool), /* after the others */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
