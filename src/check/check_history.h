/* SPDX-License-Identifier: MIT */
/*
 * check_history.h: the parsed form of a history (operations, interned ids) that
 * the parser builds and every phase of the checker reads, with the helpers that
 * read it. The bottom of the checker: it includes no other phase.
 */
#ifndef BOOKING_CHECK_HISTORY_H
#define BOOKING_CHECK_HISTORY_H

#include "booking.h"
#include "check/check.h"

#define CHECK_NONE UINT32_MAX
#define CHECK_NO_POS SIZE_MAX /* return position of an operation that never completed */

typedef enum chk_kind {
    CHK_ATTEMPT,
    CHK_SET_CAPACITY,
    CHK_CANCEL,
    CHK_GET_RESOURCE,
    CHK_CONFIRM,
} chk_kind;

/* One line of an attempt (SPEC section 8): an interned resource and its units.
 * Every attempt has 1..BOOKING_LINES_MAX of them; the single form is the bundle
 * of one line, so both forms replay each other. */
typedef struct chk_line {
    uint32_t resource;
    uint64_t units;
} chk_line;

/* One operation: an invoke and (maybe) its completion. */
typedef struct chk_op {
    chk_kind kind;
    bool determinate;  /* completed with an answer that is a decision (not FAILED) */
    int8_t replayed;   /* attempt: 0, 1, or -1 when the completion did not say */
    uint32_t booking;  /* interned booking_id (attempt, cancel, confirm) or CHECK_NONE */
    uint32_t resource; /* interned resource_id (set_capacity, get_resource; attempt: line 0's) */
    uint64_t value;    /* units (attempt: line 0's) or capacity (set_capacity) */
    uint32_t line_at;    /* attempt: its lines are h->lines[line_at .. line_at + line_count) */
    uint32_t line_count; /* attempt: 1..BOOKING_LINES_MAX; else 0 */
    int32_t fail_line;   /* attempt answered REJECTED insufficient_capacity or
                            unknown_resource naming its failing line; -1 if it named none */
    uint64_t hold_ms;  /* attempt: 0 unless a hold */
    uint32_t accept;   /* determinate: bit (1u << booking_reason) of every answer it allows */
    uint64_t read_capacity, read_booked; /* get_resource answered OK */
    /* What the answer says about the store's time (SPEC section 7). */
    booking_status status;  /* attempt answered BOOKED: the status it gave, or NONE */
    bool has_expires_at;    /* the answer named the booking's hold end */
    int64_t expires_at_ms;
    bool has_at;            /* the store time this operation took effect at is known: */
    int64_t at_ms;          /* a read's as_of, a new hold's expires_at - hold_ms, the
                               updated_at of a confirm or cancel that changed the record */
    size_t invoke_pos, return_pos;       /* event positions; return CHECK_NO_POS if none */
    size_t invoke_line, complete_line;   /* 1-based; complete_line 0 if none */
} chk_op;

typedef struct chk_names {
    char **names;
    size_t count, cap;
    uint32_t *slots; /* open addressing, index + 1, 0 empty */
    size_t slot_mask;
} chk_names;

struct check_history {
    chk_op *ops;
    size_t op_count, op_cap;
    size_t events;
    chk_names bookings, resources;
    chk_line *lines; /* every attempt's lines, in op order */
    size_t line_total, line_cap;
};

#define CHK_BIT(reason) (1u << (unsigned)(reason))

/* The attempt reasons that are decisions a record stands for. */
static inline bool chk_reason_is_decision(booking_reason r)
{
    return r == BOOKING_REASON_BOOKED || r == BOOKING_REASON_INSUFFICIENT_CAPACITY;
}

/* The one reason an attempt's accept mask holds (determinate attempts have one). */
booking_reason chk_attempt_reason(const chk_op *op);

/* An attempt's lines. */
static inline const chk_line *chk_op_lines(const check_history *h, const chk_op *op)
{
    return &h->lines[op->line_at];
}

/* Whether attempts a and b name the same lines in the same order (the replay
 * rule of SPEC section 8). */
bool chk_lines_equal(const check_history *h, const chk_op *a, const chk_op *b);

/* The units attempt op reserves on resource (0 when no line names it). */
uint64_t chk_units_on(const check_history *h, const chk_op *op, uint32_t resource);

/* Writes "resource r1, 2 units" (one line) or "lines [r1 x 2, r2 x 1]" (a bundle),
 * shortened with "..." when it does not fit. */
void chk_describe_lines(const check_history *h, const chk_op *op, char *out, size_t out_len);

/* Describes an operation and its answer, e.g. "attempt b1 on r1, 2 units,
 * answered BOOKED booked replayed=false". */
void chk_describe(const check_history *h, const chk_op *op, char *out, size_t out_len);

#endif
