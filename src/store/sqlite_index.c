/* SPDX-License-Identifier: MIT */
/*
 * sqlite_index.c: the booking_id -> seq index of sqlite_index.h.
 *
 * A key's home slot is the top `bits` bits of its fingerprint (the top 32 bits of
 * its hash), so a slot's value alone says where it belongs in a table of any size
 * up to 2^32 slots: growing needs no hash of the id, only the slots. Invariants,
 * asserted:
 *  (1) count <= 3/4 of the slots; an empty slot always ends a probe.
 *  (2) While growing (old != NULL), every entry of old is in slots or at an old
 *      slot >= moved; moving ends before slots pass 3/4 (INDEX_MOVE_STEP >= 2:
 *      growth starts at 3/4 of old, so slots are at 3/8 and gain at most
 *      old/STEP more entries while the old slots are moved).
 */
#include "store/sqlite_index.h"
#include "store/sqlite_conn.h"
#include "store/store.h"
#include "util/hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert((SQLITE_INDEX_SLOTS_MIN & (SQLITE_INDEX_SLOTS_MIN - 1)) == 0, "a power of two");
_Static_assert(SQLITE_INDEX_MOVE_STEP >= 2, "moving ends before the new table passes 3/4");

#define FULL(bits) (((size_t)3 << (bits)) / 4)
_Static_assert(SQLITE_INDEX_SEQ_MAX == FULL(32), "every seq a file may hold fits the largest table");

static unsigned log2_of(size_t n)
{
    unsigned b = 0;
    while (((size_t)1 << b) < n)
        b++;
    return b;
}

bool bk_sqlite_index_init(sqlite_index *x)
{
    memset(x, 0, sizeof *x);
    x->bits = log2_of(SQLITE_INDEX_SLOTS_MIN);
    x->slots = calloc((size_t)1 << x->bits, sizeof *x->slots);
    if (x->slots == NULL)
        return false;
    if (pthread_mutex_init(&x->lock, NULL) != 0) {
        free(x->slots);
        x->slots = NULL;
        return false;
    }
    /* Two handles of a process never share a seed, even at one address (a
     * handle closed and another opened): a snapshot's seed, adopted on load,
     * is then never the one the handle would have had by chance. */
    static uint64_t handles;
    uint64_t n = __atomic_add_fetch(&handles, 1, __ATOMIC_RELAXED);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t mix[3] = {(uint64_t)(uintptr_t)x, n, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec};
    x->seed = hash_bytes(mix, sizeof mix, 0x5DEECE66Dull);
    return true;
}

void bk_sqlite_index_free(sqlite_index *x)
{
    if (x->slots == NULL)
        return;
    pthread_mutex_destroy(&x->lock);
    free(x->slots);
    free(x->old);
    memset(x, 0, sizeof *x);
}

void bk_sqlite_index_lock(sqlite_index *x)
{
    pthread_mutex_lock(&x->lock);
}

void bk_sqlite_index_unlock(sqlite_index *x)
{
    pthread_mutex_unlock(&x->lock);
}

uint64_t bk_sqlite_index_hash(const sqlite_index *x, const char *id, size_t len)
{
    return hash_bytes(id, len, x->seed);
}

static size_t home(uint64_t value, unsigned bits)
{
    return (size_t)((value >> 32) >> (32 - bits));
}

size_t bk_sqlite_index_home(uint64_t value, unsigned bits)
{
    assert(bits >= 1 && bits <= 32);
    return home(value, bits);
}

/* Puts value into table (of 1 << bits slots) unless there; true if it was new. */
static bool put(uint64_t *table, unsigned bits, uint64_t value)
{
    size_t mask = ((size_t)1 << bits) - 1;
    for (size_t i = home(value, bits);; i = (i + 1) & mask) {
        if (table[i] == value)
            return false;
        if (table[i] == 0) {
            table[i] = value;
            return true;
        }
    }
}

static void move_some(sqlite_index *x)
{
    size_t n = (size_t)1 << x->old_bits;
    size_t end = x->moved + SQLITE_INDEX_MOVE_STEP < n ? x->moved + SQLITE_INDEX_MOVE_STEP : n;
    for (; x->moved < end; x->moved++) {
        uint64_t v = x->old[x->moved];
        if (v != 0 && put(x->slots, x->bits, v))
            x->count++;
    }
    if (x->moved == n) {
        free(x->old);
        x->old = NULL;
        x->old_bits = 0;
        x->moved = 0;
    }
}

bool bk_sqlite_index_add(sqlite_index *x, uint64_t hash, int64_t seq)
{
    assert(seq >= 1 && (uint64_t)seq <= SQLITE_INDEX_SEQ_MAX);
    if (x->old == NULL && x->count + 1 > FULL(x->bits)) {
        assert(x->bits < 32); /* seq <= SQLITE_INDEX_SEQ_MAX = FULL(32): 2^32 slots never fill */
        uint64_t *bigger = calloc((size_t)2 << x->bits, sizeof *bigger);
        if (bigger == NULL)
            return false;
        x->old = x->slots;
        x->old_bits = x->bits;
        x->moved = 0;
        x->slots = bigger;
        x->bits++;
        x->count = 0;
    }
    uint64_t value = (hash & 0xFFFFFFFF00000000ull) | (uint64_t)seq;
    if (put(x->slots, x->bits, value))
        x->count++;
    if (x->old != NULL)
        move_some(x);
    assert(x->count <= FULL(x->bits)); /* (1) */
    return true;
}

void bk_sqlite_index_probe_start(const sqlite_index *x, uint64_t hash, sqlite_index_probe *p)
{
    p->fingerprint = (uint32_t)(hash >> 32);
    p->table = 0;
    p->at = home(hash & 0xFFFFFFFF00000000ull, x->bits);
}

int64_t bk_sqlite_index_probe_next(const sqlite_index *x, sqlite_index_probe *p)
{
    while (p->table < 2) {
        const uint64_t *table = p->table == 0 ? x->slots : x->old;
        unsigned bits = p->table == 0 ? x->bits : x->old_bits;
        if (table == NULL) {
            p->table = 2;
            break;
        }
        size_t mask = ((size_t)1 << bits) - 1;
        while (table[p->at] != 0) {
            uint64_t v = table[p->at];
            p->at = (p->at + 1) & mask;
            if ((uint32_t)(v >> 32) == p->fingerprint)
                return (int64_t)(v & 0xFFFFFFFFull);
        }
        p->table++;
        if (p->table == 1 && x->old != NULL)
            p->at = home((uint64_t)p->fingerprint << 32, x->old_bits);
    }
    return 0;
}

size_t bk_sqlite_index_bytes(const sqlite_index *x)
{
    size_t n = (size_t)1 << x->bits;
    if (x->old != NULL)
        n += (size_t)1 << x->old_bits;
    return n * sizeof(uint64_t);
}

void bk_sqlite_index_forget(sqlite_index *x)
{
    memset(x->slots, 0, ((size_t)1 << x->bits) * sizeof *x->slots);
    free(x->old);
    x->old = NULL;
    x->old_bits = 0;
    x->moved = 0;
    x->count = 0;
    x->latest = 0;
}

void bk_sqlite_index_settle(sqlite_index *x)
{
    while (x->old != NULL)
        move_some(x);
    assert(x->count <= FULL(x->bits)); /* (2): moving ends before slots pass 3/4 */
}

void bk_sqlite_index_adopt(sqlite_index *x, uint64_t *slots, unsigned bits, size_t count,
                           int64_t latest, uint64_t seed)
{
    assert(x->latest == 0 && x->count == 0 && x->old == NULL);
    assert(bits >= log2_of(SQLITE_INDEX_SLOTS_MIN) && bits <= 32 && count <= FULL(bits));
    assert(latest >= 0 && (uint64_t)latest == count); /* one entry per record, none twice */
    free(x->slots);
    x->slots = slots;
    x->bits = bits;
    x->count = count;
    x->latest = latest;
    x->seed = seed;
}

booking_reason bk_sqlite_index_catch_up(sqlite_index *x, struct sqlite_conn *c)
{
    sqlite3_stmt *s = c->stmt[SQL_SCAN_IDS];
    sqlite3_bind_int64(s, 1, x->latest);
    int rc = SQLITE_DONE;
    booking_reason r = BOOKING_REASON_OK;
    while (r == BOOKING_REASON_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *id = (const char *)sqlite3_column_text(s, 1);
        if (seq != x->latest + 1 || id == NULL || (uint64_t)seq > SQLITE_INDEX_SEQ_MAX) {
            bk_store_note_error("sqlite: record seq %lld follows %lld: a gap in bookings",
                                (long long)seq, (long long)x->latest);
            r = BOOKING_REASON_INTERNAL; /* a gap, or a record deleted: never written so */
            break;
        }
        x->rows_read++;
        uint64_t hash = bk_sqlite_index_hash(x, id, (size_t)sqlite3_column_bytes(s, 1));
        if (!bk_sqlite_index_add(x, hash, seq))
            r = BOOKING_REASON_INTERNAL; /* no memory; what is in stays true */
        else
            x->latest = seq;
    }
    sqlite3_reset(s);
    if (r == BOOKING_REASON_OK && rc != SQLITE_DONE)
        r = bk_sqlite_reason(rc);
    return r;
}
