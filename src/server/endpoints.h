/* SPDX-License-Identifier: MIT */
/*
 * endpoints.h: what each route of SPEC section 5 answers, as a status and a JSON
 * body, without HTTP plumbing: server.c routes, reads bodies and sends these.
 */
#ifndef BOOKING_SERVER_ENDPOINTS_H
#define BOOKING_SERVER_ENDPOINTS_H

#include "booking.h"
#include "server/list_query.h"
#include "server/metrics.h"
#include "json/request_decode.h"

#include <jansson.h>
#include <stdbool.h>

/* Seconds a client is asked to wait before retrying a FAILED answer. */
#define ENDPOINT_RETRY_AFTER_S 1
/* The same number as the header's text, made from it so that the two cannot differ. */
#define ENDPOINT_STRINGIFY_(x) #x
#define ENDPOINT_STRINGIFY(x) ENDPOINT_STRINGIFY_(x)
#define ENDPOINT_RETRY_AFTER_TEXT ENDPOINT_STRINGIFY(ENDPOINT_RETRY_AFTER_S)

/* The HTTP statuses the service answers with (SPEC section 5), named once. */
enum {
    HTTP_OK = 200,
    HTTP_CREATED = 201,
    HTTP_BAD_REQUEST = 400,
    HTTP_UNAUTHORIZED = 401,
    HTTP_NOT_FOUND = 404,
    HTTP_METHOD_NOT_ALLOWED = 405,
    HTTP_REQUEST_TIMEOUT = 408,
    HTTP_CONFLICT = 409,
    HTTP_PAYLOAD_TOO_LARGE = 413,
    HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
    HTTP_INTERNAL = 500,
    HTTP_NOT_IMPLEMENTED = 501,
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
    bool problem;       /* an error: application/problem+json (server/problem.h) */
    const char *location_id; /* a 201: the booking_id of Location (borrowed), else NULL */
} http_reply;

/* An error answer: the one problem body of SPEC section 5 (server/problem.h);
 * a 503 carries Retry-After. */
http_reply reply_error(unsigned status, const char *error, const char *detail);
/* A decoder's refusal: 400 invalid_request, or 503 internal when it ran out of
 * memory (never blamed on the client). */
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
/* GET /v1/resources?after=ID&limit=N: 200 {"resources": [...], "next": ID or
 * null}, each resource as GET /v1/resources/{id} answers it, in ascending
 * resource_id; next is the page's last id when more follow. 503 a failure. */
http_reply endpoint_resource_list(booking_store *store, const list_query *query);
/* GET /v1/resources/{id}/bookings?status=S&after=ID&limit=N: 200 {"bookings":
 * [...], "next": ...}, each record as GET /v1/bookings/{id} answers it (a
 * bundle's lines read beside it), in ascending booking_id; 404 unknown_resource;
 * 503 a failure. */
http_reply endpoint_booking_list(booking_store *store, const char *resource_id,
                                 const list_query *query);
/* GET /readyz: 503 draining while stopping, 503 unavailable (reason commit_failed)
 * after a failed commit until one succeeds, 503 when the store's ping fails (the
 * sqlite store's also when its file was moved or deleted), else 200 ready. */
http_reply endpoint_readyz(booking_store *store, bool draining, bool commit_failed);
http_reply endpoint_healthz(void);

#endif
