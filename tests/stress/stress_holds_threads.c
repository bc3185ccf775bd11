/* SPDX-License-Identifier: MIT */
/*
 * stress_holds_threads.c: holds (SPEC section 7) under concurrency in one process.
 * Eight worker threads and a reader share one store (argv[1], "@TMP@" standing for a
 * fresh directory) that runs on an injected clock the workers step forward; the run
 * happens once, then each test judges one rule over the logs and the records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stress/stress_holds.h"
#include "stress/stress_workload.h"
#include "support/test_support.h"

#include <stdio.h>
#include <stdlib.h>

#define HOLDS_THREADS 8 /* worker threads (the issue asks for 8) */
#define HOLDS_READERS 1 /* threads that only read the counters meanwhile */
#define HOLDS_URL_SIZE 4096

static const char *url_arg = "memory:";
static char url[HOLDS_URL_SIZE];
static holds_clock test_clock;
static holds_config cfg;
static holds_log logs[HOLDS_THREADS + HOLDS_READERS];

static bool run_on(booking_store *store)
{
    if (booking_store_set_clock(store, holds_clock_read, &test_clock) != BOOKING_OK ||
        !holds_setup(store, &cfg))
        return false;
    if (!holds_run_threads(store, &cfg, 0, HOLDS_THREADS, HOLDS_READERS, logs) ||
        !holds_finish(store, &cfg))
        return false;
    holds_check(store, &cfg, logs, HOLDS_THREADS + HOLDS_READERS, holds_expired_stat(store),
                &holds_tested);
    return true;
}

/* Runs the whole workload once; the tests below only judge its results. */
static int run_stress(void **state)
{
    (void)state;
    if (!stress_expand_url(url, sizeof url, url_arg, test_tmpdir()))
        return -1;
    holds_config_init(&cfg, url, HOLDS_THREADS, &test_clock);
    booking_store *store = NULL;
    char why[512] = "";
    if (booking_store_open(url, &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "cannot open %s: %s\n", url, why);
        return -1;
    }
    bool ok = run_on(store);
    booking_store_close(store);
    return ok ? 0 : -1;
}

static int finish(void **state)
{
    (void)state;
    for (size_t i = 0; i < HOLDS_THREADS + HOLDS_READERS; i++)
        holds_log_free(&logs[i]);
    test_tmpdir_remove();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        url_arg = argv[1];
    if (argc > 2) {
        fprintf(stderr, "usage: %s STORE_URL\n", argv[0]);
        return 2;
    }
    struct CMUnitTest tests[HOLDS_RULE_TESTS];
    holds_rule_tests(tests);
    return cmocka_run_group_tests_name(url_arg, tests, run_stress, finish);
}
