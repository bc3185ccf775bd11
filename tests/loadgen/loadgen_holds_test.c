/* SPDX-License-Identifier: MIT */
/*
 * loadgen_holds_test.c: the load generator's hold-and-confirm flow without a
 * server: in process against memory: (the library's hold_ms and booking_confirm),
 * the answer scan of the HTTP mode on literal bodies (an outcome's status and
 * expires_at, a confirm's answer, a read's as_of), the exact confirm share, and
 * what the read-back expects as of its time.
 */
#include "loadgen/loadgen_http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define END_MS 1796161801000LL /* 2026-12-01T21:50:01.000Z */

static void a_run_in_process_with_holds_reads_back_only_active_units_after_the_last_end(
    void **state)
{
    (void)state;
    loadgen_config cfg = {.mode = LOADGEN_INPROC, .threads = 2, .resources = 2,
                          .attempts = 4000, .batch = 8, .capacity = 100, .units_max = 1,
                          .seed = 42, .hold_ms = 150, .confirm_ratio = 0.5};
    booking_store *store = NULL;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(booking_store_open("memory:", &store, why, sizeof why), BOOKING_OK);
    loadgen_report *r = calloc(1, sizeof *r);
    assert_non_null(r);
    loadgen_hooks hooks = {0};
    assert_int_equal(loadgen_run_inproc(&cfg, store, &hooks, r, why), LOADGEN_OK);
    const loadgen_holds *h = &r->holds;
    /* Every BOOKED was a hold; half of each thread's were confirmed, all in time. */
    assert_int_equal(h->booked, r->stats.by_outcome[BOOKING_BOOKED]);
    assert_true(h->booked >= 200);
    assert_true(h->confirms >= h->booked / 2 - cfg.threads && h->confirms <= h->booked / 2 + 1);
    assert_int_equal(h->by_reason[BOOKING_REASON_CONFIRMED], h->confirms);
    assert_int_equal(h->after_expiry, 0);
    /* After the last end: the late confirms answered hold_expired, and booked is
     * exactly the confirmed units. */
    assert_true(h->waited);
    assert_true(h->late > 0);
    assert_int_equal(h->late_wrong, 0);
    assert_true(r->verified);
    assert_int_equal(r->resources_checked, cfg.resources);
    assert_int_equal(r->resources_wrong, 0);
    uint64_t booked = 0;
    for (int i = 0; i < 2; i++) {
        char id[LOADGEN_ID_BYTES];
        char tag[17];
        loadgen_tag(&cfg, tag);
        snprintf(id, sizeof id, "r-%s-%d", tag, i);
        booking_reason reason;
        booking_resource res;
        assert_int_equal(booking_get_resource(store, id, &reason, &res), BOOKING_OK);
        booked += res.booked;
    }
    assert_int_equal(booked, h->by_reason[BOOKING_REASON_CONFIRMED]);
    loadgen_report_free(r);
    free(r);
    booking_store_close(store);
}

static void the_confirm_share_is_exact_and_even(void **state)
{
    (void)state;
    uint64_t seen = 0, due = 0;
    for (int i = 0; i < 1000; i++)
        due += loadgen_confirm_due(&seen, 0.5);
    assert_int_equal(due, 500);
    seen = due = 0;
    for (int i = 0; i < 7; i++)
        due += loadgen_confirm_due(&seen, 1.0 / 3.0);
    assert_int_equal(due, 2);
    seen = due = 0;
    for (int i = 0; i < 10; i++)
        due += loadgen_confirm_due(&seen, 0.0) + 2 * loadgen_confirm_due(&(uint64_t){0}, 1.0);
    assert_int_equal(due, 20);
}

static void an_outcome_body_gives_its_status_and_the_end_of_its_hold(void **state)
{
    (void)state;
    /* Keys in either order, one object or a batch. */
    const char *single = "{\"status\":\"held\",\"outcome\":\"BOOKED\",\"reason\":\"booked\","
                         "\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,"
                         "\"replayed\":false,\"expires_at\":\"2026-12-01T21:50:01.000Z\"}";
    lg_scan s;
    booking_result r = {0};
    lg_scan_init(&s, single, strlen(single));
    assert_true(lg_scan_next_result(&s, &r));
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    assert_int_equal(r.expires_at_ms, END_MS);
    const char *batch =
        "{\"outcomes\":[{\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"booking_id\":\"a\","
        "\"resource_id\":\"r\",\"units\":1,\"replayed\":true,\"status\":\"expired\","
        "\"expires_at\":\"2026-12-01T21:50:01.000Z\"},{\"outcome\":\"REJECTED\","
        "\"reason\":\"insufficient_capacity\",\"booking_id\":\"c\",\"resource_id\":\"r\","
        "\"units\":1,\"replayed\":false},{\"outcome\":\"BOOKED\",\"reason\":\"booked\","
        "\"booking_id\":\"d\",\"resource_id\":\"r\",\"units\":1,\"replayed\":false,"
        "\"status\":\"active\"}]}";
    lg_scan_init(&s, batch, strlen(batch));
    assert_true(lg_scan_next_result(&s, &r));
    assert_int_equal(r.status, BOOKING_STATUS_EXPIRED);
    assert_int_equal(r.expires_at_ms, END_MS);
    assert_true(r.replayed);
    assert_true(lg_scan_next_result(&s, &r));
    assert_int_equal(r.outcome, BOOKING_REJECTED);
    assert_true(lg_scan_next_result(&s, &r));
    assert_int_equal(r.status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(r.expires_at_ms, 0); /* not the first object's end */
    assert_false(lg_scan_next_result(&s, &r));
}

static void a_confirm_answer_gives_its_reason_and_the_records_times(void **state)
{
    (void)state;
    lg_change c;
    const char *ok = "{\"booking_id\":\"b\",\"resource_id\":\"r\",\"units\":1,"
                     "\"outcome\":\"BOOKED\",\"reason\":\"booked\",\"status\":\"active\","
                     "\"created_at\":\"2026-12-01T21:50:00.000Z\","
                     "\"updated_at\":\"2026-12-01T21:50:00.500Z\","
                     "\"expires_at\":\"2026-12-01T21:50:01.000Z\",\"result\":\"confirmed\"}";
    assert_true(lg_scan_change(200, ok, strlen(ok), &c));
    assert_int_equal(c.reason, BOOKING_REASON_CONFIRMED);
    assert_true(c.has_updated_at && c.has_expires_at);
    assert_int_equal(c.updated_at_ms, END_MS - 500);
    assert_int_equal(c.expires_at_ms, END_MS);
    const char *late = "{\"reason\":\"hold_expired\",\"status\":\"expired\"}";
    assert_true(lg_scan_change(409, late, strlen(late), &c));
    assert_int_equal(c.reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_false(c.has_updated_at);
    const char *problem = "{\"type\":\"about:blank\",\"status\":404,\"error\":\"not_found\"}";
    assert_true(lg_scan_change(404, problem, strlen(problem), &c));
    assert_int_equal(c.reason, BOOKING_REASON_UNKNOWN_BOOKING);
    assert_true(lg_scan_change(503, "{}", 2, &c));
    assert_true(booking_reason_is_failure(c.reason));
    /* A status that disagrees with the reason, or a reason a confirm cannot give. */
    assert_false(lg_scan_change(409, ok, strlen(ok), &c));
    assert_false(lg_scan_change(200, late, strlen(late), &c));
    const char *booked_only = "{\"reason\":\"booked\"}";
    assert_false(lg_scan_change(200, booked_only, strlen(booked_only), &c));
}

static void a_read_gives_the_time_it_is_as_of(void **state)
{
    (void)state;
    const char *body = "{\"resource_id\":\"r\",\"capacity\":5,\"booked\":2,\"remaining\":3,"
                       "\"as_of\":\"2026-12-01T21:50:01.000Z\"}";
    int64_t ms = 0;
    assert_true(lg_scan_time(body, strlen(body), "\"as_of\"", &ms));
    assert_int_equal(ms, END_MS);
    assert_false(lg_scan_time(body, strlen(body), "\"updated_at\"", &ms));
    const char *other = "{\"as_of\":\"2026-12-01T21:50:01Z\"}";
    assert_false(lg_scan_time(other, strlen(other), "\"as_of\"", &ms));
}

/* One client's ledger on one resource: 3 active units, holds of 4 units ending
 * at END_MS and END_MS + 100 (1 of them confirmed), 2 units in doubt. */
static void the_read_back_counts_holds_that_had_not_ended_by_its_time(void **state)
{
    (void)state;
    loadgen_ledger l;
    assert_true(loadgen_ledger_init(&l, 1));
    uint64_t lo, hi;
    loadgen_ledger_expect(&l, 1, 0, true, END_MS, &lo, &hi);
    assert_true(lo == 0 && hi == 0);
    l.acked[0] = 3;
    l.doubt[0] = 2;
    loadgen_ledger_hold(&l, 0, 2, END_MS);
    loadgen_ledger_hold(&l, 0, 2, END_MS + 100);
    l.held[0] -= 1; /* one unit of them confirmed */
    l.confirmed[0] += 1;
    loadgen_ledger_expect(&l, 1, 0, true, END_MS - 1, &lo, &hi); /* before any end */
    assert_int_equal(lo, 3 + 4);
    assert_int_equal(hi, 3 + 4 + 2);
    loadgen_ledger_expect(&l, 1, 0, true, END_MS + 100, &lo, &hi); /* after every end */
    assert_int_equal(lo, 3 + 1);
    assert_int_equal(hi, 3 + 1 + 2);
    loadgen_ledger_expect(&l, 1, 0, true, END_MS + 50, &lo, &hi); /* between: in doubt */
    assert_int_equal(lo, 3 + 1);
    assert_int_equal(hi, 3 + 4 + 2);
    loadgen_ledger_expect(&l, 1, 0, false, 0, &lo, &hi); /* no as_of: in doubt */
    assert_int_equal(lo, 3 + 1);
    assert_int_equal(hi, 3 + 4 + 2);
    l.confirm_doubt[0] = 1; /* a confirm lost: after every end it may be active */
    loadgen_ledger_expect(&l, 1, 0, true, END_MS + 100, &lo, &hi);
    assert_int_equal(hi, 3 + 1 + 2 + 1);
    loadgen_ledger_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            a_run_in_process_with_holds_reads_back_only_active_units_after_the_last_end),
        cmocka_unit_test(the_confirm_share_is_exact_and_even),
        cmocka_unit_test(an_outcome_body_gives_its_status_and_the_end_of_its_hold),
        cmocka_unit_test(a_confirm_answer_gives_its_reason_and_the_records_times),
        cmocka_unit_test(a_read_gives_the_time_it_is_as_of),
        cmocka_unit_test(the_read_back_counts_holds_that_had_not_ended_by_its_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
