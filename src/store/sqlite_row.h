/* SPDX-License-Identifier: MIT */
/*
 * sqlite_row.h: a record of the sqlite store read from a row of bookings.
 */
#ifndef BOOKING_STORE_SQLITE_ROW_H
#define BOOKING_STORE_SQLITE_ROW_H

#include "booking.h"
#include "core/decide.h"

#include <sqlite3.h>

/* The record in the current row of s (columns SQL_BOOKING_COLUMNS, sqlite_conn.c).
 * When want is not NULL, record->same_lines compares its line count and line 0
 * with the row; out (may be NULL) gets the record as stored, named booking_id. */
void bk_sqlite_record_of_row(sqlite3_stmt *s, const char *booking_id, const core_lines *want,
                             core_record *record, booking_record *out);

/* The stored record *out as of now: a held one whose time has come reads
 * expired, changed at its expiry (as the expiry step will write it). */
void bk_sqlite_record_as_of(const core_record *record, int64_t now_ms, booking_record *out);

#endif
