/* SPDX-License-Identifier: MIT */
/*
 * sqlite_row.c: a record of the sqlite store read from a row of bookings, for the
 * write path (sqlite.c) and the reads and listings (sqlite.c, sqlite_list.c).
 */
#include "store/sqlite_row.h"
#include "store/store.h"

#include <assert.h>
#include <string.h>

/* The record in the current row of s (columns SQL_BOOKING_COLUMNS, sqlite_conn.c).
 * When want is not NULL, record->same_lines compares its line count and line 0
 * with the row (the text dies at the next step or reset: compared here); out (may
 * be NULL) gets the record as stored. */
void bk_sqlite_record_of_row(sqlite3_stmt *s, const char *booking_id, const core_lines *want,
                          core_record *record, booking_record *out)
{
    const char *rid = (const char *)sqlite3_column_text(s, 0);
    int rid_len = sqlite3_column_bytes(s, 0);
    booking_outcome outcome = (booking_outcome)sqlite3_column_int(s, 2);
    uint64_t units = (uint64_t)sqlite3_column_int64(s, 1);
    uint32_t line_count = (uint32_t)sqlite3_column_int(s, 8);
    *record = (core_record){
        .same_lines = want != NULL && want->count == line_count &&
                      bk_core_line_equal(&want->at[0], rid, (size_t)rid_len, units),
        .hold_ms = (uint64_t)sqlite3_column_int64(s, 4),
        .outcome = outcome,
        .reason = bk_core_recorded_reason(outcome),
        .status = (booking_status)sqlite3_column_int(s, 3),
        .expires_at_ms = sqlite3_column_int64(s, 7),
        .line = (uint32_t)sqlite3_column_int(s, 9),
    };
    /* The schema's CHECKs on line_count and line (sqlite_schema.c, version 3). */
    assert(line_count >= 1 && line_count <= BOOKING_LINES_MAX && record->line < line_count);
    assert(record->line == 0 || outcome == BOOKING_REJECTED);
    /* The schema's CHECKs: a REJECTED record has no status, and only a BOOKED
     * hold has held, expired or an end. */
    assert(record->outcome == BOOKING_BOOKED || record->status == BOOKING_STATUS_NONE);
    assert((record->expires_at_ms != 0) == (record->hold_ms != 0 && outcome == BOOKING_BOOKED));
    assert(record->status < BOOKING_STATUS_HELD || record->expires_at_ms != 0);
    if (out != NULL) {
        bk_store_copy_id(out->booking_id, booking_id, strlen(booking_id));
        bk_store_copy_id(out->resource_id, rid ? rid : "", rid ? (size_t)rid_len : 0);
        out->units = units;
        out->line_count = line_count;
        out->line = record->line;
        out->hold_ms = record->hold_ms;
        out->outcome = record->outcome;
        out->reason = record->reason;
        out->status = record->status;
        out->created_at_ms = sqlite3_column_int64(s, 5);
        out->updated_at_ms = sqlite3_column_int64(s, 6);
        out->expires_at_ms = record->expires_at_ms;
    }
}

/* The stored record *out as of now: a held one whose time has come reads
 * expired, changed at its expiry (as the expiry step will write it). */
void bk_sqlite_record_as_of(const core_record *record, int64_t now_ms, booking_record *out)
{
    core_record_view view = bk_core_record_at(record, out->updated_at_ms, now_ms);
    out->status = view.status;
    out->updated_at_ms = view.updated_at_ms;
}
