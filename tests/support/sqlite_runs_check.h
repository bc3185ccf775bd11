/* SPDX-License-Identifier: MIT */
/*
 * sqlite_runs_check.h: the check, shared by the sqlite listing and seal-fault
 * suites, that a sqlite store file's sealed listing runs (sqlite.c note (12))
 * hold what its records say, whichever way each run was sealed (read back from
 * the file, or from a handle's key cache, sqlite_keys.h).
 */
#ifndef BOOKING_TEST_SQLITE_RUNS_CHECK_H
#define BOOKING_TEST_SQLITE_RUNS_CHECK_H

/* Opens path read-only and checks, with cmocka's assertions, that every sealed
 * run holds exactly the keys of its seq range, every line of its records once
 * (a record's line 0 and a bundle's other lines), in bytewise (resource_id,
 * booking_id) order: the runs' pages decoded against the records themselves. */
void expect_sealed_runs_hold_the_file(const char *path);

#endif
