/*
 * bench_stats.c: counting and summarising a benchmark run.
 */
#include "cli/bench_stats.h"

#include <inttypes.h>

static unsigned bucket_of(uint64_t v)
{
    if (v < 16)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    return (e - 3) * 16 + (unsigned)((v >> (e - 4)) & 15);
}

static uint64_t bucket_floor(unsigned idx)
{
    if (idx < 16)
        return idx;
    unsigned e = idx / 16 + 3, m = idx % 16;
    return (uint64_t)(16 + m) << (e - 4);
}

void bench_stats_record_latency(bench_stats *s, uint64_t ns, uint64_t weight)
{
    s->latency_ns[bucket_of(ns)] += weight;
    s->latency_count += weight;
}

void bench_stats_record_result(bench_stats *s, const booking_result *r)
{
    s->attempts++;
    s->by_outcome[r->outcome & 3]++;
    if ((unsigned)r->reason < BENCH_REASON_COUNT)
        s->by_reason[r->reason]++;
}

void bench_stats_merge(bench_stats *into, const bench_stats *from)
{
    into->attempts += from->attempts;
    for (int i = 0; i < 4; i++)
        into->by_outcome[i] += from->by_outcome[i];
    for (int i = 0; i < BENCH_REASON_COUNT; i++)
        into->by_reason[i] += from->by_reason[i];
    into->latency_count += from->latency_count;
    for (int i = 0; i < BENCH_HIST_BUCKETS; i++)
        into->latency_ns[i] += from->latency_ns[i];
}

uint64_t bench_stats_quantile(const bench_stats *s, double q)
{
    if (s->latency_count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)s->latency_count);
    if (rank >= s->latency_count)
        rank = s->latency_count - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += s->latency_ns[i];
        if (seen > rank)
            return bucket_floor(i);
    }
    return bucket_floor(BENCH_HIST_BUCKETS - 1);
}

void bench_stats_print(FILE *out, const bench_stats *s, double seconds, const char *label,
                       int json)
{
    double rate = seconds > 0 ? (double)s->attempts / seconds : 0;
    uint64_t p50 = bench_stats_quantile(s, 0.50), p99 = bench_stats_quantile(s, 0.99),
             p999 = bench_stats_quantile(s, 0.999);
    if (json) {
        fprintf(out, "{\"label\":\"%s\",\"attempts\":%" PRIu64 ",\"seconds\":%.6f,"
                     "\"attempts_per_second\":%.0f,\"booked\":%" PRIu64 ",\"rejected\":%" PRIu64
                     ",\"failed\":%" PRIu64 ",\"latency_ns\":{\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
                     ",\"p999\":%" PRIu64 "},\"reasons\":{",
                label, s->attempts, seconds, rate, s->by_outcome[BOOKING_BOOKED],
                s->by_outcome[BOOKING_REJECTED], s->by_outcome[BOOKING_FAILED], p50, p99, p999);
        const char *sep = "";
        for (int i = 0; i < BENCH_REASON_COUNT; i++) {
            if (s->by_reason[i] == 0)
                continue;
            fprintf(out, "%s\"%s\":%" PRIu64, sep, booking_reason_name((booking_reason)i),
                    s->by_reason[i]);
            sep = ",";
        }
        fputs("}}\n", out);
        return;
    }
    fprintf(out, "%s: %" PRIu64 " attempts in %.3f s = %.0f attempts/s\n", label, s->attempts,
            seconds, rate);
    fprintf(out, "  outcomes: BOOKED %" PRIu64 ", REJECTED %" PRIu64 ", FAILED %" PRIu64 "\n",
            s->by_outcome[BOOKING_BOOKED], s->by_outcome[BOOKING_REJECTED],
            s->by_outcome[BOOKING_FAILED]);
    fputs("  reasons:", out);
    for (int i = 0; i < BENCH_REASON_COUNT; i++) {
        if (s->by_reason[i] != 0)
            fprintf(out, " %s %" PRIu64, booking_reason_name((booking_reason)i), s->by_reason[i]);
    }
    fprintf(out, "\n  latency per call: p50 %.1f us, p99 %.1f us, p999 %.1f us\n", (double)p50 / 1e3,
            (double)p99 / 1e3, (double)p999 / 1e3);
}
