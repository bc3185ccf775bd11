/* SPDX-License-Identifier: MIT */
/*
 * http_client.h: the load generator's own minimal HTTP/1.1 client: the target
 * from a URL, connections, an answer parser, and one blocking request at a time
 * for setup and read-back. Answers must carry Content-Length (the service's and
 * nginx's do); chunked answers are refused.
 */
#ifndef BOOKING_LOADGEN_HTTP_CLIENT_H
#define BOOKING_LOADGEN_HTTP_CLIENT_H

#include "loadgen/loadgen.h"

#include <stdbool.h>
#include <stddef.h>

#define HTTP_HEADER_MAX 8192         /* an answer's status line and headers */
#define HTTP_RESPONSE_MAX (16u << 20) /* an answer's body: 8192 outcomes, or a page of
                                       * 1000 records of 64 lines (about 12 MB), fit */
#define HTTP_HEAD_RESERVE 4608       /* a request line and headers, token included */

_Static_assert(LOADGEN_TOKEN_MAX + 512 <= HTTP_HEAD_RESERVE, "a request head holds the token");

/* Splits http://HOST:PORT[/] into t and resolves HOST; a HOST that is not
 * loopback is refused unless allow_remote. */
loadgen_status http_target_resolve(const char *url, bool allow_remote, loadgen_target *t,
                                   char why[LOADGEN_WHY_BYTES]);

/* A TCP connection to t (TCP_NODELAY; connect bounded by timeout_ms); -1 on failure. */
int http_connect(const loadgen_target *t, uint64_t timeout_ms, bool nonblocking);

typedef enum http_parse { HTTP_PARSE_MORE, HTTP_PARSE_DONE, HTTP_PARSE_BAD } http_parse;

typedef struct http_answer {
    int status;
    size_t body_off;
    size_t body_len;
    bool close; /* the server closes the connection after it */
} http_answer;

/* Parses one HTTP/1.x answer at the start of buf (len bytes so far). */
http_parse http_parse_answer(const char *buf, size_t len, http_answer *a);

/* A connection for one blocking request at a time (it reconnects when needed). */
typedef struct http_control {
    const loadgen_target *target;
    uint64_t timeout_ms;
    int fd; /* -1 when closed */
    char *buf;
    size_t cap;
} http_control;

/* One request (body may be NULL); on true the answer's body is at *answer_body,
 * NUL-terminated, valid until the next request. */
bool http_roundtrip(http_control *ctl, const char *method, const char *path, const char *body,
                    http_answer *a, const char **answer_body);

void http_control_close(http_control *ctl);

#endif
