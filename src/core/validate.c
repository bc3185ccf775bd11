/* SPDX-License-Identifier: MIT */
/*
 * validate.c: the limits of SPEC section 3, checked at the library boundary.
 * Pure functions; the HTTP and command-line adapters call the same ones.
 */
#include "booking.h"

#include "core/validate.h"

#include <stdint.h>
#include <string.h>

/* The id alphabet [A-Za-z0-9._:-] as a table: one load per byte on the hot path. */
#define ID_CHAR_DIGITS ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, \
                       ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1
#define ID_CHAR_UPPER ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, \
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,       \
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,       \
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1
#define ID_CHAR_LOWER ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, \
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,       \
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,       \
    ['x'] = 1, ['y'] = 1, ['z'] = 1

static const unsigned char id_char_allowed[256] = {
    ID_CHAR_DIGITS, ID_CHAR_UPPER, ID_CHAR_LOWER, ['.'] = 1, ['_'] = 1, [':'] = 1, ['-'] = 1,
};

bool booking_id_valid(const char *id, size_t len)
{
    if (id == NULL || len == 0 || len > BOOKING_ID_LEN_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!id_char_allowed[(unsigned char)id[i]])
            return false;
    }
    return true;
}

/* 16 bytes at once: whether every one is in the alphabet of id_char_allowed
 * ([A-Za-z0-9._:-]), by ranges: "-." (0x2D-0x2E), the digits and ':' (0x30-0x3A),
 * a letter of either case (c | 0x20 is a lowercase letter exactly for the
 * letters), or '_'. */
typedef unsigned char id_block __attribute__((vector_size(16)));
#define ID_BLOCK_BYTES 16

static inline __attribute__((always_inline)) bool id_block_allowed(const char *p)
{
    id_block c;
    memcpy(&c, p, sizeof c);
    id_block ok = (id_block)((id_block)(c - '-') < 2) | (id_block)((id_block)(c - '0') < 11) |
                  (id_block)((id_block)((c | 0x20) - 'a') < 26) | (id_block)(c == '_');
    uint64_t half[2];
    memcpy(half, &ok, sizeof half);
    return (half[0] & half[1]) == UINT64_MAX;
}

size_t bk_core_id_checked_len(const char *id)
{
    if (id == NULL)
        return 0;
    /* The length first (reading at most BOOKING_ID_LEN_MAX + 1 bytes, none past
     * the NUL), then its bytes checked a block at a time. */
    size_t len = strnlen(id, BOOKING_ID_LEN_MAX + 1);
    if (len == 0 || len > BOOKING_ID_LEN_MAX)
        return 0;
    if (len >= ID_BLOCK_BYTES) {
        for (size_t i = 0; i + ID_BLOCK_BYTES <= len; i += ID_BLOCK_BYTES) {
            if (!id_block_allowed(id + i))
                return 0;
        }
        /* The last bytes: a block that overlaps the one before. */
        return id_block_allowed(id + len - ID_BLOCK_BYTES) ? len : 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!id_char_allowed[(unsigned char)id[i]])
            return 0;
    }
    return len;
}

bool booking_units_valid(uint64_t units)
{
    return units >= 1 && units <= BOOKING_UNITS_MAX;
}

bool booking_capacity_valid(uint64_t capacity)
{
    return capacity <= BOOKING_CAPACITY_MAX;
}

bool booking_hold_ms_valid(uint64_t hold_ms)
{
    return hold_ms <= BOOKING_HOLD_MS_MAX;
}
