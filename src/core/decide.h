/*
 * decide.h: the pure decision core of AttemptBooking and its neighbours.
 *
 * Given a request, the resource's current state (or none) and the booking_id's
 * existing decision record (or none), a decide_* function returns the decision
 * and the state change to apply. No I/O, no clock, no locks, no allocation: every
 * store calls these and only applies what they return, so the rules live once.
 */
#ifndef BOOKING_CORE_DECIDE_H
#define BOOKING_CORE_DECIDE_H

#include "booking.h"

/* A resource's state as a store read it. */
typedef struct core_resource {
    uint64_t capacity;
    uint64_t booked;
} core_resource;

/* A decision record as a store read it (the resource_id compare is the store's
 * job: it passes whether the record's resource_id equals the request's). */
typedef struct core_record {
    bool same_resource;
    uint64_t units;
    booking_outcome outcome; /* BOOKED or REJECTED */
    booking_reason reason;
    booking_status status;
} core_record;

/* The reason of a decision record read back, which stores keep as its outcome
 * only: the one recorded reason of that outcome in BOOKING_REASON_MAP (BOOKED:
 * booked; REJECTED: insufficient_capacity). INTERNAL for an outcome that has no
 * recorded reason, which only a corrupt row can hold. */
booking_reason core_recorded_reason(booking_outcome outcome);

/* What an attempt decided, and what the store must write for it. */
typedef struct core_attempt_decision {
    booking_result result;
    bool write_record;     /* insert a new decision record with result's outcome/reason */
    uint64_t booked_delta; /* add to the resource's booked (0 unless a new BOOKED) */
} core_attempt_decision;

/* resource and record may be NULL (absent). units must already be valid. */
core_attempt_decision core_decide_attempt(uint64_t units, const core_resource *resource,
                                          const core_record *record);

typedef struct core_cancel_decision {
    booking_reason reason;   /* CANCELLED, ALREADY_CANCELLED, UNKNOWN_BOOKING, NOT_BOOKED */
    bool mark_cancelled;     /* set the record's status to cancelled */
    uint64_t booked_release; /* subtract from the record's resource's booked */
} core_cancel_decision;

core_cancel_decision core_decide_cancel(const core_record *record);

typedef struct core_capacity_decision {
    booking_reason reason; /* OK or CAPACITY_BELOW_BOOKED */
    bool create;           /* insert the resource with booked = 0 */
    bool update;           /* set the resource's capacity */
} core_capacity_decision;

core_capacity_decision core_decide_set_capacity(uint64_t capacity, const core_resource *resource);

/* The invariant of SPEC section 1 for one resource's counters. */
bool core_resource_consistent(const core_resource *resource);

#endif
