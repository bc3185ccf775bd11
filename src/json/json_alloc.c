/* SPDX-License-Identifier: MIT */
/*
 * json_alloc.c: jansson's allocator, wrapped to count failures per thread and to
 * cut a decode's allocations from a per-thread arena (see json_alloc.h). The
 * wrapped pair is whatever was installed before: malloc and free in the service,
 * an allocator that fails on demand in the tests.
 */
#include "json/json_alloc.h"

#include <assert.h>
#include <jansson.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The arena's first block; each next one is twice the last, up to the largest.
 * An allocation over a quarter of the block size gets a block of its own, so
 * that a long string of a hostile body wastes no more than itself. */
#define JSON_ARENA_BLOCK_FIRST ((size_t)16 * 1024)
#define JSON_ARENA_BLOCK_LARGEST ((size_t)1024 * 1024)
#define JSON_ARENA_ALIGN alignof(max_align_t)

/* A block of the arena: this header, then the memory handed out. */
typedef struct arena_block {
    struct arena_block *next;
    char *end; /* one past the block's memory */
} arena_block;

typedef struct arena {
    bool active;
    arena_block *blocks; /* the newest first */
    char *free_at;       /* the next allocation, in blocks (when not NULL) */
    char *free_end;
    size_t block_size; /* the next shared block's size */
} arena;

static json_malloc_t inner_malloc;
static json_free_t inner_free;
static bool installed;
static _Thread_local unsigned long failures;
static _Thread_local arena thread_arena;

_Static_assert(sizeof(arena_block) % JSON_ARENA_ALIGN == 0, "a block's memory is aligned");

static size_t round_up(size_t size)
{
    return (size + JSON_ARENA_ALIGN - 1) & ~(JSON_ARENA_ALIGN - 1);
}

/* A new block of at least size bytes, from the wrapped allocator; NULL (counted
 * as a failed allocation) if it failed. */
static arena_block *arena_block_new(arena *a, size_t size)
{
    arena_block *b = size <= SIZE_MAX - sizeof(arena_block)
                         ? inner_malloc(sizeof(arena_block) + size)
                         : NULL;
    if (b == NULL) {
        failures++;
        return NULL;
    }
    b->end = (char *)(b + 1) + size;
    b->next = a->blocks;
    a->blocks = b;
    return b;
}

static void *arena_malloc(arena *a, size_t size)
{
    size_t want = round_up(size > 0 ? size : 1);
    if (want < size) { /* size near SIZE_MAX */
        failures++;
        return NULL;
    }
    if (a->free_at != NULL && want <= (size_t)(a->free_end - a->free_at)) {
        void *p = a->free_at;
        a->free_at += want;
        return p;
    }
    if (want > a->block_size / 4) {
        /* A block of its own, behind the shared one: the shared one keeps its room. */
        arena_block *b = arena_block_new(a, want);
        return b != NULL ? (void *)(b + 1) : NULL;
    }
    arena_block *b = arena_block_new(a, a->block_size);
    if (b == NULL)
        return NULL;
    if (a->block_size < JSON_ARENA_BLOCK_LARGEST)
        a->block_size *= 2;
    a->free_at = (char *)(b + 1) + want;
    a->free_end = b->end;
    return b + 1;
}

static void *counting_malloc(size_t size)
{
    if (thread_arena.active)
        return arena_malloc(&thread_arena, size);
    void *p = inner_malloc(size);
    if (p == NULL)
        failures++;
    return p;
}

/* Whether p was cut from this thread's arena. */
static bool arena_owns(const arena *a, const void *p)
{
    const char *c = p;
    for (const arena_block *b = a->blocks; b != NULL; b = b->next) {
        if (c >= (const char *)(b + 1) && c < b->end)
            return true;
    }
    return false;
}

static void counting_free(void *p)
{
    /* Inside an arena its memory returns at the end; anything else (a value made
     * before the arena began) goes back to the wrapped allocator. */
    if (p == NULL || (thread_arena.active && arena_owns(&thread_arena, p)))
        return;
    inner_free(p);
}

void json_alloc_install(void)
{
    if (installed)
        return;
    json_get_alloc_funcs(&inner_malloc, &inner_free);
    assert(inner_malloc != NULL && inner_free != NULL);
    json_set_alloc_funcs(counting_malloc, counting_free);
    installed = true;
}

unsigned long json_alloc_failures(void)
{
    return failures;
}

void json_alloc_arena_begin(void)
{
    arena *a = &thread_arena;
    assert(!a->active && a->blocks == NULL); /* arenas do not nest */
    if (!installed)
        return;
    *a = (arena){.active = true, .block_size = JSON_ARENA_BLOCK_FIRST};
}

void json_alloc_arena_end(void)
{
    arena *a = &thread_arena;
    assert(installed || !a->active);
    for (arena_block *b = a->blocks; b != NULL;) {
        arena_block *next = b->next;
        inner_free(b);
        b = next;
    }
    *a = (arena){.active = false, .blocks = NULL};
}

bool json_alloc_arena_active(void)
{
    return thread_arena.active;
}

void *json_alloc_malloc(size_t size)
{
    if (!installed)
        return malloc(size);
    void *p = inner_malloc(size);
    if (p == NULL)
        failures++;
    return p;
}

void json_alloc_free(void *p)
{
    if (p == NULL)
        return;
    if (!installed)
        free(p);
    else
        inner_free(p);
}
