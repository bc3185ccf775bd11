/* SPDX-License-Identifier: MIT */
/*
 * rule_violations.c: see rule_violations.h.
 */
#include <assert.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "support/rule_violations.h"

void rule_violation_v(unsigned long *count, const char *rule_name, const char *fmt, va_list ap)
{
    assert(count != NULL && rule_name != NULL && fmt != NULL); /* the checker's, not a check */
    if ((*count)++ >= RULE_VIOLATIONS_PRINTED)
        return;
    fprintf(stderr, "VIOLATION [%s]: ", rule_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void expect_no_rule_violation(unsigned long count, const char *rule_name)
{
    assert_non_null(rule_name);
    if (count != 0)
        fail_msg("%lu violations of: %s (details above)", count, rule_name);
}
