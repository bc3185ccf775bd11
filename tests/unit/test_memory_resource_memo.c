/* SPDX-License-Identifier: MIT */
/*
 * test_memory_resource_memo.c: a batch of the memory store remembers the
 * resource of its last new attempt's line 0 (memory.c, design note (10)): the
 * next attempts on that id take it from the memo, and any other id, one that
 * shares its first bytes or an unknown one included, is still looked up. Each
 * answer and each resource's counter are what one attempt at a time would give.
 * And the library's check of a batch's resource ids, done once per id in a row,
 * still refuses a batch with any invalid one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/store_expect.h"

#include <stdio.h>

#define MEMO_ATTEMPTS 12

static booking_store *open_with(const char *const *ids, const uint64_t *caps, size_t n)
{
    booking_store *store;
    assert_int_equal(booking_store_open("memory:", &store, NULL, 0), BOOKING_OK);
    for (size_t i = 0; i < n; i++)
        expect_capacity_set(store, ids[i], caps[i]);
    return store;
}

static uint64_t booked_of(booking_store *store, const char *id)
{
    return expect_resource(store, id).booked;
}

static void one_batch_over_resources_that_share_a_prefix_answers_each_by_its_own(void **state)
{
    (void)state;
    const char *const ids[] = {"r", "r1", "r10"};
    const uint64_t caps[] = {2, 100, 1};
    booking_store *store = open_with(ids, caps, 3);
    /* The memo changes between these ids at almost every attempt; "r" is a
     * prefix of the others, "zz" is unknown, and the same id in another
     * buffer must still be taken from the memo or found, either way the same. */
    static char r_again[] = "r";
    const char *res[MEMO_ATTEMPTS] = {"r", "r", "r1", "r", "zz", "r10", "r10", "r1",
                                      r_again, "r1", "zz", "r"};
    const booking_reason want[MEMO_ATTEMPTS] = {
        BOOKING_REASON_BOOKED, BOOKING_REASON_BOOKED, BOOKING_REASON_BOOKED,
        BOOKING_REASON_INSUFFICIENT_CAPACITY, BOOKING_REASON_UNKNOWN_RESOURCE,
        BOOKING_REASON_BOOKED, BOOKING_REASON_INSUFFICIENT_CAPACITY, BOOKING_REASON_BOOKED,
        BOOKING_REASON_INSUFFICIENT_CAPACITY, BOOKING_REASON_BOOKED,
        BOOKING_REASON_UNKNOWN_RESOURCE, BOOKING_REASON_INSUFFICIENT_CAPACITY};
    char booking_ids[MEMO_ATTEMPTS][16];
    booking_request reqs[MEMO_ATTEMPTS];
    booking_result out[MEMO_ATTEMPTS];
    for (size_t i = 0; i < MEMO_ATTEMPTS; i++) {
        snprintf(booking_ids[i], sizeof booking_ids[i], "m-%zu", i);
        reqs[i] = (booking_request){.booking_id = booking_ids[i], .resource_id = res[i],
                                    .units = 1};
    }
    assert_int_equal(booking_attempt_batch(store, reqs, MEMO_ATTEMPTS, out), BOOKING_OK);
    for (size_t i = 0; i < MEMO_ATTEMPTS; i++) {
        assert_int_equal(out[i].reason, want[i]);
        assert_false(out[i].replayed);
    }
    assert_true(booked_of(store, "r") == 2);
    assert_true(booked_of(store, "r1") == 3);
    assert_true(booked_of(store, "r10") == 1);
    booking_store_close(store);
}

/* A bundle whose line 0 is the memo's resource: its other lines are looked up,
 * and its answer names the line that failed. */
static void a_bundle_after_a_single_attempt_on_its_first_resource_checks_every_line(void **state)
{
    (void)state;
    const char *const ids[] = {"a", "b"};
    const uint64_t caps[] = {10, 1};
    booking_store *store = open_with(ids, caps, 2);
    booking_line both[2] = {{.resource_id = "a", .units = 1}, {.resource_id = "b", .units = 1}};
    booking_line a_then_unknown[2] = {{.resource_id = "a", .units = 1},
                                      {.resource_id = "c", .units = 1}};
    booking_request reqs[4] = {
        {.booking_id = "s-0", .resource_id = "a", .units = 1},
        {.booking_id = "s-1", .lines = both, .line_count = 2},
        {.booking_id = "s-2", .lines = both, .line_count = 2},
        {.booking_id = "s-3", .lines = a_then_unknown, .line_count = 2},
    };
    booking_result out[4];
    assert_int_equal(booking_attempt_batch(store, reqs, 4, out), BOOKING_OK);
    assert_int_equal(out[0].reason, BOOKING_REASON_BOOKED);
    assert_int_equal(out[1].reason, BOOKING_REASON_BOOKED);
    assert_int_equal(out[2].reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(out[2].line, 1);
    assert_int_equal(out[3].reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    assert_int_equal(out[3].line, 1);
    assert_true(booked_of(store, "a") == 2);
    assert_true(booked_of(store, "b") == 1);
    booking_store_close(store);
}

/* The library checks a batch's resource ids once per id in a row (booking.c,
 * resource_id_valid): an invalid id after a valid one, one that extends it or
 * differs from it in its last byte, still refuses the whole batch. */
static void an_invalid_resource_id_after_a_valid_one_refuses_the_batch(void **state)
{
    (void)state;
    const char *const ids[] = {"r"};
    const uint64_t caps[] = {10};
    booking_store *store = open_with(ids, caps, 1);
    const char *const bad[] = {"r!", "", "r r", "\x7f"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        booking_request reqs[3] = {
            {.booking_id = "v-0", .resource_id = "r", .units = 1},
            {.booking_id = "v-1", .resource_id = "r", .units = 1},
            {.booking_id = "v-2", .resource_id = bad[k], .units = 1},
        };
        booking_result out[3];
        assert_int_equal(booking_attempt_batch(store, reqs, 3, out), BOOKING_EINVAL);
    }
    assert_true(booked_of(store, "r") == 0); /* nothing of a refused batch was decided */
    booking_store_close(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_batch_over_resources_that_share_a_prefix_answers_each_by_its_own),
        cmocka_unit_test(a_bundle_after_a_single_attempt_on_its_first_resource_checks_every_line),
        cmocka_unit_test(an_invalid_resource_id_after_a_valid_one_refuses_the_batch),
    };
    return cmocka_run_group_tests_name("memory_resource_memo", tests, NULL, NULL);
}
