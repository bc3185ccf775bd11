/* SPDX-License-Identifier: MIT */
/*
 * request_decode.c: JSON bodies of SPEC section 5 to checked values, with jansson
 * (the reference decoder; attempt and batch bodies try yajl first:
 * request_decode_yajl.c).
 * Strict on purpose: duplicate keys, unknown fields, floats, booleans, strings
 * where an integer belongs, and anything outside SPEC section 3 are refused, so a
 * body means exactly one thing and a bad request never reaches the store.
 */
#include "json/request_decode.h"
#include "json/json_alloc.h"
#include "json/request_decode_yajl.h"

#include <assert.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Duplicate keys are refused; trailing bytes after the document are refused (the
 * EOF check stays on); NUL inside strings is refused (JSON_ALLOW_NUL stays off). */
#define DECODE_FLAGS JSON_REJECT_DUPLICATES

static request_decode_result decode_ok(void)
{
    request_decode_result r;
    r.status = REQUEST_DECODE_OK;
    r.detail[0] = '\0';
    return r;
}

/* The detail goes into a JSON string, which must be valid UTF-8: keep it printable
 * ASCII, whatever bytes of the request (a key, jansson's "near '...'") it quotes. */
static void detail_sanitize(char *detail)
{
    for (char *p = detail; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c > 0x7e)
            *p = '?';
    }
}

__attribute__((format(printf, 2, 3))) static request_decode_result decode_fail(int status,
                                                                               const char *fmt, ...)
{
    request_decode_result r;
    r.status = status;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r.detail, sizeof r.detail, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(r.detail, sizeof r.detail, "invalid request");
    detail_sanitize(r.detail);
    return r;
}

/* Releases a document of parse_object, and the arena it was cut from: nothing of
 * it may be used after. Inside an arena the end returns the whole tree at once
 * (every value of it was cut from the arena, and none left this function's
 * caller), so the tree is not walked to free its values one by one; without one
 * (json_alloc_install not called) it is released as any jansson value. */
static void release_doc(json_t *doc)
{
    if (!json_alloc_arena_active())
        json_decref(doc);
    json_alloc_arena_end();
}

/* body as a JSON object into *out, to release with release_doc. */
static request_decode_result parse_object(const char *body, size_t len, size_t len_max,
                                          json_t **out)
{
    *out = NULL;
    if (body == NULL && len > 0)
        return decode_fail(REQUEST_DECODE_INVALID, "missing body");
    if (len > len_max)
        return decode_fail(REQUEST_DECODE_INVALID, "body larger than %zu bytes", len_max);
    json_error_t err;
    unsigned long failures_before = json_alloc_failures();
    json_alloc_arena_begin(); /* the tree lives until release_doc (json/json_alloc.h) */
    json_t *doc = json_loadb(body != NULL ? body : "", len, DECODE_FLAGS, &err);
    if (doc == NULL) {
        json_alloc_arena_end();
        /* jansson names some of its allocation failures syntax errors: the count
         * of failed allocations tells (json/json_alloc.h). */
        if (json_error_code(&err) == json_error_out_of_memory ||
            json_alloc_failures() != failures_before)
            return decode_fail(REQUEST_DECODE_NOMEM, "out of memory");
        return decode_fail(REQUEST_DECODE_INVALID, "malformed JSON at line %d column %d: %s",
                           err.line, err.column, err.text);
    }
    if (!json_is_object(doc)) {
        release_doc(doc);
        return decode_fail(REQUEST_DECODE_INVALID, "body must be a JSON object");
    }
    *out = doc;
    return decode_ok();
}

/* Where in the body a value is, for a refusal's detail: "attempts[3]: lines[1]: ",
 * "lines[1]: " or "". It is written out only when a body is refused, never for
 * every value decoded: a batch has thousands of them. */
typedef struct decode_at {
    bool in_batch;  /* an attempt of a batch: "attempts[attempt]: " */
    size_t attempt;
    bool in_line;   /* a line of a bundle: "lines[line]: " */
    size_t line;
} decode_at;

/* "attempts[" and "lines[" with 20 digits each, their "]: ", and the NUL. */
#define DECODE_AT_TEXT_MAX 64

static const decode_at decode_at_body = {.in_batch = false, .in_line = false};

static const char *at_text(const decode_at *at, char text[DECODE_AT_TEXT_MAX])
{
    int n = 0;
    text[0] = '\0';
    if (at->in_batch)
        n = snprintf(text, DECODE_AT_TEXT_MAX, "attempts[%zu]: ", at->attempt);
    assert(n >= 0 && n < DECODE_AT_TEXT_MAX / 2);
    if (at->in_line)
        snprintf(text + n, (size_t)(DECODE_AT_TEXT_MAX - n), "lines[%zu]: ", at->line);
    return text;
}

/* The values of obj's fields names[0..count) into values[] (NULL: absent), in one
 * pass over its keys; any other key is refused (the first one, in body order). */
static request_decode_result read_fields(json_t *obj, const char *const *names, size_t count,
                                         const decode_at *at, json_t **values)
{
    for (size_t i = 0; i < count; i++)
        values[i] = NULL;
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        size_t i = 0;
        while (i < count && strcmp(key, names[i]) != 0)
            i++;
        if (i == count) {
            char where[DECODE_AT_TEXT_MAX];
            return decode_fail(REQUEST_DECODE_INVALID, "%sunknown field '%.40s'",
                               at_text(at, where), key);
        }
        values[i] = value; /* JSON_REJECT_DUPLICATES: each key once */
    }
    return decode_ok();
}

/* v, obj's field name (NULL: absent), as an integer in min..max. */
static request_decode_result get_integer(json_t *v, const char *name, uint64_t min, uint64_t max,
                                         const decode_at *at, uint64_t *out)
{
    char where[DECODE_AT_TEXT_MAX];
    if (v == NULL)
        return decode_fail(REQUEST_DECODE_INVALID, "%smissing field '%s'", at_text(at, where),
                           name);
    /* json_is_integer is false for reals (1.0, 1e3), booleans, strings and null. */
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
    if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
        return decode_fail(REQUEST_DECODE_INVALID, "%s'%s' must be an integer from %llu to %llu",
                           at_text(at, where), name, (unsigned long long)min,
                           (unsigned long long)max);
    *out = (uint64_t)n;
    return decode_ok();
}

request_decode_result decode_id(const char *id, size_t len, const char *subject)
{
    /* The library's own rule, so that what passes here passes there. It also
     * refuses an embedded NUL, which would make the id the store sees shorter. */
    if (!booking_id_valid(id, len))
        return decode_fail(REQUEST_DECODE_INVALID,
                           "%s must be 1 to %d characters of A-Z a-z 0-9 . _ : -", subject,
                           BOOKING_ID_LEN_MAX);
    return decode_ok();
}

/* v, obj's field name (NULL: absent), as a valid id copied into out. */
static request_decode_result get_id(json_t *v, const char *name, const decode_at *at,
                                    char out[BOOKING_ID_LEN_MAX + 1])
{
    char where[DECODE_AT_TEXT_MAX];
    if (v == NULL)
        return decode_fail(REQUEST_DECODE_INVALID, "%smissing field '%s'", at_text(at, where),
                           name);
    if (!json_is_string(v))
        return decode_fail(REQUEST_DECODE_INVALID, "%s'%s' must be a string", at_text(at, where),
                           name);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (!booking_id_valid(s, len)) {
        /* decode_id's refusal, its subject written only now. */
        char subject[REQUEST_DECODE_DETAIL_MAX];
        snprintf(subject, sizeof subject, "%s'%s'", at_text(at, where), name);
        request_decode_result r = decode_id(s, len, subject);
        assert(r.status == REQUEST_DECODE_INVALID);
        return r;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return decode_ok();
}

/* A bundle's lines live in one allocation (request_decode_yajl.h): the
 * booking_line array, then the ids it points to. The single form needs none. */
booking_line *request_lines_alloc(size_t count)
{
    assert(count >= 1 && count <= BOOKING_BATCH_LINES_MAX);
    return malloc(count * (sizeof(booking_line) + sizeof(line_id)));
}

/* The ids of a block of count lines made by request_lines_alloc. */
line_id *request_lines_ids(booking_line *block, size_t count)
{
    return (line_id *)(void *)(block + count);
}

/* How many lines an attempt's "lines" value (NULL: none) names for the storage to
 * hold: the array's length (capped: a longer one is refused unread), else 0. */
static size_t lines_wanted(json_t *list)
{
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    return n < BOOKING_LINES_MAX ? n : BOOKING_LINES_MAX;
}

static request_decode_result decode_line(json_t *obj, const decode_at *at, booking_line *line,
                                         line_id id)
{
    enum { LINE_RESOURCE_ID, LINE_UNITS, LINE_FIELDS };
    static const char *const names[LINE_FIELDS] = {"resource_id", "units"};
    json_t *v[LINE_FIELDS];
    line->resource_id = id;
    if (!json_is_object(obj)) {
        char where[DECODE_AT_TEXT_MAX];
        return decode_fail(REQUEST_DECODE_INVALID, "%sline must be a JSON object",
                           at_text(at, where));
    }
    request_decode_result r = read_fields(obj, names, LINE_FIELDS, at, v);
    if (r.status == REQUEST_DECODE_OK)
        r = get_id(v[LINE_RESOURCE_ID], "resource_id", at, id);
    if (r.status == REQUEST_DECODE_OK)
        r = get_integer(v[LINE_UNITS], "units", 1, BOOKING_UNITS_MAX, at, &line->units);
    return r;
}

/* "lines": 1..BOOKING_LINES_MAX lines into lines[] and ids[] (room for
 * lines_wanted), each resource named once (SPEC section 8). At most 64 lines:
 * the pairwise compare is the cheap one, as in the library. */
static request_decode_result decode_lines(json_t *list, const decode_at *at, booking_line *lines,
                                          line_id *ids, size_t *count)
{
    size_t n = json_array_size(list);
    char where[DECODE_AT_TEXT_MAX];
    *count = 0;
    if (!json_is_array(list) || n < 1 || n > BOOKING_LINES_MAX)
        return decode_fail(REQUEST_DECODE_INVALID, "%s'lines' must be an array of 1 to %d lines",
                           at_text(at, where), BOOKING_LINES_MAX);
    assert(lines != NULL && ids != NULL);
    request_decode_result r = decode_ok();
    for (size_t i = 0; i < n && r.status == REQUEST_DECODE_OK; i++) {
        decode_at line_at = *at;
        line_at.in_line = true;
        line_at.line = i;
        r = decode_line(json_array_get(list, i), &line_at, &lines[i], ids[i]);
        for (size_t j = 0; j < i && r.status == REQUEST_DECODE_OK; j++) {
            if (strcmp(lines[j].resource_id, lines[i].resource_id) == 0)
                r = decode_fail(REQUEST_DECODE_INVALID,
                                "%sresource '%.40s' is named twice (lines[%zu] and lines[%zu])",
                                at_text(at, where), lines[i].resource_id, j, i);
        }
    }
    if (r.status == REQUEST_DECODE_OK)
        *count = n;
    return r;
}

/* The fields of an attempt object, both forms. */
enum {
    ATTEMPT_BOOKING_ID,
    ATTEMPT_RESOURCE_ID,
    ATTEMPT_UNITS,
    ATTEMPT_LINES,
    ATTEMPT_HOLD_MS,
    ATTEMPT_FIELDS
};
static const char *const attempt_field_names[ATTEMPT_FIELDS] = {
    "booking_id", "resource_id", "units", "lines", "hold_ms"};

/* An attempt object's fields into v[] (read_fields), once it is an object. */
static request_decode_result read_attempt_fields(json_t *obj, const decode_at *at, json_t **v)
{
    if (!json_is_object(obj)) {
        char where[DECODE_AT_TEXT_MAX];
        return decode_fail(REQUEST_DECODE_INVALID, "%sattempt must be a JSON object",
                           at_text(at, where));
    }
    return read_fields(obj, attempt_field_names, ATTEMPT_FIELDS, at, v);
}

/* An attempt in either form from its fields v[] (read_attempt_fields). A bundle's
 * lines go to lines[] and ids[], room for lines_wanted(v[ATTEMPT_LINES]) (none
 * needed for the single form). */
static request_decode_result decode_attempt_fields(json_t *const *v, const decode_at *at,
                                                   booking_line *lines, line_id *ids,
                                                   decoded_attempt *out)
{
    out->lines = NULL;
    out->line_count = 0;
    request_decode_result r = get_id(v[ATTEMPT_BOOKING_ID], "booking_id", at, out->booking_id);
    json_t *list = v[ATTEMPT_LINES];
    bool single = v[ATTEMPT_RESOURCE_ID] != NULL || v[ATTEMPT_UNITS] != NULL;
    if (r.status != REQUEST_DECODE_OK) {
        /* r says why */
    } else if (list != NULL && single) {
        char where[DECODE_AT_TEXT_MAX];
        r = decode_fail(REQUEST_DECODE_INVALID,
                        "%sgive either 'lines' or 'resource_id' and 'units', not both",
                        at_text(at, where));
    } else if (list != NULL) {
        out->resource_id[0] = '\0';
        out->units = 0;
        r = decode_lines(list, at, lines, ids, &out->line_count);
        out->lines = r.status == REQUEST_DECODE_OK ? lines : NULL;
    } else {
        /* The single form; with neither form the message names what it misses. */
        r = get_id(v[ATTEMPT_RESOURCE_ID], "resource_id", at, out->resource_id);
        if (r.status == REQUEST_DECODE_OK)
            r = get_integer(v[ATTEMPT_UNITS], "units", 1, BOOKING_UNITS_MAX, at, &out->units);
    }
    /* hold_ms is optional; absent means no hold (0), which a body cannot say
     * itself: "hold_ms": 0 is refused like any number outside SPEC section 3. */
    out->hold_ms = 0;
    if (r.status == REQUEST_DECODE_OK && v[ATTEMPT_HOLD_MS] != NULL)
        r = get_integer(v[ATTEMPT_HOLD_MS], "hold_ms", 1, BOOKING_HOLD_MS_MAX, at, &out->hold_ms);
    assert(r.status != REQUEST_DECODE_OK || booking_hold_ms_valid(out->hold_ms));
    assert(r.status != REQUEST_DECODE_OK || (out->lines == NULL) == (out->line_count == 0));
    return r;
}

request_decode_result decode_attempt_reference(const char *body, size_t len,
                                               decoded_attempt *out)
{
    out->lines = NULL;
    out->line_count = 0;
    json_t *doc;
    request_decode_result r = parse_object(body, len, REQUEST_BODY_ATTEMPT_MAX, &doc);
    if (r.status != REQUEST_DECODE_OK)
        return r;
    json_t *v[ATTEMPT_FIELDS];
    booking_line *block = NULL;
    r = read_attempt_fields(doc, &decode_at_body, v);
    size_t room = r.status == REQUEST_DECODE_OK ? lines_wanted(v[ATTEMPT_LINES]) : 0;
    if (room > 0 && (block = request_lines_alloc(room)) == NULL)
        r = decode_fail(REQUEST_DECODE_NOMEM, "out of memory");
    if (r.status == REQUEST_DECODE_OK)
        r = decode_attempt_fields(v, &decode_at_body, block,
                                  block != NULL ? request_lines_ids(block, room) : NULL, out);
    release_doc(doc);
    if (r.status != REQUEST_DECODE_OK || out->lines == NULL) {
        free(block); /* the single form (or a failure) owns nothing */
        out->lines = NULL;
        out->line_count = 0;
    }
    assert(out->lines == NULL || out->lines == block);
    return r;
}

/* yajl first (request_decode_yajl.c): it accepts only what the reference
 * decoder accepts, with the same values, at a quarter of the cost; whatever it
 * declines the reference decoder decides, so a refusal reads as it always did.
 * So does a body the yajl path ran out of memory on: its shortage is not the
 * body's answer (an invalid body is 400 as without pressure), and where the
 * reference decoder runs short too, it answers out of memory itself. Under
 * pressure a body may be read twice; that is the cost of one answer per body. */
request_decode_result decode_attempt(const char *body, size_t len, decoded_attempt *out)
{
    int st = yajl_decode_attempt(body, len, out);
    if (st == REQUEST_DECODE_OK)
        return decode_ok();
    assert((st == REQUEST_DECODE_DECLINED || st == REQUEST_DECODE_NOMEM) && out->lines == NULL);
    return decode_attempt_reference(body, len, out);
}

void decoded_attempt_free(decoded_attempt *attempt)
{
    if (attempt == NULL)
        return;
    free(attempt->lines);
    attempt->lines = NULL;
    attempt->line_count = 0;
}

/* The lines of a batch's attempts, a single attempt counted one (SPEC section 3),
 * and the room its bundles' lines need (*room). */
static size_t batch_lines(json_t *list, size_t *room)
{
    size_t lines = 0;
    *room = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *obj = json_array_get(list, i);
        json_t *named = json_is_object(obj) ? json_object_get(obj, "lines") : NULL;
        /* A longer "lines" than a bundle may have counts whole here, so that the
         * limit is the one SPEC section 3 states; it is refused either way. */
        lines += json_is_array(named) && json_array_size(named) > 0 ? json_array_size(named) : 1;
        *room += lines_wanted(named);
    }
    return lines;
}

/* Decodes every attempt of a batch, its bundles' lines into one allocation. */
static request_decode_result decode_batch_attempts(json_t *list, decoded_batch *out)
{
    size_t count = json_array_size(list);
    size_t room = 0;
    size_t lines = batch_lines(list, &room);
    if (lines > BOOKING_BATCH_LINES_MAX)
        return decode_fail(REQUEST_DECODE_INVALID,
                           "the attempts name %zu lines; at most %d in all (a single attempt "
                           "counts one)", lines, BOOKING_BATCH_LINES_MAX);
    out->attempts = malloc(count * sizeof *out->attempts);
    out->lines = room > 0 ? request_lines_alloc(room) : NULL;
    if (out->attempts == NULL || (room > 0 && out->lines == NULL))
        return decode_fail(REQUEST_DECODE_NOMEM, "out of memory");
    line_id *ids = out->lines != NULL ? request_lines_ids(out->lines, room) : NULL;
    size_t used = 0;
    request_decode_result r = decode_ok();
    for (size_t i = 0; i < count && r.status == REQUEST_DECODE_OK; i++) {
        decode_at at = {.in_batch = true, .attempt = i, .in_line = false};
        json_t *v[ATTEMPT_FIELDS];
        r = read_attempt_fields(json_array_get(list, i), &at, v);
        if (r.status != REQUEST_DECODE_OK)
            break;
        assert(used + lines_wanted(v[ATTEMPT_LINES]) <= room);
        r = decode_attempt_fields(v, &at, out->lines != NULL ? out->lines + used : NULL,
                                  ids != NULL ? ids + used : NULL, &out->attempts[i]);
        used += out->attempts[i].line_count;
    }
    out->count = count;
    out->line_count = lines;
    assert(r.status != REQUEST_DECODE_OK || used == room);
    return r;
}

request_decode_result decode_batch_reference(const char *body, size_t len, decoded_batch *out)
{
    static const char *const names[] = {"attempts"};
    *out = (decoded_batch){.attempts = NULL, .count = 0};
    json_t *doc;
    request_decode_result r = parse_object(body, len, REQUEST_BODY_BATCH_MAX, &doc);
    if (r.status != REQUEST_DECODE_OK)
        return r;
    json_t *list;
    r = read_fields(doc, names, 1, &decode_at_body, &list);
    size_t count = json_array_size(list);
    if (r.status != REQUEST_DECODE_OK) {
        /* r says why */
    } else if (list == NULL) {
        r = decode_fail(REQUEST_DECODE_INVALID, "missing field 'attempts'");
    } else if (!json_is_array(list) || count < 1 || count > BOOKING_BATCH_MAX) {
        r = decode_fail(REQUEST_DECODE_INVALID, "'attempts' must be an array of 1 to %d attempts",
                        BOOKING_BATCH_MAX);
    } else {
        r = decode_batch_attempts(list, out);
    }
    release_doc(doc);
    if (r.status != REQUEST_DECODE_OK)
        decoded_batch_free(out);
    assert(r.status != REQUEST_DECODE_OK || out->line_count <= BOOKING_BATCH_LINES_MAX);
    return r;
}

request_decode_result decode_batch(const char *body, size_t len, decoded_batch *out)
{
    int st = yajl_decode_batch(body, len, out);
    if (st == REQUEST_DECODE_OK)
        return decode_ok();
    /* Declined or out of memory: the reference decoder decides (decode_attempt). */
    assert((st == REQUEST_DECODE_DECLINED || st == REQUEST_DECODE_NOMEM) &&
           out->attempts == NULL);
    return decode_batch_reference(body, len, out);
}

void decoded_batch_free(decoded_batch *batch)
{
    if (batch == NULL)
        return;
    free(batch->attempts);
    free(batch->lines);
    *batch = (decoded_batch){.attempts = NULL, .count = 0};
}

/* A booking_request that points into a decoded attempt (valid while it lives),
 * in the attempt's own form. */
static booking_request attempt_request(const decoded_attempt *attempt)
{
    bool bundle = attempt->lines != NULL;
    return (booking_request){.booking_id = attempt->booking_id,
                             .resource_id = bundle ? NULL : attempt->resource_id,
                             .units = attempt->units,
                             .hold_ms = attempt->hold_ms,
                             .lines = attempt->lines,
                             .line_count = attempt->line_count};
}

request_decode_result decode_attempts(const char *body, size_t len, bool batch,
                                      decoded_attempts *out)
{
    *out = (decoded_attempts){.requests = NULL, .count = 0};
    if (!batch) {
        request_decode_result r = decode_attempt(body, len, &out->single);
        if (r.status == REQUEST_DECODE_OK) {
            out->single_request = attempt_request(&out->single);
            out->requests = &out->single_request;
            out->count = 1;
        }
        return r;
    }
    request_decode_result r = decode_batch(body, len, &out->batch);
    if (r.status != REQUEST_DECODE_OK)
        return r;
    out->requests = malloc(out->batch.count * sizeof *out->requests);
    if (out->requests == NULL) {
        decoded_batch_free(&out->batch);
        return decode_fail(REQUEST_DECODE_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < out->batch.count; i++)
        out->requests[i] = attempt_request(&out->batch.attempts[i]);
    out->count = out->batch.count;
    return r;
}

void decoded_attempts_free(decoded_attempts *attempts)
{
    if (attempts == NULL)
        return;
    if (attempts->requests != &attempts->single_request)
        free(attempts->requests);
    decoded_batch_free(&attempts->batch);
    decoded_attempt_free(&attempts->single);
    attempts->requests = NULL;
    attempts->count = 0;
}

request_decode_result decode_capacity(const char *body, size_t len, uint64_t *capacity)
{
    static const char *const names[] = {"capacity"};
    json_t *doc;
    request_decode_result r = parse_object(body, len, REQUEST_BODY_CAPACITY_MAX, &doc);
    if (r.status != REQUEST_DECODE_OK)
        return r;
    json_t *v;
    r = read_fields(doc, names, 1, &decode_at_body, &v);
    if (r.status == REQUEST_DECODE_OK)
        r = get_integer(v, "capacity", 0, BOOKING_CAPACITY_MAX, &decode_at_body, capacity);
    release_doc(doc);
    return r;
}
