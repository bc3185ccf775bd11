/* SPDX-License-Identifier: MIT */
/*
 * validate.h: the library-internal side of SPEC section 3's checks (the public
 * ones are in booking.h). Pure functions.
 */
#ifndef BOOKING_CORE_VALIDATE_H
#define BOOKING_CORE_VALIDATE_H

#include "booking.h"

/* The length of a NUL-terminated id if it is valid, else 0: one pass that both
 * measures and checks, never reading past BOOKING_ID_LEN_MAX + 1 bytes. */
size_t bk_core_id_checked_len(const char *id);

#endif
