/* SPDX-License-Identifier: MIT */
/*
 * postgres_conn.c: URL options, connecting (session settings, prepared
 * statements), the bounded connection pool, pipelined flights with a client-side
 * deadline, and the mapping of SQLSTATEs to FAILED reasons.
 *
 * Two ways to run the same statements (URL option prepare, see pg_options):
 *   prepare=on   each session prepares every statement once, by name, and sets the
 *                settings of postgres.c note (6) once; a flight sends Bind/Execute.
 *   prepare=off  a session keeps nothing, so a pooler in transaction mode may hand
 *                each transaction another server connection: every statement goes as
 *                Parse/Bind/Execute of the unnamed statement, and a flight that opens
 *                a transaction (explicit, or the implicit one up to its Sync) carries
 *                one more statement, SETTINGS_LOCAL, right after its BEGIN or first.
 *                Its result is hidden from the flight (pg_conn.hidden). The cost: a
 *                parse and plan per statement and one set_config per transaction.
 *                enable_seqscan is left alone there: it guards against generic plans
 *                cached while a table was small, and unnamed statements are planned
 *                afresh every time.
 */
#include "store/postgres_conn.h"
#include "store/postgres_route.h"
#include "store/store.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(BOOKING_PG_POOL_SIZE_DEFAULT >= 1 &&
                   BOOKING_PG_POOL_SIZE_DEFAULT <= BOOKING_PG_POOL_SIZE_MAX,
               "the default pool is one the URL could ask for");
_Static_assert(BOOKING_PG_LOCK_TIMEOUT_MS_DEFAULT <= BOOKING_PG_STATEMENT_TIMEOUT_MS_DEFAULT,
               "the defaults pass bk_pg_options_parse's own rule: lock_timeout <= statement_timeout");
_Static_assert(BOOKING_PG_STATEMENT_TIMEOUT_MS_DEFAULT <= BOOKING_PG_TIMEOUT_MS_MAX,
               "the default is a value the URL could give");
_Static_assert(BOOKING_PG_TIMEOUT_MS_MAX < 1000000000 && BOOKING_PG_POOL_SIZE_MAX < 1000000000,
               "bk_store_parse_long reads at most 9 digits");
_Static_assert((long long)BOOKING_PG_TIMEOUT_MS_MAX * BOOKING_PG_IDLE_IN_TX_TIMEOUT_FACTOR <=
                   INT_MAX,
               "idle_in_transaction_session_timeout is computed in an int");
_Static_assert(BOOKING_PG_FLIGHT_MAX >= 6, "the largest flights send six statements");
_Static_assert(BOOKING_PG_LIST_CODE(0, BOOKING_STATUS_EXPIRED) < BOOKING_PG_LIST_CODE(1, 0) &&
                   BOOKING_PG_LIST_CODE(BOOKING_BOOKED, BOOKING_STATUS_HELD) == 1 * 8 + 3,
               "LIST_CODE_KEPT computes outcome * 8 + status: one code per pair");
_Static_assert(BOOKING_STATUS_HELD == 3 && BOOKING_STATUS_EXPIRED == 4,
               "the statements on live holds say status = 3 and write status = 4");

/* The server's clock, in ms since the epoch, read when the statement runs (not at
 * the transaction's start, as now() would be): after the locks are held. */
#define SERVER_CLOCK_MS "(extract(epoch from clock_timestamp()) * 1000)::bigint"
/* The store's time (postgres.c note (8)): the injected clock or the server's,
 * never before the handle's floor nor the clocks of what is locked. */
#define CLOCK_AND_FLOOR "coalesce($2::bigint, " SERVER_CLOCK_MS "), $3::bigint"
#define STORE_TIME(more) "greatest(" CLOCK_AND_FLOOR ", " more ")"
/* The live hold entries (SPEC section 8: one per line) on the resources `of`
 * that are due by t.now: line 0's, the bookings rows held (bookings_live_holds),
 * and lines 1.., the booking_lines rows held (booking_lines_live_holds); one
 * row of NULLs beside the time when there are none. */
#define EXPIRED_AT(of)                                                                       \
    " SELECT t.now, h.booking_id, h.line, h.resource_id, h.units, h.expires_at_ms FROM t"    \
    " LEFT JOIN (SELECT id AS booking_id, 0 AS line, resource_id, units, expires_at_ms"      \
    "  FROM bookings WHERE status = 3"                                                       \
    "  UNION ALL SELECT booking_id, line, resource_id, units, expires_at_ms"                 \
    "  FROM booking_lines WHERE held) h"                                                     \
    " ON h.resource_id " of " AND h.expires_at_ms <= t.now"
/* The resources of the lines of the record $1 (line 0's first). */
#define LINE_RESOURCES_OF_RECORD                                                             \
    "(SELECT resource_id FROM bookings WHERE id = $1::text"                                  \
    " UNION ALL SELECT resource_id FROM booking_lines WHERE booking_id = $1::text)"
/* A record and its lines 1.. (none for a single attempt): one row per line. */
#define RECORD_WITH_LINES " FROM bookings b LEFT JOIN booking_lines l ON l.booking_id = b.id"

/* The record b's BOOKING_PG_LIST_CODE as of t.now is one of $6: its status as of
 * then is bk_core_status_at's (a held one whose expires_at_ms has come is expired,
 * bk_core_hold_expired), the filter's rule stays in C (the codes it keeps). */
#define LIST_CODE_KEPT                                                                       \
    "(b.outcome * 8 + CASE WHEN b.status = 3 AND b.expires_at_ms <= t.now THEN 4"           \
    " ELSE b.status END) = ANY ($6::integer[])"

typedef struct stmt_def {
    const char *name;
    const char *text;
} stmt_def;

static const stmt_def stmts[BOOKING_PG_STMT_COUNT] = {
    [BOOKING_PG_BEGIN] = {"bk_begin", "BEGIN ISOLATION LEVEL READ COMMITTED"},
    [BOOKING_PG_COMMIT] = {"bk_commit", "COMMIT"},
    [BOOKING_PG_ROLLBACK] = {"bk_rollback", "ROLLBACK"},
    [BOOKING_PG_LOCK_RESOURCES] = {"bk_lock_resources",
                                   "SELECT id, capacity, booked, clock_ms FROM resources"
                                   " WHERE id = ANY ($1::text[]) ORDER BY id FOR UPDATE"},
    /* Not the clock_ms of the resources: the lock statement before it returned
     * them (postgres.c note (8)), and finding every row again by its key cost as
     * much as the rest of the statement. */
    [BOOKING_PG_EXPIRED_OF] = {"bk_expired_of",
                               "WITH t AS (SELECT greatest(" CLOCK_AND_FLOOR ") AS now)"
                               EXPIRED_AT("= ANY ($1::text[])")},
    [BOOKING_PG_SELECT_RECORDS] = {"bk_records", "SELECT b.id, " BOOKING_PG_RECORD_COLUMNS ", "
                                                 BOOKING_PG_LINE_COLUMNS RECORD_WITH_LINES
                                                 " WHERE b.id = ANY ($1::text[])"},
    [BOOKING_PG_EXPIRE_HOLDS] = {"bk_expire", "UPDATE bookings SET status = 4,"
                                              " updated_at_ms = expires_at_ms"
                                              " WHERE id = ANY ($1::text[]) AND status = 3"},
    [BOOKING_PG_EXPIRE_LINES] = {"bk_expire_lines",
                                 "UPDATE booking_lines l SET held = false"
                                 " FROM unnest($1::text[], $2::integer[]) AS v (booking_id, line)"
                                 " WHERE l.booking_id = v.booking_id AND l.line = v.line"
                                 " AND l.held"},
    [BOOKING_PG_INSERT_RECORDS] = {"bk_insert",
                                   "INSERT INTO bookings (id, resource_id, units, outcome, status,"
                                   " hold_ms, expires_at_ms, line_count, line, created_at_ms,"
                                   " updated_at_ms)"
                                   " SELECT v.*, $10::bigint, $10::bigint FROM unnest($1::text[],"
                                   " $2::text[], $3::bigint[], $4::smallint[], $5::smallint[],"
                                   " $6::bigint[], $7::bigint[], $8::integer[], $9::integer[]) AS v"},
    [BOOKING_PG_INSERT_LINES] = {"bk_insert_lines",
                                 "INSERT INTO booking_lines (booking_id, line, resource_id, units,"
                                 " held, expires_at_ms)"
                                 " SELECT * FROM unnest($1::text[], $2::integer[], $3::text[],"
                                 " $4::bigint[], $5::boolean[], $6::bigint[])"},
    [BOOKING_PG_UPDATE_BOOKED] = {"bk_update_booked",
                                  "UPDATE resources SET booked = v.booked,"
                                  " clock_ms = greatest(clock_ms, $3::bigint)"
                                  " FROM unnest($1::text[], $2::bigint[]) AS v (id, booked)"
                                  " WHERE resources.id = v.id"},
    [BOOKING_PG_SELECT_RESOURCE] = {"bk_resource",
                                    "SELECT r.capacity, r.booked, t.now,"
                                    " (SELECT coalesce(sum(b.units), 0)::bigint FROM bookings b"
                                    "  WHERE b.resource_id = r.id AND b.status = 3"
                                    "  AND b.expires_at_ms <= t.now),"
                                    " (SELECT coalesce(sum(l.units), 0)::bigint FROM booking_lines l"
                                    "  WHERE l.resource_id = r.id AND l.held"
                                    "  AND l.expires_at_ms <= t.now)"
                                    " FROM resources r CROSS JOIN LATERAL (SELECT " STORE_TIME(
                                        "r.clock_ms") " AS now) t WHERE r.id = $1::text"},
    [BOOKING_PG_LOCK_RESOURCE] = {"bk_lock_res", "SELECT capacity, booked, clock_ms FROM resources"
                                                 " WHERE id = $1::text FOR UPDATE"},
    [BOOKING_PG_INSERT_RESOURCE] = {"bk_insert_res",
                                    "INSERT INTO resources (id, capacity, booked, clock_ms)"
                                    " VALUES ($1::text, $2::bigint, 0, $3::bigint)"},
    [BOOKING_PG_UPDATE_RESOURCE] = {"bk_update_res",
                                    "UPDATE resources SET capacity = $2::bigint,"
                                    " booked = $3::bigint, clock_ms = greatest(clock_ms, $4::bigint)"
                                    " WHERE id = $1::text"},
    /* The ids as one array computed once (an InitPlan), not a join: a row
     * this waits for is rechecked after the other transaction commits (READ
     * COMMITTED), and a recheck through a semi-join of the unlocked lines drops
     * the row (the cancel would miss its record); against an array it cannot. */
    [BOOKING_PG_LOCK_RESOURCES_OF] = {"bk_lock_res_of",
                                      "SELECT r.id, r.capacity, r.booked FROM resources r"
                                      " WHERE r.id = ANY (ARRAY" LINE_RESOURCES_OF_RECORD ")"
                                      " ORDER BY r.id FOR UPDATE OF r"},
    [BOOKING_PG_EXPIRED_OF_RECORD] = {"bk_expired_of_rec",
                                      "WITH k AS " LINE_RESOURCES_OF_RECORD ","
                                      " t AS (SELECT " STORE_TIME(
                                          "(SELECT max(r.clock_ms) FROM resources r"
                                          " WHERE r.id IN (SELECT resource_id FROM k)),"
                                          " (SELECT updated_at_ms FROM bookings"
                                          " WHERE id = $1::text)") " AS now)"
                                      EXPIRED_AT("IN (SELECT resource_id FROM k)")},
    [BOOKING_PG_SELECT_RECORD] = {"bk_record", "SELECT " BOOKING_PG_RECORD_COLUMNS ", "
                                               BOOKING_PG_LINE_COLUMNS RECORD_WITH_LINES
                                               " WHERE b.id = $1::text"},
    /* The record and its time first, once (MATERIALIZED: not per line row),
     * then its lines. */
    [BOOKING_PG_SELECT_RECORD_AT] = {"bk_record_at",
                                     "WITH b AS MATERIALIZED (SELECT b.*, " STORE_TIME(
                                         "r.clock_ms, b.updated_at_ms,"
                                         " (SELECT max(lr.clock_ms) FROM booking_lines ll"
                                         "  JOIN resources lr ON lr.id = ll.resource_id"
                                         "  WHERE ll.booking_id = b.id)") " AS now"
                                     " FROM bookings b JOIN resources r ON r.id = b.resource_id"
                                     " WHERE b.id = $1::text)"
                                     " SELECT " BOOKING_PG_RECORD_COLUMNS ", b.now, "
                                     BOOKING_PG_LINE_COLUMNS " FROM b"
                                     " LEFT JOIN booking_lines l ON l.booking_id = b.id"},
    [BOOKING_PG_SET_STATUS] = {"bk_set_status", "UPDATE bookings SET status = $2::smallint,"
                                                " updated_at_ms = $3::bigint WHERE id = $1::text"},
    [BOOKING_PG_UNHOLD_LINES] = {"bk_unhold_lines", "UPDATE booking_lines SET held = false"
                                                    " WHERE booking_id = $1::text AND held"},
    [BOOKING_PG_PING] = {"bk_ping", "SELECT 1"},
    /* Listing (postgres.c note (12)): keyset pages over the bytewise indexes of
     * schema version 4, the COLLATE "C" in the condition and the ORDER BY being
     * what lets the planner walk them. */
    [BOOKING_PG_LIST_RESOURCES] = {"bk_list_resources",
                                   "WITH p AS MATERIALIZED (SELECT id, capacity, booked, clock_ms"
                                   " FROM resources WHERE id COLLATE \"C\" > $1::text"
                                   " ORDER BY id COLLATE \"C\" LIMIT $4::bigint),"
                                   " t AS (SELECT " STORE_TIME("(SELECT max(clock_ms) FROM p)")
                                   " AS now)"
                                   " SELECT t.now, p.id, p.capacity, p.booked,"
                                   " (SELECT coalesce(sum(b.units), 0)::bigint FROM bookings b"
                                   "  WHERE b.resource_id = p.id AND b.status = 3"
                                   "  AND b.expires_at_ms <= t.now),"
                                   " (SELECT coalesce(sum(l.units), 0)::bigint FROM booking_lines l"
                                   "  WHERE l.resource_id = p.id AND l.held"
                                   "  AND l.expires_at_ms <= t.now)"
                                   " FROM t LEFT JOIN p ON true ORDER BY p.id COLLATE \"C\""},
    /* The first $7 + 1 keys of the resource after $4 (w: the keys of line 0,
     * bookings_by_resource, and of lines 1.., booking_lines_by_resource, merged in
     * order; a record has one line on a resource, so no key twice), each with its
     * place n and the key before it. Of the first $7 (the scan budget), those whose
     * record's code is kept, each probed by a subquery per key (a SubPlan: one
     * primary-key probe per key walked, not a join the planner may turn into a
     * merge join that walks bookings' whole primary key), and the key at $7 + 1 if
     * any (its prev is the last examined): at most $5 + 1 rows, read as a stream
     * that stops there. */
    [BOOKING_PG_LIST_BOOKINGS] = {"bk_list_bookings",
                                  "WITH r AS (SELECT clock_ms FROM resources WHERE id = $1::text),"
                                  " t AS (SELECT EXISTS (SELECT 1 FROM r) AS known, " STORE_TIME(
                                      "(SELECT clock_ms FROM r)") " AS now),"
                                  " w AS (SELECT u.id, row_number() OVER (ORDER BY u.id) AS n,"
                                  "  lag(u.id) OVER (ORDER BY u.id) AS prev"
                                  "  FROM ((SELECT b.id COLLATE \"C\" AS id FROM bookings b"
                                  "   WHERE b.resource_id COLLATE \"C\" = $1::text"
                                  "   AND b.id COLLATE \"C\" > $4::text"
                                  "   ORDER BY b.id COLLATE \"C\" LIMIT $7::bigint + 1)"
                                  "  UNION ALL (SELECT l.booking_id COLLATE \"C\" FROM booking_lines l"
                                  "   WHERE l.resource_id COLLATE \"C\" = $1::text"
                                  "   AND l.booking_id COLLATE \"C\" > $4::text"
                                  "   ORDER BY l.booking_id COLLATE \"C\" LIMIT $7::bigint + 1)) u"
                                  "  ORDER BY u.id LIMIT $7::bigint + 1),"
                                  " k AS (SELECT w.id, w.n, w.prev FROM w, t"
                                  "  WHERE w.n > $7::bigint OR (SELECT true FROM bookings b"
                                  "   WHERE b.id = w.id COLLATE \"default\" AND " LIST_CODE_KEPT ")"
                                  "  ORDER BY w.id LIMIT $5::bigint + 1)"
                                  " SELECT t.known, t.now, k.n, k.prev, b.id, " BOOKING_PG_RECORD_COLUMNS
                                  " FROM t LEFT JOIN (k JOIN bookings b ON b.id = k.id COLLATE \"default\") ON true"
                                  " ORDER BY b.id COLLATE \"C\""},
};

const char *bk_pg_stmt_sql(pg_stmt stmt)
{
    assert(stmt >= 0 && stmt < BOOKING_PG_STMT_COUNT);
    return stmts[stmt].text;
}

/* The settings of postgres.c note (6) for one transaction (prepare=off); $1..$3 as
 * settings_values gives them. */
#define SETTINGS_LOCAL                                                                       \
    "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true),"  \
    " set_config('idle_in_transaction_session_timeout', $3, true),"                          \
    " set_config('synchronous_commit', 'on', true)"
#define SETTINGS_COUNT 3
#define SETTINGS_VALUE_MAX 16
/* What one flight may send: the caller's statements and the one we add (the
 * settings, prepare=off); a bit of pg_conn.hidden for each. */
#define FLIGHT_SENT_MAX (BOOKING_PG_FLIGHT_MAX + 1)
_Static_assert(FLIGHT_SENT_MAX <= 32, "pg_conn.hidden has a bit for each statement sent");

/* lock_timeout, statement_timeout and idle_in_transaction_session_timeout, in ms. */
static void settings_values(const pg_options *opts, char out[SETTINGS_COUNT][SETTINGS_VALUE_MAX])
{
    assert(opts->lock_timeout_ms >= 1 && opts->statement_timeout_ms <= BOOKING_PG_TIMEOUT_MS_MAX);
    snprintf(out[0], SETTINGS_VALUE_MAX, "%d", opts->lock_timeout_ms);
    snprintf(out[1], SETTINGS_VALUE_MAX, "%d", opts->statement_timeout_ms);
    snprintf(out[2], SETTINGS_VALUE_MAX, "%d",
             opts->statement_timeout_ms * BOOKING_PG_IDLE_IN_TX_TIMEOUT_FACTOR);
}

static const char *stmt_name(pg_stmt s)
{
    assert(s >= 0 && s < BOOKING_PG_STMT_COUNT && stmts[s].name != NULL && stmts[s].text != NULL);
    return stmts[s].name;
}

/* ---- SQLSTATE mapping ---- */

booking_reason bk_pg_reason(const PGresult *res, const PGconn *pg)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *message = res != NULL ? PQresultErrorMessage(res) : "";
    if ((message == NULL || message[0] == '\0') && pg != NULL)
        message = PQerrorMessage(pg);
    bk_store_note_error("postgres: %s%s%s", state != NULL ? state : "",
                        state != NULL ? " " : "", message != NULL ? message : "");
    if (state == NULL || strlen(state) != 5)
        return pg == NULL || PQstatus(pg) != CONNECTION_OK ? BOOKING_REASON_UNAVAILABLE
                                                           : BOOKING_REASON_INTERNAL;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "23505") == 0) /* unique: the id was decided meanwhile elsewhere */
        return BOOKING_REASON_CONFLICT;
    /* lock_not_available, which lock_timeout raises: a lock not had within its
     * bound is busy, as for sqlite: (SPEC sections 1 and 8). */
    if (strcmp(state, "55P03") == 0)
        return BOOKING_REASON_BUSY;
    /* query_canceled by statement_timeout, idle_in_transaction_session_timeout. */
    if (strcmp(state, "57014") == 0 || strcmp(state, "25P03") == 0)
        return BOOKING_REASON_TIMEOUT;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strcmp(state, "25006") == 0 /* read-only: a standby, after a failover */)
        return BOOKING_REASON_UNAVAILABLE;
    if (strncmp(state, "53", 2) == 0 || strncmp(state, "58", 2) == 0)
        return BOOKING_REASON_IO_ERROR;
    return BOOKING_REASON_INTERNAL;
}

/* ---- options ---- */

/* One of our own parameters: name=value with value in min..max. */
static int take_param(const char *p, size_t len, const char *name, long min, long max,
                      int *out)
{
    size_t n = strlen(name);
    if (len <= n || strncmp(p, name, n) != 0 || p[n] != '=')
        return 0; /* not this one */
    long v;
    if (!bk_store_parse_long(p + n + 1, len - n - 1, min, max, &v))
        return -1;
    *out = (int)v;
    return 1;
}

/* One of our own switches: name=on or name=off. */
static int take_switch(const char *p, size_t len, const char *name, bool *out)
{
    size_t n = strlen(name);
    if (len <= n || strncmp(p, name, n) != 0 || p[n] != '=')
        return 0; /* not this one */
    const char *v = p + n + 1;
    size_t vlen = len - n - 1;
    if (vlen == 2 && strncmp(v, "on", 2) == 0)
        *out = true;
    else if (vlen == 3 && strncmp(v, "off", 3) == 0)
        *out = false;
    else
        return -1;
    return 1;
}

/* Messages never repeat the URL: it may hold a password. */
booking_error bk_pg_options_parse(const char *url, pg_options *opts, char *errbuf,
                               size_t errbuf_len)
{
    assert(url != NULL && opts != NULL);
    memset(opts, 0, sizeof *opts);
    opts->pool_size = BOOKING_PG_POOL_SIZE_DEFAULT;
    opts->partitions = BOOKING_PG_PARTITIONS_DEFAULT;
    opts->lock_timeout_ms = BOOKING_PG_LOCK_TIMEOUT_MS_DEFAULT;
    opts->statement_timeout_ms = BOOKING_PG_STATEMENT_TIMEOUT_MS_DEFAULT;
    opts->prepare = true;
    size_t url_len = strlen(url);
    if (url_len >= sizeof opts->conninfo) {
        bk_store_error(errbuf, errbuf_len, "postgres URL longer than %d bytes",
                    BOOKING_PG_URL_MAX - 1);
        return BOOKING_EURL;
    }
    const char *query = strchr(url, '?');
    size_t base_len = query ? (size_t)(query - url) : url_len;
    memcpy(opts->conninfo, url, base_len);
    size_t out = base_len;
    char sep = '?';
    for (const char *p = query; p != NULL && *p != '\0';) {
        p++; /* past '?' or '&' */
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int took = take_param(p, len, "pool_size", 1, BOOKING_PG_POOL_SIZE_MAX, &opts->pool_size);
        if (took == 0)
            took = take_param(p, len, "partitions", 1, BOOKING_PG_PARTITIONS_MAX,
                              &opts->partitions);
        if (took == 0)
            took = take_param(p, len, "lock_timeout_ms", 1, BOOKING_PG_TIMEOUT_MS_MAX,
                              &opts->lock_timeout_ms);
        if (took == 0)
            took = take_param(p, len, "statement_timeout_ms", 1, BOOKING_PG_TIMEOUT_MS_MAX,
                              &opts->statement_timeout_ms);
        if (took == 0)
            took = take_switch(p, len, "prepare", &opts->prepare);
        if (took < 0) {
            bk_store_error(errbuf, errbuf_len,
                        "postgres URL: bad option '%.*s' (pool_size=1..%d, partitions=1..%d, "
                        "lock_timeout_ms and statement_timeout_ms=1..%d, prepare=on|off)",
                        (int)len, p, BOOKING_PG_POOL_SIZE_MAX, BOOKING_PG_PARTITIONS_MAX,
                        BOOKING_PG_TIMEOUT_MS_MAX);
            return BOOKING_EURL;
        }
        if (took == 0 && len > 0) { /* libpq's own: passed on */
            opts->conninfo[out++] = sep;
            memcpy(opts->conninfo + out, p, len);
            out += len;
            sep = '&';
        }
        p = end;
    }
    assert(out < sizeof opts->conninfo); /* we only ever drop parameters from the URL */
    opts->conninfo[out] = '\0';
    if (opts->lock_timeout_ms > opts->statement_timeout_ms) {
        bk_store_error(errbuf, errbuf_len,
                    "postgres URL: lock_timeout_ms must not exceed statement_timeout_ms");
        return BOOKING_EURL;
    }
    /* libpq checks the rest of the URL now, so a typo fails at open, not later. */
    char *err = NULL;
    PQconninfoOption *parsed = PQconninfoParse(opts->conninfo, &err);
    if (parsed == NULL) {
        bk_store_error(errbuf, errbuf_len, "postgres URL: %s", err ? err : "out of memory");
        PQfreemem(err);
        return BOOKING_EURL;
    }
    PQconninfoFree(parsed);
    return BOOKING_OK;
}

/* ---- connecting ---- */

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Our defaults come before the URL in the keyword list, so the URL overrides
 * them (libpq keeps the last value of a repeated keyword). */
static PGconn *connect_raw(const pg_options *opts, char *errbuf, size_t errbuf_len)
{
    const char *const keys[] = {"connect_timeout", "application_name", "keepalives",
                                "keepalives_idle", "keepalives_interval", "keepalives_count",
                                "dbname", NULL};
    const char *const values[] = {BOOKING_PG_CONNECT_TIMEOUT_S_DEFAULT, "booking", "1", "5", "2",
                                  "3", opts->conninfo, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg == NULL) {
        bk_store_error(errbuf, errbuf_len, "postgres: out of memory");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        const char *m = PQerrorMessage(pg);
        bk_store_error(errbuf, errbuf_len, "postgres: %.*s", (int)strcspn(m, "\n"), m);
        PQfinish(pg);
        return NULL;
    }
    /* Notices (e.g. "already exists, skipping") are not ours to print: a library
     * writes nothing to stderr. */
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    return pg;
}

PGconn *bk_pg_open_admin(const pg_options *opts, char *errbuf, size_t errbuf_len)
{
    return connect_raw(opts, errbuf, errbuf_len);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until PQgetResult will not block, or the deadline. */
static booking_reason wait_input(PGconn *pg, int64_t deadline_ms)
{
    assert(pg != NULL && deadline_ms > 0);
    while (PQisBusy(pg)) {
        if (PQsocket(pg) < 0)
            return BOOKING_REASON_UNAVAILABLE;
        int64_t left = deadline_ms - now_ms();
        if (left <= 0)
            return BOOKING_REASON_TIMEOUT;
        struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
        int rc = poll(&p, 1, (int)left);
        if (rc < 0 && errno != EINTR)
            return BOOKING_REASON_UNAVAILABLE;
        if (rc > 0 && !PQconsumeInput(pg))
            return BOOKING_REASON_UNAVAILABLE;
    }
    return BOOKING_REASON_OK;
}

static void flight_clear(pg_conn *c)
{
    assert(c->result_count >= 0 && c->result_count <= BOOKING_PG_FLIGHT_MAX);
    for (int i = 0; i < c->result_count; i++)
        PQclear(c->results[i]);
    c->result_count = 0;
    c->sent = 0;
    c->hidden = 0;
}

static void conn_drop(pg_conn *c)
{
    flight_clear(c);
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
}

/* Collects the results of everything sent, through the Sync. */
static booking_reason flight_collect(const pg_options *opts, pg_conn *c)
{
    assert(c->pg != NULL && c->sent >= 0 && c->result_count == 0);
    int64_t deadline = now_ms() + opts->statement_timeout_ms + BOOKING_PG_CLIENT_GRACE_MS;
    booking_reason first = BOOKING_REASON_OK;
    int index = 0; /* of the statement whose result this is */
    for (;;) {
        booking_reason w = wait_input(c->pg, deadline);
        if (w != BOOKING_REASON_OK) {
            conn_drop(c); /* its state is unknown: never reuse it */
            return first != BOOKING_REASON_OK ? first : w;
        }
        PGresult *res = PQgetResult(c->pg);
        if (res == NULL) {
            if (PQstatus(c->pg) != CONNECTION_OK) {
                conn_drop(c); /* e.g. after a FATAL error: the error says why */
                return first != BOOKING_REASON_OK ? first : BOOKING_REASON_UNAVAILABLE;
            }
            continue; /* the end of one statement's results */
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
            booking_reason r = bk_pg_reason(res, c->pg);
            if (first == BOOKING_REASON_OK)
                first = r == BOOKING_REASON_OK ? BOOKING_REASON_INTERNAL : r;
            if (r == BOOKING_REASON_UNAVAILABLE) {
                PQclear(res);
                conn_drop(c);
                return first;
            }
        }
        bool ours = index < FLIGHT_SENT_MAX && (c->hidden >> index & 1u) != 0;
        index++;
        if (!ours && c->result_count < BOOKING_PG_FLIGHT_MAX &&
            c->result_count < c->sent)
            c->results[c->result_count++] = res;
        else
            PQclear(res);
    }
    assert(c->result_count <= c->sent);
    return first;
}

static PGconn *connect_session(const pg_options *opts)
{
    PGconn *pg = connect_raw(opts, NULL, 0);
    if (pg == NULL)
        return NULL;
    if (!PQenterPipelineMode(pg)) {
        PQfinish(pg);
        return NULL;
    }
    if (!opts->prepare)
        return pg; /* nothing kept in the session: each transaction sets its own */
    char set[SETTINGS_COUNT][SETTINGS_VALUE_MAX];
    settings_values(opts, set);
    const char *const values[SETTINGS_COUNT] = {set[0], set[1], set[2]};
    /* Every statement of ours reads or writes rows by primary key. A plan cached
     * while a table was small (a fresh database) would scan it whole for every
     * batch once it has grown; with sequential scans off, the planner always
     * takes the key index. A segment of its own (its own Sync): a server without
     * this setting (CockroachDB) refuses it, and the session goes on without. */
    bool ok = PQsendQueryParams(pg, "SELECT set_config('enable_seqscan', 'off', false)", 0,
                                NULL, NULL, NULL, NULL, 0) &&
              PQpipelineSync(pg);
    /* The same plans for every call: with custom plans (the default when a
     * generic plan looks costlier, as `= ANY ($1)` of an unknown array always
     * does) the server planned every statement of every transaction again,
     * some 0.3 to 0.6 ms of CPU an attempt. Every statement here is a key
     * access whose best plan does not depend on its values. Optional too
     * (before PostgreSQL 12; other servers). */
    ok = ok && PQsendQueryParams(pg, "SELECT set_config('plan_cache_mode', 'force_generic_plan',"
                                     " false)", 0, NULL, NULL, NULL, NULL, 0) &&
         PQpipelineSync(pg);
    ok = ok && PQsendQueryParams(pg,
                                "SELECT set_config('lock_timeout', $1, false),"
                                " set_config('statement_timeout', $2, false),"
                                " set_config('idle_in_transaction_session_timeout', $3, false),"
                                " set_config('synchronous_commit', 'on', false)",
                                3, NULL, values, NULL, NULL, 0);
    for (int i = 0; ok && i < BOOKING_PG_STMT_COUNT; i++)
        ok = PQsendPrepare(pg, stmt_name((pg_stmt)i), stmts[i].text, 0, NULL);
    ok = ok && PQpipelineSync(pg);
    pg_conn c = {.pg = pg, .sent = 0, .hidden = 0};
    for (int optional = 0; ok && c.pg != NULL && optional < 2; optional++)
        (void)flight_collect(opts, &c); /* an optional setting: a refusal is fine */
    if (!ok || c.pg == NULL || flight_collect(opts, &c) != BOOKING_REASON_OK) {
        conn_drop(&c);
        return NULL;
    }
    return pg;
}

/* ---- the pool ---- */

booking_error bk_pg_pool_init(pg_pool *pool, const pg_options *opts)
{
    assert(opts->pool_size >= 1 && opts->pool_size <= BOOKING_PG_POOL_SIZE_MAX);
    assert(opts->lock_timeout_ms >= 1 && opts->lock_timeout_ms <= opts->statement_timeout_ms);
    memset(pool, 0, sizeof *pool);
    pool->opts = *opts;
    pool->size = opts->pool_size;
    for (int i = 0; i < pool->size; i++) {
        pool->conns[i].opts = &pool->opts;
        pool->conns[i].hidden = 0;
    }
    if (pthread_mutex_init(&pool->lock, NULL) != 0)
        return BOOKING_ENOMEM;
    pool->lock_ready = true;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return BOOKING_ENOMEM;
    bool ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
              pthread_cond_init(&pool->freed, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok)
        return BOOKING_ENOMEM;
    pool->cond_ready = true;
    return BOOKING_OK;
}

void bk_pg_pool_close(pg_pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        conn_drop(&pool->conns[i]);
    if (pool->cond_ready)
        pthread_cond_destroy(&pool->freed);
    if (pool->lock_ready)
        pthread_mutex_destroy(&pool->lock);
}

/* A free connection, preferring one already connected, so that light load keeps
 * few sessions open on the server. */
static pg_conn *take_free(pg_pool *pool)
{
    assert(pool->size >= 1 && pool->size <= BOOKING_PG_POOL_SIZE_MAX);
    pg_conn *unconnected = NULL;
    for (int i = 0; i < pool->size; i++) {
        pg_conn *c = &pool->conns[i];
        if (c->busy)
            continue;
        if (c->pg != NULL) {
            c->busy = true;
            return c;
        }
        if (unconnected == NULL)
            unconnected = c;
    }
    if (unconnected != NULL)
        unconnected->busy = true;
    assert(unconnected == NULL || unconnected->pg == NULL);
    return unconnected;
}

booking_reason bk_pg_pool_acquire(pg_pool *pool, pg_conn **out)
{
    assert(pool->lock_ready && pool->cond_ready && out != NULL);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += pool->opts.lock_timeout_ms / 1000;
    deadline.tv_nsec += (long)(pool->opts.lock_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    if (pthread_mutex_lock(&pool->lock) != 0)
        return BOOKING_REASON_INTERNAL;
    pg_conn *c;
    while ((c = take_free(pool)) == NULL) {
        int rc = pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
        if (rc == ETIMEDOUT) {
            pthread_mutex_unlock(&pool->lock);
            return BOOKING_REASON_BUSY;
        }
        if (rc != 0) {
            pthread_mutex_unlock(&pool->lock);
            return BOOKING_REASON_INTERNAL;
        }
    }
    pthread_mutex_unlock(&pool->lock);
    /* Connected outside the pool lock: a slow server stalls only this caller. */
    if (c->pg == NULL)
        c->pg = connect_session(&pool->opts);
    if (c->pg == NULL) {
        bk_pg_pool_release(pool, c);
        return BOOKING_REASON_UNAVAILABLE;
    }
    assert(c->busy && c->result_count == 0); /* handed out with no flight pending */
    *out = c;
    return BOOKING_REASON_OK;
}

void bk_pg_pool_release(pg_pool *pool, pg_conn *c)
{
    assert(c >= pool->conns && c < pool->conns + pool->size);
    flight_clear(c);
    pthread_mutex_lock(&pool->lock);
    assert(c->busy); /* released once, by the call that acquired it */
    c->busy = false;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

/* ---- flights ---- */

void bk_pg_flight_begin(pg_conn *c)
{
    flight_clear(c);
}

static int hidden_count(const pg_conn *c)
{
    int n = 0;
    for (unsigned h = c->hidden; h != 0; h &= h - 1)
        n++;
    return n;
}

/* One statement, prepared by `name` or else as the unnamed statement of `text`. */
static void send_one(pg_conn *c, const char *name, const char *text, int nparams,
                     const char *const *values)
{
    assert((name == NULL) != (text == NULL) && c->sent < FLIGHT_SENT_MAX);
    if (c->sent < 0)
        return;
    bool ok = name != NULL
                  ? PQsendQueryPrepared(c->pg, name, nparams, values, NULL, NULL, 0)
                  : PQsendQueryParams(c->pg, text, nparams, NULL, values, NULL, NULL, 0);
    c->sent = ok ? c->sent + 1 : -1;
}

/* prepare=off: SETTINGS_LOCAL as the next statement of the flight, its result
 * hidden from the caller's. */
static void send_settings(pg_conn *c)
{
    assert(!c->opts->prepare);
    if (c->sent < 0)
        return;
    char set[SETTINGS_COUNT][SETTINGS_VALUE_MAX];
    settings_values(c->opts, set);
    const char *const values[SETTINGS_COUNT] = {set[0], set[1], set[2]};
    unsigned bit = 1u << c->sent;
    send_one(c, NULL, SETTINGS_LOCAL, SETTINGS_COUNT, values);
    if (c->sent >= 0)
        c->hidden |= bit;
}

void bk_pg_send(pg_conn *c, pg_stmt stmt, int nparams, const char *const *values)
{
    /* A send that fails (connection gone) is noticed by bk_pg_flight_run, through
     * sent != what libpq queued: the flight then fails as a whole. */
    assert(stmt >= 0 && stmt < BOOKING_PG_STMT_COUNT && nparams >= 0);
    /* More would lose results past BOOKING_PG_FLIGHT_MAX: a flight is written by us. */
    assert(c->sent - hidden_count(c) < BOOKING_PG_FLIGHT_MAX);
    if (c->sent < 0 || c->pg == NULL) {
        c->sent = -1;
        return;
    }
    if (c->opts->prepare) {
        send_one(c, stmt_name(stmt), NULL, nparams, values);
        return;
    }
    /* prepare=off: the first statement of a flight outside a transaction opens one. */
    bool opens = c->sent == 0 && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    if (opens && stmt != BOOKING_PG_BEGIN)
        send_settings(c);
    send_one(c, NULL, stmts[stmt].text, nparams, values);
    if (opens && stmt == BOOKING_PG_BEGIN)
        send_settings(c); /* after BEGIN: SET LOCAL lasts to the end of its transaction */
    assert(c->sent < 0 || !opens || c->hidden != 0);
}

booking_reason bk_pg_flight_run(pg_pool *pool, pg_conn *c)
{
    if (c->pg == NULL || c->sent < 0 || !PQpipelineSync(c->pg)) {
        conn_drop(c);
        return BOOKING_REASON_UNAVAILABLE;
    }
    return flight_collect(&pool->opts, c);
}

PGresult *bk_pg_result(pg_conn *c, int index)
{
    assert(index >= 0 && index < BOOKING_PG_FLIGHT_MAX);
    return index < c->result_count ? c->results[index] : NULL;
}

void bk_pg_abandon(pg_pool *pool, pg_conn *c)
{
    assert(c->busy); /* only the call that holds the connection ends its transaction */
    if (c->pg == NULL)
        return;
    PGTransactionStatusType t = PQtransactionStatus(c->pg);
    if (t == PQTRANS_IDLE)
        return;
    if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR) {
        bk_pg_flight_begin(c);
        bk_pg_send(c, BOOKING_PG_ROLLBACK, 0, NULL);
        if (bk_pg_flight_run(pool, c) == BOOKING_REASON_OK)
            return;
    }
    conn_drop(c);
}
