/* SPDX-License-Identifier: MIT */
/*
 * memory_table.c: the memory store's incrementally grown hash table (see
 * memory_table.h for its notes (1) to (8)).
 */
#include "store/memory_table.h"
#include "booking.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static size_t quiet_below_of(const mem_table *t);

static size_t slots_bytes(size_t count)
{
    return count * sizeof(mem_slot);
}

/* Zeroed slots: mapped (zero pages faulted in on first touch) or calloc'd, (4). */
static mem_slot *slots_alloc(size_t count)
{
    assert(count >= MEMORY_TABLE_INITIAL_SLOTS && (count & (count - 1)) == 0);
    size_t bytes = slots_bytes(count);
    if (bytes < MEMORY_TABLE_MAP_BYTES)
        return calloc(count, sizeof(mem_slot));
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    return p;
}

static void slots_free(mem_slot *slots, size_t count)
{
    if (slots == NULL)
        return;
    size_t bytes = slots_bytes(count);
    if (bytes < MEMORY_TABLE_MAP_BYTES)
        free(slots);
    else
        munmap(slots, bytes);
}

bool mem_node_dir_add(mem_node_dir *d, void *base, uint32_t *index)
{
    assert(base != NULL && ((uintptr_t)base % MEMORY_NODE_REF_UNIT) == 0);
    uint32_t at = d->count == 0 ? 1 : d->count; /* index 0 names no chunk */
    if (at >= MEMORY_NODE_CHUNKS_MAX)
        return false;
    if (at >= d->cap) {
        uint32_t cap = d->cap == 0 ? 16 : d->cap * 2;
        if (cap > MEMORY_NODE_CHUNKS_MAX)
            cap = MEMORY_NODE_CHUNKS_MAX;
        unsigned char **grown = realloc(d->base, cap * sizeof *grown);
        if (grown == NULL)
            return false;
        d->base = grown;
        d->cap = cap;
    }
    d->base[0] = NULL;
    d->base[at] = base;
    d->count = at + 1;
    *index = at;
    return true;
}

void mem_node_dir_free(mem_node_dir *d)
{
    free(d->base);
    memset(d, 0, sizeof *d);
}

bool mem_table_init(mem_table *t, uint32_t stagger, const mem_node_dir *dir)
{
    assert(stagger < MEMORY_TABLE_STAGGER_STEPS && dir != NULL);
    memset(t, 0, sizeof *t);
    t->stagger = stagger;
    t->dir = dir;
    mem_slot *slots = slots_alloc(MEMORY_TABLE_INITIAL_SLOTS);
    if (slots == NULL)
        return false;
    __atomic_store_n(&t->slots, slots, __ATOMIC_RELAXED);
    __atomic_store_n(&t->mask, MEMORY_TABLE_INITIAL_SLOTS - 1, __ATOMIC_RELAXED);
    t->quiet_below = quiet_below_of(t);
    return true;
}

void mem_table_free(mem_table *t)
{
    slots_free(t->slots, t->mask + 1);
    slots_free(t->old, t->old_mask + 1);
    slots_free(t->next, (t->mask + 1) * 2);
    slots_free(t->retired, t->retired_bytes / sizeof(mem_slot));
    memset(t, 0, sizeof *t);
}

static mem_node *slots_find(const mem_node_dir *dir, const mem_slot *slots, size_t mask,
                            uint32_t hash, const char *id, size_t len)
{
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const mem_slot *slot = &slots[i];
        if (slot->ref == 0)
            return NULL; /* (1): a table is never full */
        if (slot->hash != hash)
            continue;
        mem_node *node = mem_node_at(dir, slot->ref);
        if (node->id_len == len && memcmp(mem_node_id(node), id, len) == 0)
            return node;
    }
}

mem_node *mem_table_find(const mem_table *t, uint64_t hash, const char *id, size_t len)
{
    assert(t->slots != NULL && len >= 1 && len <= BOOKING_ID_LEN_MAX);
    assert(t->count < t->mask + 1);
    mem_node *n = slots_find(t->dir, t->slots, t->mask, (uint32_t)hash, id, len);
    if (n == NULL && t->old != NULL) /* (2): not yet copied */
        n = slots_find(t->dir, t->old, t->old_mask, (uint32_t)hash, id, len);
    return n;
}

static void slots_place(mem_slot *slots, size_t mask, uint32_t hash, uint32_t ref)
{
    assert(ref != 0 && (mask & (mask + 1)) == 0); /* mask <= UINT32_MAX: reserve's */
    size_t i = hash & mask;
    while (slots[i].ref != 0)
        i = (i + 1) & mask;
    slots[i] = (mem_slot){.hash = hash, .ref = ref};
}

/* Copies up to `buckets` more old buckets into the new table; frees the old
 * one when every bucket is copied, (2). */
static void table_move(mem_table *t, size_t buckets)
{
    assert(t->old != NULL && t->moved <= t->old_mask);
    size_t end = t->moved + buckets;
    if (end > t->old_mask + 1)
        end = t->old_mask + 1;
    for (size_t i = t->moved; i < end; i++) {
        if (t->old[i].ref != 0)
            slots_place(t->slots, t->mask, t->old[i].hash, t->old[i].ref);
    }
    t->moved = end;
    /* The next step's old buckets, and where they land in the new table: near
     * bucket i or i + S for old bucket i (S old slots). The next insert into
     * this table comes tens of attempts later, time enough for them to load.
     * Written here, not in a function of its own: GCC judged one that only
     * prefetches to have no effect, and dropped its call. */
    for (size_t i = end; i < end + MEMORY_TABLE_MOVE_BUCKETS && i <= t->old_mask;
         i += MEMORY_TABLE_LINE_SLOTS) {
        __builtin_prefetch(&t->old[i], 0);
        __builtin_prefetch(&t->slots[i & t->mask], 1);
        __builtin_prefetch(&t->slots[(i + t->old_mask + 1) & t->mask], 1);
    }
    if (t->moved == t->old_mask + 1) {
        mem_slot *old = t->old;
        __atomic_store_n(&t->old, NULL, __ATOMIC_RELAXED);
        /* (8): the owner's to take; one not taken is freed by the next. */
        slots_free(t->retired, t->retired_bytes / sizeof(mem_slot));
        t->retired = old;
        t->retired_bytes = slots_bytes(t->old_mask + 1);
        __atomic_store_n(&t->old_mask, 0, __ATOMIC_RELAXED);
        t->moved = 0;
    }
}

/* The count past which the table grows: between 3/8 and 1/2 of its slots, (5). */
static size_t table_grow_point(const mem_table *t)
{
    size_t slots = t->mask + 1;
    size_t point = slots / 2 - slots / 8 * t->stagger / MEMORY_TABLE_STAGGER_STEPS;
    assert(point >= slots / 8 * 3 && point <= slots / 2);
    return point;
}

/* (7): a table of S slots that grows at f S (f >= 3/8, (5)) grew from S / 2
 * slots at f S / 2, and that move of S / 2 buckets, MOVE_BUCKETS an insert,
 * ended by f S / 2 + S / (2 MOVE_BUCKETS). The next table is allocated at
 * f S - lead, lead = RESERVES_PER_PAGE * 2 S * sizeof(mem_slot) / PAGE: after
 * that end whenever lead + S / (2 MOVE_BUCKETS) < 3S / 16. In units of S / 32: */
_Static_assert(MEMORY_TABLE_RESERVES_PER_PAGE * 2 * sizeof(mem_slot) * 32 / MEMORY_TABLE_PAGE_BYTES +
                       32 / (2 * MEMORY_TABLE_MOVE_BUCKETS) <
                   32 * 3 / 16,
               "a new table is prepared only after the move before has ended");

/* Reserves ahead of the growth point at which the next table is allocated, so
 * that one page of it written every MEMORY_TABLE_RESERVES_PER_PAGE reserves
 * has written all by then, (7). */
static size_t next_lead(const mem_table *t)
{
    size_t pages = (slots_bytes((t->mask + 1) * 2) + MEMORY_TABLE_PAGE_BYTES - 1) /
                   MEMORY_TABLE_PAGE_BYTES;
    return pages * MEMORY_TABLE_RESERVES_PER_PAGE;
}

/* Writes the next page of the next table on every MEMORY_TABLE_RESERVES_PER_PAGE-th
 * reserve since it was allocated, (7): the first touch of each page is a write,
 * so the kernel faults it in once, and the faults are spread thin. */
static void next_write_pages(mem_table *t)
{
    size_t bytes = slots_bytes((t->mask + 1) * 2);
    if (t->next_reserves++ % MEMORY_TABLE_RESERVES_PER_PAGE != 0 || t->next_written >= bytes)
        return;
    ((volatile unsigned char *)t->next)[t->next_written] = 0;
    t->next_written += MEMORY_TABLE_PAGE_BYTES;
}

/* The table of the next move, when the growth point is near (7) or reached. */
static void next_prepare(mem_table *t, size_t grow_point)
{
    assert(t->old == NULL); /* (3): a move ends long before the next is prepared */
    if (t->next == NULL && t->count + 1 + next_lead(t) > grow_point) {
        t->next = slots_alloc((t->mask + 1) * 2); /* NULL: no memory, tried again later */
        t->next_written = 0;
        t->next_reserves = 0;
    }
    if (t->next != NULL)
        next_write_pages(t);
}

/* The count below which a reserve has nothing to do, for the table's size:
 * the next table's allocation point, (7). */
static size_t quiet_below_of(const mem_table *t)
{
    size_t point = table_grow_point(t), lead = next_lead(t);
    assert(point > lead);
    return point - lead;
}

bool mem_table_reserve(mem_table *t)
{
    assert(t->slots != NULL);
    if (__builtin_expect(t->count + 1 < t->quiet_below, 1)) {
        /* No growth near: also during a move, which ends long before (3). */
        assert(t->next == NULL && 2 * (t->count + 1) <= t->mask + 1);
        return true;
    }
    if (t->old == NULL) {
        size_t grow_point = table_grow_point(t);
        next_prepare(t, grow_point);
        if (t->count + 1 > grow_point && t->next != NULL) {
            size_t count = (t->mask + 1) * 2;
            assert(count - 1 <= UINT32_MAX); /* (1): buckets from 32 bits of hash */
            mem_slot *grown = t->next;
            t->next = NULL;
            /* The old table stays whole for lookups until the move ends, (2). */
            __atomic_store_n(&t->old, t->slots, __ATOMIC_RELAXED);
            __atomic_store_n(&t->old_mask, t->mask, __ATOMIC_RELAXED);
            t->moved = 0;
            __atomic_store_n(&t->slots, grown, __ATOMIC_RELAXED);
            __atomic_store_n(&t->mask, count - 1, __ATOMIC_RELAXED);
            t->quiet_below = quiet_below_of(t);
            /* Only after a failed growth (4) is the old table past half full:
             * then the move might not end in time, and is done at once. */
            size_t inserts_to_end = (t->old_mask + 1) / MEMORY_TABLE_MOVE_BUCKETS;
            if (t->count + 1 + inserts_to_end > count / 8 * 3)
                table_move(t, t->old_mask + 1);
        }
    }
    /* (3): a move ends before the new table is half full; without one (no
     * memory to grow) the table still takes nodes until one slot is left (1). */
    assert(t->old == NULL || 2 * (t->count + 1) <= t->mask + 1);
    assert(t->next == NULL || t->old == NULL);
    return t->count + 1 < t->mask + 1;
}

void mem_table_insert(mem_table *t, uint64_t hash, uint32_t ref)
{
    assert(t->count + 1 < t->mask + 1); /* mem_table_reserve() said yes */
    if (t->old != NULL)
        table_move(t, MEMORY_TABLE_MOVE_BUCKETS);
    slots_place(t->slots, t->mask, (uint32_t)hash, ref);
    t->count++;
    assert(t->count < t->mask + 1);
}

void *mem_table_take_retired(mem_table *t, size_t *bytes, bool *mapped)
{
    void *mem = t->retired;
    if (mem == NULL)
        return NULL;
    *bytes = t->retired_bytes;
    *mapped = t->retired_bytes >= MEMORY_TABLE_MAP_BYTES; /* as slots_alloc() chose, (4) */
    assert(*bytes >= slots_bytes(MEMORY_TABLE_INITIAL_SLOTS));
    t->retired = NULL;
    t->retired_bytes = 0;
    return mem;
}

void mem_table_each(const mem_table *t, void (*fn)(mem_node *node))
{
    /* (2): the new table, and the old buckets not copied yet: each node once. */
    for (size_t i = 0; t->slots != NULL && i <= t->mask; i++) {
        if (t->slots[i].ref != 0)
            fn(mem_node_at(t->dir, t->slots[i].ref));
    }
    for (size_t i = t->moved; t->old != NULL && i <= t->old_mask; i++) {
        if (t->old[i].ref != 0)
            fn(mem_node_at(t->dir, t->old[i].ref));
    }
}
