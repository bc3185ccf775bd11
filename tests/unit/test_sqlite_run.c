/* SPDX-License-Identifier: MIT */
/*
 * test_sqlite_run.c: the pages of the sqlite store's sorted runs on their own
 * (src/store/sqlite_run.h, sqlite.c note (12)). A sealed run holds every line of
 * its records once, in bytewise (resource_id, booking_id) order, whatever the ids
 * look like (random, sharing long prefixes, prefixes of each other, arriving in
 * order or reversed), in pages of at most SQLITE_RUN_PAGE_KEYS keys of one
 * resource whose last_id is their last key; a page that does not hold what its
 * keys column says answers SQLITE_CORRUPT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/sqlite_run.h"
#include "support/test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_TEST_ID_SIZE 140
#define RUN_TEST_RECORDS 6000

/* The tables bk_sqlite_run_seal reads and writes, as schema version 5 has them. */
static sqlite3 *run_db(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE bookings (seq INTEGER PRIMARY KEY, id TEXT NOT NULL,"
                                  "  resource_id TEXT NOT NULL);"
                                  "CREATE TABLE booking_lines (seq INTEGER NOT NULL, line INTEGER NOT NULL,"
                                  "  booking_id TEXT NOT NULL, resource_id TEXT NOT NULL,"
                                  "  PRIMARY KEY (seq, line)) WITHOUT ROWID;"
                                  "CREATE TABLE booking_runs (page INTEGER PRIMARY KEY, run INTEGER NOT NULL,"
                                  "  resource_id TEXT NOT NULL, last_id TEXT NOT NULL,"
                                  "  keys INTEGER NOT NULL CHECK (keys BETWEEN 1 AND 96),"
                                  "  entries BLOB NOT NULL);"
                                  "CREATE UNIQUE INDEX booking_runs_key ON booking_runs (run, resource_id, last_id);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

static void exec_bound(sqlite3 *db, const char *sql, int64_t seq, const char *a, const char *b,
                       int line)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, b, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, line);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

typedef struct want_key {
    char rid[RUN_TEST_ID_SIZE];
    char id[RUN_TEST_ID_SIZE];
    int64_t seq;
} want_key;

static int want_cmp(const void *a, const void *b)
{
    const want_key *x = a, *y = b;
    int c = strcmp(x->rid, y->rid);
    return c != 0 ? c : strcmp(x->id, y->id);
}

/* Seals (sealed, last] of db as run 1 and reads every page back, checking each
 * page's shape; the keys, in page order, must be want's, sorted. */
static void seal_and_expect(sqlite3 *db, int64_t sealed, int64_t last, want_key *want, size_t n)
{
    sqlite3_stmt *keys = NULL, *ins = NULL, *pages = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT resource_id, id, seq FROM bookings WHERE seq > ?1 AND seq <= ?2"
                                        " UNION ALL SELECT resource_id, booking_id, seq FROM booking_lines"
                                        "   WHERE seq > ?1 AND seq <= ?2",
                                        -1, &keys, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, bk_sqlite_sql_run_page_insert, -1, &ins, NULL), SQLITE_OK);
    assert_int_equal(bk_sqlite_run_seal(keys, ins, 1, sealed, last), SQLITE_OK);
    qsort(want, n, sizeof *want, want_cmp);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT resource_id, last_id, keys, entries FROM booking_runs"
                                        " WHERE run = 1 ORDER BY resource_id, last_id",
                                        -1, &pages, NULL),
                     SQLITE_OK);
    size_t at = 0;
    while (sqlite3_step(pages) == SQLITE_ROW) {
        const char *rid = (const char *)sqlite3_column_text(pages, 0);
        const char *last_id = (const char *)sqlite3_column_text(pages, 1);
        int64_t count = sqlite3_column_int64(pages, 2);
        assert_true(count >= 1 && count <= SQLITE_RUN_PAGE_KEYS);
        assert_true(sqlite3_column_bytes(pages, 3) <= SQLITE_RUN_PAGE_BYTES_MAX);
        sqlite_run_page p;
        bk_sqlite_run_page_open(&p, sqlite3_column_blob(pages, 3),
                                (size_t)sqlite3_column_bytes(pages, 3), count);
        const char *id = NULL;
        size_t len = 0;
        int64_t seq = 0;
        char prev[RUN_TEST_ID_SIZE] = "";
        for (int64_t k = 0; k < count; k++) {
            assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_ROW);
            assert_true(at < n);
            assert_string_equal(rid, want[at].rid); /* one resource per page */
            assert_int_equal(len, strlen(want[at].id));
            assert_memory_equal(id, want[at].id, len);
            assert_int_equal(seq, want[at].seq);
            memcpy(prev, id, len);
            prev[len] = '\0';
            at++;
        }
        assert_string_equal(prev, last_id); /* last_id is the page's last key */
        assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_DONE);
    }
    assert_int_equal(at, n); /* every key once */
    sqlite3_finalize(pages);
    sqlite3_finalize(keys);
    sqlite3_finalize(ins);
}

/* Ids that break a prefix-only order: random, sharing 8 (and 20) leading bytes,
 * one a prefix of another, up to 128 bytes, on 1 to many resources, in seq order,
 * reversed and shuffled, with bundle lines on other resources. */
static void sqlite_run_holds_every_key_once_in_bytewise_order_whatever_the_ids(void **state)
{
    (void)state;
    for (int shape = 0; shape < 4; shape++) {
        sqlite3 *db = run_db();
        assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
        want_key *want = calloc(2 * RUN_TEST_RECORDS, sizeof *want);
        assert_non_null(want);
        size_t n = 0;
        uint64_t rng = 99 + (uint64_t)shape;
        for (int64_t seq = 1; seq <= RUN_TEST_RECORDS; seq++) {
            rng = test_mix64(rng);
            want_key *w = &want[n++];
            int64_t i = seq - 1;
            switch (shape) {
            case 0: /* random, 16 resources */
                snprintf(w->id, sizeof w->id, "%016llx", (unsigned long long)rng);
                snprintf(w->rid, sizeof w->rid, "r%d", (int)(rng % 16));
                break;
            case 1: /* ascending, a long shared prefix, one resource */
                snprintf(w->id, sizeof w->id, "b-%020lld", (long long)i);
                snprintf(w->rid, sizeof w->rid, "room");
                break;
            case 2: /* descending, shared prefixes, prefixes of each other */
                snprintf(w->id, sizeof w->id, "same-prefix-%lld", (long long)(RUN_TEST_RECORDS - i));
                snprintf(w->rid, sizeof w->rid, "r%d", (int)(i % 3));
                break;
            default: /* 126-byte ids differing past byte 116, many resources */
                memset(w->id, 'z', 116);
                snprintf(w->id + 116, sizeof w->id - 116, "%04x%06lld",
                         (unsigned)(rng & 0xFFFF), (long long)i);
                snprintf(w->rid, sizeof w->rid, "res-%04d", (int)(rng % 1000));
                break;
            }
            w->seq = seq;
            exec_bound(db, "INSERT INTO bookings (seq, id, resource_id) VALUES (?1, ?2, ?3)", seq,
                       w->id, w->rid, 0);
            if (seq % 5 == 0) { /* a bundle: line 1 on another resource */
                want_key *l = &want[n++];
                memcpy(l->id, w->id, sizeof l->id);
                size_t rl = strlen(w->rid);
                memcpy(l->rid, w->rid, rl);
                memcpy(l->rid + rl, "-x", 3); /* rids here are at most 8 bytes */
                l->seq = seq;
                exec_bound(db, "INSERT INTO booking_lines (seq, booking_id, resource_id, line)"
                               " VALUES (?1, ?2, ?3, ?4)",
                           seq, l->id, l->rid, 1);
            }
        }
        seal_and_expect(db, 0, RUN_TEST_RECORDS, want, n);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        free(want);
        sqlite3_close(db);
    }
}

/* A page's blob must hold exactly its keys: short, long, a bad length or seq. */
static void sqlite_run_page_that_does_not_hold_its_keys_is_corrupt(void **state)
{
    (void)state;
    const unsigned char good[] = {2, 'a', 'b', 0x05, 1, 'c', 0x80, 0x01};
    const char *id;
    size_t len;
    int64_t seq;
    sqlite_run_page p;
    bk_sqlite_run_page_open(&p, good, sizeof good, 2);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_ROW);
    assert_true(len == 2 && memcmp(id, "ab", 2) == 0 && seq == 5);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_ROW);
    assert_true(len == 1 && id[0] == 'c' && seq == 128);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_DONE);
    /* One key more than it holds; one fewer; cut inside a seq, inside an id. */
    bk_sqlite_run_page_open(&p, good, sizeof good, 3);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_ROW);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_ROW);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_CORRUPT);
    bk_sqlite_run_page_open(&p, good, sizeof good, 1);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_ROW);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_CORRUPT);
    bk_sqlite_run_page_open(&p, good, sizeof good - 1, 2);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_ROW);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_CORRUPT);
    bk_sqlite_run_page_open(&p, good, 2, 1);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_CORRUPT);
    const unsigned char zero_len[] = {0, 0x01};
    bk_sqlite_run_page_open(&p, zero_len, sizeof zero_len, 1);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_CORRUPT);
    const unsigned char zero_seq[] = {1, 'a', 0x00};
    bk_sqlite_run_page_open(&p, zero_seq, sizeof zero_seq, 1);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_CORRUPT);
    const unsigned char endless[] = {1, 'a', 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    bk_sqlite_run_page_open(&p, endless, sizeof endless, 1);
    assert_int_equal(bk_sqlite_run_page_next(&p, &id, &len, &seq), SQLITE_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_run_holds_every_key_once_in_bytewise_order_whatever_the_ids),
        cmocka_unit_test(sqlite_run_page_that_does_not_hold_its_keys_is_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
