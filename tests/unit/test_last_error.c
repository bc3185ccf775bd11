/* SPDX-License-Identifier: MIT */
/*
 * test_last_error.c: booking_last_error() gives the engine's own words about the
 * failure a call on this thread met, is "" after a call that met none, and is
 * each thread's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/test_support.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static char url[800], path[700];

static void a_busy_store_says_database_is_locked_and_a_later_call_clears_it(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "%s/last-error.db", test_tmpdir());
    snprintf(url, sizeof url, "sqlite:%s?busy_timeout_ms=20", path);
    booking_store *store;
    assert_int_equal(booking_store_open(url, &store, NULL, 0), BOOKING_OK);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, "r", 5, &reason, NULL), BOOKING_OK);
    assert_string_equal(booking_last_error(), "");

    sqlite3 *holder;
    assert_int_equal(sqlite3_open(path, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    booking_request req = {.booking_id = "b", .resource_id = "r", .units = 1};
    booking_result res;
    assert_int_equal(booking_attempt(store, &req, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_FAILED);
    assert_int_equal(res.reason, BOOKING_REASON_BUSY);
    assert_non_null(strstr(booking_last_error(), "database is locked"));
    assert_int_equal(sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(holder);

    assert_int_equal(booking_attempt(store, &req, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
    assert_string_equal(booking_last_error(), "");
    booking_store_close(store);
}

static void *other_thread(void *arg)
{
    (void)arg;
    return (void *)(booking_last_error()[0] == '\0' ? "empty" : "shared");
}

static void it_is_each_threads_own(void **state)
{
    (void)state;
    booking_store *store;
    assert_int_equal(booking_store_open(url, &store, NULL, 0), BOOKING_OK);
    sqlite3 *holder;
    assert_int_equal(sqlite3_open(path, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, "r", 9, &reason, NULL), BOOKING_OK);
    assert_true(booking_reason_is_failure(reason));
    assert_non_null(strstr(booking_last_error(), "database is locked"));
    pthread_t t;
    void *seen;
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    assert_int_equal(pthread_join(t, &seen), 0);
    assert_string_equal((const char *)seen, "empty");
    sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(holder);
    booking_store_close(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_busy_store_says_database_is_locked_and_a_later_call_clears_it),
        cmocka_unit_test(it_is_each_threads_own),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return failed;
}
