/* SPDX-License-Identifier: MIT */
/*
 * decimal.h: an unsigned number written as decimal digits, for the hot paths that
 * build text by hand (the service's answer bodies, the load generator's requests).
 */
#ifndef BOOKING_UTIL_DECIMAL_H
#define BOOKING_UTIL_DECIMAL_H

#include <stdint.h>

#define DECIMAL_U64_LEN_MAX 20 /* digits of UINT64_MAX */

/* Writes v's digits at p (no NUL, at most DECIMAL_U64_LEN_MAX) and returns the end. */
static inline char *decimal_put_u64(char *p, uint64_t v)
{
    char digits[DECIMAL_U64_LEN_MAX];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

#endif
