/* SPDX-License-Identifier: MIT */
/*
 * test_memory_index_nomem.c: memory_index.h note (4), "an add never fails": a
 * seal reserves every buffer it will take before it changes anything, so a
 * make_room that runs out of memory part of the way through its reservations
 * leaves the index as it was (what it reserved stays in the pool, seen by no
 * one), and the next make_room, with memory back, goes on from there. The
 * allocator fails on demand: this program is linked with malloc, realloc and
 * mmap wrapped (-Wl,--wrap), so the index's own calls can be made to fail.
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
#include <sys/mman.h>
#include <sys/types.h>

/* Seals enough for merges at levels 0 to 3 to start, and some to start in the
 * same seal as others end. */
#define NOMEM_KEYS (9 * MEMORY_INDEX_RUN_KEYS + 100)
#define NOMEM_ID_BYTES 16

/* ---- an allocator that fails on demand ---- */

void *__real_malloc(size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_malloc(size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

static long allocations_left = -1; /* -1: none fails; else these succeed, the rest fail */

static bool allocation_fails(void)
{
    if (allocations_left < 0)
        return false;
    if (allocations_left == 0)
        return true;
    allocations_left--;
    return false;
}

void *__wrap_malloc(size_t size)
{
    return allocation_fails() ? NULL : __real_malloc(size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return allocation_fails() ? NULL : __real_realloc(p, size);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return allocation_fails() ? MAP_FAILED : __real_mmap(addr, len, prot, flags, fd, off);
}

/* ---- the index's visible state ---- */

typedef struct index_seen {
    mem_index ix;                                   /* its fields, bytewise */
    mem_index_level level[MEMORY_INDEX_LEVELS_MAX]; /* its levels, bytewise */
} index_seen;

static void index_see(const mem_index *ix, index_seen *out)
{
    memset(out, 0, sizeof *out);
    memcpy(&out->ix, ix, sizeof *ix);
    assert_true(ix->levels <= MEMORY_INDEX_LEVELS_MAX);
    if (ix->levels > 0)
        memcpy(out->level, ix->level, ix->levels * sizeof *ix->level);
}

/* Buffers the pool holds (and its scratch): what a partial reservation leaves. */
static size_t pool_holds(const mem_index_pool *pool)
{
    size_t n = pool->scratch != NULL;
    for (uint32_t k = 0; k <= MEMORY_INDEX_LEVELS_MAX; k++)
        n += pool->spares[k];
    return n;
}

static void a_seal_that_runs_out_of_memory_changes_nothing_and_the_next_one_goes_on(
    void **state)
{
    (void)state;
    typedef struct test_key {
        mem_node node;
        char id[NOMEM_ID_BYTES];
    } test_key;
    test_key *keys = calloc(NOMEM_KEYS, sizeof *keys);
    assert_non_null(keys);
    for (size_t i = 0; i < NOMEM_KEYS; i++) { /* ascending: the walk is the add order */
        snprintf(keys[i].id, sizeof keys[i].id, "k-%010zu", i);
        mem_node_set_id(&keys[i].node, keys[i].id, strlen(keys[i].id));
    }
    mem_index ix = {0};
    mem_index_pool pool = {0};
    size_t refused = 0, partial = 0; /* make_rooms that failed; of them, after a reservation */
    for (size_t i = 0; i < NOMEM_KEYS; i++) {
        /* Allocation n of this make_room fails, for n = 0, 1, ... until one is
         * enough: each failure is seen to change nothing. */
        for (long n = 0;; n++) {
            index_seen before, after;
            index_see(&ix, &before);
            size_t held = pool_holds(&pool);
            allocations_left = n;
            bool room = mem_index_make_room(&ix, &pool);
            allocations_left = -1;
            if (room)
                break;
            refused++;
            index_see(&ix, &after);
            assert_memory_equal(&before, &after, sizeof before);
            partial += pool_holds(&pool) > held;
            assert_true(n < 4 * MEMORY_INDEX_LEVELS_MAX); /* a reservation is bounded */
        }
        mem_index_add(&ix, &keys[i].node);
    }
    /* Every key once, in order: nothing lost or doubled by the failures. */
    assert_true(ix.count == NOMEM_KEYS);
    assert_true(mem_index_flush(&ix, &pool));
    mem_index_cursor c;
    mem_index_seek(&ix, NULL, &c);
    for (size_t i = 0; i < NOMEM_KEYS; i++) {
        mem_node *node = mem_index_next(&c);
        assert_non_null(node);
        assert_string_equal(mem_node_id(node), keys[i].id);
    }
    assert_null(mem_index_next(&c));
    /* The failures were reached: at tail growths and seals, and some seals ran out
     * after a reservation of theirs had succeeded (the all-or-nothing case). */
    assert_true(refused > 0);
    assert_true(partial > 0);
    mem_index_free(&ix);
    mem_index_pool_free(&pool);
    free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_seal_that_runs_out_of_memory_changes_nothing_and_the_next_one_goes_on),
    };
    return cmocka_run_group_tests_name("memory_index_nomem", tests, NULL, NULL);
}
