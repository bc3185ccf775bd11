/* SPDX-License-Identifier: MIT */
/*
 * hex.h: a 32-bit number as 8 lower-case hex digits, for the hot paths that build
 * text by hand (the load generator's UUIDs, the service's request ids).
 */
#ifndef BOOKING_UTIL_HEX_H
#define BOOKING_UTIL_HEX_H

#include <stdint.h>
#include <string.h>

#define HEX_U32_DIGITS 8

/* Writes v's 8 nibbles, most significant first, as lower-case hex digits at p (no
 * NUL), without a loop or a table (SWAR): each nibble is spread into a byte of its
 * own, then '0' is added to all and 'a' - '0' - 10 more to those above 9. A digit
 * at a time cost the load generator ~650 instructions per UUID. */
static inline void hex_put_u32(char *p, uint32_t v)
{
    uint64_t x = v;
    x = (x | x << 16) & 0x0000ffff0000ffffull;
    x = (x | x << 8) & 0x00ff00ff00ff00ffull;
    x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full; /* byte i: nibble i, least significant first */
    uint64_t above9 = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
    x += 0x3030303030303030ull + above9 * ('a' - '0' - 10);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x); /* the most significant nibble at the lowest address */
#endif
    _Static_assert(sizeof x == HEX_U32_DIGITS, "one byte a digit");
    memcpy(p, &x, sizeof x);
}

#endif
