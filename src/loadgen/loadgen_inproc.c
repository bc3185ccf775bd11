/* SPDX-License-Identifier: MIT */
/*
 * loadgen_inproc.c: the load generator in process: N threads, each sending its
 * share of M attempts in batches of B to K resources of one store. Counts are
 * per thread and merged at the end, so the generator costs little next to a
 * store that decides in ~100 ns. With --hold-ms each attempt is a hold, a share
 * of the BOOKED ones is confirmed at once, and at the end (after every hold has
 * ended) each resource is read back against the answers.
 */
#include "loadgen/loadgen_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPROC_REPLAY_SLOTS 4096 /* earlier ids a thread may replay */
#define INPROC_PROGRESS_STEP_MS 100
#define INPROC_PROGRESS_EVERY_MS 1000

typedef struct inproc_shared {
    const loadgen_config *cfg;
    booking_store *store;
    char tag[17];
    char (*resource_ids)[LOADGEN_ID_BYTES];
    _Atomic uint64_t progress;
} inproc_shared;

typedef struct inproc_worker {
    pthread_t thread;
    unsigned index;
    uint64_t attempts;
    inproc_shared *shared;
    uint64_t rng;
    uint64_t start_ns, end_ns; /* the worker's own span: joining adds no time */
    loadgen_stats stats;
    char *error; /* where to say why it stopped early */
    /* holds (cfg->hold_ms > 0) */
    loadgen_ledger ledger;
    loadgen_holds holds;
    uint64_t holds_seen;
    char late[LOADGEN_LATE_PER_CLIENT][LOADGEN_ID_BYTES]; /* holds left to expire */
    unsigned late_count;
} inproc_worker;

typedef struct inproc_buffers {
    booking_request *reqs;
    booking_result *results;
    loadgen_slot *picked, *slots;
    booking_line *lines; /* stays: batch x stay_max, request i's at i * stay_max */
} inproc_buffers;

/* Confirms the hold of slot s at once (SPEC section 7) and counts the answer. */
static void confirm_hold(inproc_worker *w, const loadgen_slot *s)
{
    loadgen_ledger *l = &w->ledger;
    booking_reason reason;
    booking_record rec = {0};
    w->holds.confirms++;
    if (booking_confirm(w->shared->store, s->booking_id, &reason, &rec) != BOOKING_OK)
        reason = BOOKING_REASON_INTERNAL; /* cannot happen: the id is valid */
    loadgen_holds_count(&w->holds, reason);
    if (booking_reason_is_failure(reason)) {
        loadgen_slot_add(l->confirm_doubt, s);
    } else if (reason == BOOKING_REASON_CONFIRMED) {
        loadgen_slot_sub(l->held, s);
        loadgen_slot_add(l->confirmed, s);
        if (rec.updated_at_ms >= rec.expires_at_ms)
            w->holds.after_expiry++;
    }
}

/* What one answer says for the read-back, and the confirm it may call for. */
static void account_hold(inproc_worker *w, const loadgen_slot *s, const booking_result *r)
{
    if (r->outcome == BOOKING_FAILED) {
        loadgen_slot_add(w->ledger.doubt, s);
        return;
    }
    if (r->outcome != BOOKING_BOOKED || r->replayed)
        return;
    assert(r->status == BOOKING_STATUS_HELD && r->expires_at_ms > 0);
    w->holds.booked++;
    loadgen_ledger_hold_slot(&w->ledger, s, r->expires_at_ms);
    if (loadgen_confirm_due(&w->holds_seen, w->shared->cfg->confirm_ratio))
        confirm_hold(w, s);
    else if (w->late_count < LOADGEN_LATE_PER_CLIENT)
        memcpy(w->late[w->late_count++], s->booking_id, LOADGEN_ID_BYTES);
}

/* Sends one batch of n; false (with w->error) when the call failed. */
static bool send_batch(inproc_worker *w, loadgen_picker *picker, inproc_buffers *b, unsigned n)
{
    const loadgen_config *cfg = w->shared->cfg;
    for (unsigned i = 0; i < n; i++) {
        const loadgen_slot *s = &b->picked[i];
        loadgen_pick(picker, &b->picked[i]);
        b->reqs[i] = (booking_request){.booking_id = s->booking_id, .hold_ms = cfg->hold_ms};
        if (s->lines != 0) { /* a stay: the bundle of its nights (SPEC section 8) */
            booking_line *lines = &b->lines[(size_t)i * cfg->stay_max];
            b->reqs[i].lines = lines;
            b->reqs[i].line_count = loadgen_slot_fill_lines(s, w->shared->resource_ids, lines);
        } else {
            b->reqs[i].resource_id = w->shared->resource_ids[s->resource];
            b->reqs[i].units = s->units;
        }
    }
    uint64_t t0 = monotonic_ns();
    booking_error e = booking_attempt_batch(w->shared->store, b->reqs, n, b->results);
    uint64_t t1 = monotonic_ns();
    if (e != BOOKING_OK) {
        snprintf(w->error, LOADGEN_WORKER_ERROR_BYTES, "%s",
                 booking_error_name(e));
        return false;
    }
    loadgen_stats_record_latency(&w->stats, t1 - t0, n);
    for (unsigned i = 0; i < n; i++)
        loadgen_stats_record_result(&w->stats, &b->results[i]);
    for (unsigned i = 0; i < n && w->shared->cfg->hold_ms != 0; i++)
        account_hold(w, &b->picked[i], &b->results[i]);
    atomic_fetch_add_explicit(&w->shared->progress, n, memory_order_relaxed);
    return true;
}

static void *worker_run(void *arg)
{
    inproc_worker *w = arg;
    const loadgen_config *cfg = w->shared->cfg;
    w->start_ns = monotonic_ns();
    inproc_buffers b = {calloc(cfg->batch, sizeof *b.reqs), calloc(cfg->batch, sizeof *b.results),
                        calloc(cfg->batch, sizeof *b.picked),
                        calloc(INPROC_REPLAY_SLOTS, sizeof *b.slots),
                        calloc((size_t)cfg->batch * cfg->stay_max + 1, sizeof *b.lines)};
    if (b.reqs == NULL || b.results == NULL || b.picked == NULL || b.slots == NULL ||
        b.lines == NULL) {
        snprintf(w->error, LOADGEN_WORKER_ERROR_BYTES, "out of memory");
    } else {
        char prefix[LOADGEN_ID_BYTES];
        snprintf(prefix, sizeof prefix, "b-%s-%u-", w->shared->tag, w->index);
        loadgen_picker picker;
        loadgen_picker_init(&picker, cfg, w->rng, prefix, b.slots, INPROC_REPLAY_SLOTS);
        for (uint64_t done = 0; done < w->attempts;) {
            uint64_t left = w->attempts - done;
            unsigned n = left < cfg->batch ? (unsigned)left : cfg->batch;
            if (!send_batch(w, &picker, &b, n))
                break;
            done += n;
        }
    }
    w->end_ns = monotonic_ns();
    free(b.reqs);
    free(b.results);
    free(b.picked);
    free(b.slots);
    free(b.lines);
    return NULL;
}

/* Joins whoever is done; reports progress every INPROC_PROGRESS_EVERY_MS meanwhile. */
static void progress_wait(inproc_shared *shared, inproc_worker *workers, unsigned threads,
                          uint64_t start_ns, const loadgen_hooks *hooks)
{
    loadgen_meter meter = {.start_ns = start_ns, .last_ns = start_ns};
    for (unsigned joined = 0; joined < threads;) {
        struct timespec step = {0, INPROC_PROGRESS_STEP_MS * 1000000L};
        nanosleep(&step, NULL);
        loadgen_meter_tick(&meter, hooks,
                           atomic_load_explicit(&shared->progress, memory_order_relaxed), 0,
                           INPROC_PROGRESS_EVERY_MS);
        for (; joined < threads; joined++) {
            if (pthread_tryjoin_np(workers[joined].thread, NULL) != 0)
                break;
        }
    }
}

static loadgen_status create_resources(inproc_shared *shared, char *why)
{
    const loadgen_config *cfg = shared->cfg;
    for (uint64_t i = 0; i < cfg->resources; i++) {
        snprintf(shared->resource_ids[i], LOADGEN_ID_BYTES, "r-%s-%" PRIu64, shared->tag, i);
        booking_reason reason;
        if (booking_set_capacity(shared->store, shared->resource_ids[i], cfg->capacity, &reason,
                                 NULL) != BOOKING_OK ||
            reason != BOOKING_REASON_OK)
            return loadgen_fail(why, LOADGEN_ERROR, "cannot create resource %s: %s",
                                shared->resource_ids[i], booking_reason_name(reason));
    }
    return LOADGEN_OK;
}

/* Starts the threads, waits for them and sums what they counted. */
static loadgen_status run_workers(inproc_shared *shared, inproc_worker *workers,
                                  const loadgen_hooks *hooks, loadgen_report *report, char *why)
{
    const loadgen_config *cfg = shared->cfg;
    loadgen_status status = LOADGEN_OK;
    uint64_t start = monotonic_ns();
    unsigned started = 0;
    for (; started < cfg->threads; started++) {
        inproc_worker *w = &workers[started];
        *w = (inproc_worker){.index = started, .shared = shared,
                             .attempts = cfg->attempts / cfg->threads +
                                         (started < cfg->attempts % cfg->threads),
                             .rng = loadgen_stream_seed(cfg->seed, started),
                             .error = report->worker_error[started]};
        if (cfg->hold_ms != 0 && !loadgen_ledger_init(&w->ledger, cfg->resources)) {
            status = loadgen_fail(why, LOADGEN_ERROR, "out of memory");
            break;
        }
        if (pthread_create(&w->thread, NULL, worker_run, w) != 0) {
            status = loadgen_fail(why, LOADGEN_ERROR, "cannot start thread %u", started);
            break;
        }
    }
    progress_wait(shared, workers, started, start, hooks);
    uint64_t first_start = UINT64_MAX, last_end = 0;
    for (unsigned i = 0; i < started; i++) {
        loadgen_stats_merge(&report->stats, &workers[i].stats);
        first_start = workers[i].start_ns < first_start ? workers[i].start_ns : first_start;
        last_end = workers[i].end_ns > last_end ? workers[i].end_ns : last_end;
    }
    report->seconds = started > 0 ? (double)(last_end - first_start) / 1e9 : 0;
    report->ran = true;
    return status;
}

/* After the run with holds: waits for the last hold's end, confirms a sample of
 * the holds left to expire (each must answer hold_expired), and reads every
 * resource back against the answers, as of the read's time. */
static loadgen_status finish_holds(inproc_shared *shared, inproc_worker *workers, unsigned n,
                                   loadgen_report *report, char *why)
{
    const loadgen_config *cfg = shared->cfg;
    loadgen_holds *h = &report->holds;
    loadgen_ledger *ledgers = calloc(n + 1, sizeof *ledgers);
    if (ledgers == NULL)
        return loadgen_fail(why, LOADGEN_ERROR, "out of memory");
    int64_t end_max = 0;
    for (unsigned i = 0; i < n; i++) {
        loadgen_holds_merge(h, &workers[i].holds);
        ledgers[i] = workers[i].ledger; /* a shallow copy: the worker keeps the arrays */
        end_max = ledgers[i].end_max > end_max ? ledgers[i].end_max : end_max;
    }
    h->waited = loadgen_wait_for_expiry(end_max, cfg->hold_ms, &h->waited_ms);
    for (unsigned i = 0; h->waited && i < n; i++) {
        for (unsigned k = 0; k < workers[i].late_count; k++) {
            booking_reason reason;
            h->late++;
            if (booking_confirm(shared->store, workers[i].late[k], &reason, NULL) != BOOKING_OK ||
                reason != BOOKING_REASON_HOLD_EXPIRED)
                h->late_wrong++;
        }
    }
    report->verified = true;
    for (uint64_t res = 0; res < cfg->resources; res++) {
        loadgen_mismatch m = {0};
        booking_reason reason;
        booking_resource got = {0};
        report->resources_checked++;
        m.unreadable = booking_get_resource(shared->store, shared->resource_ids[res], &reason,
                                            &got) != BOOKING_OK ||
                       reason != BOOKING_REASON_OK;
        uint64_t lo, hi;
        loadgen_ledger_expect(ledgers, n, (uint32_t)res, true, got.as_of_ms, &lo, &hi);
        m.booked = got.booked;
        m.capacity = got.capacity;
        if (!m.unreadable && got.booked >= lo && got.booked <= hi && got.booked <= got.capacity)
            continue;
        if (report->mismatches == NULL &&
            (report->mismatches = calloc(cfg->resources, sizeof m)) == NULL)
            break;
        snprintf(m.resource_id, sizeof m.resource_id, "%s", shared->resource_ids[res]);
        m.acked = lo;
        m.doubt = hi - lo;
        report->mismatches[report->resources_wrong++] = m;
    }
    free(ledgers);
    return LOADGEN_OK;
}

loadgen_status loadgen_run_inproc(const loadgen_config *cfg, booking_store *store,
                                  const loadgen_hooks *hooks, loadgen_report *report,
                                  char why[LOADGEN_WHY_BYTES])
{
    inproc_shared shared = {.cfg = cfg, .store = store};
    loadgen_tag(cfg, shared.tag);
    shared.resource_ids = calloc(cfg->resources, sizeof *shared.resource_ids);
    inproc_worker *workers = calloc(cfg->threads, sizeof *workers);
    loadgen_status status;
    if (shared.resource_ids == NULL || workers == NULL)
        status = loadgen_fail(why, LOADGEN_ERROR, "out of memory");
    else if ((status = create_resources(&shared, why)) == LOADGEN_OK)
        status = run_workers(&shared, workers, hooks, report, why);
    if (status == LOADGEN_OK && cfg->hold_ms != 0)
        status = finish_holds(&shared, workers, cfg->threads, report, why);
    for (unsigned i = 0; workers != NULL && i < cfg->threads; i++)
        loadgen_ledger_free(&workers[i].ledger);
    free(workers);
    free(shared.resource_ids);
    return status;
}
