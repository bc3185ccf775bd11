/* SPDX-License-Identifier: MIT */
/*
 * server.h: `booking serve`, the HTTP/JSON service of SPEC section 5, on
 * our own HTTP/1.1 loop (server/http_loop.h: epoll workers, a request waiting for
 * the committer never blocks its worker) in front of one committer.
 * The caller opens and closes the store; the server only borrows it.
 */
#ifndef BOOKING_SERVER_SERVER_H
#define BOOKING_SERVER_SERVER_H

#include "booking.h"
#include "server/log.h"

#include <stdint.h>
#include <stdio.h>

#define SERVER_LISTEN_DEFAULT "127.0.0.1:8080"
#define SERVER_THREADS_MAX 256
#define SERVER_CONNECTIONS_DEFAULT 1024
#define SERVER_CONNECTIONS_MAX 65536
#define SERVER_TOKEN_LEN_MAX 4096
/* Seconds an answer may wait for a client that does not read it before the
 * connection is closed (a request waiting for the committer never times out). */
#define SERVER_CONNECTION_TIMEOUT_S 60
/* A request (headers and body) must arrive whole this soon after the connection
 * opened or the previous answer went out (server/http_loop.c), else 408 and close;
 * a kept-alive connection idle that long (no byte of a new request) just closes. */
#define SERVER_REQUEST_TIMEOUT_S_DEFAULT 30
#define SERVER_REQUEST_TIMEOUT_S_MAX 3600
/* One peer address holds at most max_connections / this, unless configured. */
#define SERVER_PEER_SHARE_DIVISOR 2
/* Bytes of request bodies held in memory at once, by all connections together;
 * a body that would pass it is refused 503 overloaded (SPEC section 5). */
#define SERVER_BODIES_BYTES_MAX ((size_t)256 * 1024 * 1024)
/* A body over its limit is read and discarded up to this many bytes before the
 * 413 is sent, so that a client that writes its whole body first reads the
 * answer; past it the answer comes at once and the connection closes. */
#define SERVER_BODY_DISCARD_MAX ((size_t)8 * 1024 * 1024)
_Static_assert(SERVER_BODY_DISCARD_MAX >= 2 * 1024 * 1024, "the discard bound covers the batch limit");
/* On SIGTERM: how long answers in flight may take to go out before the HTTP loop stops. */
#define SERVER_DRAIN_TIMEOUT_MS 5000
/* Then: how long requests whose body is still arriving may take to complete. */
#define SERVER_DRAIN_READING_GRACE_MS 250

typedef struct server_config {
    const char *listen;       /* "HOST:PORT"; port 0 picks a free one */
    booking_store *store;     /* borrowed: open before start, close after stop */
    unsigned threads;         /* HTTP threads, 1..SERVER_THREADS_MAX */
    unsigned max_connections; /* 1..SERVER_CONNECTIONS_MAX */
    unsigned max_per_peer;    /* 1..max_connections; 0: max_connections / SERVER_PEER_SHARE_DIVISOR */
    unsigned request_timeout_s; /* 1..SERVER_REQUEST_TIMEOUT_S_MAX; 0: the default */
    const char *token;        /* bearer token, or NULL for none */
    server_log *access_log;   /* one line per request, or NULL: none */
    server_log *events;       /* errors and notices (store failures, the HTTP layer's own
                                 messages), or NULL: stderr in text */
} server_config;

typedef struct http_server http_server;

#define SERVER_START_FAILED (-1)  /* could not bind, or out of resources */
#define SERVER_START_USAGE (-2)   /* the configuration itself is invalid (e.g. --listen) */

/* Binds and starts serving. Returns 0, or SERVER_START_FAILED / SERVER_START_USAGE
 * with a one-line reason in errbuf. */
int server_start(const server_config *config, http_server **out, char *errbuf, size_t errbuf_len);

/* The bound port (the one picked when 0 was asked) and address, for the banner. */
uint16_t server_port(const http_server *server);
const char *server_host(const http_server *server);

/* Graceful stop: refuse new attempts (FAILED unavailable), report /readyz 503
 * draining, stop accepting connections, close open ones after their next answer
 * (Connection: close), decide and answer everything queued, let answers in flight
 * go out (at most SERVER_DRAIN_TIMEOUT_MS), then stop the HTTP loop and free. */
void server_stop(http_server *server);

#endif
