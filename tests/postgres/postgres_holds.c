/* SPDX-License-Identifier: MIT */
/*
 * postgres_holds.c: holds (SPEC section 7) on the postgres store beyond the
 * conformance suite, which runs on an injected clock: here the store's own clock,
 * the database server's, shared by every instance on the database; a store time
 * that never goes back even when the server's clock does; and expiry applied
 * exactly once by instances racing on one resource. argv[1] is the URL of a
 * fresh database.
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
#include <unistd.h>

#define SHORT_HOLD_MS 300
#define PAST_EXPIRY_MS 200  /* slept past a hold's end: bounded, a few hundred ms */
#define CLOCK_STEP_MS 3600000LL /* the server's clock steps back one hour */
#define RACE_THREADS 4      /* two per instance */
#define RACE_ATTEMPTS 60    /* per thread */
#define RACE_HOLD_MS 20
#define RACE_CAPACITY 100
#define RACE_PAUSE_US 2000

static const char *url;

static booking_store *open_store(void)
{
    booking_store *s = NULL;
    char err[256] = "";
    if (booking_store_open(url, &s, err, sizeof err) != BOOKING_OK)
        fail_msg("open %s: %s", url, err);
    return s;
}

static booking_result attempt(booking_store *s, const char *id, const char *rid, uint64_t units,
                              uint64_t hold_ms)
{
    booking_request q = {.booking_id = id, .resource_id = rid, .units = units, .hold_ms = hold_ms};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    return r;
}

static booking_resource get_resource(booking_store *s, const char *rid)
{
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(s, rid, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return res;
}

static booking_record get_record(booking_store *s, const char *id)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return rec;
}

static uint64_t expired_by(booking_store *s)
{
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    return stats.holds_expired;
}

/* Two instances without an injected clock: a hold made through one expires, as
 * the other sees it, at its expires_at on the server's clock. */
static void instances_agree_on_expiry_by_the_server_clock(void **state)
{
    (void)state;
    booking_store *a = open_store(), *b = open_store();
    PGconn *pg = pg_test_connect(url);
    pg_test_set_capacity(a, "sc-r", 1);
    long long before = pg_test_server_ms(pg);
    booking_result held = attempt(a, "sc-h", "sc-r", 1, SHORT_HOLD_MS);
    long long after = pg_test_server_ms(pg);
    assert_int_equal(held.status, BOOKING_STATUS_HELD);
    /* the decision's time is the server's, read during the call */
    assert_true(held.expires_at_ms - SHORT_HOLD_MS >= before);
    assert_true(held.expires_at_ms - SHORT_HOLD_MS <= after);
    booking_resource seen = get_resource(b, "sc-r");
    assert_true(seen.as_of_ms >= held.expires_at_ms - SHORT_HOLD_MS);
    assert_int_equal(seen.booked, seen.as_of_ms < held.expires_at_ms ? 1 : 0);

    usleep((SHORT_HOLD_MS + PAST_EXPIRY_MS) * 1000);
    booking_record rec = get_record(b, "sc-h");
    assert_int_equal(rec.status, BOOKING_STATUS_EXPIRED);
    assert_true(rec.updated_at_ms == held.expires_at_ms);
    seen = get_resource(b, "sc-r");
    assert_true(seen.booked == 0 && seen.as_of_ms >= held.expires_at_ms);
    assert_true(seen.as_of_ms <= pg_test_server_ms(pg));
    assert_int_equal(pg_test_value(pg, "SELECT status FROM bookings WHERE id = 'sc-h'"),
                     BOOKING_STATUS_HELD); /* reads wrote nothing */
    booking_result next = attempt(b, "sc-next", "sc-r", 1, 0);
    assert_int_equal(next.outcome, BOOKING_BOOKED); /* the freed unit, at once */
    assert_true(expired_by(b) == 1 && expired_by(a) == 0);
    booking_reason reason;
    assert_int_equal(booking_confirm(a, "sc-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_true(expired_by(a) == 0); /* applied once, by b */
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(a);
    booking_store_close(b);
}

/* The database recorded a time an hour ahead of the server's clock now (the
 * clock stepped back after a write): every instance goes on from that time, so
 * the hold made before stays expired and new decisions are not dated earlier. */
static void store_time_never_goes_back_when_the_server_clock_does(void **state)
{
    (void)state;
    booking_store *a = open_store(), *b = open_store();
    PGconn *pg = pg_test_connect(url);
    pg_test_set_capacity(a, "nb-r", 1);
    booking_result held = attempt(a, "nb-h", "nb-r", 1, SHORT_HOLD_MS);
    assert_int_equal(held.status, BOOKING_STATUS_HELD);
    /* a write an hour after the hold, then the step back: what the row keeps */
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE resources SET clock_ms = clock_ms + %lld WHERE id = 'nb-r'",
             CLOCK_STEP_MS);
    PQclear(pg_test_exec(pg, sql));
    long long recorded = pg_test_value(pg, "SELECT clock_ms FROM resources WHERE id = 'nb-r'");
    assert_true(recorded > pg_test_server_ms(pg) + CLOCK_STEP_MS / 2);

    booking_resource seen = get_resource(b, "nb-r");
    assert_true(seen.booked == 0 && seen.as_of_ms >= recorded);
    assert_int_equal(get_record(b, "nb-h").status, BOOKING_STATUS_EXPIRED);
    booking_result next = attempt(b, "nb-next", "nb-r", 1, 0);
    assert_int_equal(next.outcome, BOOKING_BOOKED);
    assert_true(get_record(a, "nb-next").created_at_ms >= recorded);
    booking_reason reason;
    assert_int_equal(booking_confirm(a, "nb-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(a);
    booking_store_close(b);
}

/* Steps the clock of resource rid an hour ahead of the server's (what it keeps
 * after a write, then a step back) and returns it. */
static long long step_resource_clock(PGconn *pg, const char *rid)
{
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE resources SET clock_ms = clock_ms + %lld WHERE id = '%s'",
             CLOCK_STEP_MS, rid);
    PQclear(pg_test_exec(pg, sql));
    snprintf(sql, sizeof sql, "SELECT clock_ms FROM resources WHERE id = '%s'", rid);
    long long recorded = pg_test_value(pg, sql);
    assert_true(recorded > pg_test_server_ms(pg) + CLOCK_STEP_MS / 2);
    return recorded;
}

/* A write's time is the latest clock of the resources it locks when that is later
 * than the server's clock, and the holds due by then are released, on any of
 * them: here through instances that have read nothing (their floor is no later
 * than the server's clock), so the time comes from the locked rows alone. A batch
 * on two resources, the hold on one and the clock ahead on the other; then a
 * capacity change on a resource whose own clock is ahead. */
static void a_write_releases_the_holds_due_by_its_resources_clock(void **state)
{
    (void)state;
    booking_store *a = open_store();
    PGconn *pg = pg_test_connect(url);
    pg_test_set_capacity(a, "wc-held", 1);
    pg_test_set_capacity(a, "wc-ahead", 1);
    pg_test_set_capacity(a, "wc-cap", 1);
    assert_int_equal(attempt(a, "wc-h1", "wc-held", 1, SHORT_HOLD_MS).status, BOOKING_STATUS_HELD);
    assert_int_equal(attempt(a, "wc-h2", "wc-cap", 1, SHORT_HOLD_MS).status, BOOKING_STATUS_HELD);
    long long ahead = step_resource_clock(pg, "wc-ahead");
    long long cap_ahead = step_resource_clock(pg, "wc-cap");

    booking_store *b = open_store();
    booking_request q[2] = {{.booking_id = "wc-b1", .resource_id = "wc-ahead", .units = 1},
                            {.booking_id = "wc-b2", .resource_id = "wc-held", .units = 1}};
    booking_result r[2];
    assert_int_equal(booking_attempt_batch(b, q, 2, r), BOOKING_OK);
    assert_int_equal(r[0].outcome, BOOKING_BOOKED);
    assert_int_equal(r[1].outcome, BOOKING_BOOKED); /* wc-h1 was due by wc-ahead's time */
    assert_true(expired_by(b) == 1);
    assert_true(get_record(b, "wc-b2").created_at_ms >= ahead);
    assert_int_equal(pg_test_value(pg, "SELECT status FROM bookings WHERE id = 'wc-h1'"),
                     BOOKING_STATUS_EXPIRED);

    booking_store *c = open_store();
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_set_capacity(c, "wc-cap", 1, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_true(res.booked == 0 && res.as_of_ms >= cap_ahead); /* wc-h2 released at its time */
    assert_true(expired_by(c) == 1);
    assert_int_equal(pg_test_value(pg, "SELECT status FROM bookings WHERE id = 'wc-h2'"),
                     BOOKING_STATUS_EXPIRED);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(a);
    booking_store_close(b);
    booking_store_close(c);
}

typedef struct race_thread {
    booking_store *store;
    int index;
    size_t booked, confirmed;
} race_thread;

/* Short holds on one small resource, a third of them confirmed at once, so that
 * holds expire while the other instance's writes sweep them. */
static void *race_main(void *arg)
{
    race_thread *t = arg;
    for (int i = 0; i < RACE_ATTEMPTS; i++) {
        char id[48];
        snprintf(id, sizeof id, "race-t%d-%d", t->index, i);
        booking_result r = attempt(t->store, id, "race-r", 1, RACE_HOLD_MS);
        if (r.outcome == BOOKING_BOOKED) {
            t->booked++;
            booking_reason reason;
            if (i % 3 == 0 && booking_confirm(t->store, id, &reason, NULL) == BOOKING_OK &&
                reason == BOOKING_REASON_CONFIRMED)
                t->confirmed++;
        }
        usleep(RACE_PAUSE_US);
    }
    return NULL;
}

static void instances_racing_on_one_resource_apply_each_expiry_once(void **state)
{
    (void)state;
    booking_store *s[2] = {open_store(), open_store()};
    PGconn *pg = pg_test_connect(url);
    pg_test_set_capacity(s[0], "race-r", RACE_CAPACITY);
    pthread_t h[RACE_THREADS];
    race_thread t[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        t[i] = (race_thread){.store = s[i % 2], .index = i};
        assert_int_equal(pthread_create(&h[i], NULL, race_main, &t[i]), 0);
    }
    size_t booked = 0, confirmed = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        pthread_join(h[i], NULL);
        booked += t[i].booked;
        confirmed += t[i].confirmed;
    }
    usleep((RACE_HOLD_MS + PAST_EXPIRY_MS) * 1000);
    pg_test_set_capacity(s[0], "race-r", RACE_CAPACITY); /* a write: applies what is left */
    long long expired = pg_test_value(pg, "SELECT count(*) FROM bookings WHERE status = 4"
                                 " AND id LIKE 'race-%'");
    long long active = pg_test_value(pg, "SELECT count(*) FROM bookings WHERE status = 1"
                                 " AND id LIKE 'race-%'");
    fprintf(stderr, "# %zu holds booked, %zu confirmed, %lld expired\n", booked, confirmed,
            expired);
    assert_true(expired > 0 && confirmed > 0);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings WHERE status = 3"
                                 " AND id LIKE 'race-%'"), 0);
    assert_int_equal(active, (long long)confirmed);
    assert_int_equal(active + expired, (long long)booked);
    assert_true(expired_by(s[0]) + expired_by(s[1]) == (uint64_t)expired); /* each once */
    assert_true(get_resource(s[1], "race-r").booked == confirmed);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s[0]);
    booking_store_close(s[1]);
}

int main(int argc, char **argv)
{
    url = pg_test_url_arg(argc, argv);
    if (url == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(instances_agree_on_expiry_by_the_server_clock),
        cmocka_unit_test(store_time_never_goes_back_when_the_server_clock_does),
        cmocka_unit_test(a_write_releases_the_holds_due_by_its_resources_clock),
        cmocka_unit_test(instances_racing_on_one_resource_apply_each_expiry_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
