/* SPDX-License-Identifier: MIT */
/*
 * loadgen_internal.h: what the two modes of the load generator share: the clock,
 * the randomness, counting, and the workload (which attempt comes next).
 * Not part of the module's interface (loadgen.h).
 */
#ifndef BOOKING_LOADGEN_INTERNAL_H
#define BOOKING_LOADGEN_INTERNAL_H

#include "loadgen/loadgen.h"
#include "util/monotonic.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* xorshift64: cheap, per-thread state, never zero once seeded non-zero. */
static inline uint64_t loadgen_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* The seed of client `stream` of a run seeded `seed`: a splitmix64 finalizer, so
 * that runs with nearby seeds (7, 8, 9) share no client's stream, and never zero
 * (xorshift's fixed point). A plain (seed ^ k) * (stream + 1) | 1 gave seeds 8 and
 * 9 one stream, and so the same booking ids in one store. */
static inline uint64_t loadgen_stream_seed(uint64_t seed, uint64_t stream)
{
    uint64_t x = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x != 0 ? x : 1;
}

/* Fills why (printf) and returns the status given: every file of the module
 * answers its errors this way, so it lives here rather than in one of them. */
static inline loadgen_status loadgen_fail(char why[LOADGEN_WHY_BYTES], loadgen_status status,
                                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline loadgen_status loadgen_fail(char why[LOADGEN_WHY_BYTES], loadgen_status status,
                                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, LOADGEN_WHY_BYTES, fmt, ap);
    va_end(ap);
    return status;
}

/* The progress both modes report while they wait for their workers. */
typedef struct loadgen_meter {
    uint64_t start_ns, last_ns, last_count;
} loadgen_meter;

/* Calls hooks->progress when every_ms have passed since the last report. */
void loadgen_meter_tick(loadgen_meter *m, const loadgen_hooks *hooks, uint64_t count,
                        uint64_t lost, uint64_t every_ms);

void loadgen_stats_record_latency(loadgen_stats *s, uint64_t ns, uint64_t weight);
void loadgen_stats_record_result(loadgen_stats *s, const booking_result *r);
void loadgen_stats_merge(loadgen_stats *into, const loadgen_stats *from);

/* Appends the lower-case hex digits of v at p; returns the end. */
char *loadgen_put_hex(char *p, uint64_t v);

/* The UUID of 128 bits hi:lo in its canonical text, 8-4-4-4-12 lower-case hex,
 * and a NUL: 37 bytes at out. */
void loadgen_put_uuid(char *out, uint64_t hi, uint64_t lo);

/* One attempt of the workload: a booking id and the resource (an index) and units;
 * a stay (cfg->nights) is the bundle of `lines` nights from `resource` on, each
 * line of `units`. lines 0: the single form. */
typedef struct loadgen_slot {
    char booking_id[LOADGEN_ID_BYTES];
    uint32_t resource;
    uint32_t lines;
    uint64_t units;
} loadgen_slot;

/* The resources a slot's attempt names: lines of them from resource on (1 for the
 * single form). */
static inline uint32_t loadgen_slot_lines(const loadgen_slot *s)
{
    return s->lines != 0 ? s->lines : 1;
}

/* Adds (or subtracts) a slot's units to every resource it names, in a ledger. */
static inline void loadgen_slot_add(uint64_t *per_resource, const loadgen_slot *s)
{
    for (uint32_t k = 0; k < loadgen_slot_lines(s); k++)
        per_resource[s->resource + k] += s->units;
}

static inline void loadgen_slot_sub(uint64_t *per_resource, const loadgen_slot *s)
{
    for (uint32_t k = 0; k < loadgen_slot_lines(s); k++)
        per_resource[s->resource + k] -= s->units;
}

/* A bundle's lines into out (cap >= s->lines): night ids from resource_ids. */
static inline size_t loadgen_slot_fill_lines(const loadgen_slot *s,
                                             char (*resource_ids)[LOADGEN_ID_BYTES],
                                             booking_line *out)
{
    for (uint32_t k = 0; k < s->lines; k++)
        out[k] = (booking_line){.resource_id = resource_ids[s->resource + k], .units = s->units};
    return s->lines;
}

/* One client's stream of attempts: new ids "<prefix><hex counter>" on a resource
 * picked at random, or, by the config's shares, a replay of one of its last
 * slot_count ids (same resource and units) or a conflicting replay (other units). */
typedef struct loadgen_picker {
    uint64_t rng;
    uint64_t id_rng;      /* the ids' own draws: the workload is the same for every kind */
    loadgen_ids ids;
    uint64_t uuid7_ms;    /* uuid7: the last id's time (ms) and its 12-bit counter, so */
    unsigned uuid7_seq;   /* that the ids of one client ascend strictly (RFC 9562 6.2) */
    uint64_t issued;      /* new ids so far */
    loadgen_slot *slots;  /* the last slot_count new ids */
    unsigned slot_count;
    uint64_t replay_cut, conflict_cut; /* of a 32-bit dice */
    uint64_t resources, units_max;
    uint64_t nights;             /* bundles: stays over nights 0..nights-1 (0: none) */
    unsigned stay_min, stay_max;
    char prefix[LOADGEN_ID_BYTES - 17]; /* seq ids: room for 16 hex digits and the NUL */
    size_t prefix_len;
} loadgen_picker;

/* Sets up p for cfg; slots (slot_count of them) belong to the caller. */
void loadgen_picker_init(loadgen_picker *p, const loadgen_config *cfg, uint64_t rng,
                         const char *prefix, loadgen_slot *slots, unsigned slot_count);
void loadgen_pick(loadgen_picker *p, loadgen_slot *out);

/* The 16 hex digits of the seed that make a run's ids its own. */
void loadgen_tag(const loadgen_config *cfg, char tag[17]);

/* ---- holds (loadgen_holds.c), shared by both modes ---- */

#define LOADGEN_LATE_PER_CLIENT 2        /* holds left to expire that are confirmed late */
#define LOADGEN_EXPIRY_WAIT_MS_MAX 60000 /* longer holds are checked by as_of, unwaited */
#define LOADGEN_EXPIRY_MARGIN_MS 20      /* past the last end, for the store's clock */

/* The host's real-time clock in ms: on loopback, the clock sqlite: and memory:
 * stores decide with (SPEC section 7). */
int64_t loadgen_realtime_ms(void);

/* Whether a client's next fresh hold is confirmed: exactly ratio of them, spread
 * evenly (the k-th when floor(k * ratio) grows), so a run's share is exact. */
bool loadgen_confirm_due(uint64_t *holds_seen, double ratio);

/* What one client's answers say of each resource, for the read-back. */
typedef struct loadgen_ledger {
    uint64_t resources;
    uint64_t *acked;         /* active units: fresh BOOKED answers that are not holds */
    uint64_t *doubt;         /* units of attempts without an answer, or FAILED */
    uint64_t *held;          /* units of fresh holds not known to be confirmed */
    uint64_t *confirmed;     /* units of holds answered confirmed (active from then on) */
    uint64_t *confirm_doubt; /* units of holds whose confirm got no answer (also in held) */
    int64_t end_min, end_max; /* of every fresh hold; end_max 0: there was none */
} loadgen_ledger;

bool loadgen_ledger_init(loadgen_ledger *l, uint64_t resources);
void loadgen_ledger_free(loadgen_ledger *l);
void loadgen_ledger_hold(loadgen_ledger *l, uint32_t resource, uint64_t units,
                         int64_t expires_at_ms);
/* The same for every night of a slot. */
void loadgen_ledger_hold_slot(loadgen_ledger *l, const loadgen_slot *s, int64_t expires_at_ms);

/* The range [*lo, *hi] that booked of resource must lie in, read at as_of (when
 * has_as_of), by the n ledgers: active units, plus holds not ended by then;
 * units in doubt may or may not count. A read between hold ends it cannot place
 * counts every unconfirmed hold as in doubt. */
void loadgen_ledger_expect(const loadgen_ledger *ls, unsigned n, uint32_t resource,
                           bool has_as_of, int64_t as_of_ms, uint64_t *lo, uint64_t *hi);

/* Waits until the host's clock passes end_max (the last hold's end) by the margin:
 * at most hold_ms + the margin, and never for holds longer than
 * LOADGEN_EXPIRY_WAIT_MS_MAX (false: not waited). *waited_ms: the time spent. */
bool loadgen_wait_for_expiry(int64_t end_max, uint64_t hold_ms, uint64_t *waited_ms);

/* Counts one confirm's answer into h. */
void loadgen_holds_count(loadgen_holds *h, booking_reason reason);
void loadgen_holds_merge(loadgen_holds *into, const loadgen_holds *from);

#endif
