/* SPDX-License-Identifier: MIT */
/*
 * names.c: the wire names of outcomes, reasons, statuses and errors (SPEC sections
 * 1, 2, 5), and the other views of them, all expanded from the lists in booking.h.
 * A switch per view: the compiler turns each into a table, and -Wswitch sees every value.
 */
#include "core/names.h"

#include <string.h>

/* A value outside its enum gets the name of the most cautious member. */
const char *booking_outcome_name(booking_outcome outcome)
{
    switch (outcome) {
#define OUTCOME_NAME_(name, value, wire) case BOOKING_##name: return wire;
        BOOKING_OUTCOME_MAP(OUTCOME_NAME_)
#undef OUTCOME_NAME_
    }
    return "FAILED";
}

const char *booking_reason_name(booking_reason reason)
{
    switch (reason) {
#define REASON_NAME_(name, wire, outcome, recorded, http_status) \
    case BOOKING_REASON_##name: return wire;
        BOOKING_REASON_MAP(REASON_NAME_)
#undef REASON_NAME_
    }
    return "internal";
}

const char *booking_status_name(booking_status status)
{
    switch (status) {
#define STATUS_NAME_(name, value, wire) case BOOKING_STATUS_##name: return wire;
        BOOKING_STATUS_MAP(STATUS_NAME_)
#undef STATUS_NAME_
    }
    return "none";
}

const char *booking_error_name(booking_error error)
{
    switch (error) {
#define ERROR_NAME_(name, value, phrase) case BOOKING_##name: return phrase;
        BOOKING_ERROR_MAP(ERROR_NAME_)
#undef ERROR_NAME_
    }
    return "unknown error";
}

/* The reason enum runs from 0 in list order, so arrays indexed by a reason are
 * sized CORE_REASON_COUNT; which reasons are failures is the list's outcome
 * column, not their place in it. */
_Static_assert(BOOKING_REASON_OK == 0 && CORE_REASON_COUNT > BOOKING_REASON_INTERNAL,
               "reasons run from 0 in the order of BOOKING_REASON_MAP");

/* A value outside the enum is named "internal", so it counts as a failure too. */
bool booking_reason_is_failure(booking_reason reason)
{
    switch (reason) {
#define REASON_FAILURE_(name, wire, outcome, recorded, http_status) \
    case BOOKING_REASON_##name: return CORE_REASON_OUTCOME_##outcome == BOOKING_FAILED;
        BOOKING_REASON_MAP(REASON_FAILURE_)
#undef REASON_FAILURE_
    }
    return true;
}

bool bk_core_reason_pairs_with(booking_reason reason, booking_outcome outcome)
{
    switch (reason) {
#define REASON_PAIRS_(name, wire, o, recorded, http_status) \
    case BOOKING_REASON_##name: return (int)outcome == CORE_REASON_OUTCOME_##o;
        BOOKING_REASON_MAP(REASON_PAIRS_)
#undef REASON_PAIRS_
    }
    return false;
}

bool bk_core_reason_recorded(booking_reason reason)
{
    switch (reason) {
#define REASON_RECORDED_(name, wire, outcome, recorded, http_status) \
    case BOOKING_REASON_##name: return recorded;
        BOOKING_REASON_MAP(REASON_RECORDED_)
#undef REASON_RECORDED_
    }
    return false;
}

/* A linear scan: 16 short compares, on the checker's parse path only. */
bool bk_core_reason_from_name(const char *name, booking_reason *out)
{
#define REASON_LOOKUP_(value, wire, outcome, recorded, http_status) \
    if (strcmp(name, wire) == 0) {                                  \
        *out = BOOKING_REASON_##value;                              \
        return true;                                                \
    }
    BOOKING_REASON_MAP(REASON_LOOKUP_)
#undef REASON_LOOKUP_
    return false;
}

bool bk_core_outcome_from_name(const char *name, booking_outcome *out)
{
#define OUTCOME_LOOKUP_(value, number, wire) \
    if (strcmp(name, wire) == 0) {           \
        *out = BOOKING_##value;              \
        return true;                         \
    }
    BOOKING_OUTCOME_MAP(OUTCOME_LOOKUP_)
#undef OUTCOME_LOOKUP_
    return false;
}

/* BOOKING_LIST_FILTER_MAP: XX(NAME, "wire name"), every filter but ALL. */
#define BOOKING_LIST_FILTER_MAP(XX)                                                          \
    XX(HELD, "held")                                                                         \
    XX(ACTIVE, "active")                                                                     \
    XX(CANCELLED, "cancelled")                                                               \
    XX(EXPIRED, "expired")                                                                   \
    XX(REJECTED, "rejected")

const char *booking_list_filter_name(booking_list_filter filter)
{
    switch (filter) {
    case BOOKING_LIST_ALL: return "";
#define FILTER_NAME_(name, wire) case BOOKING_LIST_##name: return wire;
        BOOKING_LIST_FILTER_MAP(FILTER_NAME_)
#undef FILTER_NAME_
    }
    return "";
}

bool booking_list_filter_parse(const char *name, booking_list_filter *out)
{
    if (name == NULL || out == NULL)
        return false;
#define FILTER_PARSE_(name_, wire)                                                           \
    if (strcmp(name, wire) == 0) {                                                           \
        *out = BOOKING_LIST_##name_;                                                         \
        return true;                                                                         \
    }
    BOOKING_LIST_FILTER_MAP(FILTER_PARSE_)
#undef FILTER_PARSE_
    return false;
}

bool bk_core_list_filter_keeps(booking_list_filter filter, booking_outcome outcome,
                               booking_status status)
{
    switch (filter) {
    case BOOKING_LIST_ALL: return true;
    case BOOKING_LIST_HELD: return outcome == BOOKING_BOOKED && status == BOOKING_STATUS_HELD;
    case BOOKING_LIST_ACTIVE: return outcome == BOOKING_BOOKED && status == BOOKING_STATUS_ACTIVE;
    case BOOKING_LIST_CANCELLED:
        return outcome == BOOKING_BOOKED && status == BOOKING_STATUS_CANCELLED;
    case BOOKING_LIST_EXPIRED: return outcome == BOOKING_BOOKED && status == BOOKING_STATUS_EXPIRED;
    case BOOKING_LIST_REJECTED: return outcome == BOOKING_REJECTED;
    }
    return false;
}
