/* SPDX-License-Identifier: MIT */
/*
 * stress_workload.h: the concurrency workload shared by the thread and process
 * stress tests. Workers hammer a few hot resources with single attempts, batches,
 * replays, conflicting replays, cancels and reads, logging every call with its
 * start and end time; a checker then proves from the logs and the store's final
 * state that the rules of SPEC section 1 held, each rule counted on its own.
 */
#ifndef BOOKING_TEST_STRESS_WORKLOAD_H
#define BOOKING_TEST_STRESS_WORKLOAD_H

#include "booking.h"
#include "core/names.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRESS_RESOURCES 3               /* hot resources, all created before the run */
#define STRESS_UNKNOWN_RESOURCE STRESS_RESOURCES /* index of a resource never created */
#define STRESS_BATCH_MAX 64              /* a batch has 1..STRESS_BATCH_MAX attempts */
#define STRESS_WORKERS_MAX 64
#define STRESS_UNITS_MAX 16              /* ordinary attempts ask 1..16 units */
#define STRESS_PREFIX_SIZE 48
#define STRESS_ID_SIZE 96                /* room for "<prefix>-b<owner>-<seq>" */
#define STRESS_READS_MAX 200000          /* a reader stops here even if not told */
#define STRESS_READ_PAUSE_US 200         /* between a reader's reads: leave the CPUs to writers */

/* Percentages of the workload's choices. */
#define STRESS_CANCEL_PCT 8          /* of operations: a cancel */
#define STRESS_CANCEL_AGAIN_PCT 30   /* of cancels: the worker's previous cancel again */
#define STRESS_GET_PCT 3             /* of operations: a get_resource */
#define STRESS_SINGLE_PCT 50         /* of attempt operations: one attempt, else a batch */
#define STRESS_REPLAY_PCT 20         /* of attempts: a replay of an id, same request */
#define STRESS_CONFLICT_PCT 5        /* of attempts: the id of another request */
#define STRESS_UNKNOWN_PCT 1         /* of attempts: a fresh id on an unknown resource */

typedef enum stress_call_kind {
    STRESS_CALL_ATTEMPT = 1,
    STRESS_CALL_CANCEL,
    STRESS_CALL_GET_RESOURCE,
} stress_call_kind;

/* Booking id namespaces: 'b' ids have fixed (resource, units) derived from
 * (owner, seq), so any worker can replay any id; 'u' ids aim at the unknown
 * resource and are used once. */
#define STRESS_NS_BOOKING 'b'
#define STRESS_NS_UNKNOWN 'u'

/* One logged call (for a batch: one entry per attempt, sharing call_seq). */
typedef struct stress_call {
    int64_t start_ns, end_ns; /* CLOCK_MONOTONIC: comparable across processes */
    uint64_t units;
    uint64_t booked, capacity; /* what a get_resource answered */
    uint64_t call_seq;         /* numbers the worker's library calls */
    uint32_t owner, seq;       /* the booking id */
    uint16_t worker;
    uint16_t batch_size;
    uint8_t kind, ns, resource, outcome, reason, replayed, status, pad;
} stress_call;

typedef struct stress_log {
    stress_call *calls;
    size_t count, capacity;
} stress_log;

typedef struct stress_config {
    const char *url;
    char prefix[STRESS_PREFIX_SIZE]; /* unique per run: the store may be shared */
    unsigned workers;
    unsigned ops_per_worker;
    uint64_t capacity; /* of every hot resource */
    uint64_t seed;
} stress_config;

/* The rules the checker counts violations of, one cmocka test each. */
typedef enum stress_rule {
    RULE_INVARIANT,          /* booked == sum of active BOOKED units <= capacity */
    RULE_REPLAY_AGREES,      /* a replay returns the recorded decision, replayed=true */
    RULE_DECIDED_ONCE,       /* at most one call decided an id; a record has a decider */
    RULE_CONFLICT,           /* a differing repeat gets booking_id_conflict */
    RULE_FAILED_NO_TRACE,    /* FAILED leaves nothing, or a full decision */
    RULE_READS_IN_BOUNDS,    /* concurrent reads: 0 <= booked <= capacity */
    RULE_BATCH_ALL_OR_NONE,  /* a failed batch fails every attempt alike */
    RULE_CANCEL,             /* cancel releases once; statuses agree with cancels */
    RULE_UNKNOWN_RESOURCE,   /* unknown resource: rejected, not recorded */
    RULE_LIBRARY_CALLS,      /* every call returned BOOKING_OK */
    RULE_COUNT
} stress_rule;

typedef struct stress_summary {
    unsigned long violations[RULE_COUNT];
    unsigned long attempts, batches, fresh_booked, fresh_insufficient, replays,
        replays_booked, conflicts, unknown_resource, failed, cancels, cancelled, reads,
        ids_checked;
    unsigned long failed_by_reason[CORE_REASON_COUNT];
} stress_summary;

/* BOOKING_STRESS_SCALE (percent of the default work), or 100, or 25 in a TSan build. */
unsigned stress_scale_percent(void);

/* Sizes the run from the number of workers, stress_scale_percent() and
 * BOOKING_STRESS_SEED. */
void stress_config_init(stress_config *cfg, const char *url, unsigned workers);

void stress_resource_id(char *out, size_t size, const stress_config *cfg, unsigned index);

/* Creates the hot resources with cfg->capacity. */
bool stress_setup(booking_store *store, const stress_config *cfg);

/* Runs one worker's operations; false only if the log could not grow. */
bool stress_run_worker(booking_store *store, const stress_config *cfg, unsigned worker,
                       stress_log *log);

/* Reads the hot resources until *stop is set (or STRESS_READS_MAX reads),
 * logging each answer as worker `reader`. */
bool stress_run_reader(booking_store *store, const stress_config *cfg, unsigned reader,
                       const atomic_bool *stop, stress_log *log);

/* Runs `workers` worker threads and `readers` reader threads on one store, all
 * let go at once, logging into logs[0..workers+readers); the readers stop when
 * the workers are done. False if a thread could not start or a log not grow. */
bool stress_run_threads(booking_store *store, const stress_config *cfg, unsigned workers,
                        unsigned readers, stress_log *logs);

void stress_log_free(stress_log *log);

/* Checks every rule over all logs and the store's state now (no calls in
 * flight). Prints each violation (up to a bound) and a summary to stderr. */
void stress_check(booking_store *store, const stress_config *cfg, const stress_log *logs,
                  size_t log_count, stress_summary *summary);

/* Substitutes every "@TMP@" in url by dir; false if it does not fit. */
bool stress_expand_url(char *out, size_t size, const char *url, const char *dir);
/* The same for any token. */
bool stress_expand_token(char *out, size_t size, const char *url, const char *token,
                         const char *value);

const char *stress_rule_name(stress_rule rule);

#endif
