/*
 * postgres_restart.c: the database crashes (stopped at once, like a power cut)
 * and restarts under load. Attempts during the outage are FAILED, every decision
 * answered before the crash survives it (synchronous commit), no FAILED batch is
 * partly visible, and the same store handle carries on by itself once the
 * server is back. argv: URL, the pg-test-server script, its state directory
 * (a server of this test's own, so others are not disturbed).
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

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s POSTGRES_URL PG_TEST_SERVER_SCRIPT DIR\n", argv[0]);
        return 2;
    }
    url = argv[1];
    script = argv[2];
    dir = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crash_and_restart_mid_load_fails_then_recovers_by_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
