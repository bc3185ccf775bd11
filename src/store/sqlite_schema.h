/* SPDX-License-Identifier: MIT */
/*
 * sqlite_schema.h: the sqlite store's schema, versioned by PRAGMA user_version.
 */
#ifndef BOOKING_STORE_SQLITE_SCHEMA_H
#define BOOKING_STORE_SQLITE_SCHEMA_H

#include "booking.h"

#include <sqlite3.h>

/* Brings the database to the newest schema in one transaction. Refuses a
 * database whose version is newer than this code knows. */
booking_error bk_sqlite_schema_migrate(sqlite3 *db, char *errbuf, size_t errbuf_len);

#endif
