/* SPDX-License-Identifier: MIT */
/*
 * test_sqlite_index.c: the sqlite store's in-memory booking_id -> seq index
 * (store/sqlite_index.h, sqlite.c note (11)): every added seq stays a candidate
 * of its hash through every incremental move, whatever fingerprints collide; an
 * entry added twice is kept once; the table stays at most 3/4 full and a move
 * ends before the next begins; forget empties it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/sqlite_index.h"

#include <stdbool.h>
#include <stdlib.h>

#define INDEX_TEST_ENTRIES 200000 /* several growths from SQLITE_INDEX_SLOTS_MIN */
#define INDEX_TEST_CHECK_EVERY 997
#define INDEX_TEST_GROUP 3        /* entries that share one fingerprint */
#define INDEX_TEST_ZERO_GROUP 7   /* whose fingerprint is 0: an entry like any other */

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Entries come in groups of INDEX_TEST_GROUP whose hashes share their top 32 bits
 * (the fingerprint, which also picks the home slot): collisions are candidates,
 * never lost entries. */
static uint64_t hash_of(uint64_t seq, uint64_t random)
{
    uint64_t group = seq / INDEX_TEST_GROUP;
    uint64_t g = group * 0x9E3779B97F4A7C15ull;
    uint64_t fingerprint = group == INDEX_TEST_ZERO_GROUP ? 0 : (g ^ (g >> 29)) >> 32;
    return fingerprint << 32 | (random & 0xFFFFFFFFull);
}

static bool is_candidate(const sqlite_index *x, uint64_t hash, int64_t seq, int *times)
{
    sqlite_index_probe p;
    bk_sqlite_index_probe_start(x, hash, &p);
    *times = 0;
    for (int64_t c; (c = bk_sqlite_index_probe_next(x, &p)) != 0;)
        *times += c == seq;
    return *times > 0;
}

static void every_added_seq_stays_a_candidate_of_its_hash_through_every_move(void **state)
{
    (void)state;
    sqlite_index x;
    assert_true(bk_sqlite_index_init(&x));
    uint64_t *hashes = malloc((INDEX_TEST_ENTRIES + 1) * sizeof *hashes);
    assert_non_null(hashes);
    uint64_t rnd = 0x9E3779B97F4A7C15ull;
    bool moved_once = false;
    for (int64_t seq = 1; seq <= INDEX_TEST_ENTRIES; seq++) {
        hashes[seq] = hash_of((uint64_t)seq, next_random(&rnd));
        assert_true(bk_sqlite_index_add(&x, hashes[seq], seq));
        moved_once |= x.old != NULL;
        if (x.old == NULL) /* during a move, count is the new table's */
            assert_int_equal(x.count, (size_t)seq);
        assert_true(x.count <= ((size_t)3 << x.bits) / 4);
        if (seq % INDEX_TEST_CHECK_EVERY == 0) { /* mid-move too: both tables probed */
            int64_t earlier = 1 + (int64_t)(next_random(&rnd) % (uint64_t)seq);
            int times;
            assert_true(is_candidate(&x, hashes[earlier], earlier, &times));
            /* during a move a copied slot is in both tables: a second candidate */
            assert_true(times == 1 || (x.old != NULL && times == 2));
        }
    }
    assert_true(moved_once);
    while (x.old != NULL) /* finish the last move: adds of entries it has already */
        assert_true(bk_sqlite_index_add(&x, hashes[INDEX_TEST_ENTRIES], INDEX_TEST_ENTRIES));
    assert_int_equal(x.count, INDEX_TEST_ENTRIES);
    for (int64_t seq = 1; seq <= INDEX_TEST_ENTRIES; seq++) {
        int times;
        assert_true(is_candidate(&x, hashes[seq], seq, &times));
        assert_int_equal(times, 1);
    }
    free(hashes);
    bk_sqlite_index_free(&x);
}

static void an_entry_added_twice_is_kept_once_even_during_a_move(void **state)
{
    (void)state;
    sqlite_index x;
    assert_true(bk_sqlite_index_init(&x));
    uint64_t rnd = 12345;
    int64_t seq = 0;
    while (x.old == NULL) { /* up to the first move */
        seq++;
        assert_true(bk_sqlite_index_add(&x, next_random(&rnd), seq));
    }
    /* a catch-up may meet records the index already has: same (hash, seq) */
    uint64_t again_rnd = 12345;
    for (int64_t s = 1; s <= seq; s++)
        assert_true(bk_sqlite_index_add(&x, next_random(&again_rnd), s));
    assert_true(x.count <= (size_t)seq);
    again_rnd = 12345;
    for (int64_t s = 1; s <= seq; s++) {
        int times;
        assert_true(is_candidate(&x, next_random(&again_rnd), s, &times));
        assert_true(times == 1 || (x.old != NULL && times == 2));
    }
    bk_sqlite_index_free(&x);
}

static void forget_empties_the_index_so_the_next_catch_up_rebuilds_it(void **state)
{
    (void)state;
    sqlite_index x;
    assert_true(bk_sqlite_index_init(&x));
    uint64_t rnd = 777;
    for (int64_t seq = 1; seq <= 10000; seq++)
        assert_true(bk_sqlite_index_add(&x, next_random(&rnd), seq));
    x.latest = 10000;
    bk_sqlite_index_forget(&x);
    assert_int_equal(x.count, 0);
    assert_int_equal(x.latest, 0);
    rnd = 777;
    int times;
    assert_false(is_candidate(&x, next_random(&rnd), 1, &times));
    bk_sqlite_index_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_added_seq_stays_a_candidate_of_its_hash_through_every_move),
        cmocka_unit_test(an_entry_added_twice_is_kept_once_even_during_a_move),
        cmocka_unit_test(forget_empties_the_index_so_the_next_catch_up_rebuilds_it),
    };
    return cmocka_run_group_tests_name("sqlite_index", tests, NULL, NULL);
}
