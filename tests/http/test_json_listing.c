/* SPDX-License-Identifier: MIT */
/*
 * test_json_listing.c: the listings' query and bodies without a server: every
 * parameter of server/list_query.h accepted at its limits and refused past them
 * (unknown, repeated, malformed), and a page's text byte for byte the tree of
 * {"resources"|"bookings": [the single GET's bodies], "next": ID or null}.
 */
#include "json/booking_json.h"
#include "server/list_query.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A query of key=value pairs (value NULL: a bare key) on a fresh list_query. */
static list_query query_of(list_query_kind kind, const char *const *pairs, size_t n)
{
    list_query q;
    list_query_init(&q, kind);
    for (size_t i = 0; i + 1 < 2 * n; i += 2)
        if (!list_query_add(&q, pairs[i], pairs[i + 1]))
            break;
    return q;
}

static void a_listing_query_without_parameters_is_the_first_100_of_every_status(void **state)
{
    (void)state;
    list_query q = query_of(LIST_QUERY_BOOKINGS, NULL, 0);
    assert_int_equal(q.result.status, REQUEST_DECODE_OK);
    assert_int_equal(q.limit, BOOKING_LIST_LIMIT_DEFAULT);
    assert_int_equal(q.filter, BOOKING_LIST_ALL);
    assert_null(list_query_after(&q));
}

static void a_listing_query_takes_each_parameter_once_at_its_limits(void **state)
{
    (void)state;
    char longest[BOOKING_ID_LEN_MAX + 1];
    memset(longest, 'z', BOOKING_ID_LEN_MAX);
    longest[BOOKING_ID_LEN_MAX] = '\0';
    const char *const pairs[] = {"limit", "1000", "status", "expired", "after", longest};
    list_query q = query_of(LIST_QUERY_BOOKINGS, pairs, 3);
    assert_int_equal(q.result.status, REQUEST_DECODE_OK);
    assert_int_equal(q.limit, BOOKING_LIST_LIMIT_MAX);
    assert_int_equal(q.filter, BOOKING_LIST_EXPIRED);
    assert_string_equal(list_query_after(&q), longest);
    const char *const one[] = {"limit", "1", "after", "a.b_c:d-E9"};
    q = query_of(LIST_QUERY_RESOURCES, one, 2);
    assert_int_equal(q.result.status, REQUEST_DECODE_OK);
    assert_int_equal(q.limit, 1);
    assert_string_equal(list_query_after(&q), "a.b_c:d-E9");
    static const struct {
        const char *wire;
        booking_list_filter filter;
    } statuses[] = {{"held", BOOKING_LIST_HELD},           {"active", BOOKING_LIST_ACTIVE},
                    {"cancelled", BOOKING_LIST_CANCELLED}, {"expired", BOOKING_LIST_EXPIRED},
                    {"rejected", BOOKING_LIST_REJECTED}};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        const char *const s[] = {"status", statuses[i].wire};
        q = query_of(LIST_QUERY_BOOKINGS, s, 1);
        assert_int_equal(q.result.status, REQUEST_DECODE_OK);
        assert_int_equal(q.filter, statuses[i].filter);
    }
}

static void a_listing_query_past_a_limit_unknown_or_repeated_is_invalid(void **state)
{
    (void)state;
    char too_long[BOOKING_ID_LEN_MAX + 2];
    memset(too_long, 'z', BOOKING_ID_LEN_MAX + 1);
    too_long[BOOKING_ID_LEN_MAX + 1] = '\0';
    static const char *const limits[] = {"0", "1001", "", "abc", "-1", "+1", "01", " 1", "1 ",
                                         "1.0", "1e3", "10000", "99999999999999999999"};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        const char *const p[] = {"limit", limits[i]};
        list_query q = query_of(LIST_QUERY_RESOURCES, p, 1);
        if (q.result.status != REQUEST_DECODE_INVALID)
            fail_msg("limit=%s was taken", limits[i]);
        assert_non_null(strstr(q.result.detail, "limit"));
    }
    const char *const afters[] = {"", "a b", "a/b", "a%00b", "caf\xc3\xa9", too_long};
    for (size_t i = 0; i < sizeof afters / sizeof afters[0]; i++) {
        const char *const p[] = {"after", afters[i]};
        list_query q = query_of(LIST_QUERY_BOOKINGS, p, 1);
        assert_int_equal(q.result.status, REQUEST_DECODE_INVALID);
        assert_non_null(strstr(q.result.detail, "after"));
    }
    static const char *const statuses[] = {"", "none", "HELD", "all", "held,active"};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        const char *const p[] = {"status", statuses[i]};
        list_query q = query_of(LIST_QUERY_BOOKINGS, p, 1);
        assert_int_equal(q.result.status, REQUEST_DECODE_INVALID);
        assert_non_null(strstr(q.result.detail, "status"));
    }
    /* a bare key, an unknown one, status on resources, a repeat */
    const char *const cases[][4] = {
        {"limit", NULL, NULL, NULL},   {"after", NULL, NULL, NULL},
        {"status", NULL, NULL, NULL},  {"limt", "5", NULL, NULL},
        {"", "5", NULL, NULL},         {"limit", "2", "limit", "2"},
        {"after", "a", "after", "b"},  {"status", "held", "status", "held"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i][2] != NULL ? 2 : 1;
        list_query q = query_of(LIST_QUERY_BOOKINGS, cases[i], n);
        if (q.result.status != REQUEST_DECODE_INVALID)
            fail_msg("case %zu (%s) was taken", i, cases[i][0]);
    }
    const char *const on_resources[] = {"status", "held"};
    list_query q = query_of(LIST_QUERY_RESOURCES, on_resources, 1);
    assert_int_equal(q.result.status, REQUEST_DECODE_INVALID);
    /* the first refusal stands: nothing after it is looked at */
    assert_false(list_query_add(&q, "limit", "5"));
    assert_int_equal(q.limit, BOOKING_LIST_LIMIT_DEFAULT);
}

/* The text of a page against the tree built from the single bodies. */
static void assert_page_is_tree(char *text, size_t len, const char *key, json_t *items,
                                const char *next)
{
    assert_non_null(text);
    json_t *tree = json_object();
    json_object_set_new(tree, key, items);
    json_object_set_new(tree, "next", next != NULL ? json_string(next) : json_null());
    size_t want_len = 0;
    char *want = booking_json_line(tree, &want_len);
    assert_non_null(want);
    assert_int_equal(len, want_len);
    assert_memory_equal(text, want, len);
    assert_int_equal(text[len], '\0');
    free(want);
    free(text);
}

static void a_resources_page_is_the_single_bodies_and_next_in_one_line(void **state)
{
    (void)state;
    booking_resource r[3] = {{.resource_id = "a", .capacity = 5, .booked = 2, .as_of_ms = 1},
                             {.resource_id = "b", .capacity = 0, .booked = 0, .as_of_ms = 2},
                             {.resource_id = "c:d", .capacity = 9007199254740991ULL,
                              .booked = 9007199254740991ULL, .as_of_ms = 1764712800123}};
    for (size_t count = 0; count <= 3; count++) {
        for (int with_next = 0; with_next < 2; with_next++) {
            json_t *items = json_array();
            for (size_t i = 0; i < count; i++)
                json_array_append_new(items, booking_json_resource(&r[i]));
            const char *next = with_next && count > 0 ? r[count - 1].resource_id : NULL;
            size_t len = 0;
            char *text = booking_json_resources_page_text(r, count, next, &len);
            assert_page_is_tree(text, len, "resources", items, next);
        }
    }
}

static void a_bookings_page_is_the_single_bodies_with_a_bundles_lines_and_next(void **state)
{
    (void)state;
    booking_record rec[3] = {
        {.booking_id = "b1", .resource_id = "r", .units = 2, .outcome = BOOKING_BOOKED,
         .reason = BOOKING_REASON_BOOKED, .status = BOOKING_STATUS_ACTIVE, .created_at_ms = 10,
         .updated_at_ms = 10, .line_count = 1},
        {.booking_id = "b2", .resource_id = "other", .units = 1, .hold_ms = 5,
         .outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
         .status = BOOKING_STATUS_EXPIRED, .created_at_ms = 20, .updated_at_ms = 25,
         .expires_at_ms = 25, .line_count = 2},
        {.booking_id = "b3", .resource_id = "r", .units = 50, .outcome = BOOKING_REJECTED,
         .reason = BOOKING_REASON_INSUFFICIENT_CAPACITY, .status = BOOKING_STATUS_NONE,
         .created_at_ms = 30, .updated_at_ms = 30, .line_count = 1},
    };
    booking_record_line bundle[2] = {{.resource_id = "other", .units = 1},
                                     {.resource_id = "r", .units = 4}};
    const booking_record_line *lines[3] = {NULL, bundle, NULL};
    for (size_t count = 0; count <= 3; count++) {
        json_t *items = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(items, booking_json_record(&rec[i], lines[i]));
        const char *next = count == 2 ? "b2" : NULL;
        size_t len = 0;
        char *text = booking_json_bookings_page_text(rec, lines, count, next, &len);
        assert_page_is_tree(text, len, "bookings", items, next);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_listing_query_without_parameters_is_the_first_100_of_every_status),
        cmocka_unit_test(a_listing_query_takes_each_parameter_once_at_its_limits),
        cmocka_unit_test(a_listing_query_past_a_limit_unknown_or_repeated_is_invalid),
        cmocka_unit_test(a_resources_page_is_the_single_bodies_and_next_in_one_line),
        cmocka_unit_test(a_bookings_page_is_the_single_bodies_with_a_bundles_lines_and_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
