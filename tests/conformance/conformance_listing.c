/* SPDX-License-Identifier: MIT */
/*
 * conformance_listing.c: listing (SPEC section 5, booking_list_resources and
 * booking_list_bookings) through the public API, on every store: keyset pages in
 * ascending bytewise id order, `after` exclusive, next exactly when a kept id
 * follows the page or the page's scan budget (BOOKING_LIST_SCAN_MAX records
 * examined) ran out with records left (then a page may be short, even empty), a booking listed on every resource it has a line on (REJECTED
 * records included), statuses read as of the read's time, and each listed item
 * exactly what booking_get_resource() or booking_get_booking() reads.
 *
 * The store may be shared (postgres), so a case lists resources only inside a
 * prefix of its own ("<case id>:..."), and bookings only of resources it made.
 * Every page of every walk is checked: at most `limit` items, each id after the
 * previous one (the first after `after`), next past them, and, for a listing
 * that keeps every record (resources, BOOKING_LIST_ALL), next only on a full page.
 */
#include "conformance_listing.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIST_HOLD_MS 500
#define LIST_CAPACITY 100
#define RACE_STABLE 10000         /* bookings that exist from the first page to the last */
#define RACE_BATCH 5000           /* they are made in batches of this many */
#define RACE_CAPACITY 100000      /* room for the stable ones and every racing write */
#define RACE_WRITES_MAX 4000      /* the racing writer's bound, per walk */
#define RACE_WRITES_PER_PAGE 3    /* the reader waits for this many writes before a page */
#define RACE_SECONDS_MAX 60       /* and never longer than this in all */
#define RACE_CANCEL_EVERY 3       /* one write in three is a cancel of a stable booking */

/* ---- ids: a case's own prefix ---- */

/* "<prefix>:<suffix>": every id of a case starts with "<prefix>:". */
static void id_in(char out[ID_SIZE], const char *prefix, const char *suffix)
{
    int n = snprintf(out, ID_SIZE, "%s:%s", prefix, suffix);
    assert_true(n > 0 && n < ID_SIZE);
}

static void id_copy(char out[ID_SIZE], const char *id)
{
    size_t n = strlen(id);
    assert_true(n < ID_SIZE);
    memcpy(out, id, n + 1);
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* ---- pages, checked one by one ---- */

static void fail_on_error(const char *what, booking_error e)
{
    if (e != BOOKING_OK)
        fail_msg("%s: %s", what, booking_error_name(e));
}

/* What every page must be (booking.h): at most limit items, ascending after
 * `after`, and next, when set, after `after` and not before the last item; a
 * listing that keeps every record it examines (resources, BOOKING_LIST_ALL)
 * sets next only on a full page, to its last item's id. */
static bool page_ok(const char *after, const char *first_id, size_t stride, size_t count,
                    size_t limit, bool keeps_all, const char *next, char *why, size_t why_size)
{
    if (count > limit) {
        snprintf(why, why_size, "%zu items on a page of limit %zu", count, limit);
        return false;
    }
    const char *previous = after;
    for (size_t i = 0; i < count; i++) {
        const char *id = first_id + i * stride;
        if (previous != NULL && strcmp(previous, id) >= 0) {
            snprintf(why, why_size, "%s listed after %s (ids must ascend, strictly after `after`)",
                     id, previous);
            return false;
        }
        previous = id;
    }
    if (next[0] == '\0')
        return true;
    const char *last = count > 0 ? first_id + (count - 1) * stride : NULL;
    if (keeps_all && (count < limit || strcmp(next, last) != 0)) {
        snprintf(why, why_size, "next %s on a page of %zu items of limit %zu that keeps all", next,
                 count, limit);
        return false;
    }
    if ((after != NULL && strcmp(next, after) <= 0) || (last != NULL && strcmp(next, last) < 0)) {
        snprintf(why, why_size, "next %s is not past `after` and the page's items", next);
        return false;
    }
    return true;
}

static void check_page(const char *what, const char *after, const char *first_id, size_t stride,
                       size_t count, size_t limit, bool keeps_all, const char *next)
{
    char why[3 * ID_SIZE + 96];
    if (!page_ok(after, first_id, stride, count, limit, keeps_all, next, why, sizeof why))
        fail_msg("%s: %s", what, why);
}

/* One page of resource_id's bookings; answers the reason. */
static booking_reason bookings_page(const char *resource_id, booking_list_filter filter,
                                    const char *after, size_t limit, booking_record *out,
                                    size_t *count, char next[BOOKING_LIST_NEXT_SIZE])
{
    booking_reason reason;
    fail_on_error("booking_list_bookings",
                  booking_list_bookings(store, resource_id, filter, after, limit, &reason, out,
                                        count, next));
    fail_on_failed("list_bookings", reason);
    if (reason == BOOKING_REASON_OK)
        check_page("list_bookings", after, out[0].booking_id, sizeof *out, *count, limit,
                   filter == BOOKING_LIST_ALL, next);
    else if (*count != 0 || next[0] != '\0')
        fail_msg("list_bookings answered %s with %zu records", booking_reason_name(reason),
                 *count);
    return reason;
}

static void resources_page(const char *after, size_t limit, booking_resource *out, size_t *count,
                           char next[BOOKING_LIST_NEXT_SIZE])
{
    booking_reason reason;
    fail_on_error("booking_list_resources",
                  booking_list_resources(store, after, limit, &reason, out, count, next));
    fail_on_failed("list_resources", reason);
    assert_int_equal(reason, BOOKING_REASON_OK);
    check_page("list_resources", after, out[0].resource_id, sizeof *out, *count, limit, true,
               next);
}

static void *page_buffer(size_t limit, size_t size)
{
    void *p = calloc(limit, size);
    assert_non_null(p);
    return p;
}

/* ---- walks: a whole listing, page by page ---- */

typedef struct record_walk {
    booking_record *records;
    size_t count;
    size_t pages;
} record_walk;

/* Every record of resource_id that filter keeps, in pages of limit. */
static record_walk walk_bookings(const char *resource_id, booking_list_filter filter,
                                 size_t limit)
{
    record_walk w = {0};
    size_t cap = 0;
    booking_record *page = page_buffer(limit, sizeof *page);
    char after[ID_SIZE] = "";
    for (;;) {
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE];
        booking_reason reason = bookings_page(resource_id, filter, after[0] ? after : NULL, limit,
                                              page, &count, next);
        assert_int_equal(reason, BOOKING_REASON_OK);
        w.pages++;
        if (w.count + count > cap) {
            cap = (w.count + count) * 2;
            booking_record *grown = realloc(w.records, cap * sizeof *grown);
            assert_non_null(grown);
            w.records = grown;
        }
        if (count > 0) /* an empty walk has no array yet: memcpy may not see NULL */
            memcpy(w.records + w.count, page, count * sizeof *page);
        w.count += count;
        if (next[0] == '\0')
            break;
        snprintf(after, sizeof after, "%s", next); /* the cursor, not the last item */
    }
    free(page);
    return w;
}

typedef struct resource_walk {
    booking_resource *resources;
    size_t count;
} resource_walk;

/* The resources whose ids start with prefix, walked from `prefix` on in pages of
 * limit (the store may hold others before and after them). */
static resource_walk walk_resources(const char *prefix, size_t limit)
{
    resource_walk w = {0};
    size_t cap = 0, prefix_len = strlen(prefix);
    booking_resource *page = page_buffer(limit, sizeof *page);
    char after[ID_SIZE];
    snprintf(after, sizeof after, "%s", prefix);
    for (bool past = false; !past;) {
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE];
        resources_page(after, limit, page, &count, next);
        for (size_t i = 0; i < count && !past; i++) {
            if (strncmp(page[i].resource_id, prefix, prefix_len) != 0) {
                past = strcmp(page[i].resource_id, prefix) > 0;
                continue;
            }
            if (w.count == cap) {
                cap = cap ? cap * 2 : 16;
                booking_resource *grown = realloc(w.resources, cap * sizeof *grown);
                assert_non_null(grown);
                w.resources = grown;
            }
            w.resources[w.count++] = page[i];
        }
        if (next[0] == '\0')
            break;
        snprintf(after, sizeof after, "%s", next);
    }
    free(page);
    return w;
}

/* ---- each item exactly as the single read reads it ---- */

static void assert_listed_as_get_booking(const booking_record *listed)
{
    booking_reason reason;
    booking_record got;
    assert_int_equal(booking_get_booking(store, listed->booking_id, &reason, &got), BOOKING_OK);
    fail_on_failed("get_booking", reason);
    if (reason != BOOKING_REASON_OK)
        fail_msg("%s is listed but get_booking answers %s", listed->booking_id,
                 booking_reason_name(reason));
    if (strcmp(listed->resource_id, got.resource_id) != 0 || listed->units != got.units ||
        listed->hold_ms != got.hold_ms || listed->outcome != got.outcome ||
        listed->reason != got.reason || listed->status != got.status ||
        listed->created_at_ms != got.created_at_ms || listed->updated_at_ms != got.updated_at_ms ||
        listed->expires_at_ms != got.expires_at_ms || listed->line_count != got.line_count ||
        listed->line != got.line)
        fail_msg("%s listed as {%s x%llu %s %s %s created %lld updated %lld expires %lld, "
                 "%u lines, line %u} but read as {%s x%llu %s %s %s created %lld updated %lld "
                 "expires %lld, %u lines, line %u}",
                 listed->booking_id, listed->resource_id, (unsigned long long)listed->units,
                 booking_outcome_name(listed->outcome), booking_reason_name(listed->reason),
                 booking_status_name(listed->status), (long long)listed->created_at_ms,
                 (long long)listed->updated_at_ms, (long long)listed->expires_at_ms,
                 (unsigned)listed->line_count, (unsigned)listed->line, got.resource_id,
                 (unsigned long long)got.units, booking_outcome_name(got.outcome),
                 booking_reason_name(got.reason), booking_status_name(got.status),
                 (long long)got.created_at_ms, (long long)got.updated_at_ms,
                 (long long)got.expires_at_ms, (unsigned)got.line_count, (unsigned)got.line);
}

static void assert_listed_as_get_resource(const booking_resource *listed)
{
    booking_reason reason;
    booking_resource got;
    assert_int_equal(booking_get_resource(store, listed->resource_id, &reason, &got), BOOKING_OK);
    fail_on_failed("get_resource", reason);
    assert_int_equal(reason, BOOKING_REASON_OK);
    if (listed->capacity != got.capacity || listed->booked != got.booked ||
        listed->as_of_ms != got.as_of_ms || listed->as_of_ms != clock_now())
        fail_msg("%s listed as capacity %llu booked %llu as of %lld, read as capacity %llu "
                 "booked %llu as of %lld (clock %lld)",
                 listed->resource_id, (unsigned long long)listed->capacity,
                 (unsigned long long)listed->booked, (long long)listed->as_of_ms,
                 (unsigned long long)got.capacity, (unsigned long long)got.booked,
                 (long long)got.as_of_ms, (long long)clock_now());
}

/* The walk lists exactly ids[0..n), in that order, each as get_booking reads it. */
static void assert_walk_is(const record_walk *w, const char (*ids)[ID_SIZE], size_t n)
{
    for (size_t i = 0; i < w->count && i < n; i++) {
        if (strcmp(w->records[i].booking_id, ids[i]) != 0)
            fail_msg("record %zu of the listing is %s, expected %s", i, w->records[i].booking_id,
                     ids[i]);
        assert_listed_as_get_booking(&w->records[i]);
    }
    if (w->count != n)
        fail_msg("the listing has %zu records, expected %zu", w->count, n);
}

static void assert_resource_walk_is(const resource_walk *w, const char (*ids)[ID_SIZE], size_t n)
{
    for (size_t i = 0; i < w->count && i < n; i++) {
        if (strcmp(w->resources[i].resource_id, ids[i]) != 0)
            fail_msg("resource %zu of the listing is %s, expected %s", i,
                     w->resources[i].resource_id, ids[i]);
        assert_listed_as_get_resource(&w->resources[i]);
    }
    if (w->count != n)
        fail_msg("the listing has %zu of the case's resources, expected %zu", w->count, n);
}

/* The walk of resource_id's bookings with filter, in pages of each limit given. */
static void assert_listing_is(const char *resource_id, booking_list_filter filter,
                              const char (*ids)[ID_SIZE], size_t n)
{
    static const size_t limits[] = {1, 2, 3, BOOKING_LIST_LIMIT_MAX};
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
        record_walk w = walk_bookings(resource_id, filter, limits[k]);
        assert_walk_is(&w, ids, n);
        free(w.records);
    }
}

/* A resource of the case with a chosen id; returns its ledger index. */
static size_t resource_named(ledger *l, const char *resource_id, uint64_t capacity)
{
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, resource_id, capacity, &reason, NULL),
                     BOOKING_OK);
    fail_on_failed("set_capacity", reason);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return ledger_adopt_resource(l, resource_id, capacity);
}

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- resources ---- */

static void listing_resources_pages_in_ascending_id_order_each_once(void **state)
{
    ledger *l = ledger_of(state);
    static const char *const suffixes[] = {"m", "B", "a0", "a", "z", "a-", "aa", "0", "a.", "Z"};
    char prefix[ID_SIZE], mine[ID_SIZE], ids[COUNT_OF(suffixes)][ID_SIZE], b[ID_SIZE];
    new_id(prefix, "l");
    id_in(mine, prefix, "");
    for (size_t i = 0; i < COUNT_OF(suffixes); i++) {
        id_in(ids[i], prefix, suffixes[i]);
        size_t r = resource_named(l, ids[i], 10 + i);
        if (i % 2 == 0) {
            new_id(b, "b");
            assert_new_booked(ledger_attempt(l, b, rid(l, r), i + 1));
        }
    }
    qsort(ids, COUNT_OF(ids), sizeof ids[0], compare_ids);
    static const size_t limits[] = {1, 3, COUNT_OF(suffixes), BOOKING_LIST_LIMIT_MAX};
    for (size_t k = 0; k < COUNT_OF(limits); k++) {
        resource_walk w = walk_resources(mine, limits[k]);
        assert_resource_walk_is(&w, (const char (*)[ID_SIZE])ids, COUNT_OF(ids));
        free(w.resources);
    }
}

static void listing_resources_reads_booked_net_of_holds_due_as_of_now(void **state)
{
    ledger *l = ledger_of(state);
    char prefix[ID_SIZE], mine[ID_SIZE], r_id[ID_SIZE], b[ID_SIZE], h[ID_SIZE];
    new_id(prefix, "l");
    id_in(mine, prefix, "");
    id_in(r_id, prefix, "r");
    size_t r = resource_named(l, r_id, 10);
    new_id(b, "b");
    new_id(h, "h");
    assert_new_booked(ledger_attempt(l, b, rid(l, r), 2));
    assert_int_equal(ledger_hold(l, h, rid(l, r), 3, LIST_HOLD_MS).status, BOOKING_STATUS_HELD);

    clock_advance(LIST_HOLD_MS - 1);
    resource_walk w = walk_resources(mine, 1);
    assert_int_equal(w.count, 1);
    assert_true(w.resources[0].booked == 5 && w.resources[0].capacity == 10);
    assert_listed_as_get_resource(&w.resources[0]);
    free(w.resources);

    clock_advance(1); /* the hold's expires_at: due, and no write has applied it */
    w = walk_resources(mine, 1);
    assert_int_equal(w.count, 1);
    assert_true(w.resources[0].booked == 2 && w.resources[0].capacity == 10);
    assert_true(w.resources[0].as_of_ms == clock_now());
    assert_listed_as_get_resource(&w.resources[0]);
    free(w.resources);
}

/* ---- pages: after, limit, next ---- */

static void listing_starts_after_the_given_id_exclusive(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, LIST_CAPACITY);
    char prefix[ID_SIZE], b[3][ID_SIZE], probe[ID_SIZE], res[3][ID_SIZE];
    new_id(prefix, "l");
    static const char *const suffixes[] = {"b", "d", "f"};
    for (size_t i = 0; i < 3; i++) {
        id_in(b[i], prefix, suffixes[i]);
        assert_new_booked(ledger_attempt(l, b[i], rid(l, r), 1));
        char rs[8];
        snprintf(rs, sizeof rs, "r%s", suffixes[i]);
        id_in(res[i], prefix, rs);
        resource_named(l, res[i], 1);
    }
    booking_record page[4];
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";

    /* after an id that exists: the next one on, not it */
    assert_int_equal(bookings_page(rid(l, r), BOOKING_LIST_ALL, b[1], 4, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 1);
    assert_string_equal(page[0].booking_id, b[2]);
    assert_true(next[0] == '\0');
    /* after an id that does not exist: the first one above it */
    id_in(probe, prefix, "c");
    assert_int_equal(bookings_page(rid(l, r), BOOKING_LIST_ALL, probe, 4, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 2);
    assert_string_equal(page[0].booking_id, b[1]);
    assert_string_equal(page[1].booking_id, b[2]);
    assert_true(next[0] == '\0');
    /* after the last one: an empty last page */
    assert_int_equal(bookings_page(rid(l, r), BOOKING_LIST_ALL, b[2], 4, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 0);
    assert_true(next[0] == '\0');
    /* after an id below every one, and after none: all of them */
    assert_int_equal(bookings_page(rid(l, r), BOOKING_LIST_ALL, prefix, 4, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 3);
    assert_string_equal(page[0].booking_id, b[0]);
    assert_int_equal(bookings_page(rid(l, r), BOOKING_LIST_ALL, NULL, 4, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 3);
    assert_true(next[0] == '\0');

    /* resources: the same keyset rule */
    booking_resource rpage[2];
    resources_page(res[1], 1, rpage, &count, next);
    assert_int_equal(count, 1);
    assert_string_equal(rpage[0].resource_id, res[2]);
    id_in(probe, prefix, "rc");
    resources_page(probe, 2, rpage, &count, next);
    assert_int_equal(count, 2);
    assert_string_equal(rpage[0].resource_id, res[1]);
    assert_string_equal(rpage[1].resource_id, res[2]);
    resources_page(prefix, 1, rpage, &count, next);
    assert_int_equal(count, 1);
    assert_string_equal(rpage[0].resource_id, res[0]);
    assert_true(next[0] != '\0');
}

static void listing_more_is_false_on_the_last_page_and_true_before(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, LIST_CAPACITY);
    size_t empty = ledger_resource_new(l, LIST_CAPACITY);
    char prefix[ID_SIZE], b[5][ID_SIZE];
    new_id(prefix, "l");
    for (size_t i = 0; i < 5; i++) {
        char s[4];
        snprintf(s, sizeof s, "%zu", i + 1);
        id_in(b[i], prefix, s);
        assert_new_booked(ledger_attempt(l, b[i], rid(l, r), 1));
    }
    assert_int_equal(ledger_cancel(l, b[4], NULL), BOOKING_REASON_CANCELLED);
    booking_record *page = page_buffer(BOOKING_LIST_LIMIT_MAX, sizeof *page);
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    const char *all = rid(l, r);

    static const struct {
        booking_list_filter filter;
        size_t after; /* index + 1 into b, 0: none */
        size_t limit;
        size_t count;
        bool next; /* set (to the last item's id), or "" */
    } pages[] = {
        {BOOKING_LIST_ALL, 0, 5, 5, false},  /* exactly full and the last: no next */
        {BOOKING_LIST_ALL, 0, 4, 4, true},
        {BOOKING_LIST_ALL, 4, 4, 1, false},
        {BOOKING_LIST_ALL, 0, 6, 5, false},
        {BOOKING_LIST_ALL, 0, BOOKING_LIST_LIMIT_MAX, 5, false},
        {BOOKING_LIST_ALL, 3, 2, 2, false},
        {BOOKING_LIST_ALL, 2, 2, 2, true},
        /* next counts only what the filter keeps: the cancelled last one is not */
        {BOOKING_LIST_ACTIVE, 0, 4, 4, false},
        {BOOKING_LIST_ACTIVE, 0, 3, 3, true},
        {BOOKING_LIST_ACTIVE, 3, 1, 1, false},
        {BOOKING_LIST_CANCELLED, 0, 1, 1, false},
        {BOOKING_LIST_HELD, 0, 1, 0, false},
    };
    for (size_t i = 0; i < COUNT_OF(pages); i++) {
        const char *after = pages[i].after ? b[pages[i].after - 1] : NULL;
        assert_int_equal(bookings_page(all, pages[i].filter, after, pages[i].limit, page, &count,
                                       next),
                         BOOKING_REASON_OK);
        if (count != pages[i].count || (next[0] != '\0') != pages[i].next ||
            (pages[i].next && strcmp(next, page[count - 1].booking_id) != 0))
            fail_msg("page %zu (%s after %s, limit %zu): %zu records, next \"%s\"; expected %zu, "
                     "next %s",
                     i, booking_list_filter_name(pages[i].filter), after ? after : "none",
                     pages[i].limit, count, next, pages[i].count,
                     pages[i].next ? "the last one's id" : "null");
    }
    assert_int_equal(bookings_page(rid(l, empty), BOOKING_LIST_ALL, NULL, 1, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 0);
    assert_true(next[0] == '\0');
    free(page);
}

static void listing_limit_of_one_pages_one_at_a_time(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, LIST_CAPACITY);
    char prefix[ID_SIZE], b[4][ID_SIZE], res[3][ID_SIZE];
    new_id(prefix, "l");
    for (size_t i = 0; i < 4; i++) {
        char s[4];
        snprintf(s, sizeof s, "%c", (int)('w' + i));
        id_in(b[i], prefix, s);
        assert_new_booked(ledger_attempt(l, b[i], rid(l, r), 1));
    }
    for (size_t i = 0; i < 3; i++) {
        char s[4];
        snprintf(s, sizeof s, "r%zu", i);
        id_in(res[i], prefix, s);
        resource_named(l, res[i], i);
    }
    booking_record page[1];
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    const char *after = NULL;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(bookings_page(rid(l, r), BOOKING_LIST_ALL, after, 1, page, &count, next),
                         BOOKING_REASON_OK);
        assert_int_equal(count, 1);
        assert_string_equal(page[0].booking_id, b[i]);
        assert_listed_as_get_booking(&page[0]);
        if ((next[0] != '\0') != (i < 3))
            fail_msg("page %zu of 4 of one record each: next is set: %d", i + 1, next[0] != '\0');
        after = b[i];
    }
    booking_resource rpage[1];
    after = prefix;
    for (size_t i = 0; i < 3; i++) {
        resources_page(after, 1, rpage, &count, next);
        assert_int_equal(count, 1);
        assert_string_equal(rpage[0].resource_id, res[i]);
        assert_listed_as_get_resource(&rpage[0]);
        if (i < 2)
            assert_true(next[0] != '\0');
        after = res[i];
    }
}

/* ---- which records a resource lists ---- */

static void listing_bookings_of_unknown_resource_is_unknown_resource(void **state)
{
    ledger *l = ledger_of(state);
    char never[ID_SIZE], later[ID_SIZE], b[ID_SIZE];
    new_id(never, "never");
    new_id(later, "later");
    new_id(b, "b");
    booking_record page[2];
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    static const booking_list_filter filters[] = {BOOKING_LIST_ALL, BOOKING_LIST_HELD,
                                                  BOOKING_LIST_REJECTED};
    for (size_t i = 0; i < COUNT_OF(filters); i++)
        assert_int_equal(bookings_page(never, filters[i], i ? b : NULL, 2, page, &count, next),
                         BOOKING_REASON_UNKNOWN_RESOURCE);

    /* An attempt on a resource that does not exist is not recorded: once the
     * resource exists, its listing is empty, not unknown. */
    assert_int_equal(ledger_attempt(l, b, later, 1).reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    assert_int_equal(bookings_page(later, BOOKING_LIST_ALL, NULL, 2, page, &count, next),
                     BOOKING_REASON_UNKNOWN_RESOURCE);
    size_t r = resource_named(l, later, 0);
    assert_int_equal(bookings_page(rid(l, r), BOOKING_LIST_ALL, NULL, 2, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 0);
    assert_true(next[0] == '\0');
}

static void listing_bookings_includes_rejected_records_and_bundles_on_any_line(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    size_t r2 = ledger_resource_new(l, 10);
    size_t r3 = ledger_resource_new(l, 10);
    char prefix[ID_SIZE], unknown[ID_SIZE];
    new_id(prefix, "l");
    new_id(unknown, "nores");
    enum { SINGLE, SINGLE_REJECTED, BUNDLE_LINE_1, HELD_BUNDLE_LINE_2, REJECTED_AFTER_FAILING,
           REJECTED_ON_FAILING, UNRECORDED, OTHER_ONLY, CASES };
    char b[CASES][ID_SIZE];
    for (size_t i = 0; i < CASES; i++) {
        char s[4];
        snprintf(s, sizeof s, "%c", (int)('a' + i));
        id_in(b[i], prefix, s);
    }
    assert_new_booked(ledger_attempt(l, b[SINGLE], rid(l, r), 2));
    assert_new_insufficient(ledger_attempt(l, b[SINGLE_REJECTED], rid(l, r), 50));
    booking_line on_line_1[] = {{rid(l, r2), 1}, {rid(l, r), 1}};
    assert_new_booked(ledger_bundle(l, b[BUNDLE_LINE_1], on_line_1, 2, 0));
    booking_line on_line_2[] = {{rid(l, r3), 1}, {rid(l, r2), 1}, {rid(l, r), 1}};
    assert_int_equal(ledger_bundle(l, b[HELD_BUNDLE_LINE_2], on_line_2, 3, LIST_HOLD_MS).status,
                     BOOKING_STATUS_HELD);
    booking_line after_failing[] = {{rid(l, r2), 20}, {rid(l, r), 1}};
    booking_result res = ledger_bundle(l, b[REJECTED_AFTER_FAILING], after_failing, 2, 0);
    assert_int_equal(res.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(res.line, 0);
    booking_line on_failing[] = {{rid(l, r3), 1}, {rid(l, r), 100}};
    res = ledger_bundle(l, b[REJECTED_ON_FAILING], on_failing, 2, 0);
    assert_int_equal(res.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
    assert_int_equal(res.line, 1);
    booking_line unrecorded[] = {{rid(l, r), 1}, {unknown, 1}};
    assert_int_equal(ledger_bundle(l, b[UNRECORDED], unrecorded, 2, 0).reason,
                     BOOKING_REASON_UNKNOWN_RESOURCE);
    assert_new_booked(ledger_attempt(l, b[OTHER_ONLY], rid(l, r2), 1));

    char want[6][ID_SIZE];
    size_t n = 0;
    for (size_t i = SINGLE; i <= REJECTED_ON_FAILING; i++)
        id_copy(want[n++], b[i]);
    assert_listing_is(rid(l, r), BOOKING_LIST_ALL, (const char (*)[ID_SIZE])want, n);

    n = 0;
    id_copy(want[n++], b[SINGLE_REJECTED]);
    id_copy(want[n++], b[REJECTED_AFTER_FAILING]);
    id_copy(want[n++], b[REJECTED_ON_FAILING]);
    assert_listing_is(rid(l, r), BOOKING_LIST_REJECTED, (const char (*)[ID_SIZE])want, n);

    n = 0;
    id_copy(want[n++], b[BUNDLE_LINE_1]);
    id_copy(want[n++], b[HELD_BUNDLE_LINE_2]);
    id_copy(want[n++], b[REJECTED_AFTER_FAILING]);
    id_copy(want[n++], b[OTHER_ONLY]);
    assert_listing_is(rid(l, r2), BOOKING_LIST_ALL, (const char (*)[ID_SIZE])want, n);

    n = 0;
    id_copy(want[n++], b[HELD_BUNDLE_LINE_2]);
    id_copy(want[n++], b[REJECTED_ON_FAILING]);
    assert_listing_is(rid(l, r3), BOOKING_LIST_ALL, (const char (*)[ID_SIZE])want, n);
}

static void listing_a_resource_ignores_other_resources_bookings(void **state)
{
    ledger *l = ledger_of(state);
    size_t r1 = ledger_resource_new(l, LIST_CAPACITY);
    size_t r2 = ledger_resource_new(l, LIST_CAPACITY);
    size_t r3 = ledger_resource_new(l, LIST_CAPACITY);
    char prefix[ID_SIZE], b[10][ID_SIZE], on1[5][ID_SIZE], on2[5][ID_SIZE];
    new_id(prefix, "l");
    for (size_t i = 0; i < 10; i++) {
        char s[4];
        snprintf(s, sizeof s, "%02zu", i);
        id_in(b[i], prefix, s);
        bool first = i % 2 == 0;
        assert_new_booked(ledger_attempt(l, b[i], rid(l, first ? r1 : r2), 1 + i));
        id_copy(first ? on1[i / 2] : on2[i / 2], b[i]);
    }
    assert_listing_is(rid(l, r1), BOOKING_LIST_ALL, (const char (*)[ID_SIZE])on1, 5);
    assert_listing_is(rid(l, r2), BOOKING_LIST_ALL, (const char (*)[ID_SIZE])on2, 5);
    assert_listing_is(rid(l, r3), BOOKING_LIST_ALL, NULL, 0);
    /* after an id of the other resource: the next one of this resource */
    booking_record page[2];
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";
    assert_int_equal(bookings_page(rid(l, r1), BOOKING_LIST_ALL, b[5], 2, page, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 2);
    assert_string_equal(page[0].booking_id, b[6]);
    assert_string_equal(page[1].booking_id, b[8]);
    assert_true(next[0] == '\0');
}

/* ---- statuses, as of the read's time ---- */

static void listing_status_filter_reads_holds_as_of_now(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, 10);
    char prefix[ID_SIZE];
    new_id(prefix, "l");
    enum { ACTIVE, CANCELLED, CONFIRMED, EXPIRING, HELD, REJECTED, CASES };
    char b[CASES][ID_SIZE];
    for (size_t i = 0; i < CASES; i++) {
        char s[4];
        snprintf(s, sizeof s, "%c", (int)('a' + i));
        id_in(b[i], prefix, s);
    }
    assert_new_booked(ledger_attempt(l, b[ACTIVE], rid(l, r), 1));
    assert_new_booked(ledger_attempt(l, b[CANCELLED], rid(l, r), 1));
    assert_int_equal(ledger_cancel(l, b[CANCELLED], NULL), BOOKING_REASON_CANCELLED);
    assert_int_equal(ledger_hold(l, b[CONFIRMED], rid(l, r), 1, LIST_HOLD_MS).status,
                     BOOKING_STATUS_HELD);
    assert_int_equal(ledger_confirm(l, b[CONFIRMED], NULL), BOOKING_REASON_CONFIRMED);
    assert_int_equal(ledger_hold(l, b[EXPIRING], rid(l, r), 1, LIST_HOLD_MS).status,
                     BOOKING_STATUS_HELD);
    clock_advance(1);
    assert_int_equal(ledger_hold(l, b[HELD], rid(l, r), 1, LIST_HOLD_MS).status,
                     BOOKING_STATUS_HELD);
    assert_new_insufficient(ledger_attempt(l, b[REJECTED], rid(l, r), 11));

    char want[CASES][ID_SIZE];
    /* one millisecond before EXPIRING's expires_at: both holds are held */
    clock_advance(LIST_HOLD_MS - 2);
    id_copy(want[0], b[EXPIRING]);
    id_copy(want[1], b[HELD]);
    assert_listing_is(rid(l, r), BOOKING_LIST_HELD, (const char (*)[ID_SIZE])want, 2);
    assert_listing_is(rid(l, r), BOOKING_LIST_EXPIRED, NULL, 0);

    /* at its expires_at, with no write since: EXPIRING lists as expired, not held */
    clock_advance(1);
    id_copy(want[0], b[HELD]);
    assert_listing_is(rid(l, r), BOOKING_LIST_HELD, (const char (*)[ID_SIZE])want, 1);
    id_copy(want[0], b[EXPIRING]);
    assert_listing_is(rid(l, r), BOOKING_LIST_EXPIRED, (const char (*)[ID_SIZE])want, 1);
    id_copy(want[0], b[ACTIVE]);
    id_copy(want[1], b[CONFIRMED]);
    assert_listing_is(rid(l, r), BOOKING_LIST_ACTIVE, (const char (*)[ID_SIZE])want, 2);
    id_copy(want[0], b[CANCELLED]);
    assert_listing_is(rid(l, r), BOOKING_LIST_CANCELLED, (const char (*)[ID_SIZE])want, 1);
    id_copy(want[0], b[REJECTED]);
    assert_listing_is(rid(l, r), BOOKING_LIST_REJECTED, (const char (*)[ID_SIZE])want, 1);

    record_walk w = walk_bookings(rid(l, r), BOOKING_LIST_ALL, BOOKING_LIST_LIMIT_MAX);
    assert_int_equal(w.count, CASES);
    for (size_t i = 0; i < CASES; i++) {
        assert_string_equal(w.records[i].booking_id, b[i]);
        booking_status want_status = ledger_expected_status(ledger_find_booking(l, b[i]));
        if (w.records[i].status != want_status)
            fail_msg("%s lists as %s, expected %s", b[i],
                     booking_status_name(w.records[i].status), booking_status_name(want_status));
        assert_listed_as_get_booking(&w.records[i]);
    }
    assert_int_equal(w.records[EXPIRING].status, BOOKING_STATUS_EXPIRED);
    assert_true(w.records[EXPIRING].updated_at_ms == w.records[EXPIRING].expires_at_ms);
    free(w.records);

    /* at HELD's expires_at: no hold is left */
    clock_advance(1);
    assert_listing_is(rid(l, r), BOOKING_LIST_HELD, (const char (*)[ID_SIZE])want, 0);
    id_copy(want[0], b[EXPIRING]);
    id_copy(want[1], b[HELD]);
    assert_listing_is(rid(l, r), BOOKING_LIST_EXPIRED, (const char (*)[ID_SIZE])want, 2);
}

/* ---- order ---- */

static void listing_bookings_orders_bytewise(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, LIST_CAPACITY);
    /* Scrambled; as strcmp orders bytes: '-' < '.' < digits < ':' < upper < '_' < lower.
     * A collation that ignores punctuation or case would order them otherwise. */
    static const char *const suffixes[] = {"aa", "a", "B", "a0", "a-", "_", "aA", "a:", "9",
                                           "a.", "Z", "a_", "b", "A", "a-a", "a--"};
    char prefix[ID_SIZE], ids[COUNT_OF(suffixes)][ID_SIZE], res[COUNT_OF(suffixes)][ID_SIZE];
    new_id(prefix, "l");
    for (size_t i = 0; i < COUNT_OF(suffixes); i++) {
        id_in(ids[i], prefix, suffixes[i]);
        assert_new_booked(ledger_attempt(l, ids[i], rid(l, r), 1));
        char s[ID_SIZE];
        snprintf(s, sizeof s, "r%s", suffixes[i]);
        id_in(res[i], prefix, s);
        resource_named(l, res[i], i);
    }
    qsort(ids, COUNT_OF(ids), sizeof ids[0], compare_ids);
    qsort(res, COUNT_OF(res), sizeof res[0], compare_ids);
    assert_listing_is(rid(l, r), BOOKING_LIST_ALL, (const char (*)[ID_SIZE])ids, COUNT_OF(ids));
    char mine[ID_SIZE];
    id_in(mine, prefix, "");
    for (size_t limit = 1; limit <= 4; limit += 3) {
        resource_walk w = walk_resources(mine, limit);
        assert_resource_walk_is(&w, (const char (*)[ID_SIZE])res, COUNT_OF(res));
        free(w.resources);
    }
}

/* ---- the limits ---- */

static void listing_bad_input_is_invalid_and_the_limits_are_accepted(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, LIST_CAPACITY);
    char longest[ID_SIZE], too_long[ID_SIZE + 1];
    memset(longest, 'z', BOOKING_ID_LEN_MAX);
    longest[BOOKING_ID_LEN_MAX] = '\0';
    memset(too_long, 'z', BOOKING_ID_LEN_MAX + 1);
    too_long[BOOKING_ID_LEN_MAX + 1] = '\0';
    booking_record *records = page_buffer(BOOKING_LIST_LIMIT_MAX + 1, sizeof *records);
    booking_resource *resources = page_buffer(BOOKING_LIST_LIMIT_MAX + 1, sizeof *resources);
    booking_reason reason;
    size_t count;
    char next[BOOKING_LIST_NEXT_SIZE] = "";

    static const size_t bad_limits[] = {0, BOOKING_LIST_LIMIT_MAX + 1, SIZE_MAX};
    for (size_t i = 0; i < COUNT_OF(bad_limits); i++) {
        assert_int_equal(booking_list_resources(store, NULL, bad_limits[i], &reason, resources,
                                                &count, next),
                         BOOKING_EINVAL);
        assert_int_equal(booking_list_bookings(store, rid(l, r), BOOKING_LIST_ALL, NULL,
                                               bad_limits[i], &reason, records, &count, next),
                         BOOKING_EINVAL);
    }
    const char *bad_ids[] = {"", "a b", "a/b", "caf\xc3\xa9", too_long};
    for (size_t i = 0; i < COUNT_OF(bad_ids); i++) {
        assert_int_equal(booking_list_resources(store, bad_ids[i], 1, &reason, resources, &count,
                                                next),
                         BOOKING_EINVAL);
        assert_int_equal(booking_list_bookings(store, rid(l, r), BOOKING_LIST_ALL, bad_ids[i], 1,
                                               &reason, records, &count, next),
                         BOOKING_EINVAL);
        assert_int_equal(booking_list_bookings(store, bad_ids[i], BOOKING_LIST_ALL, NULL, 1,
                                               &reason, records, &count, next),
                         BOOKING_EINVAL);
    }
    assert_int_equal(booking_list_bookings(store, rid(l, r), (booking_list_filter)6, NULL, 1,
                                           &reason, records, &count, next),
                     BOOKING_EINVAL);
    assert_int_equal(booking_list_bookings(store, NULL, BOOKING_LIST_ALL, NULL, 1, &reason,
                                           records, &count, next),
                     BOOKING_EINVAL);
    assert_int_equal(booking_list_resources(store, NULL, 1, NULL, resources, &count, next),
                     BOOKING_EINVAL);
    assert_int_equal(booking_list_resources(store, NULL, 1, &reason, NULL, &count, next),
                     BOOKING_EINVAL);
    assert_int_equal(booking_list_bookings(store, rid(l, r), BOOKING_LIST_ALL, NULL, 1, &reason,
                                           records, NULL, next),
                     BOOKING_EINVAL);
    assert_int_equal(booking_list_bookings(store, rid(l, r), BOOKING_LIST_ALL, NULL, 1, &reason,
                                           records, &count, NULL),
                     BOOKING_EINVAL);

    /* At the limits: a page of 1000 after an id of 128 bytes; and 1001 records
     * come as a full page of 1000 with a next, then one. */
    resources_page(longest, BOOKING_LIST_LIMIT_MAX, resources, &count, next);
    char prefix[ID_SIZE];
    new_id(prefix, "l");
    size_t big = ledger_resource_new(l, BOOKING_LIST_LIMIT_MAX + 1);
    char(*ids)[ID_SIZE] = page_buffer(BOOKING_LIST_LIMIT_MAX + 1, ID_SIZE);
    booking_request *req = page_buffer(BOOKING_LIST_LIMIT_MAX + 1, sizeof *req);
    booking_result *res = page_buffer(BOOKING_LIST_LIMIT_MAX + 1, sizeof *res);
    for (size_t i = 0; i <= BOOKING_LIST_LIMIT_MAX; i++) {
        char s[8];
        snprintf(s, sizeof s, "%04zu", i);
        id_in(ids[i], prefix, s);
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = rid(l, big), .units = 1};
    }
    ledger_attempt_batch(l, req, BOOKING_LIST_LIMIT_MAX + 1, res);
    assert_int_equal(bookings_page(rid(l, big), BOOKING_LIST_ALL, longest, BOOKING_LIST_LIMIT_MAX,
                                   records, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 0); /* every id of the case sorts before "zzz..." */
    assert_int_equal(bookings_page(rid(l, big), BOOKING_LIST_ALL, NULL, BOOKING_LIST_LIMIT_MAX,
                                   records, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, BOOKING_LIST_LIMIT_MAX);
    assert_true(next[0] != '\0');
    assert_string_equal(records[BOOKING_LIST_LIMIT_MAX - 1].booking_id,
                        ids[BOOKING_LIST_LIMIT_MAX - 1]);
    assert_int_equal(bookings_page(rid(l, big), BOOKING_LIST_ALL,
                                   records[BOOKING_LIST_LIMIT_MAX - 1].booking_id,
                                   BOOKING_LIST_LIMIT_MAX, records, &count, next),
                     BOOKING_REASON_OK);
    assert_int_equal(count, 1);
    assert_string_equal(records[0].booking_id, ids[BOOKING_LIST_LIMIT_MAX]);
    assert_true(next[0] == '\0');
    free(ids);
    free(req);
    free(res);
    free(records);
    free(resources);
}

/* ---- the scan budget: a page examines at most BOOKING_LIST_SCAN_MAX records ---- */

#define BUDGET BOOKING_LIST_SCAN_MAX

/* Makes ids[0..n) "<prefix>:%06zu" (ascending with their number) active
 * bookings of resource_id, in batches. */
static void book_numbered(const char *resource_id, size_t n, char (*ids)[ID_SIZE])
{
    char prefix[ID_SIZE];
    new_id(prefix, "l");
    booking_request *req = page_buffer(BOOKING_BATCH_MAX, sizeof *req);
    booking_result *res = page_buffer(BOOKING_BATCH_MAX, sizeof *res);
    for (size_t first = 0; first < n; first += BOOKING_BATCH_MAX) {
        size_t batch = n - first < BOOKING_BATCH_MAX ? n - first : BOOKING_BATCH_MAX;
        for (size_t i = 0; i < batch; i++) {
            char s[16];
            snprintf(s, sizeof s, "%06zu", first + i);
            id_in(ids[first + i], prefix, s);
            req[i] = (booking_request){.booking_id = ids[first + i], .resource_id = resource_id,
                                       .units = 1};
        }
        fail_on_error("booking_attempt_batch", booking_attempt_batch(store, req, batch, res));
        for (size_t i = 0; i < batch; i++)
            assert_new_booked(res[i]);
    }
    free(req);
    free(res);
}

/* The budget's cases keep their resources of 10,000 records and more outside
 * the case's ledger: its check gets every record of the case one by one, which
 * through a pooler costs more than the listings themselves. Their records are
 * plain ones, each read back by the walks, and the resource's invariant is
 * checked here: booked is the count of the active ones. */
static void assert_budget_booked(const char *resource_id, uint64_t active)
{
    booking_reason reason;
    booking_resource got;
    fail_on_error("booking_get_resource", booking_get_resource(store, resource_id, &reason, &got));
    assert_int_equal(reason, BOOKING_REASON_OK);
    if (got.booked != active)
        fail_msg("invariant broken on %s: booked %llu, %llu active bookings", resource_id,
                 (unsigned long long)got.booked, (unsigned long long)active);
}

/* A resource of n active bookings ids[0..n), outside the ledger. */
static void budget_resource(char resource_id[ID_SIZE], size_t n, char (*ids)[ID_SIZE])
{
    new_id(resource_id, "budget");
    booking_reason reason;
    fail_on_error("booking_set_capacity",
                  booking_set_capacity(store, resource_id, n, &reason, NULL));
    assert_int_equal(reason, BOOKING_REASON_OK);
    book_numbered(resource_id, n, ids);
    assert_budget_booked(resource_id, n);
}

/* The cases that only read share one such resource, made by the first of them. */
#define BUDGET_SHARED (BUDGET + 2)
static char budget_shared_resource[ID_SIZE];
static char (*budget_shared_ids)[ID_SIZE];

static const char *budget_shared(void)
{
    if (budget_shared_ids == NULL) {
        budget_shared_ids = page_buffer(BUDGET_SHARED, ID_SIZE);
        budget_resource(budget_shared_resource, BUDGET_SHARED, budget_shared_ids);
    }
    return budget_shared_resource;
}

/* One page, expected to hold `count` records and to resume from `next` (NULL:
 * the last page). */
static void assert_page_is(const char *resource_id, booking_list_filter filter, const char *after,
                           size_t limit, size_t count, const char *next)
{
    booking_record *page = page_buffer(limit, sizeof *page);
    size_t got;
    char cursor[BOOKING_LIST_NEXT_SIZE];
    assert_int_equal(bookings_page(resource_id, filter, after, limit, page, &got, cursor),
                     BOOKING_REASON_OK);
    if (got != count || strcmp(cursor, next != NULL ? next : "") != 0)
        fail_msg("%s page after %s, limit %zu: %zu records, next \"%s\"; expected %zu, next %s",
                 booking_list_filter_name(filter), after ? after : "none", limit, got, cursor,
                 count, next != NULL ? next : "null");
    free(page);
}

static void listing_a_filtered_page_ends_after_scan_max_records_with_next_the_last_examined(
    void **state)
{
    (void)state;
    const size_t n = BUDGET + 3;
    char(*ids)[ID_SIZE] = page_buffer(n, ID_SIZE);
    char res[ID_SIZE];
    budget_resource(res, n, ids);
    /* The records the filter keeps: two early, one just before the first
     * page's budget ends, the very last one. */
    const size_t kept[] = {3, 4, BUDGET - 2, BUDGET + 2};
    char want[COUNT_OF(kept)][ID_SIZE];
    for (size_t i = 0; i < COUNT_OF(kept); i++) {
        booking_reason reason;
        fail_on_error("booking_cancel", booking_cancel(store, ids[kept[i]], &reason, NULL));
        assert_int_equal(reason, BOOKING_REASON_CANCELLED);
        id_copy(want[i], ids[kept[i]]);
    }
    assert_budget_booked(res, n - COUNT_OF(kept));
    /* The first page ends at its budget, next the last id it examined (not the
     * last it returned); the second reaches the end. */
    assert_page_is(res, BOOKING_LIST_CANCELLED, NULL, 10, 3, ids[BUDGET - 1]);
    assert_page_is(res, BOOKING_LIST_CANCELLED, ids[BUDGET - 1], 10, 1, NULL);
    /* A page that fills before its budget resumes after its last item. */
    assert_page_is(res, BOOKING_LIST_CANCELLED, NULL, 1, 1, ids[3]);
    assert_page_is(res, BOOKING_LIST_CANCELLED, ids[3], 2, 2, ids[BUDGET - 2]);
    /* The walk to the end finds exactly the kept records, once each, in order,
     * whatever the limit; the unfiltered walk every record, in full pages. */
    assert_listing_is(res, BOOKING_LIST_CANCELLED, (const char (*)[ID_SIZE])want, COUNT_OF(want));
    record_walk w = walk_bookings(res, BOOKING_LIST_ALL, BOOKING_LIST_LIMIT_MAX);
    assert_int_equal(w.count, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(w.records[i].booking_id, ids[i]);
    assert_int_equal(w.pages, (n + BOOKING_LIST_LIMIT_MAX - 1) / BOOKING_LIST_LIMIT_MAX);
    free(w.records);
    free(ids);
}

static void listing_a_page_may_be_empty_while_next_is_not_null(void **state)
{
    (void)state;
    const char *res = budget_shared();
    char(*ids)[ID_SIZE] = budget_shared_ids;
    /* Nothing held: every page is empty, all but the last with a next. */
    assert_page_is(res, BOOKING_LIST_HELD, NULL, BOOKING_LIST_LIMIT_MAX, 0, ids[BUDGET - 1]);
    assert_page_is(res, BOOKING_LIST_HELD, NULL, 1, 0, ids[BUDGET - 1]);
    assert_page_is(res, BOOKING_LIST_HELD, ids[BUDGET - 1], 1, 0, NULL);
    record_walk w = walk_bookings(res, BOOKING_LIST_HELD, 5);
    assert_int_equal(w.count, 0);
    assert_int_equal(w.pages, 2);
    free(w.records);
}

static void listing_a_page_that_reaches_the_end_has_next_null(void **state)
{
    (void)state;
    const char *res = budget_shared();
    char(*ids)[ID_SIZE] = budget_shared_ids;
    const size_t n = BUDGET_SHARED;
    /* exactly a budget's worth of records left, none kept: the end, not a next */
    assert_page_is(res, BOOKING_LIST_HELD, ids[1], 10, 0, NULL);
    /* one more than a budget's worth: a next, then an empty last page */
    assert_page_is(res, BOOKING_LIST_HELD, ids[0], 10, 0, ids[BUDGET]);
    assert_page_is(res, BOOKING_LIST_HELD, ids[BUDGET], 10, 0, NULL);
    /* a short page whose walk reached the end, kept or not */
    assert_page_is(res, BOOKING_LIST_ACTIVE, ids[n - 4], 10, 3, NULL);
    assert_page_is(res, BOOKING_LIST_ACTIVE, ids[n - 4], 3, 3, NULL);
    assert_page_is(res, BOOKING_LIST_ALL, ids[n - 4], 3, 3, NULL);
    assert_page_is(res, BOOKING_LIST_ACTIVE, ids[n - 1], 1, 0, NULL);
}

/* ---- pages while others write ---- */

/* The writer that races the reader: new bookings among the stable ones (odd
 * numbers, between the stable even ones, before and after the reader's place)
 * and cancels of stable ones. It records what it did for the ledger to learn
 * after the join (the ledger is the main thread's). */
typedef struct race {
    const char *resource_id;
    const char *prefix;
    char (*new_ids)[ID_SIZE];
    booking_result *new_results;
    size_t new_count;
    char (*cancel_ids)[ID_SIZE];
    booking_reason *cancel_reasons;
    size_t cancel_count;
    size_t writes;       /* atomic: writes done so far */
    bool reader_done;    /* atomic */
    bool writer_done;    /* atomic */
    booking_error error; /* the writer's first error, BOOKING_OK if none */
    int64_t deadline_ns;
} race;

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called by the writer thread too: no cmocka assertion in here (a case's prefix
 * is under 64 bytes, so the id always fits). */
static void race_number_id(char out[ID_SIZE], const char *prefix, size_t number)
{
    snprintf(out, ID_SIZE, "%.64s:%06zu", prefix, number);
}

static void *race_writer(void *arg)
{
    race *rc = arg;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t op = 0; op < RACE_WRITES_MAX; op++) {
        if (__atomic_load_n(&rc->reader_done, __ATOMIC_SEQ_CST) || monotonic_ns() > rc->deadline_ns)
            break;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t at = (size_t)(x >> 33) % RACE_STABLE;
        booking_error e;
        if (op % RACE_CANCEL_EVERY == RACE_CANCEL_EVERY - 1) {
            size_t i = rc->cancel_count;
            race_number_id(rc->cancel_ids[i], rc->prefix, 2 * at);
            e = booking_cancel(store, rc->cancel_ids[i], &rc->cancel_reasons[i], NULL);
            rc->cancel_count += e == BOOKING_OK;
        } else {
            size_t i = rc->new_count;
            race_number_id(rc->new_ids[i], rc->prefix, 2 * at + 1);
            booking_request req = {.booking_id = rc->new_ids[i], .resource_id = rc->resource_id,
                                   .units = 1};
            e = booking_attempt(store, &req, &rc->new_results[i]);
            rc->new_count += e == BOOKING_OK;
        }
        if (e != BOOKING_OK) {
            rc->error = e;
            break;
        }
        __atomic_add_fetch(&rc->writes, 1, __ATOMIC_SEQ_CST);
    }
    __atomic_store_n(&rc->writer_done, true, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Waits until the writer has written `count` times, or has stopped. */
static void race_wait_for_writes(race *rc, size_t count)
{
    while (__atomic_load_n(&rc->writes, __ATOMIC_SEQ_CST) < count &&
           !__atomic_load_n(&rc->writer_done, __ATOMIC_SEQ_CST)) {
        struct timespec pause = {0, 100000};
        nanosleep(&pause, NULL);
    }
}

/* Stops the writer and teaches the ledger what it did (also when the walk
 * failed, so that the invariant after the case judges the store, not the case). */
static void race_stop(ledger *l, race *rc, pthread_t writer)
{
    __atomic_store_n(&rc->reader_done, true, __ATOMIC_SEQ_CST);
    assert_int_equal(pthread_join(writer, NULL), 0);
    for (size_t i = 0; i < rc->new_count; i++) {
        booking_request req = {.booking_id = rc->new_ids[i], .resource_id = rc->resource_id,
                               .units = 1};
        ledger_learn(l, &req, &rc->new_results[i]);
    }
    for (size_t i = 0; i < rc->cancel_count; i++) {
        fail_on_failed("cancel while listing", rc->cancel_reasons[i]);
        if (rc->cancel_reasons[i] == BOOKING_REASON_CANCELLED)
            ledger_find_booking(l, rc->cancel_ids[i])->cancelled = true;
    }
    fail_on_error("the racing writer", rc->error);
}

/* One walk of the resource in pages of limit while the writer runs: every stable
 * booking is seen exactly once, every other one at most once and only if the
 * writer booked it. */
static void race_walk(ledger *l, race *rc, size_t limit)
{
    uint8_t *seen = calloc(2 * RACE_STABLE, 1);
    assert_non_null(seen);
    booking_record *page = page_buffer(limit, sizeof *page);
    size_t prefix_len = strlen(rc->prefix) + 1;
    rc->writes = 0;
    rc->reader_done = false;
    rc->writer_done = false;
    rc->new_count = rc->cancel_count = 0;
    rc->error = BOOKING_OK;
    pthread_t writer;
    assert_int_equal(pthread_create(&writer, NULL, race_writer, rc), 0);

    /* Nothing may fail while the writer runs: a problem stops the walk, the
     * writer is stopped, then the case fails. */
    char after[ID_SIZE] = "", why[3 * ID_SIZE + 96] = "";
    size_t pages = 0, listed = 0;
    while (why[0] == '\0') {
        race_wait_for_writes(rc, (pages + 1) * RACE_WRITES_PER_PAGE);
        size_t count;
        char next[BOOKING_LIST_NEXT_SIZE];
        booking_reason reason;
        booking_error e = booking_list_bookings(store, rc->resource_id, BOOKING_LIST_ALL,
                                                after[0] ? after : NULL, limit, &reason, page,
                                                &count, next);
        pages++;
        if (e != BOOKING_OK || reason != BOOKING_REASON_OK) {
            snprintf(why, sizeof why, "page %zu: %s, %s", pages, booking_error_name(e),
                     e == BOOKING_OK ? booking_reason_name(reason) : "-");
            break;
        }
        if (!page_ok(after[0] ? after : NULL, page[0].booking_id, sizeof *page, count, limit,
                     true, next, why, sizeof why))
            break;
        for (size_t i = 0; i < count && why[0] == '\0'; i++) {
            const booking_record *rec = &page[i];
            char *end = NULL;
            unsigned long number = strncmp(rec->booking_id, rc->prefix, prefix_len - 1) == 0
                                       ? strtoul(rec->booking_id + prefix_len, &end, 10)
                                       : 2 * RACE_STABLE;
            if (end == NULL || *end != '\0' || number >= 2 * RACE_STABLE)
                snprintf(why, sizeof why, "%s is listed on %s, which only the case's bookings are on",
                         rec->booking_id, rc->resource_id);
            else if (seen[number]++ != 0)
                snprintf(why, sizeof why, "%s is listed twice", rec->booking_id);
            else if (rec->outcome != BOOKING_BOOKED ||
                     strcmp(rec->resource_id, rc->resource_id) != 0 ||
                     (rec->status != BOOKING_STATUS_ACTIVE &&
                      rec->status != BOOKING_STATUS_CANCELLED))
                snprintf(why, sizeof why, "%s listed as %s %s on %s", rec->booking_id,
                         booking_outcome_name(rec->outcome), booking_status_name(rec->status),
                         rec->resource_id);
        }
        listed += count;
        if (next[0] == '\0')
            break;
        snprintf(after, sizeof after, "%s", next);
    }
    race_stop(l, rc, writer);
    if (why[0] != '\0')
        fail_msg("listing while writing: %s", why);

    /* What the walk saw, judged against what was written. */
    for (size_t n = 0; n < 2 * RACE_STABLE; n++) {
        char id[ID_SIZE];
        race_number_id(id, rc->prefix, n);
        if (n % 2 == 0 && seen[n] != 1)
            fail_msg("%s existed from the first page to the last and was listed %u times", id,
                     (unsigned)seen[n]);
        if (n % 2 == 1 && seen[n] != 0 && ledger_find_booking(l, id) == NULL)
            fail_msg("%s was listed but never booked", id);
    }
    if (rc->writes < pages - 1 && rc->writes < RACE_WRITES_MAX)
        fail_msg("the writer wrote %zu times in %zu pages: the race did not happen", rc->writes,
                 pages);
    print_message("listed %zu records in %zu pages of %zu while %zu writes ran\n", listed, pages,
                  limit, rc->writes);
    free(page);
    free(seen);
}

static void listing_pages_see_each_booking_that_exists_throughout_exactly_once(void **state)
{
    ledger *l = ledger_of(state);
    size_t r = ledger_resource_new(l, RACE_CAPACITY);
    char prefix[ID_SIZE];
    new_id(prefix, "l");
    char(*ids)[ID_SIZE] = page_buffer(RACE_BATCH, ID_SIZE);
    booking_request *req = page_buffer(RACE_BATCH, sizeof *req);
    booking_result *res = page_buffer(RACE_BATCH, sizeof *res);
    for (size_t first = 0; first < RACE_STABLE; first += RACE_BATCH) {
        for (size_t i = 0; i < RACE_BATCH; i++) {
            race_number_id(ids[i], prefix, 2 * (first + i));
            req[i] = (booking_request){.booking_id = ids[i], .resource_id = rid(l, r), .units = 1};
        }
        ledger_attempt_batch(l, req, RACE_BATCH, res);
        for (size_t i = 0; i < RACE_BATCH; i++)
            assert_new_booked(res[i]);
    }
    free(ids);
    free(req);
    free(res);

    race rc = {.resource_id = rid(l, r), .prefix = prefix};
    rc.new_ids = page_buffer(RACE_WRITES_MAX, ID_SIZE);
    rc.new_results = page_buffer(RACE_WRITES_MAX, sizeof *rc.new_results);
    rc.cancel_ids = page_buffer(RACE_WRITES_MAX, ID_SIZE);
    rc.cancel_reasons = page_buffer(RACE_WRITES_MAX, sizeof *rc.cancel_reasons);
    rc.deadline_ns = monotonic_ns() + (int64_t)RACE_SECONDS_MAX * 1000000000;
    race_walk(l, &rc, BOOKING_LIST_LIMIT_MAX);
    race_walk(l, &rc, 97); /* a limit that divides nothing: pages end anywhere */
    free(rc.new_ids);
    free(rc.new_results);
    free(rc.cancel_ids);
    free(rc.cancel_reasons);
}

#define LISTING_CASE(fn) cmocka_unit_test_setup_teardown(fn, ledger_setup, ledger_teardown)

const struct CMUnitTest conformance_listing_cases[] = {
    LISTING_CASE(listing_resources_pages_in_ascending_id_order_each_once),
    LISTING_CASE(listing_resources_reads_booked_net_of_holds_due_as_of_now),
    LISTING_CASE(listing_starts_after_the_given_id_exclusive),
    LISTING_CASE(listing_more_is_false_on_the_last_page_and_true_before),
    LISTING_CASE(listing_limit_of_one_pages_one_at_a_time),
    LISTING_CASE(listing_bookings_of_unknown_resource_is_unknown_resource),
    LISTING_CASE(listing_bookings_includes_rejected_records_and_bundles_on_any_line),
    LISTING_CASE(listing_a_resource_ignores_other_resources_bookings),
    LISTING_CASE(listing_status_filter_reads_holds_as_of_now),
    LISTING_CASE(listing_bookings_orders_bytewise),
    LISTING_CASE(listing_bad_input_is_invalid_and_the_limits_are_accepted),
    LISTING_CASE(listing_pages_see_each_booking_that_exists_throughout_exactly_once),
    LISTING_CASE(listing_a_filtered_page_ends_after_scan_max_records_with_next_the_last_examined),
    LISTING_CASE(listing_a_page_may_be_empty_while_next_is_not_null),
    LISTING_CASE(listing_a_page_that_reaches_the_end_has_next_null),
};

const size_t conformance_listing_case_count =
    sizeof conformance_listing_cases / sizeof conformance_listing_cases[0];
