/* SPDX-License-Identifier: MIT */
/*
 * memory_index.c: the B+tree of memory_index.h (its notes (1) to (4)).
 */
#include "store/memory_index.h"
#include "booking.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct mem_index_node {
    uint16_t count;
    bool leaf;
    uint8_t splits; /* leaves: times split, wrapping: a flush's pass 2 checks it, (4) */
    mem_index_node *next; /* leaves: the next leaf in order (NULL: the last); pool: the next spare */
    union {
        struct {
            uint64_t prefix[MEMORY_INDEX_LEAF_MAX];
            mem_node *key[MEMORY_INDEX_LEAF_MAX];
        } l;
        struct {
            uint64_t prefix[MEMORY_INDEX_INNER_MAX];
            mem_node *key[MEMORY_INDEX_INNER_MAX];
            mem_index_node *child[MEMORY_INDEX_INNER_MAX];
        } in;
    } u;
};

_Static_assert(sizeof(mem_index_node) <= MEMORY_INDEX_NODE_BYTES, "a node is 512 bytes");
_Static_assert(MEMORY_INDEX_LEAF_MAX >= 4 && MEMORY_INDEX_INNER_MAX >= 4, "halves hold keys");
_Static_assert(MEMORY_INDEX_LEAF_MAX <= UINT16_MAX, "mem_index_node.count");
_Static_assert(MEMORY_INDEX_RECENT_FIRST <= MEMORY_INDEX_RECENT_MAX &&
                   (MEMORY_INDEX_RECENT_MAX / MEMORY_INDEX_RECENT_FIRST &
                    (MEMORY_INDEX_RECENT_MAX / MEMORY_INDEX_RECENT_FIRST - 1)) == 0,
               "the buffer doubles to exactly its max");

/* The most spare nodes a store asks for at once: an insert per line of a bundle. */
#define MEMORY_INDEX_RESERVE_MAX ((size_t)BOOKING_LINES_MAX * (MEMORY_INDEX_DEPTH_MAX + 1))

/* A key to find: its prefix (1) and its id. */
typedef struct index_probe {
    uint64_t prefix;
    const char *id;
    size_t len;
} index_probe;

/* The first 8 bytes of an id, big-endian, zero-padded: ordered as the bytes, (1). */
static uint64_t id_prefix(const char *id, size_t len)
{
    uint64_t p = 0;
    memcpy(&p, id, len < 8 ? len : 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    p = __builtin_bswap64(p);
#endif
    return p;
}

static index_probe probe_of(const char *id, size_t len)
{
    return (index_probe){.prefix = id_prefix(id, len), .id = id, .len = len};
}

/* <0, 0, >0: the probe against the key (prefix, node), in strcmp order. */
static inline int probe_cmp(const index_probe *p, uint64_t prefix, const mem_node *node)
{
    if (__builtin_expect(p->prefix != prefix, 1))
        return p->prefix < prefix ? -1 : 1;
    size_t n = p->len < node->id_len ? p->len : node->id_len;
    int c = memcmp(p->id, node->id, n);
    if (c != 0)
        return c;
    return p->len < node->id_len ? -1 : p->len > node->id_len;
}

/* The first key of the leaf above the probe (upper bound): [0, count]. */
static uint32_t leaf_upper(const mem_index_node *n, const index_probe *p)
{
    assert(n->leaf);
    uint32_t lo = 0, hi = n->count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (probe_cmp(p, n->u.l.prefix[mid], n->u.l.key[mid]) >= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The child of an inner node whose keys may hold the probe, (2). */
static uint32_t inner_child(const mem_index_node *n, const index_probe *p)
{
    assert(!n->leaf && n->count >= 2);
    uint32_t lo = 1, hi = n->count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (probe_cmp(p, n->u.in.prefix[mid], n->u.in.key[mid]) >= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

bool mem_index_pool_reserve(mem_index_pool *pool, size_t nodes)
{
    assert(nodes <= MEMORY_INDEX_RESERVE_MAX);
    while (pool->count < nodes) {
        mem_index_node *n = aligned_alloc(64, MEMORY_INDEX_NODE_BYTES);
        if (n == NULL)
            return false;
        n->next = pool->spare;
        pool->spare = n;
        pool->count++;
    }
    return true;
}

void mem_index_pool_free(mem_index_pool *pool)
{
    while (pool->spare != NULL) {
        mem_index_node *n = pool->spare;
        pool->spare = n->next;
        free(n);
    }
    pool->count = 0;
}

static mem_index_node *pool_take(mem_index_pool *pool, bool leaf)
{
    assert(pool->count > 0 && pool->spare != NULL); /* (3): reserved first */
    mem_index_node *n = pool->spare;
    pool->spare = n->next;
    pool->count--;
    memset(n, 0, sizeof *n);
    n->leaf = leaf;
    return n;
}

/* Inserts (prefix, key) at `at` of a leaf that has room. */
static void leaf_put(mem_index_node *n, uint32_t at, uint64_t prefix, mem_node *key)
{
    assert(n->leaf && n->count < MEMORY_INDEX_LEAF_MAX && at <= n->count);
    size_t tail = n->count - at;
    memmove(&n->u.l.prefix[at + 1], &n->u.l.prefix[at], tail * sizeof n->u.l.prefix[0]);
    memmove(&n->u.l.key[at + 1], &n->u.l.key[at], tail * sizeof n->u.l.key[0]);
    n->u.l.prefix[at] = prefix;
    n->u.l.key[at] = key;
    n->count++;
}

static void inner_put(mem_index_node *n, uint32_t at, uint64_t prefix, mem_node *key,
                      mem_index_node *child)
{
    assert(!n->leaf && n->count < MEMORY_INDEX_INNER_MAX && at <= n->count);
    size_t tail = n->count - at;
    memmove(&n->u.in.prefix[at + 1], &n->u.in.prefix[at], tail * sizeof n->u.in.prefix[0]);
    memmove(&n->u.in.key[at + 1], &n->u.in.key[at], tail * sizeof n->u.in.key[0]);
    memmove(&n->u.in.child[at + 1], &n->u.in.child[at], tail * sizeof n->u.in.child[0]);
    n->u.in.prefix[at] = prefix;
    n->u.in.key[at] = key;
    n->u.in.child[at] = child;
    n->count++;
}

/* What a split sends up: the new right node and its lowest key. */
typedef struct index_split {
    mem_index_node *right; /* NULL: no split */
    uint64_t prefix;
    mem_node *key;
} index_split;

static index_split leaf_insert(mem_index_node *n, mem_index_pool *pool, uint32_t at,
                               uint64_t prefix, mem_node *key)
{
    if (n->count < MEMORY_INDEX_LEAF_MAX) {
        leaf_put(n, at, prefix, key);
        return (index_split){0};
    }
    /* (2): an append to the last leaf leaves it full; any other split halves. */
    uint32_t keep = at == n->count && n->next == NULL ? n->count : n->count / 2;
    mem_index_node *r = pool_take(pool, true);
    uint32_t moved = n->count - keep;
    memcpy(r->u.l.prefix, &n->u.l.prefix[keep], moved * sizeof r->u.l.prefix[0]);
    memcpy(r->u.l.key, &n->u.l.key[keep], moved * sizeof r->u.l.key[0]);
    r->count = (uint16_t)moved;
    n->count = (uint16_t)keep;
    r->next = n->next;
    n->next = r;
    n->splits++; /* its keys' range shrank: a path found before is stale */
    if (at < keep)
        leaf_put(n, at, prefix, key);
    else
        leaf_put(r, at - keep, prefix, key);
    assert(n->count >= 1 && r->count >= 1);
    return (index_split){.right = r, .prefix = r->u.l.prefix[0], .key = r->u.l.key[0]};
}

/* right_edge: n is the last node of its level (every child on the way was the last). */
static index_split inner_insert(mem_index_node *n, mem_index_pool *pool, uint32_t at,
                                index_split up, bool right_edge)
{
    if (n->count < MEMORY_INDEX_INNER_MAX) {
        inner_put(n, at, up.prefix, up.key, up.right);
        return (index_split){0};
    }
    /* (2) as for leaves; the new node takes two children (an inner node has two at least). */
    uint32_t keep = at == n->count && right_edge ? n->count - 1 : n->count / 2;
    mem_index_node *r = pool_take(pool, false);
    uint32_t moved = n->count - keep;
    memcpy(r->u.in.prefix, &n->u.in.prefix[keep], moved * sizeof r->u.in.prefix[0]);
    memcpy(r->u.in.key, &n->u.in.key[keep], moved * sizeof r->u.in.key[0]);
    memcpy(r->u.in.child, &n->u.in.child[keep], moved * sizeof r->u.in.child[0]);
    r->count = (uint16_t)moved;
    n->count = (uint16_t)keep;
    if (at < keep)
        inner_put(n, at, up.prefix, up.key, up.right);
    else
        inner_put(r, at - keep, up.prefix, up.key, up.right);
    /* Key 0 of r is a true lower bound of its subtree, (2): it was a separator. */
    return (index_split){.right = r, .prefix = r->u.in.prefix[0], .key = r->u.in.key[0]};
}

void mem_index_insert(mem_index *ix, mem_index_pool *pool, mem_node *node)
{
    assert(node != NULL && pool->count >= mem_index_insert_nodes(ix));
    index_probe p = probe_of(node->id, node->id_len);
    if (ix->root == NULL) {
        ix->root = pool_take(pool, true);
        ix->depth = 1;
    }
    mem_index_node *path[MEMORY_INDEX_DEPTH_MAX];
    uint32_t child_at[MEMORY_INDEX_DEPTH_MAX];
    bool right_edge[MEMORY_INDEX_DEPTH_MAX];
    mem_index_node *n = ix->root;
    uint32_t level = 0;
    bool edge = true;
    while (!n->leaf) {
        assert(level + 1 < MEMORY_INDEX_DEPTH_MAX);
        path[level] = n;
        right_edge[level] = edge;
        child_at[level] = inner_child(n, &p);
        edge = edge && child_at[level] + 1 == n->count;
        n = n->u.in.child[child_at[level]];
        level++;
    }
    assert(level + 1 == ix->depth);
    uint32_t at = leaf_upper(n, &p);
    assert(at == 0 || probe_cmp(&p, n->u.l.prefix[at - 1], n->u.l.key[at - 1]) != 0); /* absent */
    index_split up = leaf_insert(n, pool, at, p.prefix, node);
    while (up.right != NULL && level > 0) {
        level--;
        up = inner_insert(path[level], pool, child_at[level] + 1, up, right_edge[level]);
    }
    if (up.right != NULL) {
        /* The root split: a new root over the two halves. */
        assert(ix->depth < MEMORY_INDEX_DEPTH_MAX);
        mem_index_node *root = pool_take(pool, false);
        inner_put(root, 0, 0, NULL, ix->root);
        inner_put(root, 1, up.prefix, up.key, up.right);
        ix->root = root;
        ix->depth++;
    }
    ix->count++;
}

/* Where pass 1 found a buffered key's leaf, (4). */
typedef struct flush_leaf {
    mem_index_node *leaf;
    uint8_t splits; /* the leaf's then: the leaf still covers the key while equal */
} flush_leaf;

/* Pass 1 of a flush, (4): every buffered key's path, a level at a time, each
 * node prefetched whole (512 bytes, 8 lines) before the next level reads it.
 * A leaf's range of keys changes only when it splits itself (splits elsewhere
 * leave it whole), so pass 2 goes straight to the leaf found here while that
 * leaf has not split and has room. */
static void flush_prefetch(mem_index *ix, flush_leaf *found)
{
    mem_index_node *at[MEMORY_INDEX_RECENT_MAX];
    uint32_t n = ix->recent_count;
    assert(n <= MEMORY_INDEX_RECENT_MAX && ix->root != NULL);
    for (uint32_t k = 0; k < n; k++)
        at[k] = ix->root;
    for (uint32_t level = 1; level < ix->depth; level++) {
        for (uint32_t k = 0; k < n; k++) {
            index_probe p = probe_of(ix->recent[k]->id, ix->recent[k]->id_len);
            assert(!at[k]->leaf);
            at[k] = at[k]->u.in.child[inner_child(at[k], &p)];
            for (size_t line = 0; line < MEMORY_INDEX_NODE_BYTES; line += 64)
                __builtin_prefetch((const char *)at[k] + line, 1);
        }
    }
    for (uint32_t k = 0; k < n; k++) {
        assert(at[k]->leaf);
        found[k] = (flush_leaf){.leaf = at[k], .splits = at[k]->splits};
    }
}

bool mem_index_flush(mem_index *ix, mem_index_pool *pool)
{
    assert(ix->recent_count <= ix->recent_cap);
    if (ix->recent_count == 0)
        return true;
    flush_leaf found[MEMORY_INDEX_RECENT_MAX];
    bool have_paths = ix->root != NULL;
    if (have_paths)
        flush_prefetch(ix, found);
    uint32_t done = 0;
    for (; done < ix->recent_count; done++) {
        mem_node *node = ix->recent[done];
        flush_leaf *f = &found[done];
        if (have_paths && f->leaf->splits == f->splits && f->leaf->count < MEMORY_INDEX_LEAF_MAX) {
            /* Pass 2, the short way: the leaf found still covers the key. */
            index_probe p = probe_of(node->id, node->id_len);
            leaf_put(f->leaf, leaf_upper(f->leaf, &p), p.prefix, node);
            ix->count++;
            continue;
        }
        if (!mem_index_pool_reserve(pool, mem_index_insert_nodes(ix)))
            break;
        mem_index_insert(ix, pool, node); /* pass 2: a descent on warm nodes */
    }
    uint32_t left = ix->recent_count - done;
    memmove(ix->recent, ix->recent + done, left * sizeof ix->recent[0]);
    ix->recent_count = left;
    return left == 0;
}

bool mem_index_make_room_for(mem_index *ix, mem_index_pool *pool, uint32_t n)
{
    assert(n >= 1 && n <= MEMORY_INDEX_RECENT_MAX);
    while (ix->recent_cap - ix->recent_count < n && ix->recent_cap < MEMORY_INDEX_RECENT_MAX) {
        uint32_t cap = ix->recent_cap == 0 ? MEMORY_INDEX_RECENT_FIRST : ix->recent_cap * 2;
        mem_node **grown = realloc(ix->recent, cap * sizeof *grown);
        if (grown == NULL)
            break; /* then into the tree, below */
        ix->recent = grown;
        ix->recent_cap = cap;
    }
    if (ix->recent_cap - ix->recent_count >= n)
        return true;
    /* Full at its largest (or it could not grow): into the tree, (4). */
    return mem_index_flush(ix, pool) || ix->recent_cap - ix->recent_count >= n;
}

bool mem_index_make_room(mem_index *ix, mem_index_pool *pool)
{
    return mem_index_make_room_for(ix, pool, 1);
}

void mem_index_add(mem_index *ix, mem_node *node)
{
    assert(node != NULL && ix->recent_count < ix->recent_cap); /* make_room said yes */
    ix->recent[ix->recent_count++] = node;
}

mem_index_cursor mem_index_seek(const mem_index *ix, const char *after)
{
    assert(ix->recent_count == 0); /* (4): flushed by the reader */
    const mem_index_node *n = ix->root;
    if (n == NULL)
        return (mem_index_cursor){0};
    if (after == NULL) {
        while (!n->leaf)
            n = n->u.in.child[0];
        return (mem_index_cursor){.leaf = n, .at = 0};
    }
    index_probe p = probe_of(after, strlen(after));
    uint32_t levels = 1;
    while (!n->leaf) {
        n = n->u.in.child[inner_child(n, &p)];
        levels++;
    }
    assert(levels == ix->depth);
    return (mem_index_cursor){.leaf = n, .at = leaf_upper(n, &p)};
}

mem_node *mem_index_next(mem_index_cursor *c)
{
    while (c->leaf != NULL && c->at >= c->leaf->count) {
        c->leaf = c->leaf->next; /* a leaf is never empty, but a seek may end past one */
        c->at = 0;
    }
    if (c->leaf == NULL)
        return NULL;
    return c->leaf->u.l.key[c->at++];
}

static void node_free(mem_index_node *n, uint32_t levels)
{
    assert(levels >= 1);
    if (!n->leaf) {
        for (uint32_t i = 0; i < n->count; i++)
            node_free(n->u.in.child[i], levels - 1);
    }
    free(n);
}

void mem_index_free(mem_index *ix)
{
    if (ix->root != NULL)
        node_free(ix->root, ix->depth);
    free(ix->recent);
    memset(ix, 0, sizeof *ix);
}
