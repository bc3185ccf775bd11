/* SPDX-License-Identifier: MIT */
/*
 * test_sqlite_keys.c: the sqlite store's key cache on its own
 * (store/sqlite_keys.h, sqlite.c note (12)): a committed transaction's keys are
 * held, a failed one's are not; a transaction that begins at another seq than
 * the cache's next (another writer's records came between) empties it; a range
 * is answered only when every record of it is held, every line; dropping the
 * sealed keys keeps the rest, strings included; a key past the bound empties
 * the cache at the commit instead of failing anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/sqlite_keys.h"

#include <stdio.h>
#include <string.h>

#define KEYS_TEST_ID_SIZE 48

/* One transaction of records [from, to), each with lines lines (1 or 2), then
 * committed or not. */
static void write_tx(sqlite_key_cache *k, int64_t from, int64_t to, int lines, bool commit)
{
    bk_sqlite_key_cache_begin(k, from);
    for (int64_t seq = from; seq < to; seq++) {
        char id[KEYS_TEST_ID_SIZE], rid[KEYS_TEST_ID_SIZE];
        snprintf(id, sizeof id, "id-%lld", (long long)seq);
        for (int l = 0; l < lines; l++) {
            snprintf(rid, sizeof rid, "r%d", (int)(seq % 3) + l);
            bk_sqlite_key_cache_stage(k, rid, strlen(rid), id, strlen(id), seq);
        }
    }
    if (commit)
        bk_sqlite_key_cache_commit(k, to);
    else
        bk_sqlite_key_cache_abort(k);
}

/* keys[from, to) are the lines of records (sealed, last], in seq order, each
 * with its own id. */
static void expect_range(const sqlite_key_cache *k, int64_t sealed, int64_t last, int lines)
{
    size_t from = 0, to = 0;
    assert_true(bk_sqlite_key_cache_range(k, sealed, last, &from, &to));
    assert_int_equal(to - from, (size_t)(last - sealed) * (size_t)lines);
    for (size_t i = from; i < to; i++) {
        const sqlite_run_key *key = &k->keys.keys[i];
        int64_t seq = sealed + 1 + (int64_t)((i - from) / (size_t)lines);
        char id[KEYS_TEST_ID_SIZE], rid[KEYS_TEST_ID_SIZE];
        snprintf(id, sizeof id, "id-%lld", (long long)seq);
        snprintf(rid, sizeof rid, "r%d", (int)(seq % 3) + (int)((i - from) % (size_t)lines));
        assert_int_equal(key->seq, seq);
        assert_int_equal(key->id_len, strlen(id));
        assert_memory_equal(k->keys.arena + key->id_at, id, key->id_len);
        assert_int_equal(key->rid_len, strlen(rid));
        assert_memory_equal(k->keys.arena + key->rid_at, rid, key->rid_len);
    }
}

static void sqlite_key_cache_holds_committed_keys_only(void **state)
{
    (void)state;
    sqlite_key_cache k;
    bk_sqlite_key_cache_init(&k);
    size_t from, to;
    assert_false(bk_sqlite_key_cache_range(&k, 0, 1, &from, &to)); /* nothing begun */
    write_tx(&k, 1, 101, 1, true);
    expect_range(&k, 0, 100, 1);
    write_tx(&k, 101, 151, 2, false); /* rolled back: nothing of it held */
    assert_false(bk_sqlite_key_cache_range(&k, 0, 101, &from, &to));
    expect_range(&k, 0, 100, 1);
    write_tx(&k, 101, 151, 2, true); /* the same seqs, committed this time */
    expect_range(&k, 100, 150, 2);
    expect_range(&k, 20, 100, 1);
    /* A transaction of no new record changes nothing. */
    write_tx(&k, 151, 151, 1, true);
    expect_range(&k, 0, 100, 1);
    bk_sqlite_key_cache_free(&k);
}

static void sqlite_key_cache_empties_when_another_writer_came_between(void **state)
{
    (void)state;
    sqlite_key_cache k;
    bk_sqlite_key_cache_init(&k);
    size_t from, to;
    write_tx(&k, 1, 101, 1, true);
    /* Records 101..110 are another writer's: the cache begins again at 111. */
    write_tx(&k, 111, 201, 1, true);
    assert_false(bk_sqlite_key_cache_range(&k, 0, 100, &from, &to));
    assert_false(bk_sqlite_key_cache_range(&k, 100, 200, &from, &to));
    assert_false(bk_sqlite_key_cache_range(&k, 109, 200, &from, &to));
    expect_range(&k, 110, 200, 1);
    /* A commit of ours that failed yet surfaced: the next begins past it. */
    bk_sqlite_key_cache_begin(&k, 201);
    bk_sqlite_key_cache_stage(&k, "r0", 2, "id-201", 6, 201);
    bk_sqlite_key_cache_abort(&k);
    write_tx(&k, 202, 210, 1, true);
    assert_false(bk_sqlite_key_cache_range(&k, 110, 209, &from, &to));
    expect_range(&k, 201, 209, 1);
    bk_sqlite_key_cache_free(&k);
}

static void sqlite_key_cache_drops_sealed_keys_and_keeps_the_rest(void **state)
{
    (void)state;
    sqlite_key_cache k;
    bk_sqlite_key_cache_init(&k);
    size_t from, to;
    for (int64_t seq = 1; seq <= 1000; seq += 50)
        write_tx(&k, seq, seq + 50, 1 + (int)(seq / 50) % 2, true);
    bk_sqlite_key_cache_drop_through(&k, 300);
    assert_int_equal(k.first, 301);
    assert_false(bk_sqlite_key_cache_range(&k, 299, 400, &from, &to));
    /* Records 301.. moved to the front: their strings with them. */
    expect_range(&k, 300, 350, 1 + (int)(301 / 50) % 2);
    expect_range(&k, 950, 1000, 1 + (int)(951 / 50) % 2);
    bk_sqlite_key_cache_drop_through(&k, 100); /* already dropped: nothing */
    assert_int_equal(k.first, 301);
    write_tx(&k, 1001, 1100, 1, true); /* it goes on from where it was */
    expect_range(&k, 1000, 1099, 1);
    bk_sqlite_key_cache_drop_through(&k, 1099); /* all of it */
    assert_int_equal(k.held, 0);
    write_tx(&k, 1100, 1110, 1, true);
    expect_range(&k, 1099, 1109, 1);
    bk_sqlite_key_cache_free(&k);
}

static void sqlite_key_cache_past_its_bound_empties_and_frees_at_the_commit(void **state)
{
    (void)state;
    sqlite_key_cache k;
    bk_sqlite_key_cache_init(&k);
    size_t from, to;
    static char id[BOOKING_ID_LEN_MAX + 1];
    memset(id, 'x', BOOKING_ID_LEN_MAX);
    size_t per_key = sizeof(sqlite_run_key) + 2 * BOOKING_ID_LEN_MAX;
    int64_t records = (int64_t)(SQLITE_KEY_CACHE_BYTES_MAX / per_key) + 2;
    bk_sqlite_key_cache_begin(&k, 1);
    for (int64_t seq = 1; seq <= records; seq++)
        bk_sqlite_key_cache_stage(&k, id, BOOKING_ID_LEN_MAX, id, BOOKING_ID_LEN_MAX, seq);
    assert_true(k.keys.arena_cap >= SQLITE_KEY_CACHE_BYTES_MAX / 2);
    bk_sqlite_key_cache_commit(&k, records + 1);
    assert_false(bk_sqlite_key_cache_range(&k, 0, 1, &from, &to));
    assert_int_equal(k.held, 0);
    /* Its buffers, grown past the bound, go back to the allocator. */
    assert_int_equal(k.keys.arena_cap, 0);
    assert_int_equal(k.keys.cap, 0);
    write_tx(&k, records + 1, records + 11, 1, true); /* and holds again from there */
    assert_int_equal(k.first, records + 1);
    assert_int_equal(k.held, 10);
    bk_sqlite_key_cache_free(&k);
}

/* A transaction whose keys pass the bound and then rolls back (its batch
 * failed) leaves the cache as it was: the held keys still answer their range,
 * and the next transaction's keys are held, not dropped at its commit for the
 * lost key of the one before. */
static void sqlite_key_cache_past_its_bound_then_rolled_back_keeps_what_it_held(void **state)
{
    (void)state;
    sqlite_key_cache k;
    bk_sqlite_key_cache_init(&k);
    write_tx(&k, 1, 101, 1, true);
    static char id[BOOKING_ID_LEN_MAX + 1];
    memset(id, 'x', BOOKING_ID_LEN_MAX);
    size_t per_key = sizeof(sqlite_run_key) + 2 * BOOKING_ID_LEN_MAX;
    int64_t records = (int64_t)(SQLITE_KEY_CACHE_BYTES_MAX / per_key) + 2;
    bk_sqlite_key_cache_begin(&k, 101);
    for (int64_t seq = 101; seq < 101 + records; seq++)
        bk_sqlite_key_cache_stage(&k, id, BOOKING_ID_LEN_MAX, id, BOOKING_ID_LEN_MAX, seq);
    assert_true(k.staged_lost);
    bk_sqlite_key_cache_abort(&k);
    expect_range(&k, 0, 100, 1);
    write_tx(&k, 101, 201, 2, true); /* the same seqs, committed, within the bound */
    expect_range(&k, 0, 100, 1);
    expect_range(&k, 100, 200, 2);
    bk_sqlite_key_cache_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_key_cache_holds_committed_keys_only),
        cmocka_unit_test(sqlite_key_cache_empties_when_another_writer_came_between),
        cmocka_unit_test(sqlite_key_cache_drops_sealed_keys_and_keeps_the_rest),
        cmocka_unit_test(sqlite_key_cache_past_its_bound_empties_and_frees_at_the_commit),
        cmocka_unit_test(sqlite_key_cache_past_its_bound_then_rolled_back_keeps_what_it_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
