/* SPDX-License-Identifier: MIT */
/*
 * test_memory_table.c: the memory store's hash table grows a few buckets per
 * insert, never the whole table at once (store/memory_table.h, notes (2), (3),
 * (5), (7)), and finds every node during a move and after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/memory_table.h"
#include "util/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_TEST_NODES 200000 /* past several doublings from 1024 slots */
#define TABLE_TEST_ID_BYTES 16

typedef struct test_node {
    mem_node node;
    char id[TABLE_TEST_ID_BYTES];
} test_node;

/* The test's nodes, and the directory of chunks a table names them by
 * (memory_table.h (1)): the array, in pieces of MEMORY_NODE_CHUNK_BYTES_MAX. */
static mem_node_dir dir;
static uint32_t dir_first;

_Static_assert(sizeof(test_node) % MEMORY_NODE_REF_UNIT == 0, "every node has a reference");

static test_node *nodes_make(size_t n)
{
    test_node *nodes = calloc(n, sizeof *nodes);
    assert_non_null(nodes);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(nodes[i].id, sizeof nodes[i].id, "n-%zu", i);
        mem_node_set_id(&nodes[i].node, nodes[i].id, (size_t)len);
    }
    size_t bytes = n * sizeof *nodes;
    for (size_t at = 0; at < bytes; at += MEMORY_NODE_CHUNK_BYTES_MAX) {
        uint32_t index;
        assert_true(mem_node_dir_add(&dir, (unsigned char *)nodes + at, &index));
        if (at == 0)
            dir_first = index;
    }
    return nodes;
}

static void nodes_free(test_node *nodes)
{
    free(nodes);
    mem_node_dir_free(&dir);
}

/* The reference of nodes[i]. */
static uint32_t node_ref(size_t i)
{
    size_t at = i * sizeof(test_node);
    return mem_node_ref(dir_first + (uint32_t)(at / MEMORY_NODE_CHUNK_BYTES_MAX),
                        at % MEMORY_NODE_CHUNK_BYTES_MAX);
}

static uint64_t node_hash(const test_node *n)
{
    return hash_bytes(n->id, n->node.id_len, 42);
}

static void a_move_copies_at_most_move_buckets_per_insert_and_finds_every_node(void **state)
{
    (void)state;
    mem_table t;
    assert_true(mem_table_init(&t, 0, &dir));
    test_node *nodes = nodes_make(TABLE_TEST_NODES);
    size_t moves = 0;
    for (size_t i = 0; i < TABLE_TEST_NODES; i++) {
        assert_true(mem_table_reserve(&t));
        bool moving = t.old != NULL;
        size_t moved_before = t.moved;
        if (moving && moved_before == 0)
            moves++; /* this reserve started a move: nothing copied yet */
        /* (3): the whole old table is never copied by one call. */
        assert_true(!moving || moved_before < t.old_mask + 1);
        mem_table_insert(&t, node_hash(&nodes[i]), node_ref(i));
        if (moving && t.old != NULL)
            assert_true(t.moved - moved_before == MEMORY_TABLE_MOVE_BUCKETS);
        assert_true(t.count == i + 1);
        /* During a move, a node still only in the old table is found too. */
        size_t probe = (i * 7919) % (i + 1);
        assert_ptr_equal(mem_table_find(&t, node_hash(&nodes[probe]), nodes[probe].id,
                                        nodes[probe].node.id_len),
                         &nodes[probe].node);
    }
    assert_true(moves >= 6); /* 1024 slots to 524288: several doublings, each a move */
    for (size_t i = 0; i < TABLE_TEST_NODES; i++)
        assert_ptr_equal(mem_table_find(&t, node_hash(&nodes[i]), nodes[i].id,
                                        nodes[i].node.id_len),
                         &nodes[i].node);
    assert_null(mem_table_find(&t, 1, "absent", 6));
    mem_table_free(&t);
    nodes_free(nodes);
}

static size_t visited;
static void count_visit(mem_node *node)
{
    test_node *n = (test_node *)node;
    assert_true(n->id[0] == 'n');
    n->id[0] = 'v'; /* a second visit would fail the assertion above */
    visited++;
}

static void each_visits_every_node_once_during_a_move(void **state)
{
    (void)state;
    mem_table t;
    assert_true(mem_table_init(&t, 0, &dir));
    test_node *nodes = nodes_make(TABLE_TEST_NODES);
    size_t n = 0;
    /* Insert until a move is half done. */
    for (; n < TABLE_TEST_NODES; n++) {
        assert_true(mem_table_reserve(&t));
        mem_table_insert(&t, node_hash(&nodes[n]), node_ref(n));
        if (t.old != NULL && t.moved > (t.old_mask + 1) / 2 && n > 10000)
            break;
    }
    assert_non_null(t.old);
    visited = 0;
    mem_table_each(&t, count_visit);
    assert_true(visited == t.count && visited == n + 1);
    mem_table_free(&t);
    nodes_free(nodes);
}

/* (5): tables of one store, given different staggers, start their moves at
 * different counts, between 3/8 and 1/2 of their slots. */
static void growth_points_are_staggered_between_three_eighths_and_half(void **state)
{
    (void)state;
    test_node *nodes = nodes_make(MEMORY_TABLE_INITIAL_SLOTS);
    size_t first_move[2];
    const uint32_t staggers[2] = {0, MEMORY_TABLE_STAGGER_STEPS - 1};
    for (size_t k = 0; k < 2; k++) {
        mem_table t;
        assert_true(mem_table_init(&t, staggers[k], &dir));
        size_t n = 0;
        while (t.old == NULL) {
            assert_true(n < MEMORY_TABLE_INITIAL_SLOTS);
            assert_true(mem_table_reserve(&t));
            mem_table_insert(&t, node_hash(&nodes[n]), node_ref(n));
            n++;
        }
        first_move[k] = n; /* the insert whose reserve started the move */
        mem_table_free(&t);
    }
    assert_true(first_move[0] == MEMORY_TABLE_INITIAL_SLOTS / 2 + 1);
    assert_true(first_move[1] < first_move[0]);
    assert_true(first_move[1] > MEMORY_TABLE_INITIAL_SLOTS / 8 * 3);
    nodes_free(nodes);
}

/* The staggers at both ends of (5): the earliest growth point (3/8 full) leaves
 * the least room between one move's end and the next table's allocation (7). */
static const uint32_t table_test_staggers[] = {0, MEMORY_TABLE_STAGGER_STEPS - 1};
#define TABLE_TEST_STAGGERS (sizeof table_test_staggers / sizeof table_test_staggers[0])

/* (7): before each move the new table was written a page at a time, one page
 * per reserve at most, every page of it by the reserve that starts the move;
 * and it was allocated only once the move before had ended. */
static void new_table_written_page_by_page(uint32_t stagger)
{
    mem_table t;
    assert_true(mem_table_init(&t, stagger, &dir));
    test_node *nodes = nodes_make(TABLE_TEST_NODES);
    size_t moves = 0;
    for (size_t i = 0; i < TABLE_TEST_NODES; i++) {
        bool was_moving = t.old != NULL;
        size_t written_before = t.next != NULL ? t.next_written : 0;
        size_t next_bytes = (t.mask + 1) * 2 * sizeof(mem_slot);
        assert_true(mem_table_reserve(&t));
        assert_true(t.next == NULL || t.old == NULL); /* never during a move */
        if (!was_moving && t.old != NULL) { /* this reserve started a move */
            moves++;
            assert_true(written_before + MEMORY_TABLE_PAGE_BYTES >= next_bytes);
            assert_null(t.next);
        } else if (t.next != NULL) {
            assert_true(t.next_written - written_before <=
                        MEMORY_TABLE_PAGE_BYTES);
        }
        mem_table_insert(&t, node_hash(&nodes[i]), node_ref(i));
    }
    assert_true(moves >= 6);
    mem_table_free(&t);
    nodes_free(nodes);
}

static void a_new_table_is_written_page_by_page_before_its_move(void **state)
{
    (void)state;
    for (size_t k = 0; k < TABLE_TEST_STAGGERS; k++)
        new_table_written_page_by_page(table_test_staggers[k]);
}

/* (7): the pages of a new table are written one every
 * MEMORY_TABLE_RESERVES_PER_PAGE reserves, never two closer: its faults are
 * spread over the reserves before its move, not bunched into a few calls. */
static void new_table_pages_spaced(uint32_t stagger)
{
    mem_table t;
    assert_true(mem_table_init(&t, stagger, &dir));
    test_node *nodes = nodes_make(TABLE_TEST_NODES);
    size_t since_write = MEMORY_TABLE_RESERVES_PER_PAGE, writes = 0;
    for (size_t i = 0; i < TABLE_TEST_NODES; i++) {
        bool had_next = t.next != NULL;
        size_t written_before = had_next ? t.next_written : 0;
        assert_true(mem_table_reserve(&t));
        since_write++;
        if (t.next != NULL && t.next_written > (had_next ? written_before : 0)) {
            assert_true(since_write >= MEMORY_TABLE_RESERVES_PER_PAGE || !had_next);
            since_write = 0;
            writes++;
        }
        mem_table_insert(&t, node_hash(&nodes[i]), node_ref(i));
    }
    assert_true(writes > 100);
    mem_table_free(&t);
    nodes_free(nodes);
}

static void a_new_table_is_written_one_page_every_reserves_per_page(void **state)
{
    (void)state;
    for (size_t k = 0; k < TABLE_TEST_STAGGERS; k++)
        new_table_pages_spaced(table_test_staggers[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_move_copies_at_most_move_buckets_per_insert_and_finds_every_node),
        cmocka_unit_test(each_visits_every_node_once_during_a_move),
        cmocka_unit_test(growth_points_are_staggered_between_three_eighths_and_half),
        cmocka_unit_test(a_new_table_is_written_page_by_page_before_its_move),
        cmocka_unit_test(a_new_table_is_written_one_page_every_reserves_per_page),
    };
    return cmocka_run_group_tests_name("memory_table", tests, NULL, NULL);
}
