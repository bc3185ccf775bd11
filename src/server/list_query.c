/* SPDX-License-Identifier: MIT */
/*
 * list_query.c: the parameters of a listing (list_query.h), each checked against
 * the limits of SPEC section 3 as the library checks them, so that what passes
 * here the library takes.
 */
#include "server/list_query.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The digits of BOOKING_LIST_LIMIT_MAX: a longer value is out of range. */
#define LIST_QUERY_LIMIT_DIGITS_MAX 4
_Static_assert(BOOKING_LIST_LIMIT_MAX < 10000, "the limit's digits fit LIST_QUERY_LIMIT_DIGITS_MAX");

enum {
    GIVEN_AFTER = 1u << 0,
    GIVEN_LIMIT = 1u << 1,
    GIVEN_STATUS = 1u << 2,
};

void list_query_init(list_query *q, list_query_kind kind)
{
    assert(q != NULL);
    *q = (list_query){.kind = kind, .limit = BOOKING_LIST_LIMIT_DEFAULT,
                      .filter = BOOKING_LIST_ALL};
}

const char *list_query_after(const list_query *q)
{
    return q->after[0] != '\0' ? q->after : NULL;
}

__attribute__((format(printf, 2, 3))) static bool refuse(list_query *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    q->result.status = REQUEST_DECODE_INVALID;
    vsnprintf(q->result.detail, sizeof q->result.detail, fmt, ap);
    va_end(ap);
    return false;
}

/* A decimal integer without sign, spaces or leading zeros, 1..BOOKING_LIST_LIMIT_MAX. */
static bool limit_parse(const char *value, size_t *out)
{
    size_t len = strlen(value);
    if (len == 0 || len > LIST_QUERY_LIMIT_DIGITS_MAX || value[0] == '0')
        return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9')
            return false;
        n = n * 10 + (size_t)(value[i] - '0');
    }
    if (n < 1 || n > BOOKING_LIST_LIMIT_MAX)
        return false;
    *out = n;
    return true;
}

bool list_query_add(list_query *q, const char *key, const char *value)
{
    assert(q != NULL && key != NULL);
    if (q->result.status != REQUEST_DECODE_OK)
        return false;
    const char *v = value != NULL ? value : "";
    unsigned bit;
    if (strcmp(key, "after") == 0)
        bit = GIVEN_AFTER;
    else if (strcmp(key, "limit") == 0)
        bit = GIVEN_LIMIT;
    else if (strcmp(key, "status") == 0 && q->kind == LIST_QUERY_BOOKINGS)
        bit = GIVEN_STATUS;
    else if (q->kind == LIST_QUERY_BOOKINGS)
        return refuse(q, "unknown query parameter: the listing takes status, after and limit");
    else
        return refuse(q, "unknown query parameter: the listing takes after and limit");
    if ((q->given & bit) != 0)
        return refuse(q, "query parameter %s given twice", key);
    q->given |= bit;

    if (bit == GIVEN_AFTER) {
        request_decode_result d = decode_id(v, strlen(v), "after");
        if (d.status != REQUEST_DECODE_OK) {
            q->result = d;
            return false;
        }
        snprintf(q->after, sizeof q->after, "%s", v);
    } else if (bit == GIVEN_LIMIT) {
        if (!limit_parse(v, &q->limit))
            return refuse(q, "limit must be an integer from 1 to %d", BOOKING_LIST_LIMIT_MAX);
    } else if (!booking_list_filter_parse(v, &q->filter)) {
        return refuse(q, "status must be one of held, active, cancelled, expired, rejected");
    }
    return true;
}
