/* SPDX-License-Identifier: MIT */
/*
 * sqlite_snapshot_file.c: see sqlite_snapshot_file.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/sqlite_index_snapshot.h"
#include "support/sqlite_snapshot_file.h"
#include "util/hash.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The loader's (sqlite_index_snapshot.c): checked against the file on every read. */
#define SNAPSHOT_CHECKSUM_SEED SQLITE_INDEX_SNAPSHOT_CHECKSUM_SEED
static const char probe_text[] = SQLITE_INDEX_SNAPSHOT_PROBE_TEXT;
#define SNAPSHOT_HEAD_FIELDS 7

_Static_assert(sizeof(snapshot_head) == SNAPSHOT_HEAD_FIELDS * sizeof(int64_t),
               "the head's seven fields and nothing else");

uint64_t snapshot_probe_of(uint64_t seed)
{
    return hash_bytes(probe_text, sizeof probe_text - 1, seed);
}

static uint64_t head_checksum(const snapshot_head *h)
{
    const int64_t v[SNAPSHOT_HEAD_FIELDS] = {h->format, h->latest, h->seed, h->probe,
                                             h->bits,   h->count,  h->chunks};
    return hash_bytes(v, sizeof v, SNAPSHOT_CHECKSUM_SEED);
}

static uint64_t chunk_checksum(const void *bytes, size_t len, int64_t chunk)
{
    return hash_bytes(bytes, len, SNAPSHOT_CHECKSUM_SEED ^ (uint64_t)chunk);
}

static sqlite3 *open_rw(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("open %s: %s", path, db != NULL ? sqlite3_errmsg(db) : "out of memory");
    return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    return s;
}

void snapshot_head_read(const char *path, snapshot_head *h)
{
    sqlite3 *db = open_rw(path);
    sqlite3_stmt *s = prepare(db, "SELECT format, latest, seed, probe, bits, count, chunks,"
                                  " checksum FROM booking_index_snapshot WHERE id = 1");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v[SNAPSHOT_HEAD_FIELDS];
    for (int i = 0; i < SNAPSHOT_HEAD_FIELDS; i++)
        v[i] = sqlite3_column_int64(s, i);
    *h = (snapshot_head){v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
    uint64_t stored = (uint64_t)sqlite3_column_int64(s, SNAPSHOT_HEAD_FIELDS);
    sqlite3_finalize(s);
    sqlite3_close(db);
    if (stored != head_checksum(h))
        fail_msg("%s: the head's checksum is not this copy's (the loader's changed?)", path);
    if ((uint64_t)h->probe != snapshot_probe_of((uint64_t)h->seed))
        fail_msg("%s: the head's probe is not this copy's (the loader's changed?)", path);
}

void snapshot_head_write(const char *path, const snapshot_head *h)
{
    sqlite3 *db = open_rw(path);
    sqlite3_stmt *s = prepare(db, "UPDATE booking_index_snapshot SET format = ?1, latest = ?2,"
                                  " seed = ?3, probe = ?4, bits = ?5, count = ?6, chunks = ?7,"
                                  " checksum = ?8 WHERE id = 1");
    const int64_t v[SNAPSHOT_HEAD_FIELDS] = {h->format, h->latest, h->seed, h->probe,
                                             h->bits,   h->count,  h->chunks};
    for (int i = 0; i < SNAPSHOT_HEAD_FIELDS; i++)
        sqlite3_bind_int64(s, i + 1, v[i]);
    sqlite3_bind_int64(s, SNAPSHOT_HEAD_FIELDS + 1, (int64_t)head_checksum(h));
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

uint64_t *snapshot_slots_read(const char *path, unsigned *bits)
{
    snapshot_head h;
    snapshot_head_read(path, &h);
    assert_int_equal(h.chunks, 1);
    assert_true(h.bits >= 1 && ((size_t)1 << h.bits) <= SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS);
    *bits = (unsigned)h.bits;
    size_t n = (size_t)1 << h.bits;
    sqlite3 *db = open_rw(path);
    sqlite3_stmt *s =
        prepare(db, "SELECT slots, checksum FROM booking_index_snapshot_chunks WHERE chunk = 0");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *bytes = sqlite3_column_blob(s, 0);
    assert_int_equal(sqlite3_column_bytes(s, 0), n * 8);
    if ((uint64_t)sqlite3_column_int64(s, 1) != chunk_checksum(bytes, n * 8, 0))
        fail_msg("%s: chunk 0's checksum is not this copy's (the loader's changed?)", path);
    uint64_t *slots = malloc(n * sizeof *slots);
    assert_non_null(slots);
    for (size_t i = 0; i < n; i++) { /* 8 bytes little-endian each */
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--)
            v = v << 8 | bytes[i * 8 + (size_t)b];
        slots[i] = v;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return slots;
}

void snapshot_slots_write(const char *path, const uint64_t *slots, unsigned bits)
{
    size_t n = (size_t)1 << bits;
    unsigned char *bytes = malloc(n * 8);
    assert_non_null(bytes);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++)
            bytes[i * 8 + (size_t)b] = (unsigned char)(slots[i] >> (8 * b));
    sqlite3 *db = open_rw(path);
    sqlite3_stmt *s = prepare(db, "UPDATE booking_index_snapshot_chunks SET slots = ?1,"
                                  " checksum = ?2 WHERE chunk = 0");
    sqlite3_bind_blob(s, 1, bytes, (int)(n * 8), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (int64_t)chunk_checksum(bytes, n * 8, 0));
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(bytes);
}

bool snapshot_slot_sampled(const uint64_t *slots, unsigned bits, size_t j)
{
    size_t n = (size_t)1 << bits;
    for (size_t k = 1; k < SQLITE_INDEX_SNAPSHOT_SAMPLES; k++) {
        size_t i = k * (n / SQLITE_INDEX_SNAPSHOT_SAMPLES);
        while (i < n && slots[i] == 0)
            i++;
        if (i == j)
            return true;
    }
    return false;
}
