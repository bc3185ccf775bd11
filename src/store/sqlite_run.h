/* SPDX-License-Identifier: MIT */
/*
 * sqlite_run.h: the pages of the sqlite store's sorted runs (sqlite.c note (12),
 * schema version 5). A run is stored as pages: one row of booking_runs per
 * SQLITE_RUN_PAGE_KEYS keys (at most) of one resource, in ascending booking_id,
 * keyed (run, resource_id, last_id) where last_id is the page's greatest
 * booking_id, so a seek on last_id > after finds the page of the first key
 * after `after`, and the rows that follow it are the rest of the run in order.
 *
 * A page's entries blob is its keys in ascending (bytewise) order, each
 *   [1 byte: id length 1..BOOKING_ID_LEN_MAX] [the id's bytes] [seq: LEB128]
 * and its keys column says how many. A reader checks every length and seq
 * against the blob's end, so a damaged page answers SQLITE_CORRUPT, never a
 * read past it.
 *
 * Sealing (bk_sqlite_run_seal) reads every line of the records in a seq range,
 * sorts them in C and writes the pages (bk_sqlite_run_seal_keys sorts and writes
 * keys the caller kept, sqlite_keys.h); the schema's migration 5 rewrites the
 * runs of version 4 (one row per key) into pages with the same writer.
 */
#ifndef BOOKING_STORE_SQLITE_RUN_H
#define BOOKING_STORE_SQLITE_RUN_H

#include "booking.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A page ends at SQLITE_RUN_PAGE_KEYS keys or before its blob would pass
 * SQLITE_RUN_PAGE_BYTES_MAX: its row (blob, last_id of at most 128 bytes and a
 * few small columns) then stays within a 4 KB table leaf's 4,061 bytes of local
 * payload, one row per leaf filled ~94% with UUIDv4 keys (96 x 40 bytes). */
#define SQLITE_RUN_PAGE_KEYS 96
#define SQLITE_RUN_PAGE_BYTES_MAX 3840
#define SQLITE_RUN_SEQ_BYTES_MAX 10 /* a LEB128 int64 */

/* The text of the insert of one page: ?1 run, ?2 resource_id, ?3 last_id, ?4 keys,
 * ?5 entries. */
extern const char bk_sqlite_sql_run_page_insert[];

/* Writes the pages of one run from keys given in ascending (resource_id,
 * booking_id) order: a page ends when it is full or the resource changes. */
typedef struct sqlite_run_writer {
    sqlite3_stmt *insert; /* bk_sqlite_sql_run_page_insert, borrowed */
    int64_t run;
    char resource_id[BOOKING_ID_LEN_MAX + 1];
    size_t resource_len;
    char last_id[BOOKING_ID_LEN_MAX + 1];
    size_t last_len;
    size_t keys;
    size_t bytes;
    int64_t pages; /* written so far */
    unsigned char page[SQLITE_RUN_PAGE_BYTES_MAX];
} sqlite_run_writer;

void bk_sqlite_run_writer_start(sqlite_run_writer *w, sqlite3_stmt *insert, int64_t run);
/* The next key; SQLITE_OK or the insert's error. */
int bk_sqlite_run_writer_add(sqlite_run_writer *w, const char *resource_id, size_t resource_len,
                             const char *booking_id, size_t id_len, int64_t seq);
/* Writes the last page; SQLITE_OK or the insert's error. */
int bk_sqlite_run_writer_finish(sqlite_run_writer *w);

/* Walks one page's entries blob. */
typedef struct sqlite_run_page {
    const unsigned char *at;
    const unsigned char *end;
    int64_t keys_left;
} sqlite_run_page;

void bk_sqlite_run_page_open(sqlite_run_page *p, const void *blob, size_t bytes, int64_t keys);
/* The page's next key: SQLITE_ROW (with *id, *len, *seq), SQLITE_DONE at its end,
 * SQLITE_CORRUPT for a blob that does not hold what its keys column says. *id
 * points into the blob (not NUL-terminated). */
int bk_sqlite_run_page_next(sqlite_run_page *p, const char **id, size_t *len, int64_t *seq);

/* Keys to seal, one per line of a record: the strings in an arena, by offset
 * (the arena moves as it grows), in the order added. */
typedef struct sqlite_run_key {
    int64_t seq;
    uint32_t rid_at, id_at; /* offsets into the arena */
    uint8_t rid_len, id_len;
} sqlite_run_key;

#define SQLITE_RUN_KEYS_ARENA_MAX UINT32_MAX /* a 32-bit offset reaches every byte */

typedef struct sqlite_run_keys {
    sqlite_run_key *keys;
    size_t count, cap;
    char *arena;
    size_t used, arena_cap;
} sqlite_run_keys;

/* Appends a key; false (nothing added) when it does not fit in memory (or the
 * arena would pass SQLITE_RUN_KEYS_ARENA_MAX). */
bool bk_sqlite_run_keys_add(sqlite_run_keys *b, const char *resource_id, size_t resource_len,
                            const char *booking_id, size_t id_len, int64_t seq);
void bk_sqlite_run_keys_free(sqlite_run_keys *b);

/* Seals keys [from, to) of src, every line of the records of one seq range, as
 * run `run` with `insert`, inside the caller's write transaction: sorted, one
 * key per (resource, record) kept. SQLITE_OK or an error (SQLITE_NOMEM when the
 * sort does not fit in memory). */
int bk_sqlite_run_seal_keys(sqlite3_stmt *insert, int64_t run, const sqlite_run_keys *src,
                            size_t from, size_t to);

/* Seals the records with seq in (sealed, last] as run `run`: reads every line
 * of them with `keys` (?1 sealed, ?2 last: rows of resource_id, booking_id, seq),
 * sorts them and writes them with `insert`, inside the caller's write
 * transaction. One key per (resource, record) is kept. SQLITE_OK or an error
 * (SQLITE_NOMEM when the keys do not fit in memory). */
int bk_sqlite_run_seal(sqlite3_stmt *keys, sqlite3_stmt *insert, int64_t run, int64_t sealed,
                       int64_t last);

#endif
