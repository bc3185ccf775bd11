/* SPDX-License-Identifier: MIT */
/*
 * test_memory_index.c: the memory store's ordered index (store/memory_index.h)
 * walks its keys in bytewise (strcmp) order from any `after`, whatever order
 * they came in, and an insert takes no more nodes than it reserved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/memory_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_TEST_KEYS 50000 /* several levels of 20 to 31 keys a node */
#define INDEX_TEST_ID_BYTES 24
#define INDEX_TEST_SEEKS 2000

typedef struct test_key {
    mem_node node;
    char id[INDEX_TEST_ID_BYTES];
} test_key;

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const test_key *)a)->id, ((const test_key *)b)->id);
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Ids that share long prefixes too (equal first 8 bytes), of mixed lengths. */
static test_key *keys_make(size_t n, bool ascending)
{
    test_key *k = calloc(n, sizeof *k);
    assert_non_null(k);
    uint64_t rng = 0x1234567;
    for (size_t i = 0; i < n; i++) {
        if (ascending)
            snprintf(k[i].id, sizeof k[i].id, "a-%010zu", i);
        else if (i % 3 == 0)
            snprintf(k[i].id, sizeof k[i].id, "samepref%zu", (size_t)(next_random(&rng) % 1000000000));
        else
            snprintf(k[i].id, sizeof k[i].id, "%llx", (unsigned long long)next_random(&rng));
        k[i].node.id = k[i].id;
        k[i].node.id_len = (uint32_t)strlen(k[i].id);
    }
    return k;
}

/* Inserts keys[0..n) (dropping duplicates), returns the sorted distinct copy. */
static test_key *index_fill(mem_index *ix, mem_index_pool *pool, test_key *keys, size_t n,
                            size_t *distinct)
{
    test_key *sorted = malloc(n * sizeof *sorted);
    assert_non_null(sorted);
    memcpy(sorted, keys, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_id);
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        if (d == 0 || strcmp(sorted[d - 1].id, sorted[i].id) != 0)
            sorted[d++] = sorted[i];
    }
    *distinct = d;
    /* Insert in the given order, each id once (the first of its copies). */
    for (size_t i = 0; i < n; i++) {
        test_key *hit = bsearch(&keys[i], sorted, d, sizeof *sorted, cmp_id);
        assert_non_null(hit);
        if (hit->node.outcome != 0)
            continue;
        hit->node.outcome = 1;
        assert_true(mem_index_pool_reserve(pool, mem_index_insert_nodes(ix)));
        size_t spare = pool->count, want = mem_index_insert_nodes(ix);
        mem_index_insert(ix, pool, &keys[i].node);
        assert_true(spare - pool->count <= want); /* (3) */
    }
    assert_true(ix->count == d);
    return sorted;
}

static void walk_is_in_bytewise_order_from_every_after(bool ascending)
{
    mem_index ix = {0};
    mem_index_pool pool = {0};
    test_key *keys = keys_make(INDEX_TEST_KEYS, ascending);
    size_t d;
    test_key *sorted = index_fill(&ix, &pool, keys, INDEX_TEST_KEYS, &d);
    /* The whole walk. */
    mem_index_cursor c = mem_index_seek(&ix, NULL);
    for (size_t i = 0; i < d; i++) {
        mem_node *n = mem_index_next(&c);
        assert_non_null(n);
        assert_string_equal(n->id, sorted[i].id);
    }
    assert_null(mem_index_next(&c));
    /* Seeks: after a present id, after an absent one, after the last. */
    uint64_t rng = 99;
    for (size_t s = 0; s < INDEX_TEST_SEEKS; s++) {
        size_t i = (size_t)(next_random(&rng) % d);
        c = mem_index_seek(&ix, sorted[i].id);
        mem_node *n = mem_index_next(&c);
        if (i + 1 < d)
            assert_string_equal(n->id, sorted[i + 1].id);
        else
            assert_null(n);
        char absent[INDEX_TEST_ID_BYTES + 1];
        snprintf(absent, sizeof absent, "%s", sorted[i].id);
        absent[strlen(absent) - 1] = '\0'; /* a prefix: just below sorted[i] */
        c = mem_index_seek(&ix, absent);
        n = mem_index_next(&c);
        assert_non_null(n);
        assert_true(strcmp(n->id, absent) > 0 && strcmp(n->id, sorted[i].id) <= 0);
    }
    c = mem_index_seek(&ix, "zzzzzzzzzzzzzzzzzzzz");
    assert_null(mem_index_next(&c));
    mem_index_free(&ix);
    mem_index_pool_free(&pool);
    free(sorted);
    free(keys);
}

static void walk_is_in_bytewise_order_whatever_the_insert_order(void **state)
{
    (void)state;
    walk_is_in_bytewise_order_from_every_after(false);
}

static void ids_in_ascending_order_fill_leaves_whole(void **state)
{
    (void)state;
    walk_is_in_bytewise_order_from_every_after(true);
    /* (2): appends leave full leaves: the pool gave about one node per 31 keys. */
    mem_index ix = {0};
    mem_index_pool pool = {0};
    test_key *keys = keys_make(INDEX_TEST_KEYS, true);
    size_t taken = 0;
    for (size_t i = 0; i < INDEX_TEST_KEYS; i++) {
        assert_true(mem_index_pool_reserve(&pool, mem_index_insert_nodes(&ix)));
        size_t before = pool.count;
        mem_index_insert(&ix, &pool, &keys[i].node);
        taken += before - pool.count;
    }
    assert_true(taken <= INDEX_TEST_KEYS / MEMORY_INDEX_LEAF_MAX * 106 / 100 + ix.depth);
    mem_index_free(&ix);
    mem_index_pool_free(&pool);
    free(keys);
}

/* (4): adds go through the buffer, flushed when full and before a read; a read
 * after a flush sees every key added, in order. */
static void buffered_adds_are_all_walked_in_order_after_a_flush(void **state)
{
    (void)state;
    mem_index ix = {0};
    mem_index_pool pool = {0};
    test_key *keys = keys_make(INDEX_TEST_KEYS, false);
    test_key *sorted = malloc(INDEX_TEST_KEYS * sizeof *sorted);
    assert_non_null(sorted);
    size_t d = 0;
    for (size_t i = 0; i < INDEX_TEST_KEYS; i++) {
        sorted[d++] = keys[i]; /* deduplicated below: random ids may repeat */
    }
    qsort(sorted, d, sizeof *sorted, cmp_id);
    size_t u = 0;
    for (size_t i = 0; i < d; i++) {
        if (u == 0 || strcmp(sorted[u - 1].id, sorted[i].id) != 0)
            sorted[u++] = sorted[i];
    }
    size_t added = 0;
    for (size_t i = 0; i < INDEX_TEST_KEYS; i++) {
        test_key *hit = bsearch(&keys[i], sorted, u, sizeof *sorted, cmp_id);
        assert_non_null(hit);
        if (hit->node.outcome != 0)
            continue;
        hit->node.outcome = 1;
        assert_true(mem_index_make_room(&ix, &pool));
        mem_index_add(&ix, &keys[i].node);
        added++;
        assert_true(ix.recent_count <= MEMORY_INDEX_RECENT_MAX);
        assert_true(ix.count + ix.recent_count == added); /* no key lost or doubled */
        if (i == INDEX_TEST_KEYS / 2) {
            /* A read in the middle: flushed, then the walk has every key so far. */
            assert_true(mem_index_flush(&ix, &pool));
            assert_true(ix.recent_count == 0 && ix.count == added);
        }
    }
    assert_true(ix.count > 0); /* full buffers went into the tree on their own */
    assert_true(mem_index_flush(&ix, &pool));
    assert_true(ix.count == u);
    mem_index_cursor c = mem_index_seek(&ix, NULL);
    for (size_t i = 0; i < u; i++) {
        mem_node *n = mem_index_next(&c);
        assert_non_null(n);
        assert_string_equal(n->id, sorted[i].id);
    }
    assert_null(mem_index_next(&c));
    mem_index_free(&ix);
    mem_index_pool_free(&pool);
    free(sorted);
    free(keys);
}

static void an_empty_index_walks_nothing(void **state)
{
    (void)state;
    mem_index ix = {0};
    mem_index_cursor c = mem_index_seek(&ix, NULL);
    assert_null(mem_index_next(&c));
    c = mem_index_seek(&ix, "a");
    assert_null(mem_index_next(&c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_is_in_bytewise_order_whatever_the_insert_order),
        cmocka_unit_test(ids_in_ascending_order_fill_leaves_whole),
        cmocka_unit_test(buffered_adds_are_all_walked_in_order_after_a_flush),
        cmocka_unit_test(an_empty_index_walks_nothing),
    };
    return cmocka_run_group_tests_name("memory_index", tests, NULL, NULL);
}
