/* SPDX-License-Identifier: MIT */
/*
 * conformance_holds.c: holds that expire (SPEC section 7) through the public API,
 * on every store. The store runs on the suite's clock (conformance_ledger.h), so
 * each case steps time to the millisecond around an expiry instant.
 */
#include "conformance_ledger.h"

#include "conformance_holds.h"

#define HOLD_MS 1000

static void assert_new_held(booking_result res, int64_t expires_at_ms)
{
    assert_result(res, BOOKING_BOOKED, BOOKING_REASON_BOOKED, false, BOOKING_STATUS_HELD);
    assert_true(res.expires_at_ms == expires_at_ms);
}

static booking_reason cancel_reason(ledger *l, const char *booking_id)
{
    return ledger_cancel(l, booking_id, NULL);
}

static void hold_counts_in_booked_until_confirmed_then_stays_active(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "held");
    int64_t t0 = clock_now();
    assert_new_held(ledger_hold(l, b, rid(l, r), 4, HOLD_MS), t0 + HOLD_MS);
    assert_resource(rid(l, r), 10, 4);
    booking_record rec = get_record(b);
    assert_int_equal(rec.status, BOOKING_STATUS_HELD);
    assert_true(rec.created_at_ms == t0 && rec.updated_at_ms == t0);
    assert_true(rec.expires_at_ms == t0 + HOLD_MS && rec.hold_ms == HOLD_MS);

    clock_advance(HOLD_MS - 1);
    booking_record after;
    assert_int_equal(ledger_confirm(l, b, &after), BOOKING_REASON_CONFIRMED);
    assert_int_equal(after.status, BOOKING_STATUS_ACTIVE);
    assert_true(after.updated_at_ms == t0 + HOLD_MS - 1);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_ALREADY_CONFIRMED);

    clock_advance(10 * HOLD_MS); /* long past the hold's end: a confirmed hold never expires */
    assert_resource(rid(l, r), 10, 4);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_ACTIVE);
    assert_result(ledger_hold(l, b, rid(l, r), 4, HOLD_MS), BOOKING_BOOKED, BOOKING_REASON_BOOKED,
                  true, BOOKING_STATUS_ACTIVE);
}

static void hold_cancelled_before_expiry_releases_its_units(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "held");
    assert_new_held(ledger_hold(l, b, rid(l, r), 4, HOLD_MS), clock_now() + HOLD_MS);
    clock_advance(HOLD_MS - 1);
    assert_int_equal(cancel_reason(l, b), BOOKING_REASON_CANCELLED);
    assert_resource(rid(l, r), 10, 0);
    clock_advance(1); /* its expiry instant passes: nothing is released a second time */
    assert_resource(rid(l, r), 10, 0);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_CANCELLED);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_ALREADY_CANCELLED);
    assert_int_equal(cancel_reason(l, b), BOOKING_REASON_ALREADY_CANCELLED);
}

static void hold_expires_at_expires_at_and_then_answers_hold_expired(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "held");
    int64_t t0 = clock_now();
    assert_new_held(ledger_hold(l, b, rid(l, r), 4, HOLD_MS), t0 + HOLD_MS);
    clock_advance(HOLD_MS - 1);
    assert_resource(rid(l, r), 10, 4);
    clock_advance(1);
    assert_resource(rid(l, r), 10, 0);

    booking_result replay = ledger_hold(l, b, rid(l, r), 4, HOLD_MS);
    assert_result(replay, BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_EXPIRED);
    assert_true(replay.expires_at_ms == t0 + HOLD_MS);
    booking_record rec;
    assert_int_equal(ledger_confirm(l, b, &rec), BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(rec.status, BOOKING_STATUS_EXPIRED);
    assert_true(rec.updated_at_ms == t0 + HOLD_MS); /* it changed at its expiry */
    assert_int_equal(cancel_reason(l, b), BOOKING_REASON_HOLD_EXPIRED);
    assert_resource(rid(l, r), 10, 0);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_EXPIRED);
}

static void expired_hold_is_released_once_when_the_next_call_is_a_cancel(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE], other[ID_SIZE];
    new_id(b, "held");
    new_id(other, "active");
    assert_new_booked(ledger_attempt(l, other, rid(l, r), 3));
    assert_new_held(ledger_hold(l, b, rid(l, r), 4, HOLD_MS), clock_now() + HOLD_MS);
    clock_advance(HOLD_MS);
    /* Nothing read the resource since the expiry: the cancel meets it first. */
    assert_int_equal(cancel_reason(l, b), BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(cancel_reason(l, b), BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_resource(rid(l, r), 10, 3);
}

static void capacity_freed_by_an_expired_hold_is_bookable_at_once(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 1);
    char held[ID_SIZE], early[ID_SIZE], late[ID_SIZE];
    new_id(held, "held");
    new_id(early, "early");
    new_id(late, "late");
    booking_store_stats before, after;
    assert_int_equal(booking_store_get_stats(store, &before), BOOKING_OK);
    assert_new_held(ledger_hold(l, held, rid(l, r), 1, HOLD_MS), clock_now() + HOLD_MS);
    clock_advance(HOLD_MS - 1);
    assert_new_insufficient(ledger_attempt(l, early, rid(l, r), 1));
    clock_advance(1);
    assert_new_booked(ledger_attempt(l, late, rid(l, r), 1));
    assert_resource(rid(l, r), 1, 1);
    /* The booking that took the freed unit applied the expiry: once. */
    assert_int_equal(booking_store_get_stats(store, &after), BOOKING_OK);
    assert_true(after.holds_expired == before.holds_expired + 1);
    assert_int_equal(cancel_reason(l, held), BOOKING_REASON_HOLD_EXPIRED);
    assert_resource(rid(l, r), 1, 1);
    assert_int_equal(booking_store_get_stats(store, &after), BOOKING_OK);
    assert_true(after.holds_expired == before.holds_expired + 1);
}

static void capacity_change_counts_held_units_until_they_expire(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 5);
    char b[ID_SIZE];
    new_id(b, "held");
    assert_new_held(ledger_hold(l, b, rid(l, r), 3, HOLD_MS), clock_now() + HOLD_MS);
    booking_resource out;
    assert_int_equal(ledger_set_capacity(l, r, 2, &out), BOOKING_REASON_CAPACITY_BELOW_BOOKED);
    assert_true(out.capacity == 5 && out.booked == 3);
    clock_advance(HOLD_MS);
    assert_int_equal(ledger_set_capacity(l, r, 2, &out), BOOKING_REASON_OK);
    assert_true(out.capacity == 2 && out.booked == 0);
}

static void repeat_with_another_hold_ms_is_booking_id_conflict(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char held[ID_SIZE], plain[ID_SIZE];
    new_id(held, "held");
    new_id(plain, "plain");
    assert_new_held(ledger_hold(l, held, rid(l, r), 2, HOLD_MS), clock_now() + HOLD_MS);
    assert_new_booked(ledger_attempt(l, plain, rid(l, r), 2));
    assert_conflict(ledger_hold(l, held, rid(l, r), 2, HOLD_MS + 1));
    assert_conflict(ledger_hold(l, held, rid(l, r), 2, 0));
    assert_conflict(ledger_hold(l, plain, rid(l, r), 2, HOLD_MS));
    assert_resource(rid(l, r), 10, 4);
}

static void read_between_two_expiries_shows_exactly_the_unexpired_holds(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 100);
    char first[ID_SIZE], second[ID_SIZE], third[ID_SIZE];
    new_id(first, "first");
    new_id(second, "second");
    new_id(third, "third");
    int64_t t0 = clock_now();
    assert_new_held(ledger_hold(l, first, rid(l, r), 1, HOLD_MS), t0 + HOLD_MS);
    assert_new_held(ledger_hold(l, second, rid(l, r), 10, 2 * HOLD_MS), t0 + 2 * HOLD_MS);
    assert_new_booked(ledger_attempt(l, third, rid(l, r), 20));
    assert_resource(rid(l, r), 100, 31);
    clock_set(t0 + HOLD_MS + HOLD_MS / 2);
    ledger_check(l); /* every record and counter as of this instant */
    assert_resource(rid(l, r), 100, 30);
    clock_set(t0 + 2 * HOLD_MS - 1);
    assert_resource(rid(l, r), 100, 30);
    clock_set(t0 + 2 * HOLD_MS);
    assert_resource(rid(l, r), 100, 20);
}

static void resource_read_carries_the_store_time_as_of(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(store, rid(l, r), &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_true(res.as_of_ms == clock_now());
    clock_advance(1234);
    assert_int_equal(booking_get_resource(store, rid(l, r), &reason, &res), BOOKING_OK);
    assert_true(res.as_of_ms == clock_now());
}

static void clock_stepping_back_never_unexpires_a_hold(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 1);
    char b[ID_SIZE], again[ID_SIZE];
    new_id(b, "held");
    new_id(again, "again");
    int64_t t0 = clock_now();
    assert_new_held(ledger_hold(l, b, rid(l, r), 1, HOLD_MS), t0 + HOLD_MS);
    clock_advance(HOLD_MS);
    assert_resource(rid(l, r), 1, 0);
    clock_set(t0); /* the host's clock steps back one hold's length */
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(store, rid(l, r), &reason, &res), BOOKING_OK);
    assert_true(res.booked == 0 && res.as_of_ms == t0 + HOLD_MS);
    assert_int_equal(get_record(b).status, BOOKING_STATUS_EXPIRED);
    assert_int_equal(ledger_confirm(l, b, NULL), BOOKING_REASON_HOLD_EXPIRED);
    assert_new_booked(ledger_attempt(l, again, rid(l, r), 1));
    assert_true(get_record(again).created_at_ms == t0 + HOLD_MS);
    clock_set(t0 + HOLD_MS); /* the ledger's view catches up with the store's time */
}

static void holds_of_1_ms_and_of_7_days_expire_at_their_end(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char shortest[ID_SIZE], longest[ID_SIZE];
    new_id(shortest, "1ms");
    new_id(longest, "7d");
    int64_t t0 = clock_now();
    assert_new_held(ledger_hold(l, shortest, rid(l, r), 1, 1), t0 + 1);
    assert_new_held(ledger_hold(l, longest, rid(l, r), 2, BOOKING_HOLD_MS_MAX),
                    t0 + (int64_t)BOOKING_HOLD_MS_MAX);
    assert_resource(rid(l, r), 10, 3);
    clock_advance(1);
    assert_resource(rid(l, r), 10, 2);
    clock_set(t0 + (int64_t)BOOKING_HOLD_MS_MAX - 1);
    assert_resource(rid(l, r), 10, 2);
    clock_advance(1);
    assert_resource(rid(l, r), 10, 0);
}

static void hold_ms_over_7_days_is_invalid_input_and_changes_nothing(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char b[ID_SIZE];
    new_id(b, "long");
    booking_request req = {.booking_id = b, .resource_id = rid(l, r), .units = 1,
                           .hold_ms = BOOKING_HOLD_MS_MAX + 1};
    booking_result res;
    assert_int_equal(booking_attempt(store, &req, &res), BOOKING_EINVAL);
    assert_int_equal(booking_attempt_batch(store, &req, 1, &res), BOOKING_EINVAL);
    assert_unknown_booking(b);
    booking_reason reason;
    assert_int_equal(booking_confirm(store, "bad id!", &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_confirm(store, b, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    assert_resource(rid(l, r), 10, 0);
}

static void batch_mixes_holds_and_plain_attempts_in_order(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 3);
    char a[ID_SIZE], b[ID_SIZE], c[ID_SIZE];
    new_id(a, "a");
    new_id(b, "b");
    new_id(c, "c");
    booking_request reqs[4] = {
        {.booking_id = a, .resource_id = rid(l, r), .units = 2, .hold_ms = HOLD_MS},
        {.booking_id = b, .resource_id = rid(l, r), .units = 1, .hold_ms = 0},
        {.booking_id = c, .resource_id = rid(l, r), .units = 1, .hold_ms = HOLD_MS},
        {.booking_id = a, .resource_id = rid(l, r), .units = 2, .hold_ms = HOLD_MS},
    };
    booking_result res[4];
    ledger_attempt_batch(l, reqs, 4, res);
    assert_new_held(res[0], clock_now() + HOLD_MS);
    assert_new_booked(res[1]);
    assert_new_insufficient(res[2]);
    assert_result(res[3], BOOKING_BOOKED, BOOKING_REASON_BOOKED, true, BOOKING_STATUS_HELD);
    clock_advance(HOLD_MS);
    assert_resource(rid(l, r), 3, 1);
}

#define HOLD_CASE(fn) cmocka_unit_test_setup_teardown(fn, ledger_setup, ledger_teardown)

const struct CMUnitTest conformance_hold_cases[] = {
    HOLD_CASE(hold_counts_in_booked_until_confirmed_then_stays_active),
    HOLD_CASE(hold_cancelled_before_expiry_releases_its_units),
    HOLD_CASE(hold_expires_at_expires_at_and_then_answers_hold_expired),
    HOLD_CASE(expired_hold_is_released_once_when_the_next_call_is_a_cancel),
    HOLD_CASE(capacity_freed_by_an_expired_hold_is_bookable_at_once),
    HOLD_CASE(capacity_change_counts_held_units_until_they_expire),
    HOLD_CASE(repeat_with_another_hold_ms_is_booking_id_conflict),
    HOLD_CASE(read_between_two_expiries_shows_exactly_the_unexpired_holds),
    HOLD_CASE(resource_read_carries_the_store_time_as_of),
    HOLD_CASE(clock_stepping_back_never_unexpires_a_hold),
    HOLD_CASE(holds_of_1_ms_and_of_7_days_expire_at_their_end),
    HOLD_CASE(hold_ms_over_7_days_is_invalid_input_and_changes_nothing),
    HOLD_CASE(batch_mixes_holds_and_plain_attempts_in_order),
};

const size_t conformance_hold_case_count =
    sizeof conformance_hold_cases / sizeof conformance_hold_cases[0];
