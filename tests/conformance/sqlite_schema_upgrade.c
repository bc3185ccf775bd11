/* SPDX-License-Identifier: MIT */
/*
 * sqlite_schema_upgrade.c: a file of the release before holds (schema version 1,
 * tests/fixtures/sqlite-schema-v1.db) and one of the release before bundles
 * (version 2, tests/fixtures/sqlite-schema-v2.db, with holds live, due, expired,
 * confirmed and cancelled) opened by this library: migrated in place to version 3
 * keeping every decision, counter, hold and time, or, when the migration fails
 * midway, left at its old version untouched. A file at version 3 opens without
 * the write lock. Also: the store's time, persisted in the file, never goes back
 * across handles and reopens (SPEC section 7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "store/sqlite_store.h"
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
#define UPGRADE_SCHEMA_VERSION 6    /* what this library migrates every file to */
#define UPGRADE_V4_TEXT_SIZE 32768 /* the v4 fixture's 111 records, as text */
#define UPGRADE_V4_PAGE 7          /* a listing page that ends inside the runs' pages */
#define UPGRADE_WEEK_MS 604800000   /* the fixture's long holds (make-sqlite-schema-v2.sh) */
#define UPGRADE_BUSY_TIMEOUT_MS 200 /* the open that must not wait for the write lock */
#define UPGRADE_V5_RECORDS 133     /* make-sqlite-schema-v5.sh: the v4 fixture's 111, then 22 */

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char fixture_v1[] = BOOKING_TEST_FIXTURES "/sqlite-schema-v1.db";
static const char fixture_v2[] = BOOKING_TEST_FIXTURES "/sqlite-schema-v2.db";
static const char fixture_v3[] = BOOKING_TEST_FIXTURES "/sqlite-schema-v3.db";
static const char fixture_v4[] = BOOKING_TEST_FIXTURES "/sqlite-schema-v4.db";
static const char fixture_v5[] = BOOKING_TEST_FIXTURES "/sqlite-schema-v5.db";
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

/* The text of each query's one column, a line per row, query after query, into
 * out: the test fails if it does not fit (a cut text would compare equal to
 * another cut the same). */
static void raw_dump_queries(sqlite3 *db, const char *const *queries, size_t count, char *out,
                             size_t size)
{
    out[0] = '\0';
    size_t used = 0;
    for (size_t q = 0; q < count; q++) {
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

/* The rows of every table and the schema, as text: equal texts, equal files. */
static void raw_dump(sqlite3 *db, char *out, size_t size)
{
    static const char *const queries[] = {
        "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name",
        "SELECT id || ' ' || capacity || ' ' || booked FROM resources ORDER BY id",
        ("SELECT id || ' ' || resource_id || ' ' || units || ' ' || outcome || ' ' || status"
         " FROM bookings ORDER BY id"),
    };
    raw_dump_queries(db, queries, COUNT_OF(queries), out, size);
}

/* Every row of a version-2 file in every version-2 column, as text: equal texts
 * before and after the migration, every record, counter, hold and time kept. */
static void raw_dump_v2_rows(sqlite3 *db, char *out, size_t size)
{
    static const char *const queries[] = {
        "SELECT id || ' ' || capacity || ' ' || booked FROM resources ORDER BY id",
        "SELECT id || ' ' || resource_id || ' ' || units || ' ' || outcome || ' ' || status ||"
        " ' ' || hold_ms || ' ' || created_at_ms || ' ' || updated_at_ms || ' ' ||"
        " expires_at_ms FROM bookings ORDER BY id",
        "SELECT 'time ' || latest_ms FROM store_time",
        ("SELECT 'live ' || id FROM bookings INDEXED BY bookings_live_holds"
         " WHERE status = 3 ORDER BY resource_id, expires_at_ms"),
    };
    raw_dump_queries(db, queries, COUNT_OF(queries), out, size);
}

/* Every row of version 3's tables as the file keeps them, but seq (which version
 * 4 adds), in id order. */
static void raw_dump_v3_rows(sqlite3 *db, char *out, size_t size)
{
    static const char *const queries[] = {
        "SELECT id || ' ' || capacity || ' ' || booked FROM resources ORDER BY id",
        "SELECT id || ' ' || resource_id || ' ' || units || ' ' || outcome || ' ' || status ||"
        " ' ' || hold_ms || ' ' || created_at_ms || ' ' || updated_at_ms || ' ' ||"
        " expires_at_ms || ' ' || line_count || ' ' || line FROM bookings ORDER BY id",
        ("SELECT booking_id || ' ' || line || ' ' || resource_id || ' ' || units || ' ' ||"
         " expires_at_ms || ' ' || live FROM booking_lines ORDER BY booking_id, line"),
        "SELECT 'time ' || latest_ms FROM store_time",
    };
    raw_dump_queries(db, queries, COUNT_OF(queries), out, size);
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

/* ---- one fixture: copied, migrated, or failing to migrate ---- */

/* The rows of a file in the columns of one version, as text (raw_dump_v2_rows...). */
typedef void raw_rows_fn(sqlite3 *db, char *out, size_t size);

static void expect_version(sqlite3 *raw, int64_t want, int from, const char *when)
{
    int64_t got = raw_int(raw, "PRAGMA user_version");
    if (got != want)
        fail_msg("the version-%d file %s: user_version %lld, not %lld", from, when,
                 (long long)got, (long long)want);
}

/* Texts that must be equal: when not, which version's text moved, then both
 * (cmocka's message). */
static void expect_same_text(const char *after, const char *before, int from, const char *what)
{
    if (strcmp(after, before) != 0) {
        print_error("the version-%d file's %s moved\n", from, what);
        assert_string_equal(after, before);
    }
}

/* A copy of the fixture of schema version `from` as name in the test's
 * directory, opened raw and found at that version; the fixture itself is never
 * opened for writing. */
static sqlite3 *fixture_copy(char path[UPGRADE_PATH_SIZE], const char *fixture, int from,
                             const char *name)
{
    snprintf(path, UPGRADE_PATH_SIZE, "%s/%s", test_tmpdir(), name);
    copy_file(fixture, path);
    sqlite3 *raw = raw_open(path);
    expect_version(raw, from, from, "copied");
    return raw;
}

/* The store's open of the version-`from` file at path, on the test's clock set
 * UPGRADE_CLOCK_LEAD_MS after the file's time: the file is migrated to
 * UPGRADE_SCHEMA_VERSION and its rows, as rows() reads them, are as they were.
 * *raw, open on the file, is closed for the open and opened again. */
static booking_store *migrate_keeping_rows(sqlite3 **raw, const char *path, int from,
                                           raw_rows_fn *rows)
{
    static char before[UPGRADE_V4_TEXT_SIZE], after[UPGRADE_V4_TEXT_SIZE];
    rows(*raw, before, sizeof before);
    int64_t latest = raw_int(*raw, "SELECT latest_ms FROM store_time");
    sqlite3_close(*raw);

    __atomic_store_n(&clock_ms, latest + UPGRADE_CLOCK_LEAD_MS, __ATOMIC_SEQ_CST);
    booking_store *s = open_store(path);
    *raw = raw_open(path);
    expect_version(*raw, UPGRADE_SCHEMA_VERSION, from, "opened");
    rows(*raw, after, sizeof after);
    expect_same_text(after, before, from, "rows"); /* nothing of version `from` moved */
    return s;
}

/* The store's open of the version-`from` file at path, whose migration fails
 * midway (a table in its way): BOOKING_EOPEN "migration failed" and no store,
 * and the file left at its version, its schema and rows (raw_dump) as they were,
 * and when rows is not NULL, its rows in every column of its version too. */
static void expect_migration_fails_midway(sqlite3 *raw, const char *path, int from,
                                          raw_rows_fn *rows)
{
    static char before[UPGRADE_V4_TEXT_SIZE], after[UPGRADE_V4_TEXT_SIZE];
    static char rows_before[UPGRADE_V4_TEXT_SIZE], rows_after[UPGRADE_V4_TEXT_SIZE];
    raw_dump(raw, before, sizeof before);
    if (rows != NULL)
        rows(raw, rows_before, sizeof rows_before);

    char url[UPGRADE_PATH_SIZE + 16], why[512] = "";
    snprintf(url, sizeof url, "sqlite:%s", path);
    booking_store *s = NULL;
    booking_error e = booking_store_open(url, &s, why, sizeof why);
    if (e != BOOKING_EOPEN || s != NULL || strstr(why, "migration failed") == NULL)
        fail_msg("the version-%d file, its migration blocked: the open answered \"%s\", %s "
                 "store (%s); not BOOKING_EOPEN, no store, \"migration failed\"",
                 from, booking_error_name(e), s != NULL ? "a" : "no", why);
    expect_version(raw, from, from, "whose migration failed");
    raw_dump(raw, after, sizeof after);
    expect_same_text(after, before, from, "schema or rows");
    if (rows != NULL) {
        rows(raw, rows_after, sizeof rows_after);
        expect_same_text(rows_after, rows_before, from, "rows");
    }
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
    sqlite3_close(fixture_copy(path, fixture_v1, 1, "v1.db"));

    int64_t before = real_ms();
    booking_store *s = open_store(path);
    int64_t after = real_ms();
    __atomic_store_n(&clock_ms, after + UPGRADE_CLOCK_LEAD_MS, __ATOMIC_SEQ_CST);
    expect_v1_decisions(s, before, after);

    sqlite3 *raw = raw_open(path);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), COUNT_OF(v1_records));
    /* Every old record is a single attempt: one line, none failing, none apart. */
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings WHERE line_count = 1 AND "
                                  "line = 0"), COUNT_OF(v1_records));
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_lines"), 0);
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

    /* A second open finds version 3 and changes nothing. */
    s = open_store(path);
    expect_resource(s, "v1-room", 7, 7);
    expect_resource(s, "v1-hall", 4, 3);
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), COUNT_OF(v1_records) + 2);
    sqlite3_close(raw);
}

static void sqlite_schema_migration_that_fails_midway_leaves_the_v1_file_untouched(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v1, 1, "v1-blocked.db");
    /* A table in the way of migration 2's last statement: the bookings table has
     * been rebuilt by then, so the failure comes midway. */
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE store_time (x)", NULL, NULL, NULL),
                     SQLITE_OK);
    expect_migration_fails_midway(raw, path, 1, NULL); /* raw_dump reads every v1 column */
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), COUNT_OF(v1_records));

    /* Out of the way, the same file migrates with every decision. */
    assert_int_equal(sqlite3_exec(raw, "DROP TABLE store_time", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    int64_t t = real_ms();
    booking_store *s = open_store(path);
    __atomic_store_n(&clock_ms, real_ms() + UPGRADE_CLOCK_LEAD_MS, __ATOMIC_SEQ_CST);
    expect_v1_decisions(s, t, real_ms());
    booking_store_close(s);
}


/* ---- version 2 (holds, before bundles) to version 3 ---- */

/* One record of the version-2 fixture as the file holds it. */
typedef struct v2_row {
    char resource[BOOKING_ID_LEN_MAX + 1];
    uint64_t units, hold_ms;
    int outcome, status;
    int64_t created, updated, expires;
} v2_row;

static v2_row raw_v2_row(sqlite3 *db, const char *id)
{
    static const char sql[] = "SELECT resource_id, units, outcome, status, hold_ms, created_at_ms,"
                              " updated_at_ms, expires_at_ms FROM bookings WHERE id = ?1";
    sqlite3_stmt *s = NULL;
    v2_row r;
    memset(&r, 0, sizeof r);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s: no record in the fixture", id);
    snprintf(r.resource, sizeof r.resource, "%s", sqlite3_column_text(s, 0));
    r.units = (uint64_t)sqlite3_column_int64(s, 1);
    r.outcome = sqlite3_column_int(s, 2);
    r.status = sqlite3_column_int(s, 3);
    r.hold_ms = (uint64_t)sqlite3_column_int64(s, 4);
    r.created = sqlite3_column_int64(s, 5);
    r.updated = sqlite3_column_int64(s, 6);
    r.expires = sqlite3_column_int64(s, 7);
    sqlite3_finalize(s);
    return r;
}

/* The fixture's records (tests/fixtures/make-sqlite-schema-v2.sh) and the
 * status each reads at a time after v2-hd's end and before the week's holds end. */
static const struct {
    const char *id;
    booking_status status_now;
} v2_records[] = {
    {"v2-a", BOOKING_STATUS_ACTIVE},     {"v2-b", BOOKING_STATUS_CANCELLED},
    {"v2-rej", BOOKING_STATUS_NONE},     {"v2-hc", BOOKING_STATUS_ACTIVE},
    {"v2-hx", BOOKING_STATUS_CANCELLED}, {"v2-hl", BOOKING_STATUS_HELD},
    {"v2-he", BOOKING_STATUS_EXPIRED},   {"v2-hd", BOOKING_STATUS_EXPIRED},
};

/* Every version-2 record read back and replayed through the store, against the
 * row the fixture held (rows[i] for v2_records[i]). */
static void expect_v2_records(booking_store *s, const v2_row *rows)
{
    for (size_t i = 0; i < COUNT_OF(v2_records); i++) {
        const v2_row *v = &rows[i];
        booking_reason reason;
        booking_record rec;
        booking_record_line lines[2];
        assert_int_equal(booking_get_booking_lines(s, v2_records[i].id, &reason, &rec, lines, 2),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        assert_string_equal(rec.resource_id, v->resource);
        assert_string_equal(lines[0].resource_id, v->resource);
        assert_true(rec.units == v->units && lines[0].units == v->units);
        assert_true(rec.line_count == 1 && rec.line == 0);
        assert_int_equal((int)rec.outcome, v->outcome);
        assert_true(rec.hold_ms == v->hold_ms && rec.created_at_ms == v->created &&
                    rec.expires_at_ms == v->expires);
        assert_int_equal(rec.status, v2_records[i].status_now);
        /* A due hold not yet applied reads expired at its end, as the step will write it. */
        int64_t updated = v->status == BOOKING_STATUS_HELD &&
                                  v2_records[i].status_now == BOOKING_STATUS_EXPIRED
                              ? v->expires
                              : v->updated;
        assert_true(rec.updated_at_ms == updated);

        booking_request req = {.booking_id = v2_records[i].id, .resource_id = v->resource,
                               .units = v->units, .hold_ms = v->hold_ms};
        booking_result res;
        assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
        assert_int_equal((int)res.outcome, v->outcome);
        assert_true(res.replayed && res.status == v2_records[i].status_now &&
                    res.expires_at_ms == v->expires && res.line == 0);
    }
}

static void sqlite_schema_v2_file_is_migrated_in_place_keeping_every_record_counter_hold_and_time(
    void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE], before[UPGRADE_TEXT_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v2, 2, "v2.db");
    v2_row rows[COUNT_OF(v2_records)];
    for (size_t i = 0; i < COUNT_OF(v2_records); i++)
        rows[i] = raw_v2_row(raw, v2_records[i].id);
    int64_t latest = raw_int(raw, "SELECT latest_ms FROM store_time");
    const v2_row *live = &rows[5], *due = &rows[7];
    assert_true(live->status == BOOKING_STATUS_HELD && due->status == BOOKING_STATUS_HELD);
    assert_true(due->expires < latest + UPGRADE_CLOCK_LEAD_MS &&
                live->expires > latest + UPGRADE_CLOCK_LEAD_MS);

    /* The test's clock, UPGRADE_CLOCK_LEAD_MS after the file's time: after the due
     * hold's end, long before the week's. */
    booking_store *s = migrate_keeping_rows(&raw, path, 2, raw_dump_v2_rows);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings WHERE line_count = 1 AND "
                                  "line = 0"), COUNT_OF(v2_records));
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_lines"), 0);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                  "integrity_check <> 'ok'"), 0);

    /* Counters as of now: the due hold reads released, the week's hold counts. */
    expect_resource(s, "v2-room", 10, 4 + 3);
    expect_resource(s, "v2-hall", 5, 2);
    expect_resource(s, "v2-empty", 7, 0);
    expect_v2_records(s, rows);

    /* The migrated holds go on: the due one is applied by the next write of its
     * resource, once; the week's one is applied at its end; both are counted. */
    booking_reason reason;
    booking_store_stats stats;
    assert_int_equal(booking_set_capacity(s, "v2-empty", 2, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK); /* the 2 due units are free */
    assert_int_equal(raw_int(raw, "SELECT status FROM bookings WHERE id = 'v2-hd'"),
                     BOOKING_STATUS_EXPIRED);
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 1);
    /* A bundle on the migrated file, over a migrated live hold's resource. */
    booking_line lines[] = {{.resource_id = "v2-room", .units = 3},
                            {.resource_id = "v2-hall", .units = 3},
                            {.resource_id = "v2-empty", .units = 2}};
    booking_request bundle = {.booking_id = "v3-bundle", .lines = lines, .line_count = 3,
                              .hold_ms = UPGRADE_HOLD_MS};
    booking_result res;
    assert_int_equal(booking_attempt(s, &bundle, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
    expect_resource(s, "v2-room", 10, 10);
    expect_resource(s, "v2-hall", 5, 5);
    expect_resource(s, "v2-empty", 2, 2);
    __atomic_store_n(&clock_ms, live->expires, __ATOMIC_SEQ_CST);
    expect_resource(s, "v2-room", 10, 4); /* the week's hold and the bundle's line 0 */
    expect_resource(s, "v2-hall", 5, 2);
    assert_int_equal(booking_confirm(s, "v2-hl", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(booking_cancel(s, "v3-bundle", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_HOLD_EXPIRED);
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_true(stats.holds_expired == 3); /* v2-hd, v2-hl, the bundle: each once */
    booking_store_close(s);

    /* A second open finds version 3 and changes nothing. */
    raw_dump_v2_rows(raw, before, sizeof before);
    s = open_store(path);
    expect_resource(s, "v2-room", 10, 4);
    expect_resource(s, "v2-hall", 5, 2);
    expect_resource(s, "v2-empty", 2, 0);
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    char after[UPGRADE_TEXT_SIZE];
    raw_dump_v2_rows(raw, after, sizeof after);
    assert_string_equal(after, before);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_lines WHERE live = 1"), 0);
    assert_int_equal(raw_int(raw, "SELECT booked FROM resources WHERE id = 'v2-room'"), 4);
    sqlite3_close(raw);
}

static void sqlite_schema_migration_3_that_fails_midway_leaves_the_v2_file_untouched(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v2, 2, "v2-blocked.db");
    /* A table in the way of migration 3's CREATE TABLE: its two ALTER TABLEs have
     * run by then, so the failure comes midway. */
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE booking_lines (x)", NULL, NULL, NULL),
                     SQLITE_OK);
    /* The schema too: no line_count column. */
    expect_migration_fails_midway(raw, path, 2, raw_dump_v2_rows);

    /* Out of the way, the same file migrates. */
    assert_int_equal(sqlite3_exec(raw, "DROP TABLE booking_lines", NULL, NULL, NULL), SQLITE_OK);
    booking_store *s = open_store(path);
    expect_resource(s, "v2-hall", 5, 2);
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    char rows_after[UPGRADE_TEXT_SIZE]; /* every version-2 column still reads, by its index */
    raw_dump_v2_rows(raw, rows_after, sizeof rows_after);
    sqlite3_close(raw);
}

/* A file already at version 3 needs no write lock to open: another connection
 * holding it does not keep the store from opening and reading; the first write
 * is what waits, and answers FAILED busy when the lock is not had in time. */
static void sqlite_schema_v3_file_opens_without_a_write_lock(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE], url[UPGRADE_PATH_SIZE + 64], why[512] = "";
    sqlite3_close(fixture_copy(path, fixture_v2, 2, "v3-locked.db"));
    booking_store *s = open_store(path); /* migrates to version 3 */
    booking_store_close(s);
    sqlite3 *raw = raw_open(path);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    snprintf(url, sizeof url, "sqlite:%s?busy_timeout_ms=%d", path, UPGRADE_BUSY_TIMEOUT_MS);
    s = NULL;
    assert_int_equal(booking_store_open(url, &s, why, sizeof why), BOOKING_OK);
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    expect_resource(s, "v2-hall", 5, 2);
    booking_request req = {.booking_id = "v3-w", .resource_id = "v2-hall", .units = 1};
    booking_result res;
    assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_FAILED);
    assert_int_equal(res.reason, BOOKING_REASON_BUSY);
    assert_int_equal(sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
    booking_store_close(s);
    sqlite3_close(raw);
}

/* The query plan's details of sql, one line each. */
static void raw_plan(sqlite3 *db, const char *sql, char *out, size_t size)
{
    char explain[UPGRADE_TEXT_SIZE];
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, explain, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", explain, sqlite3_errmsg(db));
    out[0] = '\0';
    size_t used = 0;
    while (sqlite3_step(s) == SQLITE_ROW && used + 1 < size) {
        int n = snprintf(out + used, size - used, "%s\n", sqlite3_column_text(s, 3));
        used += n > 0 ? (size_t)n : 0;
    }
    sqlite3_finalize(s);
}

/* Holds per line (schema version 3): a resource's due entries, lines 0 and lines
 * 1.., are a range of a partial index each, read from the index alone (the
 * expiry step's count and a read's sum of due units), so finding them costs
 * O(log n + due) however many records and lines the file has; a record's lines
 * are one range of booking_lines' key (its seq, since version 4). */
static void sqlite_schema_v3_finds_due_hold_lines_in_partial_indexes_without_a_scan(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE], plan[UPGRADE_TEXT_SIZE];
    sqlite3_close(fixture_copy(path, fixture_v2, 2, "v3-plan.db"));
    booking_store_close(open_store(path));
    sqlite3 *raw = raw_open(path);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    raw_plan(raw, "SELECT count(*), sum(units) FROM bookings"
                  " WHERE resource_id = ?1 AND status = 3 AND expires_at_ms <= ?2", plan,
             sizeof plan);
    assert_non_null(strstr(plan, "SEARCH bookings USING COVERING INDEX bookings_live_holds"));
    raw_plan(raw, "SELECT count(*), sum(units) FROM booking_lines"
                  " WHERE resource_id = ?1 AND live = 1 AND expires_at_ms <= ?2", plan,
             sizeof plan);
    assert_non_null(
        strstr(plan, "SEARCH booking_lines USING COVERING INDEX booking_lines_live_holds"));
    raw_plan(raw, "UPDATE booking_lines SET live = 0"
                  " WHERE resource_id = ?1 AND live = 1 AND expires_at_ms <= ?2", plan,
             sizeof plan);
    assert_non_null(
        strstr(plan, "SEARCH booking_lines USING COVERING INDEX booking_lines_live_holds"));
    /* Since version 4 a record's lines are keyed by its seq (sqlite_schema.c). */
    raw_plan(raw, "SELECT line, resource_id, units FROM booking_lines"
                  " WHERE seq = ?1 ORDER BY line", plan, sizeof plan);
    assert_non_null(strstr(plan, "SEARCH booking_lines USING PRIMARY KEY (seq=?)"));
    assert_null(strstr(plan, "TEMP B-TREE")); /* in line order by the key itself */
    sqlite3_close(raw);
}

/* ---- the release before appended records (tests/fixtures/make-sqlite-schema-v3.sh) ---- */

static void expect_record(booking_store *s, const char *id, booking_outcome outcome,
                          booking_status status, uint32_t line_count, uint32_t line)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_string_equal(rec.booking_id, id);
    assert_int_equal(rec.outcome, outcome);
    assert_int_equal(rec.status, status);
    assert_int_equal(rec.line_count, line_count);
    assert_int_equal(rec.line, line);
}

/* Version 3 -> 4: the records are rebuilt as a table appended in arrival order
 * (seq), every row, line, counter, live hold and the store's time kept as they
 * were; the records are found by booking_id (replays, changes, reads), listed by
 * resource, and new ones go on after the last seq. */
static void sqlite_schema_v3_file_is_migrated_in_place_keeping_every_record_line_hold_and_time(
    void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE], before[UPGRADE_TEXT_SIZE], after[UPGRADE_TEXT_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v3, 3, "v3.db");
    booking_store *s = migrate_keeping_rows(&raw, path, 3, raw_dump_v3_rows);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), 8);
    /* seq 1..8 in the order of the decisions (created_at_ms), no gap. */
    assert_int_equal(raw_int(raw, "SELECT min(seq) = 1 AND max(seq) = 8 FROM bookings"), 1);
    assert_int_equal(raw_int(raw, "SELECT seq FROM bookings WHERE id = 'v3-a'"), 1);
    assert_int_equal(raw_int(raw, "SELECT seq FROM bookings WHERE id = 'v3-hl'"), 8);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_lines l JOIN bookings b"
                                  " ON b.seq = l.seq AND b.id = l.booking_id"), 5);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                  "integrity_check <> 'ok'"), 0);
    /* Every line of every record sealed into run 1 for listing: 8 + 5 keys. */
    assert_int_equal(raw_int(raw, "SELECT sum(keys) FROM booking_runs WHERE run = 1"), 13);
    assert_int_equal(raw_int(raw, "SELECT run * 100 + last_seq FROM booking_runs_sealed"), 108);

    /* Counters as of now: v3-bx's line 1 (room) is due, its line 0 was applied. */
    expect_resource(s, "v3-room", 10, 4 + 1 + 2);
    expect_resource(s, "v3-hall", 5, 2 + 1);
    expect_resource(s, "v3-desk", 3, 1);
    expect_record(s, "v3-a", BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, 1, 0);
    expect_record(s, "v3-rej", BOOKING_REJECTED, BOOKING_STATUS_NONE, 1, 0);
    expect_record(s, "v3-b1", BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, 2, 0);
    expect_record(s, "v3-b2", BOOKING_BOOKED, BOOKING_STATUS_CANCELLED, 2, 0);
    expect_record(s, "v3-bh", BOOKING_BOOKED, BOOKING_STATUS_HELD, 2, 0);
    expect_record(s, "v3-brej", BOOKING_REJECTED, BOOKING_STATUS_NONE, 2, 1);
    expect_record(s, "v3-bx", BOOKING_BOOKED, BOOKING_STATUS_EXPIRED, 2, 0);
    expect_record(s, "v3-hl", BOOKING_BOOKED, BOOKING_STATUS_HELD, 1, 0);

    /* Replays find the migrated records by booking_id: nothing is written twice. */
    booking_request again = {.booking_id = "v3-a", .resource_id = "v3-room", .units = 4};
    booking_result res;
    assert_int_equal(booking_attempt(s, &again, &res), BOOKING_OK);
    assert_true(res.replayed && res.outcome == BOOKING_BOOKED);
    booking_line b1[] = {{.resource_id = "v3-room", .units = 1}, {.resource_id = "v3-hall", .units = 2}};
    booking_request bundle = {.booking_id = "v3-b1", .lines = b1, .line_count = 2};
    assert_int_equal(booking_attempt(s, &bundle, &res), BOOKING_OK);
    assert_true(res.replayed && res.outcome == BOOKING_BOOKED);
    again.units = 5; /* the same id, other units: the recorded decision answers */
    assert_int_equal(booking_attempt(s, &again, &res), BOOKING_OK);
    assert_int_equal(res.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);

    /* The migrated records are listed by resource, a bundle under each of its lines. */
    booking_reason reason;
    booking_record page[16];
    size_t count = 0;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(s, "v3-room", BOOKING_LIST_ALL, NULL, 16, &reason,
                                           page, &count, next),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    static const char *const room[] = {"v3-a", "v3-b1", "v3-bh", "v3-brej", "v3-bx", "v3-rej"};
    assert_int_equal(count, COUNT_OF(room));
    assert_false(next[0] != '\0');
    for (size_t i = 0; i < COUNT_OF(room); i++)
        assert_string_equal(page[i].booking_id, room[i]);

    /* A change by booking_id, and a new record after the last seq. */
    assert_int_equal(booking_confirm(s, "v3-bh", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CONFIRMED);
    expect_record(s, "v3-bh", BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, 2, 0);
    booking_request fresh = {.booking_id = "v4-new", .resource_id = "v3-desk", .units = 1};
    assert_int_equal(booking_attempt(s, &fresh, &res), BOOKING_OK);
    assert_true(!res.replayed && res.outcome == BOOKING_BOOKED);
    assert_int_equal(raw_int(raw, "SELECT seq FROM bookings WHERE id = 'v4-new'"), 9);
    expect_resource(s, "v3-desk", 3, 2);
    /* Run 1 (the migrated records) merged with the unsealed tail (v4-new). */
    assert_int_equal(booking_list_bookings(s, "v3-desk", BOOKING_LIST_ALL, NULL, 16, &reason,
                                           page, &count, next),
                     BOOKING_OK);
    static const char *const desk[] = {"v3-b2", "v3-bh", "v3-brej", "v4-new"};
    assert_int_equal(count, COUNT_OF(desk));
    for (size_t i = 0; i < COUNT_OF(desk); i++)
        assert_string_equal(page[i].booking_id, desk[i]);
    booking_store_close(s);

    /* A second open finds version 4, changes nothing and finds every record. */
    raw_dump_v3_rows(raw, before, sizeof before);
    s = open_store(path);
    expect_record(s, "v4-new", BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, 1, 0);
    expect_record(s, "v3-bh", BOOKING_BOOKED, BOOKING_STATUS_ACTIVE, 2, 0);
    booking_store_close(s);
    raw_dump_v3_rows(raw, after, sizeof after);
    assert_string_equal(after, before);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    sqlite3_close(raw);
}

/* Two handles on one file are two processes as far as the file knows. */
/* Migration 4 rebuilds bookings and booking_lines, then creates the runs' tables:
 * one of them in the way makes it fail after the rebuild, and the version-3 file
 * is left as it was, rows and schema. */
static void sqlite_schema_migration_4_that_fails_midway_leaves_the_v3_file_untouched(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v3, 3, "v3-blocked.db");
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE booking_runs_sealed (x)", NULL, NULL, NULL),
                     SQLITE_OK);
    expect_migration_fails_midway(raw, path, 3, raw_dump_v3_rows); /* the schema too: no seq */

    /* Out of the way, the same file migrates. */
    assert_int_equal(sqlite3_exec(raw, "DROP TABLE booking_runs_sealed", NULL, NULL, NULL),
                     SQLITE_OK);
    booking_store *s = open_store(path);
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    sqlite3_close(raw);
}

/* The keys of run `run` of a version-5 file, summed over its pages (the pages'
 * blobs themselves are read by the listings). */
static int64_t raw_run_keys(sqlite3 *db, int run)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT coalesce(sum(keys), 0) FROM booking_runs WHERE run = %d", run);
    return raw_int(db, sql);
}

/* Every booking_id of resource_id's listing, pages of UPGRADE_V4_PAGE, joined by ' '. */
static void list_ids(booking_store *s, const char *resource_id, char *out, size_t size)
{
    booking_record page[UPGRADE_V4_PAGE];
    char after[BOOKING_ID_LEN_MAX + 1] = "";
    size_t used = 0;
    out[0] = '\0';
    for (bool first = true;; first = false) {
        booking_reason reason;
        size_t count = 0;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_int_equal(booking_list_bookings(s, resource_id, BOOKING_LIST_ALL,
                                               first ? NULL : after, UPGRADE_V4_PAGE, &reason,
                                               page, &count, next),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        for (size_t i = 0; i < count; i++) {
            int n = snprintf(out + used, size - used, "%s%s", used ? " " : "", page[i].booking_id);
            assert_true(n > 0 && (size_t)n < size - used);
            used += (size_t)n;
        }
        if (next[0] == '\0')
            return;
        /* Unfiltered: next only after a full page, its last id. */
        assert_int_equal(count, UPGRADE_V4_PAGE);
        assert_string_equal(next, page[count - 1].booking_id);
        memcpy(after, next, sizeof after);
    }
}

/* Version 4 -> 5 (tests/fixtures/make-sqlite-schema-v4.sh): the runs of one row
 * per key become pages of keys, every key of every run kept, the seals as they
 * were; no record, line, counter or time moves; the listings merge the migrated
 * pages and the unsealed tail in order, across pages; new records go on. */
static void sqlite_schema_v4_file_is_migrated_in_place_its_runs_become_pages_keeping_every_key(
    void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v4, 4, "v4.db");
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_runs WHERE run = 1"), 13);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_runs WHERE run = 2"), 102);
    booking_store *s = migrate_keeping_rows(&raw, path, 4, raw_dump_v3_rows);
    assert_int_equal(raw_run_keys(raw, 1), 13);
    assert_int_equal(raw_run_keys(raw, 2), 102);
    /* Run 2: v4-many's 101 keys in pages of 96 and 5, v3-desk's 1. */
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_runs WHERE run = 2"), 3);
    assert_int_equal(raw_int(raw, "SELECT max(keys) FROM booking_runs"), 96);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM sqlite_schema WHERE name = 'booking_runs_v4'"), 0);
    assert_int_equal(raw_int(raw, "SELECT group_concat(run || ':' || last_seq, ' ')"
                                  " = '1:8 2:109' FROM booking_runs_sealed"), 1);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                  "integrity_check <> 'ok'"), 0);

    /* The listings: run 1 and run 2's pages and the tail, merged in order. */
    char want[UPGRADE_TEXT_SIZE];
    size_t used = (size_t)snprintf(want, sizeof want, "v4-bundle");
    for (int i = 0; i < 100; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, " v4-m%03d", i);
    snprintf(want + used, sizeof want - used, " v4-tail0 v4-tail1");
    char got[UPGRADE_TEXT_SIZE];
    list_ids(s, "v4-many", got, sizeof got);
    assert_string_equal(got, want);
    list_ids(s, "v3-desk", got, sizeof got);
    assert_string_equal(got, "v3-b2 v3-bh v3-brej v4-bundle");
    list_ids(s, "v3-room", got, sizeof got);
    assert_string_equal(got, "v3-a v3-b1 v3-bh v3-brej v3-bx v3-rej");

    /* Replays find the records; a new one goes after the last seq and is listed. */
    booking_request again = {.booking_id = "v4-m005", .resource_id = "v4-many", .units = 1};
    booking_result res;
    assert_int_equal(booking_attempt(s, &again, &res), BOOKING_OK);
    assert_true(res.replayed && res.outcome == BOOKING_BOOKED);
    booking_request fresh = {.booking_id = "v5-new", .resource_id = "v3-desk", .units = 1};
    assert_int_equal(booking_attempt(s, &fresh, &res), BOOKING_OK);
    assert_true(!res.replayed && res.outcome == BOOKING_BOOKED);
    assert_int_equal(raw_int(raw, "SELECT seq FROM bookings WHERE id = 'v5-new'"), 112);
    list_ids(s, "v3-desk", got, sizeof got);
    assert_string_equal(got, "v3-b2 v3-bh v3-brej v4-bundle v5-new");
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    sqlite3_close(raw);
}

/* Migration 5 renames the version-4 runs, creates the pages' table, then writes
 * the pages in C: a key it cannot write (seq 0, which no release wrote) fails it
 * there, midway, and the version-4 file is left as it was, rows and schema. */
static void sqlite_schema_migration_5_that_fails_midway_leaves_the_v4_file_untouched(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v4, 4, "v4-blocked.db");
    assert_int_equal(sqlite3_exec(raw, "INSERT INTO booking_runs VALUES (2, 'v4-zz', 'x', 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    int64_t keys = raw_int(raw, "SELECT count(*) FROM booking_runs");
    /* The schema too: booking_runs of one row per key. */
    expect_migration_fails_midway(raw, path, 4, raw_dump_v3_rows);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_runs"), keys);

    assert_int_equal(sqlite3_exec(raw, "DELETE FROM booking_runs WHERE seq = 0", NULL, NULL, NULL),
                     SQLITE_OK);
    booking_store *s = open_store(path);
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), UPGRADE_SCHEMA_VERSION);
    assert_int_equal(raw_run_keys(raw, 2), 102);
    sqlite3_close(raw);
}

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

/* Every record of the file, as it stores it: each found by its booking_id and
 * read as stored; each single one replayed (the stored decision, no new one). */
static void expect_every_stored_record(booking_store *s, sqlite3 *raw, size_t want)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(raw, "SELECT id, resource_id, units, outcome, status, line_count"
                                " FROM bookings ORDER BY seq", -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(raw));
    size_t n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        booking_reason reason;
        booking_record rec;
        assert_int_equal(booking_get_booking(s, id, &reason, &rec), BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        assert_string_equal(rec.resource_id, (const char *)sqlite3_column_text(q, 1));
        assert_true(rec.units == (uint64_t)sqlite3_column_int64(q, 2));
        assert_int_equal(rec.outcome, sqlite3_column_int(q, 3));
        assert_int_equal(rec.status, sqlite3_column_int(q, 4));
        assert_int_equal(rec.line_count, sqlite3_column_int(q, 5));
        if (rec.line_count == 1) {
            booking_request again = {.booking_id = id, .resource_id = rec.resource_id,
                                     .units = rec.units, .hold_ms = rec.hold_ms};
            booking_result res;
            assert_int_equal(booking_attempt(s, &again, &res), BOOKING_OK);
            assert_true(res.replayed && res.outcome == rec.outcome);
        }
        n++;
    }
    sqlite3_finalize(q);
    assert_int_equal(n, want);
}

/* Version 5 -> 6 (tests/fixtures/make-sqlite-schema-v5.sh): the booking_id
 * index's snapshot tables (empty) and the trigger on seq and booking_id are
 * added; no record, line, run, counter or time moves; every record is found,
 * first by an index built from the file, then by one loaded from the snapshot
 * the close writes; new records go on at the next seq. */
static void sqlite_schema_v5_file_is_migrated_in_place_keeping_every_record(void **state)
{
    (void)state;
    char path[UPGRADE_PATH_SIZE];
    sqlite3 *raw = fixture_copy(path, fixture_v5, 5, "v5.db");
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM bookings"), UPGRADE_V5_RECORDS);
    int64_t pages = raw_int(raw, "SELECT count(*) FROM booking_runs");
    booking_store *s = migrate_keeping_rows(&raw, path, 5, raw_dump_v3_rows);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_runs"), pages);
    assert_int_equal(raw_int(raw, "SELECT max(seq) FROM bookings"), UPGRADE_V5_RECORDS);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_index_snapshot"), 0);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM booking_index_snapshot_chunks"), 0);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
                                  " AND name = 'bookings_seq_and_id_never_change'"), 1);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                  "integrity_check <> 'ok'"), 0);
    expect_every_stored_record(s, raw, UPGRADE_V5_RECORDS);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(s), 0);
    booking_request fresh = {.booking_id = "v6-new", .resource_id = "v5-room", .units = 1};
    booking_result res;
    assert_int_equal(booking_attempt(s, &fresh, &res), BOOKING_OK);
    assert_true(!res.replayed && res.outcome == BOOKING_BOOKED);
    assert_int_equal(raw_int(raw, "SELECT seq FROM bookings WHERE id = 'v6-new'"),
                     UPGRADE_V5_RECORDS + 1);
    bk_sqlite_store_set_index_snapshot_growth(s, 1);
    booking_store_close(s);
    assert_int_equal(raw_int(raw, "SELECT latest FROM booking_index_snapshot"),
                     UPGRADE_V5_RECORDS + 1);

    s = open_store(path);
    booking_reason reason;
    assert_int_equal(booking_store_ping(s, &reason), BOOKING_OK);
    assert_int_equal(bk_sqlite_store_index_snapshot_loaded(s), UPGRADE_V5_RECORDS + 1);
    assert_int_equal(bk_sqlite_store_index_rows_read(s), 0);
    expect_every_stored_record(s, raw, UPGRADE_V5_RECORDS + 1); /* through the snapshot */
    assert_int_equal(raw_int(raw, "SELECT count(DISTINCT id) FROM bookings"), UPGRADE_V5_RECORDS + 1);
    booking_store_close(s);
    sqlite3_close(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_schema_v1_file_is_migrated_in_place_keeping_every_decision),
        cmocka_unit_test(sqlite_schema_migration_that_fails_midway_leaves_the_v1_file_untouched),
        cmocka_unit_test(sqlite_store_time_never_goes_back_across_handles_and_reopen),
        cmocka_unit_test(
            sqlite_schema_v2_file_is_migrated_in_place_keeping_every_record_counter_hold_and_time),
        cmocka_unit_test(sqlite_schema_migration_3_that_fails_midway_leaves_the_v2_file_untouched),
        cmocka_unit_test(sqlite_schema_v3_file_opens_without_a_write_lock),
        cmocka_unit_test(sqlite_schema_v3_finds_due_hold_lines_in_partial_indexes_without_a_scan),
        cmocka_unit_test(
            sqlite_schema_v3_file_is_migrated_in_place_keeping_every_record_line_hold_and_time),
        cmocka_unit_test(sqlite_schema_migration_4_that_fails_midway_leaves_the_v3_file_untouched),
        cmocka_unit_test(
            sqlite_schema_v4_file_is_migrated_in_place_its_runs_become_pages_keeping_every_key),
        cmocka_unit_test(sqlite_schema_migration_5_that_fails_midway_leaves_the_v4_file_untouched),
        cmocka_unit_test(sqlite_schema_v5_file_is_migrated_in_place_keeping_every_record),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return failed;
}
