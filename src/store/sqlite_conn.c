/* SPDX-License-Identifier: MIT */
/*
 * sqlite_conn.c: opening a connection of the sqlite store, its statements, its
 * bounded lock, its transaction steps and its error mapping.
 */
#include "store/sqlite_conn.h"
#include "store/sqlite_run.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(BOOKING_SQLITE_BUSY_TIMEOUT_MS_DEFAULT <= BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX,
               "the default is a value the URL could give");
_Static_assert(BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX < 1000000000 &&
                   BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX <= INT_MAX,
               "bk_store_parse_long reads at most 9 digits into an int");
_Static_assert(BOOKING_STATUS_ACTIVE == 1 && BOOKING_STATUS_HELD == 3 &&
                   BOOKING_STATUS_EXPIRED == 4,
               "SQL_CHANGE_STATUS, SQL_EXPIRE_HOLDS and the reads name status 1, 3 and 4");

/* The record's columns, in the order load_record() (sqlite.c) reads them. */
#define SQL_BOOKING_COLUMNS                                                                    \
    "resource_id, units, outcome, status, hold_ms, created_at_ms, updated_at_ms, expires_at_ms," \
    " line_count, line"

/* Room for the text of SQL_INSERT_BOOKINGS: ~170 bytes of head, at most
 * 9 x 5 + 12 bytes per row. */
#define SQLITE_INSERT_SQL_MAX (256 + SQLITE_INSERT_ROWS * 64)

static const char *const sql_text[SQL_COUNT] = {
    [SQL_BEGIN] = "BEGIN IMMEDIATE",
    [SQL_COMMIT] = "COMMIT",
    [SQL_ROLLBACK] = "ROLLBACK",
    /* The writer's read of a resource (sqlite.c (7)): its counters and how many
     * of its hold entries are due at ?2, lines 0 and lines 1.., each counted in
     * its partial index, so the expiry step writes only when one is. */
    [SQL_SELECT_RESOURCE] =
        "SELECT capacity, booked,"
        " (SELECT count(*) FROM bookings"
        "   WHERE resource_id = ?1 AND status = 3 AND expires_at_ms <= ?2),"
        " (SELECT count(*) FROM booking_lines"
        "   WHERE resource_id = ?1 AND live = 1 AND expires_at_ms <= ?2)"
        " FROM resources WHERE id = ?1",
    /* A record by its seq (sqlite.c (11)): the writer's, and a listing's on the reader. */
    [SQL_SELECT_BOOKING] = "SELECT " SQL_BOOKING_COLUMNS " FROM bookings WHERE seq = ?1",
    /* SQL_INSERT_BOOKINGS .. SQL_INSERT_BOOKINGS_LAST: bk_sqlite_insert_rows_sql. */
    [SQL_UPDATE_BOOKED] = "UPDATE resources SET booked = ?1 WHERE id = ?2",
    [SQL_UPSERT_RESOURCE] = "INSERT INTO resources (id, capacity, booked) VALUES (?1, ?2, 0) "
                            "ON CONFLICT (id) DO UPDATE SET capacity = excluded.capacity",
    /* A cancel or a confirm: only a record still active or held changes. */
    [SQL_CHANGE_STATUS] = "UPDATE bookings SET status = ?2, updated_at_ms = ?3 "
                          "WHERE seq = ?1 AND status IN (1, 3)",
    /* The expiry step, sqlite.c (7): the resource's live holds whose time (?2)
     * has come, found by the partial index bookings_live_holds (sqlite_schema.c),
     * each changed once, at its expiry. */
    [SQL_EXPIRE_HOLDS] = "UPDATE bookings SET status = 4, updated_at_ms = expires_at_ms"
                         " WHERE resource_id = ?1 AND status = 3 AND expires_at_ms <= ?2"
                         " RETURNING units",
    /* A bundle's lines 1.. (sqlite_schema.c, version 3), written with its record. */
    [SQL_INSERT_LINE] = "INSERT INTO booking_lines (booking_id, line, resource_id, units,"
                        " expires_at_ms, live, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQL_SELECT_LINES] = "SELECT line, resource_id, units, live FROM booking_lines"
                         " WHERE seq = ?1 ORDER BY line",
    /* The expiry step for lines 1.., by the partial index booking_lines_live_holds. */
    [SQL_EXPIRE_LINES] = "UPDATE booking_lines SET live = 0"
                         " WHERE resource_id = ?1 AND live = 1 AND expires_at_ms <= ?2"
                         " RETURNING units",
    /* A confirm or a cancel of a live hold: its lines 1.. leave the index. */
    [SQL_UNINDEX_LINES] = "UPDATE booking_lines SET live = 0 WHERE seq = ?1 AND live = 1",
    /* The store's time and the last seq sealed into a run (sqlite.c (12)). */
    [SQL_SELECT_TIME] = "SELECT latest_ms,"
                        " coalesce((SELECT last_seq FROM booking_runs_sealed ORDER BY run DESC LIMIT 1), 0)"
                        " FROM store_time WHERE id = 1",
    [SQL_UPDATE_TIME] = "UPDATE store_time SET latest_ms = ?1 WHERE id = 1 AND latest_ms < ?1",
    /* The reads, sqlite.c (9): one statement, one snapshot; the time is the
     * caller's (?2) or the latest the file recorded, whichever is later. */
    [SQL_READ_RESOURCE_AT] =
        "SELECT r.capacity, r.booked, t.now, (SELECT coalesce(sum(units), 0) FROM bookings"
        "   WHERE resource_id = r.id AND status = 3 AND expires_at_ms <= t.now),"
        " (SELECT coalesce(sum(units), 0) FROM booking_lines"
        "   WHERE resource_id = r.id AND live = 1 AND expires_at_ms <= t.now)"
        " FROM resources r, (SELECT max(?2, latest_ms) AS now FROM store_time WHERE id = 1) t"
        " WHERE r.id = ?1",
    [SQL_READ_BOOKING_AT] =
        "SELECT " SQL_BOOKING_COLUMNS ", max(?2, t.latest_ms) FROM bookings,"
        " (SELECT latest_ms FROM store_time WHERE id = 1) t WHERE seq = ?1",
    /* The first ?2 lines of a record: its lines 1.. (line 0 is the record's). */
    [SQL_READ_LINES] = "SELECT line, resource_id, units FROM booking_lines"
                       " WHERE seq = ?1 AND line < ?2 ORDER BY line",
    [SQL_PING] = "SELECT 1",
    /* A read transaction of the reader: several statements, one snapshot. */
    [SQL_BEGIN_READ] = "BEGIN",
    /* The index's catch-up (sqlite.c (11)): the records after the latest it has. */
    [SQL_SCAN_IDS] = "SELECT seq, id FROM bookings WHERE seq > ?1 ORDER BY seq",
    [SQL_SELECT_ID] = "SELECT id FROM bookings WHERE seq = ?1",
    /* Sealing a run (sqlite.c (12)): the last seq sealed, the last run, the last seq. */
    [SQL_SEAL_STATE] = "SELECT coalesce((SELECT last_seq FROM booking_runs_sealed ORDER BY run DESC LIMIT 1), 0),"
                       " coalesce((SELECT max(run) FROM booking_runs_sealed), 0),"
                       " coalesce((SELECT max(seq) FROM bookings), 0)",
    /* Every line of the records with seq in (?1, ?2], in seq order (sorted in C
     * and written as pages, sqlite_run.c). */
    [SQL_SEAL_KEYS] = "SELECT resource_id, id, seq FROM bookings WHERE seq > ?1 AND seq <= ?2"
                      " UNION ALL SELECT resource_id, booking_id, seq FROM booking_lines"
                      "   WHERE seq > ?1 AND seq <= ?2",
    [SQL_SEAL_PAGE] = bk_sqlite_sql_run_page_insert,
    [SQL_SEAL_MARK] = "INSERT INTO booking_runs_sealed (run, last_seq) VALUES (?1, ?2)",
    /* A listing's snapshot (sqlite.c (12)): its time, whether the resource exists,
     * the last seq sealed and the number of runs. */
    [SQL_LIST_STATE] = "SELECT max(?2, t.latest_ms), EXISTS (SELECT 1 FROM resources WHERE id = ?1),"
                       " coalesce((SELECT last_seq FROM booking_runs_sealed ORDER BY run DESC LIMIT 1), 0),"
                       " coalesce((SELECT max(run) FROM booking_runs_sealed), 0)"
                       " FROM store_time t WHERE t.id = 1",
    /* The unsealed tail's records with a line on ?2 and an id after ?3, by id. */
    [SQL_LIST_TAIL] = "SELECT id, seq FROM bookings b WHERE seq > ?1 AND id > ?3"
                      " AND (resource_id = ?2 OR (line_count > 1 AND EXISTS (SELECT 1"
                      "   FROM booking_lines l WHERE l.seq = b.seq AND l.resource_id = ?2)))"
                      " ORDER BY id",
    /* A page of resources after ?1, each as get_resource reads it, at one time. */
    [SQL_LIST_RESOURCES] =
        "SELECT r.id, r.capacity, r.booked, t.now, (SELECT coalesce(sum(units), 0) FROM bookings"
        "   WHERE resource_id = r.id AND status = 3 AND expires_at_ms <= t.now),"
        " (SELECT coalesce(sum(units), 0) FROM booking_lines"
        "   WHERE resource_id = r.id AND live = 1 AND expires_at_ms <= t.now)"
        " FROM resources r, (SELECT max(?2, latest_ms) AS now FROM store_time WHERE id = 1) t"
        " WHERE r.id > ?1 ORDER BY r.id LIMIT ?3",
};

const char bk_sqlite_sql_list_run[] =
    "SELECT entries, keys FROM booking_runs WHERE run = ?1 AND resource_id = ?2"
    " AND last_id > ?3 ORDER BY last_id";

/* Appended at the next rowid (the seq, checked by the writer): booking_id is
 * unique by the index, checked before (sqlite.c (11)); created_at_ms and
 * updated_at_ms are both ?1. */
bool bk_sqlite_insert_rows_sql(char *buf, size_t cap, size_t rows)
{
    assert(rows >= 1 && rows <= SQLITE_INSERT_ROWS && cap > 0);
    int n = snprintf(buf, cap, "INSERT INTO bookings (id, resource_id, units, outcome, status,"
                               " hold_ms, expires_at_ms, line_count, line, created_at_ms,"
                               " updated_at_ms) VALUES ");
    size_t at = n > 0 ? (size_t)n : cap;
    for (size_t r = 0; r < rows && at < cap; r++) {
        size_t p = SQLITE_INSERT_SHARED_PARAMS + 1 + r * SQLITE_INSERT_ROW_PARAMS;
        n = snprintf(buf + at, cap - at, "%s(", r == 0 ? "" : ",");
        at += n > 0 ? (size_t)n : cap;
        for (size_t k = 0; k < SQLITE_INSERT_ROW_PARAMS && at < cap; k++) {
            n = snprintf(buf + at, cap - at, "?%zu,", p + k);
            at += n > 0 ? (size_t)n : cap;
        }
        if (at < cap) {
            n = snprintf(buf + at, cap - at, "?1,?1)");
            at += n > 0 ? (size_t)n : cap;
        }
    }
    return at < cap;
}

booking_reason bk_sqlite_reason(int rc)
{
    assert((rc & 0xff) != SQLITE_OK); /* only a failed call has a reason */
    bk_store_note_error("sqlite: %s (%d)", sqlite3_errstr(rc), rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return BOOKING_REASON_BUSY;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return BOOKING_REASON_IO_ERROR;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return BOOKING_REASON_UNAVAILABLE;
    default:
        return BOOKING_REASON_INTERNAL;
    }
}

booking_error bk_sqlite_options_parse(const char *url, const char *location, sqlite_options *opts,
                                   char *errbuf, size_t errbuf_len)
{
    assert(url != NULL && location != NULL);
    memset(opts, 0, sizeof *opts);
    opts->busy_timeout_ms = BOOKING_SQLITE_BUSY_TIMEOUT_MS_DEFAULT;
    const char *query = strchr(location, '?');
    size_t path_len = query ? (size_t)(query - location) : strlen(location);
    if (path_len == 0 || path_len >= sizeof opts->path) {
        bk_store_error(errbuf, errbuf_len, "sqlite: needs a file path (sqlite:PATH)");
        return BOOKING_EURL;
    }
    memcpy(opts->path, location, path_len);
    for (const char *p = query; p != NULL && *p != '\0';) {
        p++; /* past '?' or '&' */
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        long v;
        if (len > 16 && strncmp(p, "busy_timeout_ms=", 16) == 0 &&
            bk_store_parse_long(p + 16, len - 16, 0, BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX, &v)) {
            opts->busy_timeout_ms = (int)v;
        } else if (len > 4 && len - 4 < sizeof opts->vfs && strncmp(p, "vfs=", 4) == 0) {
            memcpy(opts->vfs, p + 4, len - 4);
            opts->vfs[len - 4] = '\0';
        } else {
            bk_store_error(errbuf, errbuf_len,
                        "unknown or bad sqlite option '%.*s' (busy_timeout_ms=0..%d, vfs=NAME)",
                        (int)len, p, BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX);
            return BOOKING_EURL;
        }
        p = end;
    }
    assert(opts->busy_timeout_ms >= 0);
    assert(opts->busy_timeout_ms <= BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX);
    return BOOKING_OK;
}

static int exec_pragma(sqlite3 *db, const char *sql, const char *expect)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && expect != NULL &&
        strcmp((const char *)sqlite3_column_text(s, 0), expect) != 0)
        rc = SQLITE_ERROR;
    else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_finalize(s);
    return rc;
}

static long ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Turning a new file to WAL upgrades a read lock to a write lock, and there
 * SQLite answers SQLITE_BUSY at once instead of calling the busy handler (two
 * connections upgrading would deadlock). So when several processes open one new
 * file together, all but one got BUSY and failed to open. They now wait for the
 * winner within the same bound as every other lock wait, busy_timeout_ms. Once
 * per open, never inside a call that decides anything. */
static int set_wal(sqlite3 *db, int busy_timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int rc = exec_pragma(db, "PRAGMA journal_mode = WAL", "wal");
        if ((rc & 0xff) != SQLITE_BUSY || ms_since(&start) >= busy_timeout_ms)
            return rc;
        sqlite3_sleep(BOOKING_SQLITE_WAL_SWITCH_PAUSE_MS);
    }
}

booking_error bk_sqlite_conn_open(sqlite_conn *c, const sqlite_options *opts, bool writer,
                               char *errbuf, size_t errbuf_len)
{
    assert(opts->path[0] != '\0' && opts->busy_timeout_ms >= 0);
    memset(c, 0, sizeof *c);
    c->busy_timeout_ms = opts->busy_timeout_ms;
    if (pthread_mutex_init(&c->lock, NULL) != 0)
        return BOOKING_ENOMEM;
    if (pthread_cond_init(&c->freed, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        return BOOKING_ENOMEM;
    }
    c->lock_ready = true;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(opts->path, &c->db, flags, opts->vfs[0] ? opts->vfs : NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_extended_result_codes(c->db, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(c->db, opts->busy_timeout_ms);
    if (rc == SQLITE_OK)
        rc = set_wal(c->db, opts->busy_timeout_ms);
    if (rc == SQLITE_OK)
        rc = exec_pragma(c->db, "PRAGMA synchronous = FULL", NULL);
    if (rc == SQLITE_OK && writer) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", BOOKING_SQLITE_WRITER_CACHE_KIB);
        rc = exec_pragma(c->db, sql, NULL);
    }
    if (rc != SQLITE_OK) {
        bk_store_error(errbuf, errbuf_len, "%s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        return BOOKING_EOPEN;
    }
    if (writer) {
        booking_error e = bk_sqlite_schema_migrate(c->db, errbuf, errbuf_len);
        if (e != BOOKING_OK)
            return e;
    }
    char insert_sql[SQLITE_INSERT_SQL_MAX];
    for (int i = 0; i < SQL_COUNT; i++) {
        const char *text = sql_text[i];
        if (i >= SQL_INSERT_BOOKINGS && i <= SQL_INSERT_BOOKINGS_LAST) {
            if (!bk_sqlite_insert_rows_sql(insert_sql, sizeof insert_sql,
                                           (size_t)1 << (i - SQL_INSERT_BOOKINGS))) {
                bk_store_error(errbuf, errbuf_len, "sqlite: the INSERT text does not fit");
                return BOOKING_EOPEN; /* SQLITE_INSERT_SQL_MAX is sized for it: a bug */
            }
            text = insert_sql;
        }
        assert(text != NULL); /* every statement of the enum has its text */
        rc = sqlite3_prepare_v3(c->db, text, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i], NULL);
        if (rc != SQLITE_OK) {
            bk_store_error(errbuf, errbuf_len, "%s", sqlite3_errmsg(c->db));
            return BOOKING_EOPEN;
        }
    }
    return BOOKING_OK;
}

void bk_sqlite_conn_close(sqlite_conn *c)
{
    for (int i = 0; i < SQL_COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    if (c->db != NULL)
        sqlite3_close(c->db);
    if (c->lock_ready) {
        pthread_cond_destroy(&c->freed);
        pthread_mutex_destroy(&c->lock);
    }
    memset(c, 0, sizeof *c);
}

booking_reason bk_sqlite_conn_lock(sqlite_conn *c)
{
    assert(c->lock_ready && c->busy_timeout_ms >= 0);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += c->busy_timeout_ms / 1000;
    deadline.tv_nsec += (long)(c->busy_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    if (pthread_mutex_lock(&c->lock) != 0)
        return BOOKING_REASON_INTERNAL;
    int rc = 0;
    while (c->held && rc == 0)
        rc = pthread_cond_clockwait(&c->freed, &c->lock, CLOCK_MONOTONIC, &deadline);
    booking_reason r = BOOKING_REASON_OK;
    if (!c->held)
        c->held = true;
    else
        r = rc == ETIMEDOUT ? BOOKING_REASON_BUSY : BOOKING_REASON_INTERNAL;
    assert(c->held);
    pthread_mutex_unlock(&c->lock);
    return r;
}

void bk_sqlite_conn_unlock(sqlite_conn *c)
{
    pthread_mutex_lock(&c->lock);
    assert(c->held); /* unlocked only by its holder */
    c->held = false;
    pthread_cond_signal(&c->freed);
    pthread_mutex_unlock(&c->lock);
}

static int step_once(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc;
}

booking_reason bk_sqlite_tx_begin(sqlite_conn *c)
{
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    assert(c->db != NULL && c->stmt[SQL_BEGIN] != NULL);
    int rc = step_once(c->stmt[SQL_BEGIN]);
    if (rc == SQLITE_DONE)
        return BOOKING_REASON_OK;
    bk_sqlite_conn_unlock(c);
    return bk_sqlite_reason(rc);
}

booking_reason bk_sqlite_file_moved(sqlite3 *db)
{
    /* SQLite's unix VFS compares the open file with what its path names now: a
     * database whose file (or directory) was deleted or renamed still takes
     * commits, into a file nobody will open again (issue 13). */
    int moved = 0;
    int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved);
    return rc == SQLITE_OK && moved != 0 ? BOOKING_REASON_UNAVAILABLE : BOOKING_REASON_OK;
}

booking_reason bk_sqlite_tx_end(sqlite_conn *c, booking_reason r)
{
    r = bk_sqlite_tx_finish(c, r);
    bk_sqlite_conn_unlock(c);
    return r;
}

booking_reason bk_sqlite_tx_finish(sqlite_conn *c, booking_reason r)
{
    /* WRITING: we hold the lock, and a call that went well left its transaction open. */
    assert(c->held && (r != BOOKING_REASON_OK || !sqlite3_get_autocommit(c->db)));
    if (r == BOOKING_REASON_OK)
        r = bk_sqlite_file_moved(c->db); /* then nothing is committed: FAILED unavailable */
    if (r == BOOKING_REASON_OK) {
        int rc = step_once(c->stmt[SQL_COMMIT]);
        if (rc != SQLITE_DONE)
            r = bk_sqlite_reason(rc);
    }
    /* A failed COMMIT may leave the transaction open, or SQLite may already
     * have rolled it back: ROLLBACK only while one is open. */
    if (r != BOOKING_REASON_OK && !sqlite3_get_autocommit(c->db))
        step_once(c->stmt[SQL_ROLLBACK]);
    return r;
}

booking_reason bk_sqlite_read_begin(sqlite_conn *c)
{
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    sqlite3_stmt *s = c->stmt[SQL_BEGIN_READ];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return BOOKING_REASON_OK;
    bk_sqlite_conn_unlock(c);
    return bk_sqlite_reason(rc);
}

void bk_sqlite_read_end(sqlite_conn *c)
{
    if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_stmt *s = c->stmt[SQL_COMMIT];
        if (sqlite3_step(s) != SQLITE_DONE) {
            sqlite3_reset(s);
            s = c->stmt[SQL_ROLLBACK];
            sqlite3_step(s);
        }
        sqlite3_reset(s);
    }
    bk_sqlite_conn_unlock(c);
}
