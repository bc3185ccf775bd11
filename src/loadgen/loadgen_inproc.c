/*
 * loadgen_inproc.c: the load generator in process: N threads, each sending its
 * share of M attempts in batches of B to K resources of one store. Counts are
 * per thread and merged at the end, so the generator costs little next to a
 * store that decides in ~100 ns.
 */
#include "loadgen/loadgen_internal.h"

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
} inproc_worker;

typedef struct inproc_buffers {
    booking_request *reqs;
    booking_result *results;
    loadgen_slot *picked, *slots;
} inproc_buffers;

/* Sends one batch of n; false (with w->error) when the call failed. */
static bool send_batch(inproc_worker *w, loadgen_picker *picker, inproc_buffers *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        loadgen_pick(picker, &b->picked[i]);
        b->reqs[i] = (booking_request){.booking_id = b->picked[i].booking_id,
                                       .resource_id = w->shared->resource_ids[b->picked[i].resource],
                                       .units = b->picked[i].units};
    }
    uint64_t t0 = loadgen_now_ns();
    booking_error e = booking_attempt_batch(w->shared->store, b->reqs, n, b->results);
    uint64_t t1 = loadgen_now_ns();
    if (e != BOOKING_OK) {
        snprintf(w->error, LOADGEN_WORKER_ERROR_BYTES, "%s",
                 booking_error_name(e));
        return false;
    }
    loadgen_stats_record_latency(&w->stats, t1 - t0, n);
    for (unsigned i = 0; i < n; i++)
        loadgen_stats_record_result(&w->stats, &b->results[i]);
    atomic_fetch_add_explicit(&w->shared->progress, n, memory_order_relaxed);
    return true;
}

static void *worker_run(void *arg)
{
    inproc_worker *w = arg;
    const loadgen_config *cfg = w->shared->cfg;
    w->start_ns = loadgen_now_ns();
    inproc_buffers b = {calloc(cfg->batch, sizeof *b.reqs), calloc(cfg->batch, sizeof *b.results),
                        calloc(cfg->batch, sizeof *b.picked),
                        calloc(INPROC_REPLAY_SLOTS, sizeof *b.slots)};
    if (b.reqs == NULL || b.results == NULL || b.picked == NULL || b.slots == NULL) {
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
    w->end_ns = loadgen_now_ns();
    free(b.reqs);
    free(b.results);
    free(b.picked);
    free(b.slots);
    return NULL;
}

/* Joins whoever is done; reports progress every INPROC_PROGRESS_EVERY_MS meanwhile. */
static void progress_wait(inproc_shared *shared, inproc_worker *workers, unsigned threads,
                          uint64_t start_ns, const loadgen_hooks *hooks)
{
    uint64_t last_print = start_ns, last_count = 0;
    for (unsigned joined = 0; joined < threads;) {
        struct timespec step = {0, INPROC_PROGRESS_STEP_MS * 1000000L};
        nanosleep(&step, NULL);
        uint64_t count = atomic_load_explicit(&shared->progress, memory_order_relaxed);
        uint64_t t = loadgen_now_ns();
        if (t - last_print >= INPROC_PROGRESS_EVERY_MS * 1000000ull) {
            loadgen_progress p = {
                .elapsed_s = (double)(t - start_ns) / 1e9, .attempts = count,
                .per_second = (double)(count - last_count) * 1e9 / (double)(t - last_print)};
            if (hooks->progress != NULL)
                hooks->progress(hooks->ctx, &p);
            last_print = t;
            last_count = count;
        }
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
    uint64_t start = loadgen_now_ns();
    unsigned started = 0;
    for (; started < cfg->threads; started++) {
        inproc_worker *w = &workers[started];
        *w = (inproc_worker){.index = started, .shared = shared,
                             .attempts = cfg->attempts / cfg->threads +
                                         (started < cfg->attempts % cfg->threads),
                             .rng = cfg->seed * 0x9E3779B97F4A7C15ull + started + 1,
                             .error = report->worker_error[started]};
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
    free(workers);
    free(shared.resource_ids);
    return status;
}
