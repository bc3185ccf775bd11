/* SPDX-License-Identifier: MIT */
/*
 * postgres_route.c: the partitioned group commit of postgres.c note (14).
 *
 * Invariants (under lock):
 *  (1) A booking_id of an attempt queued or being decided is in the in-flight
 *      table with the partition its call went to, counted once per attempt; a
 *      call claims every id of its batch before it is queued, or none.
 *  (2) A call goes whole to one partition: that of an id of it in flight (if
 *      its ids are in flight on two, it waits until they are not), else the
 *      one all its lines' resources are in, else the first.
 *  (3) Calls are never split: a round takes whole calls from the head of its
 *      queue while they fit one batch (BOOKING_BATCH_MAX attempts,
 *      BOOKING_BATCH_LINES_MAX lines); each alone fits. A round decides its
 *      calls in queue order, each call's attempts in its own order.
 *  (4) A call returns only when its round has ended (left == 0), and its ids
 *      leave the table only then.
 * So a partition's rounds follow each other and never wait on each other; two
 * partitions' rounds share a resource only through a call across partitions
 * (a row-lock wait, in the one global order of note (11): no deadlock); and
 * two rounds in flight never insert one booking_id each, so the unique index
 * never decides between two of our own transactions.
 */
#include "store/postgres_route.h"
#include "store/store.h"
#include "util/hash.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Any fixed seed: the partition of a resource must not depend on the process. */
#define PG_PARTITION_SEED 0x5bd1e9955bd1e995ull

typedef struct pg_call {
    const booking_request *requests;
    booking_result *results;
    size_t left; /* rounds not ended (4): 1, then 0 */
    pthread_cond_t ended; /* signalled when left reaches 0: the caller alone waits on it */
    char detail[BOOKING_LAST_ERROR_MAX];
} pg_call;

struct pg_part {
    pg_call *call;
    size_t count, lines; /* the call's, whole (3) */
    pg_part *next;
};

uint32_t bk_pg_partition_of(const char *resource_id, size_t partitions)
{
    assert(partitions >= 1 && partitions <= BOOKING_PG_PARTITIONS_MAX);
    return (uint32_t)(hash_bytes(resource_id, strlen(resource_id), PG_PARTITION_SEED) %
                      partitions);
}

size_t bk_pg_route_partitions(size_t partitions, size_t pool_size)
{
    size_t k = pool_size / BOOKING_PG_POOL_PER_PARTITION;
    if (k > partitions)
        k = partitions;
    return k;
}

/* ---- the in-flight ids ---- */

static uint64_t id_hash(const pg_inflight *t, const char *id)
{
    return hash_bytes(id, strlen(id), t->seed);
}

static pg_inflight_slot *inflight_find(pg_inflight *t, uint64_t h)
{
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        if (t->slots[i].count == 0)
            return NULL;
        if (t->slots[i].hash == h)
            return &t->slots[i];
    }
}

static bool inflight_init(pg_inflight *t, size_t slots)
{
    assert((slots & (slots - 1)) == 0 && slots >= BOOKING_PG_INFLIGHT_SLOTS_MIN);
    t->slots = calloc(slots, sizeof *t->slots);
    t->mask = slots - 1;
    t->used = 0;
    return t->slots != NULL;
}

static void inflight_put(pg_inflight *t, pg_inflight_slot s)
{
    size_t i = s.hash & t->mask;
    while (t->slots[i].count != 0)
        i = (i + 1) & t->mask;
    t->slots[i] = s;
    t->used++;
}

/* Room for one more entry, at most half full; false: out of memory. */
static bool inflight_room(pg_inflight *t)
{
    if (2 * (t->used + 1) <= t->mask + 1)
        return true;
    pg_inflight grown = {.seed = t->seed};
    if (!inflight_init(&grown, 2 * (t->mask + 1)))
        return false;
    for (size_t i = 0; i <= t->mask; i++) {
        if (t->slots[i].count != 0)
            inflight_put(&grown, t->slots[i]);
    }
    assert(grown.used == t->used);
    free(t->slots);
    *t = grown;
    return true;
}

/* Removes the slot at i and shifts the probe run behind it back (no tombstones). */
static void inflight_delete(pg_inflight *t, size_t i)
{
    assert(t->slots[i].count == 0 && t->used >= 1);
    t->used--;
    for (size_t j = (i + 1) & t->mask; t->slots[j].count != 0; j = (j + 1) & t->mask) {
        size_t home = t->slots[j].hash & t->mask;
        /* j's entry may move to i if its home is not in (i, j], cyclically */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            t->slots[j].count = 0;
            i = j;
        }
    }
}

static void inflight_release(pg_inflight *t, uint64_t h)
{
    pg_inflight_slot *s = inflight_find(t, h);
    assert(s != NULL && s->count >= 1); /* (1): claimed by this attempt */
    if (--s->count == 0)
        inflight_delete(t, (size_t)(s - t->slots));
}

typedef enum claim_result { CLAIM_OK, CLAIM_ELSEWHERE, CLAIM_NOMEM } claim_result;

/* Claims every id of the call for `partition` (1); an id in flight on another
 * partition claims nothing. */
static claim_result claim_all(pg_route *r, const booking_request *q, size_t count,
                              uint32_t partition)
{
    pg_inflight *t = &r->inflight;
    claim_result res = CLAIM_OK;
    size_t i = 0;
    for (; i < count; i++) {
        uint64_t h = id_hash(t, q[i].booking_id);
        pg_inflight_slot *s = inflight_find(t, h);
        if (s != NULL) {
            if (s->partition != partition) {
                res = CLAIM_ELSEWHERE;
                break;
            }
            s->count++;
            continue;
        }
        if (!inflight_room(t)) {
            res = CLAIM_NOMEM;
            break;
        }
        inflight_put(t, (pg_inflight_slot){.hash = h, .partition = partition, .count = 1});
    }
    if (res != CLAIM_OK) {
        while (i-- > 0)
            inflight_release(t, id_hash(t, q[i].booking_id));
    }
    return res;
}

/* The partition all of a call's resources are in, or BOOKING_PG_PARTITIONS_MAX
 * when they are on two or more. */
static uint32_t call_partition(const pg_route *r, const booking_request *q, size_t count)
{
    uint32_t p = BOOKING_PG_PARTITIONS_MAX;
    for (size_t i = 0; i < count; i++) {
        size_t n = q[i].lines != NULL ? q[i].line_count : 1;
        for (size_t k = 0; k < n; k++) {
            const char *rid = q[i].lines != NULL ? q[i].lines[k].resource_id : q[i].resource_id;
            uint32_t at = bk_pg_partition_of(rid, r->count);
            if (p != BOOKING_PG_PARTITIONS_MAX && at != p)
                return BOOKING_PG_PARTITIONS_MAX;
            p = at;
        }
    }
    assert(p < r->count);
    return p;
}

/* Where a call goes (2): the partition of an id of it already in flight; else
 * the one all its resources are in; else (it spans partitions) the first, so
 * that such calls are combined with each other rather than racing each other
 * for the same rows on every partition. */
static uint32_t call_target(pg_route *r, const booking_request *q, size_t count, uint32_t home)
{
    for (size_t i = 0; i < count; i++) {
        pg_inflight_slot *s = inflight_find(&r->inflight, id_hash(&r->inflight, q[i].booking_id));
        if (s != NULL)
            return s->partition;
    }
    return home < r->count ? home : 0;
}

/* ---- the workers ---- */

static size_t request_lines(const booking_request *q)
{
    return q->lines != NULL ? q->line_count : 1;
}

/* Takes whole parts from the head of p's queue while they fit one batch (3). */
static pg_part *take_round(pg_partition *p, size_t *attempts)
{
    pg_part *first = p->head, *last = first;
    size_t n = first->count, lines = first->lines;
    assert(n <= BOOKING_BATCH_MAX && lines <= BOOKING_BATCH_LINES_MAX); /* (3) */
    while (last->next != NULL && n + last->next->count <= BOOKING_BATCH_MAX &&
           lines + last->next->lines <= BOOKING_BATCH_LINES_MAX) {
        last = last->next;
        n += last->count;
        lines += last->lines;
    }
    p->head = last->next;
    if (p->head == NULL)
        p->tail = NULL;
    last->next = NULL;
    *attempts = n;
    return first;
}

static void decide_round(pg_partition *p, pg_part *parts, size_t n)
{
    size_t at = 0;
    for (pg_part *it = parts; it != NULL; it = it->next) {
        for (size_t k = 0; k < it->count; k++)
            p->requests[at++] = it->call->requests[k];
    }
    assert(at == n);
    bk_store_clear_error();
    p->route->round_fn(p->route->ctx, p->requests, n, p->results);
    at = 0;
    for (pg_part *it = parts; it != NULL; it = it->next) {
        for (size_t k = 0; k < it->count; k++)
            it->call->results[k] = p->results[at++];
    }
}

/* Ends the round's parts (4): their ids leave the table, their calls learn. */
static void end_round(pg_partition *p, pg_part *parts, const char *detail)
{
    pg_route *r = p->route;
    bool failed = p->results[0].outcome == BOOKING_FAILED;
    for (pg_part *it = parts, *next; it != NULL; it = next) {
        next = it->next; /* the part is the caller's: gone once left reaches 0 */
        pg_call *call = it->call;
        for (size_t k = 0; k < it->count; k++)
            inflight_release(&r->inflight, id_hash(&r->inflight,
                                                    call->requests[k].booking_id));
        if (failed && call->detail[0] == '\0' && detail[0] != '\0')
            memcpy(call->detail, detail, strlen(detail) + 1);
        assert(call->left == 1);
        call->left = 0;
        pthread_cond_signal(&call->ended);
    }
    p->rounds++;
    if (r->id_waiters > 0)
        pthread_cond_broadcast(&r->done);
}

static void *partition_main(void *arg)
{
    pg_partition *p = arg;
    pg_route *r = p->route;
    char detail[BOOKING_LAST_ERROR_MAX];
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (p->head == NULL && !r->stopping)
            pthread_cond_wait(&p->work, &r->lock);
        if (p->head == NULL)
            break;
        size_t n;
        pg_part *parts = take_round(p, &n);
        pthread_mutex_unlock(&r->lock);
        decide_round(p, parts, n);
        snprintf(detail, sizeof detail, "%s", booking_last_error());
        pthread_mutex_lock(&r->lock);
        end_round(p, parts, detail);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void partition_free(pg_partition *p)
{
    free(p->requests);
    free(p->results);
    p->requests = NULL;
    p->results = NULL;
}

bool bk_pg_route_start(pg_route *r, size_t partitions, pg_round_fn round_fn, void *ctx)
{
    assert(partitions >= 1 && partitions <= BOOKING_PG_PARTITIONS_MAX);
    memset(r, 0, sizeof *r);
    r->count = partitions;
    r->round_fn = round_fn;
    r->ctx = ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    r->inflight.seed = hash_bytes(&ts, sizeof ts, (uint64_t)(uintptr_t)r);
    if (!inflight_init(&r->inflight, BOOKING_PG_INFLIGHT_SLOTS_MIN))
        return false;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->done, NULL);
    size_t started = 0;
    bool ok = true;
    for (; started < partitions && ok; started++) {
        pg_partition *p = &r->partitions[started];
        p->route = r;
        p->index = (uint32_t)started;
        p->requests = malloc(BOOKING_BATCH_MAX * sizeof *p->requests);
        p->results = malloc(BOOKING_BATCH_MAX * sizeof *p->results);
        pthread_cond_init(&p->work, NULL);
        ok = p->requests != NULL && p->results != NULL &&
             pthread_create(&p->thread, NULL, partition_main, p) == 0;
        if (!ok) {
            pthread_cond_destroy(&p->work);
            partition_free(p);
        }
    }
    if (!ok) {
        r->count = started - 1; /* the ones running */
        bk_pg_route_stop(r);
        return false;
    }
    return true;
}

void bk_pg_route_stop(pg_route *r)
{
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    for (size_t i = 0; i < r->count; i++)
        pthread_cond_signal(&r->partitions[i].work);
    pthread_mutex_unlock(&r->lock);
    for (size_t i = 0; i < r->count; i++) {
        pg_partition *p = &r->partitions[i];
        pthread_join(p->thread, NULL);
        assert(p->head == NULL); /* no call was in progress */
        pthread_cond_destroy(&p->work);
        partition_free(p);
    }
    assert(r->inflight.used == 0);
    free(r->inflight.slots);
    pthread_cond_destroy(&r->done);
    pthread_mutex_destroy(&r->lock);
    memset(r, 0, sizeof *r);
}

static void enqueue(pg_route *r, uint32_t partition, pg_part *part)
{
    pg_partition *p = &r->partitions[partition];
    part->next = NULL;
    if (p->tail != NULL)
        p->tail->next = part;
    else
        p->head = part;
    p->tail = part;
    pthread_cond_signal(&p->work);
}

void bk_pg_route_batch(pg_route *r, const booking_request *requests, size_t count,
                       booking_result *results)
{
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    size_t lines = 0;
    for (size_t i = 0; i < count; i++)
        lines += request_lines(&requests[i]);
    assert(lines <= BOOKING_BATCH_LINES_MAX);
    uint32_t home = call_partition(r, requests, count);
    pg_call call = {.requests = requests, .results = results};
    pg_part part = {.call = &call, .count = count, .lines = lines};
    claim_result claimed;
    uint32_t to;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        to = call_target(r, requests, count, home);
        if ((claimed = claim_all(r, requests, count, to)) != CLAIM_ELSEWHERE)
            break;
        r->id_waiters++; /* ids of it in flight on two partitions */
        pthread_cond_wait(&r->done, &r->lock);
        r->id_waiters--;
    }
    if (claimed == CLAIM_OK) {
        pthread_cond_init(&call.ended, NULL);
        call.left = 1;
        enqueue(r, to, &part);
        while (call.left > 0)
            pthread_cond_wait(&call.ended, &r->lock); /* (4) */
        pthread_cond_destroy(&call.ended);
    }
    pthread_mutex_unlock(&r->lock);
    if (claimed == CLAIM_NOMEM) {
        bk_store_fail_all(results, count, BOOKING_REASON_INTERNAL);
        return;
    }
    if (call.detail[0] != '\0')
        bk_store_note_error("%s", call.detail);
}

uint64_t bk_pg_route_rounds(pg_route *r, size_t p)
{
    assert(p < r->count);
    pthread_mutex_lock(&r->lock);
    uint64_t n = r->partitions[p].rounds;
    pthread_mutex_unlock(&r->lock);
    return n;
}
