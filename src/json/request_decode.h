/* SPDX-License-Identifier: MIT */
/*
 * request_decode.h: turns the JSON bodies of SPEC section 5 into checked values.
 * Pure: no HTTP, no store, no globals; safe to call from any thread and to fuzz.
 * Every limit of SPEC section 3 is checked here, so what it accepts the library accepts.
 */
#ifndef BOOKING_REQUEST_DECODE_H
#define BOOKING_REQUEST_DECODE_H

#include "booking.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Body limits of SPEC section 3, in bytes. */
#define REQUEST_BODY_ATTEMPT_MAX ((size_t)64 * 1024)
#define REQUEST_BODY_BATCH_MAX ((size_t)2 * 1024 * 1024)
#define REQUEST_BODY_CAPACITY_MAX ((size_t)64 * 1024)
#define REQUEST_DECODE_DETAIL_MAX 160

enum {
    REQUEST_DECODE_OK = 0,
    REQUEST_DECODE_INVALID = 400, /* the body is not a valid request: answer 400 */
    REQUEST_DECODE_NOMEM = 500,   /* out of memory while decoding: answer 500 */
};

/* What a decode returned: status REQUEST_DECODE_OK, or an HTTP status and a
 * one-line reason (printable ASCII, no quotes needed) for the 400 body's "detail". */
typedef struct request_decode_result {
    int status;
    char detail[REQUEST_DECODE_DETAIL_MAX];
} request_decode_result;

/* One attempt with its ids copied out of the JSON document (NUL-terminated, valid),
 * in one of the two forms of SPEC sections 1 and 8: the single form (resource_id and
 * units; lines NULL, line_count 0) or a bundle (lines and line_count 1..
 * BOOKING_LINES_MAX, each line's resource_id distinct; resource_id "" and units 0),
 * as a booking_request takes them. */
typedef struct decoded_attempt {
    char booking_id[BOOKING_ID_LEN_MAX + 1];
    char resource_id[BOOKING_ID_LEN_MAX + 1]; /* single form; "" for a bundle */
    uint64_t units;                           /* single form; 0 for a bundle */
    uint64_t hold_ms; /* 0: the body had none; else 1..BOOKING_HOLD_MS_MAX */
    /* A bundle's lines, their ids beside them in the same allocation. Owned by
     * the attempt when decode_attempt made it (decoded_attempt_free), by the
     * batch when decode_batch did (decoded_batch_free). */
    booking_line *lines;
    size_t line_count;
} decoded_attempt;

/* A batch: 1..BOOKING_BATCH_MAX attempts in request order, with at most
 * BOOKING_BATCH_LINES_MAX lines in all (a single attempt counts one); free with
 * decoded_batch_free. */
typedef struct decoded_batch {
    decoded_attempt *attempts;
    size_t count;
    booking_line *lines; /* every bundle's lines, in one allocation (NULL: none) */
    size_t line_count;   /* the lines of the batch, single attempts counted one */
} decoded_batch;

/* {"booking_id": ID, "resource_id": ID, "units": N}, or {"booking_id": ID,
 * "lines": [{"resource_id": ID, "units": N}, ...]} (1..BOOKING_LINES_MAX lines,
 * each resource named once; SPEC section 8), and optionally "hold_ms": MS
 * (1..BOOKING_HOLD_MS_MAX, SPEC section 7), and nothing else: both forms or
 * neither is invalid. body need not be NUL-terminated; len over
 * REQUEST_BODY_ATTEMPT_MAX is invalid. On success free out with
 * decoded_attempt_free (a bundle's lines are allocated); on failure out owns nothing. */
request_decode_result decode_attempt(const char *body, size_t len, decoded_attempt *out);
void decoded_attempt_free(decoded_attempt *attempt);

/* {"attempts": [attempt, ...]} with 1..BOOKING_BATCH_MAX attempts, at most
 * BOOKING_BATCH_LINES_MAX lines in all, and nothing else; len over
 * REQUEST_BODY_BATCH_MAX is invalid. On success out->attempts is allocated
 * (free with decoded_batch_free); on any failure out is {NULL, 0, NULL, 0}. */
request_decode_result decode_batch(const char *body, size_t len, decoded_batch *out);
void decoded_batch_free(decoded_batch *batch);

/* The attempts of one request body as booking_requests, in body order. The
 * requests point into this struct (one attempt is kept inline, so that body
 * allocates nothing unless it is a bundle): it must stay where it is while they
 * are used. */
typedef struct decoded_attempts {
    booking_request *requests; /* count of them */
    size_t count;
    decoded_batch batch;            /* the ids of a batch body */
    decoded_attempt single;         /* the ids of a single attempt's body */
    booking_request single_request;
} decoded_attempts;

/* The body of POST /v1/bookings (one attempt) or, with batch true, of POST
 * /v1/bookings/batch: decode_attempt or decode_batch, then the requests. On any
 * failure out holds no attempts. Free with decoded_attempts_free either way. */
request_decode_result decode_attempts(const char *body, size_t len, bool batch,
                                      decoded_attempts *out);
void decoded_attempts_free(decoded_attempts *attempts);

/* {"capacity": N} with N in 0..BOOKING_CAPACITY_MAX and nothing else. */
request_decode_result decode_capacity(const char *body, size_t len, uint64_t *capacity);

/* An id from a request, in its body or its path, checked as the library checks
 * it (booking_id_valid; SPEC section 3): OK, or INVALID with the detail
 * "<subject> must be 1 to 128 characters of ...". id need not be NUL-terminated. */
request_decode_result decode_id(const char *id, size_t len, const char *subject);

#endif
