/* SPDX-License-Identifier: MIT */
/*
 * endpoints.h: what each route of SPEC section 5 answers, as a status and a JSON
 * body, without HTTP plumbing: server.c routes, reads bodies and sends these.
 */
#ifndef BOOKING_SERVER_ENDPOINTS_H
#define BOOKING_SERVER_ENDPOINTS_H

#include "booking.h"
#include "server/metrics.h"
#include "json/request_decode.h"

#include <jansson.h>
#include <stdbool.h>

/* Seconds a client is asked to wait before retrying a FAILED answer. */
#define ENDPOINT_RETRY_AFTER_S 1

/* The HTTP statuses the service answers with (SPEC section 5), named once. */
enum {
    HTTP_OK = 200,
    HTTP_CREATED = 201,
    HTTP_BAD_REQUEST = 400,
    HTTP_UNAUTHORIZED = 401,
    HTTP_NOT_FOUND = 404,
    HTTP_METHOD_NOT_ALLOWED = 405,
    HTTP_CONFLICT = 409,
    HTTP_INTERNAL = 500,
    HTTP_UNAVAILABLE = 503,
};

/* The status of an answer with this reason: the http_status column of
 * BOOKING_REASON_MAP (SPEC section 5); HTTP_INTERNAL for a value outside the enum.
 * A replayed BOOKED is HTTP_OK instead (reply_attempt). */
unsigned endpoint_reason_status(booking_reason reason);

typedef struct http_reply {
    unsigned status;
    json_t *body;       /* owned; NULL (and no text) means out of memory: a fixed 500 */
    char *text;         /* owned; when set, the body already written (ends with '\n') */
    size_t text_len;
    const char *allow;  /* the Allow header of a 405, else NULL */
    bool retry_after;   /* FAILED: add Retry-After */
} http_reply;

http_reply reply_error(unsigned status, const char *error, const char *detail);
http_reply reply_invalid(const request_decode_result *why);

/* POST /v1/bookings: 201 new BOOKED, 200 replayed BOOKED, 409 REJECTED (404 for
 * unknown_resource), 503 FAILED with Retry-After. */
http_reply reply_attempt(const booking_request *request, const booking_result *result);
/* POST /v1/bookings/batch: 200 {"outcomes": [...]} in request order. */
http_reply reply_batch(const booking_request *requests, const booking_result *results,
                       size_t count);

http_reply endpoint_booking_get(booking_store *store, const char *booking_id);
/* DELETE /v1/bookings/{id}, once the committer decided it (reason, and rec as
 * booking_change_batch wrote it): 200 cancelled or already_cancelled, 404
 * unknown_booking, 409 not_booked or hold_expired (with the record), 503 a
 * failure. Counts the answer in metrics (metrics_change). A bundle's answer
 * carries all its lines, read from store (the change's record has line 0 only). */
http_reply reply_cancel(booking_store *store, server_metrics *metrics, const char *booking_id,
                        booking_reason reason, const booking_record *rec);
/* POST /v1/bookings/{id}/confirm, once decided, as reply_cancel: 200 confirmed or
 * already_confirmed, 404 unknown_booking, 409 hold_expired, already_cancelled or
 * not_booked (with the record), 503 a failure. */
http_reply reply_confirm(booking_store *store, server_metrics *metrics, const char *booking_id,
                         booking_reason reason, const booking_record *rec);
http_reply endpoint_resource_get(booking_store *store, const char *resource_id);
/* PUT /v1/resources/{id} with its body already decoded (json/request_decode.h). */
http_reply endpoint_resource_put(booking_store *store, const char *resource_id, uint64_t capacity);
http_reply endpoint_readyz(booking_store *store, bool draining);
http_reply endpoint_healthz(void);

#endif
