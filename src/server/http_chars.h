/* SPDX-License-Identifier: MIT */
/*
 * http_chars.h: the byte classes of HTTP's grammar that more than one reader of
 * the service needs (the head parser, the chunked decoder, the target's
 * percent-decoding), written once.
 */
#ifndef BOOKING_SERVER_HTTP_CHARS_H
#define BOOKING_SERVER_HTTP_CHARS_H

#include <stdbool.h>
#include <string.h>

/* RFC 9110 section 5.6.2: tchar, a byte of a token (a method, a field name, a
 * chunk extension's name). */
static inline bool http_is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The value of a hex digit (either case), or -1 for any other byte. */
static inline int http_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
