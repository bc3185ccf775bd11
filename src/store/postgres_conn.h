/* SPDX-License-Identifier: MIT */
/*
 * postgres_conn.h: the connections of the postgres store: URL options, a bounded
 * pool of libpq connections (each used by one call at a time), the pipelined
 * "flight" of statements that makes one round trip, and the SQLSTATE mapping.
 */
#ifndef BOOKING_STORE_POSTGRES_CONN_H
#define BOOKING_STORE_POSTGRES_CONN_H

#include "booking.h"

#include <libpq-fe.h>
#include <pthread.h>

#define BOOKING_PG_POOL_SIZE_DEFAULT 4
#define BOOKING_PG_POOL_SIZE_MAX 64
#define BOOKING_PG_LOCK_TIMEOUT_MS_DEFAULT 5000
#define BOOKING_PG_STATEMENT_TIMEOUT_MS_DEFAULT 10000
#define BOOKING_PG_TIMEOUT_MS_MAX 600000
#define BOOKING_PG_CONNECT_TIMEOUT_S_DEFAULT "5"
/* A flight's client-side deadline past statement_timeout. */
#define BOOKING_PG_CLIENT_GRACE_MS 2000
/* idle_in_transaction_session_timeout, as a multiple of statement_timeout. */
#define BOOKING_PG_IDLE_IN_TX_TIMEOUT_FACTOR 2
#define BOOKING_PG_URL_MAX 4096
#define BOOKING_PG_FLIGHT_MAX 8 /* statements in one flight */

typedef struct pg_options {
    char conninfo[BOOKING_PG_URL_MAX]; /* the URL without our own parameters, for libpq */
    int pool_size;
    int partitions; /* asked for, postgres.c note (14); the pool may allow fewer */
    int lock_timeout_ms;
    int statement_timeout_ms;
    /* prepare=on (the default): statements prepared once per session, by name, and the
     * settings of postgres.c note (6) set once per session. prepare=off: nothing kept in
     * a session, for a pooler in transaction mode (pgbouncer pool_mode=transaction),
     * which gives each transaction whichever server connection is free: the same SQL
     * unnamed (PQsendQueryParams), the settings SET LOCAL in every transaction. */
    bool prepare;
} pg_options;

/* The statements every connection prepares once, by name (prepare=on). "time" is the
 * store's time of postgres.c note (8): $clock (NULL: the server's clock) and
 * $floor are the handle's (pg_time_params). */
typedef enum pg_stmt {
    BOOKING_PG_BEGIN,
    BOOKING_PG_COMMIT,
    BOOKING_PG_ROLLBACK,
    BOOKING_PG_LOCK_RESOURCES,   /* $1 text[]: id, capacity, booked, clock_ms, locked in id
                                    order */
    BOOKING_PG_EXPIRED_OF,       /* $1 text[] resources, $2 clock, $3 floor: time (without the
                                    resources' clock_ms: the lock statement's), then the
                                    live hold entries expired by then (booking_id, line,
                                    resource_id, units, expires_at_ms; NULLs when none) */
    BOOKING_PG_SELECT_RECORDS,   /* $1 text[]: id, the record columns, the line columns;
                                    one row per line 1.. (one with NULL lines if none) */
    BOOKING_PG_EXPIRE_HOLDS,     /* $1 text[]: held -> expired, updated_at_ms = expires_at_ms
                                    (the line-0 entries) */
    BOOKING_PG_EXPIRE_LINES,     /* $1 text[] booking_ids, $2 integer[] lines: held = false */
    BOOKING_PG_INSERT_RECORDS,   /* unnest of nine arrays, $10 time */
    BOOKING_PG_INSERT_LINES,     /* unnest of six arrays: lines 1.. of new records */
    BOOKING_PG_UPDATE_BOOKED,    /* unnest of ids and absolute booked values, $3 time */
    BOOKING_PG_SELECT_RESOURCE,  /* $1, $2 clock, $3 floor: capacity, booked, time, units
                                    of live line-0 entries and of live lines expired by then */
    BOOKING_PG_LOCK_RESOURCE,    /* $1, FOR UPDATE: capacity, booked, clock_ms */
    BOOKING_PG_INSERT_RESOURCE,  /* $1, $2 capacity, $3 time */
    BOOKING_PG_UPDATE_RESOURCE,  /* $1, $2 capacity, $3 booked, $4 time */
    BOOKING_PG_LOCK_RESOURCES_OF, /* $1 booking_id: the resources of all its lines (id,
                                     capacity, booked), FOR UPDATE in id order */
    BOOKING_PG_EXPIRED_OF_RECORD, /* $1 booking_id, $2 clock, $3 floor: as EXPIRED_OF, for
                                     its lines' resources (and never before its updated_at_ms) */
    BOOKING_PG_SELECT_RECORD,    /* $1: the record columns, the line columns (rows as
                                    SELECT_RECORDS) */
    BOOKING_PG_SELECT_RECORD_AT, /* $1, $2 clock, $3 floor: the record columns, time, the
                                    line columns */
    BOOKING_PG_SET_STATUS,       /* $1, $2 status, $3 time (updated_at_ms) */
    BOOKING_PG_UNHOLD_LINES,     /* $1: every line 1.. of the record stops being a live hold */
    BOOKING_PG_PING,
    BOOKING_PG_LIST_RESOURCES,   /* $1 after ('' for none), $2 clock, $3 floor, $4 limit + 1:
                                    time, then id, capacity, booked, units of live line-0
                                    entries and of live lines expired by then, in bytewise id
                                    order (one row of NULLs beside the time when none) */
    BOOKING_PG_LIST_BOOKINGS,    /* $1 resource_id, $2 clock, $3 floor, $4 after ('' for
                                    none), $5 limit + 1, $6 integer[] the kept
                                    BOOKING_PG_LIST_CODEs, $7 the scan budget: whether the
                                    resource exists, time, then place n (1..$7 + 1) among the
                                    keys after $4, the key before it, id and the record columns
                                    of each record with a line on it among the first $7 whose
                                    code as of the time is kept, and of the one at $7 + 1 if
                                    any, at most $5 + 1 rows, in bytewise id order (NULLs beside
                                    the first two when none) */
    BOOKING_PG_STMT_COUNT
} pg_stmt;

/* The record columns, in this order, in every statement that reads a record
 * (bookings as b). */
#define BOOKING_PG_RECORD_COLUMNS                                                           \
    "b.resource_id, b.units, b.outcome, b.status, b.hold_ms, b.created_at_ms,"             \
    " b.updated_at_ms, b.expires_at_ms, b.line_count, b.line"
#define BOOKING_PG_RECORD_COLUMN_COUNT 10
/* One line 1.. of a record (booking_lines as l; NULLs: a record of one line). */
#define BOOKING_PG_LINE_COLUMNS "l.line, l.resource_id, l.units"
#define BOOKING_PG_LINE_COLUMN_COUNT 3

/* A record's outcome and its status as of a time, as one number: what
 * BOOKING_PG_LIST_BOOKINGS filters on (the codes bk_core_list_filter_keeps keeps). */
#define BOOKING_PG_LIST_CODE(outcome, status) ((int)(outcome) * 8 + (int)(status))

/* The text of a statement (for tests that EXPLAIN it). */
const char *bk_pg_stmt_sql(pg_stmt stmt);

/* One connection of the pool. `pg` is NULL until first used and after a loss. */
typedef struct pg_conn {
    PGconn *pg;
    bool busy; /* handed out; guarded by the pool mutex */
    /* Results of the last flight, BOOKING_PG_FLIGHT_MAX at most, owned until the next. */
    PGresult *results[BOOKING_PG_FLIGHT_MAX];
    int result_count;
    int sent;
    /* Bit i: statement i of this flight is one bk_pg_send added (prepare=off: the
     * settings of the transaction it opens), its result not one of the flight's. */
    unsigned hidden;
    const pg_options *opts; /* the pool's */
} pg_conn;

typedef struct pg_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    bool lock_ready, cond_ready;
    pg_options opts;
    pg_conn conns[BOOKING_PG_POOL_SIZE_MAX];
    int size;
} pg_pool;

/* Parses the URL: our own parameters (pool_size, lock_timeout_ms,
 * statement_timeout_ms, prepare=on|off) are taken out, the rest is left to libpq. */
booking_error bk_pg_options_parse(const char *url, pg_options *opts, char *errbuf,
                               size_t errbuf_len);

/* Opens libpq connections with the session settings of notes (6) and (7) of
 * postgres.c. bk_pg_open_admin is a plain connection, for the schema migration. */
PGconn *bk_pg_open_admin(const pg_options *opts, char *errbuf, size_t errbuf_len);

booking_error bk_pg_pool_init(pg_pool *pool, const pg_options *opts);
void bk_pg_pool_close(pg_pool *pool);

/* Hands out a connection, connected (reconnecting if it was lost), or FAILED
 * busy after lock_timeout_ms without a free one, unavailable if it cannot connect. */
booking_reason bk_pg_pool_acquire(pg_pool *pool, pg_conn **out);
void bk_pg_pool_release(pg_pool *pool, pg_conn *c);

/* A flight: statements queued with bk_pg_send, then bk_pg_flight_run sends a Sync and
 * waits (bounded) for all results. Returns OK when every statement succeeded;
 * otherwise the mapped reason of the first failure (the connection is dropped if
 * it was lost). The results stay readable with bk_pg_result until the next flight. */
void bk_pg_flight_begin(pg_conn *c);
void bk_pg_send(pg_conn *c, pg_stmt stmt, int nparams, const char *const *values);
booking_reason bk_pg_flight_run(pg_pool *pool, pg_conn *c);
PGresult *bk_pg_result(pg_conn *c, int index);

/* Ends a transaction that failed: ROLLBACK if one is open (dropping the
 * connection if even that fails). */
void bk_pg_abandon(pg_pool *pool, pg_conn *c);

/* SQLSTATE to FAILED reason. */
booking_reason bk_pg_reason(const PGresult *res, const PGconn *pg);

#endif
