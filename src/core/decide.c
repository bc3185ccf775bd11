/* SPDX-License-Identifier: MIT */
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
 *  (3') and (4') A bundle (SPEC section 8) applies (3) and (4) to each line in
 *      order, on the state before the attempt: the first line that fails decides
 *      for all (REJECTED, naming it), else every line is reserved. Its lines are
 *      distinct resources (checked at the boundary), so no line sees another's.
 *  (5) A hold (hold_ms > 0) is BOOKED with status held until now + hold_ms; a
 *      repeat must name the same hold_ms, as it must the same units (2).
 *
 * Holds and time (SPEC section 7): a held record is expired from expires_at_ms on,
 * whatever the store has stored; a cancel or a confirm of it answers hold_expired
 * and asks the store's expiry step to release it (exactly once: the step releases
 * only a hold still live in the store's own index). Overflow: now_ms + hold_ms
 * cannot overflow for any clock before the year 292 million.
 */
#include "core/decide.h"
#include "core/names.h"

#include <assert.h>
#include <string.h>

core_lines bk_core_request_lines(const booking_request *request, booking_line *one)
{
    if (request->lines != NULL) {
        assert(request->line_count >= 1 && request->line_count <= BOOKING_LINES_MAX);
        return (core_lines){.at = request->lines, .count = request->line_count};
    }
    *one = (booking_line){.resource_id = request->resource_id, .units = request->units};
    return (core_lines){.at = one, .count = 1};
}

bool bk_core_line_equal(const booking_line *want, const char *resource_id, size_t len,
                        uint64_t units)
{
    return want->units == units && resource_id != NULL &&
           strncmp(want->resource_id, resource_id, len) == 0 && want->resource_id[len] == '\0';
}

bool bk_core_lines_equal(core_lines a, core_lines b)
{
    if (a.count != b.count)
        return false;
    for (size_t i = 0; i < a.count; i++) {
        if (!bk_core_line_equal(&a.at[i], b.at[i].resource_id, strlen(b.at[i].resource_id),
                                b.at[i].units))
            return false;
    }
    return true;
}

/* Rules (1) and (2): a record decides a repeat alone. */
static core_attempt_decision decide_replay(core_attempt attempt, const core_record *record)
{
    core_attempt_decision d = {0};
    if (!record->same_lines || record->hold_ms != attempt.hold_ms) {
        d.result.outcome = BOOKING_REJECTED;
        d.result.reason = BOOKING_REASON_BOOKING_ID_CONFLICT;
        d.result.status = BOOKING_STATUS_NONE;
        return d;
    }
    d.result.outcome = record->outcome;
    d.result.reason = record->reason;
    d.result.status = bk_core_status_at(record, attempt.now_ms);
    d.result.expires_at_ms = record->expires_at_ms;
    d.result.line = record->line;
    d.result.replayed = true;
    return d;
}

core_attempt_decision bk_core_decide_attempt(core_attempt attempt,
                                             const core_resource *const *resources,
                                             const core_record *record)
{
    assert(attempt.hold_ms <= BOOKING_HOLD_MS_MAX);
    assert(attempt.lines.count >= 1 && attempt.lines.count <= BOOKING_LINES_MAX);
    if (record != NULL)
        return decide_replay(attempt, record);
    assert(resources != NULL);
    core_attempt_decision d = {0};
    d.result.status = BOOKING_STATUS_NONE;
    /* Rules (3) and (4), line by line on the state before the attempt: the first
     * line that fails decides the whole bundle, and nothing is reserved. */
    for (size_t i = 0; i < attempt.lines.count; i++) {
        const core_resource *resource = resources[i];
        uint64_t units = attempt.lines.at[i].units;
        assert(units >= 1 && units <= BOOKING_UNITS_MAX);
        if (resource == NULL) {
            d.result.outcome = BOOKING_REJECTED;
            d.result.reason = BOOKING_REASON_UNKNOWN_RESOURCE;
            d.result.line = (uint32_t)i;
            return d;
        }
        assert(bk_core_resource_consistent(resource));
        if (units > resource->capacity - resource->booked) {
            d.write_record = true;
            d.result.outcome = BOOKING_REJECTED;
            d.result.reason = BOOKING_REASON_INSUFFICIENT_CAPACITY;
            d.result.line = (uint32_t)i;
            return d;
        }
    }
    d.write_record = true;
    d.reserve = true;
    d.result.outcome = BOOKING_BOOKED;
    d.result.reason = BOOKING_REASON_BOOKED;
    d.result.status = attempt.hold_ms != 0 ? BOOKING_STATUS_HELD : BOOKING_STATUS_ACTIVE;
    if (attempt.hold_ms != 0)
        d.result.expires_at_ms = attempt.now_ms + (int64_t)attempt.hold_ms;
    return d;
}

core_attempt_decision bk_core_decide_attempt_one(core_attempt attempt,
                                                 const core_resource *resource,
                                                 const core_record *record)
{
    assert(attempt.lines.count == 1);
    return bk_core_decide_attempt(attempt, &resource, record);
}

bool bk_core_hold_expired(int64_t expires_at_ms, int64_t now_ms)
{
    return now_ms >= expires_at_ms;
}

booking_status bk_core_status_at(const core_record *record, int64_t now_ms)
{
    if (record->status == BOOKING_STATUS_HELD && bk_core_hold_expired(record->expires_at_ms, now_ms))
        return BOOKING_STATUS_EXPIRED;
    return record->status;
}

core_record_view bk_core_record_at(const core_record *record, int64_t updated_at_ms,
                                   int64_t now_ms)
{
    core_record_view v = {.status = bk_core_status_at(record, now_ms),
                          .updated_at_ms = updated_at_ms};
    if (v.status == BOOKING_STATUS_EXPIRED && record->status == BOOKING_STATUS_HELD)
        v.updated_at_ms = record->expires_at_ms; /* an expiry not yet applied */
    assert(v.updated_at_ms >= 0);
    return v;
}

/* The rows a cancel and a confirm share: no record, a REJECTED one, an expired
 * hold. Returns true when one of them decided *d. */
static bool decide_change_common(const core_record *record, int64_t now_ms,
                                 core_change_decision *d)
{
    if (record == NULL) {
        d->reason = BOOKING_REASON_UNKNOWN_BOOKING;
        return true;
    }
    d->status = bk_core_status_at(record, now_ms);
    if (record->outcome != BOOKING_BOOKED) {
        d->reason = BOOKING_REASON_NOT_BOOKED;
        return true;
    }
    if (d->status == BOOKING_STATUS_EXPIRED) {
        d->reason = BOOKING_REASON_HOLD_EXPIRED;
        d->release_expired = true;
        return true;
    }
    return false;
}

core_cancel_decision bk_core_decide_cancel(const core_record *record, int64_t now_ms)
{
    core_cancel_decision d = {0};
    if (decide_change_common(record, now_ms, &d))
        return d;
    if (d.status == BOOKING_STATUS_CANCELLED) {
        d.reason = BOOKING_REASON_ALREADY_CANCELLED;
        return d;
    }
    assert(d.status == BOOKING_STATUS_ACTIVE || d.status == BOOKING_STATUS_HELD);
    d.unindex_hold = d.status == BOOKING_STATUS_HELD;
    d.reason = BOOKING_REASON_CANCELLED;
    d.status = BOOKING_STATUS_CANCELLED;
    d.write_status = true;
    d.release_lines = true;
    return d;
}

core_change_decision bk_core_decide_confirm(const core_record *record, int64_t now_ms)
{
    core_change_decision d = {0};
    if (decide_change_common(record, now_ms, &d))
        return d;
    if (d.status == BOOKING_STATUS_CANCELLED) {
        d.reason = BOOKING_REASON_ALREADY_CANCELLED;
    } else if (d.status == BOOKING_STATUS_ACTIVE) {
        d.reason = BOOKING_REASON_ALREADY_CONFIRMED;
    } else {
        assert(d.status == BOOKING_STATUS_HELD);
        d.reason = BOOKING_REASON_CONFIRMED;
        d.status = BOOKING_STATUS_ACTIVE;
        d.write_status = true;
        d.unindex_hold = true;
    }
    return d;
}

core_change_fn bk_core_change_rule(booking_change_kind kind)
{
    assert(kind == BOOKING_CHANGE_CANCEL || kind == BOOKING_CHANGE_CONFIRM);
    return kind == BOOKING_CHANGE_CONFIRM ? bk_core_decide_confirm : bk_core_decide_cancel;
}

int64_t bk_core_store_time(int64_t clock_ms, int64_t latest_ms)
{
    return clock_ms > latest_ms ? clock_ms : latest_ms;
}

core_capacity_decision bk_core_decide_set_capacity(uint64_t capacity, const core_resource *resource)
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

booking_reason bk_core_recorded_reason(booking_outcome outcome)
{
    /* Expands to one compare per recorded reason; the others fold away. */
#define RECORDED_REASON_(name, wire, o, recorded, http_status) \
    if ((recorded) && (int)outcome == CORE_REASON_OUTCOME_##o)  \
        return BOOKING_REASON_##name;
    BOOKING_REASON_MAP(RECORDED_REASON_)
#undef RECORDED_REASON_
    return BOOKING_REASON_INTERNAL;
}

bool bk_core_resource_consistent(const core_resource *resource)
{
    return resource->capacity <= BOOKING_CAPACITY_MAX && resource->booked <= resource->capacity;
}
