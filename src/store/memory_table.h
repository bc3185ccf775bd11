/* SPDX-License-Identifier: MIT */
/*
 * memory_table.h: the memory store's hash table of nodes by id, one per shard
 * (memory.c, note (1)); the caller holds the shard's lock. It grows without
 * stopping the world, the way Redis's dict rehashes a step at a time.
 *
 * NOTES ON THE DESIGN
 *  (1) Open addressing, linear probing, slots of (hash, node): a probe that misses
 *      and a move read only the slot array, never the nodes. A slot is 8 bytes:
 *      the hash's low 32 bits (the bucket bits, and the rest a filter before
 *      the ids are compared) and a 32-bit reference to the node in its owner's
 *      directory of chunks (mem_node_dir: chunk index, offset in 8-byte units),
 *      where a pointer and the whole hash took 16. Nothing is ever
 *      removed (the store frees nothing before close), so an empty slot ends
 *      every probe as long as a table is never full.
 *  (2) Two tables during a move. When an insert would make the table more than
 *      half full, a table of twice the slots becomes the one inserts go to and
 *      the old one is kept, unchanged, for lookups; each insert then copies the
 *      next MEMORY_TABLE_MOVE_BUCKETS buckets of the old table into the new one,
 *      and the old one is retired (8) once every bucket is copied. A lookup reads the
 *      new table, then (during a move) the old: the old table still holds every
 *      node it ever had (a copy, not a move: no probe chain is ever cut), and a
 *      node inserted during the move is only in the new one. No node is in the
 *      new table twice: a bucket is copied once, and an insert is only of an id
 *      that neither table has.
 *  (3) Bounds. A move starts at count = S / 2 at most (S the old table's slots;
 *      3S/8 at least, (5)) and ends after S / MEMORY_TABLE_MOVE_BUCKETS inserts,
 *      long before the new table of 2S slots reaches its own growth point (3S/4
 *      at the earliest): so a move never overlaps the next, and an insert costs at most MEMORY_TABLE_MOVE_BUCKETS
 *      slot copies (sequential in the old table; bucket i lands near i or i + S
 *      in the new one) plus its own probe, never a whole table. Each step
 *      ends by prefetching the next step's old buckets and where they land
 *      (near i and i + S): the next insert into the table comes tens of
 *      attempts later, and without it each step waited on those lines (at
 *      10M UUIDv4 decisions, 7.4-7.7% of a run's samples in the move, 3.4-4.2%
 *      with it).
 *  (4) Fresh memory. A table of at least MEMORY_TABLE_MAP_BYTES is mapped, not
 *      cleared: the kernel's zero pages are faulted in as the move and the
 *      inserts reach them, a page at a time, instead of one memset of the whole
 *      table at the start of the move (and written a page at a time ahead of
 *      the move, (7)). A failed allocation starts no move: the
 *      old table then takes nodes until one slot is left (1), and a later insert
 *      tries again.
 *  (5) Staggered growth. The shards of a store fill at one rate (ids hash
 *      evenly), so tables that grew at one load would all move, and fault in
 *      their fresh pages, in the same few calls. Each table of a store is given
 *      a stagger 0..MEMORY_TABLE_STAGGER_STEPS-1 that moves its growth point from
 *      half full down to 3/8 full: the moves of a store spread over a quarter of
 *      the span between two doublings. (3) holds from 3/8: a move that starts at
 *      3S/8 ends by 7S/16, before the new table's earliest growth point at 3S/4.
 *  (6) Unlocked readers: a batch prefetches the slots it will probe before it
 *      takes the lock. It reads `slots`, `mask` and `old` with relaxed atomics and
 *      only prefetches: a stale pair points at memory that may be gone, which a
 *      prefetch never faults on.
 *  (7) Written before read. A lookup of a new id during a move probes the new
 *      table at random; on an untouched page of a mapped table that read maps
 *      the kernel's shared zero page, and the insert's write then faults a
 *      second time to get a page of its own: two faults for most pages (measured
 *      at 4M UUIDv4 decisions: of 365k faults, 97k were such reads). So the new
 *      table (`next`) is allocated MEMORY_TABLE_RESERVES_PER_PAGE reserves per
 *      page it has ahead of its growth point, S / 8 for S old slots, and every
 *      MEMORY_TABLE_RESERVES_PER_PAGE-th reserve until then writes a zero into
 *      the next of its pages (a write the compiler must keep: it cannot know the
 *      page is zero): one fault per page instead of two, never a table at once
 *      (MAP_POPULATE was rejected for that, memory.c note (6)). One page per
 *      reserve, as this was first, bunched a table's faults into a few calls:
 *      at 10M UUIDv4 decisions in batches of 8192 the calls around the tables'
 *      growth took up to 1,000-1,100 faults (~300 on average); spread over 32
 *      times as many reserves, at most ~660. The lead stays short of the last
 *      move (asserted in memory_table.c: growing at f S, f >= 3/8, the move
 *      before ended by f S / 2 + S / 32, and the allocation is at f S - S / 8),
 *      so a table is never prepared during a move. A new table that could not be had
 *      ahead (out of memory) is taken at the growth point, as in (4), its pages
 *      unwritten. Cost: the new table is resident S / 8 inserts earlier than
 *      the move would have made it (at 10M, 2% more faults in all: the next
 *      tables of the shards near their growth, written and not used yet).
 *  (8) Retired tables. When a move ends, the old table is not freed but kept for
 *      the owner to take (mem_table_take_retired): its pages are resident
 *      already, and the memory store makes them its arena's next chunks
 *      (memory.c note (3)) instead of asking the kernel for fresh pages. An old
 *      table the owner has not taken is freed when the next one retires, or at
 *      mem_table_free. A prefetch (6) of a retired table's slots reads memory
 *      that may hold records now: a prefetch changes nothing.
 *  Cost per node: 8 bytes a slot, 2 to 4 slots a node (at most half full,
 *  doubling), during a move the old table's slots too, and for S / 256 inserts
 *  before one the next table's (7).
 */
#ifndef BOOKING_STORE_MEMORY_TABLE_H
#define BOOKING_STORE_MEMORY_TABLE_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMORY_TABLE_INITIAL_SLOTS 1024 /* power of two */
#define MEMORY_TABLE_MOVE_BUCKETS 16    /* old buckets copied per insert during a move, (3) */
#define MEMORY_TABLE_MAP_BYTES ((size_t)2 << 20) /* tables this large are mapped, (4) */
#define MEMORY_TABLE_STAGGER_STEPS 16 /* growth points between 3/8 and 1/2 full, (5) */
#define MEMORY_TABLE_PAGE_BYTES 4096 /* the smallest page: writing every one covers any, (7) */
#define MEMORY_TABLE_RESERVES_PER_PAGE 32 /* reserves per page of the next table written, (7) */
#define MEMORY_TABLE_LINE_SLOTS 8 /* slots of a 64-byte cache line: a move's prefetch stride, (3) */

_Static_assert((MEMORY_TABLE_INITIAL_SLOTS & (MEMORY_TABLE_INITIAL_SLOTS - 1)) == 0,
               "a power of two: masks pick buckets");
_Static_assert(MEMORY_TABLE_MOVE_BUCKETS % MEMORY_TABLE_LINE_SLOTS == 0,
               "a move's step is whole lines of slots");
_Static_assert(MEMORY_TABLE_MOVE_BUCKETS >= 16,
               "(3), (5): a move of S buckets ends within S / 16 inserts, by 7S/16 full");

/* What a table keys on. The hash lives in the slot, not here: a record is
 * written once and stays small (every byte is a byte per booking). The id is
 * not pointed at but placed: it lies id_offset bytes past the node, in the same
 * block (memory.c note (3)), which saves a record 8 bytes of pointer. */
typedef struct mem_node {
    uint16_t id_offset; /* the id, NUL-terminated, at (char *)node + id_offset */
    uint16_t id_len;
    uint8_t outcome; /* records only: booking_outcome, booking_reason, booking_status */
    uint8_t reason;
    uint8_t status;
} mem_node;

#define MEMORY_NODE_ID_OFFSET_MAX UINT16_MAX
#define MEMORY_NODE_ID_LEN_MAX UINT16_MAX

/* The id of a node. */
static inline const char *mem_node_id(const mem_node *n)
{
    return (const char *)n + n->id_offset;
}

/* Names the id of n: len bytes and a NUL at id, after n in n's own block. */
static inline void mem_node_set_id(mem_node *n, const char *id, size_t len)
{
    assert(id > (const char *)n && id - (const char *)n <= MEMORY_NODE_ID_OFFSET_MAX);
    assert(len <= MEMORY_NODE_ID_LEN_MAX && id[len] == '\0');
    n->id_offset = (uint16_t)(id - (const char *)n);
    n->id_len = (uint16_t)len;
}

/* Where a table's nodes live, (1): chunks of at most MEMORY_NODE_CHUNK_BYTES_MAX
 * bytes, each given an index when it is added; a node is named by its chunk
 * and its offset there. The owner adds chunks; tables only read. */
#define MEMORY_NODE_REF_UNIT 8          /* bytes: nodes are 8-aligned in their chunk */
#define MEMORY_NODE_REF_OFFSET_BITS 18  /* the offset's bits; the chunk index has the rest */
#define MEMORY_NODE_CHUNK_BYTES_MAX ((size_t)MEMORY_NODE_REF_UNIT << MEMORY_NODE_REF_OFFSET_BITS)
#define MEMORY_NODE_CHUNKS_MAX ((uint32_t)1 << (32 - MEMORY_NODE_REF_OFFSET_BITS)) /* 0 unused */

typedef struct mem_node_dir {
    unsigned char **base; /* base[c]: chunk c's first byte; c = 0 names no chunk */
    uint32_t count;       /* indexes given, 0 included (0: none yet) */
    uint32_t cap;
} mem_node_dir;

/* Gives the chunk at base (at most MEMORY_NODE_CHUNK_BYTES_MAX bytes from base
 * hold nodes) an index. False: out of memory, or MEMORY_NODE_CHUNKS_MAX reached. */
bool mem_node_dir_add(mem_node_dir *d, void *base, uint32_t *index);
void mem_node_dir_free(mem_node_dir *d);

/* The reference of the node at byte `offset` of chunk `index`. Never 0. */
static inline uint32_t mem_node_ref(uint32_t index, size_t offset)
{
    assert(index >= 1 && index < MEMORY_NODE_CHUNKS_MAX);
    assert(offset < MEMORY_NODE_CHUNK_BYTES_MAX && offset % MEMORY_NODE_REF_UNIT == 0);
    return index << MEMORY_NODE_REF_OFFSET_BITS | (uint32_t)(offset / MEMORY_NODE_REF_UNIT);
}

static inline mem_node *mem_node_at(const mem_node_dir *d, uint32_t ref)
{
    uint32_t index = ref >> MEMORY_NODE_REF_OFFSET_BITS;
    assert(index >= 1 && index < d->count);
    uint32_t units = ref & ((1u << MEMORY_NODE_REF_OFFSET_BITS) - 1);
    size_t offset = (size_t)units * MEMORY_NODE_REF_UNIT;
    return (mem_node *)(d->base[index] + offset);
}

typedef struct mem_slot {
    uint32_t hash; /* the node's hash's low 32 bits, (1) */
    uint32_t ref;  /* mem_node_ref; 0: empty */
} mem_slot;
_Static_assert(MEMORY_TABLE_LINE_SLOTS * sizeof(mem_slot) == 64, "a line of slots is 64 bytes");

typedef struct mem_table {
    mem_slot *slots; /* where inserts go; atomics: read unlocked by prefetches (6) */
    size_t mask;     /* slots - 1 */
    size_t count;    /* nodes in all, in either table */
    mem_slot *old;   /* during a move, (2): the table before; NULL otherwise */
    size_t old_mask;
    size_t moved; /* old buckets [0, moved) are copied into slots */
    uint32_t stagger; /* 0..MEMORY_TABLE_STAGGER_STEPS-1, (5) */
    mem_slot *next;   /* (7): the table of the next move, allocated ahead; NULL otherwise */
    size_t next_written; /* bytes of next written page by page so far, (7) */
    size_t next_reserves; /* reserves since next was allocated, (7) */
    mem_slot *retired;    /* (8): the old table of the move that ended; NULL otherwise */
    size_t retired_bytes;
    const mem_node_dir *dir; /* the owner's, where refs point, (1) */
    size_t quiet_below; /* a reserve below this count only says yes: no growth near, (7) */
} mem_table;

bool mem_table_init(mem_table *t, uint32_t stagger, const mem_node_dir *dir);
void mem_table_free(mem_table *t);

/* The node of id (hash its hash), or NULL. */
mem_node *mem_table_find(const mem_table *t, uint64_t hash, const char *id, size_t len);

/* Makes room for one more node, starting a move when the table would be more
 * than half full. False: no room at all (out of memory), nothing changed. */
bool mem_table_reserve(mem_table *t);

/* After mem_table_reserve() said yes, for an id that neither table has: cannot
 * fail. ref names the node in the table's directory. Copies the next
 * MEMORY_TABLE_MOVE_BUCKETS buckets of a move, (3). */
void mem_table_insert(mem_table *t, uint64_t hash, uint32_t ref);

/* Starts loading every slot a probe for hash will read first, unlocked, (6). */
static inline void mem_table_prefetch(const mem_table *t, uint64_t hash)
{
    mem_slot *slots = __atomic_load_n(&t->slots, __ATOMIC_RELAXED);
    size_t mask = __atomic_load_n(&t->mask, __ATOMIC_RELAXED);
    __builtin_prefetch(&slots[hash & mask], 1);
    mem_slot *old = __atomic_load_n(&t->old, __ATOMIC_RELAXED);
    if (old != NULL)
        __builtin_prefetch(&old[hash & __atomic_load_n(&t->old_mask, __ATOMIC_RELAXED)], 0);
}

/* The old table of the last move that ended, for the caller to keep or free,
 * (8); NULL when there is none. *bytes its size; *mapped: to be freed with
 * munmap(mem, *bytes), else with free(mem). The table forgets it. */
void *mem_table_take_retired(mem_table *t, size_t *bytes, bool *mapped);

/* Calls fn on every node once (close: freeing what nodes own). */
void mem_table_each(const mem_table *t, void (*fn)(mem_node *node));

#endif
