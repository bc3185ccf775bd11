/* SPDX-License-Identifier: MIT */
/*
 * sqlite_run.c: the pages of the sorted runs, sqlite_run.h (sqlite.c note (12)).
 *
 * Invariants, asserted: a writer's keys come in strictly ascending (resource_id,
 * booking_id) order; a page holds 1..SQLITE_RUN_PAGE_KEYS keys of one resource
 * and its last_id is its last key; a page's blob is at most
 * SQLITE_RUN_PAGE_BYTES_MAX bytes.
 */
#include "store/sqlite_run.h"
#include "util/hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(BOOKING_ID_LEN_MAX <= 255, "an id's length is one byte of a page");
_Static_assert(1 + BOOKING_ID_LEN_MAX + SQLITE_RUN_SEQ_BYTES_MAX <= SQLITE_RUN_PAGE_BYTES_MAX,
               "a page holds at least its first key");

const char bk_sqlite_sql_run_page_insert[] =
    "INSERT INTO booking_runs (run, resource_id, last_id, keys, entries)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* ---- writing pages ---- */

void bk_sqlite_run_writer_start(sqlite_run_writer *w, sqlite3_stmt *insert, int64_t run)
{
    assert(insert != NULL && run >= 1);
    w->insert = insert;
    w->run = run;
    w->resource_len = 0;
    w->last_len = 0;
    w->keys = 0;
    w->bytes = 0;
    w->pages = 0;
}

static int flush_page(sqlite_run_writer *w)
{
    if (w->keys == 0)
        return SQLITE_OK;
    assert(w->keys <= SQLITE_RUN_PAGE_KEYS && w->bytes <= SQLITE_RUN_PAGE_BYTES_MAX);
    sqlite3_stmt *s = w->insert;
    sqlite3_bind_int64(s, 1, w->run);
    sqlite3_bind_text(s, 2, w->resource_id, (int)w->resource_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, w->last_id, (int)w->last_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)w->keys);
    sqlite3_bind_blob(s, 5, w->page, (int)w->bytes, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    w->keys = 0;
    w->bytes = 0;
    w->pages++;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int bk_sqlite_run_writer_add(sqlite_run_writer *w, const char *resource_id, size_t resource_len,
                             const char *booking_id, size_t id_len, int64_t seq)
{
    assert(resource_len >= 1 && resource_len <= BOOKING_ID_LEN_MAX);
    assert(id_len >= 1 && id_len <= BOOKING_ID_LEN_MAX && seq >= 1);
    int rc = SQLITE_OK;
    bool same = w->resource_len == resource_len &&
                memcmp(w->resource_id, resource_id, resource_len) == 0;
    /* Strictly ascending: a resource after the last, or an id after the last. */
    assert(w->resource_len == 0 ||
           (same ? bytes_cmp(w->last_id, w->last_len, booking_id, id_len) < 0
                 : bytes_cmp(w->resource_id, w->resource_len, resource_id, resource_len) < 0));
    size_t entry = 1 + id_len + SQLITE_RUN_SEQ_BYTES_MAX; /* at most */
    if (!same || w->keys == SQLITE_RUN_PAGE_KEYS || w->bytes + entry > SQLITE_RUN_PAGE_BYTES_MAX)
        rc = flush_page(w);
    if (rc != SQLITE_OK)
        return rc;
    if (!same) {
        memcpy(w->resource_id, resource_id, resource_len);
        w->resource_len = resource_len;
    }
    unsigned char *p = w->page + w->bytes;
    *p++ = (unsigned char)id_len;
    memcpy(p, booking_id, id_len);
    p += id_len;
    uint64_t v = (uint64_t)seq;
    do {
        unsigned char b = (unsigned char)(v & 0x7F);
        v >>= 7;
        *p++ = v != 0 ? (unsigned char)(b | 0x80) : b;
    } while (v != 0);
    w->bytes = (size_t)(p - w->page);
    memcpy(w->last_id, booking_id, id_len);
    w->last_len = id_len;
    w->keys++;
    return SQLITE_OK;
}

int bk_sqlite_run_writer_finish(sqlite_run_writer *w)
{
    return flush_page(w);
}

/* ---- reading a page ---- */

void bk_sqlite_run_page_open(sqlite_run_page *p, const void *blob, size_t bytes, int64_t keys)
{
    p->at = blob;
    p->end = p->at != NULL ? p->at + bytes : NULL;
    p->keys_left = keys;
}

int bk_sqlite_run_page_next(sqlite_run_page *p, const char **id, size_t *len, int64_t *seq)
{
    if (p->keys_left <= 0)
        return p->at == p->end && p->keys_left == 0 ? SQLITE_DONE : SQLITE_CORRUPT;
    if (p->at == NULL || p->at >= p->end)
        return SQLITE_CORRUPT;
    size_t n = *p->at++;
    if (n == 0 || n > BOOKING_ID_LEN_MAX || (size_t)(p->end - p->at) < n)
        return SQLITE_CORRUPT;
    *id = (const char *)p->at;
    *len = n;
    p->at += n;
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (p->at == p->end || shift >= 63)
            return SQLITE_CORRUPT;
        unsigned char b = *p->at++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if ((b & 0x80) == 0)
            break;
    }
    if (v == 0 || v > INT64_MAX)
        return SQLITE_CORRUPT;
    *seq = (int64_t)v;
    p->keys_left--;
    return SQLITE_ROW;
}

/* ---- sealing ---- */

/* One key to sort: its strings live in the seal's arena. prefix is the id's
 * first 8 bytes, big-endian, zero-padded: comparing it first orders as memcmp
 * does (ids hold no NUL byte), so most compares never touch the strings. */
typedef struct seal_key {
    const char *rid;
    const char *id;
    int64_t seq;
    uint64_t prefix;
    uint8_t rid_len;
    uint8_t id_len;
} seal_key;

static int key_cmp(const void *a, const void *b)
{
    const seal_key *x = a, *y = b;
    int c = bytes_cmp(x->rid, x->rid_len, y->rid, y->rid_len);
    if (c != 0)
        return c;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return bytes_cmp(x->id, x->id_len, y->id, y->id_len);
}

static uint64_t id_prefix(const char *id, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | (i < len ? (unsigned char)id[i] : 0);
    return v;
}

/* The keys of one seal, pointing into a sqlite_run_keys' arena. */
typedef struct seal_buffers {
    seal_key *keys;
    size_t count;
} seal_buffers;

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    void *more = realloc(*p, n * size);
    if (more == NULL)
        return false;
    *p = more;
    *cap = n;
    return true;
}

bool bk_sqlite_run_keys_add(sqlite_run_keys *b, const char *resource_id, size_t resource_len,
                            const char *booking_id, size_t id_len, int64_t seq)
{
    assert(resource_len >= 1 && resource_len <= BOOKING_ID_LEN_MAX);
    assert(id_len >= 1 && id_len <= BOOKING_ID_LEN_MAX && seq >= 1);
    if (resource_len + id_len > SQLITE_RUN_KEYS_ARENA_MAX - b->used ||
        !grow((void **)&b->keys, &b->cap, b->count + 1, sizeof *b->keys) ||
        !grow((void **)&b->arena, &b->arena_cap, b->used + resource_len + id_len, 1))
        return false;
    sqlite_run_key *k = &b->keys[b->count++];
    k->seq = seq;
    k->rid_at = (uint32_t)b->used;
    memcpy(b->arena + b->used, resource_id, resource_len);
    b->used += resource_len;
    k->id_at = (uint32_t)b->used;
    memcpy(b->arena + b->used, booking_id, id_len);
    b->used += id_len;
    k->rid_len = (uint8_t)resource_len;
    k->id_len = (uint8_t)id_len;
    return true;
}

void bk_sqlite_run_keys_free(sqlite_run_keys *b)
{
    free(b->keys);
    free(b->arena);
    memset(b, 0, sizeof *b);
}

/* The keys of (sealed, last], every line, read by s into b. */
static int read_keys(sqlite3_stmt *s, int64_t sealed, int64_t last, sqlite_run_keys *b)
{
    sqlite3_bind_int64(s, 1, sealed);
    sqlite3_bind_int64(s, 2, last);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *rid = (const char *)sqlite3_column_text(s, 0);
        size_t rid_len = (size_t)sqlite3_column_bytes(s, 0);
        const char *id = (const char *)sqlite3_column_text(s, 1);
        size_t id_len = (size_t)sqlite3_column_bytes(s, 1);
        int64_t seq = sqlite3_column_int64(s, 2);
        if (rid == NULL || id == NULL || rid_len == 0 || rid_len > BOOKING_ID_LEN_MAX ||
            id_len == 0 || id_len > BOOKING_ID_LEN_MAX || seq <= sealed || seq > last) {
            rc = SQLITE_CORRUPT;
            break;
        }
        if (!bk_sqlite_run_keys_add(b, rid, rid_len, id, id_len, seq)) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The keys [from, to) of src as the sort's keys, pointing into its arena. */
static bool point_keys(const sqlite_run_keys *src, size_t from, size_t to, seal_buffers *b)
{
    b->count = to - from;
    b->keys = b->count > 0 ? malloc(b->count * sizeof *b->keys) : NULL;
    if (b->count > 0 && b->keys == NULL)
        return false;
    for (size_t i = 0; i < b->count; i++) {
        const sqlite_run_key *k = &src->keys[from + i];
        const char *id = src->arena + k->id_at;
        b->keys[i] = (seal_key){.rid = src->arena + k->rid_at, .id = id, .seq = k->seq,
                                .prefix = id_prefix(id, k->id_len), .rid_len = k->rid_len,
                                .id_len = k->id_len};
    }
    return true;
}

/* ---- sorting: (resource rank, id prefix) by radix, ties by the full key ---- */

/* A key's place in the sort: its resource's rank among the run's resources
 * (bytewise), its id's prefix, and its index in the buffers. */
typedef struct sort_entry {
    uint64_t prefix;
    uint32_t rank;
    uint32_t key;
} sort_entry;

/* A distinct resource of the run: a key naming it, and its first-seen number. */
typedef struct run_resource {
    const seal_key *k;
    uint32_t seen;
} run_resource;

static int resource_cmp(const void *a, const void *b)
{
    const seal_key *x = ((const run_resource *)a)->k, *y = ((const run_resource *)b)->k;
    return bytes_cmp(x->rid, x->rid_len, y->rid, y->rid_len);
}

/* e[i] for every key: its resource's rank, found by a hash table of the run's
 * distinct resources (few, each named by many keys), sorted and numbered. */
static bool rank_resources(const seal_buffers *b, sort_entry *e)
{
    size_t slots = 16;
    while (slots < 2 * b->count)
        slots *= 2;
    uint32_t *table = calloc(slots, sizeof *table); /* 0: empty; else first-seen + 1 */
    run_resource *res = malloc(b->count * sizeof *res);
    uint32_t *rank = malloc(b->count * sizeof *rank); /* by first-seen number */
    bool ok = table != NULL && res != NULL && rank != NULL;
    size_t n = 0;
    for (size_t i = 0; ok && i < b->count; i++) {
        const seal_key *k = &b->keys[i];
        size_t at = (size_t)hash_bytes(k->rid, k->rid_len, 0) & (slots - 1);
        for (;; at = (at + 1) & (slots - 1)) {
            if (table[at] == 0) {
                res[n] = (run_resource){.k = k, .seen = (uint32_t)n};
                table[at] = (uint32_t)++n;
                break;
            }
            const seal_key *d = res[table[at] - 1].k;
            if (d->rid_len == k->rid_len && memcmp(d->rid, k->rid, k->rid_len) == 0)
                break;
        }
        e[i] = (sort_entry){.prefix = k->prefix, .rank = table[at] - 1, .key = (uint32_t)i};
    }
    if (ok) {
        qsort(res, n, sizeof *res, resource_cmp);
        for (size_t j = 0; j < n; j++)
            rank[res[j].seen] = (uint32_t)j;
        for (size_t i = 0; i < b->count; i++)
            e[i].rank = rank[e[i].rank];
    }
    free(table);
    free(res);
    free(rank);
    return ok;
}

static unsigned entry_byte(const sort_entry *x, unsigned d)
{
    return d < 8 ? (unsigned)(x->prefix >> (8 * d)) & 0xFF
                 : (unsigned)(x->rank >> (8 * (d - 8))) & 0xFF;
}

#define SORT_DIGITS 12 /* 8 bytes of prefix, then 4 of rank: least significant first */

/* Stable LSD radix sort of e by (rank, prefix): equal keys keep their order
 * (seq order), digits every entry shares are skipped. O(n) whatever the ids. */
static bool radix_sort(sort_entry *e, size_t n)
{
    sort_entry *tmp = malloc(n * sizeof *tmp);
    size_t(*count)[256] = calloc(SORT_DIGITS, sizeof *count);
    bool ok = tmp != NULL && count != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        for (unsigned d = 0; d < SORT_DIGITS; d++)
            count[d][entry_byte(&e[i], d)]++;
    }
    sort_entry *from = e, *to = tmp;
    for (unsigned d = 0; ok && d < SORT_DIGITS; d++) {
        if (count[d][entry_byte(&from[0], d)] == n)
            continue; /* one value: this digit orders nothing */
        size_t at = 0;
        for (unsigned v = 0; v < 256; v++) {
            size_t c = count[d][v];
            count[d][v] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[d][entry_byte(&from[i], d)]++] = from[i];
        sort_entry *t = from;
        from = to;
        to = t;
    }
    if (ok && from != e)
        memcpy(e, from, n * sizeof *e);
    free(tmp);
    free(count);
    return ok;
}

static int key_ptr_cmp(const void *a, const void *b)
{
    return key_cmp(*(const seal_key *const *)a, *(const seal_key *const *)b);
}

/* A run of ties e[0..n) sorted by the full key (through pointers to the keys,
 * so no comparator needs the buffers); its entries share rank and prefix. */
static bool sort_ties(const seal_buffers *b, sort_entry *e, size_t n)
{
    const seal_key **p = malloc(n * sizeof *p);
    if (p == NULL)
        return false;
    for (size_t t = 0; t < n; t++)
        p[t] = &b->keys[e[t].key];
    qsort(p, n, sizeof *p, key_ptr_cmp);
    for (size_t t = 0; t < n; t++)
        e[t].key = (uint32_t)(p[t] - b->keys);
    free(p);
    return true;
}

/* Sorts the keys into order[]: radix by (rank, prefix), then each run of equal
 * (rank, prefix) checked in one pass and sorted by the full key only when out
 * of order (sequential ids come in order; random ones rarely share 8 bytes). */
static bool sort_keys(const seal_buffers *b, sort_entry *e)
{
    if (!rank_resources(b, e) || !radix_sort(e, b->count))
        return false;
    for (size_t i = 0; i < b->count;) {
        size_t j = i + 1;
        bool in_order = true;
        while (j < b->count && e[j].rank == e[i].rank && e[j].prefix == e[i].prefix) {
            in_order = in_order && key_cmp(&b->keys[e[j - 1].key], &b->keys[e[j].key]) <= 0;
            j++;
        }
        if (!in_order && !sort_ties(b, e + i, j - i))
            return false;
        i = j;
    }
    return true;
}

int bk_sqlite_run_seal_keys(sqlite3_stmt *insert, int64_t run, const sqlite_run_keys *src,
                            size_t from, size_t to)
{
    assert(run >= 1 && from <= to && to <= src->count);
    seal_buffers b = {0};
    int rc = point_keys(src, from, to, &b) ? SQLITE_OK : SQLITE_NOMEM;
    if (rc == SQLITE_OK && b.count > UINT32_MAX)
        rc = SQLITE_NOMEM; /* never: 65,536 records of at most 64 lines */
    sort_entry *order = rc == SQLITE_OK && b.count > 0 ? malloc(b.count * sizeof *order) : NULL;
    if (rc == SQLITE_OK && b.count > 0 && (order == NULL || !sort_keys(&b, order)))
        rc = SQLITE_NOMEM;
    sqlite_run_writer *w = rc == SQLITE_OK ? malloc(sizeof *w) : NULL;
    if (rc == SQLITE_OK && w == NULL)
        rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) {
        bk_sqlite_run_writer_start(w, insert, run);
        for (size_t i = 0; i < b.count && rc == SQLITE_OK; i++) {
            const seal_key *k = &b.keys[order[i].key];
            /* One key per (resource, record): a bundle names a resource once
             * (lib/booking.c), so an equal neighbour is never expected; kept once. */
            if (i > 0 && key_cmp(&b.keys[order[i - 1].key], k) == 0)
                continue;
            rc = bk_sqlite_run_writer_add(w, k->rid, k->rid_len, k->id, k->id_len, k->seq);
        }
        if (rc == SQLITE_OK)
            rc = bk_sqlite_run_writer_finish(w);
    }
    free(w);
    free(order);
    free(b.keys);
    return rc;
}

int bk_sqlite_run_seal(sqlite3_stmt *keys, sqlite3_stmt *insert, int64_t run, int64_t sealed,
                       int64_t last)
{
    assert(run >= 1 && sealed >= 0 && last > sealed);
    sqlite_run_keys src = {0};
    int rc = read_keys(keys, sealed, last, &src);
    if (rc == SQLITE_OK)
        rc = bk_sqlite_run_seal_keys(insert, run, &src, 0, src.count);
    bk_sqlite_run_keys_free(&src);
    return rc;
}
