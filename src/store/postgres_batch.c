/*
 * postgres_batch.c: the record map (open addressing, at most half full, cleared
 * by walking its used list, like the resource overlay) and array literal text.
 */
#include "store/postgres_batch.h"
#include "util/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ---- */

static bool text_reserve(pg_text *t, size_t more)
{
    if (t->failed)
        return false;
    if (t->len + more + 2 <= t->cap) /* room for "}" and NUL */
        return true;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + more + 2)
        cap *= 2;
    char *p = realloc(t->p, cap);
    if (p == NULL) {
        t->failed = true;
        return false;
    }
    t->p = p;
    t->cap = cap;
    return true;
}

void pg_text_reset(pg_text *t)
{
    t->len = 0;
    t->failed = false;
    if (text_reserve(t, 1))
        t->p[t->len++] = '{';
}

void pg_text_free(pg_text *t)
{
    free(t->p);
    memset(t, 0, sizeof *t);
}

static void text_comma(pg_text *t)
{
    if (t->len > 1)
        t->p[t->len++] = ',';
}

void pg_text_add_id(pg_text *t, const char *id, size_t len)
{
    if (!text_reserve(t, len + 3))
        return;
    text_comma(t);
    t->p[t->len++] = '"';
    memcpy(t->p + t->len, id, len);
    t->len += len;
    t->p[t->len++] = '"';
}

void pg_text_add_u64(pg_text *t, uint64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    if (n <= 0 || !text_reserve(t, (size_t)n + 1))
        return;
    text_comma(t);
    memcpy(t->p + t->len, digits, (size_t)n);
    t->len += (size_t)n;
}

const char *pg_text_finish(pg_text *t)
{
    if (t->failed || t->p == NULL)
        return NULL;
    t->p[t->len] = '}';
    t->p[t->len + 1] = '\0';
    return t->p;
}

/* ---- records ---- */

static bool map_init(pg_record_map *m, size_t entries_max)
{
    size_t slots = 16;
    while (slots < entries_max * 2)
        slots *= 2;
    memset(m, 0, sizeof *m);
    m->slots = calloc(slots, sizeof *m->slots);
    m->used = calloc(entries_max, sizeof *m->used);
    if (m->slots == NULL || m->used == NULL)
        return false;
    m->entries_max = entries_max;
    m->mask = slots - 1;
    m->seed = (uint64_t)(uintptr_t)m->slots * 0x9E3779B97F4A7C15ull;
    return true;
}

static void map_reset(pg_record_map *m)
{
    for (size_t i = 0; i < m->used_count; i++)
        m->slots[m->used[i]].id = NULL;
    m->used_count = 0;
}

static pg_record *map_probe(pg_record_map *m, const char *id, size_t len, bool insert,
                            bool *fresh)
{
    uint64_t h = hash_bytes(id, len, m->seed);
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        pg_record *e = &m->slots[i];
        if (e->id == NULL) {
            if (!insert || m->used_count == m->entries_max)
                return NULL;
            *e = (pg_record){.id = id, .id_len = (uint32_t)len, .hash = h};
            m->used[m->used_count++] = (uint32_t)i;
            *fresh = true;
            return e;
        }
        if (e->hash == h && e->id_len == len && memcmp(e->id, id, len) == 0) {
            *fresh = false;
            return e;
        }
    }
}

pg_record *pg_record_get(pg_record_map *m, const char *id, size_t len, bool *fresh)
{
    return map_probe(m, id, len, true, fresh);
}

pg_record *pg_record_find(pg_record_map *m, const char *id, size_t len)
{
    bool fresh;
    return map_probe(m, id, len, false, &fresh);
}

/* ---- the scratch ---- */

pg_batch *pg_batch_new(void)
{
    pg_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    if (!overlay_init(&b->overlay, BOOKING_BATCH_MAX) ||
        !map_init(&b->records, BOOKING_BATCH_MAX)) {
        pg_batch_free(b);
        return NULL;
    }
    return b;
}

void pg_batch_free(pg_batch *b)
{
    if (b == NULL)
        return;
    overlay_free(&b->overlay);
    free(b->records.slots);
    free(b->records.used);
    for (int i = 0; i < BOOKING_PG_ARR_COUNT; i++)
        pg_text_free(&b->arrays[i]);
    free(b);
}

void pg_batch_reset(pg_batch *b)
{
    overlay_reset(&b->overlay);
    map_reset(&b->records);
    for (int i = 0; i < BOOKING_PG_ARR_COUNT; i++)
        pg_text_reset(&b->arrays[i]);
}
