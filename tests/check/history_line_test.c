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

static void a_line_too_long_for_the_buffer_is_not_written(void **state)
{
    (void)state;
    char line[16];
    history_event ev = {.type = HISTORY_INVOKE, .f = HISTORY_CANCEL, .booking_id = "b"};
    assert_int_equal(history_line_encode(&ev, line, sizeof line), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_event_written_reads_back_as_itself_in_the_documented_shape),
        cmocka_unit_test(a_line_too_long_for_the_buffer_is_not_written),
        cmocka_unit_test(a_failed_completion_is_read_as_failed_and_nothing_more),
        cmocka_unit_test(a_completion_with_a_reason_its_operation_cannot_answer_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
