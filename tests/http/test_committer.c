/* SPDX-License-Identifier: MIT */
/*
 * test_committer.c: the group-commit thread on its own (memory store, no HTTP):
 * arrival order, one transaction per batch with requests never split, the bounded
 * queue, and a stop that answers everything queued (SPEC section 4, "Batching").
 */
#include "server/committer.h"
#include "server/metrics.h"
#include "support/test_support.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define ITEMS 64
#define BIG_ITEM 5000

typedef struct test_item {
    commit_item item;
    booking_request requests[BIG_ITEM];
    booking_result results[BIG_ITEM];
    char ids[BIG_ITEM][64];
    int done_calls;
} test_item;

/* A gate the first done() can wait on, to hold the committer while items queue. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static bool gate_reached;
static int done_total;

static void gate_reset(bool open)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = open;
    gate_reached = false;
    done_total = 0;
    pthread_mutex_unlock(&gate_lock);
}

static void on_done(commit_item *item)
{
    test_item *t = item->arg;
    pthread_mutex_lock(&gate_lock);
    t->done_calls++;
    done_total++;
    gate_reached = true;
    pthread_cond_broadcast(&gate_cond);
    while (!gate_open)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
}

static void wait_gate_reached(void)
{
    pthread_mutex_lock(&gate_lock);
    while (!gate_reached)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
}

static void open_gate(void)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = true;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

static int done_count(void)
{
    pthread_mutex_lock(&gate_lock);
    int n = done_total;
    pthread_mutex_unlock(&gate_lock);
    return n;
}

static void item_init(test_item *t, const char *prefix, const char *resource, size_t count)
{
    memset(&t->item, 0, sizeof t->item);
    t->done_calls = 0;
    for (size_t i = 0; i < count; i++) {
        snprintf(t->ids[i], sizeof t->ids[i], "%s-%zu", prefix, i);
        t->requests[i] = (booking_request){.booking_id = t->ids[i], .resource_id = resource,
                                           .units = 1};
    }
    t->item.requests = t->requests;
    t->item.results = t->results;
    t->item.count = count;
    t->item.done = on_done;
    t->item.arg = t;
}

static booking_store *open_memory(const char *resource, uint64_t capacity)
{
    booking_store *s = NULL;
    assert_int_equal(booking_store_open("memory:", &s, NULL, 0), BOOKING_OK);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, resource, capacity, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return s;
}

static void wait_done(int n)
{
    for (int spins = 0; done_count() < n && spins < 10000; spins++) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(done_count(), n);
}

static void queued_items_are_decided_in_arrival_order(void **state)
{
    (void)state;
    static test_item items[ITEMS];
    booking_store *store = open_memory("r", ITEMS / 2);
    server_metrics m;
    metrics_init(&m);
    committer *c;
    assert_int_equal(committer_start(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX, &c), 0);
    /* Hold the committer on the first item's answer, so the rest queue up together. */
    gate_reset(false);
    char prefix[24];
    for (int i = 0; i < ITEMS; i++) {
        snprintf(prefix, sizeof prefix, "order-%d", i);
        item_init(&items[i], prefix, "r", 1);
        assert_int_equal(committer_push(c, &items[i].item, NULL, NULL), COMMITTER_QUEUED);
        if (i == 0)
            wait_gate_reached();
    }
    open_gate();
    wait_done(ITEMS);
    for (int i = 0; i < ITEMS; i++) {
        assert_int_equal(items[i].done_calls, 1);
        assert_int_equal(items[i].results[0].outcome,
                         i < ITEMS / 2 ? BOOKING_BOOKED : BOOKING_REJECTED);
    }
    /* The 63 held back went in one transaction: two commits in all. */
    assert_int_equal(atomic_load(&m.batch_count), 2);
    assert_int_equal(atomic_load(&m.batch_sum), ITEMS);
    committer_stop(c);
    committer_free(c);
    booking_store_close(store);
}

static void a_request_is_never_split_across_transactions(void **state)
{
    (void)state;
    static test_item a, b, first;
    booking_store *store = open_memory("r", 1000000);
    server_metrics m;
    metrics_init(&m);
    committer *c;
    assert_int_equal(committer_start(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX, &c), 0);
    gate_reset(false);
    item_init(&first, "split-0", "r", 1);
    assert_int_equal(committer_push(c, &first.item, NULL, NULL), COMMITTER_QUEUED);
    wait_gate_reached();
    /* 5000 + 5000 > 8192: two transactions of exactly 5000, never 8192 + 1808. */
    item_init(&a, "split-a", "r", BIG_ITEM);
    item_init(&b, "split-b", "r", BIG_ITEM);
    assert_int_equal(committer_push(c, &a.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &b.item, NULL, NULL), COMMITTER_QUEUED);
    open_gate();
    wait_done(3);
    assert_int_equal(atomic_load(&m.batch_count), 3);
    assert_int_equal(atomic_load(&m.batch_sum), 1 + 2 * BIG_ITEM);
    /* Bucket le=1 holds the lone first one; both others sit in le=8192. */
    assert_int_equal(atomic_load(&m.batch_buckets[0]), 1);
    assert_int_equal(atomic_load(&m.batch_buckets[13]), 2);
    for (size_t i = 0; i < BIG_ITEM; i++) {
        assert_int_equal(a.results[i].outcome, BOOKING_BOOKED);
        assert_int_equal(b.results[i].outcome, BOOKING_BOOKED);
    }
    committer_stop(c);
    committer_free(c);
    booking_store_close(store);
}

static void a_full_queue_refuses_at_once_and_stop_answers_everything_queued(void **state)
{
    (void)state;
    static test_item first, fill[2], over;
    booking_store *store = open_memory("r", 1000000);
    server_metrics m;
    metrics_init(&m);
    committer *c;
    /* Room for exactly 8192 queued attempts. */
    assert_int_equal(committer_start(store, &m, BOOKING_BATCH_MAX, &c), 0);
    gate_reset(false);
    item_init(&first, "full-0", "r", 1);
    assert_int_equal(committer_push(c, &first.item, NULL, NULL), COMMITTER_QUEUED);
    wait_gate_reached();
    item_init(&fill[0], "full-a", "r", BIG_ITEM);
    item_init(&fill[1], "full-b", "r", BOOKING_BATCH_MAX - BIG_ITEM);
    assert_int_equal(committer_push(c, &fill[0].item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &fill[1].item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(atomic_load(&m.queue_attempts), BOOKING_BATCH_MAX);
    item_init(&over, "full-over", "r", 1);
    assert_int_equal(committer_push(c, &over.item, NULL, NULL), COMMITTER_FULL);
    assert_int_equal(atomic_load(&m.queue_full), 1);
    assert_int_equal(over.done_calls, 0);

    open_gate();
    committer_stop(c); /* returns only when everything queued was answered */
    assert_int_equal(first.done_calls, 1);
    assert_int_equal(fill[0].done_calls, 1);
    assert_int_equal(fill[1].done_calls, 1);
    assert_int_equal(fill[1].results[0].outcome, BOOKING_BOOKED);
    assert_int_equal(committer_push(c, &over.item, NULL, NULL), COMMITTER_CLOSED);
    assert_int_equal(over.done_calls, 0);
    committer_free(c);
    /* The refused one decided nothing. */
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, "full-over-0", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    booking_store_close(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queued_items_are_decided_in_arrival_order),
        cmocka_unit_test(a_request_is_never_split_across_transactions),
        cmocka_unit_test(a_full_queue_refuses_at_once_and_stop_answers_everything_queued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
