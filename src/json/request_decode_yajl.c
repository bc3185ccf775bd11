/* SPDX-License-Identifier: MIT */
/*
 * request_decode_yajl.c: attempt and batch bodies read with yajl's callback
 * parser straight into decoded_attempt / decoded_batch, with no tree: the cheap
 * path of request_decode.h. It accepts a body only when every rule of the
 * reference decoder (request_decode.c, jansson) holds, and declines anything
 * else, which the reference decoder then decides and explains; so a refusal's
 * status and detail are the reference one's, and this file only has to be right
 * about what it accepts (tests/fuzz/fuzz_request_decode.c checks both agree).
 *
 * yajl is laxer than jansson in ways that must not leak through: its \u decoding
 * (a lone high surrogate becomes '?', a high surrogate joins any following \u, a
 * lone low one becomes invalid UTF-8), its UTF-8 check (overlong forms and
 * surrogates pass), and its whitespace (\v and \f). A valid request body is
 * printable ASCII (fixed keys, ids of [A-Za-z0-9._:-]), so a body with a
 * backslash, a byte over 0x7e or a control byte other than JSON's whitespace
 * never reaches yajl (body_plain).
 */
#include "json/request_decode_yajl.h"
#include "json/json_alloc.h"

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* What yajl allocates for one parse, from body_plain's bodies (see yajl_pool):
 * its handle, lexer and two buffer headers (a few hundred bytes), its state
 * stack (128 bytes; our callbacks refuse a depth past the schema's, so it never
 * grows) and the lexer's 2048-byte buffer, which yajl_complete_parse takes to
 * lex its closing " ". With room for each allocation's header. A test builds
 * this file with a smaller pool, so that every parse takes the fallback below. */
#ifndef YAJL_POOL_SIZE
#define YAJL_POOL_SIZE ((size_t)4096)
#endif
#define YAJL_POOL_ALIGN alignof(max_align_t)
_Static_assert(YAJL_POOL_SIZE % YAJL_POOL_ALIGN == 0, "the pool is cut in aligned pieces");

/* Depth: a valid body nests five deep at most (batch object, "attempts",
 * attempt, "lines", line). The callbacks accept an object or array only where
 * the schema has one (sax_where), so anything deeper is declined in the
 * callback, before yajl pushes its state: yajl's state stack stays at its first
 * 128 bytes. */

/* yajl checks none of its allocations (yajl_alloc, its buffers and its state
 * stack use what they get), so what it is given must not fail: one pool per
 * parse, taken from the failable allocator before yajl starts (its failure is
 * this path's NOMEM), cut by a bump pointer. Each piece has a header with its
 * size, for realloc. body_plain's bodies never ask for more than the pool (no
 * token spans the end of the input, no string has an escape, the depth is
 * bounded); if one ever did, the piece comes from malloc, in every build (the
 * parse is still right, only dearer), and is counted in pool_overflows, which
 * the tests and the fuzz target require to stay 0 (yajl_decode_pool_overflows).
 * If that malloc fails there is no NULL yajl could survive: abort, with a line
 * on stderr that says why. */
static atomic_ulong pool_overflows;

typedef struct yajl_pool {
    char *base; /* YAJL_POOL_SIZE bytes from json_alloc_malloc */
    size_t used;
} yajl_pool;

typedef struct pool_header {
    alignas(max_align_t) size_t size;
    bool in_pool;
} pool_header;

/* The fallback, out of line: pool_malloc runs a few times per parse, and its
 * fast path stays as short as it was with this branch beside it. want < size
 * is a size whose header overflowed. */
__attribute__((cold, noinline)) static pool_header *pool_overflow_malloc(size_t want,
                                                                        size_t size)
{
    atomic_fetch_add_explicit(&pool_overflows, 1, memory_order_relaxed);
    pool_header *h = want >= size ? malloc(want) : NULL;
    if (h == NULL) {
        fprintf(stderr, "booking: yajl asked for %zu bytes past its pool, and malloc has "
                        "none: aborting (yajl cannot take a NULL)\n", size);
        abort();
    }
    h->in_pool = false;
    return h;
}

static void *pool_malloc(void *ctx, size_t size)
{
    yajl_pool *pool = ctx;
    size_t want = (sizeof(pool_header) + size + YAJL_POOL_ALIGN - 1) & ~(YAJL_POOL_ALIGN - 1);
    pool_header *h;
    if (want >= size && want <= YAJL_POOL_SIZE - pool->used) {
        h = (pool_header *)(void *)(pool->base + pool->used);
        pool->used += want;
        h->in_pool = true;
    } else {
        h = pool_overflow_malloc(want, size);
    }
    h->size = size;
    return h + 1;
}

unsigned long yajl_decode_pool_overflows(void)
{
    return atomic_load_explicit(&pool_overflows, memory_order_relaxed);
}

static void pool_free(void *ctx, void *p)
{
    (void)ctx;
    if (p == NULL)
        return;
    pool_header *h = (pool_header *)p - 1;
    if (!h->in_pool)
        free(h); /* the pool itself returns whole when the parse is over */
}

static void *pool_realloc(void *ctx, void *p, size_t size)
{
    if (p == NULL)
        return pool_malloc(ctx, size);
    pool_header *h = (pool_header *)p - 1;
    if (size <= h->size)
        return p;
    void *q = pool_malloc(ctx, size);
    memcpy(q, p, h->size);
    pool_free(ctx, p);
    return q;
}

/* Whether yajl may read body: printable ASCII and JSON's own whitespace only,
 * no backslash, an even number of quotes and a last non-space byte '}'. Then no
 * string has an escape (yajl's \u decoding is never used), no byte is one whose
 * UTF-8 or whitespace rules differ from jansson's, and the input cannot end
 * inside a token (which yajl would copy into a buffer as long as the body). */
/* A byte's class for body_plain: 0 plain, 1 a quote, 2 a byte yajl must not see. */
static unsigned byte_class(unsigned char c)
{
    if (c == '"')
        return 1;
    bool ctl = c < 0x20 && c != '\t' && c != '\n' && c != '\r';
    return c == '\\' || c > 0x7e || ctl ? 2 : 0;
}

/* Eight bytes at a time: the body is read once per decode, and a byte loop over
 * it was a quarter of the cost. zero_bytes(x) has 0x80 in each byte of x that is
 * zero, exactly (no borrow between bytes). */
#define BYTES_01 UINT64_C(0x0101010101010101)
#define BYTES_7F UINT64_C(0x7f7f7f7f7f7f7f7f)

static uint64_t zero_bytes(uint64_t x)
{
    return ~(((x & BYTES_7F) + BYTES_7F) | x | BYTES_7F);
}

static bool body_plain(const unsigned char *b, size_t len)
{
    size_t quotes = 0;
    unsigned bad = 0;
    size_t i = 0;
    for (; i + 8 <= len && bad == 0; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, sizeof w);
        uint64_t high = w & ~BYTES_7F;                /* a byte over 0x7f */
        uint64_t del = zero_bytes(w ^ (0x7f * BYTES_01)); /* 0x7f */
        uint64_t slash = zero_bytes(w ^ (0x5c * BYTES_01));
        uint64_t ctl = zero_bytes(w & (0x60 * BYTES_01)); /* under 0x20, given no high bit */
        uint64_t quote = zero_bytes(w ^ (0x22 * BYTES_01));
        quotes += (size_t)(((quote >> 7) * BYTES_01) >> 56); /* one per quote byte */
        if ((high | del | slash) != 0)
            bad = 1;
        else if (ctl != 0) { /* JSON's whitespace, or a byte yajl must not see */
            for (size_t j = i; j < i + 8; j++)
                bad |= byte_class(b[j]) == 2;
        }
    }
    for (; i < len && bad == 0; i++) {
        unsigned c = byte_class(b[i]);
        quotes += c == 1;
        bad |= c == 2;
    }
    size_t end = len;
    while (end > 0 && (b[end - 1] == ' ' || b[end - 1] == '\t' || b[end - 1] == '\n' ||
                       b[end - 1] == '\r'))
        end--;
    return bad == 0 && quotes % 2 == 0 && end > 0 && b[end - 1] == '}';
}

/* The fields of an attempt and of a line, as bits of a "seen" set. */
enum {
    F_BOOKING_ID = 1u << 0,
    F_RESOURCE_ID = 1u << 1,
    F_UNITS = 1u << 2,
    F_LINES = 1u << 3,
    F_HOLD_MS = 1u << 4,
    F_ATTEMPTS = 1u << 5, /* the batch object's one field */
};

/* Where the parse is: what the next value or key belongs to. */
typedef enum sax_where {
    AT_TOP,          /* before the body's object */
    AT_BATCH,        /* in the batch object: keys */
    AT_ATTEMPTS,     /* in "attempts": attempt objects */
    AT_ATTEMPT,      /* in an attempt object: keys */
    AT_LINES,        /* in an attempt's "lines": line objects */
    AT_LINE,         /* in a line object: keys */
    AT_DONE,         /* after the body's object */
} sax_where;

typedef struct sax {
    bool batch;     /* the body is a batch, not one attempt */
    sax_where where;
    unsigned field; /* the key just read (one F_ bit); 0 between a value and the next key */
    unsigned seen;  /* the current attempt's keys */
    unsigned line_seen;  /* the current line's keys */
    unsigned batch_seen; /* the batch object's keys */
    bool failed_nomem;

    /* The attempt being read: the single body's out, or attempts[count]. */
    decoded_attempt *attempt;
    size_t attempt_lines; /* lines of the current bundle */

    /* A batch's attempts, grown by doubling. */
    decoded_attempt *attempts;
    size_t count, attempts_room;
    size_t batch_lines; /* a single attempt counted one (SPEC section 3) */

    /* Every bundle's lines: room booking_lines then room ids (request_lines_alloc),
     * grown by doubling; line_count used. Their resource_id pointers are set at
     * the end, once the block has stopped moving. */
    booking_line *block;
    size_t line_count, line_room;
} sax;

/* A NOMEM is told apart from a decline for the callers that look (the tests);
 * request_decode.c gives both to the reference decoder, which may have the
 * memory this path lacked. Returning 0 makes yajl cancel the parse. */
static int sax_nomem(sax *s)
{
    s->failed_nomem = true;
    return 0;
}

static bool block_grow(sax *s)
{
    size_t room = s->line_room == 0 ? BOOKING_LINES_MAX : 2 * s->line_room;
    if (room > BOOKING_BATCH_LINES_MAX)
        room = BOOKING_BATCH_LINES_MAX;
    assert(room > s->line_count);
    booking_line *block = request_lines_alloc(room);
    if (block == NULL)
        return false;
    if (s->line_count > 0) {
        memcpy(block, s->block, s->line_count * sizeof *block);
        memcpy(request_lines_ids(block, room), request_lines_ids(s->block, s->line_room),
               s->line_count * sizeof(line_id));
    }
    free(s->block);
    s->block = block;
    s->line_room = room;
    return true;
}

static bool attempts_grow(sax *s)
{
    size_t room = s->attempts_room == 0 ? 16 : 2 * s->attempts_room;
    if (room > BOOKING_BATCH_MAX)
        room = BOOKING_BATCH_MAX;
    assert(room > s->count);
    decoded_attempt *a = malloc(room * sizeof *a);
    if (a == NULL)
        return false;
    if (s->count > 0)
        memcpy(a, s->attempts, s->count * sizeof *a);
    free(s->attempts);
    s->attempts = a;
    s->attempts_room = room;
    return true;
}

/* An attempt object starts: at the body's top, or in "attempts". */
static int attempt_begin(sax *s)
{
    if (s->batch) {
        if (s->count == BOOKING_BATCH_MAX)
            return 0;
        if (s->count == s->attempts_room && !attempts_grow(s))
            return sax_nomem(s);
        s->attempt = &s->attempts[s->count];
    }
    decoded_attempt *a = s->attempt;
    a->booking_id[0] = '\0';
    a->resource_id[0] = '\0';
    a->units = 0;
    a->hold_ms = 0;
    a->lines = NULL;
    a->line_count = 0;
    s->seen = 0;
    s->where = AT_ATTEMPT;
    return 1;
}

/* An attempt object ends: one form or the other, complete (SPEC sections 1, 8). */
static int attempt_end(sax *s)
{
    decoded_attempt *a = s->attempt;
    if (!(s->seen & F_BOOKING_ID))
        return 0;
    if (s->seen & F_LINES) {
        if (s->seen & (F_RESOURCE_ID | F_UNITS) || a->line_count == 0)
            return 0;
        s->batch_lines += a->line_count;
    } else {
        if ((s->seen & (F_RESOURCE_ID | F_UNITS)) != (F_RESOURCE_ID | F_UNITS))
            return 0;
        s->batch_lines += 1;
    }
    if (s->batch_lines > BOOKING_BATCH_LINES_MAX)
        return 0;
    if (s->batch) {
        s->count++;
        s->where = AT_ATTEMPTS;
    } else {
        s->where = AT_DONE;
    }
    s->field = 0;
    return 1;
}

static int cb_start_map(void *ctx)
{
    sax *s = ctx;
    switch (s->where) {
    case AT_TOP:
        if (s->batch) {
            s->where = AT_BATCH;
            return 1;
        }
        return attempt_begin(s);
    case AT_ATTEMPTS:
        return attempt_begin(s);
    case AT_LINES:
        /* A bundle over its 64 lines, or a batch whose bundles alone are over
         * its lines (the block holds no more): refused either way. */
        if (s->attempt->line_count == BOOKING_LINES_MAX ||
            s->line_count == BOOKING_BATCH_LINES_MAX)
            return 0;
        if (s->line_count == s->line_room && !block_grow(s))
            return sax_nomem(s);
        s->where = AT_LINE;
        s->line_seen = 0;
        s->block[s->line_count].units = 0;
        return 1;
    default:
        return 0; /* an object where none belongs, or deeper than a valid body nests */
    }
}

static bool key_is(const unsigned char *key, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(key, name, len) == 0;
}

static int cb_map_key(void *ctx, const unsigned char *key, size_t len)
{
    sax *s = ctx;
    unsigned f = 0;
    unsigned *seen = &s->seen;
    if (s->where == AT_ATTEMPT) {
        f = key_is(key, len, "booking_id")    ? F_BOOKING_ID
            : key_is(key, len, "resource_id") ? F_RESOURCE_ID
            : key_is(key, len, "units")       ? F_UNITS
            : key_is(key, len, "lines")       ? F_LINES
            : key_is(key, len, "hold_ms")     ? F_HOLD_MS
                                              : 0;
    } else if (s->where == AT_LINE) {
        f = key_is(key, len, "resource_id") ? F_RESOURCE_ID : key_is(key, len, "units") ? F_UNITS : 0;
        seen = &s->line_seen;
    } else if (s->where == AT_BATCH) {
        f = key_is(key, len, "attempts") ? F_ATTEMPTS : 0;
        seen = &s->batch_seen;
    }
    if (f == 0 || (*seen & f)) /* unknown, or twice */
        return 0;
    *seen |= f;
    s->field = f;
    return 1;
}

static int cb_end_map(void *ctx)
{
    sax *s = ctx;
    switch (s->where) {
    case AT_ATTEMPT:
        return attempt_end(s);
    case AT_LINE: {
        if (s->line_seen != (F_RESOURCE_ID | F_UNITS))
            return 0;
        /* Each resource named once in a bundle: at most 64 lines, compared pairwise. */
        line_id *ids = request_lines_ids(s->block, s->line_room);
        size_t first = s->line_count - s->attempt->line_count;
        for (size_t j = first; j < s->line_count; j++) {
            if (strcmp(ids[j], ids[s->line_count]) == 0)
                return 0;
        }
        s->line_count++;
        s->attempt->line_count++;
        s->where = AT_LINES;
        return 1;
    }
    case AT_BATCH:
        if (!(s->batch_seen & F_ATTEMPTS))
            return 0;
        s->where = AT_DONE;
        return 1;
    default:
        return 0;
    }
}

static int cb_start_array(void *ctx)
{
    sax *s = ctx;
    if (s->where == AT_BATCH && s->field == F_ATTEMPTS) {
        s->where = AT_ATTEMPTS;
        return 1;
    }
    if (s->where == AT_ATTEMPT && s->field == F_LINES) {
        s->where = AT_LINES;
        s->attempt->line_count = 0;
        return 1;
    }
    return 0;
}

static int cb_end_array(void *ctx)
{
    sax *s = ctx;
    if (s->where == AT_ATTEMPTS) {
        if (s->count == 0)
            return 0;
        s->where = AT_BATCH;
        s->field = 0;
        return 1;
    }
    if (s->where == AT_LINES) {
        if (s->attempt->line_count == 0)
            return 0;
        s->where = AT_ATTEMPT;
        s->field = 0;
        return 1;
    }
    return 0;
}

static int cb_string(void *ctx, const unsigned char *str, size_t len)
{
    sax *s = ctx;
    char *dst;
    if (s->where == AT_ATTEMPT && s->field == F_BOOKING_ID)
        dst = s->attempt->booking_id;
    else if (s->where == AT_ATTEMPT && s->field == F_RESOURCE_ID)
        dst = s->attempt->resource_id;
    else if (s->where == AT_LINE && s->field == F_RESOURCE_ID)
        dst = request_lines_ids(s->block, s->line_room)[s->line_count];
    else
        return 0;
    if (!booking_id_valid((const char *)str, len))
        return 0;
    memcpy(dst, str, len);
    dst[len] = '\0';
    s->field = 0;
    return 1;
}

/* An integer's text as jansson would take it for a field of min..max (min >= 1):
 * digits only (a fraction or exponent makes jansson's value a real, which a
 * field refuses; a '-' makes it negative, or -0, both under min). yajl's lexer
 * has already refused leading zeros, a bare '-' and the like. */
static bool number_value(const char *text, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t n = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(text[i] - '0');
        if (d > 9 || n > (max - d) / 10) /* not a digit, or past max */
            return false;
        n = n * 10 + d;
    }
    if (n < min)
        return false;
    *out = n;
    return true;
}

static int cb_number(void *ctx, const char *text, size_t len)
{
    sax *s = ctx;
    bool ok;
    if (s->where == AT_ATTEMPT && s->field == F_UNITS)
        ok = number_value(text, len, 1, BOOKING_UNITS_MAX, &s->attempt->units);
    else if (s->where == AT_ATTEMPT && s->field == F_HOLD_MS)
        ok = number_value(text, len, 1, BOOKING_HOLD_MS_MAX, &s->attempt->hold_ms);
    else if (s->where == AT_LINE && s->field == F_UNITS)
        ok = number_value(text, len, 1, BOOKING_UNITS_MAX, &s->block[s->line_count].units);
    else
        ok = false;
    s->field = 0;
    return ok;
}

/* null, true and false are never a value of these bodies. */
static int cb_null(void *ctx)
{
    (void)ctx;
    return 0;
}

static int cb_boolean(void *ctx, int value)
{
    (void)ctx;
    (void)value;
    return 0;
}

static const yajl_callbacks sax_callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number, /* the raw text: integers read by jansson's rules */
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

/* Runs yajl over body into s; REQUEST_DECODE_OK once the whole body was one
 * accepted document. The pool is released either way; s's allocations are the
 * caller's. */
static int sax_run(const char *body, size_t len, size_t len_max, sax *s)
{
    if (body == NULL || len > len_max || !body_plain((const unsigned char *)body, len))
        return REQUEST_DECODE_DECLINED;
    yajl_pool pool = {.base = json_alloc_malloc(YAJL_POOL_SIZE), .used = 0};
    if (pool.base == NULL)
        return REQUEST_DECODE_NOMEM;
    yajl_alloc_funcs funcs = {
        .malloc = pool_malloc, .realloc = pool_realloc, .free = pool_free, .ctx = &pool};
    yajl_handle h = yajl_alloc(&sax_callbacks, &funcs, s);
    assert(h != NULL); /* NULL only for an incomplete funcs */
    /* The defaults are the strict ones: no comments, UTF-8 checked, no trailing
     * garbage, one value, no partial value (checked by yajl_complete_parse). */
    yajl_status st = yajl_parse(h, (const unsigned char *)body, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    yajl_free(h);
    json_alloc_free(pool.base);
    if (s->failed_nomem)
        return REQUEST_DECODE_NOMEM;
    return st == yajl_status_ok && s->where == AT_DONE ? REQUEST_DECODE_OK
                                                       : REQUEST_DECODE_DECLINED;
}

/* The bundle lines' resource_id pointers, now that the block stays where it is,
 * and each bundle's lines from the block (first counted from start). */
static void lines_link(sax *s)
{
    line_id *ids = s->block != NULL ? request_lines_ids(s->block, s->line_room) : NULL;
    for (size_t i = 0; i < s->line_count; i++)
        s->block[i].resource_id = ids[i];
}

int yajl_decode_attempt(const char *body, size_t len, decoded_attempt *out)
{
    sax s = {.batch = false, .where = AT_TOP, .attempt = out};
    int st = sax_run(body, len, REQUEST_BODY_ATTEMPT_MAX, &s);
    if (st != REQUEST_DECODE_OK) {
        free(s.block);
        out->lines = NULL;
        out->line_count = 0;
        return st;
    }
    lines_link(&s);
    out->lines = out->line_count > 0 ? s.block : NULL;
    if (out->lines == NULL)
        free(s.block);
    assert(out->line_count == s.line_count);
    assert(booking_hold_ms_valid(out->hold_ms));
    return st;
}

int yajl_decode_batch(const char *body, size_t len, decoded_batch *out)
{
    sax s = {.batch = true, .where = AT_TOP};
    *out = (decoded_batch){.attempts = NULL, .count = 0};
    int st = sax_run(body, len, REQUEST_BODY_BATCH_MAX, &s);
    if (st != REQUEST_DECODE_OK) {
        free(s.block);
        free(s.attempts);
        return st;
    }
    lines_link(&s);
    size_t used = 0;
    for (size_t i = 0; i < s.count; i++) {
        decoded_attempt *a = &s.attempts[i];
        a->lines = a->line_count > 0 ? s.block + used : NULL;
        used += a->line_count;
    }
    assert(used == s.line_count);
    assert(s.count >= 1 && s.batch_lines <= BOOKING_BATCH_LINES_MAX);
    *out = (decoded_batch){.attempts = s.attempts,
                           .count = s.count,
                           .lines = s.block,
                           .line_count = s.batch_lines};
    return st;
}
