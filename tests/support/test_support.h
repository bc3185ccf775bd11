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

/* A fresh directory under $TMPDIR (or /tmp), removed by test_tmpdir_remove(). */
const char *test_tmpdir(void);
void test_tmpdir_remove(void);

/* Writes a unique id "<prefix>-<pid>-<counter>" into out (size >= 64). */
void test_unique_id(char *out, size_t size, const char *prefix);

/* Copies a store URL template into out, replacing each "@TMP@" with test_tmpdir(),
 * so CTest can pass "sqlite:@TMP@/c.db" and every run gets a fresh file.
 * Returns false if out is too small. */
bool test_url_expand(const char *url_template, char *out, size_t size);

#endif
