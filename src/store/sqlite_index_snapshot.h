/* SPDX-License-Identifier: MIT */
/*
 * sqlite_index_snapshot.h: a snapshot of the booking_id -> seq index
 * (sqlite_index.h) kept inside the store's file (schema version 6,
 * sqlite_schema.c), so an open loads it and catches up from its seq instead of
 * reading every (seq, id) (sqlite.c note (11)).
 *
 * What the file holds: one head row (booking_index_snapshot: the format, the
 * seq L it covers, i.e. every record with seq <= L is in it and no other, the
 * index's hash seed and a probe of the hash function under it, the table's
 * geometry, the chunk count, a checksum of the head) and the slots in chunks
 * (booking_index_snapshot_chunks: SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS slots of 8
 * bytes little-endian per row, each with its checksum). Written in one
 * transaction of the caller, so a file, and any copy, backup or fork of it,
 * carries the snapshot of its own records: no file identity is needed. Records
 * at or below L never change behind it: bookings rows are never deleted and their
 * seq and id never updated (the schema's triggers refuse both).
 *
 * A snapshot is only a cache: load leaves the index as it was, refusing the
 * snapshot, unless every check passes: the format, the head's checksum, the probe
 * (the hash function and its byte order are this build's), the geometry, each
 * chunk's index, size and checksum, the row at seq L exists (L <= max(seq)),
 * exactly one entry per seq 1..L, each reachable from its home slot, and
 * SQLITE_INDEX_SNAPSHOT_SAMPLES records read by seq found by their id's hash.
 * Then the index is built as before, and the close replaces it. A load that
 * could not read it (no memory, an I/O error) builds too, but leaves it: it may
 * be sound. A fingerprint is still only a candidate confirmed by reading the
 * row (sqlite.c, find_seq).
 */
#ifndef BOOKING_STORE_SQLITE_INDEX_SNAPSHOT_H
#define BOOKING_STORE_SQLITE_INDEX_SNAPSHOT_H

#include "store/sqlite_index.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* Bumped whenever the slots' layout or the hash changes meaning. */
#define SQLITE_INDEX_SNAPSHOT_FORMAT 1
/* Slots per chunk row: 4 MiB of blob (SQLite's largest blob is ~1e9 bytes). */
#define SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS ((size_t)1 << 19)
/* The seed of the head's and the chunks' checksums (a chunk's: xor its index),
 * and the text whose hash under the snapshot's seed is its probe. */
#define SQLITE_INDEX_SNAPSHOT_CHECKSUM_SEED 0x51A7D0C5E1F0B00Cull
#define SQLITE_INDEX_SNAPSHOT_PROBE_TEXT "booking_id index snapshot probe"
/* Records read by seq and looked up by id before a snapshot is taken. */
#define SQLITE_INDEX_SNAPSHOT_SAMPLES 64
/* A handle writes a snapshot at close when its index holds at least this many
 * records more than the file's snapshot (sqlite.c note (11)). */
#define SQLITE_INDEX_SNAPSHOT_GROWTH_MIN 262144

/* What a load did: took it, refused it (it failed a check: the close may
 * replace it), or could not read it (no memory, an I/O error or a busy file:
 * it may be sound, so it is left as it is). */
typedef enum sqlite_snapshot_load {
    SQLITE_SNAPSHOT_LOADED,
    SQLITE_SNAPSHOT_REFUSED,
    SQLITE_SNAPSHOT_UNREAD,
} sqlite_snapshot_load;

/* Into the empty index x (latest 0), the snapshot of db, read in the caller's
 * read transaction; x is untouched unless LOADED (why not goes to
 * bk_store_note_error). REFUSED also when there is none. */
sqlite_snapshot_load bk_sqlite_index_snapshot_load(sqlite_index *x, sqlite3 *db);

/* The seq the file's snapshot covers, 0 if it has none (*latest), read in the
 * caller's transaction; an SQLite code. */
int bk_sqlite_index_snapshot_latest(sqlite3 *db, int64_t *latest);

/* Replaces the file's snapshot by x's (settled first: bk_sqlite_index_settle),
 * in the caller's write transaction; an SQLite code. Called with x's lock held. */
int bk_sqlite_index_snapshot_write(sqlite_index *x, sqlite3 *db);

#endif
