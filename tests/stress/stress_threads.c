/*
 * stress_threads.c: SPEC section 1 under concurrency, in one process. Eight
 * worker threads and a reader share one store (argv[1], "@TMP@" standing for a
 * fresh directory); the run happens once, then each test checks one rule of the
 * contract over the logs and the store's final state.
 */
#include "stress/stress_rules.h"
#include "support/test_support.h"

#include <pthread.h>
#include <sched.h>
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
static atomic_bool readers_stop;

typedef struct thread_arg {
    booking_store *store;
    unsigned index;
    bool ok;
} thread_arg;

/* All threads start at once, for more overlap; a gate rather than a barrier so
 * that a failed pthread_create cannot leave the others waiting forever. */
static atomic_bool start_gate;

static void wait_for_start(void)
{
    while (!atomic_load(&start_gate))
        sched_yield();
}

static void *worker_main(void *p)
{
    thread_arg *a = p;
    wait_for_start();
    a->ok = stress_run_worker(a->store, &cfg, a->index, &logs[a->index]);
    return NULL;
}

static void *reader_main(void *p)
{
    thread_arg *a = p;
    wait_for_start();
    a->ok = stress_run_reader(a->store, &cfg, a->index, &readers_stop, &logs[a->index]);
    return NULL;
}

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
    pthread_t threads[STRESS_THREADS + STRESS_READERS];
    thread_arg args[STRESS_THREADS + STRESS_READERS];
    size_t started = 0;
    bool ok = true;
    for (unsigned i = 0; i < STRESS_THREADS + STRESS_READERS && ok; i++) {
        args[i] = (thread_arg){.store = store, .index = i};
        ok = pthread_create(&threads[i], NULL, i < STRESS_THREADS ? worker_main : reader_main,
                            &args[i]) == 0;
        started += ok;
    }
    atomic_store(&start_gate, true);
    for (size_t i = 0; i < started; i++) {
        if (i == STRESS_THREADS)
            atomic_store(&readers_stop, true);
        pthread_join(threads[i], NULL);
        ok = ok && args[i].ok;
    }
    atomic_store(&readers_stop, true);
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
