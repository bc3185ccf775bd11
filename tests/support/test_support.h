/* SPDX-License-Identifier: MIT */
/*
 * test_support.h: what the cmocka programs share: temporary directories and
 * the store URLs the conformance and stress suites run against.
 */
#ifndef BOOKING_TEST_SUPPORT_H
#define BOOKING_TEST_SUPPORT_H

#include "booking.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A fresh directory under $TMPDIR (or /tmp), removed by test_tmpdir_remove(). */
const char *test_tmpdir(void);
void test_tmpdir_remove(void);

/* Writes a unique id "<prefix>-<pid>-<counter>" into out (size >= 64). */
void test_unique_id(char *out, size_t size, const char *prefix);

/* Copies a store URL template into out, replacing each "@TMP@" with test_tmpdir(),
 * so CTest can pass "sqlite:@TMP@/c.db" and every run gets a fresh file.
 * Returns false if out is too small. */
bool test_url_expand(const char *url_template, char *out, size_t size);

/* Forks n processes, process i running child(i) and exiting with its status, then
 * waits for all: true when all were forked and each exited 0. Output buffers are
 * flushed first, so that no child writes the parent's again. */
#define TEST_PROCESSES_MAX 64
bool test_run_processes(unsigned n, int (*child)(unsigned index));

/* The stress suites' randomness (splitmix64: seeded, repeatable) and clock. */
static inline uint64_t test_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t test_rng_next(uint64_t *state)
{
    *state += 0x9E3779B97F4A7C15ull;
    return test_mix64(*state);
}

static inline unsigned test_rng_below(uint64_t *state, unsigned n)
{
    return (unsigned)(test_rng_next(state) % n);
}

static inline int64_t test_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
