/* SPDX-License-Identifier: MIT */
/*
 * check_report.c: a violation written into a check_report, the one way every
 * phase of the checker reports what it proved.
 */
#include "check/check_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void chk_violation(check_report *report, const char *kind, const size_t *lines, size_t count,
                   const char *fmt, ...)
{
    report->verdict = CHECK_VIOLATION;
    snprintf(report->kind, sizeof report->kind, "%s", kind);
    report->line_count = 0;
    for (size_t i = 0; i < count && report->line_count < CHECK_REPORT_LINES_MAX; i++) {
        if (lines[i] == 0)
            continue;
        /* insertion into ascending order, without duplicates */
        size_t at = report->line_count;
        while (at > 0 && report->lines[at - 1] > lines[i])
            at--;
        if (at > 0 && report->lines[at - 1] == lines[i])
            continue;
        memmove(&report->lines[at + 1], &report->lines[at],
                (report->line_count - at) * sizeof report->lines[0]);
        report->lines[at] = lines[i];
        report->line_count++;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(report->detail, sizeof report->detail, fmt, ap);
    va_end(ap);
}
