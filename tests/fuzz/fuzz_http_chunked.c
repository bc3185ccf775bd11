/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http_chunked.c: the strict chunked-body decoder (src/server/http_chunked.h).
 * Input: the bytes a client sent after a head with Transfer-Encoding: chunked.
 * Properties: never crashes; fed whole, byte by byte, split at points derived from
 * the input, and in place, it gives the same status, consumed count, body and
 * detail; each feed has out_len <= consumed <= in_len and MORE takes every byte;
 * DONE and BAD stop at the byte that decided (the bytes before it alone ask for
 * more), DONE right after the empty line that ends the trailer section; and the
 * status agrees with a reference reading of RFC 9112 section 7.1 written line by
 * line over the whole input (below), which also gives DONE's body.
 */
#include "fuzz/fuzz.h"
#include "server/http_chunked.h"

#include <stdbool.h>
#include <string.h>

/* Feeds at most this many pieces besides the byte-by-byte run. */
#define FUZZ_CHUNKED_CUTS_MAX 8

typedef struct run {
    http_chunked_status status;
    size_t consumed;
    size_t body_len;
    const char *detail;
} run;

/* Feeds in[0..len) in pieces ending at cuts[0..ncuts) then len; the body goes to
 * body (room for len bytes). With in_place (a writable copy of in, or NULL) each
 * piece is decoded from and into the copy's own bytes, then moved to body. */
static run feed_pieces(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                       char *body, char *in_place)
{
    run r = {.status = HTTP_CHUNKED_MORE};
    http_chunked d;
    http_chunked_init(&d);
    size_t from = 0;
    for (size_t k = 0; k <= ncuts && r.status == HTTP_CHUNKED_MORE; k++) {
        size_t to = k < ncuts ? cuts[k] : len;
        FUZZ_REQUIRE(from <= to && to <= len);
        const char *piece = in_place != NULL ? in_place + from : in + from;
        char *dest = in_place != NULL ? in_place + from : body + r.body_len;
        size_t consumed = 0, out_len = 0;
        const char *detail = NULL;
        r.status = http_chunked_feed(&d, piece, to - from, &consumed, dest, &out_len, &detail);
        FUZZ_REQUIRE(consumed <= to - from);
        FUZZ_REQUIRE(out_len <= consumed);
        FUZZ_REQUIRE(r.status != HTTP_CHUNKED_MORE || consumed == to - from);
        FUZZ_REQUIRE((r.status == HTTP_CHUNKED_BAD) == (detail != NULL));
        if (in_place != NULL)
            memmove(body + r.body_len, dest, out_len);
        r.body_len += out_len;
        r.consumed = from + consumed;
        r.detail = detail;
        from = to;
    }
    return r;
}

/* --- The reference: whole lines, found first, then checked by their grammar. --- */

typedef enum ref_status { REF_INCOMPLETE, REF_DONE, REF_BAD } ref_status;

static bool ref_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool ref_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static size_t ref_span(const unsigned char *p, size_t n, bool (*in_set)(unsigned char))
{
    size_t i = 0;
    while (i < n && in_set(p[i]))
        i++;
    return i;
}

static bool ref_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* The next line from at: REF_DONE with its length (CRLF excluded), REF_INCOMPLETE
 * with the length of the unended tail, or REF_BAD (a bare LF or bare CR first). */
static ref_status ref_line(const unsigned char *in, size_t len, size_t at, size_t *line_len)
{
    size_t i = at;
    while (i < len && in[i] != '\r' && in[i] != '\n')
        i++;
    *line_len = i - at;
    if (i == len)
        return REF_INCOMPLETE;
    if (in[i] == '\n')
        return REF_BAD;
    if (i + 1 == len)
        return REF_INCOMPLETE;
    return in[i + 1] == '\n' ? REF_DONE : REF_BAD;
}

/* A quoted-string at p[0] == DQUOTE: its length, or 0 when malformed. */
static size_t ref_quoted(const unsigned char *p, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        unsigned char c = p[i];
        if (c == '"')
            return i + 1;
        if (c == '\\') {
            if (++i == n || (p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
                return 0;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
    }
    return 0;
}

/* chunk-size [ chunk-ext ] on one whole line: its size, or false. */
static bool ref_size_line(const unsigned char *p, size_t n, uint64_t *size)
{
    size_t digits = ref_span(p, n, ref_hex);
    if (digits == 0)
        return false;
    size_t zeros = 0;
    while (zeros < digits && p[zeros] == '0')
        zeros++;
    if (digits - zeros > HTTP_CHUNKED_SIZE_DIGITS_MAX)
        return false;
    *size = 0;
    for (size_t i = zeros; i < digits; i++) {
        unsigned char c = p[i];
        unsigned v = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        *size = *size * 16 + v;
    }
    size_t i = digits;
    for (;;) { /* *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) */
        size_t ws = ref_span(p + i, n - i, ref_ws);
        if (i + ws == n)
            return ws == 0;
        if (p[i + ws] != ';')
            return false;
        i += ws + 1;
        i += ref_span(p + i, n - i, ref_ws);
        size_t name = ref_span(p + i, n - i, ref_tchar);
        if (name == 0)
            return false;
        i += name;
        size_t j = i + ref_span(p + i, n - i, ref_ws);
        if (j < n && p[j] == '=') {
            j++;
            j += ref_span(p + j, n - j, ref_ws);
            size_t value = j < n && p[j] == '"' ? ref_quoted(p + j, n - j)
                                                : ref_span(p + j, n - j, ref_tchar);
            if (value == 0)
                return false;
            i = j + value;
        }
    }
}

static bool ref_field_line(const unsigned char *p, size_t n)
{
    size_t name = ref_span(p, n, ref_tchar);
    if (name == 0 || name == n || p[name] != ':')
        return false;
    for (size_t i = name + 1; i < n; i++) {
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
            return false;
    }
    return true;
}

/* The whole input: DONE with the consumed count and body, BAD, or INCOMPLETE when
 * it ends inside a line or a chunk's data with every whole line before it valid. */
static ref_status ref_decode(const unsigned char *in, size_t len, size_t *consumed, char *body,
                             size_t *body_len)
{
    size_t at = 0, n;
    uint64_t size = 0;
    *body_len = 0;
    for (;;) {
        ref_status s = ref_line(in, len, at, &n);
        if (n > HTTP_CHUNKED_LINE_MAX)
            return REF_BAD;
        if (s != REF_DONE)
            return s;
        if (!ref_size_line(in + at, n, &size))
            return REF_BAD;
        at += n + 2;
        if (size == 0)
            break;
        if (size > len - at)
            return REF_INCOMPLETE;
        memcpy(body + *body_len, in + at, (size_t)size);
        *body_len += (size_t)size;
        at += (size_t)size;
        if (at == len || (at + 1 == len && in[at] == '\r'))
            return REF_INCOMPLETE;
        if (in[at] != '\r' || in[at + 1] != '\n')
            return REF_BAD;
        at += 2;
    }
    size_t trailers = 0;
    for (;;) {
        ref_status s = ref_line(in, len, at, &n);
        if (trailers + n + (s == REF_DONE ? 2 : 0) > HTTP_CHUNKED_TRAILERS_MAX)
            return REF_BAD;
        if (s == REF_INCOMPLETE && at + n < len && trailers + n + 1 > HTTP_CHUNKED_TRAILERS_MAX)
            return REF_BAD; /* the CR that waits for its LF is counted */
        if (s != REF_DONE)
            return s;
        trailers += n + 2;
        at += n + 2;
        if (n == 0) {
            *consumed = at;
            return REF_DONE;
        }
        if (!ref_field_line(in + at - n - 2, n))
            return REF_BAD;
    }
}

static uint64_t fuzz_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    return h | 1;
}

static void require_same(run a, const char *body_a, run b, const char *body_b)
{
    FUZZ_REQUIRE(a.status == b.status);
    FUZZ_REQUIRE(a.consumed == b.consumed);
    FUZZ_REQUIRE(a.body_len == b.body_len);
    FUZZ_REQUIRE(memcmp(body_a, body_b, a.body_len) == 0);
    FUZZ_REQUIRE(a.detail == b.detail || strcmp(a.detail, b.detail) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    char *body = malloc(size ? size : 1);
    char *other = malloc(size ? size : 1);
    char *copy = malloc(size ? size : 1);
    size_t *bytes = calloc(size ? size : 1, sizeof *bytes);
    FUZZ_REQUIRE(body != NULL && other != NULL && copy != NULL && bytes != NULL);

    run whole = feed_pieces(in, size, NULL, 0, body, NULL);
    FUZZ_REQUIRE(whole.status != HTTP_CHUNKED_MORE || whole.consumed == size);

    /* Byte by byte: the finest split. */
    for (size_t i = 0; i < size; i++)
        bytes[i] = i + 1;
    run one = feed_pieces(in, size, bytes, size ? size - 1 : 0, other, NULL);
    require_same(whole, body, one, other);

    /* A few cuts from the input's hash, then the same in place. */
    uint64_t h = fuzz_hash(data, size);
    size_t cuts[FUZZ_CHUNKED_CUTS_MAX];
    size_t ncuts = (size_t)(h % FUZZ_CHUNKED_CUTS_MAX) + 1;
    for (size_t k = 0; k < ncuts; k++) {
        h ^= h << 13, h ^= h >> 7, h ^= h << 17;
        cuts[k] = (size_t)(h % (size + 1));
        for (size_t j = k; j > 0 && cuts[j - 1] > cuts[j]; j--) {
            size_t t = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = t;
        }
    }
    run split = feed_pieces(in, size, cuts, ncuts, other, NULL);
    require_same(whole, body, split, other);
    memcpy(copy, in, size);
    run in_place = feed_pieces(in, size, cuts, ncuts, other, copy);
    require_same(whole, body, in_place, other);

    /* DONE and BAD decided at their last consumed byte: the bytes before ask for more. */
    if (whole.status != HTTP_CHUNKED_MORE) {
        FUZZ_REQUIRE(whole.consumed > 0);
        run before = feed_pieces(in, whole.consumed - 1, NULL, 0, other, NULL);
        FUZZ_REQUIRE(before.status == HTTP_CHUNKED_MORE);
    }
    if (whole.status == HTTP_CHUNKED_DONE) {
        FUZZ_REQUIRE(whole.consumed >= 5);
        FUZZ_REQUIRE(memcmp(in + whole.consumed - 4, "\r\n\r\n", 4) == 0);
    }

    size_t ref_consumed = 0, ref_body_len = 0;
    ref_status ref = ref_decode(data, size, &ref_consumed, other, &ref_body_len);
    if (ref == REF_DONE) {
        FUZZ_REQUIRE(whole.status == HTTP_CHUNKED_DONE);
        FUZZ_REQUIRE(whole.consumed == ref_consumed);
        FUZZ_REQUIRE(whole.body_len == ref_body_len);
        FUZZ_REQUIRE(memcmp(body, other, ref_body_len) == 0);
    } else if (ref == REF_BAD) {
        FUZZ_REQUIRE(whole.status == HTTP_CHUNKED_BAD);
    } else {
        FUZZ_REQUIRE(whole.status != HTTP_CHUNKED_DONE);
    }

    free(bytes);
    free(copy);
    free(other);
    free(body);
    return 0;
}
