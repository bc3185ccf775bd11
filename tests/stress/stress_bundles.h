/* SPDX-License-Identifier: MIT */
/*
 * stress_bundles.h: bundles (SPEC section 8) under concurrency. Workers book
 * random stays of 1 to 5 consecutive nights over 20 night resources, each stay
 * one bundle (some in descending night order, some holds, some with a night that
 * does not exist), in single calls and in batches mixed with single-form
 * attempts, and replay, conflict with, cancel and confirm each other's stays,
 * on an injected clock they step forward. Every call is timed against the
 * store's lock bound, and a watchdog stops the run if one never returns. The
 * checker then proves from the logs and the store's final state that every
 * BOOKED stay is counted on each of its nights and no REJECTED stay on any.
 */
#ifndef BOOKING_TEST_STRESS_BUNDLES_H
#define BOOKING_TEST_STRESS_BUNDLES_H

#include "booking.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BSTRESS_NIGHTS 20            /* night resources, all created before the run */
#define BSTRESS_UNKNOWN_NIGHT BSTRESS_NIGHTS /* index of a night never created */
#define BSTRESS_STAY_MAX 5           /* a stay is 1..5 consecutive nights */
#define BSTRESS_UNITS_MAX 3          /* rooms per night of a stay */
#define BSTRESS_HOLD_MS_MAX 200      /* of the test clock (1 ms a step): holds end 1..200 ms on */
#define BSTRESS_BATCH_MAX 8          /* a batch has 2..8 attempts */
#define BSTRESS_WORKERS_MAX 16
#define BSTRESS_ID_SIZE 96           /* room for "<prefix>-<ns><owner>-<seq>" */
#define BSTRESS_PREFIX_SIZE 48
#define BSTRESS_SLACK_MS 5000        /* what a loaded 2-core machine may add to a lock bound */
#define BSTRESS_MEMORY_BOUND_MS 1000 /* memory: has no lock wait bound; no call should
                                        take anywhere near this */

/* Booking id namespaces: 's' ids have a fixed stay derived from (owner, seq), so
 * any worker (in any process) can replay any id; 'u' ids are stays with one
 * night that does not exist, used once. */
#define BSTRESS_NS_STAY 's'
#define BSTRESS_NS_UNKNOWN 'u'

typedef enum bstress_call_kind {
    BSTRESS_CALL_ATTEMPT = 1,
    BSTRESS_CALL_CANCEL,
    BSTRESS_CALL_CONFIRM,
    BSTRESS_CALL_GET_RESOURCE,
} bstress_call_kind;

typedef enum bstress_variant {
    BSTRESS_AS_DECIDED = 0, /* the id's own stay (a first attempt or a replay) */
    BSTRESS_CONFLICTING,    /* the id's stay with nights swapped or a unit more */
} bstress_variant;

/* One logged call (a batch: one entry per attempt, sharing call_seq). */
typedef struct bstress_call {
    int64_t start_ns, end_ns; /* CLOCK_MONOTONIC: comparable across processes */
    uint64_t booked, capacity; /* what a get_resource answered */
    uint64_t call_seq;         /* numbers the worker's library calls */
    uint32_t owner, seq;       /* the booking id */
    uint32_t line;             /* result.line */
    uint16_t worker, batch_size;
    uint8_t kind, ns, variant, single_form, night;
    uint8_t error; /* 1: the library refused the call (booking_error != OK) */
    uint8_t outcome, reason, replayed, status;
} bstress_call;

typedef struct bstress_log {
    bstress_call *calls;
    size_t count, capacity;
} bstress_log;

/* The test clock, in memory shared by every process of a run. */
typedef struct bstress_clock {
    _Atomic int64_t now_ms;
} bstress_clock;

int64_t bstress_clock_read(void *context);

typedef struct bstress_config {
    const char *url;
    char prefix[BSTRESS_PREFIX_SIZE]; /* unique per run: the store may be shared */
    unsigned workers;
    unsigned ops_per_worker;
    uint64_t capacity; /* of every night */
    uint64_t seed;
    int64_t bound_ms;  /* the store's lock bound: no call may take longer than this + slack */
    bstress_clock *clock;
} bstress_config;

/* A stay as an id fixes it. */
typedef struct bstress_stay {
    unsigned first, nights; /* nights first..first+nights-1 */
    bool descending;        /* lines from the last night to the first */
    uint64_t units;         /* on every night */
    uint64_t hold_ms;       /* 0: book */
    int unknown_line;       /* 'u' ids: this line names a night that does not exist; else -1 */
} bstress_stay;

bstress_stay bstress_stay_of(const bstress_config *cfg, int ns, uint32_t owner, uint32_t seq);
/* The night of a stay's line i (BSTRESS_UNKNOWN_NIGHT for its unknown line). */
unsigned bstress_night_of_line(const bstress_stay *stay, unsigned i);
void bstress_night_id(char *out, size_t size, const bstress_config *cfg, unsigned night);
void bstress_booking_id(char *out, size_t size, const bstress_config *cfg, int ns,
                        uint32_t owner, uint32_t seq);

/* Sizes the run from the number of workers and the URL (memory: does more work;
 * BOOKING_STRESS_SCALE and a TSan build scale it), and reads the lock bound from
 * the URL (busy_timeout_ms, lock_timeout_ms; default 5000). */
void bstress_config_init(bstress_config *cfg, const char *url, unsigned workers,
                         bstress_clock *clock);

/* Creates the nights with cfg->capacity; the store must run on cfg->clock. */
bool bstress_setup(booking_store *store, const bstress_config *cfg);

/* Runs workers first_worker..first_worker+count-1 in threads on one store, let go
 * at once, with a watchdog that ends the process (exit status 3) when a call is
 * in flight longer than the bound plus slack plus BSTRESS_SLACK_MS: a deadlock
 * never returns, and a test must not wait for it. logs[0..count). */
bool bstress_run_threads(booking_store *store, const bstress_config *cfg, unsigned first_worker,
                         unsigned count, bstress_log *logs);

void bstress_log_free(bstress_log *log);
/* A log to a file and back (the process runs). */
bool bstress_log_write(const bstress_log *log, const char *path);
bool bstress_log_read(bstress_log *log, const char *path);

/* The rules the checker counts violations of, one cmocka test each. */
typedef enum bstress_rule {
    BRULE_INVARIANT,       /* per night: booked == sum of the live BOOKED stays' units on it */
    BRULE_RECORD_LINES,    /* a record holds its stay's lines in order; BOOKED: no unknown night */
    BRULE_DECIDED_ONCE,    /* one fresh decision per id, the record's (outcome and line) */
    BRULE_REPLAY_AGREES,   /* a replay returns the record's outcome and line */
    BRULE_CONFLICT,        /* a conflicting repeat of a decided stay: booking_id_conflict */
    BRULE_UNKNOWN_NIGHT,   /* a stay with an unknown night: unknown_resource naming it, or
                              insufficient_capacity on an earlier line; never BOOKED */
    BRULE_CANCEL_CONFIRM,  /* one CANCELLED / CONFIRMED per id, and the status follows */
    BRULE_READS_IN_BOUNDS, /* concurrent reads: booked <= capacity */
    BRULE_CALL_BOUND,      /* every call returned within the lock bound plus slack */
    BRULE_LIBRARY_CALLS,   /* every call returned BOOKING_OK */
    BRULE_COUNT
} bstress_rule;

typedef struct bstress_summary {
    unsigned long violations[BRULE_COUNT];
    unsigned long attempts, batches, fresh_booked_multi, fresh_rejected_later_line,
        fresh_booked_single_form, replays, conflicts, unknown_night, cancelled, confirmed,
        expired, held_booked, failed, busy, reads, ids_checked;
    int64_t slowest_call_ms;
} bstress_summary;

const char *bstress_rule_name(bstress_rule rule);

/* Checks every rule over all logs and the store's state now (no calls in
 * flight), at the clock's time and again once every hold has expired. */
void bstress_check(booking_store *store, const bstress_config *cfg, const bstress_log *logs,
                   size_t log_count, bstress_summary *summary);

/* The cmocka tests that judge a summary: one per rule, and one that the workload
 * reached every path. */
#define BSTRESS_RULE_TESTS (BRULE_COUNT + 1)
struct CMUnitTest;
extern bstress_summary bstress_tested;
/* Set when the store was opened with a tiny lock wait on purpose ("expect-busy"
 * after the URL): most calls then FAIL busy, which must leave no trace, and the
 * workload need not reach the paths only decided calls reach. */
extern bool bstress_expect_busy;
/* Reads argv[1] (the URL, else default_url) and the optional argv[2]; NULL on bad usage. */
const char *bstress_parse_args(int argc, char **argv, const char *default_url);
void bstress_rule_tests(struct CMUnitTest *out);

#endif
