/* SPDX-License-Identifier: MIT */
/*
 * sqlite_schema.c: migrations of the sqlite store. Migration N (1-based) takes
 * user_version N-1 to N; they run in order, in one BEGIN IMMEDIATE transaction,
 * so two processes opening a new file at once cannot both create it, and a
 * migration that fails anywhere leaves the file at its old version, untouched.
 *
 * bookings.outcome is the booking_outcome value (1 BOOKED, 2 REJECTED) and
 * bookings.status the booking_status value (0 none, 1 active, 2 cancelled, 3 held,
 * 4 expired): a record's reason follows from its outcome (only booked and
 * insufficient_capacity are recorded). The CHECKs restate the invariant, so not
 * even a buggy client with SQL access can oversell.
 *
 * Version 2 (holds, SPEC section 7):
 *  - bookings gains hold_ms (0: not a hold), created_at_ms, updated_at_ms and
 *    expires_at_ms (created_at_ms + hold_ms for a BOOKED hold, else 0; kept as a
 *    column so the index below can order by it). SQLite cannot alter a CHECK, so
 *    the table is rebuilt: created anew, every row copied, the old one dropped.
 *  - Version-1 rows get created_at_ms = updated_at_ms = the migration's time (the
 *    host's real-time clock at the open that migrates: no injected clock is set
 *    before open). Version 1 kept no times, and every one of those decisions was
 *    taken not later than that, which is the only true thing the file can say;
 *    none of them is a hold, so no expiry depends on it.
 *  - bookings_live_holds: a partial index of the records whose status is held,
 *    by (resource_id, expires_at_ms), with units and status (SQLite reads from
 *    the table any column a query names that the index lacks) so that a read's
 *    sum of the due units reads the index only.
 *    A record leaves it when its status leaves held (confirm, cancel, expiry), so
 *    it holds exactly the live holds and finding a resource's expired ones costs
 *    O(log n + expired), never a scan (sqlite.c note (7)).
 *  - store_time: one row, the latest time any write transaction used, so the
 *    store's time never goes back across processes and restarts (note (8)). It
 *    starts at the latest time recorded in the file (the migration's time for a
 *    file with version-1 rows, 0 for a new file).
 *
 * Version 3 (bundles, SPEC section 8):
 *  - A record's line 0 stays where a single attempt keeps it (bookings.resource_id
 *    and units, its hold entry in bookings_live_holds), so a single attempt writes
 *    one row and one index entry, as before. bookings gains line_count (1..64,
 *    default 1) and line (a REJECTED record's failing line, else 0; below
 *    line_count; its CHECK tests line = 0 first, the common case, so a single
 *    attempt's insert pays one compare there). Added with ALTER TABLE ADD
 *    COLUMN: the defaults are what every version-2 row means, so no row is
 *    rewritten and the upgrade costs O(1) rows (SQLite checks the new CHECKs
 *    against the old rows, which pass). The two columns cost a single attempt's
 *    insert ~500 instructions in SQLite (~4-7% of a CPU-bound batch; nothing
 *    next to a sync).
 *  - booking_lines (booking_id, line, resource_id, units, expires_at_ms, live)
 *    holds lines 1..line_count-1 of a bundle, keyed (booking_id, line) WITHOUT
 *    ROWID, so a record's lines are one range read in order. Written once, with
 *    the record, in the same transaction; never changed but for live.
 *  - Holds per line: line 0 of a held record is live while bookings.status is held
 *    (bookings_live_holds, as in version 2); line i >= 1 is live while its live is
 *    1. expires_at_ms is the record's (0 when not a BOOKED hold); a line is live
 *    only with an end. booking_lines_live_holds indexes the live lines by
 *    (resource_id, expires_at_ms), with units and live (as bookings_live_holds
 *    has status: every column the queries name, so they read the index only),
 *    so a resource's expiry step finds its due lines 1.. in O(log n + due), as
 *    it finds its due lines 0 in bookings_live_holds, and a read sums the due
 *    units from the two indexes only. A line leaves its index once: at its resource's expiry step, or at the
 *    confirm or cancel of its record.
 *  - So each resource releases only its own due lines and each line is released
 *    once. The record's stored status moves to expired when line 0's resource
 *    applies the expiry (the record is then counted in holds_expired, once);
 *    reads answer bk_core_status_at either way. A line i >= 1 counts in its
 *    resource's booked while the record is active or the line is live; line 0
 *    while the record is active or held.
 *
 * Version 4 (records appended in arrival order, sqlite.c notes (11) and (12)):
 *  - bookings is rebuilt as a rowid table: seq INTEGER PRIMARY KEY (1, 2, 3, ...
 *    in the order of the decisions, so an insert goes to the right edge of the
 *    B-tree), id TEXT NOT NULL without a unique index (the store's in-memory
 *    index keeps booking_id unique, under the write lock), every other column
 *    and every CHECK as in version 3. The rows of an older file get seq in the
 *    order of (created_at_ms, id): the order they were decided in, as far as the
 *    file can tell.
 *  - booking_lines is keyed (seq, line) WITHOUT ROWID (its record's seq: a
 *    bundle's lines also go to the right edge), and keeps booking_id as a column.
 *  - The two partial live-hold indexes are made again on the new tables, as
 *    before (a hold is written once and released once).
 *  - Records are never deleted (a seq is never reused): two triggers refuse it.
 *  - booking_runs (run, resource_id, booking_id) -> seq: the listing index, in
 *    sorted runs; booking_runs_sealed (run, last_seq): run r holds every line of
 *    the records with seq in (last_seq of run r-1, last_seq of run r]. The
 *    upgrade seals every record of the older file into run 1 (one sort of them
 *    all, once), so a listing never scans them as an unsealed tail.
 *
 * Version 5 (the runs stored as pages, sqlite.c note (12), sqlite_run.h):
 *  - booking_runs becomes (page INTEGER PRIMARY KEY, run, resource_id, last_id,
 *    keys 1..96, entries BLOB) with a unique index on (run, resource_id,
 *    last_id): one row per page of up to 96 keys (and 3,840 bytes) of one
 *    resource, its sorted (booking_id, seq) entries in the blob, last_id its
 *    greatest booking_id. A rowid table, so a page's blob stays in its 4 KB leaf
 *    (a WITHOUT ROWID row spills past ~1 KB). booking_runs_sealed is unchanged.
 *  - The upgrade renames the version-4 table to booking_runs_v4, creates the new
 *    one, writes every run's keys as pages in C (runs_to_pages: the old table
 *    read in its key order, one page of memory, the same writer the store seals
 *    with), then drops booking_runs_v4; all in the migrations' one transaction,
 *    so a failure anywhere (a key no release wrote: seq 0) leaves version 4.
 *
 * Version 6 (the booking_id index's snapshot, sqlite.c note (11),
 * sqlite_index_snapshot.h):
 *  - booking_index_snapshot: at most one row, the head (format, latest: the seq
 *    it covers, the hash seed and its probe, the table's bits and count, the
 *    number of chunks, a checksum of the head); booking_index_snapshot_chunks
 *    (chunk, slots BLOB, checksum): the slots, SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS
 *    of 8 bytes little-endian per row. Both empty after the upgrade: the first
 *    close of a handle that built the index writes them.
 *  - A trigger refuses an UPDATE of bookings.seq or bookings.id (no release
 *    writes one: a status change and an expiry update status and
 *    updated_at_ms only), so, with the delete triggers of version 4, the
 *    records a snapshot covers never change behind it.
 *  - O(1) rows: two tables and a trigger created, nothing rewritten.
 */
#include "store/sqlite_schema.h"
#include "store/sqlite_run.h"
#include "store/store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Migration 1's and 2's CHECKs spell these numbers out. */
_Static_assert(BOOKING_CAPACITY_MAX == 9007199254740991 && BOOKING_UNITS_MAX == 9007199254740991,
               "the CHECKs on capacity, booked and units");
_Static_assert(BOOKING_BOOKED == 1 && BOOKING_REJECTED == 2, "the CHECK on outcome");
_Static_assert(BOOKING_STATUS_NONE == 0 && BOOKING_STATUS_CANCELLED == 2, "the CHECK on status");
_Static_assert(BOOKING_STATUS_HELD == 3 && BOOKING_STATUS_EXPIRED == 4,
               "migration 2's CHECKs and its index on status = 3");
_Static_assert(BOOKING_HOLD_MS_MAX == 604800000, "the CHECK on hold_ms");
_Static_assert(BOOKING_LINES_MAX == 64, "migration 3's and 4's CHECKs on line_count and line");

/* A migration's statements may name :migration_ms, bound to the migration's time. */
static const char *const migration_sql[] = {
    /* 1: the first schema */
    "CREATE TABLE resources ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  capacity INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 9007199254740991),"
    "  booked INTEGER NOT NULL CHECK (booked >= 0 AND booked <= capacity)"
    ") WITHOUT ROWID;"
    "CREATE TABLE bookings ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  units INTEGER NOT NULL CHECK (units BETWEEN 1 AND 9007199254740991),"
    "  outcome INTEGER NOT NULL CHECK (outcome BETWEEN 1 AND 2),"
    "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 2)"
    ") WITHOUT ROWID;",
    /* 2: holds and the store's time (see the top of this file) */
    "CREATE TABLE bookings_v2 ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  units INTEGER NOT NULL CHECK (units BETWEEN 1 AND 9007199254740991),"
    "  outcome INTEGER NOT NULL CHECK (outcome BETWEEN 1 AND 2),"
    "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),"
    "  hold_ms INTEGER NOT NULL CHECK (hold_ms BETWEEN 0 AND 604800000),"
    "  created_at_ms INTEGER NOT NULL,"
    "  updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= created_at_ms),"
    "  expires_at_ms INTEGER NOT NULL,"
    "  CHECK ((outcome = 2) = (status = 0)),"
    "  CHECK (status < 3 OR hold_ms > 0),"
    "  CHECK (expires_at_ms = CASE WHEN outcome = 1 AND hold_ms > 0"
    "                         THEN created_at_ms + hold_ms ELSE 0 END),"
    "  CHECK (status <> 4 OR updated_at_ms = expires_at_ms)"
    ") WITHOUT ROWID;"
    "INSERT INTO bookings_v2 (id, resource_id, units, outcome, status, hold_ms, created_at_ms,"
    "                         updated_at_ms, expires_at_ms)"
    "  SELECT id, resource_id, units, outcome, status, 0, :migration_ms, :migration_ms, 0"
    "  FROM bookings;"
    "DROP TABLE bookings;"
    "ALTER TABLE bookings_v2 RENAME TO bookings;"
    "CREATE INDEX bookings_live_holds ON bookings (resource_id, expires_at_ms, units, status)"
    "  WHERE status = 3;"
    "CREATE TABLE store_time ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  latest_ms INTEGER NOT NULL"
    ");"
    "INSERT INTO store_time (id, latest_ms)"
    "  SELECT 1, coalesce(max(updated_at_ms), 0) FROM bookings;",
    /* 3: bundles, a record's lines and their holds (see the top of this file) */
    "ALTER TABLE bookings ADD COLUMN line_count INTEGER NOT NULL DEFAULT 1"
    "  CHECK (line_count BETWEEN 1 AND 64);"
    "ALTER TABLE bookings ADD COLUMN line INTEGER NOT NULL DEFAULT 0"
    "  CHECK (line = 0 OR (outcome = 2 AND line BETWEEN 1 AND line_count - 1));"
    "CREATE TABLE booking_lines ("
    "  booking_id TEXT NOT NULL,"
    "  line INTEGER NOT NULL CHECK (line BETWEEN 1 AND 63),"
    "  resource_id TEXT NOT NULL,"
    "  units INTEGER NOT NULL CHECK (units BETWEEN 1 AND 9007199254740991),"
    "  expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms >= 0),"
    "  live INTEGER NOT NULL CHECK (live = 0 OR (live = 1 AND expires_at_ms > 0)),"
    "  PRIMARY KEY (booking_id, line)"
    ") WITHOUT ROWID;"
    "CREATE INDEX booking_lines_live_holds"
    "  ON booking_lines (resource_id, expires_at_ms, units, live) WHERE live = 1;",
    /* 4: records appended in arrival order, sorted runs for listing (see the top) */
    "CREATE TABLE bookings_v4 ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  units INTEGER NOT NULL CHECK (units BETWEEN 1 AND 9007199254740991),"
    "  outcome INTEGER NOT NULL CHECK (outcome BETWEEN 1 AND 2),"
    "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),"
    "  hold_ms INTEGER NOT NULL CHECK (hold_ms BETWEEN 0 AND 604800000),"
    "  created_at_ms INTEGER NOT NULL,"
    "  updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= created_at_ms),"
    "  expires_at_ms INTEGER NOT NULL,"
    "  line_count INTEGER NOT NULL DEFAULT 1 CHECK (line_count BETWEEN 1 AND 64),"
    "  line INTEGER NOT NULL DEFAULT 0"
    "    CHECK (line = 0 OR (outcome = 2 AND line BETWEEN 1 AND line_count - 1)),"
    "  CHECK ((outcome = 2) = (status = 0)),"
    "  CHECK (status < 3 OR hold_ms > 0),"
    "  CHECK (expires_at_ms = CASE WHEN outcome = 1 AND hold_ms > 0"
    "                         THEN created_at_ms + hold_ms ELSE 0 END),"
    "  CHECK (status <> 4 OR updated_at_ms = expires_at_ms)"
    ");"
    "INSERT INTO bookings_v4 (seq, id, resource_id, units, outcome, status, hold_ms,"
    "                         created_at_ms, updated_at_ms, expires_at_ms, line_count, line)"
    "  SELECT row_number() OVER (ORDER BY created_at_ms, id), id, resource_id, units,"
    "         outcome, status, hold_ms, created_at_ms, updated_at_ms, expires_at_ms,"
    "         line_count, line"
    "  FROM bookings ORDER BY 1;"
    "CREATE TABLE booking_lines_v4 ("
    "  seq INTEGER NOT NULL,"
    "  line INTEGER NOT NULL CHECK (line BETWEEN 1 AND 63),"
    "  booking_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  units INTEGER NOT NULL CHECK (units BETWEEN 1 AND 9007199254740991),"
    "  expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms >= 0),"
    "  live INTEGER NOT NULL CHECK (live = 0 OR (live = 1 AND expires_at_ms > 0)),"
    "  PRIMARY KEY (seq, line)"
    ") WITHOUT ROWID;"
    "INSERT INTO booking_lines_v4 (seq, line, booking_id, resource_id, units, expires_at_ms, live)"
    "  SELECT b.seq, l.line, l.booking_id, l.resource_id, l.units, l.expires_at_ms, l.live"
    "  FROM bookings_v4 b JOIN booking_lines l ON l.booking_id = b.id ORDER BY b.seq, l.line;"
    "DROP TABLE booking_lines;"
    "DROP TABLE bookings;"
    "ALTER TABLE bookings_v4 RENAME TO bookings;"
    "ALTER TABLE booking_lines_v4 RENAME TO booking_lines;"
    "CREATE INDEX bookings_live_holds ON bookings (resource_id, expires_at_ms, units, status)"
    "  WHERE status = 3;"
    "CREATE INDEX booking_lines_live_holds"
    "  ON booking_lines (resource_id, expires_at_ms, units, live) WHERE live = 1;"
    "CREATE TRIGGER bookings_never_deleted BEFORE DELETE ON bookings"
    "  BEGIN SELECT RAISE(ABORT, 'records are never deleted'); END;"
    "CREATE TRIGGER booking_lines_never_deleted BEFORE DELETE ON booking_lines"
    "  BEGIN SELECT RAISE(ABORT, 'records are never deleted'); END;"
    "CREATE TABLE booking_runs ("
    "  run INTEGER NOT NULL CHECK (run >= 1),"
    "  resource_id TEXT NOT NULL,"
    "  booking_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (run, resource_id, booking_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE booking_runs_sealed ("
    "  run INTEGER PRIMARY KEY CHECK (run >= 1),"
    "  last_seq INTEGER NOT NULL CHECK (last_seq >= 1)"
    ");"
    "INSERT INTO booking_runs (run, resource_id, booking_id, seq)"
    "  SELECT 1, resource_id, id, seq FROM bookings"
    "  UNION ALL SELECT 1, resource_id, booking_id, seq FROM booking_lines"
    "  ORDER BY 2, 3;"
    "INSERT INTO booking_runs_sealed (run, last_seq)"
    "  SELECT 1, seq FROM bookings ORDER BY seq DESC LIMIT 1;",
    /* 5: the runs stored as pages of keys (see the top of this file); the
     * pages are written by runs_to_pages, between this and migration_after[4] */
    "ALTER TABLE booking_runs RENAME TO booking_runs_v4;"
    "CREATE TABLE booking_runs ("
    "  page INTEGER PRIMARY KEY,"
    "  run INTEGER NOT NULL CHECK (run >= 1),"
    "  resource_id TEXT NOT NULL,"
    "  last_id TEXT NOT NULL,"
    "  keys INTEGER NOT NULL CHECK (keys BETWEEN 1 AND 96),"
    "  entries BLOB NOT NULL"
    ");"
    "CREATE UNIQUE INDEX booking_runs_key ON booking_runs (run, resource_id, last_id);",
    /* 6: the booking_id index's snapshot (see the top of this file) */
    "CREATE TABLE booking_index_snapshot ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  format INTEGER NOT NULL,"
    "  latest INTEGER NOT NULL CHECK (latest >= 1),"
    "  seed INTEGER NOT NULL,"
    "  probe INTEGER NOT NULL,"
    "  bits INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  chunks INTEGER NOT NULL CHECK (chunks >= 1),"
    "  checksum INTEGER NOT NULL"
    ");"
    "CREATE TABLE booking_index_snapshot_chunks ("
    "  chunk INTEGER PRIMARY KEY CHECK (chunk >= 0),"
    "  slots BLOB NOT NULL,"
    "  checksum INTEGER NOT NULL"
    ");"
    "CREATE TRIGGER bookings_seq_and_id_never_change BEFORE UPDATE OF seq, id ON bookings"
    "  BEGIN SELECT RAISE(ABORT, 'a record''s seq and booking_id never change'); END;",
};

/* Migration 5's pages: every key of the version-4 runs, read in their key order
 * (run, resource_id, booking_id), written as pages of each run by the writer the
 * store seals with (sqlite_run.c). O(keys), one page of memory. */
static int runs_to_pages(sqlite3 *db)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    sqlite_run_writer *w = malloc(sizeof *w);
    int rc = w == NULL ? SQLITE_NOMEM
                       : sqlite3_prepare_v2(db,
                                            "SELECT run, resource_id, booking_id, seq"
                                            " FROM booking_runs_v4"
                                            " ORDER BY run, resource_id, booking_id",
                                            -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, bk_sqlite_sql_run_page_insert, -1, &ins, NULL);
    int64_t run = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t r = sqlite3_column_int64(q, 0);
        const char *rid = (const char *)sqlite3_column_text(q, 1);
        size_t rid_len = (size_t)sqlite3_column_bytes(q, 1);
        const char *id = (const char *)sqlite3_column_text(q, 2);
        size_t id_len = (size_t)sqlite3_column_bytes(q, 2);
        int64_t seq = sqlite3_column_int64(q, 3);
        if (r < run || r < 1 || rid == NULL || id == NULL || rid_len == 0 ||
            rid_len > BOOKING_ID_LEN_MAX || id_len == 0 || id_len > BOOKING_ID_LEN_MAX || seq < 1) {
            rc = SQLITE_CORRUPT;
            break;
        }
        rc = SQLITE_OK;
        if (r != run) {
            if (run != 0)
                rc = bk_sqlite_run_writer_finish(w);
            bk_sqlite_run_writer_start(w, ins, r);
            run = r;
        }
        if (rc == SQLITE_OK)
            rc = bk_sqlite_run_writer_add(w, rid, rid_len, id, id_len, seq);
    }
    if (rc == SQLITE_DONE)
        rc = run != 0 ? bk_sqlite_run_writer_finish(w) : SQLITE_OK;
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    free(w);
    return rc;
}

/* What runs after migration N's statements, if anything: a step in C, then
 * statements of its own. */
typedef struct migration_tail {
    int (*step)(sqlite3 *db);
    const char *sql;
} migration_tail;

static const migration_tail migration_after[] = {
    [4] = {runs_to_pages, "DROP TABLE booking_runs_v4;"},
};

#define SCHEMA_VERSION ((int)(sizeof migration_sql / sizeof migration_sql[0]))
_Static_assert(sizeof migration_after / sizeof migration_after[0] <= SCHEMA_VERSION,
               "a tail of a migration that exists");
_Static_assert(SQLITE_RUN_PAGE_KEYS == 96, "migration 5's CHECK on keys");

static int user_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

static sqlite3_int64 migration_time_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs one migration's statements in order (each is prepared after the ones
 * before it ran, so it may name what they created), binding :migration_ms. */
static int exec_migration(sqlite3 *db, const char *sql, sqlite3_int64 migration_ms)
{
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK && sql != NULL && *sql != '\0') {
        sqlite3_stmt *s = NULL;
        rc = sqlite3_prepare_v2(db, sql, -1, &s, &sql);
        if (rc != SQLITE_OK || s == NULL) /* s NULL: only blanks were left */
            break;
        int at = sqlite3_bind_parameter_index(s, ":migration_ms");
        if (at > 0)
            rc = sqlite3_bind_int64(s, at, migration_ms);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(s);
            rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
        }
        sqlite3_finalize(s);
    }
    return rc;
}

booking_error bk_sqlite_schema_migrate(sqlite3 *db, char *errbuf, size_t errbuf_len)
{
    int version = 0;
    /* A file already at this version needs no write lock: opening it must not
     * wait for, or fail on, another process's write transaction (a busy writer
     * is the FAILED busy of the call that needs the lock, not an open error). */
    int rc = user_version(db, &version);
    if (rc == SQLITE_OK && version == SCHEMA_VERSION)
        return BOOKING_OK;
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = user_version(db, &version);
    if (rc == SQLITE_OK && version > SCHEMA_VERSION) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        bk_store_error(errbuf, errbuf_len,
                    "database schema version %d is newer than this booking knows (%d)", version,
                    SCHEMA_VERSION);
        return BOOKING_EOPEN;
    }
    assert(rc != SQLITE_OK || (version >= 0 && version <= SCHEMA_VERSION));
    sqlite3_int64 migration_ms = migration_time_ms();
    for (int v = version; rc == SQLITE_OK && v < SCHEMA_VERSION; v++) {
        rc = exec_migration(db, migration_sql[v], migration_ms);
        const migration_tail *tail =
            (size_t)v < sizeof migration_after / sizeof migration_after[0] ? &migration_after[v]
                                                                          : NULL;
        if (rc == SQLITE_OK && tail != NULL && tail->step != NULL)
            rc = tail->step(db);
        if (rc == SQLITE_OK && tail != NULL && tail->sql != NULL)
            rc = exec_migration(db, tail->sql, migration_ms);
    }
    if (rc == SQLITE_OK && version < SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        bk_store_error(errbuf, errbuf_len, "schema migration failed: %s", sqlite3_errmsg(db));
        if (!sqlite3_get_autocommit(db))
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return BOOKING_EOPEN;
    }
    return BOOKING_OK;
}
