/* SPDX-License-Identifier: MIT */
/*
 * loadgen_answer.c: what an answer body says, found by a small scan instead of a
 * JSON parser: the service's bodies are its own (SPEC section 5), and the scan
 * costs little next to the server measured on the same cores.
 */
#include "loadgen/loadgen_http.h"
#include "core/names.h"
#include "util/time_text.h"

#include <string.h>

/* Finds the next `"key"` followed by ':' in [p, end); returns the value's start. */
static const char *find_key(const char *p, const char *end, const char *key)
{
    size_t n = strlen(key);
    while (p < end) {
        const char *q = memmem(p, (size_t)(end - p), key, n);
        if (q == NULL)
            return NULL;
        q += n;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (q < end && *q == ':') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
                q++;
            return q;
        }
        p = q;
    }
    return NULL;
}

/* Reads a string value (no escapes: names never need them) at p into out. */
static const char *read_word(const char *p, const char *end, char *out, size_t cap)
{
    if (p == NULL || p >= end || *p != '"')
        return NULL;
    p++;
    size_t n = 0;
    while (p < end && *p != '"' && *p != '\\' && n + 1 < cap)
        out[n++] = *p++;
    if (p >= end || *p != '"')
        return NULL;
    out[n] = '\0';
    return p + 1;
}

static bool read_u64(const char *p, const char *end, uint64_t *out)
{
    if (p == NULL || p >= end || *p < '0' || *p > '9')
        return false;
    uint64_t v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

/* The names of the vocabulary, read back; 0 / LOADGEN_REASON_COUNT when unknown. */
static booking_outcome outcome_by_name(const char *word)
{
    booking_outcome found;
    return bk_core_outcome_from_name(word, &found) ? found : (booking_outcome)0;
}

static booking_reason reason_by_name(const char *word)
{
    booking_reason found;
    return bk_core_reason_from_name(word, &found) ? found : (booking_reason)LOADGEN_REASON_COUNT;
}

/* The status whose wire name is word; NONE when it is none of them. */
static booking_status status_by_name(const char *word)
{
#define LG_STATUS_NAME_(NAME, value, wire) \
    if (strcmp(word, wire) == 0)           \
        return BOOKING_STATUS_##NAME;
    BOOKING_STATUS_MAP(LG_STATUS_NAME_)
#undef LG_STATUS_NAME_
    return BOOKING_STATUS_NONE;
}

/* The object around p in [body, end): its '{' and the '}' that closes it. Ids,
 * names and times hold no braces, so depth counting needs no string parsing. */
static bool object_around(const char *body, const char *end, const char *p, const char **lo,
                          const char **hi)
{
    int depth = 0;
    const char *q = p;
    for (; q > body; q--) {
        if (q[-1] == '}')
            depth++;
        else if (q[-1] == '{' && depth-- == 0)
            break;
    }
    if (q == body)
        return false;
    *lo = q - 1;
    for (depth = 0, q = p; q < end; q++) {
        if (*q == '{')
            depth++;
        else if (*q == '}' && depth-- == 0)
            break;
    }
    *hi = q;
    return q < end;
}

bool lg_scan_time(const char *body, size_t len, const char *key, int64_t *ms)
{
    char word[TIME_TEXT_LEN + 2];
    const char *v = find_key(body, body + len, key);
    const char *after = read_word(v, body + len, word, sizeof word);
    return after != NULL && time_text_read(word, strlen(word), ms);
}

/* A BOOKED answer's status and a hold's end, from the object that holds v. */
static void read_hold_fields(const lg_scan *s, const char *v, booking_result *r)
{
    const char *lo, *hi;
    char word[40];
    r->status = BOOKING_STATUS_NONE;
    r->expires_at_ms = 0;
    if (!object_around(s->body, s->end, v, &lo, &hi))
        return;
    const char *sv = find_key(lo, hi, "\"status\"");
    if (read_word(sv, hi, word, sizeof word) != NULL)
        r->status = status_by_name(word);
    int64_t ms;
    if (lg_scan_time(lo, (size_t)(hi - lo), "\"expires_at\"", &ms))
        r->expires_at_ms = ms;
}

/* A rejection's failing line ("line", SPEC section 8), from the object that holds
 * v; r->line stays LG_NO_LINE when it names none. */
static void read_line_field(const lg_scan *s, const char *v, booking_result *r)
{
    const char *lo, *hi;
    uint64_t line;
    if (object_around(s->body, s->end, v, &lo, &hi) &&
        read_u64(find_key(lo, hi, "\"line\""), hi, &line) && line < BOOKING_LINES_MAX)
        r->line = (uint32_t)line;
}

void lg_scan_init(lg_scan *s, const char *body, size_t len)
{
    s->outcome = s->reason = s->replayed = s->body = body;
    s->end = body + len;
}

bool lg_scan_next_result(lg_scan *s, booking_result *r)
{
    char word[40];
    const char *v = find_key(s->outcome, s->end, "\"outcome\"");
    if ((s->outcome = read_word(v, s->end, word, sizeof word)) == NULL)
        return false;
    r->outcome = outcome_by_name(word);
    if (r->outcome == BOOKING_BOOKED)
        read_hold_fields(s, v, r);
    v = find_key(s->reason, s->end, "\"reason\"");
    if ((s->reason = read_word(v, s->end, word, sizeof word)) == NULL || r->outcome == 0)
        return false;
    r->reason = reason_by_name(word);
    v = find_key(s->replayed, s->end, "\"replayed\"");
    if (v == NULL || r->reason == LOADGEN_REASON_COUNT)
        return false;
    r->line = LG_NO_LINE;
    if (r->outcome == BOOKING_REJECTED) /* the failing line, if the answer names one */
        read_line_field(s, v, r);
    if ((size_t)(s->end - v) >= 4 && memcmp(v, "true", 4) == 0) {
        r->replayed = true;
        s->replayed = v + 4;
    } else if ((size_t)(s->end - v) >= 5 && memcmp(v, "false", 5) == 0) {
        r->replayed = false;
        s->replayed = v + 5;
    } else {
        return false;
    }
    return true;
}

bool lg_scan_u64(const char *body, size_t len, const char *key, uint64_t *out)
{
    return read_u64(find_key(body, body + len, key), body + len, out);
}

bool lg_scan_change(int status, const char *body, size_t len, lg_change *c)
{
    char word[40];
    memset(c, 0, sizeof *c);
    if (status == 404) { /* the problem body of an unknown booking */
        c->reason = BOOKING_REASON_UNKNOWN_BOOKING;
        return true;
    }
    if (status == 503) {
        c->reason = BOOKING_REASON_UNAVAILABLE;
        return true;
    }
    /* The call's own reason is "result" beside the record's fields (as a cancel
     * answers); a body without it may name it "reason", which a record's own
     * reason (booked, insufficient_capacity) is never among. */
    const char *v = find_key(body, body + len, "\"result\"");
    if (v == NULL)
        v = find_key(body, body + len, "\"reason\"");
    if (read_word(v, body + len, word, sizeof word) == NULL)
        return false;
    c->reason = reason_by_name(word);
    if (c->reason != BOOKING_REASON_CONFIRMED && c->reason != BOOKING_REASON_ALREADY_CONFIRMED &&
        c->reason != BOOKING_REASON_HOLD_EXPIRED && c->reason != BOOKING_REASON_ALREADY_CANCELLED &&
        c->reason != BOOKING_REASON_NOT_BOOKED)
        return false;
    if ((status == 200) != (c->reason == BOOKING_REASON_CONFIRMED ||
                            c->reason == BOOKING_REASON_ALREADY_CONFIRMED) ||
        (status != 200 && status != 409))
        return false;
    c->has_expires_at = lg_scan_time(body, len, "\"expires_at\"", &c->expires_at_ms);
    c->has_updated_at = lg_scan_time(body, len, "\"updated_at\"", &c->updated_at_ms);
    return true;
}

bool lg_status_agrees(int status, const booking_result *r)
{
    switch (r->outcome) {
    case BOOKING_BOOKED: return status == (r->replayed ? 200 : 201);
    case BOOKING_REJECTED:
        return status == (r->reason == BOOKING_REASON_UNKNOWN_RESOURCE ? 404 : 409);
    case BOOKING_FAILED: return status == 503;
    }
    return false;
}
