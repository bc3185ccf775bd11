/* SPDX-License-Identifier: MIT */
/*
 * parse.h: strict parsing of numbers given as text (command-line options): the
 * whole text or nothing, never a silent wrap or a trailing character.
 */
#ifndef BOOKING_UTIL_PARSE_H
#define BOOKING_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* A decimal integer 0..max with nothing else around it. */
static inline bool parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (text == NULL || text[0] == '\0')
        return false;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t digit = (uint64_t)(*p - '0');
        if (digit > max || v > (max - digit) / 10)
            return false; /* v * 10 + digit would exceed max (checked without overflow) */
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* A share from 0 to 1 (a decimal such as 0.2), with nothing around it. */
static inline bool parse_ratio(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0.0 && v <= 1.0))
        return false;
    *out = v;
    return true;
}

#endif
