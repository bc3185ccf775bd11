/* SPDX-License-Identifier: MIT */
/*
 * test_decide.c: the pure decision core (src/core/decide.h) against the tables and
 * rules of SPEC sections 1 and 2, one test per row or rule, plus the wire names.
 * No store is involved: what a store must write is what these decisions say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/decide.h"
#include "core/names.h"

#include <stdio.h>
#include <string.h>

#define UNITS_MAX BOOKING_UNITS_MAX
#define CAPACITY_MAX BOOKING_CAPACITY_MAX
#define NOW_MS ((int64_t)1764627000000) /* 2025-12-01T22:10:00Z, any instant will do */
/* An attempt of one line on resource "r" (the compound literal lives in the
 * enclosing block, as long as the call that takes it). */
#define HOLD_ATTEMPT(u, hold, now)                                                           \
    ((core_attempt){.lines = {.at = &(booking_line){.resource_id = "r", .units = (u)},       \
                              .count = 1},                                                   \
                    .hold_ms = (hold),                                                       \
                    .now_ms = (now)})
#define ATTEMPT(u) HOLD_ATTEMPT((u), 0, NOW_MS)

/* A record as a store would read it, with its one line (on "r" unless a test
 * moves it): decide() compares it with the attempt's, as a store does. */
typedef struct test_record {
    core_record core;
    booking_line line;
} test_record;

static test_record record_of(booking_outcome outcome, booking_reason reason,
                             booking_status status, uint64_t units)
{
    return (test_record){.core = {.outcome = outcome, .reason = reason, .status = status},
                         .line = {.resource_id = "r", .units = units}};
}

/* The store's side of an attempt: its record (if any) compared line by line. */
static core_attempt_decision decide(core_attempt attempt, const core_resource *resource,
                                    test_record *rec)
{
    if (rec != NULL)
        rec->core.same_lines = bk_core_lines_equal(attempt.lines, (core_lines){&rec->line, 1});
    return bk_core_decide_attempt_one(attempt, resource, rec != NULL ? &rec->core : NULL);
}

static void assert_booked_new(core_attempt_decision d, uint64_t units)
{
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_int_equal(d.result.reason, BOOKING_REASON_BOOKED);
    assert_false(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_ACTIVE);
    assert_true(d.write_record);
    assert_true(d.reserve);
    (void)units;
}

static void assert_rejected_recorded(core_attempt_decision d)
{
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
    assert_int_equal(d.result.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_false(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_NONE);
    assert_true(d.write_record);
    assert_false(d.reserve);
}

/* A decision that writes nothing at all (no record, no counter change). */
static void assert_writes_nothing(core_attempt_decision d)
{
    assert_false(d.write_record);
    assert_false(d.reserve);
}

/* ---- SPEC 1, outcome BOOKED / REJECTED insufficient_capacity ---- */

static void booked_when_units_below_remaining(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 3};
    assert_booked_new(decide(ATTEMPT(2), &r, NULL), 2);
}

static void booked_when_units_equal_remaining(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 3};
    assert_booked_new(decide(ATTEMPT(7), &r, NULL), 7);
}

static void insufficient_capacity_when_units_are_remaining_plus_one(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 3};
    assert_rejected_recorded(decide(ATTEMPT(8), &r, NULL));
}

static void insufficient_capacity_on_capacity_zero(void **state)
{
    (void)state;
    core_resource r = {.capacity = 0, .booked = 0};
    assert_rejected_recorded(decide(ATTEMPT(1), &r, NULL));
}

static void insufficient_capacity_when_booked_equals_capacity(void **state)
{
    (void)state;
    core_resource r = {.capacity = 5, .booked = 5};
    assert_rejected_recorded(decide(ATTEMPT(1), &r, NULL));
}

static void booked_when_units_and_capacity_are_max(void **state)
{
    (void)state;
    core_resource r = {.capacity = CAPACITY_MAX, .booked = 0};
    assert_booked_new(decide(ATTEMPT(UNITS_MAX), &r, NULL), UNITS_MAX);
}

static void insufficient_capacity_at_max_when_one_unit_is_booked(void **state)
{
    (void)state;
    /* remaining = 2^53-2, units = 2^53-1: remaining + 1, at the top of the range. */
    core_resource r = {.capacity = CAPACITY_MAX, .booked = 1};
    assert_rejected_recorded(decide(ATTEMPT(UNITS_MAX), &r, NULL));
}

static void insufficient_capacity_without_overflow_when_full_at_max(void **state)
{
    (void)state;
    /* booked + units would be 2^54-2: the rule must not be a sum that could wrap. */
    core_resource r = {.capacity = CAPACITY_MAX, .booked = CAPACITY_MAX};
    assert_rejected_recorded(decide(ATTEMPT(UNITS_MAX), &r, NULL));
}

static void insufficient_capacity_is_recorded_and_books_nothing(void **state)
{
    (void)state;
    core_resource r = {.capacity = 1, .booked = 0};
    core_attempt_decision d = decide(ATTEMPT(2), &r, NULL);
    assert_true(d.write_record);
    assert_false(d.reserve);
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
}

/* ---- SPEC 1, REJECTED unknown_resource ---- */

static void unknown_resource_is_rejected_and_not_recorded(void **state)
{
    (void)state;
    core_attempt_decision d = decide(ATTEMPT(1), NULL, NULL);
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
    assert_int_equal(d.result.reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    assert_false(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_NONE);
    assert_writes_nothing(d);
}

/* ---- SPEC 1, idempotent by booking_id: replays ---- */

static void replay_of_booked_returns_replayed_true_status_active(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 4};
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 4);
    core_attempt_decision d = decide(ATTEMPT(4), &r, &rec);
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_int_equal(d.result.reason, BOOKING_REASON_BOOKED);
    assert_true(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_ACTIVE);
    assert_writes_nothing(d);
}

static void replay_of_booked_makes_no_second_reservation_even_when_full(void **state)
{
    (void)state;
    /* The resource is full now (by this very booking): the replay is still BOOKED. */
    core_resource r = {.capacity = 4, .booked = 4};
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 4);
    core_attempt_decision d = decide(ATTEMPT(4), &r, &rec);
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_true(d.result.replayed);
    assert_writes_nothing(d);
}

static void replay_of_insufficient_capacity_stays_rejected_after_capacity_freed(void **state)
{
    (void)state;
    core_resource freed = {.capacity = 100, .booked = 0};
    test_record rec = record_of(BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY,
                                BOOKING_STATUS_NONE, 5);
    core_attempt_decision d = decide(ATTEMPT(5), &freed, &rec);
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
    assert_int_equal(d.result.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_true(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_NONE);
    assert_writes_nothing(d);
}

static void replay_of_cancelled_booking_is_booked_with_status_cancelled(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 0};
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_CANCELLED, 3);
    core_attempt_decision d = decide(ATTEMPT(3), &r, &rec);
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_int_equal(d.result.reason, BOOKING_REASON_BOOKED);
    assert_true(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_CANCELLED);
    assert_writes_nothing(d); /* a cancelled booking_id stays decided: no new booking */
}

/* ---- SPEC 1, REJECTED booking_id_conflict ---- */

static void assert_conflict(core_attempt_decision d)
{
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
    assert_int_equal(d.result.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    assert_false(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_NONE);
    assert_writes_nothing(d);
}

static void repeat_with_other_units_is_booking_id_conflict(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 2};
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 2);
    assert_conflict(decide(ATTEMPT(3), &r, &rec));
    assert_conflict(decide(ATTEMPT(1), &r, &rec));
}

static void repeat_with_other_resource_is_booking_id_conflict(void **state)
{
    (void)state;
    core_resource other = {.capacity = 10, .booked = 0};
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 2);
    rec.line.resource_id = "other";
    assert_conflict(decide(ATTEMPT(2), &other, &rec));
    /* The other resource need not even exist: the record decides first. */
    assert_conflict(decide(ATTEMPT(2), NULL, &rec));
}

static void repeat_of_rejected_record_with_other_units_is_booking_id_conflict(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 0};
    test_record rec = record_of(BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY,
                                BOOKING_STATUS_NONE, 50);
    assert_conflict(decide(ATTEMPT(5), &r, &rec));
}

static void repeat_of_cancelled_booking_with_other_units_is_booking_id_conflict(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 0};
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_CANCELLED, 3);
    assert_conflict(decide(ATTEMPT(4), &r, &rec));
}

/* ---- the record decides before the resource ---- */

static void record_decides_before_missing_resource(void **state)
{
    (void)state;
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 1);
    core_attempt_decision d = decide(ATTEMPT(1), NULL, &rec);
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_int_equal(d.result.reason, BOOKING_REASON_BOOKED);
    assert_true(d.result.replayed);
    assert_writes_nothing(d);

    test_record rej = record_of(BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY,
                                BOOKING_STATUS_NONE, 1);
    d = decide(ATTEMPT(1), NULL, &rej);
    assert_int_equal(d.result.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_true(d.result.replayed);
    assert_writes_nothing(d);
}

/* ---- SPEC 2, CancelBooking ---- */

static void cancel_of_active_booking_releases_its_units(void **state)
{
    (void)state;
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 7);
    core_cancel_decision d = bk_core_decide_cancel(&rec.core, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_CANCELLED);
    assert_true(d.write_status);
    assert_true(d.release_lines);
}

static void cancel_of_max_units_releases_all_of_them(void **state)
{
    (void)state;
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, UNITS_MAX);
    core_cancel_decision d = bk_core_decide_cancel(&rec.core, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_CANCELLED);
    assert_true(d.release_lines);
}

static void cancel_repeat_is_already_cancelled_and_releases_nothing(void **state)
{
    (void)state;
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_CANCELLED, 7);
    core_cancel_decision d = bk_core_decide_cancel(&rec.core, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_ALREADY_CANCELLED);
    assert_false(d.write_status);
    assert_false(d.release_lines);
}

static void cancel_of_unknown_booking_is_unknown_booking(void **state)
{
    (void)state;
    core_cancel_decision d = bk_core_decide_cancel(NULL, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_UNKNOWN_BOOKING);
    assert_false(d.write_status);
    assert_false(d.release_lines);
}

static void cancel_of_rejected_record_is_not_booked(void **state)
{
    (void)state;
    test_record rec = record_of(BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY,
                                BOOKING_STATUS_NONE, 7);
    core_cancel_decision d = bk_core_decide_cancel(&rec.core, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_NOT_BOOKED);
    assert_false(d.write_status);
    assert_false(d.release_lines);
}


/* ---- SPEC 8, bundles: several lines, one decision ---- */

#define BUNDLE_RESOURCES_MAX BOOKING_LINES_MAX

/* A bundle as the core sees it: lines on "n0", "n1", ... with their resources'
 * states (NULL: unknown), and a record of its own lines if a test gives one. */
typedef struct test_bundle {
    char ids[BUNDLE_RESOURCES_MAX][16];
    booking_line lines[BUNDLE_RESOURCES_MAX];
    core_resource states[BUNDLE_RESOURCES_MAX];
    const core_resource *resources[BUNDLE_RESOURCES_MAX];
    size_t count;
} test_bundle;

/* count lines of `units` each on resources of capacity 10 with `booked` booked. */
static void bundle_init(test_bundle *b, size_t count, uint64_t units, uint64_t booked)
{
    assert_true(count >= 1 && count <= BUNDLE_RESOURCES_MAX);
    memset(b, 0, sizeof *b);
    b->count = count;
    for (size_t i = 0; i < count; i++) {
        snprintf(b->ids[i], sizeof b->ids[i], "n%u", (unsigned)(i % BUNDLE_RESOURCES_MAX));
        b->lines[i] = (booking_line){.resource_id = b->ids[i], .units = units};
        b->states[i] = (core_resource){.capacity = 10, .booked = booked};
        b->resources[i] = &b->states[i];
    }
}

static core_attempt bundle_attempt(const test_bundle *b, uint64_t hold_ms)
{
    return (core_attempt){.lines = {.at = b->lines, .count = b->count}, .hold_ms = hold_ms,
                          .now_ms = NOW_MS};
}

/* The store's side: compare the attempt's lines with the record's (recorded),
 * as a store does with bk_core_lines_equal, then decide. */
static core_attempt_decision decide_bundle(const test_bundle *b, const test_bundle *recorded,
                                           core_record *record)
{
    if (record != NULL)
        record->same_lines = bk_core_lines_equal((core_lines){b->lines, b->count},
                                                 (core_lines){recorded->lines, recorded->count});
    return bk_core_decide_attempt(bundle_attempt(b, record != NULL ? record->hold_ms : 0),
                                  record != NULL ? NULL : b->resources, record);
}

static void assert_rejected_line(core_attempt_decision d, booking_reason reason, uint32_t line)
{
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
    assert_int_equal(d.result.reason, reason);
    assert_false(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_NONE);
    assert_int_equal(d.result.line, line);
    assert_false(d.reserve);
    /* insufficient_capacity is recorded (with its line), unknown_resource is not */
    assert_int_equal(d.write_record, reason == BOOKING_REASON_INSUFFICIENT_CAPACITY);
}

static void bundle_whose_every_line_fits_is_booked_and_reserves_every_line(void **state)
{
    (void)state;
    test_bundle b;
    bundle_init(&b, 3, 2, 8); /* exactly the 2 remaining on each */
    core_attempt_decision d = decide_bundle(&b, NULL, NULL);
    assert_booked_new(d, 2);
    assert_int_equal(d.result.line, 0);
    test_bundle h;
    bundle_init(&h, 3, 2, 8);
    d = bk_core_decide_attempt(bundle_attempt(&h, 1000), h.resources, NULL);
    assert_int_equal(d.result.status, BOOKING_STATUS_HELD);
    assert_true(d.result.expires_at_ms == NOW_MS + 1000);
    assert_true(d.reserve && d.write_record);
}

static void bundle_one_line_short_by_one_unit_is_rejected_naming_it_and_reserves_nothing(
    void **state)
{
    (void)state;
    for (uint32_t shortline = 0; shortline < 3; shortline++) {
        test_bundle b;
        bundle_init(&b, 3, 2, 0);
        b.states[shortline].booked = 9; /* 1 remains where 2 are wanted */
        assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_INSUFFICIENT_CAPACITY,
                             shortline);
    }
}

static void bundle_with_unknown_resource_on_the_third_line_is_unknown_resource_line_2(
    void **state)
{
    (void)state;
    test_bundle b;
    bundle_init(&b, 4, 1, 0);
    b.resources[2] = NULL;
    assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_UNKNOWN_RESOURCE, 2);
}

static void bundle_lower_failing_line_wins_over_a_higher_one(void **state)
{
    (void)state;
    test_bundle b;
    bundle_init(&b, 5, 1, 0);
    b.states[1].booked = 10; /* line 1 full */
    b.resources[3] = NULL;   /* line 3 unknown */
    assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_INSUFFICIENT_CAPACITY, 1);
    bundle_init(&b, 5, 1, 0);
    b.resources[1] = NULL;    /* line 1 unknown */
    b.states[3].booked = 10;  /* line 3 full */
    assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_UNKNOWN_RESOURCE, 1);
    bundle_init(&b, 5, 1, 0);
    b.states[4].booked = 10;
    b.states[2].booked = 10;
    assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_INSUFFICIENT_CAPACITY, 2);
}

static void bundle_of_64_lines_is_booked_or_rejected_on_its_last_line(void **state)
{
    (void)state;
    test_bundle b;
    bundle_init(&b, BOOKING_LINES_MAX, 10, 0);
    assert_booked_new(decide_bundle(&b, NULL, NULL), 10);
    b.states[BOOKING_LINES_MAX - 1].booked = 1;
    assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_INSUFFICIENT_CAPACITY,
                         BOOKING_LINES_MAX - 1);
    b.states[BOOKING_LINES_MAX - 1].booked = 0;
    b.resources[BOOKING_LINES_MAX - 1] = NULL;
    assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_UNKNOWN_RESOURCE,
                         BOOKING_LINES_MAX - 1);
}

static void bundle_line_at_max_units_on_max_capacity_fits_without_overflow(void **state)
{
    (void)state;
    test_bundle b;
    bundle_init(&b, 2, UNITS_MAX, 0);
    b.states[0].capacity = CAPACITY_MAX;
    b.states[1].capacity = CAPACITY_MAX;
    assert_booked_new(decide_bundle(&b, NULL, NULL), UNITS_MAX);
    b.states[1].booked = 1;
    assert_rejected_line(decide_bundle(&b, NULL, NULL), BOOKING_REASON_INSUFFICIENT_CAPACITY, 1);
}

static core_record booked_bundle_record(void)
{
    return (core_record){.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                         .status = BOOKING_STATUS_ACTIVE};
}

static void bundle_replay_with_the_same_lines_is_replayed_and_reads_no_resource(void **state)
{
    (void)state;
    test_bundle b, recorded;
    bundle_init(&b, 3, 2, 10); /* every resource full now: the replay does not look */
    bundle_init(&recorded, 3, 2, 0);
    core_record rec = booked_bundle_record();
    core_attempt_decision d = decide_bundle(&b, &recorded, &rec);
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_true(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_ACTIVE);
    assert_writes_nothing(d);
}

static void assert_bundle_conflict(core_attempt_decision d)
{
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
    assert_int_equal(d.result.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    assert_false(d.result.replayed);
    assert_int_equal(d.result.line, 0);
    assert_writes_nothing(d);
}

static void bundle_replay_with_lines_reordered_is_booking_id_conflict(void **state)
{
    (void)state;
    test_bundle recorded, b;
    bundle_init(&recorded, 3, 1, 0);
    recorded.lines[2].units = 3;
    b = recorded;
    for (size_t i = 0; i < 3; i++)
        b.lines[i].resource_id = b.ids[i];
    booking_line first = b.lines[0];
    b.lines[0] = b.lines[2];
    b.lines[2] = first;
    core_record rec = booked_bundle_record();
    assert_false(bk_core_lines_equal((core_lines){b.lines, 3}, (core_lines){recorded.lines, 3}));
    assert_bundle_conflict(decide_bundle(&b, &recorded, &rec));
    /* The same resources and units reordered, even when every line has the same units. */
    bundle_init(&recorded, 2, 1, 0);
    bundle_init(&b, 2, 1, 0);
    b.lines[0].resource_id = b.ids[1];
    b.lines[1].resource_id = b.ids[0];
    assert_bundle_conflict(decide_bundle(&b, &recorded, &rec));
}

static void bundle_replay_with_one_unit_changed_is_booking_id_conflict(void **state)
{
    (void)state;
    core_record rec = booked_bundle_record();
    for (size_t i = 0; i < 3; i++) {
        test_bundle recorded, b;
        bundle_init(&recorded, 3, 2, 0);
        bundle_init(&b, 3, 2, 0);
        b.lines[i].units = 3;
        assert_bundle_conflict(decide_bundle(&b, &recorded, &rec));
        b.lines[i].units = 1;
        assert_bundle_conflict(decide_bundle(&b, &recorded, &rec));
    }
}

static void bundle_replay_with_a_line_more_or_less_is_booking_id_conflict(void **state)
{
    (void)state;
    core_record rec = booked_bundle_record();
    test_bundle recorded, b;
    bundle_init(&recorded, 3, 2, 0);
    bundle_init(&b, 4, 2, 0);
    assert_bundle_conflict(decide_bundle(&b, &recorded, &rec));
    bundle_init(&b, 2, 2, 0);
    assert_bundle_conflict(decide_bundle(&b, &recorded, &rec));
    /* A hold_ms other than the record's, with the same lines. */
    bundle_init(&b, 3, 2, 0);
    rec.same_lines = bk_core_lines_equal((core_lines){b.lines, 3}, (core_lines){recorded.lines, 3});
    assert_true(rec.same_lines);
    assert_bundle_conflict(bk_core_decide_attempt(bundle_attempt(&b, 1000), NULL, &rec));
}

static void replay_of_a_rejected_bundle_returns_its_recorded_line(void **state)
{
    (void)state;
    test_bundle recorded, b;
    bundle_init(&recorded, 4, 2, 0);
    bundle_init(&b, 4, 2, 0); /* everything would fit now */
    core_record rec = {.outcome = BOOKING_REJECTED,
                       .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY,
                       .status = BOOKING_STATUS_NONE,
                       .line = 3};
    core_attempt_decision d = decide_bundle(&b, &recorded, &rec);
    assert_int_equal(d.result.outcome, BOOKING_REJECTED);
    assert_int_equal(d.result.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_true(d.result.replayed);
    assert_int_equal(d.result.line, 3);
    assert_writes_nothing(d);
}

static void single_form_and_one_line_bundle_are_the_same_lines_and_decision(void **state)
{
    (void)state;
    booking_line one;
    booking_request single = {.booking_id = "b", .resource_id = "r", .units = 4};
    core_lines from_single = bk_core_request_lines(&single, &one);
    assert_int_equal(from_single.count, 1);
    assert_string_equal(from_single.at[0].resource_id, "r");
    assert_true(from_single.at[0].units == 4);
    booking_line line = {.resource_id = "r", .units = 4};
    booking_request bundle = {.booking_id = "b", .lines = &line, .line_count = 1};
    booking_line unused;
    core_lines from_bundle = bk_core_request_lines(&bundle, &unused);
    assert_ptr_equal(from_bundle.at, &line);
    assert_true(bk_core_lines_equal(from_single, from_bundle));
    core_resource r = {.capacity = 4, .booked = 1};
    const core_resource *resources[1] = {&r};
    core_attempt a = {.lines = from_single, .now_ms = NOW_MS};
    core_attempt c = {.lines = from_bundle, .now_ms = NOW_MS};
    core_attempt_decision ds = bk_core_decide_attempt(a, resources, NULL);
    core_attempt_decision db = bk_core_decide_attempt_one(c, &r, NULL);
    assert_int_equal(ds.result.outcome, db.result.outcome);
    assert_int_equal(ds.result.reason, db.result.reason);
    assert_int_equal(ds.result.line, db.result.line);
    assert_int_equal(ds.write_record, db.write_record);
    assert_int_equal(ds.reserve, db.reserve);
    assert_int_equal(ds.result.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
}

static void line_equal_compares_the_whole_id_and_the_units(void **state)
{
    (void)state;
    booking_line want = {.resource_id = "night-1", .units = 2};
    assert_true(bk_core_line_equal(&want, "night-1", 7, 2));
    assert_true(bk_core_line_equal(&want, "night-12", 7, 2)); /* a length-bounded stored id */
    assert_false(bk_core_line_equal(&want, "night-12", 8, 2));
    assert_false(bk_core_line_equal(&want, "night-", 6, 2));
    assert_false(bk_core_line_equal(&want, "night-1", 7, 3));
    assert_false(bk_core_line_equal(&want, "Night-1", 7, 2));
    assert_false(bk_core_line_equal(&want, NULL, 0, 2));
}

static void cancel_of_a_bundle_releases_every_line_and_of_a_held_one_unindexes_it(void **state)
{
    (void)state;
    core_record rec = booked_bundle_record();
    core_cancel_decision d = bk_core_decide_cancel(&rec, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_CANCELLED);
    assert_true(d.release_lines);
    assert_false(d.unindex_hold);
    core_record held = {.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                        .status = BOOKING_STATUS_HELD, .hold_ms = 1000,
                        .expires_at_ms = NOW_MS + 1000};
    d = bk_core_decide_cancel(&held, NOW_MS + 999);
    assert_int_equal(d.reason, BOOKING_REASON_CANCELLED);
    assert_true(d.release_lines && d.unindex_hold);
    d = bk_core_decide_cancel(&held, NOW_MS + 1000);
    assert_int_equal(d.reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_false(d.release_lines);
    assert_true(d.release_expired);
    core_change_decision c = bk_core_decide_confirm(&held, NOW_MS + 999);
    assert_int_equal(c.reason, BOOKING_REASON_CONFIRMED);
    assert_false(c.release_lines);
    assert_true(c.unindex_hold);
}

/* ---- SPEC 7, holds ---- */

#define HOLD_MS_MAX BOOKING_HOLD_MS_MAX

#define hold_attempt HOLD_ATTEMPT

/* A held record as a store would read it: made at NOW_MS for hold_ms. */
static test_record held_record(uint64_t units, uint64_t hold_ms)
{
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_HELD, units);
    rec.core.hold_ms = hold_ms;
    rec.core.expires_at_ms = NOW_MS + (int64_t)hold_ms;
    return rec;
}

static void assert_held_new(core_attempt_decision d, uint64_t units, int64_t expires_at_ms)
{
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_int_equal(d.result.reason, BOOKING_REASON_BOOKED);
    assert_false(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_HELD);
    assert_true(d.result.expires_at_ms == expires_at_ms);
    assert_true(d.write_record);
    assert_true(d.reserve);
    (void)units;
}

static void hold_is_booked_with_status_held_until_now_plus_hold_ms(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 3};
    assert_held_new(decide(hold_attempt(2, 60000, NOW_MS), &r, NULL), 2,
                    NOW_MS + 60000);
}

static void hold_ms_1_and_hold_ms_max_are_holds_of_that_length(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 0};
    assert_held_new(decide(hold_attempt(1, 1, NOW_MS), &r, NULL), 1, NOW_MS + 1);
    assert_held_new(decide(hold_attempt(1, HOLD_MS_MAX, NOW_MS), &r, NULL), 1,
                    NOW_MS + 604800000);
}

static void hold_that_does_not_fit_is_insufficient_capacity_recorded(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 9};
    core_attempt_decision d = decide(hold_attempt(2, 1000, NOW_MS), &r, NULL);
    assert_rejected_recorded(d);
    assert_true(d.result.expires_at_ms == 0);
}

static void hold_status_is_held_until_expires_at_then_expired(void **state)
{
    (void)state;
    test_record rec = held_record(2, 1000);
    assert_int_equal(bk_core_status_at(&rec.core, NOW_MS), BOOKING_STATUS_HELD);
    assert_int_equal(bk_core_status_at(&rec.core, NOW_MS + 999), BOOKING_STATUS_HELD);
    assert_int_equal(bk_core_status_at(&rec.core, NOW_MS + 1000), BOOKING_STATUS_EXPIRED);
    assert_int_equal(bk_core_status_at(&rec.core, NOW_MS + 1000000), BOOKING_STATUS_EXPIRED);
    assert_false(bk_core_hold_expired(NOW_MS + 1000, NOW_MS + 999));
    assert_true(bk_core_hold_expired(NOW_MS + 1000, NOW_MS + 1000));
    test_record active = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 2);
    assert_int_equal(bk_core_status_at(&active.core, INT64_MAX), BOOKING_STATUS_ACTIVE);
}

static void replay_of_hold_is_held_before_expiry_and_expired_after(void **state)
{
    (void)state;
    test_record rec = held_record(2, 1000);
    core_attempt_decision d = decide(hold_attempt(2, 1000, NOW_MS + 999), NULL, &rec);
    assert_true(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_HELD);
    assert_true(d.result.expires_at_ms == NOW_MS + 1000);
    assert_writes_nothing(d);
    d = decide(hold_attempt(2, 1000, NOW_MS + 1000), NULL, &rec);
    assert_int_equal(d.result.outcome, BOOKING_BOOKED);
    assert_true(d.result.replayed);
    assert_int_equal(d.result.status, BOOKING_STATUS_EXPIRED);
    assert_writes_nothing(d);
}

static void repeat_with_other_hold_ms_is_booking_id_conflict(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 2};
    test_record held = held_record(2, 1000);
    assert_conflict(decide(hold_attempt(2, 1001, NOW_MS), &r, &held));
    assert_conflict(decide(hold_attempt(2, 0, NOW_MS), &r, &held));
    test_record plain = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 2);
    assert_conflict(decide(hold_attempt(2, 1000, NOW_MS), &r, &plain));
}

static void confirm_at_expires_at_minus_1_ms_makes_the_hold_active(void **state)
{
    (void)state;
    test_record rec = held_record(3, 1000);
    core_change_decision d = bk_core_decide_confirm(&rec.core, NOW_MS + 999);
    assert_int_equal(d.reason, BOOKING_REASON_CONFIRMED);
    assert_int_equal(d.status, BOOKING_STATUS_ACTIVE);
    assert_true(d.write_status);
    assert_true(d.unindex_hold);
    assert_false(d.release_lines);
    assert_false(d.release_expired);
}

static void confirm_at_expires_at_is_hold_expired_and_changes_nothing(void **state)
{
    (void)state;
    test_record rec = held_record(3, 1000);
    core_change_decision d = bk_core_decide_confirm(&rec.core, NOW_MS + 1000);
    assert_int_equal(d.reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(d.status, BOOKING_STATUS_EXPIRED);
    assert_false(d.write_status);
    assert_false(d.unindex_hold);
    assert_false(d.release_lines);
    assert_true(d.release_expired);
    rec.core.status = BOOKING_STATUS_EXPIRED; /* a store that has applied the expiry */
    d = bk_core_decide_confirm(&rec.core, NOW_MS + 1000);
    assert_int_equal(d.reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_false(d.write_status);
}

static void confirm_repeat_is_already_confirmed(void **state)
{
    (void)state;
    test_record rec = held_record(3, 1000);
    rec.core.status = BOOKING_STATUS_ACTIVE; /* confirmed before: active forever */
    core_change_decision d = bk_core_decide_confirm(&rec.core, NOW_MS + 5000);
    assert_int_equal(d.reason, BOOKING_REASON_ALREADY_CONFIRMED);
    assert_int_equal(d.status, BOOKING_STATUS_ACTIVE);
    assert_false(d.write_status);
    test_record plain = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 3);
    assert_int_equal(bk_core_decide_confirm(&plain.core, NOW_MS).reason, BOOKING_REASON_ALREADY_CONFIRMED);
}

static void confirm_of_cancelled_rejected_or_unknown_changes_nothing(void **state)
{
    (void)state;
    test_record cancelled = held_record(3, 1000);
    cancelled.core.status = BOOKING_STATUS_CANCELLED;
    core_change_decision d = bk_core_decide_confirm(&cancelled.core, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_ALREADY_CANCELLED);
    assert_false(d.write_status);
    test_record rej = record_of(BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY,
                                BOOKING_STATUS_NONE, 3);
    d = bk_core_decide_confirm(&rej.core, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_NOT_BOOKED);
    assert_false(d.write_status);
    d = bk_core_decide_confirm(NULL, NOW_MS);
    assert_int_equal(d.reason, BOOKING_REASON_UNKNOWN_BOOKING);
    assert_false(d.write_status);
}

static void cancel_of_hold_before_expiry_releases_its_units(void **state)
{
    (void)state;
    test_record rec = held_record(4, 1000);
    core_cancel_decision d = bk_core_decide_cancel(&rec.core, NOW_MS + 999);
    assert_int_equal(d.reason, BOOKING_REASON_CANCELLED);
    assert_int_equal(d.status, BOOKING_STATUS_CANCELLED);
    assert_true(d.write_status);
    assert_true(d.unindex_hold);
    assert_true(d.release_lines);
}

static void cancel_of_expired_hold_is_hold_expired_and_releases_nothing_itself(void **state)
{
    (void)state;
    test_record rec = held_record(4, 1000);
    core_cancel_decision d = bk_core_decide_cancel(&rec.core, NOW_MS + 1000);
    assert_int_equal(d.reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(d.status, BOOKING_STATUS_EXPIRED);
    assert_false(d.write_status);
    assert_false(d.release_lines);
    assert_true(d.release_expired);
}

static void cancel_of_active_booking_does_not_touch_a_hold(void **state)
{
    (void)state;
    test_record rec = record_of(BOOKING_BOOKED, BOOKING_REASON_BOOKED, BOOKING_STATUS_ACTIVE, 4);
    core_cancel_decision d = bk_core_decide_cancel(&rec.core, NOW_MS);
    assert_false(d.unindex_hold);
    assert_false(d.release_expired);
}

static void read_of_a_hold_shows_it_expired_and_changed_at_its_end(void **state)
{
    (void)state;
    test_record rec = held_record(2, 1000);
    core_record_view v = bk_core_record_at(&rec.core, NOW_MS, NOW_MS + 999);
    assert_int_equal(v.status, BOOKING_STATUS_HELD);
    assert_true(v.updated_at_ms == NOW_MS);
    v = bk_core_record_at(&rec.core, NOW_MS, NOW_MS + 5000); /* expiry not yet applied */
    assert_int_equal(v.status, BOOKING_STATUS_EXPIRED);
    assert_true(v.updated_at_ms == NOW_MS + 1000);
    rec.core.status = BOOKING_STATUS_ACTIVE; /* confirmed at NOW_MS + 10 */
    v = bk_core_record_at(&rec.core, NOW_MS + 10, NOW_MS + 5000);
    assert_int_equal(v.status, BOOKING_STATUS_ACTIVE);
    assert_true(v.updated_at_ms == NOW_MS + 10);
}

static void store_time_never_goes_back_when_the_clock_steps_back(void **state)
{
    (void)state;
    assert_true(bk_core_store_time(NOW_MS, NOW_MS - 1) == NOW_MS);
    assert_true(bk_core_store_time(NOW_MS - 60000, NOW_MS) == NOW_MS);
    assert_true(bk_core_store_time(NOW_MS, NOW_MS) == NOW_MS);
    /* A hold that expired at the latest time stays expired after a step back. */
    test_record rec = held_record(1, 1000);
    int64_t latest = NOW_MS + 1000;
    assert_int_equal(bk_core_status_at(&rec.core, bk_core_store_time(NOW_MS + 10, latest)),
                     BOOKING_STATUS_EXPIRED);
}

/* ---- SPEC 2, SetCapacity ---- */

static void set_capacity_of_unknown_resource_creates_it(void **state)
{
    (void)state;
    core_capacity_decision d = bk_core_decide_set_capacity(10, NULL);
    assert_int_equal(d.reason, BOOKING_REASON_OK);
    assert_true(d.create);
    assert_false(d.update);
}

static void set_capacity_zero_and_max_create_the_resource(void **state)
{
    (void)state;
    core_capacity_decision d = bk_core_decide_set_capacity(0, NULL);
    assert_int_equal(d.reason, BOOKING_REASON_OK);
    assert_true(d.create);
    d = bk_core_decide_set_capacity(CAPACITY_MAX, NULL);
    assert_int_equal(d.reason, BOOKING_REASON_OK);
    assert_true(d.create);
}

static void set_capacity_of_existing_resource_updates_it(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 4};
    core_capacity_decision up = bk_core_decide_set_capacity(20, &r);
    assert_int_equal(up.reason, BOOKING_REASON_OK);
    assert_false(up.create);
    assert_true(up.update);
    core_capacity_decision down = bk_core_decide_set_capacity(5, &r);
    assert_int_equal(down.reason, BOOKING_REASON_OK);
    assert_true(down.update);
}

static void set_capacity_below_booked_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 4};
    core_capacity_decision d = bk_core_decide_set_capacity(3, &r);
    assert_int_equal(d.reason, BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    assert_false(d.create);
    assert_false(d.update);
    core_resource top = {.capacity = CAPACITY_MAX, .booked = CAPACITY_MAX};
    d = bk_core_decide_set_capacity(CAPACITY_MAX - 1, &top);
    assert_int_equal(d.reason, BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    assert_false(d.update);
}

static void set_capacity_equal_to_booked_is_allowed(void **state)
{
    (void)state;
    core_resource r = {.capacity = 10, .booked = 4};
    core_capacity_decision d = bk_core_decide_set_capacity(4, &r);
    assert_int_equal(d.reason, BOOKING_REASON_OK);
    assert_true(d.update);
    core_resource empty = {.capacity = 10, .booked = 0};
    d = bk_core_decide_set_capacity(0, &empty);
    assert_int_equal(d.reason, BOOKING_REASON_OK);
    assert_true(d.update);
}

/* ---- the invariant of SPEC 1 ---- */

static void resource_consistent_only_when_booked_within_capacity(void **state)
{
    (void)state;
    assert_true(bk_core_resource_consistent(&(core_resource){.capacity = 0, .booked = 0}));
    assert_true(bk_core_resource_consistent(&(core_resource){.capacity = 5, .booked = 5}));
    assert_true(bk_core_resource_consistent(
        &(core_resource){.capacity = CAPACITY_MAX, .booked = CAPACITY_MAX}));
    assert_false(bk_core_resource_consistent(&(core_resource){.capacity = 5, .booked = 6}));
    assert_false(
        bk_core_resource_consistent(&(core_resource){.capacity = CAPACITY_MAX + 1, .booked = 0}));
}

/* ---- names (SPEC sections 1, 2, 5) ---- */

static void outcome_names_are_the_spec_wire_names(void **state)
{
    (void)state;
    assert_string_equal(booking_outcome_name(BOOKING_BOOKED), "BOOKED");
    assert_string_equal(booking_outcome_name(BOOKING_REJECTED), "REJECTED");
    assert_string_equal(booking_outcome_name(BOOKING_FAILED), "FAILED");
    assert_non_null(booking_outcome_name((booking_outcome)0));
    assert_non_null(booking_outcome_name((booking_outcome)99));
}

typedef struct reason_row {
    booking_reason reason;
    const char *name;
    bool failure;
} reason_row;

/* Every reason of SPEC sections 1 and 2 with its wire name; FAILED ones are failures. */
static const reason_row reason_table[] = {
    {BOOKING_REASON_OK, "ok", false},
    {BOOKING_REASON_BOOKED, "booked", false},
    {BOOKING_REASON_INSUFFICIENT_CAPACITY, "insufficient_capacity", false},
    {BOOKING_REASON_BOOKING_ID_CONFLICT, "booking_id_conflict", false},
    {BOOKING_REASON_UNKNOWN_RESOURCE, "unknown_resource", false},
    {BOOKING_REASON_UNKNOWN_BOOKING, "unknown_booking", false},
    {BOOKING_REASON_CANCELLED, "cancelled", false},
    {BOOKING_REASON_ALREADY_CANCELLED, "already_cancelled", false},
    {BOOKING_REASON_NOT_BOOKED, "not_booked", false},
    {BOOKING_REASON_CAPACITY_BELOW_BOOKED, "capacity_below_booked", false},
    {BOOKING_REASON_CONFLICT, "conflict", true},
    {BOOKING_REASON_BUSY, "busy", true},
    {BOOKING_REASON_UNAVAILABLE, "unavailable", true},
    {BOOKING_REASON_IO_ERROR, "io_error", true},
    {BOOKING_REASON_TIMEOUT, "timeout", true},
    {BOOKING_REASON_INTERNAL, "internal", true},
    {BOOKING_REASON_CONFIRMED, "confirmed", false},
    {BOOKING_REASON_ALREADY_CONFIRMED, "already_confirmed", false},
    {BOOKING_REASON_HOLD_EXPIRED, "hold_expired", false},
};
#define REASON_COUNT (sizeof reason_table / sizeof reason_table[0])

static void reason_names_are_the_spec_wire_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < REASON_COUNT; i++)
        assert_string_equal(booking_reason_name(reason_table[i].reason), reason_table[i].name);
    /* Names are distinct, so a reason survives a round trip through its name. */
    for (size_t i = 0; i < REASON_COUNT; i++)
        for (size_t j = i + 1; j < REASON_COUNT; j++)
            assert_string_not_equal(reason_table[i].name, reason_table[j].name);
    assert_non_null(booking_reason_name((booking_reason)999));
}

static void reason_table_covers_every_reason(void **state)
{
    (void)state;
    /* The enum is dense from OK in list order: the table above names each value once. */
    assert_int_equal(REASON_COUNT, (size_t)CORE_REASON_COUNT);
    for (size_t i = 0; i < REASON_COUNT; i++)
        assert_int_equal(reason_table[i].reason, (booking_reason)i);
}

static void only_failed_reasons_are_failures(void **state)
{
    (void)state;
    for (size_t i = 0; i < REASON_COUNT; i++) {
        if (booking_reason_is_failure(reason_table[i].reason) != reason_table[i].failure)
            fail_msg("booking_reason_is_failure(%s) is wrong", reason_table[i].name);
    }
}

static void status_names_are_the_spec_wire_names(void **state)
{
    (void)state;
    assert_string_equal(booking_status_name(BOOKING_STATUS_ACTIVE), "active");
    assert_string_equal(booking_status_name(BOOKING_STATUS_CANCELLED), "cancelled");
    assert_string_equal(booking_status_name(BOOKING_STATUS_NONE), "none");
    assert_string_equal(booking_status_name(BOOKING_STATUS_HELD), "held");
    assert_string_equal(booking_status_name(BOOKING_STATUS_EXPIRED), "expired");
    assert_non_null(booking_status_name((booking_status)42));
}

static void error_names_are_short_distinct_phrases(void **state)
{
    (void)state;
    const booking_error errors[] = {BOOKING_OK, BOOKING_EINVAL, BOOKING_ENOMEM, BOOKING_EURL,
                                    BOOKING_EOPEN};
    const size_t n = sizeof errors / sizeof errors[0];
    for (size_t i = 0; i < n; i++) {
        const char *name = booking_error_name(errors[i]);
        assert_non_null(name);
        assert_true(name[0] != '\0');
        assert_null(strchr(name, '\n'));
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(name, booking_error_name(errors[j]));
    }
    assert_non_null(booking_error_name((booking_error)-99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(booked_when_units_below_remaining),
        cmocka_unit_test(booked_when_units_equal_remaining),
        cmocka_unit_test(insufficient_capacity_when_units_are_remaining_plus_one),
        cmocka_unit_test(insufficient_capacity_on_capacity_zero),
        cmocka_unit_test(insufficient_capacity_when_booked_equals_capacity),
        cmocka_unit_test(booked_when_units_and_capacity_are_max),
        cmocka_unit_test(insufficient_capacity_at_max_when_one_unit_is_booked),
        cmocka_unit_test(insufficient_capacity_without_overflow_when_full_at_max),
        cmocka_unit_test(insufficient_capacity_is_recorded_and_books_nothing),
        cmocka_unit_test(unknown_resource_is_rejected_and_not_recorded),
        cmocka_unit_test(replay_of_booked_returns_replayed_true_status_active),
        cmocka_unit_test(replay_of_booked_makes_no_second_reservation_even_when_full),
        cmocka_unit_test(replay_of_insufficient_capacity_stays_rejected_after_capacity_freed),
        cmocka_unit_test(replay_of_cancelled_booking_is_booked_with_status_cancelled),
        cmocka_unit_test(repeat_with_other_units_is_booking_id_conflict),
        cmocka_unit_test(repeat_with_other_resource_is_booking_id_conflict),
        cmocka_unit_test(repeat_of_rejected_record_with_other_units_is_booking_id_conflict),
        cmocka_unit_test(repeat_of_cancelled_booking_with_other_units_is_booking_id_conflict),
        cmocka_unit_test(record_decides_before_missing_resource),
        cmocka_unit_test(cancel_of_active_booking_releases_its_units),
        cmocka_unit_test(cancel_of_max_units_releases_all_of_them),
        cmocka_unit_test(cancel_repeat_is_already_cancelled_and_releases_nothing),
        cmocka_unit_test(cancel_of_unknown_booking_is_unknown_booking),
        cmocka_unit_test(cancel_of_rejected_record_is_not_booked),
        cmocka_unit_test(bundle_whose_every_line_fits_is_booked_and_reserves_every_line),
        cmocka_unit_test(bundle_one_line_short_by_one_unit_is_rejected_naming_it_and_reserves_nothing),
        cmocka_unit_test(bundle_with_unknown_resource_on_the_third_line_is_unknown_resource_line_2),
        cmocka_unit_test(bundle_lower_failing_line_wins_over_a_higher_one),
        cmocka_unit_test(bundle_of_64_lines_is_booked_or_rejected_on_its_last_line),
        cmocka_unit_test(bundle_line_at_max_units_on_max_capacity_fits_without_overflow),
        cmocka_unit_test(bundle_replay_with_the_same_lines_is_replayed_and_reads_no_resource),
        cmocka_unit_test(bundle_replay_with_lines_reordered_is_booking_id_conflict),
        cmocka_unit_test(bundle_replay_with_one_unit_changed_is_booking_id_conflict),
        cmocka_unit_test(bundle_replay_with_a_line_more_or_less_is_booking_id_conflict),
        cmocka_unit_test(replay_of_a_rejected_bundle_returns_its_recorded_line),
        cmocka_unit_test(single_form_and_one_line_bundle_are_the_same_lines_and_decision),
        cmocka_unit_test(line_equal_compares_the_whole_id_and_the_units),
        cmocka_unit_test(cancel_of_a_bundle_releases_every_line_and_of_a_held_one_unindexes_it),
        cmocka_unit_test(hold_is_booked_with_status_held_until_now_plus_hold_ms),
        cmocka_unit_test(hold_ms_1_and_hold_ms_max_are_holds_of_that_length),
        cmocka_unit_test(hold_that_does_not_fit_is_insufficient_capacity_recorded),
        cmocka_unit_test(hold_status_is_held_until_expires_at_then_expired),
        cmocka_unit_test(replay_of_hold_is_held_before_expiry_and_expired_after),
        cmocka_unit_test(repeat_with_other_hold_ms_is_booking_id_conflict),
        cmocka_unit_test(confirm_at_expires_at_minus_1_ms_makes_the_hold_active),
        cmocka_unit_test(confirm_at_expires_at_is_hold_expired_and_changes_nothing),
        cmocka_unit_test(confirm_repeat_is_already_confirmed),
        cmocka_unit_test(confirm_of_cancelled_rejected_or_unknown_changes_nothing),
        cmocka_unit_test(cancel_of_hold_before_expiry_releases_its_units),
        cmocka_unit_test(cancel_of_expired_hold_is_hold_expired_and_releases_nothing_itself),
        cmocka_unit_test(cancel_of_active_booking_does_not_touch_a_hold),
        cmocka_unit_test(read_of_a_hold_shows_it_expired_and_changed_at_its_end),
        cmocka_unit_test(store_time_never_goes_back_when_the_clock_steps_back),
        cmocka_unit_test(set_capacity_of_unknown_resource_creates_it),
        cmocka_unit_test(set_capacity_zero_and_max_create_the_resource),
        cmocka_unit_test(set_capacity_of_existing_resource_updates_it),
        cmocka_unit_test(set_capacity_below_booked_is_refused_and_changes_nothing),
        cmocka_unit_test(set_capacity_equal_to_booked_is_allowed),
        cmocka_unit_test(resource_consistent_only_when_booked_within_capacity),
        cmocka_unit_test(outcome_names_are_the_spec_wire_names),
        cmocka_unit_test(reason_names_are_the_spec_wire_names),
        cmocka_unit_test(reason_table_covers_every_reason),
        cmocka_unit_test(only_failed_reasons_are_failures),
        cmocka_unit_test(status_names_are_the_spec_wire_names),
        cmocka_unit_test(error_names_are_short_distinct_phrases),
    };
    return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
