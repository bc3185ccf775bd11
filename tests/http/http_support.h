/* SPDX-License-Identifier: MIT */
/*
 * http_support.h: what the HTTP tests share: a real `booking serve` process on a
 * free loopback port, a libcurl client, raw socket exchanges and JSON helpers.
 */
#ifndef BOOKING_HTTP_SUPPORT_H
#define BOOKING_HTTP_SUPPORT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_HEADERS_MAX 4096
#define HTTP_URL_MAX 512

typedef struct test_server {
    pid_t pid;
    unsigned port;
    char base[64];        /* "http://127.0.0.1:PORT" */
    char log_path[600];   /* the server's stderr */
} test_server;

/* The path of the booking program under test. */
const char *test_booking_bin(void);

/* Starts `booking serve --listen 127.0.0.1:0 --store STORE_URL --threads 2 ARGS...`
 * (args NULL-terminated, may be NULL) and waits for its banner. 0 on success. */
int test_server_start(test_server *s, const char *store_url, const char *const *args);
/* Sends sig and waits up to timeout_ms for the exit; *status gets waitpid's status.
 * Returns 0 when it exited in time (else it is killed with SIGKILL and -1 returned). */
int test_server_signal_wait(test_server *s, int sig, int timeout_ms, int *status);
/* Whether the process is still running. */
bool test_server_alive(test_server *s);
/* Stops with SIGTERM and asserts a clean exit 0. */
void test_server_stop(test_server *s);

typedef struct http_client {
    CURL *curl;
    const char *token; /* sent as a bearer token when not NULL */
    bool no_expect;    /* suppress "Expect: 100-continue" */
    bool chunked;      /* send the body chunked, without Content-Length */
} http_client;

typedef struct http_response {
    CURLcode code; /* CURLE_OK when an answer came */
    long status;
    char *body;
    size_t body_len;
    char headers[HTTP_HEADERS_MAX];
    size_t headers_len;
} http_response;

/* curl_global_init once per process, before any thread. */
void http_global_init(void);
int http_client_init(http_client *c);
void http_client_cleanup(http_client *c);

/* One request; the connection is kept for the next one. body may be NULL. */
CURLcode http_do(http_client *c, const char *method, const char *url, const char *body,
                 size_t body_len, http_response *out);
void http_response_free(http_response *r);
/* The value of a response header (case-insensitive name) into buf, or NULL. */
const char *http_header(const http_response *r, const char *name, char *buf, size_t len);
/* The body parsed as JSON (NULL if it is not). */
json_t *http_json(const http_response *r);

/* A server on sqlite:TMPDIR/db_name and a client for it (http_global_init first),
 * with resource rid of capacity 10 and booking booking_id of one unit on it: 0,
 * or -1 when any of it failed. */
int test_server_start_seeded(test_server *s, http_client *c, const char *db_name,
                             const char *rid, const char *booking_id);

/* What a test file's cmocka group runs on: its server and its client (NULL when the
 * file has none). The group setup points *state at one before anything else, and
 * http_suite_teardown, the group teardown, ends them. */
typedef struct http_suite {
    test_server *server;
    http_client *client;
} http_suite;

/* Cleans the client up, stops the server (asserting a clean exit 0) and removes the
 * test's temporary directory. Returns 0. */
int http_suite_teardown(void **state);

/* Convenience on a server: formats base + path. */
void http_url(const test_server *s, const char *path, char *out, size_t len);

/* A TCP connection to 127.0.0.1:port: its descriptor, or -1. */
int raw_connect(unsigned port);
/* Sends all of bytes; false when the peer would take no more (it closed). */
bool raw_write(int fd, const void *bytes, size_t len);
/* Reads into text[0..cap-1) (NUL-terminated) until the peer closes (*closed) or
 * sends nothing for quiet_ms. Returns bytes read. */
size_t raw_read(int fd, int quiet_ms, char *text, size_t cap, bool *closed);

/* Sends raw bytes on a fresh TCP connection, half-closes, reads the answer (up to
 * cap-1 bytes, NUL-terminated) until the peer closes or timeout_ms. Returns bytes read. */
size_t raw_exchange(unsigned port, const void *bytes, size_t len, char *reply, size_t cap,
                    int timeout_ms);

#endif
