/* SPDX-License-Identifier: MIT */
/*
 * process_metrics.h: the process_* series that Prometheus client libraries
 * export (CPU seconds, resident and virtual memory, open and maximum file
 * descriptors, start time), read from /proc at scrape time, and
 * booking_build_info (version, store engines, commit, compiler).
 */
#ifndef BOOKING_SERVER_PROCESS_METRICS_H
#define BOOKING_SERVER_PROCESS_METRICS_H

#include <stdio.h>

/* Appends the series to f. A /proc file that cannot be read leaves its series
 * out (a scrape never fails for them). */
void bk_metrics_render_process(FILE *f);

#endif
