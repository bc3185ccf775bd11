/* SPDX-License-Identifier: MIT */
/*
 * test_invariant_assert.c: the resource invariant of SPEC section 1
 * (0 <= booked <= capacity) is asserted where a store reads a counter. A sqlite
 * file whose counter was corrupted past its CHECKs (booked > capacity) must stop
 * the next call that reads it with an assertion (SIGABRT), never be decided on.
 * Each call runs in a child process; the parent looks at how it ended.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH_SIZE 1024
#define URL_SIZE (PATH_SIZE + 16)
#define CAPACITY 5
#define BOOKED 3
#define CORRUPT_BOOKED 9 /* > CAPACITY */

typedef enum child_call { CALL_ATTEMPT, CALL_GET_RESOURCE } child_call;

static char db_path[PATH_SIZE];
static char url[URL_SIZE];
static char stderr_path[PATH_SIZE];

/* A store file with room-1 at capacity 5, 3 of it booked. */
static int make_store(void **state)
{
    (void)state;
    snprintf(db_path, sizeof db_path, "%s/invariant.db", test_tmpdir());
    snprintf(url, sizeof url, "sqlite:%s", db_path);
    snprintf(stderr_path, sizeof stderr_path, "%s/child.stderr", test_tmpdir());
    booking_store *s;
    if (booking_store_open(url, &s, NULL, 0) != BOOKING_OK)
        return -1;
    booking_resource res;
    booking_reason reason;
    booking_result result;
    booking_request req = {.booking_id = "b-1", .resource_id = "room-1", .units = BOOKED};
    bool ok = booking_set_capacity(s, "room-1", CAPACITY, &reason, &res) == BOOKING_OK &&
              booking_attempt(s, &req, &result) == BOOKING_OK && result.outcome == BOOKING_BOOKED;
    booking_store_close(s);
    return ok ? 0 : -1;
}

static int remove_store(void **state)
{
    (void)state;
    test_tmpdir_remove();
    return 0;
}

/* Writes booked > capacity with the sqlite3 API, past the schema's CHECKs. */
static void corrupt_counter(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    char sql[128];
    snprintf(sql, sizeof sql,
             "PRAGMA ignore_check_constraints = ON;"
             "UPDATE resources SET booked = %d WHERE id = 'room-1'",
             CORRUPT_BOOKED);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* In the child: open the store and make one call that reads room-1's counters. */
static void child_run(child_call call)
{
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* the abort is expected: no core file */
    int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0)
        dup2(fd, STDERR_FILENO);
    booking_store *s;
    if (booking_store_open(url, &s, NULL, 0) != BOOKING_OK)
        exit(2);
    booking_resource res;
    booking_reason reason;
    booking_result result;
    booking_request req = {.booking_id = "b-2", .resource_id = "room-1", .units = 1};
    booking_error e = call == CALL_ATTEMPT ? booking_attempt(s, &req, &result)
                                           : booking_get_resource(s, "room-1", &reason, &res);
    booking_store_close(s);
    exit(e == BOOKING_OK ? 0 : 3);
}

/* Runs the call in a child; returns its wait status. */
static int run_in_child(child_call call)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_run(call);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* The assertion that stopped the child is the resource invariant's. */
static void assert_child_stopped_by_invariant(int status)
{
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    char text[4096] = "";
    FILE *f = fopen(stderr_path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_non_null(strstr(text, "bk_core_resource_consistent"));
}

static void skip_without_assertions(void)
{
#ifdef NDEBUG
    skip(); /* a build with -DNDEBUG (Release) has no assertions to trip */
#endif
}

static void invariant_intact_counter_lets_the_call_run(void **state)
{
    (void)state;
    int status = run_in_child(CALL_ATTEMPT);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void invariant_booked_above_capacity_aborts_the_next_attempt(void **state)
{
    (void)state;
    skip_without_assertions();
    corrupt_counter();
    assert_child_stopped_by_invariant(run_in_child(CALL_ATTEMPT));
}

static void invariant_booked_above_capacity_aborts_a_read_of_the_resource(void **state)
{
    (void)state;
    skip_without_assertions();
    corrupt_counter();
    assert_child_stopped_by_invariant(run_in_child(CALL_GET_RESOURCE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(invariant_intact_counter_lets_the_call_run, make_store,
                                        remove_store),
        cmocka_unit_test_setup_teardown(invariant_booked_above_capacity_aborts_the_next_attempt,
                                        make_store, remove_store),
        cmocka_unit_test_setup_teardown(
            invariant_booked_above_capacity_aborts_a_read_of_the_resource, make_store,
            remove_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
