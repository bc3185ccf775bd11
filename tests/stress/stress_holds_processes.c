/* SPDX-License-Identifier: MIT */
/*
 * stress_holds_processes.c: holds (SPEC section 7) across processes sharing one
 * database file. The test clock lives in memory mapped shared before the fork, so
 * every process's store reads the same clock, which the workers of every process
 * step forward. Each child opens its own store after the fork (a SQLite handle must
 * never cross one), runs two workers and a reader, and writes its logs and the
 * expiries its handle applied to files; the parent reopens the store, lets every
 * hold's time pass and judges every rule over all the logs.
 * argv[1] is the store URL ("sqlite:@TMP@/hp.db" by default).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stress/stress_holds.h"
#include "stress/stress_workload.h"
#include "support/test_support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOLDS_PROCESSES 4 /* the issue asks for 4 */
#define HOLDS_WORKERS_PER_PROCESS 2
#define HOLDS_READERS_PER_PROCESS 1
#define HOLDS_THREADS_PER_PROCESS (HOLDS_WORKERS_PER_PROCESS + HOLDS_READERS_PER_PROCESS)
#define HOLDS_LOGS (HOLDS_PROCESSES * HOLDS_THREADS_PER_PROCESS)
#define HOLDS_URL_SIZE 4096
#define HOLDS_PATH_SIZE 600

_Static_assert(HOLDS_PROCESSES * HOLDS_WORKERS_PER_PROCESS <= HOLDS_WORKERS_MAX, "owners fit");

static const char *url_arg = "sqlite:@TMP@/hp.db";
static char url[HOLDS_URL_SIZE];
static holds_clock *shared_clock; /* MAP_SHARED: the one clock of every process */
static holds_config cfg;
static holds_log logs[HOLDS_LOGS];
static uint64_t child_expired[HOLDS_PROCESSES];

static void log_path(char *out, size_t size, unsigned process)
{
    snprintf(out, size, "%s/holds-%u.log", test_tmpdir(), process);
}

/* One file per process: the expiries its handle applied, then each thread's log. */
static bool write_logs(unsigned process, uint64_t expired)
{
    char path[HOLDS_PATH_SIZE];
    log_path(path, sizeof path, process);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    bool ok = fwrite(&expired, sizeof expired, 1, f) == 1;
    for (unsigned t = 0; t < HOLDS_THREADS_PER_PROCESS && ok; t++) {
        const holds_log *log = &logs[process * HOLDS_THREADS_PER_PROCESS + t];
        ok = fwrite(&log->count, sizeof log->count, 1, f) == 1 &&
             fwrite(log->calls, sizeof *log->calls, log->count, f) == log->count;
    }
    return fclose(f) == 0 && ok;
}

static bool read_log(FILE *f, holds_log *log)
{
    size_t count;
    if (fread(&count, sizeof count, 1, f) != 1 || count >= SIZE_MAX / sizeof(holds_call))
        return false;
    log->calls = malloc((count ? count : 1) * sizeof(holds_call));
    if (log->calls == NULL || fread(log->calls, sizeof(holds_call), count, f) != count)
        return false;
    log->count = log->capacity = count;
    return true;
}

static bool read_logs(unsigned process)
{
    char path[HOLDS_PATH_SIZE];
    log_path(path, sizeof path, process);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    bool ok = fread(&child_expired[process], sizeof child_expired[process], 1, f) == 1;
    for (unsigned t = 0; t < HOLDS_THREADS_PER_PROCESS && ok; t++)
        ok = read_log(f, &logs[process * HOLDS_THREADS_PER_PROCESS + t]);
    fclose(f);
    return ok;
}

static booking_store *open_on_shared_clock(void)
{
    booking_store *store = NULL;
    char why[512] = "";
    if (booking_store_open(url, &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "process %ld: cannot open %s: %s\n", (long)getpid(), url, why);
        return NULL;
    }
    if (booking_store_set_clock(store, holds_clock_read, shared_clock) != BOOKING_OK) {
        booking_store_close(store);
        return NULL;
    }
    return store;
}

/* The body of one child. Exit status 0 on success (the parent judges the results). */
static int child_main(unsigned process)
{
    booking_store *store = open_on_shared_clock();
    if (store == NULL)
        return 2;
    bool ok = holds_run_threads(store, &cfg, process * HOLDS_WORKERS_PER_PROCESS,
                                HOLDS_WORKERS_PER_PROCESS, HOLDS_READERS_PER_PROCESS,
                                &logs[process * HOLDS_THREADS_PER_PROCESS]);
    ok = ok && write_logs(process, holds_expired_stat(store));
    booking_store_close(store);
    return ok ? 0 : 3;
}

static bool prepare(void)
{
    booking_store *store = open_on_shared_clock();
    if (store == NULL)
        return false;
    bool ok = holds_setup(store, &cfg);
    booking_store_close(store); /* before fork: no handle may cross it */
    return ok;
}

static bool run_children(void)
{
    bool ok = test_run_processes(HOLDS_PROCESSES, child_main);
    for (unsigned p = 0; ok && p < HOLDS_PROCESSES; p++)
        ok = read_logs(p);
    return ok;
}

static int run_stress(void **state)
{
    (void)state;
    shared_clock = mmap(NULL, sizeof *shared_clock, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared_clock == MAP_FAILED) {
        shared_clock = NULL;
        perror("mmap");
        return -1;
    }
    if (!stress_expand_url(url, sizeof url, url_arg, test_tmpdir()))
        return -1;
    holds_config_init(&cfg, url, HOLDS_PROCESSES * HOLDS_WORKERS_PER_PROCESS, shared_clock);
    if (!prepare() || !run_children())
        return -1;
    booking_store *store = open_on_shared_clock();
    if (store == NULL)
        return -1;
    bool ok = holds_finish(store, &cfg);
    uint64_t expired = holds_expired_stat(store);
    for (unsigned p = 0; p < HOLDS_PROCESSES; p++)
        expired += child_expired[p];
    if (ok)
        holds_check(store, &cfg, logs, HOLDS_LOGS, expired, &holds_tested);
    booking_store_close(store);
    return ok ? 0 : -1;
}

static int finish(void **state)
{
    (void)state;
    for (size_t i = 0; i < HOLDS_LOGS; i++)
        holds_log_free(&logs[i]);
    if (shared_clock != NULL)
        munmap(shared_clock, sizeof *shared_clock);
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
