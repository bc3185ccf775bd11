/* SPDX-License-Identifier: MIT */
/*
 * test_json_outcome.c: the outcome body of SPEC section 5 written straight into a
 * buffer (booking_json_outcome_write) must be, byte for byte, what jansson writes
 * for the same outcome, for every outcome, reason, status and replayed flag, and
 * at the limits of ids and units; an id it cannot write unescaped trips an assertion;
 * and the lines the service sends, for one outcome and for a batch's {"outcomes": [...]},
 * are the same as the jansson ones. The record and resource bodies carry the
 * store's times as RFC 3339 text (SPEC section 5), expires_at only beside held
 * or expired.
 */
#include "json/booking_json.h"
#include "core/names.h"
#include "util/time_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static void assert_same_as_jansson(const booking_request *req, const booking_result *res)
{
    char fast[BOOKING_JSON_OUTCOME_MAX];
    size_t n = booking_json_outcome_write(fast, req, res);
    assert_true(n > 0 && n <= sizeof fast);
    json_t *tree = booking_json_outcome(req, res);
    assert_non_null(tree);
    char *slow = json_dumps(tree, JSON_COMPACT);
    json_decref(tree);
    assert_non_null(slow);
    assert_int_equal(n, strlen(slow));
    assert_memory_equal(fast, slow, n);
    free(slow);
}

static void outcome_body_is_the_same_as_jansson_for_every_outcome_reason_and_status(void **state)
{
    (void)state;
    booking_request req = {.booking_id = "order-1", .resource_id = "room.42:a_b", .units = 7};
    /* The epoch, a leap day, and the last millisecond the text can say. */
    const int64_t expiries[] = {0, 1709208000123, TIME_TEXT_MS_MAX};
    for (int o = BOOKING_BOOKED; o <= BOOKING_FAILED; o++) {
        for (int r = BOOKING_REASON_OK; r < CORE_REASON_COUNT; r++) {
            for (int st = BOOKING_STATUS_NONE; st <= BOOKING_STATUS_EXPIRED; st++) {
                for (int replayed = 0; replayed <= 1; replayed++) {
                    for (size_t e = 0; e < sizeof expiries / sizeof expiries[0]; e++) {
                        booking_result res = {.outcome = (booking_outcome)o,
                                              .reason = (booking_reason)r,
                                              .replayed = replayed,
                                              .status = (booking_status)st,
                                              .expires_at_ms = expiries[e]};
                        assert_same_as_jansson(&req, &res);
                    }
                }
            }
        }
    }
}

static void outcome_body_is_the_same_as_jansson_at_the_limits_of_ids_and_units(void **state)
{
    (void)state;
    char long_id[BOOKING_ID_LEN_MAX + 1];
    memset(long_id, 'z', BOOKING_ID_LEN_MAX);
    long_id[BOOKING_ID_LEN_MAX] = '\0';
    const uint64_t units[] = {1, 9, 10, 99, 100, 1234567890, BOOKING_UNITS_MAX};
    const booking_result res = {.outcome = BOOKING_REJECTED,
                                .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY};
    const booking_result cancelled = {.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                                      .replayed = true, .status = BOOKING_STATUS_CANCELLED};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        booking_request req = {.booking_id = long_id, .resource_id = long_id, .units = units[i]};
        assert_same_as_jansson(&req, &res);
        assert_same_as_jansson(&req, &cancelled);
        req.booking_id = "a";
        req.resource_id = "-";
        assert_same_as_jansson(&req, &res);
    }
}

/* Whether writing req's outcome body stops the process on an assertion (in a child,
 * its message sent to /dev/null), rather than returning. */
static bool writer_asserts_on(const booking_request *req, const booking_result *res)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        char out[BOOKING_JSON_OUTCOME_MAX];
        booking_json_outcome_write(out, req, res);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* The writer does not escape: an id that would need it is a caller's bug (the
 * library refuses such ids before any decision), caught by an assertion. */
static void outcome_body_writer_asserts_on_ids_that_would_need_escaping(void **state)
{
    (void)state;
#ifdef NDEBUG
    skip(); /* assertions are compiled out of this tree */
#endif
    const booking_result res = {.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                                .status = BOOKING_STATUS_ACTIVE};
    const char *bad[] = {"a\"b", "a\\b", "a b", "\xc3\xa9", "", "a/b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        booking_request req = {.booking_id = bad[i], .resource_id = "r", .units = 1};
        assert_true(writer_asserts_on(&req, &res));
        req = (booking_request){.booking_id = "b", .resource_id = bad[i], .units = 1};
        assert_true(writer_asserts_on(&req, &res));
    }
}

static void assert_same_line(char *text, size_t len, json_t *tree)
{
    size_t tree_len = 0;
    char *line = booking_json_line(tree, &tree_len);
    assert_non_null(text);
    assert_non_null(line);
    assert_int_equal(len, tree_len);
    assert_memory_equal(text, line, len);
    assert_int_equal(text[len - 1], '\n');
    free(line);
    free(text);
}

static void outcome_and_batch_lines_are_the_same_as_the_jansson_lines(void **state)
{
    (void)state;
    const booking_request reqs[] = {
        {.booking_id = "b-1", .resource_id = "r", .units = 1},
        {.booking_id = "b-2", .resource_id = "r", .units = BOOKING_UNITS_MAX},
        {.booking_id = "b-1", .resource_id = "s", .units = 5},
        {.booking_id = "h-1", .resource_id = "s", .units = 5, .hold_ms = 300},
    };
    const booking_result ress[] = {
        {.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
         .status = BOOKING_STATUS_ACTIVE},
        {.outcome = BOOKING_REJECTED, .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY},
        {.outcome = BOOKING_FAILED, .reason = BOOKING_REASON_BUSY},
        {.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
         .status = BOOKING_STATUS_HELD, .expires_at_ms = 1796161800123},
    };
    const size_t n = sizeof reqs / sizeof reqs[0];
    _Static_assert(sizeof reqs / sizeof reqs[0] == sizeof ress / sizeof ress[0], "pairs");
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char *text = booking_json_outcome_text(&reqs[i], &ress[i], &len);
        assert_same_line(text, len, booking_json_outcome(&reqs[i], &ress[i]));
    }
    for (size_t count = 1; count <= n; count++) {
        char *text = booking_json_outcomes_text(reqs, ress, count, &len);
        assert_same_line(text, len, booking_json_outcomes(reqs, ress, count));
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

static void outcome_body_of_a_hold_carries_status_held_and_expires_at(void **state)
{
    (void)state;
    booking_request req = {.booking_id = "cart-7", .resource_id = "seat", .units = 1,
                           .hold_ms = 600000};
    booking_result res = {.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                          .status = BOOKING_STATUS_HELD, .expires_at_ms = 1796161800123};
    assert_line(booking_json_outcome(&req, &res),
                "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"booking_id\":\"cart-7\","
                "\"resource_id\":\"seat\",\"units\":1,\"replayed\":false,\"status\":\"held\","
                "\"expires_at\":\"2026-12-01T21:50:00.123Z\"}\n");
    res.replayed = true;
    res.status = BOOKING_STATUS_EXPIRED;
    assert_line(booking_json_outcome(&req, &res),
                "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"booking_id\":\"cart-7\","
                "\"resource_id\":\"seat\",\"units\":1,\"replayed\":true,\"status\":\"expired\","
                "\"expires_at\":\"2026-12-01T21:50:00.123Z\"}\n");
    /* Confirmed (active) or cancelled since: no expiry to announce. */
    res.status = BOOKING_STATUS_ACTIVE;
    assert_line(booking_json_outcome(&req, &res),
                "{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"booking_id\":\"cart-7\","
                "\"resource_id\":\"seat\",\"units\":1,\"replayed\":true,\"status\":\"active\"}\n");
}

static void record_body_carries_created_and_updated_at_and_expires_at_only_for_a_live_or_expired_hold(
    void **state)
{
    (void)state;
    booking_record rec = {.booking_id = "b-1", .resource_id = "r", .units = 2,
                          .outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                          .status = BOOKING_STATUS_ACTIVE, .created_at_ms = 1796161800123,
                          .updated_at_ms = 1796161800123, .line_count = 1};
    assert_line(booking_json_record(&rec, NULL),
                "{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":2,"
                "\"lines\":[{\"resource_id\":\"r\",\"units\":2}],\"line_count\":1,\"outcome\":\"BOOKED\","
                "\"reason\":\"booked\",\"status\":\"active\",\"created_at\":\"2026-12-01T21:50:00.123Z\","
                "\"updated_at\":\"2026-12-01T21:50:00.123Z\"}\n");
    rec.hold_ms = 1000;
    rec.status = BOOKING_STATUS_HELD;
    rec.expires_at_ms = rec.created_at_ms + 1000;
    assert_line(booking_json_record(&rec, NULL),
                "{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":2,"
                "\"lines\":[{\"resource_id\":\"r\",\"units\":2}],\"line_count\":1,\"outcome\":\"BOOKED\","
                "\"reason\":\"booked\",\"status\":\"held\",\"expires_at\":\"2026-12-01T21:50:01.123Z\","
                "\"created_at\":\"2026-12-01T21:50:00.123Z\",\"updated_at\":\"2026-12-01T21:50:00.123Z\"}\n");
    rec.status = BOOKING_STATUS_EXPIRED;
    rec.updated_at_ms = rec.expires_at_ms;
    assert_line(booking_json_change(BOOKING_REASON_HOLD_EXPIRED, &rec, NULL),
                "{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":2,"
                "\"lines\":[{\"resource_id\":\"r\",\"units\":2}],\"line_count\":1,\"outcome\":\"BOOKED\","
                "\"reason\":\"booked\",\"status\":\"expired\",\"expires_at\":\"2026-12-01T21:50:01.123Z\","
                "\"created_at\":\"2026-12-01T21:50:00.123Z\",\"updated_at\":\"2026-12-01T21:50:01.123Z\","
                "\"result\":\"hold_expired\"}\n");
    rec.status = BOOKING_STATUS_ACTIVE;
    assert_line(booking_json_change(BOOKING_REASON_CONFIRMED, &rec, NULL),
                "{\"booking_id\":\"b-1\",\"resource_id\":\"r\",\"units\":2,"
                "\"lines\":[{\"resource_id\":\"r\",\"units\":2}],\"line_count\":1,\"outcome\":\"BOOKED\","
                "\"reason\":\"booked\",\"status\":\"active\",\"created_at\":\"2026-12-01T21:50:00.123Z\","
                "\"updated_at\":\"2026-12-01T21:50:01.123Z\",\"result\":\"confirmed\"}\n");
}

static void resource_body_carries_as_of_after_remaining(void **state)
{
    (void)state;
    booking_resource res = {.resource_id = "room-42", .capacity = 3, .booked = 1,
                            .as_of_ms = 1796161800123};
    assert_line(booking_json_resource(&res),
                "{\"resource_id\":\"room-42\",\"capacity\":3,\"booked\":1,\"remaining\":2,"
                "\"as_of\":\"2026-12-01T21:50:00.123Z\"}\n");
    assert_line(booking_json_capacity_refused(BOOKING_REASON_CAPACITY_BELOW_BOOKED, &res),
                "{\"resource_id\":\"room-42\",\"capacity\":3,\"booked\":1,\"remaining\":2,"
                "\"as_of\":\"2026-12-01T21:50:00.123Z\",\"error\":\"capacity_below_booked\"}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outcome_body_is_the_same_as_jansson_for_every_outcome_reason_and_status),
        cmocka_unit_test(outcome_body_is_the_same_as_jansson_at_the_limits_of_ids_and_units),
        cmocka_unit_test(outcome_body_writer_asserts_on_ids_that_would_need_escaping),
        cmocka_unit_test(outcome_and_batch_lines_are_the_same_as_the_jansson_lines),
        cmocka_unit_test(outcome_body_of_a_hold_carries_status_held_and_expires_at),
        cmocka_unit_test(
            record_body_carries_created_and_updated_at_and_expires_at_only_for_a_live_or_expired_hold),
        cmocka_unit_test(resource_body_carries_as_of_after_remaining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
