/* SPDX-License-Identifier: MIT */
/*
 * http_loop.h: the HTTP/1.1 server loop of `booking serve`: N worker threads,
 * each an epoll loop over non-blocking sockets, accepting through the gate
 * (server/gate.h), reading requests with server/http_conn.h and writing the
 * answers the handler gives, in request order. Knows nothing of routes: a
 * handler (server.c) is told of each request's head, body bytes and end, and
 * answers then or later (http_link_resume from another thread, then resumed()).
 *
 * Deadlines: a request must arrive whole within request_timeout_ms of the
 * connection's start or of the previous answer's end, else 408 and close (or a
 * silent close, when no byte of a new request came); an answer the client does
 * not read for write_timeout_ms closes the connection.
 */
#ifndef BOOKING_SERVER_HTTP_LOOP_H
#define BOOKING_SERVER_HTTP_LOOP_H

#include "server/gate.h"
#include "server/http_head.h"

#include <stdbool.h>
#include <stddef.h>

/* How often a worker looks at its connections' deadlines. */
#define HTTP_LOOP_TICK_MS 100
/* Connections a worker accepts at most per wake, so the others still get turns. */
#define HTTP_LOOP_ACCEPT_BATCH_MAX 64
/* Requests of one connection a worker answers at most per turn (a pipelining
 * client's flood), so its other connections still get theirs. */
#define HTTP_LOOP_TURN_REQUESTS_MAX 32
/* After an answer that closes, what the client still sends is read and dropped for
 * at most this long (and this many bytes), so the close does not reset the answer. */
#define HTTP_LOOP_LINGER_MS 2000
#define HTTP_LOOP_LINGER_BYTES_MAX ((size_t)16 * 1024 * 1024)
/* Bytes of the answer's head the loop holds (status line, headers). */
#define HTTP_LOOP_HEAD_MAX 1536
/* Bytes of an interim answer the loop holds ("HTTP/1.1 100 Continue" and its end). */
#define HTTP_LOOP_INTERIM_MAX 32

typedef struct http_link http_link; /* one connection */
typedef struct http_loop http_loop;

/* The handler's calls, all on the link's worker thread. req is what begin returned. */
typedef struct http_handler {
    void *arg;
    /* A head, valid during the call only: the request's context, or NULL when out
     * of memory (the loop answers the fixed 503 and closes). */
    void *(*begin)(void *arg, http_link *link, const http_head *head);
    void (*body)(void *req, const char *data, size_t len);
    /* The request arrived whole (not called after an answer given earlier). */
    void (*end)(void *req);
    /* After http_link_resume(). */
    void (*resumed)(void *req);
    /* The answer went out whole, or the connection ended: the last call with req. */
    void (*completed)(void *req);
    /* The loop answers status itself: a head or a chunked body it cannot read, a
     * request late past its deadline. req: the request under way, or NULL (none
     * began); its completed() follows once the answer went out. */
    void (*refused)(void *arg, http_link *link, void *req, unsigned status);
} http_handler;

typedef struct http_loop_config {
    unsigned threads;
    unsigned request_timeout_ms;
    unsigned write_timeout_ms;
} http_loop_config;

/* Starts the workers; 0, or an errno. */
int http_loop_start(const http_loop_config *config, gate *g, const http_handler *handler,
                    http_loop **out);
/* Stops the workers and closes every connection (completed() for each request
 * still open). Call after the gate stopped accepting and no request waits. */
void http_loop_stop(http_loop *loop);

/* The answer of the link's current request, from a handler call on its worker:
 * headers (lines ending CRLF, or ""), then body[0..body_len), owned from here on
 * when owned (freed with free()); for a HEAD request the body is not sent. close:
 * the connection closes after it. false: out of memory (the body is freed then,
 * if owned, and the connection closes). Given before end(), the answer closes. */
bool http_link_answer(http_link *link, unsigned status, const char *headers, char *body,
                      size_t body_len, bool owned, bool close);
/* Queues "100 Continue" (the body will be read), once per request and before its
 * answer: it goes out ahead of the answer, as soon as the socket takes it. */
void http_link_continue(http_link *link);
/* From any thread, once: the request waits no more; resumed(req) runs on the
 * link's worker soon after (one wake of the worker per batch). From a handler
 * call on the link's own worker: no wake, resumed(req) runs once the worker has
 * seen its current batch of events, never inside the call. */
void http_link_resume(http_link *link);
/* From a handler call: whether the link is its worker's only connection and the
 * loop has other workers, so that the call may block (commit inline) without
 * holding up another client: new connections go to the workers that wait for them
 * (EPOLLEXCLUSIVE). Never with one worker: blocked, it would accept no one. */
bool http_link_alone(const http_link *link);
/* The client's address. */
const struct sockaddr *http_link_peer(const http_link *link);
/* Whether the client asked to keep the connection (HTTP/1.1, or 1.0 keep-alive). */
bool http_link_keep_alive(const http_link *link);

#endif
