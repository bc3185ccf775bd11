/* SPDX-License-Identifier: MIT */
/*
 * test_memory_listing.c: the memory store's listings (SPEC section 5, store.h):
 * pages in bytewise id order after `after`, next only when a kept id follows or
 * the page's scan budget ran out (then at most BOOKING_LIST_SCAN_MAX records
 * examined under the resource's shard lock),
 * every record with a line on the resource (bundles' lines, REJECTED records),
 * each status as of the read's time, served from the store's index, and a walk
 * of a resource large enough for its index's runs to be sealed and merged
 * between pages sees each committed record once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "store/memory_index.h" /* MEMORY_INDEX_RUN_KEYS */
#include "store/store.h" /* the store's page: how many records it examined */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LISTING_T0_MS 1800000000000LL

static int64_t test_clock(void *context)
{
    return *(const int64_t *)context;
}

static booking_store *store_open(int64_t *now_ms)
{
    booking_store *store;
    assert_int_equal(booking_store_open("memory:", &store, NULL, 0), BOOKING_OK);
    *now_ms = LISTING_T0_MS;
    assert_int_equal(booking_store_set_clock(store, test_clock, now_ms), BOOKING_OK);
    return store;
}

static void capacity(booking_store *store, const char *id, uint64_t cap)
{
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, id, cap, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
}

static booking_result attempt(booking_store *store, const char *booking_id, const char *resource_id,
                              uint64_t units, uint64_t hold_ms)
{
    booking_request req = {.booking_id = booking_id, .resource_id = resource_id, .units = units,
                           .hold_ms = hold_ms};
    booking_result r;
    assert_int_equal(booking_attempt(store, &req, &r), BOOKING_OK);
    return r;
}

static booking_result bundle(booking_store *store, const char *booking_id,
                             const booking_line *lines, size_t n)
{
    booking_request req = {.booking_id = booking_id, .lines = lines, .line_count = n};
    booking_result r;
    assert_int_equal(booking_attempt(store, &req, &r), BOOKING_OK);
    return r;
}

/* Every booking_id the filter keeps on the resource, paged by `limit`, joined by ' '. */
static void list_all(booking_store *store, const char *resource_id, booking_list_filter filter,
                     size_t limit, char *out, size_t out_len)
{
    booking_record page[8];
    assert_true(limit <= 8);
    char after[BOOKING_ID_LEN_MAX + 1] = "";
    out[0] = '\0';
    for (int pages = 0; pages < 100; pages++) {
        booking_reason reason;
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_int_equal(booking_list_bookings(store, resource_id, filter,
                                               after[0] ? after : NULL, limit, &reason, page,
                                               &count, next),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        for (size_t i = 0; i < count; i++) {
            size_t used = strlen(out);
            snprintf(out + used, out_len - used, "%s%s", used ? " " : "", page[i].booking_id);
        }
        assert_true(count <= limit);
        if (next[0] == '\0')
            return;
        snprintf(after, sizeof after, "%s", next);
    }
    fail_msg("more than 100 pages");
}

static void resources_are_listed_in_bytewise_order_after_the_given_id(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    /* Bytewise: '-' < '.' < '0' < ':' < 'A' < 'Z' < '_' < 'a' (not a locale's order). */
    const char *ids[] = {"b", "a", "a-1", "a.", "Z9", "0", "_x", "a:b", "A", "abcdefgh1",
                         "abcdefgh", "abcdefgh0"};
    const char *sorted[] = {"0", "A", "Z9", "_x", "a", "a-1", "a.", "a:b", "abcdefgh",
                            "abcdefgh0", "abcdefgh1", "b"};
    size_t n = sizeof ids / sizeof ids[0];
    for (size_t i = 0; i < n; i++)
        capacity(store, ids[i], i + 1);
    for (size_t limit = 1; limit <= 5; limit++) {
        size_t seen = 0;
        const char *after = NULL;
        booking_resource page[5];
        char last[BOOKING_ID_LEN_MAX + 1];
        for (;;) {
            booking_reason reason;
            size_t count;
            char next[BOOKING_LIST_NEXT_SIZE] = "";
            assert_int_equal(booking_list_resources(store, after, limit, &reason, page, &count,
                                                    next),
                             BOOKING_OK);
            assert_int_equal(reason, BOOKING_REASON_OK);
            for (size_t i = 0; i < count; i++) {
                assert_string_equal(page[i].resource_id, sorted[seen]);
                assert_true(page[i].as_of_ms == now);
                seen++;
            }
            assert_true((next[0] != '\0') == (seen < n));
            if (next[0] == '\0')
                break;
            snprintf(last, sizeof last, "%s", page[count - 1].resource_id);
            after = last;
        }
        assert_true(seen == n);
    }
    /* An absent after: the ids above it. */
    booking_resource page[2];
    booking_reason reason;
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_resources(store, "a0", 2, &reason, page, &count, next),
                     BOOKING_OK);
    assert_true(count == 2 && next[0] != '\0');
    assert_string_equal(page[0].resource_id, "a:b");
    assert_string_equal(page[1].resource_id, "abcdefgh");
    booking_store_close(store);
}

static void listed_resources_count_only_holds_unexpired_at_the_reads_time(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "r", 10);
    assert_int_equal(attempt(store, "h", "r", 4, 1000).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "a", "r", 1, 0).outcome, BOOKING_BOOKED);
    booking_resource page[1];
    booking_reason reason;
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_resources(store, NULL, 1, &reason, page, &count, next),
                     BOOKING_OK);
    assert_true(count == 1 && page[0].booked == 5);
    now += 1000; /* the hold is over: nothing else has swept it */
    assert_int_equal(booking_list_resources(store, NULL, 1, &reason, page, &count, next),
                     BOOKING_OK);
    assert_true(count == 1 && page[0].booked == 1 && page[0].as_of_ms == now);
    booking_store_close(store);
}

static void bookings_list_every_record_with_a_line_on_the_resource_rejected_included(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "r1", 2);
    capacity(store, "r2", 10);
    capacity(store, "r3", 10);
    assert_int_equal(attempt(store, "k-2", "r1", 1, 0).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "k-9", "r3", 1, 0).outcome, BOOKING_BOOKED);
    const booking_line both[] = {{.resource_id = "r2", .units = 1}, {.resource_id = "r1", .units = 1}};
    assert_int_equal(bundle(store, "k-1", both, 2).outcome, BOOKING_BOOKED);
    /* r1 is full now: a rejected single attempt and a rejected bundle (line 1). */
    assert_int_equal(attempt(store, "k-3", "r1", 1, 0).outcome, BOOKING_REJECTED);
    booking_result rb = bundle(store, "k-0", both, 2);
    assert_int_equal(rb.outcome, BOOKING_REJECTED);
    assert_true(rb.line == 1);
    /* An unknown resource's line leaves no record to list. */
    const booking_line unknown[] = {{.resource_id = "r2", .units = 1},
                                    {.resource_id = "nope", .units = 1}};
    assert_int_equal(bundle(store, "k-5", unknown, 2).reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    char ids[256];
    for (size_t limit = 1; limit <= 4; limit++) {
        list_all(store, "r1", BOOKING_LIST_ALL, limit, ids, sizeof ids);
        assert_string_equal(ids, "k-0 k-1 k-2 k-3");
        list_all(store, "r2", BOOKING_LIST_ALL, limit, ids, sizeof ids);
        assert_string_equal(ids, "k-0 k-1");
    }
    list_all(store, "r3", BOOKING_LIST_ALL, 2, ids, sizeof ids);
    assert_string_equal(ids, "k-9");
    list_all(store, "r1", BOOKING_LIST_REJECTED, 2, ids, sizeof ids);
    assert_string_equal(ids, "k-0 k-3");
    /* A record as get_booking fills it: line 0 in resource_id/units, line_count. */
    booking_record page[4];
    booking_reason reason;
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(store, "r1", BOOKING_LIST_ALL, "k-0", 1, &reason, page,
                                           &count, next),
                     BOOKING_OK);
    assert_true(count == 1 && next[0] != '\0');
    assert_string_equal(page[0].booking_id, "k-1");
    assert_string_equal(page[0].resource_id, "r2");
    assert_true(page[0].line_count == 2 && page[0].units == 1 &&
                page[0].outcome == BOOKING_BOOKED && page[0].status == BOOKING_STATUS_ACTIVE);
    booking_store_close(store);
}

static void listing_bookings_of_an_unknown_resource_answers_unknown_resource(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    booking_record page[1];
    booking_reason reason;
    size_t count = 7;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(store, "none", BOOKING_LIST_ALL, NULL, 1, &reason, page,
                                           &count, next),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    assert_true(count == 0 && next[0] == '\0');
    capacity(store, "empty", 1);
    assert_int_equal(booking_list_bookings(store, "empty", BOOKING_LIST_ALL, NULL, 1, &reason,
                                           page, &count, next),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_true(count == 0 && next[0] == '\0');
    booking_store_close(store);
}

static void the_status_filter_keeps_each_record_by_its_status_as_of_the_reads_time(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "r", 100);
    assert_int_equal(attempt(store, "a-active", "r", 1, 0).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "b-held", "r", 1, 1000).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "c-held-long", "r", 1, 5000).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "d-confirmed", "r", 1, 1000).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "e-cancelled", "r", 1, 0).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "f-rejected", "r", 1000, 0).outcome, BOOKING_REJECTED);
    booking_reason reason;
    assert_int_equal(booking_confirm(store, "d-confirmed", &reason, NULL), BOOKING_OK);
    assert_int_equal(booking_cancel(store, "e-cancelled", &reason, NULL), BOOKING_OK);
    char ids[256];
    list_all(store, "r", BOOKING_LIST_HELD, 1, ids, sizeof ids);
    assert_string_equal(ids, "b-held c-held-long");
    list_all(store, "r", BOOKING_LIST_EXPIRED, 1, ids, sizeof ids);
    assert_string_equal(ids, "");
    now += 1000; /* b-held's time has come; no operation has swept it */
    list_all(store, "r", BOOKING_LIST_HELD, 1, ids, sizeof ids);
    assert_string_equal(ids, "c-held-long");
    list_all(store, "r", BOOKING_LIST_EXPIRED, 1, ids, sizeof ids);
    assert_string_equal(ids, "b-held");
    list_all(store, "r", BOOKING_LIST_ACTIVE, 1, ids, sizeof ids);
    assert_string_equal(ids, "a-active d-confirmed");
    list_all(store, "r", BOOKING_LIST_CANCELLED, 1, ids, sizeof ids);
    assert_string_equal(ids, "e-cancelled");
    list_all(store, "r", BOOKING_LIST_REJECTED, 1, ids, sizeof ids);
    assert_string_equal(ids, "f-rejected");
    list_all(store, "r", BOOKING_LIST_ALL, 3, ids, sizeof ids);
    assert_string_equal(ids, "a-active b-held c-held-long d-confirmed e-cancelled f-rejected");
    /* The record as of the read: expired, changed at its expiry. */
    booking_record page[1];
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(store, "r", BOOKING_LIST_EXPIRED, NULL, 1, &reason,
                                           page, &count, next),
                     BOOKING_OK);
    assert_true(count == 1 && next[0] == '\0' && page[0].status == BOOKING_STATUS_EXPIRED &&
                page[0].updated_at_ms == LISTING_T0_MS + 1000);
    booking_store_close(store);
}

static void a_filtered_page_sets_next_only_when_a_kept_record_follows(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "r", 100);
    assert_int_equal(attempt(store, "a", "r", 1, 0).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "b", "r", 1, 0).outcome, BOOKING_BOOKED);
    assert_int_equal(attempt(store, "c", "r", 1, 0).outcome, BOOKING_BOOKED);
    booking_reason reason;
    assert_int_equal(booking_cancel(store, "c", &reason, NULL), BOOKING_OK);
    booking_record page[2];
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(store, "r", BOOKING_LIST_ACTIVE, NULL, 2, &reason,
                                           page, &count, next),
                     BOOKING_OK);
    assert_true(count == 2 && next[0] == '\0'); /* c follows, but the filter drops it */
    assert_int_equal(booking_list_bookings(store, "r", BOOKING_LIST_ALL, NULL, 2, &reason, page,
                                           &count, next),
                     BOOKING_OK);
    assert_true(count == 2 && next[0] != '\0');
    booking_store_close(store);
}

static void a_resource_created_later_lists_the_rejected_records_that_named_it(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "full", 0);
    /* Line 0 fails (no capacity), so line 1's unknown resource is recorded too. */
    const booking_line lines[] = {{.resource_id = "full", .units = 1},
                                  {.resource_id = "later", .units = 1}};
    const booking_line other[] = {{.resource_id = "full", .units = 1},
                                  {.resource_id = "later2", .units = 1}};
    const booking_line prefix[] = {{.resource_id = "full", .units = 1},
                                   {.resource_id = "late", .units = 1}};
    assert_int_equal(bundle(store, "x-2", lines, 2).reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(bundle(store, "x-1", lines, 2).reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(bundle(store, "x-3", other, 2).reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(bundle(store, "x-4", prefix, 2).reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    booking_record page[4];
    booking_reason reason;
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(booking_list_bookings(store, "later", BOOKING_LIST_ALL, NULL, 4, &reason,
                                           page, &count, next),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    capacity(store, "later", 5);
    char ids[256];
    list_all(store, "later", BOOKING_LIST_ALL, 1, ids, sizeof ids);
    assert_string_equal(ids, "x-1 x-2"); /* not later2's nor late's */
    list_all(store, "later", BOOKING_LIST_REJECTED, 3, ids, sizeof ids);
    assert_string_equal(ids, "x-1 x-2");
    capacity(store, "late", 5);
    list_all(store, "late", BOOKING_LIST_ALL, 2, ids, sizeof ids);
    assert_string_equal(ids, "x-4");
    list_all(store, "full", BOOKING_LIST_ALL, 2, ids, sizeof ids);
    assert_string_equal(ids, "x-1 x-2 x-3 x-4");
    /* A record listed on a resource of a later line reads as get_booking reads it. */
    assert_int_equal(booking_list_bookings(store, "later", BOOKING_LIST_ALL, NULL, 1, &reason,
                                           page, &count, next),
                     BOOKING_OK);
    assert_true(count == 1 && next[0] != '\0' && page[0].outcome == BOOKING_REJECTED &&
                page[0].line_count == 2 && page[0].line == 0);
    assert_string_equal(page[0].resource_id, "full");
    booking_store_close(store);
}

/* Many unknown lines of one bundle fall in one shard's orphan index: room is made
 * for all of them before any is added (a bundle of 63 unknown lines used to write
 * past the orphans' buffer). */
#define MANY_UNKNOWN_LINES (BOOKING_LINES_MAX - 1)
#define MANY_UNKNOWN_BUNDLES 300

static void a_bundle_of_many_unknown_lines_is_recorded_under_each_of_them(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "full", 0);
    char names[MANY_UNKNOWN_LINES][16];
    booking_line lines[BOOKING_LINES_MAX] = {{.resource_id = "full", .units = 1}};
    for (size_t i = 0; i < MANY_UNKNOWN_LINES; i++) {
        snprintf(names[i], sizeof names[i], "u%zu", i);
        lines[i + 1] = (booking_line){.resource_id = names[i], .units = 1};
    }
    for (int b = 0; b < MANY_UNKNOWN_BUNDLES; b++) {
        char id[32];
        snprintf(id, sizeof id, "m-%03d", b);
        assert_int_equal(bundle(store, id, lines, BOOKING_LINES_MAX).reason,
                         BOOKING_REASON_INSUFFICIENT_CAPACITY);
    }
    for (size_t i = 0; i < MANY_UNKNOWN_LINES; i += 7) {
        capacity(store, names[i], 1);
        booking_record page[BOOKING_LIST_LIMIT_MAX];
        booking_reason reason;
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        assert_int_equal(booking_list_bookings(store, names[i], BOOKING_LIST_ALL, NULL,
                                               BOOKING_LIST_LIMIT_MAX, &reason, page, &count,
                                               next),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        assert_int_equal(count, MANY_UNKNOWN_BUNDLES);
        assert_false(next[0] != '\0');
        assert_string_equal(page[0].booking_id, "m-000");
        assert_string_equal(page[MANY_UNKNOWN_BUNDLES - 1].booking_id, "m-299");
    }
    booking_store_close(store);
}

/* Enough records before the walk for several sealed runs and a merge going on;
 * WALK_WRITES more written after each page. */
#define WALK_BEFORE (2 * MEMORY_INDEX_RUN_KEYS + 5000)
#define WALK_PAGE BOOKING_LIST_LIMIT_MAX
#define WALK_WRITES 1000
#define WALK_PAGES_MAX 200
#define WALK_ID_BYTES 12

static int cmp_walk_id(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The k-th id written: distinct for distinct k, in no order (a multiplicative
 * permutation of 32-bit numbers). */
static void walk_id(uint32_t k, char out[WALK_ID_BYTES])
{
    snprintf(out, WALK_ID_BYTES, "%08x", (uint32_t)(k * 2654435761u));
}

static void walk_write(booking_store *store, char (*ids)[WALK_ID_BYTES], uint32_t from, uint32_t n)
{
    booking_request reqs[WALK_WRITES];
    booking_result results[WALK_WRITES];
    for (uint32_t done = 0; done < n;) {
        uint32_t batch = n - done < WALK_WRITES ? n - done : WALK_WRITES;
        for (uint32_t i = 0; i < batch; i++) {
            walk_id(from + done + i, ids[from + done + i]);
            reqs[i] = (booking_request){.booking_id = ids[from + done + i], .resource_id = "big",
                                        .units = 1};
        }
        assert_int_equal(booking_attempt_batch(store, reqs, batch, results), BOOKING_OK);
        for (uint32_t i = 0; i < batch; i++)
            assert_int_equal(results[i].outcome, BOOKING_BOOKED);
        done += batch;
    }
}

static void a_walk_of_a_large_resource_sees_each_committed_record_once_while_its_runs_merge(
    void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "big", BOOKING_CAPACITY_MAX);
    capacity(store, "other", BOOKING_CAPACITY_MAX);
    size_t total_max = WALK_BEFORE + (size_t)WALK_PAGES_MAX * WALK_WRITES;
    char (*ids)[WALK_ID_BYTES] = calloc(total_max, WALK_ID_BYTES);
    char (*seen)[WALK_ID_BYTES] = calloc(total_max, WALK_ID_BYTES);
    booking_record *page = calloc(WALK_PAGE, sizeof *page);
    assert_non_null(ids);
    assert_non_null(seen);
    assert_non_null(page);
    walk_write(store, ids, 0, WALK_BEFORE);
    uint32_t written = WALK_BEFORE;
    size_t seen_count = 0;
    char after[BOOKING_ID_LEN_MAX + 1] = "";
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    for (int pages = 0; pages == 0 || next[0] != '\0'; pages++) {
        assert_true(pages < WALK_PAGES_MAX);
        booking_reason reason;
        size_t count;
        assert_int_equal(booking_list_bookings(store, "big", BOOKING_LIST_ALL,
                                               after[0] ? after : NULL, WALK_PAGE, &reason, page,
                                               &count, next),
                         BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
        /* Unfiltered: next only after a full page, and it is the page's last id. */
        assert_true(count == WALK_PAGE || next[0] == '\0');
        if (next[0] != '\0')
            assert_string_equal(next, page[count - 1].booking_id);
        for (size_t i = 0; i < count; i++) {
            /* Ascending across pages: no record twice, none out of order. */
            assert_true(seen_count == 0 || strcmp(seen[seen_count - 1], page[i].booking_id) < 0);
            assert_string_equal(page[i].resource_id, "big");
            size_t len = strlen(page[i].booking_id);
            assert_true(len < WALK_ID_BYTES);
            memcpy(seen[seen_count++], page[i].booking_id, len + 1);
        }
        if (count > 0)
            snprintf(after, sizeof after, "%s", page[count - 1].booking_id);
        /* Writes between pages, to this resource (seals, merges) and another. */
        walk_write(store, ids, written, WALK_WRITES);
        written += WALK_WRITES;
        char other_id[16];
        snprintf(other_id, sizeof other_id, "o-%d", pages);
        assert_int_equal(attempt(store, other_id, "other", 1, 0).outcome, BOOKING_BOOKED);
    }
    /* Every record committed before the walk was seen; every one seen exists. */
    char (*all)[WALK_ID_BYTES] = calloc(written, WALK_ID_BYTES);
    assert_non_null(all);
    memcpy(all, ids, (size_t)written * WALK_ID_BYTES);
    qsort(all, written, WALK_ID_BYTES, cmp_walk_id);
    for (uint32_t k = 0; k < WALK_BEFORE; k++)
        assert_non_null(bsearch(ids[k], seen, seen_count, WALK_ID_BYTES, cmp_walk_id));
    for (size_t i = 0; i < seen_count; i++)
        assert_non_null(bsearch(seen[i], all, written, WALK_ID_BYTES, cmp_walk_id));
    /* A walk with no writes between pages: exactly every record, in order. */
    size_t at = 0;
    after[0] = '\0';
    do {
        booking_reason reason;
        size_t count;
        assert_int_equal(booking_list_bookings(store, "big", BOOKING_LIST_ALL,
                                               after[0] ? after : NULL, WALK_PAGE, &reason, page,
                                               &count, next),
                         BOOKING_OK);
        for (size_t i = 0; i < count; i++) {
            assert_true(at < written);
            assert_string_equal(page[i].booking_id, all[at++]);
        }
        if (count > 0)
            snprintf(after, sizeof after, "%s", page[count - 1].booking_id);
    } while (next[0] != '\0');
    assert_true(at == written);
    free(all);
    free(page);
    free(seen);
    free(ids);
    booking_store_close(store);
}

/* The page as the store answers it: a page walks the resource's index under its
 * shard lock (memory.c note (9)), so what it examined is what the lock covered. */
static store_page store_list(booking_store *store, const char *resource_id,
                             booking_list_filter filter, const char *after, size_t limit,
                             booking_record *out)
{
    store_page page = {0};
    assert_int_equal(store->ops->list_bookings(store, resource_id, filter, after, limit, out,
                                               &page),
                     BOOKING_REASON_OK);
    assert_true(page.count <= limit);
    return page;
}

#define LOCK_RECORDS (3 * BOOKING_LIST_SCAN_MAX + 5)

static void a_page_holds_the_shard_lock_for_at_most_scan_max_records(void **state)
{
    (void)state;
    int64_t now;
    booking_store *store = store_open(&now);
    capacity(store, "r", LOCK_RECORDS);
    static char ids[LOCK_RECORDS][16];
    static booking_request req[LOCK_RECORDS];
    static booking_result res[LOCK_RECORDS];
    for (size_t i = 0; i < LOCK_RECORDS; i++) {
        snprintf(ids[i], sizeof ids[i], "b-%06zu", i);
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = "r", .units = 1};
    }
    for (size_t first = 0; first < LOCK_RECORDS; first += BOOKING_BATCH_MAX) {
        size_t n = LOCK_RECORDS - first < BOOKING_BATCH_MAX ? LOCK_RECORDS - first
                                                            : BOOKING_BATCH_MAX;
        assert_int_equal(booking_attempt_batch(store, req + first, n, res + first), BOOKING_OK);
    }
    booking_record *page = calloc(BOOKING_LIST_LIMIT_MAX, sizeof *page);
    assert_non_null(page);
    /* Nothing is held: a walk of the whole resource, a budget at a time. */
    const char *after = NULL;
    size_t pages = 0, examined = 0;
    char cursor[BOOKING_LIST_NEXT_SIZE];
    for (;;) {
        store_page p = store_list(store, "r", BOOKING_LIST_HELD, after, BOOKING_LIST_LIMIT_MAX,
                                  page);
        pages++;
        examined += p.examined;
        assert_int_equal(p.count, 0);
        if (p.examined > BOOKING_LIST_SCAN_MAX)
            fail_msg("page %zu examined %zu records under the lock", pages, p.examined);
        if (p.next[0] == '\0')
            break;
        assert_int_equal(p.examined, BOOKING_LIST_SCAN_MAX); /* it stopped at the budget */
        assert_string_equal(p.next, ids[examined - 1]);
        memcpy(cursor, p.next, sizeof cursor);
        after = cursor;
    }
    assert_int_equal(pages, 4);
    assert_int_equal(examined, LOCK_RECORDS); /* each record once */
    /* A page that fills first examines what it returns and the kept one after. */
    store_page p = store_list(store, "r", BOOKING_LIST_ACTIVE, NULL, 10, page);
    assert_true(p.count == 10 && p.examined == 11);
    assert_string_equal(p.next, ids[9]);
    p = store_list(store, "r", BOOKING_LIST_ALL, ids[LOCK_RECORDS - 3], 10, page);
    assert_true(p.count == 2 && p.examined == 2 && p.next[0] == '\0');
    free(page);
    booking_store_close(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resources_are_listed_in_bytewise_order_after_the_given_id),
        cmocka_unit_test(listed_resources_count_only_holds_unexpired_at_the_reads_time),
        cmocka_unit_test(bookings_list_every_record_with_a_line_on_the_resource_rejected_included),
        cmocka_unit_test(listing_bookings_of_an_unknown_resource_answers_unknown_resource),
        cmocka_unit_test(the_status_filter_keeps_each_record_by_its_status_as_of_the_reads_time),
        cmocka_unit_test(a_filtered_page_sets_next_only_when_a_kept_record_follows),
        cmocka_unit_test(a_resource_created_later_lists_the_rejected_records_that_named_it),
        cmocka_unit_test(a_bundle_of_many_unknown_lines_is_recorded_under_each_of_them),
        cmocka_unit_test(
            a_walk_of_a_large_resource_sees_each_committed_record_once_while_its_runs_merge),
        cmocka_unit_test(a_page_holds_the_shard_lock_for_at_most_scan_max_records),
    };
    return cmocka_run_group_tests_name("memory_listing", tests, NULL, NULL);
}
