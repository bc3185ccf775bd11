/* SPDX-License-Identifier: MIT */
/*
 * conformance_bundles.h: the cases of SPEC section 8 (bundles), run on every store.
 */
#ifndef BOOKING_CONFORMANCE_BUNDLES_H
#define BOOKING_CONFORMANCE_BUNDLES_H

#include "conformance_ledger.h"

extern const struct CMUnitTest conformance_bundle_cases[];
extern const size_t conformance_bundle_case_count;

#endif
