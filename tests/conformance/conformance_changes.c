/* SPDX-License-Identifier: MIT */
/*
 * conformance_changes.c: booking_change_batch on every store: confirms and cancels
 * decided in order, each as booking_confirm() or booking_cancel() alone would.
 */
#include "conformance_changes.h"

#define CHANGE_HOLD_MS 1000

static void change_batch_decides_each_change_as_alone_in_order(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char held[ID_SIZE], active[ID_SIZE], missing[ID_SIZE];
    new_id(held, "held");
    new_id(active, "active");
    new_id(missing, "missing");
    assert_result(ledger_hold(l, held, rid(l, r), 3, CHANGE_HOLD_MS), BOOKING_BOOKED,
                  BOOKING_REASON_BOOKED, false, BOOKING_STATUS_HELD);
    assert_new_booked(ledger_attempt(l, active, rid(l, r), 2));
    const booking_change changes[] = {
        {held, BOOKING_CHANGE_CONFIRM}, {held, BOOKING_CHANGE_CONFIRM},
        {active, BOOKING_CHANGE_CANCEL}, {active, BOOKING_CHANGE_CONFIRM},
        {missing, BOOKING_CHANGE_CANCEL}, {held, BOOKING_CHANGE_CANCEL},
    };
    enum { N = sizeof changes / sizeof changes[0] };
    booking_reason reasons[N];
    booking_record records[N];
    ledger_change_batch(l, changes, N, reasons, records);
    const booking_reason want[N] = {
        BOOKING_REASON_CONFIRMED, BOOKING_REASON_ALREADY_CONFIRMED, BOOKING_REASON_CANCELLED,
        BOOKING_REASON_ALREADY_CANCELLED, BOOKING_REASON_UNKNOWN_BOOKING, BOOKING_REASON_CANCELLED,
    };
    for (size_t i = 0; i < N; i++) {
        if (reasons[i] != want[i])
            fail_msg("change %zu: %s, expected %s", i, booking_reason_name(reasons[i]),
                     booking_reason_name(want[i]));
    }
    assert_int_equal(records[0].status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(records[2].status, BOOKING_STATUS_CANCELLED);
    assert_int_equal(records[5].status, BOOKING_STATUS_CANCELLED);
    assert_string_equal(records[5].booking_id, held);
    assert_resource(rid(l, r), 10, 0);
}

static void change_batch_at_an_expiry_answers_hold_expired_and_releases_once(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char a[ID_SIZE], b[ID_SIZE];
    new_id(a, "a");
    new_id(b, "b");
    ledger_hold(l, a, rid(l, r), 4, CHANGE_HOLD_MS);
    ledger_hold(l, b, rid(l, r), 5, 2 * CHANGE_HOLD_MS);
    clock_advance(CHANGE_HOLD_MS);
    const booking_change changes[] = {
        {a, BOOKING_CHANGE_CONFIRM}, {a, BOOKING_CHANGE_CANCEL}, {b, BOOKING_CHANGE_CONFIRM}};
    booking_reason reasons[3];
    ledger_change_batch(l, changes, 3, reasons, NULL); /* records may be NULL */
    assert_int_equal(reasons[0], BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(reasons[1], BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(reasons[2], BOOKING_REASON_CONFIRMED);
    assert_resource(rid(l, r), 10, 5);
}

static void change_batch_with_an_invalid_change_is_refused_whole(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char held[ID_SIZE];
    new_id(held, "held");
    ledger_hold(l, held, rid(l, r), 1, CHANGE_HOLD_MS);
    booking_change changes[2] = {{held, BOOKING_CHANGE_CONFIRM}, {"not valid!", BOOKING_CHANGE_CANCEL}};
    booking_reason reasons[2];
    assert_int_equal(booking_change_batch(store, changes, 2, reasons, NULL), BOOKING_EINVAL);
    changes[1] = (booking_change){held, (booking_change_kind)99};
    assert_int_equal(booking_change_batch(store, changes, 2, reasons, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_change_batch(store, changes, 0, reasons, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_change_batch(store, changes, BOOKING_BATCH_MAX + 1, reasons, NULL),
                     BOOKING_EINVAL);
    assert_int_equal(booking_change_batch(store, changes, 1, NULL, NULL), BOOKING_EINVAL);
    assert_int_equal(get_record(held).status, BOOKING_STATUS_HELD); /* nothing was done */
}

#define CHANGE_CASE(fn) cmocka_unit_test_setup_teardown(fn, ledger_setup, ledger_teardown)

const struct CMUnitTest conformance_change_cases[] = {
    CHANGE_CASE(change_batch_decides_each_change_as_alone_in_order),
    CHANGE_CASE(change_batch_at_an_expiry_answers_hold_expired_and_releases_once),
    CHANGE_CASE(change_batch_with_an_invalid_change_is_refused_whole),
};

const size_t conformance_change_case_count =
    sizeof conformance_change_cases / sizeof conformance_change_cases[0];
