/* SPDX-License-Identifier: MIT */
/*
 * server.h: `booking serve`, the HTTP/JSON service of SPEC section 5, on
 * libmicrohttpd (epoll, a thread pool, suspend/resume) in front of one committer.
 * The caller opens and closes the store; the server only borrows it.
 */
#ifndef BOOKING_SERVER_SERVER_H
#define BOOKING_SERVER_SERVER_H

#include "booking.h"

#include <stdint.h>
#include <stdio.h>

#define SERVER_LISTEN_DEFAULT "127.0.0.1:8080"
#define SERVER_THREADS_MAX 256
#define SERVER_CONNECTIONS_DEFAULT 1024
#define SERVER_CONNECTIONS_MAX 65536
#define SERVER_TOKEN_LEN_MAX 4096
/* Seconds an idle or stalled connection is kept (a suspended one never times out). */
#define SERVER_CONNECTION_TIMEOUT_S 60
/* A body over its limit is read and discarded up to this many bytes before the
 * 413 is sent, so that a client that writes its whole body first reads the
 * answer; past it the answer comes at once and the connection closes. */
#define SERVER_BODY_DISCARD_MAX ((size_t)8 * 1024 * 1024)
_Static_assert(SERVER_BODY_DISCARD_MAX >= 2 * 1024 * 1024, "the discard bound covers the batch limit");
/* On SIGTERM: how long answers in flight may take to go out before the daemon stops. */
#define SERVER_DRAIN_TIMEOUT_MS 5000
/* Then: how long requests whose body is still arriving may take to complete. */
#define SERVER_DRAIN_READING_GRACE_MS 250

typedef struct server_config {
    const char *listen;       /* "HOST:PORT"; port 0 picks a free one */
    booking_store *store;     /* borrowed: open before start, close after stop */
    unsigned threads;         /* HTTP threads, 1..SERVER_THREADS_MAX */
    unsigned max_connections; /* 1..SERVER_CONNECTIONS_MAX */
    const char *token;        /* bearer token, or NULL for none */
    FILE *access_log;         /* one line per request, or NULL */
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
 * go out (at most SERVER_DRAIN_TIMEOUT_MS), then stop the daemon and free. */
void server_stop(http_server *server);

#endif
