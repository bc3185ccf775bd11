/* SPDX-License-Identifier: MIT */
/*
 * metrics.h: the service's counters for GET /metrics (Prometheus text format 0.0.4):
 * attempt outcomes by reason, HTTP answers by status, request latency by route,
 * group-commit batch size and duration histograms, queue depth, holds created,
 * confirmed, cancelled and expired, the build, and the process (process_*, from
 * /proc, as Prometheus client libraries export them). Lock-free: relaxed
 * atomics, so recording costs a few adds on the request path.
 */
#ifndef BOOKING_SERVER_METRICS_H
#define BOOKING_SERVER_METRICS_H

#include "booking.h"
#include "core/names.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Upper bounds of the latency buckets, in microseconds (+Inf is implicit). */
#define METRICS_LATENCY_BUCKETS 16
/* Batch size buckets are powers of two 1, 2, 4, ... BOOKING_BATCH_MAX (8192). */
#define METRICS_BATCH_BUCKETS 14
#define METRICS_REASONS CORE_REASON_COUNT
#define METRICS_OUTCOMES 4 /* indexed by booking_outcome, 1..3 */
/* HTTP statuses counted one by one; anything else lands in "other". */
#define METRICS_STATUSES 12

/* The route label of the latency histogram: METRICS_ROUTE_MAP(XX(NAME, "label")),
 * one per operation of the API, so scrapes and probes do not mix with attempts;
 * "refused" is a request answered from its headers alone (401, 404, 405, ...). */
#define METRICS_ROUTE_MAP(XX)                                                                \
    XX(ATTEMPT, "attempt")                                                                   \
    XX(BATCH, "batch")                                                                       \
    XX(BOOKING_GET, "booking_get")                                                           \
    XX(BOOKING_CANCEL, "booking_cancel")                                                     \
    XX(BOOKING_CONFIRM, "booking_confirm")                                                   \
    XX(RESOURCE_GET, "resource_get")                                                         \
    XX(RESOURCE_PUT, "resource_put")                                                         \
    XX(RESOURCE_LIST, "resource_list")                                                       \
    XX(BOOKING_LIST, "booking_list")                                                         \
    XX(HEALTHZ, "healthz")                                                                   \
    XX(READYZ, "readyz")                                                                     \
    XX(METRICS, "metrics")                                                                   \
    XX(OPENAPI, "openapi")                                                                   \
    XX(REFUSED, "refused")

typedef enum metrics_route {
#define METRICS_ROUTE_ENUM_(name, label) METRICS_ROUTE_##name,
    METRICS_ROUTE_MAP(METRICS_ROUTE_ENUM_)
#undef METRICS_ROUTE_ENUM_
    METRICS_ROUTES
} metrics_route;

/* One histogram of durations: a counter per bucket, their sum and count. */
typedef struct metrics_histogram {
    _Atomic uint64_t buckets[METRICS_LATENCY_BUCKETS + 1];
    _Atomic uint64_t sum_us;
    _Atomic uint64_t count;
} metrics_histogram;

typedef struct server_metrics {
    _Atomic uint64_t outcomes[METRICS_OUTCOMES][METRICS_REASONS];
    _Atomic uint64_t statuses[METRICS_STATUSES + 1];
    metrics_histogram latency[METRICS_ROUTES]; /* by route */
    metrics_histogram commit;                  /* one per store transaction */
    /* One observation per transaction: of attempts, or of confirms and cancels. */
    _Atomic uint64_t batch_buckets[METRICS_BATCH_BUCKETS + 1];
    _Atomic uint64_t batch_sum;
    _Atomic uint64_t batch_count;
    _Atomic uint64_t batch_failed; /* commits whose transaction failed (all FAILED) */
    _Atomic uint64_t queue_attempts; /* gauge: attempts and changes waiting */
    _Atomic uint64_t queue_requests; /* gauge: requests waiting for the committer */
    _Atomic uint64_t queue_full;     /* attempts and changes refused busy: queue full */
    _Atomic uint64_t committing;     /* gauge: attempts or changes being decided */
    _Atomic uint64_t holds_created;  /* new BOOKED answers with status held */
    _Atomic uint64_t holds_confirmed; /* confirms answered confirmed */
    _Atomic uint64_t holds_cancelled; /* cancels answered cancelled on a booking made as a hold */
} server_metrics;

void metrics_init(server_metrics *m);
/* An attempt's answer; a new hold also counts in holds created. */
void metrics_outcome(server_metrics *m, const booking_result *result);
/* A confirm's or a cancel's answer (reason) about record (valid unless the
 * reason is unknown_booking or a failure): counts confirmed and cancelled holds. */
void metrics_change(server_metrics *m, booking_reason reason, const booking_record *record);
void metrics_status(server_metrics *m, unsigned status);
void metrics_latency(server_metrics *m, metrics_route route, uint64_t latency_ns);
void metrics_batch(server_metrics *m, size_t attempts, bool failed);
/* A store transaction of the group commit took duration_ns (decide and sync). */
void metrics_commit_duration(server_metrics *m, uint64_t duration_ns);

/* The whole exposition as a malloc'd text; NULL when out of memory. The holds
 * expired are not an answer anyone saw: they come from the store's own count
 * (booking_store_get_stats), read at scrape time. */
char *metrics_render(server_metrics *m, const booking_store_stats *stats, size_t *len);

#endif
