/* SPDX-License-Identifier: MIT */
/*
 * test_http_conn.c: the service's own HTTP/1.1 connection layer (server/http_loop.c,
 * http_conn.c, http_head.c) on the wire: every head of a kept-alive connection is
 * read as strictly as the first, pipelined requests are answered in order, chunked
 * bodies are framed strictly (and booked when sound), an idle kept-alive connection
 * is closed without a 408, Expect: 100-continue, HEAD, HTTP/1.0, a query's empty
 * segment. Raw sockets on loopback; every refusal checks nothing was booked.
 */
#include "http/http_support.h"
#include "support/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define REPLY_MAX 65536
#define ANSWERS_MAX 8
#define QUIET_MS 400   /* no byte for this long: the server sent all it had */
#define CLOSE_MS 3000  /* a close expected within this */
#define RES "conn-r"
#define RES_CAPACITY 50

static test_server server;
static http_suite suite = {.server = &server};

typedef struct answer {
    unsigned status;
    char head[2048];   /* the status line and headers */
    const char *body;  /* into the reply */
    size_t body_len;
} answer;

typedef struct reply {
    char text[REPLY_MAX];
    size_t len;
    bool closed;       /* the server closed (the client never shut its side) */
    answer answers[ANSWERS_MAX];
    size_t count;
} reply;

/* Splits r->text into answers (by Content-Length; a HEAD answer's body is not sent:
 * head_only says which answer is one). */
static void split_answers(reply *r, int head_only)
{
    r->count = 0;
    size_t at = 0;
    while (at < r->len && r->count < ANSWERS_MAX) {
        const char *start = r->text + at;
        const char *end = strstr(start, "\r\n\r\n");
        if (end == NULL)
            break;
        answer *a = &r->answers[r->count];
        size_t head_len = (size_t)(end - start) + 2;
        if (head_len >= sizeof a->head)
            head_len = sizeof a->head - 1;
        memcpy(a->head, start, head_len);
        a->head[head_len] = '\0';
        if (sscanf(start, "HTTP/1.1 %u", &a->status) != 1)
            break;
        const char *cl = strcasestr(a->head, "\r\nContent-Length: ");
        size_t body_len = cl != NULL ? strtoul(cl + 18, NULL, 10) : 0;
        if (a->status == 100 || (int)r->count == head_only)
            body_len = 0;
        a->body = end + 4;
        a->body_len = body_len;
        at = (size_t)(end + 4 - r->text) + body_len;
        r->count++;
    }
}

/* Reads until the server closes, or sends nothing for quiet_ms. */
static void read_reply(int fd, int quiet_ms, reply *r, int head_only)
{
    r->len = raw_read(fd, quiet_ms, r->text, sizeof r->text, &r->closed);
    split_answers(r, head_only);
}

/* A connection to the server under test. */
static int connect_to(unsigned port)
{
    int fd = raw_connect(port);
    assert_true(fd >= 0);
    return fd;
}

/* One exchange on a fresh connection: bytes, then what came back. */
static void exchange(const void *bytes, size_t len, int quiet_ms, reply *r)
{
    int fd = connect_to(server.port);
    assert_true(raw_write(fd, bytes, len));
    read_reply(fd, quiet_ms, r, -1);
    close(fd);
}

/* Answer a is the one problem body of SPEC section 5 with status. */
static void assert_problem(const answer *a, unsigned status, const char *error)
{
    if (a->status != status)
        fail_msg("expected %u, got %u: '%.300s'", status, a->status, a->head);
    assert_non_null(strcasestr(a->head, "\r\nContent-Type: application/problem+json\r\n"));
    /* RFC 9110 section 6.6.1: a server with a clock sends Date on every 4xx, the
     * loop's own refusals (a head it cannot read, a bad chunk) included. */
    if (status < 500 && strcasestr(a->head, "\r\nDate: ") == NULL)
        fail_msg("a %u without Date: '%.300s'", status, a->head);
    json_error_t err;
    json_t *o = json_loadb(a->body, a->body_len, 0, &err);
    if (o == NULL)
        fail_msg("not JSON: '%.*s'", (int)a->body_len, a->body);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "about:blank");
    assert_true(json_is_string(json_object_get(o, "title")));
    assert_int_equal(json_integer_value(json_object_get(o, "status")), status);
    assert_true(json_is_string(json_object_get(o, "detail")));
    if (error != NULL)
        assert_string_equal(json_string_value(json_object_get(o, "error")), error);
    assert_int_equal(json_object_size(o), 5);
    json_decref(o);
}

static const char healthz[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/* The resource's booked units, by a request of its own. */
static long booked_units(void)
{
    static const char get[] = "GET /v1/resources/" RES " HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\n\r\n";
    reply r;
    exchange(get, sizeof get - 1, CLOSE_MS, &r);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.answers[0].status, 200);
    json_t *o = json_loadb(r.answers[0].body, r.answers[0].body_len, 0, NULL);
    assert_non_null(o);
    long booked = (long)json_integer_value(json_object_get(o, "booked"));
    json_decref(o);
    return booked;
}

static size_t attempt(char *out, size_t cap, const char *id, const char *extra_headers,
                      const char *body_override)
{
    char body[256];
    snprintf(body, sizeof body, "{\"booking_id\":\"%s\",\"resource_id\":\"" RES "\",\"units\":1}",
             id);
    if (body_override != NULL)
        return (size_t)snprintf(out, cap,
                                "POST /v1/bookings HTTP/1.1\r\nHost: x\r\n"
                                "Content-Type: application/json\r\n%s\r\n%s",
                                extra_headers, body_override);
    return (size_t)snprintf(out, cap,
                            "POST /v1/bookings HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n%s",
                            extra_headers, strlen(body), body);
}

static int group_setup(void **state)
{
    *state = &suite;
    http_global_init();
    if (test_server_start(&server, "memory:", NULL) != 0)
        return -1;
    char req[256];
    int n = snprintf(req, sizeof req,
                     "PUT /v1/resources/" RES " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n"
                     "{\"capacity\":%d}",
                     RES_CAPACITY);
    reply r;
    exchange(req, (size_t)n, CLOSE_MS, &r);
    return r.count == 1 && r.answers[0].status == 200 ? 0 : -1;
}

/* Issue 13 item 8: a malformed head that comes second on a kept-alive connection
 * (libmicrohttpd's to parse before: answered in HTML) gets the problem body and
 * the close, as the first head of a connection does. */
static void a_malformed_later_head_on_a_kept_alive_connection_gets_400_problem_and_close(
    void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        unsigned status;
    } cases[] = {
        /* bench/http-layer/malformed.py's shapes */
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n", 400},
        {"GARBAGE\r\n\r\n", 400},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n"
         "{\"a\"}", 400},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
         "chunked\r\n\r\n0\r\n\r\n", 400},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"POST /v1/bookings HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 400},
        /* test_http_hostile's first-head cases */
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n", 400},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n",
         413},
        {"GET /healthz\r\nHost: x\r\n\r\n", 400},
        {"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 505},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01" "b\r\n\r\n", 400},
        {"GET /v1/resources/" RES "\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
    };
    long before = booked_units();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int fd = connect_to(server.port);
        reply r;
        /* First a sound attempt, answered; then the bad head on the same connection. */
        char first[512];
        char id[64];
        snprintf(id, sizeof id, "conn-later-%zu", i);
        size_t n = attempt(first, sizeof first, id, "", NULL);
        assert_true(raw_write(fd, first, n));
        read_reply(fd, QUIET_MS, &r, -1);
        assert_int_equal(r.count, 1);
        assert_int_equal(r.answers[0].status, 201);
        assert_false(r.closed);
        assert_true(raw_write(fd, cases[i].bytes, strlen(cases[i].bytes)));
        read_reply(fd, CLOSE_MS, &r, -1);
        close(fd);
        if (r.count != 1)
            fail_msg("case %zu: %zu answers: '%.300s'", i, r.count, r.text);
        assert_problem(&r.answers[0], cases[i].status, NULL);
        assert_true(r.closed);
    }
    /* A head past HTTP_HEAD_MAX (16 KiB), second: 431. */
    size_t big = 20 * 1024;
    char *req = malloc(sizeof healthz + big + 128);
    assert_non_null(req);
    int n = snprintf(req, 128, "%sGET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ", healthz);
    memset(req + n, 'a', big);
    memcpy(req + n + big, "\r\n\r\n", 5);
    reply *r = malloc(sizeof *r);
    assert_non_null(r);
    exchange(req, strlen(req), CLOSE_MS, r);
    free(req);
    assert_int_equal(r->count, 2);
    assert_int_equal(r->answers[0].status, 200);
    assert_problem(&r->answers[1], 431, NULL);
    assert_true(r->closed);
    free(r);
    /* Each case's sound attempt was booked, and nothing else. */
    assert_int_equal(booked_units(), before + (long)(sizeof cases / sizeof cases[0]));
}

/* RFC 9112 section 9.3.2: pipelined requests are answered in the order sent. */
static void pipelined_requests_are_answered_in_order(void **state)
{
    (void)state;
    char req[2048];
    size_t n = 0;
    n += attempt(req + n, sizeof req - n, "conn-pipe-1", "", NULL);
    n += (size_t)snprintf(req + n, sizeof req - n, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    n += (size_t)snprintf(req + n, sizeof req - n, "%s", healthz);
    n += attempt(req + n, sizeof req - n, "conn-pipe-1", "", NULL);
    n += (size_t)snprintf(req + n, sizeof req - n,
                          "GET /v1/bookings/conn-pipe-1 HTTP/1.1\r\nHost: x\r\n"
                          "Connection: close\r\n\r\n");
    reply r;
    exchange(req, n, CLOSE_MS, &r);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.answers[0].status, 201);
    assert_problem(&r.answers[1], 404, "not_found");
    assert_int_equal(r.answers[2].status, 200);
    assert_non_null(memmem(r.answers[2].body, r.answers[2].body_len, "\"ok\"", 4));
    assert_int_equal(r.answers[3].status, 200); /* the replay */
    assert_int_equal(r.answers[4].status, 200);
    assert_non_null(memmem(r.answers[4].body, r.answers[4].body_len, "conn-pipe-1", 11));
    assert_true(r.closed);
}

/* RFC 9112 section 7.1: a chunked body's framing is read strictly; a fault is a
 * 400 problem and a close, and nothing of the body is decided. */
static void bad_chunk_syntax_gets_400_problem_and_close_and_books_nothing(void **state)
{
    (void)state;
    static const char body[] = "{\"booking_id\":\"conn-chunk-bad\",\"resource_id\":\"" RES
                               "\",\"units\":1}";
    char chunks[6][512];
    /* bad hex */
    snprintf(chunks[0], sizeof chunks[0], "zz\r\n%s\r\n0\r\n\r\n", body);
    /* no CRLF after the data */
    snprintf(chunks[1], sizeof chunks[1], "%zx\r\n%sXX0\r\n\r\n", strlen(body), body);
    /* a chunk-size past 64 bits */
    snprintf(chunks[2], sizeof chunks[2], "10000000000000000\r\n%s\r\n0\r\n\r\n", body);
    /* a trailer line that is no field */
    snprintf(chunks[3], sizeof chunks[3], "%zx\r\n%s\r\n0\r\nnot a field\r\n\r\n", strlen(body),
             body);
    /* a bare LF ending the size line */
    snprintf(chunks[4], sizeof chunks[4], "%zx\n%s\r\n0\r\n\r\n", strlen(body), body);
    /* a size with a sign */
    snprintf(chunks[5], sizeof chunks[5], "+%zx\r\n%s\r\n0\r\n\r\n", strlen(body), body);
    long before = booked_units();
    for (int second = 0; second < 2; second++) {
        for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
            char req[1024];
            int n = snprintf(req, sizeof req,
                             "%sPOST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             "application/json\r\nTransfer-Encoding: chunked\r\n\r\n%s",
                             second ? healthz : "", chunks[i]);
            reply r;
            exchange(req, (size_t)n, CLOSE_MS, &r);
            if (r.count != (size_t)(1 + second))
                fail_msg("case %zu (second %d): '%.300s'", i, second, r.text);
            assert_problem(&r.answers[second], 400, "invalid_request");
            assert_true(r.closed);
        }
    }
    assert_int_equal(booked_units(), before);
}

/* A sound chunked body, with chunk extensions and a trailer section, is read and
 * booked, and the connection stays usable. */
static void a_chunked_body_with_extensions_and_trailers_is_booked(void **state)
{
    (void)state;
    static const char body[] = "{\"booking_id\":\"conn-chunk-ok\",\"resource_id\":\"" RES
                               "\",\"units\":1}";
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"
                     "5;name=value\r\n%.5s\r\n%zx;a;b=\"q s\"\r\n%s\r\n0;last\r\n"
                     "X-Trailer: one\r\nX-Other: two\r\n\r\n%s",
                     body, strlen(body) - 5, body + 5, healthz);
    long before = booked_units();
    reply r;
    exchange(req, (size_t)n, QUIET_MS, &r);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.answers[0].status, 201);
    assert_int_equal(r.answers[1].status, 200);
    assert_false(r.closed);
    assert_int_equal(booked_units(), before + 1);
}

/* Issue 13's last note: a kept-alive connection idle past the request timeout is
 * closed without a word (a 408 there is read by some clients as the answer to
 * their next request); one that began a request and stalled still gets its 408. */
static void an_idle_kept_alive_connection_past_the_timeout_is_closed_without_408(void **state)
{
    (void)state;
    test_server quick;
    const char *args[] = {"--request-timeout", "1", NULL};
    assert_int_equal(test_server_start(&quick, "memory:", args), 0);
    int fd = connect_to(quick.port);
    assert_true(raw_write(fd, healthz, sizeof healthz - 1));
    reply r;
    read_reply(fd, QUIET_MS, &r, -1);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.answers[0].status, 200);
    assert_false(r.closed);
    read_reply(fd, 4000, &r, -1); /* idle: the 1 s deadline passes */
    close(fd);
    assert_true(r.closed);
    if (r.len != 0)
        fail_msg("an idle connection got '%.200s'", r.text);
    /* Never a byte sent: closed silently too. */
    fd = connect_to(quick.port);
    read_reply(fd, 4000, &r, -1);
    close(fd);
    assert_true(r.closed);
    assert_int_equal(r.len, 0);
    /* Half a head, then nothing: 408. */
    fd = connect_to(quick.port);
    assert_true(raw_write(fd, healthz, sizeof healthz - 1));
    read_reply(fd, QUIET_MS, &r, -1);
    assert_int_equal(r.count, 1);
    assert_true(raw_write(fd, "GET /heal", 9));
    read_reply(fd, 4000, &r, -1);
    close(fd);
    assert_true(r.closed);
    assert_int_equal(r.count, 1);
    assert_problem(&r.answers[0], 408, "invalid_request");
    test_server_stop(&quick);
}

/* "?&limit=5": an empty segment of the query is nothing, not an unknown parameter. */
static void an_empty_query_segment_is_nothing_not_an_unknown_parameter(void **state)
{
    (void)state;
    static const char *const targets[] = {"/v1/resources?&limit=5", "/v1/resources?limit=5&",
                                          "/v1/resources?&&limit=5&&", "/v1/resources?",
                                          "/v1/resources/" RES "/bookings?&status=active&"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char req[512];
        int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                         targets[i]);
        reply r;
        exchange(req, (size_t)n, CLOSE_MS, &r);
        assert_int_equal(r.count, 1);
        if (r.answers[0].status != 200)
            fail_msg("%s: '%.300s'", targets[i], r.text);
    }
    /* A parameter named "" (a segment "=5") is still an unknown one. */
    static const char bad[] = "GET /v1/resources?=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    reply r;
    exchange(bad, sizeof bad - 1, CLOSE_MS, &r);
    assert_int_equal(r.count, 1);
    assert_problem(&r.answers[0], 400, "invalid_request");
}

/* RFC 9110 section 10.1.1: "100 Continue" only when the body will be read; a body
 * over its limit is refused at once, without it. */
static void expect_100_continue_is_answered_100_only_when_the_body_is_read(void **state)
{
    (void)state;
    static const char body[] = "{\"booking_id\":\"conn-expect\",\"resource_id\":\"" RES
                               "\",\"units\":1}";
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: %zu\r\n\r\n",
                     strlen(body));
    int fd = connect_to(server.port);
    assert_true(raw_write(fd, head, (size_t)n));
    reply r;
    read_reply(fd, QUIET_MS, &r, -1);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.answers[0].status, 100);
    assert_int_equal(r.len, strlen("HTTP/1.1 100 Continue\r\n\r\n"));
    assert_true(raw_write(fd, body, strlen(body)));
    read_reply(fd, QUIET_MS, &r, -1);
    close(fd);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.answers[0].status, 201);
    /* Over the attempt's limit: 413 at once, no 100, closed. */
    n = snprintf(head, sizeof head,
                 "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Expect: 100-continue\r\nContent-Length: 1000000\r\n\r\n");
    exchange(head, (size_t)n, CLOSE_MS, &r);
    assert_int_equal(r.count, 1);
    assert_problem(&r.answers[0], 413, "payload_too_large");
    assert_true(r.closed);
}

/* RFC 9110 section 9.3.2: HEAD answers GET's status and headers, without the body. */
static void head_answers_the_headers_of_get_without_a_body(void **state)
{
    (void)state;
    char req[512];
    int n = snprintf(req, sizeof req,
                     "HEAD /v1/resources/" RES " HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /v1/resources/" RES " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    int fd = connect_to(server.port);
    assert_true(raw_write(fd, req, (size_t)n));
    reply r;
    read_reply(fd, CLOSE_MS, &r, 0);
    close(fd);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.answers[0].status, 200);
    assert_int_equal(r.answers[1].status, 200);
    const char *h = strcasestr(r.answers[0].head, "\r\nContent-Length: ");
    const char *g = strcasestr(r.answers[1].head, "\r\nContent-Length: ");
    assert_non_null(h);
    assert_non_null(g);
    assert_int_equal(strtoul(h + 18, NULL, 10), strtoul(g + 18, NULL, 10));
    assert_true(r.answers[1].body_len > 0);
    /* The GET's status line follows the HEAD's empty line at once: no body between. */
    assert_ptr_equal(r.answers[0].body, r.text + strlen(r.answers[0].head) + 2);
    assert_int_equal(strncmp(r.answers[0].body, "HTTP/1.1 200", 12), 0);
}

/* RFC 9112 section 9.3: HTTP/1.0 closes after the answer unless it asked to keep
 * the connection; HTTP/1.1 keeps it unless it asked to close it. */
static void http10_closes_unless_keep_alive_and_http11_keeps_unless_close(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        bool closes;
    } cases[] = {
        {"GET /healthz HTTP/1.0\r\n\r\n", true},
        {"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", false},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, close\r\n\r\n", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply r;
        exchange(cases[i].bytes, strlen(cases[i].bytes), cases[i].closes ? CLOSE_MS : QUIET_MS,
                 &r);
        assert_int_equal(r.count, 1);
        assert_int_equal(r.answers[0].status, 200);
        if (r.closed != cases[i].closes)
            fail_msg("case %zu: closed=%d", i, r.closed);
        assert_true((strcasestr(r.answers[0].head, "\r\nConnection: close\r\n") != NULL) ==
                    cases[i].closes);
        assert_non_null(strcasestr(r.answers[0].head, "\r\nDate: "));
    }
}

/* SPEC section 5: a method no route knows gets the problem body too (405 on a
 * known path, 404 elsewhere), first on a connection or later. */
static void an_unknown_method_gets_the_problem_body(void **state)
{
    (void)state;
    char req[512];
    int n = snprintf(req, sizeof req,
                     "BREW /v1/bookings HTTP/1.1\r\nHost: x\r\n\r\n%s"
                     "BREW /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     healthz);
    reply r;
    exchange(req, (size_t)n, CLOSE_MS, &r);
    assert_int_equal(r.count, 3);
    assert_problem(&r.answers[0], 405, "method_not_allowed");
    assert_non_null(strcasestr(r.answers[0].head, "\r\nAllow: POST\r\n"));
    assert_int_equal(r.answers[1].status, 200);
    assert_problem(&r.answers[2], 404, "not_found");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_malformed_later_head_on_a_kept_alive_connection_gets_400_problem_and_close),
        cmocka_unit_test(pipelined_requests_are_answered_in_order),
        cmocka_unit_test(bad_chunk_syntax_gets_400_problem_and_close_and_books_nothing),
        cmocka_unit_test(a_chunked_body_with_extensions_and_trailers_is_booked),
        cmocka_unit_test(an_idle_kept_alive_connection_past_the_timeout_is_closed_without_408),
        cmocka_unit_test(an_empty_query_segment_is_nothing_not_an_unknown_parameter),
        cmocka_unit_test(expect_100_continue_is_answered_100_only_when_the_body_is_read),
        cmocka_unit_test(head_answers_the_headers_of_get_without_a_body),
        cmocka_unit_test(http10_closes_unless_keep_alive_and_http11_keeps_unless_close),
        cmocka_unit_test(an_unknown_method_gets_the_problem_body),
    };
    return cmocka_run_group_tests(tests, group_setup, http_suite_teardown);
}
