/* SPDX-License-Identifier: MIT */
/*
 * request_decode_yajl.h: the two decoders behind request_decode.h, for
 * request_decode.c and for the differential fuzz target. The fast one reads
 * attempt and batch bodies with yajl's callback parser straight into the
 * decoded values and accepts only what the reference one (jansson's tree, the
 * decoder this project had first) accepts; any body it does not accept, or could
 * not read for want of memory, goes to the reference one, which decides it and
 * writes the refusal's detail.
 */
#ifndef BOOKING_REQUEST_DECODE_YAJL_H
#define BOOKING_REQUEST_DECODE_YAJL_H

#include "json/request_decode.h"

/* What the fast decoder answers besides REQUEST_DECODE_OK and NOMEM: not
 * accepted here (invalid, or outside what it reads: an escape, a byte over
 * 0x7e...); the reference decoder decides. */
#define REQUEST_DECODE_DECLINED (-1)

/* REQUEST_DECODE_OK (out as decode_attempt/decode_batch would fill it, to free
 * the same way), REQUEST_DECODE_NOMEM or REQUEST_DECODE_DECLINED (out owns
 * nothing then). */
int yajl_decode_attempt(const char *body, size_t len, decoded_attempt *out);
int yajl_decode_batch(const char *body, size_t len, decoded_batch *out);

/* How many of yajl's allocations, in this process, did not fit the pool of their
 * parse and came from malloc instead (request_decode_yajl.c): 0 unless its
 * reasoning about what yajl asks for is wrong. For the tests and the fuzz target. */
unsigned long yajl_decode_pool_overflows(void);

/* The reference decoders alone (jansson), same contract as decode_attempt and
 * decode_batch, which call them for what the fast one declines. */
request_decode_result decode_attempt_reference(const char *body, size_t len,
                                               decoded_attempt *out);
request_decode_result decode_batch_reference(const char *body, size_t len, decoded_batch *out);

/* A bundle's lines live in one allocation: room booking_lines, then the ids they
 * point to (room of them). Both decoders make and free it this way. */
typedef char line_id[BOOKING_ID_LEN_MAX + 1];
booking_line *request_lines_alloc(size_t room);
line_id *request_lines_ids(booking_line *block, size_t room);

#endif
