/* SPDX-License-Identifier: MIT */
/*
 * committer.c: the group-commit thread. No timer and no artificial delay: the
 * thread sleeps only while the queue is empty, so a lone request commits at once,
 * and under load whatever queued during one fsync forms the next batch.
 *
 * Invariants:
 *  (1) Items are decided in the order they were queued, each item's attempts
 *      contiguous and in the item's own order, all in one booking_attempt_batch.
 *  (2) An item is never split across transactions (count <= BOOKING_BATCH_MAX).
 *  (3) queued_attempts <= queue_attempts_max at every instant.
 *  (4) Once `closing` is set nothing more is queued, and the thread exits only
 *      when the queue is empty: every taken item gets its done() exactly once.
 */
#include "server/committer.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

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
    size_t queued_attempts;
    size_t queued_items;
    bool closing;
    pthread_t thread;
    /* The committer thread's own, reused for every transaction. */
    booking_request requests[BOOKING_BATCH_MAX];
    booking_result results[BOOKING_BATCH_MAX];
};

static void publish_depth(committer *c)
{
    if (c->metrics == NULL)
        return;
    atomic_store_explicit(&c->metrics->queue_attempts, c->queued_attempts, memory_order_relaxed);
    atomic_store_explicit(&c->metrics->queue_requests, c->queued_items, memory_order_relaxed);
}

/* Takes a prefix of the queue that fits in one transaction. Called with lock held. */
static commit_item *take_batch(committer *c, size_t *attempts)
{
    assert(c->head != NULL && c->queued_items >= 1);
    assert(c->queued_attempts <= c->queue_attempts_max); /* (3) */
    commit_item *first = c->head;
    commit_item *last = first;
    size_t n = first->count;
    size_t items = 1;
    while (last->next != NULL && n + last->next->count <= BOOKING_BATCH_MAX) {
        last = last->next;
        n += last->count;
        items++;
    }
    c->head = last->next;
    if (c->head == NULL)
        c->tail = NULL;
    last->next = NULL;
    assert(n >= 1 && n <= BOOKING_BATCH_MAX); /* (2): whole items, one transaction */
    assert(n <= c->queued_attempts && items <= c->queued_items);
    c->queued_attempts -= n;
    c->queued_items -= items;
    publish_depth(c);
    *attempts = n;
    return first;
}

static void commit_batch(committer *c, commit_item *items, size_t attempts)
{
    size_t at = 0;
    for (commit_item *it = items; it != NULL; it = it->next) {
        assert(it->count >= 1 && at + it->count <= attempts); /* (1), (2) */
        for (size_t i = 0; i < it->count; i++)
            c->requests[at + i] = it->requests[i];
        at += it->count;
    }
    assert(at == attempts);
    if (c->metrics != NULL)
        atomic_store_explicit(&c->metrics->committing, attempts, memory_order_relaxed);
    booking_error e = booking_attempt_batch(c->store, c->requests, attempts, c->results);
    if (c->metrics != NULL)
        atomic_store_explicit(&c->metrics->committing, 0, memory_order_relaxed);
    if (e != BOOKING_OK) {
        /* Every request was validated before it was queued: this is a bug or out
         * of memory, and nothing was done. */
        for (size_t i = 0; i < attempts; i++) {
            c->results[i] = (booking_result){.outcome = BOOKING_FAILED,
                                             .reason = BOOKING_REASON_INTERNAL};
        }
    }
    if (c->metrics != NULL) {
        bool failed = attempts > 0 && c->results[0].outcome == BOOKING_FAILED &&
                      booking_reason_is_failure(c->results[0].reason);
        metrics_batch(c->metrics, attempts, failed);
    }
    at = 0;
    commit_item *it = items;
    while (it != NULL) {
        commit_item *next = it->next; /* the item may be freed once done() returns */
        for (size_t i = 0; i < it->count; i++)
            it->results[i] = c->results[at + i];
        at += it->count;
        it->done(it); /* (4): exactly once, the item's results final */
        it = next;
    }
    assert(at == attempts);
}

static void *committer_main(void *arg)
{
    committer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (c->head == NULL && !c->closing)
            pthread_cond_wait(&c->wake, &c->lock);
        if (c->head == NULL)
            break; /* closing and drained: invariant (4) */
        size_t attempts;
        commit_item *items = take_batch(c, &attempts);
        pthread_mutex_unlock(&c->lock);
        commit_batch(c, items, attempts);
        pthread_mutex_lock(&c->lock);
    }
    /* (4): the thread leaves only when closing and every item was answered. */
    assert(c->closing && c->tail == NULL && c->queued_attempts == 0 && c->queued_items == 0);
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

committer_push_result committer_push(committer *c, commit_item *item, void (*admit)(void *),
                                     void *admit_arg)
{
    if (item->count < 1 || item->count > BOOKING_BATCH_MAX)
        return COMMITTER_FULL; /* cannot happen for a decoded request; never queue it */
    pthread_mutex_lock(&c->lock);
    committer_push_result r = COMMITTER_QUEUED;
    if (c->closing) {
        r = COMMITTER_CLOSED;
    } else if (c->queued_attempts + item->count > c->queue_attempts_max) {
        r = COMMITTER_FULL;
    } else {
        if (admit != NULL)
            admit(admit_arg);
        item->next = NULL;
        if (c->tail != NULL)
            c->tail->next = item;
        else
            c->head = item;
        c->tail = item;
        c->queued_attempts += item->count;
        c->queued_items++;
        assert(c->queued_attempts <= c->queue_attempts_max); /* (3) */
        assert(c->head != NULL && c->tail == item && !c->closing); /* (4) */
        publish_depth(c);
        pthread_cond_signal(&c->wake);
    }
    pthread_mutex_unlock(&c->lock);
    if (r == COMMITTER_FULL && c->metrics != NULL)
        atomic_fetch_add_explicit(&c->metrics->queue_full, item->count, memory_order_relaxed);
    return r;
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
