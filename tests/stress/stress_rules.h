/* SPDX-License-Identifier: MIT */
/*
 * stress_rules.h: the cmocka tests both stress programs share, one per rule of
 * the contract; each judges the summary of a run made in the group setup.
 */
#ifndef BOOKING_TEST_STRESS_RULES_H
#define BOOKING_TEST_STRESS_RULES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stress/stress_workload.h"

#define STRESS_RULE_TESTS 11

/* The summary the tests judge: the program's group setup fills it. */
extern stress_summary stress_tested;

/* Set when the store was opened with a tiny busy timeout on purpose: most
 * calls then FAIL busy, which must leave no trace; the workload need not
 * reach the paths only long runs reach (replays of rejections). */
extern bool stress_expect_busy;

/* Reads the optional argv[2] ("expect-busy"); false if it is something else. */
bool stress_parse_mode(int argc, char **argv);

/* Writes the STRESS_RULE_TESTS tests into out. */
void stress_rule_tests(struct CMUnitTest out[STRESS_RULE_TESTS]);

#endif
