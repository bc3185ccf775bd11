/* SPDX-License-Identifier: MIT */
/*
 * postgres_store.c: what the postgres store must do beyond the conformance suite:
 * the schema made once by instances starting together and guarded by CHECKs,
 * one database shared by several store instances, a full batch decided in order,
 * a booking_id decided meanwhile elsewhere failing the whole batch, and URL
 * options. argv[1] is the URL of a fresh, empty database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPENERS 4
#define SHARED_IDS 200
#define SHARED_THREADS 6
#define WAIT_FOR_LOCK_MS 10000

static const char *url;

static booking_store *open_store(const char *u)
{
    booking_store *s = NULL;
    char err[256] = "";
    booking_error e = booking_store_open(u, &s, err, sizeof err);
    if (e != BOOKING_OK)
        fail_msg("open %s: %s (%s)", u, booking_error_name(e), err);
    return s;
}

/* ---- schema ---- */

static void *open_and_close(void *arg)
{
    booking_error *e = arg;
    booking_store *s = NULL;
    *e = booking_store_open(url, &s, NULL, 0);
    booking_store_close(s);
    return NULL;
}

/* Runs first, on the empty database. */
static void schema_is_created_once_when_instances_open_together(void **state)
{
    (void)state;
    pthread_t t[OPENERS];
    booking_error e[OPENERS];
    for (int i = 0; i < OPENERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, open_and_close, &e[i]), 0);
    for (int i = 0; i < OPENERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(e[i], BOOKING_OK);
    }
    PGconn *pg = pg_test_connect(url);
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), 4); /* listing's indexes */
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM booking_schema"), 1);
    PQfinish(pg);
}

static void schema_newer_than_known_refuses_to_open(void **state)
{
    (void)state;
    PGconn *pg = pg_test_connect(url);
    PQclear(pg_test_exec(pg, "UPDATE booking_schema SET version = version + 100"));
    booking_store *s = NULL;
    char err[256] = "";
    assert_int_equal(booking_store_open(url, &s, err, sizeof err), BOOKING_EOPEN);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
    PQclear(pg_test_exec(pg, "UPDATE booking_schema SET version = version - 100"));
    PQfinish(pg);
}

static void expect_sql_error(PGconn *pg, const char *sql, const char *sqlstate)
{
    PGresult *res = PQexec(pg, sql);
    const char *got = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (got == NULL || strcmp(got, sqlstate) != 0)
        fail_msg("%s: expected SQLSTATE %s, got %s", sql, sqlstate, got ? got : "success");
    PQclear(res);
}

static void invariant_is_guarded_by_checks_even_against_plain_sql(void **state)
{
    (void)state;
    booking_store *s = open_store(url);
    pg_test_set_capacity(s, "chk-r", 5);
    booking_store_close(s);
    PGconn *pg = pg_test_connect(url);
    expect_sql_error(pg, "UPDATE resources SET booked = 6 WHERE id = 'chk-r'", "23514");
    expect_sql_error(pg, "UPDATE resources SET booked = -1 WHERE id = 'chk-r'", "23514");
    /* A record: id, resource, units, outcome, status, hold_ms, created, updated, expires. */
#define CHK_INSERT "INSERT INTO bookings (id, resource_id, units, outcome, status, hold_ms," \
                   " created_at_ms, updated_at_ms, expires_at_ms) VALUES "
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 3, 0, 0, 5, 5, 0)", "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 0, 1, 1, 0, 5, 5, 0)", "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 2, 1, 0, 5, 5, 0)", "23514");
    /* holds: held only with a hold_ms, which is at most 7 days; expires_at_ms is
     * created_at_ms + hold_ms; an expired record changed at its expiry; times
     * never run backwards within a record */
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 1, 3, 0, 5, 5, 0)", "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 1, 3, 604800001, 5, 5, 604800006)",
                     "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 1, 3, 10, 5, 5, 16)", "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 1, 4, 10, 5, 14, 15)", "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 1, 1, 0, 5, 4, 0)", "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 2, 0, 10, 5, 5, 15)", "23514");
    expect_sql_error(pg, CHK_INSERT "('chk-b', 'chk-r', 1, 1, 5, 10, 5, 5, 15)", "23514");
#undef CHK_INSERT
    /* and the same rows, correct, are accepted: the CHECKs above failed for their reason */
    PQclear(pg_test_exec(pg, "INSERT INTO bookings (id, resource_id, units, outcome, status,"
                             " hold_ms, created_at_ms, updated_at_ms, expires_at_ms) VALUES"
                             " ('chk-h', 'chk-r', 1, 1, 4, 10, 5, 15, 15),"
                             " ('chk-j', 'chk-r', 1, 2, 0, 10, 5, 5, 0)"));
    PQclear(pg_test_exec(pg, "DELETE FROM bookings WHERE id IN ('chk-h', 'chk-j')"));
    expect_sql_error(pg, "INSERT INTO resources VALUES ('chk-r', 1, 0)", "23505");
    PQfinish(pg);
}

/* ---- batches ---- */

static void batch_of_the_maximum_size_is_decided_in_order(void **state)
{
    (void)state;
    enum { CAPACITY = 5000 };
    booking_store *s = open_store(url);
    pg_test_set_capacity(s, "max-r", CAPACITY);
    booking_request *reqs = calloc(BOOKING_BATCH_MAX, sizeof *reqs);
    booking_result *res = calloc(BOOKING_BATCH_MAX, sizeof *res);
    char (*ids)[32] = calloc(BOOKING_BATCH_MAX, sizeof *ids);
    assert_true(reqs && res && ids);
    for (int i = 0; i < BOOKING_BATCH_MAX; i++) {
        /* every 100th attempt repeats the one before it: a replay inside the batch */
        int n = i % 100 == 99 ? i - 1 : i;
        snprintf(ids[i], sizeof ids[i], "max-b%d", n);
        reqs[i] = (booking_request){.booking_id = ids[i], .resource_id = "max-r", .units = 1};
    }
    assert_int_equal(booking_attempt_batch(s, reqs, BOOKING_BATCH_MAX, res), BOOKING_OK);
    uint64_t used = 0;
    for (int i = 0; i < BOOKING_BATCH_MAX; i++) {
        bool repeat = i % 100 == 99;
        if (repeat) {
            assert_int_equal(res[i].outcome, res[i - 1].outcome);
            assert_true(res[i].replayed);
            continue;
        }
        bool fits = used < CAPACITY;
        used += fits;
        assert_int_equal(res[i].outcome, fits ? BOOKING_BOOKED : BOOKING_REJECTED);
        assert_int_equal(res[i].reason,
                         fits ? BOOKING_REASON_BOOKED : BOOKING_REASON_INSUFFICIENT_CAPACITY);
        assert_false(res[i].replayed);
    }
    booking_resource r;
    booking_reason reason;
    assert_int_equal(booking_get_resource(s, "max-r", &reason, &r), BOOKING_OK);
    assert_int_equal(r.booked, CAPACITY);
    PGconn *pg = pg_test_connect(url);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings WHERE resource_id = 'max-r'"),
                     BOOKING_BATCH_MAX - BOOKING_BATCH_MAX / 100);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
    free(reqs);
    free(res);
    free(ids);
}

typedef struct attempt_call {
    booking_store *store;
    booking_request reqs[2];
    booking_result res[2];
} attempt_call;

static void *run_batch(void *arg)
{
    attempt_call *c = arg;
    if (booking_attempt_batch(c->store, c->reqs, 2, c->res) != BOOKING_OK)
        c->res[0].outcome = 0;
    return NULL;
}

/* Another instance inserts the same booking_id on another resource between our
 * read and our insert (held uncommitted, then committed while we wait on it). */
static void id_decided_meanwhile_elsewhere_fails_the_batch_with_nothing_visible(void **state)
{
    (void)state;
    booking_store *s = open_store(url);
    pg_test_set_capacity(s, "race-r1", 10);
    pg_test_set_capacity(s, "race-r2", 10);
    PGconn *pg = pg_test_connect(url);
    PQclear(pg_test_exec(pg, "BEGIN"));
    PQclear(pg_test_exec(pg, "INSERT INTO bookings (id, resource_id, units, outcome, status,"
                             " created_at_ms, updated_at_ms) VALUES"
                             " ('race-x', 'race-r2', 1, 1, 1, 0, 0)"));
    PQclear(pg_test_exec(pg, "UPDATE resources SET booked = 1 WHERE id = 'race-r2'"));
    attempt_call c = {.store = s,
                      .reqs = {{.booking_id = "race-y", .resource_id = "race-r1", .units = 2},
                               {.booking_id = "race-x", .resource_id = "race-r1", .units = 1}}};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_batch, &c), 0);
    /* Commit only once the batch waits on race-x's uncommitted key. */
    long long t0 = pg_test_now_ms();
    while (pg_test_value(pg, "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                             " 'booking' AND datname = current_database()"
                             " AND wait_event_type = 'Lock'") == 0) {
        if (pg_test_now_ms() - t0 > WAIT_FOR_LOCK_MS)
            fail_msg("the batch never waited on the uncommitted record");
        usleep(10 * 1000);
    }
    PQclear(pg_test_exec(pg, "COMMIT"));
    pthread_join(t, NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(c.res[i].outcome, BOOKING_FAILED);
        assert_int_equal(c.res[i].reason, BOOKING_REASON_CONFLICT);
    }
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings WHERE id = 'race-y'"), 0);
    assert_int_equal(pg_test_value(pg, "SELECT booked FROM resources WHERE id = 'race-r1'"), 0);
    /* A repeat of the same batch now decides: race-x is another resource's. */
    assert_int_equal(booking_attempt_batch(s, c.reqs, 2, c.res), BOOKING_OK);
    assert_int_equal(c.res[0].outcome, BOOKING_BOOKED);
    assert_int_equal(c.res[1].reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    booking_store_close(s);
}

/* ---- instances ---- */

typedef struct shared_worker {
    booking_store *store;
    int index;
    int fresh[SHARED_IDS]; /* answers with replayed == false */
    int failed;
} shared_worker;

static void *shared_main(void *arg)
{
    shared_worker *w = arg;
    for (int k = 0; k < SHARED_IDS; k++) {
        int i = (k + w->index * 37) % SHARED_IDS; /* different orders, same ids */
        char id[32];
        snprintf(id, sizeof id, "inst-b%d", i);
        booking_request q = {.booking_id = id, .resource_id = i % 2 ? "inst-r1" : "inst-r2",
                             .units = 1};
        booking_result r;
        if (booking_attempt(w->store, &q, &r) != BOOKING_OK)
            w->failed++;
        else if (r.outcome == BOOKING_FAILED)
            w->failed++;
        else if (!r.replayed)
            w->fresh[i]++;
    }
    return NULL;
}

static void instances_on_one_database_decide_each_booking_id_once(void **state)
{
    (void)state;
    booking_store *stores[3];
    for (int i = 0; i < 3; i++)
        stores[i] = open_store(url);
    pg_test_set_capacity(stores[0], "inst-r1", 60);
    pg_test_set_capacity(stores[1], "inst-r2", 1000);
    shared_worker w[SHARED_THREADS];
    pthread_t t[SHARED_THREADS];
    for (int i = 0; i < SHARED_THREADS; i++) {
        w[i] = (shared_worker){.store = stores[i % 3], .index = i};
        assert_int_equal(pthread_create(&t[i], NULL, shared_main, &w[i]), 0);
    }
    for (int i = 0; i < SHARED_THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < SHARED_IDS; i++) {
        int fresh = 0;
        for (int k = 0; k < SHARED_THREADS; k++)
            fresh += w[k].fresh[i];
        if (fresh > 1)
            fail_msg("inst-b%d decided %d times", i, fresh);
    }
    PGconn *pg = pg_test_connect(url);
    /* Same resource per id, so waits queue on the row lock and nothing conflicts. */
    for (int k = 0; k < SHARED_THREADS; k++)
        assert_int_equal(w[k].failed, 0);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings WHERE id LIKE 'inst-b%'"),
                     SHARED_IDS);
    assert_int_equal(pg_test_value(pg, "SELECT booked FROM resources WHERE id = 'inst-r1'"), 60);
    pg_test_check_invariant(pg);
    PQfinish(pg);
    for (int i = 0; i < 3; i++)
        booking_store_close(stores[i]);
}

/* ---- URL ---- */

static void url_options_are_checked_at_open(void **state)
{
    (void)state;
    const char *bad[] = {"pool_size=0", "pool_size=65", "lock_timeout_ms=x",
                         "lock_timeout_ms=2000&statement_timeout_ms=1000", "no_such_option=1",
                         "prepare=no", "prepare=", "partitions=0", "partitions=17"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char u[1024];
        snprintf(u, sizeof u, "%s%s%s", url, strchr(url, '?') ? "&" : "?", bad[i]);
        booking_store *s = NULL;
        char err[256] = "";
        if (booking_store_open(u, &s, err, sizeof err) != BOOKING_EURL)
            fail_msg("%s opened", u);
        assert_null(s);
        assert_true(err[0] != '\0');
    }
    /* An error never repeats the URL: it may carry a password. */
    booking_store *none = NULL;
    char err[256] = "";
    assert_int_equal(booking_store_open("postgresql://u:sekret@127.0.0.1:1/db?pool_size=0", &none,
                                        err, sizeof err),
                     BOOKING_EURL);
    assert_null(strstr(err, "sekret"));
    assert_int_equal(booking_store_open("postgresql://u:sekret@127.0.0.1:1/db?bogus=1", &none, err,
                                        sizeof err),
                     BOOKING_EURL);
    assert_null(strstr(err, "sekret"));
    char u[1024];
    snprintf(u, sizeof u, "%s%spool_size=2&lock_timeout_ms=100&statement_timeout_ms=1000"
                          "&application_name=booking",
             url, strchr(url, '?') ? "&" : "?");
    booking_store *s = open_store(u);
    booking_reason reason;
    assert_int_equal(booking_store_ping(s, &reason), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    booking_store_close(s);
    /* prepare=off (for a pooler in transaction mode) is ours, not passed to libpq. */
    snprintf(u, sizeof u, "%s%sprepare=off", url, strchr(url, '?') ? "&" : "?");
    s = open_store(u);
    assert_int_equal(booking_store_ping(s, &reason), BOOKING_OK);
    booking_store_close(s);
}

static void unreachable_server_fails_open(void **state)
{
    (void)state;
    booking_store *s = NULL;
    char err[256] = "";
    long long t0 = pg_test_now_ms();
    assert_int_equal(booking_store_open("postgresql://postgres@127.0.0.1:1/none", &s, err,
                                        sizeof err),
                     BOOKING_EOPEN);
    assert_null(s);
    assert_true(pg_test_now_ms() - t0 < 6000);
}

int main(int argc, char **argv)
{
    url = pg_test_url_arg(argc, argv); /* of an empty database */
    if (url == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_is_created_once_when_instances_open_together),
        cmocka_unit_test(schema_newer_than_known_refuses_to_open),
        cmocka_unit_test(invariant_is_guarded_by_checks_even_against_plain_sql),
        cmocka_unit_test(batch_of_the_maximum_size_is_decided_in_order),
        cmocka_unit_test(id_decided_meanwhile_elsewhere_fails_the_batch_with_nothing_visible),
        cmocka_unit_test(instances_on_one_database_decide_each_booking_id_once),
        cmocka_unit_test(url_options_are_checked_at_open),
        cmocka_unit_test(unreachable_server_fails_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
