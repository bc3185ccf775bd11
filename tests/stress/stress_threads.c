/* SPDX-License-Identifier: MIT */
/*
 * stress_threads.c: SPEC section 1 under concurrency, in one process. Eight
 * worker threads and a reader share one store (argv[1], "@TMP@" standing for a
 * fresh directory); the run happens once, then each test checks one rule of the
 * contract over the logs and the store's final state.
 */
#include "stress/stress_rules.h"
#include "support/test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRESS_THREADS 8    /* worker threads (the issue asks for 8+) */
#define STRESS_READERS 1    /* threads that only read the counters meanwhile */
#define STRESS_URL_SIZE 4096

static const char *url_arg = "memory:";
static char url[STRESS_URL_SIZE];
static stress_config cfg;
static stress_log logs[STRESS_THREADS + STRESS_READERS];

/* Runs the whole workload once; the tests below only judge its results. */
static int run_stress(void **state)
{
    (void)state;
    if (!stress_expand_url(url, sizeof url, url_arg, test_tmpdir()))
        return -1;
    stress_config_init(&cfg, url, STRESS_THREADS);
    booking_store *store = NULL;
    char why[512] = "";
    if (booking_store_open(url, &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "cannot open %s: %s\n", url, why);
        return -1;
    }
    if (!stress_setup(store, &cfg)) {
        booking_store_close(store);
        return -1;
    }
    bool ok = stress_run_threads(store, &cfg, STRESS_THREADS, STRESS_READERS, logs);
    if (ok)
        stress_check(store, &cfg, logs, STRESS_THREADS + STRESS_READERS, &stress_tested);
    booking_store_close(store);
    return ok ? 0 : -1;
}

static int finish(void **state)
{
    (void)state;
    for (size_t i = 0; i < STRESS_THREADS + STRESS_READERS; i++)
        stress_log_free(&logs[i]);
    test_tmpdir_remove();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        url_arg = argv[1];
    if (!stress_parse_mode(argc, argv))
        return 2;
    struct CMUnitTest tests[STRESS_RULE_TESTS];
    stress_rule_tests(tests);
    return cmocka_run_group_tests_name(url_arg, tests, run_stress, finish);
}
