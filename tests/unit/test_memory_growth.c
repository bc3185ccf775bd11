/* SPDX-License-Identifier: MIT */
/*
 * test_memory_growth.c: the memory store's tables double as they fill (memory.c,
 * design note (5)): across every growth each record is still found, so a replay
 * is never decided twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"

#include <stdio.h>
#include <stdlib.h>

#define GROWTH_IDS 300000 /* past several doublings of every shard's 1024 slots */
#define GROWTH_BATCH 8192
#define GROWTH_ID_BYTES 24

static void every_record_is_found_while_the_tables_grow(void **state)
{
    (void)state;
    booking_store *store;
    assert_int_equal(booking_store_open("memory:", &store, NULL, 0), BOOKING_OK);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, "r", BOOKING_CAPACITY_MAX, &reason, NULL),
                     BOOKING_OK);
    char (*ids)[GROWTH_ID_BYTES] = malloc((size_t)GROWTH_IDS * GROWTH_ID_BYTES);
    booking_request *reqs = calloc(GROWTH_BATCH, sizeof *reqs);
    booking_result *res = calloc(GROWTH_BATCH, sizeof *res);
    assert_non_null(ids);
    assert_non_null(reqs);
    assert_non_null(res);
    for (size_t done = 0; done < GROWTH_IDS; done += GROWTH_BATCH) {
        size_t n = GROWTH_IDS - done < GROWTH_BATCH ? GROWTH_IDS - done : GROWTH_BATCH;
        for (size_t i = 0; i < n; i++) {
            snprintf(ids[done + i], GROWTH_ID_BYTES, "g-%zu", done + i);
            reqs[i] = (booking_request){.booking_id = ids[done + i], .resource_id = "r",
                                        .units = 1};
        }
        assert_int_equal(booking_attempt_batch(store, reqs, n, res), BOOKING_OK);
        for (size_t i = 0; i < n; i++)
            assert_false(res[i].replayed);
        /* Replays of earlier ids, some only in an old array by now. */
        size_t m = 0;
        for (size_t k = 0; k < done && m < GROWTH_BATCH; k += 37)
            reqs[m++] = (booking_request){.booking_id = ids[k], .resource_id = "r", .units = 1};
        if (m > 0) {
            assert_int_equal(booking_attempt_batch(store, reqs, m, res), BOOKING_OK);
            for (size_t i = 0; i < m; i++)
                assert_true(res[i].outcome == BOOKING_BOOKED && res[i].replayed);
        }
    }
    booking_resource r;
    assert_int_equal(booking_get_resource(store, "r", &reason, &r), BOOKING_OK);
    assert_true(r.booked == GROWTH_IDS);
    free(ids);
    free(reqs);
    free(res);
    booking_store_close(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_record_is_found_while_the_tables_grow),
    };
    return cmocka_run_group_tests_name("memory_growth", tests, NULL, NULL);
}
