/* SPDX-License-Identifier: MIT */
/*
 * history_line_test.c: the history line format (docs/checking.md) has one
 * writer and one reader that agree: every kind of event written reads back as
 * itself, the writer's bytes are the documented shape, and the reader refuses
 * a completion with a reason its operation cannot answer.
 */
#include "history/history_line.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static history_event decode(const char *line)
{
    history_line l;
    history_event ev;
    char why[HISTORY_WHY_BYTES] = "";
    bool ok = history_line_open(&l, line, strlen(line), &ev, why) &&
              history_line_read_fields(&l, &ev, why);
    if (!ok)
        fail_msg("refused '%s': %s", line, why);
    /* The strings live in the line: compare what matters before closing it. */
    static char booking[BOOKING_ID_LEN_MAX + 1], resource[BOOKING_ID_LEN_MAX + 1];
    snprintf(booking, sizeof booking, "%s", ev.booking_id ? ev.booking_id : "");
    snprintf(resource, sizeof resource, "%s", ev.resource_id ? ev.resource_id : "");
    ev.booking_id = ev.booking_id ? booking : NULL;
    ev.resource_id = ev.resource_id ? resource : NULL;
    history_line_close(&l);
    return ev;
}

static void assert_round_trip(const history_event *ev, const char *want)
{
    char line[HISTORY_LINE_BYTES_MAX];
    size_t n = history_line_encode(ev, line, sizeof line);
    assert_true(n > 0);
    assert_string_equal(line, want);
    history_event back = decode(line);
    assert_int_equal(back.type, ev->type);
    assert_int_equal(back.f, ev->f);
    assert_int_equal(back.process, ev->process);
    assert_int_equal(back.time_ns, ev->time_ns);
    assert_int_equal(back.units, ev->units);
    assert_int_equal(back.capacity, ev->capacity);
    assert_int_equal(back.booked, ev->booked);
    assert_int_equal(back.has_reason, ev->has_reason);
    assert_int_equal(back.reason, ev->reason);
    assert_int_equal(back.ok, ev->ok);
    assert_int_equal(back.replayed, ev->replayed);
    assert_int_equal(back.has_read, ev->has_read);
    assert_int_equal(back.hold_ms, ev->hold_ms);
    assert_int_equal(back.status, ev->status);
    assert_int_equal(back.has_expires_at, ev->has_expires_at);
    assert_int_equal(back.expires_at_ms, ev->expires_at_ms);
    assert_int_equal(back.has_updated_at, ev->has_updated_at);
    assert_int_equal(back.updated_at_ms, ev->updated_at_ms);
    assert_int_equal(back.has_as_of, ev->has_as_of);
    assert_int_equal(back.as_of_ms, ev->as_of_ms);
    if (ev->booking_id != NULL)
        assert_string_equal(back.booking_id, ev->booking_id);
    if (ev->resource_id != NULL)
        assert_string_equal(back.resource_id, ev->resource_id);
    assert_int_equal(history_line_time(line), ev->time_ns);
}

static void every_event_written_reads_back_as_itself_in_the_documented_shape(void **state)
{
    (void)state;
    assert_round_trip(
        &(history_event){.type = HISTORY_INVOKE, .f = HISTORY_ATTEMPT, .process = 3,
                         .booking_id = "b-1", .resource_id = "room:42", .units = 2,
                         .has_time = true, .time_ns = 77},
        "{\"type\":\"invoke\",\"process\":3,\"f\":\"attempt\",\"booking_id\":\"b-1\","
        "\"resource_id\":\"room:42\",\"units\":2,\"time\":77}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_ATTEMPT, .process = 3,
                         .outcome = BOOKING_REJECTED, .has_reason = true,
                         .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY,
                         .replayed = HISTORY_FALSE, .has_time = true, .time_ns = 78},
        "{\"type\":\"complete\",\"process\":3,\"f\":\"attempt\",\"outcome\":\"REJECTED\","
        "\"reason\":\"insufficient_capacity\",\"replayed\":false,\"time\":78}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_INVOKE, .f = HISTORY_SET_CAPACITY, .process = 0,
                         .resource_id = "r", .capacity = BOOKING_CAPACITY_MAX, .has_time = true,
                         .time_ns = 1},
        "{\"type\":\"invoke\",\"process\":0,\"f\":\"set_capacity\",\"resource_id\":\"r\","
        "\"capacity\":9007199254740991,\"time\":1}\n");
    assert_round_trip(&(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_SET_CAPACITY,
                                       .process = 0, .ok = HISTORY_TRUE, .has_time = true,
                                       .time_ns = 2},
                      "{\"type\":\"complete\",\"process\":0,\"f\":\"set_capacity\",\"ok\":true,"
                      "\"time\":2}\n");
    assert_round_trip(&(history_event){.type = HISTORY_INVOKE, .f = HISTORY_CANCEL, .process = 9,
                                       .booking_id = "b.2"},
                      "{\"type\":\"invoke\",\"process\":9,\"f\":\"cancel\",\"booking_id\":\"b.2\"}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_CANCEL, .process = 9,
                         .ok = HISTORY_FALSE, .has_reason = true,
                         .reason = BOOKING_REASON_NOT_BOOKED},
        "{\"type\":\"complete\",\"process\":9,\"f\":\"cancel\",\"ok\":false,"
        "\"reason\":\"not_booked\"}\n");
    assert_round_trip(&(history_event){.type = HISTORY_INVOKE, .f = HISTORY_GET_RESOURCE,
                                       .process = 1, .resource_id = "r"},
                      "{\"type\":\"invoke\",\"process\":1,\"f\":\"get_resource\","
                      "\"resource_id\":\"r\"}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_GET_RESOURCE, .process = 1,
                         .has_reason = true, .reason = BOOKING_REASON_OK, .has_read = true,
                         .capacity = 5, .booked = 4},
        "{\"type\":\"complete\",\"process\":1,\"f\":\"get_resource\",\"reason\":\"ok\","
        "\"capacity\":5,\"booked\":4}\n");
}

#define T_MS 1796161800123 /* 2026-12-01T21:50:00.123Z */

static void holds_confirms_and_store_times_read_back_as_themselves(void **state)
{
    (void)state;
    assert_round_trip(
        &(history_event){.type = HISTORY_INVOKE, .f = HISTORY_ATTEMPT, .process = 2,
                         .booking_id = "h", .resource_id = "r", .units = 1,
                         .hold_ms = BOOKING_HOLD_MS_MAX},
        "{\"type\":\"invoke\",\"process\":2,\"f\":\"attempt\",\"booking_id\":\"h\","
        "\"resource_id\":\"r\",\"units\":1,\"hold_ms\":604800000}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_ATTEMPT, .process = 2,
                         .outcome = BOOKING_BOOKED, .has_reason = true,
                         .reason = BOOKING_REASON_BOOKED, .replayed = HISTORY_FALSE,
                         .status = BOOKING_STATUS_HELD, .has_expires_at = true,
                         .expires_at_ms = T_MS},
        "{\"type\":\"complete\",\"process\":2,\"f\":\"attempt\",\"outcome\":\"BOOKED\","
        "\"reason\":\"booked\",\"replayed\":false,\"status\":\"held\","
        "\"expires_at\":\"2026-12-01T21:50:00.123Z\"}\n");
    assert_round_trip(&(history_event){.type = HISTORY_INVOKE, .f = HISTORY_CONFIRM,
                                       .process = 4, .booking_id = "h"},
                      "{\"type\":\"invoke\",\"process\":4,\"f\":\"confirm\","
                      "\"booking_id\":\"h\"}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_CONFIRM, .process = 4,
                         .ok = HISTORY_TRUE, .has_reason = true,
                         .reason = BOOKING_REASON_CONFIRMED, .has_expires_at = true,
                         .expires_at_ms = T_MS, .has_updated_at = true,
                         .updated_at_ms = T_MS - 1},
        "{\"type\":\"complete\",\"process\":4,\"f\":\"confirm\",\"ok\":true,"
        "\"reason\":\"confirmed\",\"expires_at\":\"2026-12-01T21:50:00.123Z\","
        "\"updated_at\":\"2026-12-01T21:50:00.122Z\"}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_CANCEL, .process = 4,
                         .ok = HISTORY_FALSE, .has_reason = true,
                         .reason = BOOKING_REASON_HOLD_EXPIRED},
        "{\"type\":\"complete\",\"process\":4,\"f\":\"cancel\",\"ok\":false,"
        "\"reason\":\"hold_expired\"}\n");
    assert_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_GET_RESOURCE, .process = 1,
                         .has_reason = true, .reason = BOOKING_REASON_OK, .has_read = true,
                         .capacity = 5, .booked = 4, .has_as_of = true, .as_of_ms = 0},
        "{\"type\":\"complete\",\"process\":1,\"f\":\"get_resource\",\"reason\":\"ok\","
        "\"capacity\":5,\"booked\":4,\"as_of\":\"1970-01-01T00:00:00.000Z\"}\n");
}

static void refused(const char *line, const char *want_why)
{
    history_line l;
    history_event ev;
    char why[HISTORY_WHY_BYTES] = "";
    bool ok = history_line_open(&l, line, strlen(line), &ev, why) &&
              history_line_read_fields(&l, &ev, why);
    history_line_close(&l);
    if (ok)
        fail_msg("accepted '%s'", line);
    assert_string_equal(why, want_why);
}

static void a_time_in_another_form_or_a_status_a_new_decision_cannot_have_is_refused(void **state)
{
    (void)state;
    refused("{\"type\":\"complete\",\"process\":1,\"f\":\"get_resource\",\"capacity\":1,"
            "\"booked\":0,\"as_of\":1796161800123}",
            "\"as_of\" must be a time like \"2026-12-01T21:50:00.123Z\"");
    refused("{\"type\":\"complete\",\"process\":1,\"f\":\"attempt\",\"outcome\":\"BOOKED\","
            "\"expires_at\":\"2026-12-01T21:50:00Z\"}",
            "\"expires_at\" must be a time like \"2026-12-01T21:50:00.123Z\"");
    refused("{\"type\":\"complete\",\"process\":1,\"f\":\"attempt\",\"outcome\":\"BOOKED\","
            "\"replayed\":false,\"status\":\"expired\"}",
            "a new BOOKED decision is active or held, not expired");
    refused("{\"type\":\"invoke\",\"process\":1,\"f\":\"attempt\",\"booking_id\":\"b\","
            "\"resource_id\":\"r\",\"units\":1,\"hold_ms\":604800001}",
            "\"hold_ms\" out of range 0..604800000");
    refused("{\"type\":\"complete\",\"process\":1,\"f\":\"confirm\",\"reason\":\"cancelled\"}",
            "confirm with reason 'cancelled'");
}

static void a_line_too_long_for_the_buffer_is_not_written(void **state)
{
    (void)state;
    char line[16];
    history_event ev = {.type = HISTORY_INVOKE, .f = HISTORY_CANCEL, .booking_id = "b"};
    assert_int_equal(history_line_encode(&ev, line, sizeof line), 0);
}

static void a_rejection_says_nothing_of_status_or_hold_end(void **state)
{
    (void)state;
    history_event ev = decode("{\"type\":\"complete\",\"process\":1,\"f\":\"attempt\","
                              "\"outcome\":\"REJECTED\",\"reason\":\"insufficient_capacity\","
                              "\"status\":\"held\",\"expires_at\":7}");
    assert_int_equal(ev.status, BOOKING_STATUS_NONE);
    assert_false(ev.has_expires_at);
}

static void a_failed_completion_is_read_as_failed_and_nothing_more(void **state)
{
    (void)state;
    history_event ev = decode("{\"type\":\"complete\",\"process\":1,\"f\":\"attempt\","
                              "\"outcome\":\"FAILED\",\"reason\":\"busy\",\"replayed\":7}");
    assert_true(ev.failed);
    assert_int_equal(ev.replayed, HISTORY_ABSENT);
}

static void a_completion_with_a_reason_its_operation_cannot_answer_is_refused(void **state)
{
    (void)state;
    const char *line = "{\"type\":\"complete\",\"process\":1,\"f\":\"cancel\",\"reason\":\"booked\"}";
    history_line l;
    history_event ev;
    char why[HISTORY_WHY_BYTES] = "";
    assert_true(history_line_open(&l, line, strlen(line), &ev, why));
    assert_false(history_line_read_fields(&l, &ev, why));
    assert_string_equal(why, "cancel with reason 'booked'");
    history_line_close(&l);
}

/* ---- bundles (SPEC section 8) ---- */

/* Encodes ev, expects want, reads it back and compares the lines (and the
 * answer's line) while the decoded strings still live. */
static void assert_bundle_round_trip(const history_event *ev, const char *want)
{
    char text[HISTORY_LINE_BYTES_MAX];
    size_t n = history_line_encode(ev, text, sizeof text);
    assert_true(n > 0);
    assert_string_equal(text, want);
    history_line l;
    history_event back;
    char why[HISTORY_WHY_BYTES] = "";
    bool ok = history_line_open(&l, text, n, &back, why) &&
              history_line_read_fields(&l, &back, why);
    if (!ok)
        fail_msg("refused '%s': %s", text, why);
    assert_int_equal(back.line_count, ev->line_count);
    assert_true((back.lines == NULL) == (ev->lines == NULL));
    assert_null(back.resource_id);
    assert_int_equal(back.units, 0);
    for (size_t i = 0; i < ev->line_count; i++) {
        assert_string_equal(back.lines[i].resource_id, ev->lines[i].resource_id);
        assert_int_equal(back.lines[i].units, ev->lines[i].units);
    }
    assert_int_equal(back.has_line, ev->has_line);
    assert_int_equal(back.line, ev->line);
    assert_int_equal(back.hold_ms, ev->hold_ms);
    assert_int_equal(back.reason, ev->reason);
    history_line_close(&l);
}

static void a_bundle_attempt_and_its_failing_line_read_back_as_themselves(void **state)
{
    (void)state;
    const booking_line nights[] = {{"night:1", 1}, {"night:2", 2}, {"night:3", 1}};
    assert_bundle_round_trip(
        &(history_event){.type = HISTORY_INVOKE, .f = HISTORY_ATTEMPT, .process = 4,
                         .booking_id = "stay-1", .lines = nights, .line_count = 3,
                         .hold_ms = 500},
        "{\"type\":\"invoke\",\"process\":4,\"f\":\"attempt\",\"booking_id\":\"stay-1\","
        "\"lines\":[{\"resource_id\":\"night:1\",\"units\":1},{\"resource_id\":\"night:2\","
        "\"units\":2},{\"resource_id\":\"night:3\",\"units\":1}],\"hold_ms\":500}\n");
    assert_bundle_round_trip(
        &(history_event){.type = HISTORY_COMPLETE, .f = HISTORY_ATTEMPT, .process = 4,
                         .outcome = BOOKING_REJECTED, .has_reason = true,
                         .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY,
                         .replayed = HISTORY_FALSE, .has_line = true, .line = 2},
        "{\"type\":\"complete\",\"process\":4,\"f\":\"attempt\",\"outcome\":\"REJECTED\","
        "\"reason\":\"insufficient_capacity\",\"replayed\":false,\"line\":2}\n");
}

static void the_longest_bundle_of_the_longest_ids_fits_in_one_line(void **state)
{
    (void)state;
    static char ids[BOOKING_LINES_MAX][BOOKING_ID_LEN_MAX + 1];
    booking_line lines[BOOKING_LINES_MAX];
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++) {
        memset(ids[i], 'r', BOOKING_ID_LEN_MAX);
        snprintf(ids[i], 8, "%07zu", i); /* distinct, the rest stays 'r' */
        ids[i][7] = 'r';
        ids[i][BOOKING_ID_LEN_MAX] = '\0';
        lines[i] = (booking_line){ids[i], BOOKING_UNITS_MAX};
    }
    history_event ev = {.type = HISTORY_INVOKE, .f = HISTORY_ATTEMPT, .process = INT64_MAX,
                        .booking_id = ids[0], .lines = lines, .line_count = BOOKING_LINES_MAX,
                        .hold_ms = BOOKING_HOLD_MS_MAX, .has_time = true,
                        .time_ns = UINT64_MAX};
    char text[HISTORY_LINE_BYTES_MAX];
    assert_true(history_line_encode(&ev, text, sizeof text) > 0);
}

static void an_old_rejection_without_line_still_reads(void **state)
{
    (void)state;
    history_event ev = decode("{\"type\":\"complete\",\"process\":1,\"f\":\"attempt\","
                              "\"outcome\":\"REJECTED\",\"reason\":\"unknown_resource\"}");
    assert_false(ev.has_line);
    ev = decode("{\"type\":\"invoke\",\"process\":1,\"f\":\"attempt\",\"booking_id\":\"b\","
                "\"resource_id\":\"r\",\"units\":3}");
    assert_null(ev.lines);
    assert_int_equal(ev.line_count, 0);
    assert_int_equal(ev.units, 3);
}

static void a_bundle_with_both_forms_a_repeated_resource_or_no_lines_is_refused(void **state)
{
    (void)state;
    refused("{\"type\":\"invoke\",\"process\":1,\"f\":\"attempt\",\"booking_id\":\"b\","
            "\"resource_id\":\"r\",\"units\":1,\"lines\":[{\"resource_id\":\"r\",\"units\":1}]}",
            "an attempt names \"lines\" or \"resource_id\" and \"units\", not both");
    refused("{\"type\":\"invoke\",\"process\":1,\"f\":\"attempt\",\"booking_id\":\"b\","
            "\"lines\":[{\"resource_id\":\"r\",\"units\":1},{\"resource_id\":\"r\",\"units\":2}]}",
            "lines 0 and 1 name one resource 'r'");
    refused("{\"type\":\"invoke\",\"process\":1,\"f\":\"attempt\",\"booking_id\":\"b\","
            "\"lines\":[]}",
            "\"lines\" must be an array of 1 to 64 lines");
    refused("{\"type\":\"invoke\",\"process\":1,\"f\":\"attempt\",\"booking_id\":\"b\","
            "\"lines\":[{\"resource_id\":\"r\",\"units\":0}]}",
            "\"units\" out of range 1..9007199254740991");
    refused("{\"type\":\"complete\",\"process\":1,\"f\":\"attempt\",\"outcome\":\"REJECTED\","
            "\"reason\":\"insufficient_capacity\",\"line\":64}",
            "\"line\" out of range 0..63");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_event_written_reads_back_as_itself_in_the_documented_shape),
        cmocka_unit_test(holds_confirms_and_store_times_read_back_as_themselves),
        cmocka_unit_test(a_time_in_another_form_or_a_status_a_new_decision_cannot_have_is_refused),
        cmocka_unit_test(a_line_too_long_for_the_buffer_is_not_written),
        cmocka_unit_test(a_rejection_says_nothing_of_status_or_hold_end),
        cmocka_unit_test(a_failed_completion_is_read_as_failed_and_nothing_more),
        cmocka_unit_test(a_completion_with_a_reason_its_operation_cannot_answer_is_refused),
        cmocka_unit_test(a_bundle_attempt_and_its_failing_line_read_back_as_themselves),
        cmocka_unit_test(the_longest_bundle_of_the_longest_ids_fits_in_one_line),
        cmocka_unit_test(an_old_rejection_without_line_still_reads),
        cmocka_unit_test(a_bundle_with_both_forms_a_repeated_resource_or_no_lines_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
