/* SPDX-License-Identifier: MIT */
/*
 * history_write.c: an event as one history line. The fields come in one fixed
 * order (type, process, f, the invoke's arguments, the answer, time), the order
 * docs/checking.md shows, so every writer produces the same bytes.
 */
#include "history/history_line.h"
#include "util/time_text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

/* Fixed text of the longest line (an attempt's invoke with every number at its
 * maximum, or a completion with every field and time) besides its two ids, and
 * of one bundle line ({"resource_id":"","units":N},) besides its id. */
#define HISTORY_FIXED_BYTES_MAX 240
#define HISTORY_LINE_ITEM_FIXED_BYTES_MAX 64
_Static_assert(2 * BOOKING_ID_LEN_MAX + HISTORY_FIXED_BYTES_MAX +
                       BOOKING_LINES_MAX * (BOOKING_ID_LEN_MAX + HISTORY_LINE_ITEM_FIXED_BYTES_MAX) <=
                   HISTORY_LINE_BYTES_MAX,
               "a line with two ids and a whole bundle of the longest kind must fit");

typedef struct line_out {
    char *p;
    size_t len, cap;
    bool ok;
} line_out;

static void put(line_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(line_out *o, const char *fmt, ...)
{
    if (!o->ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len)
        o->ok = false;
    else
        o->len += (size_t)n;
}

static const char *f_name(history_f f)
{
    switch (f) {
    case HISTORY_ATTEMPT: return "attempt";
    case HISTORY_SET_CAPACITY: return "set_capacity";
    case HISTORY_CANCEL: return "cancel";
    case HISTORY_GET_RESOURCE: return "get_resource";
    case HISTORY_CONFIRM: return "confirm";
    }
    return "?";
}

static void put_id(line_out *o, const char *key, const char *id)
{
    assert(id != NULL && booking_id_valid(id, strlen(id))); /* written unescaped */
    put(o, ",\"%s\":\"%s\"", key, id);
}

/* A store time as RFC 3339 text, the form of the answers it came from. */
static void put_time(line_out *o, const char *key, int64_t ms)
{
    assert(ms >= 0 && ms <= TIME_TEXT_MS_MAX);
    char text[TIME_TEXT_LEN];
    time_text_write(text, ms);
    put(o, ",\"%s\":\"%.*s\"", key, TIME_TEXT_LEN, text);
}

/* A bundle's lines, in the request's order (SPEC section 8). */
static void put_lines(line_out *o, const booking_line *lines, size_t count)
{
    assert(count >= 1 && count <= BOOKING_LINES_MAX);
    put(o, ",\"lines\":[");
    for (size_t i = 0; i < count; i++) {
        assert(lines[i].resource_id != NULL &&
               booking_id_valid(lines[i].resource_id, strlen(lines[i].resource_id)));
        assert(lines[i].units >= 1 && lines[i].units <= BOOKING_UNITS_MAX);
        put(o, "%s{\"resource_id\":\"%s\",\"units\":%" PRIu64 "}", i ? "," : "",
            lines[i].resource_id, lines[i].units);
    }
    put(o, "]");
}

static void put_invoke(line_out *o, const history_event *ev)
{
    bool names_booking = ev->f == HISTORY_ATTEMPT || ev->f == HISTORY_CANCEL ||
                         ev->f == HISTORY_CONFIRM;
    if (names_booking)
        put_id(o, "booking_id", ev->booking_id);
    bool bundle = ev->f == HISTORY_ATTEMPT && ev->lines != NULL;
    if (ev->f != HISTORY_CANCEL && ev->f != HISTORY_CONFIRM && !bundle)
        put_id(o, "resource_id", ev->resource_id);
    if (ev->f == HISTORY_ATTEMPT && !bundle)
        put(o, ",\"units\":%" PRIu64, ev->units);
    if (bundle)
        put_lines(o, ev->lines, ev->line_count);
    if (ev->f == HISTORY_ATTEMPT && ev->hold_ms != 0)
        put(o, ",\"hold_ms\":%" PRIu64, ev->hold_ms);
    if (ev->f == HISTORY_SET_CAPACITY)
        put(o, ",\"capacity\":%" PRIu64, ev->capacity);
}

static void put_complete(line_out *o, const history_event *ev)
{
    if (ev->f == HISTORY_ATTEMPT)
        put(o, ",\"outcome\":\"%s\"", booking_outcome_name(ev->outcome));
    if (ev->ok != HISTORY_ABSENT)
        put(o, ",\"ok\":%s", ev->ok == HISTORY_TRUE ? "true" : "false");
    if (ev->has_reason)
        put(o, ",\"reason\":\"%s\"", booking_reason_name(ev->reason));
    if (ev->replayed != HISTORY_ABSENT)
        put(o, ",\"replayed\":%s", ev->replayed == HISTORY_TRUE ? "true" : "false");
    if (ev->has_line)
        put(o, ",\"line\":%" PRIu32, ev->line);
    if (ev->status != BOOKING_STATUS_NONE)
        put(o, ",\"status\":\"%s\"", booking_status_name(ev->status));
    if (ev->has_expires_at)
        put_time(o, "expires_at", ev->expires_at_ms);
    if (ev->has_updated_at)
        put_time(o, "updated_at", ev->updated_at_ms);
    if (ev->has_read)
        put(o, ",\"capacity\":%" PRIu64 ",\"booked\":%" PRIu64, ev->capacity, ev->booked);
    if (ev->has_as_of)
        put_time(o, "as_of", ev->as_of_ms);
}

size_t history_line_encode(const history_event *ev, char *out, size_t cap)
{
    line_out o = {.p = out, .cap = cap, .ok = cap > 0};
    put(&o, "{\"type\":\"%s\",\"process\":%" PRId64 ",\"f\":\"%s\"",
        ev->type == HISTORY_INVOKE ? "invoke" : "complete", ev->process, f_name(ev->f));
    if (ev->type == HISTORY_INVOKE)
        put_invoke(&o, ev);
    else
        put_complete(&o, ev);
    if (ev->has_time)
        put(&o, ",\"time\":%" PRIu64, ev->time_ns);
    put(&o, "}\n");
    return o.ok ? o.len : 0;
}

bool history_line_write(FILE *f, const history_event *ev)
{
    char line[HISTORY_LINE_BYTES_MAX];
    size_t n = history_line_encode(ev, line, sizeof line);
    return n > 0 && fwrite(line, 1, n, f) == n;
}

uint64_t history_line_time(const char *line)
{
    static const char key[] = "\"time\":";
    const char *p = strstr(line, key), *q;
    while (p != NULL && (q = strstr(p + 1, key)) != NULL)
        p = q; /* the last one: ids cannot hold quotes, so no value looks like it */
    uint64_t t = 0;
    for (p = p ? p + sizeof key - 1 : ""; *p >= '0' && *p <= '9'; p++) {
        if (t > (UINT64_MAX - 9) / 10)
            return 0;
        t = t * 10 + (uint64_t)(*p - '0');
    }
    return t;
}
