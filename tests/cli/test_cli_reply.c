/* SPDX-License-Identifier: MIT */
/*
 * test_cli_reply.c: the service's reply bodies read back by the command line
 * (cli/cli_reply.c), so that --url prints what --store prints: every body
 * json/booking_json.c builds (outcomes of every outcome, reason and status,
 * records of one line and of a bundle, REJECTED with their line, holds with
 * expires_at, resources, changes, refused capacities, pages) reads back to values
 * that rebuild it byte for byte, at the limits of ids, units and lines; a body
 * that breaks a limit or the shape is refused.
 */
#include "cli/cli_reply.h"
#include "json/booking_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define T0_MS ((int64_t)1796161800123) /* 2026-12-01T21:50:00.123Z */

/* The compact text of a body, released. */
static char *text_of(json_t *body)
{
    assert_non_null(body);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_non_null(text);
    return text;
}

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(v);
    return v;
}

static void assert_outcome_round_trip(const booking_request *req, const booking_result *res)
{
    char *want = text_of(booking_json_outcome(req, res));
    json_t *body = parse(want);
    booking_result got;
    assert_true(cli_reply_outcome(body, &got));
    json_decref(body);
    char *again = text_of(booking_json_outcome(req, &got));
    assert_string_equal(again, want);
    free(want);
    free(again);
}

static void outcome_reads_back_for_every_outcome_reason_and_status(void **state)
{
    (void)state;
    static const booking_line lines[] = {{"room:2026-12-01", 1}, {"room:2026-12-02", 2}};
    booking_request single = {.booking_id = "b-1", .resource_id = "room-42", .units = 2};
    booking_request bundle = {.booking_id = "b-2", .lines = lines, .line_count = 2};
    static const booking_status statuses[] = {BOOKING_STATUS_ACTIVE, BOOKING_STATUS_HELD,
                                              BOOKING_STATUS_CANCELLED, BOOKING_STATUS_EXPIRED};
    for (size_t f = 0; f < 2; f++) {
        const booking_request *req = f == 0 ? &single : &bundle;
        for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
            for (int replayed = 0; replayed < 2; replayed++) {
                booking_result res = {.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                                      .replayed = replayed, .status = statuses[s],
                                      .expires_at_ms = T0_MS + 600000};
                if (statuses[s] == BOOKING_STATUS_ACTIVE || statuses[s] == BOOKING_STATUS_CANCELLED)
                    res.expires_at_ms = 0;
                assert_outcome_round_trip(req, &res);
            }
        }
        static const booking_reason rejected[] = {BOOKING_REASON_INSUFFICIENT_CAPACITY,
                                                  BOOKING_REASON_BOOKING_ID_CONFLICT,
                                                  BOOKING_REASON_UNKNOWN_RESOURCE};
        for (size_t r = 0; r < 3; r++) {
            booking_result res = {.outcome = BOOKING_REJECTED, .reason = rejected[r],
                                  .line = f == 1 && r != 1 ? 1 : 0};
            assert_outcome_round_trip(req, &res);
        }
        static const booking_reason failed[] = {BOOKING_REASON_CONFLICT, BOOKING_REASON_BUSY,
                                                BOOKING_REASON_UNAVAILABLE, BOOKING_REASON_IO_ERROR,
                                                BOOKING_REASON_TIMEOUT, BOOKING_REASON_INTERNAL};
        for (size_t r = 0; r < 6; r++) {
            booking_result res = {.outcome = BOOKING_FAILED, .reason = failed[r]};
            assert_outcome_round_trip(req, &res);
        }
    }
}

static void outcome_that_breaks_the_contract_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{}",
        "{\"outcome\":\"BOOKED\",\"reason\":\"insufficient_capacity\",\"replayed\":false,"
        "\"status\":\"active\"}", /* a reason that does not go with the outcome */
        "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"replayed\":false}", /* no status */
        "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"replayed\":0,\"status\":\"active\"}",
        "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"replayed\":false,\"status\":\"held\"}",
        "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"replayed\":false,\"status\":\"active\","
        "\"expires_at\":\"2026-12-01T21:50:00.123Z\"}", /* expires_at beside active */
        "{\"outcome\":\"REJECTED\",\"reason\":\"unknown_resource\",\"replayed\":false,"
        "\"line\":64}", /* past the last line a bundle has */
        "{\"outcome\":\"MAYBE\",\"reason\":\"booked\",\"replayed\":false}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *body = parse(bad[i]);
        booking_result got;
        assert_false(cli_reply_outcome(body, &got));
        json_decref(body);
    }
}

/* A record of line_count lines, the longest ids and the most units. */
static void make_record(cli_record *r, uint32_t line_count, booking_outcome outcome,
                        booking_status status)
{
    memset(r, 0, sizeof *r);
    memset(r->record.booking_id, 'b', BOOKING_ID_LEN_MAX);
    for (uint32_t i = 0; i < line_count; i++) {
        snprintf(r->lines[i].resource_id, sizeof r->lines[i].resource_id, "%0*u",
                 BOOKING_ID_LEN_MAX, i);
        r->lines[i].units = BOOKING_UNITS_MAX - i;
    }
    memcpy(r->record.resource_id, r->lines[0].resource_id, sizeof r->record.resource_id);
    r->record.units = r->lines[0].units;
    r->record.line_count = line_count;
    r->record.outcome = outcome;
    r->record.reason = outcome == BOOKING_BOOKED ? BOOKING_REASON_BOOKED
                                                 : BOOKING_REASON_INSUFFICIENT_CAPACITY;
    r->record.line = outcome == BOOKING_REJECTED ? line_count - 1 : 0;
    r->record.status = status;
    r->record.created_at_ms = T0_MS;
    r->record.updated_at_ms = T0_MS + 5;
    if (status == BOOKING_STATUS_HELD || status == BOOKING_STATUS_EXPIRED)
        r->record.expires_at_ms = T0_MS + 600000;
}

static const booking_record_line *lines_of(const cli_record *r)
{
    return r->record.line_count > 1 ? r->lines : NULL;
}

static void record_and_change_read_back_for_one_line_and_a_full_bundle(void **state)
{
    (void)state;
    static cli_record want, got; /* 8 KB each */
    static const uint32_t counts[] = {1, 2, BOOKING_LINES_MAX};
    static const booking_status statuses[] = {BOOKING_STATUS_ACTIVE, BOOKING_STATUS_HELD,
                                              BOOKING_STATUS_CANCELLED, BOOKING_STATUS_EXPIRED};
    for (size_t c = 0; c < 3; c++) {
        for (size_t s = 0; s < 5; s++) {
            if (s < 4)
                make_record(&want, counts[c], BOOKING_BOOKED, statuses[s]);
            else
                make_record(&want, counts[c], BOOKING_REJECTED, BOOKING_STATUS_NONE);
            char *text = text_of(booking_json_record(&want.record, lines_of(&want)));
            json_t *body = parse(text);
            assert_true(cli_reply_record(body, &got));
            json_decref(body);
            char *again = text_of(booking_json_record(&got.record, lines_of(&got)));
            assert_string_equal(again, text);
            free(again);
            free(text);

            text = text_of(booking_json_change(BOOKING_REASON_CANCELLED, &want.record,
                                               lines_of(&want)));
            body = parse(text);
            booking_reason result;
            assert_true(cli_reply_change(body, &result, &got));
            assert_int_equal(result, BOOKING_REASON_CANCELLED);
            json_decref(body);
            again = text_of(booking_json_change(result, &got.record, lines_of(&got)));
            assert_string_equal(again, text);
            free(again);
            free(text);
        }
    }
}

static void record_that_breaks_the_contract_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* line_count does not match the lines */
        "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"lines\":[{\"resource_id\":"
        "\"r\",\"units\":1}],\"line_count\":2,\"outcome\":\"BOOKED\",\"reason\":\"booked\","
        "\"status\":\"active\",\"created_at\":\"2026-12-01T21:50:00.123Z\",\"updated_at\":"
        "\"2026-12-01T21:50:00.123Z\"}",
        /* the single form's fields disagree with its line */
        "{\"booking_id\":\"b\",\"resource_id\":\"x\",\"units\":1,\"lines\":[{\"resource_id\":"
        "\"r\",\"units\":1}],\"line_count\":1,\"outcome\":\"BOOKED\",\"reason\":\"booked\","
        "\"status\":\"active\",\"created_at\":\"2026-12-01T21:50:00.123Z\",\"updated_at\":"
        "\"2026-12-01T21:50:00.123Z\"}",
        /* an id outside the alphabet */
        "{\"booking_id\":\"b/1\",\"resource_id\":\"r\",\"units\":1,\"lines\":[{\"resource_id\":"
        "\"r\",\"units\":1}],\"line_count\":1,\"outcome\":\"BOOKED\",\"reason\":\"booked\","
        "\"status\":\"active\",\"created_at\":\"2026-12-01T21:50:00.123Z\",\"updated_at\":"
        "\"2026-12-01T21:50:00.123Z\"}",
        /* units over the limit */
        "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":9007199254740992,\"lines\":"
        "[{\"resource_id\":\"r\",\"units\":9007199254740992}],\"line_count\":1,\"outcome\":"
        "\"BOOKED\",\"reason\":\"booked\",\"status\":\"active\",\"created_at\":"
        "\"2026-12-01T21:50:00.123Z\",\"updated_at\":\"2026-12-01T21:50:00.123Z\"}",
        /* a time that is not RFC 3339 with ms */
        "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"lines\":[{\"resource_id\":"
        "\"r\",\"units\":1}],\"line_count\":1,\"outcome\":\"BOOKED\",\"reason\":\"booked\","
        "\"status\":\"active\",\"created_at\":\"2026-12-01 21:50:00\",\"updated_at\":"
        "\"2026-12-01T21:50:00.123Z\"}",
        /* REJECTED without its line */
        "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,\"lines\":[{\"resource_id\":"
        "\"r\",\"units\":1}],\"line_count\":1,\"outcome\":\"REJECTED\",\"reason\":"
        "\"insufficient_capacity\",\"status\":\"none\",\"created_at\":"
        "\"2026-12-01T21:50:00.123Z\",\"updated_at\":\"2026-12-01T21:50:00.123Z\"}",
    };
    static cli_record got;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *body = parse(bad[i]);
        assert_false(cli_reply_record(body, &got));
        json_decref(body);
    }
}

static void resource_and_refused_capacity_read_back(void **state)
{
    (void)state;
    booking_resource want = {.capacity = BOOKING_CAPACITY_MAX, .booked = 7, .as_of_ms = T0_MS};
    memset(want.resource_id, 'r', BOOKING_ID_LEN_MAX);
    char *text = text_of(booking_json_resource(&want));
    json_t *body = parse(text);
    booking_resource got;
    assert_true(cli_reply_resource(body, &got));
    json_decref(body);
    char *again = text_of(booking_json_resource(&got));
    assert_string_equal(again, text);
    free(again);
    free(text);

    text = text_of(booking_json_capacity_refused(BOOKING_REASON_CAPACITY_BELOW_BOOKED, &want));
    body = parse(text);
    booking_reason error;
    assert_true(cli_reply_capacity_refused(body, &error, &got));
    assert_int_equal(error, BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    json_decref(body);
    free(text);

    /* remaining must be capacity - booked */
    body = parse("{\"resource_id\":\"r\",\"capacity\":5,\"booked\":1,\"remaining\":5,"
                 "\"as_of\":\"2026-12-01T21:50:00.123Z\"}");
    assert_false(cli_reply_resource(body, &got));
    json_decref(body);
}

static void problem_reason_is_a_reason_only_when_it_names_one(void **state)
{
    (void)state;
    booking_reason r;
    json_t *body = parse("{\"type\":\"about:blank\",\"title\":\"Service Unavailable\","
                         "\"status\":503,\"detail\":\"x\",\"error\":\"busy\"}");
    assert_true(cli_reply_problem_reason(body, &r));
    assert_int_equal(r, BOOKING_REASON_BUSY);
    json_decref(body);
    body = parse("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                 "\"detail\":\"no such path\",\"error\":\"not_found\"}");
    assert_false(cli_reply_problem_reason(body, &r));
    json_decref(body);
}

static void pages_read_back_with_their_next_id(void **state)
{
    (void)state;
    cli_page page;
    json_t *body = parse("{\"resources\":[{\"resource_id\":\"a\",\"capacity\":2,\"booked\":1,"
                         "\"remaining\":1,\"as_of\":\"2026-12-01T21:50:00.123Z\"},"
                         "{\"resource_id\":\"b\",\"capacity\":0,\"booked\":0,\"remaining\":0,"
                         "\"as_of\":\"2026-12-01T21:50:00.123Z\"}],\"next\":\"b\"}");
    assert_true(cli_reply_resource_page(body, 2, &page));
    assert_int_equal(page.count, 2);
    assert_string_equal(page.resources[1].resource_id, "b");
    assert_string_equal(page.next, "b");
    cli_page_free(&page);
    /* more items than the limit asked for */
    assert_false(cli_reply_resource_page(body, 1, &page));
    cli_page_free(&page);
    json_decref(body);

    body = parse("{\"bookings\":[],\"next\":null}");
    assert_true(cli_reply_booking_page(body, 1, &page));
    assert_int_equal(page.count, 0);
    assert_string_equal(page.next, "");
    cli_page_free(&page);
    json_decref(body);
    /* a next that is no id, no next at all */
    static const char *const bad[] = {"{\"bookings\":[],\"next\":\"no id\"}",
                                      "{\"bookings\":[],\"next\":7}", "{\"bookings\":[]}",
                                      "{\"resources\":[],\"next\":null}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        body = parse(bad[i]);
        assert_false(cli_reply_booking_page(body, 10, &page));
        cli_page_free(&page);
        json_decref(body);
    }
}

/* SPEC section 5: a page may hold fewer than limit items, even none, while next
 * is not null (a filtered page that reached the store's scan budget); the
 * client pages on from next. */
static void a_short_or_empty_page_with_a_next_is_a_page(void **state)
{
    (void)state;
    cli_page page;
    json_t *body = parse("{\"bookings\":[],\"next\":\"b-9\"}");
    assert_true(cli_reply_booking_page(body, 10, &page));
    assert_int_equal(page.count, 0);
    assert_string_equal(page.next, "b-9");
    cli_page_free(&page);
    json_decref(body);
    body = parse("{\"resources\":[],\"next\":\"r-9\"}");
    assert_true(cli_reply_resource_page(body, 10, &page));
    assert_int_equal(page.count, 0);
    assert_string_equal(page.next, "r-9");
    cli_page_free(&page);
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outcome_reads_back_for_every_outcome_reason_and_status),
        cmocka_unit_test(outcome_that_breaks_the_contract_is_refused),
        cmocka_unit_test(record_and_change_read_back_for_one_line_and_a_full_bundle),
        cmocka_unit_test(record_that_breaks_the_contract_is_refused),
        cmocka_unit_test(resource_and_refused_capacity_read_back),
        cmocka_unit_test(problem_reason_is_a_reason_only_when_it_names_one),
        cmocka_unit_test(pages_read_back_with_their_next_id),
        cmocka_unit_test(a_short_or_empty_page_with_a_next_is_a_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
