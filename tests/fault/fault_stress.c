/* SPDX-License-Identifier: MIT */
/*
 * fault_stress.c: the concurrency stress of tests/stress with I/O faults on top.
 * Eight threads and a reader share a sqlite store opened through the fault VFS,
 * which fails every FAULT_STRESS_PERIOD-th file operation while they run. The
 * same rules must hold: FAILED answers (io_error) leave no trace or a full
 * decision, the rest agree with the records. Checked on the same store handle
 * once the faults stop (it must keep working), then again after reopening the
 * file with the plain VFS, which must also pass PRAGMA integrity_check.
 */
#include "fault/sqlite_fault_vfs.h"
#include "core/names.h"
#include "stress/stress_rules.h"
#include "support/test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define FAULT_VFS_NAME "booking-fault"
#define FAULT_STRESS_THREADS 8
#define FAULT_STRESS_READERS 1
#define FAULT_STRESS_PERIOD 97 /* prime: the faults wander over every kind of operation */
#define FAULT_STRESS_URL_SIZE 4096
#define FAULT_STRESS_PATH_SIZE 600

static char path[FAULT_STRESS_PATH_SIZE];
static char url[FAULT_STRESS_URL_SIZE];
static stress_config cfg;
static stress_log logs[FAULT_STRESS_THREADS + FAULT_STRESS_READERS];

static bool integrity_ok(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
              sqlite3_step(s) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return ok;
}

/* Adds the violations of a second check into the summary the tests judge. */
static void merge_violations(const stress_summary *again)
{
    for (int r = 0; r < RULE_COUNT; r++)
        stress_tested.violations[r] += again->violations[r];
}

static int run_stress(void **state)
{
    (void)state;
    if (fault_vfs_register(FAULT_VFS_NAME) != SQLITE_OK)
        return -1;
    snprintf(path, sizeof path, "%s/chaos.db", test_tmpdir());
    snprintf(url, sizeof url, "sqlite:%s?vfs=%s", path, FAULT_VFS_NAME);
    stress_config_init(&cfg, url, FAULT_STRESS_THREADS);
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
    fault_vfs_arm_every(FAULT_OP_ANY, FAULT_STRESS_PERIOD);
    bool ok = stress_run_threads(store, &cfg, FAULT_STRESS_THREADS, FAULT_STRESS_READERS, logs);
    fault_vfs_disarm();
    fprintf(stderr, "fault stress: %lu file operations, every %d-th failed\n", fault_vfs_seen(),
            FAULT_STRESS_PERIOD);
    if (ok)
        stress_check(store, &cfg, logs, FAULT_STRESS_THREADS + FAULT_STRESS_READERS,
                     &stress_tested);
    booking_store_close(store);
    if (!ok)
        return -1;

    /* Reopened with the plain VFS: intact, and the same judgement. */
    if (!integrity_ok()) {
        fprintf(stderr, "%s fails PRAGMA integrity_check\n", path);
        stress_tested.violations[RULE_INVARIANT]++;
    }
    char plain[FAULT_STRESS_URL_SIZE];
    snprintf(plain, sizeof plain, "sqlite:%s", path);
    if (booking_store_open(plain, &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "cannot reopen %s: %s\n", plain, why);
        return -1;
    }
    stress_summary again;
    stress_check(store, &cfg, logs, FAULT_STRESS_THREADS + FAULT_STRESS_READERS, &again);
    merge_violations(&again);
    booking_store_close(store);
    return 0;
}

static int finish(void **state)
{
    (void)state;
    for (size_t i = 0; i < FAULT_STRESS_THREADS + FAULT_STRESS_READERS; i++)
        stress_log_free(&logs[i]);
    test_tmpdir_remove();
    return 0;
}

/* Faults must actually have hit calls, and as io_error only. */
static void faults_under_load_fail_calls_with_io_error(void **state)
{
    (void)state;
    assert_true(stress_tested.failed_by_reason[BOOKING_REASON_IO_ERROR] > 0);
    for (int r = 0; r < CORE_REASON_COUNT; r++) {
        if (r != BOOKING_REASON_IO_ERROR && stress_tested.failed_by_reason[r] != 0)
            fail_msg("%lu calls FAILED %s", stress_tested.failed_by_reason[r],
                     booking_reason_name((booking_reason)r));
    }
}

int main(void)
{
    struct CMUnitTest tests[STRESS_RULE_TESTS + 1];
    stress_rule_tests(tests);
    tests[STRESS_RULE_TESTS] =
        (struct CMUnitTest)cmocka_unit_test(faults_under_load_fail_calls_with_io_error);
    return cmocka_run_group_tests_name("fault_stress", tests, run_stress, finish);
}
