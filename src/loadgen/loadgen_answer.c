/*
 * loadgen_answer.c: what an answer body says, found by a small scan instead of a
 * JSON parser: the service's bodies are its own (SPEC section 5), and the scan
 * costs little next to the server measured on the same cores.
 */
#include "loadgen/loadgen_http.h"
#include "core/names.h"

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

void lg_scan_init(lg_scan *s, const char *body, size_t len)
{
    s->outcome = s->reason = s->replayed = body;
    s->end = body + len;
}

bool lg_scan_next_result(lg_scan *s, booking_result *r)
{
    char word[40];
    const char *v = find_key(s->outcome, s->end, "\"outcome\"");
    if ((s->outcome = read_word(v, s->end, word, sizeof word)) == NULL)
        return false;
    r->outcome = outcome_by_name(word);
    v = find_key(s->reason, s->end, "\"reason\"");
    if ((s->reason = read_word(v, s->end, word, sizeof word)) == NULL || r->outcome == 0)
        return false;
    r->reason = reason_by_name(word);
    v = find_key(s->replayed, s->end, "\"replayed\"");
    if (v == NULL || r->reason == LOADGEN_REASON_COUNT)
        return false;
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
