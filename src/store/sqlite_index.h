/* SPDX-License-Identifier: MIT */
/*
 * sqlite_index.h: the sqlite store's booking_id -> seq index, in memory, one per
 * store handle (sqlite.c note (11)). A slot is 8 bytes: the top 32 bits of the
 * id's hash (its fingerprint) and the record's seq (the rowid of bookings). A
 * fingerprint match is only a candidate: the caller confirms it by reading the row
 * at that seq and comparing the id, so a collision costs a read, never a wrong
 * answer. Open addressing with linear probing, at most 3/4 full; it grows by
 * moving INDEX_MOVE_STEP slots of the old table per add into one twice its size
 * (lookups probe both meanwhile), so no add ever moves the whole table.
 *
 * Nothing is ever removed (records are never deleted), so a slot once written
 * stays. The file may keep a snapshot of the slots (sqlite_index_snapshot.h),
 * which an empty index adopts (bk_sqlite_index_adopt) with its seed. Every function is called with the index's lock held (bk_sqlite_index_lock),
 * but init and free.
 */
#ifndef BOOKING_STORE_SQLITE_INDEX_H
#define BOOKING_STORE_SQLITE_INDEX_H

#include "booking.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* seq lives in the low 32 bits of a slot, and the table of 2^32 slots holds at
 * most 3/4 of that many entries (sqlite_index.c's FULL): the records a file may hold. */
#define SQLITE_INDEX_SEQ_MAX (((uint64_t)3 << 32) / 4)
#define SQLITE_INDEX_SLOTS_MIN 4096     /* power of two */
#define SQLITE_INDEX_MOVE_STEP 4        /* old slots moved per add while growing */

typedef struct sqlite_index {
    pthread_mutex_t lock;
    uint64_t *slots; /* 0: empty; else fingerprint << 32 | seq */
    unsigned bits;   /* slots = 1 << bits */
    size_t count;    /* entries in slots (moved ones included) */
    uint64_t *old;   /* the table being moved from, or NULL */
    unsigned old_bits;
    size_t moved;    /* old slots [0, moved) are in slots */
    int64_t latest;  /* every record with seq <= latest is in the index */
    uint64_t seed;
    uint64_t rows_read; /* records the catch-ups read from the file, for tests */
} sqlite_index;

/* A walk over the candidates of one hash: both tables while growing. */
typedef struct sqlite_index_probe {
    uint32_t fingerprint;
    int table; /* 0: slots, 1: old, 2: done */
    size_t at;
} sqlite_index_probe;

bool bk_sqlite_index_init(sqlite_index *x);
void bk_sqlite_index_free(sqlite_index *x);
void bk_sqlite_index_lock(sqlite_index *x);
void bk_sqlite_index_unlock(sqlite_index *x);

/* id's hash under x's seed. The seed changes when a snapshot is adopted (by a
 * catch-up of an empty index): call with x locked, or where no catch-up can
 * adopt one (a writer after write_begin's catch-up, sqlite.c (11)), and take
 * the hash again after a catch-up. */
uint64_t bk_sqlite_index_hash(const sqlite_index *x, const char *id, size_t len);
/* Adds (hash, seq) unless it is in already; false only when growing found no memory. */
bool bk_sqlite_index_add(sqlite_index *x, uint64_t hash, int64_t seq);
/* The candidates of hash, one per call of next; next answers 0 when there are no more. */
void bk_sqlite_index_probe_start(const sqlite_index *x, uint64_t hash, sqlite_index_probe *p);
int64_t bk_sqlite_index_probe_next(const sqlite_index *x, sqlite_index_probe *p);
/* Bytes of slots allocated (both tables while growing). */
size_t bk_sqlite_index_bytes(const sqlite_index *x);
/* Empties the index (latest 0): the next catch-up rebuilds it from the table. */
void bk_sqlite_index_forget(sqlite_index *x);
/* Ends a growth in progress (moves every old slot that is left), so the index is
 * one table: what a snapshot writes (sqlite_index_snapshot.h). */
void bk_sqlite_index_settle(sqlite_index *x);
/* An empty index (latest 0) takes slots (1 << bits of them, count entries, every
 * record with seq <= latest, fingerprints under seed: a snapshot's, checked by
 * its reader) in place of its own table, which it frees. */
void bk_sqlite_index_adopt(sqlite_index *x, uint64_t *slots, unsigned bits, size_t count,
                           int64_t latest, uint64_t seed);
/* The home slot of a slot's value in a table of 1 << bits slots. */
size_t bk_sqlite_index_home(uint64_t value, unsigned bits);

/* Adds every record of c's snapshot with seq > latest, in seq order, and raises
 * latest to the last; seqs run 1, 2, 3, ... with no gap (records are never
 * deleted), so a gap is corruption. */
struct sqlite_conn;
booking_reason bk_sqlite_index_catch_up(sqlite_index *x, struct sqlite_conn *c);

#endif
