/* SPDX-License-Identifier: MIT */
/*
 * stress_holds_crash.c: holds survive a kill -9 of the process that made them
 * (SPEC sections 1 and 7, sqlite). A child makes holds (and confirms some) as fast
 * as it can and reports each acknowledged one on a pipe; the parent kills it with
 * SIGKILL mid-stream, reopens the file, and checks that every acknowledged hold
 * is still held until its time, expires exactly at it, once, and that every
 * confirmed one stays active. Both processes run on one clock in shared memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/test_support.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CRASH_HOLDS_MAX 4000       /* the child's loop bound */
#define CRASH_KILL_AFTER 60        /* acknowledged holds before the kill */
#define CRASH_WAIT_MS 20000        /* bound on waiting for them */
#define CRASH_HOLD_MS 60000        /* long enough that none expires before the kill */
#define CRASH_CONFIRM_EVERY 7      /* the child confirms every 7th hold it made */
#define CRASH_CAPACITY 100000
#define CRASH_T0_MS 1764633600000LL /* the shared clock's start */
#define CRASH_URL_SIZE 700

typedef enum ack_kind { ACK_HELD = 1, ACK_CONFIRMED = 2 } ack_kind;

typedef struct ack {
    uint32_t index;
    uint32_t kind;
} ack;

static int64_t *shared_clock; /* MAP_SHARED: the parent's and the child's clock */
static char url[CRASH_URL_SIZE];

static int64_t crash_clock(void *context)
{
    (void)context;
    return __atomic_load_n(shared_clock, __ATOMIC_SEQ_CST);
}

static void clock_to(int64_t ms)
{
    __atomic_store_n(shared_clock, ms, __ATOMIC_SEQ_CST);
}

static void hold_id(char out[64], uint32_t i)
{
    snprintf(out, 64, "crash-h-%u", i);
}

static booking_store *open_store(void)
{
    char why[512] = "";
    booking_store *s = NULL;
    if (booking_store_open(url, &s, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "open %s: %s\n", url, why);
        return NULL;
    }
    booking_store_set_clock(s, crash_clock, NULL);
    return s;
}

static bool send_ack(int fd, uint32_t index, ack_kind kind)
{
    ack a = {index, kind};
    return write(fd, &a, sizeof a) == (ssize_t)sizeof a;
}

/* The child: holds of 1 unit, one per ms of the shared clock, each reported once
 * its call returned BOOKED; every CRASH_CONFIRM_EVERY-th is confirmed too. Never
 * returns: it runs until killed (or its bound). */
static void child_main(int fd)
{
    booking_store *s = open_store();
    if (s == NULL)
        _exit(2);
    for (uint32_t i = 0; i < CRASH_HOLDS_MAX; i++) {
        char id[64];
        hold_id(id, i);
        booking_request req = {.booking_id = id, .resource_id = "crash-r", .units = 1, .hold_ms = CRASH_HOLD_MS};
        booking_result res;
        if (booking_attempt(s, &req, &res) != BOOKING_OK || res.outcome != BOOKING_BOOKED ||
            res.status != BOOKING_STATUS_HELD || !send_ack(fd, i, ACK_HELD))
            _exit(3);
        if (i % CRASH_CONFIRM_EVERY == 0) {
            booking_reason reason;
            if (booking_confirm(s, id, &reason, NULL) != BOOKING_OK ||
                reason != BOOKING_REASON_CONFIRMED || !send_ack(fd, i, ACK_CONFIRMED))
                _exit(4);
        }
        __atomic_add_fetch(shared_clock, 1, __ATOMIC_SEQ_CST);
    }
    _exit(0); /* never reached in a run that kills it first */
}

typedef struct crash_log {
    uint8_t kind[CRASH_HOLDS_MAX]; /* 0: not acknowledged; else the last ack_kind */
    uint32_t acked;                /* acknowledged holds */
} crash_log;

/* Reads acknowledgements until `until` holds were, the pipe ends, or the bound. */
static void read_acks(int fd, crash_log *log, uint32_t until)
{
    while (log->acked < until) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, CRASH_WAIT_MS);
        if (n <= 0)
            fail_msg("no acknowledgement within %d ms (%u so far)", CRASH_WAIT_MS, log->acked);
        ack a;
        ssize_t got = read(fd, &a, sizeof a);
        if (got == 0)
            return;
        if (got != (ssize_t)sizeof a || a.index >= CRASH_HOLDS_MAX)
            fail_msg("a torn acknowledgement (%zd bytes)", got);
        log->acked += a.kind == ACK_HELD;
        log->kind[a.index] = (uint8_t)a.kind;
    }
}

static booking_record record_of(booking_store *s, uint32_t i, bool *exists)
{
    char id[64];
    hold_id(id, i);
    booking_reason reason;
    booking_record rec;
    memset(&rec, 0, sizeof rec);
    assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
    *exists = reason == BOOKING_REASON_OK;
    if (!*exists)
        assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    return rec;
}

static uint64_t booked_now(booking_store *s)
{
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(s, "crash-r", &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_true(res.as_of_ms == crash_clock(NULL));
    return res.booked;
}

/* Every record as of the clock: acknowledged ones exist; a hold not confirmed
 * is held before its expires_at and expired from it on; a confirmed one is
 * active. Returns the units booked by the records (all of 1 unit). */
static uint64_t expect_records(booking_store *s, const crash_log *log, uint32_t made)
{
    int64_t now = crash_clock(NULL);
    uint64_t booked = 0;
    for (uint32_t i = 0; i < made; i++) {
        bool exists;
        booking_record rec = record_of(s, i, &exists);
        if (!exists) {
            if (log->kind[i] != 0)
                fail_msg("hold %u was acknowledged, and is gone after the kill", i);
            continue;
        }
        assert_true(rec.hold_ms == CRASH_HOLD_MS && rec.units == 1);
        assert_true(rec.expires_at_ms == rec.created_at_ms + CRASH_HOLD_MS);
        booking_status expect = rec.status == BOOKING_STATUS_ACTIVE ? BOOKING_STATUS_ACTIVE
                                : now >= rec.expires_at_ms          ? BOOKING_STATUS_EXPIRED
                                                                    : BOOKING_STATUS_HELD;
        if (log->kind[i] == ACK_CONFIRMED && rec.status != BOOKING_STATUS_ACTIVE)
            fail_msg("hold %u was confirmed, and reads %s after the kill", i,
                     booking_status_name(rec.status));
        if (rec.status != expect)
            fail_msg("hold %u reads %s at %lld (expires at %lld)", i,
                     booking_status_name(rec.status), (long long)now,
                     (long long)rec.expires_at_ms);
        if (expect == BOOKING_STATUS_EXPIRED)
            assert_true(rec.updated_at_ms == rec.expires_at_ms);
        booked += expect != BOOKING_STATUS_EXPIRED;
    }
    return booked;
}

/* A write that touches the resource, so its expiry step runs now. */
static void touch(booking_store *s)
{
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "crash-r", CRASH_CAPACITY, &reason, NULL),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
}

static uint64_t expired_so_far(booking_store *s)
{
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    return stats.holds_expired;
}

static void holds_survive_kill_9_and_expire_at_their_time_after_reopen(void **state)
{
    (void)state;
    shared_clock = mmap(NULL, sizeof *shared_clock, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(shared_clock != MAP_FAILED);
    clock_to(CRASH_T0_MS);
    assert_true(test_url_expand("sqlite:@TMP@/crash.db", url, sizeof url));
    booking_store *s = open_store();
    assert_non_null(s);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "crash-r", CRASH_CAPACITY, &reason, NULL),
                     BOOKING_OK);
    booking_store_close(s); /* a SQLite handle never crosses a fork */

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        child_main(fds[1]);
    }
    close(fds[1]);
    static crash_log log;
    read_acks(fds[0], &log, CRASH_KILL_AFTER);
    assert_int_equal(kill(child, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    read_acks(fds[0], &log, CRASH_HOLDS_MAX); /* what it acknowledged before dying */
    close(fds[0]);
    /* The hold in flight at the kill may or may not have committed: look one past. */
    uint32_t made = log.acked + 1 < CRASH_HOLDS_MAX ? log.acked + 1 : CRASH_HOLDS_MAX;

    s = open_store();
    assert_non_null(s);
    int64_t last = crash_clock(NULL);
    uint64_t live = expect_records(s, &log, made);
    assert_true(live >= log.acked);
    assert_true(booked_now(s) == live);
    touch(s); /* nothing is due yet: the write releases nothing */
    assert_true(expired_so_far(s) == 0 && booked_now(s) == live);

    /* Hold i was made at CRASH_T0_MS + i; hold 0 is confirmed, so hold 1 is the
     * first to expire: held 1 ms before its end, expired at it, released once. */
    clock_to(CRASH_T0_MS + 1 + CRASH_HOLD_MS - 1);
    assert_true(expect_records(s, &log, made) == live && booked_now(s) == live);
    touch(s);
    assert_true(expired_so_far(s) == 0);
    clock_to(CRASH_T0_MS + 1 + CRASH_HOLD_MS);
    uint64_t at_first = expect_records(s, &log, made);
    assert_true(at_first == live - 1 && booked_now(s) == at_first);
    touch(s);
    assert_true(expired_so_far(s) == live - at_first && booked_now(s) == at_first);
    touch(s);
    assert_true(expired_so_far(s) == live - at_first);

    /* Past every hold's end: only the confirmed ones count. */
    clock_to(last + CRASH_HOLD_MS + 1);
    uint64_t confirmed = expect_records(s, &log, made);
    assert_true(booked_now(s) == confirmed);
    touch(s);
    assert_true(expired_so_far(s) == live - confirmed && booked_now(s) == confirmed);
    char id[64];
    hold_id(id, 1); /* not confirmed (1 % CRASH_CONFIRM_EVERY != 0) */
    assert_int_equal(booking_confirm(s, id, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    booking_store_close(s);
    munmap(shared_clock, sizeof *shared_clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(holds_survive_kill_9_and_expire_at_their_time_after_reopen),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return failed;
}
