/* SPDX-License-Identifier: MIT */
/*
 * decide.h: the pure decision core of AttemptBooking and its neighbours.
 *
 * Given a request, the resource's current state (or none) and the booking_id's
 * existing decision record (or none), a decide_* function returns the decision
 * and the state change to apply. No I/O, no clock, no locks, no allocation: every
 * store calls these and only applies what they return, so the rules live once.
 *
 * Time (SPEC section 7) is an input: the store passes its own `now_ms` (ms since
 * the epoch, never going back), and a state it passes is the state as of that
 * time: a resource's booked no longer counts a hold whose expires_at_ms <= now_ms.
 * A held record whose expires_at_ms <= now_ms is expired, whatever status the
 * store has stored for it (stores may apply expiry lazily).
 */
#ifndef BOOKING_CORE_DECIDE_H
#define BOOKING_CORE_DECIDE_H

#include "booking.h"

/* A resource's state as a store read it. */
typedef struct core_resource {
    uint64_t capacity;
    uint64_t booked;
} core_resource;

/* The lines of an attempt or a record (SPEC section 8): a bundle's own, or the
 * single form's one line. */
typedef struct core_lines {
    const booking_line *at;
    size_t count; /* 1..BOOKING_LINES_MAX */
} core_lines;

/* The lines of a valid request; the single form's one line is built in *one. */
core_lines bk_core_request_lines(const booking_request *request, booking_line *one);

/* Whether a stored line (resource_id[0..len), units) is the line `want`: the
 * rule by which a replay must repeat every line, in order (SPEC section 8). */
bool bk_core_line_equal(const booking_line *want, const char *resource_id, size_t len,
                        uint64_t units);
bool bk_core_lines_equal(core_lines a, core_lines b);

/* A decision record as a store read it (the lines compare is the store's job,
 * with bk_core_line_equal: it passes whether the record's lines are the
 * request's, same resources and units in the same order). */
typedef struct core_record {
    bool same_lines;
    uint64_t hold_ms;        /* as the attempt gave it; 0: not a hold */
    booking_outcome outcome; /* BOOKED or REJECTED */
    booking_reason reason;
    booking_status status;   /* as stored: active, held, cancelled, expired, none */
    int64_t expires_at_ms;   /* a hold's end (created_at_ms + hold_ms); else 0 */
    uint32_t line;           /* a REJECTED record's failing line; else 0 */
} core_record;

/* The reason of a decision record read back, which stores keep as its outcome
 * only: the one recorded reason of that outcome in BOOKING_REASON_MAP (BOOKED:
 * booked; REJECTED: insufficient_capacity). INTERNAL for an outcome that has no
 * recorded reason, which only a corrupt row can hold. */
booking_reason bk_core_recorded_reason(booking_outcome outcome);

/* One attempt as the core sees it: its lines and hold (already valid) and the
 * store's time of the decision. */
typedef struct core_attempt {
    core_lines lines;
    uint64_t hold_ms; /* 0: an active booking; else a hold ending at now_ms + hold_ms */
    int64_t now_ms;
} core_attempt;

/* What an attempt decided, and what the store must write for it. */
typedef struct core_attempt_decision {
    booking_result result; /* result.expires_at_ms: a new hold's end, or the record's;
                              result.line: a REJECTED new decision's failing line */
    bool write_record;     /* insert a new decision record with result's outcome/reason,
                              status, line and expires_at_ms, and every line (a hold:
                              also index each line) */
    bool reserve;          /* add every line's units to its resource's booked (a new
                              BOOKED only): all lines or none */
} core_attempt_decision;

/* resources[i] is line i's resource as of now_ms, or NULL when it does not exist;
 * record is the booking_id's record, or NULL. When record is not NULL it decides
 * alone (rule (1) of decide.c) and resources may be NULL (not read). */
core_attempt_decision bk_core_decide_attempt(core_attempt attempt,
                                             const core_resource *const *resources,
                                             const core_record *record);

/* The single form of bk_core_decide_attempt for a store that has read one
 * line's resource (NULL: unknown) or the record: attempt.lines.count is 1. */
core_attempt_decision bk_core_decide_attempt_one(core_attempt attempt,
                                                 const core_resource *resource,
                                                 const core_record *record);

/* The status a record has at now_ms: a stored held whose time has come is
 * expired; every other status is as stored. */
booking_status bk_core_status_at(const core_record *record, int64_t now_ms);

/* What a read at now_ms shows of a record whose last stored change was at
 * updated_at_ms: its status then, and the time of its last change (a held record
 * whose time has come is expired, changed at its expires_at_ms, whether or not the
 * store has applied the expiry yet). Every store's reads answer this. */
typedef struct core_record_view {
    booking_status status;
    int64_t updated_at_ms;
} core_record_view;
core_record_view bk_core_record_at(const core_record *record, int64_t updated_at_ms,
                                   int64_t now_ms);

/* Whether a hold that ends at expires_at_ms is over at now_ms (expiry is at
 * expires_at_ms itself: a hold of 1 ms made at t is expired at t + 1). */
bool bk_core_hold_expired(int64_t expires_at_ms, int64_t now_ms);

/* What a cancel or a confirm decided. A hold found expired is released by the
 * store's expiry step (release_expired), exactly once, never by the cancel. */
typedef struct core_change_decision {
    booking_reason reason;   /* see bk_core_decide_cancel, bk_core_decide_confirm */
    booking_status status;   /* the record's status after the call, as of now_ms */
    bool write_status;       /* store `status` (and updated_at_ms = now_ms) */
    bool release_lines;      /* subtract every line's units from its resource's booked */
    bool unindex_hold;       /* the record stops being a live hold (drop its hold entry) */
    bool release_expired;    /* a hold found expired: apply its expiry, if the store has
                                not yet (release its units once, mark it expired) */
} core_change_decision;

typedef core_change_decision core_cancel_decision;

/* CANCELLED (active or unexpired held: release), ALREADY_CANCELLED, HOLD_EXPIRED,
 * UNKNOWN_BOOKING, NOT_BOOKED. */
core_cancel_decision bk_core_decide_cancel(const core_record *record, int64_t now_ms);

/* CONFIRMED (an unexpired hold becomes active), ALREADY_CONFIRMED (active),
 * HOLD_EXPIRED, ALREADY_CANCELLED, NOT_BOOKED, UNKNOWN_BOOKING. */
core_change_decision bk_core_decide_confirm(const core_record *record, int64_t now_ms);

/* The rule of a confirm or a cancel, by the kind of a booking_change. */
typedef core_change_decision (*core_change_fn)(const core_record *record, int64_t now_ms);
core_change_fn bk_core_change_rule(booking_change_kind kind);

/* The store's time: the clock's reading, but never before the latest time the
 * store has recorded (SPEC section 7: a clock that steps back is not followed). */
int64_t bk_core_store_time(int64_t clock_ms, int64_t latest_ms);

typedef struct core_capacity_decision {
    booking_reason reason; /* OK or CAPACITY_BELOW_BOOKED */
    bool create;           /* insert the resource with booked = 0 */
    bool update;           /* set the resource's capacity */
} core_capacity_decision;

core_capacity_decision bk_core_decide_set_capacity(uint64_t capacity, const core_resource *resource);

/* The invariant of SPEC section 1 for one resource's counters. */
bool bk_core_resource_consistent(const core_resource *resource);

#endif
