/* SPDX-License-Identifier: MIT */
/*
 * committer.h: group commit. One thread per store takes everything queued (up to
 * BOOKING_BATCH_MAX attempts with BOOKING_BATCH_LINES_MAX lines in all, and
 * BOOKING_BATCH_MAX confirms and cancels), decides the attempts with one
 * booking_attempt_batch call and the changes with one booking_change_batch call
 * (a transaction and an fsync each), in arrival order within each kind, then
 * hands every item its results. committer_submit() lets a lone request's own
 * thread run that round when the committer is idle. Knows nothing of HTTP: an
 * item's done() callback does the answering.
 */
#ifndef BOOKING_SERVER_COMMITTER_H
#define BOOKING_SERVER_COMMITTER_H

#include "booking.h"
#include "server/metrics.h"

#include <stddef.h>

/* Attempts and changes that may wait for the committer at once (a change counts as
 * one attempt does): four full transactions' worth. Past it a request is refused
 * FAILED busy at once rather than waiting without bound (a full queue means the
 * store is the bottleneck; waiting longer helps no one). */
#define COMMITTER_QUEUE_ATTEMPTS_MAX (4 * BOOKING_BATCH_MAX)

typedef struct commit_item commit_item;

/* Called once results[] are final (durable, or FAILED): on the committer thread,
 * or on the caller's within committer_submit() (COMMITTER_COMMITTED). After it
 * returns the committer does not touch the item again. Must not block. */
typedef void (*commit_done_fn)(commit_item *item);

/* What an item carries; the zero value is attempts, as every item was before changes. */
typedef enum commit_kind {
    COMMIT_ATTEMPTS = 0, /* requests -> results, by booking_attempt_batch */
    COMMIT_CHANGES,      /* changes -> reasons and records, by booking_change_batch */
} commit_kind;

struct commit_item {
    commit_kind kind;
    /* COMMIT_ATTEMPTS: */
    const booking_request *requests; /* count valid requests, alive until done() */
    booking_result *results;         /* count results, written before done() */
    /* COMMIT_CHANGES: */
    const booking_change *changes;   /* count valid changes, alive until done() */
    booking_reason *reasons;         /* count reasons, written before done() */
    booking_record *records;         /* count records, written before done(): zeroed,
                                        then the store's record whenever one exists */
    size_t count;                    /* 1..BOOKING_BATCH_MAX: never split across commits */
    size_t lines;                    /* the committer's: the attempts' lines (a single
                                        attempt counts one), set by committer_push */
    char detail[BOOKING_LAST_ERROR_MAX]; /* written before done(): the engine's words
                                        about a failure of its transaction
                                        (booking_last_error), or "" */
    commit_done_fn done;
    void *arg;                       /* for the owner */
    commit_item *next;               /* queue link, the committer's */
};

typedef enum committer_push_result {
    COMMITTER_QUEUED = 0, /* done() will be called exactly once */
    COMMITTER_FULL,       /* queue full: not taken, done() will not be called */
    COMMITTER_CLOSED,     /* stopping: not taken, done() will not be called */
    COMMITTER_COMMITTED,  /* committer_submit() only: decided on the caller's thread,
                             done() already called, once, before the return */
} committer_push_result;

typedef struct committer committer;

/* Starts the thread. metrics may be NULL. Returns 0, or an errno value. */
int committer_start(booking_store *store, server_metrics *metrics, size_t queue_attempts_max,
                    committer **out);

/* Queues an item. If admit is not NULL it is called with admit_arg under the
 * queue's lock, after the item is known to fit and before done() can possibly
 * run: the place to suspend an HTTP connection so its resume cannot come first. */
committer_push_result committer_push(committer *c, commit_item *item, void (*admit)(void *),
                                     void *admit_arg);

/* As committer_push(), but when nothing is queued and no round is being decided
 * the caller decides the item itself, as the round of its own (the same code,
 * limits and metrics), and done() runs before the return: COMMITTER_COMMITTED.
 * Otherwise the item queues (COMMITTER_QUEUED), or is refused. The caller blocks
 * for the transaction (an fsync, on disk) only in that case; admit runs as for
 * committer_push(), before done(). */
committer_push_result committer_submit(committer *c, commit_item *item, void (*admit)(void *),
                                       void *admit_arg);

/* Refuses new items from now on (push returns COMMITTER_CLOSED); what is queued is
 * still decided and answered. Does not wait. */
void committer_close(committer *c);

/* Refuses new items (push then returns COMMITTER_CLOSED), decides and answers
 * everything already queued and joins the thread. After it returns every queued
 * item has had its done(). Pushing stays safe until committer_free(). */
void committer_stop(committer *c);

/* Frees a stopped committer, once nothing can push any more. NULL is accepted. */
void committer_free(committer *c);

#endif
