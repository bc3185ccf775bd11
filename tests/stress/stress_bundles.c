/* SPDX-License-Identifier: MIT */
/*
 * stress_bundles.c: the workers of the bundle stress (see stress_bundles.h), the
 * watchdog that stops a run whose call never returns, and the logs.
 */
#include "stress/stress_bundles.h"
#include "support/test_support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BSTRESS_OPS_PER_WORKER 300  /* at scale 100, sqlite:/postgres:; memory: x40 */
#define BSTRESS_MEMORY_FACTOR 20   /* memory: ~100x faster; long enough for a lock-order bug */
#define BSTRESS_CAPACITY_DIVISOR 6  /* capacity = all operations / 6: about half the stays fit */
#define BSTRESS_CAPACITY_MIN 4
#define BSTRESS_LOCK_BOUND_DEFAULT_MS 5000 /* busy_timeout_ms and lock_timeout_ms defaults */
#define BSTRESS_WATCHDOG_PERIOD_MS 20

/* Percentages of the workload's choices. */
#define BSTRESS_CANCEL_PCT 12   /* of operations: a cancel */
#define BSTRESS_CONFIRM_PCT 6   /* of operations: a confirm */
#define BSTRESS_GET_PCT 4       /* of operations: a get_resource */
#define BSTRESS_BATCH_PCT 35    /* of attempt operations: a batch, else one attempt */
#define BSTRESS_REPLAY_PCT 22   /* of attempts: an id of any worker, its own stay */
#define BSTRESS_CONFLICT_PCT 8  /* of attempts: a stay this worker saw decided, changed */
#define BSTRESS_UNKNOWN_PCT 2   /* of attempts: a fresh stay with a night that does not exist */
#define BSTRESS_RECENT_WINDOW 32 /* replays favour ids decided right now */
#define BSTRESS_CONFIRM_WINDOW 8 /* confirms aim at the worker's newest decided ids */
#define BSTRESS_HELD_RECENT 8    /* ... and mostly at its newest holds */
#define BSTRESS_CONFIRM_HELD_PCT 75

int64_t bstress_clock_read(void *context)
{
    bstress_clock *clock = context;
    return atomic_load(&clock->now_ms);
}

/* ---- stays ---- */

bstress_stay bstress_stay_of(const bstress_config *cfg, int ns, uint32_t owner, uint32_t seq)
{
    uint64_t h = test_mix64(cfg->seed ^ test_mix64(((uint64_t)owner << 32) ^ seq ^
                                                   ((uint64_t)ns << 56)));
    bstress_stay s = {.first = (unsigned)(h % BSTRESS_NIGHTS),
                      .nights = 1 + (unsigned)((h >> 8) % BSTRESS_STAY_MAX),
                      .descending = (h >> 16) % 4 == 0,
                      .units = 1 + (h >> 20) % BSTRESS_UNITS_MAX,
                      .unknown_line = -1};
    if (s.first + s.nights > BSTRESS_NIGHTS)
        s.first = BSTRESS_NIGHTS - s.nights;
    if ((h >> 24) % 5 == 0)
        s.hold_ms = 1 + (h >> 28) % BSTRESS_HOLD_MS_MAX;
    if (ns == BSTRESS_NS_UNKNOWN)
        s.unknown_line = (int)((h >> 40) % s.nights);
    return s;
}

unsigned bstress_night_of_line(const bstress_stay *stay, unsigned i)
{
    if ((int)i == stay->unknown_line)
        return BSTRESS_UNKNOWN_NIGHT;
    return stay->descending ? stay->first + stay->nights - 1 - i : stay->first + i;
}

void bstress_night_id(char *out, size_t size, const bstress_config *cfg, unsigned night)
{
    if (night == BSTRESS_UNKNOWN_NIGHT)
        snprintf(out, size, "%s-nX", cfg->prefix);
    else
        snprintf(out, size, "%s-n%02u", cfg->prefix, night);
}

void bstress_booking_id(char *out, size_t size, const bstress_config *cfg, int ns,
                        uint32_t owner, uint32_t seq)
{
    snprintf(out, size, "%s-%c%u-%u", cfg->prefix, ns, owner, seq);
}

/* ---- configuration ---- */

static int64_t url_option_ms(const char *url, const char *name, int64_t fallback)
{
    const char *at = strstr(url, name);
    if (at == NULL)
        return fallback;
    return strtoll(at + strlen(name), NULL, 10);
}

static unsigned scale_percent(void)
{
    long scale = 100;
#ifdef BOOKING_STRESS_TSAN
    scale = 25; /* TSan is ~10x slower: keep the run a few seconds */
#endif
    const char *env = getenv("BOOKING_STRESS_SCALE");
    if (env != NULL && env[0] != '\0') {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 10000)
            scale = v;
    }
    return (unsigned)scale;
}

void bstress_config_init(bstress_config *cfg, const char *url, unsigned workers,
                         bstress_clock *clock)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    memset(cfg, 0, sizeof *cfg);
    cfg->url = url;
    cfg->workers = workers;
    cfg->clock = clock;
    bool memory = strncmp(url, "memory:", 7) == 0;
    cfg->ops_per_worker = BSTRESS_OPS_PER_WORKER * scale_percent() / 100;
    if (memory)
        cfg->ops_per_worker *= BSTRESS_MEMORY_FACTOR;
    if (cfg->ops_per_worker == 0)
        cfg->ops_per_worker = 1;
    cfg->capacity = (uint64_t)cfg->ops_per_worker * workers / BSTRESS_CAPACITY_DIVISOR;
    if (cfg->capacity < BSTRESS_CAPACITY_MIN)
        cfg->capacity = BSTRESS_CAPACITY_MIN;
    if (memory)
        cfg->bound_ms = BSTRESS_MEMORY_BOUND_MS;
    else if (strncmp(url, "sqlite:", 7) == 0)
        cfg->bound_ms = url_option_ms(url, "busy_timeout_ms=", BSTRESS_LOCK_BOUND_DEFAULT_MS);
    else
        cfg->bound_ms = url_option_ms(url, "lock_timeout_ms=", BSTRESS_LOCK_BOUND_DEFAULT_MS);
    cfg->seed = test_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20));
    const char *env = getenv("BOOKING_STRESS_SEED");
    if (env != NULL && env[0] != '\0')
        cfg->seed = strtoull(env, NULL, 10);
    snprintf(cfg->prefix, sizeof cfg->prefix, "bs%ld-%lx", (long)getpid(),
             (unsigned long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000) & 0xffffffffUL);
    atomic_store(&clock->now_ms, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    fprintf(stderr,
            "bundle stress: %s, %u workers x %u operations, %u nights of capacity %llu, "
            "lock bound %lld ms, seed %llu, ids %s-*\n",
            url, workers, cfg->ops_per_worker, BSTRESS_NIGHTS, (unsigned long long)cfg->capacity,
            (long long)cfg->bound_ms, (unsigned long long)cfg->seed, cfg->prefix);
}

bool bstress_setup(booking_store *store, const bstress_config *cfg)
{
    for (unsigned n = 0; n < BSTRESS_NIGHTS; n++) {
        char id[BSTRESS_ID_SIZE];
        booking_reason reason;
        bstress_night_id(id, sizeof id, cfg, n);
        if (booking_set_capacity(store, id, cfg->capacity, &reason, NULL) != BOOKING_OK ||
            reason != BOOKING_REASON_OK) {
            fprintf(stderr, "bundle stress: cannot create %s: %s\n", id,
                    booking_reason_name(reason));
            return false;
        }
    }
    return true;
}

/* ---- the watchdog: one per process ---- */

static _Atomic int64_t in_call_since_ns[BSTRESS_WORKERS_MAX]; /* 0: not in a call */
static atomic_bool watchdog_stop;

typedef struct watchdog_arg {
    const bstress_config *cfg;
    unsigned count;
} watchdog_arg;

static void *watchdog_main(void *p)
{
    const watchdog_arg *a = p;
    const int64_t limit_ns = (a->cfg->bound_ms + 2 * BSTRESS_SLACK_MS) * 1000000;
    while (!atomic_load(&watchdog_stop)) {
        int64_t now = test_now_ns();
        for (unsigned i = 0; i < a->count; i++) {
            int64_t since = atomic_load(&in_call_since_ns[i]);
            if (since != 0 && now - since > limit_ns) {
                fprintf(stderr,
                        "bundle stress: a call of thread %u has not returned in %lld ms "
                        "(lock bound %lld ms): a deadlock; stopping the run\n",
                        i, (long long)((now - since) / 1000000), (long long)a->cfg->bound_ms);
                fflush(stderr);
                _exit(3);
            }
        }
        struct timespec pause = {.tv_nsec = BSTRESS_WATCHDOG_PERIOD_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* ---- the worker ---- */

typedef struct worker_state {
    booking_store *store;
    const bstress_config *cfg;
    unsigned worker, slot; /* slot: the thread's index in this process */
    bstress_log *log;
    uint64_t rng;
    uint32_t next_seq, next_unknown;
    uint32_t *decided; /* own seqs this worker saw decided: conflicts aim at them */
    size_t decided_count;
    uint32_t held[BSTRESS_HELD_RECENT]; /* a ring of own seqs freshly BOOKED as holds */
    unsigned held_count;
    uint64_t call_seq;
    char nights[BSTRESS_NIGHTS + 1][BSTRESS_ID_SIZE];
} worker_state;

static bstress_call *log_add(bstress_log *log)
{
    if (log->count == log->capacity) {
        size_t cap = log->capacity ? log->capacity * 2 : 1024;
        bstress_call *calls = realloc(log->calls, cap * sizeof *calls);
        if (calls == NULL)
            return NULL;
        log->calls = calls;
        log->capacity = cap;
    }
    bstress_call *c = &log->calls[log->count++];
    memset(c, 0, sizeof *c);
    return c;
}

void bstress_log_free(bstress_log *log)
{
    free(log->calls);
    memset(log, 0, sizeof *log);
}

/* Some id of any worker: a recent one half the time (to race its decider). */
static void pick_id(worker_state *w, uint32_t *owner, uint32_t *seq)
{
    *owner = test_rng_below(&w->rng, w->cfg->workers);
    uint32_t known = w->next_seq + 1;
    if (test_rng_below(&w->rng, 2) == 0) {
        uint32_t window = known < BSTRESS_RECENT_WINDOW ? known : BSTRESS_RECENT_WINDOW;
        *seq = w->next_seq - test_rng_below(&w->rng, window);
    } else {
        *seq = test_rng_below(&w->rng, known);
    }
}

/* One request of an attempt call: its booking id, lines and form, logged in *c. */
typedef struct request_room {
    char id[BSTRESS_ID_SIZE];
    booking_line lines[BSTRESS_STAY_MAX];
} request_room;

static void make_request(worker_state *w, bstress_call *c, request_room *room,
                         booking_request *req)
{
    unsigned roll = test_rng_below(&w->rng, 100);
    c->ns = BSTRESS_NS_STAY;
    c->variant = BSTRESS_AS_DECIDED;
    if (roll < BSTRESS_REPLAY_PCT) {
        pick_id(w, &c->owner, &c->seq);
    } else if (roll < BSTRESS_REPLAY_PCT + BSTRESS_CONFLICT_PCT && w->decided_count > 0) {
        c->owner = w->worker;
        c->seq = w->decided[test_rng_below(&w->rng, (unsigned)w->decided_count)];
        c->variant = BSTRESS_CONFLICTING;
    } else if (roll < BSTRESS_REPLAY_PCT + BSTRESS_CONFLICT_PCT + BSTRESS_UNKNOWN_PCT) {
        c->ns = BSTRESS_NS_UNKNOWN;
        c->owner = w->worker;
        c->seq = w->next_unknown++;
    } else {
        c->owner = w->worker;
        c->seq = w->next_seq++;
    }
    bstress_stay stay = bstress_stay_of(w->cfg, c->ns, c->owner, c->seq);
    for (unsigned i = 0; i < stay.nights; i++)
        room->lines[i] = (booking_line){.resource_id = w->nights[bstress_night_of_line(&stay, i)],
                                        .units = stay.units};
    if (c->variant == BSTRESS_CONFLICTING) {
        uint64_t r = test_rng_next(&w->rng);
        if (stay.nights > 1 && (r & 1)) {
            booking_line first = room->lines[0];
            room->lines[0] = room->lines[stay.nights - 1];
            room->lines[stay.nights - 1] = first;
        } else {
            room->lines[(r >> 1) % stay.nights].units += 1;
        }
    }
    bstress_booking_id(room->id, sizeof room->id, w->cfg, c->ns, c->owner, c->seq);
    c->single_form = stay.nights == 1 && test_rng_below(&w->rng, 2) == 0;
    if (c->single_form)
        *req = (booking_request){.booking_id = room->id, .resource_id = room->lines[0].resource_id,
                                 .units = room->lines[0].units, .hold_ms = stay.hold_ms};
    else
        *req = (booking_request){.booking_id = room->id, .lines = room->lines,
                                 .line_count = stay.nights, .hold_ms = stay.hold_ms};
}

static void call_begins(worker_state *w, int64_t *start)
{
    *start = test_now_ns();
    atomic_store(&in_call_since_ns[w->slot], *start);
}

static int64_t call_ends(worker_state *w)
{
    atomic_store(&in_call_since_ns[w->slot], 0);
    return test_now_ns();
}

static bool run_attempts(worker_state *w)
{
    bool batch = test_rng_below(&w->rng, 100) < BSTRESS_BATCH_PCT;
    unsigned n = batch ? 2 + test_rng_below(&w->rng, BSTRESS_BATCH_MAX - 1) : 1;
    request_room rooms[BSTRESS_BATCH_MAX];
    booking_request req[BSTRESS_BATCH_MAX];
    booking_result res[BSTRESS_BATCH_MAX];
    bstress_call calls[BSTRESS_BATCH_MAX];
    memset(calls, 0, sizeof calls);
    for (unsigned i = 0; i < n; i++)
        make_request(w, &calls[i], &rooms[i], &req[i]);
    int64_t start;
    call_begins(w, &start);
    booking_error e = batch ? booking_attempt_batch(w->store, req, n, res)
                            : booking_attempt(w->store, &req[0], &res[0]);
    int64_t end = call_ends(w);
    w->call_seq++;
    for (unsigned i = 0; i < n; i++) {
        bstress_call *c = log_add(w->log);
        if (c == NULL)
            return false;
        *c = calls[i];
        c->kind = BSTRESS_CALL_ATTEMPT;
        c->start_ns = start;
        c->end_ns = end;
        c->call_seq = w->call_seq;
        c->worker = (uint16_t)w->worker;
        c->batch_size = (uint16_t)n;
        c->error = e != BOOKING_OK;
        if (e != BOOKING_OK)
            continue;
        c->outcome = (uint8_t)res[i].outcome;
        c->reason = (uint8_t)res[i].reason;
        c->replayed = res[i].replayed;
        c->status = (uint8_t)res[i].status;
        c->line = res[i].line;
        bool recorded = res[i].reason == BOOKING_REASON_BOOKED ||
                        res[i].reason == BOOKING_REASON_INSUFFICIENT_CAPACITY;
        if (recorded && c->ns == BSTRESS_NS_STAY && c->owner == w->worker &&
            c->variant == BSTRESS_AS_DECIDED && w->decided_count < w->cfg->ops_per_worker *
                                                                       BSTRESS_BATCH_MAX)
            w->decided[w->decided_count++] = c->seq;
        if (recorded && !c->replayed && c->status == BOOKING_STATUS_HELD &&
            c->ns == BSTRESS_NS_STAY && c->owner == w->worker)
            w->held[w->held_count++ % BSTRESS_HELD_RECENT] = c->seq;
    }
    return true;
}

/* A cancel of some id, or a confirm of one this worker decided last, mostly of
 * its newest holds (a hold lives a few steps; cancels of any worker race it). */
static bool run_change(worker_state *w, bstress_call_kind kind)
{
    bstress_call *c = log_add(w->log);
    if (c == NULL)
        return false;
    c->kind = (uint8_t)kind;
    c->ns = BSTRESS_NS_STAY;
    bool held = w->held_count > 0 && test_rng_below(&w->rng, 100) < BSTRESS_CONFIRM_HELD_PCT;
    if (kind == BSTRESS_CALL_CONFIRM && held) {
        unsigned n = w->held_count < BSTRESS_HELD_RECENT ? w->held_count : BSTRESS_HELD_RECENT;
        c->owner = w->worker;
        c->seq = w->held[test_rng_below(&w->rng, n)];
    } else if (kind == BSTRESS_CALL_CONFIRM && w->decided_count > 0) {
        unsigned window = w->decided_count < BSTRESS_CONFIRM_WINDOW ? (unsigned)w->decided_count
                                                                     : BSTRESS_CONFIRM_WINDOW;
        c->owner = w->worker;
        c->seq = w->decided[w->decided_count - 1 - test_rng_below(&w->rng, window)];
    } else {
        pick_id(w, &c->owner, &c->seq);
    }
    char id[BSTRESS_ID_SIZE];
    bstress_booking_id(id, sizeof id, w->cfg, c->ns, c->owner, c->seq);
    booking_reason reason = BOOKING_REASON_INTERNAL;
    call_begins(w, &c->start_ns);
    booking_error e = kind == BSTRESS_CALL_CANCEL ? booking_cancel(w->store, id, &reason, NULL)
                                                  : booking_confirm(w->store, id, &reason, NULL);
    c->end_ns = call_ends(w);
    c->call_seq = ++w->call_seq;
    c->worker = (uint16_t)w->worker;
    c->error = e != BOOKING_OK;
    c->reason = (uint8_t)reason;
    return true;
}

static bool run_get(worker_state *w)
{
    bstress_call *c = log_add(w->log);
    if (c == NULL)
        return false;
    c->kind = BSTRESS_CALL_GET_RESOURCE;
    c->night = (uint8_t)test_rng_below(&w->rng, BSTRESS_NIGHTS);
    booking_reason reason = BOOKING_REASON_INTERNAL;
    booking_resource r = {0};
    call_begins(w, &c->start_ns);
    booking_error e = booking_get_resource(w->store, w->nights[c->night], &reason, &r);
    c->end_ns = call_ends(w);
    c->call_seq = ++w->call_seq;
    c->worker = (uint16_t)w->worker;
    c->error = e != BOOKING_OK;
    c->reason = (uint8_t)reason;
    c->booked = r.booked;
    c->capacity = r.capacity;
    return true;
}

static bool run_worker(worker_state *w)
{
    for (unsigned i = 0; i <= BSTRESS_NIGHTS; i++)
        bstress_night_id(w->nights[i], sizeof w->nights[i], w->cfg, i);
    for (unsigned op = 0; op < w->cfg->ops_per_worker; op++) {
        atomic_fetch_add(&w->cfg->clock->now_ms, 1); /* holds end while the run goes on */
        unsigned roll = test_rng_below(&w->rng, 100);
        bool ok = roll < BSTRESS_CANCEL_PCT ? run_change(w, BSTRESS_CALL_CANCEL)
                  : roll < BSTRESS_CANCEL_PCT + BSTRESS_CONFIRM_PCT
                      ? run_change(w, BSTRESS_CALL_CONFIRM)
                  : roll < BSTRESS_CANCEL_PCT + BSTRESS_CONFIRM_PCT + BSTRESS_GET_PCT
                      ? run_get(w)
                      : run_attempts(w);
        if (!ok)
            return false;
    }
    return true;
}

typedef struct thread_arg {
    worker_state w;
    pthread_barrier_t *start;
    bool ok;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    pthread_barrier_wait(a->start);
    a->ok = run_worker(&a->w);
    return NULL;
}

bool bstress_run_threads(booking_store *store, const bstress_config *cfg, unsigned first_worker,
                         unsigned count, bstress_log *logs)
{
    if (count == 0 || count > BSTRESS_WORKERS_MAX || first_worker + count > cfg->workers)
        return false;
    thread_arg *args = calloc(count, sizeof *args);
    pthread_t *threads = calloc(count, sizeof *threads);
    uint32_t *decided = calloc((size_t)count * cfg->ops_per_worker * BSTRESS_BATCH_MAX,
                               sizeof *decided);
    pthread_barrier_t start;
    bool ok = args != NULL && threads != NULL && decided != NULL &&
              pthread_barrier_init(&start, NULL, count) == 0;
    if (!ok) {
        free(args);
        free(threads);
        free(decided);
        return false;
    }
    atomic_store(&watchdog_stop, false);
    watchdog_arg wa = {.cfg = cfg, .count = count};
    pthread_t watchdog;
    bool watching = pthread_create(&watchdog, NULL, watchdog_main, &wa) == 0;
    unsigned started = 0;
    for (unsigned t = 0; t < count; t++) {
        unsigned worker = first_worker + t;
        args[t].w = (worker_state){.store = store, .cfg = cfg, .worker = worker, .slot = t,
                                   .log = &logs[t],
                                   .decided = decided + (size_t)t * cfg->ops_per_worker *
                                                            BSTRESS_BATCH_MAX};
        args[t].w.rng = test_mix64(cfg->seed + 0xB0D1Eull * (worker + 1));
        args[t].start = &start;
        if (pthread_create(&threads[t], NULL, thread_main, &args[t]) != 0)
            break;
        started++;
    }
    if (started < count) {
        /* The barrier waits for count threads: without them nobody may go. */
        fprintf(stderr, "bundle stress: could not start thread %u\n", started);
        _exit(4);
    }
    for (unsigned t = 0; t < count; t++) {
        pthread_join(threads[t], NULL);
        ok = ok && args[t].ok;
    }
    atomic_store(&watchdog_stop, true);
    if (watching)
        pthread_join(watchdog, NULL);
    pthread_barrier_destroy(&start);
    free(args);
    free(threads);
    free(decided);
    return ok && watching;
}

/* ---- logs in files (the process run) ---- */

bool bstress_log_write(const bstress_log *log, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    size_t count = log->count;
    bool ok = fwrite(&count, sizeof count, 1, f) == 1 &&
              fwrite(log->calls, sizeof *log->calls, count, f) == count;
    return fclose(f) == 0 && ok;
}

bool bstress_log_read(bstress_log *log, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    size_t count;
    bool ok = fread(&count, sizeof count, 1, f) == 1 && count < SIZE_MAX / sizeof(bstress_call);
    if (ok) {
        log->calls = malloc((count ? count : 1) * sizeof *log->calls);
        ok = log->calls != NULL && fread(log->calls, sizeof *log->calls, count, f) == count;
        log->count = ok ? count : 0;
        log->capacity = log->count;
    }
    fclose(f);
    return ok;
}
