/* SPDX-License-Identifier: MIT */
/*
 * sqlite_listing.c: the sqlite store's listings and its booking_id index
 * (src/store/sqlite.c notes (11) and (12)): pages in bytewise booking_id order
 * merged from sealed runs and the unsealed tail, every line of a bundle, the
 * filter as of the read's time; booking_id unique across handles on one file
 * (each its own index, caught up under the write lock); every record found again
 * after the index grew and after a reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "store/sqlite_run.h"
#include "store/sqlite_store.h"
#include "support/sqlite_file.h"
#include "support/store_expect.h"
#include "support/sqlite_runs_check.h"
#include "support/test_support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_PATH_SIZE 640
#define LIST_RUN_ROWS 65536 /* SQLITE_RUN_ROWS (src/store/sqlite_store.h) */
#define LIST_RUNS 3         /* runs the big test seals before its tail */
#define LIST_TAIL 5000
#define LIST_RESOURCES 3
#define LIST_BATCH 8192
#define LIST_ID_SIZE 40
#define LIST_HOLD_MS 1000
#define LIST_LAZY_RECORDS 3000 /* the file the lazy index test reopens */
#define LIST_RACE_HANDLES 2
#define LIST_RACE_BATCH 1024   /* small: the handles' batches interleave at each mark */
#define LIST_RACE_RECORDS 70000 /* per handle: two marks crossed in all */
#define LIST_ROWS_BATCH 200     /* > 64 rows of one INSERT (SQLITE_INSERT_ROWS), not a multiple */
#define LIST_ROWS_BATCHES 3
#define LIST_CACHE_BATCH 1000 /* not a divisor of a run: a batch crosses each mark */
#define LIST_CACHE_OTHER 77   /* records the other handle writes inside a run */
#define LIST_SIZES_MAX 65       /* SQLITE_INSERT_ROWS + 1: every statement size, each bit */

static int64_t clock_ms = 1800000000000;

static int64_t test_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&clock_ms, __ATOMIC_SEQ_CST);
}

static booking_store *open_at(const char *path)
{
    return expect_sqlite_open(path, test_clock);
}

static void db_path(char path[LIST_PATH_SIZE], const char *name)
{
    snprintf(path, LIST_PATH_SIZE, "%s/%s", test_tmpdir(), name);
}

static booking_result attempt(booking_store *s, const char *id, const char *rid, uint64_t units,
                              uint64_t hold_ms)
{
    booking_request req = {.booking_id = id, .resource_id = rid, .units = units, .hold_ms = hold_ms};
    booking_result res;
    assert_int_equal(booking_attempt(s, &req, &res), BOOKING_OK);
    return res;
}

/* Every page of resource_id's listing with filter, limit per page: the ids, in
 * order, into ids (n of them); each page's next agrees with what follows. */
static size_t list_all(booking_store *s, const char *rid, booking_list_filter filter, size_t limit,
                       char (*ids)[LIST_ID_SIZE], size_t cap)
{
    static booking_record page[BOOKING_LIST_LIMIT_MAX];
    char after[LIST_ID_SIZE] = "";
    size_t n = 0;
    for (;;) {
        booking_reason reason;
        size_t count = 0;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_int_equal(booking_list_bookings(s, rid, filter, n ? after : NULL, limit, &reason,
                                               page, &count, next),
                         BOOKING_OK);
        if (reason != BOOKING_REASON_OK)
            fail_msg("list %s: %s (%s)", rid, booking_reason_name(reason), booking_last_error());
        assert_true(count <= limit);
        for (size_t i = 0; i < count; i++) {
            assert_true(n < cap);
            /* Ascending, bytewise, never one twice. */
            assert_true(n == 0 || strcmp(ids[n - 1], page[i].booking_id) < 0);
            size_t len = strlen(page[i].booking_id);
            assert_true(len < LIST_ID_SIZE);
            memcpy(ids[n++], page[i].booking_id, len + 1);
        }
        if (next[0] == '\0')
            return n;
        memcpy(after, next, sizeof after);
    }
}

static void expect_ids(booking_store *s, const char *rid, booking_list_filter filter, size_t limit,
                       const char *const *want, size_t n_want)
{
    char ids[16][LIST_ID_SIZE];
    size_t n = list_all(s, rid, filter, limit, ids, 16);
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(ids[i], want[i]);
}

/* A listing pages every record with a line on the resource (a bundle's line 0 or
 * any other line, REJECTED ones included) in bytewise booking_id order, keeps
 * what the filter keeps as of the read's time, and knows an unknown resource. */
static void sqlite_list_bookings_pages_every_record_with_a_line_on_the_resource_in_bytewise_order(
    void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    db_path(path, "small.db");
    booking_store *s = open_at(path);
    expect_capacity_set(s, "room", 10);
    expect_capacity_set(s, "hall", 10);
    expect_capacity_set(s, "desk", 1);
    assert_int_equal(attempt(s, "b", "room", 1, 0).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(s, "B", "room", 1, 0).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(s, "a-held", "room", 1, LIST_HOLD_MS).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(s, "_due", "room", 1, 1).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(s, "9-rej", "room", 50, 0).outcome, BOOKING_REJECTED);
    assert_int_equal(attempt(s, "h-only", "hall", 1, 0).outcome, BOOKING_BOOKED);
    booking_reason reason;
    assert_int_equal(booking_cancel(s, "b", &reason, NULL), BOOKING_OK);
    /* A bundle with its line 1 on room, and a REJECTED one failing on desk. */
    booking_line two[] = {{.resource_id = "hall", .units = 1}, {.resource_id = "room", .units = 1}};
    booking_request bundle = {.booking_id = "Z-bundle", .lines = two, .line_count = 2};
    booking_result res;
    assert_int_equal(booking_attempt(s, &bundle, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
    booking_line bad[] = {{.resource_id = "room", .units = 1}, {.resource_id = "desk", .units = 5}};
    booking_request rejected = {.booking_id = "x-rej", .lines = bad, .line_count = 2};
    assert_int_equal(booking_attempt(s, &rejected, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_REJECTED);
    __atomic_add_fetch(&clock_ms, 10, __ATOMIC_SEQ_CST); /* "_due" reads expired, not applied */

    static const char *const all[] = {"9-rej", "B", "Z-bundle", "_due", "a-held", "b", "x-rej"};
    for (size_t limit = 1; limit <= 8; limit++)
        expect_ids(s, "room", BOOKING_LIST_ALL, limit, all, 7);
    static const char *const held[] = {"a-held"}, *const expired[] = {"_due"};
    static const char *const active[] = {"B", "Z-bundle"}, *const cancelled[] = {"b"};
    static const char *const rej[] = {"9-rej", "x-rej"};
    expect_ids(s, "room", BOOKING_LIST_HELD, 2, held, 1);
    expect_ids(s, "room", BOOKING_LIST_EXPIRED, 2, expired, 1);
    expect_ids(s, "room", BOOKING_LIST_ACTIVE, 2, active, 2);
    expect_ids(s, "room", BOOKING_LIST_CANCELLED, 2, cancelled, 1);
    expect_ids(s, "room", BOOKING_LIST_REJECTED, 1, rej, 2);
    static const char *const desk[] = {"x-rej"}, *const hall[] = {"Z-bundle", "h-only"};
    expect_ids(s, "desk", BOOKING_LIST_ALL, 5, desk, 1);
    expect_ids(s, "hall", BOOKING_LIST_ALL, 5, hall, 2);

    /* Records as get_booking reads them: line 0 in resource_id, the line count. */
    booking_record page[4];
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(s, "room", BOOKING_LIST_ALL, "B", 2, &reason, page,
                                           &count, next),
                     BOOKING_OK);
    assert_int_equal(count, 2);
    assert_true(next[0] != '\0');
    assert_string_equal(page[0].booking_id, "Z-bundle");
    assert_string_equal(page[0].resource_id, "hall");
    assert_int_equal(page[0].line_count, 2);
    assert_string_equal(page[1].booking_id, "_due");
    assert_int_equal(page[1].status, BOOKING_STATUS_EXPIRED);
    /* After the last id: an empty page. */
    assert_int_equal(booking_list_bookings(s, "room", BOOKING_LIST_ALL, "x-rej", 2, &reason, page,
                                           &count, next),
                     BOOKING_OK);
    assert_true(reason == BOOKING_REASON_OK && count == 0 && next[0] == '\0');
    assert_int_equal(booking_list_bookings(s, "nowhere", BOOKING_LIST_ALL, NULL, 2, &reason, page,
                                           &count, next),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    booking_store_close(s);
}

/* Resources page in bytewise id order, each as get_resource reads it (booked
 * net of the holds due at the read's time). */
static void sqlite_list_resources_pages_in_bytewise_order_each_as_get_resource_reads_it(
    void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    db_path(path, "resources.db");
    booking_store *s = open_at(path);
    static const char *const ids[] = {"-first", "A", "Z", "_", "a", "z"};
    for (size_t i = 0; i < 6; i++)
        expect_capacity_set(s, ids[5 - i], 10 + i);
    assert_int_equal(attempt(s, "h", "a", 3, 1).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(s, "k", "a", 2, 0).outcome, BOOKING_BOOKED);
    __atomic_add_fetch(&clock_ms, 10, __ATOMIC_SEQ_CST);
    booking_resource page[3];
    size_t count, seen = 0;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    const char *after = NULL;
    char last[LIST_ID_SIZE];
    for (;;) {
        booking_reason reason;
        assert_int_equal(booking_list_resources(s, after, 2, &reason, page, &count, next),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        for (size_t i = 0; i < count; i++, seen++) {
            assert_string_equal(page[i].resource_id, ids[seen]);
            booking_resource one;
            assert_int_equal(booking_get_resource(s, ids[seen], &reason, &one), BOOKING_OK);
            assert_int_equal(page[i].capacity, one.capacity);
            assert_int_equal(page[i].booked, one.booked);
        }
        if (next[0] == '\0')
            break;
        size_t len = strlen(next);
        assert_true(len < sizeof last);
        memcpy(last, next, len + 1);
        after = last;
    }
    assert_int_equal(seen, 6);
    booking_reason reason;
    assert_int_equal(booking_get_resource(s, "a", &reason, &page[0]), BOOKING_OK);
    assert_int_equal(page[0].booked, 2); /* the due hold's 3 units read free */
    booking_store_close(s);
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* More records than LIST_RUNS runs hold: the pages merge the sealed runs and the
 * unsealed tail, every record of the resource once and in order; the index grew
 * many times on the way and every id is found again, after a reopen too. */
static void sqlite_list_bookings_merges_sealed_runs_and_tail_and_the_index_finds_every_record(
    void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    db_path(path, "big.db");
    booking_store *s = open_at(path);
    char rid[LIST_RESOURCES][8];
    for (int r = 0; r < LIST_RESOURCES; r++) {
        snprintf(rid[r], sizeof rid[r], "r%d", r);
        expect_capacity_set(s, rid[r], BOOKING_CAPACITY_MAX);
    }
    size_t total = (size_t)LIST_RUNS * LIST_RUN_ROWS + LIST_TAIL;
    char (*ids)[LIST_ID_SIZE] = calloc(total, LIST_ID_SIZE);
    char (*want)[LIST_ID_SIZE] = calloc(total, LIST_ID_SIZE);
    char (*got)[LIST_ID_SIZE] = calloc(total, LIST_ID_SIZE);
    booking_request *req = calloc(LIST_BATCH, sizeof *req);
    booking_result *res = calloc(LIST_BATCH, sizeof *res);
    booking_line(*lines)[2] = calloc(LIST_BATCH, sizeof *lines);
    assert_true(ids && want && got && req && res && lines);
    uint64_t rng = 12345;
    for (size_t i = 0; i < total; i++) {
        rng = test_mix64(rng);
        snprintf(ids[i], LIST_ID_SIZE, "%016llx-%zu", (unsigned long long)rng, i);
    }
    /* Record i: on r(i % 3); every 7th a bundle with line 1 on r((i + 1) % 3). */
    for (size_t done = 0; done < total;) {
        size_t n = total - done < LIST_BATCH ? total - done : LIST_BATCH;
        for (size_t k = 0; k < n; k++) {
            size_t i = done + k;
            if (i % 7 == 0) {
                lines[k][0] = (booking_line){.resource_id = rid[i % 3], .units = 1};
                lines[k][1] = (booking_line){.resource_id = rid[(i + 1) % 3], .units = 1};
                req[k] = (booking_request){.booking_id = ids[i], .lines = lines[k], .line_count = 2};
            } else {
                req[k] = (booking_request){.booking_id = ids[i], .resource_id = rid[i % 3], .units = 1};
            }
        }
        assert_int_equal(booking_attempt_batch(s, req, n, res), BOOKING_OK);
        for (size_t k = 0; k < n; k++)
            assert_true(res[k].outcome == BOOKING_BOOKED && !res[k].replayed);
        done += n;
    }
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_runs_sealed"), LIST_RUNS);
    assert_int_equal(sqlite_file_int(path, "SELECT max(last_seq) FROM booking_runs_sealed"),
                     LIST_RUNS * LIST_RUN_ROWS);

    for (int r = 0; r < LIST_RESOURCES; r++) {
        size_t n_want = 0;
        for (size_t i = 0; i < total; i++) {
            if (i % 3 == (size_t)r || (i % 7 == 0 && (i + 1) % 3 == (size_t)r))
                memcpy(want[n_want++], ids[i], LIST_ID_SIZE);
        }
        qsort(want, n_want, LIST_ID_SIZE, cmp_id);
        size_t n = list_all(s, rid[r], BOOKING_LIST_ALL, BOOKING_LIST_LIMIT_MAX, got, total);
        assert_int_equal(n, n_want);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(got[i], want[i]);
    }
    /* Every id found by a replay (nothing written) and by a read, then after a reopen. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < total; i += 97) {
            booking_result r = attempt(s, ids[i], rid[i % 3], 1, 0);
            assert_true(r.replayed || i % 7 == 0); /* a bundle's id asked singly: a conflict */
            assert_true(r.replayed || r.reason == BOOKING_REASON_BOOKING_ID_CONFLICT);
            booking_reason reason;
            booking_record rec;
            assert_int_equal(booking_get_booking(s, ids[i], &reason, &rec), BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK);
            assert_string_equal(rec.booking_id, ids[i]);
        }
        booking_store_close(s);
        s = open_at(path);
    }
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), (int64_t)total);
    booking_store_close(s);
    free(ids);
    free(want);
    free(got);
    free(req);
    free(res);
    free(lines);
}

/* Two handles on one file keep separate indexes, as two processes would: each
 * catches up from the table under the write lock before deciding, so an id
 * decided through one is a replay through the other, and the other's reads find
 * it (a catch-up on a miss). */
static void sqlite_booking_id_stays_unique_across_handles_on_one_file(void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    db_path(path, "two.db");
    booking_store *a = open_at(path), *b = open_at(path);
    expect_capacity_set(a, "room", 5);
    booking_result r = attempt(a, "x", "room", 2, 0);
    assert_true(r.outcome == BOOKING_BOOKED && !r.replayed);
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(b, "x", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    r = attempt(b, "x", "room", 2, 0);
    assert_true(r.outcome == BOOKING_BOOKED && r.replayed);
    r = attempt(b, "x", "room", 3, 0);
    assert_int_equal(r.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    /* Written through b first now: a's writer catches up before deciding. */
    r = attempt(b, "y", "room", 3, 0);
    assert_true(r.outcome == BOOKING_BOOKED && !r.replayed);
    r = attempt(a, "y", "room", 3, 0);
    assert_true(r.outcome == BOOKING_BOOKED && r.replayed);
    assert_int_equal(booking_get_resource(a, "room", &reason, NULL), BOOKING_EINVAL);
    booking_resource res;
    assert_int_equal(booking_get_resource(a, "room", &reason, &res), BOOKING_OK);
    assert_int_equal(res.booked, 5);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), 2);
    assert_int_equal(sqlite_file_int(path, "SELECT count(DISTINCT id) FROM bookings"), 2);
    booking_store_close(a);
    booking_store_close(b);
}

/* The booking_id index is built on first need, not on open (sqlite.c (11)):
 * what `booking resource get` and `resource list` call (and a capacity change, and
 * the close that records the time) never build it; the first attempt of a handle
 * that never built it refuses a duplicate booking_id another handle wrote (a
 * replay, a conflict), a first cancel and a first read find their records. */
static void sqlite_booking_id_index_is_built_on_first_need_not_on_open(void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    db_path(path, "lazy.db");
    booking_store *a = open_at(path);
    expect_capacity_set(a, "room", BOOKING_CAPACITY_MAX);
    static booking_request req[LIST_LAZY_RECORDS];
    static booking_result res[LIST_LAZY_RECORDS];
    static char ids[LIST_LAZY_RECORDS][LIST_ID_SIZE];
    for (size_t i = 0; i < LIST_LAZY_RECORDS; i++) {
        snprintf(ids[i], LIST_ID_SIZE, "l-%zu", i);
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = "room", .units = 1};
    }
    assert_int_equal(booking_attempt_batch(a, req, LIST_LAZY_RECORDS, res), BOOKING_OK);
    assert_true(bk_sqlite_store_indexed(a) == LIST_LAZY_RECORDS);
    booking_store_close(a);

    booking_store *b = open_at(path);
    assert_true(bk_sqlite_store_indexed(b) == 0);
    booking_reason reason;
    booking_resource r;
    assert_int_equal(booking_get_resource(b, "room", &reason, &r), BOOKING_OK);
    assert_int_equal(r.booked, LIST_LAZY_RECORDS);
    booking_resource rs[4];
    size_t count = 0;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_resources(b, NULL, 4, &reason, rs, &count, next), BOOKING_OK);
    assert_int_equal(count, 1);
    booking_record page[4];
    assert_int_equal(booking_list_bookings(b, "room", BOOKING_LIST_ALL, NULL, 4, &reason, page,
                                           &count, next),
                     BOOKING_OK);
    assert_true(reason == BOOKING_REASON_OK && count == 4 && next[0] != '\0');
    expect_capacity_set(b, "hall", 5);
    assert_true(bk_sqlite_store_indexed(b) == 0);
    booking_store_close(b); /* records its time: still no index */

    /* A ping (booking serve's, before it listens, and /readyz's) builds it:
     * the service's first attempt does not wait for the build. */
    b = open_at(path);
    assert_true(bk_sqlite_store_indexed(b) == 0);
    assert_int_equal(booking_store_ping(b, &reason), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_true(bk_sqlite_store_indexed(b) == LIST_LAZY_RECORDS);
    booking_store_close(b);

    /* Another handle (a process, as the file knows) writes "dup" meanwhile. */
    b = open_at(path);
    booking_store *c = open_at(path);
    booking_result x = attempt(c, "dup", "room", 1, 0);
    assert_true(x.outcome == BOOKING_BOOKED && !x.replayed);
    assert_true(bk_sqlite_store_indexed(b) == 0);
    x = attempt(b, "dup", "room", 1, 0); /* b's first attempt: built, then caught up */
    assert_true(x.outcome == BOOKING_BOOKED && x.replayed);
    assert_true(bk_sqlite_store_indexed(b) == LIST_LAZY_RECORDS + 1);
    x = attempt(b, "dup", "room", 2, 0);
    assert_int_equal(x.reason, BOOKING_REASON_BOOKING_ID_CONFLICT);
    x = attempt(b, "l-17", "room", 1, 0);
    assert_true(x.outcome == BOOKING_BOOKED && x.replayed);
    booking_store_close(c);
    booking_store_close(b);

    /* A first cancel, and a first read, find their records. */
    b = open_at(path);
    assert_int_equal(booking_cancel(b, "l-5", &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CANCELLED);
    booking_store_close(b);
    b = open_at(path);
    booking_record rec;
    assert_int_equal(booking_get_booking(b, "l-2999", &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(booking_get_booking(b, "l-5", &reason, &rec), BOOKING_OK);
    assert_int_equal(rec.status, BOOKING_STATUS_CANCELLED);
    booking_store_close(b);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), LIST_LAZY_RECORDS + 1);
    assert_int_equal(sqlite_file_int(path, "SELECT count(DISTINCT id) FROM bookings"),
                     LIST_LAZY_RECORDS + 1);
}

typedef struct race_writer {
    booking_store *s;
    int which;
    size_t booked;
} race_writer;

static void *race_append(void *arg)
{
    race_writer *w = arg;
    static __thread booking_request req[LIST_RACE_BATCH];
    static __thread booking_result res[LIST_RACE_BATCH];
    static __thread char ids[LIST_RACE_BATCH][LIST_ID_SIZE];
    for (size_t done = 0; done < LIST_RACE_RECORDS;) {
        size_t n = LIST_RACE_RECORDS - done < LIST_RACE_BATCH ? LIST_RACE_RECORDS - done
                                                               : LIST_RACE_BATCH;
        for (size_t k = 0; k < n; k++) {
            snprintf(ids[k], LIST_ID_SIZE, "%016llx-%d",
                     (unsigned long long)test_mix64(done + k + 1), w->which);
            req[k] = (booking_request){.booking_id = ids[k], .resource_id = "race", .units = 1};
        }
        if (booking_attempt_batch(w->s, req, n, res) != BOOKING_OK)
            return NULL;
        for (size_t k = 0; k < n; k++)
            w->booked += res[k].outcome == BOOKING_BOOKED && !res[k].replayed;
        done += n;
    }
    return NULL;
}

/* Two handles (processes, as the file knows) append at once and cross each mark
 * together: each run is sealed once, by one of them (the other finds it sealed
 * under the write lock and writes nothing, which is no failure), every key of
 * its range once; the listing shows every record once, in order. */
static void sqlite_two_handles_crossing_a_mark_at_once_seal_each_run_once(void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    db_path(path, "race.db");
    race_writer w[LIST_RACE_HANDLES];
    pthread_t t[LIST_RACE_HANDLES];
    for (int i = 0; i < LIST_RACE_HANDLES; i++) {
        w[i] = (race_writer){.s = open_at(path), .which = i};
        if (i == 0)
            expect_capacity_set(w[i].s, "race", BOOKING_CAPACITY_MAX);
    }
    for (int i = 0; i < LIST_RACE_HANDLES; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race_append, &w[i]), 0);
    for (int i = 0; i < LIST_RACE_HANDLES; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    size_t total = (size_t)LIST_RACE_HANDLES * LIST_RACE_RECORDS;
    for (int i = 0; i < LIST_RACE_HANDLES; i++) {
        assert_int_equal(w[i].booked, LIST_RACE_RECORDS);
        booking_store_stats stats;
        assert_int_equal(booking_store_get_stats(w[i].s, &stats), BOOKING_OK);
        assert_int_equal(stats.listing_seal_failures, 0);
    }
    size_t runs = total / LIST_RUN_ROWS;
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_runs_sealed"), runs);
    assert_int_equal(sqlite_file_int(path, "SELECT sum(last_seq = run * 65536) FROM booking_runs_sealed"),
                     runs);
    assert_int_equal(sqlite_file_int(path, "SELECT sum(keys) FROM booking_runs"), runs * LIST_RUN_ROWS);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_runs WHERE run > 2"), 0);
    expect_sealed_runs_hold_the_file(path);
    char (*got)[LIST_ID_SIZE] = calloc(total, LIST_ID_SIZE);
    assert_non_null(got);
    assert_int_equal(list_all(w[0].s, "race", BOOKING_LIST_ALL, BOOKING_LIST_LIMIT_MAX, got, total),
                     total);
    free(got);
    for (int i = 0; i < LIST_RACE_HANDLES; i++)
        booking_store_close(w[i].s);
}

/* The answers of a batch of n (replays: each 100th replays the record 30
 * before it) against what the store holds: each record as decided, each new
 * one at the next seq after *seq, in decision order. */
static void expect_batch_stored(booking_store *s, const char *path, const booking_request *req,
                                const booking_result *res, size_t n, bool replays, int64_t *seq)
{
    for (size_t i = 0; i < n; i++) {
        const booking_request *q = &req[i];
        bool unknown = strcmp(q->resource_id, "nowhere") == 0;
        assert_true(res[i].outcome != BOOKING_FAILED);
        assert_true(res[i].replayed == (replays && i % 100 == 99 && !unknown));
        booking_reason reason;
        booking_record rec;
        assert_int_equal(booking_get_booking(s, q->booking_id, &reason, &rec), BOOKING_OK);
        if (unknown) {
            assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
            continue;
        }
        assert_int_equal(reason, BOOKING_REASON_OK);
        assert_string_equal(rec.resource_id, q->resource_id);
        assert_int_equal(rec.units, q->units);
        assert_int_equal(rec.hold_ms, q->hold_ms);
        assert_int_equal(rec.outcome, res[i].outcome);
        assert_int_equal(rec.status, res[i].status);
        assert_int_equal(rec.expires_at_ms, res[i].expires_at_ms);
        assert_int_equal(rec.line_count, 1);
        if (res[i].replayed)
            continue;
        /* A new record: the next seq, in decision order. */
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT seq FROM bookings WHERE id = '%s'", q->booking_id);
        int64_t at = sqlite_file_int(path, sql);
        assert_true(at == *seq + 1);
        *seq = at;
    }
}

/* Attempt number k of a varied mix (the rows' values change with k): mostly on
 * "big", every 7th on "small" (capacity 40: some REJECTED), some on a resource
 * that does not exist, 1 to 3 units, every 4th a hold of one of two lengths. */
static booking_request varied_request(const char *booking_id, size_t k)
{
    return (booking_request){
        .booking_id = booking_id,
        .resource_id = k % 7 == 3 ? "small" : k % 11 == 5 ? "nowhere" : "big",
        .units = 1 + k % 3,
        .hold_ms = k % 4 == 1 ? LIST_HOLD_MS * (1 + k % 2) : 0,
    };
}

/* A new store at name (path, LIST_PATH_SIZE bytes, gets its file) with the two
 * resources varied_request() names. */
static booking_store *open_for_varied(char *path, const char *name)
{
    db_path(path, name);
    booking_store *s = open_at(path);
    expect_capacity_set(s, "big", 1000000);
    expect_capacity_set(s, "small", 40);
    return s;
}

/* A batch's new records are inserted many rows per statement, each row's
 * integers bound only when they differ from the row bound there before
 * (sqlite.c (5)): every record is stored as decided, at the seq of its decision
 * order, whatever the rows before it in the statement or in the batch before
 * held; a replay of a record of the same batch reads it; an attempt on an
 * unknown resource writes nothing. Three batches, each value of a slot changing
 * from batch to batch. */
static void sqlite_batch_records_are_stored_as_decided_in_decision_order(void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    booking_store *s = open_for_varied(path, "rows.db");
    static booking_request req[LIST_ROWS_BATCH];
    static booking_result res[LIST_ROWS_BATCH];
    static char ids[LIST_ROWS_BATCHES][LIST_ROWS_BATCH][LIST_ID_SIZE];
    int64_t seq = 0;
    for (size_t b = 0; b < LIST_ROWS_BATCHES; b++) {
        for (size_t i = 0; i < LIST_ROWS_BATCH; i++) {
            size_t k = i + b; /* each slot's values shift from batch to batch */
            snprintf(ids[b][i], LIST_ID_SIZE, "rows-%zu-%zu", b, i);
            req[i] = varied_request(ids[b][i], k);
            if (i % 100 == 99) /* a replay of the record 30 before, in this batch */
                req[i] = req[i - 30];
        }
        assert_int_equal(booking_attempt_batch(s, req, LIST_ROWS_BATCH, res), BOOKING_OK);
        expect_batch_stored(s, path, req, res, LIST_ROWS_BATCH, true, &seq);
    }
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), seq);
    assert_int_equal(sqlite_file_int(path, "SELECT max(seq) FROM bookings"), seq);
    assert_true(sqlite_file_int(path, "SELECT count(*) FROM bookings WHERE outcome = 2") > 0);
    assert_true(sqlite_file_int(path, "SELECT count(*) FROM bookings WHERE status = 3") > 0);
    booking_store_close(s);
}

/* Batches of every size from 1 to SQLITE_INSERT_ROWS + 1: the new records go
 * by the INSERT statements of 64, 32, ..., 1 rows, the largest that fits first,
 * and each is stored as decided at its seq, whatever the statements' rows held
 * in the batch before. */
static void sqlite_batches_of_every_size_store_each_record_at_its_seq(void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    booking_store *s = open_for_varied(path, "sizes.db");
    static booking_request req[LIST_SIZES_MAX];
    static booking_result res[LIST_SIZES_MAX];
    static char ids[LIST_SIZES_MAX][LIST_ID_SIZE];
    int64_t seq = 0;
    for (size_t n = 1; n <= LIST_SIZES_MAX; n++) {
        for (size_t i = 0; i < n; i++) {
            size_t k = i + n; /* each row's values change from batch to batch */
            snprintf(ids[i], LIST_ID_SIZE, "size-%zu-%zu", n, i);
            req[i] = varied_request(ids[i], k);
        }
        assert_int_equal(booking_attempt_batch(s, req, n, res), BOOKING_OK);
        expect_batch_stored(s, path, req, res, n, false, &seq);
    }
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), seq);
    assert_int_equal(sqlite_file_int(path, "SELECT max(seq) FROM bookings"), seq);
    booking_store_close(s);
}

/* n new records through s, ids "<tag>-<i>" from *next: on r(i % 3), every 7th
 * a bundle with line 1 on r((i + 1) % 3). */
static void append_tagged(booking_store *s, const char *tag, size_t n, size_t *next)
{
    static booking_request req[LIST_CACHE_BATCH];
    static booking_result res[LIST_CACHE_BATCH];
    static booking_line lines[LIST_CACHE_BATCH][2];
    static char ids[LIST_CACHE_BATCH][LIST_ID_SIZE];
    static const char *const rid[3] = {"c0", "c1", "c2"};
    while (n > 0) {
        size_t k = n < LIST_CACHE_BATCH ? n : LIST_CACHE_BATCH;
        for (size_t j = 0; j < k; j++) {
            size_t i = (*next)++;
            snprintf(ids[j], LIST_ID_SIZE, "%016llx-%s-%zu",
                     (unsigned long long)test_mix64(i + 1), tag, i);
            if (i % 7 == 0) {
                lines[j][0] = (booking_line){.resource_id = rid[i % 3], .units = 1};
                lines[j][1] = (booking_line){.resource_id = rid[(i + 1) % 3], .units = 1};
                req[j] = (booking_request){.booking_id = ids[j], .lines = lines[j], .line_count = 2};
            } else {
                req[j] = (booking_request){.booking_id = ids[j], .resource_id = rid[i % 3],
                                           .units = 1};
            }
        }
        assert_int_equal(booking_attempt_batch(s, req, k, res), BOOKING_OK);
        for (size_t j = 0; j < k; j++)
            assert_true(res[j].outcome == BOOKING_BOOKED && !res[j].replayed);
        n -= k;
    }
}

/* A handle seals a run from the keys it kept of its own commits (no read of
 * the run's records) only while no other handle wrote in the run's range: a
 * second handle (a process, as the file knows) writing between two seals makes
 * the next seal read the file, and the one after is from memory again. Every
 * run holds exactly its records; the listing shows every record once. */
static void sqlite_seal_from_memory_only_what_this_handle_alone_wrote(void **state)
{
    (void)state;
    char path[LIST_PATH_SIZE];
    db_path(path, "cache.db");
    booking_store *a = open_at(path), *b = open_at(path);
    for (int r = 0; r < 3; r++) {
        char rid[8];
        snprintf(rid, sizeof rid, "c%d", r);
        expect_capacity_set(a, rid, BOOKING_CAPACITY_MAX);
    }
    size_t next_a = 0, next_b = 0;
    /* Run 1: a's first write begins its cache after b's capacity writes were
     * none: a alone writes it, so it is sealed from a's memory. */
    append_tagged(a, "a", LIST_RUN_ROWS + 10, &next_a);
    assert_int_equal(bk_sqlite_store_seals_from_memory(a), 1);
    /* Run 2: b writes inside it, then a crosses the mark: a reads the file. */
    append_tagged(a, "a", 30000, &next_a);
    append_tagged(b, "b", LIST_CACHE_OTHER, &next_b);
    append_tagged(a, "a", LIST_RUN_ROWS - 30000, &next_a);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_runs_sealed"), 2);
    assert_int_equal(bk_sqlite_store_seals_from_memory(a), 1);
    /* Run 3: a alone again, from a record after b's on: from memory. */
    append_tagged(a, "a", LIST_RUN_ROWS, &next_a);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_runs_sealed"), 3);
    assert_int_equal(bk_sqlite_store_seals_from_memory(a), 2);
    /* Run 4: b crosses the mark after a wrote most of it: b's cache began at
     * its own write and holds none of a's, so b reads the file. */
    append_tagged(a, "a", LIST_RUN_ROWS - 200, &next_a);
    append_tagged(b, "b", 400, &next_b);
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM booking_runs_sealed"), 4);
    assert_int_equal(bk_sqlite_store_seals_from_memory(b), 0);
    expect_sealed_runs_hold_the_file(path);
    size_t total = next_a + next_b;
    assert_int_equal(sqlite_file_int(path, "SELECT count(*) FROM bookings"), (int64_t)total);
    char (*got)[LIST_ID_SIZE] = calloc(total, LIST_ID_SIZE);
    assert_non_null(got);
    size_t listed = 0;
    for (int r = 0; r < 3; r++) {
        char rid[8];
        snprintf(rid, sizeof rid, "c%d", r);
        listed += list_all(a, rid, BOOKING_LIST_ALL, BOOKING_LIST_LIMIT_MAX, got, total);
    }
    /* Every record once per resource it has a line on: each 7th has two. */
    size_t bundles = (next_a + 6) / 7 + (next_b + 6) / 7;
    assert_int_equal(listed, total + bundles);
    free(got);
    booking_store_close(a);
    booking_store_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            sqlite_list_bookings_pages_every_record_with_a_line_on_the_resource_in_bytewise_order),
        cmocka_unit_test(
            sqlite_list_resources_pages_in_bytewise_order_each_as_get_resource_reads_it),
        cmocka_unit_test(
            sqlite_list_bookings_merges_sealed_runs_and_tail_and_the_index_finds_every_record),
        cmocka_unit_test(sqlite_booking_id_stays_unique_across_handles_on_one_file),
        cmocka_unit_test(sqlite_booking_id_index_is_built_on_first_need_not_on_open),
        cmocka_unit_test(sqlite_two_handles_crossing_a_mark_at_once_seal_each_run_once),
        cmocka_unit_test(sqlite_batch_records_are_stored_as_decided_in_decision_order),
        cmocka_unit_test(sqlite_batches_of_every_size_store_each_record_at_its_seq),
        cmocka_unit_test(sqlite_seal_from_memory_only_what_this_handle_alone_wrote),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return failed;
}
