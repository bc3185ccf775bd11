/*
 * check_parse.c: reads a history (JSON lines, one event each, parsed with jansson)
 * into operations: each invoke paired with its process's completion. Strict about
 * shape (a malformed line is named, never guessed at), lenient about extra fields.
 */
#include "check/check_history.h"
#include "core/names.h"
#include "util/hash.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHK_NAMES_INITIAL_SLOTS 64
#define CHK_PROCESS_NAME_BYTES 32

/* ---- interning of ids (booking, resource, process) ---- */

/* A fixed seed: a history is the checker's own input, not a client's live
 * traffic, and the same file should cost the same on every run. */
#define CHK_NAMES_HASH_SEED 0x243f6a8885a308d3ULL

static uint64_t name_hash(const char *s, size_t len)
{
    return hash_bytes(s, len, CHK_NAMES_HASH_SEED);
}

static bool names_grow(chk_names *n)
{
    size_t slots = n->slots ? (n->slot_mask + 1) * 2 : CHK_NAMES_INITIAL_SLOTS;
    uint32_t *grown = calloc(slots, sizeof *grown);
    if (grown == NULL)
        return false;
    for (size_t i = 0; i < n->count; i++) {
        size_t s = name_hash(n->names[i], strlen(n->names[i])) & (slots - 1);
        while (grown[s] != 0)
            s = (s + 1) & (slots - 1);
        grown[s] = (uint32_t)i + 1;
    }
    free(n->slots);
    n->slots = grown;
    n->slot_mask = slots - 1;
    return true;
}

/* Returns the index of the name, adding it if new; CHECK_NONE when out of memory. */
static uint32_t names_intern(chk_names *n, const char *s)
{
    size_t len = strlen(s);
    if (n->slots == NULL || (n->count + 1) * 2 > n->slot_mask + 1) {
        if (!names_grow(n))
            return CHECK_NONE;
    }
    size_t slot = name_hash(s, len) & n->slot_mask;
    while (n->slots[slot] != 0) {
        uint32_t i = n->slots[slot] - 1;
        if (strcmp(n->names[i], s) == 0)
            return i;
        slot = (slot + 1) & n->slot_mask;
    }
    if (n->count == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 64;
        char **grown = realloc(n->names, cap * sizeof *grown);
        if (grown == NULL)
            return CHECK_NONE;
        n->names = grown;
        n->cap = cap;
    }
    char *copy = strdup(s);
    if (copy == NULL)
        return CHECK_NONE;
    n->names[n->count] = copy;
    n->slots[slot] = (uint32_t)n->count + 1;
    return (uint32_t)n->count++;
}

static void names_free(chk_names *n)
{
    for (size_t i = 0; i < n->count; i++)
        free(n->names[i]);
    free(n->names);
    free(n->slots);
    memset(n, 0, sizeof *n);
}

void check_history_free(check_history *h)
{
    if (h == NULL)
        return;
    free(h->ops);
    names_free(&h->bookings);
    names_free(&h->resources);
    free(h);
}

/* ---- one event ---- */

typedef struct parse_state {
    check_history *h;
    chk_names processes;
    uint32_t *in_flight; /* per process: op index + 1, 0 when idle */
    size_t in_flight_cap;
    check_report *report;
    size_t line;
} parse_state;

static bool fail(parse_state *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(parse_state *ps, const char *fmt, ...)
{
    check_report *r = ps->report;
    r->verdict = CHECK_INVALID;
    int n = snprintf(r->detail, sizeof r->detail, "line %zu: ", ps->line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof r->detail)
        vsnprintf(r->detail + n, sizeof r->detail - (size_t)n, fmt, ap);
    va_end(ap);
    r->lines[0] = ps->line;
    r->line_count = ps->line ? 1 : 0;
    return false;
}

static bool get_u64(parse_state *ps, json_t *obj, const char *key, uint64_t min, uint64_t max,
                    uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return fail(ps, "\"%s\" must be an integer", key);
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
        return fail(ps, "\"%s\" out of range %" PRIu64 "..%" PRIu64, key, min, max);
    *out = (uint64_t)i;
    return true;
}

static bool get_id(parse_state *ps, json_t *obj, const char *key, chk_names *names,
                   uint32_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return fail(ps, "\"%s\" must be a string", key);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len || !booking_id_valid(s, len))
        return fail(ps, "\"%s\" is not a valid id (1 to %d of [A-Za-z0-9._:-])", key,
                    BOOKING_ID_LEN_MAX);
    *out = names_intern(names, s);
    if (*out == CHECK_NONE)
        return fail(ps, "out of memory");
    return true;
}

/* Optional string field: NULL if absent; false if present and not a string. */
static bool get_opt_string(parse_state *ps, json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return fail(ps, "\"%s\" must be a string", key);
    *out = json_string_value(v);
    return true;
}

static chk_op *new_op(parse_state *ps)
{
    check_history *h = ps->h;
    if (h->op_count == h->op_cap) {
        size_t cap = h->op_cap ? h->op_cap * 2 : 256;
        chk_op *grown = realloc(h->ops, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        h->ops = grown;
        h->op_cap = cap;
    }
    chk_op *op = &h->ops[h->op_count++];
    memset(op, 0, sizeof *op);
    op->booking = CHECK_NONE;
    op->resource = CHECK_NONE;
    op->replayed = -1;
    op->return_pos = CHECK_NO_POS;
    return op;
}

static bool parse_kind(parse_state *ps, json_t *obj, chk_kind *kind)
{
    const char *f;
    if (!get_opt_string(ps, obj, "f", &f))
        return false;
    if (f == NULL)
        return fail(ps, "missing \"f\"");
    if (strcmp(f, "attempt") == 0)
        *kind = CHK_ATTEMPT;
    else if (strcmp(f, "set_capacity") == 0)
        *kind = CHK_SET_CAPACITY;
    else if (strcmp(f, "cancel") == 0)
        *kind = CHK_CANCEL;
    else if (strcmp(f, "get_resource") == 0)
        *kind = CHK_GET_RESOURCE;
    else
        return fail(ps, "unknown \"f\" '%s' (attempt, set_capacity, cancel, get_resource)", f);
    return true;
}

static bool parse_invoke(parse_state *ps, json_t *obj, uint32_t process)
{
    chk_kind kind;
    if (!parse_kind(ps, obj, &kind))
        return false;
    if (ps->in_flight[process] != 0)
        return fail(ps, "process already has an operation in flight (invoked at line %zu)",
                    ps->h->ops[ps->in_flight[process] - 1].invoke_line);
    chk_op *op = new_op(ps);
    if (op == NULL)
        return fail(ps, "out of memory");
    op->kind = kind;
    op->invoke_pos = ps->h->events;
    op->invoke_line = ps->line;
    check_history *h = ps->h;
    switch (kind) {
    case CHK_ATTEMPT:
        if (!get_id(ps, obj, "booking_id", &h->bookings, &op->booking) ||
            !get_id(ps, obj, "resource_id", &h->resources, &op->resource) ||
            !get_u64(ps, obj, "units", 1, BOOKING_UNITS_MAX, &op->value))
            return false;
        break;
    case CHK_SET_CAPACITY:
        if (!get_id(ps, obj, "resource_id", &h->resources, &op->resource) ||
            !get_u64(ps, obj, "capacity", 0, BOOKING_CAPACITY_MAX, &op->value))
            return false;
        break;
    case CHK_CANCEL:
        if (!get_id(ps, obj, "booking_id", &h->bookings, &op->booking))
            return false;
        break;
    case CHK_GET_RESOURCE:
        if (!get_id(ps, obj, "resource_id", &h->resources, &op->resource))
            return false;
        break;
    }
    ps->in_flight[process] = (uint32_t)h->op_count;
    return true;
}

static bool parse_attempt_result(parse_state *ps, json_t *obj, chk_op *op, booking_reason reason,
                                 bool have_reason, const char *outcome)
{
    if (outcome == NULL)
        return fail(ps, "an attempt's completion needs \"outcome\"");
    json_t *rp = json_object_get(obj, "replayed");
    if (rp != NULL && !json_is_null(rp)) {
        if (!json_is_boolean(rp))
            return fail(ps, "\"replayed\" must be true or false");
        op->replayed = json_is_true(rp) ? 1 : 0;
    }
    if (strcmp(outcome, "BOOKED") == 0) {
        if (have_reason && reason != BOOKING_REASON_BOOKED)
            return fail(ps, "BOOKED with reason '%s'", booking_reason_name(reason));
        op->accept = CHK_BIT(BOOKING_REASON_BOOKED);
    } else if (strcmp(outcome, "REJECTED") == 0) {
        if (!have_reason)
            return fail(ps, "REJECTED needs a \"reason\"");
        if (reason != BOOKING_REASON_INSUFFICIENT_CAPACITY &&
            reason != BOOKING_REASON_BOOKING_ID_CONFLICT &&
            reason != BOOKING_REASON_UNKNOWN_RESOURCE)
            return fail(ps, "REJECTED with reason '%s'", booking_reason_name(reason));
        op->accept = CHK_BIT(reason);
    } else {
        return fail(ps, "unknown outcome '%s' (BOOKED, REJECTED, FAILED)", outcome);
    }
    op->determinate = true;
    return true;
}

static bool parse_ok(parse_state *ps, json_t *obj, int *ok)
{
    json_t *v = json_object_get(obj, "ok");
    *ok = -1;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_boolean(v))
        return fail(ps, "\"ok\" must be true or false");
    *ok = json_is_true(v) ? 1 : 0;
    return true;
}

static bool parse_set_capacity_result(parse_state *ps, json_t *obj, chk_op *op,
                                      booking_reason reason, bool have_reason)
{
    int ok;
    if (!parse_ok(ps, obj, &ok))
        return false;
    if (have_reason) {
        if (reason != BOOKING_REASON_OK && reason != BOOKING_REASON_CAPACITY_BELOW_BOOKED)
            return fail(ps, "set_capacity with reason '%s'", booking_reason_name(reason));
        if (ok >= 0 && ok != (reason == BOOKING_REASON_OK))
            return fail(ps, "\"ok\" disagrees with reason '%s'", booking_reason_name(reason));
        op->accept = CHK_BIT(reason);
    } else if (ok == 1) {
        op->accept = CHK_BIT(BOOKING_REASON_OK);
    } else if (ok == 0) {
        /* Refused or failed: it cannot be told which, so it may have taken effect. */
        return true;
    } else {
        return fail(ps, "a set_capacity completion needs \"ok\" or \"reason\"");
    }
    op->determinate = true;
    return true;
}

static bool parse_cancel_result(parse_state *ps, json_t *obj, chk_op *op, booking_reason reason,
                                bool have_reason)
{
    int ok;
    if (!parse_ok(ps, obj, &ok))
        return false;
    const uint32_t ok_set = CHK_BIT(BOOKING_REASON_CANCELLED) |
                            CHK_BIT(BOOKING_REASON_ALREADY_CANCELLED);
    const uint32_t refused_set = CHK_BIT(BOOKING_REASON_UNKNOWN_BOOKING) |
                                 CHK_BIT(BOOKING_REASON_NOT_BOOKED);
    if (have_reason) {
        if (!(CHK_BIT(reason) & (ok_set | refused_set)))
            return fail(ps, "cancel with reason '%s'", booking_reason_name(reason));
        if (ok >= 0 && ok != ((CHK_BIT(reason) & ok_set) != 0))
            return fail(ps, "\"ok\" disagrees with reason '%s'", booking_reason_name(reason));
        op->accept = CHK_BIT(reason);
    } else if (ok == 1) {
        op->accept = ok_set;
    } else if (ok == 0) {
        return true; /* refused or failed: no decision can be read from it */
    } else {
        return fail(ps, "a cancel completion needs \"ok\" or \"reason\"");
    }
    op->determinate = true;
    return true;
}

static bool parse_get_result(parse_state *ps, json_t *obj, chk_op *op, booking_reason reason,
                             bool have_reason)
{
    json_t *cap = json_object_get(obj, "capacity");
    if (have_reason && reason == BOOKING_REASON_UNKNOWN_RESOURCE) {
        op->accept = CHK_BIT(BOOKING_REASON_UNKNOWN_RESOURCE);
    } else if (cap != NULL) {
        if (have_reason && reason != BOOKING_REASON_OK)
            return fail(ps, "get_resource with reason '%s'", booking_reason_name(reason));
        if (!get_u64(ps, obj, "capacity", 0, BOOKING_CAPACITY_MAX, &op->read_capacity) ||
            !get_u64(ps, obj, "booked", 0, BOOKING_CAPACITY_MAX, &op->read_booked))
            return false;
        op->accept = CHK_BIT(BOOKING_REASON_OK);
    } else {
        return fail(ps, "a get_resource completion needs \"capacity\" and \"booked\", or "
                        "reason unknown_resource");
    }
    op->determinate = true;
    return true;
}

static bool parse_complete(parse_state *ps, json_t *obj, uint32_t process)
{
    chk_kind kind;
    if (!parse_kind(ps, obj, &kind))
        return false;
    if (ps->in_flight[process] == 0)
        return fail(ps, "completion without an operation in flight on its process");
    chk_op *op = &ps->h->ops[ps->in_flight[process] - 1];
    ps->in_flight[process] = 0;
    if (op->kind != kind)
        return fail(ps, "completion's \"f\" differs from its invoke's (line %zu)",
                    op->invoke_line);
    op->return_pos = ps->h->events;
    op->complete_line = ps->line;
    const char *outcome, *reason_text;
    if (!get_opt_string(ps, obj, "outcome", &outcome) ||
        !get_opt_string(ps, obj, "reason", &reason_text))
        return false;
    booking_reason reason = BOOKING_REASON_OK;
    bool have_reason = reason_text != NULL;
    if (have_reason && !core_reason_from_name(reason_text, &reason))
        return fail(ps, "unknown reason '%s'", reason_text);
    /* A technical failure: the operation may or may not have taken effect. */
    if ((outcome != NULL && strcmp(outcome, "FAILED") == 0) ||
        (have_reason && booking_reason_is_failure(reason)))
        return true;
    switch (kind) {
    case CHK_ATTEMPT: return parse_attempt_result(ps, obj, op, reason, have_reason, outcome);
    case CHK_SET_CAPACITY: return parse_set_capacity_result(ps, obj, op, reason, have_reason);
    case CHK_CANCEL: return parse_cancel_result(ps, obj, op, reason, have_reason);
    case CHK_GET_RESOURCE: return parse_get_result(ps, obj, op, reason, have_reason);
    }
    return fail(ps, "internal: unknown kind");
}

static bool parse_event(parse_state *ps, const char *text, size_t len)
{
    json_error_t err;
    json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (obj == NULL)
        return fail(ps, "not JSON: %s", err.text);
    bool ok = false;
    const char *type;
    if (!json_is_object(obj)) {
        fail(ps, "an event must be a JSON object");
        goto out;
    }
    if (!get_opt_string(ps, obj, "type", &type))
        goto out;
    json_t *p = json_object_get(obj, "process");
    if (!json_is_integer(p)) {
        fail(ps, "\"process\" must be an integer");
        goto out;
    }
    json_t *t = json_object_get(obj, "time");
    if (t != NULL && !json_is_integer(t)) {
        fail(ps, "\"time\" must be an integer (nanoseconds)");
        goto out;
    }
    char pname[CHK_PROCESS_NAME_BYTES];
    snprintf(pname, sizeof pname, "%" JSON_INTEGER_FORMAT, json_integer_value(p));
    uint32_t process = names_intern(&ps->processes, pname);
    if (process == CHECK_NONE) {
        fail(ps, "out of memory");
        goto out;
    }
    if (process >= ps->in_flight_cap) {
        size_t cap = ps->in_flight_cap ? ps->in_flight_cap * 2 : 64;
        uint32_t *grown = realloc(ps->in_flight, cap * sizeof *grown);
        if (grown == NULL) {
            fail(ps, "out of memory");
            goto out;
        }
        memset(grown + ps->in_flight_cap, 0, (cap - ps->in_flight_cap) * sizeof *grown);
        ps->in_flight = grown;
        ps->in_flight_cap = cap;
    }
    if (type != NULL && strcmp(type, "invoke") == 0)
        ok = parse_invoke(ps, obj, process);
    else if (type != NULL && strcmp(type, "complete") == 0)
        ok = parse_complete(ps, obj, process);
    else
        fail(ps, "\"type\" must be \"invoke\" or \"complete\"");
out:
    json_decref(obj);
    return ok;
}

check_history *check_history_parse(const char *text, size_t len, check_report *report)
{
    memset(report, 0, sizeof *report);
    parse_state ps = {.report = report};
    ps.h = calloc(1, sizeof *ps.h);
    if (ps.h == NULL) {
        fail(&ps, "out of memory");
        return NULL;
    }
    bool ok = true;
    size_t pos = 0;
    while (ok && pos < len) {
        ps.line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t line_len = end - pos;
        if (line_len > 0 && text[end - 1] == '\r')
            line_len--;
        const char *line = text + pos;
        pos = nl ? end + 1 : len;
        size_t blank = 0;
        while (blank < line_len && (line[blank] == ' ' || line[blank] == '\t'))
            blank++;
        if (blank == line_len)
            continue;
        if (line_len > CHECK_LINE_BYTES_MAX) {
            ok = fail(&ps, "longer than %zu bytes", CHECK_LINE_BYTES_MAX);
        } else if (ps.h->events >= CHECK_EVENTS_MAX) {
            ok = fail(&ps, "more than %zu events", CHECK_EVENTS_MAX);
        } else {
            ok = parse_event(&ps, line, line_len);
            ps.h->events++;
        }
    }
    names_free(&ps.processes);
    free(ps.in_flight);
    if (!ok) {
        check_history_free(ps.h);
        return NULL;
    }
    return ps.h;
}
