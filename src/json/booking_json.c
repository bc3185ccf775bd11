/* SPDX-License-Identifier: MIT */
/*
 * booking_json.c: builds every SPEC section 5 reply body: trees with jansson, and
 * the outcome bodies the service sends by the thousand written straight as text.
 */
#include "json/booking_json.h"
#include "util/decimal.h"
#include "util/time_text.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(BOOKING_LINES_MAX <= 100, "a failing line's number is at most two digits");
_Static_assert(BOOKING_JSON_OUTCOME_LINE_MAX >= 16 + BOOKING_ID_LEN_MAX + 10 + 16 + 2,
               "a line of an outcome body fits its bound");

bool booking_json_shows_expiry(booking_status status)
{
    /* A confirmed hold is active and never expires; a cancelled one never will:
     * an expires_at beside them would read as a deadline that is not there. */
    return status == BOOKING_STATUS_HELD || status == BOOKING_STATUS_EXPIRED;
}

/* Sets key to the store's time ms as RFC 3339 text; false when out of memory.
 * The store's times come from its clock (ms since the epoch): a time outside
 * 1970..9999 is a store's bug, not an input. */
static bool set_time(json_t *o, const char *key, int64_t ms)
{
    assert(ms >= 0 && ms <= TIME_TEXT_MS_MAX);
    char text[TIME_TEXT_LEN];
    time_text_write(text, ms);
    return json_object_set_new(o, key, json_stringn(text, sizeof text)) == 0;
}

/* Releases o and returns NULL unless ok: a body is whole or not sent at all. */
static json_t *whole_or_null(json_t *o, bool ok)
{
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

bool booking_json_shows_line(const booking_request *request, const booking_result *result)
{
    /* The single form keeps its fields (SPEC section 8): its one line is the
     * resource_id it named, and a "line": 0 beside it would say nothing. */
    return request->lines != NULL && result->outcome == BOOKING_REJECTED &&
           (result->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY ||
            result->reason == BOOKING_REASON_UNKNOWN_RESOURCE);
}

/* [{"resource_id": R, "units": N}, ...] of a request's bundle. */
static json_t *request_lines(const booking_request *request)
{
    assert(request->lines != NULL && request->line_count >= 1);
    json_t *list = json_array();
    bool ok = list != NULL;
    for (size_t i = 0; i < request->line_count && ok; i++) {
        const booking_line *l = &request->lines[i];
        ok = json_array_append_new(list, json_pack("{s:s, s:I}", "resource_id", l->resource_id,
                                                   "units", (json_int_t)l->units)) == 0;
    }
    return whole_or_null(list, ok);
}

json_t *booking_json_outcome(const booking_request *request, const booking_result *result)
{
    json_t *o = json_pack("{s:s, s:s, s:s}",
                          "outcome", booking_outcome_name(result->outcome),
                          "reason", booking_reason_name(result->reason),
                          "booking_id", request->booking_id);
    if (o == NULL)
        return NULL;
    bool ok;
    if (request->lines == NULL) {
        ok = json_object_set_new(o, "resource_id", json_string(request->resource_id)) == 0 &&
             json_object_set_new(o, "units", json_integer((json_int_t)request->units)) == 0;
    } else {
        ok = json_object_set_new(o, "lines", request_lines(request)) == 0;
        if (ok && booking_json_shows_line(request, result))
            ok = json_object_set_new(o, "line", json_integer(result->line)) == 0;
    }
    ok = ok && json_object_set_new(o, "replayed", json_boolean(result->replayed)) == 0;
    if (ok && result->outcome == BOOKING_BOOKED) {
        ok = json_object_set_new(o, "status", json_string(booking_status_name(result->status))) == 0;
        if (ok && booking_json_shows_expiry(result->status))
            ok = set_time(o, "expires_at", result->expires_at_ms);
    }
    return whole_or_null(o, ok);
}

json_t *booking_json_resource(const booking_resource *resource)
{
    json_t *o = json_pack("{s:s, s:I, s:I, s:I}",
                          "resource_id", resource->resource_id,
                          "capacity", (json_int_t)resource->capacity,
                          "booked", (json_int_t)resource->booked,
                          "remaining", (json_int_t)(resource->capacity - resource->booked));
    return o != NULL ? whole_or_null(o, set_time(o, "as_of", resource->as_of_ms)) : NULL;
}

/* [{"resource_id": R, "units": N}, ...] of a record: lines[0..line_count), or for
 * a record of one line without lines, that line from the record itself. */
static json_t *record_lines(const booking_record *record, const booking_record_line *lines)
{
    json_t *list = json_array();
    bool ok = list != NULL;
    for (uint32_t i = 0; i < record->line_count && ok; i++) {
        const char *rid = lines != NULL ? lines[i].resource_id : record->resource_id;
        uint64_t units = lines != NULL ? lines[i].units : record->units;
        ok = json_array_append_new(list, json_pack("{s:s, s:I}", "resource_id", rid, "units",
                                                   (json_int_t)units)) == 0;
    }
    return whole_or_null(list, ok);
}

json_t *booking_json_record(const booking_record *record, const booking_record_line *lines)
{
    assert(record->line_count >= 1 && record->line_count <= BOOKING_LINES_MAX);
    assert(lines != NULL || record->line_count == 1);
    assert(lines == NULL || (strcmp(lines[0].resource_id, record->resource_id) == 0 &&
                             lines[0].units == record->units)); /* line 0 is the record's */
    json_t *o = json_pack("{s:s}", "booking_id", record->booking_id);
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (record->line_count == 1) {
        /* Today's fields of a record of one line stay (SPEC section 8). */
        ok = json_object_set_new(o, "resource_id", json_string(record->resource_id)) == 0 &&
             json_object_set_new(o, "units", json_integer((json_int_t)record->units)) == 0;
    }
    ok = ok && json_object_set_new(o, "lines", record_lines(record, lines)) == 0;
    ok = ok && json_object_set_new(o, "line_count", json_integer(record->line_count)) == 0;
    ok = ok && json_object_set_new(o, "outcome",
                                   json_string(booking_outcome_name(record->outcome))) == 0;
    ok = ok && json_object_set_new(o, "reason", json_string(booking_reason_name(record->reason))) == 0;
    if (ok && record->outcome == BOOKING_REJECTED)
        ok = json_object_set_new(o, "line", json_integer(record->line)) == 0;
    ok = ok && json_object_set_new(o, "status", json_string(booking_status_name(record->status))) == 0;
    if (ok && booking_json_shows_expiry(record->status))
        ok = set_time(o, "expires_at", record->expires_at_ms);
    ok = ok && set_time(o, "created_at", record->created_at_ms);
    ok = ok && set_time(o, "updated_at", record->updated_at_ms);
    return whole_or_null(o, ok);
}

json_t *booking_json_change(booking_reason reason, const booking_record *record,
                            const booking_record_line *lines)
{
    json_t *o = booking_json_record(record, lines);
    if (o == NULL)
        return NULL;
    return whole_or_null(o, json_object_set_new(o, "result",
                                                json_string(booking_reason_name(reason))) == 0);
}

json_t *booking_json_error(const char *error, const char *detail)
{
    return json_pack("{s:s, s:s}", "error", error, "detail", detail);
}

json_t *booking_json_capacity_refused(booking_reason reason, const booking_resource *resource)
{
    json_t *o = booking_json_resource(resource);
    if (o != NULL &&
        json_object_set_new(o, "error", json_string(booking_reason_name(reason))) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

json_t *booking_json_outcomes(const booking_request *requests, const booking_result *results,
                              size_t count)
{
    json_t *list = json_array();
    json_t *body = json_object();
    bool ok = list != NULL && body != NULL;
    for (size_t i = 0; i < count && ok; i++)
        ok = json_array_append_new(list, booking_json_outcome(&requests[i], &results[i])) == 0;
    if (ok) {
        ok = json_object_set_new(body, "outcomes", list) == 0;
        list = NULL; /* stolen, even on failure */
    }
    json_decref(list);
    if (!ok) {
        json_decref(body);
        body = NULL;
    }
    return body;
}

/* ---- listing pages, written one item at a time ---- */

typedef struct page_text {
    char *text;
    size_t len;
    size_t cap;
    bool ok;
} page_text;

static void page_put(page_text *p, const char *bytes, size_t n)
{
    if (!p->ok)
        return;
    if (n > p->cap - p->len) {
        size_t cap = p->cap > 0 ? p->cap : 1024;
        while (cap - p->len < n)
            cap *= 2;
        char *grown = realloc(p->text, cap);
        if (grown == NULL) {
            p->ok = false;
            return;
        }
        p->text = grown;
        p->cap = cap;
    }
    memcpy(p->text + p->len, bytes, n);
    p->len += n;
}

/* value written compact (as booking_json_line does, without its '\n'); value
 * is released. */
static void page_put_json(page_text *p, json_t *value)
{
    char *text = value != NULL ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(value);
    if (text == NULL) {
        p->ok = false;
        return;
    }
    page_put(p, text, strlen(text));
    free(text);
}

static void page_open(page_text *p, const char *key)
{
    *p = (page_text){.ok = true};
    page_put(p, "{\"", 2);
    page_put(p, key, strlen(key));
    page_put(p, "\":[", 3);
}

static char *page_close(page_text *p, const char *next, size_t *len)
{
    page_put(p, "],\"next\":", 9);
    page_put_json(p, next != NULL ? json_string(next) : json_null());
    page_put(p, "}\n", 2);
    page_put(p, "", 1); /* the NUL, not counted */
    *len = 0;
    if (!p->ok) {
        free(p->text);
        return NULL;
    }
    *len = p->len - 1;
    return p->text;
}

char *booking_json_resources_page_text(const booking_resource *resources, size_t count,
                                       const char *next, size_t *len)
{
    assert(resources != NULL || count == 0);
    page_text p;
    page_open(&p, "resources");
    for (size_t i = 0; i < count && p.ok; i++) {
        if (i > 0)
            page_put(&p, ",", 1);
        page_put_json(&p, booking_json_resource(&resources[i]));
    }
    return page_close(&p, next, len);
}

char *booking_json_bookings_page_text(const booking_record *records,
                                      const booking_record_line *const *lines, size_t count,
                                      const char *next, size_t *len)
{
    assert((records != NULL && lines != NULL) || count == 0);
    page_text p;
    page_open(&p, "bookings");
    for (size_t i = 0; i < count && p.ok; i++) {
        if (i > 0)
            page_put(&p, ",", 1);
        page_put_json(&p, booking_json_record(&records[i], lines[i]));
    }
    return page_close(&p, next, len);
}

json_t *booking_json_health(const char *status, const char *reason)
{
    if (reason == NULL)
        return json_pack("{s:s}", "status", status);
    return json_pack("{s:s, s:s}", "status", status, "reason", reason);
}

char *booking_json_line(json_t *value, size_t *len)
{
    *len = 0;
    if (value == NULL)
        return NULL;
    char *text = json_dumps(value, JSON_COMPACT);
    json_decref(value);
    if (text == NULL)
        return NULL;
    size_t n = strlen(text);
    char *grown = realloc(text, n + 2);
    if (grown == NULL) {
        free(text);
        return NULL;
    }
    grown[n++] = '\n';
    grown[n] = '\0';
    *len = n;
    return grown;
}

static char *put_text(char *p, const char *text)
{
    size_t n = strlen(text);
    memcpy(p, text, n);
    return p + n;
}

static char *put_id(char *p, const char *id)
{
    size_t n = strlen(id);
    /* The id alphabet needs no escaping in JSON. Every id here passed the library's
     * check (booking_id_valid) before it was decided: another is a caller's bug. */
    assert(booking_id_valid(id, n));
    memcpy(p, id, n);
    return p + n;
}

static char *put_time(char *p, int64_t ms)
{
    assert(ms >= 0 && ms <= TIME_TEXT_MS_MAX); /* as set_time */
    time_text_write(p, ms);
    return p + TIME_TEXT_LEN;
}

size_t booking_json_outcome_max(const booking_request *request)
{
    if (request->lines == NULL)
        return BOOKING_JSON_OUTCOME_MAX;
    assert(request->line_count >= 1 && request->line_count <= BOOKING_LINES_MAX);
    return BOOKING_JSON_OUTCOME_MAX + BOOKING_JSON_OUTCOME_BUNDLE_EXTRA +
           request->line_count * BOOKING_JSON_OUTCOME_LINE_MAX;
}

/* ,"lines":[{"resource_id":"R","units":N},...] and, when shown, ,"line":I */
static char *put_lines(char *p, const booking_request *request, const booking_result *result)
{
    p = put_text(p, ",\"lines\":[");
    for (size_t i = 0; i < request->line_count; i++) {
        char *start = p;
        p = put_text(p, i > 0 ? ",{\"resource_id\":\"" : "{\"resource_id\":\"");
        p = put_id(p, request->lines[i].resource_id);
        p = put_text(p, "\",\"units\":");
        p = decimal_put_u64(p, request->lines[i].units);
        *p++ = '}';
        assert((size_t)(p - start) <= BOOKING_JSON_OUTCOME_LINE_MAX);
        (void)start; /* read only by the assert */
    }
    *p++ = ']';
    if (booking_json_shows_line(request, result)) {
        p = put_text(p, ",\"line\":");
        p = decimal_put_u64(p, result->line);
    }
    return p;
}

size_t booking_json_outcome_write(char *out, const booking_request *request,
                                  const booking_result *result)
{
    char *p = out;
    p = put_text(p, "{\"outcome\":\"");
    p = put_text(p, booking_outcome_name(result->outcome));
    p = put_text(p, "\",\"reason\":\"");
    p = put_text(p, booking_reason_name(result->reason));
    p = put_text(p, "\",\"booking_id\":\"");
    p = put_id(p, request->booking_id);
    if (request->lines == NULL) {
        p = put_text(p, "\",\"resource_id\":\"");
        p = put_id(p, request->resource_id);
        p = put_text(p, "\",\"units\":");
        p = decimal_put_u64(p, request->units);
    } else {
        *p++ = '"';
        p = put_lines(p, request, result);
    }
    p = put_text(p, result->replayed ? ",\"replayed\":true" : ",\"replayed\":false");
    if (result->outcome == BOOKING_BOOKED) {
        p = put_text(p, ",\"status\":\"");
        p = put_text(p, booking_status_name(result->status));
        *p++ = '"';
        if (booking_json_shows_expiry(result->status)) {
            p = put_text(p, ",\"expires_at\":\"");
            p = put_time(p, result->expires_at_ms);
            *p++ = '"';
        }
    }
    *p++ = '}';
    assert((size_t)(p - out) <= booking_json_outcome_max(request));
    return (size_t)(p - out);
}

char *booking_json_outcome_text(const booking_request *request, const booking_result *result,
                                size_t *len)
{
    size_t max = booking_json_outcome_max(request);
    char *text = malloc(max + 1);
    if (text == NULL)
        return NULL;
    size_t n = booking_json_outcome_write(text, request, result);
    assert(n > 0 && n <= max);
    text[n++] = '\n';
    *len = n;
    return text;
}

char *booking_json_outcomes_text(const booking_request *requests, const booking_result *results,
                                 size_t count, size_t *len)
{
    static const char head[] = "{\"outcomes\":[", tail[] = "]}\n";
    size_t room = sizeof head + sizeof tail;
    for (size_t i = 0; i < count; i++)
        room += booking_json_outcome_max(&requests[i]) + 1; /* and its comma */
    char *text = malloc(room);
    if (text == NULL)
        return NULL;
    char *p = text;
    memcpy(p, head, sizeof head - 1);
    p += sizeof head - 1;
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            *p++ = ',';
        p += booking_json_outcome_write(p, &requests[i], &results[i]);
    }
    memcpy(p, tail, sizeof tail - 1);
    p += sizeof tail - 1;
    *len = (size_t)(p - text);
    assert(*len < room);
    return text;
}
