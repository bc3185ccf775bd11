/*
 * names.c: the wire names of outcomes, reasons and statuses (SPEC sections 1, 2, 5).
 * One table each, so the CLI, the service and the stores print the same words.
 */
#include "booking.h"

const char *booking_outcome_name(booking_outcome outcome)
{
    switch (outcome) {
    case BOOKING_BOOKED: return "BOOKED";
    case BOOKING_REJECTED: return "REJECTED";
    case BOOKING_FAILED: return "FAILED";
    }
    return "FAILED";
}

const char *booking_reason_name(booking_reason reason)
{
    switch (reason) {
    case BOOKING_REASON_OK: return "ok";
    case BOOKING_REASON_BOOKED: return "booked";
    case BOOKING_REASON_INSUFFICIENT_CAPACITY: return "insufficient_capacity";
    case BOOKING_REASON_BOOKING_ID_CONFLICT: return "booking_id_conflict";
    case BOOKING_REASON_UNKNOWN_RESOURCE: return "unknown_resource";
    case BOOKING_REASON_UNKNOWN_BOOKING: return "unknown_booking";
    case BOOKING_REASON_CANCELLED: return "cancelled";
    case BOOKING_REASON_ALREADY_CANCELLED: return "already_cancelled";
    case BOOKING_REASON_NOT_BOOKED: return "not_booked";
    case BOOKING_REASON_CAPACITY_BELOW_BOOKED: return "capacity_below_booked";
    case BOOKING_REASON_CONFLICT: return "conflict";
    case BOOKING_REASON_BUSY: return "busy";
    case BOOKING_REASON_UNAVAILABLE: return "unavailable";
    case BOOKING_REASON_IO_ERROR: return "io_error";
    case BOOKING_REASON_TIMEOUT: return "timeout";
    case BOOKING_REASON_INTERNAL: return "internal";
    }
    return "internal";
}

const char *booking_status_name(booking_status status)
{
    switch (status) {
    case BOOKING_STATUS_NONE: return "none";
    case BOOKING_STATUS_ACTIVE: return "active";
    case BOOKING_STATUS_CANCELLED: return "cancelled";
    }
    return "none";
}

const char *booking_error_name(booking_error error)
{
    switch (error) {
    case BOOKING_OK: return "ok";
    case BOOKING_EINVAL: return "invalid input";
    case BOOKING_ENOMEM: return "out of memory";
    case BOOKING_EURL: return "bad store URL";
    case BOOKING_EOPEN: return "store could not be opened";
    }
    return "unknown error";
}

/* The orderings of booking_reason the code relies on: booking_reason_is_failure()
 * and SPEC section 1 put every failure from CONFLICT on, and arrays indexed by a
 * reason (metrics, checker, load generator) are sized BOOKING_REASON_INTERNAL + 1. */
_Static_assert(BOOKING_REASON_OK == 0 && BOOKING_REASON_BOOKED < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_INSUFFICIENT_CAPACITY < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_BOOKING_ID_CONFLICT < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_UNKNOWN_RESOURCE < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_UNKNOWN_BOOKING < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_CANCELLED < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_ALREADY_CANCELLED < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_NOT_BOOKED < BOOKING_REASON_CONFLICT &&
                   BOOKING_REASON_CAPACITY_BELOW_BOOKED < BOOKING_REASON_CONFLICT,
               "decisions and answers come before the first failure reason");
_Static_assert(BOOKING_REASON_CONFLICT < BOOKING_REASON_BUSY &&
                   BOOKING_REASON_BUSY < BOOKING_REASON_UNAVAILABLE &&
                   BOOKING_REASON_UNAVAILABLE < BOOKING_REASON_IO_ERROR &&
                   BOOKING_REASON_IO_ERROR < BOOKING_REASON_TIMEOUT &&
                   BOOKING_REASON_TIMEOUT < BOOKING_REASON_INTERNAL,
               "the failure reasons come last, internal the very last");

bool booking_reason_is_failure(booking_reason reason)
{
    return reason >= BOOKING_REASON_CONFLICT;
}
