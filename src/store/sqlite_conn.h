/* SPDX-License-Identifier: MIT */
/*
 * sqlite_conn.h: one SQLite connection of the sqlite store, with its mutex, its
 * prepared statements (prepared once, reused), its transaction steps and the
 * mapping of SQLite result codes to FAILED reasons.
 */
#ifndef BOOKING_STORE_SQLITE_CONN_H
#define BOOKING_STORE_SQLITE_CONN_H

#include "booking.h"

#include <pthread.h>
#include <sqlite3.h>

#define BOOKING_SQLITE_BUSY_TIMEOUT_MS_DEFAULT 5000
#define BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX 600000
#define BOOKING_SQLITE_WAL_SWITCH_PAUSE_MS 2 /* between tries to turn a new file to WAL */
/* The writer connection's page cache, in KiB (SQLite's default is 2,000): a seal
 * reads the last run's 65,536 records (~8 MB at ~130 bytes each) right after they
 * were written; with the default cache they had left it, and were read again from
 * the WAL or the file. A cache never changes what is durable. */
#define BOOKING_SQLITE_WRITER_CACHE_KIB 16384
#define BOOKING_SQLITE_PATH_MAX 4096
#define BOOKING_SQLITE_VFS_NAME_MAX 64
/* New records per INSERT statement on the batch path (sqlite.c (5)): one
 * statement's start, cursors, seek and halt are paid once per this many rows.
 * Fewer go by the statements of 32, 16, ..., 1 rows, the largest that fits
 * first (45 rows: 32 + 8 + 4 + 1), SQLITE_INSERT_SIZES statements in all. */
#define SQLITE_INSERT_ROWS_LOG2 6
#define SQLITE_INSERT_ROWS (1 << SQLITE_INSERT_ROWS_LOG2)
#define SQLITE_INSERT_SIZES (SQLITE_INSERT_ROWS_LOG2 + 1)
/* The parameters of the record INSERT: ?1 is the transaction's time, shared by
 * every row; row r's own are ?(2 + r*N) .. ?(1 + (r+1)*N): id, resource_id,
 * units, outcome, status, hold_ms, expires_at_ms, line_count, line. No seq: a
 * row gets SQLite's next rowid, max(seq) + 1, appended without a seek; seqs
 * run without a gap, so that is the seq the index assigned, and the writer
 * checks it (sqlite.c, flush_rows). */
#define SQLITE_INSERT_SHARED_PARAMS 1
#define SQLITE_INSERT_ROW_PARAMS 9

typedef struct sqlite_options {
    char path[BOOKING_SQLITE_PATH_MAX];
    char vfs[BOOKING_SQLITE_VFS_NAME_MAX]; /* "" for SQLite's default */
    int busy_timeout_ms;
} sqlite_options;

typedef enum sqlite_sql {
    SQL_BEGIN,
    SQL_COMMIT,
    SQL_ROLLBACK,
    SQL_SELECT_RESOURCE,
    SQL_SELECT_BOOKING,
    /* SQL_INSERT_BOOKINGS + j inserts 2^j records in one statement (j below
     * SQLITE_INSERT_SIZES): the layout of bk_sqlite_insert_rows_sql. */
    SQL_INSERT_BOOKINGS,
    SQL_INSERT_BOOKINGS_LAST = SQL_INSERT_BOOKINGS + SQLITE_INSERT_SIZES - 1,
    SQL_UPDATE_BOOKED,
    SQL_UPSERT_RESOURCE,
    SQL_CHANGE_STATUS,
    SQL_EXPIRE_HOLDS,
    SQL_INSERT_LINE,
    SQL_SELECT_LINES,
    SQL_EXPIRE_LINES,
    SQL_UNINDEX_LINES,
    SQL_SELECT_TIME,
    SQL_UPDATE_TIME,
    SQL_READ_RESOURCE_AT,
    SQL_READ_BOOKING_AT,
    SQL_READ_LINES,
    SQL_PING,
    SQL_BEGIN_READ,
    SQL_SCAN_IDS,
    SQL_SELECT_ID,
    SQL_SEAL_STATE,
    SQL_SEAL_KEYS,
    SQL_SEAL_PAGE,
    SQL_SEAL_MARK,
    SQL_LIST_STATE,
    SQL_LIST_TAIL,
    SQL_LIST_RESOURCES,
    SQL_COUNT
} sqlite_sql;

typedef struct sqlite_conn {
    /* The bounded in-process lock: a flag under a mutex, waited for on a
     * condition variable with a CLOCK_MONOTONIC deadline. Not
     * pthread_mutex_clocklock: ThreadSanitizer does not intercept it, so it saw
     * every unlock as the unlock of an unlocked mutex and could not check us. */
    pthread_mutex_t lock;
    pthread_cond_t freed;
    bool held;
    bool lock_ready;
    int busy_timeout_ms;
    sqlite3 *db;
    sqlite3_stmt *stmt[SQL_COUNT];
} sqlite_conn;

/* Parses "PATH[?busy_timeout_ms=N&vfs=NAME]". */
booking_error bk_sqlite_options_parse(const char *url, const char *location, sqlite_options *opts,
                                   char *errbuf, size_t errbuf_len);

/* Opens the connection; the writer also sets WAL and migrates the schema. */
booking_error bk_sqlite_conn_open(sqlite_conn *c, const sqlite_options *opts, bool writer,
                               char *errbuf, size_t errbuf_len);
void bk_sqlite_conn_close(sqlite_conn *c);

/* The in-process wait of note (3) in sqlite.c: BUSY when not had in time. */
booking_reason bk_sqlite_conn_lock(sqlite_conn *c);
void bk_sqlite_conn_unlock(sqlite_conn *c);

/* BOOKING_REASON_UNAVAILABLE when the database file was moved or deleted since it
 * was opened (SQLITE_FCNTL_HAS_MOVED), else OK. Checked before every COMMIT and
 * by the ping. */
booking_reason bk_sqlite_file_moved(sqlite3 *db);

/* Lock, then BEGIN IMMEDIATE. On failure nothing is held. */
booking_reason bk_sqlite_tx_begin(sqlite_conn *c);
/* With r == OK: COMMIT (ROLLBACK if it fails); otherwise ROLLBACK. Unlocks.
 * Returns OK only if the transaction committed. */
booking_reason bk_sqlite_tx_end(sqlite_conn *c, booking_reason r);
/* The same, but the lock stays held: the caller applies what the commit made
 * true in memory before it unlocks (bk_sqlite_conn_unlock). */
booking_reason bk_sqlite_tx_finish(sqlite_conn *c, booking_reason r);

/* Lock, then BEGIN (deferred): the statements until bk_sqlite_read_end all read
 * one committed state (one snapshot). On failure nothing is held. */
booking_reason bk_sqlite_read_begin(sqlite_conn *c);
/* Ends it (a read transaction wrote nothing: COMMIT only lets go of it). Unlocks. */
void bk_sqlite_read_end(sqlite_conn *c);

booking_reason bk_sqlite_reason(int rc);

/* The text of one run's cursor of a listing (sqlite_list.c), prepared once per
 * run on the reader: ?1 run, ?2 resource_id, ?3 after; its rows are the run's
 * pages (sqlite_run.h) from the one holding the first key after ?3. */
extern const char bk_sqlite_sql_list_run[];

/* The text of the record INSERT of `rows` rows (1 to SQLITE_INSERT_ROWS), with
 * the parameters above, into buf (NUL-terminated); false if it does not fit. */
bool bk_sqlite_insert_rows_sql(char *buf, size_t cap, size_t rows);

#endif
