/* SPDX-License-Identifier: MIT */
/*
 * postgres_restart.c: faults that need a server of this test's own: the database
 * crashes (stopped at once, like a power cut) and restarts under load, and a
 * COMMIT is held without an answer (the ambiguous commit). FAILED answers, no
 * decision answered is lost, no FAILED batch is partly visible, and the same store
 * handle carries on by itself. argv: URL, the pg-test-server script, its state
 * directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOAD_BEFORE_MS 400
#define OUTAGE_MS 600
#define RECOVERY_MS 3000 /* the store must be deciding again within this */
#define HELD_COMMIT_TIMEOUT_MS 300
#define RELOAD_SETTLE_MS 200 /* pg_reload_conf() signals; the backends read it soon after */
#define RELEASE_WAIT_MS 5000

static const char *url, *script, *dir;

static void server(const char *cmd)
{
    char line[2048];
    snprintf(line, sizeof line, "'%s' %s '%s'", script, cmd, dir);
    if (system(line) != 0)
        fail_msg("%s failed", line);
}

static size_t decided_so_far(pg_load *load)
{
    size_t n = 0;
    for (int i = 0; i < load->threads; i++) {
        size_t count = __atomic_load_n(&load->t[i].batch_count, __ATOMIC_ACQUIRE);
        if (count > 0 && load->t[i].batches[count - 1].results[0].outcome != BOOKING_FAILED)
            n++;
    }
    return n;
}

static void crash_and_restart_mid_load_fails_then_recovers_by_itself(void **state)
{
    (void)state;
    booking_store *s = NULL;
    char err[256] = "";
    if (booking_store_open(url, &s, err, sizeof err) != BOOKING_OK)
        fail_msg("open: %s", err);
    pg_load load;
    pg_load_start(&load, s, 3, "crash");
    usleep(LOAD_BEFORE_MS * 1000);
    server("crash");
    usleep(OUTAGE_MS * 1000);
    server("restart");
    long long t0 = pg_test_now_ms();
    /* Wait until every thread's latest batch was decided again. */
    while (decided_so_far(&load) < (size_t)load.threads && pg_test_now_ms() - t0 < RECOVERY_MS)
        usleep(20 * 1000);
    long long recovered_ms = pg_test_now_ms() - t0;
    pg_load_stop(&load);
    fprintf(stderr, "# %zu attempts decided, %zu failed (unavailable %zu), recovered in %lld ms\n",
            load.decided, load.failed, load.failed_by_reason[BOOKING_REASON_UNAVAILABLE],
            recovered_ms);
    assert_true(recovered_ms < RECOVERY_MS);
    assert_true(load.failed > 0);
    assert_true(load.decided > 0);
    PGconn *pg = pg_test_connect(url);
    pg_load_check(&load, pg);
    PQfinish(pg);
    pg_load_free(&load);
    booking_store_close(s);
}

/* SPEC section 1, the ambiguous commit: the COMMIT is written but its answer
 * never comes (a synchronous standby that does not exist holds every commit).
 * The client-side deadline answers FAILED; once the server lets the commit go,
 * a replay with the same booking_id reveals the decision, and nothing is booked
 * twice. Here, not on the shared server: synchronous_standby_names is server-wide. */
static void commit_without_answer_fails_and_a_replay_reveals_the_decision(void **state)
{
    (void)state;
    char u[1024];
    snprintf(u, sizeof u, "%s%spool_size=1&lock_timeout_ms=%d&statement_timeout_ms=%d", url,
             strchr(url, '?') ? "&" : "?", HELD_COMMIT_TIMEOUT_MS, HELD_COMMIT_TIMEOUT_MS);
    booking_store *s = NULL;
    char err[256] = "";
    if (booking_store_open(u, &s, err, sizeof err) != BOOKING_OK)
        fail_msg("open: %s", err);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "amb-r", 10, &reason, NULL), BOOKING_OK);
    PGconn *pg = pg_test_connect(url);
    PQclear(pg_test_exec(pg, "ALTER SYSTEM SET synchronous_standby_names = 'nobody'"));
    PQclear(pg_test_exec(pg, "SELECT pg_reload_conf()"));
    usleep(RELOAD_SETTLE_MS * 1000);

    booking_request q = {.booking_id = "amb-b", .resource_id = "amb-r", .units = 3};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_FAILED);
    assert_int_equal(r.reason, BOOKING_REASON_TIMEOUT);

    PQclear(pg_test_exec(pg, "ALTER SYSTEM RESET synchronous_standby_names"));
    PQclear(pg_test_exec(pg, "SELECT pg_reload_conf()"));
    long long t0 = pg_test_now_ms();
    while (pg_test_value(pg, "SELECT count(*) FROM bookings WHERE id = 'amb-b'") == 0) {
        if (pg_test_now_ms() - t0 > RELEASE_WAIT_MS)
            fail_msg("the held commit never became visible");
        usleep(20 * 1000);
    }
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.outcome, BOOKING_BOOKED);
    assert_true(r.replayed);
    booking_resource res;
    assert_int_equal(booking_get_resource(s, "amb-r", &reason, &res), BOOKING_OK);
    assert_int_equal(res.booked, 3);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

int main(int argc, char **argv)
{
    url = pg_test_url_args(argc, argv, 2, "PG_TEST_SERVER_SCRIPT DIR");
    if (url == NULL)
        return 2;
    script = argv[2];
    dir = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crash_and_restart_mid_load_fails_then_recovers_by_itself),
        cmocka_unit_test(commit_without_answer_fails_and_a_replay_reveals_the_decision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
