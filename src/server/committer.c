/* SPDX-License-Identifier: MIT */
/*
 * committer.c: the group-commit thread. No timer and no artificial delay: the
 * thread sleeps only while the queue is empty, so a lone request commits at once,
 * and under load whatever queued during one fsync forms the next batch. A lone
 * request pushed with committer_submit() while nothing is queued or committing
 * commits on the pushing thread itself (the same round, (6)): no wake of the
 * committer thread and no wake back.
 *
 * Invariants:
 *  (1) A round takes a prefix of the queue. Its attempt items are decided in the
 *      order they were queued, each item's attempts contiguous and in the item's
 *      own order, all in one booking_attempt_batch; its change items likewise, all
 *      in one booking_change_batch. Between the two kinds there is no order to
 *      keep: no item of a round has been answered yet, so they are all concurrent
 *      and deciding the attempts first is as valid as any order.
 *  (2) An item is never split across transactions: per round, attempts <=
 *      BOOKING_BATCH_MAX, their lines (a single attempt counts one, a bundle its
 *      line_count) <= BOOKING_BATCH_LINES_MAX, and changes <= BOOKING_BATCH_MAX,
 *      whole items only: the round's batch is one the library takes.
 *  (3) queued <= queue_attempts_max at every instant (an attempt or a change
 *      counts one).
 *  (4) Once `closing` is set nothing more is queued, and the thread exits only
 *      when the queue is empty: every taken item gets its done() exactly once,
 *      after both calls of its round, in arrival order.
 *  (5) A failed call fails every item of its kind in the round and no other:
 *      a failed change batch leaves the round's attempts as decided, and back.
 *  (6) One round at a time, whichever thread runs it: `round_busy` (under lock)
 *      is set by the thread that takes a round and cleared by it once every
 *      done() of the round returned; that thread alone touches the round buffers
 *      (requests[] .. changes_detail) meanwhile, the lock ordering one owner's
 *      writes before the next owner's reads. committer_submit() runs a round on
 *      the caller only when the queue is empty and no round is busy: every item
 *      queued before it was answered already, so arrival order (1) holds; items
 *      pushed meanwhile queue as with committer_push() and the committer thread
 *      takes them after the inline round (it waits while a round is busy).
 *      The inline round is its one item, which fits alone (2); it was never
 *      queued, so (3) is untouched; it is refused once `closing` is set, and
 *      committer_stop() returns only once no round is busy, so (4) holds too.
 *      The stores allow it: every booking_store call may come from any thread
 *      (booking.h), and booking_last_error() is read on the thread of the call.
 *      The road not taken: a worker leading every round it finds idle (leader/
 *      follower, as a binlog group commit). Measured on a prototype, 64
 *      connections: leading at the push made rounds of one (a worker parses its
 *      batch of events one request at a time), and leading after the batch cut
 *      syscalls on tmpfs (2.45 per request against 3.4) but lost 35-50% of the
 *      rate on a disk: a worker in fsync cannot read its next requests, which
 *      the committer thread overlaps with the fsync. And it blocks a worker that
 *      holds other connections, which the inline round never does (server.c).
 */
#include "server/committer.h"
#include "util/monotonic.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A full-size batch request must always fit an empty queue, or it could never
 * be taken (invariant (2) needs a whole item to fit one transaction too). */
_Static_assert(COMMITTER_QUEUE_ATTEMPTS_MAX >= BOOKING_BATCH_MAX,
               "the queue holds at least one full transaction");

struct committer {
    booking_store *store;
    server_metrics *metrics;
    size_t queue_attempts_max;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    commit_item *head; /* guarded by lock */
    commit_item *tail;
    size_t queued; /* attempts and changes */
    size_t queued_items;
    bool closing;
    bool round_busy; /* a round is being decided and answered (6) */
    pthread_t thread;
    /* The round's owner's (6), reused for every round (records: 4 MB, once). */
    booking_request requests[BOOKING_BATCH_MAX];
    booking_result results[BOOKING_BATCH_MAX];
    booking_change changes[BOOKING_BATCH_MAX];
    booking_reason reasons[BOOKING_BATCH_MAX];
    booking_record records[BOOKING_BATCH_MAX];
    /* The engine's words about each kind's failure this round (booking_last_error). */
    char attempts_detail[BOOKING_LAST_ERROR_MAX];
    char changes_detail[BOOKING_LAST_ERROR_MAX];
};

/* What one round holds, by kind. */
typedef struct round_size {
    size_t attempts;
    size_t lines; /* of the attempts: a single attempt counts one */
    size_t changes;
} round_size;

static void publish_depth(committer *c)
{
    if (c->metrics == NULL)
        return;
    atomic_store_explicit(&c->metrics->queue_attempts, c->queued, memory_order_relaxed);
    atomic_store_explicit(&c->metrics->queue_requests, c->queued_items, memory_order_relaxed);
}

/* Adds item to *n if it fits its kind's transaction; false: it does not. */
static bool round_add(round_size *n, const commit_item *item)
{
    if (item->kind == COMMIT_CHANGES) {
        if (n->changes + item->count > BOOKING_BATCH_MAX)
            return false;
        n->changes += item->count;
        return true;
    }
    if (n->attempts + item->count > BOOKING_BATCH_MAX ||
        n->lines + item->lines > BOOKING_BATCH_LINES_MAX)
        return false;
    n->attempts += item->count;
    n->lines += item->lines;
    return true;
}

/* The lines of an item's attempts, as the library counts them for its batch limit. */
static size_t item_lines(const commit_item *item)
{
    size_t lines = 0;
    for (size_t i = 0; i < item->count; i++) {
        const booking_request *r = &item->requests[i];
        lines += r->lines != NULL ? r->line_count : 1;
    }
    assert(lines >= item->count);
    return lines;
}

/* Takes a prefix of the queue that fits one round. Called with lock held. The
 * prefix stops at the first item that does not fit, even if a later one of the
 * other kind would: taking it would reorder nothing, but a strict prefix keeps
 * the queue first in, first out for every item (the road not taken: a fuller round). */
static commit_item *take_round(committer *c, round_size *n)
{
    assert(c->head != NULL && c->queued_items >= 1);
    assert(c->queued <= c->queue_attempts_max); /* (3) */
    *n = (round_size){0};
    commit_item *first = c->head;
    commit_item *last = first;
    bool fits = round_add(n, first);
    size_t items = 1;
    assert(fits); /* (2): every item alone fits one transaction */
    (void)fits;   /* read only by the assert */
    while (last->next != NULL && round_add(n, last->next)) {
        last = last->next;
        items++;
    }
    c->head = last->next;
    if (c->head == NULL)
        c->tail = NULL;
    last->next = NULL;
    size_t taken = n->attempts + n->changes;
    assert(n->attempts <= BOOKING_BATCH_MAX && n->changes <= BOOKING_BATCH_MAX); /* (2) */
    assert(n->lines <= BOOKING_BATCH_LINES_MAX && n->lines >= n->attempts); /* (2) */
    assert(taken >= 1 && taken <= c->queued && items <= c->queued_items);
    c->queued -= taken;
    c->queued_items -= items;
    publish_depth(c);
    return first;
}

/* Copies the round's attempts and changes, each kind in arrival order (1). */
static void gather_round(committer *c, const commit_item *items, round_size n)
{
    round_size at = {0};
    for (const commit_item *it = items; it != NULL; it = it->next) {
        assert(it->count >= 1);
        if (it->kind == COMMIT_CHANGES) {
            assert(at.changes + it->count <= n.changes); /* (1), (2) */
            memcpy(&c->changes[at.changes], it->changes, it->count * sizeof *it->changes);
            at.changes += it->count;
        } else {
            assert(it->kind == COMMIT_ATTEMPTS && at.attempts + it->count <= n.attempts);
            memcpy(&c->requests[at.attempts], it->requests, it->count * sizeof *it->requests);
            at.attempts += it->count;
        }
    }
    assert(at.attempts == n.attempts && at.changes == n.changes);
}

static void set_committing(committer *c, size_t count)
{
    if (c->metrics != NULL)
        atomic_store_explicit(&c->metrics->committing, count, memory_order_relaxed);
}

/* The store transaction that began at start_ns has ended (decided and synced). */
static void record_duration(committer *c, uint64_t start_ns)
{
    if (c->metrics != NULL)
        metrics_commit_duration(c->metrics, monotonic_ns() - start_ns);
}

/* One observation per transaction: attempts and changes share the batch size
 * histogram, so its count stays the number of transactions (and of fsyncs). */
static void record_batch(committer *c, size_t count, booking_reason first)
{
    if (c->metrics != NULL)
        metrics_batch(c->metrics, count, booking_reason_is_failure(first));
}

static void decide_attempts(committer *c, size_t n)
{
    if (n == 0)
        return;
    set_committing(c, n);
    uint64_t start = monotonic_ns();
    booking_error e = booking_attempt_batch(c->store, c->requests, n, c->results);
    record_duration(c, start);
    set_committing(c, 0);
    if (e != BOOKING_OK) {
        /* Every request was validated before it was queued: this is a bug or out
         * of memory, and nothing was done. */
        for (size_t i = 0; i < n; i++) {
            c->results[i] = (booking_result){.outcome = BOOKING_FAILED,
                                             .reason = BOOKING_REASON_INTERNAL};
        }
    }
    bool failed = c->results[0].outcome == BOOKING_FAILED;
    snprintf(c->attempts_detail, sizeof c->attempts_detail, "%s", booking_last_error());
    record_batch(c, n, failed ? c->results[0].reason : BOOKING_REASON_OK);
}

static void decide_changes(committer *c, size_t n)
{
    if (n == 0)
        return;
    /* Every field an answer shows is defined, whatever the store writes. */
    memset(c->records, 0, n * sizeof *c->records);
    set_committing(c, n);
    uint64_t start = monotonic_ns();
    booking_error e = booking_change_batch(c->store, c->changes, n, c->reasons, c->records);
    record_duration(c, start);
    set_committing(c, 0);
    if (e != BOOKING_OK) {
        /* As for attempts: validated before queued, so a bug or out of memory;
         * nothing was done (booking_change_batch checks everything first). */
        for (size_t i = 0; i < n; i++)
            c->reasons[i] = BOOKING_REASON_INTERNAL;
    }
    snprintf(c->changes_detail, sizeof c->changes_detail, "%s", booking_last_error());
    record_batch(c, n, c->reasons[0]);
}

/* Hands every item its part, each kind in arrival order, and calls its done(). */
static void deliver_round(committer *c, commit_item *items, round_size n)
{
    round_size at = {0};
    commit_item *it = items;
    while (it != NULL) {
        commit_item *next = it->next; /* the item may be freed once done() returns */
        if (it->kind == COMMIT_CHANGES) {
            memcpy(it->reasons, &c->reasons[at.changes], it->count * sizeof *it->reasons);
            memcpy(it->records, &c->records[at.changes], it->count * sizeof *it->records);
            memcpy(it->detail, c->changes_detail, strlen(c->changes_detail) + 1);
            at.changes += it->count;
        } else {
            memcpy(it->results, &c->results[at.attempts], it->count * sizeof *it->results);
            memcpy(it->detail, c->attempts_detail, strlen(c->attempts_detail) + 1);
            at.attempts += it->count;
        }
        it->done(it); /* (4): exactly once, the item's results final */
        it = next;
    }
    assert(at.attempts == n.attempts && at.changes == n.changes); /* (1) */
}

static void commit_round(committer *c, commit_item *items, round_size n)
{
    assert(c->round_busy); /* (6): only this round's owner writes it meanwhile */
    c->attempts_detail[0] = c->changes_detail[0] = '\0';
    gather_round(c, items, n);
    decide_attempts(c, n.attempts); /* (5): each call's failure stays its own */
    decide_changes(c, n.changes);
    deliver_round(c, items, n);
}

static void *committer_main(void *arg)
{
    committer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        /* (6): an inline round holds the buffers; it wakes this thread when done. */
        while ((c->head == NULL && !c->closing) || c->round_busy)
            pthread_cond_wait(&c->wake, &c->lock);
        if (c->head == NULL)
            break; /* closing and drained: invariant (4) */
        round_size n;
        commit_item *items = take_round(c, &n);
        c->round_busy = true;
        pthread_mutex_unlock(&c->lock);
        commit_round(c, items, n);
        pthread_mutex_lock(&c->lock);
        assert(c->round_busy);
        c->round_busy = false;
    }
    /* (4), (6): the thread leaves only when closing, every item was answered and
     * no inline round runs. */
    assert(c->closing && c->tail == NULL && c->queued == 0 && c->queued_items == 0);
    assert(!c->round_busy);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

int committer_start(booking_store *store, server_metrics *metrics, size_t queue_attempts_max,
                    committer **out)
{
    *out = NULL;
    /* A full-size batch request must always fit an empty queue: the caller passes
     * COMMITTER_QUEUE_ATTEMPTS_MAX (checked at compile time above) or a test's bound. */
    assert(queue_attempts_max >= BOOKING_BATCH_MAX);
    committer *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ENOMEM;
    c->store = store;
    c->metrics = metrics;
    c->queue_attempts_max = queue_attempts_max;
    int rc = pthread_mutex_init(&c->lock, NULL);
    if (rc != 0) {
        free(c);
        return rc;
    }
    rc = pthread_cond_init(&c->wake, NULL);
    if (rc == 0) {
        rc = pthread_create(&c->thread, NULL, committer_main, c);
        if (rc != 0)
            pthread_cond_destroy(&c->wake);
    }
    if (rc != 0) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* What every push checks before the lock: an item the library could never take
 * whole is never queued (the decoder refuses such a request first). */
static bool item_acceptable(commit_item *item)
{
    if (item->count < 1 || item->count > BOOKING_BATCH_MAX ||
        (item->kind != COMMIT_ATTEMPTS && item->kind != COMMIT_CHANGES))
        return false; /* cannot happen for a decoded request; never queue it */
    item->lines = item->kind == COMMIT_ATTEMPTS ? item_lines(item) : 0;
    return item->lines <= BOOKING_BATCH_LINES_MAX; /* the decoder refuses more (400) */
}

/* Appends item to the queue and wakes the thread. Called with lock held, once
 * the item is known to fit. */
static void enqueue(committer *c, commit_item *item)
{
    item->next = NULL;
    if (c->tail != NULL)
        c->tail->next = item;
    else
        c->head = item;
    c->tail = item;
    c->queued += item->count;
    c->queued_items++;
    assert(c->queued <= c->queue_attempts_max); /* (3) */
    assert(c->head != NULL && c->tail == item && !c->closing); /* (4) */
    publish_depth(c);
    /* A busy round's owner comes back for the queue by itself (6): the committer
     * thread loops, an inline owner wakes it when done. */
    if (!c->round_busy)
        pthread_cond_signal(&c->wake);
}

static void note_full(committer *c, const commit_item *item)
{
    if (c->metrics != NULL)
        atomic_fetch_add_explicit(&c->metrics->queue_full, item->count, memory_order_relaxed);
}

/* The inline round of committer_submit(), (6): the caller owns it (round_busy was
 * set for it under the lock); item alone, then the committer thread is woken if
 * something queued meanwhile or a close waits. */
static void commit_inline(committer *c, commit_item *item)
{
    item->next = NULL;
    round_size n = {0};
    bool fits = round_add(&n, item);
    assert(fits); /* (2): every item alone fits one transaction */
    (void)fits;   /* read only by the assert */
    commit_round(c, item, n); /* item's done() has run when it returns: not touched again */
    pthread_mutex_lock(&c->lock);
    assert(c->round_busy);
    c->round_busy = false;
    /* The committer thread waits while a round is busy (6): wake it only when it
     * has something to do, items pushed meanwhile or a close to finish. */
    if (c->head != NULL || c->closing)
        pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

/* The one way in for push and submit: refused (closing, or no room), queued, or,
 * when may_inline and the committer is idle with nothing queued, decided on the
 * caller's thread (6). admit runs under the lock once the item is taken. */
static committer_push_result take_item(committer *c, commit_item *item, void (*admit)(void *),
                                       void *admit_arg, bool may_inline)
{
    if (!item_acceptable(item))
        return COMMITTER_FULL;
    pthread_mutex_lock(&c->lock);
    committer_push_result r = COMMITTER_QUEUED;
    if (c->closing) {
        r = COMMITTER_CLOSED;
    } else if (c->queued + item->count > c->queue_attempts_max) {
        r = COMMITTER_FULL;
    } else {
        if (admit != NULL)
            admit(admit_arg);
        if (may_inline && c->head == NULL && !c->round_busy) {
            /* (6): idle, nothing queued: this thread owns the next round, the item alone. */
            c->round_busy = true;
            r = COMMITTER_COMMITTED;
        } else {
            enqueue(c, item); /* (6): a round runs or items wait: behind them */
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (r == COMMITTER_FULL)
        note_full(c, item);
    if (r == COMMITTER_COMMITTED)
        commit_inline(c, item);
    return r;
}

committer_push_result committer_push(committer *c, commit_item *item, void (*admit)(void *),
                                     void *admit_arg)
{
    return take_item(c, item, admit, admit_arg, false);
}

committer_push_result committer_submit(committer *c, commit_item *item, void (*admit)(void *),
                                       void *admit_arg)
{
    return take_item(c, item, admit, admit_arg, true);
}

void committer_close(committer *c)
{
    pthread_mutex_lock(&c->lock);
    c->closing = true;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

void committer_stop(committer *c)
{
    if (c == NULL)
        return;
    committer_close(c);
    pthread_join(c->thread, NULL);
}

void committer_free(committer *c)
{
    if (c == NULL)
        return;
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
