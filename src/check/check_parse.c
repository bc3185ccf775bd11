/* SPDX-License-Identifier: MIT */
/*
 * check_parse.c: reads a history (JSON lines, one event each, decoded by
 * history/history_line.h) into operations: each invoke paired with its process's
 * completion. A malformed line, or one out of turn, is named, never guessed at.
 */
#include "check/check_history.h"
#include "history/history_line.h"
#include "util/hash.h"

#include <assert.h>
#include <inttypes.h>
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
    free(h->lines);
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
    op->fail_line = -1;
    op->return_pos = CHECK_NO_POS;
    return op;
}

static chk_kind kind_of(history_f f)
{
    switch (f) {
    case HISTORY_ATTEMPT: return CHK_ATTEMPT;
    case HISTORY_SET_CAPACITY: return CHK_SET_CAPACITY;
    case HISTORY_CANCEL: return CHK_CANCEL;
    case HISTORY_GET_RESOURCE: return CHK_GET_RESOURCE;
    case HISTORY_CONFIRM: return CHK_CONFIRM;
    }
    return CHK_ATTEMPT;
}

/* Interns an id the line carried (NULL: the operation has none). */
static bool intern_id(parse_state *ps, chk_names *names, const char *id, uint32_t *out)
{
    if (id == NULL)
        return true;
    *out = names_intern(names, id);
    return *out != CHECK_NONE || fail(ps, "out of memory");
}

/* An attempt's lines into h->lines: a bundle's, or the single form's one line. */
static bool intern_lines(parse_state *ps, chk_op *op, const history_event *ev)
{
    check_history *h = ps->h;
    booking_line one = {ev->resource_id, ev->units};
    const booking_line *lines = ev->lines != NULL ? ev->lines : &one;
    size_t count = ev->lines != NULL ? ev->line_count : 1;
    assert(count >= 1 && count <= BOOKING_LINES_MAX);
    if (h->line_total + count > UINT32_MAX)
        return fail(ps, "more than %" PRIu32 " attempt lines", UINT32_MAX);
    if (h->line_cap - h->line_total < count) {
        size_t cap = h->line_cap ? h->line_cap * 2 : 256;
        while (cap - h->line_total < count)
            cap *= 2;
        chk_line *grown = realloc(h->lines, cap * sizeof *grown);
        if (grown == NULL)
            return fail(ps, "out of memory");
        h->lines = grown;
        h->line_cap = cap;
    }
    op->line_at = (uint32_t)h->line_total;
    op->line_count = (uint32_t)count;
    for (size_t k = 0; k < count; k++) {
        chk_line *l = &h->lines[h->line_total + k];
        if (!intern_id(ps, &h->resources, lines[k].resource_id, &l->resource))
            return false;
        l->units = lines[k].units;
    }
    h->line_total += count;
    /* Line 0 stands for the attempt where one resource is named (SPEC section 8). */
    op->resource = h->lines[op->line_at].resource;
    op->value = h->lines[op->line_at].units;
    return true;
}

static bool parse_invoke(parse_state *ps, history_line *line, history_event *ev,
                         uint32_t process)
{
    char why[HISTORY_WHY_BYTES];
    if (ps->in_flight[process] != 0)
        return fail(ps, "process already has an operation in flight (invoked at line %zu)",
                    ps->h->ops[ps->in_flight[process] - 1].invoke_line);
    chk_op *op = new_op(ps);
    if (op == NULL)
        return fail(ps, "out of memory");
    op->kind = kind_of(ev->f);
    op->invoke_pos = ps->h->events;
    op->invoke_line = ps->line;
    if (!history_line_read_fields(line, ev, why))
        return fail(ps, "%s", why);
    check_history *h = ps->h;
    if (!intern_id(ps, &h->bookings, ev->booking_id, &op->booking) ||
        !intern_id(ps, &h->resources, ev->resource_id, &op->resource))
        return false;
    op->value = ev->f == HISTORY_ATTEMPT ? ev->units : ev->capacity;
    op->hold_ms = ev->hold_ms;
    if (ev->f == HISTORY_ATTEMPT && !intern_lines(ps, op, ev))
        return false;
    ps->in_flight[process] = (uint32_t)h->op_count;
    return true;
}

/* The store times an answer gives (docs/checking.md, "Holds and time"): the
 * booking's hold end, and the operation's own time where the answer fixes it. */
static void take_times(chk_op *op, const history_event *ev)
{
    op->status = ev->status;
    op->has_expires_at = ev->has_expires_at;
    op->expires_at_ms = ev->expires_at_ms;
    switch (ev->f) {
    case HISTORY_ATTEMPT: /* a new hold was decided at its end minus its length */
        op->has_at = ev->outcome == BOOKING_BOOKED && ev->replayed == HISTORY_FALSE &&
                     op->hold_ms != 0 && ev->has_expires_at &&
                     ev->expires_at_ms >= (int64_t)op->hold_ms;
        op->at_ms = op->has_at ? ev->expires_at_ms - (int64_t)op->hold_ms : 0;
        break;
    case HISTORY_CANCEL:
    case HISTORY_CONFIRM: /* the change this operation made is the record's last */
        op->has_at = ev->has_updated_at && ev->has_reason &&
                     (ev->reason == BOOKING_REASON_CANCELLED ||
                      ev->reason == BOOKING_REASON_CONFIRMED);
        op->at_ms = op->has_at ? ev->updated_at_ms : 0;
        break;
    case HISTORY_GET_RESOURCE:
        op->has_at = ev->has_as_of;
        op->at_ms = ev->as_of_ms;
        break;
    case HISTORY_SET_CAPACITY: break;
    }
}

/* What a completion that is a decision allows: the accept mask of its op. */
static void take_answer(chk_op *op, const history_event *ev)
{
    const uint32_t cancel_ok = CHK_BIT(BOOKING_REASON_CANCELLED) |
                               CHK_BIT(BOOKING_REASON_ALREADY_CANCELLED);
    const uint32_t confirm_ok = CHK_BIT(BOOKING_REASON_CONFIRMED) |
                                CHK_BIT(BOOKING_REASON_ALREADY_CONFIRMED);
    switch (ev->f) {
    case HISTORY_ATTEMPT:
        op->replayed = ev->replayed == HISTORY_ABSENT ? -1 : ev->replayed == HISTORY_TRUE;
        op->accept = ev->outcome == BOOKING_BOOKED ? CHK_BIT(BOOKING_REASON_BOOKED)
                                                   : CHK_BIT(ev->reason);
        op->fail_line = ev->has_line ? (int32_t)ev->line : -1;
        break;
    case HISTORY_SET_CAPACITY:
    case HISTORY_CANCEL:
    case HISTORY_CONFIRM:
        if (!ev->has_reason && ev->ok == HISTORY_FALSE)
            return; /* refused or failed: it cannot be told which, so it may have taken effect */
        op->accept = ev->has_reason                  ? CHK_BIT(ev->reason)
                     : ev->f == HISTORY_CANCEL  ? cancel_ok
                     : ev->f == HISTORY_CONFIRM ? confirm_ok
                                                : CHK_BIT(BOOKING_REASON_OK);
        break;
    case HISTORY_GET_RESOURCE:
        op->accept = ev->has_read ? CHK_BIT(BOOKING_REASON_OK)
                                  : CHK_BIT(BOOKING_REASON_UNKNOWN_RESOURCE);
        op->read_capacity = ev->capacity;
        op->read_booked = ev->booked;
        break;
    }
    take_times(op, ev);
    op->determinate = true;
}

static bool parse_complete(parse_state *ps, history_line *line, history_event *ev,
                           uint32_t process)
{
    char why[HISTORY_WHY_BYTES];
    if (ps->in_flight[process] == 0)
        return fail(ps, "completion without an operation in flight on its process");
    chk_op *op = &ps->h->ops[ps->in_flight[process] - 1];
    ps->in_flight[process] = 0;
    if (op->kind != kind_of(ev->f))
        return fail(ps, "completion's \"f\" differs from its invoke's (line %zu)",
                    op->invoke_line);
    op->return_pos = ps->h->events;
    op->complete_line = ps->line;
    if (!history_line_read_fields(line, ev, why))
        return fail(ps, "%s", why);
    if (ev->has_line && !ev->failed && ev->line >= op->line_count)
        return fail(ps, "\"line\" %" PRIu32 " names no line of the attempt (it has %" PRIu32 ")",
                    ev->line, op->line_count);
    /* A technical failure: the operation may or may not have taken effect. */
    if (!ev->failed)
        take_answer(op, ev);
    return true;
}

/* Finds (or adds) the process's slot in in_flight. */
static bool process_slot(parse_state *ps, int64_t id, uint32_t *process)
{
    char pname[CHK_PROCESS_NAME_BYTES];
    snprintf(pname, sizeof pname, "%" PRId64, id);
    *process = names_intern(&ps->processes, pname);
    if (*process == CHECK_NONE)
        return fail(ps, "out of memory");
    if (*process >= ps->in_flight_cap) {
        size_t cap = ps->in_flight_cap ? ps->in_flight_cap * 2 : 64;
        uint32_t *grown = realloc(ps->in_flight, cap * sizeof *grown);
        if (grown == NULL)
            return fail(ps, "out of memory");
        memset(grown + ps->in_flight_cap, 0, (cap - ps->in_flight_cap) * sizeof *grown);
        ps->in_flight = grown;
        ps->in_flight_cap = cap;
    }
    return true;
}

static bool parse_event(parse_state *ps, const char *text, size_t len)
{
    history_line line;
    history_event ev;
    char why[HISTORY_WHY_BYTES];
    uint32_t process;
    bool ok;
    if (!history_line_open(&line, text, len, &ev, why))
        ok = fail(ps, "%s", why);
    else if (!process_slot(ps, ev.process, &process))
        ok = false;
    else if (ev.type == HISTORY_INVOKE)
        ok = parse_invoke(ps, &line, &ev, process);
    else
        ok = parse_complete(ps, &line, &ev, process);
    history_line_close(&line);
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
