/* SPDX-License-Identifier: MIT */
/*
 * http_guard.h: the checks of a request head beyond its syntax that SPEC section 5
 * needs (RFC 9112 sections 3, 6 and 7): one Content-Length at
 * most, never with Transfer-Encoding, no transfer coding but chunked, a Host on
 * HTTP/1.1, no raw control byte in the request target. Pure: fuzzed alone.
 */
#ifndef BOOKING_SERVER_HTTP_GUARD_H
#define BOOKING_SERVER_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* What the guard needs of a head, gathered one header at a time (http_guard_add). */
typedef struct http_guard_head {
    bool target_bad;      /* !http_guard_target_valid() of the raw target */
    bool target_cut;      /* the request line held bytes past a NUL in the target */
    const char *version;  /* "HTTP/1.1", "HTTP/1.0" */
    unsigned content_length_count;
    const char *content_length; /* the first one */
    unsigned transfer_encoding_count;
    const char *transfer_encoding;
    unsigned host_count;
} http_guard_head;

typedef struct http_guard_verdict {
    unsigned status;    /* 0: the head is acceptable; else 400 or 501 */
    const char *error;  /* the problem's machine word */
    const char *detail; /* fixed text */
} http_guard_verdict;

/* Whether a raw request target (before unescaping) is visible ASCII only. */
bool http_guard_target_valid(const char *target, size_t len);

/* Counts one header (name case-insensitive) into head. */
void http_guard_add(http_guard_head *head, const char *name, const char *value);

/* The verdict on a whole head. A refusal must close the connection: the framing
 * of what follows cannot be trusted (request smuggling). */
http_guard_verdict http_guard_check(const http_guard_head *head);

/* Whether a Content-Type value names application/json (parameters allowed). */
bool http_guard_media_type_is_json(const char *value);

#endif
