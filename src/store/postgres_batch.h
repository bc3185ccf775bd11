/* SPDX-License-Identifier: MIT */
/*
 * postgres_batch.h: the per-connection scratch of one postgres batch: the
 * resources it touches (the shared resource overlay), the records of its
 * booking_ids (read from the database or decided earlier in the batch; keyed by
 * the same id table as the overlay, store/id_table.h), and the
 * text of the array parameters that carry a whole batch in one statement.
 * Allocated once per connection, on first use, for BOOKING_BATCH_MAX resources;
 * a batch of bundles that names more (up to BOOKING_BATCH_LINES_MAX) makes it
 * grow first (bk_pg_batch_fit), so a connection that never sees one never pays.
 */
#ifndef BOOKING_STORE_POSTGRES_BATCH_H
#define BOOKING_STORE_POSTGRES_BATCH_H

/* The arrays of one INSERT of new records, from BOOKING_PG_ARR_INS_IDS on, and
 * of one INSERT of their lines 1.., from BOOKING_PG_ARR_LINE_IDS on. */
#define BOOKING_PG_INSERT_ARRAYS 9
#define BOOKING_PG_INSERT_LINE_ARRAYS 6

#include "store/resource_overlay.h"

/* A growing text buffer for one array literal ("{"a","b"}", "{1,2}"). */
typedef struct pg_text {
    char *p;
    size_t len, cap;
    bool failed; /* an allocation failed: the text is incomplete */
} pg_text;

void bk_pg_text_reset(pg_text *t);
void bk_pg_text_free(pg_text *t);
/* Appends one element; quoted elements are ids ([A-Za-z0-9._:-], never needing
 * an escape; quoted so that an id "NULL" is not read as SQL NULL). */
void bk_pg_text_add_id(pg_text *t, const char *id, size_t len);
void bk_pg_text_add_u64(pg_text *t, uint64_t v);
void bk_pg_text_add_i64(pg_text *t, int64_t v);
void bk_pg_text_add_bool(pg_text *t, bool v);
/* Closes the literal; NULL if an allocation failed. */
const char *bk_pg_text_finish(pg_text *t);

/* A booking_id's record as far as the batch knows it. */
typedef struct pg_record {
    bool exists;
    const char *resource_id; /* line 0's; borrowed: the database row or a request */
    uint64_t units;          /* line 0's */
    uint32_t line_count;     /* 1..BOOKING_LINES_MAX */
    uint32_t line;           /* a REJECTED record's failing line; else 0 */
    /* line_count > 1: every line 0..line_count-1, borrowed (the request's lines,
     * or the batch's record_lines over the database rows); else NULL */
    const booking_line *lines;
    uint32_t lines_read; /* while loading: lines 1.. read so far */
    booking_outcome outcome;
    booking_status status; /* as stored: a held one may have expired (bk_core_status_at) */
    uint64_t hold_ms;      /* 0: not a hold */
    int64_t created_at_ms, updated_at_ms;
    int64_t expires_at_ms; /* a BOOKED hold's end (created_at_ms + hold_ms); else 0 */
} pg_record;

/* records[i] belongs to the booking_id of index i in ids. */
typedef struct pg_record_map {
    id_table ids;
    pg_record *records;
} pg_record_map;

typedef enum pg_array {
    BOOKING_PG_ARR_RESOURCE_IDS, /* flight 1: resources to lock (every line's) */
    BOOKING_PG_ARR_BOOKING_IDS,  /* flight 1: records to read */
    BOOKING_PG_ARR_INS_IDS,      /* flight 2: new records (line 0 in the record) */
    BOOKING_PG_ARR_INS_RESOURCES,
    BOOKING_PG_ARR_INS_UNITS,
    BOOKING_PG_ARR_INS_OUTCOMES,
    BOOKING_PG_ARR_INS_STATUSES,
    BOOKING_PG_ARR_INS_HOLD_MS,
    BOOKING_PG_ARR_INS_EXPIRES_AT,
    BOOKING_PG_ARR_INS_LINE_COUNTS,
    BOOKING_PG_ARR_INS_LINES,
    BOOKING_PG_ARR_LINE_IDS, /* flight 2: lines 1.. of the new records */
    BOOKING_PG_ARR_LINE_NUMBERS,
    BOOKING_PG_ARR_LINE_RESOURCES,
    BOOKING_PG_ARR_LINE_UNITS,
    BOOKING_PG_ARR_LINE_HELD,
    BOOKING_PG_ARR_LINE_EXPIRES_AT,
    BOOKING_PG_ARR_UPD_IDS, /* flight 2: changed counters (and their clock_ms) */
    BOOKING_PG_ARR_UPD_BOOKED,
    BOOKING_PG_ARR_EXPIRE_IDS, /* flight 2: line-0 hold entries whose expiry this batch applies */
    BOOKING_PG_ARR_EXPIRE_LINE_IDS, /* flight 2: the same for lines 1.. (booking_id, line) */
    BOOKING_PG_ARR_EXPIRE_LINE_NUMBERS,
    BOOKING_PG_ARR_COUNT
} pg_array;

typedef struct pg_batch {
    resource_overlay overlay;
    size_t overlay_max; /* entries the overlay was made for */
    pg_record_map records;
    booking_line *record_lines; /* the lines of records read from the database */
    size_t record_lines_cap, record_lines_used;
    pg_text arrays[BOOKING_PG_ARR_COUNT];
} pg_batch;

pg_batch *bk_pg_batch_new(void);
void bk_pg_batch_free(pg_batch *b);
void bk_pg_batch_reset(pg_batch *b);
/* Makes room for a batch that touches up to `resources` resources
 * (<= BOOKING_BATCH_LINES_MAX); false if it cannot be allocated. Only right
 * after a reset: a grown overlay starts empty. */
bool bk_pg_batch_fit(pg_batch *b, size_t resources);
/* n consecutive lines of record_lines for a record read from the database;
 * NULL past what bk_pg_batch_fit_lines made room for. */
booking_line *bk_pg_record_lines_take(pg_batch *b, size_t n);
/* Room for `lines` record lines in all (the rows of one record read), after a
 * reset; false if it cannot be allocated. */
bool bk_pg_batch_fit_lines(pg_batch *b, size_t lines);

/* The record of id; *fresh when just added. NULL only past entries_max. */
pg_record *bk_pg_record_get(pg_record_map *m, const char *id, size_t len, bool *fresh);
/* The record of id if present, else NULL. */
pg_record *bk_pg_record_find(pg_record_map *m, const char *id, size_t len);

#endif
