/* SPDX-License-Identifier: MIT */
/*
 * test_http_chunked.c: the strict chunked-body decoder of src/server/http_chunked.h
 * (RFC 9112 section 7.1; SPEC section 5: bad chunk framing is 400 and close). Each
 * test is named after the rule it checks; valid bodies are also fed split at every
 * point into two and three feeds, and decoded in place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/http_chunked.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs here are small; the bounds' tests build theirs on the heap. */
#define TEST_BODY_MAX 64

typedef struct decoded {
    http_chunked_status status;
    size_t consumed;  /* bytes of the input taken, over all feeds */
    size_t body_len;  /* body bytes written, over all feeds */
    char *body;       /* the body, joined (malloc'd, body_len + 1, NUL-ended) */
    const char *detail;
} decoded;

/* Feeds in[0..len) cut at cuts[0..ncuts) (ascending), stopping at DONE or BAD.
 * in_place: each piece is decoded into its own bytes (out == in). */
static decoded decode_cut(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                          bool in_place)
{
    decoded r = {.status = HTTP_CHUNKED_MORE};
    char *copy = malloc(len ? len : 1);
    char *out = malloc(len ? len : 1);
    r.body = malloc(len + 1);
    assert_non_null(copy);
    assert_non_null(out);
    assert_non_null(r.body);
    memcpy(copy, in, len);
    http_chunked d;
    http_chunked_init(&d);
    size_t from = 0;
    for (size_t k = 0; k <= ncuts && r.status == HTTP_CHUNKED_MORE; k++) {
        size_t to = k < ncuts ? cuts[k] : len;
        assert_true(from <= to && to <= len);
        char *piece = copy + from;
        char *dest = in_place ? piece : out;
        size_t consumed = 0, out_len = 0;
        const char *detail = NULL;
        r.status = http_chunked_feed(&d, piece, to - from, &consumed, dest, &out_len, &detail);
        assert_true(consumed <= to - from);
        assert_true(out_len <= consumed);
        if (r.status == HTTP_CHUNKED_MORE)
            assert_true(consumed == to - from);
        assert_true((r.status == HTTP_CHUNKED_BAD) == (detail != NULL));
        memcpy(r.body + r.body_len, dest, out_len);
        r.body_len += out_len;
        r.consumed += consumed;
        r.detail = detail;
        from = to;
    }
    r.body[r.body_len] = '\0';
    free(copy);
    free(out);
    return r;
}

static decoded decode(const char *in, size_t len)
{
    return decode_cut(in, len, NULL, 0, false);
}

static decoded decode_text(const char *in)
{
    return decode(in, strlen(in));
}

static void assert_body(const char *in, const char *body)
{
    decoded r = decode_text(in);
    if (r.status != HTTP_CHUNKED_DONE)
        print_error("input \"%s\": %s\n", in, r.detail ? r.detail : "more");
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    assert_int_equal(r.consumed, strlen(in));
    assert_int_equal(r.body_len, strlen(body));
    assert_memory_equal(r.body, body, r.body_len);
    free(r.body);
}

static void assert_bad(const char *in, size_t len, const char *detail)
{
    decoded r = decode(in, len);
    if (r.status != HTTP_CHUNKED_BAD)
        print_error("input \"%.*s\": not refused\n", (int)len, in);
    assert_int_equal(r.status, HTTP_CHUNKED_BAD);
    assert_non_null(r.detail);
    if (detail != NULL)
        assert_string_equal(r.detail, detail);
    free(r.body);
}

static void assert_bad_text(const char *in, const char *detail)
{
    assert_bad(in, strlen(in), detail);
}

/* Valid bodies with what they decode to: the split and in-place tests use them all. */
typedef struct valid_body {
    const char *in;
    const char *body;
} valid_body;

static const valid_body valid[] = {
    {"5\r\nhello\r\n0\r\n\r\n", "hello"},
    {"0\r\n\r\n", ""},
    {"3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n", "abcd"},
    {"5;a=b\r\nhello\r\n0;x\r\n\r\n", "hello"},
    {"2 ; q = \"x;\\\"y\" ;r\r\nhi\r\n0\r\nT: v\r\nU:\r\n\r\n", "hi"},
    {"a\r\n0123456789\r\n0\r\nExpires: never \t\r\n\r\n", "0123456789"},
    {"00001\r\nz\r\n000\r\n\r\n", "z"},
};

static const size_t valid_count = sizeof valid / sizeof valid[0];

static void one_chunk_then_the_last_chunk_is_the_body(void **state)
{
    (void)state;
    assert_body("5\r\nhello\r\n0\r\n\r\n", "hello");
    decoded r = decode("1\r\n\0\r\n0\r\n\r\n", 11);
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    assert_int_equal(r.body_len, 1);
    assert_int_equal(r.body[0], '\0'); /* chunk-data is any octet */
    free(r.body);
}

static void many_chunks_are_joined_in_order(void **state)
{
    (void)state;
    assert_body("3\r\nabc\r\n1\r\nd\r\n2\r\n\r\n\r\n0\r\n\r\n", "abcd\r\n");
}

static void a_body_of_only_the_last_chunk_is_empty(void **state)
{
    (void)state;
    assert_body("0\r\n\r\n", "");
}

static void chunk_extensions_are_accepted_and_ignored(void **state)
{
    (void)state;
    assert_body("5;a\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5;a=b;c;d=e\r\nhello\r\n0;last\r\n\r\n", "hello");
    assert_body("5;name=!#$%&'*+-.^_`|~09AZaz\r\nhello\r\n0\r\n\r\n", "hello");
}

static void quoted_string_extensions_are_accepted(void **state)
{
    (void)state;
    assert_body("5;a=\"\"\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5;a=\"x y;z=w\"\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5;a=\"\\\"\\\\\\z\"\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5;a=\"tab\there \x80\xff\"\r\nhello\r\n0\r\n\r\n", "hello");
}

/* RFC 9112 section 7.1.1: chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ).
 * BWS is in the grammar, so whitespace around ";" and "=" is taken. */
static void whitespace_around_extension_separators_is_allowed_as_bws(void **state)
{
    (void)state;
    assert_body("5 ;x\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5\t; x = y ;\tz\t=\t\"q\" ; w\r\nhello\r\n0 ;x\r\n\r\n", "hello");
}

/* BWS must lead to ";" (or "="): it never ends a line. */
static void whitespace_before_the_line_end_is_refused(void **state)
{
    (void)state;
    assert_bad_text("10 \r\n", "malformed chunk extension");
    assert_bad_text("5;a \r\nhello\r\n0\r\n\r\n", "malformed chunk extension");
    assert_bad_text("5;a=b \r\nhello\r\n0\r\n\r\n", "malformed chunk extension");
    assert_bad_text("5;a=\"b\"\t\r\nhello\r\n0\r\n\r\n", "malformed chunk extension");
    assert_bad_text("5;a= \r\n", "malformed chunk extension");
}

static void trailer_fields_are_read_and_discarded(void **state)
{
    (void)state;
    assert_body("5\r\nhello\r\n0\r\nX-Sum: 1\r\nContent-Length: 9\r\n\r\n", "hello");
    assert_body("0\r\nEmpty:\r\nSpaced:  a b\t \r\n\r\n", "");
}

static void chunk_sizes_are_hex_in_either_case(void **state)
{
    (void)state;
    assert_body("a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij");
    decoded r = decode_text("1f\r\n0123456789012345678901234567890\r\n1F\r\n"
                            "0123456789012345678901234567890\r\n0\r\n\r\n");
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    assert_int_equal(r.body_len, 62);
    free(r.body);
}

static void leading_zeros_are_allowed_past_the_digit_bound(void **state)
{
    (void)state;
    /* 24 digits, 23 of them leading zeros: only significant digits are bounded. */
    assert_body("000000000000000000000005\r\nhello\r\n0000000000000000000000\r\n\r\n",
                "hello");
}

static void done_leaves_the_next_requests_bytes_unconsumed(void **state)
{
    (void)state;
    for (size_t v = 0; v < valid_count; v++) {
        char in[TEST_BODY_MAX * 2];
        int n = snprintf(in, sizeof in, "%sGET / HTTP/1.1\r\nHost: x\r\n\r\n", valid[v].in);
        assert_true(n > 0 && (size_t)n < sizeof in);
        decoded r = decode(in, (size_t)n);
        assert_int_equal(r.status, HTTP_CHUNKED_DONE);
        assert_int_equal(r.consumed, strlen(valid[v].in));
        assert_string_equal(r.body, valid[v].body);
        free(r.body);
    }
}

static void every_prefix_of_a_valid_body_asks_for_more(void **state)
{
    (void)state;
    for (size_t v = 0; v < valid_count; v++) {
        size_t len = strlen(valid[v].in);
        for (size_t n = 0; n < len; n++) {
            decoded r = decode(valid[v].in, n);
            assert_int_equal(r.status, HTTP_CHUNKED_MORE);
            assert_int_equal(r.consumed, n);
            free(r.body);
        }
    }
}

static void assert_same_as_one_feed(size_t v, const size_t *cuts, size_t ncuts, bool in_place)
{
    size_t len = strlen(valid[v].in);
    decoded r = decode_cut(valid[v].in, len, cuts, ncuts, in_place);
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    assert_int_equal(r.consumed, len);
    assert_string_equal(r.body, valid[v].body);
    free(r.body);
}

static void every_split_into_two_feeds_gives_the_same_body(void **state)
{
    (void)state;
    for (size_t v = 0; v < valid_count; v++) {
        size_t len = strlen(valid[v].in);
        for (size_t i = 0; i <= len; i++)
            assert_same_as_one_feed(v, (size_t[]){i}, 1, false);
    }
}

static void every_split_into_three_feeds_gives_the_same_body(void **state)
{
    (void)state;
    for (size_t v = 0; v < valid_count; v++) {
        size_t len = strlen(valid[v].in);
        for (size_t i = 0; i <= len; i++) {
            for (size_t j = i; j <= len; j++)
                assert_same_as_one_feed(v, (size_t[]){i, j}, 2, false);
        }
    }
}

static void decoding_in_place_gives_the_same_body(void **state)
{
    (void)state;
    for (size_t v = 0; v < valid_count; v++) {
        size_t len = strlen(valid[v].in);
        assert_same_as_one_feed(v, NULL, 0, true);
        for (size_t i = 0; i <= len; i++) {
            for (size_t j = i; j <= len; j++)
                assert_same_as_one_feed(v, (size_t[]){i, j}, 2, true);
        }
    }
}

/* Byte by byte: a feed of one byte at a time is the finest split. */
static void feeding_one_byte_at_a_time_gives_the_same_body(void **state)
{
    (void)state;
    for (size_t v = 0; v < valid_count; v++) {
        size_t len = strlen(valid[v].in);
        size_t cuts[TEST_BODY_MAX];
        assert_true(len <= TEST_BODY_MAX);
        for (size_t i = 0; i < len; i++)
            cuts[i] = i + 1;
        assert_same_as_one_feed(v, cuts, len, false);
    }
}

static void chunk_size_is_hex_digits_only(void **state)
{
    (void)state;
    assert_bad_text("0x10\r\n", "malformed chunk size");
    assert_bad_text("-1\r\n", "malformed chunk size");
    assert_bad_text("+1\r\n", "malformed chunk size");
    assert_bad_text("g\r\n", "malformed chunk size");
    assert_bad_text("1g\r\n", "malformed chunk size");
    assert_bad_text("\r\n", "malformed chunk size");
    assert_bad_text(";a\r\n", "malformed chunk size");
    assert_bad_text("5,5\r\n", "malformed chunk size");
    assert_bad_text("5\r\nhello\r\nx\r\n", "malformed chunk size");
}

static void chunk_size_has_no_leading_whitespace(void **state)
{
    (void)state;
    assert_bad_text(" 10\r\n", "malformed chunk size");
    assert_bad_text("\t10\r\n", "malformed chunk size");
    assert_bad_text("5\r\nhello\r\n 0\r\n\r\n", "malformed chunk size");
}

static void chunk_size_past_its_digit_bound_is_refused(void **state)
{
    (void)state;
    /* 16 significant digits: the largest size, taken (the caller bounds the body). */
    decoded r = decode_text("ffffffffffffffff\r\nabc");
    assert_int_equal(r.status, HTTP_CHUNKED_MORE);
    assert_int_equal(r.body_len, 3);
    free(r.body);
    assert_bad_text("10000000000000000\r\n", "chunk size too large");
    assert_bad_text("0010000000000000000\r\n", "chunk size too large");
    assert_bad_text("ffffffffffffffffff\r\n", "chunk size too large");
}

static void malformed_chunk_extensions_are_refused(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "5;\r\n",          "5;=b\r\n",       "5;a=\r\n",        "5;a==b\r\n",
        "5;a=\"b\r\n",     "5;a=b\"c\"\r\n", "5;a=\"b\"c\r\n",  "5;a=\x01\r\n",
        "5;a=\"\x01\"\r\n", "5;a=\"\\\x01\"\r\n", "5;a=\"\x7f\"\r\n", "5;a b\r\n",
        "5;a=b c\r\n",     "5;;a\r\n",       "5;a,b\r\n",       "5;a\x80\r\n",
        "5 x\r\n",         "5;a=\"b\r\"\r\n", "5;a=\"\\\x7f\"\r\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_bad_text(cases[i], "malformed chunk extension");
}

/* Builds "<prefix><fill x n><suffix>" on the heap. */
static char *filled(const char *prefix, char fill, size_t n, const char *suffix, size_t *len)
{
    size_t a = strlen(prefix), c = strlen(suffix);
    char *s = malloc(a + n + c + 1);
    assert_non_null(s);
    memcpy(s, prefix, a);
    memset(s + a, fill, n);
    memcpy(s + a + n, suffix, c + 1);
    *len = a + n + c;
    return s;
}

static void chunk_size_line_past_its_bound_is_refused(void **state)
{
    (void)state;
    size_t len;
    /* Exactly HTTP_CHUNKED_LINE_MAX bytes before CRLF: taken. */
    char *s = filled("1;", 'e', HTTP_CHUNKED_LINE_MAX - 2, "\r\nx\r\n0\r\n\r\n", &len);
    decoded r = decode(s, len);
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    assert_string_equal(r.body, "x");
    free(r.body);
    free(s);
    s = filled("1;", 'e', HTTP_CHUNKED_LINE_MAX - 1, "\r\nx\r\n0\r\n\r\n", &len);
    assert_bad(s, len, "chunk extension too long");
    free(s);
    s = filled("", '0', HTTP_CHUNKED_LINE_MAX - 1, "1\r\nx\r\n0\r\n\r\n", &len);
    r = decode(s, len);
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    free(r.body);
    free(s);
    s = filled("", '0', HTTP_CHUNKED_LINE_MAX, "1\r\nx\r\n0\r\n\r\n", &len);
    assert_bad(s, len, "chunk size line too long");
    free(s);
    /* The bound is per line: many long lines are each taken. */
    s = filled("1;", 'e', HTTP_CHUNKED_LINE_MAX - 2, "\r\nx\r\n", &len);
    char *twice = malloc(2 * len + 6);
    assert_non_null(twice);
    memcpy(twice, s, len);
    memcpy(twice + len, s, len);
    memcpy(twice + 2 * len, "0\r\n\r\n", 6);
    r = decode(twice, 2 * len + 5);
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    assert_string_equal(r.body, "xx");
    free(r.body);
    free(twice);
    free(s);
}

/* Every CRLF of every valid body, with its CR dropped (a bare LF) or its LF dropped
 * (a bare CR), is refused. */
static void line_ends_are_crlf_only(void **state)
{
    (void)state;
    size_t tried = 0;
    for (size_t v = 0; v < valid_count; v++) {
        const char *in = valid[v].in;
        size_t len = strlen(in);
        for (size_t i = 0; i + 1 < len; i++) {
            if (in[i] != '\r' || in[i + 1] != '\n')
                continue;
            char broken[TEST_BODY_MAX];
            assert_true(len <= sizeof broken);
            for (size_t drop = i; drop <= i + 1; drop++) {
                memcpy(broken, in, drop);
                memcpy(broken + drop, in + drop + 1, len - drop - 1);
                decoded r = decode(broken, len - 1);
                /* The body's last LF dropped leaves a prefix: it waits for it. */
                http_chunked_status want = drop + 1 == len ? HTTP_CHUNKED_MORE : HTTP_CHUNKED_BAD;
                if (r.status != want)
                    print_error("body %zu, byte %zu dropped: status %d\n", v, drop, r.status);
                assert_int_equal(r.status, want);
                free(r.body);
                tried++;
            }
        }
    }
    assert_true(tried > 40);
    assert_bad_text("5\nhello\r\n0\r\n\r\n", "chunk size line not ended by CRLF");
    assert_bad_text("5\rhello\r\n0\r\n\r\n", "chunk size line not ended by CRLF");
    assert_bad_text("5;a=b\nhello\r\n0\r\n\r\n", "chunk size line not ended by CRLF");
    assert_bad_text("5\r\nhello\r\n0\r\n\n", "trailer section not ended by CRLF");
    assert_bad_text("5\r\nhello\r\n0\r\n\rx", "trailer section not ended by CRLF");
}

static void chunk_data_is_followed_by_crlf(void **state)
{
    (void)state;
    assert_bad_text("5\r\nhelloX\r\n0\r\n\r\n", "chunk data not followed by CRLF");
    assert_bad_text("5\r\nhello\n0\r\n\r\n", "chunk data not followed by CRLF");
    assert_bad_text("5\r\nhello\r0\r\n\r\n", "chunk data not followed by CRLF");
    /* A size one short leaves a byte where the CRLF must be. */
    assert_bad_text("4\r\nhello\r\n0\r\n\r\n", "chunk data not followed by CRLF");
    /* A size one long eats the CR and finds LF, 0 where CRLF must be. */
    assert_bad_text("6\r\nhello\r\n0\r\n\r\n", "chunk data not followed by CRLF");
}

static void a_body_without_its_final_crlf_is_not_done(void **state)
{
    (void)state;
    decoded r = decode_text("5\r\nhello\r\n0\r\n");
    assert_int_equal(r.status, HTTP_CHUNKED_MORE);
    free(r.body);
    /* What follows a last chunk is its trailer section: a request line is not a field. */
    assert_bad_text("5\r\nhello\r\n0\r\nGET / HTTP/1.1\r\n\r\n", "malformed trailer field");
    /* No last chunk at all: the next bytes are read as a chunk-size. */
    assert_bad_text("5\r\nhello\r\nGET / HTTP/1.1\r\n", "malformed chunk size");
}

static void malformed_trailer_fields_are_refused(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "0\r\n:x\r\n\r\n",        "0\r\nX\r\n\r\n",        "0\r\nX :y\r\n\r\n",
        "0\r\n x:y\r\n\r\n",      "0\r\nX:y\r\n\tz\r\n\r\n", "0\r\nX:\x01\r\n\r\n",
        "0\r\nX:a\x7f\r\n\r\n",   "0\r\nX:a\nY:b\r\n\r\n", "0\r\nX:a\rb\r\n\r\n",
        "0\r\nX\x80:a\r\n\r\n",  "0\r\n\"X\":a\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_bad_text(cases[i], "malformed trailer field");
    static const char nul[] = "0\r\nX:a\0b\r\n\r\n";
    assert_bad(nul, sizeof nul - 1, "malformed trailer field");
}

static void trailer_section_past_its_bound_is_refused(void **state)
{
    (void)state;
    size_t len;
    /* "X:" value CRLF CRLF, exactly HTTP_CHUNKED_TRAILERS_MAX bytes: taken. */
    char *s = filled("0\r\nX:", 'v', HTTP_CHUNKED_TRAILERS_MAX - 6, "\r\n\r\n", &len);
    decoded r = decode(s, len);
    assert_int_equal(r.status, HTTP_CHUNKED_DONE);
    assert_int_equal(r.consumed, len);
    free(r.body);
    free(s);
    s = filled("0\r\nX:", 'v', HTTP_CHUNKED_TRAILERS_MAX - 5, "\r\n\r\n", &len);
    assert_bad(s, len, "trailer section too long");
    free(s);
    /* Many short fields count together. */
    char *many = malloc(HTTP_CHUNKED_TRAILERS_MAX + 16);
    assert_non_null(many);
    size_t n = 0;
    memcpy(many, "0\r\n", 3);
    n = 3;
    while (n < HTTP_CHUNKED_TRAILERS_MAX + 3) {
        memcpy(many + n, "A:b\r\n", 5);
        n += 5;
    }
    memcpy(many + n, "\r\n", 2);
    assert_bad(many, n + 2, "trailer section too long");
    free(many);
}

/* A refusal, too, is the same wherever the input is cut: the state of a size
 * line (its digits, its length), of an extension and of a trailer is carried. */
static void every_split_of_a_refused_body_is_refused_alike(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "10000000000000000\r\n", "0010000000000000000\r\n", "5;a=\"b\\\x01\"\r\n",
        "5 \r\n",                "5\r\nhello\r\n0\r\nX:a\x01\r\n\r\n",
        "3\r\nabcd\r\n",         "5;a=b\nhello",          "0\r\nX:y\r\n\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i]);
        decoded whole = decode(cases[i], len);
        assert_int_equal(whole.status, HTTP_CHUNKED_BAD);
        for (size_t at = 0; at <= len; at++) {
            decoded r = decode_cut(cases[i], len, (size_t[]){at}, 1, false);
            assert_int_equal(r.status, HTTP_CHUNKED_BAD);
            assert_string_equal(r.detail, whole.detail);
            assert_int_equal(r.consumed, whole.consumed);
            free(r.body);
        }
        free(whole.body);
    }
    /* The bounds: a line and a trailer section one byte too long, cut at every one of
     * the first 64 points, then at points spread ever wider up to the end. */
    size_t len;
    char *line = filled("1;", 'e', HTTP_CHUNKED_LINE_MAX - 1, "\r\n", &len);
    char *zeros = filled("", '0', HTTP_CHUNKED_LINE_MAX, "1\r\n", &len);
    char *trailers = filled("0\r\nX:", 'v', HTTP_CHUNKED_TRAILERS_MAX - 5, "\r\n\r\n", &len);
    const char *const bounds[] = {line, zeros, trailers};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(bounds[i]);
        for (size_t at = 0; at <= n; at += 1 + at / 64) {
            decoded r = decode_cut(bounds[i], n, (size_t[]){at}, 1, false);
            assert_int_equal(r.status, HTTP_CHUNKED_BAD);
            free(r.body);
        }
    }
    free(trailers);
    free(zeros);
    free(line);
}

/* The fixed details are the only texts BAD gives: never NULL, never empty. */
static void every_refusal_has_a_detail(void **state)
{
    (void)state;
    static const char *const cases[] = {"x", "5\n", "5\r\nhelloZ", "0\r\n:", "1;\x01"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decoded r = decode_text(cases[i]);
        assert_int_equal(r.status, HTTP_CHUNKED_BAD);
        assert_non_null(r.detail);
        assert_true(r.detail[0] != '\0');
        free(r.body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_chunk_then_the_last_chunk_is_the_body),
        cmocka_unit_test(many_chunks_are_joined_in_order),
        cmocka_unit_test(a_body_of_only_the_last_chunk_is_empty),
        cmocka_unit_test(chunk_extensions_are_accepted_and_ignored),
        cmocka_unit_test(quoted_string_extensions_are_accepted),
        cmocka_unit_test(whitespace_around_extension_separators_is_allowed_as_bws),
        cmocka_unit_test(whitespace_before_the_line_end_is_refused),
        cmocka_unit_test(trailer_fields_are_read_and_discarded),
        cmocka_unit_test(chunk_sizes_are_hex_in_either_case),
        cmocka_unit_test(leading_zeros_are_allowed_past_the_digit_bound),
        cmocka_unit_test(done_leaves_the_next_requests_bytes_unconsumed),
        cmocka_unit_test(every_prefix_of_a_valid_body_asks_for_more),
        cmocka_unit_test(every_split_into_two_feeds_gives_the_same_body),
        cmocka_unit_test(every_split_into_three_feeds_gives_the_same_body),
        cmocka_unit_test(decoding_in_place_gives_the_same_body),
        cmocka_unit_test(feeding_one_byte_at_a_time_gives_the_same_body),
        cmocka_unit_test(chunk_size_is_hex_digits_only),
        cmocka_unit_test(chunk_size_has_no_leading_whitespace),
        cmocka_unit_test(chunk_size_past_its_digit_bound_is_refused),
        cmocka_unit_test(malformed_chunk_extensions_are_refused),
        cmocka_unit_test(chunk_size_line_past_its_bound_is_refused),
        cmocka_unit_test(line_ends_are_crlf_only),
        cmocka_unit_test(chunk_data_is_followed_by_crlf),
        cmocka_unit_test(a_body_without_its_final_crlf_is_not_done),
        cmocka_unit_test(malformed_trailer_fields_are_refused),
        cmocka_unit_test(trailer_section_past_its_bound_is_refused),
        cmocka_unit_test(every_split_of_a_refused_body_is_refused_alike),
        cmocka_unit_test(every_refusal_has_a_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
