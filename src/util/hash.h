/* SPDX-License-Identifier: MIT */
/*
 * hash.h: a fast 64-bit hash for short ids (booking and resource ids are at most
 * 128 bytes). Not cryptographic: ids come from clients, so tables that use it
 * seed it per process to keep collision floods from being planned.
 */
#ifndef BOOKING_UTIL_HASH_H
#define BOOKING_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (len * 0x9E3779B97F4A7C15ull);
    uint64_t tail = 0;
    if (len >= 8) {
        /* Whole words, then the last 8 bytes (overlapping the last word read):
         * a fixed-size load instead of a copy of a variable length. */
        const unsigned char *last = p + len - 8;
        for (; p < last; p += 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            h = hash_mix(h ^ w, 0xA0761D6478BD642Full);
        }
        memcpy(&tail, last, 8);
    } else {
        memcpy(&tail, p, len);
    }
    return hash_mix(h ^ tail ^ 0xE7037ED1A0B428DBull, 0x8EBC6AF09C88C6E3ull);
}

#endif
