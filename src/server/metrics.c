/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: recording and the Prometheus text exposition of GET /metrics.
 * Histograms keep one counter per bucket (not cumulative) and are summed up at
 * render time, so recording is one add per value.
 */
#include "server/metrics.h"
#include "server/process_metrics.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t latency_bounds_us[METRICS_LATENCY_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000,
};

static const unsigned counted_statuses[METRICS_STATUSES] = {
    200, 201, 400, 401, 404, 405, 409, 413, 431, 500, 503, 505,
};

#define RELAXED memory_order_relaxed

/* Every outcome of BOOKING_OUTCOME_MAP has its row in server_metrics.outcomes. */
#define OUTCOME_FITS_(name, value, wire) \
    _Static_assert((value) < METRICS_OUTCOMES, "no metrics row for outcome " #name);
BOOKING_OUTCOME_MAP(OUTCOME_FITS_)
#undef OUTCOME_FITS_

void metrics_init(server_metrics *m)
{
    memset(m, 0, sizeof *m);
}

void metrics_outcome(server_metrics *m, const booking_result *result)
{
    unsigned o = (unsigned)result->outcome;
    unsigned r = (unsigned)result->reason;
    if (o < METRICS_OUTCOMES && r < METRICS_REASONS)
        atomic_fetch_add_explicit(&m->outcomes[o][r], 1, RELAXED);
    if (result->outcome == BOOKING_BOOKED && !result->replayed &&
        result->status == BOOKING_STATUS_HELD)
        atomic_fetch_add_explicit(&m->holds_created, 1, RELAXED);
}

void metrics_change(server_metrics *m, booking_reason reason, const booking_record *record)
{
    /* Only a hold is ever confirmed (an active booking answers already_confirmed).
     * A cancel counts when its booking was made as a hold: the record after the
     * cancel cannot say whether it was still held or confirmed since (the road not
     * taken: a read before each cancel, a second store call for a metric). */
    if (reason == BOOKING_REASON_CONFIRMED) {
        atomic_fetch_add_explicit(&m->holds_confirmed, 1, RELAXED);
    } else if (reason == BOOKING_REASON_CANCELLED && record->hold_ms > 0) {
        atomic_fetch_add_explicit(&m->holds_cancelled, 1, RELAXED);
    }
}

void metrics_status(server_metrics *m, unsigned status)
{
    size_t i = 0;
    while (i < METRICS_STATUSES && counted_statuses[i] != status)
        i++;
    atomic_fetch_add_explicit(&m->statuses[i], 1, RELAXED);
}

static void histogram_add(metrics_histogram *h, uint64_t duration_ns)
{
    uint64_t us = duration_ns / 1000;
    size_t i = 0;
    while (i < METRICS_LATENCY_BUCKETS && us > latency_bounds_us[i])
        i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, RELAXED);
    atomic_fetch_add_explicit(&h->sum_us, us, RELAXED);
    atomic_fetch_add_explicit(&h->count, 1, RELAXED);
}

void metrics_latency(server_metrics *m, metrics_route route, uint64_t latency_ns)
{
    assert((unsigned)route < METRICS_ROUTES);
    histogram_add(&m->latency[route], latency_ns);
}

void metrics_commit_duration(server_metrics *m, uint64_t duration_ns)
{
    histogram_add(&m->commit, duration_ns);
}

void metrics_batch(server_metrics *m, size_t attempts, bool failed)
{
    size_t i = 0;
    while (i < METRICS_BATCH_BUCKETS && attempts > ((size_t)1 << i))
        i++;
    atomic_fetch_add_explicit(&m->batch_buckets[i], 1, RELAXED);
    atomic_fetch_add_explicit(&m->batch_sum, attempts, RELAXED);
    atomic_fetch_add_explicit(&m->batch_count, 1, RELAXED);
    if (failed)
        atomic_fetch_add_explicit(&m->batch_failed, 1, RELAXED);
}

static uint64_t get(_Atomic uint64_t *v)
{
    return atomic_load_explicit(v, RELAXED);
}

static void render_outcomes(FILE *f, server_metrics *m)
{
    fputs("# HELP booking_attempts_total Attempts answered, by outcome and reason.\n"
          "# TYPE booking_attempts_total counter\n",
          f);
#define OUTCOME_VALUE_(name, value, wire) BOOKING_##name,
    static const booking_outcome outcomes[] = {BOOKING_OUTCOME_MAP(OUTCOME_VALUE_)};
#undef OUTCOME_VALUE_
    for (size_t o = 0; o < sizeof outcomes / sizeof outcomes[0]; o++) {
        for (unsigned r = 0; r < METRICS_REASONS; r++) {
            uint64_t n = get(&m->outcomes[outcomes[o]][r]);
            bool expected = bk_core_reason_pairs_with((booking_reason)r, outcomes[o]);
            /* Every possible series is always shown, so rates start from zero. */
            if (n > 0 || expected)
                fprintf(f, "booking_attempts_total{outcome=\"%s\",reason=\"%s\"} %llu\n",
                        booking_outcome_name(outcomes[o]), booking_reason_name((booking_reason)r),
                        (unsigned long long)n);
        }
    }
}

static void render_statuses(FILE *f, server_metrics *m)
{
    fputs("# HELP booking_http_responses_total HTTP answers, by status code.\n"
          "# TYPE booking_http_responses_total counter\n",
          f);
    for (size_t i = 0; i < METRICS_STATUSES; i++)
        fprintf(f, "booking_http_responses_total{code=\"%u\"} %llu\n", counted_statuses[i],
                (unsigned long long)get(&m->statuses[i]));
    fprintf(f, "booking_http_responses_total{code=\"other\"} %llu\n",
            (unsigned long long)get(&m->statuses[METRICS_STATUSES]));
}

/* One histogram's series; labels is "" or `name="value",` (with its comma). */
static void render_histogram(FILE *f, const char *name, const char *labels,
                             metrics_histogram *h)
{
    uint64_t cumulative = 0;
    for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
        cumulative += get(&h->buckets[i]);
        fprintf(f, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels,
                (double)latency_bounds_us[i] / 1e6, (unsigned long long)cumulative);
    }
    cumulative += get(&h->buckets[METRICS_LATENCY_BUCKETS]);
    fprintf(f, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cumulative);
    size_t n = strlen(labels);
    /* The sum and count carry the labels without the trailing comma. */
    if (n > 0) {
        fprintf(f, "%s_sum{%.*s} %.6f\n", name, (int)(n - 1), labels,
                (double)get(&h->sum_us) / 1e6);
        fprintf(f, "%s_count{%.*s} %llu\n", name, (int)(n - 1), labels,
                (unsigned long long)get(&h->count));
    } else {
        fprintf(f, "%s_sum %.6f\n", name, (double)get(&h->sum_us) / 1e6);
        fprintf(f, "%s_count %llu\n", name, (unsigned long long)get(&h->count));
    }
}

static const char *const route_labels[METRICS_ROUTES] = {
#define METRICS_ROUTE_LABEL_(name, label) [METRICS_ROUTE_##name] = label,
    METRICS_ROUTE_MAP(METRICS_ROUTE_LABEL_)
#undef METRICS_ROUTE_LABEL_
};

static void render_latency(FILE *f, server_metrics *m)
{
    fputs("# HELP booking_http_request_duration_seconds Time from request headers to answer, by route.\n"
          "# TYPE booking_http_request_duration_seconds histogram\n",
          f);
    for (size_t r = 0; r < METRICS_ROUTES; r++) {
        char labels[64];
        snprintf(labels, sizeof labels, "route=\"%s\",", route_labels[r]);
        render_histogram(f, "booking_http_request_duration_seconds", labels, &m->latency[r]);
    }
    fputs("# HELP booking_commit_duration_seconds Time of one store transaction of the group commit (decide and sync).\n"
          "# TYPE booking_commit_duration_seconds histogram\n",
          f);
    render_histogram(f, "booking_commit_duration_seconds", "", &m->commit);
}

static void render_batches(FILE *f, server_metrics *m)
{
    fputs("# HELP booking_commit_batch_size Attempts, or confirms and cancels, decided per transaction of the group commit.\n"
          "# TYPE booking_commit_batch_size histogram\n",
          f);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < METRICS_BATCH_BUCKETS; i++) {
        cumulative += get(&m->batch_buckets[i]);
        fprintf(f, "booking_commit_batch_size_bucket{le=\"%zu\"} %llu\n", (size_t)1 << i,
                (unsigned long long)cumulative);
    }
    cumulative += get(&m->batch_buckets[METRICS_BATCH_BUCKETS]);
    fprintf(f, "booking_commit_batch_size_bucket{le=\"+Inf\"} %llu\n",
            (unsigned long long)cumulative);
    fprintf(f, "booking_commit_batch_size_sum %llu\n", (unsigned long long)get(&m->batch_sum));
    fprintf(f, "booking_commit_batch_size_count %llu\n",
            (unsigned long long)get(&m->batch_count));
    fprintf(f,
            "# HELP booking_commit_failed_total Group commits whose transaction failed.\n"
            "# TYPE booking_commit_failed_total counter\n"
            "booking_commit_failed_total %llu\n",
            (unsigned long long)get(&m->batch_failed));
}

static void render_queue(FILE *f, server_metrics *m)
{
    fprintf(f,
            "# HELP booking_queue_attempts Attempts, confirms and cancels waiting for the committer.\n"
            "# TYPE booking_queue_attempts gauge\n"
            "booking_queue_attempts %llu\n"
            "# HELP booking_queue_requests Requests waiting for the committer.\n"
            "# TYPE booking_queue_requests gauge\n"
            "booking_queue_requests %llu\n"
            "# HELP booking_queue_full_total Attempts, confirms and cancels refused busy because the queue was full.\n"
            "# TYPE booking_queue_full_total counter\n"
            "booking_queue_full_total %llu\n"
            "# HELP booking_commit_attempts_in_progress Attempts, or confirms and cancels, in the transaction under way.\n"
            "# TYPE booking_commit_attempts_in_progress gauge\n"
            "booking_commit_attempts_in_progress %llu\n",
            (unsigned long long)get(&m->queue_attempts),
            (unsigned long long)get(&m->queue_requests),
            (unsigned long long)get(&m->queue_full), (unsigned long long)get(&m->committing));
}

static void render_holds(FILE *f, server_metrics *m, const booking_store_stats *stats)
{
    fprintf(f,
            "# HELP booking_holds_created_total Attempts answered BOOKED with status held (new).\n"
            "# TYPE booking_holds_created_total counter\n"
            "booking_holds_created_total %llu\n"
            "# HELP booking_holds_confirmed_total Holds made active by a confirm.\n"
            "# TYPE booking_holds_confirmed_total counter\n"
            "booking_holds_confirmed_total %llu\n"
            "# HELP booking_holds_cancelled_total Cancels of bookings made as holds (held, or confirmed since).\n"
            "# TYPE booking_holds_cancelled_total counter\n"
            "booking_holds_cancelled_total %llu\n"
            "# HELP booking_holds_expired_total Holds whose expiry this process's store applied.\n"
            "# TYPE booking_holds_expired_total counter\n"
            "booking_holds_expired_total %llu\n",
            (unsigned long long)get(&m->holds_created),
            (unsigned long long)get(&m->holds_confirmed),
            (unsigned long long)get(&m->holds_cancelled),
            (unsigned long long)stats->holds_expired);
}

/* What the store did that no answer shows, from booking_store_get_stats. */
static void render_store(FILE *f, const booking_store_stats *stats)
{
    fprintf(f,
            "# HELP booking_listing_seal_failures_total Runs of the sqlite store's listing index"
            " this process failed to seal (retried later; no answer is affected).\n"
            "# TYPE booking_listing_seal_failures_total counter\n"
            "booking_listing_seal_failures_total %llu\n",
            (unsigned long long)stats->listing_seal_failures);
}

char *metrics_render(server_metrics *m, const booking_store_stats *stats, size_t *len)
{
    assert(m != NULL && stats != NULL);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return NULL;
    render_outcomes(f, m);
    render_statuses(f, m);
    render_latency(f, m);
    render_batches(f, m);
    render_queue(f, m);
    render_holds(f, m, stats);
    render_store(f, stats);
    bk_metrics_render_process(f);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
}
