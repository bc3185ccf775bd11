/* SPDX-License-Identifier: MIT */
/*
 * postgres_faults.c: SPEC section 1's FAILED outcomes of the postgres store under
 * faults it can cause on a shared test server: a lock held elsewhere past
 * lock_timeout, the store's sessions killed with pg_terminate_backend under load,
 * a session that stops answering, and, for holds, each of those that can be
 * timed (a lock past lock_timeout, a session killed while it waits) in a
 * confirm, a cancel of a hold and the step that applies expiry; and, for bundles
 * (SPEC section 8), a statement that fails in the middle of a bundle's writes
 * (after its first line), and a lock on a later line's resource held elsewhere.
 * Each must answer FAILED with its reason, leave nothing partial, and the store
 * must carry on by itself. argv[1] is the URL of a fresh database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOCK_TIMEOUT_MS 200
#define FAIL_FAST_MS 1500 /* a lock_timeout answer must come well within this */
#define KILL_ROUNDS 10
#define KILL_EVERY_MS 100
#define SILENT_STATEMENT_TIMEOUT_MS 300
#define SILENT_GRACE_MAX_MS 4000 /* BOOKING_PG_CLIENT_GRACE_MS (2 s) and some slack */
#define HOLD_MS 1000
#define HOLD_UNITS 2
#define WAIT_FOR_LOCK_WAIT_MS 5000 /* the store's session must be waiting by then */
#define POLL_US 5000

static const char *url;

/* The backend pid of the store's one session (pool_size=1) on this database. */
#define STORE_SESSION                                                                        \
    "SELECT pid FROM pg_stat_activity WHERE application_name = 'booking'"                    \
    " AND datname = current_database()"

static void lock_held_elsewhere_fails_busy_quickly_and_records_nothing(void **state)
{
    (void)state;
    char opts[64];
    snprintf(opts, sizeof opts, "lock_timeout_ms=%d&pool_size=1", LOCK_TIMEOUT_MS);
    booking_store *s = pg_test_open_with(url, opts);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "lk-r", 10, &reason, NULL), BOOKING_OK);
    booking_request q = {.booking_id = "lk-b0", .resource_id = "lk-r", .units = 1};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_BOOKED);

    PGconn *pg = pg_test_connect(url);
    long long session = pg_test_value(pg, STORE_SESSION);
    PQclear(pg_test_exec(pg, "BEGIN"));
    PQclear(pg_test_exec(pg, "SELECT 1 FROM resources WHERE id = 'lk-r' FOR UPDATE"));

    long long t0 = pg_test_now_ms();
    q.booking_id = "lk-b1";
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_FAILED);
    assert_int_equal(r.reason, BOOKING_REASON_BUSY);
    assert_true(pg_test_now_ms() - t0 < FAIL_FAST_MS);
    assert_int_equal(booking_set_capacity(s, "lk-r", 20, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_BUSY);
    booking_record rec;
    assert_int_equal(booking_get_booking(s, "lk-b1", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    /* a cancel locks the record, then waits on the resource */
    assert_int_equal(booking_cancel(s, "lk-b0", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_BUSY);

    PQclear(pg_test_exec(pg, "COMMIT"));
    /* A lock wait past its bound is rolled back on the same session: no reconnect. */
    assert_int_equal(pg_test_value(pg, STORE_SESSION), session);
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_BOOKED);
    assert_false(r.replayed);
    assert_int_equal(pg_test_value(pg, "SELECT booked FROM resources WHERE id = 'lk-r'"), 2);
    assert_int_equal(pg_test_value(pg, "SELECT capacity FROM resources WHERE id = 'lk-r'"), 10);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

static void killed_sessions_fail_unavailable_then_the_store_reconnects(void **state)
{
    (void)state;
    booking_store *s = pg_test_open_with(url, "pool_size=4");
    PGconn *pg = pg_test_connect(url);
    pg_load load;
    pg_load_start(&load, s, 4, "kill");
    long long killed = 0;
    for (int i = 0; i < KILL_ROUNDS; i++) {
        usleep(KILL_EVERY_MS * 1000);
        killed += pg_test_terminate_store_sessions(pg);
    }
    usleep(KILL_EVERY_MS * 1000); /* a quiet spell: the store must be working again */
    pg_load_stop(&load);
    fprintf(stderr, "# killed %lld sessions; %zu attempts decided, %zu failed (unavailable %zu)\n",
            killed, load.decided, load.failed, load.failed_by_reason[BOOKING_REASON_UNAVAILABLE]);
    assert_true(killed > 0);
    assert_true(load.failed_by_reason[BOOKING_REASON_UNAVAILABLE] > 0);
    /* nothing but unavailable: a killed session is never a decision */
    assert_int_equal(load.failed, load.failed_by_reason[BOOKING_REASON_UNAVAILABLE]);
    assert_true(load.decided > 0);
    pg_load_check(&load, pg);
    /* the next call reconnects by itself */
    booking_request q = {.booking_id = "kill-after", .resource_id = "kill-r0", .units = 1};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_BOOKED);
    pg_load_free(&load);
    PQfinish(pg);
    booking_store_close(s);
}

/* The store's server session stops answering (SIGSTOP: a hung server or a
 * silent network): the client-side deadline of a flight (statement_timeout_ms +
 * BOOKING_PG_CLIENT_GRACE_MS) answers FAILED timeout, the session is given up, and the
 * next call works on a new one. */
static void silent_server_fails_timeout_by_the_client_deadline(void **state)
{
    (void)state;
    char opts[96];
    snprintf(opts, sizeof opts, "pool_size=1&lock_timeout_ms=%d&statement_timeout_ms=%d",
             SILENT_STATEMENT_TIMEOUT_MS, SILENT_STATEMENT_TIMEOUT_MS);
    booking_store *s = pg_test_open_with(url, opts);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "hang-r", 10, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    PGconn *pg = pg_test_connect(url);
    pid_t session = (pid_t)pg_test_value(pg, STORE_SESSION);
    assert_int_equal(kill(session, SIGSTOP), 0);
    booking_request q = {.booking_id = "hang-b", .resource_id = "hang-r", .units = 1};
    booking_result r;
    long long t0 = pg_test_now_ms();
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    long long waited = pg_test_now_ms() - t0;
    assert_int_equal(kill(session, SIGCONT), 0);
    assert_int_equal(r.outcome, BOOKING_FAILED);
    assert_int_equal(r.reason, BOOKING_REASON_TIMEOUT);
    assert_true(waited >= SILENT_STATEMENT_TIMEOUT_MS);
    assert_true(waited < SILENT_STATEMENT_TIMEOUT_MS + SILENT_GRACE_MAX_MS);
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_BOOKED);
    assert_false(r.replayed); /* the stopped flight decided nothing */
    assert_true(pg_test_value(pg, STORE_SESSION) != session);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

/* ---- holds: confirm, cancel of a hold, the expiry step ---- */

static int64_t test_clock_ms;

static int64_t test_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&test_clock_ms, __ATOMIC_RELAXED);
}

/* The write under test, on the hold "<tag>-h" of resource "<tag>-r". */
typedef enum hold_op { HOLD_CONFIRM, HOLD_CANCEL, HOLD_EXPIRY_BY_ATTEMPT, HOLD_EXPIRY_BY_CAPACITY } hold_op;

typedef struct hold_case {
    hold_op op;
    const char *tag;
    booking_store *store;
    /* what the call answered */
    booking_reason reason;
    booking_outcome outcome;
} hold_case;

static void *hold_op_run(void *arg)
{
    hold_case *k = arg;
    char hold[48], rid[48], other[48];
    snprintf(hold, sizeof hold, "%s-h", k->tag);
    snprintf(rid, sizeof rid, "%s-r", k->tag);
    snprintf(other, sizeof other, "%s-x", k->tag);
    k->outcome = BOOKING_BOOKED;
    if (k->op == HOLD_CONFIRM) {
        assert_int_equal(booking_confirm(k->store, hold, &k->reason, NULL), BOOKING_OK);
    } else if (k->op == HOLD_CANCEL) {
        assert_int_equal(booking_cancel(k->store, hold, &k->reason, NULL), BOOKING_OK);
    } else if (k->op == HOLD_EXPIRY_BY_ATTEMPT) {
        booking_request q = {.booking_id = other, .resource_id = rid, .units = 1};
        booking_result r;
        assert_int_equal(booking_attempt(k->store, &q, &r), BOOKING_OK);
        k->outcome = r.outcome;
        k->reason = r.reason;
    } else {
        assert_int_equal(booking_set_capacity(k->store, rid, 1, &k->reason, NULL), BOOKING_OK);
    }
    if (booking_reason_is_failure(k->reason))
        k->outcome = BOOKING_FAILED;
    return NULL;
}

/* The answer when the call goes through: confirm and cancel happen before the
 * hold's end, the two expiry cases after it. */
static booking_reason hold_op_expected(hold_op op)
{
    switch (op) {
    case HOLD_CONFIRM:
        return BOOKING_REASON_CONFIRMED;
    case HOLD_CANCEL:
        return BOOKING_REASON_CANCELLED;
    case HOLD_EXPIRY_BY_ATTEMPT:
        return BOOKING_REASON_BOOKED;
    case HOLD_EXPIRY_BY_CAPACITY:
        return BOOKING_REASON_OK;
    }
    return BOOKING_REASON_INTERNAL;
}

static booking_store *hold_setup(hold_case *k, const char *options)
{
    booking_store *s = pg_test_open_with(url, options);
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    char hold[48], rid[48];
    snprintf(hold, sizeof hold, "%s-h", k->tag);
    snprintf(rid, sizeof rid, "%s-r", k->tag);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, rid, 10, &reason, NULL), BOOKING_OK);
    booking_request q = {.booking_id = hold, .resource_id = rid, .units = HOLD_UNITS,
                         .hold_ms = HOLD_MS};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    bool after_expiry = k->op == HOLD_EXPIRY_BY_ATTEMPT || k->op == HOLD_EXPIRY_BY_CAPACITY;
    __atomic_add_fetch(&test_clock_ms, after_expiry ? HOLD_MS : HOLD_MS / 2, __ATOMIC_RELAXED);
    k->store = s;
    return s;
}

/* Nothing of the failed call is visible: the hold is held with its units in
 * booked, nothing else was recorded, and no expiry was counted. */
static void hold_untouched(PGconn *pg, hold_case *k)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT status FROM bookings WHERE id = '%s-h'", k->tag);
    assert_int_equal(pg_test_value(pg, sql), BOOKING_STATUS_HELD);
    snprintf(sql, sizeof sql, "SELECT booked * 100 + capacity FROM resources WHERE id = '%s-r'",
             k->tag);
    assert_int_equal(pg_test_value(pg, sql), HOLD_UNITS * 100 + 10);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM bookings WHERE id = '%s-x'", k->tag);
    assert_int_equal(pg_test_value(pg, sql), 0);
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(k->store, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 0);
}

/* After the fault: the same call goes through, and applies what it should, once. */
static void hold_op_then_works(PGconn *pg, hold_case *k)
{
    hold_op_run(k);
    assert_int_equal(k->reason, hold_op_expected(k->op));
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(k->store, &stats), BOOKING_OK);
    bool expiry = k->op == HOLD_EXPIRY_BY_ATTEMPT || k->op == HOLD_EXPIRY_BY_CAPACITY;
    assert_true(stats.holds_expired == (expiry ? 1u : 0u));
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT status FROM bookings WHERE id = '%s-h'", k->tag);
    static const booking_status after[] = {
        [HOLD_CONFIRM] = BOOKING_STATUS_ACTIVE, [HOLD_CANCEL] = BOOKING_STATUS_CANCELLED,
        [HOLD_EXPIRY_BY_ATTEMPT] = BOOKING_STATUS_EXPIRED,
        [HOLD_EXPIRY_BY_CAPACITY] = BOOKING_STATUS_EXPIRED};
    assert_int_equal(pg_test_value(pg, sql), after[k->op]);
    pg_test_check_invariant(pg);
}

static const hold_op hold_ops[] = {HOLD_CONFIRM, HOLD_CANCEL, HOLD_EXPIRY_BY_ATTEMPT,
                                   HOLD_EXPIRY_BY_CAPACITY};
static const char *const hold_op_names[] = {"confirm", "cancel", "expiry by attempt",
                                            "expiry by capacity"};

/* Another session holds the hold's row: the call waits on it in flight 2 past
 * lock_timeout: FAILED timeout, rolled back. */
static void hold_write_past_lock_timeout_fails_busy_and_changes_nothing(void **state)
{
    (void)state;
    __atomic_store_n(&test_clock_ms, (int64_t)1800000000000, __ATOMIC_RELAXED);
    char opts[64];
    snprintf(opts, sizeof opts, "lock_timeout_ms=%d&pool_size=1", LOCK_TIMEOUT_MS);
    for (size_t i = 0; i < sizeof hold_ops / sizeof hold_ops[0]; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "hlt%zu", i);
        hold_case k = {.op = hold_ops[i], .tag = tag};
        booking_store *s = hold_setup(&k, opts);
        PGconn *pg = pg_test_connect(url);
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT 1 FROM bookings WHERE id = '%s-h' FOR UPDATE", tag);
        PQclear(pg_test_exec(pg, "BEGIN"));
        PQclear(pg_test_exec(pg, sql));
        long long t0 = pg_test_now_ms();
        hold_op_run(&k);
        fprintf(stderr, "# %s: %s\n", hold_op_names[i], booking_reason_name(k.reason));
        assert_int_equal(k.outcome, BOOKING_FAILED);
        assert_int_equal(k.reason, BOOKING_REASON_BUSY);
        assert_true(pg_test_now_ms() - t0 < FAIL_FAST_MS);
        PQclear(pg_test_exec(pg, "ROLLBACK"));
        hold_untouched(pg, &k);
        hold_op_then_works(pg, &k);
        PQfinish(pg);
        booking_store_close(s);
    }
}

/* Waits until the store's one session waits on a lock; returns its pid. */
static long long store_session_waiting(PGconn *pg)
{
    long long waited = 0;
    for (;;) {
        PGresult *res = pg_test_exec(pg, STORE_SESSION " AND wait_event_type = 'Lock'");
        long long pid = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : 0;
        PQclear(res);
        if (pid != 0)
            return pid;
        if (waited > WAIT_FOR_LOCK_WAIT_MS)
            fail_msg("the store's session never waited on the lock");
        usleep(POLL_US);
        waited += POLL_US / 1000;
    }
}

/* The store's session is killed while the call waits in flight 2 (after the
 * expiry step, the confirm or the cancel was sent, before COMMIT): FAILED
 * unavailable, nothing visible, and the next call reconnects. */
static void hold_write_whose_session_is_killed_fails_unavailable_and_changes_nothing(void **state)
{
    (void)state;
    __atomic_store_n(&test_clock_ms, (int64_t)1800000000000, __ATOMIC_RELAXED);
    for (size_t i = 0; i < sizeof hold_ops / sizeof hold_ops[0]; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "hkill%zu", i);
        hold_case k = {.op = hold_ops[i], .tag = tag};
        booking_store *s = hold_setup(&k, "pool_size=1");
        PGconn *pg = pg_test_connect(url);
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT 1 FROM bookings WHERE id = '%s-h' FOR UPDATE", tag);
        PQclear(pg_test_exec(pg, "BEGIN"));
        PQclear(pg_test_exec(pg, sql));
        pthread_t h;
        assert_int_equal(pthread_create(&h, NULL, hold_op_run, &k), 0);
        long long pid = store_session_waiting(pg);
        snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)::int", pid);
        assert_int_equal(pg_test_value(pg, sql), 1);
        pthread_join(h, NULL);
        fprintf(stderr, "# %s: %s\n", hold_op_names[i], booking_reason_name(k.reason));
        assert_int_equal(k.outcome, BOOKING_FAILED);
        assert_int_equal(k.reason, BOOKING_REASON_UNAVAILABLE);
        PQclear(pg_test_exec(pg, "ROLLBACK"));
        hold_untouched(pg, &k);
        hold_op_then_works(pg, &k);
        PQfinish(pg);
        booking_store_close(s);
    }
}

/* ---- bundles: a failure in the middle of a bundle's writes ---- */

#define MID_CAPACITY 10
#define MID_UNITS 2

/* A trigger that fails the statement writing line `line` of a booking_lines row
 * of the ids 'mid-%' (after the rows before it in the statement were written):
 * the failure in the middle of a bundle's writes. */
static void mid_trigger(PGconn *pg, const char *when, int line)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE OR REPLACE FUNCTION mid_fail() RETURNS trigger LANGUAGE plpgsql AS $$"
             " BEGIN IF NEW.booking_id LIKE 'mid-%%' AND NEW.line = %d THEN"
             "  RAISE EXCEPTION 'injected: line %% of %%', NEW.line, NEW.booking_id; END IF;"
             " RETURN NEW; END $$;"
             "CREATE TRIGGER mid_fail BEFORE %s ON booking_lines FOR EACH ROW"
             " EXECUTE FUNCTION mid_fail()", line, when);
    PQclear(pg_test_exec(pg, sql));
}

static void mid_trigger_drop(PGconn *pg)
{
    PQclear(pg_test_exec(pg, "DROP TRIGGER mid_fail ON booking_lines"));
}

/* Nothing of id is visible: no record, no line. */
static void nothing_of(PGconn *pg, const char *id)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM bookings WHERE id = '%s'", id);
    assert_int_equal(pg_test_value(pg, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM booking_lines WHERE booking_id = '%s'", id);
    assert_int_equal(pg_test_value(pg, sql), 0);
}

/* A batch of a single attempt and a bundle of three lines whose second line's
 * row fails to insert (after the first's was written, the record's before it):
 * the whole batch is FAILED, and no record, no line and no unit of it is
 * visible; without the fault the same batch is decided afresh. */
static void failure_in_the_middle_of_a_bundles_writes_leaves_failed_and_no_line_visible(
    void **state)
{
    (void)state;
    booking_store *s = pg_test_open_with(url, "pool_size=1");
    PGconn *pg = pg_test_connect(url);
    const char *rids[4] = {"mid-r0", "mid-r1", "mid-r2", "mid-r3"};
    booking_reason reason;
    for (int i = 0; i < 4; i++)
        assert_int_equal(booking_set_capacity(s, rids[i], MID_CAPACITY, &reason, NULL), BOOKING_OK);
    booking_line lines[3] = {{.resource_id = "mid-r1", .units = MID_UNITS},
                             {.resource_id = "mid-r2", .units = MID_UNITS},
                             {.resource_id = "mid-r3", .units = MID_UNITS}};
    booking_request q[2] = {
        {.booking_id = "mid-s", .resource_id = "mid-r0", .units = MID_UNITS},
        {.booking_id = "mid-b", .lines = lines, .line_count = 3},
    };
    booking_result r[2];
    mid_trigger(pg, "INSERT", 2);
    assert_int_equal(booking_attempt_batch(s, q, 2, r), BOOKING_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(r[i].outcome, BOOKING_FAILED);
        assert_int_equal(r[i].reason, BOOKING_REASON_INTERNAL); /* P0001: not ours */
    }
    nothing_of(pg, "mid-s");
    nothing_of(pg, "mid-b");
    for (int i = 0; i < 4; i++)
        assert_int_equal(pg_test_booked(pg, rids[i]), 0);
    booking_record rec;
    assert_int_equal(booking_get_booking(s, "mid-b", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    mid_trigger_drop(pg);
    assert_int_equal(booking_attempt_batch(s, q, 2, r), BOOKING_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(r[i].outcome, BOOKING_BOOKED);
        assert_false(r[i].replayed); /* the failed batch decided nothing */
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pg_test_booked(pg, rids[i]), MID_UNITS);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

/* The cancel of a held bundle fails while it clears its lines' hold entries
 * (after line 0's status was written in the same transaction), and so does the
 * expiry step releasing a bundle's lines: FAILED, and the hold is as it was on
 * every line (status held, every line a live entry, every unit booked). */
static void failure_in_the_middle_of_a_bundles_release_leaves_failed_and_every_line_held(
    void **state)
{
    (void)state;
    __atomic_store_n(&test_clock_ms, (int64_t)1800000000000, __ATOMIC_RELAXED);
    booking_store *s = pg_test_open_with(url, "pool_size=1");
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    PGconn *pg = pg_test_connect(url);
    const char *rids[3] = {"midh-r1", "midh-r2", "midh-r3"};
    booking_reason reason;
    for (int i = 0; i < 3; i++)
        assert_int_equal(booking_set_capacity(s, rids[i], MID_CAPACITY, &reason, NULL), BOOKING_OK);
    booking_line lines[3] = {{.resource_id = "midh-r1", .units = MID_UNITS},
                             {.resource_id = "midh-r2", .units = MID_UNITS},
                             {.resource_id = "midh-r3", .units = MID_UNITS}};
    booking_request q = {.booking_id = "mid-h", .lines = lines, .line_count = 3,
                         .hold_ms = HOLD_MS};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    mid_trigger(pg, "UPDATE", 2);
    /* the cancel: SET_STATUS, then UNHOLD_LINES fails on line 2 */
    assert_int_equal(booking_cancel(s, "mid-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_INTERNAL);
    /* the expiry step of line 2's resource (midh-r3): EXPIRE_LINES fails */
    __atomic_add_fetch(&test_clock_ms, HOLD_MS, __ATOMIC_RELAXED);
    booking_request other = {.booking_id = "midh-x", .resource_id = "midh-r3", .units = 1};
    assert_int_equal(booking_attempt(s, &other, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_FAILED);
    nothing_of(pg, "midh-x");
    assert_int_equal(pg_test_value(pg, "SELECT status FROM bookings WHERE id = 'mid-h'"),
                     BOOKING_STATUS_HELD);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM booking_lines"
                                       " WHERE booking_id = 'mid-h' AND held"), 2);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pg_test_booked(pg, rids[i]), MID_UNITS);
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 0);
    pg_test_check_invariant(pg);
    /* without the fault: the expired hold is released on every line, once */
    mid_trigger_drop(pg);
    assert_int_equal(booking_cancel(s, "mid-h", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pg_test_booked(pg, rids[i]), 0);
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 1);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

/* Another session holds the lock of a bundle's last resource (in id order):
 * the bundle, having locked the ones before it, waits past lock_timeout: FAILED
 * timeout in time, nothing recorded, and the locks it had are let go at once. */
static void bundle_whose_later_line_is_locked_elsewhere_fails_busy_and_keeps_no_lock(
    void **state)
{
    (void)state;
    char opts[64];
    snprintf(opts, sizeof opts, "lock_timeout_ms=%d&pool_size=1", LOCK_TIMEOUT_MS);
    booking_store *s = pg_test_open_with(url, opts);
    booking_reason reason;
    const char *rids[3] = {"midl-r1", "midl-r2", "midl-r3"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(booking_set_capacity(s, rids[i], MID_CAPACITY, &reason, NULL), BOOKING_OK);
    PGconn *pg = pg_test_connect(url);
    PQclear(pg_test_exec(pg, "BEGIN"));
    PQclear(pg_test_exec(pg, "SELECT 1 FROM resources WHERE id = 'midl-r3' FOR UPDATE"));
    booking_line lines[3] = {{.resource_id = "midl-r3", .units = 1},
                             {.resource_id = "midl-r1", .units = 1},
                             {.resource_id = "midl-r2", .units = 1}};
    booking_request q = {.booking_id = "midl-b", .lines = lines, .line_count = 3};
    booking_result r;
    long long t0 = pg_test_now_ms();
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_FAILED);
    assert_int_equal(r.reason, BOOKING_REASON_BUSY);
    assert_true(pg_test_now_ms() - t0 < FAIL_FAST_MS);
    /* the earlier lines' locks were let go with the rollback */
    PGconn *other = pg_test_connect(url);
    PQclear(pg_test_exec(other, "BEGIN"));
    PQclear(pg_test_exec(other, "SELECT 1 FROM resources WHERE id IN ('midl-r1', 'midl-r2')"
                                " FOR UPDATE NOWAIT"));
    PQclear(pg_test_exec(other, "ROLLBACK"));
    PQfinish(other);
    PQclear(pg_test_exec(pg, "ROLLBACK"));
    nothing_of(pg, "midl-b");
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_BOOKED);
    assert_false(r.replayed);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

int main(int argc, char **argv)
{
    url = pg_test_url_arg(argc, argv);
    if (url == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_held_elsewhere_fails_busy_quickly_and_records_nothing),
        cmocka_unit_test(killed_sessions_fail_unavailable_then_the_store_reconnects),
        cmocka_unit_test(silent_server_fails_timeout_by_the_client_deadline),
        cmocka_unit_test(hold_write_past_lock_timeout_fails_busy_and_changes_nothing),
        cmocka_unit_test(hold_write_whose_session_is_killed_fails_unavailable_and_changes_nothing),
        cmocka_unit_test(failure_in_the_middle_of_a_bundles_writes_leaves_failed_and_no_line_visible),
        cmocka_unit_test(
            failure_in_the_middle_of_a_bundles_release_leaves_failed_and_every_line_held),
        cmocka_unit_test(bundle_whose_later_line_is_locked_elsewhere_fails_busy_and_keeps_no_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
