/* SPDX-License-Identifier: MIT */
/*
 * sqlite_schema_upgrade.c: a file of the release before holds (schema version 1,
 * tests/fixtures/sqlite-schema-v1.db) opened by this library: migrated in place to
 * version 2 keeping every decision, or, when the migration fails midway, left at
 * version 1 untouched. Also: the store's time, persisted in the file, never goes
 * back across handles and reopens (SPEC section 7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BOOKING_TEST_FIXTURES
#error "BOOKING_TEST_FIXTURES names tests/fixtures (tests/conformance/CMakeLists.txt)"
#endif

#define UPGRADE_PATH_SIZE 640
#define UPGRADE_HOLD_MS 1000
#define UPGRADE_TEXT_SIZE 4096
#define UPGRADE_CLOCK_LEAD_MS 60000 /* the test's clock starts this far after the open */

static const char fixture[] = BOOKING_TEST_FIXTURES "/sqlite-schema-v1.db";
static int64_t clock_ms; /* the clock of every store the tests open */

static int64_t test_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&clock_ms, __ATOMIC_SEQ_CST);
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- files and raw SQL ---- */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    if (in == NULL || out == NULL)
        fail_msg("cannot copy %s to %s", from, to);
    char buf[1 << 14];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, out) != n)
            fail_msg("cannot write %s", to);
    }
    fclose(in);
    if (fclose(out) != 0)
        fail_msg("cannot write %s", to);
}

/* A copy of the version-1 fixture in the test's directory; the fixture itself
 * is never opened for writing. */
static void fixture_copy(char path[UPGRADE_PATH_SIZE], const char *name)
{
    snprintf(path, UPGRADE_PATH_SIZE, "%s/%s", test_tmpdir(), name);
    copy_file(fixture, path);
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("raw open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The rows of every table and the schema, as text: equal texts, equal files. */
static void raw_dump(sqlite3 *db, char *out, size_t size)
{
    static const char *const queries[] = {
        "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name",
        "SELECT id || ' ' || capacity || ' ' || booked FROM resources ORDER BY id",
        "SELECT id || ' ' || resource_id || ' ' || units || ' ' || outcome || ' ' || status"
        " FROM bookings ORDER BY id",
    };
    out[0] = '\0';
    size_t used = 0;
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, queries[q], -1, &s, NULL) != SQLITE_OK)
            fail_msg("%s: %s", queries[q], sqlite3_errmsg(db));
        while (sqlite3_step(s) == SQLITE_ROW && used + 1 < size) {
            int n = snprintf(out + used, size - used, "%s\n", sqlite3_column_text(s, 0));
            used += n > 0 ? (size_t)n : 0;
        }
        sqlite3_finalize(s);
    }
    if (used + 1 >= size)
        fail_msg("the dump does not fit in %zu bytes", size);
}

static booking_store *open_store(const char *path)
{
    char url[UPGRADE_PATH_SIZE + 16], why[512] = "";
    snprintf(url, sizeof url, "sqlite:%s", path);
    booking_store *s = NULL;
    booking_error e = booking_store_open(url, &s, why, sizeof why);
    if (e != BOOKING_OK)
        fail_msg("open %s: %s (%s)", url, booking_error_name(e), why);
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    return s;
}

/* ---- what the fixture holds (tests/fixtures/make-sqlite-schema-v1.sh) ---- */

typedef struct v1_record {
    const char *id, *resource;
    uint64_t units;
    booking_outcome outcome;
    booking_status status;
} v1_record;

static const v1_record v1_records[] = {
    {"v1-a", "v1-room", 4, BOOKING_BOOKED, BOOKING_STATUS_ACTIVE},
    {"v1-b", "v1-room", 5, BOOKING_BOOKED, BOOKING_STATUS_CANCELLED},
    {"v1-c", "v1-room", 1, BOOKING_BOOKED, BOOKING_STATUS_ACTIVE},
    {"v1-d", "v1-hall", 3, BOOKING_BOOKED, BOOKING_STATUS_ACTIVE},
    {"v1-e", "v1-hall", 1, BOOKING_REJECTED, BOOKING_STATUS_NONE},
    {"v1-f", "v1-room", 20, BOOKING_REJECTED, BOOKING_STATUS_NONE},
};

static const struct {
    const char *id;
    uint64_t capacity, booked;
} v1_resources[] = {{"v1-room", 10, 5}, {"v1-hall", 4, 3}, {"v1-empty", 7, 0}};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void expect_resource(booking_store *s, const char *id, uint64_t capacity, uint64_t booked)
{
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(s, id, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_string_equal(res.resource_id, id);
    assert_true(res.capacity == capacity && res.booked == booked);
}

/* Every version-1 decision, read back and replayed, with its time: the
 * migration's, which lies within [not_before, not_after]. */
static void expect_v1_decisions(booking_store *s, int64_t not_before, int64_t not_after)
{
    for (size_t i = 0; i < COUNT_OF(v1_resources); i++)
        expect_resource(s, v1_resources[i].id, v1_resources[i].capacity, v1_resources[i].booked);
    for (size_t i = 0; i < COUNT_OF(v1_records); i++) {
        const v1_record *v = &v1_records[i];
        booking_reason reason;
        booking_record rec;
        assert_int_equal(booking_get_booking(s, v->id, &reason, &rec), BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        assert_string_equal(rec.resource_id, v->resource);
        assert_true(rec.units == v->units && rec.hold_ms == 0 && rec.expires_at_ms == 0);
        assert_int_equal(rec.outcome, v->outcome);
        assert_int_equal(rec.reason, v->outcome == BOOKING_BOOKED
                                         ? BOOKING_REASON_BOOKED
                                         : BOOKING_REASON_INSUFFICIENT_CAPACITY);
        assert_int_equal(rec.status, v->status);
        assert_true(rec.created_at_ms == rec.updated_at_ms);
        assert_true(rec.created_at_ms >= not_before && rec.created_at_ms <= not_after);

        booking_request req = {.booking_id = v->id, .resource_id = v->resource, .units = v->units, .hold_ms = 0};
        booking_result res;
        assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
        assert_int_equal(res.outcome, v->outcome);
        assert_true(res.replayed && res.status == v->status && res.expires_at_ms == 0);
    }
}

/* ---- the cases ---- */

static void sqlite_schema_v1_file_is_migrated_in_place_keeping_every_decision(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    fixture_copy(path, "v1.db");
    sqlite3 *raw = raw_open(path);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), 1);
    sqlite3_close(raw);

    int64_t before = real_ms();
    booking_store *s = open_store(path);
    int64_t after = real_ms();
    __atomic_store_n(&clock_ms, after + UPGRADE_CLOCK_LEAD_MS, __ATOMIC_SEQ_CST);
    expect_v1_decisions(s, before, after);

    raw = raw_open(path);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), 2);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), COUNT_OF(v1_records));
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                  "integrity_check <> 'ok'"), 0);
    /* The file keeps the journal mode the release set (WAL), and the store's
     * time starts not before the times the migration gave the old rows. */
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    int64_t latest = raw_int(raw, "SELECT latest_ms FROM store_time");
    assert_true(latest >= before && latest <= after);

    /* Holds work on the migrated file: held, confirmed, expired. */
    int64_t t0 = test_clock(NULL);
    booking_request holds[2] = {{.booking_id = "v2-h1", .resource_id = "v1-room", .units = 2, .hold_ms = UPGRADE_HOLD_MS},
                                {.booking_id = "v2-h2", .resource_id = "v1-room", .units = 3, .hold_ms = UPGRADE_HOLD_MS}};
    booking_result res[2];
    assert_int_equal(booking_attempt_batch(s, holds, 2, res), BOOKING_OK);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(res[i].outcome, BOOKING_BOOKED);
        assert_true(res[i].status == BOOKING_STATUS_HELD &&
                    res[i].expires_at_ms == t0 + UPGRADE_HOLD_MS);
    }
    expect_resource(s, "v1-room", 10, 10);
    booking_reason reason;
    assert_int_equal(booking_confirm(s, "v2-h1", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CONFIRMED);
    assert_int_equal(booking_confirm(s, "v1-a", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_ALREADY_CONFIRMED);
    __atomic_add_fetch(&clock_ms, UPGRADE_HOLD_MS, __ATOMIC_SEQ_CST);
    expect_resource(s, "v1-room", 10, 7);
    booking_store_stats stats;
    assert_int_equal(booking_set_capacity(s, "v1-room", 7, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK); /* the expired hold's 3 units are free */
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 1);
    assert_int_equal(booking_cancel(s, "v2-h2", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    booking_store_close(s);

    /* A second open finds version 2 and changes nothing. */
    s = open_store(path);
    expect_resource(s, "v1-room", 7, 7);
    expect_resource(s, "v1-hall", 4, 3);
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), 2);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), COUNT_OF(v1_records) + 2);
    sqlite3_close(raw);
}

static void sqlite_schema_migration_that_fails_midway_leaves_the_v1_file_untouched(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    fixture_copy(path, "v1-blocked.db");
    /* A table in the way of migration 2's last statement: the bookings table has
     * been rebuilt by then, so the failure comes midway. */
    sqlite3 *raw = raw_open(path);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE store_time (x)", NULL, NULL, NULL),
                     SQLITE_OK);
    char before[UPGRADE_TEXT_SIZE], after[UPGRADE_TEXT_SIZE];
    raw_dump(raw, before, sizeof before);

    char url[UPGRADE_PATH_SIZE + 16], why[512] = "";
    snprintf(url, sizeof url, "sqlite:%s", path);
    booking_store *s = NULL;
    assert_int_equal(booking_store_open(url, &s, why, sizeof why), BOOKING_EOPEN);
    assert_null(s);
    assert_non_null(strstr(why, "migration failed"));

    assert_int_equal(raw_int(raw, "PRAGMA user_version"), 1);
    raw_dump(raw, after, sizeof after);
    assert_string_equal(after, before);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), COUNT_OF(v1_records));

    /* Out of the way, the same file migrates with every decision. */
    assert_int_equal(sqlite3_exec(raw, "DROP TABLE store_time", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    int64_t t = real_ms();
    s = open_store(path);
    __atomic_store_n(&clock_ms, real_ms() + UPGRADE_CLOCK_LEAD_MS, __ATOMIC_SEQ_CST);
    expect_v1_decisions(s, t, real_ms());
    booking_store_close(s);
}

/* Two handles on one file are two processes as far as the file knows. */
static void sqlite_store_time_never_goes_back_across_handles_and_reopen(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    snprintf(path, sizeof path, "%s/time.db", test_tmpdir());
    booking_store *a = open_store(path);
    int64_t t0 = real_ms() + UPGRADE_CLOCK_LEAD_MS;
    __atomic_store_n(&clock_ms, t0, __ATOMIC_SEQ_CST);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(a, "t-r", 2, &reason, NULL), BOOKING_OK);
    booking_request hold = {.booking_id = "t-hold", .resource_id = "t-r", .units = 1, .hold_ms = UPGRADE_HOLD_MS};
    booking_result res;
    assert_int_equal(booking_attempt(a, &hold, &res), BOOKING_OK);
    assert_true(res.status == BOOKING_STATUS_HELD && res.expires_at_ms == t0 + UPGRADE_HOLD_MS);
    /* The hold's time comes and a write applies it, at t0 + UPGRADE_HOLD_MS. */
    __atomic_store_n(&clock_ms, t0 + UPGRADE_HOLD_MS, __ATOMIC_SEQ_CST);
    assert_int_equal(booking_set_capacity(a, "t-r", 2, &reason, NULL), BOOKING_OK);
    booking_store_close(a);

    /* Another handle whose clock is one hold's length behind (a clock stepped
     * back, or a host behind its peer): it takes the file's time, not its own. */
    __atomic_store_n(&clock_ms, t0, __ATOMIC_SEQ_CST);
    booking_store *b = open_store(path);
    booking_record rec;
    assert_int_equal(booking_get_booking(b, "t-hold", &reason, &rec), BOOKING_OK);
    assert_int_equal(rec.status, BOOKING_STATUS_EXPIRED);
    booking_resource r;
    assert_int_equal(booking_get_resource(b, "t-r", &reason, &r), BOOKING_OK);
    assert_true(r.booked == 0 && r.as_of_ms == t0 + UPGRADE_HOLD_MS);
    assert_int_equal(booking_confirm(b, "t-hold", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    booking_request again = {.booking_id = "t-again", .resource_id = "t-r", .units = 1, .hold_ms = UPGRADE_HOLD_MS};
    assert_int_equal(booking_attempt(b, &again, &res), BOOKING_OK);
    assert_true(res.status == BOOKING_STATUS_HELD &&
                res.expires_at_ms == t0 + 2 * UPGRADE_HOLD_MS);
    booking_store_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_schema_v1_file_is_migrated_in_place_keeping_every_decision),
        cmocka_unit_test(sqlite_schema_migration_that_fails_midway_leaves_the_v1_file_untouched),
        cmocka_unit_test(sqlite_store_time_never_goes_back_across_handles_and_reopen),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return failed;
}
