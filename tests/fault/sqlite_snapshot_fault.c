/* SPDX-License-Identifier: MIT */
/*
 * sqlite_snapshot_fault.c: the close that writes the booking_id index's snapshot
 * (sqlite.c note (11), sqlite_index_snapshot.h) under an I/O fault at each of its
 * writes and syncs in turn (a full disk that stays full, a failed write, a failed
 * fsync). Whatever the fault hit, the file keeps a sound snapshot, the old one or
 * the new one whole, which the next open loads and catches up from; every
 * record is found once (a replay answers it, no second decision); a failed
 * write is counted. And a load that meets a failed read keeps the snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "fault/sqlite_fault_vfs.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_VFS_NAME "booking-snapshot-fault"
#define SF_PATH_SIZE 640
#define SF_ID_SIZE 32
#define SF_RECORDS 3000 /* the base file's snapshot covers these */
#define SF_AFTER 100    /* then added by the handle whose close meets the fault */
#define SF_NTH_MAX 400  /* a close writes far fewer: the loop ends when none fires */

static char base[SF_PATH_SIZE];

static booking_store *open_url(const char *path, bool faulty)
{
    char url[SF_PATH_SIZE + 64], why[512] = "";
    snprintf(url, sizeof url, "sqlite:%s%s", path, faulty ? "?vfs=" SF_VFS_NAME : "");
    booking_store *s = NULL;
    if (booking_store_open(url, &s, why, sizeof why) != BOOKING_OK)
        fail_msg("open %s: %s", url, why);
    return s;
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s: %s", sql, db ? sqlite3_errmsg(db) : "no memory");
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void append(booking_store *s, const char *tag, size_t n)
{
    static booking_request req[SF_RECORDS];
    static booking_result res[SF_RECORDS];
    static char ids[SF_RECORDS][SF_ID_SIZE];
    assert_true(n <= SF_RECORDS);
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], SF_ID_SIZE, "%s-%05zu", tag, i);
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = "room", .units = 1};
    }
    assert_int_equal(booking_attempt_batch(s, req, n, res), BOOKING_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(res[i].outcome == BOOKING_BOOKED && !res[i].replayed);
}

static void expect_found(booking_store *s, const char *tag, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char id[SF_ID_SIZE];
        snprintf(id, sizeof id, "%s-%05zu", tag, i);
        booking_request req = {.booking_id = id, .resource_id = "room", .units = 1};
        booking_result res;
        assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
        if (res.outcome != BOOKING_BOOKED || !res.replayed)
            fail_msg("%s: %s, replayed %d", id, booking_reason_name(res.reason), res.replayed);
    }
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (in == NULL || out == NULL)
        fail_msg("cannot copy %s to %s", from, to);
    char buf[1 << 14];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static int setup(void **state)
{
    (void)state;
    if (fault_vfs_register(SF_VFS_NAME) != SQLITE_OK)
        return -1;
    snprintf(base, sizeof base, "%s/base.db", test_tmpdir());
    booking_store *s = open_url(base, false);
    booking_reason reason;
    if (booking_set_capacity(s, "room", BOOKING_CAPACITY_MAX, &reason, NULL) != BOOKING_OK)
        return -1;
    append(s, "s", SF_RECORDS);
    bk_sqlite_store_set_index_snapshot_growth(s, 1);
    booking_store_close(s); /* the last close: checkpointed into the one file */
    return raw_int(base, "SELECT latest FROM booking_index_snapshot") == SF_RECORDS ? 0 : -1;
}

/* One fault kind at the nth operation of the close, for n = 1, 2, ... until a
 * close meets none. */
static void close_under(fault_op op)
{
    unsigned long nth = 1;
    for (; nth <= SF_NTH_MAX; nth++) {
        char path[SF_PATH_SIZE];
        snprintf(path, sizeof path, "%s/%s-%lu.db", test_tmpdir(), fault_op_name(op), nth);
        copy_file(base, path);
        booking_store *s = open_url(path, true);
        booking_reason reason;
        assert_int_equal(booking_store_ping(s, &reason), BOOKING_OK);
        assert_int_equal(bk_sqlite_store_index_snapshot_loaded(s), SF_RECORDS);
        append(s, "t", SF_AFTER);
        bk_sqlite_store_set_index_snapshot_growth(s, 1);
        uint64_t failures = bk_sqlite_index_snapshot_failures();
        fault_vfs_arm(op, nth, true); /* a disk that fails stays failing */
        booking_store_close(s);
        bool fired = fault_vfs_fired();
        fault_vfs_disarm();

        int64_t there = raw_int(path, "SELECT coalesce((SELECT latest FROM booking_index_snapshot), 0)");
        assert_true(there == SF_RECORDS || there == SF_RECORDS + SF_AFTER);
        bool failed = bk_sqlite_index_snapshot_failures() != failures;
        /* A failed fsync of its COMMIT may still surface the snapshot, whole. */
        if (op != FAULT_OP_SYNC && failed != (there == SF_RECORDS))
            fail_msg("%s #%lu: snapshot at %lld, failure counted %d", fault_op_name(op), nth,
                     (long long)there, failed);
        booking_store *t = open_url(path, false);
        assert_int_equal(booking_store_ping(t, &reason), BOOKING_OK);
        if (bk_sqlite_store_index_snapshot_loaded(t) != there)
            fail_msg("%s #%lu: the snapshot at %lld is not loaded: %s", fault_op_name(op), nth,
                     (long long)there, booking_last_error());
        assert_int_equal(bk_sqlite_store_index_rows_read(t), SF_RECORDS + SF_AFTER - there);
        expect_found(t, "s", SF_RECORDS);
        expect_found(t, "t", SF_AFTER);
        booking_store_close(t);
        assert_int_equal(raw_int(path, "SELECT count(DISTINCT id) FROM bookings"), SF_RECORDS + SF_AFTER);
        assert_int_equal(raw_int(path, "SELECT count(*) FROM bookings"), SF_RECORDS + SF_AFTER);
        remove(path);
        if (!fired)
            break;
    }
    assert_true(nth > 1 && nth <= SF_NTH_MAX); /* some closes met the fault, the last none */
    printf("snapshot fault: %s, %lu closes met it\n", fault_op_name(op), nth - 1);
}

static void sqlite_snapshot_close_on_a_full_disk_keeps_a_sound_snapshot_and_every_record(void **state)
{
    (void)state;
    close_under(FAULT_OP_DISK_FULL);
}

static void sqlite_snapshot_close_with_a_failing_write_keeps_a_sound_snapshot_and_every_record(
    void **state)
{
    (void)state;
    close_under(FAULT_OP_WRITE);
}

static void sqlite_snapshot_close_with_a_failing_sync_keeps_a_sound_snapshot_and_every_record(
    void **state)
{
    (void)state;
    close_under(FAULT_OP_SYNC);
}

/* A load that meets a failed read (at each read of the open, the ping and the
 * load in turn, once): the snapshot may be sound, so it is kept, not replaced
 * by the close (its seed, which a new one would not share, is the file's
 * still); every record is found once after it. */
static void sqlite_snapshot_a_load_that_cannot_read_it_keeps_it_in_the_file(void **state)
{
    (void)state;
    int64_t seed = raw_int(base, "SELECT seed FROM booking_index_snapshot");
    unsigned long nth = 1, unread = 0;
    for (; nth <= SF_NTH_MAX; nth++) {
        char path[SF_PATH_SIZE];
        snprintf(path, sizeof path, "%s/read-%lu.db", test_tmpdir(), nth);
        copy_file(base, path);
        booking_store *s = open_url(path, true);
        booking_reason reason;
        fault_vfs_arm(FAULT_OP_READ, nth, false);
        booking_error e = booking_store_ping(s, &reason);
        bool fired = fault_vfs_fired();
        fault_vfs_disarm();
        bool loaded = bk_sqlite_store_index_snapshot_loaded(s) == SF_RECORDS;
        unread += fired && !loaded && e == BOOKING_OK && reason == BOOKING_REASON_OK;
        bk_sqlite_store_set_index_snapshot_growth(s, 1);
        booking_store_close(s);
        if (raw_int(path, "SELECT seed FROM booking_index_snapshot") != seed)
            fail_msg("read #%lu: the snapshot was replaced (loaded %d)", nth, loaded);
        booking_store *t = open_url(path, false);
        assert_int_equal(booking_store_ping(t, &reason), BOOKING_OK);
        assert_int_equal(bk_sqlite_store_index_snapshot_loaded(t), SF_RECORDS);
        expect_found(t, "s", SF_RECORDS);
        booking_store_close(t);
        assert_int_equal(raw_int(path, "SELECT count(*) FROM bookings"), SF_RECORDS);
        remove(path);
        if (!fired)
            break;
    }
    /* some pings met the fault, the last none; some of them in the load itself,
     * which then built the index from the table */
    assert_true(nth > 1 && nth <= SF_NTH_MAX && unread > 0);
    printf("snapshot fault: read, %lu pings met it, %lu built the index instead\n", nth - 1,
           unread);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_snapshot_close_on_a_full_disk_keeps_a_sound_snapshot_and_every_record),
        cmocka_unit_test(
            sqlite_snapshot_close_with_a_failing_write_keeps_a_sound_snapshot_and_every_record),
        cmocka_unit_test(
            sqlite_snapshot_close_with_a_failing_sync_keeps_a_sound_snapshot_and_every_record),
        cmocka_unit_test(sqlite_snapshot_a_load_that_cannot_read_it_keeps_it_in_the_file),
    };
    int rc = cmocka_run_group_tests(tests, setup, NULL);
    test_tmpdir_remove();
    return rc;
}
