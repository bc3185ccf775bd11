/* SPDX-License-Identifier: MIT */
/*
 * test_json_bundles.c: the bodies of a bundle (SPEC sections 5 and 8) without a
 * server: the decoder's forms and refusals, the outcome text writer byte for
 * byte against jansson for bundles, and a record's lines and line_count.
 */
#include "json/booking_json.h"
#include "json/request_decode.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define BODY_MAX 16384

static request_decode_result decode_text(const char *body, bool batch, decoded_attempts *out)
{
    return decode_attempts(body, strlen(body), batch, out);
}

static void a_body_with_lines_decodes_to_a_bundle_request_in_the_lines_order(void **state)
{
    (void)state;
    decoded_attempts a;
    request_decode_result r = decode_text(
        "{\"booking_id\":\"stay-1\",\"lines\":[{\"resource_id\":\"n:2026-12-02\",\"units\":2},"
        "{\"resource_id\":\"n:2026-12-01\",\"units\":1}],\"hold_ms\":5000}",
        false, &a);
    assert_int_equal(r.status, REQUEST_DECODE_OK);
    assert_int_equal(a.count, 1);
    const booking_request *req = &a.requests[0];
    assert_string_equal(req->booking_id, "stay-1");
    assert_null(req->resource_id);
    assert_int_equal(req->units, 0);
    assert_int_equal(req->hold_ms, 5000);
    assert_int_equal(req->line_count, 2);
    assert_string_equal(req->lines[0].resource_id, "n:2026-12-02");
    assert_int_equal(req->lines[0].units, 2);
    assert_string_equal(req->lines[1].resource_id, "n:2026-12-01");
    assert_int_equal(req->lines[1].units, 1);
    decoded_attempts_free(&a);

    /* The single form stays the single form: no lines. */
    r = decode_text("{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":3}", false, &a);
    assert_int_equal(r.status, REQUEST_DECODE_OK);
    assert_null(a.requests[0].lines);
    assert_int_equal(a.requests[0].line_count, 0);
    assert_string_equal(a.requests[0].resource_id, "r");
    decoded_attempts_free(&a);
}

/* "lines": [{"resource_id": "r0", "units": 1}, ...] of n lines, into out. */
static void lines_text(char *out, size_t cap, size_t n)
{
    size_t o = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s{\"resource_id\":\"r%zu\",\"units\":1}",
                              i > 0 ? "," : "", i);
    snprintf(out + o, cap - o, "]");
}

static void assert_invalid(const char *body, bool batch, const char *detail_part)
{
    decoded_attempts a;
    request_decode_result r = decode_text(body, batch, &a);
    if (r.status != REQUEST_DECODE_INVALID)
        fail_msg("accepted: %s", body);
    assert_int_equal(a.count, 0);
    assert_null(a.requests);
    if (strstr(r.detail, detail_part) == NULL)
        fail_msg("detail '%s' lacks '%s' for %s", r.detail, detail_part, body);
    decoded_attempts_free(&a);
}

static void a_bundle_body_outside_the_limits_is_invalid_and_says_why(void **state)
{
    (void)state;
    static char body[2 * BODY_MAX], lines[BODY_MAX];
    lines_text(lines, sizeof lines, BOOKING_LINES_MAX + 1);
    snprintf(body, sizeof body, "{\"booking_id\":\"b\",\"lines\":%s}", lines);
    assert_invalid(body, false, "'lines' must be an array of 1 to 64 lines");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[]}", false, "1 to 64 lines");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":{}}", false, "1 to 64 lines");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":null}", false, "1 to 64 lines");
    assert_invalid("{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,"
                   "\"lines\":[{\"resource_id\":\"r\",\"units\":1}]}",
                   false, "not both");
    assert_invalid("{\"booking_id\":\"b\",\"units\":1,\"lines\":[{\"resource_id\":\"r\",\"units\":1}]}",
                   false, "not both");
    assert_invalid("{\"booking_id\":\"b\"}", false, "missing field 'resource_id'");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\",\"units\":0}]}", false,
                   "lines[0]: 'units' must be an integer from 1");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\",\"units\":1},"
                   "{\"resource_id\":\"a b\",\"units\":1}]}",
                   false, "lines[1]: 'resource_id' must be 1 to 128 characters");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\",\"units\":1,\"units\":2}]}",
                   false, "duplicate");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\",\"units\":1,\"x\":2}]}",
                   false, "lines[0]: unknown field 'x'");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\"}]}", false,
                   "lines[0]: missing field 'units'");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[7]}", false, "line must be a JSON object");
    assert_invalid("{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\",\"units\":1},"
                   "{\"resource_id\":\"s\",\"units\":1},{\"resource_id\":\"r\",\"units\":2}]}",
                   false, "resource 'r' is named twice (lines[0] and lines[2])");
    /* In a batch, the same refusals name the attempt. */
    assert_invalid("{\"attempts\":[{\"booking_id\":\"a\",\"resource_id\":\"r\",\"units\":1},"
                   "{\"booking_id\":\"b\",\"lines\":[{\"resource_id\":\"r\",\"units\":1},"
                   "{\"resource_id\":\"r\",\"units\":1}]}]}",
                   true, "attempts[1]: resource 'r' is named twice");
    assert_invalid("{\"attempts\":[{\"booking_id\":\"b\",\"lines\":[]}]}", true,
                   "attempts[0]: 'lines' must be an array of 1 to 64 lines");

    /* 64 lines is the most a bundle may have. */
    decoded_attempts a;
    lines_text(lines, sizeof lines, BOOKING_LINES_MAX);
    snprintf(body, sizeof body, "{\"booking_id\":\"b\",\"lines\":%s}", lines);
    assert_int_equal(decode_text(body, false, &a).status, REQUEST_DECODE_OK);
    assert_int_equal(a.requests[0].line_count, BOOKING_LINES_MAX);
    assert_string_equal(a.requests[0].lines[63].resource_id, "r63");
    decoded_attempts_free(&a);
}

/* {"attempts": [...]} of `bundles` bundles of 64 lines and `singles` single
 * attempts, with the shortest ids, so that 65,537 lines fit the 2 MiB body. */
static char *batch_text(size_t bundles, size_t singles, size_t *len)
{
    size_t cap = REQUEST_BODY_BATCH_MAX + 1;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t o = (size_t)snprintf(out, cap, "{\"attempts\":[");
    for (size_t b = 0; b < bundles + singles; b++) {
        o += (size_t)snprintf(out + o, cap - o, "%s{\"booking_id\":\"%zx\",", b > 0 ? "," : "", b);
        if (b >= bundles) {
            o += (size_t)snprintf(out + o, cap - o, "\"resource_id\":\"s\",\"units\":1}");
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "\"lines\":[");
        for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s{\"resource_id\":\"%02zu\",\"units\":1}",
                                  i > 0 ? "," : "", i);
        o += (size_t)snprintf(out + o, cap - o, "]}");
        assert_true(o < cap - 64);
    }
    o += (size_t)snprintf(out + o, cap - o, "]}");
    assert_true(o <= REQUEST_BODY_BATCH_MAX);
    *len = o;
    return out;
}

static void a_batch_of_more_than_65536_lines_is_invalid_and_a_single_attempt_counts_one(
    void **state)
{
    (void)state;
    size_t full = BOOKING_BATCH_LINES_MAX / BOOKING_LINES_MAX; /* 1024 bundles: 65,536 lines */
    size_t len;
    char *body = batch_text(full, 0, &len);
    decoded_attempts a;
    request_decode_result r = decode_attempts(body, len, true, &a);
    assert_int_equal(r.status, REQUEST_DECODE_OK);
    assert_int_equal(a.count, full);
    assert_int_equal(a.batch.line_count, BOOKING_BATCH_LINES_MAX);
    assert_string_equal(a.requests[full - 1].lines[63].resource_id, "63");
    decoded_attempts_free(&a);
    free(body);

    body = batch_text(full, 1, &len); /* one single attempt more: 65,537 */
    r = decode_attempts(body, len, true, &a);
    assert_int_equal(r.status, REQUEST_DECODE_INVALID);
    assert_non_null(strstr(r.detail, "65537 lines; at most 65536 in all"));
    assert_int_equal(a.count, 0);
    decoded_attempts_free(&a);
    free(body);

    body = batch_text(full - 1, 64, &len); /* 65,472 + 64 singles: exactly 65,536 */
    r = decode_attempts(body, len, true, &a);
    assert_int_equal(r.status, REQUEST_DECODE_OK);
    assert_int_equal(a.batch.line_count, BOOKING_BATCH_LINES_MAX);
    assert_null(a.requests[full - 1].lines);
    decoded_attempts_free(&a);
    free(body);
}

static void assert_same_as_jansson(const booking_request *req, const booking_result *res)
{
    size_t max = booking_json_outcome_max(req);
    char *fast = malloc(max);
    assert_non_null(fast);
    size_t n = booking_json_outcome_write(fast, req, res);
    assert_true(n > 0 && n <= max);
    json_t *tree = booking_json_outcome(req, res);
    assert_non_null(tree);
    char *slow = json_dumps(tree, JSON_COMPACT);
    json_decref(tree);
    assert_non_null(slow);
    assert_int_equal(n, strlen(slow));
    assert_memory_equal(fast, slow, n);
    free(slow);
    free(fast);
}

static void a_bundle_outcome_body_is_the_same_as_jansson_at_every_outcome_and_at_the_limits(
    void **state)
{
    (void)state;
    static char ids[BOOKING_LINES_MAX][BOOKING_ID_LEN_MAX + 1];
    booking_line lines[BOOKING_LINES_MAX];
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++) {
        memset(ids[i], 'a' + (int)(i % 26), BOOKING_ID_LEN_MAX);
        ids[i][BOOKING_ID_LEN_MAX - 1] = (char)('0' + i / 26);
        ids[i][BOOKING_ID_LEN_MAX] = '\0';
        lines[i] = (booking_line){.resource_id = ids[i], .units = BOOKING_UNITS_MAX};
    }
    const size_t counts[] = {1, 2, BOOKING_LINES_MAX};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        booking_request req = {.booking_id = ids[0], .lines = lines, .line_count = counts[c]};
        for (int o = BOOKING_BOOKED; o <= BOOKING_FAILED; o++) {
            for (int r = BOOKING_REASON_OK; r <= BOOKING_REASON_HOLD_EXPIRED; r++) {
                for (int st = BOOKING_STATUS_NONE; st <= BOOKING_STATUS_EXPIRED; st++) {
                    booking_result res = {.outcome = (booking_outcome)o,
                                          .reason = (booking_reason)r,
                                          .replayed = st % 2 == 0,
                                          .status = (booking_status)st,
                                          .expires_at_ms = 1796161800123,
                                          .line = (uint32_t)(counts[c] - 1)};
                    assert_same_as_jansson(&req, &res);
                }
            }
        }
    }
}

static void assert_line(json_t *tree, const char *want)
{
    size_t len = 0;
    char *line = booking_json_line(tree, &len);
    assert_non_null(line);
    assert_string_equal(line, want);
    free(line);
}

static void a_bundle_outcome_has_lines_instead_of_resource_and_units_and_line_when_rejected(
    void **state)
{
    (void)state;
    booking_line lines[] = {{.resource_id = "n1", .units = 1}, {.resource_id = "n2", .units = 2}};
    booking_request req = {.booking_id = "s", .lines = lines, .line_count = 2};
    booking_result res = {.outcome = BOOKING_REJECTED,
                          .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY, .line = 1};
    assert_line(booking_json_outcome(&req, &res),
                "{\"outcome\":\"REJECTED\",\"reason\":\"insufficient_capacity\",\"booking_id\":\"s\","
                "\"lines\":[{\"resource_id\":\"n1\",\"units\":1},{\"resource_id\":\"n2\",\"units\":2}],"
                "\"line\":1,\"replayed\":false}\n");
    res.reason = BOOKING_REASON_UNKNOWN_RESOURCE;
    res.line = 0;
    assert_line(booking_json_outcome(&req, &res),
                "{\"outcome\":\"REJECTED\",\"reason\":\"unknown_resource\",\"booking_id\":\"s\","
                "\"lines\":[{\"resource_id\":\"n1\",\"units\":1},{\"resource_id\":\"n2\",\"units\":2}],"
                "\"line\":0,\"replayed\":false}\n");
    /* A conflict is not about a line. */
    res.reason = BOOKING_REASON_BOOKING_ID_CONFLICT;
    assert_line(booking_json_outcome(&req, &res),
                "{\"outcome\":\"REJECTED\",\"reason\":\"booking_id_conflict\",\"booking_id\":\"s\","
                "\"lines\":[{\"resource_id\":\"n1\",\"units\":1},{\"resource_id\":\"n2\",\"units\":2}],"
                "\"replayed\":false}\n");
    res = (booking_result){.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                           .status = BOOKING_STATUS_ACTIVE};
    assert_line(booking_json_outcome(&req, &res),
                "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"booking_id\":\"s\","
                "\"lines\":[{\"resource_id\":\"n1\",\"units\":1},{\"resource_id\":\"n2\",\"units\":2}],"
                "\"replayed\":false,\"status\":\"active\"}\n");
    /* The single form keeps its fields, and no line even when REJECTED. */
    booking_request single = {.booking_id = "t", .resource_id = "n1", .units = 1};
    res = (booking_result){.outcome = BOOKING_REJECTED,
                           .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY};
    assert_line(booking_json_outcome(&single, &res),
                "{\"outcome\":\"REJECTED\",\"reason\":\"insufficient_capacity\",\"booking_id\":\"t\","
                "\"resource_id\":\"n1\",\"units\":1,\"replayed\":false}\n");
}

static void a_bundle_record_has_every_line_in_order_and_line_count_but_no_resource_id(
    void **state)
{
    (void)state;
    booking_record rec = {.booking_id = "s", .resource_id = "n1", .units = 1,
                          .outcome = BOOKING_REJECTED,
                          .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY,
                          .status = BOOKING_STATUS_NONE, .created_at_ms = 1796161800123,
                          .updated_at_ms = 1796161800123, .line_count = 2, .line = 1};
    booking_record_line lines[] = {{.resource_id = "n1", .units = 1},
                                   {.resource_id = "n2", .units = 2}};
    assert_line(booking_json_record(&rec, lines),
                "{\"booking_id\":\"s\",\"lines\":[{\"resource_id\":\"n1\",\"units\":1},"
                "{\"resource_id\":\"n2\",\"units\":2}],\"line_count\":2,\"outcome\":\"REJECTED\","
                "\"reason\":\"insufficient_capacity\",\"line\":1,\"status\":\"none\","
                "\"created_at\":\"2026-12-01T21:50:00.123Z\","
                "\"updated_at\":\"2026-12-01T21:50:00.123Z\"}\n");
    rec.outcome = BOOKING_BOOKED;
    rec.reason = BOOKING_REASON_BOOKED;
    rec.status = BOOKING_STATUS_CANCELLED;
    rec.line = 0;
    assert_line(booking_json_change(BOOKING_REASON_CANCELLED, &rec, lines),
                "{\"booking_id\":\"s\",\"lines\":[{\"resource_id\":\"n1\",\"units\":1},"
                "{\"resource_id\":\"n2\",\"units\":2}],\"line_count\":2,\"outcome\":\"BOOKED\","
                "\"reason\":\"booked\",\"status\":\"cancelled\","
                "\"created_at\":\"2026-12-01T21:50:00.123Z\","
                "\"updated_at\":\"2026-12-01T21:50:00.123Z\",\"result\":\"cancelled\"}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_body_with_lines_decodes_to_a_bundle_request_in_the_lines_order),
        cmocka_unit_test(a_bundle_body_outside_the_limits_is_invalid_and_says_why),
        cmocka_unit_test(
            a_batch_of_more_than_65536_lines_is_invalid_and_a_single_attempt_counts_one),
        cmocka_unit_test(
            a_bundle_outcome_body_is_the_same_as_jansson_at_every_outcome_and_at_the_limits),
        cmocka_unit_test(
            a_bundle_outcome_has_lines_instead_of_resource_and_units_and_line_when_rejected),
        cmocka_unit_test(
            a_bundle_record_has_every_line_in_order_and_line_count_but_no_resource_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
