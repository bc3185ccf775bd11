/* SPDX-License-Identifier: MIT */
/*
 * stress_holds.h: holds (SPEC section 7) under concurrency, shared by the thread and
 * process programs. Workers hold, book, confirm, cancel, replay and read on a few hot
 * resources while they step an injected clock forward across many expiry instants;
 * a checker then judges every logged answer, and every read, against the records
 * read back once every hold's time has passed.
 */
#ifndef BOOKING_TEST_STRESS_HOLDS_H
#define BOOKING_TEST_STRESS_HOLDS_H

#include "booking.h"
#include "core/names.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOLDS_RESOURCES 3           /* hot resources, all created before the run */
#define HOLDS_WORKERS_MAX 16
#define HOLDS_HOLD_MS_MAX 50        /* of the test clock: holds end 1..50 ms after they start */
#define HOLDS_BATCH_MAX 4           /* a batch has 2..HOLDS_BATCH_MAX fresh attempts */
#define HOLDS_PREFIX_SIZE 48
#define HOLDS_ID_SIZE 96
#define HOLDS_READS_MAX 20000       /* a reader stops here even if not told */
#define HOLDS_READ_PAUSE_US 300     /* between a reader's reads */

/* The test clock: one atomic that the workers step forward between operations.
 * It lives in memory shared by every process of a run, so all of them agree. */
typedef struct holds_clock {
    _Atomic int64_t now_ms;
} holds_clock;

/* A booking_clock_fn over a holds_clock (the context). */
int64_t holds_clock_read(void *context);

typedef enum holds_call_kind {
    HOLDS_CALL_ATTEMPT = 1,
    HOLDS_CALL_CONFIRM,
    HOLDS_CALL_CANCEL,
    HOLDS_CALL_GET_RESOURCE,
} holds_call_kind;

/* One logged call (a batch: one entry per attempt, sharing call_seq). */
typedef struct holds_call {
    int64_t start_ns, end_ns;               /* CLOCK_MONOTONIC: one clock for all processes */
    int64_t clock_before_ms, clock_after_ms; /* the test clock around the call */
    int64_t time_ms;       /* the store's time the answer carries, else 0: a fresh hold's
                              decision time, a confirm's or cancel's change, a read's as_of */
    int64_t expires_at_ms; /* an attempt's result, or a confirm's or cancel's record */
    uint64_t units, hold_ms;
    uint64_t booked, capacity; /* what a read answered */
    uint64_t call_seq;
    uint32_t owner, seq; /* the booking id */
    uint16_t worker, batch_size;
    uint8_t kind, resource, answered, outcome, reason, replayed, status, has_record;
} holds_call;

typedef struct holds_log {
    holds_call *calls;
    size_t count, capacity;
} holds_log;

typedef struct holds_config {
    char prefix[HOLDS_PREFIX_SIZE]; /* unique per run: a postgres database may be shared */
    unsigned workers;
    unsigned ops_per_worker;
    uint64_t capacity; /* of every hot resource */
    uint64_t seed;
    holds_clock *clock;
} holds_config;

/* The rules the checker counts violations of, one cmocka test each. */
typedef enum holds_rule {
    HRULE_READS,             /* sure active+held units <= booked <= possible ones, <= capacity */
    HRULE_ANSWERS,           /* every answer agrees with the record and its hold's timeline */
    HRULE_TIMES,             /* the store's times lie within the test clock around each call */
    HRULE_CONFIRMED_EXPIRED, /* no hold is both confirmed and expired */
    HRULE_RELEASED_ONCE,     /* a hold's units leave booked once: by a cancel or by expiry */
    HRULE_FINAL_BOOKED,      /* after every expiry: booked == units of active records */
    HRULE_EXPIRED_STAT,      /* holds_expired == holds expired unconfirmed and uncancelled */
    HRULE_CALLS,             /* every call returned BOOKING_OK and nothing FAILED */
    HRULE_COUNT
} holds_rule;

typedef struct holds_summary {
    unsigned long violations[HRULE_COUNT];
    unsigned long attempts, batches, fresh_holds, fresh_booked, fresh_insufficient, replays,
        replays_held, replays_expired, conflicts, confirms, confirmed, confirm_expired, cancels,
        cancelled_held, cancel_expired, reads, expired_records, failed, uncertain_ids,
        ids_checked;
    uint64_t holds_expired_stat;
    unsigned long failed_by_reason[CORE_REASON_COUNT];
} holds_summary;

/* Sizes the run: ops_per_worker for memory: or for a durable store (scaled down in a TSan
 * build, or by BOOKING_STRESS_SCALE), seed from BOOKING_STRESS_SEED or the time. */
void holds_config_init(holds_config *cfg, const char *url, unsigned workers, holds_clock *clock);

void holds_resource_id(char *out, size_t size, const holds_config *cfg, unsigned index);

/* Creates the hot resources; the store must already run on cfg->clock. */
bool holds_setup(booking_store *store, const holds_config *cfg);

/* One worker's operations; false only if the log could not grow. */
bool holds_run_worker(booking_store *store, const holds_config *cfg, unsigned worker,
                      holds_log *log);

/* Reads the hot resources until *stop (or HOLDS_READS_MAX reads). */
bool holds_run_reader(booking_store *store, const holds_config *cfg, unsigned reader,
                      const atomic_bool *stop, holds_log *log);

/* Runs `workers` worker threads (numbered first, first + 1, ...: the owners of their
 * ids) and `readers` reader threads on one store, let go at once, into
 * logs[0..workers+readers). False if a thread could not start. */
bool holds_run_threads(booking_store *store, const holds_config *cfg, unsigned first,
                       unsigned workers, unsigned readers, holds_log *logs);

/* After the run: steps the clock past every hold's end and touches every resource
 * with a write that changes nothing in the end, so that `store` has applied every
 * expiry. False if a call failed. */
bool holds_finish(booking_store *store, const holds_config *cfg);

/* The expiries `store` applied (booking_store_get_stats); UINT64_MAX if it failed. */
uint64_t holds_expired_stat(booking_store *store);

void holds_log_free(holds_log *log);

/* Judges every rule over the logs and the store now (after holds_finish, no calls in
 * flight); expired_stat is the sum of holds_expired over every handle of the run. */
void holds_check(booking_store *store, const holds_config *cfg, const holds_log *logs,
                 size_t log_count, uint64_t expired_stat, holds_summary *summary);

const char *holds_rule_name(holds_rule rule);

/* The cmocka side: the summary the tests judge, and the tests. */
#define HOLDS_RULE_TESTS (HRULE_COUNT + 1)
extern holds_summary holds_tested;
struct CMUnitTest;
void holds_rule_tests(struct CMUnitTest *out); /* HOLDS_RULE_TESTS of them */

#endif
