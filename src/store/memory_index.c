/* SPDX-License-Identifier: MIT */
/*
 * memory_index.c: the sorted runs of memory_index.h (its notes (1) to (6)).
 */
#include "store/memory_index.h"
#include "booking.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define INDEX_MAP_BYTES ((size_t)2 << 20) /* buffers this large are mapped, (6) */
#define INDEX_RADIX_BITS 11 /* six passes over a 64-bit prefix */
#define INDEX_RADIX_BUCKETS (1u << INDEX_RADIX_BITS)
#define INDEX_RADIX_PASSES ((64 + INDEX_RADIX_BITS - 1) / INDEX_RADIX_BITS)

_Static_assert((MEMORY_INDEX_RUN_KEYS & (MEMORY_INDEX_RUN_KEYS - 1)) == 0, "a power of two");
_Static_assert(MEMORY_INDEX_ROOM_MAX >= BOOKING_LINES_MAX,
               "a bundle's lines fit one make_room_for()");
_Static_assert(MEMORY_INDEX_TAIL_FIRST >= 1 && MEMORY_INDEX_TAIL_FIRST <= MEMORY_INDEX_ROOM_MAX,
               "the first tail takes any one call's room");
_Static_assert(MEMORY_INDEX_MERGE_STEP >= 2 * MEMORY_INDEX_RUN_KEYS,
               "(3): a level-k merge ends within 2^k seals");
_Static_assert(MEMORY_INDEX_TAIL_MAX <= UINT32_MAX, "mem_index.tail_count");

typedef uint32_t radix_counts[INDEX_RADIX_PASSES][INDEX_RADIX_BUCKETS];
_Static_assert(sizeof(mem_index_entry) % _Alignof(uint32_t) == 0, "the counts follow the entries");

static void entries_sort(mem_index_entry *e, size_t n, mem_index_entry *tmp, radix_counts count);

/* ---- keys, (1) ---- */

/* The first 8 bytes of an id, big-endian, zero-padded: ordered as the bytes. */
static inline uint64_t id_prefix(const char *id, size_t len)
{
    uint64_t p = 0;
    if (len >= 8)
        memcpy(&p, id, 8); /* a fixed-size load, the common case */
    else
        memcpy(&p, id, len);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    p = __builtin_bswap64(p);
#endif
    return p;
}

/* <0, 0, >0: the ids of two nodes, in strcmp order. */
static int node_cmp(const mem_node *a, const char *b_id, size_t b_len)
{
    size_t n = a->id_len < b_len ? a->id_len : b_len;
    int c = memcmp(mem_node_id(a), b_id, n);
    if (c != 0)
        return c;
    return a->id_len < b_len ? -1 : a->id_len > b_len;
}

/* Whether a sorts before b. */
static inline bool entry_less(const mem_index_entry *a, const mem_index_entry *b)
{
    if (__builtin_expect(a->prefix != b->prefix, 1))
        return a->prefix < b->prefix;
    return node_cmp(a->node, mem_node_id(b->node), b->node->id_len) < 0;
}

static int entry_qsort_cmp(const void *a, const void *b)
{
    const mem_index_entry *x = a, *y = b;
    return node_cmp(x->node, mem_node_id(y->node), y->node->id_len);
}

/* ---- buffers by size class, (6) ---- */

static size_t class_keys(uint32_t cls)
{
    assert(cls <= MEMORY_INDEX_LEVELS_MAX);
    return (size_t)MEMORY_INDEX_RUN_KEYS << cls;
}

static size_t class_bytes(uint32_t cls)
{
    return class_keys(cls) * sizeof(mem_index_entry);
}

static mem_index_entry *buffer_alloc(uint32_t cls)
{
    size_t bytes = class_bytes(cls);
    if (bytes < INDEX_MAP_BYTES)
        return malloc(bytes);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void buffer_free(mem_index_entry *b, uint32_t cls)
{
    if (b == NULL)
        return;
    size_t bytes = class_bytes(cls);
    if (bytes < INDEX_MAP_BYTES)
        free(b);
    else
        munmap(b, bytes);
}

/* A buffer of class cls from the pool's spares: reserved first, (4). */
static mem_index_entry *pool_take(mem_index_pool *pool, uint32_t cls)
{
    assert(pool->spares[cls] > 0);
    return pool->spare[cls][--pool->spares[cls]];
}

/* A buffer back to the pool, or freed when the pool has enough of its class. */
static void pool_give(mem_index_pool *pool, mem_index_entry *b, uint32_t cls)
{
    if (pool->spares[cls] < MEMORY_INDEX_SPARES_MAX)
        pool->spare[cls][pool->spares[cls]++] = b;
    else
        buffer_free(b, cls);
}

/* At least one spare of class cls. False: out of memory. */
static bool pool_reserve(mem_index_pool *pool, uint32_t cls)
{
    if (pool->spares[cls] > 0)
        return true;
    mem_index_entry *b = buffer_alloc(cls);
    if (b == NULL)
        return false;
    pool->spare[cls][pool->spares[cls]++] = b;
    return true;
}

/* The scratch: MEMORY_INDEX_TAIL_MAX entries, then the radix counts. */
#define INDEX_SCRATCH_BYTES (MEMORY_INDEX_TAIL_MAX * sizeof(mem_index_entry) + sizeof(radix_counts))

static bool pool_reserve_scratch(mem_index_pool *pool)
{
    if (pool->scratch == NULL)
        pool->scratch = malloc(INDEX_SCRATCH_BYTES);
    return pool->scratch != NULL;
}

static void scratch_sort(mem_index_pool *pool, mem_index_entry *e, size_t n)
{
    assert(pool->scratch != NULL && n <= MEMORY_INDEX_TAIL_MAX);
    entries_sort(e, n, pool->scratch, (void *)(pool->scratch + MEMORY_INDEX_TAIL_MAX));
}

void mem_index_pool_free(mem_index_pool *pool)
{
    for (uint32_t cls = 0; cls <= MEMORY_INDEX_LEVELS_MAX; cls++) {
        while (pool->spares[cls] > 0)
            buffer_free(pool_take(pool, cls), cls);
    }
    free(pool->scratch);
    memset(pool, 0, sizeof *pool);
}

/* ---- sorting the tail, (1) ---- */

/* Sorts e[0..n) in place by (prefix, id), with tmp of n entries: an LSD radix
 * sort on the prefix, INDEX_RADIX_BITS a pass (passes where every key has the
 * same digit are skipped), then each run of equal prefixes by their ids. */
static void entries_sort(mem_index_entry *e, size_t n, mem_index_entry *tmp, radix_counts count)
{
    memset(count, 0, sizeof(radix_counts));
    for (size_t i = 0; i < n; i++) {
        uint64_t p = e[i].prefix;
#pragma GCC unroll 8
        for (uint32_t pass = 0; pass < INDEX_RADIX_PASSES; pass++)
            count[pass][(p >> (pass * INDEX_RADIX_BITS)) & (INDEX_RADIX_BUCKETS - 1)]++;
    }
    mem_index_entry *from = e, *to = tmp;
    for (uint32_t pass = 0; pass < INDEX_RADIX_PASSES; pass++) {
        uint32_t shift = pass * INDEX_RADIX_BITS;
        if (n == 0 || count[pass][(from[0].prefix >> shift) & (INDEX_RADIX_BUCKETS - 1)] == n)
            continue; /* one byte value: the pass would keep the order */
        uint32_t at = 0;
        for (uint32_t b = 0; b < INDEX_RADIX_BUCKETS; b++) {
            uint32_t c = count[pass][b];
            count[pass][b] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[pass][(from[i].prefix >> shift) & (INDEX_RADIX_BUCKETS - 1)]++] = from[i];
        mem_index_entry *t = from;
        from = to;
        to = t;
    }
    if (from != e)
        memcpy(e, from, n * sizeof *e);
    /* Equal prefixes: by id (ids that share their first 8 bytes). */
    for (size_t i = 0; i + 1 < n;) {
        size_t j = i + 1;
        while (j < n && e[j].prefix == e[i].prefix)
            j++;
        bool sorted = true;
        for (size_t k = i + 1; sorted && k < j; k++)
            sorted = entry_less(&e[k - 1], &e[k]);
        if (!sorted)
            qsort(&e[i], j - i, sizeof *e, entry_qsort_cmp);
        i = j;
    }
}

static bool tail_sort(mem_index *ix, mem_index_pool *pool)
{
    if (ix->tail_sorted)
        return true;
    if (!pool_reserve_scratch(pool))
        return false;
    scratch_sort(pool, ix->tail, ix->tail_count);
    ix->tail_sorted = true;
    return true;
}

/* ---- merges, (2) and (3) ---- */

/* Advances level k's merge by up to `budget` keys; true when it has ended. */
static bool merge_step(mem_index_level *lv, size_t keys, size_t budget)
{
    assert(lv->out != NULL && lv->runs == 2);
    const mem_index_entry *a = lv->run[0], *b = lv->run[1];
    size_t i = lv->from[0], j = lv->from[1];
    mem_index_entry *out = lv->out + i + j;
    mem_index_entry *stop = out + (budget < 2 * keys - i - j ? budget : 2 * keys - i - j);
    for (;;) {
        /* m steps cannot exhaust either run: each step takes one key of one. */
        size_t m = (size_t)(stop - out);
        m = m < keys - i ? m : keys - i;
        m = m < keys - j ? m : keys - j;
        if (m == 0)
            break;
        for (mem_index_entry *end = out + m; out < end; out++) {
            /* Branch-free on which run gives the key: on random ids that is a
             * coin toss, which no predictor learns (inferred: this machine has
             * no counters; the merges' share of the samples fell from 6.6% to
             * 4.4-5.4%). Only equal prefixes, rare, branch to the ids. */
            uint64_t pa = a[i].prefix, pb = b[j].prefix;
            bool take_a = pa < pb;
            if (__builtin_expect(pa == pb, 0))
                take_a = entry_less(&a[i], &b[j]);
            /* A mask, not a ?: which GCC turns back into a branch. */
            uintptr_t from_a = (uintptr_t)&a[i], from_b = (uintptr_t)&b[j];
            uintptr_t pick = (from_a ^ from_b) & (0 - (uintptr_t)take_a);
            *out = *(const mem_index_entry *)(from_b ^ pick);
            i += take_a;
            j += 1 - (size_t)take_a;
        }
    }
    if (out < stop && i < keys) {
        size_t n = (size_t)(stop - out);
        memcpy(out, a + i, n * sizeof *out);
        i += n;
    } else if (out < stop && j < keys) {
        size_t n = (size_t)(stop - out);
        memcpy(out, b + j, n * sizeof *out);
        j += n;
    }
    lv->from[0] = i;
    lv->from[1] = j;
    assert(i <= keys && j <= keys);
    return i == keys && j == keys;
}

/* Whether level k's merge (started now if the level has two runs) ends within
 * this seal's budget. */
static bool merge_ends_now(size_t keys, size_t done)
{
    return 2 * keys - done <= MEMORY_INDEX_MERGE_STEP;
}

/* (4): every buffer and level a seal will take, reserved. False: out of memory
 * (what was reserved stays in the pool, for the next try). */
static bool seal_reserve(mem_index *ix, mem_index_pool *pool)
{
    if (!pool_reserve_scratch(pool) || !pool_reserve(pool, 0))
        return false;
    /* The seal as it will run: a run arrives at level 0, and at level k + 1
     * whenever level k's merge (new or going on) ends within this seal. */
    uint32_t k = 0;
    for (bool arrives = true; arrives || k < ix->levels; k++) {
        assert(k < MEMORY_INDEX_LEVELS_MAX);
        const mem_index_level *lv = k < ix->levels ? &ix->level[k] : NULL;
        uint32_t runs = (lv != NULL ? lv->runs : 0) + arrives;
        assert(runs <= 2); /* (3) */
        bool going_on = lv != NULL && lv->out != NULL;
        if (runs == 2 && !going_on && !pool_reserve(pool, k + 1))
            return false;
        size_t done = going_on ? lv->from[0] + lv->from[1] : 0;
        arrives = runs == 2 && merge_ends_now(class_keys(k), done);
    }
    uint32_t need = k > ix->levels ? k : ix->levels;
    if (need > ix->levels) {
        mem_index_level *grown = realloc(ix->level, need * sizeof *grown);
        if (grown == NULL)
            return false;
        memset(grown + ix->levels, 0, (need - ix->levels) * sizeof *grown);
        ix->level = grown;
        ix->levels = need;
    }
    return true;
}

/* After seal_reserve(): the tail's smallest MEMORY_INDEX_RUN_KEYS keys become a
 * level-0 run, and every level's merge advances, (3). Cannot fail. */
static void seal(mem_index *ix, mem_index_pool *pool)
{
    assert(ix->tail_count >= MEMORY_INDEX_RUN_KEYS && pool->scratch != NULL);
    if (!ix->tail_sorted)
        scratch_sort(pool, ix->tail, ix->tail_count);
    mem_index_entry *run = pool_take(pool, 0);
    memcpy(run, ix->tail, MEMORY_INDEX_RUN_KEYS * sizeof *run);
    ix->tail_count -= MEMORY_INDEX_RUN_KEYS;
    memmove(ix->tail, ix->tail + MEMORY_INDEX_RUN_KEYS, ix->tail_count * sizeof *ix->tail);
    ix->tail_sorted = true; /* what is left was sorted with the rest */
    for (uint32_t k = 0; k < ix->levels; k++) {
        mem_index_level *lv = &ix->level[k];
        if (run != NULL) {
            assert(lv->runs < 2); /* (3) */
            lv->run[lv->runs++] = run;
            run = NULL;
        }
        if (lv->runs == 2 && lv->out == NULL) {
            lv->out = pool_take(pool, k + 1); /* reserved by seal_reserve() */
            lv->from[0] = lv->from[1] = 0;
        }
        if (lv->out != NULL && merge_step(lv, class_keys(k), MEMORY_INDEX_MERGE_STEP)) {
            pool_give(pool, lv->run[0], k);
            pool_give(pool, lv->run[1], k);
            run = lv->out; /* to level k + 1, next turn */
            *lv = (mem_index_level){0};
        }
    }
    assert(run == NULL); /* seal_reserve() made the level it reaches */
}

/* ---- adds ---- */

bool mem_index_make_room_for(mem_index *ix, mem_index_pool *pool, uint32_t n)
{
    assert(n >= 1 && n <= MEMORY_INDEX_ROOM_MAX);
    if (__builtin_expect(ix->tail_cap - ix->tail_count >= n && ix->tail_count < MEMORY_INDEX_RUN_KEYS, 1))
        return true;
    if (ix->tail_count >= MEMORY_INDEX_RUN_KEYS) {
        if (!seal_reserve(ix, pool))
            return false;
        seal(ix, pool);
    }
    assert(ix->tail_count < MEMORY_INDEX_RUN_KEYS);
    if (ix->tail_cap - ix->tail_count < n) {
        uint32_t cap = ix->tail_cap == 0 ? MEMORY_INDEX_TAIL_FIRST : ix->tail_cap;
        while (cap - ix->tail_count < n)
            cap *= 2;
        if (cap > MEMORY_INDEX_TAIL_MAX)
            cap = MEMORY_INDEX_TAIL_MAX; /* RUN_KEYS - 1 + ROOM_MAX at most: enough */
        mem_index_entry *grown = realloc(ix->tail, cap * sizeof *grown);
        if (grown == NULL)
            return false;
        ix->tail = grown;
        ix->tail_cap = cap;
    }
    return true;
}

bool mem_index_make_room(mem_index *ix, mem_index_pool *pool)
{
    return mem_index_make_room_for(ix, pool, 1);
}

void mem_index_add(mem_index *ix, mem_node *node)
{
    assert(node != NULL && ix->tail_count < ix->tail_cap); /* make_room said yes */
    uint64_t prefix = id_prefix(mem_node_id(node), node->id_len);
    ix->tail[ix->tail_count++] = (mem_index_entry){prefix, node};
    ix->tail_sorted = false;
    ix->count++;
}

/* ---- reads, (5) ---- */

bool mem_index_flush(mem_index *ix, mem_index_pool *pool)
{
    return tail_sort(ix, pool);
}

/* The first entry of e[0..n) whose id is > after (prefix p, length len). */
static const mem_index_entry *first_above(const mem_index_entry *e, size_t n, uint64_t p,
                                          const char *after, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        bool above = e[mid].prefix != p ? e[mid].prefix > p
                                        : node_cmp(e[mid].node, after, len) > 0;
        if (above)
            hi = mid;
        else
            lo = mid + 1;
    }
    return e + lo;
}

static void cursor_add(mem_index_cursor *c, const mem_index_entry *e, size_t n, const char *after,
                       uint64_t p, size_t len)
{
    assert(c->sources < MEMORY_INDEX_SOURCES_MAX);
    const mem_index_entry *at = after == NULL ? e : first_above(e, n, p, after, len);
    if (at < e + n)
        c->source[c->sources++] = (mem_index_source){.at = at, .end = e + n};
}

void mem_index_seek(const mem_index *ix, const char *after, mem_index_cursor *c)
{
    assert(ix->tail_sorted || ix->tail_count == 0); /* (5): flushed by the reader */
    c->sources = 0;
    size_t len = after != NULL ? strlen(after) : 0;
    uint64_t p = after != NULL ? id_prefix(after, len) : 0;
    for (uint32_t k = 0; k < ix->levels; k++) {
        const mem_index_level *lv = &ix->level[k];
        for (uint32_t r = 0; r < lv->runs; r++)
            cursor_add(c, lv->run[r], class_keys(k), after, p, len);
    }
    cursor_add(c, ix->tail, ix->tail_count, after, p, len);
}

mem_node *mem_index_next(mem_index_cursor *c)
{
    if (c->sources == 0)
        return NULL;
    uint32_t least = 0;
    for (uint32_t s = 1; s < c->sources; s++) {
        if (entry_less(c->source[s].at, c->source[least].at))
            least = s;
    }
    mem_index_source *src = &c->source[least];
    mem_node *node = src->at->node;
    if (++src->at == src->end)
        c->source[least] = c->source[--c->sources]; /* order of sources is free */
    return node;
}

void mem_index_free(mem_index *ix)
{
    for (uint32_t k = 0; k < ix->levels; k++) {
        mem_index_level *lv = &ix->level[k];
        for (uint32_t r = 0; r < lv->runs; r++)
            buffer_free(lv->run[r], k);
        buffer_free(lv->out, k + 1);
    }
    free(ix->level);
    free(ix->tail);
    memset(ix, 0, sizeof *ix);
}
