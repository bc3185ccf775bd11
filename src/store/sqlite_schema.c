/*
 * sqlite_schema.c: migrations of the sqlite store. Migration N (1-based) takes
 * user_version N-1 to N; they run in order, in one BEGIN IMMEDIATE transaction,
 * so two processes opening a new file at once cannot both create it.
 *
 * bookings.outcome is the booking_outcome value (1 BOOKED, 2 REJECTED) and
 * bookings.status the booking_status value (0 none, 1 active, 2 cancelled): a
 * record's reason follows from its outcome (only booked and insufficient_capacity
 * are recorded). The CHECKs restate the invariant, so not even a buggy client
 * with SQL access can oversell.
 */
#include "store/sqlite_schema.h"
#include "store/store.h"

#include <assert.h>
#include <stdio.h>

/* Migration 1's CHECKs spell these numbers out. */
_Static_assert(BOOKING_CAPACITY_MAX == 9007199254740991 && BOOKING_UNITS_MAX == 9007199254740991,
               "the CHECKs on capacity, booked and units");
_Static_assert(BOOKING_BOOKED == 1 && BOOKING_REJECTED == 2, "the CHECK on outcome");
_Static_assert(BOOKING_STATUS_NONE == 0 && BOOKING_STATUS_CANCELLED == 2, "the CHECK on status");

static const char *const migrations[] = {
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
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

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
    for (int v = version; rc == SQLITE_OK && v < SCHEMA_VERSION; v++)
        rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
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
