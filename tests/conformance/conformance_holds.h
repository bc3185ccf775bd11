/* SPDX-License-Identifier: MIT */
/*
 * conformance_holds.h: the cases of SPEC section 7 (holds), run on every store.
 */
#ifndef BOOKING_CONFORMANCE_HOLDS_H
#define BOOKING_CONFORMANCE_HOLDS_H

#include "conformance_ledger.h"

extern const struct CMUnitTest conformance_hold_cases[];
extern const size_t conformance_hold_case_count;

#endif
