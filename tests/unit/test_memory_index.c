/* SPDX-License-Identifier: MIT */
/*
 * test_memory_index.c: the memory store's ordered index (store/memory_index.h)
 * walks its keys in bytewise (strcmp) order from any `after`, whatever order
 * they came in and wherever its runs' merges are; a level never holds a third
 * run; room asked for several adds at a seal keeps the tail's leftovers.
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

#define INDEX_TEST_KEYS (17 * MEMORY_INDEX_RUN_KEYS + 1000) /* 17 seals: levels 0 to 4 */
#define INDEX_TEST_ID_BYTES 24
#define INDEX_TEST_SEEKS 2000
#define INDEX_TEST_CHECK_EVERY (2 * MEMORY_INDEX_RUN_KEYS + 777) /* adds between two walks: each at another phase of the merges */

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
        mem_node_set_id(&k[i].node, k[i].id, strlen(k[i].id));
    }
    return k;
}

/* The distinct keys of keys[0..n), sorted; each key's node.outcome marks its
 * first copy (1) and later copies (0): what an index can be given. */
static test_key *keys_distinct(test_key *keys, size_t n, size_t *distinct, bool *first)
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
    for (size_t i = 0; i < n; i++) {
        test_key *hit = bsearch(&keys[i], sorted, d, sizeof *sorted, cmp_id);
        assert_non_null(hit);
        first[i] = hit->node.outcome == 0;
        hit->node.outcome = 1;
    }
    return sorted;
}

/* Every level holds at most two runs, (3), and the keys of the runs and the
 * tail are the keys added. */
static void levels_check(const mem_index *ix, size_t added)
{
    size_t keys = ix->tail_count;
    for (uint32_t k = 0; k < ix->levels; k++) {
        assert_true(ix->level[k].runs <= 2);
        assert_true(ix->level[k].out == NULL || ix->level[k].runs == 2);
        keys += (size_t)ix->level[k].runs * ((size_t)MEMORY_INDEX_RUN_KEYS << k);
    }
    assert_true(keys == added && ix->count == added);
}

/* The whole walk equals want[0..n), the sorted keys added so far. */
static void walk_equals(mem_index *ix, mem_index_pool *pool, const char **want, size_t n)
{
    assert_true(mem_index_flush(ix, pool));
    mem_index_cursor c;
    mem_index_seek(ix, NULL, &c);
    for (size_t i = 0; i < n; i++) {
        mem_node *node = mem_index_next(&c);
        assert_non_null(node);
        assert_string_equal(mem_node_id(node), want[i]);
    }
    assert_null(mem_index_next(&c));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void walk_is_in_bytewise_order_from_every_after(bool ascending)
{
    mem_index ix = {0};
    mem_index_pool pool = {0};
    test_key *keys = keys_make(INDEX_TEST_KEYS, ascending);
    bool *first = malloc(INDEX_TEST_KEYS * sizeof *first);
    const char **so_far = malloc(INDEX_TEST_KEYS * sizeof *so_far);
    assert_non_null(first);
    assert_non_null(so_far);
    size_t d;
    test_key *sorted = keys_distinct(keys, INDEX_TEST_KEYS, &d, first);
    size_t added = 0;
    for (size_t i = 0; i < INDEX_TEST_KEYS; i++) {
        if (!first[i])
            continue;
        assert_true(mem_index_make_room(&ix, &pool));
        mem_index_add(&ix, &keys[i].node);
        so_far[added++] = keys[i].id;
        levels_check(&ix, added);
        if (i % INDEX_TEST_CHECK_EVERY == 0) {
            /* A read in the middle, wherever the merges are: every key so far. */
            qsort(so_far, added, sizeof *so_far, cmp_str);
            walk_equals(&ix, &pool, so_far, added);
        }
    }
    assert_true(added == d && ix.levels >= 4);
    for (size_t i = 0; i < d; i++)
        so_far[i] = sorted[i].id;
    walk_equals(&ix, &pool, so_far, d);
    /* Seeks: after a present id, after an absent one, after the last. */
    uint64_t rng = 99;
    mem_index_cursor c;
    for (size_t s = 0; s < INDEX_TEST_SEEKS; s++) {
        size_t i = (size_t)(next_random(&rng) % d);
        mem_index_seek(&ix, sorted[i].id, &c);
        mem_node *n = mem_index_next(&c);
        if (i + 1 < d)
            assert_string_equal(mem_node_id(n), sorted[i + 1].id);
        else
            assert_null(n);
        char absent[INDEX_TEST_ID_BYTES + 1];
        snprintf(absent, sizeof absent, "%s", sorted[i].id);
        absent[strlen(absent) - 1] = '\0'; /* a prefix: just below sorted[i] */
        mem_index_seek(&ix, absent, &c);
        n = mem_index_next(&c);
        assert_non_null(n);
        assert_true(strcmp(mem_node_id(n), absent) > 0 && strcmp(mem_node_id(n), sorted[i].id) <= 0);
    }
    mem_index_seek(&ix, "zzzzzzzzzzzzzzzzzzzz", &c);
    assert_null(mem_index_next(&c));
    /* (6): the pool keeps a bounded number of spare buffers. */
    for (uint32_t cls = 0; cls <= MEMORY_INDEX_LEVELS_MAX; cls++)
        assert_true(pool.spares[cls] <= MEMORY_INDEX_SPARES_MAX);
    mem_index_free(&ix);
    mem_index_pool_free(&pool);
    free(sorted);
    free(so_far);
    free(first);
    free(keys);
}

static void walk_is_in_bytewise_order_whatever_the_add_order(void **state)
{
    (void)state;
    walk_is_in_bytewise_order_from_every_after(false);
}

static void walk_is_in_bytewise_order_with_ids_added_in_ascending_order(void **state)
{
    (void)state;
    walk_is_in_bytewise_order_from_every_after(true);
}

/* (2): room for several adds at a seal: the tail's largest keys stay in it,
 * and every key is walked once. */
static void room_for_many_at_a_seal_keeps_the_tails_leftovers(void **state)
{
    (void)state;
    mem_index ix = {0};
    mem_index_pool pool = {0};
    size_t n = 3 * MEMORY_INDEX_RUN_KEYS;
    test_key *keys = keys_make(n, false);
    bool *first = malloc(n * sizeof *first);
    const char **want = malloc(n * sizeof *want);
    assert_non_null(first);
    assert_non_null(want);
    size_t d;
    test_key *sorted = keys_distinct(keys, n, &d, first);
    size_t added = 0, i = 0;
    while (i < n) {
        /* Groups of up to ROOM_MAX, asked for at once, straddling the seals. */
        uint32_t group = 0;
        size_t j = i;
        for (; j < n && group < MEMORY_INDEX_ROOM_MAX - 1; j++)
            group += first[j];
        if (group > 0) {
            assert_true(mem_index_make_room_for(&ix, &pool, group));
            for (size_t k = i; k < j; k++) {
                if (first[k])
                    mem_index_add(&ix, &keys[k].node);
            }
            added += group;
        }
        levels_check(&ix, added);
        assert_true(ix.tail_count <= MEMORY_INDEX_TAIL_MAX);
        i = j;
    }
    for (size_t k = 0; k < d; k++)
        want[k] = sorted[k].id;
    walk_equals(&ix, &pool, want, d);
    mem_index_free(&ix);
    mem_index_pool_free(&pool);
    free(sorted);
    free(want);
    free(first);
    free(keys);
}

/* (5): a read sorts the tail; later adds are walked after the next flush. */
static void adds_after_a_read_are_walked_after_the_next_flush(void **state)
{
    (void)state;
    mem_index ix = {0};
    mem_index_pool pool = {0};
    test_key keys[3] = {{.id = "b"}, {.id = "c"}, {.id = "a"}};
    for (size_t i = 0; i < 3; i++) {
        mem_node_set_id(&keys[i].node, keys[i].id, 1);
    }
    const char *two[] = {"b", "c"}, *three[] = {"a", "b", "c"};
    for (size_t i = 0; i < 2; i++) {
        assert_true(mem_index_make_room(&ix, &pool));
        mem_index_add(&ix, &keys[i].node);
    }
    walk_equals(&ix, &pool, two, 2);
    assert_true(mem_index_make_room(&ix, &pool));
    mem_index_add(&ix, &keys[2].node);
    assert_false(ix.tail_sorted);
    walk_equals(&ix, &pool, three, 3);
    mem_index_free(&ix);
    mem_index_pool_free(&pool);
}

static void an_empty_index_walks_nothing(void **state)
{
    (void)state;
    mem_index ix = {0};
    mem_index_cursor c;
    mem_index_seek(&ix, NULL, &c);
    assert_null(mem_index_next(&c));
    mem_index_seek(&ix, "a", &c);
    assert_null(mem_index_next(&c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_is_in_bytewise_order_whatever_the_add_order),
        cmocka_unit_test(walk_is_in_bytewise_order_with_ids_added_in_ascending_order),
        cmocka_unit_test(room_for_many_at_a_seal_keeps_the_tails_leftovers),
        cmocka_unit_test(adds_after_a_read_are_walked_after_the_next_flush),
        cmocka_unit_test(an_empty_index_walks_nothing),
    };
    return cmocka_run_group_tests_name("memory_index", tests, NULL, NULL);
}
