/* SPDX-License-Identifier: MIT */
/*
 * store_expect.c: see store_expect.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "support/store_expect.h"

/* "sqlite:" and a path: the tests' paths live under their temporary folder. */
#define EXPECT_SQLITE_URL_SIZE 1024

booking_store *expect_sqlite_open(const char *path, booking_clock_fn clock)
{
    assert_non_null(path);
    assert_non_null(clock);
    char url[EXPECT_SQLITE_URL_SIZE], why[512] = "";
    int n = snprintf(url, sizeof url, "sqlite:%s", path);
    assert_true(n > 0 && (size_t)n < sizeof url);
    booking_store *s = NULL;
    if (booking_store_open(url, &s, why, sizeof why) != BOOKING_OK)
        fail_msg("open %s: %s", url, why);
    assert_int_equal(booking_store_set_clock(s, clock, NULL), BOOKING_OK);
    return s;
}

void expect_capacity_set(booking_store *store, const char *resource_id, uint64_t capacity)
{
    assert_non_null(store);
    assert_non_null(resource_id);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, resource_id, capacity, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
}

booking_record expect_record(booking_store *store, const char *booking_id)
{
    assert_non_null(store);
    assert_non_null(booking_id);
    booking_record rec;
    booking_reason reason;
    assert_int_equal(booking_get_booking(store, booking_id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return rec;
}

booking_resource expect_resource(booking_store *store, const char *resource_id)
{
    assert_non_null(store);
    assert_non_null(resource_id);
    booking_resource res;
    booking_reason reason;
    assert_int_equal(booking_get_resource(store, resource_id, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return res;
}
