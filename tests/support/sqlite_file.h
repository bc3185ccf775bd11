/* SPDX-License-Identifier: MIT */
/*
 * sqlite_file.h: a test's look at a sqlite store file beside the store, shared by
 * the sqlite listing and key-cache suites: one integer read by SQL on a
 * connection of its own, read-only, as an operator's sqlite3 shell would.
 */
#ifndef BOOKING_TEST_SQLITE_FILE_H
#define BOOKING_TEST_SQLITE_FILE_H

#include <stdint.h>

/* The first column of the first row of sql (a SELECT) on the file at path, opened
 * read-only for this one statement; fails the test (cmocka) when the file does not
 * open, the statement does not prepare or it returns no row. */
int64_t sqlite_file_int(const char *path, const char *sql);

#endif
