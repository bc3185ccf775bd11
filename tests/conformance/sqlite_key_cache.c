/* SPDX-License-Identifier: MIT */
/*
 * sqlite_key_cache.c: the sqlite store's key cache on the real store (sqlite.c
 * note (12), store/sqlite_keys.h). A run sealed from a handle's memory holds
 * exactly the keys the file holds for its seqs, whatever its batches held:
 * REJECTED records, holds, attempts on an unknown resource (no record),
 * replays, bundles of 1 to 64 lines, ids of the longest, batches of every size
 * (the INSERTs of 64, 32, ..., 1 rows). A cache that passes its bound seals
 * from the file, and from memory again once it holds a whole run. Threads on
 * one handle seal every run from memory. A second process writing inside a run
 * makes the next seal read the file. In each, every listing shows exactly the
 * file's records of its resource, once each, in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "store/sqlite_store.h"
#include "support/sqlite_file.h"
#include "support/store_expect.h"
#include "support/sqlite_runs_check.h"
#include "support/test_support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KC_PATH_SIZE 640
#define KC_RUN_ROWS SQLITE_RUN_ROWS /* records of a sealed run */
#define KC_BATCH_MAX 4096
#define KC_SIZES_MAX (SQLITE_INSERT_ROWS + 1) /* batches of 1 .. this first */
#define KC_LINE_RESOURCES BOOKING_LINES_MAX
#define KC_SMALL_CAPACITY 40
#define KC_HOLD_MS 1000
#define KC_CAP_BATCH 8192
#define KC_THREADS 3
#define KC_THREAD_RECORDS 45000 /* 3 x 45,000: two marks crossed by one handle's threads */
#define KC_THREAD_BATCH_MAX 300
#define KC_OTHER_RECORDS 77     /* the second process's records inside a run */

static int64_t clock_ms = 1800000000000;

static int64_t test_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&clock_ms, __ATOMIC_SEQ_CST);
}

static char path[KC_PATH_SIZE];

static booking_store *open_store(void)
{
    return expect_sqlite_open(path, test_clock);
}

static void use_file(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
}

static int64_t raw_int(const char *sql)
{
    return sqlite_file_int(path, sql);
}

static int64_t sealed_runs(void)
{
    return raw_int("SELECT count(*) FROM booking_runs_sealed");
}

/* Records in the first two sealed runs' range whose `column` is `value`. */
static int64_t sealed_with(const char *column, int value)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM bookings WHERE seq <= %d AND %s = %d",
             2 * KC_RUN_ROWS, column, value);
    return raw_int(sql);
}

/* Every page of rid's listing: ascending bytewise, none twice; how many. */
static size_t listed(booking_store *s, const char *rid)
{
    static booking_record page[BOOKING_LIST_LIMIT_MAX];
    char after[BOOKING_LIST_NEXT_SIZE] = "", last[BOOKING_ID_LEN_MAX + 1] = "";
    size_t n = 0;
    for (bool first = true;; first = false) {
        booking_reason reason;
        size_t count = 0;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_int_equal(booking_list_bookings(s, rid, BOOKING_LIST_ALL, first ? NULL : after,
                                               BOOKING_LIST_LIMIT_MAX, &reason, page, &count,
                                               next),
                         BOOKING_OK);
        if (reason != BOOKING_REASON_OK)
            fail_msg("list %s: %s (%s)", rid, booking_reason_name(reason), booking_last_error());
        for (size_t i = 0; i < count; i++) {
            assert_true(n == 0 || strcmp(last, page[i].booking_id) < 0);
            size_t len = strlen(page[i].booking_id);
            assert_true(len <= BOOKING_ID_LEN_MAX);
            memcpy(last, page[i].booking_id, len + 1);
            n++;
        }
        if (next[0] == '\0')
            return n;
        memcpy(after, next, sizeof after);
    }
}

/* rid's listing holds exactly the records the file has with a line on it. */
static void expect_listing_is_the_file(booking_store *s, const char *rid)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM bookings WHERE resource_id = '%s')"
             " + (SELECT count(*) FROM booking_lines WHERE resource_id = '%s')",
             rid, rid);
    int64_t want = raw_int(sql);
    assert_true(want > 0);
    assert_int_equal(listed(s, rid), (size_t)want);
}

/* ---- one handle, every kind of batch ---- */

static char line_rid[KC_LINE_RESOURCES][8];
static char long_rid[BOOKING_ID_LEN_MAX + 1]; /* a resource id of the longest */

/* A batch's requests and the storage they point into. */
typedef struct mixed_batch {
    booking_request req[KC_BATCH_MAX];
    booking_result res[KC_BATCH_MAX];
    char ids[KC_BATCH_MAX][BOOKING_ID_LEN_MAX + 1];
    booking_line lines[KC_BATCH_MAX][BOOKING_LINES_MAX];
} mixed_batch;

/* Attempt number i as request j of b: a bundle every 13th (1 to 64 lines over
 * the line resources, every 3rd with a line on "k-small"), else one line on
 * "k-small" (capacity 40: REJECTED records once it is full), on "nowhere" (no
 * record), on the longest resource id, or on "k-big"; every 4th a hold; every
 * 5th id of the longest; every 17th from the 5th of a batch on a replay of the
 * request 5 before it. */
static void mixed_request(mixed_batch *b, size_t j, size_t i)
{
    char *id = b->ids[j];
    int len = snprintf(id, BOOKING_ID_LEN_MAX + 1, "%016llx-%zu",
                       (unsigned long long)test_mix64(i + 1), i);
    if (i % 5 == 0) {
        memset(id + len, 'p', (size_t)(BOOKING_ID_LEN_MAX - len));
        id[BOOKING_ID_LEN_MAX] = '\0';
    }
    uint64_t hold = i % 4 == 1 ? KC_HOLD_MS : 0;
    if (j >= 5 && i % 17 == 2) {
        b->req[j] = b->req[j - 5];
    } else if (i % 13 == 0) {
        size_t n = 1 + (i / 13) % BOOKING_LINES_MAX;
        for (size_t l = 0; l < n; l++)
            b->lines[j][l] = (booking_line){
                .resource_id = line_rid[(i + l * 7) % KC_LINE_RESOURCES], .units = 1};
        if (i % 3 == 0)
            b->lines[j][n / 2].resource_id = "k-small";
        b->req[j] = (booking_request){.booking_id = id, .lines = b->lines[j], .line_count = n,
                                      .hold_ms = hold};
    } else {
        const char *rid = i % 7 == 3    ? "k-small"
                          : i % 11 == 5 ? "nowhere"
                          : i % 19 == 4 ? long_rid
                                        : "k-big";
        b->req[j] = (booking_request){.booking_id = id, .resource_id = rid,
                                      .units = strcmp(rid, "k-small") == 0 ? 1 : 1 + i % 3,
                                      .hold_ms = hold};
    }
}

/* A batch of n from attempt *next on: its new records (every answer a decision). */
static size_t mixed_append(booking_store *s, mixed_batch *b, size_t n, size_t *next)
{
    for (size_t j = 0; j < n; j++)
        mixed_request(b, j, (*next)++);
    assert_int_equal(booking_attempt_batch(s, b->req, n, b->res), BOOKING_OK);
    size_t written = 0;
    for (size_t j = 0; j < n; j++) {
        assert_true(b->res[j].outcome != BOOKING_FAILED);
        written += !b->res[j].replayed && b->res[j].reason != BOOKING_REASON_UNKNOWN_RESOURCE;
    }
    return written;
}

static void sqlite_runs_sealed_from_memory_hold_every_kind_of_record_the_file_holds(void **state)
{
    (void)state;
    use_file("mixed.db");
    booking_store *s = open_store();
    expect_capacity_set(s, "k-big", BOOKING_CAPACITY_MAX);
    expect_capacity_set(s, "k-small", KC_SMALL_CAPACITY);
    memset(long_rid, 'R', BOOKING_ID_LEN_MAX);
    expect_capacity_set(s, long_rid, BOOKING_CAPACITY_MAX);
    for (size_t r = 0; r < KC_LINE_RESOURCES; r++) {
        snprintf(line_rid[r], sizeof line_rid[r], "L%02zu", r);
        expect_capacity_set(s, line_rid[r], BOOKING_CAPACITY_MAX);
    }
    mixed_batch *b = malloc(sizeof *b);
    assert_non_null(b);
    size_t next = 0, written = 0;
    for (size_t n = 1; n <= KC_SIZES_MAX; n++)
        written += mixed_append(s, b, n, &next);
    while (written < 2 * KC_RUN_ROWS + 100)
        written += mixed_append(s, b, KC_BATCH_MAX, &next);
    free(b);
    assert_int_equal(raw_int("SELECT count(*) FROM bookings"), (int64_t)written);
    assert_int_equal(sealed_runs(), 2);
    /* The kinds the note names are in the sealed runs' range. */
    assert_true(sealed_with("outcome", BOOKING_REJECTED) > 0);
    assert_true(sealed_with("line_count", BOOKING_LINES_MAX) > 0);
    assert_true(sealed_with("status", BOOKING_STATUS_HELD) > 0);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), 2);
    expect_sealed_runs_hold_the_file(path);
    expect_listing_is_the_file(s, "k-big");
    expect_listing_is_the_file(s, "k-small");
    expect_listing_is_the_file(s, long_rid);
    for (size_t r = 0; r < KC_LINE_RESOURCES; r++)
        expect_listing_is_the_file(s, line_rid[r]);
    booking_store_close(s);
}

/* ---- the bound ---- */

static char cap_rid[2][BOOKING_ID_LEN_MAX + 1];

/* n new records in batches, ids "<tag>..." of the longest when wide: bundles
 * on both cap_rid when wide (~280 bytes a key: a run's keys pass the bound),
 * else one short line on "c". */
static void cap_append(booking_store *s, size_t n, bool wide, size_t *next)
{
    static booking_request req[KC_CAP_BATCH];
    static booking_result res[KC_CAP_BATCH];
    static char ids[KC_CAP_BATCH][BOOKING_ID_LEN_MAX + 1];
    static booking_line lines[2] = {{.resource_id = cap_rid[0], .units = 1},
                                    {.resource_id = cap_rid[1], .units = 1}};
    while (n > 0) {
        size_t k = n < KC_CAP_BATCH ? n : KC_CAP_BATCH;
        for (size_t j = 0; j < k; j++) {
            size_t i = (*next)++;
            int len = snprintf(ids[j], sizeof ids[j], "%016llx-%zu",
                               (unsigned long long)test_mix64(i + 1), i);
            if (wide) {
                memset(ids[j] + len, 'w', (size_t)(BOOKING_ID_LEN_MAX - len));
                ids[j][BOOKING_ID_LEN_MAX] = '\0';
                req[j] = (booking_request){.booking_id = ids[j], .lines = lines, .line_count = 2};
            } else {
                req[j] = (booking_request){.booking_id = ids[j], .resource_id = "c", .units = 1};
            }
        }
        assert_int_equal(booking_attempt_batch(s, req, k, res), BOOKING_OK);
        for (size_t j = 0; j < k; j++)
            assert_true(res[j].outcome == BOOKING_BOOKED && !res[j].replayed);
        n -= k;
    }
}

/* A run of 2-line bundles with ids of the longest keeps ~37 MB of keys, past
 * SQLITE_KEY_CACHE_BYTES_MAX: the cache empties at the commit that passes it,
 * the run is sealed from the file; the next run, of short keys, is held whole
 * again and sealed from memory. Both hold exactly their records. */
static void sqlite_a_key_cache_past_its_bound_seals_from_the_file_then_from_memory(void **state)
{
    (void)state;
    use_file("bound.db");
    booking_store *s = open_store();
    for (int r = 0; r < 2; r++) {
        memset(cap_rid[r], r ? 'B' : 'A', BOOKING_ID_LEN_MAX);
        expect_capacity_set(s, cap_rid[r], BOOKING_CAPACITY_MAX);
    }
    expect_capacity_set(s, "c", BOOKING_CAPACITY_MAX);
    _Static_assert((size_t)KC_RUN_ROWS * 2 * (24 + 2 * BOOKING_ID_LEN_MAX) >
                       SQLITE_KEY_CACHE_BYTES_MAX, "a run of wide bundles passes the bound");
    size_t next = 0;
    cap_append(s, KC_RUN_ROWS + 10, true, &next);
    assert_int_equal(sealed_runs(), 1);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), 0);
    cap_append(s, KC_RUN_ROWS, false, &next);
    assert_int_equal(sealed_runs(), 2);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), 1);
    expect_sealed_runs_hold_the_file(path);
    expect_listing_is_the_file(s, cap_rid[0]);
    expect_listing_is_the_file(s, cap_rid[1]);
    expect_listing_is_the_file(s, "c");
    booking_store_close(s);
}

/* ---- threads on one handle ---- */

typedef struct thread_writer {
    booking_store *s;
    unsigned which;
    size_t booked;
} thread_writer;

static void *thread_append(void *arg)
{
    thread_writer *w = arg;
    static __thread booking_request req[KC_THREAD_BATCH_MAX];
    static __thread booking_result res[KC_THREAD_BATCH_MAX];
    static __thread char ids[KC_THREAD_BATCH_MAX][48];
    uint64_t rng = w->which + 1;
    for (size_t done = 0; done < KC_THREAD_RECORDS;) {
        size_t n = 1 + test_rng_below(&rng, KC_THREAD_BATCH_MAX);
        if (n > KC_THREAD_RECORDS - done)
            n = KC_THREAD_RECORDS - done;
        for (size_t k = 0; k < n; k++) {
            snprintf(ids[k], sizeof ids[k], "%016llx-%u",
                     (unsigned long long)test_mix64(done + k + 1), w->which);
            req[k] = (booking_request){.booking_id = ids[k],
                                       .resource_id = (done + k) % 2 ? "t1" : "t0", .units = 1};
        }
        if (booking_attempt_batch(w->s, req, n, res) != BOOKING_OK)
            return NULL;
        for (size_t k = 0; k < n; k++)
            w->booked += res[k].outcome == BOOKING_BOOKED && !res[k].replayed;
        done += n;
    }
    return NULL;
}

/* Threads share one handle, its writer lock and its key cache: the batches of
 * one cross each mark while others wait to begin theirs; only this handle
 * writes, so each run is sealed from its memory, and holds its records. */
static void sqlite_threads_on_one_handle_seal_every_run_from_its_memory(void **state)
{
    (void)state;
    use_file("threads.db");
    booking_store *s = open_store();
    expect_capacity_set(s, "t0", BOOKING_CAPACITY_MAX);
    expect_capacity_set(s, "t1", BOOKING_CAPACITY_MAX);
    thread_writer w[KC_THREADS];
    pthread_t t[KC_THREADS];
    for (unsigned i = 0; i < KC_THREADS; i++) {
        w[i] = (thread_writer){.s = s, .which = i};
        assert_int_equal(pthread_create(&t[i], NULL, thread_append, &w[i]), 0);
    }
    for (unsigned i = 0; i < KC_THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (unsigned i = 0; i < KC_THREADS; i++)
        assert_int_equal(w[i].booked, KC_THREAD_RECORDS);
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(s, &stats), BOOKING_OK);
    assert_int_equal(stats.listing_seal_failures, 0);
    int64_t runs = (int64_t)KC_THREADS * KC_THREAD_RECORDS / KC_RUN_ROWS;
    assert_int_equal(sealed_runs(), runs);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), runs);
    expect_sealed_runs_hold_the_file(path);
    assert_int_equal(listed(s, "t0") + listed(s, "t1"), (size_t)KC_THREADS * KC_THREAD_RECORDS);
    booking_store_close(s);
}

/* ---- a second process ---- */

static int go_pipe[2], done_pipe[2];

/* The other process: waits for the word, writes KC_OTHER_RECORDS records of its
 * own through a handle of its own, closes it, says so. Forked before the test
 * opens anything, so it shares no SQLite state with the parent. */
static int other_process(void)
{
    char c;
    if (read(go_pipe[0], &c, 1) != 1)
        return 1;
    char url[KC_PATH_SIZE + 16];
    snprintf(url, sizeof url, "sqlite:%s", path);
    booking_store *s = NULL;
    if (booking_store_open(url, &s, NULL, 0) != BOOKING_OK)
        return 2;
    int rc = 0;
    for (size_t i = 0; i < KC_OTHER_RECORDS && rc == 0; i++) {
        char id[48];
        snprintf(id, sizeof id, "other-%zu", i);
        booking_request req = {.booking_id = id, .resource_id = "p", .units = 1};
        booking_result res;
        if (booking_attempt(s, &req, &res) != BOOKING_OK || res.outcome != BOOKING_BOOKED)
            rc = 3;
    }
    booking_store_close(s);
    if (write(done_pipe[1], "d", 1) != 1)
        rc = 4;
    return rc;
}

/* n new records on "p" through s, ids "own-<i>" from *next, in batches of 1000. */
static void own_append(booking_store *s, size_t n, size_t *next)
{
    static booking_request req[1000];
    static booking_result res[1000];
    static char ids[1000][48];
    while (n > 0) {
        size_t k = n < 1000 ? n : 1000;
        for (size_t j = 0; j < k; j++) {
            snprintf(ids[j], sizeof ids[j], "%016llx-own-%zu",
                     (unsigned long long)test_mix64(*next + 1), *next);
            (*next)++;
            req[j] = (booking_request){.booking_id = ids[j], .resource_id = "p", .units = 1};
        }
        assert_int_equal(booking_attempt_batch(s, req, k, res), BOOKING_OK);
        for (size_t j = 0; j < k; j++)
            assert_true(res[j].outcome == BOOKING_BOOKED && !res[j].replayed);
        n -= k;
    }
}

/* Another process writes inside the run this handle's cache holds: the catch-up
 * under the write lock sees its records, the cache empties, the run is read
 * from the file; the next run, this handle's alone, is sealed from memory. */
static void sqlite_a_second_process_writing_inside_a_run_makes_its_seal_read_the_file(void **state)
{
    (void)state;
    use_file("process.db");
    assert_int_equal(pipe(go_pipe), 0);
    assert_int_equal(pipe(done_pipe), 0);
    fflush(NULL);
    pid_t other = fork(); /* before anything is open: it shares no SQLite state */
    assert_true(other >= 0);
    if (other == 0)
        _exit(other_process());
    booking_store *s = open_store();
    expect_capacity_set(s, "p", BOOKING_CAPACITY_MAX);
    size_t next = 0;
    own_append(s, 30000, &next);
    assert_int_equal(write(go_pipe[1], "g", 1), 1);
    char c;
    assert_int_equal(read(done_pipe[0], &c, 1), 1);
    int status = -1;
    assert_int_equal(waitpid(other, &status, 0), other);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    own_append(s, KC_RUN_ROWS - 30000, &next);
    assert_int_equal(sealed_runs(), 1);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), 0);
    own_append(s, KC_RUN_ROWS, &next);
    assert_int_equal(sealed_runs(), 2);
    assert_int_equal(bk_sqlite_store_seals_from_memory(s), 1);
    expect_sealed_runs_hold_the_file(path);
    assert_int_equal(listed(s, "p"), next + KC_OTHER_RECORDS);
    expect_listing_is_the_file(s, "p");
    booking_store_close(s);
    for (int i = 0; i < 2; i++) {
        close(go_pipe[i]);
        close(done_pipe[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_runs_sealed_from_memory_hold_every_kind_of_record_the_file_holds),
        cmocka_unit_test(sqlite_a_key_cache_past_its_bound_seals_from_the_file_then_from_memory),
        cmocka_unit_test(sqlite_threads_on_one_handle_seal_every_run_from_its_memory),
        cmocka_unit_test(sqlite_a_second_process_writing_inside_a_run_makes_its_seal_read_the_file),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return failed;
}
