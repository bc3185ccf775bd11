/* SPDX-License-Identifier: MIT */
/*
 * sqlite_index_snapshot.c: the booking_id index's snapshot in the sqlite store's
 * file (src/store/sqlite_index_snapshot.h, sqlite.c note (11)): an open with one
 * reads only the records after it; a stale one plus records another handle or a
 * killed process wrote after it still finds every id (a replay answers the stored
 * record, never a second decision); one that fails a check is not used, the load
 * notes which, the index is built with the same answers and the close replaces
 * it: each load-time check (the checksums, the format, the probe, the geometry,
 * one entry per seq each reachable from its home, the record at L, the samples)
 * has a case of its own whose edit (checksums recomputed with
 * support/sqlite_snapshot_file.h) passes every check before it and, where the
 * others cannot see it, every check after; the seed is the snapshot's, not the
 * handle's own; a backup carries it; a close that cannot write it loses nothing and still records
 * the time; a record's seq and booking_id cannot be updated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "store/sqlite_index.h"
#include "store/sqlite_index_snapshot.h"
#include "store/sqlite_store.h"
#include "support/sqlite_file.h"
#include "support/sqlite_snapshot_file.h"
#include "support/store_expect.h"
#include "support/test_support.h"

#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SNAP_PATH_SIZE 640
#define SNAP_ID_SIZE 32
#define SNAP_RECORDS 3000 /* what the snapshot covers: one chunk of 4,096 slots */
#define SNAP_BATCH 500
#define SNAP_AFTER 100       /* records a handle adds after the snapshot */
#define SNAP_OTHER 200       /* records another handle adds */
#define SNAP_KILLED 300      /* records a process adds, then exits without a close */
#define SNAP_BLOB_LIMIT 1024 /* bytes: less than a chunk of slots, so its insert fails */
#define SNAP_RACE_ROUNDS 20  /* handles whose first need is a ping racing reads */
#define SNAP_RACE_READS 50   /* reads on each, while the ping loads the snapshot */
#define SNAP_READ_STRIDE 37  /* every 37th record read: spread over the table */
/* Records past one chunk of slots: a table of 2^20 slots, two chunks. */
#define SNAP_TWO_CHUNKS 400000
#define SNAP_TWO_CHUNKS_STRIDE 997

static int64_t clock_ms = 1800000000000;

static int64_t test_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&clock_ms, __ATOMIC_SEQ_CST);
}

static booking_store *open_at(const char *path)
{
    return expect_sqlite_open(path, test_clock);
}

static void db_path(char path[SNAP_PATH_SIZE], const char *name)
{
    snprintf(path, SNAP_PATH_SIZE, "%s/%s", test_tmpdir(), name);
}

static void id_of(char id[SNAP_ID_SIZE], const char *tag, size_t i)
{
    snprintf(id, SNAP_ID_SIZE, "%s-%05zu", tag, i);
}

/* n new records tag-0 .. tag-(n-1), one unit each on "room", each BOOKED anew. */
static void append(booking_store *s, const char *tag, size_t n)
{
    static booking_request req[SNAP_BATCH];
    static booking_result res[SNAP_BATCH];
    static char ids[SNAP_BATCH][SNAP_ID_SIZE];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < SNAP_BATCH ? n - done : SNAP_BATCH;
        for (size_t i = 0; i < k; i++) {
            id_of(ids[i], tag, done + i);
            req[i] = (booking_request){.booking_id = ids[i], .resource_id = "room", .units = 1};
        }
        assert_int_equal(booking_attempt_batch(s, req, k, res), BOOKING_OK);
        for (size_t i = 0; i < k; i++)
            assert_true(res[i].outcome == BOOKING_BOOKED && !res[i].replayed);
        done += k;
    }
}

/* Every record tag-0 .. tag-(n-1) is found: each replay answers the stored
 * record (no second decision), and a read finds it. */
static void expect_found(booking_store *s, const char *tag, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char id[SNAP_ID_SIZE];
        id_of(id, tag, i);
        booking_request req = {.booking_id = id, .resource_id = "room", .units = 1};
        booking_result res;
        assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
        if (res.outcome != BOOKING_BOOKED || !res.replayed)
            fail_msg("%s: %s, replayed %d", id, booking_reason_name(res.reason), res.replayed);
        if (i % 97 == 0) {
            booking_reason reason;
            booking_record rec;
            assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK);
        }
    }
}

/* Every SNAP_READ_STRIDE-th record tag-0 .. tag-(n-1) found by a read alone
 * (booking get, not an attempt: no write has built the index before it). */
static void expect_read(booking_store *s, const char *tag, size_t n)
{
    for (size_t i = 0; i < n; i += SNAP_READ_STRIDE) {
        char id[SNAP_ID_SIZE];
        id_of(id, tag, i);
        booking_reason reason;
        booking_record rec;
        assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
        if (reason != BOOKING_REASON_OK)
            fail_msg("%s: %s (snapshot loaded: %lld records)", id, booking_reason_name(reason),
                     (long long)bk_sqlite_store_index_snapshot_loaded(s));
    }
}

static int64_t snapshot_latest(const char *path)
{
    return sqlite_file_int(path, "SELECT coalesce((SELECT latest FROM booking_index_snapshot), 0)");
}

static void expect_records(const char *path, int64_t n)
{
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), n);
    assert_int_equal(sqlite_file_int(path, "SELECT count(DISTINCT id) FROM bookings"), n);
}

/* A file of SNAP_RECORDS records whose snapshot covers them all. */
static void make_file_with_snapshot(const char *path)
{
    booking_store *s = open_at(path);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "room", BOOKING_CAPACITY_MAX, &reason, NULL),
                     BOOKING_OK);
    append(s, "s", SNAP_RECORDS);
    bk_sqlite_store_set_index_snapshot_growth(s, 1);
    booking_store_close(s);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);
}

/* The index's first need (a ping, as booking serve's) on a new handle. */
static booking_store *open_indexed(const char *path)
{
    booking_store *s = open_at(path);
    booking_reason reason;
    assert_int_equal(booking_store_ping(s, &reason), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return s;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, db ? sqlite3_errmsg(db) : "no memory");
    sqlite3_close(db);
}

/* The SQLite code of sql on the file (an UPDATE a trigger may refuse). */
static int raw_rc(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("open %s", path);
    sqlite3_extended_result_codes(db, 1);
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* One byte of chunk 0's slots changed, its checksum left as it was. */
static void flip_chunk_byte(const char *path, size_t at)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL, *u = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT slots FROM booking_index_snapshot_chunks"
                                            " WHERE chunk = 0", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    size_t len = (size_t)sqlite3_column_bytes(q, 0);
    assert_true(at < len);
    unsigned char *bytes = malloc(len);
    assert_non_null(bytes);
    memcpy(bytes, sqlite3_column_blob(q, 0), len);
    sqlite3_finalize(q);
    bytes[at] ^= 0x01;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE booking_index_snapshot_chunks SET slots = ?1"
                                            " WHERE chunk = 0", -1, &u, NULL), SQLITE_OK);
    sqlite3_bind_blob(u, 1, bytes, (int)len, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(u), SQLITE_DONE);
    sqlite3_finalize(u);
    sqlite3_close(db);
    free(bytes);
}

/* ---- the cases ---- */

static void sqlite_open_with_a_snapshot_reads_only_the_records_after_it(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE], copy[SNAP_PATH_SIZE];
    db_path(path, "after.db");
    make_file_with_snapshot(path);

    booking_store *b = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(b), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    assert_int_equal(bk_sqlite_store_indexed(b), SNAP_RECORDS);
    append(b, "t", SNAP_AFTER); /* its own: into the index at commit, not read back */
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    booking_store_close(b); /* grew by less than SQLITE_INDEX_SNAPSHOT_GROWTH_MIN: kept */
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);

    booking_store *c = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(c), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(c), SNAP_AFTER);
    assert_int_equal(bk_sqlite_store_indexed(c), SNAP_RECORDS + SNAP_AFTER);
    expect_found(c, "s", SNAP_RECORDS);
    expect_found(c, "t", SNAP_AFTER);
    /* A backup is a copy of the file: it carries the snapshot of its own records. */
    db_path(copy, "after-backup.db");
    char why[256] = "";
    assert_int_equal(booking_store_backup(c, copy, why, sizeof why), BOOKING_OK);
    booking_store_close(c);
    expect_records(path, SNAP_RECORDS + SNAP_AFTER);

    booking_store *d = open_indexed(copy);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(d), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(d), SNAP_AFTER);
    expect_found(d, "t", SNAP_AFTER);
    booking_store_close(d);
}

/* The snapshot's records were written by a process that then died (no close:
 * no new snapshot) and by another handle after this one loaded it. */
static void sqlite_a_stale_snapshot_and_records_written_after_it_elsewhere_find_every_id(
    void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "stale.db");
    make_file_with_snapshot(path);

    fflush(NULL);
    pid_t killed = fork(); /* nothing is open here: it shares no SQLite state */
    assert_true(killed >= 0);
    if (killed == 0) {
        booking_store *k = open_at(path);
        append(k, "k", SNAP_KILLED);
        _exit(bk_sqlite_store_index_snapshot_loaded(k) == SNAP_RECORDS ? 0 : 1); /* no close */
    }
    int status = -1;
    assert_int_equal(waitpid(killed, &status, 0), killed);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);

    booking_store *a = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(a), SNAP_KILLED);
    booking_store *b = open_at(path);
    append(b, "b", SNAP_OTHER); /* after a caught up */
    expect_found(a, "b", SNAP_OTHER);
    expect_found(a, "k", SNAP_KILLED);
    expect_found(a, "s", SNAP_RECORDS);
    booking_store_close(b);
    booking_store_close(a);
    expect_records(path, SNAP_RECORDS + SNAP_KILLED + SNAP_OTHER);

    booking_store *c = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(c), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(c), SNAP_KILLED + SNAP_OTHER);
    expect_found(c, "k", SNAP_KILLED);
    booking_store_close(c);
    expect_records(path, SNAP_RECORDS + SNAP_KILLED + SNAP_OTHER);
}

/* A snapshot that fails a check is not used: the load says which (why, a part of
 * its note), the index is built from the file with the same answers; the close
 * (grown past the threshold) replaces it with a sound one. */
static void expect_rebuilt_then_replaced(const char *path, const char *why)
{
    booking_store *a = open_indexed(path);
    if (strstr(booking_last_error(), why) == NULL)
        fail_msg("%s: not refused for \"%s\": \"%s\"", path, why, booking_last_error());
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), 0);
    assert_int_equal(bk_sqlite_store_index_rows_read(a), SNAP_RECORDS);
    expect_found(a, "s", SNAP_RECORDS);
    bk_sqlite_store_set_index_snapshot_growth(a, SNAP_RECORDS);
    booking_store_close(a);
    expect_records(path, SNAP_RECORDS);
    booking_store *b = open_indexed(path);
    if (bk_sqlite_store_index_snapshot_loaded(b) != SNAP_RECORDS)
        fail_msg("%s: the close's snapshot is not loaded: %s", path, booking_last_error());
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    expect_found(b, "s", SNAP_RECORDS);
    booking_store_close(b);
}

/* The loader's notes (sqlite_index_snapshot.c), one per check. */
#define WHY_HEAD_CHECKSUM "its head's checksum differs"
#define WHY_FORMAT "another format"
#define WHY_PROBE "another hash function"
#define WHY_GEOMETRY "its geometry"
#define WHY_CHUNK "a chunk is missing, out of place or its checksum differs"
#define WHY_SLOTS "its slots are not one per record"
#define WHY_AT_LATEST "the record at its seq is not in it"
#define WHY_SAMPLE "a record is not found by its id"

/* The seq of a slot's value. */
static int64_t seq_of(uint64_t v)
{
    return (int64_t)(v & 0xFFFFFFFFull);
}

/* A value for seq whose home is slot e of a table of 1 << bits. */
static uint64_t value_at_home(size_t e, unsigned bits, int64_t seq)
{
    uint64_t v = ((uint64_t)e << (64 - bits)) | (uint64_t)seq;
    assert_int_equal(bk_sqlite_index_home(v, bits), e);
    return v;
}

/* Whether slot i of slots (1 << bits) holds an entry that ends its run (the next
 * slot is empty), not the record at L's (which the loader reads first). */
static bool run_end(const uint64_t *slots, unsigned bits, size_t i)
{
    size_t mask = ((size_t)1 << bits) - 1;
    return slots[i] != 0 && slots[(i + 1) & mask] == 0 && seq_of(slots[i]) != SNAP_RECORDS;
}

/* ---- edits of a sound snapshot, each meant for one load-time check ---- */

/* By hand, checksums left as they were (what the checksums alone refuse). */
static void raw_a_slot_byte(const char *path)
{
    flip_chunk_byte(path, 8 * 1000 + 5); /* one bit of a slot */
}
static void raw_no_chunk(const char *path)
{
    raw_exec(path, "DELETE FROM booking_index_snapshot_chunks");
}
static void raw_seed(const char *path)
{
    raw_exec(path, "UPDATE booking_index_snapshot SET seed = seed + 1");
}
static void raw_ahead(const char *path)
{
    raw_exec(path, "UPDATE booking_index_snapshot SET latest = latest + 1, count = count + 1");
}

/* The head's fields (its checksum recomputed). */
static void head_format(snapshot_head *h)
{
    h->format = SQLITE_INDEX_SNAPSHOT_FORMAT + 1;
}
static void head_probe(snapshot_head *h)
{
    h->probe ^= 1; /* not the probe of its seed: another hash function */
}
static void head_count(snapshot_head *h)
{
    h->count = h->latest - 1;
}
static void head_bits_under_min(snapshot_head *h)
{
    h->bits = 11; /* 2,048 slots, under SQLITE_INDEX_SLOTS_MIN; 3/4 full, not more */
    h->latest = h->count = ((int64_t)3 << 11) / 4;
}
static void head_bits_past_32(snapshot_head *h)
{
    h->bits = 33; /* chunks as many as that table would have: only bits is wrong */
    h->chunks = (int64_t)(((uint64_t)1 << 33) / SQLITE_INDEX_SNAPSHOT_CHUNK_SLOTS);
}
static void head_over_three_quarters(snapshot_head *h)
{
    h->latest = h->count = ((int64_t)3 << h->bits) / 4 + 1; /* past 3/4 of its slots */
}
static void head_chunks(snapshot_head *h)
{
    h->chunks = 2; /* a one-chunk table */
}
/* Another seed with its probe: a sound head, fingerprints under another seed. */
static void head_seed(snapshot_head *h)
{
    h->seed = (int64_t)((uint64_t)h->seed + 1);
    h->probe = (int64_t)snapshot_probe_of((uint64_t)h->seed);
}
static void head_one_more(snapshot_head *h)
{
    h->latest++;
    h->count++;
}

/* The slots (chunk 0's checksum recomputed). */

/* An entry for seq L+1 at its home, on a slot the loader does not sample (with
 * head_one_more: one entry per seq 1..L+1, and only the row at L+1 is missing). */
static void slots_one_more(uint64_t *slots, unsigned bits)
{
    size_t n = (size_t)1 << bits;
    for (size_t e = 0; e < n; e++) {
        if (slots[e] != 0)
            continue;
        slots[e] = value_at_home(e, bits, SNAP_RECORDS + 1);
        if (!snapshot_slot_sampled(slots, bits, e))
            return;
        slots[e] = 0;
    }
    fail_msg("no empty slot off the samples");
}

/* A fingerprint changed in a bit below its home's, on a slot the loader samples,
 * not the record at L's: sound slots, the record at L found, the sample not. */
static void slots_a_wrong_fingerprint(uint64_t *slots, unsigned bits)
{
    size_t n = (size_t)1 << bits, j = 0;
    while (j < n && !(slots[j] != 0 && seq_of(slots[j]) != SNAP_RECORDS &&
                      snapshot_slot_sampled(slots, bits, j)))
        j++;
    assert_true(j < n);
    uint64_t v = slots[j] ^ ((uint64_t)1 << 32); /* the fingerprint's lowest bit */
    assert_int_equal(bk_sqlite_index_home(v, bits), bk_sqlite_index_home(slots[j], bits));
    slots[j] = v;
}

/* An entry at the end of its run moved two slots on, past the empty slot after it
 * (so not reachable from its home), to a slot the loader does not sample. */
static void slots_moved_off_its_run(uint64_t *slots, unsigned bits)
{
    size_t n = (size_t)1 << bits, mask = n - 1;
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 2) & mask;
        if (!run_end(slots, bits, i) || slots[j] != 0)
            continue;
        slots[j] = slots[i];
        slots[i] = 0;
        if (!snapshot_slot_sampled(slots, bits, j))
            return;
        slots[i] = slots[j];
        slots[j] = 0;
    }
    fail_msg("no entry to move");
}

/* An entry's seq replaced by another record's (its fingerprint and place kept):
 * one seq twice, one missing, as many entries as records. */
static void slots_a_seq_twice(uint64_t *slots, unsigned bits)
{
    size_t n = (size_t)1 << bits, i = 0;
    while (i < n && (slots[i] == 0 || seq_of(slots[i]) == SNAP_RECORDS))
        i++;
    assert_true(i < n);
    size_t k = i + 1;
    while (k < n && slots[k] == 0)
        k++;
    assert_true(k < n);
    slots[i] = (slots[i] & 0xFFFFFFFF00000000ull) | (uint64_t)seq_of(slots[k]);
}

/* An entry at the end of its run emptied (every other one still reachable): one
 * entry fewer than the head's latest. */
static void slots_a_seq_missing(uint64_t *slots, unsigned bits)
{
    size_t n = (size_t)1 << bits, i = 0;
    while (i < n && !run_end(slots, bits, i))
        i++;
    assert_true(i < n);
    slots[i] = 0;
}

/* A file of SNAP_RECORDS records whose sound snapshot is then edited: its slots
 * (checksum recomputed), then its head (checksum recomputed), then by hand; the
 * load refuses it, noting why. */
typedef struct refused_case {
    const char *file;
    void (*slots)(uint64_t *slots, unsigned bits);
    void (*head)(snapshot_head *h);
    void (*raw)(const char *path);
    const char *why;
} refused_case;

static void sqlite_a_refused_snapshot_is_not_used_and_the_index_is_built_alike(void **state)
{
    const refused_case *c = *state;
    char path[SNAP_PATH_SIZE];
    db_path(path, c->file);
    make_file_with_snapshot(path);
    if (c->slots != NULL) {
        unsigned bits;
        uint64_t *slots = snapshot_slots_read(path, &bits);
        c->slots(slots, bits);
        snapshot_slots_write(path, slots, bits);
        free(slots);
    }
    if (c->head != NULL) {
        snapshot_head h;
        snapshot_head_read(path, &h);
        assert_int_equal(h.latest, SNAP_RECORDS);
        c->head(&h);
        snapshot_head_write(path, &h);
    }
    if (c->raw != NULL)
        c->raw(path);
    expect_rebuilt_then_replaced(path, c->why);
}

/* Each refused by the check named, and (each crafted so) by no check before it. */
static refused_case refused_byte = {"byte.db", NULL, NULL, raw_a_slot_byte, WHY_CHUNK};
static refused_case refused_chunk = {"chunk.db", NULL, NULL, raw_no_chunk, WHY_CHUNK};
static refused_case refused_stale_seed = {"head-checksum-seed.db", NULL, NULL, raw_seed,
                                          WHY_HEAD_CHECKSUM};
static refused_case refused_stale_ahead = {"head-checksum-ahead.db", NULL, NULL, raw_ahead,
                                           WHY_HEAD_CHECKSUM};
static refused_case refused_format = {"format.db", NULL, head_format, NULL, WHY_FORMAT};
static refused_case refused_probe = {"probe.db", NULL, head_probe, NULL, WHY_PROBE};
static refused_case refused_count = {"count.db", NULL, head_count, NULL, WHY_GEOMETRY};
static refused_case refused_bits_small = {"bits-small.db", NULL, head_bits_under_min, NULL,
                                          WHY_GEOMETRY};
static refused_case refused_bits_large = {"bits-large.db", NULL, head_bits_past_32, NULL,
                                          WHY_GEOMETRY};
static refused_case refused_full = {"full.db", NULL, head_over_three_quarters, NULL,
                                    WHY_GEOMETRY};
static refused_case refused_chunks = {"chunks.db", NULL, head_chunks, NULL, WHY_GEOMETRY};
static refused_case refused_moved = {"moved.db", slots_moved_off_its_run, NULL, NULL, WHY_SLOTS};
static refused_case refused_twice = {"twice.db", slots_a_seq_twice, NULL, NULL, WHY_SLOTS};
static refused_case refused_missing = {"missing.db", slots_a_seq_missing, NULL, NULL, WHY_SLOTS};
static refused_case refused_seed = {"seed.db", NULL, head_seed, NULL, WHY_AT_LATEST};
static refused_case refused_ahead = {"ahead.db", slots_one_more, head_one_more, NULL,
                                     WHY_AT_LATEST};
static refused_case refused_fingerprint = {"fingerprint.db", slots_a_wrong_fingerprint, NULL,
                                           NULL, WHY_SAMPLE};

#define REFUSED(name, c)                                                                        \
    {name, sqlite_a_refused_snapshot_is_not_used_and_the_index_is_built_alike, NULL, NULL, &c}

/* The fingerprints are under the snapshot's seed: the handle takes it, whatever
 * its own was (two handles of a process never draw the same). */
static void sqlite_a_snapshot_is_loaded_with_its_own_seed_not_the_handles(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "own-seed.db");
    make_file_with_snapshot(path);
    booking_store *a = open_at(path);
    uint64_t drawn = ((sqlite_store *)a)->index.seed;
    uint64_t file_seed =
        (uint64_t)sqlite_file_int(path, "SELECT seed FROM booking_index_snapshot");
    assert_true(drawn != file_seed);
    booking_reason reason;
    assert_int_equal(booking_store_ping(a, &reason), BOOKING_OK);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    assert_true(((sqlite_store *)a)->index.seed == file_seed);
    expect_found(a, "s", SNAP_RECORDS);
    append(a, "n", SNAP_AFTER); /* new records under that seed too */
    expect_found(a, "n", SNAP_AFTER);
    booking_store_close(a);
    expect_records(path, SNAP_RECORDS + SNAP_AFTER);
}

/* A close whose snapshot cannot be written (here: a blob past the connection's
 * length limit; a full disk takes the same path) rolls back only that: counted,
 * noted, the time is recorded, the previous snapshot stays and is caught up from. */
static void sqlite_a_snapshot_the_close_cannot_write_loses_nothing_and_the_time_is_kept(
    void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "unwritten.db");
    make_file_with_snapshot(path);
    booking_store *a = open_indexed(path);
    append(a, "t", SNAP_AFTER);
    bk_sqlite_store_set_index_snapshot_growth(a, 1);
    int64_t later = __atomic_add_fetch(&clock_ms, 60000, __ATOMIC_SEQ_CST);
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(a, "room", &reason, &res), BOOKING_OK); /* a read at it */
    sqlite3_limit(((sqlite_store *)a)->writer.db, SQLITE_LIMIT_LENGTH, SNAP_BLOB_LIMIT);
    uint64_t failures = bk_sqlite_index_snapshot_failures();
    booking_store_close(a);
    assert_true(bk_sqlite_index_snapshot_failures() == failures + 1);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);
    assert_int_equal(sqlite_file_int(path, "SELECT latest_ms FROM store_time"), later);
    expect_records(path, SNAP_RECORDS + SNAP_AFTER);

    booking_store *b = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(b), SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_rows_read(b), SNAP_AFTER);
    expect_found(b, "s", SNAP_RECORDS);
    expect_found(b, "t", SNAP_AFTER);
    booking_store_close(b);
}

/* Records a snapshot covers never change behind it: with the delete triggers
 * of version 4, an UPDATE of seq or booking_id is refused (other columns change). */
static void sqlite_the_seq_and_booking_id_of_a_record_never_change(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "fixed.db");
    make_file_with_snapshot(path);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET id = 'other' WHERE seq = 1"),
                     SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET seq = 1000000 WHERE seq = 2"),
                     SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET id = id || '' WHERE seq = 3"),
                     SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "DELETE FROM bookings WHERE seq = 4"), SQLITE_CONSTRAINT_TRIGGER);
    assert_int_equal(raw_rc(path, "UPDATE bookings SET updated_at_ms = updated_at_ms WHERE seq = 5"),
                     SQLITE_OK);
    booking_store *a = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    expect_found(a, "s", SNAP_RECORDS);
    booking_store_close(a);
}

/* A new handle whose first need of the index is a read (a CLI `booking get`):
 * the read loads the snapshot, whose seed is not the handle's, and finds the
 * records it covers and those after it (caught up under that seed). */
static void sqlite_a_first_read_on_a_new_handle_finds_every_record_of_a_snapshot_file(
    void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "first-read.db");
    make_file_with_snapshot(path);
    booking_store *w = open_at(path);
    append(w, "n", SNAP_AFTER); /* after the snapshot; the close writes none */
    bk_sqlite_store_set_index_snapshot_growth(w, SNAP_RECORDS + SNAP_AFTER + 1);
    booking_store_close(w);
    assert_int_equal(snapshot_latest(path), SNAP_RECORDS);
    booking_store *a = open_at(path);
    expect_read(a, "s", SNAP_RECORDS);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
    expect_read(a, "n", SNAP_AFTER);
    booking_store_close(a);
    booking_store *b = open_at(path); /* a record after it, as the very first read */
    expect_read(b, "n", 1);
    booking_store_close(b);
}

static void *ping_store(void *store)
{
    booking_reason reason;
    if (booking_store_ping(store, &reason) != BOOKING_OK || reason != BOOKING_REASON_OK)
        return store; /* a failure, told to the joiner */
    return NULL;
}

/* Reads on one thread while another thread's first need (a ping) loads the
 * snapshot, which changes the index's seed: every read finds its record (the
 * hash is taken under the index's lock, after the load). */
static void sqlite_reads_while_another_thread_loads_the_snapshot_find_every_record(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "race.db");
    make_file_with_snapshot(path);
    for (int round = 0; round < SNAP_RACE_ROUNDS; round++) {
        booking_store *a = open_at(path);
        pthread_t pinger;
        assert_int_equal(pthread_create(&pinger, NULL, ping_store, a), 0);
        for (size_t i = 0; i < SNAP_RACE_READS; i++) {
            char id[SNAP_ID_SIZE];
            id_of(id, "s", i * SNAP_READ_STRIDE % SNAP_RECORDS);
            booking_reason reason;
            booking_record rec;
            assert_int_equal(booking_get_booking(a, id, &reason, &rec), BOOKING_OK);
            if (reason != BOOKING_REASON_OK)
                fail_msg("round %d, %s: %s", round, id, booking_reason_name(reason));
        }
        void *failed = NULL;
        assert_int_equal(pthread_join(pinger, &failed), 0);
        assert_null(failed);
        assert_int_equal(bk_sqlite_store_index_snapshot_loaded(a), SNAP_RECORDS);
        booking_store_close(a);
    }
}

/* A table of more than one chunk (2^20 slots, two rows of 4 MiB): written and
 * loaded whole, each chunk at its place, every record found without a read. */
static void sqlite_a_snapshot_of_several_chunks_is_written_and_loaded_whole(void **state)
{
    (void)state;
    char path[SNAP_PATH_SIZE];
    db_path(path, "two-chunks.db");
    booking_store *s = open_at(path);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "room", BOOKING_CAPACITY_MAX, &reason, NULL),
                     BOOKING_OK);
    append(s, "m", SNAP_TWO_CHUNKS);
    bk_sqlite_store_set_index_snapshot_growth(s, 1);
    booking_store_close(s);
    assert_int_equal(snapshot_latest(path), SNAP_TWO_CHUNKS);
    assert_int_equal(sqlite_file_int(path, "SELECT chunks FROM booking_index_snapshot"), 2);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_index_snapshot_chunks"),
                     2);
    booking_store *b = open_indexed(path);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(b), SNAP_TWO_CHUNKS);
    assert_int_equal(bk_sqlite_store_index_rows_read(b), 0);
    for (size_t i = 0; i < SNAP_TWO_CHUNKS; i += SNAP_TWO_CHUNKS_STRIDE) {
        char id[SNAP_ID_SIZE];
        id_of(id, "m", i);
        booking_request req = {.booking_id = id, .resource_id = "room", .units = 1};
        booking_result res;
        assert_int_equal(booking_attempt(b, &req, &res), BOOKING_OK);
        if (res.outcome != BOOKING_BOOKED || !res.replayed)
            fail_msg("%s: %s, replayed %d", id, booking_reason_name(res.reason), res.replayed);
    }
    booking_store_close(b);
    expect_records(path, SNAP_TWO_CHUNKS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_open_with_a_snapshot_reads_only_the_records_after_it),
        cmocka_unit_test(
            sqlite_a_stale_snapshot_and_records_written_after_it_elsewhere_find_every_id),
        /* The checksums: a chunk's, and the head's over fields changed by hand. */
        REFUSED("sqlite_a_snapshot_whose_slot_byte_fails_its_chunk_checksum_is_not_used",
                refused_byte),
        REFUSED("sqlite_a_snapshot_whose_chunk_is_missing_is_not_used", refused_chunk),
        REFUSED("sqlite_a_snapshot_whose_seed_changed_under_its_head_checksum_is_not_used",
                refused_stale_seed),
        REFUSED("sqlite_a_snapshot_whose_latest_changed_under_its_head_checksum_is_not_used",
                refused_stale_ahead),
        /* The head, its checksum right. */
        REFUSED("sqlite_a_snapshot_of_another_format_is_not_used", refused_format),
        REFUSED("sqlite_a_snapshot_whose_probe_is_not_its_seeds_is_not_used", refused_probe),
        REFUSED("sqlite_a_snapshot_whose_count_is_not_its_latest_is_not_used", refused_count),
        REFUSED("sqlite_a_snapshot_whose_table_is_under_the_minimum_is_not_used",
                refused_bits_small),
        REFUSED("sqlite_a_snapshot_whose_table_is_past_32_bits_is_not_used", refused_bits_large),
        REFUSED("sqlite_a_snapshot_past_three_quarters_full_is_not_used", refused_full),
        REFUSED("sqlite_a_snapshot_whose_chunk_count_is_not_its_tables_is_not_used",
                refused_chunks),
        /* The slots, their checksum right. */
        REFUSED("sqlite_a_snapshot_with_a_slot_off_its_probe_run_is_not_used", refused_moved),
        REFUSED("sqlite_a_snapshot_with_a_seq_twice_is_not_used", refused_twice),
        REFUSED("sqlite_a_snapshot_with_a_seq_missing_is_not_used", refused_missing),
        /* The records read back: the one at L, then the samples. */
        REFUSED("sqlite_a_snapshot_whose_fingerprints_are_under_another_seed_is_not_used",
                refused_seed),
        REFUSED("sqlite_a_snapshot_past_the_files_last_record_is_not_used", refused_ahead),
        REFUSED("sqlite_a_snapshot_with_a_sampled_fingerprint_not_its_ids_is_not_used",
                refused_fingerprint),
        cmocka_unit_test(sqlite_a_snapshot_is_loaded_with_its_own_seed_not_the_handles),
        cmocka_unit_test(
            sqlite_a_snapshot_the_close_cannot_write_loses_nothing_and_the_time_is_kept),
        cmocka_unit_test(sqlite_the_seq_and_booking_id_of_a_record_never_change),
        cmocka_unit_test(
            sqlite_a_first_read_on_a_new_handle_finds_every_record_of_a_snapshot_file),
        cmocka_unit_test(sqlite_reads_while_another_thread_loads_the_snapshot_find_every_record),
        cmocka_unit_test(sqlite_a_snapshot_of_several_chunks_is_written_and_loaded_whole),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return rc;
}
