/* SPDX-License-Identifier: MIT */
/*
 * check_report.h: how every phase of the checker writes a violation into the
 * check_report it returns (the kind, the lines in ascending order, the detail).
 */
#ifndef BOOKING_CHECK_REPORT_H
#define BOOKING_CHECK_REPORT_H

#include "check/check.h"

/* Writes a violation into the report (kind, lines, printf detail). Line 0 (an
 * event that does not exist) and repeated lines are left out; past
 * CHECK_REPORT_LINES_MAX lines the rest are dropped. */
void chk_violation(check_report *report, const char *kind, const size_t *lines, size_t count,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
