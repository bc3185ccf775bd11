/* SPDX-License-Identifier: MIT */
/*
 * store_expect.h: the store calls a test makes to set up or look, each expected to
 * succeed (cmocka's assertions: the call BOOKING_OK and its reason ok), so that a
 * test says what it sets or reads, not the checks around it.
 */
#ifndef BOOKING_TEST_STORE_EXPECT_H
#define BOOKING_TEST_STORE_EXPECT_H

#include "booking.h"

#include <stdint.h>

/* The sqlite store at path (its file made if missing), expected to open, reading
 * its time from clock (booking_store_set_clock). */
booking_store *expect_sqlite_open(const char *path, booking_clock_fn clock);

/* booking_set_capacity(store, resource_id, capacity), expected to succeed. */
void expect_capacity_set(booking_store *store, const char *resource_id, uint64_t capacity);

/* The record of booking_id, expected to be there. */
booking_record expect_record(booking_store *store, const char *booking_id);

/* The resource resource_id as of now, expected to be there. */
booking_resource expect_resource(booking_store *store, const char *resource_id);

#endif
