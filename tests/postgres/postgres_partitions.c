/* SPDX-License-Identifier: MIT */
/*
 * postgres_partitions.c: the partitioned group commit of postgres.c note (14).
 * Rounds of two partitions run side by side: one waiting on a row lock does
 * not hold up the other; a booking_id in flight on one partition is decided
 * after it, on it, when it arrives again for another partition's resource
 * (never beside it, where the unique index would fail one transaction); and
 * bundles across partitions, batches across them and single attempts on each
 * never deadlock nor fail. argv[1] is the URL of a fresh database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"
#include "store/postgres_route.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LONG_LOCK_TIMEOUT_MS 10000 /* a waiting round stays waiting through a test */
#define OTHER_DONE_WITHIN_MS 5000  /* well under LONG_LOCK_TIMEOUT_MS */
#define WAIT_FOR_SESSION_MS 5000
#define POLL_US 5000
#define SLOW_INSERT_S "1.5" /* the trigger's sleep on one booking_id's insert */
#define MIX_PARTITIONS 4
#define MIX_THREADS 4
#define MIX_ROUNDS 60
#define MIX_CAPACITY 1000000
#define ID_SIZE 64

static const char *url;

/* "<prefix><n>" for the first n whose resource is in partition `want` of `of`. */
static void resource_in(char out[ID_SIZE], const char *prefix, uint32_t want, size_t of)
{
    for (int n = 0; n < 10000; n++) {
        snprintf(out, ID_SIZE, "%s%d", prefix, n);
        if (bk_pg_partition_of(out, of) == want)
            return;
    }
    fail_msg("no resource %s* in partition %u", prefix, want);
}

/* One attempt on a thread of its own, its end visible to the test. */
typedef struct attempt_run {
    booking_store *store;
    booking_request q;
    booking_result r;
    int done; /* __atomic */
    pthread_t thread;
} attempt_run;

static void *attempt_main(void *arg)
{
    attempt_run *a = arg;
    if (booking_attempt(a->store, &a->q, &a->r) != BOOKING_OK)
        a->r.outcome = BOOKING_FAILED;
    __atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void attempt_start(attempt_run *a, booking_store *s, const char *booking_id,
                          const char *resource_id)
{
    memset(a, 0, sizeof *a);
    a->store = s;
    a->q = (booking_request){.booking_id = booking_id, .resource_id = resource_id, .units = 1};
    assert_int_equal(pthread_create(&a->thread, NULL, attempt_main, a), 0);
}

static bool attempt_done_within(attempt_run *a, long long ms)
{
    long long end = pg_test_now_ms() + ms;
    while (!__atomic_load_n(&a->done, __ATOMIC_ACQUIRE) && pg_test_now_ms() < end)
        usleep(POLL_US);
    return __atomic_load_n(&a->done, __ATOMIC_ACQUIRE) != 0;
}

/* Waits until one of the store's sessions waits on `event` (pg_stat_activity). */
static void wait_for_store_session(PGconn *pg, const char *event)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'booking'"
             " AND datname = current_database() AND wait_event = '%s'",
             event);
    long long end = pg_test_now_ms() + WAIT_FOR_SESSION_MS;
    while (pg_test_value(pg, sql) == 0) {
        if (pg_test_now_ms() > end)
            fail_msg("no store session waits on %s", event);
        usleep(POLL_US);
    }
}

static long long records_of(PGconn *pg, const char *booking_id, const char *resource_id)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM bookings WHERE id = '%s'%s%s%s", booking_id,
             resource_id ? " AND resource_id = '" : "", resource_id ? resource_id : "",
             resource_id ? "'" : "");
    return pg_test_value(pg, sql);
}

/* Partition a's round waits on a row lock held elsewhere (its session shows
 * Lock:transactionid); an attempt on partition b's resource meanwhile is
 * decided and committed while a's still waits; a's then commits too. With one
 * partition (partitions=1) the second waits behind the first: this fails. */
static void a_round_waiting_on_a_lock_holds_up_only_its_own_partition(void **state)
{
    (void)state;
    char opts[128];
    snprintf(opts, sizeof opts, "pool_size=4&partitions=2&lock_timeout_ms=%d",
             LONG_LOCK_TIMEOUT_MS);
    booking_store *s = pg_test_open_with(url, opts);
    char ra[ID_SIZE], rb[ID_SIZE];
    resource_in(ra, "wait-a", 0, 2);
    resource_in(rb, "wait-b", 1, 2);
    pg_test_set_capacity(s, ra, 10);
    pg_test_set_capacity(s, rb, 10);
    PGconn *holder = pg_test_connect(url), *pg = pg_test_connect(url);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT 1 FROM resources WHERE id = '%s' FOR UPDATE", ra);
    PQclear(pg_test_exec(holder, "BEGIN"));
    PQclear(pg_test_exec(holder, sql));
    attempt_run a, b;
    attempt_start(&a, s, "wait-1", ra);
    wait_for_store_session(pg, "transactionid");
    attempt_start(&b, s, "wait-2", rb);
    bool b_done = attempt_done_within(&b, OTHER_DONE_WITHIN_MS);
    bool a_done = __atomic_load_n(&a.done, __ATOMIC_ACQUIRE) != 0;
    long long b_kept = records_of(pg, "wait-2", rb);
    PQclear(pg_test_exec(holder, "COMMIT"));
    pthread_join(a.thread, NULL);
    pthread_join(b.thread, NULL);
    assert_true(b_done);  /* decided while a's round waited */
    assert_false(a_done); /* and a's was still waiting then */
    assert_int_equal(b.r.outcome, BOOKING_BOOKED);
    assert_int_equal(b_kept, 1); /* committed, not only answered */
    assert_int_equal(a.r.outcome, BOOKING_BOOKED);
    assert_int_equal(records_of(pg, "wait-1", ra), 1);
    pg_test_check_invariant(pg);
    PQfinish(holder);
    PQfinish(pg);
    booking_store_close(s);
}

/* One booking_id for resources of two partitions at once: the first's round
 * has inserted its record and sleeps in a trigger before COMMIT; the second
 * arrives meanwhile for the other partition's resource. It is queued behind the
 * first on the first's partition and answered as SPEC section 1 says a repeat
 * that differs is (REJECTED booking_id_conflict), with one record. Routed by
 * its resource, it would insert the same id beside the first, wait on the
 * unique index, and fail its whole round FAILED conflict. */
static void one_booking_id_on_two_partitions_at_once_is_decided_once_in_arrival_order(void **state)
{
    (void)state;
    booking_store *s = pg_test_open_with(url, "pool_size=4&partitions=2");
    char ra[ID_SIZE], rb[ID_SIZE];
    resource_in(ra, "dup-a", 0, 2);
    resource_in(rb, "dup-b", 1, 2);
    pg_test_set_capacity(s, ra, 10);
    pg_test_set_capacity(s, rb, 10);
    PGconn *pg = pg_test_connect(url);
    PQclear(pg_test_exec(pg, "CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql"
                             " AS $$ BEGIN IF NEW.id = 'dup-x' THEN PERFORM pg_sleep(" SLOW_INSERT_S
                             "); END IF; RETURN NEW; END $$"));
    PQclear(pg_test_exec(pg, "CREATE TRIGGER test_slow AFTER INSERT ON bookings"
                             " FOR EACH ROW EXECUTE FUNCTION test_slow_insert()"));
    attempt_run a, b;
    attempt_start(&a, s, "dup-x", ra);
    wait_for_store_session(pg, "PgSleep");
    attempt_start(&b, s, "dup-x", rb);
    pthread_join(a.thread, NULL);
    pthread_join(b.thread, NULL);
    PQclear(pg_test_exec(pg, "DROP TRIGGER test_slow ON bookings"));
    PQclear(pg_test_exec(pg, "DROP FUNCTION test_slow_insert()"));
    assert_int_equal(a.r.outcome, BOOKING_BOOKED);
    assert_false(a.r.replayed);
    assert_int_equal(b.r.outcome, BOOKING_REJECTED);
    assert_int_equal(b.r.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    assert_int_equal(records_of(pg, "dup-x", NULL), 1);
    assert_int_equal(records_of(pg, "dup-x", ra), 1);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

/* ---- bundles across partitions beside everything else ---- */

typedef struct mix_thread {
    booking_store *store;
    int index;
    char (*resources)[ID_SIZE];
    size_t decided, failed;
    uint64_t units; /* BOOKED, over every line */
    pthread_t thread;
} mix_thread;

static void mix_count(mix_thread *t, const booking_request *q, const booking_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].outcome == BOOKING_FAILED) {
            t->failed++;
            continue;
        }
        t->decided++;
        if (r[i].outcome == BOOKING_BOOKED && !r[i].replayed)
            t->units += q[i].lines != NULL ? q[i].line_count : 1;
    }
}

static void *mix_main(void *arg)
{
    mix_thread *t = arg;
    char ids[4][ID_SIZE];
    for (int round = 0; round < MIX_ROUNDS; round++) {
        const char *r0 = t->resources[t->index % MIX_PARTITIONS];
        const char *r1 = t->resources[(t->index + 1) % MIX_PARTITIONS];
        const char *r2 = t->resources[(t->index + 2) % MIX_PARTITIONS];
        for (int k = 0; k < 4; k++)
            snprintf(ids[k], ID_SIZE, "mix-%d-%d-%d", t->index, round, k);
        /* a bundle across two partitions, its lines in either order */
        booking_line lines[2] = {{.resource_id = round % 2 ? r1 : r0, .units = 1},
                                 {.resource_id = round % 2 ? r0 : r1, .units = 1}};
        booking_request bundle = {.booking_id = ids[0], .lines = lines, .line_count = 2};
        booking_result r[2];
        if (booking_attempt(t->store, &bundle, &r[0]) != BOOKING_OK)
            r[0].outcome = BOOKING_FAILED;
        mix_count(t, &bundle, r, 1);
        /* a batch across two partitions */
        booking_request batch[2] = {{.booking_id = ids[1], .resource_id = r2, .units = 1},
                                    {.booking_id = ids[2], .resource_id = r0, .units = 1}};
        if (booking_attempt_batch(t->store, batch, 2, r) != BOOKING_OK)
            r[0].outcome = r[1].outcome = BOOKING_FAILED;
        mix_count(t, batch, r, 2);
        /* a single attempt on one partition */
        booking_request one = {.booking_id = ids[3], .resource_id = r1, .units = 1};
        if (booking_attempt(t->store, &one, &r[0]) != BOOKING_OK)
            r[0].outcome = BOOKING_FAILED;
        mix_count(t, &one, r, 1);
    }
    return NULL;
}

/* Bundles and batches across partitions (each whole on one partition, locking
 * rows of the others in the one global order of note (11)) beside single
 * attempts on every partition: nothing deadlocks (postgres would fail one
 * FAILED conflict), nothing waits past the lock timeout, and every resource's
 * booked is the units its records hold. */
static void bundles_and_batches_across_partitions_never_deadlock_nor_fail(void **state)
{
    (void)state;
    booking_store *s = pg_test_open_with(url, "pool_size=8&partitions=4&lock_timeout_ms=5000");
    char resources[MIX_PARTITIONS][ID_SIZE];
    for (uint32_t p = 0; p < MIX_PARTITIONS; p++) {
        resource_in(resources[p], "mix-r", p, MIX_PARTITIONS);
        pg_test_set_capacity(s, resources[p], MIX_CAPACITY);
    }
    mix_thread t[MIX_THREADS];
    for (int i = 0; i < MIX_THREADS; i++) {
        t[i] = (mix_thread){.store = s, .index = i, .resources = resources};
        assert_int_equal(pthread_create(&t[i].thread, NULL, mix_main, &t[i]), 0);
    }
    size_t decided = 0, failed = 0;
    uint64_t units = 0;
    for (int i = 0; i < MIX_THREADS; i++) {
        pthread_join(t[i].thread, NULL);
        decided += t[i].decided;
        failed += t[i].failed;
        units += t[i].units;
    }
    fprintf(stderr, "# %zu decided, %zu failed\n", decided, failed);
    assert_int_equal(failed, 0);
    assert_int_equal(decided, (size_t)MIX_THREADS * MIX_ROUNDS * 4);
    PGconn *pg = pg_test_connect(url);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings WHERE id LIKE 'mix-%'"),
                     (long long)decided);
    assert_int_equal(pg_test_value(pg, "SELECT sum(booked) FROM resources WHERE id LIKE 'mix-r%'"),
                     (long long)units);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

int main(int argc, char **argv)
{
    url = pg_test_url_arg(argc, argv);
    if (url == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_round_waiting_on_a_lock_holds_up_only_its_own_partition),
        cmocka_unit_test(
            one_booking_id_on_two_partitions_at_once_is_decided_once_in_arrival_order),
        cmocka_unit_test(bundles_and_batches_across_partitions_never_deadlock_nor_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
