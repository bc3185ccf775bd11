/* SPDX-License-Identifier: MIT */
/*
 * problem.h: the one error body of SPEC section 5 (RFC 9457 problem details),
 * {"type":"about:blank","title":T,"status":N,"detail":D,"error":CODE}, sent as
 * application/problem+json: by every refusal of the service, its routes' and the
 * HTTP layer's (malformed heads, bad chunks, deadlines, the connection gate).
 */
#ifndef BOOKING_SERVER_PROBLEM_H
#define BOOKING_SERVER_PROBLEM_H

#include <jansson.h>
#include <stddef.h>

#define PROBLEM_CONTENT_TYPE "application/problem+json"
/* The longest fixed problem text problem_text() writes (status line and headers included). */
#define PROBLEM_TEXT_MAX 512

/* The RFC 9110 reason phrase of a status the service answers with ("Error" otherwise). */
const char *problem_title(unsigned status);

/* The body as a tree; NULL when out of memory. */
json_t *problem_json(unsigned status, const char *error, const char *detail);

/* A whole HTTP/1.1 answer with a problem body and "Connection: close", written into
 * out (NUL-terminated) for the places that answer before or without a request
 * (the connection gate, the HTTP loop's refusals of heads it cannot read). error and detail are fixed ASCII text of the service, never the
 * client's: they are written unescaped (asserted). Returns the length, or 0 if it
 * does not fit. retry_after_s > 0 adds Retry-After; date (an IMF-fixdate), when not
 * NULL, a Date header: RFC 9110 section 6.6.1 wants one on every 4xx of a server
 * with a clock (a text made once, ahead of time, like the gate's 503s, has none). */
size_t problem_text(char *out, size_t cap, unsigned status, const char *error,
                    const char *detail, int retry_after_s, const char *date);

/* The body the service sends when it cannot build one: out of memory. */
#define PROBLEM_OOM_BODY                                                                   \
    "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"         \
    "\"detail\":\"out of memory\",\"error\":\"internal\"}\n"

#endif
