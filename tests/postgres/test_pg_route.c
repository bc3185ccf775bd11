/* SPDX-License-Identifier: MIT */
/*
 * test_pg_route.c: the partitioned group commit (store/postgres_route.h) on its
 * own, with a round function that records instead of a database: a booking_id
 * is never in two rounds at once, a partition's rounds never overlap, calls are
 * never split, and every id leaves the in-flight table (many ids, repeated
 * across calls on every partition, so entries are added, shared and deleted in
 * every order the probing allows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/postgres_route.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PARTITIONS 4
#define CALLERS 8
#define CALLS 300
#define CALL_MAX 12
#define IDS 64 /* few, so that calls share them all the time */
#define RESOURCES 40
#define ID_SIZE 32
#define ROUND_US 200

typedef struct recorder {
    pthread_mutex_t lock;
    int id_rounds[IDS];  /* rounds now holding the id */
    size_t rounds;
    size_t attempts;
    int twice;           /* an id seen in two rounds at once */
} recorder;

static char ids[IDS][ID_SIZE];
static char resources[RESOURCES][ID_SIZE];

static int id_index(const char *id)
{
    int n;
    assert_int_equal(sscanf(id, "id%d", &n), 1);
    return n;
}

static void round_fn(void *ctx, const booking_request *q, size_t count, booking_result *r)
{
    recorder *rec = ctx;
    pthread_mutex_lock(&rec->lock);
    for (size_t i = 0; i < count; i++) {
        int n = id_index(q[i].booking_id);
        bool first_in_round = true;
        for (size_t k = 0; k < i; k++)
            first_in_round &= strcmp(q[k].booking_id, q[i].booking_id) != 0;
        if (first_in_round && rec->id_rounds[n]++ > 0)
            rec->twice++;
    }
    rec->rounds++;
    rec->attempts += count;
    pthread_mutex_unlock(&rec->lock);
    usleep(ROUND_US);
    pthread_mutex_lock(&rec->lock);
    for (size_t i = 0; i < count; i++) {
        bool first_in_round = true;
        for (size_t k = 0; k < i; k++)
            first_in_round &= strcmp(q[k].booking_id, q[i].booking_id) != 0;
        if (first_in_round)
            rec->id_rounds[id_index(q[i].booking_id)]--;
        /* the result names the call's tag (units) and place: the caller checks it */
        r[i] = (booking_result){.outcome = BOOKING_BOOKED, .line = (uint32_t)q[i].units};
    }
    pthread_mutex_unlock(&rec->lock);
}

typedef struct caller {
    pg_route *route;
    recorder *rec;
    unsigned seed;
    size_t wrong;
    pthread_t thread;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    booking_request q[CALL_MAX];
    booking_result r[CALL_MAX];
    for (int call = 0; call < CALLS; call++) {
        size_t n = 1 + (size_t)rand_r(&c->seed) % CALL_MAX;
        for (size_t i = 0; i < n; i++) {
            q[i] = (booking_request){.booking_id = ids[rand_r(&c->seed) % IDS],
                                     .resource_id = resources[rand_r(&c->seed) % RESOURCES],
                                     .units = 1 + i};
        }
        bk_pg_route_batch(c->route, q, n, r);
        for (size_t i = 0; i < n; i++)
            c->wrong += r[i].outcome != BOOKING_BOOKED || r[i].line != q[i].units;
    }
    return NULL;
}

/* Callers on every partition, with ids they all share: no id is ever in two
 * rounds at once, every call gets its own results back in its own order, and
 * the router stops with the in-flight table empty (bk_pg_route_stop asserts it;
 * a deletion that lost an entry would fail an assertion in its release). */
static void a_booking_id_is_never_in_two_rounds_at_once_and_calls_come_back_whole(void **state)
{
    (void)state;
    for (int i = 0; i < IDS; i++)
        snprintf(ids[i], ID_SIZE, "id%d", i);
    for (int i = 0; i < RESOURCES; i++)
        snprintf(resources[i], ID_SIZE, "r%d", i);
    recorder rec = {0};
    pthread_mutex_init(&rec.lock, NULL);
    pg_route route;
    assert_true(bk_pg_route_start(&route, PARTITIONS, round_fn, &rec));
    caller c[CALLERS];
    for (int i = 0; i < CALLERS; i++) {
        c[i] = (caller){.route = &route, .rec = &rec, .seed = (unsigned)i + 1};
        assert_int_equal(pthread_create(&c[i].thread, NULL, caller_main, &c[i]), 0);
    }
    size_t wrong = 0;
    for (int i = 0; i < CALLERS; i++) {
        pthread_join(c[i].thread, NULL);
        wrong += c[i].wrong;
    }
    uint64_t rounds = 0;
    for (size_t p = 0; p < PARTITIONS; p++)
        rounds += bk_pg_route_rounds(&route, p);
    bk_pg_route_stop(&route);
    fprintf(stderr, "# %zu rounds for %d calls, %zu attempts\n", rec.rounds, CALLERS * CALLS,
            rec.attempts);
    assert_int_equal(rec.twice, 0);
    assert_int_equal(wrong, 0);
    assert_int_equal(rounds, rec.rounds);
    assert_true(rec.rounds <= (size_t)CALLERS * CALLS);
    pthread_mutex_destroy(&rec.lock);
}

/* A resource's partition is a pure function of its id (the same in every
 * process), spread evenly; a pool of one has no workers, and each worker
 * leaves a connection for everything else. */
static void a_resource_has_one_partition_in_every_process(void **state)
{
    (void)state;
    assert_int_equal(bk_pg_partition_of("r0", 4), bk_pg_partition_of("r0", 4));
    size_t seen[4] = {0};
    char id[ID_SIZE];
    for (int i = 0; i < 4000; i++) {
        snprintf(id, sizeof id, "res-%d", i);
        seen[bk_pg_partition_of(id, 4)]++;
    }
    for (int p = 0; p < 4; p++)
        assert_true(seen[p] > 800 && seen[p] < 1200); /* spread, 1000 each +- 20% */
    assert_int_equal(bk_pg_route_partitions(4, 1), 0);
    assert_int_equal(bk_pg_route_partitions(4, 3), 1);
    assert_int_equal(bk_pg_route_partitions(4, 64), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_booking_id_is_never_in_two_rounds_at_once_and_calls_come_back_whole),
        cmocka_unit_test(a_resource_has_one_partition_in_every_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
