/* SPDX-License-Identifier: MIT */
/*
 * sqlite_keys.h: the listing keys of the records written since the last seal,
 * in memory, one cache per store handle (sqlite.c notes (11) and (12)), so a
 * seal sorts them without reading its 65,536 records back.
 *
 * What it holds: for every record with seq in [first, next), the key of each of
 * its lines (resource_id, booking_id, seq), in seq order; nothing more. A key
 * never changes once its record committed (records are never deleted and no
 * statement changes an id, a resource or a seq), so held keys stay true.
 *
 * How it stays so, all under the handle's writer lock (the one that guards the
 * booking_id index's catch-up and the open transaction):
 *  - begin(next_seq) after the index caught up under SQLite's write lock, with
 *    next_seq = the index's latest + 1: when next differs (another process or
 *    handle wrote, or a commit of ours that failed surfaced), the cache empties
 *    and holds from next_seq on; a gap is never papered over.
 *  - stage() the keys of the transaction's new records, at consecutive seqs
 *    from next; commit() once COMMIT returned makes them held (next moves past
 *    them); abort() (any failure, a rollback) drops them: a failed or
 *    rolled-back transaction leaves the cache as it was.
 *  - A key that does not fit (no memory, or past SQLITE_KEY_CACHE_BYTES_MAX
 *    while seals fail and back off) empties the cache at the commit and frees
 *    its buffers (which grow by doubling: up to twice the bytes in use until
 *    then): best effort, a seal then reads its keys from the file as before.
 *  - range(sealed, last) says whether every key of (sealed, last] is held, and
 *    which; drop_through(seq) forgets the keys of records up to seq once sealed.
 */
#ifndef BOOKING_STORE_SQLITE_KEYS_H
#define BOOKING_STORE_SQLITE_KEYS_H

#include "store/sqlite_run.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys and strings held at most. A key is 24 bytes and its strings: 80 with
 * a UUIDv4 on a 20-byte resource id, ~5 MB held for a run of 65,536 records
 * (measured: `booking bench` batch 64, 200k attempts, peak RSS 41.6 -> 43.1
 * MB; the seal's own buffers were as large, but only while it ran). A store
 * of 64-line bundles, or one whose seals keep failing, passes it and reads its
 * keys from the file. */
#define SQLITE_KEY_CACHE_BYTES_MAX ((size_t)32 << 20)
_Static_assert(SQLITE_KEY_CACHE_BYTES_MAX <= SQLITE_RUN_KEYS_ARENA_MAX, "offsets reach every byte");

typedef struct sqlite_key_cache {
    sqlite_run_keys keys; /* [0, held) held, then the open transaction's staged */
    size_t held;          /* keys held */
    size_t held_bytes;    /* arena bytes of the held keys */
    int64_t first;        /* held: every line of every record with seq in [first, next) */
    int64_t next;
    int64_t staged_next;  /* the seq after the staged records */
    bool staged_lost;     /* a staged key did not fit: commit() empties the cache */
} sqlite_key_cache;

void bk_sqlite_key_cache_init(sqlite_key_cache *k);
void bk_sqlite_key_cache_free(sqlite_key_cache *k);
/* A write transaction begins; next_seq is the seq its first new record takes. */
void bk_sqlite_key_cache_begin(sqlite_key_cache *k, int64_t next_seq);
/* A line's key of the transaction's new record at seq (the begun next_seq, then
 * each next one in turn; a record's lines one after another). */
void bk_sqlite_key_cache_stage(sqlite_key_cache *k, const char *resource_id, size_t resource_len,
                               const char *booking_id, size_t id_len, int64_t seq);
/* The transaction committed, its records being every seq below next_seq. */
void bk_sqlite_key_cache_commit(sqlite_key_cache *k, int64_t next_seq);
/* The transaction failed or rolled back: its keys are dropped. */
void bk_sqlite_key_cache_abort(sqlite_key_cache *k);
/* Whether every key of the records (sealed, last] is held: then they are
 * keys.keys[*from, *to). */
bool bk_sqlite_key_cache_range(const sqlite_key_cache *k, int64_t sealed, int64_t last,
                               size_t *from, size_t *to);
/* Forgets the keys of the records up to seq (sealed): O(the keys kept). */
void bk_sqlite_key_cache_drop_through(sqlite_key_cache *k, int64_t seq);

#endif
