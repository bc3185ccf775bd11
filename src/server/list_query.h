/* SPDX-License-Identifier: MIT */
/*
 * list_query.h: the query of the two listings of SPEC section 5,
 *   GET /v1/resources?after=ID&limit=N
 *   GET /v1/resources/{resource_id}/bookings?status=S&after=ID&limit=N
 * checked one parameter at a time as server.c splits the query (decoded).
 * Every parameter is optional and may be given once; a parameter the listing
 * does not take is invalid, as an unknown key of a body is (json/request_decode.h),
 * so a misspelt "limt=5" is a 400 and not a silent default. Pure: no HTTP, no store.
 */
#ifndef BOOKING_SERVER_LIST_QUERY_H
#define BOOKING_SERVER_LIST_QUERY_H

#include "booking.h"
#include "json/request_decode.h"

#include <stdbool.h>
#include <stddef.h>

/* Which listing a query is for: the bookings' also takes status. */
typedef enum list_query_kind {
    LIST_QUERY_RESOURCES,
    LIST_QUERY_BOOKINGS,
} list_query_kind;

typedef struct list_query {
    list_query_kind kind;
    char after[BOOKING_ID_LEN_MAX + 1]; /* "" when not given: from the first id */
    size_t limit;                       /* 1..BOOKING_LIST_LIMIT_MAX, default BOOKING_LIST_LIMIT_DEFAULT */
    booking_list_filter filter;         /* BOOKING_LIST_ALL when not given */
    unsigned given;                     /* the parameters seen so far, one bit each */
    request_decode_result result;       /* OK, or the first refusal */
} list_query;

/* The defaults: no after, limit BOOKING_LIST_LIMIT_DEFAULT, every status. */
void list_query_init(list_query *q, list_query_kind kind);

/* One parameter: key and value as decoded from the query string (value NULL for
 * a bare "key" without '='). false once the query is refused: q->result says why
 * (400 invalid_request; nothing after the first refusal is looked at). */
bool list_query_add(list_query *q, const char *key, const char *value);

/* The after of a page: NULL when not given. */
const char *list_query_after(const list_query *q);

#endif
