/* SPDX-License-Identifier: MIT */
/*
 * memory_latency.c: the memory store, one thread, batches of random UUIDv4
 * booking ids on one resource, through the public API: the rate over the calls
 * and each call's latency (p50, p99, p999, max). Bounded: at most
 * LATENCY_DECISIONS_MAX decisions, one pass. A benchmark, not a test.
 *
 *   memory_latency [decisions [batch]]      (defaults 4194304 and 8192)
 *   LATENCY_TRACE=1 memory_latency ...       also lists each call over 5 ms
 *   LATENCY_TRACE=all memory_latency ...     lists every call
 *
 * Beside the latencies, each call's minor page faults (getrusage): the fresh
 * memory a call touches is what made the slow calls slow on the development
 * VMs, so the trace and the summary say how many faults the slow calls took.
 * And each call's CPU time (the thread's, user and system): what the store
 * itself cost, without the time other processes of a shared machine took
 * the core away, so its percentiles compare builds on a loaded machine.
 */
#include "booking.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define LATENCY_DECISIONS_DEFAULT ((size_t)1 << 22)
#define LATENCY_DECISIONS_MAX ((size_t)1 << 25)
#define LATENCY_BATCH_DEFAULT 8192
#define LATENCY_UUID_BYTES 37 /* 36 characters and the NUL */
#define LATENCY_TRACE_NS 5000000ull /* LATENCY_TRACE lists calls slower than this */

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A random (version 4, variant 1) UUID in its 8-4-4-4-12 text form. */
static void uuid4(uint64_t *rng, char out[LATENCY_UUID_BYTES])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t hi = splitmix(rng), lo = splitmix(rng);
    hi = (hi & ~0xF000ull) | 0x4000ull;                  /* version 4 */
    lo = (lo & ~(3ull << 62)) | (2ull << 62);            /* variant 10 */
    unsigned char b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(hi >> (56 - 8 * i));
        b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
    }
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Minor page faults of the process so far. */
static uint64_t minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_minflt;
}

/* The calling thread's CPU time so far, user and system. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t percentile(const uint64_t *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    size_t decisions = argc > 1 ? strtoull(argv[1], NULL, 10) : LATENCY_DECISIONS_DEFAULT;
    size_t batch = argc > 2 ? strtoull(argv[2], NULL, 10) : LATENCY_BATCH_DEFAULT;
    if (decisions < 1 || decisions > LATENCY_DECISIONS_MAX || batch < 1 ||
        batch > BOOKING_BATCH_MAX) {
        fprintf(stderr, "usage: memory_latency [decisions 1..%zu [batch 1..%d]]\n",
                LATENCY_DECISIONS_MAX, BOOKING_BATCH_MAX);
        return 2;
    }
    size_t calls = (decisions + batch - 1) / batch;
    booking_store *store;
    booking_reason reason;
    if (booking_store_open("memory:", &store, NULL, 0) != BOOKING_OK ||
        booking_set_capacity(store, "r", BOOKING_CAPACITY_MAX, &reason, NULL) != BOOKING_OK) {
        fprintf(stderr, "memory_latency: cannot open the store\n");
        return 1;
    }
    char (*ids)[LATENCY_UUID_BYTES] = malloc(batch * LATENCY_UUID_BYTES);
    booking_request *reqs = calloc(batch, sizeof *reqs);
    booking_result *results = calloc(batch, sizeof *results);
    uint64_t *call_ns = calloc(calls, sizeof *call_ns);
    uint64_t *call_faults = calloc(calls, sizeof *call_faults);
    uint64_t *call_cpu = calloc(calls, sizeof *call_cpu);
    if (ids == NULL || reqs == NULL || results == NULL || call_ns == NULL || call_faults == NULL ||
        call_cpu == NULL)
        return 1;
    uint64_t rng = 0x5EEDull, total_ns = 0, booked = 0;
    for (size_t c = 0; c < calls; c++) {
        size_t n = c + 1 < calls ? batch : decisions - c * batch;
        for (size_t i = 0; i < n; i++) {
            uuid4(&rng, ids[i]);
            reqs[i] = (booking_request){.booking_id = ids[i], .resource_id = "r", .units = 1};
        }
        uint64_t f0 = minor_faults();
        uint64_t c0 = cpu_ns();
        uint64_t t0 = now_ns();
        booking_error e = booking_attempt_batch(store, reqs, n, results);
        call_ns[c] = now_ns() - t0;
        call_cpu[c] = cpu_ns() - c0;
        call_faults[c] = minor_faults() - f0;
        total_ns += call_ns[c];
        if (e != BOOKING_OK)
            return 1;
        for (size_t i = 0; i < n; i++)
            booked += results[i].outcome == BOOKING_BOOKED && !results[i].replayed;
    }
    /* The store's own count too: every answer's unit is in the resource's booked. */
    booking_resource state;
    if (booking_get_resource(store, "r", &reason, &state) != BOOKING_OK ||
        reason != BOOKING_REASON_OK || booked != decisions || state.booked != decisions) {
        fprintf(stderr, "memory_latency: %" PRIu64 " new decisions answered, %" PRIu64
                " booked in the store, of %zu\n", booked, state.booked, decisions);
        return 1;
    }
    uint64_t faults = 0, faults_max = 0;
    for (size_t c = 0; c < calls; c++) {
        faults += call_faults[c];
        faults_max = call_faults[c] > faults_max ? call_faults[c] : faults_max;
        const char *trace = getenv("LATENCY_TRACE");
        if (trace != NULL && (call_ns[c] > LATENCY_TRACE_NS || strcmp(trace, "all") == 0))
            fprintf(stderr, "call %zu: %.3f ms, %" PRIu64 " faults, cpu %.3f ms\n", c,
                    (double)call_ns[c] / 1e6, call_faults[c], (double)call_cpu[c] / 1e6);
    }
    qsort(call_ns, calls, sizeof *call_ns, cmp_u64);
    qsort(call_cpu, calls, sizeof *call_cpu, cmp_u64);
    uint64_t cpu_p50 = percentile(call_cpu, calls, 0.50);
    uint64_t p50 = percentile(call_ns, calls, 0.50);
    printf("decisions %zu batch %zu calls %zu rate %.2fM/s per call: p50 %.3f ms p99 %.3f ms "
           "p999 %.3f ms max %.3f ms (p999/p50 %.1f); minor faults %" PRIu64
           " (%.1f per call, at most %" PRIu64 ")\n",
           decisions, batch, calls, (double)decisions / ((double)total_ns / 1e9) / 1e6,
           (double)p50 / 1e6, (double)percentile(call_ns, calls, 0.99) / 1e6,
           (double)percentile(call_ns, calls, 0.999) / 1e6, (double)call_ns[calls - 1] / 1e6,
           (double)percentile(call_ns, calls, 0.999) / (double)p50, faults,
           (double)faults / (double)calls, faults_max);
    printf("cpu per call: p50 %.3f ms p99 %.3f ms p999 %.3f ms max %.3f ms (p999/p50 %.1f)\n",
           (double)cpu_p50 / 1e6, (double)percentile(call_cpu, calls, 0.99) / 1e6,
           (double)percentile(call_cpu, calls, 0.999) / 1e6, (double)call_cpu[calls - 1] / 1e6,
           (double)percentile(call_cpu, calls, 0.999) / (double)cpu_p50);
    free(ids);
    free(reqs);
    free(results);
    free(call_ns);
    free(call_faults);
    free(call_cpu);
    booking_store_close(store);
    return 0;
}
