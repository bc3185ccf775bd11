/* SPDX-License-Identifier: MIT */
/*
 * sqlite_store.h: the sqlite store's handle, shared by its write path and reads
 * (sqlite.c) and its listings (sqlite_list.c). See the notes atop sqlite.c.
 */
#ifndef BOOKING_STORE_SQLITE_STORE_H
#define BOOKING_STORE_SQLITE_STORE_H

#include "store/id_table.h"
#include "store/resource_overlay.h"
#include "store/sqlite_conn.h"
#include "store/sqlite_index.h"
#include "store/sqlite_keys.h"
#include "store/store.h"

/* Records per sealed run of the listing index (sqlite.c (12)): the writer seals
 * the next run once this many records follow the last one sealed; a listing
 * scans at most about this many unsealed records. */
#define SQLITE_RUN_ROWS 65536
/* A failed seal is tried again once the store holds this many more records,
 * doubling per failure up to the max (sqlite.c (12)). */
#define SQLITE_SEAL_BACKOFF_MIN 8192
#define SQLITE_SEAL_BACKOFF_MAX (4 * SQLITE_RUN_ROWS)
/* Times a write transaction begins again when it finds the booking_id index
 * forgotten (an allocation failure) once it holds the write lock (sqlite.c (11)). */
#define SQLITE_INDEX_BUILD_TRIES_MAX 3

/* The cursors of a listing, one per sealed run, prepared on the reader when a
 * listing first needs them and kept (sqlite.c (12)); guarded by reader.lock. */
typedef struct sqlite_list_cursors {
    sqlite3_stmt **run; /* run[i] reads run i + 1 */
    size_t count;
    size_t cap;
} sqlite_list_cursors;

typedef struct sqlite_store {
    booking_store base;
    sqlite_conn writer;
    sqlite_conn reader;
    sqlite_index index;          /* booking_id -> seq, (11); its own lock */
    bool index_built;            /* atomic: built once (ensure_index), then caught up */
    /* The index's snapshot in the file, (11); guarded by the index's lock. */
    bool snapshot_tried;         /* the empty index looked for one since it was last empty */
    int64_t snapshot_rejected;   /* the seq of one that failed a check, 0 if none: replaced */
    int64_t snapshot_loaded;     /* the seq of the one loaded, 0 if none */
    int64_t snapshot_growth_min; /* SQLITE_INDEX_SNAPSHOT_GROWTH_MIN, or a test's */
    sqlite_list_cursors cursors; /* (12) */
    sqlite_key_cache keys;       /* (12): the keys since the last seal; guarded by writer.lock */
    int64_t seals_from_memory;   /* committed seals that sorted the key cache's keys; writer.lock */
    /* The open write transaction's state; all guarded by writer.lock. */
    resource_overlay overlay;
    int64_t tx_now;       /* its time, (8) */
    int64_t tx_latest;    /* store_time as it read it */
    bool tx_changed;      /* it wrote a row: it records its time */
    uint64_t tx_expired;  /* holds its expiry steps released, counted at COMMIT */
    int64_t tx_next_seq;  /* the seq of its next new record, (11) */
    int64_t tx_sealed;    /* the last seq sealed into a run as it read it, (12) */
    int64_t seal_backoff;   /* records to wait after a failed seal, 0 after a success */
    int64_t seal_retry_seq; /* no seal is tried before the store's last seq reaches it */
    /* Its new records: pending.keys[i] at pending_seq[i], hash pending_hash[i]. */
    id_table pending;
    int64_t pending_seq[BOOKING_BATCH_MAX];
    uint64_t pending_hash[BOOKING_BATCH_MAX];
    /* Its new records decided but not yet inserted, (5): consecutive seqs from
     * tx_rows_seq, inserted SQLITE_INSERT_ROWS at a time by one statement, and
     * the rest (by the statements of fewer rows) before any other statement of
     * the transaction runs. The strings
     * are the caller's requests', alive for the whole call. */
    struct sqlite_row_out {
        const char *id;
        const char *resource_id;
        int64_t units, hold_ms, expires_at_ms;
        int outcome, status, line_count, line;
    } tx_rows[SQLITE_INSERT_ROWS];
    size_t tx_row_count;
    int64_t tx_rows_seq;
    /* The integers last bound to each row of each record INSERT (a binding
     * stays until rebound; no other code binds those statements): those of
     * SQL_INSERT_BOOKINGS + j (2^j rows) from rows_bound[2^j - 1], valid once
     * bit j of rows_bound_valid is set: a value equal to the last one is not
     * bound again. */
    struct sqlite_row_out rows_bound[2 * SQLITE_INSERT_ROWS - 1];
    unsigned rows_bound_valid;
    /* The lines 1.. of the record a cancel or a confirm changes, (10). */
    booking_record_line tx_lines[BOOKING_LINES_MAX];
    bool tx_line_live[BOOKING_LINES_MAX];
} sqlite_store;

/* The records the booking_id index holds (its latest seq): 0 until a call first
 * needs it (sqlite.c (11)); for tests. */
int64_t bk_sqlite_store_indexed(booking_store *store);
/* The records the booking_id index's catch-ups read from the file (a build
 * reads them all, an open from a snapshot those after it), and the seq of the
 * snapshot it loaded, 0 if none (sqlite.c (11)); for tests. */
uint64_t bk_sqlite_store_index_rows_read(booking_store *store);
int64_t bk_sqlite_store_index_snapshot_loaded(booking_store *store);
/* The growth (records) past the file's snapshot above which the close writes a
 * new one, for tests (default SQLITE_INDEX_SNAPSHOT_GROWTH_MIN; at least 1). */
void bk_sqlite_store_set_index_snapshot_growth(booking_store *store, int64_t records);
/* The snapshots the closes of this process failed to write (each also noted,
 * booking_last_error), for tests. */
uint64_t bk_sqlite_index_snapshot_failures(void);
/* The runs this handle sealed, and committed, from its key cache, not read back from the file
 * (sqlite.c (12), sqlite_keys.h); for tests. */
int64_t bk_sqlite_store_seals_from_memory(booking_store *store);

#endif
