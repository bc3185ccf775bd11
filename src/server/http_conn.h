/* SPDX-License-Identifier: MIT */
/*
 * http_conn.h: one HTTP/1.1 connection's reading side, without sockets: bytes in,
 * then for each request its head (http_head.h, strict), its body bytes (framed by
 * Content-Length or chunked, server/http_chunked.h), its end; the keep-alive
 * decision; and the answer's bytes written out (status line, Date,
 * Content-Length, Connection). Requests are taken one at a time: the next head
 * is not read before http_conn_finish(), so answers go out in request order.
 * Pure: server/http_loop.c drives it from sockets, tests/fuzz from bytes.
 */
#ifndef BOOKING_SERVER_HTTP_CONN_H
#define BOOKING_SERVER_HTTP_CONN_H

#include "server/http_chunked.h"
#include "server/http_head.h"

#include <stdbool.h>
#include <stddef.h>

/* The input buffer starts this big and grows to HTTP_CONN_IN_MAX: a whole head
 * (HTTP_HEAD_MAX) and as much of what follows. */
#define HTTP_CONN_IN_MIN 4096
#define HTTP_CONN_IN_MAX (2 * HTTP_HEAD_MAX)

typedef enum http_conn_event {
    HTTP_CONN_MORE,  /* nothing more to take from the bytes in: read more (or wait) */
    HTTP_CONN_HEAD,  /* a request head: http_conn_head(), valid until the next call */
    HTTP_CONN_BODY,  /* body bytes: *data, *len, valid until the next call */
    HTTP_CONN_END,   /* the request is whole; nothing more until http_conn_finish() */
    HTTP_CONN_BAD,   /* the bytes cannot be framed: answer http_conn_refusal(), close */
} http_conn_event;

typedef enum http_conn_phase {
    HTTP_CONN_PHASE_HEAD,    /* reading a head */
    HTTP_CONN_PHASE_LENGTH,  /* a body of Content-Length bytes */
    HTTP_CONN_PHASE_CHUNKED, /* a chunked body */
    HTTP_CONN_PHASE_ENDING,  /* the body is read: HTTP_CONN_END is next */
    HTTP_CONN_PHASE_HANDLED, /* the request is whole: its answer is awaited */
    HTTP_CONN_PHASE_DONE,    /* refused or closing: nothing more is read */
} http_conn_phase;

typedef struct http_conn {
    char *in;              /* in[start..len) not yet taken; capacity cap */
    size_t start, len, cap;
    http_conn_phase phase;
    size_t head_scanned;   /* of the head under way, in[start..start+head_scanned) held
                              no line end the last parse had not seen (HTTP_CONN_PHASE_HEAD) */
    http_head head;
    bool keep_alive;       /* the client's wish for the current request */
    bool head_only;        /* the current request is HEAD: an answer without body */
    unsigned long long body_left; /* HTTP_CONN_PHASE_LENGTH */
    unsigned long long body_seen; /* body bytes of the current request so far */
    http_chunked chunked;
    http_guard_verdict refusal;   /* HTTP_CONN_BAD */
} http_conn;

/* false: out of memory. */
bool http_conn_init(http_conn *c);
void http_conn_free(http_conn *c);

/* Room to read into: *room bytes at the returned pointer (0 when the buffer is
 * full of bytes not yet taken: read nothing until some are). NULL: out of memory. */
char *http_conn_room(http_conn *c, size_t *room);
/* n bytes were read into the room. */
void http_conn_filled(http_conn *c, size_t n);
/* Whether bytes of a request not yet whole are held: some of a head, or a body
 * under way (a connection idle between requests holds none; empty lines before a
 * request line begin none). */
bool http_conn_started(const http_conn *c);

/* The next thing the bytes in say. */
http_conn_event http_conn_next(http_conn *c, const char **data, size_t *len);
/* After HTTP_CONN_HEAD, until the next call. */
const http_head *http_conn_head(const http_conn *c);
/* After HTTP_CONN_BAD: the status and fixed texts of the problem to answer. */
http_guard_verdict http_conn_refusal(const http_conn *c);
/* The current request is answered: keep_alive true reads the next one. */
void http_conn_finish(http_conn *c, bool keep_alive);

/* The answer's head: "HTTP/1.1 status title", Date, headers (lines each ending
 * CRLF, or ""), Content-Length, Connection (close, or keep-alive for an HTTP/1.0
 * client that asked), the empty line. date: an IMF-fixdate. Into out[0..cap):
 * the length, or 0 when it does not fit. */
size_t http_conn_answer_head(char *out, size_t cap, unsigned status, const char *date,
                             const char *headers, size_t body_len, bool close, bool http10);

#endif
