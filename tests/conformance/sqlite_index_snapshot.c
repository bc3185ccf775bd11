/* SPDX-License-Identifier: MIT */
/*
 * sqlite_index_snapshot.c: the booking_id index's snapshot in the sqlite store's
 * file (src/store/sqlite_index_snapshot.h, sqlite.c note (11)): an open with one
 * reads only the records after it; a stale one plus records another handle or a
 * killed process wrote after it still finds every id (a replay answers the stored
 * record, never a second decision); one that fails a check (a chunk's byte, its
 * seed, a missing chunk) is not used, the index is built with the same answers
 * and the close replaces it; the seed is the snapshot's, not the handle's own; a
 * backup carries it; a close that cannot write it loses nothing and still records
 * the time; a record's seq and booking_id cannot be updated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "store/sqlite_store.h"
#include "support/sqlite_file.h"
#include "support/store_expect.h"
#include "support/test_support.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SNAP_PATH_SIZE 640
#define SNAP_ID_SIZE 32
#define SNAP_RECORDS 3000 /* what the snapshot covers: one chunk of 4,096 slots */
#define SNAP_BATCH 500
#define SNAP_AFTER 100       /* records a handle adds after the snapshot */
#define SNAP_OTHER 200       /* records another handle adds */
#define SNAP_KILLED 300      /* records a process adds, then exits without a close */
#define SNAP_BLOB_LIMIT 1024 /* bytes: less than a chunk of slots, so its insert fails */
#define SNAP_RACE_ROUNDS 20  /* handles whose first need is a ping racing reads */
#define SNAP_RACE_READS 50   /* reads on each, while the ping loads the snapshot */
#define SNAP_READ_STRIDE 37  /* every 37th record read: spread over the table */
/* Records past one chunk of slots: a table of 2^20 slots, two chunks. */
#define SNAP_TWO_CHUNKS 400000
#define SNAP_TWO_CHUNKS_STRIDE 997

static int64_t clock_ms = 1800000000000;

static int64_t test_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&clock_ms, __ATOMIC_SEQ_CST);
}

static booking_store *open_at(const char *path)
{
    return expect_sqlite_open(path, test_clock);
}

static void db_path(char path[SNAP_PATH_SIZE], const char *name)
{
    snprintf(path, SNAP_PATH_SIZE, "%s/%s", test_tmpdir(), name);
}

static void id_of(char id[SNAP_ID_SIZE], const char *tag, size_t i)
{
    snprintf(id, SNAP_ID_SIZE, "%s-%05zu", tag, i);
}

/* n new records tag-0 .. tag-(n-1), one unit each on "room", each BOOKED anew. */
static void append(booking_store *s, const char *tag, size_t n)
{
    static booking_request req[SNAP_BATCH];
    static booking_result res[SNAP_BATCH];
    static char ids[SNAP_BATCH][SNAP_ID_SIZE];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < SNAP_BATCH ? n - done : SNAP_BATCH;
        for (size_t i = 0; i < k; i++) {
            id_of(ids[i], tag, done + i);
            req[i] = (booking_request){.booking_id = ids[i], .resource_id = "room", .units = 1};
        }
        assert_int_equal(booking_attempt_batch(s, req, k, res), BOOKING_OK);
        for (size_t i = 0; i < k; i++)
            assert_true(res[i].outcome == BOOKING_BOOKED && !res[i].replayed);
        done += k;
    }
}

/* Every record tag-0 .. tag-(n-1) is found: each replay answers the stored
 * record (no second decision), and a read finds it. */
static void expect_found(booking_store *s, const char *tag, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char id[SNAP_ID_SIZE];
        id_of(id, tag, i);
        booking_request req = {.booking_id = id, .resource_id = "room", .units = 1};
        booking_result res;
        assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
        if (res.outcome != BOOKING_BOOKED || !res.replayed)
            fail_msg("%s: %s, replayed %d", id, booking_reason_name(res.reason), res.replayed);
        if (i % 97 == 0) {
            booking_reason reason;
            booking_record rec;
            assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK);
        }
    }
}

/* Every SNAP_READ_STRIDE-th record tag-0 .. tag-(n-1) found by a read alone
 * (booking get, not an attempt: no write has built the index before it). */
static void expect_read(booking_store *s, const char *tag, size_t n)
{
    for (size_t i = 0; i < n; i += SNAP_READ_STRIDE) {
        char id[SNAP_ID_SIZE];
        id_of(id, tag, i);
        booking_reason reason;
        booking_record rec;
        assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
        if (reason != BOOKING_REASON_OK)
            fail_msg("%s: %s (snapshot loaded: %lld records)", id, booking_reason_name(reason),
                     (long long)bk_sqlite_store_index_snapshot_loaded(s));
    }
}

static int64_t snapshot_latest(const char *path)
{
    return sqlite_file_int(path, "SELECT coalesce((SELECT latest FROM booking_index_snapshot), 0)");
}

static void expect_records(const char *path, int64_t n)
{
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), n);
    assert_int_equal(sqlite_file_int(path, "SELECT count(DISTINCT id) FROM bookings"), n);
}

/* A file of SNAP_RECORDS records whose snapshot covers them all. */
static void make_file_with_snapshot(const char *path)
{
    booking_store *s = open_at(path);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "room", BOOKING_CAPACITY_MAX, &reason, NULL),
                     BOOKING_OK);
    append(s, "s", SNAP_RECORDS);
    bk_sqlite_store_set_index_snapshot_growth(s, 1);
    booking_store_close(s);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);
}

/* The index's first need (a ping, as booking serve's) on a new handle. */
static booking_store *open_indexed(const char *path)
{
    booking_store *s = open_at(path);
    booking_reason reason;
    assert_int_equal(booking_store_ping(s, &reason), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return s;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, db ? sqlite3_errmsg(db) : "no memory");
    sqlite3_close(db);
}

/* The SQLite code of sql on the file (an UPDATE a trigger may refuse). */
static int raw_rc(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("open %s", path);
    sqlite3_extended_result_codes(db, 1);
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* One byte of chunk 0's slots changed, its checksum left as it was. */
static void flip_chunk_byte(const char *path, size_t at)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL, *u = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT slots FROM booking_index_snapshot_chunks"
                                            " WHERE chunk = 0", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    size_t len = (size_t)sqlite3_column_bytes(q, 0);
    assert_true(at < len);
    unsigned char *bytes = malloc(len);
    assert_non_null(bytes);
    memcpy(bytes, sqlite3_column_blob(q, 0), len);
    sqlite3_finalize(q);
    bytes[at] ^= 0x01;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE booking_index_snapshot_chunks SET slots = ?1"
                                            " WHERE chunk = 0", -1, &u, NULL), SQLITE_OK);
    sqlite3_bind_blob(u, 1, bytes, (int)len, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(u), SQLITE_DONE);
    sqlite3_finalize(u);
    sqlite3_close(db);
    free(bytes);
}

/* ---- the cases ---- */

static void sqlite_open_with_a_snapshot_reads_only_the_records_after_it(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE], copy[SNAP_PATH_SIZE];
    db_path(path, "after.db");
    make_file_with_snapshot(path);

    booking_store *b = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(b), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    assert_int_equal(bk_sqlite_store_indexed(b), SNAP_RECORDS);
    append(b, "t", SNAP_AFTER); /* its own: into the index at commit, not read back */
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    booking_store_close(b); /* grew by less than SQLITE_INDEX_SNAPSHOT_GROWTH_MIN: kept */
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);

    booking_store *c = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(c), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(c), SNAP_AFTER);
    assert_int_equal(bk_sqlite_store_indexed(c), SNAP_RECORDS + SNAP_AFTER);
    expect_found(c, "s", SNAP_RECORDS);
    expect_found(c, "t", SNAP_AFTER);
    /* A backup is a copy of the file: it carries the snapshot of its own records. */
    db_path(copy, "after-backup.db");
    char why[256] = "";
    assert_int_equal(booking_store_backup(c, copy, why, sizeof why), BOOKING_OK);
    booking_store_close(c);
    expect_records(path, SNAP_RECORDS + SNAP_AFTER);

    booking_store *d = open_indexed(copy);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(d), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(d), SNAP_AFTER);
    expect_found(d, "t", SNAP_AFTER);
    booking_store_close(d);
}

/* The snapshot's records were written by a process that then died (no close:
 * no new snapshot) and by another handle after this one loaded it. */
static void sqlite_a_stale_snapshot_and_records_written_after_it_elsewhere_find_every_id(
    void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "stale.db");
    make_file_with_snapshot(path);

    fflush(NULL);
    pid_t killed = fork(); /* nothing is open here: it shares no SQLite state */
    assert_true(killed >= 0);
    if (killed == 0) {
        booking_store *k = open_at(path);
        append(k, "k", SNAP_KILLED);
        _exit(bk_sqlite_store_index_snapshot_loaded(k) == SNAP_RECORDS ? 0 : 1); /* no close */
    }
    int status = -1;
    assert_int_equal(waitpid(killed, &status, 0), killed);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);

    booking_store *a = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(a), SNAP_KILLED);
    booking_store *b = open_at(path);
    append(b, "b", SNAP_OTHER); /* after a caught up */
    expect_found(a, "b", SNAP_OTHER);
    expect_found(a, "k", SNAP_KILLED);
    expect_found(a, "s", SNAP_RECORDS);
    booking_store_close(b);
    booking_store_close(a);
    expect_records(path, SNAP_RECORDS + SNAP_KILLED + SNAP_OTHER);

    booking_store *c = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(c), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(c), SNAP_KILLED + SNAP_OTHER);
    expect_found(c, "k", SNAP_KILLED);
    booking_store_close(c);
    expect_records(path, SNAP_RECORDS + SNAP_KILLED + SNAP_OTHER);
}

/* A snapshot that fails a check is not used: built from the file, the same
 * answers; the close (grown past the threshold) replaces it with a sound one. */
static void expect_rebuilt_then_replaced(const char *path)
{
    booking_store *a = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), 0);
    assert_int_equal(bk_sqlite_store_index_rows_read(a), SNAP_RECORDS);
    expect_found(a, "s", SNAP_RECORDS);
    bk_sqlite_store_set_index_snapshot_growth(a, SNAP_RECORDS);
    booking_store_close(a);
    expect_records(path, SNAP_RECORDS);
    booking_store *b = open_indexed(path);
    if (bk_sqlite_store_index_snapshot_loaded(b) != SNAP_RECORDS)
        fail_msg("%s: the close's snapshot is not loaded: %s", path, booking_last_error());
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    expect_found(b, "s", SNAP_RECORDS);
    booking_store_close(b);
}

static void sqlite_a_corrupt_snapshot_is_not_used_and_the_index_is_built_with_the_same_answers(
    void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "byte.db"); /* one bit of a slot */
    make_file_with_snapshot(path);
    flip_chunk_byte(path, 8 * 1000 + 5);
    expect_rebuilt_then_replaced(path);

    db_path(path, "chunk.db"); /* a chunk missing */
    make_file_with_snapshot(path);
    raw_exec(path, "DELETE FROM booking_index_snapshot_chunks");
    expect_rebuilt_then_replaced(path);

    db_path(path, "seed.db"); /* another seed than its fingerprints' */
    make_file_with_snapshot(path);
    raw_exec(path, "UPDATE booking_index_snapshot SET seed = seed + 1");
    expect_rebuilt_then_replaced(path);

    db_path(path, "ahead.db"); /* it claims records the file does not hold */
    make_file_with_snapshot(path);
    raw_exec(path, "UPDATE booking_index_snapshot SET latest = latest + 1, count = count + 1");
    expect_rebuilt_then_replaced(path);
}

/* The fingerprints are under the snapshot's seed: the handle takes it, whatever
 * its own was (two handles of a process never draw the same). */
static void sqlite_a_snapshot_is_loaded_with_its_own_seed_not_the_handles(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "own-seed.db");
    make_file_with_snapshot(path);
    booking_store *a = open_at(path);
    uint64_t drawn = ((sqlite_store *)a)->index.seed;
    uint64_t file_seed =
        (uint64_t)sqlite_file_int(path, "SELECT seed FROM booking_index_snapshot");
    assert_true(drawn != file_seed);
    booking_reason reason;
    assert_int_equal(booking_store_ping(a, &reason), BOOKING_OK);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    assert_true(((sqlite_store *)a)->index.seed == file_seed);
    expect_found(a, "s", SNAP_RECORDS);
    append(a, "n", SNAP_AFTER); /* new records under that seed too */
    expect_found(a, "n", SNAP_AFTER);
    booking_store_close(a);
    expect_records(path, SNAP_RECORDS + SNAP_AFTER);
}

/* A close whose snapshot cannot be written (here: a blob past the connection's
 * length limit; a full disk takes the same path) rolls back only that: counted,
 * noted, the time is recorded, the previous snapshot stays and is caught up from. */
static void sqlite_a_snapshot_the_close_cannot_write_loses_nothing_and_the_time_is_kept(
    void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "unwritten.db");
    make_file_with_snapshot(path);
    booking_store *a = open_indexed(path);
    append(a, "t", SNAP_AFTER);
    bk_sqlite_store_set_index_snapshot_growth(a, 1);
    int64_t later = __atomic_add_fetch(&clock_ms, 60000, __ATOMIC_SEQ_CST);
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(a, "room", &reason, &res), BOOKING_OK); /* a read at it */
    sqlite3_limit(((sqlite_store *)a)->writer.db, SQLITE_LIMIT_LENGTH, SNAP_BLOB_LIMIT);
    uint64_t failures = bk_sqlite_index_snapshot_failures();
    booking_store_close(a);
    assert_true(bk_sqlite_index_snapshot_failures() == failures + 1);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);
    assert_int_equal(sqlite_file_int(path, "SELECT latest_ms FROM store_time"), later);
    expect_records(path, SNAP_RECORDS + SNAP_AFTER);

    booking_store *b = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(b), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(b), SNAP_AFTER);
    expect_found(b, "s", SNAP_RECORDS);
    expect_found(b, "t", SNAP_AFTER);
    booking_store_close(b);
}

/* Records a snapshot covers never change behind it: with the delete triggers
 * of version 4, an UPDATE of seq or booking_id is refused (other columns change). */
static void sqlite_the_seq_and_booking_id_of_a_record_never_change(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "fixed.db");
    make_file_with_snapshot(path);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET id = 'other' WHERE seq = 1"),
                     SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET seq = 1000000 WHERE seq = 2"),
                     SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET id = id || '' WHERE seq = 3"),
                     SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "DELETE FROM bookings WHERE seq = 4"), SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET updated_at_ms = updated_at_ms WHERE seq = 5"),
                     SQLITE_OK);
    booking_store *a = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    expect_found(a, "s", SNAP_RECORDS);
    booking_store_close(a);
}

/* A new handle whose first need of the index is a read (a CLI `booking get`):
 * the read loads the snapshot, whose seed is not the handle's, and finds the
 * records it covers and those after it (caught up under that seed). */
static void sqlite_a_first_read_on_a_new_handle_finds_every_record_of_a_snapshot_file(
    void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "first-read.db");
    make_file_with_snapshot(path);
    booking_store *w = open_at(path);
    append(w, "n", SNAP_AFTER); /* after the snapshot; the close writes none */
    bk_sqlite_store_set_index_snapshot_growth(w, SNAP_RECORDS + SNAP_AFTER + 1);
    booking_store_close(w);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);
    booking_store *a = open_at(path);
    expect_read(a, "s", SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    expect_read(a, "n", SNAP_AFTER);
    booking_store_close(a);
    booking_store *b = open_at(path); /* a record after it, as the very first read */
    expect_read(b, "n", 1);
    booking_store_close(b);
}

static void *ping_store(void *store)
{
    booking_reason reason;
    if (booking_store_ping(store, &reason) != BOOKING_OK || reason != BOOKING_REASON_OK)
        return store; /* a failure, told to the joiner */
    return NULL;
}

/* Reads on one thread while another thread's first need (a ping) loads the
 * snapshot, which changes the index's seed: every read finds its record (the
 * hash is taken under the index's lock, after the load). */
static void sqlite_reads_while_another_thread_loads_the_snapshot_find_every_record(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "race.db");
    make_file_with_snapshot(path);
    for (int round = 0; round < SNAP_RACE_ROUNDS; round++) {
        booking_store *a = open_at(path);
        pthread_t pinger;
        assert_int_equal(pthread_create(&pinger, NULL, ping_store, a), 0);
        for (size_t i = 0; i < SNAP_RACE_READS; i++) {
            char id[SNAP_ID_SIZE];
            id_of(id, "s", i * SNAP_READ_STRIDE % SNAP_RECORDS);
            booking_reason reason;
            booking_record rec;
            assert_int_equal(booking_get_booking(a, id, &reason, &rec), BOOKING_OK);
            if (reason != BOOKING_REASON_OK)
                fail_msg("round %d, %s: %s", round, id, booking_reason_name(reason));
        }
        void *failed = NULL;
        assert_int_equal(pthread_join(pinger, &failed), 0);
        assert_null(failed);
        assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
        booking_store_close(a);
    }
}

/* A table of more than one chunk (2^20 slots, two rows of 4 MiB): written and
 * loaded whole, each chunk at its place, every record found without a read. */
static void sqlite_a_snapshot_of_several_chunks_is_written_and_loaded_whole(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "two-chunks.db");
    booking_store *s = open_at(path);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "room", BOOKING_CAPACITY_MAX, &reason, NULL),
                     BOOKING_OK);
    append(s, "m", SNAP_TWO_CHUNKS);
    bk_sqlite_store_set_index_snapshot_growth(s, 1);
    booking_store_close(s);
    assert_int_equal(snapshot_latest(path), SNAP_TWO_CHUNKS);
    assert_int_equal(sqlite_file_int(path, "SELECT chunks FROM booking_index_snapshot"), 2);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_index_snapshot_chunks"),
                     2);
    booking_store *b = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(b), SNAP_TWO_CHUNKS);
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    for (size_t i = 0; i < SNAP_TWO_CHUNKS; i += SNAP_TWO_CHUNKS_STRIDE) {
        char id[SNAP_ID_SIZE];
        id_of(id, "m", i);
        booking_request req = {.booking_id = id, .resource_id = "room", .units = 1};
        booking_result res;
        assert_int_equal(booking_attempt(b, &req, &res), BOOKING_OK);
        if (res.outcome != BOOKING_BOOKED || !res.replayed)
            fail_msg("%s: %s, replayed %d", id, booking_reason_name(res.reason), res.replayed);
    }
    booking_store_close(b);
    expect_records(path, SNAP_TWO_CHUNKS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_open_with_a_snapshot_reads_only_the_records_after_it),
        cmocka_unit_test(
            sqlite_a_stale_snapshot_and_records_written_after_it_elsewhere_find_every_id),
        cmocka_unit_test(
            sqlite_a_corrupt_snapshot_is_not_used_and_the_index_is_built_with_the_same_answers),
        cmocka_unit_test(sqlite_a_snapshot_is_loaded_with_its_own_seed_not_the_handles),
        cmocka_unit_test(
            sqlite_a_snapshot_the_close_cannot_write_loses_nothing_and_the_time_is_kept),
        cmocka_unit_test(sqlite_the_seq_and_booking_id_of_a_record_never_change),
        cmocka_unit_test(
            sqlite_a_first_read_on_a_new_handle_finds_every_record_of_a_snapshot_file),
        cmocka_unit_test(sqlite_reads_while_another_thread_loads_the_snapshot_find_every_record),
        cmocka_unit_test(sqlite_a_snapshot_of_several_chunks_is_written_and_loaded_whole),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return rc;
}
