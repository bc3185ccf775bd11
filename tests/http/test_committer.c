/* SPDX-License-Identifier: MIT */
/*
 * test_committer.c: the group-commit thread on its own (memory store, no HTTP):
 * arrival order, one transaction per batch with requests never split, the bounded
 * queue, and a stop that answers everything queued (SPEC section 4, "Batching");
 * confirms and cancels beside attempts: both decided per round, each kind in order;
 * bundles: a round never holds more than BOOKING_BATCH_LINES_MAX lines (SPEC section 3);
 * committer_submit: a lone item commits on the submitting thread when the committer
 * is idle, what comes meanwhile queues behind it, and a stress of both kinds of round.
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

/* Confirms and cancels: a handful per item is plenty. */
#define CHANGES_PER_ITEM 4

typedef struct change_item {
    commit_item item;
    booking_change changes[CHANGES_PER_ITEM];
    booking_reason reasons[CHANGES_PER_ITEM];
    booking_record records[CHANGES_PER_ITEM];
    int done_calls;
} change_item;

/* Counts a done() and waits at the gate while it is shut. */
static void gate_pass(int *done_calls)
{
    pthread_mutex_lock(&gate_lock);
    (*done_calls)++;
    done_total++;
    gate_reached = true;
    pthread_cond_broadcast(&gate_cond);
    while (!gate_open)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
}

static void on_done(commit_item *item)
{
    gate_pass(&((test_item *)item->arg)->done_calls);
}

static void on_change_done(commit_item *item)
{
    gate_pass(&((change_item *)item->arg)->done_calls);
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

/* Every test's committer: started on store with metrics m (both kept by the test),
 * ended by stop_and_close, or by close_stopped once the test stopped it itself
 * (committer_stop joins the thread, so it runs once). */
static committer *start_committer(booking_store *store, server_metrics *m,
                                  size_t queue_attempts_max)
{
    assert_non_null(store);
    metrics_init(m);
    committer *c = NULL;
    assert_int_equal(committer_start(store, m, queue_attempts_max, &c), 0);
    assert_non_null(c);
    return c;
}

static void close_stopped(committer *c, booking_store *store)
{
    committer_free(c);
    booking_store_close(store);
}

static void stop_and_close(committer *c, booking_store *store)
{
    committer_stop(c);
    close_stopped(c, store);
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
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
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
    stop_and_close(c, store);
}

static void a_request_is_never_split_across_transactions(void **state)
{
    (void)state;
    static test_item a, b, first;
    booking_store *store = open_memory("r", 1000000);
    server_metrics m;
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
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
    stop_and_close(c, store);
}

static void a_full_queue_refuses_at_once_and_stop_answers_everything_queued(void **state)
{
    (void)state;
    static test_item first, fill[2], over;
    booking_store *store = open_memory("r", 1000000);
    server_metrics m;
    /* Room for exactly 8192 queued attempts. */
    committer *c = start_committer(store, &m, BOOKING_BATCH_MAX);
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
    /* The refused one decided nothing. */
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, "full-over-0", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    close_stopped(c, store);
}

/* A change item carrying changes[0..count), answered by on_change_done. */
static void change_item_init(change_item *t, const booking_change *changes, size_t count)
{
    assert_true(count >= 1 && count <= CHANGES_PER_ITEM);
    memset(t, 0, sizeof *t);
    memcpy(t->changes, changes, count * sizeof *changes);
    t->item = (commit_item){.kind = COMMIT_CHANGES, .changes = t->changes,
                            .reasons = t->reasons, .records = t->records, .count = count,
                            .done = on_change_done, .arg = t};
}

/* Books id on resource as a hold of 10 minutes, straight through the library. */
static void hold(booking_store *store, const char *id, const char *resource)
{
    booking_request req = {.booking_id = id, .resource_id = resource, .units = 1,
                           .hold_ms = 600000};
    booking_result res;
    assert_int_equal(booking_attempt(store, &req, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
}

static booking_status status_of(booking_store *store, const char *id)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return rec.status;
}

/* Starts a committer on store and holds it on a first attempt's answer, so that
 * what is pushed next forms one round. */
static committer *start_held(booking_store *store, server_metrics *m, test_item *first)
{
    committer *c = start_committer(store, m, COMMITTER_QUEUE_ATTEMPTS_MAX);
    gate_reset(false);
    item_init(first, "first", "r", 1);
    assert_int_equal(committer_push(c, &first->item, NULL, NULL), COMMITTER_QUEUED);
    wait_gate_reached();
    return c;
}

static void a_round_with_attempts_and_changes_decides_both_and_answers_every_item(void **state)
{
    (void)state;
    static test_item first, attempts[2];
    static change_item confirm, cancel;
    booking_store *store = open_memory("r", 100);
    hold(store, "h-1", "r");
    hold(store, "h-2", "r");
    server_metrics m;
    committer *c = start_held(store, &m, &first);
    item_init(&attempts[0], "mixed-a", "r", 3);
    change_item_init(&confirm, &(booking_change){.booking_id = "h-1",
                                                 .kind = BOOKING_CHANGE_CONFIRM}, 1);
    item_init(&attempts[1], "mixed-b", "r", 2);
    change_item_init(&cancel, &(booking_change){.booking_id = "h-2",
                                                .kind = BOOKING_CHANGE_CANCEL}, 1);
    assert_int_equal(committer_push(c, &attempts[0].item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &confirm.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &attempts[1].item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &cancel.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(atomic_load(&m.queue_attempts), 3 + 1 + 2 + 1);
    open_gate();
    wait_done(5);
    assert_int_equal(attempts[0].done_calls + attempts[1].done_calls, 2);
    assert_int_equal(confirm.done_calls + cancel.done_calls, 2);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(attempts[0].results[i].outcome, BOOKING_BOOKED);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(attempts[1].results[i].outcome, BOOKING_BOOKED);
    assert_int_equal(confirm.reasons[0], BOOKING_REASON_CONFIRMED);
    assert_string_equal(confirm.records[0].booking_id, "h-1");
    assert_int_equal(confirm.records[0].status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(cancel.reasons[0], BOOKING_REASON_CANCELLED);
    assert_int_equal(cancel.records[0].status, BOOKING_STATUS_CANCELLED);
    /* The held-back round is two transactions, one per kind: 5 attempts, 2 changes. */
    assert_int_equal(atomic_load(&m.batch_count), 1 + 2);
    assert_int_equal(atomic_load(&m.batch_sum), 1 + 5 + 2);
    assert_int_equal(atomic_load(&m.batch_failed), 0);
    stop_and_close(c, store);
}

static void changes_of_a_round_are_decided_in_arrival_order(void **state)
{
    (void)state;
    static test_item first;
    static change_item a, b;
    booking_store *store = open_memory("r", 100);
    hold(store, "x", "r");
    hold(store, "y", "r");
    server_metrics m;
    committer *c = start_held(store, &m, &first);
    /* Either order of each pair gives other answers, so the answers show the order. */
    booking_change first_two[] = {{.booking_id = "x", .kind = BOOKING_CHANGE_CONFIRM},
                                  {.booking_id = "y", .kind = BOOKING_CHANGE_CANCEL}};
    booking_change last_two[] = {{.booking_id = "x", .kind = BOOKING_CHANGE_CANCEL},
                                 {.booking_id = "y", .kind = BOOKING_CHANGE_CONFIRM}};
    change_item_init(&a, first_two, 2);
    change_item_init(&b, last_two, 2);
    assert_int_equal(committer_push(c, &a.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &b.item, NULL, NULL), COMMITTER_QUEUED);
    open_gate();
    wait_done(3);
    assert_int_equal(a.reasons[0], BOOKING_REASON_CONFIRMED);
    assert_int_equal(a.reasons[1], BOOKING_REASON_CANCELLED);
    assert_int_equal(b.reasons[0], BOOKING_REASON_CANCELLED); /* x: confirmed, then cancelled */
    assert_int_equal(b.reasons[1], BOOKING_REASON_ALREADY_CANCELLED);
    assert_int_equal(atomic_load(&m.batch_count), 1 + 1); /* all four in one transaction */
    stop_and_close(c, store);
}

static void a_failed_change_batch_fails_every_change_item_of_the_round_and_no_attempt_item(
    void **state)
{
    (void)state;
    static test_item first, attempt;
    static change_item good, bad;
    booking_store *store = open_memory("r", 100);
    hold(store, "h", "r");
    server_metrics m;
    committer *c = start_held(store, &m, &first);
    /* An unknown kind makes booking_change_batch refuse the whole batch (EINVAL,
     * nothing done): the committer's path for a batch that fails as a whole. */
    change_item_init(&good, &(booking_change){.booking_id = "h",
                                              .kind = BOOKING_CHANGE_CONFIRM}, 1);
    change_item_init(&bad, &(booking_change){.booking_id = "h", .kind = (booking_change_kind)99},
                     1);
    item_init(&attempt, "beside", "r", 2);
    assert_int_equal(committer_push(c, &good.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &bad.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &attempt.item, NULL, NULL), COMMITTER_QUEUED);
    open_gate();
    wait_done(4);
    assert_int_equal(good.done_calls + bad.done_calls + attempt.done_calls, 3);
    assert_int_equal(good.reasons[0], BOOKING_REASON_INTERNAL);
    assert_int_equal(bad.reasons[0], BOOKING_REASON_INTERNAL);
    assert_int_equal(good.records[0].booking_id[0], '\0'); /* no record shown */
    assert_int_equal(attempt.results[0].outcome, BOOKING_BOOKED);
    assert_int_equal(attempt.results[1].outcome, BOOKING_BOOKED);
    assert_int_equal(status_of(store, "h"), BOOKING_STATUS_HELD); /* nothing was done */
    assert_int_equal(atomic_load(&m.batch_failed), 1);
    stop_and_close(c, store);
}

/* The lines every bundle below names: BOOKING_LINES_MAX resources, 1 unit each. */
static char line_ids[BOOKING_LINES_MAX][16];
static booking_line full_bundle[BOOKING_LINES_MAX];

static booking_store *open_memory_lines(uint64_t capacity)
{
    booking_store *s = open_memory("r", capacity);
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++) {
        snprintf(line_ids[i], sizeof line_ids[i], "night-%02zu", i);
        full_bundle[i] = (booking_line){.resource_id = line_ids[i], .units = 1};
        booking_reason reason;
        assert_int_equal(booking_set_capacity(s, line_ids[i], capacity, &reason, NULL),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
    }
    return s;
}

/* Makes every attempt of t a bundle of all BOOKING_LINES_MAX lines. */
static void item_bundles(test_item *t)
{
    for (size_t i = 0; i < t->item.count; i++) {
        t->requests[i].resource_id = NULL;
        t->requests[i].units = 0;
        t->requests[i].lines = full_bundle;
        t->requests[i].line_count = BOOKING_LINES_MAX;
    }
}

#define BUNDLES_PER_ITEM 600 /* of 64 lines: 38,400 lines; two of them are over 65,536 */

static void a_round_never_holds_more_lines_than_a_batch_may_and_a_single_attempt_counts_one(
    void **state)
{
    (void)state;
    static test_item first, a, b, singles;
    booking_store *store = open_memory_lines(1000000);
    server_metrics m;
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
    gate_reset(false);
    item_init(&first, "lines-0", "r", 1);
    assert_int_equal(committer_push(c, &first.item, NULL, NULL), COMMITTER_QUEUED);
    wait_gate_reached();
    /* 600 + 600 attempts fit one batch, 2 x 38,400 lines do not: a round ends at
     * a, and b goes with the 5000 singles (38,400 + 5000 lines, 5600 attempts). */
    item_init(&a, "lines-a", "r", BUNDLES_PER_ITEM);
    item_bundles(&a);
    item_init(&b, "lines-b", "r", BUNDLES_PER_ITEM);
    item_bundles(&b);
    item_init(&singles, "lines-s", "r", BIG_ITEM);
    assert_int_equal(committer_push(c, &a.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &b.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_push(c, &singles.item, NULL, NULL), COMMITTER_QUEUED);
    open_gate();
    wait_done(4);
    assert_int_equal(atomic_load(&m.batch_count), 3);
    assert_int_equal(atomic_load(&m.batch_sum), 1 + 2 * BUNDLES_PER_ITEM + BIG_ITEM);
    assert_int_equal(atomic_load(&m.batch_failed), 0);
    for (size_t i = 0; i < BUNDLES_PER_ITEM; i++) {
        assert_int_equal(a.results[i].outcome, BOOKING_BOOKED);
        assert_int_equal(b.results[i].outcome, BOOKING_BOOKED);
    }
    for (size_t i = 0; i < BIG_ITEM; i++)
        assert_int_equal(singles.results[i].outcome, BOOKING_BOOKED);
    /* Every line of every bundle was reserved, once. */
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(store, line_ids[BOOKING_LINES_MAX - 1], &reason, &res),
                     BOOKING_OK);
    assert_int_equal(res.booked, 2 * BUNDLES_PER_ITEM);
    stop_and_close(c, store);
}

static void an_item_over_the_lines_limit_of_a_batch_is_never_queued(void **state)
{
    (void)state;
    static test_item over;
    booking_store *store = open_memory_lines(10);
    server_metrics m;
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
    gate_reset(true);
    /* 1025 bundles of 64 lines: 65,600 lines, more than one batch may hold (the
     * decoder refuses such a body with 400; the committer never takes one). */
    size_t count = BOOKING_BATCH_LINES_MAX / BOOKING_LINES_MAX + 1;
    item_init(&over, "over", "r", count);
    item_bundles(&over);
    assert_int_equal(committer_push(c, &over.item, NULL, NULL), COMMITTER_FULL);
    over.item.count = count - 1; /* exactly 65,536 lines: taken */
    assert_int_equal(committer_push(c, &over.item, NULL, NULL), COMMITTER_QUEUED);
    committer_stop(c);
    assert_int_equal(over.done_calls, 1);
    assert_int_equal(over.results[0].outcome, BOOKING_BOOKED);
    assert_int_equal(over.results[count - 2].outcome, BOOKING_REJECTED);
    assert_int_equal(over.results[count - 2].reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    close_stopped(c, store);
}

/* ---- committer_submit: rounds on the submitting thread (committer.c, (6)) ---- */

typedef struct submitter {
    committer *c;
    test_item *t;
    committer_push_result r;
    pthread_t self;
} submitter;

/* A thread that submits one item (its done() may hold it at the gate). */
static void *submit_thread(void *arg)
{
    submitter *s = arg;
    s->self = pthread_self();
    s->r = committer_submit(s->c, &s->t->item, NULL, NULL);
    return NULL;
}

/* Starts a thread whose submit commits inline and waits at the shut gate in its
 * done(): the round stays busy until open_gate(). */
static void inline_round_held(submitter *s, committer *c, test_item *t, pthread_t *thread)
{
    *s = (submitter){.c = c, .t = t};
    assert_int_equal(pthread_create(thread, NULL, submit_thread, s), 0);
    wait_gate_reached();
}

static void a_lone_item_commits_on_the_submitting_thread_when_the_committer_is_idle(void **state)
{
    (void)state;
    static test_item lone, second;
    booking_store *store = open_memory("r", 10);
    server_metrics m;
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
    gate_reset(true);
    item_init(&lone, "lone", "r", 1);
    assert_int_equal(committer_submit(c, &lone.item, NULL, NULL), COMMITTER_COMMITTED);
    /* done() ran before the return, once, with the results final. */
    assert_int_equal(lone.done_calls, 1);
    assert_int_equal(lone.results[0].outcome, BOOKING_BOOKED);
    assert_int_equal(atomic_load(&m.batch_count), 1);
    assert_int_equal(atomic_load(&m.batch_sum), 1);
    assert_int_equal(atomic_load(&m.queue_attempts), 0);
    /* Idle again once it returned: the next one commits inline too. */
    item_init(&second, "lone-2", "r", 1);
    assert_int_equal(committer_submit(c, &second.item, NULL, NULL), COMMITTER_COMMITTED);
    assert_int_equal(second.done_calls, 1);
    assert_int_equal(atomic_load(&m.batch_count), 2);
    committer_stop(c);
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, "lone-0", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    close_stopped(c, store);
}

/* An item that notes the thread its done() ran on. */
typedef struct noted_item {
    test_item t;
    pthread_t done_on;
} noted_item;

static void on_done_noted(commit_item *item)
{
    noted_item *n = item->arg;
    n->done_on = pthread_self();
    gate_pass(&n->t.done_calls);
}

static void items_submitted_during_an_inline_round_are_taken_by_the_committer_in_arrival_order(
    void **state)
{
    (void)state;
    static noted_item items[ITEMS];
    booking_store *store = open_memory("r", ITEMS / 2);
    server_metrics m;
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
    gate_reset(false);
    char prefix[24];
    for (int i = 0; i < ITEMS; i++) {
        snprintf(prefix, sizeof prefix, "inline-order-%d", i);
        item_init(&items[i].t, prefix, "r", 1);
        items[i].t.item.done = on_done_noted;
        items[i].t.item.arg = &items[i];
    }
    submitter first;
    pthread_t first_thread;
    inline_round_held(&first, c, &items[0].t, &first_thread);
    for (int i = 1; i < ITEMS; i++) /* a round is busy: they queue */
        assert_int_equal(committer_submit(c, &items[i].t.item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(atomic_load(&m.queue_attempts), ITEMS - 1);
    /* The committer thread does not start a round while the inline one is busy. */
    struct timespec settle = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
    nanosleep(&settle, NULL);
    assert_int_equal(done_count(), 1);
    assert_int_equal(atomic_load(&m.batch_count), 1); /* the inline one, in its done() */
    open_gate();
    assert_int_equal(pthread_join(first_thread, NULL), 0);
    assert_int_equal(first.r, COMMITTER_COMMITTED);
    wait_done(ITEMS);
    assert_true(pthread_equal(items[0].done_on, first.self));
    for (int i = 0; i < ITEMS; i++) {
        assert_int_equal(items[i].t.done_calls, 1);
        /* Arrival order across both rounds: the first ITEMS / 2 got the units. */
        assert_int_equal(items[i].t.results[0].outcome,
                         i < ITEMS / 2 ? BOOKING_BOOKED : BOOKING_REJECTED);
        if (i > 0) {
            assert_false(pthread_equal(items[i].done_on, first.self));
            assert_false(pthread_equal(items[i].done_on, pthread_self()));
        }
    }
    /* The inline round, then the 63 queued behind it in one transaction. */
    assert_int_equal(atomic_load(&m.batch_count), 2);
    assert_int_equal(atomic_load(&m.batch_sum), ITEMS);
    stop_and_close(c, store);
}

typedef struct stopper {
    committer *c;
    atomic_bool returned;
} stopper;

static void *stop_thread(void *arg)
{
    stopper *s = arg;
    committer_stop(s->c);
    atomic_store(&s->returned, true);
    return NULL;
}

static void a_close_during_an_inline_round_drains_it_and_what_queued_behind_it(void **state)
{
    (void)state;
    static test_item first, behind, late;
    booking_store *store = open_memory("r", 10);
    server_metrics m;
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
    gate_reset(false);
    item_init(&first, "drain-first", "r", 1);
    item_init(&behind, "drain-behind", "r", 1);
    item_init(&late, "drain-late", "r", 1);
    submitter s;
    pthread_t submitting;
    inline_round_held(&s, c, &first, &submitting);
    assert_int_equal(committer_submit(c, &behind.item, NULL, NULL), COMMITTER_QUEUED);
    committer_close(c);
    /* Closed: nothing more is taken, inline or queued. */
    assert_int_equal(committer_submit(c, &late.item, NULL, NULL), COMMITTER_CLOSED);
    assert_int_equal(committer_push(c, &late.item, NULL, NULL), COMMITTER_CLOSED);
    stopper stop = {.c = c};
    atomic_init(&stop.returned, false);
    pthread_t stopping;
    assert_int_equal(pthread_create(&stopping, NULL, stop_thread, &stop), 0);
    /* The stop waits for the inline round to end. */
    struct timespec settle = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
    nanosleep(&settle, NULL);
    assert_false(atomic_load(&stop.returned));
    open_gate();
    assert_int_equal(pthread_join(stopping, NULL), 0);
    assert_int_equal(pthread_join(submitting, NULL), 0);
    assert_int_equal(s.r, COMMITTER_COMMITTED);
    assert_int_equal(first.done_calls, 1);
    assert_int_equal(behind.done_calls, 1);
    assert_int_equal(behind.results[0].outcome, BOOKING_BOOKED);
    assert_int_equal(late.done_calls, 0);
    close_stopped(c, store);
}

static void an_inline_round_leaves_the_queue_limit_as_it_is(void **state)
{
    (void)state;
    static test_item first, fill[2], over;
    booking_store *store = open_memory("r", 1000000);
    server_metrics m;
    /* Room for exactly 8192 queued attempts; the inline round's one is not queued. */
    committer *c = start_committer(store, &m, BOOKING_BATCH_MAX);
    gate_reset(false);
    item_init(&first, "limit-0", "r", 1);
    submitter s;
    pthread_t submitting;
    inline_round_held(&s, c, &first, &submitting);
    assert_int_equal(atomic_load(&m.queue_attempts), 0);
    item_init(&fill[0], "limit-a", "r", BIG_ITEM);
    item_init(&fill[1], "limit-b", "r", BOOKING_BATCH_MAX - BIG_ITEM);
    assert_int_equal(committer_submit(c, &fill[0].item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(committer_submit(c, &fill[1].item, NULL, NULL), COMMITTER_QUEUED);
    assert_int_equal(atomic_load(&m.queue_attempts), BOOKING_BATCH_MAX);
    item_init(&over, "limit-over", "r", 1);
    assert_int_equal(committer_submit(c, &over.item, NULL, NULL), COMMITTER_FULL);
    assert_int_equal(atomic_load(&m.queue_full), 1);
    /* Past the lines limit: never taken, inline or not. */
    static test_item bundles;
    item_init(&bundles, "limit-lines", "r", BOOKING_BATCH_LINES_MAX / BOOKING_LINES_MAX + 1);
    item_bundles(&bundles);
    assert_int_equal(committer_submit(c, &bundles.item, NULL, NULL), COMMITTER_FULL);
    open_gate();
    assert_int_equal(pthread_join(submitting, NULL), 0);
    committer_stop(c);
    assert_int_equal(first.done_calls, 1);
    assert_int_equal(fill[0].done_calls, 1);
    assert_int_equal(fill[1].done_calls, 1);
    assert_int_equal(over.done_calls, 0);
    assert_int_equal(bundles.done_calls, 0);
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, "limit-over-0", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    close_stopped(c, store);
}

/* The stress: clients, each one request in flight at a time as a connection has,
 * alternating committer_submit and committer_push, so rounds run on the clients'
 * threads and on the committer's, mixed. Small items, no gate. */
#define STRESS_CLIENTS 4
#define STRESS_ROUNDS 400
#define STRESS_CAPACITY (STRESS_CLIENTS * STRESS_ROUNDS / 2)

typedef struct stress_client {
    committer *c;
    int index;
    commit_item item;
    booking_request request;
    booking_result result;
    char id[64];
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done_calls; /* under lock */
    int booked, rejected, inline_rounds, refused;
} stress_client;

static void on_stress_done(commit_item *item)
{
    stress_client *sc = item->arg;
    pthread_mutex_lock(&sc->lock);
    sc->done_calls++;
    pthread_cond_signal(&sc->cond);
    pthread_mutex_unlock(&sc->lock);
}

static void *stress_thread(void *arg)
{
    stress_client *sc = arg;
    for (int i = 0; i < STRESS_ROUNDS; i++) {
        snprintf(sc->id, sizeof sc->id, "stress-%d-%d", sc->index, i);
        sc->request = (booking_request){.booking_id = sc->id, .resource_id = "r", .units = 1};
        sc->item = (commit_item){.requests = &sc->request, .results = &sc->result, .count = 1,
                                 .done = on_stress_done, .arg = sc};
        committer_push_result r = (i + sc->index) % 2 == 0
                                      ? committer_submit(sc->c, &sc->item, NULL, NULL)
                                      : committer_push(sc->c, &sc->item, NULL, NULL);
        if (r == COMMITTER_FULL || r == COMMITTER_CLOSED) {
            sc->refused++;
            continue;
        }
        sc->inline_rounds += r == COMMITTER_COMMITTED;
        pthread_mutex_lock(&sc->lock);
        while (sc->done_calls < i + 1 - sc->refused)
            pthread_cond_wait(&sc->cond, &sc->lock);
        pthread_mutex_unlock(&sc->lock);
        if (sc->result.outcome == BOOKING_BOOKED)
            sc->booked++;
        else if (sc->result.outcome == BOOKING_REJECTED)
            sc->rejected++;
    }
    return NULL;
}

static void mixed_inline_and_queued_rounds_answer_every_item_once_and_decide_it_once(
    void **state)
{
    (void)state;
    static stress_client clients[STRESS_CLIENTS];
    booking_store *store = open_memory("r", STRESS_CAPACITY);
    server_metrics m;
    committer *c = start_committer(store, &m, COMMITTER_QUEUE_ATTEMPTS_MAX);
    pthread_t threads[STRESS_CLIENTS];
    for (int i = 0; i < STRESS_CLIENTS; i++) {
        clients[i] = (stress_client){.c = c, .index = i};
        pthread_mutex_init(&clients[i].lock, NULL);
        pthread_cond_init(&clients[i].cond, NULL);
        assert_int_equal(pthread_create(&threads[i], NULL, stress_thread, &clients[i]), 0);
    }
    int booked = 0, rejected = 0, inline_rounds = 0;
    for (int i = 0; i < STRESS_CLIENTS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(clients[i].refused, 0); /* one in flight each: never full */
        assert_int_equal(clients[i].done_calls, STRESS_ROUNDS);
        booked += clients[i].booked;
        rejected += clients[i].rejected;
        inline_rounds += clients[i].inline_rounds;
        pthread_cond_destroy(&clients[i].cond);
        pthread_mutex_destroy(&clients[i].lock);
    }
    committer_stop(c);
    /* Every attempt decided once: exactly the capacity booked, the rest rejected. */
    assert_int_equal(booked, STRESS_CAPACITY);
    assert_int_equal(rejected, STRESS_CLIENTS * STRESS_ROUNDS - STRESS_CAPACITY);
    assert_int_equal(atomic_load(&m.batch_sum), STRESS_CLIENTS * STRESS_ROUNDS);
    assert_true(inline_rounds >= 1); /* the first submit found the committer idle */
    /* What the store kept agrees with the answers (bench/honest.sh's rule). */
    int kept = 0;
    for (int t = 0; t < STRESS_CLIENTS; t++) {
        for (int i = 0; i < STRESS_ROUNDS; i++) {
            char id[64];
            snprintf(id, sizeof id, "stress-%d-%d", t, i);
            booking_reason reason;
            booking_record rec;
            assert_int_equal(booking_get_booking(store, id, &reason, &rec), BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK); /* every decision kept */
            kept += rec.outcome == BOOKING_BOOKED;
        }
    }
    assert_int_equal(kept, STRESS_CAPACITY);
    close_stopped(c, store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queued_items_are_decided_in_arrival_order),
        cmocka_unit_test(a_request_is_never_split_across_transactions),
        cmocka_unit_test(a_full_queue_refuses_at_once_and_stop_answers_everything_queued),
        cmocka_unit_test(a_round_with_attempts_and_changes_decides_both_and_answers_every_item),
        cmocka_unit_test(changes_of_a_round_are_decided_in_arrival_order),
        cmocka_unit_test(
            a_failed_change_batch_fails_every_change_item_of_the_round_and_no_attempt_item),
        cmocka_unit_test(
            a_round_never_holds_more_lines_than_a_batch_may_and_a_single_attempt_counts_one),
        cmocka_unit_test(an_item_over_the_lines_limit_of_a_batch_is_never_queued),
        cmocka_unit_test(a_lone_item_commits_on_the_submitting_thread_when_the_committer_is_idle),
        cmocka_unit_test(
            items_submitted_during_an_inline_round_are_taken_by_the_committer_in_arrival_order),
        cmocka_unit_test(a_close_during_an_inline_round_drains_it_and_what_queued_behind_it),
        cmocka_unit_test(an_inline_round_leaves_the_queue_limit_as_it_is),
        cmocka_unit_test(
            mixed_inline_and_queued_rounds_answer_every_item_once_and_decide_it_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
