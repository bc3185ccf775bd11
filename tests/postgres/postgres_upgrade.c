/* SPDX-License-Identifier: MIT */
/*
 * postgres_upgrade.c: a database an earlier release wrote (schema version 1:
 * the committed dump tests/fixtures/postgres-schema-v1.sql; version 2, holds:
 * postgres-schema-v2.sql; version 3, bundles: postgres-schema-v3.sql) is
 * migrated in place to version 4 (listing's bytewise indexes) when this
 * library opens it, in one transaction, by one of many instances opening
 * together: every decision, counter, hold and time is kept, and holds and
 * bundles work after. A migration that fails leaves the old version as it was.
 * argv[1] is the URL of a fresh database, argv[2] the fixture, argv[3] its
 * version (1, 2 or 3).
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

#define OPENERS 4
#define FIXTURE_BYTES_MAX (64 * 1024)
#define HOLD_MS 1000
#define SCHEMA_VERSION_NOW 4
#define ROWS_TEXT_MAX 4096

/* Every stored column of every row of a version-2 database, as one text. */
#define V2_BOOKINGS                                                                          \
    "SELECT string_agg(concat_ws('|', id, resource_id, units, outcome, status, hold_ms,"     \
    " created_at_ms, updated_at_ms, expires_at_ms), ',' ORDER BY id) FROM bookings"
#define V2_RESOURCES                                                                         \
    "SELECT string_agg(concat_ws('|', id, capacity, booked, clock_ms), ',' ORDER BY id)"     \
    " FROM resources"

/* The indexes of version 4, each in bytewise order on every column. */
#define LISTING_INDEXES                                                                      \
    "SELECT count(*) FROM pg_indexes WHERE (indexname, indexdef) IN ("                       \
    " ('resources_by_id_bytewise', 'CREATE INDEX resources_by_id_bytewise ON public.resources" \
    " USING btree (id COLLATE \"C\")'),"                                                     \
    " ('bookings_by_resource', 'CREATE INDEX bookings_by_resource ON public.bookings"          \
    " USING btree (resource_id COLLATE \"C\", id COLLATE \"C\")'),"                          \
    " ('booking_lines_by_resource', 'CREATE INDEX booking_lines_by_resource"                  \
    " ON public.booking_lines USING btree (resource_id COLLATE \"C\", booking_id COLLATE \"C\")'))"
/* Every stored column of every row of a version-3 database, as one text. */
#define V3_BOOKINGS                                                                          \
    "SELECT string_agg(concat_ws('|', id, resource_id, units, outcome, status, hold_ms,"     \
    " created_at_ms, updated_at_ms, expires_at_ms, line_count, line), ',' ORDER BY id)"      \
    " FROM bookings"
#define V3_LINES                                                                             \
    "SELECT string_agg(concat_ws('|', booking_id, line, resource_id, units, held,"           \
    " expires_at_ms), ',' ORDER BY booking_id, line) FROM booking_lines"

static const char *url, *fixture;
static int64_t test_clock_ms;

static int64_t test_clock(void *context)
{
    (void)context;
    return test_clock_ms;
}

/* Runs the dump as one simple query; psql's meta-commands (lines that start
 * with a backslash) are psql's, not SQL, and are left out. */
static void load_fixture(void)
{
    FILE *f = fopen(fixture, "r");
    if (f == NULL)
        fail_msg("cannot open %s", fixture);
    char *sql = calloc(1, FIXTURE_BYTES_MAX);
    assert_non_null(sql);
    size_t len = 0;
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '\\')
            continue;
        size_t n = strlen(line);
        assert_true(len + n < FIXTURE_BYTES_MAX);
        memcpy(sql + len, line, n);
        len += n;
    }
    fclose(f);
    PGconn *pg = pg_test_connect(url); /* its own: the dump empties search_path */
    PQclear(pg_test_exec(pg, sql));
    PQfinish(pg);
    free(sql);
}

static booking_store *open_store(void)
{
    booking_store *s = NULL;
    char err[256] = "";
    if (booking_store_open(url, &s, err, sizeof err) != BOOKING_OK)
        fail_msg("open %s: %s", url, err);
    return s;
}

static long long column_count(PGconn *pg, const char *table, const char *column)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
             " AND table_name = '%s' AND column_name = '%s'", table, column);
    return pg_test_value(pg, sql);
}

/* Runs first: the fixture is loaded here, and stays for the next case. */
static void migration_that_fails_leaves_schema_version_1_as_it_was(void **state)
{
    (void)state;
    load_fixture();
    PGconn *pg = pg_test_connect(url);
    /* A CHECK that migration 2 replaces is gone: its DROP fails, after the
     * migration has already added resources.clock_ms. */
    PQclear(pg_test_exec(pg, "ALTER TABLE bookings DROP CONSTRAINT bookings_check"));
    booking_store *s = NULL;
    char err[256] = "";
    assert_int_equal(booking_store_open(url, &s, err, sizeof err), BOOKING_EOPEN);
    assert_null(s);
    assert_non_null(strstr(err, "bookings_check"));
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), 1);
    assert_int_equal(column_count(pg, "resources", "clock_ms"), 0);
    assert_int_equal(column_count(pg, "bookings", "hold_ms"), 0);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings"), 6);
    PQclear(pg_test_exec(pg, "ALTER TABLE bookings ADD CONSTRAINT bookings_check CHECK"
                             " ((outcome = 1 AND status IN (1, 2)) OR (outcome = 2 AND status = 0))"));
    PQfinish(pg);
}

static void *open_and_close(void *arg)
{
    booking_error *e = arg;
    booking_store *s = NULL;
    *e = booking_store_open(url, &s, NULL, 0);
    booking_store_close(s);
    return NULL;
}

static void expect_record(booking_store *s, const char *id, const char *resource_id,
                          uint64_t units, booking_outcome outcome, booking_status status,
                          long long migrated_after_ms, long long migrated_before_ms)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_string_equal(rec.resource_id, resource_id);
    assert_int_equal(rec.units, units);
    assert_int_equal(rec.outcome, outcome);
    assert_int_equal(rec.status, status);
    assert_int_equal(rec.hold_ms, 0);
    assert_true(rec.expires_at_ms == 0);
    assert_int_equal(rec.line_count, 1);
    assert_int_equal(rec.line, 0);
    /* A version-1 record's times: the migration's (postgres_schema.c). */
    assert_true(rec.created_at_ms == rec.updated_at_ms);
    assert_true(rec.created_at_ms >= migrated_after_ms && rec.created_at_ms <= migrated_before_ms);
}

static void expect_resource(booking_store *s, const char *id, uint64_t capacity, uint64_t booked)
{
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(s, id, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(res.capacity, capacity);
    assert_int_equal(res.booked, booked);
}

static booking_result attempt(booking_store *s, const char *id, const char *rid, uint64_t units,
                              uint64_t hold_ms)
{
    booking_request q = {.booking_id = id, .resource_id = rid, .units = units, .hold_ms = hold_ms};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    return r;
}

/* The fixture's decisions, as the previous release answered them when it wrote them. */
static void every_decision_is_kept(booking_store *s, long long t0, long long t1)
{
    expect_record(s, "b-1", "r-seats", 4, BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, t0, t1);
    expect_record(s, "b-2", "r-seats", 5, BOOKING_BOOKED, BOOKING_STATUS_CANCELLED, t0, t1);
    expect_record(s, "b-3", "r-seats", 3, BOOKING_REJECTED, BOOKING_STATUS_NONE, t0, t1);
    expect_record(s, "b-4", "r-seats", 2, BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, t0, t1);
    expect_record(s, "b-5", "r-room", 1, BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, t0, t1);
    expect_record(s, "b-6", "r-room", 1, BOOKING_REJECTED, BOOKING_STATUS_NONE, t0, t1);
    expect_resource(s, "r-seats", 10, 6);
    expect_resource(s, "r-room", 1, 1);
    expect_resource(s, "r-empty", 0, 0);
    booking_result r = attempt(s, "b-1", "r-seats", 4, 0);
    assert_true(r.outcome == BOOKING_BOOKED && r.replayed && r.status == BOOKING_STATUS_ACTIVE);
    r = attempt(s, "b-3", "r-seats", 3, 0);
    assert_true(r.outcome == BOOKING_REJECTED && r.replayed &&
                r.reason == BOOKING_REASON_INSUFFICIENT_CAPACITY);
    r = attempt(s, "b-1", "r-seats", 4, HOLD_MS); /* a version-1 record is no hold */
    assert_int_equal(r.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    booking_reason reason;
    assert_int_equal(booking_cancel(s, "b-2", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_ALREADY_CANCELLED);
    assert_int_equal(booking_confirm(s, "b-5", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_ALREADY_CONFIRMED);
    assert_int_equal(booking_cancel(s, "b-4", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CANCELLED);
    expect_resource(s, "r-seats", 10, 4);
}

static void holds_work_after(booking_store *s, PGconn *pg)
{
    test_clock_ms = pg_test_server_ms(pg) + 1; /* after the migration's time */
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    int64_t t0 = test_clock_ms;
    booking_result r = attempt(s, "h-1", "r-seats", 3, HOLD_MS);
    assert_true(r.outcome == BOOKING_BOOKED && r.status == BOOKING_STATUS_HELD &&
                r.expires_at_ms == t0 + HOLD_MS);
    r = attempt(s, "h-2", "r-seats", 3, HOLD_MS);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    expect_resource(s, "r-seats", 10, 10);
    test_clock_ms += HOLD_MS - 1;
    booking_reason reason;
    assert_int_equal(booking_confirm(s, "h-1", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CONFIRMED);
    test_clock_ms += 1;
    expect_resource(s, "r-seats", 10, 7); /* h-2 expired */
    r = attempt(s, "h-3", "r-seats", 3, 0);
    assert_true(r.outcome == BOOKING_BOOKED && r.status == BOOKING_STATUS_ACTIVE);
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 1);
    assert_int_equal(pg_test_value(pg, "SELECT status FROM bookings WHERE id = 'h-2'"),
                     BOOKING_STATUS_EXPIRED);
    pg_test_check_invariant(pg);
}

static void schema_version_1_is_migrated_in_place_keeping_every_decision(void **state)
{
    (void)state;
    PGconn *pg = pg_test_connect(url);
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), 1);
    long long t0 = pg_test_server_ms(pg);
    pthread_t t[OPENERS];
    booking_error e[OPENERS];
    for (int i = 0; i < OPENERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, open_and_close, &e[i]), 0);
    for (int i = 0; i < OPENERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(e[i], BOOKING_OK);
    }
    long long t1 = pg_test_server_ms(pg);
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), SCHEMA_VERSION_NOW);
    /* every earlier record is a single attempt: one line, no failing line named */
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings"
                                       " WHERE line_count <> 1 OR line <> 0"), 0);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM booking_lines"), 0);
    /* migrated once: every row and resource has the one migration's time */
    assert_int_equal(pg_test_value(pg, "SELECT count(DISTINCT created_at_ms) FROM bookings"), 1);
    assert_int_equal(pg_test_value(pg, "SELECT count(DISTINCT clock_ms) FROM resources"), 1);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                                       " ('bookings_live_holds', 'booking_lines_live_holds')"), 2);
    assert_int_equal(pg_test_value(pg, LISTING_INDEXES), 3);
    pg_test_check_invariant(pg);
    booking_store *s = open_store();
    every_decision_is_kept(s, t0, t1);
    holds_work_after(s, pg);
    booking_store_close(s);
    PQfinish(pg);
}

/* ---- version 2 (holds) to 3 ---- */

/* One text value from "SELECT ..." into out. */
static void text_value(PGconn *pg, const char *sql, char *out, size_t size)
{
    PGresult *res = pg_test_exec(pg, sql);
    assert_int_equal(PQntuples(res), 1);
    assert_true(strlen(PQgetvalue(res, 0, 0)) < size);
    snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

static long long fixture_ms(PGconn *pg, const char *column, const char *table, const char *id)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = '%s'", column, table, id);
    return pg_test_value(pg, sql);
}

/* Runs first: the fixture is loaded here, and stays for the next case.
 * Migration 3 adds bookings.line_count and line, then creates booking_lines: a
 * table of that name already there makes it fail after the columns were added. */
static void migration_that_fails_leaves_schema_version_2_as_it_was(void **state)
{
    (void)state;
    load_fixture();
    PGconn *pg = pg_test_connect(url);
    char bookings[ROWS_TEXT_MAX], resources[ROWS_TEXT_MAX], after[ROWS_TEXT_MAX];
    text_value(pg, V2_BOOKINGS, bookings, sizeof bookings);
    text_value(pg, V2_RESOURCES, resources, sizeof resources);
    PQclear(pg_test_exec(pg, "CREATE TABLE booking_lines (x integer)"));
    booking_store *s = NULL;
    char err[256] = "";
    assert_int_equal(booking_store_open(url, &s, err, sizeof err), BOOKING_EOPEN);
    assert_null(s);
    assert_non_null(strstr(err, "booking_lines"));
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), 2);
    assert_int_equal(column_count(pg, "bookings", "line_count"), 0);
    assert_int_equal(column_count(pg, "bookings", "line"), 0);
    text_value(pg, V2_BOOKINGS, after, sizeof after);
    assert_string_equal(after, bookings);
    text_value(pg, V2_RESOURCES, after, sizeof after);
    assert_string_equal(after, resources);
    PQclear(pg_test_exec(pg, "DROP TABLE booking_lines"));
    PQfinish(pg);
}

static void expect_v2_record(booking_store *s, PGconn *pg, const char *id, booking_status status)
{
    booking_reason reason;
    booking_record rec;
    booking_record_line lines[2];
    assert_int_equal(booking_get_booking_lines(s, id, &reason, &rec, lines, 2), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(rec.status, status);
    assert_int_equal(rec.line_count, 1);
    assert_int_equal(rec.line, 0);
    assert_string_equal(lines[0].resource_id, rec.resource_id);
    assert_int_equal(lines[0].units, rec.units);
    /* the times as the previous release stored them (an unswept expiry: at its end) */
    assert_true(rec.created_at_ms == fixture_ms(pg, "created_at_ms", "bookings", id));
    assert_true(rec.expires_at_ms == fixture_ms(pg, "expires_at_ms", "bookings", id));
    long long updated = fixture_ms(pg, "updated_at_ms", "bookings", id);
    assert_true(rec.updated_at_ms == (status == BOOKING_STATUS_EXPIRED ? rec.expires_at_ms : updated));
    assert_true(rec.hold_ms == (uint64_t)fixture_ms(pg, "hold_ms", "bookings", id));
}

static void v2_decisions_and_holds_are_kept(booking_store *s, PGconn *pg)
{
    /* The store's time: the fixture's latest write (r-empty's clock_ms), after
     * h-4's end and before h-3's; h-1 was swept, h-4 is due but was never swept. */
    test_clock_ms = pg_test_value(pg, "SELECT max(clock_ms) FROM resources");
    assert_true(test_clock_ms >= fixture_ms(pg, "expires_at_ms", "bookings", "h-4") &&
                test_clock_ms < fixture_ms(pg, "expires_at_ms", "bookings", "h-3"));
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    expect_v2_record(s, pg, "b-1", BOOKING_STATUS_ACTIVE);
    expect_v2_record(s, pg, "b-2", BOOKING_STATUS_CANCELLED);
    expect_v2_record(s, pg, "b-3", BOOKING_STATUS_NONE);
    expect_v2_record(s, pg, "h-1", BOOKING_STATUS_EXPIRED);
    expect_v2_record(s, pg, "h-2", BOOKING_STATUS_ACTIVE);
    expect_v2_record(s, pg, "h-3", BOOKING_STATUS_HELD);
    expect_v2_record(s, pg, "h-4", BOOKING_STATUS_EXPIRED);
    expect_resource(s, "r-seats", 10, 10);
    expect_resource(s, "r-short", 5, 0); /* h-4 is due: its units no longer count */
    booking_result r = attempt(s, "b-3", "r-seats", 3, 0);
    assert_true(r.outcome == BOOKING_REJECTED && r.replayed && r.line == 0 &&
                r.reason == BOOKING_REASON_INSUFFICIENT_CAPACITY);
    r = attempt(s, "h-3", "r-seats", 1, 3600000);
    assert_true(r.outcome == BOOKING_BOOKED && r.replayed && r.status == BOOKING_STATUS_HELD);
    /* a record of one line is the bundle of that line (SPEC section 8) */
    booking_line one = {.resource_id = "r-seats", .units = 4};
    booking_request q = {.booking_id = "b-1", .lines = &one, .line_count = 1};
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_true(r.outcome == BOOKING_BOOKED && r.replayed);
    booking_line two[2] = {{.resource_id = "r-seats", .units = 4},
                           {.resource_id = "r-room", .units = 1}};
    q = (booking_request){.booking_id = "b-1", .lines = two, .line_count = 2};
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_int_equal(r.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    /* the live hold is confirmed before its end; the due one is swept by a write */
    booking_reason reason;
    assert_int_equal(booking_confirm(s, "h-3", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CONFIRMED);
    assert_int_equal(booking_cancel(s, "h-4", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 1);
    assert_int_equal(pg_test_value(pg, "SELECT status FROM bookings WHERE id = 'h-4'"),
                     BOOKING_STATUS_EXPIRED);
    assert_int_equal(pg_test_value(pg, "SELECT booked FROM resources WHERE id = 'r-short'"), 0);
    pg_test_check_invariant(pg);
}

/* A bundle on the migrated tables: held over two resources, each line's units
 * on its own, released by each resource's own expiry. */
static void v2_bundles_work_after(booking_store *s, PGconn *pg)
{
    booking_line lines[2] = {{.resource_id = "r-short", .units = 5},
                             {.resource_id = "r-room-2", .units = 1}};
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, "r-room-2", 1, &reason, NULL), BOOKING_OK);
    booking_request q = {.booking_id = "bundle-1", .lines = lines, .line_count = 2,
                         .hold_ms = HOLD_MS};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    assert_true(r.outcome == BOOKING_BOOKED && r.status == BOOKING_STATUS_HELD);
    expect_resource(s, "r-short", 5, 5);
    expect_resource(s, "r-room-2", 1, 1);
    pg_test_check_invariant(pg);
    test_clock_ms += HOLD_MS;
    expect_resource(s, "r-short", 5, 0);
    expect_resource(s, "r-room-2", 1, 0);
    r = attempt(s, "after-1", "r-room-2", 1, 0); /* sweeps line 1 on r-room-2 only */
    assert_true(r.outcome == BOOKING_BOOKED && !r.replayed);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM booking_lines WHERE held"), 0);
    assert_int_equal(pg_test_value(pg, "SELECT status FROM bookings WHERE id = 'bundle-1'"),
                     BOOKING_STATUS_HELD); /* line 0's entry is r-short's to release */
    booking_record rec;
    assert_int_equal(booking_get_booking(s, "bundle-1", &reason, &rec), BOOKING_OK);
    assert_int_equal(rec.status, BOOKING_STATUS_EXPIRED);
    pg_test_check_invariant(pg);
}

static void schema_version_2_is_migrated_in_place_keeping_every_record_counter_hold_and_time(
    void **state)
{
    (void)state;
    PGconn *pg = pg_test_connect(url);
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), 2);
    char bookings[ROWS_TEXT_MAX], resources[ROWS_TEXT_MAX], after[ROWS_TEXT_MAX];
    text_value(pg, V2_BOOKINGS, bookings, sizeof bookings);
    text_value(pg, V2_RESOURCES, resources, sizeof resources);
    pthread_t t[OPENERS];
    booking_error e[OPENERS];
    for (int i = 0; i < OPENERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, open_and_close, &e[i]), 0);
    for (int i = 0; i < OPENERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(e[i], BOOKING_OK);
    }
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), SCHEMA_VERSION_NOW);
    /* every stored column of every row as it was, and the new ones at their defaults */
    text_value(pg, V2_BOOKINGS, after, sizeof after);
    assert_string_equal(after, bookings);
    text_value(pg, V2_RESOURCES, after, sizeof after);
    assert_string_equal(after, resources);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings"), 10);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM bookings"
                                       " WHERE line_count <> 1 OR line <> 0"), 0);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM booking_lines"), 0);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                                       " ('bookings_live_holds', 'booking_lines_live_holds')"), 2);
    assert_int_equal(pg_test_value(pg, LISTING_INDEXES), 3);
    pg_test_check_invariant(pg);
    booking_store *s = open_store();
    v2_decisions_and_holds_are_kept(s, pg);
    v2_bundles_work_after(s, pg);
    booking_store_close(s);
    PQfinish(pg);
}

/* ---- version 3 (bundles) to 4 ---- */

/* Runs first: the fixture is loaded here, and stays for the next case.
 * Migration 4 creates three indexes: one of those names already there makes it
 * fail after it created the first. */
static void migration_that_fails_leaves_schema_version_3_as_it_was(void **state)
{
    (void)state;
    load_fixture();
    PGconn *pg = pg_test_connect(url);
    PQclear(pg_test_exec(pg, "CREATE INDEX booking_lines_by_resource ON booking_lines (line)"));
    booking_store *s = NULL;
    char err[256] = "";
    assert_int_equal(booking_store_open(url, &s, err, sizeof err), BOOKING_EOPEN);
    assert_null(s);
    assert_non_null(strstr(err, "booking_lines_by_resource"));
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), 3);
    assert_int_equal(pg_test_value(pg, "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                                       " ('resources_by_id_bytewise', 'bookings_by_resource')"), 0);
    PQclear(pg_test_exec(pg, "DROP INDEX booking_lines_by_resource"));
    PQfinish(pg);
}

/* The records of one resource through list_bookings, pages of one, as ids joined by ','. */
static void listed_ids(booking_store *s, const char *rid, booking_list_filter filter, char *out,
                       size_t size)
{
    booking_record page[1];
    char after[BOOKING_ID_LEN_MAX + 1] = "";
    size_t len = 0;
    out[0] = '\0';
    for (;;) {
        booking_reason reason;
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_int_equal(booking_list_bookings(s, rid, filter, after[0] ? after : NULL, 1,
                                               &reason, page, &count, next),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        if (count == 1)
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "",
                                    page[0].booking_id);
        assert_true(len < size);
        if (next[0] == '\0')
            return;
        snprintf(after, sizeof after, "%s", next);
    }
}

static void schema_version_3_is_migrated_in_place_keeping_every_record_and_lists_them(
    void **state)
{
    (void)state;
    PGconn *pg = pg_test_connect(url);
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), 3);
    char bookings[ROWS_TEXT_MAX], lines[ROWS_TEXT_MAX], resources[ROWS_TEXT_MAX],
        after[ROWS_TEXT_MAX];
    text_value(pg, V3_BOOKINGS, bookings, sizeof bookings);
    text_value(pg, V3_LINES, lines, sizeof lines);
    text_value(pg, V2_RESOURCES, resources, sizeof resources);
    pthread_t t[OPENERS];
    booking_error e[OPENERS];
    for (int i = 0; i < OPENERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, open_and_close, &e[i]), 0);
    for (int i = 0; i < OPENERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(e[i], BOOKING_OK);
    }
    assert_int_equal(pg_test_value(pg, "SELECT version FROM booking_schema"), SCHEMA_VERSION_NOW);
    text_value(pg, V3_BOOKINGS, after, sizeof after);
    assert_string_equal(after, bookings);
    text_value(pg, V3_LINES, after, sizeof after);
    assert_string_equal(after, lines);
    text_value(pg, V2_RESOURCES, after, sizeof after);
    assert_string_equal(after, resources);
    assert_int_equal(pg_test_value(pg, LISTING_INDEXES), 3);
    pg_test_check_invariant(pg);
    booking_store *s = open_store();
    /* The store's time: the fixture's latest write; h-1 is due, never swept. */
    test_clock_ms = pg_test_value(pg, "SELECT max(clock_ms) FROM resources");
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    char ids[ROWS_TEXT_MAX];
    listed_ids(s, "r-seats", BOOKING_LIST_ALL, ids, sizeof ids); /* bytewise: upper case first */
    assert_string_equal(ids, "B-1,b-1,b-2,b-3,x-rej");
    listed_ids(s, "r-room", BOOKING_LIST_ALL, ids, sizeof ids);
    assert_string_equal(ids, "B-1,h-b,x-rej");
    listed_ids(s, "r-Zed", BOOKING_LIST_HELD, ids, sizeof ids);
    assert_string_equal(ids, "h-b");
    listed_ids(s, "r-Zed", BOOKING_LIST_EXPIRED, ids, sizeof ids);
    assert_string_equal(ids, "h-1");
    listed_ids(s, "r-seats", BOOKING_LIST_REJECTED, ids, sizeof ids);
    assert_string_equal(ids, "b-3,x-rej");
    booking_resource page[8];
    booking_reason reason;
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_resources(s, NULL, 8, &reason, page, &count, next), BOOKING_OK);
    assert_true(reason == BOOKING_REASON_OK && count == 4 && next[0] == '\0');
    const char *want[] = {"r-Zed", "r-empty", "r-room", "r-seats"};
    const uint64_t booked[] = {2, 0, 2, 5}; /* r-Zed net of h-1, due */
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(page[i].resource_id, want[i]);
        assert_int_equal(page[i].booked, booked[i]);
    }
    /* and writes work after, the new record listed */
    booking_result r = attempt(s, "a-new", "r-seats", 1, 0);
    assert_true(r.outcome == BOOKING_BOOKED && !r.replayed);
    listed_ids(s, "r-seats", BOOKING_LIST_ACTIVE, ids, sizeof ids);
    assert_string_equal(ids, "B-1,a-new,b-1");
    pg_test_check_invariant(pg);
    booking_store_close(s);
    PQfinish(pg);
}

int main(int argc, char **argv)
{
    url = pg_test_url_args(argc, argv, 2, "FIXTURE.sql 1|2|3");
    if (url == NULL)
        return 2;
    fixture = argv[2];
    const struct CMUnitTest v1[] = {
        cmocka_unit_test(migration_that_fails_leaves_schema_version_1_as_it_was),
        cmocka_unit_test(schema_version_1_is_migrated_in_place_keeping_every_decision),
    };
    const struct CMUnitTest v2[] = {
        cmocka_unit_test(migration_that_fails_leaves_schema_version_2_as_it_was),
        cmocka_unit_test(
            schema_version_2_is_migrated_in_place_keeping_every_record_counter_hold_and_time),
    };
    const struct CMUnitTest v3[] = {
        cmocka_unit_test(migration_that_fails_leaves_schema_version_3_as_it_was),
        cmocka_unit_test(
            schema_version_3_is_migrated_in_place_keeping_every_record_and_lists_them),
    };
    if (strcmp(argv[3], "1") == 0)
        return cmocka_run_group_tests_name("schema version 1", v1, NULL, NULL);
    if (strcmp(argv[3], "2") == 0)
        return cmocka_run_group_tests_name("schema version 2", v2, NULL, NULL);
    if (strcmp(argv[3], "3") == 0)
        return cmocka_run_group_tests_name("schema version 3", v3, NULL, NULL);
    fprintf(stderr, "%s: schema version %s is not 1, 2 or 3\n", argv[0], argv[3]);
    return 2;
}
