/* SPDX-License-Identifier: MIT */
/*
 * sqlite_keys.c: the key cache of sqlite_keys.h.
 *
 * Invariants, asserted: held <= keys.count (the rest staged); the held keys'
 * seqs are in [first, next) and ascending, and their strings are the arena's
 * first held_bytes bytes, in key order (so dropping a prefix of the keys drops
 * a prefix of the arena); staged keys follow at seqs from next.
 */
#include "store/sqlite_keys.h"

#include <assert.h>
#include <string.h>

void bk_sqlite_key_cache_init(sqlite_key_cache *k)
{
    memset(k, 0, sizeof *k);
}

void bk_sqlite_key_cache_free(sqlite_key_cache *k)
{
    bk_sqlite_run_keys_free(&k->keys);
    memset(k, 0, sizeof *k);
}

/* Holds nothing, from seq on. */
static void empty_from(sqlite_key_cache *k, int64_t seq)
{
    k->keys.count = 0;
    k->keys.used = 0;
    k->held = 0;
    k->held_bytes = 0;
    k->first = seq;
    k->next = seq;
    k->staged_next = seq;
    k->staged_lost = false;
}

void bk_sqlite_key_cache_abort(sqlite_key_cache *k)
{
    assert(k->held <= k->keys.count && k->held_bytes <= k->keys.used);
    k->keys.count = k->held;
    k->keys.used = k->held_bytes;
    k->staged_next = k->next;
    k->staged_lost = false;
}

void bk_sqlite_key_cache_begin(sqlite_key_cache *k, int64_t next_seq)
{
    assert(next_seq >= 1);
    bk_sqlite_key_cache_abort(k); /* nothing is staged between transactions */
    if (k->next != next_seq)
        empty_from(k, next_seq); /* records we did not write, or none held yet */
}

void bk_sqlite_key_cache_stage(sqlite_key_cache *k, const char *resource_id, size_t resource_len,
                               const char *booking_id, size_t id_len, int64_t seq)
{
    /* The next record's first line, or another line of the last one. */
    assert(seq == k->staged_next || (seq == k->staged_next - 1 && k->staged_next > k->next));
    k->staged_next = seq + 1;
    if (k->staged_lost)
        return;
    size_t bytes = (k->keys.count + 1) * sizeof *k->keys.keys + k->keys.used + resource_len + id_len;
    if (bytes > SQLITE_KEY_CACHE_BYTES_MAX ||
        !bk_sqlite_run_keys_add(&k->keys, resource_id, resource_len, booking_id, id_len, seq))
        k->staged_lost = true;
}

void bk_sqlite_key_cache_commit(sqlite_key_cache *k, int64_t next_seq)
{
    assert(next_seq >= k->next && (k->staged_lost || next_seq == k->staged_next));
    if (k->staged_lost) { /* past the cap, or no memory: its buffers go back too */
        bk_sqlite_run_keys_free(&k->keys);
        empty_from(k, next_seq);
        return;
    }
    k->held = k->keys.count;
    k->held_bytes = k->keys.used;
    k->next = next_seq;
    k->staged_next = next_seq;
}

/* The first held key of a record after seq (held if none). */
static size_t first_after(const sqlite_key_cache *k, int64_t seq)
{
    size_t lo = 0, hi = k->held;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->keys.keys[mid].seq <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool bk_sqlite_key_cache_range(const sqlite_key_cache *k, int64_t sealed, int64_t last,
                               size_t *from, size_t *to)
{
    assert(sealed >= 0 && last > sealed);
    if (k->first < 1 || k->first > sealed + 1 || last >= k->next)
        return false;
    *from = first_after(k, sealed);
    *to = first_after(k, last);
    /* Every record of the range has a line held: the first and last among them. */
    assert(*from < *to && k->keys.keys[*from].seq == sealed + 1 &&
           k->keys.keys[*to - 1].seq == last);
    return true;
}

void bk_sqlite_key_cache_drop_through(sqlite_key_cache *k, int64_t seq)
{
    assert(k->held == k->keys.count); /* between transactions */
    if (seq < k->first)
        return;
    if (seq >= k->next - 1) {
        empty_from(k, k->next);
        return;
    }
    size_t i = first_after(k, seq);
    size_t base = i < k->held ? k->keys.keys[i].rid_at : k->held_bytes;
    if (i > 0 && i < k->held) { /* the keys kept move to the front, then their strings */
        memmove(k->keys.keys, k->keys.keys + i, (k->held - i) * sizeof *k->keys.keys);
        memmove(k->keys.arena, k->keys.arena + base, k->held_bytes - base);
    }
    k->held -= i;
    k->held_bytes -= base;
    for (size_t j = 0; j < k->held; j++) {
        k->keys.keys[j].rid_at -= base;
        k->keys.keys[j].id_at -= base;
    }
    k->keys.count = k->held;
    k->keys.used = k->held_bytes;
    k->first = seq + 1;
}
