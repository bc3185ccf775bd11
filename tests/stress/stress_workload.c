/* SPDX-License-Identifier: MIT */
/*
 * stress_workload.c: workers and checker of the stress tests (see the header).
 * The checker trusts nothing but the logs and what the store answers afterwards:
 * the record read back for each booking_id is the truth every logged call about
 * that id is judged against, and each counter is compared with its records.
 */
#include "stress/stress_workload.h"
#include "support/rule_violations.h"
#include "support/test_support.h"
#include "core/names.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STRESS_OPS_PER_WORKER 300      /* at scale 100: ~35k attempts for 8 workers */
#define STRESS_CAPACITY_PER_OP 20      /* capacity = ops * workers * this: full 2/3 in */
#define STRESS_MEMORY_FACTOR 10        /* memory: is ~100x faster: more work, same seconds */
#define STRESS_SCALE_DEFAULT 100
#define STRESS_SCALE_TSAN 25           /* TSan is ~10x slower: keep the run a few seconds */
#define STRESS_SCALE_MAX 10000
#define STRESS_RECENT_WINDOW 32        /* replays favour ids decided right now */
#define STRESS_BIG_UNITS_ONE_IN 512    /* a few attempts ask more than half a resource */
#define STRESS_GROUP_PRINT_MAX 24      /* calls printed for a violating booking_id */
#define STRESS_GROUPS_PRINTED_MAX 10   /* violating booking_ids printed with their calls */

/* ---- ids, parameters, randomness ---- */


typedef struct stress_params {
    unsigned resource;
    uint64_t units;
} stress_params;

/* The request that belongs to booking id (owner, seq): fixed, so that any worker
 * (in any process) can replay any id without being told about it. */
static stress_params id_params(const stress_config *cfg, uint32_t owner, uint32_t seq)
{
    uint64_t h = test_mix64(cfg->seed ^ test_mix64(((uint64_t)owner << 32) | seq));
    stress_params p = {.resource = (unsigned)(h % STRESS_RESOURCES)};
    if ((h >> 8) % STRESS_BIG_UNITS_ONE_IN == 0)
        p.units = cfg->capacity / 2 + 1 + (h >> 16) % 8;
    else
        p.units = 1 + (h >> 16) % STRESS_UNITS_MAX;
    return p;
}

/* A request that differs from the id's own: other units or another resource. */
static stress_params conflict_params(stress_params p, uint64_t r)
{
    if (r & 1)
        p.units += 1;
    else
        p.resource = (p.resource + 1) % STRESS_RESOURCES;
    return p;
}

static void booking_id_of(char *out, size_t size, const stress_config *cfg, int ns,
                          uint32_t owner, uint32_t seq)
{
    snprintf(out, size, "%s-%c%u-%u", cfg->prefix, ns, owner, seq);
}

void stress_resource_id(char *out, size_t size, const stress_config *cfg, unsigned index)
{
    if (index == STRESS_UNKNOWN_RESOURCE)
        snprintf(out, size, "%s-rX", cfg->prefix);
    else
        snprintf(out, size, "%s-r%u", cfg->prefix, index);
}

unsigned stress_scale_percent(void)
{
    long scale = STRESS_SCALE_DEFAULT;
#ifdef BOOKING_STRESS_TSAN
    scale = STRESS_SCALE_TSAN;
#endif
    const char *env = getenv("BOOKING_STRESS_SCALE");
    if (env != NULL && env[0] != '\0') {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1 && v <= STRESS_SCALE_MAX)
            scale = v;
    }
    return (unsigned)scale;
}

void stress_config_init(stress_config *cfg, const char *url, unsigned workers)
{
    unsigned scale = stress_scale_percent();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    memset(cfg, 0, sizeof *cfg);
    cfg->url = url;
    cfg->workers = workers;
    cfg->ops_per_worker = (unsigned)(STRESS_OPS_PER_WORKER * scale / 100);
    if (strncmp(url, "memory:", 7) == 0)
        cfg->ops_per_worker *= STRESS_MEMORY_FACTOR;
    if (cfg->ops_per_worker == 0)
        cfg->ops_per_worker = 1;
    cfg->capacity = (uint64_t)cfg->ops_per_worker * workers * STRESS_CAPACITY_PER_OP;
    cfg->seed = test_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20));
    const char *env = getenv("BOOKING_STRESS_SEED");
    if (env != NULL && env[0] != '\0')
        cfg->seed = strtoull(env, NULL, 10);
    /* pid and time: a shared store (postgres) may hold the ids of earlier runs. */
    snprintf(cfg->prefix, sizeof cfg->prefix, "st%ld-%lx", (long)getpid(),
             (unsigned long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000) & 0xffffffffUL);
    fprintf(stderr, "stress: %s, %u workers x %u operations, capacity %llu, seed %llu, ids %s-*\n",
            url, workers, cfg->ops_per_worker, (unsigned long long)cfg->capacity,
            (unsigned long long)cfg->seed, cfg->prefix);
}

bool stress_setup(booking_store *store, const stress_config *cfg)
{
    for (unsigned i = 0; i < STRESS_RESOURCES; i++) {
        char rid[STRESS_ID_SIZE];
        booking_reason reason;
        stress_resource_id(rid, sizeof rid, cfg, i);
        if (booking_set_capacity(store, rid, cfg->capacity, &reason, NULL) != BOOKING_OK ||
            reason != BOOKING_REASON_OK) {
            fprintf(stderr, "stress: cannot create %s\n", rid);
            return false;
        }
    }
    return true;
}

bool stress_expand_url(char *out, size_t size, const char *url, const char *dir)
{
    return stress_expand_token(out, size, url, "@TMP@", dir);
}

bool stress_expand_token(char *out, size_t size, const char *url, const char *token,
                         const char *value)
{
    size_t used = 0, token_len = strlen(token);
    while (*url != '\0') {
        const char *piece = url;
        size_t len = 1;
        if (strncmp(url, token, token_len) == 0) {
            piece = value;
            len = strlen(value);
            url += token_len;
        } else {
            url++;
        }
        if (used + len + 1 > size)
            return false;
        memcpy(out + used, piece, len);
        used += len;
    }
    out[used] = '\0';
    return true;
}

/* ---- the worker ---- */

static stress_call *log_add(stress_log *log)
{
    if (log->count == log->capacity) {
        size_t cap = log->capacity ? log->capacity * 2 : 1024;
        stress_call *calls = realloc(log->calls, cap * sizeof *calls);
        if (calls == NULL)
            return NULL;
        log->calls = calls;
        log->capacity = cap;
    }
    stress_call *c = &log->calls[log->count++];
    memset(c, 0, sizeof *c);
    return c;
}

void stress_log_free(stress_log *log)
{
    free(log->calls);
    memset(log, 0, sizeof *log);
}

typedef struct worker_state {
    booking_store *store;
    const stress_config *cfg;
    unsigned worker;
    stress_log *log;
    uint64_t rng;
    uint32_t next_seq, next_unknown;
    uint32_t last_cancel_owner, last_cancel_seq;
    uint64_t call_seq;
    char rid[STRESS_RESOURCES + 1][STRESS_ID_SIZE];
} worker_state;

/* Some id of any worker: a recent one half the time (to race its decider). */
static void pick_id(worker_state *w, uint32_t *owner, uint32_t *seq)
{
    *owner = test_rng_below(&w->rng, w->cfg->workers);
    uint32_t known = w->next_seq + 1;
    if (test_rng_below(&w->rng, 2) == 0) {
        uint32_t window = known < STRESS_RECENT_WINDOW ? known : STRESS_RECENT_WINDOW;
        *seq = w->next_seq - test_rng_below(&w->rng, window);
    } else {
        *seq = test_rng_below(&w->rng, known);
    }
}

static bool run_attempts(worker_state *w)
{
    const stress_config *cfg = w->cfg;
    bool single = test_rng_below(&w->rng, 100) < STRESS_SINGLE_PCT;
    unsigned n = single ? 1 : 1 + test_rng_below(&w->rng, STRESS_BATCH_MAX);
    booking_request req[STRESS_BATCH_MAX];
    booking_result res[STRESS_BATCH_MAX];
    char ids[STRESS_BATCH_MAX][STRESS_ID_SIZE];
    stress_call calls[STRESS_BATCH_MAX];
    memset(calls, 0, sizeof calls);
    for (unsigned i = 0; i < n; i++) {
        stress_call *c = &calls[i];
        unsigned roll = test_rng_below(&w->rng, 100);
        stress_params p;
        c->ns = STRESS_NS_BOOKING;
        if (roll < STRESS_REPLAY_PCT) {
            pick_id(w, &c->owner, &c->seq);
            p = id_params(cfg, c->owner, c->seq);
        } else if (roll < STRESS_REPLAY_PCT + STRESS_CONFLICT_PCT) {
            pick_id(w, &c->owner, &c->seq);
            p = conflict_params(id_params(cfg, c->owner, c->seq), test_rng_next(&w->rng));
        } else if (roll < STRESS_REPLAY_PCT + STRESS_CONFLICT_PCT + STRESS_UNKNOWN_PCT) {
            c->ns = STRESS_NS_UNKNOWN;
            c->owner = w->worker;
            c->seq = w->next_unknown++;
            p = (stress_params){.resource = STRESS_UNKNOWN_RESOURCE,
                                .units = 1 + test_rng_below(&w->rng, STRESS_UNITS_MAX)};
        } else {
            c->owner = w->worker;
            c->seq = w->next_seq++;
            p = id_params(cfg, c->owner, c->seq);
        }
        c->resource = (uint8_t)p.resource;
        c->units = p.units;
        booking_id_of(ids[i], sizeof ids[i], cfg, c->ns, c->owner, c->seq);
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = w->rid[p.resource], .units = p.units, .hold_ms = 0};
    }
    int64_t start = test_now_ns();
    booking_error e = single ? booking_attempt(w->store, &req[0], &res[0])
                             : booking_attempt_batch(w->store, req, n, res);
    int64_t end = test_now_ns();
    w->call_seq++;
    for (unsigned i = 0; i < n; i++) {
        stress_call *c = log_add(w->log);
        if (c == NULL)
            return false;
        *c = calls[i];
        c->kind = STRESS_CALL_ATTEMPT;
        c->start_ns = start;
        c->end_ns = end;
        c->call_seq = w->call_seq;
        c->worker = (uint16_t)w->worker;
        c->batch_size = (uint16_t)n;
        if (e == BOOKING_OK) {
            c->outcome = (uint8_t)res[i].outcome;
            c->reason = (uint8_t)res[i].reason;
            c->replayed = res[i].replayed;
            c->status = (uint8_t)res[i].status;
        }
    }
    return true;
}

static bool run_cancel(worker_state *w)
{
    stress_call *c = log_add(w->log);
    if (c == NULL)
        return false;
    char id[STRESS_ID_SIZE];
    c->kind = STRESS_CALL_CANCEL;
    c->ns = STRESS_NS_BOOKING;
    if (w->call_seq > 0 && test_rng_below(&w->rng, 100) < STRESS_CANCEL_AGAIN_PCT) {
        c->owner = w->last_cancel_owner;
        c->seq = w->last_cancel_seq;
    } else {
        pick_id(w, &c->owner, &c->seq);
    }
    w->last_cancel_owner = c->owner;
    w->last_cancel_seq = c->seq;
    booking_id_of(id, sizeof id, w->cfg, c->ns, c->owner, c->seq);
    booking_reason reason = BOOKING_REASON_INTERNAL;
    booking_record rec;
    c->start_ns = test_now_ns();
    booking_error e = booking_cancel(w->store, id, &reason, &rec);
    c->end_ns = test_now_ns();
    c->call_seq = ++w->call_seq;
    c->worker = (uint16_t)w->worker;
    c->outcome = e == BOOKING_OK; /* 0: the library refused the call */
    c->reason = (uint8_t)reason;
    return true;
}

static bool run_get(worker_state *w)
{
    stress_call *c = log_add(w->log);
    if (c == NULL)
        return false;
    c->kind = STRESS_CALL_GET_RESOURCE;
    c->resource = (uint8_t)test_rng_below(&w->rng, STRESS_RESOURCES);
    booking_reason reason = BOOKING_REASON_INTERNAL;
    booking_resource r = {0};
    c->start_ns = test_now_ns();
    booking_error e = booking_get_resource(w->store, w->rid[c->resource], &reason, &r);
    c->end_ns = test_now_ns();
    c->call_seq = ++w->call_seq;
    c->worker = (uint16_t)w->worker;
    c->outcome = e == BOOKING_OK;
    c->reason = (uint8_t)reason;
    c->booked = r.booked;
    c->capacity = r.capacity;
    return true;
}

bool stress_run_worker(booking_store *store, const stress_config *cfg, unsigned worker,
                       stress_log *log)
{
    worker_state w = {.store = store, .cfg = cfg, .worker = worker, .log = log};
    w.rng = test_mix64(cfg->seed + 0x51ED27ull * (worker + 1));
    for (unsigned i = 0; i <= STRESS_RESOURCES; i++)
        stress_resource_id(w.rid[i], sizeof w.rid[i], cfg, i);
    for (unsigned op = 0; op < cfg->ops_per_worker; op++) {
        unsigned roll = test_rng_below(&w.rng, 100);
        bool ok = roll < STRESS_CANCEL_PCT                     ? run_cancel(&w)
                  : roll < STRESS_CANCEL_PCT + STRESS_GET_PCT ? run_get(&w)
                                                               : run_attempts(&w);
        if (!ok)
            return false;
    }
    return true;
}

bool stress_run_reader(booking_store *store, const stress_config *cfg, unsigned reader,
                       const atomic_bool *stop, stress_log *log)
{
    worker_state w = {.store = store, .cfg = cfg, .worker = reader, .log = log};
    w.rng = test_mix64(cfg->seed + 0x7EADull * (reader + 1));
    for (unsigned i = 0; i <= STRESS_RESOURCES; i++)
        stress_resource_id(w.rid[i], sizeof w.rid[i], cfg, i);
    for (unsigned i = 0; i < STRESS_READS_MAX && !atomic_load(stop); i++) {
        if (!run_get(&w))
            return false;
        struct timespec pause = {.tv_nsec = STRESS_READ_PAUSE_US * 1000L};
        nanosleep(&pause, NULL);
    }
    return true;
}

/* ---- the checker ---- */

static const char *const rule_names[RULE_COUNT] = {
    [RULE_INVARIANT] = "invariant: booked == sum of active BOOKED units <= capacity",
    [RULE_REPLAY_AGREES] = "a replay returns the recorded decision with replayed=true",
    [RULE_DECIDED_ONCE] = "a booking_id is decided at most once, by a call that made it",
    [RULE_CONFLICT] = "a differing repeat gets booking_id_conflict and changes nothing",
    [RULE_FAILED_NO_TRACE] = "FAILED leaves no trace or a full decision",
    [RULE_READS_IN_BOUNDS] = "concurrent reads see 0 <= booked <= capacity",
    [RULE_BATCH_ALL_OR_NONE] = "a failed batch fails every attempt with one reason",
    [RULE_CANCEL] = "a cancel releases once and statuses agree with cancels",
    [RULE_UNKNOWN_RESOURCE] = "unknown resource: REJECTED, nothing recorded",
    [RULE_LIBRARY_CALLS] = "every call and every read-back returned an answer",
};

const char *stress_rule_name(stress_rule rule)
{
    return rule < RULE_COUNT ? rule_names[rule] : "?";
}

static void violate(stress_summary *s, stress_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void violate(stress_summary *s, stress_rule rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rule_violation_v(&s->violations[rule], stress_rule_name(rule), fmt, ap);
    va_end(ap);
}

static void print_call(const stress_call *c, int64_t t0)
{
    static const char *const kinds[] = {"?", "attempt", "cancel", "get"};
    fprintf(stderr, "    w%u call %llu %s res=%u units=%llu batch=%u [%lld..%lld us] -> ",
            c->worker, (unsigned long long)c->call_seq, kinds[c->kind < 4 ? c->kind : 0],
            c->resource, (unsigned long long)c->units, c->batch_size,
            (long long)(c->start_ns - t0) / 1000, (long long)(c->end_ns - t0) / 1000);
    if (c->kind == STRESS_CALL_ATTEMPT)
        fprintf(stderr, "%s %s%s status=%s\n",
                c->outcome ? booking_outcome_name((booking_outcome)c->outcome) : "EINVAL?",
                booking_reason_name((booking_reason)c->reason), c->replayed ? " replayed" : "",
                booking_status_name((booking_status)c->status));
    else
        fprintf(stderr, "%s\n", booking_reason_name((booking_reason)c->reason));
}

static int cmp_calls(const void *a, const void *b)
{
    const stress_call *x = *(const stress_call *const *)a, *y = *(const stress_call *const *)b;
    if (x->ns != y->ns)
        return x->ns < y->ns ? -1 : 1;
    if (x->owner != y->owner)
        return x->owner < y->owner ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    if (x->start_ns != y->start_ns)
        return x->start_ns < y->start_ns ? -1 : 1;
    return 0;
}

/* The per-run context of the checker. */
typedef struct checker {
    booking_store *store;
    const stress_config *cfg;
    stress_summary *sum;
    char rid[STRESS_RESOURCES + 1][STRESS_ID_SIZE];
    uint64_t active_units[STRESS_RESOURCES]; /* sum over records read back */
    int64_t t0;
    unsigned groups_printed;
} checker;

static void check_reads_and_batches(checker *ck, const stress_log *log)
{
    stress_summary *s = ck->sum;
    for (size_t i = 0; i < log->count; i++) {
        const stress_call *c = &log->calls[i];
        if (c->kind == STRESS_CALL_GET_RESOURCE) {
            s->reads++;
            if (!c->outcome)
                violate(s, RULE_LIBRARY_CALLS, "get_resource refused by the library");
            else if (booking_reason_is_failure((booking_reason)c->reason))
                s->failed_by_reason[c->reason]++;
            else if (c->reason != BOOKING_REASON_OK || c->capacity != ck->cfg->capacity ||
                     c->booked > c->capacity)
                violate(s, RULE_READS_IN_BOUNDS, "get_resource(%s) -> %s booked=%llu capacity=%llu",
                        ck->rid[c->resource], booking_reason_name((booking_reason)c->reason),
                        (unsigned long long)c->booked, (unsigned long long)c->capacity);
            continue;
        }
        if (c->kind != STRESS_CALL_ATTEMPT)
            continue;
        s->attempts++;
        if (!c->outcome) {
            violate(s, RULE_LIBRARY_CALLS, "attempt refused by the library (w%u call %llu)",
                    c->worker, (unsigned long long)c->call_seq);
            continue;
        }
        if (c->outcome == BOOKING_FAILED) {
            s->failed++;
            if (c->reason < CORE_REASON_COUNT)
                s->failed_by_reason[c->reason]++;
        }
        /* The first attempt of each batch call: all or none of it FAILED, alike. */
        if (i > 0 && log->calls[i - 1].kind == STRESS_CALL_ATTEMPT &&
            log->calls[i - 1].call_seq == c->call_seq)
            continue;
        if (c->batch_size > 1)
            s->batches++;
        for (size_t j = i + 1; j < i + c->batch_size && j < log->count; j++) {
            const stress_call *d = &log->calls[j];
            bool fa = c->outcome == BOOKING_FAILED, fb = d->outcome == BOOKING_FAILED;
            if (fa != fb || (fa && c->reason != d->reason)) {
                violate(s, RULE_BATCH_ALL_OR_NONE, "w%u call %llu: attempts %s and %s",
                        c->worker, (unsigned long long)c->call_seq,
                        booking_reason_name((booking_reason)c->reason),
                        booking_reason_name((booking_reason)d->reason));
                break;
            }
        }
    }
}

static int resource_index(const checker *ck, const char *rid)
{
    for (int i = 0; i <= STRESS_RESOURCES; i++) {
        if (strcmp(ck->rid[i], rid) == 0)
            return i;
    }
    return -1;
}

static void print_group(const checker *ck, const char *id, const booking_record *rec, bool exists,
                        const stress_call *const *calls, size_t n)
{
    if (exists)
        fprintf(stderr, "  %s: record %s units=%llu %s %s %s\n", id, rec->resource_id,
                (unsigned long long)rec->units, booking_outcome_name(rec->outcome),
                booking_reason_name(rec->reason), booking_status_name(rec->status));
    else
        fprintf(stderr, "  %s: no record\n", id);
    for (size_t i = 0; i < n && i < STRESS_GROUP_PRINT_MAX; i++)
        print_call(calls[i], ck->t0);
}

/* What the checker knows about one booking id: its record (the truth) and the
 * calls that made or released it. */
typedef struct id_view {
    const char *id;
    booking_record rec;
    bool exists;
    int rres; /* index of the record's resource */
    const stress_call *decider, *cancelled; /* first of each, by start time */
    size_t deciders, failed_same, failed_cancels, cancels_ok;
} id_view;

static bool read_record(checker *ck, id_view *v)
{
    stress_summary *s = ck->sum;
    booking_reason rr = BOOKING_REASON_INTERNAL;
    memset(&v->rec, 0, sizeof v->rec);
    if (booking_get_booking(ck->store, v->id, &rr, &v->rec) != BOOKING_OK ||
        (rr != BOOKING_REASON_OK && rr != BOOKING_REASON_UNKNOWN_BOOKING)) {
        violate(s, RULE_LIBRARY_CALLS, "get_booking(%s) -> %s", v->id, booking_reason_name(rr));
        return false;
    }
    s->ids_checked++;
    v->exists = rr == BOOKING_REASON_OK;
    v->rres = v->exists ? resource_index(ck, v->rec.resource_id) : -1;
    const booking_record *rec = &v->rec;
    bool well_formed =
        rec->outcome == BOOKING_BOOKED
            ? rec->reason == BOOKING_REASON_BOOKED && rec->status != BOOKING_STATUS_NONE
            : rec->outcome == BOOKING_REJECTED &&
                  rec->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY &&
                  rec->status == BOOKING_STATUS_NONE;
    if (v->exists && (v->rres < 0 || v->rres == STRESS_UNKNOWN_RESOURCE || !well_formed))
        violate(s, RULE_DECIDED_ONCE, "%s: malformed record", v->id);
    return true;
}

static bool same_request(const id_view *v, const stress_call *c)
{
    return v->exists && c->resource == v->rres && c->units == v->rec.units;
}

/* The decider is the call that made the record: same request, not a replay. */
static void find_decider(checker *ck, id_view *v, const stress_call *const *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const stress_call *c = calls[i];
        if (c->kind == STRESS_CALL_ATTEMPT && same_request(v, c)) {
            if (c->outcome == BOOKING_FAILED) {
                v->failed_same++;
            } else if (!c->replayed && c->outcome != 0 &&
                       c->reason != BOOKING_REASON_BOOKING_ID_CONFLICT) {
                v->deciders++;
                if (v->decider == NULL)
                    v->decider = c;
            }
        }
        if (c->kind == STRESS_CALL_CANCEL && c->outcome) {
            if (c->reason == BOOKING_REASON_CANCELLED) {
                v->cancels_ok++;
                if (v->cancelled == NULL)
                    v->cancelled = c;
            } else if (booking_reason_is_failure((booking_reason)c->reason)) {
                v->failed_cancels++;
            }
        }
    }
    if (v->exists && v->deciders > 1)
        violate(ck->sum, RULE_DECIDED_ONCE, "%s: decided by %zu calls", v->id, v->deciders);
    if (v->exists && v->deciders == 0 && v->failed_same == 0)
        violate(ck->sum, RULE_DECIDED_ONCE, "%s: a record no call made", v->id);
    if (v->exists && v->deciders == 0)
        fprintf(stderr, "stress: %s: record made by a FAILED call (ambiguous commit)\n", v->id);
}

/* An answer that repeats the record: the decider's, or a replay's. */
static void check_same_request(checker *ck, const id_view *v, const stress_call *c)
{
    stress_summary *s = ck->sum;
    const char *id = v->id;
    const stress_call *decider = v->decider, *cancelled = v->cancelled;
    if (c->outcome != v->rec.outcome || c->reason != v->rec.reason) {
        violate(s, c->replayed ? RULE_REPLAY_AGREES : RULE_DECIDED_ONCE,
                "%s: answered %s %s, record says %s %s", id,
                booking_outcome_name((booking_outcome)c->outcome),
                booking_reason_name((booking_reason)c->reason),
                booking_outcome_name(v->rec.outcome), booking_reason_name(v->rec.reason));
        return;
    }
    if (c == decider) {
        if (c->outcome == BOOKING_BOOKED) {
            s->fresh_booked++;
            if (c->status != BOOKING_STATUS_ACTIVE)
                violate(s, RULE_DECIDED_ONCE, "%s: fresh booking not active", id);
        } else {
            s->fresh_insufficient++;
        }
        return;
    }
    if (!c->replayed)
        return; /* a second decider: counted in find_decider */
    s->replays++;
    if (decider != NULL && c->end_ns < decider->start_ns)
        violate(s, RULE_REPLAY_AGREES, "%s: replay ended before its decision began", id);
    if (c->outcome != BOOKING_BOOKED)
        return;
    s->replays_booked++;
    /* The status of a BOOKED replay follows the cancels around it. */
    if (c->status == BOOKING_STATUS_CANCELLED) {
        if (cancelled == NULL ? v->failed_cancels == 0 : c->end_ns < cancelled->start_ns)
            violate(s, RULE_REPLAY_AGREES, "%s: replay saw a cancel that had not begun", id);
    } else if (c->status != BOOKING_STATUS_ACTIVE) {
        violate(s, RULE_REPLAY_AGREES, "%s: BOOKED replay with status none", id);
    } else if (cancelled != NULL && c->start_ns > cancelled->end_ns) {
        violate(s, RULE_REPLAY_AGREES, "%s: replay missed a finished cancel", id);
    }
}

static void check_attempt(checker *ck, const id_view *v, const stress_call *c)
{
    stress_summary *s = ck->sum;
    const char *id = v->id;
    const char *outcome = booking_outcome_name((booking_outcome)c->outcome);
    const char *reason = booking_reason_name((booking_reason)c->reason);
    if (c->outcome == BOOKING_FAILED) {
        if (!booking_reason_is_failure((booking_reason)c->reason))
            violate(s, RULE_FAILED_NO_TRACE, "%s: FAILED with reason %s", id, reason);
    } else if (c->ns == STRESS_NS_UNKNOWN || c->resource == STRESS_UNKNOWN_RESOURCE) {
        if (v->exists || c->outcome != BOOKING_REJECTED ||
            c->reason != BOOKING_REASON_UNKNOWN_RESOURCE || c->replayed)
            violate(s, RULE_UNKNOWN_RESOURCE, "%s: %s %s%s", id, outcome, reason,
                    v->exists ? ", recorded" : "");
        else
            s->unknown_resource++;
    } else if (!v->exists) {
        violate(s, RULE_FAILED_NO_TRACE, "%s: answered %s %s but nothing is recorded", id,
                outcome, reason);
    } else if (!same_request(v, c)) {
        if (c->outcome != BOOKING_REJECTED || c->reason != BOOKING_REASON_BOOKING_ID_CONFLICT ||
            c->replayed)
            violate(s, RULE_CONFLICT, "%s: differing repeat got %s %s", id, outcome, reason);
        else if (v->decider != NULL && c->end_ns < v->decider->start_ns)
            violate(s, RULE_CONFLICT, "%s: conflict reported before the decision began", id);
        else
            s->conflicts++;
    } else {
        check_same_request(ck, v, c);
    }
}

static void check_cancel(checker *ck, const id_view *v, const stress_call *c)
{
    stress_summary *s = ck->sum;
    const stress_call *decider = v->decider;
    s->cancels++;
    if (!c->outcome) {
        violate(s, RULE_LIBRARY_CALLS, "%s: cancel refused by the library", v->id);
        return;
    }
    booking_reason r = (booking_reason)c->reason;
    if (booking_reason_is_failure(r))
        return;
    bool ok;
    if (r == BOOKING_REASON_UNKNOWN_BOOKING)
        ok = !v->exists || decider == NULL || c->start_ns < decider->end_ns;
    else if (!v->exists)
        ok = false;
    else if (r == BOOKING_REASON_NOT_BOOKED)
        ok = v->rec.outcome == BOOKING_REJECTED &&
             (decider == NULL || c->end_ns > decider->start_ns);
    else if (r == BOOKING_REASON_CANCELLED)
        ok = v->rec.outcome == BOOKING_BOOKED &&
             (decider == NULL || c->end_ns > decider->start_ns);
    else if (r == BOOKING_REASON_ALREADY_CANCELLED)
        ok = v->rec.outcome == BOOKING_BOOKED &&
             (v->cancelled == NULL ? v->failed_cancels > 0
                                   : c->end_ns > v->cancelled->start_ns);
    else
        ok = false;
    if (!ok)
        violate(s, RULE_CANCEL, "%s: cancel answered %s", v->id, booking_reason_name(r));
    s->cancelled += r == BOOKING_REASON_CANCELLED;
}

/* A BOOKED record is cancelled exactly when a cancel released it (or one that
 * FAILED may have); an active one counts towards its resource's booked. */
static void check_status(checker *ck, const id_view *v)
{
    if (v->cancels_ok > 1)
        violate(ck->sum, RULE_CANCEL, "%s: released %zu times", v->id, v->cancels_ok);
    if (!v->exists || v->rec.outcome != BOOKING_BOOKED)
        return;
    bool is_cancelled = v->rec.status == BOOKING_STATUS_CANCELLED;
    if (is_cancelled ? v->cancels_ok == 0 && v->failed_cancels == 0 : v->cancels_ok != 0)
        violate(ck->sum, RULE_CANCEL, "%s: status %s after %zu successful cancels", v->id,
                booking_status_name(v->rec.status), v->cancels_ok);
    if (!is_cancelled && v->rres >= 0 && v->rres < STRESS_RESOURCES)
        ck->active_units[v->rres] += v->rec.units;
}

static unsigned long violation_total(const stress_summary *s)
{
    unsigned long total = 0;
    for (int r = 0; r < RULE_COUNT; r++)
        total += s->violations[r];
    return total;
}

/* Judges every call about one booking id against its record, and prints the
 * calls of an id that broke a rule. */
static void check_id(checker *ck, const char *id, const stress_call *const *calls, size_t n)
{
    unsigned long before = violation_total(ck->sum);
    id_view v = {.id = id};
    if (!read_record(ck, &v))
        return;
    find_decider(ck, &v, calls, n);
    for (size_t i = 0; i < n; i++) {
        if (calls[i]->kind == STRESS_CALL_ATTEMPT && calls[i]->outcome != 0)
            check_attempt(ck, &v, calls[i]);
        else if (calls[i]->kind == STRESS_CALL_CANCEL)
            check_cancel(ck, &v, calls[i]);
    }
    check_status(ck, &v);
    if (violation_total(ck->sum) != before && ck->groups_printed++ < STRESS_GROUPS_PRINTED_MAX)
        print_group(ck, id, &v.rec, v.exists, calls, n);
}

static void check_resources(checker *ck)
{
    stress_summary *s = ck->sum;
    for (unsigned i = 0; i < STRESS_RESOURCES; i++) {
        booking_reason r = BOOKING_REASON_INTERNAL;
        booking_resource res;
        if (booking_get_resource(ck->store, ck->rid[i], &r, &res) != BOOKING_OK ||
            r != BOOKING_REASON_OK) {
            violate(s, RULE_LIBRARY_CALLS, "get_resource(%s) -> %s", ck->rid[i],
                    booking_reason_name(r));
            continue;
        }
        fprintf(stderr, "stress: %s capacity %llu booked %llu, active records %llu\n", ck->rid[i],
                (unsigned long long)res.capacity, (unsigned long long)res.booked,
                (unsigned long long)ck->active_units[i]);
        if (res.booked != ck->active_units[i] || res.booked > res.capacity ||
            res.capacity != ck->cfg->capacity)
            violate(s, RULE_INVARIANT, "%s: capacity %llu booked %llu but active records %llu",
                    ck->rid[i], (unsigned long long)res.capacity,
                    (unsigned long long)res.booked, (unsigned long long)ck->active_units[i]);
    }
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_resource res;
    if (booking_get_resource(ck->store, ck->rid[STRESS_UNKNOWN_RESOURCE], &r, &res) !=
            BOOKING_OK ||
        r != BOOKING_REASON_UNKNOWN_RESOURCE)
        violate(s, RULE_UNKNOWN_RESOURCE, "the unknown resource answered %s",
                booking_reason_name(r));
}

static void print_summary(const stress_summary *s)
{
    fprintf(stderr,
            "stress: %lu attempts (%lu batches), %lu booked, %lu insufficient, %lu replays "
            "(%lu booked), %lu conflicts, %lu unknown resource, %lu failed; %lu cancels "
            "(%lu released); %lu reads; %lu ids checked\n",
            s->attempts, s->batches, s->fresh_booked, s->fresh_insufficient, s->replays,
            s->replays_booked, s->conflicts, s->unknown_resource, s->failed, s->cancels,
            s->cancelled, s->reads, s->ids_checked);
    for (int r = 0; r < CORE_REASON_COUNT; r++) {
        if (s->failed_by_reason[r] != 0)
            fprintf(stderr, "stress: FAILED %s: %lu\n", booking_reason_name((booking_reason)r),
                    s->failed_by_reason[r]);
    }
    for (int r = 0; r < RULE_COUNT; r++) {
        if (s->violations[r] != 0)
            fprintf(stderr, "stress: %lu violations of: %s\n", s->violations[r],
                    stress_rule_name((stress_rule)r));
    }
}

void stress_check(booking_store *store, const stress_config *cfg, const stress_log *logs,
                  size_t log_count, stress_summary *summary)
{
    memset(summary, 0, sizeof *summary);
    checker ck = {.store = store, .cfg = cfg, .sum = summary, .t0 = INT64_MAX};
    for (unsigned i = 0; i <= STRESS_RESOURCES; i++)
        stress_resource_id(ck.rid[i], sizeof ck.rid[i], cfg, i);
    size_t total = 0;
    for (size_t l = 0; l < log_count; l++) {
        check_reads_and_batches(&ck, &logs[l]);
        total += logs[l].count;
        if (logs[l].count > 0 && logs[l].calls[0].start_ns < ck.t0)
            ck.t0 = logs[l].calls[0].start_ns;
    }
    const stress_call **by_id = malloc((total ? total : 1) * sizeof *by_id);
    if (by_id == NULL) {
        violate(summary, RULE_LIBRARY_CALLS, "out of memory in the checker");
        return;
    }
    size_t n = 0;
    for (size_t l = 0; l < log_count; l++) {
        for (size_t i = 0; i < logs[l].count; i++) {
            if (logs[l].calls[i].kind != STRESS_CALL_GET_RESOURCE)
                by_id[n++] = &logs[l].calls[i];
        }
    }
    qsort(by_id, n, sizeof *by_id, cmp_calls);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && by_id[j]->ns == by_id[i]->ns && by_id[j]->owner == by_id[i]->owner &&
               by_id[j]->seq == by_id[i]->seq)
            j++;
        char id[STRESS_ID_SIZE];
        booking_id_of(id, sizeof id, cfg, by_id[i]->ns, by_id[i]->owner, by_id[i]->seq);
        check_id(&ck, id, by_id + i, j - i);
        i = j;
    }
    free(by_id);
    check_resources(&ck);
    print_summary(summary);
}

/* ---- running the workload on threads ---- */

#define STRESS_THREADS_MAX 64

typedef struct stress_thread {
    booking_store *store;
    const stress_config *cfg;
    unsigned index;
    stress_log *log;
    /* All threads start at once, for more overlap; a gate rather than a barrier
     * so that a failed pthread_create cannot leave the others waiting forever. */
    const atomic_bool *start_gate;
    const atomic_bool *readers_stop; /* NULL for a worker */
    bool ok;
} stress_thread;

static void *stress_thread_main(void *p)
{
    stress_thread *t = p;
    while (!atomic_load(t->start_gate))
        sched_yield();
    t->ok = t->readers_stop == NULL
                ? stress_run_worker(t->store, t->cfg, t->index, t->log)
                : stress_run_reader(t->store, t->cfg, t->index, t->readers_stop, t->log);
    return NULL;
}

bool stress_run_threads(booking_store *store, const stress_config *cfg, unsigned workers,
                        unsigned readers, stress_log *logs)
{
    if (workers + readers > STRESS_THREADS_MAX)
        return false;
    pthread_t threads[STRESS_THREADS_MAX];
    stress_thread args[STRESS_THREADS_MAX];
    atomic_bool start_gate, readers_stop;
    atomic_init(&start_gate, false);
    atomic_init(&readers_stop, false);
    size_t started = 0;
    bool ok = true;
    for (unsigned i = 0; i < workers + readers && ok; i++) {
        args[i] = (stress_thread){.store = store, .cfg = cfg, .index = i, .log = &logs[i],
                                  .start_gate = &start_gate,
                                  .readers_stop = i < workers ? NULL : &readers_stop};
        ok = pthread_create(&threads[i], NULL, stress_thread_main, &args[i]) == 0;
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
