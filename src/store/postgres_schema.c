/* SPDX-License-Identifier: MIT */
/*
 * postgres_schema.c: migrations of the postgres store. Migration N (1-based)
 * takes schema version N-1 to N; all run in one transaction that first takes a
 * transaction-scoped advisory lock, so instances starting together queue on it
 * and the second one finds the work done (DDL is transactional in PostgreSQL).
 *
 * Columns mirror the sqlite store: outcome is the booking_outcome value (1 BOOKED,
 * 2 REJECTED), status the booking_status value (0 none, 1 active, 2 cancelled,
 * 3 held, 4 expired). The CHECKs restate the invariant, so not even a client with
 * SQL access can oversell: booked stays within 0..capacity, and a record's status
 * fits its outcome and its hold.
 *
 * Version 2 (holds, SPEC section 7) adds, in place:
 *  - bookings.hold_ms (0: not a hold), created_at_ms, updated_at_ms and
 *    expires_at_ms (created_at_ms + hold_ms for a BOOKED hold, else 0), all ms
 *    since the epoch on the store's clock; statuses held (3) and expired (4);
 *  - resources.clock_ms: the latest time a write on the resource used, so that
 *    the store's time never goes back (postgres.c, note (8));
 *  - bookings_live_holds, a partial index on (resource_id, expires_at_ms) of the
 *    rows with status held: the holds a resource's expiry step may release, found
 *    in O(expired) however many decided records the resource has.
 * Version-1 rows were decided before the upgrade at times nobody recorded. They
 * get the migration's time (its transaction's start, now()) as created_at_ms and
 * updated_at_ms, and every resource gets it as clock_ms: the one time known to be
 * no earlier than their decisions, and a floor under every time used after, so no
 * later decision reads as older than a version-1 one. 0 (1970) would be a lie in
 * every body. now() is stable, not volatile, so ADD COLUMN ... DEFAULT stores it
 * once in the catalog: the migration rewrites no table (the CHECKs and the index
 * read each table once).
 *
 * Version 3 (bundles, SPEC section 8) adds, in place:
 *  - bookings.line_count (1..64; default 1: every earlier record is a single
 *    attempt, a bundle of one line) and bookings.line (a REJECTED record's
 *    failing line; default 0; 0 for every other record), CHECKed: line fits in
 *    line_count and only a REJECTED record names a line other than 0;
 *  - booking_lines (booking_id, line) for lines 1..line_count-1 of a bundle, in
 *    order: resource_id and units as the attempt named them, and the line's own
 *    hold entry. Line 0 stays in bookings.resource_id/units, so a single attempt
 *    reads and writes exactly what it did in version 2 (no row here);
 *  - holds per line: a held bundle holds units on every line's resource, and
 *    each line is a live hold entry on its own resource, released by that
 *    resource's expiry step (under its own lock) exactly once. Line 0's entry is
 *    the bookings row with status held, as in version 2 (bookings_live_holds);
 *    line i's is its booking_lines row with `held` true, indexed the same way by
 *    booking_lines_live_holds (resource_id, expires_at_ms) WHERE held, so that a
 *    resource's expiry step finds its due lines in O(expired) too. expires_at_ms
 *    repeats the record's (the index needs it beside resource_id); held is
 *    cleared by the line's expiry, and by the confirm or cancel of its hold.
 *    The record's stored status moves to expired when line 0's entry is
 *    released; its status as of a time is bk_core_status_at's either way.
 *  - The foreign key: no line without its record (records are never deleted).
 * Every column added has a constant default, so no table is rewritten.
 *
 * Version 4 (listing, SPEC section 5) adds, in place, three indexes in bytewise
 * order (COLLATE "C", whatever the database's default collation: the primary keys
 * keep it, so the point lookups of the write path are as before; a listing's
 * condition and ORDER BY say COLLATE "C", which is what makes the planner walk
 * these):
 *  - resources_by_id_bytewise (id): list_resources' keyset pages;
 *  - bookings_by_resource (resource_id, id): the records of a resource by line 0;
 *  - booking_lines_by_resource (resource_id, booking_id): by lines 1.. of bundles.
 * and sets resources' fillfactor to BOOKING_PG_RESOURCES_FILLFACTOR: every write
 * updates its resource rows (booked, clock_ms), and with full pages half of
 * those updates could not be HOT (measured: 50,278 of 99,748 under booking bench,
 * 64 threads, 10,000 resources), so each wrote an entry into every index of
 * resources too, more WAL to flush while the rows are locked (postgres.c note
 * (13)). Room on the page keeps the new version beside the old one. It applies
 * to pages filled from now on and to when a page is pruned; nothing is rewritten.
 * CREATE INDEX reads each table once and blocks writes to it meanwhile (the
 * migration's transaction holds the lock until COMMIT); nothing is rewritten.
 * The cost after: every new record writes one more index entry (and a bundle one
 * per line 1..), a new resource one.
 */
#include "store/postgres_schema.h"
#include "store/store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "booking" in ASCII, as a bigint: the advisory lock's key. */
#define BOOKING_PG_SCHEMA_LOCK_KEY "27707072051768935"

/* Migration 1's CHECKs spell these numbers out. */
_Static_assert(BOOKING_CAPACITY_MAX == 9007199254740991 && BOOKING_UNITS_MAX == 9007199254740991,
               "the CHECKs on capacity, booked and units");
_Static_assert(BOOKING_BOOKED == 1 && BOOKING_REJECTED == 2, "the CHECKs on outcome");
_Static_assert(BOOKING_STATUS_NONE == 0 && BOOKING_STATUS_ACTIVE == 1 &&
                   BOOKING_STATUS_CANCELLED == 2 && BOOKING_STATUS_HELD == 3 &&
                   BOOKING_STATUS_EXPIRED == 4,
               "the CHECKs on status, and bookings_live_holds");
_Static_assert(BOOKING_HOLD_MS_MAX == 604800000, "the CHECK on hold_ms");
_Static_assert(BOOKING_LINES_MAX == 64, "the CHECKs on line_count and booking_lines.line");

/* The share of a resources page filled by inserts, in percent (version 4). */
#define BOOKING_PG_RESOURCES_FILLFACTOR "50"

/* A version-1 row's times, and every resource's clock_ms: the migration's time. */
#define MIGRATION_TIME_MS "(extract(epoch from now()) * 1000)::bigint"

static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE resources ("
    "  id text PRIMARY KEY,"
    "  capacity bigint NOT NULL CHECK (capacity BETWEEN 0 AND 9007199254740991),"
    "  booked bigint NOT NULL CHECK (booked >= 0 AND booked <= capacity)"
    ");"
    "CREATE TABLE bookings ("
    "  id text PRIMARY KEY,"
    "  resource_id text NOT NULL,"
    "  units bigint NOT NULL CHECK (units BETWEEN 1 AND 9007199254740991),"
    "  outcome smallint NOT NULL CHECK (outcome IN (1, 2)),"
    "  status smallint NOT NULL CHECK (status IN (0, 1, 2)),"
    "  CHECK ((outcome = 1 AND status IN (1, 2)) OR (outcome = 2 AND status = 0))"
    ")",
    /* 2: holds and the store's times. The two CHECKs on status that migration 1
     * made (named by PostgreSQL after their table and column) give way to ones
     * that admit held and expired. */
    "ALTER TABLE resources"
    "  ADD COLUMN clock_ms bigint NOT NULL DEFAULT " MIGRATION_TIME_MS ";"
    "ALTER TABLE resources ALTER COLUMN clock_ms SET DEFAULT 0;" /* no time yet */
    "ALTER TABLE bookings"
    "  ADD COLUMN hold_ms bigint NOT NULL DEFAULT 0 CHECK (hold_ms BETWEEN 0 AND 604800000),"
    "  ADD COLUMN created_at_ms bigint NOT NULL DEFAULT " MIGRATION_TIME_MS ","
    "  ADD COLUMN updated_at_ms bigint NOT NULL DEFAULT " MIGRATION_TIME_MS ","
    "  ADD COLUMN expires_at_ms bigint NOT NULL DEFAULT 0,"
    "  DROP CONSTRAINT bookings_status_check,"
    "  DROP CONSTRAINT bookings_check,"
    "  ADD CONSTRAINT bookings_status_check CHECK (status BETWEEN 0 AND 4),"
    "  ADD CONSTRAINT bookings_status_fits_outcome"
    "    CHECK ((outcome = 1 AND status BETWEEN 1 AND 4) OR (outcome = 2 AND status = 0)),"
    "  ADD CONSTRAINT bookings_held_is_a_hold CHECK (status NOT IN (3, 4) OR hold_ms > 0),"
    "  ADD CONSTRAINT bookings_expires_at CHECK (expires_at_ms ="
    "    CASE WHEN outcome = 1 AND hold_ms > 0 THEN created_at_ms + hold_ms ELSE 0 END),"
    "  ADD CONSTRAINT bookings_updated_after_created CHECK (updated_at_ms >= created_at_ms),"
    "  ADD CONSTRAINT bookings_expired_at_expiry CHECK (status <> 4 OR updated_at_ms = expires_at_ms);"
    "ALTER TABLE bookings ALTER COLUMN created_at_ms DROP DEFAULT,"
    "  ALTER COLUMN updated_at_ms DROP DEFAULT;"
    "CREATE INDEX bookings_live_holds ON bookings (resource_id, expires_at_ms) WHERE status = 3",
    /* 3: bundles (SPEC section 8): the lines of a record, and a hold entry per line. */
    "ALTER TABLE bookings"
    "  ADD COLUMN line_count integer NOT NULL DEFAULT 1"
    "    CONSTRAINT bookings_line_count CHECK (line_count BETWEEN 1 AND 64),"
    "  ADD COLUMN line integer NOT NULL DEFAULT 0"
    "    CONSTRAINT bookings_line_fits CHECK (line BETWEEN 0 AND line_count - 1"
    "      AND (outcome = 2 OR line = 0));"
    "CREATE TABLE booking_lines ("
    "  booking_id text NOT NULL REFERENCES bookings (id),"
    "  line integer NOT NULL CHECK (line BETWEEN 1 AND 63),"
    "  resource_id text NOT NULL,"
    "  units bigint NOT NULL CHECK (units BETWEEN 1 AND 9007199254740991),"
    "  held boolean NOT NULL,"
    "  expires_at_ms bigint NOT NULL,"
    "  PRIMARY KEY (booking_id, line)"
    ");"
    "CREATE INDEX booking_lines_live_holds ON booking_lines (resource_id, expires_at_ms)"
    "  WHERE held",
    /* 4: listing (SPEC section 5): bytewise indexes for keyset pages. */
    "CREATE INDEX resources_by_id_bytewise ON resources (id COLLATE \"C\");"
    "CREATE INDEX bookings_by_resource ON bookings (resource_id COLLATE \"C\", id COLLATE \"C\");"
    "CREATE INDEX booking_lines_by_resource"
    "  ON booking_lines (resource_id COLLATE \"C\", booking_id COLLATE \"C\");"
    "ALTER TABLE resources SET (fillfactor = " BOOKING_PG_RESOURCES_FILLFACTOR ")",
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* Runs sql; true when it ended in the expected status. Keeps the result in *out
 * when out is not NULL. */
static bool exec_ok(PGconn *pg, const char *sql, ExecStatusType expect, PGresult **out,
                    char *errbuf, size_t errbuf_len)
{
    PGresult *res = PQexec(pg, sql);
    if (res == NULL || PQresultStatus(res) != expect) {
        const char *m = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
        bk_store_error(errbuf, errbuf_len, "postgres schema migration: %.*s",
                    (int)strcspn(m, "\n"), m);
        PQclear(res);
        return false;
    }
    if (out != NULL)
        *out = res;
    else
        PQclear(res);
    return true;
}

booking_error bk_pg_schema_migrate(PGconn *pg, int statement_timeout_ms, char *errbuf,
                                size_t errbuf_len)
{
    assert(pg != NULL && statement_timeout_ms > 0);
    char sql[160];
    snprintf(sql, sizeof sql, "SET statement_timeout = %d; SET synchronous_commit = on",
             statement_timeout_ms);
    if (!exec_ok(pg, sql, PGRES_COMMAND_OK, NULL, errbuf, errbuf_len))
        return BOOKING_EOPEN;
    PGresult *res = NULL;
    bool ok = exec_ok(pg,
                      "BEGIN;"
                      "SELECT pg_advisory_xact_lock(" BOOKING_PG_SCHEMA_LOCK_KEY ");"
                      "CREATE TABLE IF NOT EXISTS booking_schema ("
                      "  id integer PRIMARY KEY CHECK (id = 1),"
                      "  version integer NOT NULL);"
                      "SELECT version FROM booking_schema WHERE id = 1",
                      PGRES_TUPLES_OK, &res, errbuf, errbuf_len);
    int version = 0;
    if (ok && PQntuples(res) == 1)
        version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (ok && version > SCHEMA_VERSION) {
        bk_store_error(errbuf, errbuf_len,
                    "postgres: database schema version %d is newer than this booking knows (%d)",
                    version, SCHEMA_VERSION);
        ok = false;
    }
    assert(!ok || version <= SCHEMA_VERSION);
    for (int v = version; ok && v < SCHEMA_VERSION; v++)
        ok = exec_ok(pg, migrations[v], PGRES_COMMAND_OK, NULL, errbuf, errbuf_len);
    if (ok && version < SCHEMA_VERSION) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO booking_schema (id, version) VALUES (1, %d)"
                 " ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                 SCHEMA_VERSION);
        ok = exec_ok(pg, sql, PGRES_COMMAND_OK, NULL, errbuf, errbuf_len);
    }
    if (ok)
        ok = exec_ok(pg, "COMMIT", PGRES_COMMAND_OK, NULL, errbuf, errbuf_len);
    if (!ok) {
        PQclear(PQexec(pg, "ROLLBACK"));
        return BOOKING_EOPEN;
    }
    return BOOKING_OK;
}
