/* SPDX-License-Identifier: MIT */
/*
 * stress_holds.c: the workers of the holds stress test (stress_holds.h). Each id's
 * request is fixed by (owner, seq), so any worker can replay, confirm or cancel any
 * id; every call is logged with its real-time span and the test clock around it.
 */
#include "stress/stress_holds.h"
#include "support/test_support.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOLDS_OPS_MEMORY 6000      /* per worker; memory: is ~100x faster than a durable store */
#define HOLDS_OPS_DURABLE 150      /* per worker on sqlite: and postgres: */
#define HOLDS_SCALE_DEFAULT 100
#define HOLDS_SCALE_TSAN 25        /* TSan is ~10x slower: keep the run a few seconds */
#define HOLDS_SCALE_MAX 10000
#define HOLDS_CAPACITY 64          /* small: the resources are often full, so freed units count */
#define HOLDS_CAPACITY_MIN 4
#define HOLDS_OPS_PER_UNIT 8       /* capacity is at most a worker's operations / this */
#define HOLDS_UNITS_MAX 4
#define HOLDS_PLAIN_ONE_IN 8       /* of ids: a plain booking (hold_ms 0), the rest holds */
#define HOLDS_CLOCK_STEP_PCT 40    /* of operations: the worker steps the clock first */
#define HOLDS_CLOCK_STEP_MS_MAX 3
#define HOLDS_RECENT_WINDOW 16     /* other workers' ids: recent ones, to race their deciders */
#define HOLDS_RING 32              /* ids a worker recently made held or active */
#define HOLDS_LOG_FIRST 1024

/* Percentages of the operations. */
#define HOLDS_CONFIRM_PCT 22
#define HOLDS_CANCEL_PCT 10
#define HOLDS_GET_PCT 4
#define HOLDS_REPLAY_PCT 10
#define HOLDS_CONFLICT_PCT 3
#define HOLDS_BATCH_PCT 8
#define HOLDS_OWN_HOLD_PCT 60      /* of confirms: the worker's own recent hold */
#define HOLDS_OWN_ACTIVE_PCT 60    /* of cancels: the worker's own active booking */
#define HOLDS_OWN_REPLAY_PCT 50    /* of replays: the worker's own recent hold */

_Static_assert(HOLDS_CONFIRM_PCT + HOLDS_CANCEL_PCT + HOLDS_GET_PCT + HOLDS_REPLAY_PCT +
                       HOLDS_CONFLICT_PCT + HOLDS_BATCH_PCT < 100,
               "room is left for single fresh attempts");
_Static_assert(HOLDS_HOLD_MS_MAX <= BOOKING_HOLD_MS_MAX, "valid holds");

int64_t holds_clock_read(void *context)
{
    holds_clock *clock = context;
    return atomic_load(&clock->now_ms);
}


static unsigned scale_percent(void)
{
    long scale = HOLDS_SCALE_DEFAULT;
#ifdef BOOKING_STRESS_TSAN
    scale = HOLDS_SCALE_TSAN;
#endif
    const char *env = getenv("BOOKING_STRESS_SCALE");
    if (env != NULL && env[0] != '\0') {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1 && v <= HOLDS_SCALE_MAX)
            scale = v;
    }
    return (unsigned)scale;
}

void holds_config_init(holds_config *cfg, const char *url, unsigned workers, holds_clock *clock)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    memset(cfg, 0, sizeof *cfg);
    cfg->workers = workers;
    cfg->clock = clock;
    /* TSan slows the instrumented code, not a durable store's syncs: only the
     * memory: run is scaled down (a shorter durable one missed paths). */
    bool memory = strncmp(url, "memory:", 7) == 0;
    unsigned ops = memory ? HOLDS_OPS_MEMORY : HOLDS_OPS_DURABLE;
    cfg->ops_per_worker = memory ? ops * scale_percent() / 100 : ops;
    if (cfg->ops_per_worker == 0)
        cfg->ops_per_worker = 1;
    /* A shorter run (TSan, a durable store) fills smaller resources, so that it
     * still reaches every path, insufficient_capacity included. */
    cfg->capacity = cfg->ops_per_worker / HOLDS_OPS_PER_UNIT;
    if (cfg->capacity > HOLDS_CAPACITY)
        cfg->capacity = HOLDS_CAPACITY;
    if (cfg->capacity < HOLDS_CAPACITY_MIN)
        cfg->capacity = HOLDS_CAPACITY_MIN;
    cfg->seed = test_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20));
    const char *env = getenv("BOOKING_STRESS_SEED");
    if (env != NULL && env[0] != '\0')
        cfg->seed = strtoull(env, NULL, 10);
    snprintf(cfg->prefix, sizeof cfg->prefix, "sh%ld-%lx", (long)getpid(),
             (unsigned long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000) & 0xffffffffUL);
    /* The test clock starts at the real time, then runs ahead of it. */
    atomic_store(&clock->now_ms, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    fprintf(stderr, "stress holds: %s, %u workers x %u operations, capacity %llu, seed %llu, "
            "ids %s-*\n", url, workers, cfg->ops_per_worker, (unsigned long long)cfg->capacity,
            (unsigned long long)cfg->seed, cfg->prefix);
}

void holds_resource_id(char *out, size_t size, const holds_config *cfg, unsigned index)
{
    snprintf(out, size, "%s-r%u", cfg->prefix, index);
}

static void booking_id_of(char *out, size_t size, const holds_config *cfg, uint32_t owner,
                          uint32_t seq)
{
    snprintf(out, size, "%s-b%u-%u", cfg->prefix, owner, seq);
}

bool holds_setup(booking_store *store, const holds_config *cfg)
{
    for (unsigned i = 0; i < HOLDS_RESOURCES; i++) {
        char rid[HOLDS_ID_SIZE];
        booking_reason reason;
        holds_resource_id(rid, sizeof rid, cfg, i);
        if (booking_set_capacity(store, rid, cfg->capacity, &reason, NULL) != BOOKING_OK ||
            reason != BOOKING_REASON_OK) {
            fprintf(stderr, "stress holds: cannot create %s\n", rid);
            return false;
        }
    }
    return true;
}

/* ---- the request of an id ---- */

typedef struct holds_params {
    unsigned resource;
    uint64_t units, hold_ms;
} holds_params;

static holds_params id_params(const holds_config *cfg, uint32_t owner, uint32_t seq)
{
    uint64_t h = test_mix64(cfg->seed ^ test_mix64(((uint64_t)owner << 32) | seq));
    holds_params p = {.resource = (unsigned)(h % HOLDS_RESOURCES),
                      .units = 1 + (h >> 8) % HOLDS_UNITS_MAX};
    if ((h >> 16) % HOLDS_PLAIN_ONE_IN != 0)
        p.hold_ms = 1 + (h >> 24) % HOLDS_HOLD_MS_MAX;
    return p;
}

/* A request that differs from the id's own: other units, another hold_ms, or a
 * hold where there was none (or the other way round). */
static holds_params conflict_params(holds_params p, uint64_t r)
{
    switch (r % 3) {
    case 0: p.units += 1; break;
    case 1: p.hold_ms += 1; break;
    default: p.hold_ms = p.hold_ms != 0 ? 0 : 1 + r % HOLDS_HOLD_MS_MAX; break;
    }
    return p;
}

/* ---- the worker ---- */

static holds_call *log_add(holds_log *log)
{
    if (log->count == log->capacity) {
        size_t cap = log->capacity ? log->capacity * 2 : HOLDS_LOG_FIRST;
        holds_call *calls = realloc(log->calls, cap * sizeof *calls);
        if (calls == NULL)
            return NULL;
        log->calls = calls;
        log->capacity = cap;
    }
    holds_call *c = &log->calls[log->count++];
    memset(c, 0, sizeof *c);
    return c;
}

void holds_log_free(holds_log *log)
{
    free(log->calls);
    memset(log, 0, sizeof *log);
}

typedef struct id_ring {
    uint32_t owner[HOLDS_RING], seq[HOLDS_RING];
    unsigned count, next;
} id_ring;

typedef struct worker_state {
    booking_store *store;
    const holds_config *cfg;
    unsigned worker;
    holds_log *log;
    uint64_t rng;
    uint32_t next_seq;
    uint64_t call_seq;
    id_ring holds, active; /* own ids that were answered held, and active */
    char rid[HOLDS_RESOURCES][HOLDS_ID_SIZE];
} worker_state;

static void ring_push(id_ring *r, uint32_t owner, uint32_t seq)
{
    r->owner[r->next] = owner;
    r->seq[r->next] = seq;
    r->next = (r->next + 1) % HOLDS_RING;
    if (r->count < HOLDS_RING)
        r->count++;
}

/* The most recent entries first, more often. */
static bool ring_pick(worker_state *w, const id_ring *r, uint32_t *owner, uint32_t *seq)
{
    if (r->count == 0)
        return false;
    unsigned back = test_rng_below(&w->rng, r->count);
    back = test_rng_below(&w->rng, back + 1);
    unsigned at = (r->next + HOLDS_RING - 1 - back) % HOLDS_RING;
    *owner = r->owner[at];
    *seq = r->seq[at];
    return true;
}

/* The most recent entry, taken out: an active booking is cancelled once, so that the
 * resources do not fill up with bookings that never expire. */
static bool ring_take(id_ring *r, uint32_t *owner, uint32_t *seq)
{
    if (r->count == 0)
        return false;
    r->next = (r->next + HOLDS_RING - 1) % HOLDS_RING;
    r->count--;
    *owner = r->owner[r->next];
    *seq = r->seq[r->next];
    return true;
}

static void pick_id(worker_state *w, uint32_t *owner, uint32_t *seq)
{
    *owner = test_rng_below(&w->rng, w->cfg->workers);
    uint32_t known = w->next_seq + 1;
    uint32_t window = known < HOLDS_RECENT_WINDOW ? known : HOLDS_RECENT_WINDOW;
    *seq = test_rng_below(&w->rng, 2) == 0 ? w->next_seq - test_rng_below(&w->rng, window)
                                      : test_rng_below(&w->rng, known);
}

static void call_begin(worker_state *w, holds_call *c)
{
    c->clock_before_ms = atomic_load(&w->cfg->clock->now_ms);
    c->start_ns = test_now_ns();
}

static void call_end(worker_state *w, holds_call *c)
{
    c->end_ns = test_now_ns();
    c->clock_after_ms = atomic_load(&w->cfg->clock->now_ms);
    c->worker = (uint16_t)w->worker;
}

/* Fills the attempt entries of one call; choose picks id and request per entry. */
static void choose_attempt(worker_state *w, holds_call *c, unsigned kind)
{
    holds_params p;
    if (kind == 0) { /* fresh */
        c->owner = w->worker;
        c->seq = w->next_seq++;
        p = id_params(w->cfg, c->owner, c->seq);
    } else {
        if (kind == 2 || test_rng_below(&w->rng, 100) >= HOLDS_OWN_REPLAY_PCT ||
            !ring_pick(w, &w->holds, &c->owner, &c->seq))
            pick_id(w, &c->owner, &c->seq);
        p = id_params(w->cfg, c->owner, c->seq);
        if (kind == 2)
            p = conflict_params(p, test_rng_next(&w->rng));
    }
    c->kind = HOLDS_CALL_ATTEMPT;
    c->resource = (uint8_t)p.resource;
    c->units = p.units;
    c->hold_ms = p.hold_ms;
}

/* kind: 0 fresh, 1 replay, 2 conflicting repeat; n > 1: a batch of fresh ids. */
static bool run_attempts(worker_state *w, unsigned kind, unsigned n)
{
    booking_request req[HOLDS_BATCH_MAX];
    booking_result res[HOLDS_BATCH_MAX];
    char ids[HOLDS_BATCH_MAX][HOLDS_ID_SIZE];
    holds_call calls[HOLDS_BATCH_MAX];
    memset(calls, 0, sizeof calls);
    for (unsigned i = 0; i < n; i++) {
        choose_attempt(w, &calls[i], kind);
        booking_id_of(ids[i], sizeof ids[i], w->cfg, calls[i].owner, calls[i].seq);
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = w->rid[calls[i].resource],
                                   .units = calls[i].units, .hold_ms = calls[i].hold_ms};
    }
    holds_call span = {0};
    call_begin(w, &span);
    booking_error e = n == 1 ? booking_attempt(w->store, &req[0], &res[0])
                             : booking_attempt_batch(w->store, req, n, res);
    call_end(w, &span);
    w->call_seq++;
    for (unsigned i = 0; i < n; i++) {
        holds_call *c = log_add(w->log);
        if (c == NULL)
            return false;
        *c = calls[i];
        c->start_ns = span.start_ns;
        c->end_ns = span.end_ns;
        c->clock_before_ms = span.clock_before_ms;
        c->clock_after_ms = span.clock_after_ms;
        c->worker = span.worker;
        c->call_seq = w->call_seq;
        c->batch_size = (uint16_t)n;
        c->answered = e == BOOKING_OK;
        if (e != BOOKING_OK)
            continue;
        c->outcome = (uint8_t)res[i].outcome;
        c->reason = (uint8_t)res[i].reason;
        c->replayed = res[i].replayed;
        c->status = (uint8_t)res[i].status;
        c->expires_at_ms = res[i].expires_at_ms;
        bool fresh = res[i].outcome == BOOKING_BOOKED && !res[i].replayed;
        if (fresh && c->hold_ms != 0)
            c->time_ms = res[i].expires_at_ms - (int64_t)c->hold_ms;
        if (fresh && kind == 0)
            ring_push(c->hold_ms != 0 ? &w->holds : &w->active, c->owner, c->seq);
    }
    return true;
}

/* A confirm or a cancel of one id. */
static bool run_change(worker_state *w, holds_call_kind kind)
{
    holds_call *c = log_add(w->log);
    if (c == NULL)
        return false;
    c->kind = (uint8_t)kind;
    bool confirm = kind == HOLDS_CALL_CONFIRM;
    unsigned own_pct = confirm ? HOLDS_OWN_HOLD_PCT : HOLDS_OWN_ACTIVE_PCT;
    bool own = test_rng_below(&w->rng, 100) < own_pct &&
               (confirm ? ring_pick(w, &w->holds, &c->owner, &c->seq)
                        : ring_take(&w->active, &c->owner, &c->seq));
    if (!own) {
        /* A cancel not of an active booking is mostly of a recent hold. */
        if (confirm || test_rng_below(&w->rng, 2) == 0 || !ring_pick(w, &w->holds, &c->owner, &c->seq))
            pick_id(w, &c->owner, &c->seq);
    }
    char id[HOLDS_ID_SIZE];
    booking_id_of(id, sizeof id, w->cfg, c->owner, c->seq);
    booking_reason reason = BOOKING_REASON_INTERNAL;
    booking_record rec;
    memset(&rec, 0, sizeof rec);
    rec.units = UINT64_MAX; /* to tell a written record from an untouched one */
    call_begin(w, c);
    booking_error e = kind == HOLDS_CALL_CONFIRM ? booking_confirm(w->store, id, &reason, &rec)
                                                 : booking_cancel(w->store, id, &reason, &rec);
    call_end(w, c);
    c->call_seq = ++w->call_seq;
    c->answered = e == BOOKING_OK;
    c->reason = (uint8_t)reason;
    c->has_record = e == BOOKING_OK && rec.units != UINT64_MAX;
    if (c->has_record) {
        c->status = (uint8_t)rec.status;
        c->expires_at_ms = rec.expires_at_ms;
        c->units = rec.units;
        c->hold_ms = rec.hold_ms;
        if (reason == BOOKING_REASON_CONFIRMED || reason == BOOKING_REASON_CANCELLED)
            c->time_ms = rec.updated_at_ms;
    }
    if (e == BOOKING_OK && reason == BOOKING_REASON_CONFIRMED)
        ring_push(&w->active, c->owner, c->seq);
    return true;
}

static bool run_get(worker_state *w)
{
    holds_call *c = log_add(w->log);
    if (c == NULL)
        return false;
    c->kind = HOLDS_CALL_GET_RESOURCE;
    c->resource = (uint8_t)test_rng_below(&w->rng, HOLDS_RESOURCES);
    booking_reason reason = BOOKING_REASON_INTERNAL;
    booking_resource r;
    memset(&r, 0, sizeof r);
    call_begin(w, c);
    booking_error e = booking_get_resource(w->store, w->rid[c->resource], &reason, &r);
    call_end(w, c);
    c->call_seq = ++w->call_seq;
    c->answered = e == BOOKING_OK;
    c->reason = (uint8_t)reason;
    c->booked = r.booked;
    c->capacity = r.capacity;
    c->time_ms = r.as_of_ms;
    return true;
}

static void worker_init(worker_state *w, booking_store *store, const holds_config *cfg,
                        unsigned index, holds_log *log, uint64_t salt)
{
    memset(w, 0, sizeof *w);
    w->store = store;
    w->cfg = cfg;
    w->worker = index;
    w->log = log;
    w->rng = test_mix64(cfg->seed + salt * (index + 1));
    for (unsigned i = 0; i < HOLDS_RESOURCES; i++)
        holds_resource_id(w->rid[i], sizeof w->rid[i], cfg, i);
}

static bool run_one(worker_state *w)
{
    unsigned roll = test_rng_below(&w->rng, 100), at = 0;
    if (roll < (at += HOLDS_CONFIRM_PCT))
        return run_change(w, HOLDS_CALL_CONFIRM);
    if (roll < (at += HOLDS_CANCEL_PCT))
        return run_change(w, HOLDS_CALL_CANCEL);
    if (roll < (at += HOLDS_GET_PCT))
        return run_get(w);
    if (roll < (at += HOLDS_REPLAY_PCT))
        return run_attempts(w, 1, 1);
    if (roll < (at += HOLDS_CONFLICT_PCT))
        return run_attempts(w, 2, 1);
    if (roll < (at += HOLDS_BATCH_PCT))
        return run_attempts(w, 0, 2 + test_rng_below(&w->rng, HOLDS_BATCH_MAX - 1));
    return run_attempts(w, 0, 1);
}

bool holds_run_worker(booking_store *store, const holds_config *cfg, unsigned worker,
                      holds_log *log)
{
    worker_state w;
    worker_init(&w, store, cfg, worker, log, 0x51ED27ull);
    for (unsigned op = 0; op < cfg->ops_per_worker; op++) {
        if (test_rng_below(&w.rng, 100) < HOLDS_CLOCK_STEP_PCT)
            atomic_fetch_add(&cfg->clock->now_ms, 1 + (int64_t)test_rng_below(&w.rng,
                                                                         HOLDS_CLOCK_STEP_MS_MAX));
        if (!run_one(&w))
            return false;
    }
    return true;
}

bool holds_run_reader(booking_store *store, const holds_config *cfg, unsigned reader,
                      const atomic_bool *stop, holds_log *log)
{
    worker_state w;
    worker_init(&w, store, cfg, reader, log, 0x7EADull);
    for (unsigned i = 0; i < HOLDS_READS_MAX && !atomic_load(stop); i++) {
        if (!run_get(&w))
            return false;
        struct timespec pause = {.tv_nsec = HOLDS_READ_PAUSE_US * 1000L};
        nanosleep(&pause, NULL);
    }
    return true;
}

/* A write on the resource that leaves it as it was: its capacity up by one and back.
 * A store may answer reads as of their time without applying expiry; a write that
 * touches the resource applies every expiry due (and counts it) in any design. */
static bool touch_resource(booking_store *store, const char *rid, uint64_t capacity)
{
    booking_reason up = BOOKING_REASON_INTERNAL, back = BOOKING_REASON_INTERNAL;
    bool ok = booking_set_capacity(store, rid, capacity + 1, &up, NULL) == BOOKING_OK &&
              booking_set_capacity(store, rid, capacity, &back, NULL) == BOOKING_OK &&
              up == BOOKING_REASON_OK && back == BOOKING_REASON_OK;
    if (!ok)
        fprintf(stderr, "stress holds: touching %s after the run: %s, %s\n", rid,
                booking_reason_name(up), booking_reason_name(back));
    return ok;
}

bool holds_finish(booking_store *store, const holds_config *cfg)
{
    /* Every hold began at or before the clock now, so this is past each one's end. */
    atomic_fetch_add(&cfg->clock->now_ms, HOLDS_HOLD_MS_MAX + 1);
    for (unsigned i = 0; i < HOLDS_RESOURCES; i++) {
        char rid[HOLDS_ID_SIZE];
        holds_resource_id(rid, sizeof rid, cfg, i);
        if (!touch_resource(store, rid, cfg->capacity))
            return false;
    }
    return true;
}

uint64_t holds_expired_stat(booking_store *store)
{
    booking_store_stats stats;
    if (booking_store_get_stats(store, &stats) != BOOKING_OK)
        return UINT64_MAX;
    return stats.holds_expired;
}

/* ---- threads ---- */

typedef struct holds_thread {
    booking_store *store;
    const holds_config *cfg;
    unsigned index;
    holds_log *log;
    const atomic_bool *start_gate;   /* a gate, not a barrier: a failed start cannot hang */
    const atomic_bool *readers_stop; /* NULL for a worker */
    bool ok;
} holds_thread;

static void *holds_thread_main(void *p)
{
    holds_thread *t = p;
    while (!atomic_load(t->start_gate))
        sched_yield();
    t->ok = t->readers_stop == NULL
                ? holds_run_worker(t->store, t->cfg, t->index, t->log)
                : holds_run_reader(t->store, t->cfg, t->index, t->readers_stop, t->log);
    return NULL;
}

bool holds_run_threads(booking_store *store, const holds_config *cfg, unsigned first,
                       unsigned workers, unsigned readers, holds_log *logs)
{
    if (workers + readers > HOLDS_WORKERS_MAX)
        return false;
    pthread_t threads[HOLDS_WORKERS_MAX];
    holds_thread args[HOLDS_WORKERS_MAX];
    atomic_bool start_gate, readers_stop;
    atomic_init(&start_gate, false);
    atomic_init(&readers_stop, false);
    size_t started = 0;
    bool ok = true;
    for (unsigned i = 0; i < workers + readers && ok; i++) {
        args[i] = (holds_thread){.store = store, .cfg = cfg, .index = first + i, .log = &logs[i],
                                 .start_gate = &start_gate,
                                 .readers_stop = i < workers ? NULL : &readers_stop};
        ok = pthread_create(&threads[i], NULL, holds_thread_main, &args[i]) == 0;
        started += ok;
    }
    atomic_store(&start_gate, true);
    for (size_t i = 0; i < started; i++) {
        if (i == workers)
            atomic_store(&readers_stop, true);
        pthread_join(threads[i], NULL);
        ok = ok && args[i].ok;
    }
    atomic_store(&readers_stop, true);
    return ok;
}
