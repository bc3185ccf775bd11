/*
 * check_internal.h: the parsed form of a history that the parser builds and the
 * cheap checks and the linearizability search read. Not part of any API.
 */
#ifndef BOOKING_CHECK_INTERNAL_H
#define BOOKING_CHECK_INTERNAL_H

#include "booking.h"
#include "check/check.h"

#include <stdarg.h>

#define CHECK_NONE UINT32_MAX
#define CHECK_NO_POS SIZE_MAX /* return position of an operation that never completed */

typedef enum chk_kind {
    CHK_ATTEMPT,
    CHK_SET_CAPACITY,
    CHK_CANCEL,
    CHK_GET_RESOURCE,
} chk_kind;

/* One operation: an invoke and (maybe) its completion. */
typedef struct chk_op {
    chk_kind kind;
    bool determinate;  /* completed with an answer that is a decision (not FAILED) */
    int8_t replayed;   /* attempt: 0, 1, or -1 when the completion did not say */
    uint32_t booking;  /* interned booking_id (attempt, cancel) or CHECK_NONE */
    uint32_t resource; /* interned resource_id (attempt, set_capacity, get_resource) */
    uint64_t value;    /* units (attempt) or capacity (set_capacity) */
    uint32_t accept;   /* determinate: bit (1u << booking_reason) of every answer it allows */
    uint64_t read_capacity, read_booked; /* get_resource answered OK */
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

/* Writes a violation into the report (kind, lines, printf detail). */
void chk_violation(check_report *report, const char *kind, const size_t *lines, size_t count,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Describes an operation and its answer, e.g. "attempt b1 on r1 x2 -> BOOKED". */
void chk_describe(const check_history *h, const chk_op *op, char *out, size_t out_len);

/* The O(n) checks of docs/checking.md, section "Cheap checks". Return true and
 * fill report with the earliest violation found, false if none. */
bool chk_cheap_checks(const check_history *h, check_report *report);

typedef struct chk_budget {
    double deadline_s; /* monotonic seconds; 0: none */
    size_t states;     /* counted across components */
} chk_budget;

/* The search over one component: ops[] are indexes into h->ops, in invoke order.
 * map_b / map_r are scratch arrays over all bookings / resources of h, every
 * entry CHECK_NONE on entry (and again on return).
 * Returns CHECK_VALID, CHECK_VIOLATION (report filled) or CHECK_UNDECIDED. */
check_verdict chk_search_component(const check_history *h, const uint32_t *ops, size_t count,
                                   uint32_t *map_b, uint32_t *map_r, chk_budget *budget,
                                   check_report *report);

double chk_now_s(void);

#endif
