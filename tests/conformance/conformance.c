/* SPDX-License-Identifier: MIT */
/*
 * conformance.c: the one suite every store engine must pass, so stores cannot drift
 * apart. It runs SPEC sections 1 and 2 (and, in conformance_holds.c,
 * conformance_changes.c and conformance_bundles.c, sections 7 and 8; in
 * conformance_listing.c, the listings of section 5) through the
 * public API against the store named by argv[1] ("memory:", "sqlite:@TMP@/c.db",
 * "postgres://..."; "@TMP@" is replaced by a fresh temporary directory).
 *
 * The store may be shared and not empty (a postgres database), so every case uses
 * ids of its own, unique per run, and checks only what it created. Each case keeps
 * a ledger of what it decided; after each case the invariant of SPEC section 1 is
 * checked against it: for every resource of the case, booked equals the sum of the
 * units of the lines on it of its active BOOKED records and is at most capacity, and
 * every record the case created reads back as decided (a bundle with its lines).
 */
#include "conformance_ledger.h"
#include "conformance_bundles.h"
#include "conformance_changes.h"
#include "conformance_holds.h"
#include "conformance_listing.h"
#include "support/test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* ---- SPEC 1: BOOKED and REJECTED insufficient_capacity ---- */

static void booked_when_units_fit_is_recorded_with_status_active(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 3));
    assert_resource(rid(l, r), 10, 3);
    booking_record rec = get_record(b);
    assert_int_equal(rec.outcome, BOOKING_BOOKED);
    assert_int_equal(rec.status, BOOKING_STATUS_ACTIVE);
}

static void booked_when_units_equal_remaining(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b1[ID_SIZE], b2[ID_SIZE];
    new_id(b1, "b");
    new_id(b2, "b");
    assert_new_booked(ledger_attempt(l, b1, rid(l, r), 4));
    assert_new_booked(ledger_attempt(l, b2, rid(l, r), 6));
    assert_resource(rid(l, r), 10, 10);
}

static void insufficient_capacity_when_units_are_remaining_plus_one_is_recorded(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b1[ID_SIZE], b2[ID_SIZE];
    new_id(b1, "b");
    new_id(b2, "b");
    assert_new_booked(ledger_attempt(l, b1, rid(l, r), 4));
    assert_new_insufficient(ledger_attempt(l, b2, rid(l, r), 7));
    assert_resource(rid(l, r), 10, 4);
    booking_record rec = get_record(b2);
    assert_int_equal(rec.outcome, BOOKING_REJECTED);
    assert_int_equal(rec.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(rec.status, BOOKING_STATUS_NONE);
    assert_true(rec.units == 7);
}

static void insufficient_capacity_on_capacity_zero(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 0);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_insufficient(ledger_attempt(l, b, rid(l, r), 1));
    assert_resource(rid(l, r), 0, 0);
}

static void insufficient_capacity_when_booked_equals_capacity(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 2);
    char b1[ID_SIZE], b2[ID_SIZE];
    new_id(b1, "b");
    new_id(b2, "b");
    assert_new_booked(ledger_attempt(l, b1, rid(l, r), 2));
    assert_new_insufficient(ledger_attempt(l, b2, rid(l, r), 1));
    assert_resource(rid(l, r), 2, 2);
}

static void booked_with_units_and_capacity_at_2_pow_53_minus_1(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, BOOKING_CAPACITY_MAX);
    size_t r2 = ledger_resource_new(l, BOOKING_CAPACITY_MAX);
    char b1[ID_SIZE], b2[ID_SIZE], b3[ID_SIZE], b4[ID_SIZE];
    new_id(b1, "b");
    new_id(b2, "b");
    new_id(b3, "b");
    new_id(b4, "b");
    assert_new_booked(ledger_attempt(l, b1, rid(l, r), BOOKING_UNITS_MAX));
    assert_resource(rid(l, r), BOOKING_CAPACITY_MAX, BOOKING_UNITS_MAX);
    assert_new_insufficient(ledger_attempt(l, b2, rid(l, r), 1));
    /* remaining + 1 at the top of the range: 1 booked, 2^53-1 more do not fit. */
    assert_new_booked(ledger_attempt(l, b3, rid(l, r2), 1));
    assert_new_insufficient(ledger_attempt(l, b4, rid(l, r2), BOOKING_UNITS_MAX));
    assert_resource(rid(l, r2), BOOKING_CAPACITY_MAX, 1);
    assert_true(get_record(b4).units == BOOKING_UNITS_MAX);
}

/* ---- SPEC 1: REJECTED unknown_resource ---- */

static void unknown_resource_is_not_recorded_and_the_id_books_once_it_exists(void **state)
{
    ledger *l = ledger_of(state);
    char res_id[ID_SIZE], b[ID_SIZE];
    new_id(res_id, "later");
    new_id(b, "b");
    booking_result res = ledger_attempt(l, b, res_id, 2);
    assert_result(res, BOOKING_REJECTED, BOOKING_REASON_UNKNOWN_RESOURCE, false,
                  BOOKING_STATUS_NONE);
    assert_unknown_booking(b);
    res = ledger_attempt(l, b, res_id, 2); /* a fresh attempt, still unknown */
    assert_result(res, BOOKING_REJECTED, BOOKING_REASON_UNKNOWN_RESOURCE, false,
                  BOOKING_STATUS_NONE);
    booking_reason reason;
    booking_resource out;
    assert_int_equal(booking_get_resource(store, res_id, &reason, &out), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);

    assert_int_equal(booking_set_capacity(store, res_id, 5, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    ledger_adopt_resource(l, res_id, 5);
    assert_new_booked(ledger_attempt(l, b, res_id, 2));
    assert_resource(res_id, 5, 2);
}

/* ---- SPEC 1: idempotent by booking_id ---- */

static void replay_of_booked_returns_replayed_true_without_second_reservation(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 5);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 5));
    for (int i = 0; i < 3; i++) {
        /* The resource is full (by this booking): the replay is still BOOKED. */
        assert_result(ledger_attempt(l, b, rid(l, r), 5), BOOKING_BOOKED, BOOKING_REASON_BOOKED,
                      true, BOOKING_STATUS_ACTIVE);
    }
    assert_resource(rid(l, r), 5, 5);
}

static void replay_of_insufficient_capacity_stays_rejected_after_capacity_freed(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 3);
    char holder[ID_SIZE], b[ID_SIZE];
    new_id(holder, "holder");
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, holder, rid(l, r), 3));
    assert_new_insufficient(ledger_attempt(l, b, rid(l, r), 2));

    assert_int_equal(ledger_cancel(l, holder, NULL), BOOKING_REASON_CANCELLED);
    assert_result(ledger_attempt(l, b, rid(l, r), 2), BOOKING_REJECTED,
                  BOOKING_REASON_INSUFFICIENT_CAPACITY, true, BOOKING_STATUS_NONE);
    assert_int_equal(ledger_set_capacity(l, r, 100, NULL), BOOKING_REASON_OK);
    assert_result(ledger_attempt(l, b, rid(l, r), 2), BOOKING_REJECTED,
                  BOOKING_REASON_INSUFFICIENT_CAPACITY, true, BOOKING_STATUS_NONE);
    assert_resource(rid(l, r), 100, 0);
}

static void booking_id_conflict_on_other_units_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 2));
    booking_record before = get_record(b);
    assert_conflict(ledger_attempt(l, b, rid(l, r), 3));
    assert_conflict(ledger_attempt(l, b, rid(l, r), 1));
    assert_same_record(get_record(b), before);
    assert_resource(rid(l, r), 10, 2);
    /* The earlier record stands: the original request still replays. */
    assert_result(ledger_attempt(l, b, rid(l, r), 2), BOOKING_BOOKED, BOOKING_REASON_BOOKED, true,
                  BOOKING_STATUS_ACTIVE);
}

static void booking_id_conflict_on_other_resource_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    size_t other = ledger_resource_new(l, 10);
    char b[ID_SIZE], missing[ID_SIZE];
    new_id(b, "b");
    new_id(missing, "missing");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 2));
    booking_record before = get_record(b);
    assert_conflict(ledger_attempt(l, b, rid(l, other), 2));
    /* The record decides before the resource: not unknown_resource. */
    assert_conflict(ledger_attempt(l, b, missing, 2));
    assert_same_record(get_record(b), before);
    assert_resource(rid(l, r), 10, 2);
    assert_resource(rid(l, other), 10, 0);
}

static void booking_id_conflict_on_rejected_record_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 1);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_insufficient(ledger_attempt(l, b, rid(l, r), 5));
    booking_record before = get_record(b);
    /* One unit would fit now, but the id is decided: a conflict, not a booking. */
    assert_conflict(ledger_attempt(l, b, rid(l, r), 1));
    assert_same_record(get_record(b), before);
    assert_resource(rid(l, r), 1, 0);
}

/* ---- SPEC 2: CancelBooking ---- */

static void cancel_releases_units_and_marks_record_cancelled(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 4);
    char b[ID_SIZE], next[ID_SIZE];
    new_id(b, "b");
    new_id(next, "next");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 4));
    booking_record rec;
    assert_int_equal(ledger_cancel(l, b, &rec), BOOKING_REASON_CANCELLED);
    assert_string_equal(rec.booking_id, b);
    assert_string_equal(rec.resource_id, rid(l, r));
    assert_true(rec.units == 4);
    assert_int_equal(rec.outcome, BOOKING_BOOKED);
    assert_int_equal(rec.status, BOOKING_STATUS_CANCELLED);
    assert_resource(rid(l, r), 4, 0);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_CANCELLED);
    /* The released units are bookable by another booking_id. */
    assert_new_booked(ledger_attempt(l, next, rid(l, r), 4));
}

static void cancel_repeat_is_already_cancelled_and_releases_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE], other[ID_SIZE];
    new_id(b, "b");
    new_id(other, "other");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 3));
    assert_new_booked(ledger_attempt(l, other, rid(l, r), 5));
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_CANCELLED);
    booking_record rec;
    assert_int_equal(ledger_cancel(l, b, &rec), BOOKING_REASON_ALREADY_CANCELLED);
    assert_int_equal(rec.status, BOOKING_STATUS_CANCELLED);
    assert_true(rec.units == 3);
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_ALREADY_CANCELLED);
    assert_resource(rid(l, r), 10, 5);
}

static void cancel_of_unknown_booking_is_unknown_booking(void **state)
{
    ledger *l = ledger_of(state);
    char b[ID_SIZE];
    new_id(b, "never");
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_UNKNOWN_BOOKING);
    assert_unknown_booking(b);
}

static void cancel_of_rejected_record_is_not_booked_and_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 2);
    char holder[ID_SIZE], b[ID_SIZE];
    new_id(holder, "holder");
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, holder, rid(l, r), 2));
    assert_new_insufficient(ledger_attempt(l, b, rid(l, r), 2));
    booking_record before = get_record(b);
    booking_record rec;
    assert_int_equal(ledger_cancel(l, b, &rec), BOOKING_REASON_NOT_BOOKED);
    assert_int_equal(rec.outcome, BOOKING_REJECTED);
    assert_same_record(get_record(b), before);
    assert_resource(rid(l, r), 2, 2);
}

static void replay_after_cancel_is_booked_replayed_with_status_cancelled(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 5);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 2));
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_CANCELLED);
    assert_result(ledger_attempt(l, b, rid(l, r), 2), BOOKING_BOOKED, BOOKING_REASON_BOOKED, true,
                  BOOKING_STATUS_CANCELLED);
}

static void cancelled_booking_id_stays_decided_and_consumes_no_units(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 5);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 5));
    assert_int_equal(ledger_cancel(l, b, NULL), BOOKING_REASON_CANCELLED);
    for (int i = 0; i < 3; i++) {
        assert_result(ledger_attempt(l, b, rid(l, r), 5), BOOKING_BOOKED, BOOKING_REASON_BOOKED,
                      true, BOOKING_STATUS_CANCELLED);
        assert_resource(rid(l, r), 5, 0);
    }
    assert_conflict(ledger_attempt(l, b, rid(l, r), 4));
    assert_int_equal(get_record(b).status, BOOKING_STATUS_CANCELLED);
    assert_resource(rid(l, r), 5, 0);
}

/* ---- SPEC 2: SetCapacity ---- */

static void set_capacity_creates_resource_with_nothing_booked(void **state)
{
    ledger *l = ledger_of(state);
    char res_id[ID_SIZE];
    new_id(res_id, "res");
    booking_reason reason;
    booking_resource out;
    assert_int_equal(booking_set_capacity(store, res_id, 7, &reason, &out), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    ledger_adopt_resource(l, res_id, 7);
    assert_string_equal(out.resource_id, res_id);
    assert_true(out.capacity == 7);
    assert_true(out.booked == 0);
    assert_resource(res_id, 7, 0);
}

static void set_capacity_changes_capacity_and_keeps_booked(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 4));
    booking_resource out;
    assert_int_equal(ledger_set_capacity(l, r, 20, &out), BOOKING_REASON_OK);
    assert_true(out.capacity == 20 && out.booked == 4);
    assert_resource(rid(l, r), 20, 4);
    assert_int_equal(ledger_set_capacity(l, r, 6, &out), BOOKING_REASON_OK);
    assert_true(out.capacity == 6 && out.booked == 4);
    assert_resource(rid(l, r), 6, 4);
}

static void set_capacity_below_booked_is_refused_and_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 4));
    booking_resource out;
    assert_int_equal(ledger_set_capacity(l, r, 3, &out), BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    assert_true(out.capacity == 10 && out.booked == 4); /* the state after: unchanged */
    assert_int_equal(ledger_set_capacity(l, r, 0, NULL), BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    assert_resource(rid(l, r), 10, 4);
}

static void set_capacity_equal_to_booked_is_allowed_and_leaves_nothing_remaining(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b1[ID_SIZE], b2[ID_SIZE];
    new_id(b1, "b");
    new_id(b2, "b");
    assert_new_booked(ledger_attempt(l, b1, rid(l, r), 4));
    assert_int_equal(ledger_set_capacity(l, r, 4, NULL), BOOKING_REASON_OK);
    assert_resource(rid(l, r), 4, 4);
    assert_new_insufficient(ledger_attempt(l, b2, rid(l, r), 1));
}

static void set_capacity_repeat_is_idempotent(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 8);
    char b[ID_SIZE];
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 3));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ledger_set_capacity(l, r, 8, NULL), BOOKING_REASON_OK);
        assert_resource(rid(l, r), 8, 3);
    }
}

/* ---- SPEC 2: GetResource, GetBooking ---- */

static void get_resource_reports_capacity_and_booked_or_unknown_resource(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 9);
    char b[ID_SIZE], missing[ID_SIZE];
    new_id(b, "b");
    new_id(missing, "missing");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 2));
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(store, rid(l, r), &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_string_equal(res.resource_id, rid(l, r));
    assert_true(res.capacity == 9);
    assert_true(res.booked == 2);
    assert_true(res.capacity - res.booked == 7); /* remaining */
    assert_int_equal(booking_get_resource(store, missing, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);
}

static void get_booking_reports_the_decision_record_or_unknown_booking(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 3);
    char ok[ID_SIZE], rej[ID_SIZE], missing[ID_SIZE];
    new_id(ok, "ok");
    new_id(rej, "rej");
    new_id(missing, "missing");
    assert_new_booked(ledger_attempt(l, ok, rid(l, r), 3));
    assert_new_insufficient(ledger_attempt(l, rej, rid(l, r), 2));
    booking_record rec = get_record(ok);
    assert_string_equal(rec.booking_id, ok);
    assert_string_equal(rec.resource_id, rid(l, r));
    assert_true(rec.units == 3);
    assert_int_equal(rec.outcome, BOOKING_BOOKED);
    assert_int_equal(rec.reason, BOOKING_REASON_BOOKED);
    assert_int_equal(rec.status, BOOKING_STATUS_ACTIVE);
    rec = get_record(rej);
    assert_string_equal(rec.booking_id, rej);
    assert_string_equal(rec.resource_id, rid(l, r));
    assert_true(rec.units == 2);
    assert_int_equal(rec.outcome, BOOKING_REJECTED);
    assert_int_equal(rec.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(rec.status, BOOKING_STATUS_NONE);
    assert_unknown_booking(missing);
}

static void ids_of_128_bytes_round_trip_whole(void **state)
{
    ledger *l = ledger_of(state);
    char res_id[ID_SIZE], b[ID_SIZE], unique[ID_SIZE];
    new_id(unique, "long");
    memset(res_id, 'r', BOOKING_ID_LEN_MAX);
    memset(b, 'b', BOOKING_ID_LEN_MAX);
    memcpy(res_id, unique, strlen(unique));
    memcpy(b, unique, strlen(unique));
    res_id[BOOKING_ID_LEN_MAX] = b[BOOKING_ID_LEN_MAX] = '\0';
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, res_id, 2, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    ledger_adopt_resource(l, res_id, 2);
    assert_new_booked(ledger_attempt(l, b, res_id, 1));
    booking_record rec = get_record(b);
    assert_int_equal(strlen(rec.booking_id), BOOKING_ID_LEN_MAX);
    assert_string_equal(rec.booking_id, b);
    assert_string_equal(rec.resource_id, res_id);
    assert_resource(res_id, 2, 1);
}

static void ids_are_compared_byte_for_byte_case_included(void **state)
{
    ledger *l = ledger_of(state);
    char lower[ID_SIZE], upper[ID_SIZE];
    new_id(lower, "case");
    snprintf(upper, sizeof upper, "%s", lower);
    for (char *p = upper; *p != '\0'; p++) {
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    }
    /* Two resources and two bookings whose ids differ only in case. */
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, lower, 1, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    ledger_adopt_resource(l, lower, 1);
    booking_resource res;
    assert_int_equal(booking_get_resource(store, upper, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    assert_int_equal(booking_set_capacity(store, upper, 1, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    ledger_adopt_resource(l, upper, 1);
    assert_new_booked(ledger_attempt(l, lower, lower, 1));
    assert_new_booked(ledger_attempt(l, upper, upper, 1));
    assert_resource(lower, 1, 1);
    assert_resource(upper, 1, 1);
}

/* ---- SPEC 4: batches ---- */

#define ORDER_ATTEMPTS 100
#define ORDER_CAPACITY 50

static void batch_is_decided_in_arrival_order(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, ORDER_CAPACITY);
    char ids[ORDER_ATTEMPTS][ID_SIZE];
    booking_request req[ORDER_ATTEMPTS];
    booking_result res[ORDER_ATTEMPTS];
    for (size_t i = 0; i < ORDER_ATTEMPTS; i++) {
        new_id(ids[i], "ord");
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = rid(l, r), .units = 1};
    }
    ledger_attempt_batch(l, req, ORDER_ATTEMPTS, res);
    for (size_t i = 0; i < ORDER_ATTEMPTS; i++) {
        if (i < ORDER_CAPACITY)
            assert_new_booked(res[i]);
        else
            assert_new_insufficient(res[i]);
    }
    assert_resource(rid(l, r), ORDER_CAPACITY, ORDER_CAPACITY);
}

static void batch_with_same_booking_id_twice_replays_the_second(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE], rej[ID_SIZE];
    new_id(b, "b");
    new_id(rej, "rej");
    booking_request req[] = {
        {.booking_id = b, .resource_id = rid(l, r), .units = 3},
        {.booking_id = b, .resource_id = rid(l, r), .units = 3},   /* replay */
        {.booking_id = b, .resource_id = rid(l, r), .units = 4},   /* conflict */
        {.booking_id = rej, .resource_id = rid(l, r), .units = 8}, /* 7 remain */
        {.booking_id = rej, .resource_id = rid(l, r), .units = 8}, /* replay of REJECTED */
    };
    booking_result res[5];
    ledger_attempt_batch(l, req, 5, res);
    assert_new_booked(res[0]);
    assert_result(res[1], BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_ACTIVE);
    assert_conflict(res[2]);
    assert_new_insufficient(res[3]);
    assert_result(res[4], BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY, true,
                  BOOKING_STATUS_NONE);
    assert_resource(rid(l, r), 10, 3);
}

static void batch_spanning_several_resources_decides_each_on_its_own(void **state)
{
    ledger *l = ledger_of(state);
    size_t a = ledger_resource_new(l, 2);
    size_t b = ledger_resource_new(l, 1);
    size_t c = ledger_resource_new(l, 0);
    char before[ID_SIZE], cancelled[ID_SIZE], missing[ID_SIZE], ids[8][ID_SIZE];
    new_id(before, "before");
    new_id(cancelled, "cancelled");
    new_id(missing, "missing");
    for (size_t i = 0; i < 8; i++)
        new_id(ids[i], "x");
    assert_new_booked(ledger_attempt(l, before, rid(l, b), 1));
    assert_new_booked(ledger_attempt(l, cancelled, rid(l, a), 1));
    assert_int_equal(ledger_cancel(l, cancelled, NULL), BOOKING_REASON_CANCELLED);

    booking_request req[] = {
        {.booking_id = ids[0], .resource_id = rid(l, a), .units = 1},
        {.booking_id = ids[1], .resource_id = rid(l, b), .units = 1}, /* b is full */
        {.booking_id = ids[2], .resource_id = rid(l, c), .units = 1}, /* capacity 0 */
        {.booking_id = ids[3], .resource_id = missing, .units = 1},   /* unknown */
        {.booking_id = before, .resource_id = rid(l, b), .units = 1}, /* replay from before */
        {.booking_id = cancelled, .resource_id = rid(l, a), .units = 1}, /* replay, cancelled */
        {.booking_id = ids[4], .resource_id = rid(l, a), .units = 1},
        {.booking_id = ids[5], .resource_id = rid(l, a), .units = 1}, /* a is full now */
    };
    booking_result res[8];
    ledger_attempt_batch(l, req, 8, res);
    assert_new_booked(res[0]);
    assert_new_insufficient(res[1]);
    assert_new_insufficient(res[2]);
    assert_result(res[3], BOOKING_REJECTED, BOOKING_REASON_UNKNOWN_RESOURCE, false,
                  BOOKING_STATUS_NONE);
    assert_result(res[4], BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_ACTIVE);
    assert_result(res[5], BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_CANCELLED);
    assert_new_booked(res[6]);
    assert_new_insufficient(res[7]);
    assert_unknown_booking(ids[3]);
    assert_resource(rid(l, a), 2, 2);
    assert_resource(rid(l, b), 1, 1);
    assert_resource(rid(l, c), 0, 0);
}

static void batch_of_8192_attempts_is_decided_whole_and_in_order(void **state)
{
    ledger *l = ledger_of(state);
    const uint64_t capacity = BOOKING_BATCH_MAX - 1000;
    size_t r = ledger_resource_new(l, capacity);
    char(*ids)[ID_SIZE] = calloc(BOOKING_BATCH_MAX, sizeof *ids);
    booking_request *req = calloc(BOOKING_BATCH_MAX, sizeof *req);
    booking_result *res = calloc(BOOKING_BATCH_MAX, sizeof *res);
    assert_non_null(ids);
    assert_non_null(req);
    assert_non_null(res);
    for (size_t i = 0; i < BOOKING_BATCH_MAX; i++) {
        new_id(ids[i], "max");
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = rid(l, r), .units = 1};
    }
    ledger_attempt_batch(l, req, BOOKING_BATCH_MAX, res);
    for (size_t i = 0; i < BOOKING_BATCH_MAX; i++) {
        if (i < capacity)
            assert_new_booked(res[i]);
        else
            assert_new_insufficient(res[i]);
    }
    assert_resource(rid(l, r), capacity, capacity);
    free(ids);
    free(req);
    free(res);
}

static void ping_answers_ok(void **state)
{
    (void)state;
    booking_reason reason;
    assert_int_equal(booking_store_ping(store, &reason), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
}

/* ---- sqlite only: durability across reopen, schema version ---- */

static void reopen_store(void)
{
    booking_store_close(store);
    store = NULL;
    char why[512] = "";
    booking_error e = booking_store_open(store_url, &store, why, sizeof why);
    if (e != BOOKING_OK)
        fail_msg("reopening %s: %s", store_url, why);
    assert_int_equal(booking_store_set_clock(store, conformance_clock, NULL), BOOKING_OK);
}

static void sqlite_reopen_keeps_every_decision(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 5);
    char booked[ID_SIZE], rejected[ID_SIZE], cancelled[ID_SIZE];
    new_id(booked, "booked");
    new_id(rejected, "rejected");
    new_id(cancelled, "cancelled");
    assert_new_booked(ledger_attempt(l, booked, rid(l, r), 3));
    assert_new_booked(ledger_attempt(l, cancelled, rid(l, r), 2));
    assert_new_insufficient(ledger_attempt(l, rejected, rid(l, r), 1));
    assert_int_equal(ledger_cancel(l, cancelled, NULL), BOOKING_REASON_CANCELLED);
    assert_int_equal(ledger_set_capacity(l, r, 4, NULL), BOOKING_REASON_OK);

    reopen_store();
    ledger_check(l);
    assert_resource(rid(l, r), 4, 3);
    assert_result(ledger_attempt(l, booked, rid(l, r), 3), BOOKING_BOOKED, BOOKING_REASON_BOOKED,
                  true, BOOKING_STATUS_ACTIVE);
    assert_result(ledger_attempt(l, rejected, rid(l, r), 1), BOOKING_REJECTED,
                  BOOKING_REASON_INSUFFICIENT_CAPACITY, true, BOOKING_STATUS_NONE);
    assert_result(ledger_attempt(l, cancelled, rid(l, r), 2), BOOKING_BOOKED,
                  BOOKING_REASON_BOOKED, true, BOOKING_STATUS_CANCELLED);
    assert_int_equal(ledger_cancel(l, cancelled, NULL), BOOKING_REASON_ALREADY_CANCELLED);

    /* And a second reopen after writing again. */
    char after[ID_SIZE];
    new_id(after, "after");
    assert_new_booked(ledger_attempt(l, after, rid(l, r), 1));
    reopen_store();
    assert_resource(rid(l, r), 4, 4);
}

static void sqlite_file_with_newer_schema_version_is_refused(void **state)
{
    (void)state;
    char path[URL_SIZE], url[URL_SIZE + 16];
    snprintf(path, sizeof path, "%s/future-%s.db", test_tmpdir(), run_tag);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);

    snprintf(url, sizeof url, "sqlite:%s", path);
    booking_store *s = NULL;
    char why[512] = "";
    assert_int_equal(booking_store_open(url, &s, why, sizeof why), BOOKING_EOPEN);
    assert_null(s);
    assert_true(why[0] != '\0');
    assert_null(strchr(why, '\n'));

    /* Refused without touching it: the version is still 99. */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 99);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void sqlite_path_in_missing_directory_cannot_be_opened(void **state)
{
    (void)state;
    char url[URL_SIZE + 32];
    snprintf(url, sizeof url, "sqlite:%s/no-such-dir/x.db", test_tmpdir());
    booking_store *s = NULL;
    char why[512] = "";
    assert_int_equal(booking_store_open(url, &s, why, sizeof why), BOOKING_EOPEN);
    assert_null(s);
    assert_true(why[0] != '\0');
}

/* While another connection (another process, as far as SQLite can tell) holds
 * the write lock, an open still works, a write waits at most busy_timeout_ms and
 * becomes FAILED busy with nothing visible, and reads still answer. */
#define BUSY_TIMEOUT_TEST_MS 50

static void sqlite_write_lock_held_elsewhere_makes_writes_failed_busy(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 5);
    char held[ID_SIZE], b[ID_SIZE];
    new_id(held, "held");
    new_id(b, "b");
    assert_new_booked(ledger_attempt(l, held, rid(l, r), 1));

    const char *location = store_url + strlen("sqlite:");
    char path[URL_SIZE], busy_url[URL_SIZE + 64];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(location, "?"), location);
    snprintf(busy_url, sizeof busy_url, "%s%cbusy_timeout_ms=%d", store_url,
             strchr(store_url, '?') ? '&' : '?', BUSY_TIMEOUT_TEST_MS);
    sqlite3 *holder = NULL;
    assert_int_equal(sqlite3_open(path, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    booking_store *busy = NULL;
    char why[512] = "";
    booking_error e = booking_store_open(busy_url, &busy, why, sizeof why);
    if (e != BOOKING_OK) {
        sqlite3_close(holder);
        fail_msg("open while another connection writes: %s", why);
    }
    booking_request req = {.booking_id = b, .resource_id = rid(l, r), .units = 1};
    booking_result res;
    booking_reason reason, cancel_reason, capacity_reason;
    booking_resource out;
    assert_int_equal(booking_attempt(busy, &req, &res), BOOKING_OK);
    assert_int_equal(booking_cancel(busy, held, &cancel_reason, NULL), BOOKING_OK);
    assert_int_equal(booking_set_capacity(busy, rid(l, r), 9, &capacity_reason, NULL), BOOKING_OK);
    assert_int_equal(booking_get_resource(busy, rid(l, r), &reason, &out), BOOKING_OK);
    booking_store_close(busy);
    assert_int_equal(sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(holder), SQLITE_OK);

    assert_result(res, BOOKING_FAILED, BOOKING_REASON_BUSY, false, BOOKING_STATUS_NONE);
    assert_int_equal(cancel_reason, BOOKING_REASON_BUSY);
    assert_int_equal(capacity_reason, BOOKING_REASON_BUSY);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_true(out.capacity == 5 && out.booked == 1);
    /* Nothing of the failed calls is visible; the same booking_id is still fresh. */
    assert_unknown_booking(b);
    assert_resource(rid(l, r), 5, 1);
    assert_int_equal(get_record(held).status, BOOKING_STATUS_ACTIVE);
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 1));
}

/* ---- the program ---- */

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, ledger_setup, ledger_teardown)

static const struct CMUnitTest common_cases[] = {
    CASE(booked_when_units_fit_is_recorded_with_status_active),
    CASE(booked_when_units_equal_remaining),
    CASE(insufficient_capacity_when_units_are_remaining_plus_one_is_recorded),
    CASE(insufficient_capacity_on_capacity_zero),
    CASE(insufficient_capacity_when_booked_equals_capacity),
    CASE(booked_with_units_and_capacity_at_2_pow_53_minus_1),
    CASE(unknown_resource_is_not_recorded_and_the_id_books_once_it_exists),
    CASE(replay_of_booked_returns_replayed_true_without_second_reservation),
    CASE(replay_of_insufficient_capacity_stays_rejected_after_capacity_freed),
    CASE(booking_id_conflict_on_other_units_changes_nothing),
    CASE(booking_id_conflict_on_other_resource_changes_nothing),
    CASE(booking_id_conflict_on_rejected_record_changes_nothing),
    CASE(cancel_releases_units_and_marks_record_cancelled),
    CASE(cancel_repeat_is_already_cancelled_and_releases_nothing),
    CASE(cancel_of_unknown_booking_is_unknown_booking),
    CASE(cancel_of_rejected_record_is_not_booked_and_changes_nothing),
    CASE(replay_after_cancel_is_booked_replayed_with_status_cancelled),
    CASE(cancelled_booking_id_stays_decided_and_consumes_no_units),
    CASE(set_capacity_creates_resource_with_nothing_booked),
    CASE(set_capacity_changes_capacity_and_keeps_booked),
    CASE(set_capacity_below_booked_is_refused_and_changes_nothing),
    CASE(set_capacity_equal_to_booked_is_allowed_and_leaves_nothing_remaining),
    CASE(set_capacity_repeat_is_idempotent),
    CASE(get_resource_reports_capacity_and_booked_or_unknown_resource),
    CASE(get_booking_reports_the_decision_record_or_unknown_booking),
    CASE(ids_of_128_bytes_round_trip_whole),
    CASE(ids_are_compared_byte_for_byte_case_included),
    CASE(batch_is_decided_in_arrival_order),
    CASE(batch_with_same_booking_id_twice_replays_the_second),
    CASE(batch_spanning_several_resources_decides_each_on_its_own),
    CASE(batch_of_8192_attempts_is_decided_whole_and_in_order),
    CASE(ping_answers_ok),
};

static const struct CMUnitTest sqlite_cases[] = {
    CASE(sqlite_reopen_keeps_every_decision),
    CASE(sqlite_file_with_newer_schema_version_is_refused),
    CASE(sqlite_path_in_missing_directory_cannot_be_opened),
    CASE(sqlite_write_lock_held_elsewhere_makes_writes_failed_busy),
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Appends count cases to cases[*n]; false if CASES_MAX has no room for them. */
static bool add_cases(struct CMUnitTest *cases, size_t *n, const struct CMUnitTest *more,
                      size_t count)
{
    if (count > CASES_MAX - *n)
        return false;
    for (size_t i = 0; i < count; i++)
        cases[(*n)++] = more[i];
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s STORE_URL (memory:, sqlite:@TMP@/c.db, postgres://...)\n",
                argv[0]);
        return 2;
    }
    if (!test_url_expand(argv[1], store_url, sizeof store_url)) {
        fprintf(stderr, "%s: store URL too long\n", argv[0]);
        return 2;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(run_tag, sizeof run_tag, "c%llx%lx",
             (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec,
             (long)getpid());

    char why[512] = "";
    booking_error e = booking_store_open(store_url, &store, why, sizeof why);
    if (e != BOOKING_OK) {
        fprintf(stderr, "%s: cannot open %s: %s\n", argv[0], store_url,
                why[0] ? why : booking_error_name(e));
        test_tmpdir_remove();
        return 1;
    }

    /* The suite's clock starts at the real time, so a shared store's records look
     * like any others', and moves only when a case moves it. */
    clock_set((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    booking_store_set_clock(store, conformance_clock, NULL);

    struct CMUnitTest cases[CASES_MAX];
    size_t n = 0;
    bool sqlite = strncmp(store_url, "sqlite:", 7) == 0;
    if (!add_cases(cases, &n, common_cases, COUNT_OF(common_cases)) ||
        !add_cases(cases, &n, conformance_hold_cases, conformance_hold_case_count) ||
        !add_cases(cases, &n, conformance_change_cases, conformance_change_case_count) ||
        (sqlite && !add_cases(cases, &n, sqlite_cases, COUNT_OF(sqlite_cases))) ||
        !add_cases(cases, &n, conformance_bundle_cases, conformance_bundle_case_count) ||
        !add_cases(cases, &n, conformance_listing_cases, conformance_listing_case_count)) {
        fprintf(stderr, "%s: more cases than CASES_MAX (%d)\n", argv[0], CASES_MAX);
        booking_store_close(store);
        test_tmpdir_remove();
        return 2;
    }
    char group[64];
    snprintf(group, sizeof group, "conformance %.40s", argv[1]);
    int failed = _cmocka_run_group_tests(group, cases, n, NULL, NULL);

    booking_store_close(store);
    test_tmpdir_remove();
    return failed;
}
