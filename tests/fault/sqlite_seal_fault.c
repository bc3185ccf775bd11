/* SPDX-License-Identifier: MIT */
/*
 * sqlite_seal_fault.c: a seal of the sqlite store's listing index (sqlite.c note
 * (12)) that fails under an I/O fault. The batch that crossed the mark keeps its
 * answers; the failure is counted (booking_store_stats.listing_seal_failures and
 * /metrics' booking_listing_seal_failures_total); the seal is not tried again
 * until the store grew by the backoff (SQLITE_SEAL_BACKOFF_MIN records, doubling
 * per failure in a row); then it seals, and listings show every record
 * throughout, merged from the runs and the (longer) tail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "fault/sqlite_fault_vfs.h"
#include "server/metrics.h"
#include "store/sqlite_run.h"
#include "store/sqlite_store.h"
#include "support/sqlite_runs_check.h"
#include "support/test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEAL_VFS_NAME "booking-seal-fault"
#define SEAL_PATH_SIZE 640
#define SEAL_BATCH 8192
#define SEAL_ID_SIZE 32
/* The batch of one that crosses the mark writes a few WAL frames; the seal
 * writes hundreds (65,536 keys in pages): its SEAL_FAULT_NTH-th write fails. */
#define SEAL_FAULT_NTH 64
#define SEAL_FAILED_BATCH 50 /* the batch whose commit fails just before a mark */

static char path[SEAL_PATH_SIZE];
static uint64_t next_id;

static int64_t raw_int(const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("raw open %s", path);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* Empties the WAL, so the next commit's frames are counted from its start and
 * no checkpoint runs (and meets the fault) before the seal. */
static void checkpoint(void)
{
    assert_int_equal(raw_int("PRAGMA wal_checkpoint(TRUNCATE)"), 0); /* busy: 0 */
}

/* A handle on the file at path, through the fault VFS. */
static booking_store *open_seal_file(void)
{
    char url[SEAL_PATH_SIZE + 64], why[512] = "";
    snprintf(url, sizeof url, "sqlite:%s?vfs=%s", path, SEAL_VFS_NAME);
    booking_store *s = NULL;
    assert_int_equal(booking_store_open(url, &s, why, sizeof why), BOOKING_OK);
    return s;
}

/* A new store file `name` in the test's directory (it becomes path), with r0
 * and r1 of unbounded capacity, and the ids of append() from the start. */
static booking_store *create_seal_file(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    next_id = 0;
    booking_store *s = open_seal_file();
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "r0", BOOKING_CAPACITY_MAX, &reason, NULL), BOOKING_OK);
    assert_int_equal(booking_set_capacity(s, "r1", BOOKING_CAPACITY_MAX, &reason, NULL), BOOKING_OK);
    return s;
}

/* n new records in batches (each BOOKED), on r0 and r1 in turn. */
static void append(booking_store *s, size_t n)
{
    static booking_request req[SEAL_BATCH];
    static booking_result res[SEAL_BATCH];
    static char ids[SEAL_BATCH][SEAL_ID_SIZE];
    while (n > 0) {
        size_t k = n < SEAL_BATCH ? n : SEAL_BATCH;
        for (size_t i = 0; i < k; i++) {
            snprintf(ids[i], SEAL_ID_SIZE, "s-%016llx",
                     (unsigned long long)test_mix64(++next_id));
            req[i] = (booking_request){.booking_id = ids[i],
                                       .resource_id = next_id % 2 ? "r1" : "r0", .units = 1};
        }
        assert_int_equal(booking_attempt_batch(s, req, k, res), BOOKING_OK);
        for (size_t i = 0; i < k; i++)
            assert_true(res[i].outcome == BOOKING_BOOKED && !res[i].replayed);
        n -= k;
    }
}

static uint64_t seal_failures(booking_store *s)
{
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    return stats.listing_seal_failures;
}

/* Every record of r0 and r1 listed once, in order: the runs and the tail agree. */
static void expect_listed(booking_store *s)
{
    static booking_record page[BOOKING_LIST_LIMIT_MAX];
    uint64_t n = 0;
    for (int r = 0; r < 2; r++) {
        char after[BOOKING_ID_LEN_MAX + 1] = "";
        for (bool first = true;; first = false) {
            booking_reason reason;
            size_t count = 0;
            char next[BOOKING_LIST_NEXT_SIZE] = "";
            assert_int_equal(booking_list_bookings(s, r ? "r1" : "r0", BOOKING_LIST_ALL,
                                                   first ? NULL : after, BOOKING_LIST_LIMIT_MAX,
                                                   &reason, page, &count, next),
                             BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK);
            for (size_t i = 0; i < count; i++)
                assert_true(strcmp(after, page[i].booking_id) < 0);
            n += count;
            if (next[0] == '\0')
                break;
            memcpy(after, next, sizeof after); /* resume where the page ended */
        }
    }
    assert_int_equal(n, next_id);
}

/* The seal at the mark fails (the fault fires in its transaction, not in the
 * batch's); it is counted; the next SQLITE_SEAL_BACKOFF_MIN - 1 records try no
 * seal (a try would succeed: the fault is gone), the one after seals. Then two
 * failures in a row: the second backoff is twice the first. */
static void sqlite_seal_failure_backs_off_and_is_counted_in_the_stats_and_metrics(void **state)
{
    (void)state;
    booking_store *s = create_seal_file("seal.db");

    append(s, SQLITE_RUN_ROWS - 1);
    checkpoint();
    fault_vfs_arm(FAULT_OP_WRITE, SEAL_FAULT_NTH, false);
    append(s, 1); /* crosses the mark: BOOKED, then its seal fails */
    assert_true(fault_vfs_fired());
    assert_int_equal(fault_vfs_fired_file(), FAULT_FILE_WAL);
    fault_vfs_disarm();
    assert_int_equal(seal_failures(s), 1);
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 0);
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs"), 0);
    expect_listed(s);

    append(s, SQLITE_SEAL_BACKOFF_MIN - 1); /* within the backoff: no seal tried */
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 0);
    append(s, 1); /* the backoff has passed: sealed */
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 1);
    assert_int_equal(raw_int("SELECT sum(keys) FROM booking_runs"), SQLITE_RUN_ROWS);
    assert_int_equal(seal_failures(s), 1);
    expect_listed(s);

    /* Fails at the next mark, and again at its retry: the backoff doubles. */
    append(s, 2 * SQLITE_RUN_ROWS - next_id - 1);
    checkpoint();
    fault_vfs_arm(FAULT_OP_WRITE, SEAL_FAULT_NTH, false);
    append(s, 1);
    assert_true(fault_vfs_fired());
    append(s, SQLITE_SEAL_BACKOFF_MIN - 1);
    checkpoint();
    fault_vfs_arm(FAULT_OP_WRITE, SEAL_FAULT_NTH, false);
    append(s, 1); /* the retry, failing */
    assert_true(fault_vfs_fired());
    fault_vfs_disarm();
    assert_int_equal(seal_failures(s), 3);
    append(s, 2 * SQLITE_SEAL_BACKOFF_MIN - 1);
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 1);
    append(s, 1);
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 2);
    assert_int_equal(seal_failures(s), 3);
    expect_listed(s);

    /* /metrics shows the count. */
    server_metrics *m = malloc(sizeof *m);
    assert_non_null(m);
    metrics_init(m);
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    size_t len = 0;
    char *text = metrics_render(m, &stats, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "\nbooking_listing_seal_failures_total 3\n"));
    free(text);
    free(m);
    booking_store_close(s);
    assert_int_equal(raw_int("SELECT count(*) FROM bookings"), (int64_t)next_id);
}

/* A batch of n new records (ids from next_id) whose transaction fails: every
 * answer FAILED. The ids are spent: a later batch uses new ones. */
static void append_failing(booking_store *s, size_t n)
{
    static booking_request req[SEAL_BATCH];
    static booking_result res[SEAL_BATCH];
    static char ids[SEAL_BATCH][SEAL_ID_SIZE];
    assert_true(n <= SEAL_BATCH);
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], SEAL_ID_SIZE, "f-%016llx", (unsigned long long)test_mix64(++next_id));
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = "r0", .units = 1};
    }
    assert_int_equal(booking_attempt_batch(s, req, n, res), BOOKING_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(res[i].outcome, BOOKING_FAILED);
}

/* A batch whose commit fails just before a mark (its write fails: nothing of
 * it is in the file; or its sync fails: its frames may surface) leaves nothing
 * of it in the key cache (sqlite_keys.h): the run sealed from memory by the
 * batch that crosses the mark holds exactly the records the file has at its
 * seqs, the later batch's at the seqs the failed one had been given. */
static void sqlite_failed_commit_before_a_mark_leaves_no_key_in_the_seal(void **state)
{
    (void)state;
    static const fault_op ops[] = {FAULT_OP_WRITE, FAULT_OP_SYNC};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        char name[32];
        snprintf(name, sizeof name, "failed-%zu.db", o);
        booking_store *s = create_seal_file(name);
        append(s, SQLITE_RUN_ROWS - SEAL_FAILED_BATCH);
        fault_vfs_arm(ops[o], 1, false);
        append_failing(s, SEAL_FAILED_BATCH);
        assert_true(fault_vfs_fired());
        fault_vfs_disarm();
        int64_t stored = raw_int("SELECT count(*) FROM bookings");
        append(s, 2 * SEAL_FAILED_BATCH); /* crosses the mark */
        assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 1);
        assert_int_equal(seal_failures(s), 0);
        /* Nothing of a failed write reached the file: the cache stayed whole
         * and sealed the run; a failed sync's frames may have surfaced, and
         * then the catch-up emptied it and the run was read from the file. */
        if (ops[o] == FAULT_OP_WRITE)
            assert_int_equal(bk_sqlite_store_seals_from_memory(s), 1);
        expect_sealed_runs_hold_the_file(path);
        assert_int_equal(raw_int("SELECT count(*) FROM bookings"), stored + 2 * SEAL_FAILED_BATCH);
        booking_store_close(s);
    }
}

/* A run another handle sealed while this one's key cache held it (the other's
 * write only replayed, so the cache stays this handle's own records) is dropped
 * from the cache at the next write, and the next run seals from memory: both
 * runs hold what the file holds. This handle's own first seal failed (a write
 * fault), so it is not counted among the seals from memory: one, not two. */
static void sqlite_a_run_sealed_by_another_handle_leaves_the_key_cache(void **state)
{
    (void)state;
    booking_store *a = create_seal_file("other.db");
    append(a, SQLITE_RUN_ROWS - 1);
    checkpoint();
    fault_vfs_arm(FAULT_OP_WRITE, SEAL_FAULT_NTH, false);
    append(a, 1); /* crosses the mark: a's seal fails */
    assert_true(fault_vfs_fired());
    fault_vfs_disarm();
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 0);
    assert_int_equal(bk_sqlite_store_seals_from_memory(a), 0);
    booking_store *b = open_seal_file();
    char id[SEAL_ID_SIZE]; /* the last id append() gave: a replay */
    snprintf(id, sizeof id, "s-%016llx", (unsigned long long)test_mix64(next_id));
    booking_request rq = {.booking_id = id, .resource_id = next_id % 2 ? "r1" : "r0", .units = 1};
    booking_result rs;
    assert_int_equal(booking_attempt_batch(b, &rq, 1, &rs), BOOKING_OK);
    assert_true(rs.replayed);
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 1); /* b sealed run 1 */
    assert_int_equal(bk_sqlite_store_seals_from_memory(b), 0);
    append(a, SQLITE_RUN_ROWS + 5);
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 2);
    assert_int_equal(bk_sqlite_store_seals_from_memory(a), 1); /* run 2 */
    expect_sealed_runs_hold_the_file(path);
    expect_listed(a);
    booking_store_close(b);
    booking_store_close(a);
}

/* A seal from the key cache whose commit fails part way (a write of its pages
 * to the WAL; it is rolled back) leaves the cache as it was: the retry after the backoff, with
 * the backoff's records held beyond the run, seals the same run from memory,
 * and then the next; each run holds exactly its records. */
static void sqlite_a_failed_seal_is_retried_from_memory_after_the_backoff(void **state)
{
    (void)state;
    booking_store *s = create_seal_file("retry.db");
    append(s, SQLITE_RUN_ROWS - 1);
    checkpoint();
    fault_vfs_arm(FAULT_OP_WRITE, SEAL_FAULT_NTH, false);
    append(s, 1); /* crosses the mark: its seal fails */
    assert_true(fault_vfs_fired());
    fault_vfs_disarm();
    assert_int_equal(seal_failures(s), 1);
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs"), 0);
    append(s, SQLITE_SEAL_BACKOFF_MIN); /* the retry: sealed */
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 1);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), 1);
    append(s, SQLITE_RUN_ROWS); /* the next run, from the keys kept beyond the first */
    assert_int_equal(raw_int("SELECT count(*) FROM booking_runs_sealed"), 2);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), 2);
    assert_int_equal(seal_failures(s), 1);
    expect_sealed_runs_hold_the_file(path);
    expect_listed(s);
    booking_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    return fault_vfs_register(SEAL_VFS_NAME) == SQLITE_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_seal_failure_backs_off_and_is_counted_in_the_stats_and_metrics),
        cmocka_unit_test(sqlite_failed_commit_before_a_mark_leaves_no_key_in_the_seal),
        cmocka_unit_test(sqlite_a_run_sealed_by_another_handle_leaves_the_key_cache),
        cmocka_unit_test(sqlite_a_failed_seal_is_retried_from_memory_after_the_backoff),
    };
    int failed = cmocka_run_group_tests(tests, setup, NULL);
    test_tmpdir_remove();
    return failed;
}
