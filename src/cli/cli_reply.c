/* SPDX-License-Identifier: MIT */
/*
 * cli_reply.c: reply bodies of the service back into booking_result,
 * booking_resource and booking_record (the inverse of json/booking_json.c for
 * what the command line prints). Each getter checks its field against the
 * library's limits, so a printer never meets a value the library could not give.
 */
#include "cli/cli_reply.h"
#include "core/names.h"
#include "util/time_text.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static bool get_u64(const json_t *o, const char *key, uint64_t max, uint64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* An id into out (BOOKING_ID_LEN_MAX + 1 bytes), valid as SPEC section 3 says. */
static bool get_id(const json_t *o, const char *key, char *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || !booking_id_valid(json_string_value(v), json_string_length(v)))
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

static const char *get_text(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key)); /* NULL unless a string */
}

static bool get_time(const json_t *o, const char *key, int64_t *ms)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) && time_text_read(json_string_value(v), json_string_length(v), ms);
}

static bool get_reason(const json_t *o, const char *key, booking_reason *out)
{
    const char *name = get_text(o, key);
    return name != NULL && bk_core_reason_from_name(name, out);
}

static bool get_outcome(const json_t *o, booking_outcome *out)
{
    const char *name = get_text(o, "outcome");
    return name != NULL && bk_core_outcome_from_name(name, out);
}

static bool get_status(const json_t *o, booking_status *out)
{
    const char *name = get_text(o, "status");
    if (name == NULL)
        return false;
#define STATUS_FROM_NAME_(n, value, wire)  \
    if (strcmp(name, wire) == 0) {         \
        *out = BOOKING_STATUS_##n;         \
        return true;                       \
    }
    BOOKING_STATUS_MAP(STATUS_FROM_NAME_)
#undef STATUS_FROM_NAME_
    return false;
}

/* A hold's expires_at: present exactly when the status shows one. */
static bool get_expiry(const json_t *o, booking_status status, int64_t *ms)
{
    *ms = 0;
    bool shown = status == BOOKING_STATUS_HELD || status == BOOKING_STATUS_EXPIRED;
    if (!shown)
        return json_object_get(o, "expires_at") == NULL;
    return get_time(o, "expires_at", ms);
}

bool cli_reply_outcome(const json_t *body, booking_result *out)
{
    memset(out, 0, sizeof *out);
    const json_t *replayed = json_object_get(body, "replayed");
    if (!get_outcome(body, &out->outcome) || !get_reason(body, "reason", &out->reason) ||
        !bk_core_reason_pairs_with(out->reason, out->outcome) || !json_is_boolean(replayed))
        return false;
    out->replayed = json_is_true(replayed);
    uint64_t line = 0;
    if (json_object_get(body, "line") != NULL && !get_u64(body, "line", BOOKING_LINES_MAX - 1, &line))
        return false;
    out->line = (uint32_t)line;
    if (out->outcome != BOOKING_BOOKED)
        return json_object_get(body, "status") == NULL;
    return get_status(body, &out->status) && get_expiry(body, out->status, &out->expires_at_ms);
}

bool cli_reply_resource(const json_t *body, booking_resource *out)
{
    memset(out, 0, sizeof *out);
    uint64_t remaining;
    return get_id(body, "resource_id", out->resource_id) &&
           get_u64(body, "capacity", BOOKING_CAPACITY_MAX, &out->capacity) &&
           get_u64(body, "booked", BOOKING_CAPACITY_MAX, &out->booked) &&
           get_u64(body, "remaining", BOOKING_CAPACITY_MAX, &remaining) &&
           out->booked + remaining == out->capacity && get_time(body, "as_of", &out->as_of_ms);
}

/* "lines": [{"resource_id", "units"}, ...], as many as line_count. */
static bool get_lines(const json_t *body, cli_record *out)
{
    const json_t *lines = json_object_get(body, "lines");
    if (!json_is_array(lines) || json_array_size(lines) != out->record.line_count)
        return false;
    for (size_t i = 0; i < out->record.line_count; i++) {
        const json_t *l = json_array_get(lines, i);
        if (!get_id(l, "resource_id", out->lines[i].resource_id) ||
            !get_u64(l, "units", BOOKING_UNITS_MAX, &out->lines[i].units) ||
            out->lines[i].units == 0)
            return false;
    }
    return true;
}

bool cli_reply_record(const json_t *body, cli_record *out)
{
    booking_record *r = &out->record;
    memset(r, 0, sizeof *r);
    uint64_t line_count, line = 0;
    if (!get_id(body, "booking_id", r->booking_id) ||
        !get_u64(body, "line_count", BOOKING_LINES_MAX, &line_count) || line_count == 0)
        return false;
    r->line_count = (uint32_t)line_count;
    if (!get_lines(body, out) || !get_outcome(body, &r->outcome) ||
        !get_reason(body, "reason", &r->reason) || !get_status(body, &r->status) ||
        !get_expiry(body, r->status, &r->expires_at_ms) ||
        !get_time(body, "created_at", &r->created_at_ms) ||
        !get_time(body, "updated_at", &r->updated_at_ms))
        return false;
    if (r->outcome == BOOKING_REJECTED && !get_u64(body, "line", line_count - 1, &line))
        return false;
    r->line = (uint32_t)line;
    memcpy(r->resource_id, out->lines[0].resource_id, sizeof r->resource_id);
    r->units = out->lines[0].units;
    if (line_count == 1) { /* a record of one line also shows it as its own fields */
        uint64_t units;
        char rid[BOOKING_ID_LEN_MAX + 1];
        if (!get_id(body, "resource_id", rid) || strcmp(rid, r->resource_id) != 0 ||
            !get_u64(body, "units", BOOKING_UNITS_MAX, &units) || units != r->units)
            return false;
    }
    return true;
}

bool cli_reply_change(const json_t *body, booking_reason *result, cli_record *out)
{
    return cli_reply_record(body, out) && get_reason(body, "result", result);
}

bool cli_reply_capacity_refused(const json_t *body, booking_reason *error, booking_resource *out)
{
    return cli_reply_resource(body, out) && get_reason(body, "error", error);
}

bool cli_reply_problem_reason(const json_t *body, booking_reason *out)
{
    return get_reason(body, "error", out);
}

/* The list under key, at most limit items, and "next": an id or null. */
static const json_t *page_items(const json_t *body, const char *key, size_t limit,
                                cli_page *page)
{
    memset(page, 0, sizeof *page);
    const json_t *items = json_object_get(body, key);
    const json_t *next = json_object_get(body, "next");
    if (!json_is_array(items) || json_array_size(items) > limit)
        return NULL;
    if (json_is_null(next))
        return items;
    /* A next id says the listing goes on from it: the page may hold fewer than
     * limit items, even none (SPEC section 5: a filtered page ends at its scan
     * budget). */
    if (!get_id(body, "next", page->next))
        return NULL;
    return items;
}

bool cli_reply_resource_page(const json_t *body, size_t limit, cli_page *page)
{
    const json_t *items = page_items(body, "resources", limit, page);
    if (items == NULL)
        return false;
    size_t n = json_array_size(items);
    page->resources = calloc(n > 0 ? n : 1, sizeof *page->resources);
    if (page->resources == NULL)
        return false;
    for (; page->count < n; page->count++) {
        if (!cli_reply_resource(json_array_get(items, page->count),
                                &page->resources[page->count]))
            return false;
    }
    return true;
}

bool cli_reply_booking_page(const json_t *body, size_t limit, cli_page *page)
{
    const json_t *items = page_items(body, "bookings", limit, page);
    if (items == NULL)
        return false;
    size_t n = json_array_size(items);
    page->records = calloc(n > 0 ? n : 1, sizeof *page->records);
    if (page->records == NULL)
        return false;
    for (; page->count < n; page->count++) {
        if (!cli_reply_record(json_array_get(items, page->count), &page->records[page->count]))
            return false;
    }
    return true;
}
