/* SPDX-License-Identifier: MIT */
/*
 * monotonic.h: the monotonic clock in nanoseconds, for durations, deadlines and
 * latencies (never for the store's time, which is real time: store.h). One
 * reader, so every layer measures with the same clock. Header-only, libc only.
 */
#ifndef BOOKING_UTIL_MONOTONIC_H
#define BOOKING_UTIL_MONOTONIC_H

#include <stdint.h>
#include <time.h>

static inline uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
