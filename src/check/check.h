/* SPDX-License-Identifier: MIT */
/*
 * check.h: the history checker behind `booking check`. It reads a history of
 * invoke/complete events (JSON lines, format in docs/checking.md) and decides
 * whether some order of the operations explains every answer (linearizability
 * against the SPEC model), or names the first violation it can prove.
 */
#ifndef BOOKING_CHECK_H
#define BOOKING_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits: a history over them is refused as invalid input, never a crash. */
#define CHECK_LINE_BYTES_MAX ((size_t)64 * 1024)  /* one event */
#define CHECK_EVENTS_MAX ((size_t)1 << 25)        /* events in one history */
#define CHECK_REPORT_LINES_MAX 16                 /* line numbers named by a violation */
#define CHECK_DETAIL_BYTES 1024
#define CHECK_TIMEOUT_S_DEFAULT 60.0
/* The search's memo: an open-addressing table of at most CHECK_MEMO_SLOTS_MAX
 * slots of CHECK_MEMO_SLOT_BYTES (a 32-byte key and a used byte), filled to 3/4
 * at most, so CHECK_MEMO_ENTRIES_MAX states; past it the check is undecided. At
 * its last growth the old table (half the slots) and the new one are both held:
 * CHECK_MEMO_PEAK_BYTES, 396 MiB, is the memo's peak (docs/checking.md, "Bounds",
 * gives the measured peak RSS, which adds the parsed history). */
#define CHECK_MEMO_SLOTS_MAX ((size_t)1 << 23)
#define CHECK_MEMO_SLOT_BYTES ((size_t)33)
#define CHECK_MEMO_ENTRIES_MAX (CHECK_MEMO_SLOTS_MAX / 4 * 3)
#define CHECK_MEMO_PEAK_BYTES (CHECK_MEMO_SLOTS_MAX / 2 * 3 * CHECK_MEMO_SLOT_BYTES)

typedef enum check_verdict {
    CHECK_VALID = 0,     /* some order explains every answer */
    CHECK_VIOLATION = 1, /* no order does; report names the events */
    CHECK_UNDECIDED = 2, /* the search ran out of time or memory */
    CHECK_INVALID = 3,   /* the history is malformed (report.detail says where) */
} check_verdict;

typedef struct check_options {
    double timeout_s; /* wall-clock bound of the search; <= 0: no bound */
    /* Tests only: skip the bounds on booked and replay_without_decision (O(n) proofs
     * before the search), so that the search alone decides; false: run them. */
    bool search_only;
    /* Tests only: the search without note (12) of check_search.c (answered twins
     * placed in one order), to compare with it; false: with it. */
    bool no_answered_twins;
} check_options;

typedef struct check_report {
    check_verdict verdict;
    /* Counts of the history (filled for every verdict but CHECK_INVALID). */
    size_t events;
    size_t operations;
    size_t attempts, cancels, set_capacities, get_resources;
    size_t confirms, holds; /* holds: attempts with hold_ms */
    size_t indeterminate; /* FAILED or never completed: may or may not have taken effect */
    size_t resources;
    size_t components; /* groups of resources checked separately (docs/checking.md) */
    size_t search_states;
    /* For CHECK_VIOLATION: a short kind ("oversell", "decided_twice",
     * "replay_disagrees", "cancel_released_twice", "confirmed_twice",
     * "confirmed_after_expiry", "released_after_expiry", "replay_without_decision",
     * "read_over_capacity", "read_below_lower_bound", "read_above_upper_bound",
     * "booked_without_room", "rejected_with_room", "not_linearizable"), the line
     * numbers (1-based) of the events involved, and why no order explains them.
     * For CHECK_INVALID / CHECK_UNDECIDED: detail says why. */
    char kind[32];
    size_t lines[CHECK_REPORT_LINES_MAX];
    size_t line_count;
    char detail[CHECK_DETAIL_BYTES];
} check_report;

typedef struct check_history check_history;

/* Parses a whole history held in memory (any bytes; never reads past len).
 * Returns NULL with report->verdict CHECK_INVALID and report->detail naming the
 * line when the text is malformed or over a limit (or out of memory). */
check_history *check_history_parse(const char *text, size_t len, check_report *report);

/* Decides the parsed history; fills report and returns its verdict. */
check_verdict check_history_run(const check_history *history, const check_options *options,
                                check_report *report);

void check_history_free(check_history *history);

/* Reads the file at path (or stdin for "-"), parses and decides it. */
check_verdict check_file(const char *path, const check_options *options, check_report *report);

#endif
