/* SPDX-License-Identifier: MIT */
/*
 * bench_print.h: how `booking bench` shows a load generator's report: the summary
 * (text or one JSON object) on stdout, progress and disagreements on stderr.
 */
#ifndef BOOKING_CLI_BENCH_PRINT_H
#define BOOKING_CLI_BENCH_PRINT_H

#include "loadgen/loadgen.h"

#include <stdio.h>

/* The summary of either mode: attempts/s, outcomes, reasons, latency. */
void bench_print_stats(FILE *out, const loadgen_stats *s, double seconds, const char *label,
                       bool json);
/* The HTTP mode's summary: the above, plus statuses, losses and the read-back. */
void bench_print_http(const loadgen_config *cfg, const loadgen_report *r, const char *label);
/* The in-process summary of a run with holds (cfg->hold_ms > 0): the stats, the
 * holds and confirms, and the read-back. */
void bench_print_inproc_holds(const loadgen_config *cfg, const loadgen_report *r,
                              const char *label);
/* Whether the holds' answers were all right: no confirm answered confirmed after
 * its hold's end, every late confirm answered hold_expired. */
bool bench_holds_ok(const loadgen_report *r);
/* Each resource whose read-back disagrees, one line each on stderr. */
void bench_print_mismatches(const loadgen_report *r);

#endif
