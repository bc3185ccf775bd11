/* SPDX-License-Identifier: MIT */
/*
 * postgres_batch.c: the record map (its values beside the shared id table, like
 * the resource overlay's) and the text of the array literals.
 */
#include "store/postgres_batch.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ---- */

static bool text_reserve(pg_text *t, size_t more)
{
    assert(t->len <= t->cap && more <= BOOKING_ID_LEN_MAX + 3);
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
    assert(t->len + more + 2 <= t->cap);
    return true;
}

void bk_pg_text_reset(pg_text *t)
{
    t->len = 0;
    t->failed = false;
    if (text_reserve(t, 1))
        t->p[t->len++] = '{';
}

void bk_pg_text_free(pg_text *t)
{
    free(t->p);
    memset(t, 0, sizeof *t);
}

static void text_comma(pg_text *t)
{
    if (t->len > 1)
        t->p[t->len++] = ',';
}

void bk_pg_text_add_id(pg_text *t, const char *id, size_t len)
{
    if (!text_reserve(t, len + 3))
        return;
    text_comma(t);
    t->p[t->len++] = '"';
    memcpy(t->p + t->len, id, len);
    t->len += len;
    t->p[t->len++] = '"';
}

static void text_add_digits(pg_text *t, const char *digits, int n)
{
    assert(n < 24); /* a 64-bit number in decimal, sign included */
    if (n <= 0 || !text_reserve(t, (size_t)n + 1))
        return;
    text_comma(t);
    memcpy(t->p + t->len, digits, (size_t)n);
    t->len += (size_t)n;
}

void bk_pg_text_add_u64(pg_text *t, uint64_t v)
{
    char digits[24];
    text_add_digits(t, digits, snprintf(digits, sizeof digits, "%llu", (unsigned long long)v));
}

void bk_pg_text_add_i64(pg_text *t, int64_t v)
{
    char digits[24];
    text_add_digits(t, digits, snprintf(digits, sizeof digits, "%lld", (long long)v));
}

void bk_pg_text_add_bool(pg_text *t, bool v)
{
    text_add_digits(t, v ? "t" : "f", 1);
}

const char *bk_pg_text_finish(pg_text *t)
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
    memset(m, 0, sizeof *m);
    m->records = calloc(entries_max, sizeof *m->records);
    return m->records != NULL && bk_id_table_init(&m->ids, entries_max);
}

static void map_free(pg_record_map *m)
{
    bk_id_table_free(&m->ids);
    free(m->records);
    memset(m, 0, sizeof *m);
}

pg_record *bk_pg_record_get(pg_record_map *m, const char *id, size_t len, bool *fresh)
{
    size_t i = bk_id_table_add(&m->ids, id, len, fresh);
    if (i == ID_TABLE_NONE)
        return NULL;
    assert(i < m->ids.count);
    if (*fresh)
        m->records[i] = (pg_record){.exists = false};
    return &m->records[i];
}

pg_record *bk_pg_record_find(pg_record_map *m, const char *id, size_t len)
{
    size_t i = bk_id_table_find(&m->ids, id, len);
    assert(i == ID_TABLE_NONE || i < m->ids.count);
    return i == ID_TABLE_NONE ? NULL : &m->records[i];
}

/* ---- the scratch ---- */

pg_batch *bk_pg_batch_new(void)
{
    pg_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->overlay_max = BOOKING_BATCH_MAX;
    if (!bk_overlay_init(&b->overlay, b->overlay_max) ||
        !map_init(&b->records, BOOKING_BATCH_MAX)) {
        bk_pg_batch_free(b);
        return NULL;
    }
    return b;
}

void bk_pg_batch_free(pg_batch *b)
{
    if (b == NULL)
        return;
    bk_overlay_free(&b->overlay);
    map_free(&b->records);
    free(b->record_lines);
    for (int i = 0; i < BOOKING_PG_ARR_COUNT; i++)
        bk_pg_text_free(&b->arrays[i]);
    free(b);
}

void bk_pg_batch_reset(pg_batch *b)
{
    bk_overlay_reset(&b->overlay);
    bk_id_table_reset(&b->records.ids);
    b->record_lines_used = 0;
    for (int i = 0; i < BOOKING_PG_ARR_COUNT; i++)
        bk_pg_text_reset(&b->arrays[i]);
}

bool bk_pg_batch_fit(pg_batch *b, size_t resources)
{
    assert(resources <= BOOKING_BATCH_LINES_MAX && overlay_count(&b->overlay) == 0);
    if (resources <= b->overlay_max)
        return true;
    resource_overlay grown;
    if (!bk_overlay_init(&grown, BOOKING_BATCH_LINES_MAX))
        return false; /* the old one stays, and this batch fails */
    bk_overlay_free(&b->overlay);
    b->overlay = grown;
    b->overlay_max = BOOKING_BATCH_LINES_MAX;
    return true;
}

bool bk_pg_batch_fit_lines(pg_batch *b, size_t lines)
{
    assert(b->record_lines_used == 0);
    if (lines <= b->record_lines_cap)
        return true;
    booking_line *p = realloc(b->record_lines, lines * sizeof *p);
    if (p == NULL)
        return false;
    b->record_lines = p;
    b->record_lines_cap = lines;
    return true;
}

booking_line *bk_pg_record_lines_take(pg_batch *b, size_t n)
{
    assert(n >= 1 && n <= BOOKING_LINES_MAX);
    if (n > b->record_lines_cap - b->record_lines_used)
        return NULL;
    booking_line *at = b->record_lines + b->record_lines_used;
    b->record_lines_used += n;
    return at;
}
