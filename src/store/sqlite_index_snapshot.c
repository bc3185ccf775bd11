/* SPDX-License-Identifier: MIT */
/*
 * sqlite_index_snapshot.c: the booking_id index's snapshot in the store's file
 * (sqlite_index_snapshot.h).
 */
#include "store/sqlite_index_snapshot.h"
#include "store/store.h"
#include "util/hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS & (SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS - 1)) == 0,
               "a power of two: a table is one chunk or a whole number of them");
_Static_assert(SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS * 8 <= 1000000000, "SQLite's largest blob");
_Static_assert(SQLITE_INDEX_SNAPSHOT_SAMPLES >= 1, "at least the record at L is looked up");

#define CHECKSUM_SEED SQLITE_INDEX_SNAPSHOT_CHECKSUM_SEED
static const char probe_text[] = SQLITE_INDEX_SNAPSHOT_PROBE_TEXT;

static uint64_t probe_of(uint64_t seed)
{
    return hash_bytes(probe_text, sizeof probe_text - 1, seed);
}

typedef struct head {
    int64_t format, latest, seed, probe, bits, count, chunks;
} head;
#define HEAD_FIELDS 7 /* head's fields, in the order of its row's columns */

/* h's fields in column order: what the checksum covers and the row stores. */
static void head_fields(const head *h, int64_t v[HEAD_FIELDS])
{
    const int64_t fields[HEAD_FIELDS] = {h->format, h->latest, h->seed, h->probe,
                                         h->bits,   h->count,  h->chunks};
    memcpy(v, fields, sizeof fields);
}

static uint64_t head_checksum(const head *h)
{
    int64_t v[HEAD_FIELDS];
    head_fields(h, v);
    return hash_bytes(v, sizeof v, CHECKSUM_SEED);
}

static uint64_t chunk_checksum(const void *bytes, size_t len, int64_t chunk)
{
    return hash_bytes(bytes, len, CHECKSUM_SEED ^ (uint64_t)chunk);
}

static size_t chunk_slots(unsigned bits)
{
    size_t n = (size_t)1 << bits;
    return n < SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS ? n : SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS;
}

/* Slots as 8 bytes little-endian each, in place (a no-op on a little-endian host). */
static void to_little_endian(uint64_t *slots, size_t n)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    for (size_t i = 0; i < n; i++)
        slots[i] = __builtin_bswap64(slots[i]);
#else
    (void)slots;
    (void)n;
#endif
}

/* Each check's answer: passed, or how the snapshot is not used. */
typedef enum verdict { PASSED, REFUSED, UNREAD } verdict;

static verdict refuse(verdict v, const char *why)
{
    assert(v != PASSED);
    bk_store_note_error("sqlite: the booking_id index snapshot is not used (%s): built instead", why);
    return v;
}

/* Whether value is found from its home slot before an empty one. */
static bool reaches(const uint64_t *slots, unsigned bits, uint64_t value)
{
    size_t mask = ((size_t)1 << bits) - 1;
    for (size_t i = bk_sqlite_index_home(value, bits);; i = (i + 1) & mask) {
        if (slots[i] == value)
            return true;
        if (slots[i] == 0)
            return false;
    }
}

/* Exactly one entry per seq 1..latest, each reachable from its home slot (no
 * empty slot between them). */
static verdict slots_sound(const uint64_t *slots, unsigned bits, int64_t latest)
{
    size_t n = (size_t)1 << bits, mask = n - 1;
    unsigned char *seen = calloc((size_t)latest / 8 + 1, 1);
    if (seen == NULL)
        return refuse(UNREAD, "no memory to check it");
    size_t empty = 0;
    while (empty < n && slots[empty] != 0)
        empty++;
    bool ok = empty < n; /* at most 3/4 full: an empty slot ends every probe */
    size_t entries = 0, run_start = (empty + 1) & mask;
    for (size_t k = 1; ok && k <= n; k++) {
        size_t i = (empty + k) & mask;
        uint64_t v = slots[i];
        if (v == 0) {
            run_start = (i + 1) & mask;
            continue;
        }
        int64_t seq = (int64_t)(v & 0xFFFFFFFFull);
        size_t h = bk_sqlite_index_home(v, bits);
        ok = seq >= 1 && seq <= latest && (seen[seq / 8] & (1u << (seq % 8))) == 0 &&
             ((i - h) & mask) <= ((i - run_start) & mask);
        if (ok)
            seen[seq / 8] |= (unsigned char)(1u << (seq % 8));
        entries++;
    }
    free(seen);
    return ok && entries == (size_t)latest ? PASSED
                                           : refuse(REFUSED, "its slots are not one per record");
}

/* The record at seq read by id and found by its hash: fingerprint and place
 * agree (UNREAD when the read fails, REFUSED when there is no such record). */
static verdict sample_found(sqlite3_stmt *by_seq, const uint64_t *slots, unsigned bits,
                            uint64_t seed, int64_t seq, const char *why)
{
    sqlite3_bind_int64(by_seq, 1, seq);
    int rc = sqlite3_step(by_seq);
    verdict v = rc == SQLITE_ROW || rc == SQLITE_DONE ? REFUSED : UNREAD;
    if (rc == SQLITE_ROW && sqlite3_column_text(by_seq, 0) != NULL) {
        uint64_t hash = hash_bytes(sqlite3_column_text(by_seq, 0),
                                   (size_t)sqlite3_column_bytes(by_seq, 0), seed);
        if (reaches(slots, bits, (hash & 0xFFFFFFFF00000000ull) | (uint64_t)seq))
            v = PASSED;
    }
    sqlite3_reset(by_seq);
    return v == PASSED ? PASSED : refuse(v, v == UNREAD ? "a record could not be read" : why);
}

/* The head into h (*present: there is one and its checksum holds); false on a
 * failed read. */
static bool read_head(sqlite3 *db, head *h, bool *present)
{
    sqlite3_stmt *s = NULL;
    *present = false;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT format, latest, seed, probe, bits, count, chunks, checksum"
                                " FROM booking_index_snapshot WHERE id = 1",
                                -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *present = true;
        h->format = sqlite3_column_int64(s, 0);
        h->latest = sqlite3_column_int64(s, 1);
        h->seed = sqlite3_column_int64(s, 2);
        h->probe = sqlite3_column_int64(s, 3);
        h->bits = sqlite3_column_int64(s, 4);
        h->count = sqlite3_column_int64(s, 5);
        h->chunks = sqlite3_column_int64(s, 6);
        *present = (uint64_t)sqlite3_column_int64(s, 7) == head_checksum(h);
        if (!*present)
            refuse(REFUSED, "its head's checksum differs");
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE;
}

static verdict head_sound(const head *h)
{
    if (h->format != SQLITE_INDEX_SNAPSHOT_FORMAT)
        return refuse(REFUSED, "another format");
    if ((uint64_t)h->probe != probe_of((uint64_t)h->seed))
        return refuse(REFUSED, "another hash function");
    if (h->bits < 1 || h->bits > 32 || ((size_t)1 << h->bits) < SQLITE_INDEX_SLOTS_MIN ||
        h->latest < 1 || (uint64_t)h->latest > SQLITE_INDEX_SEQ_MAX || h->count != h->latest ||
        (uint64_t)h->count > ((uint64_t)3 << h->bits) / 4 ||
        (uint64_t)h->chunks != ((uint64_t)1 << h->bits) / chunk_slots((unsigned)h->bits))
        return refuse(REFUSED, "its geometry");
    return PASSED;
}

/* Every chunk, in order, into slots; each its size and checksum. */
static verdict read_chunks(sqlite3 *db, const head *h, uint64_t *slots)
{
    size_t per = chunk_slots((unsigned)h->bits);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT chunk, slots, checksum FROM booking_index_snapshot_chunks"
                                " ORDER BY chunk",
                                -1, &s, NULL);
    int64_t next = 0;
    bool ok = rc == SQLITE_OK;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const void *bytes = sqlite3_column_blob(s, 1);
        size_t len = (size_t)sqlite3_column_bytes(s, 1);
        ok = sqlite3_column_int64(s, 0) == next && next < h->chunks && bytes != NULL &&
             len == per * sizeof *slots &&
             (uint64_t)sqlite3_column_int64(s, 2) == chunk_checksum(bytes, len, next);
        if (ok)
            memcpy(slots + (size_t)next * per, bytes, len);
        next++;
    }
    sqlite3_finalize(s);
    if (ok && rc != SQLITE_DONE)
        return refuse(UNREAD, "a chunk could not be read");
    if (!ok || next != h->chunks)
        return refuse(REFUSED, "a chunk is missing, out of place or its checksum differs");
    to_little_endian(slots, (size_t)1 << h->bits); /* the same swap both ways */
    return PASSED;
}

sqlite_snapshot_load bk_sqlite_index_snapshot_load(sqlite_index *x, sqlite3 *db)
{
    assert(x->latest == 0 && x->count == 0 && x->old == NULL);
    head h;
    bool present;
    if (!read_head(db, &h, &present))
        return SQLITE_SNAPSHOT_UNREAD;
    if (!present || head_sound(&h) != PASSED)
        return SQLITE_SNAPSHOT_REFUSED;
    sqlite3_stmt *by_seq = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id FROM bookings WHERE seq = ?1", -1, &by_seq, NULL) !=
        SQLITE_OK)
        return SQLITE_SNAPSHOT_UNREAD;
    unsigned bits = (unsigned)h.bits;
    uint64_t *slots = malloc(((size_t)1 << bits) * sizeof *slots);
    verdict v = slots != NULL ? PASSED : refuse(UNREAD, "no memory for its slots");
    if (v == PASSED)
        v = read_chunks(db, &h, slots);
    if (v == PASSED)
        v = slots_sound(slots, bits, h.latest);
    /* The record at L (so L <= max(seq)), then records spread over the table. */
    if (v == PASSED)
        v = sample_found(by_seq, slots, bits, (uint64_t)h.seed, h.latest,
                         "the record at its seq is not in it");
    size_t n = (size_t)1 << bits;
    for (size_t k = 1; v == PASSED && k < SQLITE_INDEX_SNAPSHOT_SAMPLES; k++) {
        size_t i = k * (n / SQLITE_INDEX_SNAPSHOT_SAMPLES);
        while (i < n && slots[i] == 0)
            i++;
        if (i < n)
            v = sample_found(by_seq, slots, bits, (uint64_t)h.seed,
                             (int64_t)(slots[i] & 0xFFFFFFFFull), "a record is not found by its id");
    }
    sqlite3_finalize(by_seq);
    if (v != PASSED) {
        free(slots);
        return v == UNREAD ? SQLITE_SNAPSHOT_UNREAD : SQLITE_SNAPSHOT_REFUSED;
    }
    bk_sqlite_index_adopt(x, slots, bits, (size_t)h.count, h.latest, (uint64_t)h.seed);
    return SQLITE_SNAPSHOT_LOADED;
}

int bk_sqlite_index_snapshot_latest(sqlite3 *db, int64_t *latest)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT latest FROM booking_index_snapshot WHERE id = 1", -1,
                                &s, NULL);
    *latest = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *latest = sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int bk_sqlite_index_snapshot_write(sqlite_index *x, sqlite3 *db)
{
    bk_sqlite_index_settle(x);
    /* One entry per record (records are never deleted, seqs have no gap). */
    assert(x->count == (size_t)x->latest && x->latest >= 1);
    head h = {.format = SQLITE_INDEX_SNAPSHOT_FORMAT,
              .latest = x->latest,
              .seed = (int64_t)x->seed,
              .probe = (int64_t)probe_of(x->seed),
              .bits = x->bits,
              .count = (int64_t)x->count};
    size_t n = (size_t)1 << x->bits, per = chunk_slots(x->bits);
    h.chunks = (int64_t)(n / per);
    int rc = exec(db, "DELETE FROM booking_index_snapshot");
    if (rc == SQLITE_OK)
        rc = exec(db, "DELETE FROM booking_index_snapshot_chunks");
    sqlite3_stmt *s = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO booking_index_snapshot_chunks (chunk, slots, checksum)"
                                " VALUES (?1, ?2, ?3)",
                                -1, &s, NULL);
    to_little_endian(x->slots, n); /* swapped back below, whatever happens */
    for (int64_t c = 0; rc == SQLITE_OK && c < h.chunks; c++) {
        const uint64_t *bytes = x->slots + (size_t)c * per;
        sqlite3_bind_int64(s, 1, c);
        sqlite3_bind_int64(s, 3, (int64_t)chunk_checksum(bytes, per * sizeof *bytes, c));
        rc = sqlite3_bind_blob(s, 2, bytes, (int)(per * sizeof *bytes), SQLITE_STATIC);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(s);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        sqlite3_reset(s);
    }
    to_little_endian(x->slots, n);
    sqlite3_finalize(s);
    s = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO booking_index_snapshot (id, format, latest, seed,"
                                " probe, bits, count, chunks, checksum)"
                                " VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                -1, &s, NULL);
    if (rc == SQLITE_OK) {
        int64_t v[HEAD_FIELDS];
        head_fields(&h, v);
        for (int i = 0; i < HEAD_FIELDS; i++)
            sqlite3_bind_int64(s, i + 1, v[i]);
        sqlite3_bind_int64(s, HEAD_FIELDS + 1, (int64_t)head_checksum(&h));
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    return rc;
}
