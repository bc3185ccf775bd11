/* SPDX-License-Identifier: MIT */
/*
 * postgres_bundles.c: bundles (SPEC section 8) on the postgres store beyond the
 * conformance suite, on the tables themselves: overlapping bundles whose lines
 * come in opposite orders, on two instances, never deadlock (one lock statement
 * in id order); each line of a held bundle is a live hold entry of its own,
 * released by its own resource's expiry step exactly once; a confirm un-indexes
 * every line and a cancel releases every line; and a batch whose bundles name
 * more resources than a batch has attempts is still one transaction.
 * argv[1] is the URL of a fresh database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OVERLAP_RESOURCES 5
#define OVERLAP_INSTANCES 2
#define OVERLAP_THREADS 4 /* two per instance: one ascending, one descending */
#define OVERLAP_BUNDLES 120 /* per thread */
#define OVERLAP_CANCEL_EVERY 4
#define OVERLAP_LOCK_TIMEOUT_MS 2000
#define OVERLAP_SLACK_MS 3000 /* what a loaded 2-core machine may add to the lock bound */
#define HOLD_MS 1000
#define HOLD_UNITS 2
#define WIDE_BUNDLES 200 /* x 64 lines: 12800 resources, more than BOOKING_BATCH_MAX */

static const char *url;
static int64_t test_clock_ms = 1800000000000;

static int64_t test_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&test_clock_ms, __ATOMIC_RELAXED);
}

/* One number from the query `text` with its one "%s" replaced by id. */
static long long value_of(PGconn *pg, const char *text, const char *id)
{
    const char *at = strstr(text, "%s");
    assert_non_null(at);
    char sql[512];
    snprintf(sql, sizeof sql, "%.*s%s%s", (int)(at - text), text, id, at + 2);
    return pg_test_value(pg, sql);
}

/* ---- overlapping bundles in opposite orders ---- */

typedef struct overlap_thread {
    booking_store *store;
    int index;
    /* what it saw */
    int booked, cancelled, failed;
    long long slowest_ms;
} overlap_thread;

static void *overlap_main(void *arg)
{
    overlap_thread *t = arg;
    char rids[OVERLAP_RESOURCES][16];
    for (int i = 0; i < OVERLAP_RESOURCES; i++)
        snprintf(rids[i], sizeof rids[i], "ov-r%d", i);
    for (int n = 0; n < OVERLAP_BUNDLES; n++) {
        /* every bundle names 2..5 of the resources, always overlapping the others';
         * odd threads list them from the last to the first */
        int count = 2 + n % (OVERLAP_RESOURCES - 1);
        booking_line lines[OVERLAP_RESOURCES];
        for (int i = 0; i < count; i++) {
            int k = t->index % 2 == 0 ? i : OVERLAP_RESOURCES - 1 - i;
            lines[i] = (booking_line){.resource_id = rids[k], .units = 1};
        }
        char id[48];
        snprintf(id, sizeof id, "ov-t%d-%d", t->index, n);
        booking_request q = {.booking_id = id, .lines = lines, .line_count = (size_t)count};
        booking_result r;
        long long t0 = pg_test_now_ms();
        booking_error e = booking_attempt(t->store, &q, &r);
        booking_reason reason = BOOKING_REASON_OK;
        if (e == BOOKING_OK && r.outcome == BOOKING_BOOKED && n % OVERLAP_CANCEL_EVERY == 0)
            e = booking_cancel(t->store, id, &reason, NULL);
        long long took = pg_test_now_ms() - t0;
        if (took > t->slowest_ms)
            t->slowest_ms = took;
        if (e != BOOKING_OK || r.outcome != BOOKING_BOOKED || booking_reason_is_failure(reason) ||
            (n % OVERLAP_CANCEL_EVERY == 0 && reason != BOOKING_REASON_CANCELLED)) {
            fprintf(stderr, "# %s: %s, then %s\n", id, booking_reason_name(r.reason),
                    booking_reason_name(reason));
            t->failed++;
        }
        else if (n % OVERLAP_CANCEL_EVERY == 0)
            t->cancelled++;
        else
            t->booked++;
    }
    return NULL;
}

/* With one lock per line taken in line order, an ascending and a descending
 * bundle would each hold a lock the other waits for: a deadlock, FAILED
 * conflict after deadlock_timeout. One statement in id order has none. */
static void overlapping_bundles_in_opposite_line_orders_on_two_instances_never_deadlock(
    void **state)
{
    (void)state;
    char opts[64];
    snprintf(opts, sizeof opts, "pool_size=2&lock_timeout_ms=%d", OVERLAP_LOCK_TIMEOUT_MS);
    booking_store *stores[OVERLAP_INSTANCES];
    for (int i = 0; i < OVERLAP_INSTANCES; i++)
        stores[i] = pg_test_open_with(url, opts);
    char rid[16];
    for (int i = 0; i < OVERLAP_RESOURCES; i++) {
        snprintf(rid, sizeof rid, "ov-r%d", i);
        pg_test_set_capacity(stores[0], rid, 1000000);
    }
    overlap_thread t[OVERLAP_THREADS];
    pthread_t h[OVERLAP_THREADS];
    for (int i = 0; i < OVERLAP_THREADS; i++) {
        t[i] = (overlap_thread){.store = stores[i % OVERLAP_INSTANCES], .index = i};
        assert_int_equal(pthread_create(&h[i], NULL, overlap_main, &t[i]), 0);
    }
    int booked = 0, failed = 0;
    long long slowest = 0;
    for (int i = 0; i < OVERLAP_THREADS; i++) {
        pthread_join(h[i], NULL);
        booked += t[i].booked;
        failed += t[i].failed;
        slowest = t[i].slowest_ms > slowest ? t[i].slowest_ms : slowest;
    }
    fprintf(stderr, "# %d bundles kept, %d FAILED, slowest call %lld ms\n", booked, failed,
            slowest);
    assert_int_equal(failed, 0);
    assert_true(slowest < OVERLAP_LOCK_TIMEOUT_MS + OVERLAP_SLACK_MS);
    /* each kept bundle n of a thread holds 1 unit on each of its 2 + n % 4 resources */
    PGconn *pg = pg_test_connect(url);
    long long units = 0;
    for (int i = 0; i < OVERLAP_RESOURCES; i++) {
        snprintf(rid, sizeof rid, "ov-r%d", i);
        units += pg_test_booked(pg, rid);
    }
    long long want = 0;
    for (int n = 0; n < OVERLAP_BUNDLES; n++)
        want += n % OVERLAP_CANCEL_EVERY == 0 ? 0 : 2 + n % (OVERLAP_RESOURCES - 1);
    assert_int_equal(units, want * OVERLAP_THREADS);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    for (int i = 0; i < OVERLAP_INSTANCES; i++)
        booking_store_close(stores[i]);
}

/* ---- a live hold entry per line ---- */

static booking_store *hold_store(const char *tag, const char *const *rids, int n)
{
    (void)tag;
    booking_store *s = pg_test_open_with(url, "pool_size=1");
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    for (int i = 0; i < n; i++)
        pg_test_set_capacity(s, rids[i], 10);
    return s;
}

static booking_result hold_bundle(booking_store *s, const char *id, const char *const *rids, int n)
{
    booking_line lines[3];
    for (int i = 0; i < n; i++)
        lines[i] = (booking_line){.resource_id = rids[i], .units = HOLD_UNITS};
    booking_request q = {.booking_id = id, .lines = lines, .line_count = (size_t)n,
                         .hold_ms = HOLD_MS};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    return r;
}

static uint64_t expired_count(booking_store *s)
{
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    return stats.holds_expired;
}

static uint64_t booked_as_of_now(booking_store *s, const char *rid)
{
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(s, rid, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return res.booked;
}

static void held_bundle_has_a_live_entry_per_line_each_released_by_its_own_resource_once(
    void **state)
{
    (void)state;
    const char *rids[3] = {"le-a", "le-b", "le-c"};
    booking_store *s = hold_store("le", rids, 3);
    PGconn *pg = pg_test_connect(url);
    booking_result r = hold_bundle(s, "le-h", rids, 3);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    /* line 0's entry is the record held, lines 1 and 2 their own rows, each on its resource */
    assert_int_equal(value_of(pg, "SELECT status FROM bookings WHERE id = '%s'", "le-h"),
                     BOOKING_STATUS_HELD);
    assert_int_equal(value_of(pg, "SELECT count(*) FROM booking_lines l JOIN bookings b"
                                  " ON b.id = l.booking_id WHERE l.booking_id = '%s' AND l.held"
                                  " AND l.expires_at_ms = b.expires_at_ms", "le-h"), 2);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pg_test_booked(pg, rids[i]), HOLD_UNITS);
    __atomic_add_fetch(&test_clock_ms, HOLD_MS, __ATOMIC_RELAXED);
    /* a write on le-b applies its own due entry only (line 1) */
    booking_request q = {.booking_id = "le-x", .resource_id = "le-b", .units = 1};
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_BOOKED);
    assert_int_equal(pg_test_booked(pg, "le-b"), 1);
    assert_int_equal(pg_test_booked(pg, "le-a"), HOLD_UNITS);
    assert_int_equal(pg_test_booked(pg, "le-c"), HOLD_UNITS);
    assert_int_equal(value_of(pg, "SELECT count(*) FROM booking_lines WHERE booking_id = '%s'"
                                  " AND held AND line = 2", "le-h"), 1);
    assert_int_equal(value_of(pg, "SELECT status FROM bookings WHERE id = '%s'", "le-h"),
                     BOOKING_STATUS_HELD);
    assert_true(expired_count(s) == 0); /* a hold counts when line 0's entry goes */
    pg_test_check_invariant(pg);
    /* reads answer as of now, whichever entries were swept */
    assert_true(booked_as_of_now(s, "le-a") == 0 && booked_as_of_now(s, "le-c") == 0);
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(s, "le-h", &reason, &rec), BOOKING_OK);
    assert_int_equal(rec.status, BOOKING_STATUS_EXPIRED);
    /* a write on le-a applies line 0's entry: the record is stored expired */
    pg_test_set_capacity(s, "le-a", 10);
    assert_int_equal(pg_test_booked(pg, "le-a"), 0);
    assert_int_equal(value_of(pg, "SELECT status FROM bookings WHERE id = '%s'", "le-h"),
                     BOOKING_STATUS_EXPIRED);
    assert_true(expired_count(s) == 1);
    /* the cancel of the expired hold releases what is still live (le-c), once */
    assert_int_equal(booking_cancel(s, "le-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(pg_test_booked(pg, "le-c"), 0);
    assert_int_equal(value_of(pg, "SELECT count(*) FROM booking_lines WHERE booking_id = '%s'"
                                  " AND held", "le-h"), 0);
    assert_int_equal(booking_cancel(s, "le-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(pg_test_booked(pg, "le-a") + pg_test_booked(pg, "le-c"), 0);
    assert_int_equal(pg_test_booked(pg, "le-b"), 1);
    assert_true(expired_count(s) == 1);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

static void confirm_of_a_held_bundle_unindexes_every_line_and_cancel_releases_every_line(
    void **state)
{
    (void)state;
    const char *rids[3] = {"cu-a", "cu-b", "cu-c"};
    booking_store *s = hold_store("cu", rids, 3);
    PGconn *pg = pg_test_connect(url);
    booking_result r = hold_bundle(s, "cu-h", rids, 3);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    booking_reason reason;
    assert_int_equal(booking_confirm(s, "cu-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CONFIRMED);
    assert_int_equal(value_of(pg, "SELECT count(*) FROM booking_lines WHERE booking_id = '%s'"
                                  " AND held", "cu-h"), 0);
    assert_int_equal(value_of(pg, "SELECT status FROM bookings WHERE id = '%s'", "cu-h"),
                     BOOKING_STATUS_ACTIVE);
    /* past the hold's end, no resource's expiry step finds an entry of it */
    __atomic_add_fetch(&test_clock_ms, HOLD_MS, __ATOMIC_RELAXED);
    for (int i = 0; i < 3; i++) {
        pg_test_set_capacity(s, rids[i], 10);
        assert_int_equal(pg_test_booked(pg, rids[i]), HOLD_UNITS);
        assert_true(booked_as_of_now(s, rids[i]) == HOLD_UNITS);
    }
    assert_true(expired_count(s) == 0);
    assert_int_equal(booking_cancel(s, "cu-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CANCELLED);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pg_test_booked(pg, rids[i]), 0);
    /* a held bundle cancelled before its end: every line released, every entry gone */
    r = hold_bundle(s, "cu-h2", rids, 3);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    assert_int_equal(booking_cancel(s, "cu-h2", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CANCELLED);
    assert_int_equal(value_of(pg, "SELECT count(*) FROM booking_lines WHERE booking_id = '%s'"
                                  " AND held", "cu-h2"), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pg_test_booked(pg, rids[i]), 0);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

/* ---- a batch wider than BOOKING_BATCH_MAX resources ---- */

static void batch_of_bundles_naming_more_resources_than_attempts_is_one_transaction(void **state)
{
    (void)state;
    booking_store *s = pg_test_open_with(url, "pool_size=1");
    PGconn *pg = pg_test_connect(url);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO resources (id, capacity, booked, clock_ms)"
             " SELECT 'w-' || g, 1, 0, 0 FROM generate_series(0, %d) g",
             WIDE_BUNDLES * BOOKING_LINES_MAX - 1);
    PQclear(pg_test_exec(pg, sql));
    booking_line *lines = calloc((size_t)WIDE_BUNDLES * BOOKING_LINES_MAX, sizeof *lines);
    char (*rids)[16] = calloc((size_t)WIDE_BUNDLES * BOOKING_LINES_MAX, sizeof *rids);
    char (*ids)[16] = calloc(WIDE_BUNDLES, sizeof *ids);
    booking_request *q = calloc(WIDE_BUNDLES, sizeof *q);
    booking_result *r = calloc(WIDE_BUNDLES, sizeof *r);
    assert_true(lines && rids && ids && q && r);
    for (int b = 0; b < WIDE_BUNDLES; b++) {
        for (int i = 0; i < BOOKING_LINES_MAX; i++) {
            int k = b * BOOKING_LINES_MAX + i;
            snprintf(rids[k], sizeof rids[k], "w-%d", k);
            lines[k] = (booking_line){.resource_id = rids[k], .units = 1};
        }
        snprintf(ids[b], sizeof ids[b], "w-b%d", b);
        q[b] = (booking_request){.booking_id = ids[b], .lines = &lines[b * BOOKING_LINES_MAX],
                                 .line_count = BOOKING_LINES_MAX};
    }
    assert_int_equal(booking_attempt_batch(s, q, WIDE_BUNDLES, r), BOOKING_OK);
    for (int b = 0; b < WIDE_BUNDLES; b++) {
        assert_int_equal(r[b].outcome, BOOKING_BOOKED);
        assert_false(r[b].replayed);
    }
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM booking_lines WHERE booking_id"
                                       " LIKE 'w-b%'"), WIDE_BUNDLES * (BOOKING_LINES_MAX - 1));
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM resources WHERE id LIKE 'w-%'"
                                       " AND booked = 1"), WIDE_BUNDLES * BOOKING_LINES_MAX);
    /* the same batch replays; then each bundle again under a new id is full on
     * every line, and names line 0 */
    assert_int_equal(booking_attempt_batch(s, q, WIDE_BUNDLES, r), BOOKING_OK);
    for (int b = 0; b < WIDE_BUNDLES; b++)
        assert_true(r[b].outcome == BOOKING_BOOKED && r[b].replayed);
    for (int b = 0; b < WIDE_BUNDLES; b++) {
        snprintf(ids[b], sizeof ids[b], "w-c%d", b);
        q[b].booking_id = ids[b];
    }
    assert_int_equal(booking_attempt_batch(s, q, WIDE_BUNDLES, r), BOOKING_OK);
    for (int b = 0; b < WIDE_BUNDLES; b++)
        assert_true(r[b].outcome == BOOKING_REJECTED && r[b].line == 0 &&
                    r[b].reason == BOOKING_REASON_INSUFFICIENT_CAPACITY);
    pg_test_check_invariant(pg);
    free(lines);
    free(rids);
    free(ids);
    free(q);
    free(r);
    PQfinish(pg);
    booking_store_close(s);
}

int main(int argc, char **argv)
{
    url = pg_test_url_arg(argc, argv);
    if (url == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overlapping_bundles_in_opposite_line_orders_on_two_instances_never_deadlock),
        cmocka_unit_test(
            held_bundle_has_a_live_entry_per_line_each_released_by_its_own_resource_once),
        cmocka_unit_test(
            confirm_of_a_held_bundle_unindexes_every_line_and_cancel_releases_every_line),
        cmocka_unit_test(batch_of_bundles_naming_more_resources_than_attempts_is_one_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
