/* SPDX-License-Identifier: MIT */
/*
 * stress_processes.c: SPEC section 1 across processes sharing one database file.
 * The parent creates the resources and closes its store, then forks workers that
 * each open their own store AFTER the fork (a SQLite handle must never cross a
 * fork), run two worker threads, and write their logs to files; the parent then
 * reopens the store and checks every rule over all the logs.
 * argv[1] is the store URL ("sqlite:@TMP@/p.db" by default).
 */
#include "stress/stress_rules.h"
#include "support/test_support.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STRESS_PROCESSES 4        /* the issue asks for 4+ */
#define STRESS_THREADS_PER_PROCESS 2
#define STRESS_WORKERS (STRESS_PROCESSES * STRESS_THREADS_PER_PROCESS)
#define STRESS_URL_SIZE 4096
#define STRESS_PATH_SIZE 600

static const char *url_arg = "sqlite:@TMP@/p.db";
static char url[STRESS_URL_SIZE];
static stress_config cfg;
static stress_log logs[STRESS_WORKERS];

typedef struct thread_arg {
    booking_store *store;
    unsigned index;
    bool ok;
} thread_arg;

static void *worker_main(void *p)
{
    thread_arg *a = p;
    a->ok = stress_run_worker(a->store, &cfg, a->index, &logs[a->index]);
    return NULL;
}

static void log_path(char *out, size_t size, unsigned worker)
{
    snprintf(out, size, "%s/worker-%u.log", test_tmpdir(), worker);
}

static bool write_log(unsigned worker)
{
    char path[STRESS_PATH_SIZE];
    log_path(path, sizeof path, worker);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    size_t count = logs[worker].count;
    bool ok = fwrite(&count, sizeof count, 1, f) == 1 &&
              fwrite(logs[worker].calls, sizeof *logs[worker].calls, count, f) == count;
    return fclose(f) == 0 && ok;
}

static bool read_log(unsigned worker)
{
    char path[STRESS_PATH_SIZE];
    log_path(path, sizeof path, worker);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    size_t count;
    bool ok = fread(&count, sizeof count, 1, f) == 1 && count < SIZE_MAX / sizeof(stress_call);
    if (ok) {
        logs[worker].calls = malloc((count ? count : 1) * sizeof(stress_call));
        ok = logs[worker].calls != NULL &&
             fread(logs[worker].calls, sizeof(stress_call), count, f) == count;
        logs[worker].count = ok ? count : 0;
        logs[worker].capacity = logs[worker].count;
    }
    fclose(f);
    return ok;
}

/* The body of one child: its own store, its threads, its logs. Exit status 0 on
 * success (the parent judges the results, not the child). */
static int child_main(unsigned process)
{
    booking_store *store = NULL;
    char why[512] = "";
    if (booking_store_open(url, &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "process %u: cannot open %s: %s\n", process, url, why);
        return 2;
    }
    pthread_t threads[STRESS_THREADS_PER_PROCESS];
    thread_arg args[STRESS_THREADS_PER_PROCESS];
    size_t started = 0;
    bool ok = true;
    for (unsigned t = 0; t < STRESS_THREADS_PER_PROCESS && ok; t++) {
        args[t] = (thread_arg){.store = store, .index = process * STRESS_THREADS_PER_PROCESS + t};
        ok = pthread_create(&threads[t], NULL, worker_main, &args[t]) == 0;
        started += ok;
    }
    for (size_t t = 0; t < started; t++) {
        pthread_join(threads[t], NULL);
        ok = ok && args[t].ok && write_log(args[t].index);
    }
    booking_store_close(store);
    return ok ? 0 : 3;
}

static bool prepare(void)
{
    booking_store *store = NULL;
    char why[512] = "";
    if (booking_store_open(url, &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "cannot open %s: %s\n", url, why);
        return false;
    }
    bool ok = stress_setup(store, &cfg);
    booking_store_close(store); /* before fork: no handle may cross it */
    return ok;
}

static int run_stress(void **state)
{
    (void)state;
    if (!stress_expand_url(url, sizeof url, url_arg, test_tmpdir()))
        return -1;
    stress_config_init(&cfg, url, STRESS_WORKERS);
    if (!prepare())
        return -1;
    bool ok = test_run_processes(STRESS_PROCESSES, child_main);
    for (unsigned w = 0; ok && w < STRESS_WORKERS; w++)
        ok = read_log(w);
    if (!ok)
        return -1;
    booking_store *store = NULL;
    char why[512] = "";
    if (booking_store_open(url, &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "cannot reopen %s: %s\n", url, why);
        return -1;
    }
    stress_check(store, &cfg, logs, STRESS_WORKERS, &stress_tested);
    booking_store_close(store);
    return 0;
}

static int finish(void **state)
{
    (void)state;
    for (size_t i = 0; i < STRESS_WORKERS; i++)
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
