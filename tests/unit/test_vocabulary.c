/* SPDX-License-Identifier: MIT */
/*
 * test_vocabulary.c: the lists of include/booking.h (BOOKING_*_MAP) are the one
 * source of outcomes, reasons and statuses. Walks each list and checks that every
 * view generated from it agrees with it, and with SPEC sections 1 and 5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/decide.h"
#include "core/names.h"
#include "server/endpoints.h"
#include "server/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One reason as its line of BOOKING_REASON_MAP says. */
typedef struct map_row {
    booking_reason reason;
    const char *wire;
    int outcome; /* a booking_outcome, or 0 for NONE */
    bool recorded;
    unsigned http_status;
} map_row;

#define MAP_ROW_(name, wire, outcome, recorded, http_status) \
    {BOOKING_REASON_##name, wire, CORE_REASON_OUTCOME_##outcome, recorded, http_status},
static const map_row reason_map[] = {BOOKING_REASON_MAP(MAP_ROW_)};
#undef MAP_ROW_
#define MAP_COUNT (sizeof reason_map / sizeof reason_map[0])

/* SPEC sections 1 and 5, restated by hand: what the list must say of each reason.
 * outcome 0: the answer of an operation other than an attempt. */
static const map_row spec_rows[] = {
    {BOOKING_REASON_OK, "ok", 0, false, 200},
    {BOOKING_REASON_BOOKED, "booked", BOOKING_BOOKED, true, 201},
    {BOOKING_REASON_INSUFFICIENT_CAPACITY, "insufficient_capacity", BOOKING_REJECTED, true, 409},
    {BOOKING_REASON_BOOKING_ID_CONFLICT, "booking_id_conflict", BOOKING_REJECTED, false, 409},
    {BOOKING_REASON_UNKNOWN_RESOURCE, "unknown_resource", BOOKING_REJECTED, false, 404},
    {BOOKING_REASON_UNKNOWN_BOOKING, "unknown_booking", 0, false, 404},
    {BOOKING_REASON_CANCELLED, "cancelled", 0, false, 200},
    {BOOKING_REASON_ALREADY_CANCELLED, "already_cancelled", 0, false, 200},
    {BOOKING_REASON_NOT_BOOKED, "not_booked", 0, false, 409},
    {BOOKING_REASON_CAPACITY_BELOW_BOOKED, "capacity_below_booked", 0, false, 409},
    {BOOKING_REASON_CONFLICT, "conflict", BOOKING_FAILED, false, 503},
    {BOOKING_REASON_BUSY, "busy", BOOKING_FAILED, false, 503},
    {BOOKING_REASON_UNAVAILABLE, "unavailable", BOOKING_FAILED, false, 503},
    {BOOKING_REASON_IO_ERROR, "io_error", BOOKING_FAILED, false, 503},
    {BOOKING_REASON_TIMEOUT, "timeout", BOOKING_FAILED, false, 503},
    {BOOKING_REASON_INTERNAL, "internal", BOOKING_FAILED, false, 503},
    {BOOKING_REASON_CONFIRMED, "confirmed", 0, false, 200},
    {BOOKING_REASON_ALREADY_CONFIRMED, "already_confirmed", 0, false, 200},
    {BOOKING_REASON_HOLD_EXPIRED, "hold_expired", 0, false, 409},
};
#define SPEC_COUNT (sizeof spec_rows / sizeof spec_rows[0])

#define OUTCOME_VALUE_(name, value, wire) BOOKING_##name,
static const booking_outcome outcomes[] = {BOOKING_OUTCOME_MAP(OUTCOME_VALUE_)};
#undef OUTCOME_VALUE_
#define OUTCOME_COUNT (sizeof outcomes / sizeof outcomes[0])

#define STATUS_VALUE_(name, value, wire) BOOKING_STATUS_##name,
static const booking_status statuses[] = {BOOKING_STATUS_MAP(STATUS_VALUE_)};
#undef STATUS_VALUE_
#define STATUS_COUNT (sizeof statuses / sizeof statuses[0])

static void outcome_and_status_lists_are_those_of_spec_sections_1_and_5(void **state)
{
    (void)state;
    const char *outcome_names[] = {"BOOKED", "REJECTED", "FAILED"};
    assert_int_equal(OUTCOME_COUNT, 3);
    for (size_t i = 0; i < OUTCOME_COUNT; i++) {
        assert_int_equal(outcomes[i], (booking_outcome)(i + 1)); /* the ABI's values */
        assert_string_equal(booking_outcome_name(outcomes[i]), outcome_names[i]);
    }
    const char *status_names[] = {"none", "active", "cancelled", "held", "expired"};
    assert_int_equal(STATUS_COUNT, 5);
    for (size_t i = 0; i < STATUS_COUNT; i++) {
        assert_int_equal(statuses[i], (booking_status)i);
        assert_string_equal(booking_status_name(statuses[i]), status_names[i]);
    }
}

static void reason_list_says_what_spec_sections_1_and_5_say_of_every_reason(void **state)
{
    (void)state;
    assert_int_equal(MAP_COUNT, SPEC_COUNT);
    for (size_t i = 0; i < MAP_COUNT; i++) {
        const map_row *m = &reason_map[i], *s = &spec_rows[i];
        assert_int_equal(m->reason, s->reason);
        assert_string_equal(m->wire, s->wire);
        assert_int_equal(m->outcome, s->outcome);
        assert_int_equal(m->recorded, s->recorded);
        assert_int_equal(m->http_status, s->http_status);
    }
}

static void reason_enum_runs_from_zero_in_list_order(void **state)
{
    (void)state;
    assert_int_equal(CORE_REASON_COUNT, MAP_COUNT);
    assert_int_equal(METRICS_REASONS, MAP_COUNT);
    for (size_t i = 0; i < MAP_COUNT; i++)
        assert_int_equal(reason_map[i].reason, (booking_reason)i);
}

static void every_wire_name_is_unique_and_looks_up_its_own_value(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAP_COUNT; i++) {
        const char *name = booking_reason_name(reason_map[i].reason);
        assert_string_equal(name, reason_map[i].wire);
        booking_reason back = BOOKING_REASON_INTERNAL;
        assert_true(bk_core_reason_from_name(name, &back));
        assert_int_equal(back, reason_map[i].reason);
        for (size_t j = i + 1; j < MAP_COUNT; j++)
            assert_string_not_equal(reason_map[i].wire, reason_map[j].wire);
    }
    for (size_t i = 0; i < OUTCOME_COUNT; i++) {
        booking_outcome back = 0;
        assert_true(bk_core_outcome_from_name(booking_outcome_name(outcomes[i]), &back));
        assert_int_equal(back, outcomes[i]);
        for (size_t j = i + 1; j < OUTCOME_COUNT; j++)
            assert_string_not_equal(booking_outcome_name(outcomes[i]),
                                    booking_outcome_name(outcomes[j]));
    }
    for (size_t i = 0; i < STATUS_COUNT; i++)
        for (size_t j = i + 1; j < STATUS_COUNT; j++)
            assert_string_not_equal(booking_status_name(statuses[i]),
                                    booking_status_name(statuses[j]));
}

static void a_name_outside_the_lists_looks_up_nothing(void **state)
{
    (void)state;
    const char *strangers[] = {"", "OK", "Booked", "booked ", "insufficient", "none", "ACTIVE"};
    for (size_t i = 0; i < sizeof strangers / sizeof strangers[0]; i++) {
        booking_reason r = BOOKING_REASON_BUSY;
        booking_outcome o = BOOKING_BOOKED;
        assert_false(bk_core_reason_from_name(strangers[i], &r));
        assert_int_equal(r, BOOKING_REASON_BUSY); /* untouched */
        assert_false(bk_core_outcome_from_name(strangers[i], &o));
        assert_int_equal(o, BOOKING_BOOKED);
    }
}

static void failures_are_exactly_the_reasons_of_a_failed_outcome(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAP_COUNT; i++)
        assert_int_equal(booking_reason_is_failure(reason_map[i].reason),
                         reason_map[i].outcome == BOOKING_FAILED);
    /* A value outside the enum is named "internal", and so is a failure. */
    assert_true(booking_reason_is_failure((booking_reason)MAP_COUNT));
    assert_string_equal(booking_reason_name((booking_reason)MAP_COUNT), "internal");
}

static void an_attempt_pairs_each_outcome_with_exactly_its_reasons(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAP_COUNT; i++)
        for (size_t o = 0; o < OUTCOME_COUNT; o++)
            assert_int_equal(bk_core_reason_pairs_with(reason_map[i].reason, outcomes[o]),
                             reason_map[i].outcome == (int)outcomes[o]);
    assert_false(bk_core_reason_pairs_with((booking_reason)MAP_COUNT, BOOKING_FAILED));
}

static void a_record_read_back_gets_the_one_recorded_reason_of_its_outcome(void **state)
{
    (void)state;
    for (size_t o = 0; o < OUTCOME_COUNT; o++) {
        size_t recorded = 0;
        for (size_t i = 0; i < MAP_COUNT; i++) {
            assert_int_equal(bk_core_reason_recorded(reason_map[i].reason), reason_map[i].recorded);
            if (reason_map[i].recorded && reason_map[i].outcome == (int)outcomes[o]) {
                recorded++;
                assert_int_equal(bk_core_recorded_reason(outcomes[o]), reason_map[i].reason);
            }
        }
        /* A decision has one recorded reason; a failure is never recorded. */
        assert_int_equal(recorded, outcomes[o] == BOOKING_FAILED ? 0 : 1);
    }
    assert_int_equal(bk_core_recorded_reason(BOOKING_REJECTED), BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(bk_core_recorded_reason(BOOKING_FAILED), BOOKING_REASON_INTERNAL);
}

static void each_reason_gets_its_http_status_of_spec_section_5(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAP_COUNT; i++)
        assert_int_equal(endpoint_reason_status(reason_map[i].reason), reason_map[i].http_status);
    assert_int_equal(endpoint_reason_status((booking_reason)MAP_COUNT), HTTP_INTERNAL);
}

static void an_attempt_answer_has_the_status_of_its_reason_but_a_replayed_booked_200(void **state)
{
    (void)state;
    booking_request req = {.booking_id = "b-1", .resource_id = "r-1", .units = 1};
    for (size_t i = 0; i < MAP_COUNT; i++) {
        for (size_t o = 0; o < OUTCOME_COUNT; o++) {
            if (!bk_core_reason_pairs_with(reason_map[i].reason, outcomes[o]))
                continue;
            for (int replayed = 0; replayed <= 1; replayed++) {
                booking_result res = {.outcome = outcomes[o], .reason = reason_map[i].reason,
                                      .replayed = replayed, .status = BOOKING_STATUS_ACTIVE};
                http_reply r = reply_attempt(&req, &res);
                unsigned want = outcomes[o] == BOOKING_BOOKED && replayed
                                    ? 200u : reason_map[i].http_status;
                assert_int_equal(r.status, want);
                assert_int_equal(r.retry_after, outcomes[o] == BOOKING_FAILED);
                free(r.text);
                json_decref(r.body);
            }
        }
    }
}

/* GET /metrics lists, from zero, one series for each pair an attempt can answer. */
static void metrics_show_exactly_the_outcome_reason_pairs_of_an_attempt(void **state)
{
    (void)state;
    server_metrics *m = malloc(sizeof *m);
    assert_non_null(m);
    metrics_init(m);
    size_t len = 0;
    const booking_store_stats stats = {.holds_expired = 0};
    char *text = metrics_render(m, &stats, &len);
    assert_non_null(text);
    for (size_t i = 0; i < MAP_COUNT; i++) {
        for (size_t o = 0; o < OUTCOME_COUNT; o++) {
            char series[128];
            snprintf(series, sizeof series,
                     "booking_attempts_total{outcome=\"%s\",reason=\"%s\"} 0\n",
                     booking_outcome_name(outcomes[o]), reason_map[i].wire);
            assert_int_equal(strstr(text, series) != NULL,
                             reason_map[i].outcome == (int)outcomes[o]);
        }
    }
    free(text);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reason_list_says_what_spec_sections_1_and_5_say_of_every_reason),
        cmocka_unit_test(reason_enum_runs_from_zero_in_list_order),
        cmocka_unit_test(outcome_and_status_lists_are_those_of_spec_sections_1_and_5),
        cmocka_unit_test(every_wire_name_is_unique_and_looks_up_its_own_value),
        cmocka_unit_test(a_name_outside_the_lists_looks_up_nothing),
        cmocka_unit_test(failures_are_exactly_the_reasons_of_a_failed_outcome),
        cmocka_unit_test(an_attempt_pairs_each_outcome_with_exactly_its_reasons),
        cmocka_unit_test(a_record_read_back_gets_the_one_recorded_reason_of_its_outcome),
        cmocka_unit_test(each_reason_gets_its_http_status_of_spec_section_5),
        cmocka_unit_test(an_attempt_answer_has_the_status_of_its_reason_but_a_replayed_booked_200),
        cmocka_unit_test(metrics_show_exactly_the_outcome_reason_pairs_of_an_attempt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
