/* SPDX-License-Identifier: MIT */
/*
 * conformance_changes.h: the cases of booking_change_batch, run on every store.
 */
#ifndef BOOKING_CONFORMANCE_CHANGES_H
#define BOOKING_CONFORMANCE_CHANGES_H

#include "conformance_ledger.h"

extern const struct CMUnitTest conformance_change_cases[];
extern const size_t conformance_change_case_count;

#endif
