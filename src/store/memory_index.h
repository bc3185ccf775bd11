/* SPDX-License-Identifier: MIT */
/*
 * memory_index.h: an ordered set of nodes by id (bytewise, strcmp order) for the
 * memory store's listings (memory.c, note (9)): a small B+tree whose leaves are
 * chained in order, so a page is one descent, O(log n), then a walk, O(page).
 * The caller locks: an index is read and written under one lock of its owner's.
 *
 * NOTES ON THE DESIGN
 *  (1) Why a B+tree of our own and not a red-black tree (libbsd's <bsd/sys/tree.h>,
 *      say): a red-black tree's descent is ~log2(n) dependent loads, each to a
 *      node of its own (23 of them at 10M records), and its links would live in
 *      every record and every line of a bundle; a B+tree node is 512 bytes of
 *      keys, so the descent is 4 or 5 nodes, the upper ones in cache. Keys are
 *      (prefix, node): the first 8 bytes of the id packed big-endian, which
 *      order as the bytes do and settle almost every comparison (random ids
 *      differ there) without loading the node; equal prefixes compare the ids.
 *  (2) Shape: leaves hold up to MEMORY_INDEX_LEAF_MAX keys and the pointer to the
 *      next leaf; inner nodes up to MEMORY_INDEX_INNER_MAX children, child i
 *      holding the keys >= key i (key 0 of an inner node is a lower bound of its
 *      subtree, used only when the node splits). Nothing is ever removed (the
 *      store never forgets a record or a resource). A full node splits in two
 *      halves, except the last node of its level when a key is appended to it:
 *      a leaf stays full and the new leaf takes the key, an inner node gives
 *      the new one its last child and the new one (ids that arrive in order
 *      fill nodes whole).
 *  (3) An insert never fails: it takes its new nodes (at most one per level and
 *      a new root: mem_index_insert_nodes()) from a pool that the caller filled
 *      first (mem_index_pool_reserve), so a store reserves before it decides.
 *  (4) Adds are buffered. A descent on random ids is one dependent cache miss
 *      (and TLB miss) per level below the cached top: measured, ~2 us an insert
 *      at 4M keys, five times the rest of an attempt. So mem_index_add() only
 *      appends to a buffer of up to MEMORY_INDEX_RECENT_MAX recent nodes; when it
 *      is full, or before any read (mem_index_flush), the buffer is inserted in
 *      two passes: one descends for every buffered key a level at a time and
 *      prefetches each node the next level reads (so the misses of the whole
 *      buffer overlap), then the inserts run on warm nodes, straight into the
 *      leaf the first pass found while that leaf has not split since (a leaf's
 *      range of keys changes only when it splits) and has room. A read costs at most
 *      that one flush more: O(MEMORY_INDEX_RECENT_MAX log n). The flush reserves
 *      its nodes insert by insert; out of memory, it stops with the rest still
 *      buffered (no key is lost) and the caller's add fails before it decides.
 *  Memory: 512-byte nodes. A leaf keeps 16 bytes a key: about 23 bytes a key on
 *  random ids (leaves ~70% full), 17 on ids in ascending order; inner nodes add
 *  under 1 byte a key.
 */
#ifndef BOOKING_STORE_MEMORY_INDEX_H
#define BOOKING_STORE_MEMORY_INDEX_H

#include "store/memory_table.h" /* mem_node */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMORY_INDEX_NODE_BYTES 512
#define MEMORY_INDEX_LEAF_MAX 31  /* (512 - 16) / 16 */
#define MEMORY_INDEX_INNER_MAX 20 /* (512 - 16) / 24 */
#define MEMORY_INDEX_DEPTH_MAX 16 /* 10 children at least per inner node: never reached */
#define MEMORY_INDEX_RECENT_MAX 256 /* buffered adds, (4) */
#define MEMORY_INDEX_RECENT_FIRST 8 /* the buffer doubles from this to the max */

typedef struct mem_index_node mem_index_node;

typedef struct mem_index {
    mem_index_node *root; /* NULL: empty */
    uint32_t depth;       /* levels, leaves included; 0 when empty */
    size_t count;         /* keys in the tree */
    mem_node **recent;    /* (4): added, not yet in the tree; malloc'd */
    uint32_t recent_count;
    uint32_t recent_cap;
} mem_index;

/* Spare nodes for inserts, (3). Owned by one lock, as the indexes it serves. */
typedef struct mem_index_pool {
    mem_index_node *spare; /* chained through their first child/next pointer */
    size_t count;
} mem_index_pool;

/* Where a walk is: the next key to read. */
typedef struct mem_index_cursor {
    const mem_index_node *leaf; /* NULL: past the end */
    uint32_t at;
} mem_index_cursor;

/* The most nodes one insert into ix can take from the pool. */
static inline size_t mem_index_insert_nodes(const mem_index *ix)
{
    return (size_t)ix->depth + 1;
}

/* Fills the pool to at least `nodes` spare nodes. False: out of memory (the
 * pool keeps what it had and what it got). */
bool mem_index_pool_reserve(mem_index_pool *pool, size_t nodes);
void mem_index_pool_free(mem_index_pool *pool);

/* Adds node (absent from ix) into the tree now; cannot fail after
 * mem_index_pool_reserve(pool, mem_index_insert_nodes(ix)) said yes. */
void mem_index_insert(mem_index *ix, mem_index_pool *pool, mem_node *node);

/* Makes room for n (1..MEMORY_INDEX_RECENT_MAX) more mem_index_add()s, growing
 * the buffer or flushing it (4). False: out of memory; the index holds the same
 * keys as before. Room made is room kept until the adds: a caller that adds
 * several nodes to one index asks for all of them in one call. */
bool mem_index_make_room_for(mem_index *ix, mem_index_pool *pool, uint32_t n);
/* mem_index_make_room_for(ix, pool, 1). */
bool mem_index_make_room(mem_index *ix, mem_index_pool *pool);

/* After mem_index_make_room_for() said yes: buffers node (absent from ix), (4). */
void mem_index_add(mem_index *ix, mem_node *node);

/* Inserts every buffered node into the tree, (4): what a read does first.
 * False: out of memory, some still buffered (the reader fails the read). */
bool mem_index_flush(mem_index *ix, mem_index_pool *pool);

/* A cursor at the first key whose id is > after (after NULL: the first key).
 * The buffer must be empty (mem_index_flush). */
mem_index_cursor mem_index_seek(const mem_index *ix, const char *after);

/* The node at the cursor, and the cursor moved on; NULL past the end. */
mem_node *mem_index_next(mem_index_cursor *c);

/* Frees every node of ix and its buffer (not the nodes it keys on). */
void mem_index_free(mem_index *ix);

#endif
