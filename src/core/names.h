/* SPDX-License-Identifier: MIT */
/*
 * names.h: the library-internal views of the vocabulary lists in booking.h
 * (BOOKING_OUTCOME_MAP, BOOKING_REASON_MAP): name lookups for readers of wire
 * text (the history checker) and the outcome/reason pairing. Pure functions.
 */
#ifndef BOOKING_CORE_NAMES_H
#define BOOKING_CORE_NAMES_H

#include "booking.h"

/* The number of reasons: booking_reason runs from 0 to CORE_REASON_COUNT - 1. */
#define CORE_REASON_COUNT_ONE_(name, wire, outcome, recorded, http_status) +1
#define CORE_REASON_COUNT (0 BOOKING_REASON_MAP(CORE_REASON_COUNT_ONE_))

/* The outcome column of BOOKING_REASON_MAP as a value: NONE (an answer of an
 * operation other than an attempt) is 0, which no booking_outcome has. */
#define CORE_REASON_OUTCOME_BOOKED BOOKING_BOOKED
#define CORE_REASON_OUTCOME_REJECTED BOOKING_REJECTED
#define CORE_REASON_OUTCOME_FAILED BOOKING_FAILED
#define CORE_REASON_OUTCOME_NONE 0

/* The reason or outcome whose wire name is name (NUL-terminated); false, and *out
 * untouched, for a name that is none of them. */
bool bk_core_reason_from_name(const char *name, booking_reason *out);
bool bk_core_outcome_from_name(const char *name, booking_outcome *out);

/* Whether an attempt may end in outcome with reason (SPEC section 1): BOOKED with
 * booked, REJECTED with one of its three reasons, FAILED with a failure. */
bool bk_core_reason_pairs_with(booking_reason reason, booking_outcome outcome);

/* Whether the reason's decision is written as a record (SPEC section 1). */
bool bk_core_reason_recorded(booking_reason reason);

/* Whether a listing with filter keeps a record of that outcome whose status as of
 * the read's time (bk_core_status_at) is status. One rule for every store. */
bool bk_core_list_filter_keeps(booking_list_filter filter, booking_outcome outcome,
                               booking_status status);

#endif
