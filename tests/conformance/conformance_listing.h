/* SPDX-License-Identifier: MIT */
/*
 * conformance_listing.h: the cases of listing (SPEC section 5: ListResources,
 * ListBookings), run on every store.
 */
#ifndef BOOKING_CONFORMANCE_LISTING_H
#define BOOKING_CONFORMANCE_LISTING_H

#include "conformance_ledger.h"

extern const struct CMUnitTest conformance_listing_cases[];
extern const size_t conformance_listing_case_count;

#endif
