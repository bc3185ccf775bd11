/* SPDX-License-Identifier: MIT */
/*
 * http_chunked.h: a strict, streaming decoder of the chunked transfer coding of a
 * request body (RFC 9112 section 7.1), so that bad chunk framing gets the one
 * problem body of SPEC section 5 (400, then close) and is never guessed at: a
 * lenient chunk parser is where request smuggling lives. State is carried byte by
 * byte across feeds, so any split of the input gives the same result. No heap, no
 * I/O: fuzzed alone. The body's total size is the caller's to bound.
 */
#ifndef BOOKING_SERVER_HTTP_CHUNKED_H
#define BOOKING_SERVER_HTTP_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

/* Significant hex digits of a chunk-size (leading zeros not counted): 16 digits
 * are 64 bits, so the size never overflows its uint64_t. */
#define HTTP_CHUNKED_SIZE_DIGITS_MAX 16
/* Bytes of a chunk-size line before its CRLF: size, leading zeros and extensions. */
#define HTTP_CHUNKED_LINE_MAX 4096
/* Bytes of the trailer section after the last chunk's line, its final CRLF included. */
#define HTTP_CHUNKED_TRAILERS_MAX 8192

typedef enum http_chunked_status {
    HTTP_CHUNKED_MORE, /* every byte fed was taken: feed the next ones */
    HTTP_CHUNKED_DONE, /* the body ended; what follows *consumed is the next request */
    HTTP_CHUNKED_BAD,  /* a framing error: answer 400 with *detail and close */
} http_chunked_status;

/* Private: read only by http_chunked.c. */
typedef struct http_chunked {
    int state;            /* where in the grammar the next byte falls */
    uint64_t size;        /* the chunk-size being read, then the data bytes left */
    unsigned size_digits; /* significant digits of the chunk-size so far */
    size_t line_len;      /* bytes of the current chunk-size line so far */
    size_t trailers_len;  /* bytes of the trailer section so far */
} http_chunked;

void http_chunked_init(http_chunked *d);

/* Decodes in[0..in_len): body bytes go to out, which has room for in_len bytes
 * (out may equal in: decoding in place is allowed), *consumed = bytes of in taken,
 * *out_len = body bytes written (never more than *consumed).
 * MORE: every byte was taken (*consumed == in_len): give it more bytes.
 * DONE once the last chunk and the trailer section's empty line are read
 * (*consumed stops right after it: what follows is the next request).
 * BAD: *detail is a fixed text for the 400 problem; *consumed counts up to and
 * including the byte that broke the grammar.
 * After DONE or BAD the decoder must not be fed again. */
http_chunked_status http_chunked_feed(http_chunked *d, const char *in, size_t in_len,
                                      size_t *consumed, char *out, size_t *out_len,
                                      const char **detail);

#endif
