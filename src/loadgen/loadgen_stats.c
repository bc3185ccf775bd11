/* SPDX-License-Identifier: MIT */
/*
 * loadgen_stats.c: counting a run: outcomes by reason, latency in a log-linear
 * histogram, and the merge of per-thread counts at the end.
 */
#include "loadgen/loadgen_internal.h"

#include <stdlib.h>

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

_Static_assert(LOADGEN_HIST_BUCKETS == (63 - 3) * 16 + 16, "one bucket for every 64-bit latency");

void loadgen_stats_record_latency(loadgen_stats *s, uint64_t ns, uint64_t weight)
{
    s->latency_ns[bucket_of(ns)] += weight;
    s->latency_count += weight;
}

void loadgen_stats_record_result(loadgen_stats *s, const booking_result *r)
{
    s->attempts++;
    s->by_outcome[r->outcome & 3]++;
    if ((unsigned)r->reason < LOADGEN_REASON_COUNT)
        s->by_reason[r->reason]++;
}

void loadgen_meter_tick(loadgen_meter *m, const loadgen_hooks *hooks, uint64_t count,
                        uint64_t lost, uint64_t every_ms)
{
    uint64_t t = monotonic_ns();
    if (t - m->last_ns < every_ms * 1000000ull)
        return;
    loadgen_progress p = {
        .elapsed_s = (double)(t - m->start_ns) / 1e9, .attempts = count,
        .per_second = (double)(count - m->last_count) * 1e9 / (double)(t - m->last_ns),
        .lost = lost};
    if (hooks->progress != NULL)
        hooks->progress(hooks->ctx, &p);
    m->last_ns = t;
    m->last_count = count;
}

void loadgen_stats_merge(loadgen_stats *into, const loadgen_stats *from)
{
    into->attempts += from->attempts;
    for (int i = 0; i < 4; i++)
        into->by_outcome[i] += from->by_outcome[i];
    for (int i = 0; i < LOADGEN_REASON_COUNT; i++)
        into->by_reason[i] += from->by_reason[i];
    into->latency_count += from->latency_count;
    for (int i = 0; i < LOADGEN_HIST_BUCKETS; i++)
        into->latency_ns[i] += from->latency_ns[i];
}

uint64_t loadgen_stats_quantile(const loadgen_stats *s, double q)
{
    if (s->latency_count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)s->latency_count);
    if (rank >= s->latency_count)
        rank = s->latency_count - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < LOADGEN_HIST_BUCKETS; i++) {
        seen += s->latency_ns[i];
        if (seen > rank)
            return bucket_floor(i);
    }
    return bucket_floor(LOADGEN_HIST_BUCKETS - 1);
}

void loadgen_report_free(loadgen_report *report)
{
    free(report->mismatches);
    report->mismatches = NULL;
}
