/*
 * bench_stats.h: what `booking bench` counts: outcomes by reason and a
 * log-linear latency histogram (16 sub-buckets per power of two, about 6%
 * precision), fixed size, so recording costs no allocation and no lock.
 */
#ifndef BOOKING_CLI_BENCH_STATS_H
#define BOOKING_CLI_BENCH_STATS_H

#include "booking.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define BENCH_HIST_BUCKETS 976
#define BENCH_REASON_COUNT (BOOKING_REASON_INTERNAL + 1)

typedef struct bench_stats {
    uint64_t attempts;
    uint64_t by_outcome[4];                  /* index: booking_outcome */
    uint64_t by_reason[BENCH_REASON_COUNT];  /* index: booking_reason */
    uint64_t latency_count;
    uint64_t latency_ns[BENCH_HIST_BUCKETS];
} bench_stats;

/* The clock and the randomness both load generators use: monotonic nanoseconds,
 * and xorshift64 (cheap, per-thread state, never zero once seeded non-zero). */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

void bench_stats_record_latency(bench_stats *s, uint64_t ns, uint64_t weight);
void bench_stats_record_result(bench_stats *s, const booking_result *r);
void bench_stats_merge(bench_stats *into, const bench_stats *from);
/* The latency (ns, lower bound of its bucket) below which fraction q of samples lie. */
uint64_t bench_stats_quantile(const bench_stats *s, double q);
/* Prints the summary (text, or one JSON object). */
void bench_stats_print(FILE *out, const bench_stats *s, double seconds, const char *label,
                       int json);

#endif
