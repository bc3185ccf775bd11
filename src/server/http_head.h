/* SPDX-License-Identifier: MIT */
/*
 * http_head.h: a strict reading of a request head (RFC 9112 sections 2 to 5):
 * every head of a connection, the first and each later one (kept alive or
 * pipelined), is parsed here, so that every malformed head gets the one problem
 * body of SPEC section 5. The semantic checks are http_guard's. Pure: fuzzed alone.
 */
#ifndef BOOKING_SERVER_HTTP_HEAD_H
#define BOOKING_SERVER_HTTP_HEAD_H

#include "server/http_guard.h"

#include <stdbool.h>
#include <stddef.h>

/* A head longer than this is refused 431. */
#define HTTP_HEAD_MAX 16384
/* Header values the guard needs (Content-Length, Transfer-Encoding, Host) are
 * looked at up to this many bytes; a longer Content-Length is refused anyway. */
#define HTTP_HEAD_VALUE_MAX 256
/* Header fields of one head kept at most; more is refused 431. */
#define HTTP_HEAD_FIELDS_MAX 128

typedef struct http_head_verdict {
    bool complete;            /* false: the head has not ended in these bytes yet */
    http_guard_verdict guard; /* when complete: status 0, or 400, 413, 431, 501, 505 */
} http_head_verdict;

/* One header field as sent: name and value (trimmed of SP and HTAB) point into
 * the bytes parsed, and are not NUL-terminated. */
typedef struct http_field {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} http_field;

/* A head read whole and accepted (status 0): pointers into the bytes parsed. */
typedef struct http_head {
    size_t length;            /* bytes of the head from bytes[0], leading empty lines and
                                 the final empty line included: the body starts here */
    const char *method;
    size_t method_len;
    const char *target;       /* raw, as sent */
    size_t target_len;
    unsigned minor;           /* HTTP/1.minor: 0 or 1 */
    size_t field_count;
    http_field fields[HTTP_HEAD_FIELDS_MAX];
    bool chunked;             /* Transfer-Encoding: chunked (the only coding accepted) */
    bool has_length;          /* a Content-Length was given */
    unsigned long long content_length;
    /* The guard's C strings (http_guard wants them). */
    char guard_content_length[HTTP_HEAD_VALUE_MAX + 1];
    char guard_transfer_encoding[HTTP_HEAD_VALUE_MAX + 1];
    char guard_other[HTTP_HEAD_VALUE_MAX + 1];
} http_head;

/* Reads bytes[0..len), the start of a request. Incomplete (and status 0) while no
 * empty line ended the head, unless len reached HTTP_HEAD_MAX (431). When complete
 * with status 0, *head holds the head. */
http_head_verdict http_head_parse(const char *bytes, size_t len, http_head *head);

/* The first field named name (case-insensitive): its value and *len, or NULL. */
const char *http_head_field(const http_head *head, const char *name, size_t *len);

/* Whether the comma-separated list of a field named name holds token (both
 * case-insensitive), as "Connection: keep-alive, Upgrade" holds "keep-alive". */
bool http_head_has_token(const http_head *head, const char *name, const char *token);

#endif
