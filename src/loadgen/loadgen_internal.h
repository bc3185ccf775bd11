/*
 * loadgen_internal.h: what the two modes of the load generator share: the clock,
 * the randomness, counting, and the workload (which attempt comes next).
 * Not part of the module's interface (loadgen.h).
 */
#ifndef BOOKING_LOADGEN_INTERNAL_H
#define BOOKING_LOADGEN_INTERNAL_H

#include "loadgen/loadgen.h"

#include <stddef.h>
#include <time.h>

/* Monotonic nanoseconds. */
static inline uint64_t loadgen_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64: cheap, per-thread state, never zero once seeded non-zero. */
static inline uint64_t loadgen_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* Fills why (printf) and returns LOADGEN_ERROR, or the status given. */
loadgen_status loadgen_fail(char why[LOADGEN_WHY_BYTES], loadgen_status status, const char *fmt,
                            ...) __attribute__((format(printf, 3, 4)));

void loadgen_stats_record_latency(loadgen_stats *s, uint64_t ns, uint64_t weight);
void loadgen_stats_record_result(loadgen_stats *s, const booking_result *r);
void loadgen_stats_merge(loadgen_stats *into, const loadgen_stats *from);

/* Appends the decimal / lower-case hex digits of v at p; return the end. */
char *loadgen_put_u64(char *p, uint64_t v);
char *loadgen_put_hex(char *p, uint64_t v);

/* One attempt of the workload: a booking id and the resource (an index) and units. */
typedef struct loadgen_slot {
    char booking_id[LOADGEN_ID_BYTES];
    uint32_t resource;
    uint64_t units;
} loadgen_slot;

/* One client's stream of attempts: new ids "<prefix><hex counter>" on a resource
 * picked at random, or, by the config's shares, a replay of one of its last
 * slot_count ids (same resource and units) or a conflicting replay (other units). */
typedef struct loadgen_picker {
    uint64_t rng;
    uint64_t issued;      /* new ids so far */
    loadgen_slot *slots;  /* the last slot_count new ids */
    unsigned slot_count;
    uint64_t replay_cut, conflict_cut; /* of a 32-bit dice */
    uint64_t resources, units_max;
    char prefix[LOADGEN_ID_BYTES - 17]; /* room for 16 hex digits and the NUL */
    size_t prefix_len;
} loadgen_picker;

/* Sets up p for cfg; slots (slot_count of them) belong to the caller. */
void loadgen_picker_init(loadgen_picker *p, const loadgen_config *cfg, uint64_t rng,
                         const char *prefix, loadgen_slot *slots, unsigned slot_count);
void loadgen_pick(loadgen_picker *p, loadgen_slot *out);

/* The 16 hex digits of the seed that make a run's ids its own. */
void loadgen_tag(const loadgen_config *cfg, char tag[17]);

#endif
