/* SPDX-License-Identifier: MIT */
/*
 * postgres_listing.c: the listing operations of the postgres store (postgres.c
 * note (12)) on a database whose default collation is not bytewise (ICU "en",
 * where "a" < "B"): pages in strcmp order, each resource and record as
 * get_resource and get_booking read it at the page's time, the filter as
 * bk_core_list_filter_keeps decides on the status as of that time, every record
 * with a line on the resource once, and the statements' generic plans walking
 * the bytewise indexes of schema version 4. argv[1] is the URL of a fresh
 * database on the test server; the test makes its own ICU database beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"
#include "store/postgres_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ICU_DB "listing_icu"
#define URL_MAX 512
#define HOLD_MS 1000
#define PLAN_TEXT_MAX 16384
#define MANY_RESOURCES 300   /* records of other resources, for the plans */
#define MANY_PER_RESOURCE 20

static char icu_url[URL_MAX];
static int64_t test_clock_ms;

static int64_t test_clock(void *context)
{
    (void)context;
    return test_clock_ms;
}

/* A database beside argv[1]'s, created with an ICU default collation. */
static void make_icu_database(const char *url)
{
    PGconn *pg = pg_test_connect(url);
    PQclear(pg_test_exec(pg, "DROP DATABASE IF EXISTS " ICU_DB " WITH (FORCE)"));
    PQclear(pg_test_exec(pg, "CREATE DATABASE " ICU_DB " TEMPLATE template0 ENCODING 'UTF8'"
                             " LOCALE_PROVIDER icu ICU_LOCALE 'en' LC_COLLATE 'C' LC_CTYPE 'C'"));
    PQfinish(pg);
    const char *slash = strrchr(url, '/');
    assert_non_null(slash);
    const char *query = strchr(slash, '?');
    snprintf(icu_url, sizeof icu_url, "%.*s/" ICU_DB "%s", (int)(slash - url), url,
             query != NULL ? query : "");
}

static booking_store *open_store(void)
{
    booking_store *s = NULL;
    char err[256] = "";
    if (booking_store_open(icu_url, &s, err, sizeof err) != BOOKING_OK)
        fail_msg("open %s: %s", icu_url, err);
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    return s;
}

static booking_result attempt(booking_store *s, const char *id, const char *rid, uint64_t units,
                              uint64_t hold_ms)
{
    booking_request q = {.booking_id = id, .resource_id = rid, .units = units, .hold_ms = hold_ms};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    return r;
}

static booking_result bundle(booking_store *s, const char *id, const booking_line *lines,
                             uint32_t count, uint64_t hold_ms)
{
    booking_request q = {.booking_id = id, .lines = lines, .line_count = count, .hold_ms = hold_ms};
    booking_result r;
    assert_int_equal(booking_attempt(s, &q, &r), BOOKING_OK);
    return r;
}

/* Every field of two records, as get_booking fills them. */
static void assert_same_record(const booking_record *a, const booking_record *b)
{
    assert_string_equal(a->booking_id, b->booking_id);
    assert_string_equal(a->resource_id, b->resource_id);
    assert_true(a->units == b->units && a->hold_ms == b->hold_ms && a->outcome == b->outcome &&
                a->reason == b->reason && a->status == b->status &&
                a->created_at_ms == b->created_at_ms && a->updated_at_ms == b->updated_at_ms &&
                a->expires_at_ms == b->expires_at_ms && a->line_count == b->line_count &&
                a->line == b->line);
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- list_resources ---- */

static void list_resources_pages_in_bytewise_order_on_a_database_whose_collation_is_not(
    void **state)
{
    (void)state;
    test_clock_ms = 1000000;
    booking_store *s = open_store();
    const char *ids[] = {"b", "B", "a", "A-1", "_x", "Z", "a.b", "a-b", "0", "z:z", "Ab"};
    const size_t n = sizeof ids / sizeof ids[0];
    for (size_t i = 0; i < n; i++)
        pg_test_set_capacity(s, ids[i], i + 1);
    const char *sorted[sizeof ids / sizeof ids[0]];
    memcpy(sorted, ids, sizeof ids);
    qsort(sorted, n, sizeof sorted[0], compare_ids);
    /* the database itself orders them otherwise: the test means something */
    PGconn *pg = pg_test_connect(icu_url);
    assert_int_equal(pg_test_value(pg, "SELECT ('a' < 'B')::int"), 1);
    PQfinish(pg);
    for (size_t limit = 1; limit <= n + 1; limit++) {
        const char *after = NULL;
        char last[BOOKING_ID_LEN_MAX + 1];
        size_t seen = 0;
        for (;;) {
            booking_resource page[16];
            booking_reason reason;
            size_t count;
            char next[BOOKING_LIST_NEXT_SIZE] = "";
            assert_int_equal(booking_list_resources(s, after, limit, &reason, page, &count, next),
                             BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK);
            assert_true(count <= limit && (next[0] != '\0' ? count == limit : true));
            for (size_t i = 0; i < count; i++) {
                assert_string_equal(page[i].resource_id, sorted[seen + i]);
                assert_true(page[i].as_of_ms == test_clock_ms);
            }
            seen += count;
            if (next[0] == '\0')
                break;
            snprintf(last, sizeof last, "%s", page[count - 1].resource_id);
            after = last;
        }
        assert_int_equal(seen, n);
    }
    /* after an id that is not stored: the next one up */
    booking_resource page[2];
    booking_reason reason;
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_resources(s, "a-", 2, &reason, page, &count, next), BOOKING_OK);
    assert_int_equal(count, 2);
    assert_string_equal(page[0].resource_id, "a-b");
    assert_string_equal(page[1].resource_id, "a.b");
    assert_int_equal(booking_list_resources(s, "z:z", 2, &reason, page, &count, next), BOOKING_OK);
    assert_true(reason == BOOKING_REASON_OK && count == 0 && next[0] == '\0');
    booking_store_close(s);
}

static void list_resources_reads_each_as_get_resource_does_at_the_read_time(void **state)
{
    (void)state;
    test_clock_ms = 2000000;
    booking_store *s = open_store();
    pg_test_set_capacity(s, "hold-r", 10);
    booking_result r = attempt(s, "hold-r-1", "hold-r", 3, HOLD_MS);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    booking_line two[2] = {{"hold-s", 2}, {"hold-r", 4}};
    pg_test_set_capacity(s, "hold-s", 10);
    r = bundle(s, "hold-b-1", two, 2, HOLD_MS * 2);
    assert_int_equal(r.status, BOOKING_STATUS_HELD);
    for (int step = 0; step < 3; step++) {
        booking_resource page[2], one;
        booking_reason reason;
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_int_equal(booking_list_resources(s, "hold-q", 2, &reason, page, &count, next),
                         BOOKING_OK);
        assert_int_equal(count, 2);
        assert_string_equal(page[0].resource_id, "hold-r");
        assert_string_equal(page[1].resource_id, "hold-s");
        for (size_t i = 0; i < count; i++) {
            assert_int_equal(booking_get_resource(s, page[i].resource_id, &reason, &one),
                             BOOKING_OK);
            assert_true(page[i].booked == one.booked && page[i].capacity == one.capacity &&
                        page[i].as_of_ms == one.as_of_ms && one.as_of_ms == test_clock_ms);
        }
        uint64_t want_r[] = {7, 4, 0}, want_s[] = {2, 2, 0};
        assert_int_equal(page[0].booked, want_r[step]);
        assert_int_equal(page[1].booked, want_s[step]);
        test_clock_ms += HOLD_MS; /* no write applies the expiries: reads answer them */
    }
    booking_store_close(s);
}

/* ---- list_bookings ---- */

/* Every record of resource rid in id order through pages of `limit`, filtered. */
static size_t list_all(booking_store *s, const char *rid, booking_list_filter filter,
                       size_t limit, booking_record *out, size_t cap)
{
    char after[BOOKING_LIST_NEXT_SIZE] = "";
    size_t seen = 0;
    for (;;) {
        booking_reason reason;
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_true(seen + limit <= cap);
        assert_int_equal(booking_list_bookings(s, rid, filter, after[0] ? after : NULL, limit,
                                               &reason, out + seen, &count, next),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        assert_true(count <= limit);
        seen += count;
        if (next[0] == '\0')
            return seen;
        memcpy(after, next, sizeof after);
    }
}

#define RECORDS_MAX 64

/* On "lr": records of every status as of the clock, single and bundles, line 0
 * on it or elsewhere, REJECTED ones (a REJECTED bundle's later line too). */
static void make_records_of_every_status(booking_store *s)
{
    pg_test_set_capacity(s, "lr", 100);
    pg_test_set_capacity(s, "lr-other", 100);
    pg_test_set_capacity(s, "lr-tiny", 1);
    booking_line on_other_first[2] = {{"lr-other", 1}, {"lr", 1}};
    booking_line rejected_later[2] = {{"lr", 1}, {"lr-tiny", 5}};
    booking_line rejected_on_it[2] = {{"lr-tiny", 1}, {"lr", 500}};
    assert_int_equal(attempt(s, "Active-1", "lr", 1, 0).status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(attempt(s, "active-2", "lr", 2, 0).status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(attempt(s, "cancel-1", "lr", 1, 0).status, BOOKING_STATUS_ACTIVE);
    booking_reason reason;
    assert_int_equal(booking_cancel(s, "cancel-1", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CANCELLED);
    assert_int_equal(attempt(s, "held-live", "lr", 1, HOLD_MS * 10).status, BOOKING_STATUS_HELD);
    assert_int_equal(attempt(s, "held-due", "lr", 1, HOLD_MS).status, BOOKING_STATUS_HELD);
    assert_int_equal(attempt(s, "held-swept", "lr", 1, HOLD_MS / 2).status, BOOKING_STATUS_HELD);
    assert_int_equal(attempt(s, "Rejected-1", "lr", 1000, 0).outcome, BOOKING_REJECTED);
    assert_int_equal(bundle(s, "bundle-2nd", on_other_first, 2, 0).status, BOOKING_STATUS_ACTIVE);
    assert_int_equal(bundle(s, "bundle-held", on_other_first, 2, HOLD_MS).status,
                     BOOKING_STATUS_HELD);
    booking_result r = bundle(s, "bundle-rej-1", rejected_later, 2, 0);
    assert_true(r.outcome == BOOKING_REJECTED && r.line == 1);
    r = bundle(s, "bundle-rej-0", rejected_on_it, 2, 0);
    assert_true(r.outcome == BOOKING_REJECTED && r.line == 1);
    assert_int_equal(attempt(s, "not-mine", "lr-other", 1, 0).status, BOOKING_STATUS_ACTIVE);
    test_clock_ms += HOLD_MS / 2;
    assert_int_equal(attempt(s, "sweeper", "lr", 1, 0).status, BOOKING_STATUS_ACTIVE);
    test_clock_ms += HOLD_MS / 2; /* held-due and bundle-held due now, never swept */
}

static void list_bookings_lists_every_record_with_a_line_on_the_resource_once(void **state)
{
    (void)state;
    test_clock_ms = 3000000;
    booking_store *s = open_store();
    make_records_of_every_status(s);
    const char *want[] = {"Active-1",     "Rejected-1",   "active-2",  "bundle-2nd",
                          "bundle-held",  "bundle-rej-0", "bundle-rej-1", "cancel-1",
                          "held-due",     "held-live",    "held-swept", "sweeper"};
    const size_t n = sizeof want / sizeof want[0];
    for (size_t limit = 1; limit <= n + 1; limit++) {
        booking_record out[RECORDS_MAX];
        size_t seen = list_all(s, "lr", BOOKING_LIST_ALL, limit, out, RECORDS_MAX);
        assert_int_equal(seen, n);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(out[i].booking_id, want[i]);
            booking_record one;
            booking_reason reason;
            assert_int_equal(booking_get_booking(s, want[i], &reason, &one), BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK);
            assert_same_record(&out[i], &one); /* as get_booking fills it */
        }
    }
    booking_record out[RECORDS_MAX];
    assert_int_equal(list_all(s, "lr-tiny", BOOKING_LIST_ALL, 5, out, RECORDS_MAX), 2);
    assert_string_equal(out[0].booking_id, "bundle-rej-0");
    assert_string_equal(out[1].booking_id, "bundle-rej-1"); /* its failing line is here */
    booking_store_close(s);
}

static void list_bookings_filter_is_bk_core_list_filter_keeps_of_the_status_as_of_the_read(
    void **state)
{
    (void)state;
    test_clock_ms = 4000000;
    PGconn *pg = pg_test_connect(icu_url);
    PQclear(pg_test_exec(pg, "DELETE FROM booking_lines WHERE booking_id IN (SELECT id FROM"
                             " bookings WHERE resource_id LIKE 'lr%')"));
    PQclear(pg_test_exec(pg, "DELETE FROM bookings WHERE resource_id LIKE 'lr%'"));
    PQclear(pg_test_exec(pg, "DELETE FROM resources WHERE id LIKE 'lr%'"));
    PQfinish(pg);
    booking_store *s = open_store();
    make_records_of_every_status(s);
    booking_record all[RECORDS_MAX];
    size_t n = list_all(s, "lr", BOOKING_LIST_ALL, RECORDS_MAX / 2, all, RECORDS_MAX);
    size_t by_status[BOOKING_STATUS_EXPIRED + 1] = {0};
    for (size_t i = 0; i < n; i++)
        by_status[all[i].status]++;
    /* every status is there as of now, held ones due but never swept among them */
    assert_true(by_status[BOOKING_STATUS_ACTIVE] == 4 && by_status[BOOKING_STATUS_CANCELLED] == 1 &&
                by_status[BOOKING_STATUS_HELD] == 1 && by_status[BOOKING_STATUS_EXPIRED] == 3 &&
                by_status[BOOKING_STATUS_NONE] == 3);
    for (int f = BOOKING_LIST_ALL; f <= BOOKING_LIST_REJECTED; f++) {
        for (size_t limit = 1; limit <= 3; limit++) {
            booking_record got[RECORDS_MAX];
            size_t m = list_all(s, "lr", (booking_list_filter)f, limit, got, RECORDS_MAX);
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (!bk_core_list_filter_keeps((booking_list_filter)f, all[i].outcome,
                                               all[i].status))
                    continue;
                assert_true(k < m);
                assert_same_record(&got[k], &all[i]);
                k++;
            }
            assert_int_equal(k, m);
        }
    }
    /* a hold turns expired by time alone: the next read lists it so */
    test_clock_ms += HOLD_MS * 10;
    booking_record got[RECORDS_MAX];
    assert_int_equal(list_all(s, "lr", BOOKING_LIST_HELD, 2, got, RECORDS_MAX), 0);
    assert_int_equal(list_all(s, "lr", BOOKING_LIST_EXPIRED, 2, got, RECORDS_MAX), 4);
    booking_store_close(s);
}

static void list_bookings_of_a_resource_that_does_not_exist_is_unknown_resource(void **state)
{
    (void)state;
    booking_store *s = open_store();
    booking_record out[2];
    booking_reason reason;
    size_t count = 7;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(s, "no-such-resource", BOOKING_LIST_ALL, NULL, 2,
                                           &reason, out, &count, next),
                     BOOKING_OK);
    assert_true(reason == BOOKING_REASON_UNKNOWN_RESOURCE && count == 0 && next[0] == '\0');
    /* a resource without records is not unknown */
    pg_test_set_capacity(s, "empty-r", 0);
    assert_int_equal(booking_list_bookings(s, "empty-r", BOOKING_LIST_ALL, NULL, 2, &reason, out,
                                           &count, next),
                     BOOKING_OK);
    assert_true(reason == BOOKING_REASON_OK && count == 0 && next[0] == '\0');
    booking_store_close(s);
}

/* ---- plans ---- */

/* Whether every index scan of a plan has an Index Cond: none walks a whole
 * index (a cost that would grow with other resources' records). */
static bool every_index_scan_is_a_range(const char *plan)
{
    for (const char *p = plan; (p = strstr(p, " Scan using ")) != NULL; p++) {
        const char *next = strchr(p, '\n'); /* the line after the scan's */
        if (next == NULL)
            return false;
        const char *end = strchr(next + 1, '\n');
        size_t len = end != NULL ? (size_t)(end - next - 1) : strlen(next + 1);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)len, next + 1);
        if (strstr(line, "Index Cond:") == NULL)
            return false;
    }
    return true;
}

/* The generic plan of a statement, with the settings of the store's sessions. */
static void plan_of(PGconn *pg, const char *name, pg_stmt stmt, const char *args, char *out,
                    size_t size)
{
    char sql[4096];
    snprintf(sql, sizeof sql, "PREPARE %s AS %s", name, bk_pg_stmt_sql(stmt));
    PQclear(pg_test_exec(pg, sql));
    snprintf(sql, sizeof sql, "EXPLAIN EXECUTE %s (%s)", name, args);
    PGresult *res = pg_test_exec(pg, sql);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < PQntuples(res); i++)
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s\n",
                                PQgetvalue(res, i, 0));
    assert_true(len < size);
    PQclear(res);
}

/* Both statements' generic plans, as the store's sessions run them. */
static void check_plans(PGconn *pg)
{
    PQclear(pg_test_exec(pg, "ANALYZE; DEALLOCATE ALL"));
    char plan[PLAN_TEXT_MAX];
    plan_of(pg, "lr", BOOKING_PG_LIST_RESOURCES, "'many-100', NULL, 0, 101", plan, sizeof plan);
    if (strstr(plan, "resources_by_id_bytewise") == NULL || strstr(plan, "Seq Scan") != NULL ||
        !every_index_scan_is_a_range(plan))
        fail_msg("list_resources does not walk resources_by_id_bytewise:\n%s", plan);
    printf("%s", plan);
    plan_of(pg, "lb", BOOKING_PG_LIST_BOOKINGS, "'many-100', NULL, 0, 'm-100-05', 101, '{9,10}', 10000",
            plan, sizeof plan);
    if (strstr(plan, "bookings_by_resource") == NULL ||
        strstr(plan, "booking_lines_by_resource") == NULL || strstr(plan, "Seq Scan") != NULL ||
        !every_index_scan_is_a_range(plan))
        fail_msg("list_bookings does not walk bookings_by_resource and "
                 "booking_lines_by_resource:\n%s", plan);
    printf("%s", plan);
}

static void listing_statements_walk_the_bytewise_indexes(void **state)
{
    (void)state;
    test_clock_ms = 5000000;
    booking_store *s = open_store();
    /* many records on many resources, so that a plan has something to choose */
    booking_request q[MANY_PER_RESOURCE];
    char ids[MANY_PER_RESOURCE][32];
    booking_result results[MANY_PER_RESOURCE];
    for (int r = 0; r < MANY_RESOURCES; r++) {
        char rid[32];
        snprintf(rid, sizeof rid, "many-%03d", r);
        pg_test_set_capacity(s, rid, 1000);
        for (int i = 0; i < MANY_PER_RESOURCE; i++) {
            snprintf(ids[i], sizeof ids[i], "m-%03d-%02d", r, i);
            q[i] = (booking_request){.booking_id = ids[i], .resource_id = rid, .units = 1};
        }
        assert_int_equal(booking_attempt_batch(s, q, MANY_PER_RESOURCE, results), BOOKING_OK);
    }
    PGconn *pg = pg_test_connect(icu_url);
    PQclear(pg_test_exec(pg, "SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan"));
    check_plans(pg); /* few bundles (the earlier tests'), many records */
    for (int r = 1; r < MANY_RESOURCES; r++) { /* a bundle over each resource and the one before */
        char rid[32], prev[32], bid[32];
        snprintf(rid, sizeof rid, "many-%03d", r);
        snprintf(prev, sizeof prev, "many-%03d", r - 1);
        snprintf(bid, sizeof bid, "mb-%03d", r);
        booking_line two[2] = {{rid, 1}, {prev, 1}};
        assert_int_equal(bundle(s, bid, two, 2, 0).outcome, BOOKING_BOOKED);
    }
    check_plans(pg);
    booking_store_close(s);
    PQfinish(pg);
}

int main(int argc, char **argv)
{
    const char *url = pg_test_url_arg(argc, argv);
    if (url == NULL)
        return 2;
    make_icu_database(url);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            list_resources_pages_in_bytewise_order_on_a_database_whose_collation_is_not),
        cmocka_unit_test(list_resources_reads_each_as_get_resource_does_at_the_read_time),
        cmocka_unit_test(list_bookings_lists_every_record_with_a_line_on_the_resource_once),
        cmocka_unit_test(
            list_bookings_filter_is_bk_core_list_filter_keeps_of_the_status_as_of_the_read),
        cmocka_unit_test(list_bookings_of_a_resource_that_does_not_exist_is_unknown_resource),
        cmocka_unit_test(listing_statements_walk_the_bytewise_indexes),
    };
    return cmocka_run_group_tests_name("postgres listing", tests, NULL, NULL);
}
