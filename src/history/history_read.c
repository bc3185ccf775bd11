/* SPDX-License-Identifier: MIT */
/*
 * history_read.c: one history line into an event, parsed with jansson. Strict
 * about shape (a malformed line is refused with the reason, never guessed at),
 * lenient about extra fields. What an event means is the reader's business.
 */
#include "history/history_line.h"
#include "core/names.h"
#include "util/time_text.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

static bool refuse(char why[HISTORY_WHY_BYTES], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool refuse(char why[HISTORY_WHY_BYTES], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, HISTORY_WHY_BYTES, fmt, ap);
    va_end(ap);
    return false;
}

static bool get_u64(json_t *obj, const char *key, uint64_t min, uint64_t max, uint64_t *out,
                    char *why)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return refuse(why, "\"%s\" must be an integer", key);
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
        return refuse(why, "\"%s\" out of range %" PRIu64 "..%" PRIu64, key, min, max);
    *out = (uint64_t)i;
    return true;
}

static bool get_id(json_t *obj, const char *key, const char **out, char *why)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return refuse(why, "\"%s\" must be a string", key);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len || !booking_id_valid(s, len))
        return refuse(why, "\"%s\" is not a valid id (1 to %d of [A-Za-z0-9._:-])", key,
                      BOOKING_ID_LEN_MAX);
    *out = s;
    return true;
}

/* Optional string field: NULL if absent; false if present and not a string. */
static bool get_opt_string(json_t *obj, const char *key, const char **out, char *why)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return refuse(why, "\"%s\" must be a string", key);
    *out = json_string_value(v);
    return true;
}

/* Optional store time, RFC 3339 text (util/time_text.h): *has false if absent. */
static bool get_opt_time(json_t *obj, const char *key, bool *has, int64_t *ms, char *why)
{
    json_t *v = json_object_get(obj, key);
    *has = false;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_string(v) ||
        !time_text_read(json_string_value(v), json_string_length(v), ms))
        return refuse(why, "\"%s\" must be a time like \"2026-12-01T21:50:00.123Z\"", key);
    *has = true;
    return true;
}

/* Optional status of a BOOKED answer: NONE if absent. */
static bool get_opt_status(json_t *obj, booking_status *out, char *why)
{
    const char *name;
    *out = BOOKING_STATUS_NONE;
    if (!get_opt_string(obj, "status", &name, why))
        return false;
    if (name == NULL)
        return true;
#define HISTORY_STATUS_NAME_(NAME, value, wire)                                      \
    if (BOOKING_STATUS_##NAME != BOOKING_STATUS_NONE && strcmp(name, wire) == 0) { \
        *out = BOOKING_STATUS_##NAME;                                                \
        return true;                                                                 \
    }
    BOOKING_STATUS_MAP(HISTORY_STATUS_NAME_)
#undef HISTORY_STATUS_NAME_
    return refuse(why, "unknown status '%s' (active, held, cancelled, expired)", name);
}

/* Optional true/false field. */
static bool get_opt_bool(json_t *obj, const char *key, history_bool *out, char *why)
{
    json_t *v = json_object_get(obj, key);
    *out = HISTORY_ABSENT;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_boolean(v))
        return refuse(why, "\"%s\" must be true or false", key);
    *out = json_is_true(v) ? HISTORY_TRUE : HISTORY_FALSE;
    return true;
}

static bool read_f(json_t *obj, history_f *f, char *why)
{
    const char *name;
    if (!get_opt_string(obj, "f", &name, why))
        return false;
    if (name == NULL)
        return refuse(why, "missing \"f\"");
    if (strcmp(name, "attempt") == 0)
        *f = HISTORY_ATTEMPT;
    else if (strcmp(name, "set_capacity") == 0)
        *f = HISTORY_SET_CAPACITY;
    else if (strcmp(name, "cancel") == 0)
        *f = HISTORY_CANCEL;
    else if (strcmp(name, "get_resource") == 0)
        *f = HISTORY_GET_RESOURCE;
    else if (strcmp(name, "confirm") == 0)
        *f = HISTORY_CONFIRM;
    else
        return refuse(why, "unknown \"f\" '%s' (attempt, set_capacity, cancel, confirm, "
                           "get_resource)", name);
    return true;
}

bool history_line_open(history_line *line, const char *text, size_t len, history_event *ev,
                       char why[HISTORY_WHY_BYTES])
{
    memset(ev, 0, sizeof *ev);
    json_error_t err;
    json_t *obj = line->obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (obj == NULL)
        return refuse(why, "not JSON: %s", err.text);
    if (!json_is_object(obj))
        return refuse(why, "an event must be a JSON object");
    const char *type;
    if (!get_opt_string(obj, "type", &type, why))
        return false;
    json_t *p = json_object_get(obj, "process");
    if (!json_is_integer(p))
        return refuse(why, "\"process\" must be an integer");
    ev->process = (int64_t)json_integer_value(p);
    json_t *t = json_object_get(obj, "time");
    if (t != NULL && !json_is_integer(t))
        return refuse(why, "\"time\" must be an integer (nanoseconds)");
    ev->has_time = t != NULL;
    ev->time_ns = t != NULL ? (uint64_t)json_integer_value(t) : 0;
    if (type != NULL && strcmp(type, "invoke") == 0)
        ev->type = HISTORY_INVOKE;
    else if (type != NULL && strcmp(type, "complete") == 0)
        ev->type = HISTORY_COMPLETE;
    else
        return refuse(why, "\"type\" must be \"invoke\" or \"complete\"");
    return read_f(obj, &ev->f, why);
}

/* A bundle's "lines" (SPEC section 8): 1..BOOKING_LINES_MAX objects, each a valid
 * resource_id and units, no resource named twice (the library refuses that, so a
 * history with it was not written by a client of it). */
static bool read_lines(json_t *arr, booking_line *lines, history_event *ev, char *why)
{
    if (!json_is_array(arr) || json_array_size(arr) < 1 ||
        json_array_size(arr) > BOOKING_LINES_MAX)
        return refuse(why, "\"lines\" must be an array of 1 to %d lines", BOOKING_LINES_MAX);
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(arr, i);
        if (!json_is_object(item))
            return refuse(why, "line %zu of \"lines\" must be an object", i);
        if (!get_id(item, "resource_id", &lines[i].resource_id, why) ||
            !get_u64(item, "units", 1, BOOKING_UNITS_MAX, &lines[i].units, why))
            return false;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(lines[j].resource_id, lines[i].resource_id) == 0)
                return refuse(why, "lines %zu and %zu name one resource '%s'", j, i,
                              lines[i].resource_id);
        }
    }
    ev->lines = lines;
    ev->line_count = n;
    return true;
}

/* An attempt names resource_id and units (single form) or lines (a bundle). */
static bool read_attempt(json_t *obj, booking_line *lines, history_event *ev, char *why)
{
    if (!get_id(obj, "booking_id", &ev->booking_id, why))
        return false;
    json_t *arr = json_object_get(obj, "lines");
    bool single = json_object_get(obj, "resource_id") != NULL ||
                  json_object_get(obj, "units") != NULL;
    if (arr != NULL && single)
        return refuse(why, "an attempt names \"lines\" or \"resource_id\" and \"units\", "
                           "not both");
    if (arr != NULL ? !read_lines(arr, lines, ev, why)
                    : !(get_id(obj, "resource_id", &ev->resource_id, why) &&
                        get_u64(obj, "units", 1, BOOKING_UNITS_MAX, &ev->units, why)))
        return false;
    return json_object_get(obj, "hold_ms") == NULL ||
           get_u64(obj, "hold_ms", 0, BOOKING_HOLD_MS_MAX, &ev->hold_ms, why);
}

static bool read_invoke(json_t *obj, booking_line *lines, history_event *ev, char *why)
{
    switch (ev->f) {
    case HISTORY_ATTEMPT: return read_attempt(obj, lines, ev, why);
    case HISTORY_SET_CAPACITY:
        return get_id(obj, "resource_id", &ev->resource_id, why) &&
               get_u64(obj, "capacity", 0, BOOKING_CAPACITY_MAX, &ev->capacity, why);
    case HISTORY_CANCEL:
    case HISTORY_CONFIRM: return get_id(obj, "booking_id", &ev->booking_id, why);
    case HISTORY_GET_RESOURCE: return get_id(obj, "resource_id", &ev->resource_id, why);
    }
    return refuse(why, "internal: unknown f");
}

static bool read_attempt_answer(json_t *obj, history_event *ev, const char *outcome, char *why)
{
    if (outcome == NULL)
        return refuse(why, "an attempt's completion needs \"outcome\"");
    if (!get_opt_bool(obj, "replayed", &ev->replayed, why))
        return false;
    if (!bk_core_outcome_from_name(outcome, &ev->outcome) || ev->outcome == BOOKING_FAILED)
        return refuse(why, "unknown outcome '%s' (BOOKED, REJECTED, FAILED)", outcome);
    const char *reason = booking_reason_name(ev->reason);
    /* Only a BOOKED answer has a status and a hold's end: elsewhere they are extra
     * fields, and ignored (a rejection says nothing of a record's state). */
    if (ev->outcome == BOOKING_BOOKED &&
        (!get_opt_status(obj, &ev->status, why) ||
         !get_opt_time(obj, "expires_at", &ev->has_expires_at, &ev->expires_at_ms, why)))
        return false;
    if (ev->outcome == BOOKING_BOOKED) {
        if (ev->has_reason && ev->reason != BOOKING_REASON_BOOKED)
            return refuse(why, "BOOKED with reason '%s'", reason);
        if (ev->replayed == HISTORY_FALSE && ev->status != BOOKING_STATUS_NONE &&
            ev->status != BOOKING_STATUS_ACTIVE && ev->status != BOOKING_STATUS_HELD)
            return refuse(why, "a new BOOKED decision is active or held, not %s",
                          booking_status_name(ev->status));
        return true;
    }
    if (!ev->has_reason)
        return refuse(why, "REJECTED needs a \"reason\"");
    if (ev->reason != BOOKING_REASON_INSUFFICIENT_CAPACITY &&
        ev->reason != BOOKING_REASON_BOOKING_ID_CONFLICT &&
        ev->reason != BOOKING_REASON_UNKNOWN_RESOURCE)
        return refuse(why, "REJECTED with reason '%s'", reason);
    /* The failing line (SPEC section 8): only a capacity or resource rejection
     * names one; a history written before bundles names none. */
    uint64_t line;
    if (json_object_get(obj, "line") == NULL ||
        ev->reason == BOOKING_REASON_BOOKING_ID_CONFLICT)
        return true;
    if (!get_u64(obj, "line", 0, BOOKING_LINES_MAX - 1, &line, why))
        return false;
    ev->has_line = true;
    ev->line = (uint32_t)line;
    return true;
}

/* set_capacity, cancel and confirm answer "ok" and a reason from their own set;
 * cancel and confirm may also carry the record's times. */
static bool read_ok_answer(json_t *obj, history_event *ev, uint32_t ok_set, uint32_t refused_set,
                           char *why)
{
    if (!get_opt_bool(obj, "ok", &ev->ok, why))
        return false;
    const char *f = ev->f == HISTORY_CANCEL    ? "cancel"
                    : ev->f == HISTORY_CONFIRM ? "confirm"
                                               : "set_capacity";
    if (ev->f != HISTORY_SET_CAPACITY &&
        (!get_opt_time(obj, "expires_at", &ev->has_expires_at, &ev->expires_at_ms, why) ||
         !get_opt_time(obj, "updated_at", &ev->has_updated_at, &ev->updated_at_ms, why)))
        return false;
    if (ev->has_reason) {
        uint32_t bit = 1u << (unsigned)ev->reason;
        const char *reason = booking_reason_name(ev->reason);
        if (!(bit & (ok_set | refused_set)))
            return refuse(why, "%s with reason '%s'", f, reason);
        if (ev->ok != HISTORY_ABSENT && (ev->ok == HISTORY_TRUE) != ((bit & ok_set) != 0))
            return refuse(why, "\"ok\" disagrees with reason '%s'", reason);
    } else if (ev->ok == HISTORY_ABSENT) {
        return refuse(why, "a %s completion needs \"ok\" or \"reason\"", f);
    }
    return true;
}

static bool read_get_answer(json_t *obj, history_event *ev, char *why)
{
    if (ev->has_reason && ev->reason == BOOKING_REASON_UNKNOWN_RESOURCE)
        return true;
    if (json_object_get(obj, "capacity") == NULL)
        return refuse(why, "a get_resource completion needs \"capacity\" and \"booked\", or "
                           "reason unknown_resource");
    if (ev->has_reason && ev->reason != BOOKING_REASON_OK)
        return refuse(why, "get_resource with reason '%s'", booking_reason_name(ev->reason));
    ev->has_read = true;
    return get_u64(obj, "capacity", 0, BOOKING_CAPACITY_MAX, &ev->capacity, why) &&
           get_u64(obj, "booked", 0, BOOKING_CAPACITY_MAX, &ev->booked, why) &&
           get_opt_time(obj, "as_of", &ev->has_as_of, &ev->as_of_ms, why);
}

#define BIT(reason) (1u << (unsigned)(reason))

static bool read_complete(json_t *obj, history_event *ev, char *why)
{
    const char *outcome, *reason;
    if (!get_opt_string(obj, "outcome", &outcome, why) ||
        !get_opt_string(obj, "reason", &reason, why))
        return false;
    ev->has_reason = reason != NULL;
    if (ev->has_reason && !bk_core_reason_from_name(reason, &ev->reason))
        return refuse(why, "unknown reason '%s'", reason);
    /* A technical failure: it says nothing else, so nothing else is read. */
    if ((outcome != NULL && strcmp(outcome, booking_outcome_name(BOOKING_FAILED)) == 0) ||
        (ev->has_reason && booking_reason_is_failure(ev->reason))) {
        ev->failed = true;
        ev->outcome = BOOKING_FAILED;
        return true;
    }
    switch (ev->f) {
    case HISTORY_ATTEMPT: return read_attempt_answer(obj, ev, outcome, why);
    case HISTORY_SET_CAPACITY:
        return read_ok_answer(obj, ev, BIT(BOOKING_REASON_OK),
                              BIT(BOOKING_REASON_CAPACITY_BELOW_BOOKED), why);
    case HISTORY_CANCEL:
        return read_ok_answer(obj, ev,
                              BIT(BOOKING_REASON_CANCELLED) | BIT(BOOKING_REASON_ALREADY_CANCELLED),
                              BIT(BOOKING_REASON_UNKNOWN_BOOKING) | BIT(BOOKING_REASON_NOT_BOOKED) |
                                  BIT(BOOKING_REASON_HOLD_EXPIRED),
                              why);
    case HISTORY_CONFIRM:
        return read_ok_answer(obj, ev,
                              BIT(BOOKING_REASON_CONFIRMED) | BIT(BOOKING_REASON_ALREADY_CONFIRMED),
                              BIT(BOOKING_REASON_UNKNOWN_BOOKING) | BIT(BOOKING_REASON_NOT_BOOKED) |
                                  BIT(BOOKING_REASON_HOLD_EXPIRED) |
                                  BIT(BOOKING_REASON_ALREADY_CANCELLED),
                              why);
    case HISTORY_GET_RESOURCE: return read_get_answer(obj, ev, why);
    }
    return refuse(why, "internal: unknown f");
}

bool history_line_read_fields(history_line *line, history_event *ev, char why[HISTORY_WHY_BYTES])
{
    return ev->type == HISTORY_INVOKE ? read_invoke(line->obj, line->lines, ev, why)
                                      : read_complete(line->obj, ev, why);
}

void history_line_close(history_line *line)
{
    json_decref(line->obj);
    line->obj = NULL;
}
