/* SPDX-License-Identifier: MIT */
/*
 * rule_violations.h: how the stress checkers report a broken rule, one policy for
 * all three (the workload, holds and bundles): every violation counted against its
 * rule, the first RULE_VIOLATIONS_PRINTED of each printed with the rule's name and
 * what was seen, and the rule's cmocka test failing on the count, pointing there.
 */
#ifndef BOOKING_TEST_RULE_VIOLATIONS_H
#define BOOKING_TEST_RULE_VIOLATIONS_H

#include <stdarg.h>

/* Per rule: enough to see a pattern; the rest only counted, so that a rule broken
 * on every call does not bury the other rules' lines. */
#define RULE_VIOLATIONS_PRINTED 10

/* One more violation of the rule named rule_name, counted in *count; while
 * *count was below RULE_VIOLATIONS_PRINTED, also printed to stderr as one line
 * "VIOLATION [rule_name]: " and fmt's text. */
void rule_violation_v(unsigned long *count, const char *rule_name, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The test of one rule (cmocka): fails with count and rule_name unless count is 0. */
void expect_no_rule_violation(unsigned long count, const char *rule_name);

#endif
