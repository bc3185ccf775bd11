/* SPDX-License-Identifier: MIT */
/*
 * http_conn.c: the reading side of one connection (http_conn.h). The buffer holds
 * what the client sent and nothing was taken of yet; heads are parsed in it where
 * they lie, body bytes are handed out from it (a chunked body decoded in place).
 * It is compacted only in http_conn_room(), between two reads, so what a HEAD or
 * BODY event points to stays where it is until the caller reads again.
 *
 * A head that arrives a few bytes at a time is parsed again only when a line of it
 * ended since the last parse: http_head_parse's verdict changes only then (or at
 * HTTP_HEAD_MAX), so the new bytes are searched for '\n' from where the last search
 * stopped, and a head trickled byte by byte costs a parse per line, not per read.
 * Road not taken: a parse that resumes at the line it stopped at, which would keep
 * pointers into a buffer that http_conn_room() moves.
 */
#include "server/http_conn.h"
#include "server/problem.h"
#include "util/decimal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(HTTP_CONN_IN_MAX > HTTP_HEAD_MAX, "a whole head fits the buffer");

bool http_conn_init(http_conn *c)
{
    memset(c, 0, sizeof *c);
    c->phase = HTTP_CONN_PHASE_HEAD;
    return true; /* the buffer comes with the first read */
}

void http_conn_free(http_conn *c)
{
    free(c->in);
    c->in = NULL;
    c->start = c->len = c->cap = 0;
}

char *http_conn_room(http_conn *c, size_t *room)
{
    assert(c->start <= c->len && c->len <= c->cap);
    if (c->start > 0) {
        memmove(c->in, c->in + c->start, c->len - c->start);
        c->len -= c->start;
        c->start = 0;
    }
    if (c->len == c->cap && c->cap < HTTP_CONN_IN_MAX) {
        size_t cap = c->cap == 0 ? HTTP_CONN_IN_MIN : 2 * c->cap;
        if (cap > HTTP_CONN_IN_MAX)
            cap = HTTP_CONN_IN_MAX;
        char *grown = realloc(c->in, cap);
        if (grown == NULL) {
            *room = 0;
            return NULL;
        }
        c->in = grown;
        c->cap = cap;
    }
    *room = c->cap - c->len;
    return c->in + c->len;
}

void http_conn_filled(http_conn *c, size_t n)
{
    assert(n <= c->cap - c->len);
    c->len += n;
}

bool http_conn_started(const http_conn *c)
{
    switch (c->phase) {
    case HTTP_CONN_PHASE_HEAD:
        /* Empty lines before a request line are ignored (RFC 9112 section 2.2, as
         * http_head_parse skips them): they begin no request. */
        for (size_t i = c->start; i < c->len; i++)
            if (c->in[i] != '\r' && c->in[i] != '\n')
                return true;
        return false;
    case HTTP_CONN_PHASE_LENGTH:
    case HTTP_CONN_PHASE_CHUNKED:
    case HTTP_CONN_PHASE_ENDING:
        return true;
    case HTTP_CONN_PHASE_HANDLED:
    case HTTP_CONN_PHASE_DONE:
        break;
    }
    return false;
}

static http_conn_event refuse(http_conn *c, http_guard_verdict v)
{
    assert(v.status >= 400);
    c->refusal = v;
    c->phase = HTTP_CONN_PHASE_DONE;
    return HTTP_CONN_BAD;
}

static http_conn_event read_head(http_conn *c)
{
    size_t avail = c->len - c->start;
    assert(c->head_scanned <= avail);
    if (avail < HTTP_HEAD_MAX &&
        memchr(c->in + c->start + c->head_scanned, '\n', avail - c->head_scanned) == NULL) {
        c->head_scanned = avail; /* no line ended: the last parse's "incomplete" holds */
        return HTTP_CONN_MORE;
    }
    http_head_verdict v = http_head_parse(c->in + c->start, avail, &c->head);
    if (!v.complete) {
        c->head_scanned = avail;
        return HTTP_CONN_MORE;
    }
    c->head_scanned = 0; /* for the next head */
    if (v.guard.status != 0)
        return refuse(c, v.guard);
    const http_head *h = &c->head;
    assert(h->length > 0 && h->length <= c->len - c->start);
    c->keep_alive = h->minor == 1 ? !http_head_has_token(h, "Connection", "close")
                                  : http_head_has_token(h, "Connection", "keep-alive");
    c->head_only = h->method_len == 4 && memcmp(h->method, "HEAD", 4) == 0;
    c->start += h->length;
    c->body_seen = 0;
    if (h->chunked) {
        http_chunked_init(&c->chunked);
        c->phase = HTTP_CONN_PHASE_CHUNKED;
    } else if (h->has_length && h->content_length > 0) {
        c->body_left = h->content_length;
        c->phase = HTTP_CONN_PHASE_LENGTH;
    } else {
        c->phase = HTTP_CONN_PHASE_ENDING;
    }
    return HTTP_CONN_HEAD;
}

static http_conn_event read_chunked(http_conn *c, const char **data, size_t *len)
{
    while (c->len > c->start) {
        size_t consumed = 0, out_len = 0;
        const char *detail = NULL;
        char *at = c->in + c->start;
        http_chunked_status st = http_chunked_feed(&c->chunked, at, c->len - c->start, &consumed,
                                                   at, &out_len, &detail);
        assert(consumed <= c->len - c->start && out_len <= consumed);
        c->start += consumed;
        if (st == HTTP_CHUNKED_BAD)
            return refuse(c, (http_guard_verdict){.status = 400, .error = "invalid_request",
                                                  .detail = detail != NULL ? detail
                                                                           : "bad chunked body"});
        if (st == HTTP_CHUNKED_DONE)
            c->phase = HTTP_CONN_PHASE_ENDING;
        if (out_len > 0) {
            c->body_seen += out_len;
            *data = at;
            *len = out_len;
            return HTTP_CONN_BODY;
        }
        if (st == HTTP_CHUNKED_DONE)
        {
            c->phase = HTTP_CONN_PHASE_HANDLED;
            return HTTP_CONN_END;
        }
        assert(consumed > 0); /* MORE takes every byte */
    }
    return HTTP_CONN_MORE;
}

http_conn_event http_conn_next(http_conn *c, const char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    switch (c->phase) {
    case HTTP_CONN_PHASE_HEAD:
        if (c->len == c->start)
            return HTTP_CONN_MORE;
        return read_head(c);
    case HTTP_CONN_PHASE_LENGTH: {
        size_t avail = c->len - c->start;
        if (avail == 0)
            return HTTP_CONN_MORE;
        size_t n = avail < c->body_left ? avail : (size_t)c->body_left;
        *data = c->in + c->start;
        *len = n;
        c->start += n;
        c->body_left -= n;
        c->body_seen += n;
        if (c->body_left == 0)
            c->phase = HTTP_CONN_PHASE_ENDING;
        return HTTP_CONN_BODY;
    }
    case HTTP_CONN_PHASE_CHUNKED:
        return read_chunked(c, data, len);
    case HTTP_CONN_PHASE_ENDING:
        c->phase = HTTP_CONN_PHASE_HANDLED;
        return HTTP_CONN_END;
    case HTTP_CONN_PHASE_HANDLED:
    case HTTP_CONN_PHASE_DONE:
        break;
    }
    return HTTP_CONN_MORE;
}

const http_head *http_conn_head(const http_conn *c)
{
    return &c->head;
}

http_guard_verdict http_conn_refusal(const http_conn *c)
{
    assert(c->phase == HTTP_CONN_PHASE_DONE && c->refusal.status >= 400);
    return c->refusal;
}

void http_conn_finish(http_conn *c, bool keep_alive)
{
    c->head_scanned = 0; /* a head cut short by a refusal or a deadline is dropped */
    c->phase = keep_alive && c->phase == HTTP_CONN_PHASE_HANDLED ? HTTP_CONN_PHASE_HEAD
                                                                 : HTTP_CONN_PHASE_DONE;
}

/* The reason phrase: the problem titles, and the successes the service answers. */
static const char *status_title(unsigned status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    default: return problem_title(status);
    }
}

/* Appends s[0..n) at *at if it fits before end, keeping a byte for the NUL; false
 * (nothing written) if it does not. */
static bool put_text(char **at, const char *end, const char *s, size_t n)
{
    assert(*at <= end);
    if ((size_t)(end - *at) <= n)
        return false;
    memcpy(*at, s, n);
    *at += n;
    return true;
}

static bool put_string(char **at, const char *end, const char *s)
{
    return put_text(at, end, s, strlen(s));
}

#define PUT_LITERAL(at, end, literal) put_text(at, end, literal, sizeof literal - 1)

/* Built by hand, not with snprintf: it is written once per answer, and a format's
 * parse cost about 1,300 instructions of the ~10,000 a request costs the worker. */
size_t http_conn_answer_head(char *out, size_t cap, unsigned status, const char *date,
                             const char *headers, size_t body_len, bool close, bool http10)
{
    assert(status >= 100 && status <= 599);
    assert(out != NULL && cap >= 1);
    const char *connection = close ? "Connection: close\r\n"
                                   : http10 ? "Connection: keep-alive\r\n" : "";
    char code[3] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
                    (char)('0' + status % 10)};
    char length[DECIMAL_U64_LEN_MAX];
    size_t length_len = (size_t)(decimal_put_u64(length, body_len) - length);
    char *at = out;
    const char *end = out + cap;
    bool fits = PUT_LITERAL(&at, end, "HTTP/1.1 ") && put_text(&at, end, code, sizeof code) &&
                PUT_LITERAL(&at, end, " ") && put_string(&at, end, status_title(status)) &&
                PUT_LITERAL(&at, end, "\r\nDate: ") && put_string(&at, end, date) &&
                PUT_LITERAL(&at, end, "\r\n") && put_string(&at, end, headers) &&
                PUT_LITERAL(&at, end, "Content-Length: ") &&
                put_text(&at, end, length, length_len) && PUT_LITERAL(&at, end, "\r\n") &&
                put_string(&at, end, connection) && PUT_LITERAL(&at, end, "\r\n");
    if (!fits)
        return 0;
    *at = '\0';
    assert(at > out && (size_t)(at - out) < cap);
    return (size_t)(at - out);
}
