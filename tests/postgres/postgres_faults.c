/*
 * postgres_faults.c: SPEC section 1's FAILED outcomes of the postgres store under
 * faults it can cause on a shared test server: a lock held elsewhere past
 * lock_timeout, the store's sessions killed with pg_terminate_backend under load,
 * and a session that stops answering. Each must answer FAILED with its reason,
 * leave nothing partial, and the store must carry on by itself. argv[1] is the
 * URL of a fresh database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"

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

static const char *url;

/* The backend pid of the store's one session (pool_size=1) on this database. */
#define STORE_SESSION                                                                        \
    "SELECT pid FROM pg_stat_activity WHERE application_name = 'booking'"                    \
    " AND datname = current_database()"

static booking_store *open_with(const char *options)
{
    char u[1024];
    snprintf(u, sizeof u, "%s%s%s", url, strchr(url, '?') ? "&" : "?", options);
    booking_store *s = NULL;
    char err[256] = "";
    if (booking_store_open(u, &s, err, sizeof err) != BOOKING_OK)
        fail_msg("open %s: %s", u, err);
    return s;
}

static void lock_held_elsewhere_fails_timeout_quickly_and_records_nothing(void **state)
{
    (void)state;
    char opts[64];
    snprintf(opts, sizeof opts, "lock_timeout_ms=%d&pool_size=1", LOCK_TIMEOUT_MS);
    booking_store *s = open_with(opts);
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
    assert_int_equal(r.reason, BOOKING_REASON_TIMEOUT);
    assert_true(pg_test_now_ms() - t0 < FAIL_FAST_MS);
    assert_int_equal(booking_set_capacity(s, "lk-r", 20, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_TIMEOUT);
    booking_record rec;
    assert_int_equal(booking_get_booking(s, "lk-b1", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
    /* a cancel locks the record, then waits on the resource */
    assert_int_equal(booking_cancel(s, "lk-b0", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_TIMEOUT);

    PQclear(pg_test_exec(pg, "COMMIT"));
    /* A timeout is rolled back on the same session: no reconnect was needed. */
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
    booking_store *s = open_with("pool_size=4");
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
    booking_store *s = open_with(opts);
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s POSTGRES_URL\n", argv[0]);
        return 2;
    }
    url = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_held_elsewhere_fails_timeout_quickly_and_records_nothing),
        cmocka_unit_test(killed_sessions_fail_unavailable_then_the_store_reconnects),
        cmocka_unit_test(silent_server_fails_timeout_by_the_client_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
