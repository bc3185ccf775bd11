/*
 * decide.c: the rules of SPEC sections 1 and 2 as pure functions.
 *
 * Order of the attempt rules, and why:
 *  (1) An existing record decides first: a booking_id is decided at most once,
 *      so a repeat never touches capacity, even if capacity freed up since.
 *  (2) A repeat that differs from its record is a booking_id_conflict, and
 *      changes nothing (the earlier record stands).
 *  (3) Only a new booking_id looks at the resource: unknown -> unknown_resource
 *      (not recorded: the resource may be created later and the id reused).
 *  (4) units <= capacity - booked -> BOOKED, else insufficient_capacity (recorded).
 *      Written as a subtraction so that no sum can overflow.
 */
#include "core/decide.h"
#include "core/names.h"

#include <assert.h>

core_attempt_decision core_decide_attempt(uint64_t units, const core_resource *resource,
                                          const core_record *record)
{
    core_attempt_decision d = {0};
    d.result.status = BOOKING_STATUS_NONE;
    if (record != NULL) {
        if (!record->same_resource || record->units != units) {
            d.result.outcome = BOOKING_REJECTED;
            d.result.reason = BOOKING_REASON_BOOKING_ID_CONFLICT;
            return d;
        }
        d.result.outcome = record->outcome;
        d.result.reason = record->reason;
        d.result.status = record->status;
        d.result.replayed = true;
        return d;
    }
    if (resource == NULL) {
        d.result.outcome = BOOKING_REJECTED;
        d.result.reason = BOOKING_REASON_UNKNOWN_RESOURCE;
        return d;
    }
    assert(core_resource_consistent(resource));
    d.write_record = true;
    if (units <= resource->capacity - resource->booked) {
        d.result.outcome = BOOKING_BOOKED;
        d.result.reason = BOOKING_REASON_BOOKED;
        d.result.status = BOOKING_STATUS_ACTIVE;
        d.booked_delta = units;
    } else {
        d.result.outcome = BOOKING_REJECTED;
        d.result.reason = BOOKING_REASON_INSUFFICIENT_CAPACITY;
    }
    return d;
}

core_cancel_decision core_decide_cancel(const core_record *record)
{
    core_cancel_decision d = {0};
    if (record == NULL) {
        d.reason = BOOKING_REASON_UNKNOWN_BOOKING;
    } else if (record->outcome != BOOKING_BOOKED) {
        d.reason = BOOKING_REASON_NOT_BOOKED;
    } else if (record->status == BOOKING_STATUS_CANCELLED) {
        d.reason = BOOKING_REASON_ALREADY_CANCELLED;
    } else {
        d.reason = BOOKING_REASON_CANCELLED;
        d.mark_cancelled = true;
        d.booked_release = record->units;
    }
    return d;
}

core_capacity_decision core_decide_set_capacity(uint64_t capacity, const core_resource *resource)
{
    core_capacity_decision d = {0};
    if (resource == NULL) {
        d.reason = BOOKING_REASON_OK;
        d.create = true;
    } else if (capacity < resource->booked) {
        d.reason = BOOKING_REASON_CAPACITY_BELOW_BOOKED;
    } else {
        d.reason = BOOKING_REASON_OK;
        d.update = true;
    }
    return d;
}

booking_reason core_recorded_reason(booking_outcome outcome)
{
    /* Expands to one compare per recorded reason; the others fold away. */
#define RECORDED_REASON_(name, wire, o, recorded, http_status) \
    if ((recorded) && (int)outcome == CORE_REASON_OUTCOME_##o)  \
        return BOOKING_REASON_##name;
    BOOKING_REASON_MAP(RECORDED_REASON_)
#undef RECORDED_REASON_
    return BOOKING_REASON_INTERNAL;
}

bool core_resource_consistent(const core_resource *resource)
{
    return resource->capacity <= BOOKING_CAPACITY_MAX && resource->booked <= resource->capacity;
}
