/* SPDX-License-Identifier: MIT */
/*
 * memory_index.h: an ordered set of nodes by id (bytewise, strcmp order) for the
 * memory store's listings (memory.c, note (9)): sorted runs, merged a step at a
 * time, the way an LSM tree keeps its sorted runs. An add is an append; a page
 * is one binary search per run, then a merge of the runs' cursors.
 * The caller locks: an index is read and written under one lock of its owner's.
 *
 * NOTES ON THE DESIGN
 *  (1) Why runs and not a tree: an insert into any search tree on random ids
 *      is a descent with one dependent cache miss per level below the cached
 *      top (the B+tree this replaces cost ~950 instructions and several misses
 *      per add, 40% of an attempt), and adds outnumber listings by far. So an
 *      add appends (prefix, node) to the index's tail, and the ordering work
 *      happens in bulk, on sequential memory: a full tail is sorted (radix, on
 *      the prefix) into a run, and runs of one size are merged in pairs.
 *      Keys are (prefix, node): the first 8 bytes of the id packed big-endian,
 *      which order as the bytes do and settle almost every comparison (random
 *      ids differ there) without loading the node; equal prefixes compare the
 *      ids. An index never holds one id twice and nothing is ever removed (the
 *      store never forgets a record or a resource).
 *  (2) Levels, a binary counter. A run of level k holds exactly
 *      MEMORY_INDEX_RUN_KEYS << k keys. Sealing the tail makes a level-0 run
 *      (the tail's smallest MEMORY_INDEX_RUN_KEYS keys; the rest stay in the
 *      tail). A level holds at most two runs; when it has two, their merge into
 *      one run of level k + 1 starts, into a new buffer, and the two stay
 *      readable, unchanged, until the merge ends (the output is read by no one
 *      before): a reader sees every key once, in the inputs or in the output.
 *  (3) No stop-the-world: merges advance at seals, MEMORY_INDEX_MERGE_STEP keys
 *      per level per seal (twice the run size), so one seal costs the sort of
 *      one tail plus at most 2 x MEMORY_INDEX_RUN_KEYS merged keys per level,
 *      never a whole level. That is just fast enough: a level-k merge of
 *      2 x (RUN << k) keys ends within 2^k seals, counting the seal it starts
 *      in, and the next run reaches level k 2^k seals after the one that
 *      started it, so a level never holds a third run (asserted).
 *      Amortized, a key is sorted once and merged once per level:
 *      log2(n / MEMORY_INDEX_RUN_KEYS) times, sequential reads and writes.
 *      A merge picks each key without a branch (only equal prefixes branch to
 *      the ids): on random ids which run gives the next key is a coin toss,
 *      so a branch on it cannot be predicted (inferred, not counted: no
 *      hardware counters here; at 10M UUIDv4 decisions on one resource the
 *      merges were 6.6% of a run's samples with the branch, 4.4-5.4% without).
 *  (4) An add never fails: mem_index_make_room_for() does everything that can
 *      fail first. A seal first reserves in the pool every buffer it will take
 *      (one per size class at most: the sealed run's, and each merge output
 *      that starts), then sorts and merges, which cannot fail. Out of memory,
 *      it changes nothing that anyone sees and the caller's attempt fails.
 *  (5) Reads. A read first sorts the tail in place (mem_index_flush; at most
 *      MEMORY_INDEX_TAIL_MAX keys, and only if something was added since), then
 *      a page seeks every run and the tail (one binary search each: at most two
 *      runs per level, log2(n / RUN) levels) and merges their cursors, a linear
 *      minimum over at most MEMORY_INDEX_SOURCES_MAX cursors per key. Nothing
 *      of another index is read: a page's cost depends on its own index only.
 *  (6) Memory. Buffers are owned by a pool (one per lock, as the indexes it
 *      serves), by size class: a merge's inputs go back to the pool, and the
 *      next merge a level below takes them (level k's merges return two class-k
 *      buffers per merge, level k-1's take one per merge, at the same rate), so
 *      the fresh memory the kernel must fault in is about the top level's
 *      growth, not a copy per level. The pool keeps at most
 *      MEMORY_INDEX_SPARES_MAX buffers a class; classes of 2 MiB and more are
 *      mapped, and unmapped when freed. Cost: 16 bytes a key in runs, plus a
 *      merge's output while it is written (at most the size of its inputs, the
 *      inputs freed when it ends), plus the tail (16 bytes a key, up to
 *      MEMORY_INDEX_TAIL_MAX, grown by doubling from MEMORY_INDEX_TAIL_FIRST).
 */
#ifndef BOOKING_STORE_MEMORY_INDEX_H
#define BOOKING_STORE_MEMORY_INDEX_H

#include "store/memory_table.h" /* mem_node */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMORY_INDEX_RUN_KEYS 16384 /* keys of a level-0 run, (2); a power of two */
#define MEMORY_INDEX_ROOM_MAX 64   /* adds one make_room_for() call can ask for */
#define MEMORY_INDEX_TAIL_MAX (MEMORY_INDEX_RUN_KEYS + MEMORY_INDEX_ROOM_MAX)
#define MEMORY_INDEX_TAIL_FIRST 8 /* the tail doubles from this up to the max */
#define MEMORY_INDEX_LEVELS_MAX 34 /* 16384 << 34 keys: more than any memory holds */
#define MEMORY_INDEX_MERGE_STEP (2 * MEMORY_INDEX_RUN_KEYS) /* keys per level per seal, (3) */
#define MEMORY_INDEX_SPARES_MAX 2 /* spare buffers a pool keeps per size class, (6) */
/* What a page merges: two runs per level and the tail, (5). */
#define MEMORY_INDEX_SOURCES_MAX (2 * MEMORY_INDEX_LEVELS_MAX + 1)

/* A key of a run or of the tail, (1). */
typedef struct mem_index_entry {
    uint64_t prefix;
    mem_node *node;
} mem_index_entry;

/* Level k of an index, (2): up to two runs of MEMORY_INDEX_RUN_KEYS << k keys
 * (run[0] the older), and while it has two, their merge into `out`. */
typedef struct mem_index_level {
    mem_index_entry *run[2];
    uint32_t runs;
    mem_index_entry *out; /* NULL: no merge */
    size_t from[2];       /* keys of run[0], run[1] already in out */
} mem_index_level;

typedef struct mem_index {
    mem_index_entry *tail; /* added, not yet in a run; malloc'd */
    uint32_t tail_count;
    uint32_t tail_cap;
    bool tail_sorted; /* (5): sorted since the last add */
    uint32_t levels;  /* entries of level[] */
    mem_index_level *level; /* malloc'd */
    size_t count; /* keys in all, runs and tail */
} mem_index;

/* Buffers by size class, (6), and the sorting scratch. Owned by one lock, as
 * the indexes it serves. */
typedef struct mem_index_pool {
    mem_index_entry *spare[MEMORY_INDEX_LEVELS_MAX + 1][MEMORY_INDEX_SPARES_MAX];
    uint32_t spares[MEMORY_INDEX_LEVELS_MAX + 1];
    mem_index_entry *scratch; /* MEMORY_INDEX_TAIL_MAX entries, NULL until a sort */
} mem_index_pool;

/* One run's (or the tail's) part of a walk. */
typedef struct mem_index_source {
    const mem_index_entry *at;
    const mem_index_entry *end;
} mem_index_source;

/* Where a walk is: the next key of each source, (5). */
typedef struct mem_index_cursor {
    uint32_t sources;
    mem_index_source source[MEMORY_INDEX_SOURCES_MAX];
} mem_index_cursor;

void mem_index_pool_free(mem_index_pool *pool);

/* Makes room for n (1..MEMORY_INDEX_ROOM_MAX) more mem_index_add()s, growing
 * the tail or sealing it (2), (4). False: out of memory; the index holds the
 * same keys as before. Room made is room kept until the adds: a caller that
 * adds several nodes to one index asks for all of them in one call. */
bool mem_index_make_room_for(mem_index *ix, mem_index_pool *pool, uint32_t n);
/* mem_index_make_room_for(ix, pool, 1). */
bool mem_index_make_room(mem_index *ix, mem_index_pool *pool);

/* After mem_index_make_room_for() said yes: appends node (absent from ix) to the
 * tail, (1). */
void mem_index_add(mem_index *ix, mem_node *node);

/* Sorts the tail, (5): what a read does first. False: out of memory (no scratch
 * to sort with); the reader fails the read. */
bool mem_index_flush(mem_index *ix, mem_index_pool *pool);

/* A cursor at the first key whose id is > after (after NULL: the first key).
 * The tail must be sorted (mem_index_flush) and ix unchanged while the cursor
 * is used. */
void mem_index_seek(const mem_index *ix, const char *after, mem_index_cursor *c);

/* The node at the cursor, and the cursor moved on; NULL past the end. */
mem_node *mem_index_next(mem_index_cursor *c);

/* Frees every buffer of ix (not the nodes it keys on). */
void mem_index_free(mem_index *ix);

#endif
