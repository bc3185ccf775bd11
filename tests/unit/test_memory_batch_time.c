/* SPDX-License-Identifier: MIT */
/*
 * test_memory_batch_time.c: a batch of the memory store reads the clock once,
 * before its locks, and each attempt decides at the store's latest time
 * (memory.c, design note (8)): every attempt of a call shares that one reading
 * when no one else reads the clock meanwhile, and an attempt never decides
 * before a time that an operation on its resource used first (SPEC section 7:
 * the store's time never goes back, and a hold released at its expiry is never
 * counted free earlier).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/store_expect.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define TICK_BATCH 16       /* attempts of the shared-time batch */
#define TICK_START_MS 1000000
#define RACE_HOLD_MS 1000
#define RACE_START_MS 5000000
#define RACE_ROUNDS 8

/* ---- a clock that moves on by 1 ms at every reading ---- */

typedef struct tick_clock {
    int64_t next_ms;
    uint64_t readings;
} tick_clock;

static int64_t tick_clock_read(void *context)
{
    tick_clock *c = context;
    c->readings++;
    return c->next_ms++;
}

/* The clock first: a time read before it would be the store's floor. */
static booking_store *open_one_resource(const char *id, uint64_t capacity, booking_clock_fn clock,
                                        void *context)
{
    booking_store *store;
    assert_int_equal(booking_store_open("memory:", &store, NULL, 0), BOOKING_OK);
    assert_int_equal(booking_store_set_clock(store, clock, context), BOOKING_OK);
    expect_capacity_set(store, id, capacity);
    return store;
}

static void a_batch_reads_the_clock_once_and_every_attempt_decides_at_that_time(void **state)
{
    (void)state;
    tick_clock clock = {.next_ms = TICK_START_MS};
    booking_store *store = open_one_resource("r", TICK_BATCH - 1, tick_clock_read, &clock);
    char ids[TICK_BATCH][16];
    booking_request reqs[TICK_BATCH];
    booking_result results[TICK_BATCH];
    for (size_t i = 0; i < TICK_BATCH; i++) {
        snprintf(ids[i], sizeof ids[i], "b%zu", i);
        /* Every other one a hold, whose end is the decision's time + hold_ms. */
        reqs[i] = (booking_request){.booking_id = ids[i], .resource_id = "r", .units = 1,
                                    .hold_ms = i % 2 ? 0 : RACE_HOLD_MS};
    }
    /* A replay in the same call: it too reads the record at the call's time. */
    reqs[TICK_BATCH - 1].booking_id = ids[0];
    reqs[TICK_BATCH - 1].hold_ms = RACE_HOLD_MS;
    uint64_t before = clock.readings;
    int64_t reading = clock.next_ms;
    assert_int_equal(booking_attempt_batch(store, reqs, TICK_BATCH, results), BOOKING_OK);
    assert_int_equal(clock.readings - before, 1);
    for (size_t i = 0; i + 1 < TICK_BATCH; i++) {
        assert_int_equal(results[i].outcome, BOOKING_BOOKED);
        booking_record rec = expect_record(store, ids[i]);
        assert_true(rec.created_at_ms == reading);
        assert_true(rec.updated_at_ms == reading);
        assert_true(rec.expires_at_ms == (i % 2 ? 0 : reading + RACE_HOLD_MS));
    }
    assert_int_equal(results[TICK_BATCH - 1].outcome, BOOKING_BOOKED);
    assert_true(results[TICK_BATCH - 1].replayed);
    assert_int_equal(results[TICK_BATCH - 1].status, BOOKING_STATUS_HELD);
    /* The next call reads the clock again: time moves on between calls. */
    booking_request next = {.booking_id = "later", .resource_id = "r", .units = 1};
    booking_result result;
    assert_int_equal(booking_attempt_batch(store, &next, 1, &result), BOOKING_OK);
    assert_int_equal(result.outcome, BOOKING_REJECTED); /* every unit booked by the batch */
    assert_true(expect_record(store, "later").created_at_ms > reading);
    booking_store_close(store);
}

/* ---- a sweep on another thread during the batch ---- */

/* The batch thread's first reading returns the hold's start + 1 and lets the
 * other thread go; every other reading returns the hold's end. The other thread
 * then reads the resource (which releases the hold) while the batch decides its
 * first attempts, on another resource, before the one on this resource. */
typedef struct race_clock {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t batch_thread;
    bool armed;      /* the next reading on batch_thread is the batch's */
    bool batch_read; /* the batch has read the clock: the other thread may go */
    int64_t late_ms; /* the hold's end */
} race_clock;

static int64_t race_clock_read(void *context)
{
    race_clock *c = context;
    pthread_mutex_lock(&c->lock);
    int64_t now = c->late_ms;
    if (c->armed && pthread_equal(pthread_self(), c->batch_thread)) {
        c->armed = false;
        now = RACE_START_MS + 1;
        c->batch_read = true;
        pthread_cond_broadcast(&c->changed);
    }
    pthread_mutex_unlock(&c->lock);
    return now;
}

typedef struct race_reader {
    booking_store *store;
    race_clock *clock;
    booking_resource seen;
} race_reader;

static void *race_reader_run(void *arg)
{
    race_reader *r = arg;
    pthread_mutex_lock(&r->clock->lock);
    while (!r->clock->batch_read)
        pthread_cond_wait(&r->clock->changed, &r->clock->lock);
    pthread_mutex_unlock(&r->clock->lock);
    booking_reason reason;
    booking_error e = booking_get_resource(r->store, "r", &reason, &r->seen);
    return e == BOOKING_OK && reason == BOOKING_REASON_OK ? r : NULL;
}

static int64_t fixed_clock_read(void *context)
{
    return *(const int64_t *)context;
}

/* One round: the hold of r's one unit, then the race. Returns whether the other
 * thread's read came before the batch's attempt on r (the case this checks). */
static bool race_round(size_t round)
{
    int64_t start = RACE_START_MS;
    booking_store *store = open_one_resource("r", 1, fixed_clock_read, &start);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, "q", BOOKING_BATCH_MAX, &reason, NULL), BOOKING_OK);
    booking_request hold = {.booking_id = "h", .resource_id = "r", .units = 1,
                            .hold_ms = RACE_HOLD_MS};
    booking_result result;
    assert_int_equal(booking_attempt_batch(store, &hold, 1, &result), BOOKING_OK);
    assert_int_equal(result.status, BOOKING_STATUS_HELD);
    int64_t hold_end = expect_record(store, "h").expires_at_ms;
    assert_true(hold_end == RACE_START_MS + RACE_HOLD_MS);

    race_clock clock = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER,
                        .batch_thread = pthread_self(), .armed = true, .late_ms = hold_end};
    assert_int_equal(booking_store_set_clock(store, race_clock_read, &clock), BOOKING_OK);
    static char ids[BOOKING_BATCH_MAX][24];
    static booking_request reqs[BOOKING_BATCH_MAX];
    static booking_result results[BOOKING_BATCH_MAX];
    for (size_t i = 0; i < BOOKING_BATCH_MAX; i++) {
        snprintf(ids[i], sizeof ids[i], "x%zu-%zu", round, i);
        reqs[i] = (booking_request){.booking_id = ids[i], .resource_id = "q", .units = 1};
    }
    reqs[BOOKING_BATCH_MAX - 1].resource_id = "r"; /* the last: the other thread is in by then */
    race_reader reader = {.store = store, .clock = &clock};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, race_reader_run, &reader), 0);
    assert_int_equal(booking_attempt_batch(store, reqs, BOOKING_BATCH_MAX, results), BOOKING_OK);
    void *joined;
    assert_int_equal(pthread_join(t, &joined), 0);
    assert_ptr_equal(joined, &reader);
    assert_true(reader.seen.as_of_ms == hold_end);
    booking_result last = results[BOOKING_BATCH_MAX - 1];
    bool read_first = last.outcome == BOOKING_BOOKED;
    if (read_first) {
        /* BOOKED on the unit the hold gave back: decided no earlier than its
         * end, for at the batch's own reading the unit was still held. */
        assert_true(expect_record(store, ids[BOOKING_BATCH_MAX - 1]).created_at_ms >= hold_end);
    } else {
        /* The read came after: the batch decided as of its reading, still held. */
        assert_int_equal(last.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    }
    assert_true(reader.seen.booked == 0); /* released by then, and nothing else on r */
    booking_store_close(store);
    return read_first;
}

static void an_attempt_never_decides_before_a_time_its_resource_has_seen(void **state)
{
    (void)state;
    size_t read_first = 0;
    for (size_t round = 0; round < RACE_ROUNDS; round++)
        read_first += race_round(round);
    /* The case checked happened at least once (the batch's 8191 attempts on q
     * take milliseconds; the other thread's read, microseconds). */
    assert_true(read_first > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_batch_reads_the_clock_once_and_every_attempt_decides_at_that_time),
        cmocka_unit_test(an_attempt_never_decides_before_a_time_its_resource_has_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
