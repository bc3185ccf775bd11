/* SPDX-License-Identifier: MIT */
/*
 * conformance_bundles.c: bundles (SPEC section 8) through the public API, on every
 * store: several resources, one decision, all lines reserved or none. The ledger
 * (conformance_ledger.h) learns every line of a bundle, so after each case the
 * invariant is checked per resource with every BOOKED bundle counted on each of
 * its lines, and every bundle's record reads back with its lines in order.
 */
#include "conformance_bundles.h"

#include <stdlib.h>
#include <string.h>

#define BUNDLE_HOLD_MS 1000
#define BIG_BUNDLES 1024 /* 1024 bundles of 64 lines: BOOKING_BATCH_LINES_MAX exactly */

/* n new resources of one capacity; returns the index of the first. */
static size_t resources_new(ledger *l, size_t n, uint64_t capacity)
{
    size_t first = l->resource_count;
    for (size_t i = 0; i < n; i++)
        ledger_resource_new(l, capacity);
    return first;
}

static booking_line line_of(const ledger *l, size_t r, uint64_t units)
{
    return (booking_line){.resource_id = rid(l, r), .units = units};
}

static void assert_rejected_at(booking_result res, booking_reason reason, uint32_t line)
{
    assert_result(res, BOOKING_REJECTED, reason, false, BOOKING_STATUS_NONE);
    if (res.line != line)
        fail_msg("REJECTED %s names line %u, expected line %u", booking_reason_name(reason),
                 (unsigned)res.line, (unsigned)line);
}

static void assert_new_held_bundle(booking_result res, int64_t expires_at_ms)
{
    assert_result(res, BOOKING_BOOKED, BOOKING_REASON_BOOKED, false, BOOKING_STATUS_HELD);
    assert_true(res.expires_at_ms == expires_at_ms);
    assert_int_equal(res.line, 0);
}

/* ---- the decision: every line or none ---- */

static void bundle_whose_every_line_fits_is_booked_on_every_line(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 10);
    char b[ID_SIZE];
    new_id(b, "stay");
    booking_line lines[] = {line_of(l, r, 3), line_of(l, r + 1, 10), line_of(l, r + 2, 1)};
    booking_result res = ledger_bundle(l, b, lines, 3, 0);
    assert_new_booked(res);
    assert_int_equal(res.line, 0);
    assert_resource(rid(l, r), 10, 3);
    assert_resource(rid(l, r + 1), 10, 10);
    assert_resource(rid(l, r + 2), 10, 1);
    booking_record rec = get_record(b);
    assert_int_equal(rec.outcome, BOOKING_BOOKED);
    assert_int_equal(rec.status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(rec.line_count, 3);
    assert_string_equal(rec.resource_id, rid(l, r)); /* line 0's */
    assert_true(rec.units == 3);
}

static void bundle_one_line_short_by_one_unit_is_rejected_naming_it_and_reserves_nothing(
    void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 10);
    char before[ID_SIZE], b[ID_SIZE];
    new_id(before, "before");
    new_id(b, "short");
    assert_new_booked(ledger_attempt(l, before, rid(l, r + 1), 6));
    /* Line 1 wants 5 where 4 remain; lines 0 and 2 would fit. */
    booking_line lines[] = {line_of(l, r, 2), line_of(l, r + 1, 5), line_of(l, r + 2, 10)};
    assert_rejected_at(ledger_bundle(l, b, lines, 3, 0), BOOKING_REASON_INSUFFICIENT_CAPACITY, 1);
    assert_resource(rid(l, r), 10, 0);
    assert_resource(rid(l, r + 1), 10, 6);
    assert_resource(rid(l, r + 2), 10, 0);
    booking_record rec = get_record(b);
    assert_int_equal(rec.outcome, BOOKING_REJECTED);
    assert_int_equal(rec.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(rec.status, BOOKING_STATUS_NONE);
    assert_int_equal(rec.line_count, 3);
    assert_int_equal(rec.line, 1);
    /* One unit less on line 1 fits exactly, under another booking_id. */
    char fits[ID_SIZE];
    new_id(fits, "fits");
    lines[1].units = 4;
    assert_new_booked(ledger_bundle(l, fits, lines, 3, 0));
    assert_resource(rid(l, r + 1), 10, 10);
}

static void bundle_with_unknown_resource_on_the_third_line_is_unknown_resource_line_2(
    void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 2, 10);
    char b[ID_SIZE], missing[ID_SIZE];
    new_id(b, "b");
    new_id(missing, "missing");
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 1),
                            {.resource_id = missing, .units = 1}};
    assert_rejected_at(ledger_bundle(l, b, lines, 3, 0), BOOKING_REASON_UNKNOWN_RESOURCE, 2);
    assert_unknown_booking(b); /* not recorded */
    assert_resource(rid(l, r), 10, 0);
    assert_resource(rid(l, r + 1), 10, 0);
    /* Not recorded: once the resource exists the same id books afresh. */
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, missing, 1, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    ledger_adopt_resource(l, missing, 1);
    assert_new_booked(ledger_bundle(l, b, lines, 3, 0));
    assert_resource(missing, 1, 1);
}

static void bundle_names_its_lowest_failing_line_whatever_the_reason(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 4, 1);
    char full_first[ID_SIZE], unknown_first[ID_SIZE], both[ID_SIZE], missing[ID_SIZE];
    char filler[ID_SIZE];
    new_id(full_first, "full-first");
    new_id(unknown_first, "unknown-first");
    new_id(both, "both");
    new_id(missing, "missing");
    new_id(filler, "filler");
    assert_new_booked(ledger_attempt(l, filler, rid(l, r + 1), 1)); /* r+1 is full */
    booking_line unknown = {.resource_id = missing, .units = 1};

    /* Line 1 too full, line 3 unknown: the lower line decides. */
    booking_line a[] = {line_of(l, r, 1), line_of(l, r + 1, 1), line_of(l, r + 2, 1), unknown};
    assert_rejected_at(ledger_bundle(l, full_first, a, 4, 0),
                       BOOKING_REASON_INSUFFICIENT_CAPACITY, 1);
    /* Line 1 unknown, line 2 too full. */
    booking_line b[] = {line_of(l, r, 1), unknown, line_of(l, r + 1, 1), line_of(l, r + 3, 1)};
    assert_rejected_at(ledger_bundle(l, unknown_first, b, 4, 0), BOOKING_REASON_UNKNOWN_RESOURCE,
                       1);
    assert_unknown_booking(unknown_first);
    /* Lines 2 and 3 both too much: line 2. */
    booking_line c[] = {line_of(l, r, 1), line_of(l, r + 3, 1), line_of(l, r + 1, 1),
                        line_of(l, r + 2, 2)};
    assert_rejected_at(ledger_bundle(l, both, c, 4, 0), BOOKING_REASON_INSUFFICIENT_CAPACITY, 2);
    assert_int_equal(get_record(both).line, 2);
    for (size_t i = 0; i < 4; i++)
        assert_resource(rid(l, r + i), 1, i == 1 ? 1 : 0);
}

static void bundle_of_64_lines_is_booked_on_all_64(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, BOOKING_LINES_MAX, 2);
    char b[ID_SIZE], rej[ID_SIZE];
    new_id(b, "b64");
    new_id(rej, "rej64");
    booking_line lines[BOOKING_LINES_MAX];
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
        lines[i] = line_of(l, r + i, 1);
    assert_new_booked(ledger_bundle(l, b, lines, BOOKING_LINES_MAX, 0));
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
        assert_resource(rid(l, r + i), 2, 1);
    /* The last line alone too much: REJECTED naming line 63, nothing reserved. */
    lines[BOOKING_LINES_MAX - 1].units = 2;
    assert_rejected_at(ledger_bundle(l, rej, lines, BOOKING_LINES_MAX, 0),
                       BOOKING_REASON_INSUFFICIENT_CAPACITY, BOOKING_LINES_MAX - 1);
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
        assert_resource(rid(l, r + i), 2, 1);
    assert_int_equal(get_record(rej).line_count, BOOKING_LINES_MAX);
}

/* ---- replays: the same lines in the same order ---- */

static void bundle_replay_with_the_same_lines_is_replayed_and_reserves_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 2, 2);
    char b[ID_SIZE];
    new_id(b, "b");
    booking_line lines[] = {line_of(l, r, 2), line_of(l, r + 1, 1)};
    assert_new_booked(ledger_bundle(l, b, lines, 2, 0));
    for (int i = 0; i < 3; i++) {
        /* r is full (by this bundle): the replay is still BOOKED. */
        booking_result res = ledger_bundle(l, b, lines, 2, 0);
        assert_result(res, BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_ACTIVE);
        assert_int_equal(res.line, 0);
    }
    assert_resource(rid(l, r), 2, 2);
    assert_resource(rid(l, r + 1), 2, 1);
}

static void bundle_replay_with_lines_reordered_is_booking_id_conflict(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 10);
    char b[ID_SIZE];
    new_id(b, "b");
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 2), line_of(l, r + 2, 3)};
    assert_new_booked(ledger_bundle(l, b, lines, 3, 0));
    booking_record before = get_record(b);
    booking_line swapped[] = {lines[1], lines[0], lines[2]};
    assert_conflict(ledger_bundle(l, b, swapped, 3, 0));
    booking_line rotated[] = {lines[2], lines[0], lines[1]};
    assert_conflict(ledger_bundle(l, b, rotated, 3, 0));
    assert_same_record(get_record(b), before);
    assert_resource(rid(l, r), 10, 1);
    assert_resource(rid(l, r + 1), 10, 2);
    assert_resource(rid(l, r + 2), 10, 3);
    /* The record stands: the original order still replays. */
    assert_result(ledger_bundle(l, b, lines, 3, 0), BOOKING_BOOKED, BOOKING_REASON_BOOKED, true,
                  BOOKING_STATUS_ACTIVE);
}

static void bundle_replay_with_one_unit_changed_or_a_line_more_or_less_is_booking_id_conflict(
    void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 4, 10);
    char b[ID_SIZE];
    new_id(b, "b");
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 2), line_of(l, r + 2, 3),
                            line_of(l, r + 3, 4)};
    assert_new_booked(ledger_bundle(l, b, lines, 3, 0));
    booking_record before = get_record(b);
    for (size_t i = 0; i < 3; i++) {
        booking_line changed[] = {lines[0], lines[1], lines[2]};
        changed[i].units = lines[i].units + 1;
        assert_conflict(ledger_bundle(l, b, changed, 3, 0));
        if (lines[i].units > 1) {
            changed[i].units = lines[i].units - 1;
            assert_conflict(ledger_bundle(l, b, changed, 3, 0));
        }
    }
    assert_conflict(ledger_bundle(l, b, lines, 2, 0)); /* a line less */
    assert_conflict(ledger_bundle(l, b, lines, 4, 0)); /* a line more */
    booking_line other[] = {lines[0], lines[1], lines[3]};
    assert_conflict(ledger_bundle(l, b, other, 3, 0)); /* another resource on line 2 */
    assert_conflict(ledger_bundle(l, b, lines, 3, BUNDLE_HOLD_MS)); /* another hold_ms */
    assert_same_record(get_record(b), before);
    for (size_t i = 0; i < 4; i++)
        assert_resource(rid(l, r + i), 10, i < 3 ? i + 1 : 0);
}

static void replay_of_a_rejected_bundle_returns_its_line_after_capacity_is_freed(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 2);
    char holder[ID_SIZE], b[ID_SIZE];
    new_id(holder, "holder");
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, holder, rid(l, r + 2), 2));
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 1), line_of(l, r + 2, 1)};
    assert_rejected_at(ledger_bundle(l, b, lines, 3, 0), BOOKING_REASON_INSUFFICIENT_CAPACITY, 2);
    assert_int_equal(ledger_cancel(l, holder, NULL), BOOKING_REASON_CANCELLED);
    for (int i = 0; i < 2; i++) {
        booking_result res = ledger_bundle(l, b, lines, 3, 0);
        assert_result(res, BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY, true,
                      BOOKING_STATUS_NONE);
        assert_int_equal(res.line, 2);
    }
    /* A different request under the decided id is a conflict, not a booking. */
    booking_line fewer[] = {lines[0], lines[1]};
    assert_conflict(ledger_bundle(l, b, fewer, 2, 0));
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 2, 0);
}

static void one_line_bundle_and_single_form_replay_each_other(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 2, 10);
    char as_bundle[ID_SIZE], as_single[ID_SIZE], two[ID_SIZE];
    new_id(as_bundle, "as-bundle");
    new_id(as_single, "as-single");
    new_id(two, "two");
    booking_line one = line_of(l, r, 3);
    assert_new_booked(ledger_bundle(l, as_bundle, &one, 1, 0));
    assert_result(ledger_attempt(l, as_bundle, rid(l, r), 3), BOOKING_BOOKED,
                  BOOKING_REASON_BOOKED, true, BOOKING_STATUS_ACTIVE);
    assert_conflict(ledger_attempt(l, as_bundle, rid(l, r), 4));
    assert_new_booked(ledger_attempt(l, as_single, rid(l, r), 2));
    booking_line same = line_of(l, r, 2);
    assert_result(ledger_bundle(l, as_single, &same, 1, 0), BOOKING_BOOKED, BOOKING_REASON_BOOKED,
                  true, BOOKING_STATUS_ACTIVE);
    booking_line other = line_of(l, r + 1, 2);
    assert_conflict(ledger_bundle(l, as_single, &other, 1, 0));
    /* A two-line bundle is not replayed by its first line alone. */
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 1)};
    assert_new_booked(ledger_bundle(l, two, lines, 2, 0));
    assert_conflict(ledger_attempt(l, two, rid(l, r), 1));
    assert_conflict(ledger_bundle(l, two, lines, 1, 0));
    assert_int_equal(get_record(as_bundle).line_count, 1);
    assert_int_equal(get_record(as_single).line_count, 1);
    assert_resource(rid(l, r), 10, 6);
    assert_resource(rid(l, r + 1), 10, 1);
}

/* ---- cancel, confirm, expiry: the whole bundle ---- */

static void cancel_of_a_bundle_releases_every_line_once(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 5);
    char b[ID_SIZE], other[ID_SIZE], next[ID_SIZE];
    new_id(b, "b");
    new_id(other, "other");
    new_id(next, "next");
    assert_new_booked(ledger_attempt(l, other, rid(l, r + 1), 1));
    booking_line lines[] = {line_of(l, r, 5), line_of(l, r + 1, 4), line_of(l, r + 2, 2)};
    assert_new_booked(ledger_bundle(l, b, lines, 3, 0));
    booking_record rec;
    assert_int_equal(ledger_cancel(l, b, &rec), BOOKING_REASON_CANCELLED);
    assert_int_equal(rec.status, BOOKING_STATUS_CANCELLED);
    assert_int_equal(rec.line_count, 3);
    assert_string_equal(rec.resource_id, rid(l, r));
    assert_resource(rid(l, r), 5, 0);
    assert_resource(rid(l, r + 1), 5, 1);
    assert_resource(rid(l, r + 2), 5, 0);
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_ALREADY_CANCELLED);
    assert_resource(rid(l, r + 1), 5, 1);
    assert_result(ledger_bundle(l, b, lines, 3, 0), BOOKING_BOOKED, BOOKING_REASON_BOOKED, true,
                  BOOKING_STATUS_CANCELLED);
    /* Every released line is bookable again. */
    assert_new_booked(ledger_bundle(l, next, lines, 3, 0));
}

static void cancel_of_a_rejected_bundle_is_not_booked_and_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 2, 3);
    char holder[ID_SIZE], b[ID_SIZE];
    new_id(holder, "holder");
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, holder, rid(l, r), 2));
    booking_line lines[] = {line_of(l, r, 2), line_of(l, r + 1, 1)};
    assert_rejected_at(ledger_bundle(l, b, lines, 2, 0), BOOKING_REASON_INSUFFICIENT_CAPACITY, 0);
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_NOT_BOOKED);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_NOT_BOOKED);
    assert_resource(rid(l, r), 3, 2);
    assert_resource(rid(l, r + 1), 3, 0);
}

static void confirm_of_a_held_bundle_keeps_every_line_past_its_expiry(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 4);
    char b[ID_SIZE];
    new_id(b, "held");
    int64_t t0 = clock_now();
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 2), line_of(l, r + 2, 3)};
    assert_new_held_bundle(ledger_bundle(l, b, lines, 3, BUNDLE_HOLD_MS), t0 + BUNDLE_HOLD_MS);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_HELD);
    clock_advance(BUNDLE_HOLD_MS - 1);
    booking_record rec;
    assert_int_equal(ledger_confirm(l, b, &rec), BOOKING_REASON_CONFIRMED);
    assert_int_equal(rec.status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(rec.line_count, 3);
    clock_advance(10 * BUNDLE_HOLD_MS);
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 4, i + 1);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_ACTIVE);
    /* Confirmed: a cancel now releases every line. */
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_CANCELLED);
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 4, 0);
}

static void held_bundle_cancelled_before_expiry_releases_every_line_once(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 4);
    char b[ID_SIZE];
    new_id(b, "held");
    booking_line lines[] = {line_of(l, r, 4), line_of(l, r + 1, 4), line_of(l, r + 2, 4)};
    assert_new_held_bundle(ledger_bundle(l, b, lines, 3, BUNDLE_HOLD_MS),
                           clock_now() + BUNDLE_HOLD_MS);
    clock_advance(BUNDLE_HOLD_MS - 1);
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_CANCELLED);
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 4, 0);
    clock_advance(1); /* its expiry instant passes: nothing is released a second time */
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 4, 0);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_CANCELLED);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_ALREADY_CANCELLED);
}

static void held_bundle_expires_on_every_line_at_once_whichever_is_read_first(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 10);
    char b[ID_SIZE];
    new_id(b, "held");
    int64_t t0 = clock_now();
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 2), line_of(l, r + 2, 3)};
    assert_new_held_bundle(ledger_bundle(l, b, lines, 3, BUNDLE_HOLD_MS), t0 + BUNDLE_HOLD_MS);
    clock_advance(BUNDLE_HOLD_MS - 1);
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 10, i + 1);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_HELD);
    clock_advance(1);
    /* The last line read first: it is free; the record reads expired before the
     * other lines are read; then each of them is free too. */
    assert_resource(rid(l, r + 2), 10, 0);
    booking_record rec = get_record(b);
    assert_int_equal(rec.status, BOOKING_STATUS_EXPIRED);
    assert_true(rec.updated_at_ms == t0 + BUNDLE_HOLD_MS);
    assert_resource(rid(l, r + 1), 10, 0);
    assert_resource(rid(l, r), 10, 0);
    booking_result replay = ledger_bundle(l, b, lines, 3, BUNDLE_HOLD_MS);
    assert_result(replay, BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_EXPIRED);
    assert_true(replay.expires_at_ms == t0 + BUNDLE_HOLD_MS);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_HOLD_EXPIRED);
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 10, 0);
}

static void expired_bundle_is_released_once_on_every_line_when_the_next_call_is_a_cancel(
    void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 10);
    char b[ID_SIZE], other[ID_SIZE];
    new_id(b, "held");
    new_id(other, "active");
    assert_new_booked(ledger_attempt(l, other, rid(l, r + 1), 3));
    booking_line lines[] = {line_of(l, r, 4), line_of(l, r + 1, 4), line_of(l, r + 2, 4)};
    assert_new_held_bundle(ledger_bundle(l, b, lines, 3, BUNDLE_HOLD_MS),
                           clock_now() + BUNDLE_HOLD_MS);
    clock_advance(BUNDLE_HOLD_MS);
    /* Nothing read a resource since the expiry: the cancel meets it first. */
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_resource(rid(l, r), 10, 0);
    assert_resource(rid(l, r + 1), 10, 3);
    assert_resource(rid(l, r + 2), 10, 0);
}

static void expired_bundle_swept_on_some_lines_is_released_once_on_each_and_counted_once(
    void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 5);
    char held[ID_SIZE], after[ID_SIZE];
    new_id(held, "held");
    new_id(after, "after");
    booking_store_stats before, now;
    assert_int_equal(booking_store_get_stats(store, &before), BOOKING_OK);
    booking_line lines[] = {line_of(l, r, 2), line_of(l, r + 1, 2), line_of(l, r + 2, 2)};
    assert_new_held_bundle(ledger_bundle(l, held, lines, 3, BUNDLE_HOLD_MS),
                           clock_now() + BUNDLE_HOLD_MS);
    clock_advance(BUNDLE_HOLD_MS);
    /* A read of line 1's resource and a capacity change of line 0's meet the expiry
     * first; line 2's is left to the cancel. */
    assert_resource(rid(l, r + 1), 5, 0);
    booking_resource out;
    assert_int_equal(ledger_set_capacity(l, r, 3, &out), BOOKING_REASON_OK);
    assert_true(out.capacity == 3 && out.booked == 0);
    assert_int_equal(ledger_cancel(l, held, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(ledger_confirm(l, held, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_resource(rid(l, r + 2), 5, 0);
    assert_resource(rid(l, r), 3, 0);
    assert_resource(rid(l, r + 1), 5, 0);
    /* The bundle is one hold: its expiry counts once, whichever call applied each line. */
    assert_int_equal(booking_store_get_stats(store, &now), BOOKING_OK);
    assert_true(now.holds_expired == before.holds_expired + 1);
    booking_line all[] = {line_of(l, r, 3), line_of(l, r + 1, 5), line_of(l, r + 2, 5)};
    assert_new_booked(ledger_bundle(l, after, all, 3, 0));
    assert_int_equal(get_record(held).status, BOOKING_STATUS_EXPIRED);
}

static void capacity_freed_by_an_expired_bundle_is_bookable_at_once_on_any_line(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 1);
    char held[ID_SIZE], early[ID_SIZE], late[ID_SIZE], whole[ID_SIZE];
    new_id(held, "held");
    new_id(early, "early");
    new_id(late, "late");
    new_id(whole, "whole");
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 1), line_of(l, r + 2, 1)};
    assert_new_held_bundle(ledger_bundle(l, held, lines, 3, BUNDLE_HOLD_MS),
                           clock_now() + BUNDLE_HOLD_MS);
    clock_advance(BUNDLE_HOLD_MS - 1);
    assert_new_insufficient(ledger_attempt(l, early, rid(l, r + 2), 1));
    clock_advance(1);
    /* Nothing read any line since: a single attempt on the last line books. */
    assert_new_booked(ledger_attempt(l, late, rid(l, r + 2), 1));
    /* And a bundle over the other two lines too. */
    booking_line rest[] = {lines[1], lines[0]};
    assert_new_booked(ledger_bundle(l, whole, rest, 2, 0));
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 1, 1);
    assert_int_equal(ledger_cancel(l, held, NULL), BOOKING_REASON_HOLD_EXPIRED);
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 1, 1);
}

static void capacity_change_counts_a_held_bundle_on_each_line_until_it_expires(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 5);
    char held[ID_SIZE];
    new_id(held, "held");
    booking_line lines[] = {line_of(l, r, 3), line_of(l, r + 1, 3), line_of(l, r + 2, 3)};
    assert_new_held_bundle(ledger_bundle(l, held, lines, 3, BUNDLE_HOLD_MS),
                           clock_now() + BUNDLE_HOLD_MS);
    booking_resource out;
    assert_int_equal(ledger_set_capacity(l, r + 1, 2, &out), BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    assert_true(out.capacity == 5 && out.booked == 3);
    assert_int_equal(ledger_set_capacity(l, r + 2, 3, &out), BOOKING_REASON_OK);
    assert_true(out.capacity == 3 && out.booked == 3);
    clock_advance(BUNDLE_HOLD_MS - 1);
    assert_int_equal(ledger_set_capacity(l, r, 2, &out), BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    clock_advance(1);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ledger_set_capacity(l, r + i, 0, &out), BOOKING_REASON_OK);
        assert_true(out.capacity == 0 && out.booked == 0);
    }
}

static void change_batch_cancels_and_confirms_bundles_whole(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 2, 10);
    char held[ID_SIZE], active[ID_SIZE];
    new_id(held, "held");
    new_id(active, "active");
    booking_line a[] = {line_of(l, r, 1), line_of(l, r + 1, 2)};
    booking_line b[] = {line_of(l, r + 1, 3), line_of(l, r, 4)};
    assert_new_held_bundle(ledger_bundle(l, held, a, 2, BUNDLE_HOLD_MS),
                           clock_now() + BUNDLE_HOLD_MS);
    assert_new_booked(ledger_bundle(l, active, b, 2, 0));
    const booking_change changes[] = {
        {held, BOOKING_CHANGE_CONFIRM}, {active, BOOKING_CHANGE_CANCEL},
        {active, BOOKING_CHANGE_CANCEL}};
    booking_reason reasons[3];
    booking_record records[3];
    ledger_change_batch(l, changes, 3, reasons, records);
    assert_int_equal(reasons[0], BOOKING_REASON_CONFIRMED);
    assert_int_equal(reasons[1], BOOKING_REASON_CANCELLED);
    assert_int_equal(reasons[2], BOOKING_REASON_ALREADY_CANCELLED);
    assert_int_equal(records[0].line_count, 2);
    assert_int_equal(records[1].line_count, 2);
    assert_string_equal(records[1].resource_id, rid(l, r + 1));
    clock_advance(BUNDLE_HOLD_MS);
    assert_resource(rid(l, r), 10, 1);
    assert_resource(rid(l, r + 1), 10, 2);
}

/* ---- the record's lines ---- */

static void bundle_record_reads_back_its_lines_in_order(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 5, 100);
    char b[ID_SIZE];
    new_id(b, "b");
    /* Not in id order: the attempt's order is what comes back. */
    booking_line lines[] = {line_of(l, r + 3, 7), line_of(l, r, 1), line_of(l, r + 4, 100),
                            line_of(l, r + 1, 2), line_of(l, r + 2, 55)};
    assert_new_booked(ledger_bundle(l, b, lines, 5, 0));

    booking_reason reason;
    booking_record rec;
    booking_record_line got[BOOKING_LINES_MAX];
    memset(got, 0, sizeof got);
    assert_int_equal(booking_get_booking_lines(store, b, &reason, &rec, got, BOOKING_LINES_MAX),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(rec.line_count, 5);
    assert_string_equal(rec.resource_id, lines[0].resource_id);
    assert_true(rec.units == lines[0].units);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(got[i].resource_id, lines[i].resource_id);
        assert_true(got[i].units == lines[i].units);
    }
    assert_string_equal(got[5].resource_id, ""); /* nothing written past line_count */

    /* A small cap: the first two lines only, the rest of the buffer untouched. */
    booking_record_line small[3];
    memset(small, 0x5a, sizeof small);
    assert_int_equal(booking_get_booking_lines(store, b, &reason, &rec, small, 2), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(rec.line_count, 5);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(small[i].resource_id, lines[i].resource_id);
        assert_true(small[i].units == lines[i].units);
    }
    booking_record_line untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    assert_memory_equal(&small[2], &untouched, sizeof untouched);

    /* Cap 0 with NULL is booking_get_booking; NULL with a cap is invalid input. */
    assert_int_equal(booking_get_booking_lines(store, b, &reason, &rec, NULL, 0), BOOKING_OK);
    assert_int_equal(rec.line_count, 5);
    assert_int_equal(booking_get_booking_lines(store, b, &reason, &rec, NULL, 1), BOOKING_EINVAL);
}

static void rejected_bundle_record_reads_back_its_lines_and_failing_line(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 1);
    char b[ID_SIZE];
    new_id(b, "rej");
    booking_line lines[] = {line_of(l, r + 2, 1), line_of(l, r, 2), line_of(l, r + 1, 1)};
    assert_rejected_at(ledger_bundle(l, b, lines, 3, 0), BOOKING_REASON_INSUFFICIENT_CAPACITY, 1);
    booking_reason reason;
    booking_record rec;
    booking_record_line got[BOOKING_LINES_MAX];
    assert_int_equal(booking_get_booking_lines(store, b, &reason, &rec, got, BOOKING_LINES_MAX),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(rec.outcome, BOOKING_REJECTED);
    assert_int_equal(rec.line_count, 3);
    assert_int_equal(rec.line, 1);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(got[i].resource_id, lines[i].resource_id);
        assert_true(got[i].units == lines[i].units);
    }
}

static void single_attempt_record_reads_back_as_its_one_line(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 1, 10);
    char b[ID_SIZE], missing[ID_SIZE];
    new_id(b, "single");
    new_id(missing, "missing");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 4));
    booking_reason reason;
    booking_record rec;
    booking_record_line got[2];
    memset(got, 0, sizeof got);
    assert_int_equal(booking_get_booking_lines(store, b, &reason, &rec, got, 2), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(rec.line_count, 1);
    assert_int_equal(rec.line, 0);
    assert_string_equal(got[0].resource_id, rid(l, r));
    assert_true(got[0].units == 4);
    assert_string_equal(got[1].resource_id, "");
    assert_int_equal(booking_get_booking_lines(store, missing, &reason, &rec, got, 2), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
}

/* ---- batches: bundles and single attempts decided in order ---- */

static void batch_mixing_bundles_and_singles_sees_earlier_reservations(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 2);
    char a[ID_SIZE], single[ID_SIZE], b[ID_SIZE], c[ID_SIZE], d[ID_SIZE], missing[ID_SIZE];
    new_id(a, "a");
    new_id(single, "single");
    new_id(b, "b");
    new_id(c, "c");
    new_id(d, "d");
    new_id(missing, "missing");
    booking_line la[] = {line_of(l, r, 1), line_of(l, r + 1, 2)}; /* fills r+1 */
    booking_line lb[] = {line_of(l, r + 2, 2), line_of(l, r, 1)}; /* fills r+2 and r */
    booking_line lc[] = {line_of(l, r + 2, 1), line_of(l, r + 1, 1)}; /* both full: line 0 */
    booking_line ld[] = {line_of(l, r, 1), {.resource_id = missing, .units = 1}};
    booking_request req[] = {
        {.booking_id = a, .lines = la, .line_count = 2},
        {.booking_id = single, .resource_id = rid(l, r + 1), .units = 1}, /* r+1 full by a */
        {.booking_id = b, .lines = lb, .line_count = 2},
        {.booking_id = c, .lines = lc, .line_count = 2},
        {.booking_id = a, .lines = la, .line_count = 2},                  /* replay of a */
        {.booking_id = a, .lines = la, .line_count = 1},                  /* conflict */
        {.booking_id = d, .lines = ld, .line_count = 2},                  /* r full: line 0 */
        {.booking_id = c, .lines = lc, .line_count = 2},                  /* replay of c */
    };
    enum { N = sizeof req / sizeof req[0] };
    booking_result res[N];
    ledger_attempt_batch(l, req, N, res);
    assert_new_booked(res[0]);
    assert_rejected_at(res[1], BOOKING_REASON_INSUFFICIENT_CAPACITY, 0);
    assert_new_booked(res[2]);
    assert_rejected_at(res[3], BOOKING_REASON_INSUFFICIENT_CAPACITY, 0);
    assert_result(res[4], BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_ACTIVE);
    assert_conflict(res[5]);
    assert_rejected_at(res[6], BOOKING_REASON_INSUFFICIENT_CAPACITY, 0);
    assert_result(res[7], BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY, true,
                  BOOKING_STATUS_NONE);
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 2, 2);
}

static void batch_hold_of_a_bundle_blocks_a_later_bundle_until_it_expires(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 2, 1);
    char held[ID_SIZE], first[ID_SIZE], second[ID_SIZE];
    new_id(held, "held");
    new_id(first, "first");
    new_id(second, "second");
    booking_line lines[] = {line_of(l, r, 1), line_of(l, r + 1, 1)};
    booking_request req[] = {
        {.booking_id = held, .lines = lines, .line_count = 2, .hold_ms = BUNDLE_HOLD_MS},
        {.booking_id = first, .lines = lines, .line_count = 2},
    };
    booking_result res[2];
    ledger_attempt_batch(l, req, 2, res);
    assert_new_held_bundle(res[0], clock_now() + BUNDLE_HOLD_MS);
    assert_rejected_at(res[1], BOOKING_REASON_INSUFFICIENT_CAPACITY, 0);
    clock_advance(BUNDLE_HOLD_MS);
    booking_request again[] = {{.booking_id = second, .lines = lines, .line_count = 2}};
    ledger_attempt_batch(l, again, 1, res);
    assert_new_booked(res[0]);
    assert_resource(rid(l, r), 1, 1);
    assert_resource(rid(l, r + 1), 1, 1);
}

/* ---- bad input: refused whole, nothing done ---- */

/* The request is refused alone, in a batch of one, and after a valid attempt in
 * a batch; no out-parameter is written and the valid attempt is not decided. */
static void assert_refused(const booking_request *bad, const char *valid_resource)
{
    booking_result res, sentinel;
    memset(&res, 0xa5, sizeof res);
    memset(&sentinel, 0xa5, sizeof sentinel);
    assert_int_equal(booking_attempt(store, bad, &res), BOOKING_EINVAL);
    assert_int_equal(booking_attempt_batch(store, bad, 1, &res), BOOKING_EINVAL);
    assert_memory_equal(&res, &sentinel, sizeof res);
    char valid_id[ID_SIZE];
    new_id(valid_id, "valid");
    booking_request pair[2] = {
        {.booking_id = valid_id, .resource_id = valid_resource, .units = 1}, *bad};
    booking_result results[2];
    memset(results, 0xa5, sizeof results);
    assert_int_equal(booking_attempt_batch(store, pair, 2, results), BOOKING_EINVAL);
    assert_memory_equal(&results[0], &sentinel, sizeof sentinel);
    assert_unknown_booking(valid_id);
    if (bad->booking_id != NULL && booking_id_valid(bad->booking_id, strlen(bad->booking_id)))
        assert_unknown_booking(bad->booking_id);
}

static void bundle_bad_input_is_invalid_and_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, 3, 10);
    char b[ID_SIZE], over[ID_SIZE];
    new_id(b, "bad");
    new_id(over, "over");
    booking_line two[] = {line_of(l, r, 1), line_of(l, r + 1, 1)};

    /* Both forms at once: lines with a resource_id, lines with units, both. */
    assert_refused(&(booking_request){.booking_id = b, .resource_id = rid(l, r), .units = 1,
                                      .lines = two, .line_count = 2},
                   rid(l, r));
    assert_refused(&(booking_request){.booking_id = b, .resource_id = rid(l, r), .lines = two,
                                      .line_count = 2},
                   rid(l, r));
    assert_refused(&(booking_request){.booking_id = b, .units = 1, .lines = two, .line_count = 2},
                   rid(l, r));
    /* Neither form. */
    assert_refused(&(booking_request){.booking_id = b}, rid(l, r));
    assert_refused(&(booking_request){.booking_id = b, .units = 1}, rid(l, r));
    /* A line count without lines, lines without a count (0 lines). */
    assert_refused(&(booking_request){.booking_id = b, .line_count = 2}, rid(l, r));
    assert_refused(&(booking_request){.booking_id = b, .resource_id = rid(l, r), .units = 1,
                                      .line_count = 1},
                   rid(l, r));
    assert_refused(&(booking_request){.booking_id = b, .lines = two, .line_count = 0}, rid(l, r));

    /* 65 lines (of 65 distinct, valid ids: only the count is wrong). */
    char(*ids)[ID_SIZE] = calloc(BOOKING_LINES_MAX + 1, sizeof *ids);
    booking_line *many = calloc(BOOKING_LINES_MAX + 1, sizeof *many);
    assert_non_null(ids);
    assert_non_null(many);
    for (size_t i = 0; i < BOOKING_LINES_MAX + 1; i++) {
        new_id(ids[i], "r65");
        many[i] = (booking_line){.resource_id = ids[i], .units = 1};
    }
    assert_refused(&(booking_request){.booking_id = over, .lines = many,
                                      .line_count = BOOKING_LINES_MAX + 1},
                   rid(l, r));
    free(many);
    free(ids);

    /* A bad line anywhere: units 0, units over the maximum, an id bad, empty,
     * too long or NULL; a resource named twice (next to each other or not). */
    char long_id[BOOKING_ID_LEN_MAX + 2];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    const booking_line bad_lines[] = {
        {.resource_id = rid(l, r + 2), .units = 0},
        {.resource_id = rid(l, r + 2), .units = BOOKING_UNITS_MAX + 1},
        {.resource_id = "bad id!", .units = 1},
        {.resource_id = "", .units = 1},
        {.resource_id = long_id, .units = 1},
        {.resource_id = NULL, .units = 1},
        {.resource_id = rid(l, r), .units = 1},     /* the same resource as line 0 */
        {.resource_id = rid(l, r + 1), .units = 5}, /* the same as line 1, other units */
    };
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        booking_line three[] = {two[0], two[1], bad_lines[i]};
        assert_refused(&(booking_request){.booking_id = b, .lines = three, .line_count = 3},
                       rid(l, r));
        booking_line first[] = {bad_lines[i], line_of(l, r + 2, 1)};
        if (i < 6) /* a bad line first, too (the duplicates need a line before them) */
            assert_refused(&(booking_request){.booking_id = b, .lines = first, .line_count = 2},
                           rid(l, r));
    }
    /* A bad booking_id or hold_ms with good lines. */
    assert_refused(&(booking_request){.booking_id = "bad id!", .lines = two, .line_count = 2},
                   rid(l, r));
    assert_refused(&(booking_request){.booking_id = b, .lines = two, .line_count = 2,
                                      .hold_ms = BOOKING_HOLD_MS_MAX + 1},
                   rid(l, r));
    for (size_t i = 0; i < 3; i++)
        assert_resource(rid(l, r + i), 10, 0);
}

/* 1024 bundles of 64 lines (65,536 lines) and one single attempt more is one line
 * over the limit; 1023 such bundles and 64 single attempts are exactly at it. */
static void batch_over_65536_lines_is_invalid_and_exactly_65536_is_decided(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = resources_new(l, BOOKING_LINES_MAX, BIG_BUNDLES);
    booking_line lines[BOOKING_LINES_MAX];
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
        lines[i] = line_of(l, r + i, 1);
    const size_t singles = BOOKING_LINES_MAX;
    const size_t count = BIG_BUNDLES + singles;
    char(*ids)[ID_SIZE] = calloc(count, sizeof *ids);
    booking_request *req = calloc(count, sizeof *req);
    booking_result *res = calloc(count, sizeof *res);
    assert_non_null(ids);
    assert_non_null(req);
    assert_non_null(res);
    for (size_t i = 0; i < count; i++)
        new_id(ids[i], "big");

    for (size_t i = 0; i < BIG_BUNDLES; i++)
        req[i] = (booking_request){.booking_id = ids[i], .lines = lines,
                                   .line_count = BOOKING_LINES_MAX};
    req[BIG_BUNDLES] = (booking_request){.booking_id = ids[BIG_BUNDLES],
                                         .resource_id = rid(l, r), .units = 1};
    assert_int_equal(booking_attempt_batch(store, req, BIG_BUNDLES + 1, res), BOOKING_EINVAL);
    assert_unknown_booking(ids[0]);
    assert_unknown_booking(ids[BIG_BUNDLES]);
    assert_resource(rid(l, r), BIG_BUNDLES, 0);

    /* Exactly at the limit: 1023 bundles, then 64 singles (each counts one line),
     * one on each resource; every resource ends full. */
    for (size_t i = 0; i < singles; i++)
        req[BIG_BUNDLES - 1 + i] = (booking_request){.booking_id = ids[BIG_BUNDLES - 1 + i],
                                                     .resource_id = rid(l, r + i), .units = 1};
    size_t n = BIG_BUNDLES - 1 + singles;
    ledger_attempt_batch(l, req, n, res);
    for (size_t i = 0; i < n; i++)
        assert_new_booked(res[i]);
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
        assert_resource(rid(l, r + i), BIG_BUNDLES, BIG_BUNDLES);
    free(ids);
    free(req);
    free(res);
}

#define BUNDLE_CASE(fn) cmocka_unit_test_setup_teardown(fn, ledger_setup, ledger_teardown)

const struct CMUnitTest conformance_bundle_cases[] = {
    BUNDLE_CASE(bundle_whose_every_line_fits_is_booked_on_every_line),
    BUNDLE_CASE(bundle_one_line_short_by_one_unit_is_rejected_naming_it_and_reserves_nothing),
    BUNDLE_CASE(bundle_with_unknown_resource_on_the_third_line_is_unknown_resource_line_2),
    BUNDLE_CASE(bundle_names_its_lowest_failing_line_whatever_the_reason),
    BUNDLE_CASE(bundle_of_64_lines_is_booked_on_all_64),
    BUNDLE_CASE(bundle_replay_with_the_same_lines_is_replayed_and_reserves_nothing),
    BUNDLE_CASE(bundle_replay_with_lines_reordered_is_booking_id_conflict),
    BUNDLE_CASE(bundle_replay_with_one_unit_changed_or_a_line_more_or_less_is_booking_id_conflict),
    BUNDLE_CASE(replay_of_a_rejected_bundle_returns_its_line_after_capacity_is_freed),
    BUNDLE_CASE(one_line_bundle_and_single_form_replay_each_other),
    BUNDLE_CASE(cancel_of_a_bundle_releases_every_line_once),
    BUNDLE_CASE(cancel_of_a_rejected_bundle_is_not_booked_and_changes_nothing),
    BUNDLE_CASE(confirm_of_a_held_bundle_keeps_every_line_past_its_expiry),
    BUNDLE_CASE(held_bundle_cancelled_before_expiry_releases_every_line_once),
    BUNDLE_CASE(held_bundle_expires_on_every_line_at_once_whichever_is_read_first),
    BUNDLE_CASE(expired_bundle_is_released_once_on_every_line_when_the_next_call_is_a_cancel),
    BUNDLE_CASE(capacity_freed_by_an_expired_bundle_is_bookable_at_once_on_any_line),
    BUNDLE_CASE(expired_bundle_swept_on_some_lines_is_released_once_on_each_and_counted_once),
    BUNDLE_CASE(capacity_change_counts_a_held_bundle_on_each_line_until_it_expires),
    BUNDLE_CASE(change_batch_cancels_and_confirms_bundles_whole),
    BUNDLE_CASE(bundle_record_reads_back_its_lines_in_order),
    BUNDLE_CASE(rejected_bundle_record_reads_back_its_lines_and_failing_line),
    BUNDLE_CASE(single_attempt_record_reads_back_as_its_one_line),
    BUNDLE_CASE(batch_mixing_bundles_and_singles_sees_earlier_reservations),
    BUNDLE_CASE(batch_hold_of_a_bundle_blocks_a_later_bundle_until_it_expires),
    BUNDLE_CASE(bundle_bad_input_is_invalid_and_changes_nothing),
    BUNDLE_CASE(batch_over_65536_lines_is_invalid_and_exactly_65536_is_decided),
};

const size_t conformance_bundle_case_count =
    sizeof conformance_bundle_cases / sizeof conformance_bundle_cases[0];
