/* SPDX-License-Identifier: MIT */
/*
 * sqlite_sync_count.c: what a commit of the sqlite store costs the disk, counted
 * through the fault VFS (armed on syncs, never firing, it counts every xSync).
 * A lone attempt, what booking serve's committer runs when one request waits,
 * costs one sync, the WAL's (sqlite.c note (1)); a whole batch costs one too
 * (booking.h: booking_attempt_batch); a replay changes nothing and syncs nothing
 * (sqlite.c note (8)). So one connection runs at the disk's own fdatasync rate,
 * less the CPU of a decision (bench/one-connection measures both).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "fault/sqlite_fault_vfs.h"
#include "support/test_support.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define SYNC_VFS_NAME "booking-sync-count"
#define SYNC_LONE_ATTEMPTS 64 /* ~3 WAL frames each: far below the 1000-frame checkpoint */
#define SYNC_BATCH 50
#define SYNC_URL_SIZE 768
#define SYNC_ID_SIZE 64

static booking_store *store;
static unsigned long next_id;

static void fresh_id(char *out)
{
    snprintf(out, SYNC_ID_SIZE, "sync-%lu", next_id++);
}

/* Counting starts: every xSync from now on is seen, none fails. */
static void count_syncs(void)
{
    fault_vfs_arm(FAULT_OP_SYNC, ULONG_MAX, false);
}

static unsigned long syncs_seen(void)
{
    unsigned long n = fault_vfs_seen();
    assert_false(fault_vfs_fired());
    fault_vfs_disarm();
    return n;
}

static void attempt_one(const char *id)
{
    booking_request req = {.booking_id = id, .resource_id = "sync-r", .units = 1};
    booking_result res;
    assert_int_equal(booking_attempt_batch(store, &req, 1, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
}

static int setup(void **state)
{
    (void)state;
    if (fault_vfs_register(SYNC_VFS_NAME) != SQLITE_OK)
        return -1;
    char url[SYNC_URL_SIZE];
    snprintf(url, sizeof url, "sqlite:%s/sync.db?vfs=%s", test_tmpdir(), SYNC_VFS_NAME);
    char err[256];
    if (booking_store_open(url, &store, err, sizeof err) != BOOKING_OK) {
        fprintf(stderr, "open %s: %s\n", url, err);
        return -1;
    }
    booking_reason reason;
    if (booking_set_capacity(store, "sync-r", BOOKING_CAPACITY_MAX, &reason, NULL) != BOOKING_OK ||
        reason != BOOKING_REASON_OK)
        return -1;
    /* The WAL's first commit also syncs its new header: past it before counting. */
    char id[SYNC_ID_SIZE];
    fresh_id(id);
    booking_request req = {.booking_id = id, .resource_id = "sync-r", .units = 1};
    booking_result res;
    if (booking_attempt_batch(store, &req, 1, &res) != BOOKING_OK || res.outcome != BOOKING_BOOKED)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fault_vfs_disarm();
    booking_store_close(store);
    test_tmpdir_remove();
    return 0;
}

static void sqlite_lone_attempt_costs_one_fsync(void **state)
{
    (void)state;
    count_syncs();
    for (int i = 0; i < SYNC_LONE_ATTEMPTS; i++) {
        char id[SYNC_ID_SIZE];
        fresh_id(id);
        attempt_one(id);
    }
    assert_int_equal(syncs_seen(), SYNC_LONE_ATTEMPTS);
}

static void sqlite_whole_batch_costs_one_fsync(void **state)
{
    (void)state;
    booking_request reqs[SYNC_BATCH];
    booking_result res[SYNC_BATCH];
    char ids[SYNC_BATCH][SYNC_ID_SIZE];
    for (int i = 0; i < SYNC_BATCH; i++) {
        fresh_id(ids[i]);
        reqs[i] = (booking_request){.booking_id = ids[i], .resource_id = "sync-r", .units = 1};
    }
    count_syncs();
    assert_int_equal(booking_attempt_batch(store, reqs, SYNC_BATCH, res), BOOKING_OK);
    assert_int_equal(syncs_seen(), 1);
    for (int i = 0; i < SYNC_BATCH; i++)
        assert_int_equal(res[i].outcome, BOOKING_BOOKED);
}

static void sqlite_replay_costs_no_fsync(void **state)
{
    (void)state;
    char id[SYNC_ID_SIZE];
    fresh_id(id);
    attempt_one(id);
    count_syncs();
    booking_request req = {.booking_id = id, .resource_id = "sync-r", .units = 1};
    booking_result res;
    assert_int_equal(booking_attempt_batch(store, &req, 1, &res), BOOKING_OK);
    assert_int_equal(syncs_seen(), 0);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
    assert_true(res.replayed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_lone_attempt_costs_one_fsync),
        cmocka_unit_test(sqlite_whole_batch_costs_one_fsync),
        cmocka_unit_test(sqlite_replay_costs_no_fsync),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
