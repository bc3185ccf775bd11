/* SPDX-License-Identifier: MIT */
/*
 * postgres_route.h: the postgres store's partitioned group commit (postgres.c
 * note (14)). Resources are split into `partitions` by a hash of their id; each
 * partition has one worker thread that takes every call queued for it (whole
 * calls, never split: a batch stays one transaction, as booking.h promises)
 * while they fit one batch, and decides them as one transaction through
 * round_fn. A call whose resources are all in one partition goes there; one
 * across partitions goes to the first, so such calls are combined with each
 * other instead of racing for the same rows. So rounds of two partitions lock
 * the same resource only when a call across partitions meets one on the other
 * partition (a wait on a row lock, in the one global order: no deadlock), and a
 * partition's rounds follow each other. A booking_id in flight (queued or being
 * decided) belongs to one partition until its round has ended: a call with that
 * id goes to that partition, behind it, so two of our transactions never
 * insert one booking_id at once.
 *
 * The router knows nothing of SQL: it hands round_fn a batch the library would
 * take and gets one result per attempt back.
 */
#ifndef BOOKING_STORE_POSTGRES_ROUTE_H
#define BOOKING_STORE_POSTGRES_ROUTE_H

#include "booking.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOKING_PG_PARTITIONS_MAX 16
#define BOOKING_PG_PARTITIONS_DEFAULT 4
/* The pool keeps at least this share for everything else (reads, changes): the
 * workers use at most pool_size / BOOKING_PG_POOL_PER_PARTITION connections. */
#define BOOKING_PG_POOL_PER_PARTITION 2
/* In-flight booking_ids the table starts with room for (it grows, x2). */
#define BOOKING_PG_INFLIGHT_SLOTS_MIN 1024

/* Decides requests[0..count) in order as one transaction; results[i] is each
 * one's result (FAILED for all when the transaction failed). Called on a
 * worker thread; booking_last_error() there is the round's detail. */
typedef void (*pg_round_fn)(void *ctx, const booking_request *requests, size_t count,
                            booking_result *results);

typedef struct pg_part pg_part;
typedef struct pg_route pg_route;

/* The booking_ids in flight: by a seeded 64-bit hash of the id (two ids that
 * collide are merely kept on one partition), open addressing, backward-shift
 * deletion, at most half full. */
typedef struct pg_inflight_slot {
    uint64_t hash;
    uint32_t partition;
    uint32_t count; /* 0: empty */
} pg_inflight_slot;

typedef struct pg_inflight {
    pg_inflight_slot *slots;
    size_t mask; /* slots - 1 */
    size_t used;
    uint64_t seed;
} pg_inflight;

typedef struct pg_partition {
    pg_route *route;
    uint32_t index;
    pthread_t thread;
    pthread_cond_t work; /* signalled when a part is queued, or when stopping */
    pg_part *head, *tail; /* queued parts, in arrival order */
    /* the worker's own, for one round */
    booking_request *requests;
    booking_result *results;
    uint64_t rounds; /* rounds decided, for tests (under lock) */
} pg_partition;

struct pg_route {
    pthread_mutex_t lock;
    pthread_cond_t done; /* broadcast when a round ends while id_waiters > 0 */
    size_t id_waiters;   /* calls waiting for their ids to leave other partitions */
    size_t count;        /* partitions: 1..BOOKING_PG_PARTITIONS_MAX */
    bool stopping;
    pg_round_fn round_fn;
    void *ctx;
    pg_inflight inflight;
    pg_partition partitions[BOOKING_PG_PARTITIONS_MAX];
};

/* The partition of a resource among `partitions` (deterministic: a test can
 * pick resources of different partitions). */
uint32_t bk_pg_partition_of(const char *resource_id, size_t partitions);

/* The partitions a store uses for `partitions` asked and its pool (at most one
 * worker per BOOKING_PG_POOL_PER_PARTITION connections): 0 (no router, every
 * call its own transaction) for a pool of one. */
size_t bk_pg_route_partitions(size_t partitions, size_t pool_size);

/* Starts `partitions` (1..BOOKING_PG_PARTITIONS_MAX) workers. false: nothing
 * started (out of memory, or no thread). */
bool bk_pg_route_start(pg_route *r, size_t partitions, pg_round_fn round_fn, void *ctx);
/* Stops and joins the workers (no call may be in progress) and frees. */
void bk_pg_route_stop(pg_route *r);

/* Decides a batch the library takes (1..BOOKING_BATCH_MAX attempts, their
 * lines within BOOKING_BATCH_LINES_MAX) in one round of one partition, with
 * whatever other calls that round takes, and waits for its results. A failed
 * round fails every call in it, each whole (all FAILED, nothing visible), and
 * the caller's booking_last_error() carries the round's detail. */
void bk_pg_route_batch(pg_route *r, const booking_request *requests, size_t count,
                       booking_result *results);

/* Rounds decided so far by partition p (tests). */
uint64_t bk_pg_route_rounds(pg_route *r, size_t p);

#endif
