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

/* One operation: an invoke and (maybe) its completion. */
typedef struct chk_op {
    chk_kind kind;
    bool determinate;  /* completed with an answer that is a decision (not FAILED) */
    int8_t replayed;   /* attempt: 0, 1, or -1 when the completion did not say */
    uint32_t booking;  /* interned booking_id (attempt, cancel, confirm) or CHECK_NONE */
    uint32_t resource; /* interned resource_id (attempt, set_capacity, get_resource) */
    uint64_t value;    /* units (attempt) or capacity (set_capacity) */
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
};

#define CHK_BIT(reason) (1u << (unsigned)(reason))

/* The attempt reasons that are decisions a record stands for. */
static inline bool chk_reason_is_decision(booking_reason r)
{
    return r == BOOKING_REASON_BOOKED || r == BOOKING_REASON_INSUFFICIENT_CAPACITY;
}

/* The one reason an attempt's accept mask holds (determinate attempts have one). */
booking_reason chk_attempt_reason(const chk_op *op);

/* Describes an operation and its answer, e.g. "attempt b1 on r1, 2 units,
 * answered BOOKED booked replayed=false". */
void chk_describe(const check_history *h, const chk_op *op, char *out, size_t out_len);

#endif
