/* SPDX-License-Identifier: MIT */
/*
 * http_head.h: a strict reading of a connection's first request head (RFC 9112
 * sections 2 to 5), made by the gate before libmicrohttpd sees the bytes, so that
 * the malformed heads MHD would answer itself (in HTML, some with their status
 * line and headers sent twice) get the one problem body of SPEC section 5. The
 * semantic checks are http_guard's. Pure: fuzzed alone.
 */
#ifndef BOOKING_SERVER_HTTP_HEAD_H
#define BOOKING_SERVER_HTTP_HEAD_H

#include "server/http_guard.h"

#include <stdbool.h>
#include <stddef.h>

/* A head longer than this is refused 431 (MHD's own buffer is 32 KiB). */
#define HTTP_HEAD_MAX 16384
/* Header values the guard needs (Content-Length, Transfer-Encoding, Host) are
 * looked at up to this many bytes; a longer Content-Length is refused anyway. */
#define HTTP_HEAD_VALUE_MAX 256

typedef struct http_head_verdict {
    bool complete;            /* false: the head has not ended in these bytes yet */
    http_guard_verdict guard; /* when complete: status 0, or 400, 413, 431, 501, 505 */
} http_head_verdict;

/* Reads bytes[0..len), the start of what the client sent. Incomplete (and status
 * 0) while no empty line ended the head, unless len reached HTTP_HEAD_MAX (431). */
http_head_verdict http_head_check(const char *bytes, size_t len);

#endif
