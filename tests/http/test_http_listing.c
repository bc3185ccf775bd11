/* SPDX-License-Identifier: MIT */
/*
 * test_http_listing.c: the listings of SPEC section 5 over real HTTP,
 *   GET /v1/resources?after=ID&limit=N
 *   GET /v1/resources/{resource_id}/bookings?status=S&after=ID&limit=N
 * against `booking serve` (memory: by default; argv[1] "sqlite" for a durable
 * store, or any store URL): pages in ascending id order with "next" the last id
 * of a page that has more (else null), a filtered page that may end early at the
 * store's scan budget (short or empty, "next" the last id examined), each item
 * byte for byte the body of the
 * single GET, a bad query a 400 problem, the wrong method a 405 with Allow, the
 * bearer token, the route label of the metrics and the access log; and a walk of
 * 10,000 bookings in pages of 1000 while another client books and cancels.
 */
#include "http/http_support.h"
#include "support/test_support.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define BODY_MAX 4096
#define PATH_MAX_ 1024
#define RACE_STABLE 10000       /* bookings that exist from the first page to the last */
#define RACE_BATCH 5000         /* made in batches of this many (under the 2 MiB body) */
#define RACE_LIMIT 1000         /* the walk's page: BOOKING_LIST_LIMIT_MAX */
#define RACE_WRITES_MAX 2000    /* the writer's bound */
#define RACE_WRITES_PER_PAGE 5  /* the reader waits for this many writes before a page */
#define RACE_SECONDS_MAX 60     /* and never longer than this in all */
#define RACE_CANCEL_EVERY 3     /* one write in three cancels a stable booking */
#define EXPIRING_HOLD_MS 50
#define LONG_HOLD_MS 600000

static test_server server;
static http_client client;
static http_suite suite = {.server = &server, .client = &client};
static char store_url[700] = "memory:";
static unsigned case_counter;

static int group_setup(void **state)
{
    *state = &suite;
    http_global_init();
    if (test_server_start(&server, store_url, NULL) != 0)
        return -1;
    return http_client_init(&client);
}

/* A prefix of the case's own ids: "<case>-<n>", so every listing can be read
 * inside it (the server is shared by the cases). */
static void case_prefix(char *out, size_t size, const char *what)
{
    snprintf(out, size, "%s%u", what, ++case_counter);
}

/* One request on c; returns the status, *json the parsed body (NULL: not kept). */
static long call_on(http_client *c, const test_server *s, const char *method, const char *path,
                    const char *body, json_t **json, http_response *keep)
{
    char url[HTTP_URL_MAX + PATH_MAX_];
    http_url(s, path, url, sizeof url);
    http_response r;
    assert_int_equal(http_do(c, method, url, body, body != NULL ? strlen(body) : 0, &r),
                     CURLE_OK);
    if (json != NULL) {
        *json = http_json(&r);
        if (*json == NULL)
            fail_msg("%s %s: %ld with a body that is not JSON: %.*s", method, path, r.status,
                     (int)r.body_len, r.body ? r.body : "");
    }
    long status = r.status;
    if (keep != NULL)
        *keep = r;
    else
        http_response_free(&r);
    return status;
}

static long call(const char *method, const char *path, const char *body, json_t **json)
{
    return call_on(&client, &server, method, path, body, json, NULL);
}

static void set_capacity(const char *resource, unsigned long long capacity)
{
    char path[PATH_MAX_], body[64];
    snprintf(path, sizeof path, "/v1/resources/%s", resource);
    snprintf(body, sizeof body, "{\"capacity\":%llu}", capacity);
    assert_int_equal(call("PUT", path, body, NULL), 200);
}

static long attempt(const char *booking, const char *resource, unsigned long long units,
                    unsigned long long hold_ms)
{
    char body[BODY_MAX];
    if (hold_ms > 0)
        snprintf(body, sizeof body,
                 "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":%llu,\"hold_ms\":%llu}",
                 booking, resource, units, hold_ms);
    else
        snprintf(body, sizeof body, "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":%llu}",
                 booking, resource, units);
    return call("POST", "/v1/bookings", body, NULL);
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is not a string", key);
    return json_string_value(v);
}

/* The body of a listing page: 200, application/json, {"<key>": [...], "next": ID
 * or null} and nothing else, at most limit items; next past the last item, and
 * the last item itself on a full page unless a status filters the listing. */
static json_t *page(const char *path, const char *key, size_t limit)
{
    http_response r;
    json_t *body;
    long status = call_on(&client, &server, "GET", path, NULL, &body, &r);
    char ct[128];
    assert_non_null(http_header(&r, "Content-Type", ct, sizeof ct));
    http_response_free(&r);
    if (status != 200)
        fail_msg("GET %s: %ld %s", path, status, json_dumps(body, JSON_COMPACT));
    assert_string_equal(ct, "application/json");
    assert_int_equal(json_object_size(body), 2);
    json_t *items = json_object_get(body, key), *next = json_object_get(body, "next");
    assert_true(json_is_array(items));
    assert_true(json_is_null(next) || json_is_string(next));
    assert_true(json_array_size(items) <= limit);
    size_t count = json_array_size(items);
    const char *id_key = strcmp(key, "resources") == 0 ? "resource_id" : "booking_id";
    if (json_is_string(next) && strstr(path, "status=") == NULL) {
        /* every record examined is listed: next is the last id of a full page */
        assert_int_equal(count, limit);
        assert_string_equal(json_string_value(next), str(json_array_get(items, limit - 1), id_key));
    } else if (json_is_string(next) && count > 0) {
        /* a filtered page may end early: next is at or past its last id */
        assert_true(strcmp(json_string_value(next), str(json_array_get(items, count - 1), id_key)) >= 0);
    }
    return body;
}

/* Every item of a walk, page by page from after (NULL: the first), in pages of
 * limit, with the rest of the query given (e.g. "status=held&"); for resources,
 * only the ones inside prefix (the walk stops past it). Ids ascend strictly
 * across the whole walk. Returns a new array. */
static json_t *walk(const char *base, const char *key, const char *query, const char *after,
                    size_t limit, const char *prefix)
{
    const char *id_key = strcmp(key, "resources") == 0 ? "resource_id" : "booking_id";
    json_t *all = json_array();
    char cursor[256] = "", previous[256] = "";
    if (after != NULL)
        snprintf(cursor, sizeof cursor, "%s", after);
    for (size_t pages = 0;; pages++) {
        assert_true(pages <= RACE_STABLE); /* bounded, whatever the server answers */
        char path[PATH_MAX_];
        snprintf(path, sizeof path, "%s?%slimit=%zu%s%s", base, query, limit,
                 cursor[0] ? "&after=" : "", cursor);
        json_t *body = page(path, key, limit);
        json_t *items = json_object_get(body, key), *item;
        size_t i;
        bool past = false;
        json_array_foreach(items, i, item) {
            const char *id = str(item, id_key);
            if (previous[0] != '\0' && strcmp(previous, id) >= 0)
                fail_msg("%s listed after %s", id, previous);
            if (cursor[0] != '\0' && strcmp(cursor, id) >= 0)
                fail_msg("%s listed after=%s", id, cursor);
            snprintf(previous, sizeof previous, "%s", id);
            if (prefix != NULL && strncmp(id, prefix, strlen(prefix)) != 0) {
                past = past || strcmp(id, prefix) > 0;
                continue;
            }
            if (!past)
                json_array_append(all, item);
        }
        json_t *next = json_object_get(body, "next");
        bool more = json_is_string(next);
        if (more)
            snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        json_decref(body);
        if (!more || past)
            break;
    }
    return all;
}

static json_t *walk_bookings(const char *resource, const char *query, size_t limit)
{
    char base[PATH_MAX_];
    snprintf(base, sizeof base, "/v1/resources/%s/bookings", resource);
    return walk(base, "bookings", query, NULL, limit, NULL);
}

/* The ids of a walk's items, joined by spaces. */
static void ids_of(json_t *items, const char *id_key, char *out, size_t size)
{
    size_t i, used = 0;
    json_t *item;
    out[0] = '\0';
    json_array_foreach(items, i, item) {
        int n = snprintf(out + used, size - used, "%s%s", i ? " " : "", str(item, id_key));
        assert_true(n >= 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
}

/* Each item is exactly the body of the single GET (for a resource, but as_of,
 * the time of the read). */
static void assert_items_are_single_gets(json_t *items, const char *kind)
{
    bool resources = strcmp(kind, "resources") == 0;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        char path[PATH_MAX_];
        const char *id = str(item, resources ? "resource_id" : "booking_id");
        snprintf(path, sizeof path, "/v1/%s/%s", kind, id);
        json_t *got;
        assert_int_equal(call("GET", path, NULL, &got), 200);
        json_t *listed = json_deep_copy(item);
        if (resources) {
            assert_true(json_is_string(json_object_get(listed, "as_of")));
            json_object_del(listed, "as_of");
            json_object_del(got, "as_of");
        }
        if (!json_equal(listed, got)) {
            char *a = json_dumps(listed, JSON_COMPACT | JSON_SORT_KEYS);
            char *b = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
            fail_msg("listed %s\n   but GET %s is %s", a, path, b);
        }
        json_decref(listed);
        json_decref(got);
    }
}

/* ---- pages ---- */

static void resources_list_in_ascending_resource_id_each_once_as_get_resource_reads_them(
    void **state)
{
    (void)state;
    char prefix[64];
    case_prefix(prefix, sizeof prefix, "lr");
    static const char *const suffixes[] = {"m", "B", "a0", "a", "z", "a-", "aa", "0", "a.", "Z"};
    const size_t n = sizeof suffixes / sizeof suffixes[0];
    char id[128];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "%s:%s", prefix, suffixes[i]);
        set_capacity(id, 10 + i);
        if (i % 3 == 0) {
            char b[160];
            snprintf(b, sizeof b, "%s-b", id);
            assert_int_equal(attempt(b, id, 1 + i, 0), 201);
        }
    }
    char mine[80];
    snprintf(mine, sizeof mine, "%s:", prefix);
    /* strcmp order of the suffixes */
    char want[1024];
    snprintf(want, sizeof want,
             "%1$s:0 %1$s:B %1$s:Z %1$s:a %1$s:a- %1$s:a. %1$s:a0 %1$s:aa %1$s:m %1$s:z", prefix);
    static const size_t limits[] = {1, 3, 10, 1000};
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
        json_t *all = walk("/v1/resources", "resources", "", mine, limits[k], mine);
        char got[1024];
        ids_of(all, "resource_id", got, sizeof got);
        assert_string_equal(got, want);
        assert_items_are_single_gets(all, "resources");
        json_decref(all);
    }
}

static void resources_list_without_a_query_is_the_first_100(void **state)
{
    (void)state;
    char prefix[64], id[128];
    case_prefix(prefix, sizeof prefix, "AAAA"); /* before every other case's ids */
    for (int i = 0; i < 101; i++) {
        snprintf(id, sizeof id, "%s:%03d", prefix, i);
        set_capacity(id, 1);
    }
    json_t *body = page("/v1/resources", "resources", 100);
    json_t *items = json_object_get(body, "resources");
    assert_int_equal(json_array_size(items), 100);
    assert_true(json_is_string(json_object_get(body, "next")));
    json_decref(body);
}

static void bookings_list_pages_with_next_the_last_id_until_null(void **state)
{
    (void)state;
    char r[64], id[128];
    case_prefix(r, sizeof r, "pages");
    set_capacity(r, 100);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "%s-%d", r, i);
        assert_int_equal(attempt(id, r, 1, 0), 201);
    }
    char path[PATH_MAX_];
    snprintf(path, sizeof path, "/v1/resources/%s/bookings?limit=2", r);
    json_t *body = page(path, "bookings", 2);
    snprintf(id, sizeof id, "%s-1", r);
    assert_string_equal(str(body, "next"), id);
    json_decref(body);
    snprintf(path, sizeof path, "/v1/resources/%s/bookings?limit=2&after=%s-3", r, r);
    body = page(path, "bookings", 2);
    assert_int_equal(json_array_size(json_object_get(body, "bookings")), 1);
    assert_true(json_is_null(json_object_get(body, "next")));
    json_decref(body);
    /* exactly full and the last: next is null */
    snprintf(path, sizeof path, "/v1/resources/%s/bookings?limit=5", r);
    body = page(path, "bookings", 5);
    assert_int_equal(json_array_size(json_object_get(body, "bookings")), 5);
    assert_true(json_is_null(json_object_get(body, "next")));
    json_decref(body);
    /* after the last: empty, null */
    snprintf(path, sizeof path, "/v1/resources/%s/bookings?after=%s-4", r, r);
    body = page(path, "bookings", 100);
    assert_int_equal(json_array_size(json_object_get(body, "bookings")), 0);
    assert_true(json_is_null(json_object_get(body, "next")));
    json_decref(body);

    static const size_t limits[] = {1, 2, 4, 1000};
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
        json_t *all = walk_bookings(r, "", limits[k]);
        char got[1024], want[1024];
        ids_of(all, "booking_id", got, sizeof got);
        snprintf(want, sizeof want, "%1$s-0 %1$s-1 %1$s-2 %1$s-3 %1$s-4", r);
        assert_string_equal(got, want);
        json_decref(all);
    }
}

/* SPEC section 5: a page may hold fewer than limit items, even none, while next
 * is not null (the store examined BOOKING_LIST_SCAN_MAX records for it); the
 * client pages until next is null. */
static void bookings_list_a_filtered_page_may_be_empty_with_a_next_until_null(void **state)
{
    (void)state;
    char r[64], last[128], examined[128];
    case_prefix(r, sizeof r, "budget");
    const size_t n = BOOKING_LIST_SCAN_MAX + 3;
    set_capacity(r, n);
    size_t body_cap = (size_t)RACE_BATCH * 128 + 64;
    char *body = malloc(body_cap);
    assert_non_null(body);
    for (size_t first = 0; first < n; first += RACE_BATCH) {
        size_t batch = n - first < RACE_BATCH ? n - first : RACE_BATCH;
        size_t used = (size_t)snprintf(body, body_cap, "{\"attempts\":[");
        for (size_t i = 0; i < batch; i++)
            used += (size_t)snprintf(body + used, body_cap - used,
                                     "%s{\"booking_id\":\"%s-%06zu\",\"resource_id\":\"%s\","
                                     "\"units\":1}",
                                     i ? "," : "", r, first + i, r);
        snprintf(body + used, body_cap - used, "]}");
        assert_int_equal(call("POST", "/v1/bookings/batch", body, NULL), 200);
    }
    free(body);
    /* the last one cancelled: the only record the filter keeps */
    snprintf(last, sizeof last, "/v1/bookings/%s-%06zu", r, n - 1);
    assert_int_equal(call("DELETE", last, NULL, NULL), 200);
    snprintf(last, sizeof last, "%s-%06zu", r, n - 1);
    snprintf(examined, sizeof examined, "%s-%06d", r, BOOKING_LIST_SCAN_MAX - 1);

    char path[PATH_MAX_];
    snprintf(path, sizeof path, "/v1/resources/%s/bookings?status=cancelled&limit=10", r);
    json_t *page_body = page(path, "bookings", 10);
    assert_int_equal(json_array_size(json_object_get(page_body, "bookings")), 0);
    assert_string_equal(str(page_body, "next"), examined);
    json_decref(page_body);
    snprintf(path, sizeof path, "/v1/resources/%s/bookings?status=cancelled&limit=10&after=%s", r,
             examined);
    page_body = page(path, "bookings", 10);
    json_t *items = json_object_get(page_body, "bookings");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(str(json_array_get(items, 0), "booking_id"), last);
    assert_true(json_is_null(json_object_get(page_body, "next")));
    json_decref(page_body);
    /* the walk pages on through the empty page to the one record */
    json_t *all = walk_bookings(r, "status=cancelled&", 10);
    char got[256];
    ids_of(all, "booking_id", got, sizeof got);
    assert_string_equal(got, last);
    json_decref(all);
    /* unfiltered, every page is full until the last */
    all = walk_bookings(r, "", 1000);
    assert_int_equal(json_array_size(all), n);
    json_decref(all);
}

static void bookings_list_records_are_the_bodies_of_get_booking_bundles_and_rejected_included(
    void **state)
{
    (void)state;
    char r[64], r2[80], b[6][128];
    case_prefix(r, sizeof r, "records");
    snprintf(r2, sizeof r2, "%s-other", r);
    set_capacity(r, 10);
    set_capacity(r2, 10);
    for (int i = 0; i < 6; i++)
        snprintf(b[i], sizeof b[i], "%s-%c", r, 'a' + i);
    assert_int_equal(attempt(b[0], r, 2, 0), 201);
    assert_int_equal(attempt(b[1], r, 50, 0), 409); /* REJECTED, recorded */
    char body[BODY_MAX];
    snprintf(body, sizeof body,
             "{\"booking_id\":\"%s\",\"lines\":[{\"resource_id\":\"%s\",\"units\":1},"
             "{\"resource_id\":\"%s\",\"units\":3}]}",
             b[2], r2, r);
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201);
    snprintf(body, sizeof body,
             "{\"booking_id\":\"%s\",\"lines\":[{\"resource_id\":\"%s\",\"units\":20},"
             "{\"resource_id\":\"%s\",\"units\":1}],\"hold_ms\":%d}",
             b[3], r2, r, LONG_HOLD_MS);
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 409); /* line 0 short */
    assert_int_equal(attempt(b[4], r, 1, LONG_HOLD_MS), 201);
    assert_int_equal(attempt(b[5], r2, 1, 0), 201); /* not on r */
    char path[PATH_MAX_];
    snprintf(path, sizeof path, "/v1/bookings/%s", b[0]);
    assert_int_equal(call("DELETE", path, NULL, NULL), 200);

    json_t *all = walk_bookings(r, "", 2);
    char got[1024], want[1024];
    ids_of(all, "booking_id", got, sizeof got);
    snprintf(want, sizeof want, "%s %s %s %s %s", b[0], b[1], b[2], b[3], b[4]);
    assert_string_equal(got, want);
    assert_items_are_single_gets(all, "bookings");
    /* a bundle lists with all its lines, line 0 on the other resource */
    json_t *bundle = json_array_get(all, 2);
    assert_int_equal(json_array_size(json_object_get(bundle, "lines")), 2);
    assert_string_equal(str(json_array_get(json_object_get(bundle, "lines"), 0), "resource_id"),
                        r2);
    json_decref(all);

    all = walk_bookings(r2, "", 1000);
    ids_of(all, "booking_id", got, sizeof got);
    snprintf(want, sizeof want, "%s %s %s", b[2], b[3], b[5]);
    assert_string_equal(got, want);
    assert_items_are_single_gets(all, "bookings");
    json_decref(all);
}

static void bookings_list_status_keeps_only_records_of_that_status_as_of_the_read(void **state)
{
    (void)state;
    char r[64], b[6][128];
    case_prefix(r, sizeof r, "status");
    set_capacity(r, 10);
    for (int i = 0; i < 6; i++)
        snprintf(b[i], sizeof b[i], "%s-%c", r, 'a' + i);
    assert_int_equal(attempt(b[0], r, 1, 0), 201);                /* active */
    assert_int_equal(attempt(b[1], r, 1, 0), 201);                /* cancelled */
    assert_int_equal(attempt(b[2], r, 1, LONG_HOLD_MS), 201);     /* held */
    assert_int_equal(attempt(b[3], r, 1, EXPIRING_HOLD_MS), 201); /* expired, by time alone */
    assert_int_equal(attempt(b[4], r, 11, 0), 409);               /* rejected */
    assert_int_equal(attempt(b[5], r, 1, LONG_HOLD_MS), 201);     /* confirmed: active */
    char path[PATH_MAX_];
    snprintf(path, sizeof path, "/v1/bookings/%s", b[1]);
    assert_int_equal(call("DELETE", path, NULL, NULL), 200);
    snprintf(path, sizeof path, "/v1/bookings/%s/confirm", b[5]);
    assert_int_equal(call("POST", path, NULL, NULL), 200);
    struct timespec pause = {0, (EXPIRING_HOLD_MS + 50) * 1000000L};
    nanosleep(&pause, NULL);

    static const struct {
        const char *status;
        int ids[3];
    } filters[] = {
        {"active", {0, 5, -1}}, {"cancelled", {1, -1}}, {"held", {2, -1}},
        {"expired", {3, -1}},   {"rejected", {4, -1}},
    };
    for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
        char query[64], want[1024] = "", got[1024];
        snprintf(query, sizeof query, "status=%s&", filters[f].status);
        for (int k = 0; k < 3 && filters[f].ids[k] >= 0; k++) {
            strcat(want, k ? " " : "");
            strcat(want, b[filters[f].ids[k]]);
        }
        for (size_t limit = 1; limit <= 1000; limit *= 1000) {
            json_t *all = walk_bookings(r, query, limit);
            ids_of(all, "booking_id", got, sizeof got);
            if (strcmp(got, want) != 0)
                fail_msg("status=%s limit=%zu lists [%s], expected [%s]", filters[f].status,
                         limit, got, want);
            size_t i;
            json_t *item;
            json_array_foreach(all, i, item) {
                const char *want_status =
                    strcmp(filters[f].status, "rejected") == 0 ? "none" : filters[f].status;
                assert_string_equal(str(item, "status"), want_status);
            }
            assert_items_are_single_gets(all, "bookings");
            json_decref(all);
        }
    }
}

static void bookings_list_of_an_unknown_resource_is_404_unknown_resource(void **state)
{
    (void)state;
    char path[PATH_MAX_];
    static const char *const queries[] = {"", "?status=held", "?after=x&limit=3"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        snprintf(path, sizeof path, "/v1/resources/never-made/bookings%s", queries[i]);
        http_response r;
        json_t *body;
        assert_int_equal(call_on(&client, &server, "GET", path, NULL, &body, &r), 404);
        char ct[128];
        assert_non_null(http_header(&r, "Content-Type", ct, sizeof ct));
        assert_string_equal(ct, "application/problem+json");
        http_response_free(&r);
        assert_string_equal(str(body, "error"), "unknown_resource");
        json_decref(body);
    }
    /* a resource with no bookings lists none */
    char rr[64];
    case_prefix(rr, sizeof rr, "empty");
    set_capacity(rr, 0);
    snprintf(path, sizeof path, "/v1/resources/%s/bookings", rr);
    json_t *body = page(path, "bookings", 100);
    assert_int_equal(json_array_size(json_object_get(body, "bookings")), 0);
    json_decref(body);
}

/* ---- bad queries, methods, paths ---- */

static void listing_bad_query_is_400_invalid_request_and_nothing_is_read(void **state)
{
    (void)state;
    char r[64];
    case_prefix(r, sizeof r, "bad");
    set_capacity(r, 1);
    char too_long[sizeof "after=" + 129];
    memcpy(too_long, "after=", 6);
    memset(too_long + 6, 'a', 129);
    too_long[6 + 129] = '\0';
    const char *const bad[] = {
        "limit=0", "limit=1001", "limit=abc", "limit=-1", "limit=+5", "limit=05", "limit=",
        "limit", "limit=1.5", "limit=99999999999999999999", "limit=%201", "after=",
        "after=a%20b", "after=a%00b", "after=caf%C3%A9", "after=a/b", "after", "foo=1",
        "Limit=5", "limit=1&limit=1", "after=a&after=b", "limit=5&bogus", "=5",
        too_long, /* after= of 129 bytes */
    };
    static const char *const bad_bookings_only[] = {"status=bogus", "status=", "status",
                                                    "status=HELD", "status=none",
                                                    "status=held&status=held", "status=all"};
    char path[PATH_MAX_];
    for (int which = 0; which < 2; which++) {
        size_t n = which ? sizeof bad_bookings_only / sizeof bad_bookings_only[0]
                         : sizeof bad / sizeof bad[0];
        for (size_t i = 0; i < n; i++) {
            const char *q = which ? bad_bookings_only[i] : bad[i];
            for (int on = which; on < 2; on++) {
                if (on == 0)
                    snprintf(path, sizeof path, "/v1/resources?%s", q);
                else
                    snprintf(path, sizeof path, "/v1/resources/%s/bookings?%s", r, q);
                http_response resp;
                json_t *body;
                long status = call_on(&client, &server, "GET", path, NULL, &body, &resp);
                char ct[128];
                assert_non_null(http_header(&resp, "Content-Type", ct, sizeof ct));
                http_response_free(&resp);
                if (status != 400 || strcmp(str(body, "error"), "invalid_request") != 0)
                    fail_msg("GET %s: %ld %s, expected 400 invalid_request", path, status,
                             json_dumps(body, JSON_COMPACT));
                assert_string_equal(ct, "application/problem+json");
                assert_true(strlen(str(body, "detail")) > 0);
                json_decref(body);
            }
        }
    }
    /* status is the bookings' only: on the resources listing it is unknown */
    json_t *body;
    assert_int_equal(call("GET", "/v1/resources?status=held", NULL, &body), 400);
    json_decref(body);
    /* the limits themselves are accepted */
    static const struct {
        const char *query;
        size_t limit;
    } good[] = {{"limit=1", 1},  {"limit=1000", 1000}, {"after=z", 100}, {"after=0&limit=7", 7},
                {"limit=3&after=a.b_c:d-e", 3}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(path, sizeof path, "/v1/resources?%s", good[i].query);
        json_decref(page(path, "resources", good[i].limit));
        snprintf(path, sizeof path, "/v1/resources/%s/bookings?%s&status=active", r,
                 good[i].query);
        json_decref(page(path, "bookings", good[i].limit));
    }
}

static void listing_with_another_method_is_405_allowing_get_and_head(void **state)
{
    (void)state;
    char r[64], path[PATH_MAX_];
    case_prefix(r, sizeof r, "method");
    set_capacity(r, 1);
    static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH"};
    for (int which = 0; which < 2; which++) {
        if (which == 0)
            snprintf(path, sizeof path, "/v1/resources");
        else
            snprintf(path, sizeof path, "/v1/resources/%s/bookings", r);
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            http_response resp;
            json_t *body;
            long status = call_on(&client, &server, methods[m], path, "{}", &body, &resp);
            char allow[64];
            if (status != 405)
                fail_msg("%s %s: %ld, expected 405", methods[m], path, status);
            assert_non_null(http_header(&resp, "Allow", allow, sizeof allow));
            assert_string_equal(allow, "GET, HEAD");
            assert_string_equal(str(body, "error"), "method_not_allowed");
            http_response_free(&resp);
            json_decref(body);
        }
        http_response resp;
        assert_int_equal(call_on(&client, &server, "HEAD", path, NULL, NULL, &resp), 200);
        assert_int_equal(resp.body_len, 0);
        http_response_free(&resp);
    }
    /* no route lies below .../bookings, nor is "bookings" without an id one */
    static const char *const nowhere[] = {"/bookings/x", "/booking", "/x/bookings", "/"};
    for (size_t i = 0; i < sizeof nowhere / sizeof nowhere[0] + 1; i++) {
        if (i < sizeof nowhere / sizeof nowhere[0])
            snprintf(path, sizeof path, "/v1/resources/%s%s", r, nowhere[i]);
        else
            snprintf(path, sizeof path, "/v1/resources//bookings");
        json_t *body;
        long status = call("GET", path, NULL, &body);
        if (status != 404)
            fail_msg("GET %s: %ld, expected 404", path, status);
        json_decref(body);
    }
}

/* The query is cut off the target and unescaped apart from it: the guard judges
 * the target as it was sent, so a query is not taken for a raw NUL, while a raw
 * control byte in it still is refused. */
static void a_query_string_is_judged_as_sent_not_as_a_raw_nul(void **state)
{
    (void)state;
    char r[64], path[PATH_MAX_];
    case_prefix(r, sizeof r, "query");
    set_capacity(r, 3);
    snprintf(path, sizeof path, "/v1/resources/%s?a=1&b=%%41", r);
    json_t *body;
    assert_int_equal(call("GET", path, NULL, &body), 200);
    assert_string_equal(str(body, "resource_id"), r);
    json_decref(body);
    assert_int_equal(call("GET", "/healthz?probe=1", NULL, &body), 200);
    json_decref(body);
    char request[256], reply[2048];
    int n = snprintf(request, sizeof request,
                     "GET /v1/resources?after=a\001b HTTP/1.1\r\nHost: x\r\n\r\n");
    raw_exchange(server.port, request, (size_t)n, reply, sizeof reply, 5000);
    assert_non_null(strstr(reply, "HTTP/1.1 400"));
}

/* ---- token, metrics, access log ---- */

static void listing_needs_the_bearer_token_and_is_logged_and_counted_by_route(void **state)
{
    (void)state;
    char token_path[700], log_path[700];
    snprintf(token_path, sizeof token_path, "%s/listing-token", test_tmpdir());
    snprintf(log_path, sizeof log_path, "%s/listing-access.log", test_tmpdir());
    FILE *f = fopen(token_path, "w");
    assert_non_null(f);
    fputs("list-token\n", f);
    fclose(f);
    const char *args[] = {"--token-file", token_path, "--access-log", log_path, NULL};
    test_server guarded;
    assert_int_equal(test_server_start(&guarded, store_url, args), 0);
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    c.token = "list-token";
    assert_int_equal(call_on(&c, &guarded, "PUT", "/v1/resources/tok", "{\"capacity\":1}", NULL,
                             NULL),
                     200);
    static const char *const paths[] = {"/v1/resources?limit=2",
                                        "/v1/resources/tok/bookings?status=held&limit=3"};
    static const char *const wrong[] = {NULL, "list-tokeN", ""};
    for (size_t i = 0; i < 2; i++) {
        for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
            c.token = wrong[w];
            json_t *body;
            assert_int_equal(call_on(&c, &guarded, "GET", paths[i], NULL, &body, NULL), 401);
            assert_string_equal(str(body, "error"), "unauthorized");
            json_decref(body);
        }
        c.token = "list-token";
        assert_int_equal(call_on(&c, &guarded, "GET", paths[i], NULL, NULL, NULL), 200);
    }
    http_response r;
    assert_int_equal(call_on(&c, &guarded, "GET", "/metrics", NULL, NULL, &r), 200);
    char *text = strndup(r.body, r.body_len);
    http_response_free(&r);
    assert_non_null(strstr(text, "booking_http_request_duration_seconds_count{route=\"resource_list\"} 1\n"));
    assert_non_null(strstr(text, "booking_http_request_duration_seconds_count{route=\"booking_list\"} 1\n"));
    free(text);
    http_client_cleanup(&c);
    test_server_stop(&guarded);

    f = fopen(log_path, "r");
    assert_non_null(f);
    char line[1024];
    bool seen_resources = false, seen_bookings = false;
    while (fgets(line, sizeof line, f) != NULL) {
        seen_resources = seen_resources ||
                         strstr(line, " method=GET path=\"/v1/resources?limit=2\" status=200 ");
        seen_bookings = seen_bookings ||
                        strstr(line, " method=GET path=\"/v1/resources/tok/bookings?status=held&"
                                     "limit=3\" status=200 ");
    }
    fclose(f);
    assert_true(seen_resources);
    assert_true(seen_bookings);
}

/* ---- pages while another client writes ---- */

typedef struct race {
    const char *resource;
    char new_ids[RACE_WRITES_MAX][64]; /* the writer's BOOKED ones */
    size_t new_count;
    size_t writes;    /* atomic */
    bool reader_done; /* atomic */
    bool writer_done; /* atomic */
    char why[256];    /* the writer's first problem */
    int64_t deadline_ns;
} race;

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called by the writer thread too: no cmocka assertion in here (the resource
 * name is cut to 32 bytes, so the id always fits size 64). */
static void race_id(char *out, size_t size, const char *resource, size_t number)
{
    snprintf(out, size, "%.32s-%06zu", resource, number);
}

/* Its own client: new bookings at odd numbers (between the stable even ones,
 * before and after the reader's place) and cancels of stable ones. Nothing in
 * here may fail the case (another thread): problems go to rc->why. */
static void *race_writer(void *arg)
{
    race *rc = arg;
    http_client c;
    if (http_client_init(&c) != 0) {
        snprintf(rc->why, sizeof rc->why, "no client");
        __atomic_store_n(&rc->writer_done, true, __ATOMIC_SEQ_CST);
        return NULL;
    }
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t op = 0; op < RACE_WRITES_MAX; op++) {
        if (__atomic_load_n(&rc->reader_done, __ATOMIC_SEQ_CST) || monotonic_ns() > rc->deadline_ns)
            break;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t at = (size_t)(x >> 33) % RACE_STABLE;
        char url[HTTP_URL_MAX], id[64], body[256];
        http_response r;
        long want;
        if (op % RACE_CANCEL_EVERY == RACE_CANCEL_EVERY - 1) {
            race_id(id, sizeof id, rc->resource, 2 * at);
            snprintf(body, sizeof body, "/v1/bookings/%s", id);
            http_url(&server, body, url, sizeof url);
            want = 200;
            if (http_do(&c, "DELETE", url, NULL, 0, &r) != CURLE_OK)
                r.status = 0;
        } else {
            race_id(id, sizeof id, rc->resource, 2 * at + 1);
            snprintf(body, sizeof body,
                     "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1}", id,
                     rc->resource);
            http_url(&server, "/v1/bookings", url, sizeof url);
            if (http_do(&c, "POST", url, body, strlen(body), &r) != CURLE_OK)
                r.status = 0;
            want = r.status == 200 ? 200 : 201; /* 200: a replay of an earlier one */
            if (r.status == 201)
                snprintf(rc->new_ids[rc->new_count++], sizeof rc->new_ids[0], "%s", id);
        }
        long status = r.status;
        http_response_free(&r);
        if (status != want) {
            snprintf(rc->why, sizeof rc->why, "write %zu (%s): %ld", op, id, status);
            break;
        }
        __atomic_add_fetch(&rc->writes, 1, __ATOMIC_SEQ_CST);
    }
    http_client_cleanup(&c);
    __atomic_store_n(&rc->writer_done, true, __ATOMIC_SEQ_CST);
    return NULL;
}

static void race_wait_for_writes(race *rc, size_t count)
{
    while (__atomic_load_n(&rc->writes, __ATOMIC_SEQ_CST) < count &&
           !__atomic_load_n(&rc->writer_done, __ATOMIC_SEQ_CST)) {
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void paging_10000_bookings_by_1000_while_another_client_writes_sees_each_stable_one_once(
    void **state)
{
    (void)state;
    static race rc;
    memset(&rc, 0, sizeof rc);
    char r[64];
    case_prefix(r, sizeof r, "race");
    rc.resource = r;
    set_capacity(r, 100000);
    /* the stable bookings, by batch */
    size_t body_cap = (size_t)RACE_BATCH * 128 + 64;
    char *body = malloc(body_cap);
    assert_non_null(body);
    for (size_t first = 0; first < RACE_STABLE; first += RACE_BATCH) {
        size_t used = (size_t)snprintf(body, body_cap, "{\"attempts\":[");
        for (size_t i = 0; i < RACE_BATCH; i++) {
            char id[64];
            race_id(id, sizeof id, r, 2 * (first + i));
            used += (size_t)snprintf(body + used, body_cap - used,
                                     "%s{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1}",
                                     i ? "," : "", id, r);
        }
        snprintf(body + used, body_cap - used, "]}");
        json_t *answer;
        assert_int_equal(call("POST", "/v1/bookings/batch", body, &answer), 200);
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(answer, "outcomes"), i, o)
            assert_string_equal(str(o, "outcome"), "BOOKED");
        json_decref(answer);
    }
    free(body);

    uint8_t *seen = calloc(2 * RACE_STABLE, 1);
    assert_non_null(seen);
    rc.deadline_ns = monotonic_ns() + (int64_t)RACE_SECONDS_MAX * 1000000000;
    pthread_t writer;
    assert_int_equal(pthread_create(&writer, NULL, race_writer, &rc), 0);

    /* Nothing may fail while the writer runs: a problem stops the walk first. */
    char after[64] = "", why[512] = "", prefix[80];
    snprintf(prefix, sizeof prefix, "%s-", r);
    size_t pages = 0, listed = 0;
    while (why[0] == '\0' && pages <= 2 * RACE_STABLE / RACE_LIMIT + 2) {
        race_wait_for_writes(&rc, (pages + 1) * RACE_WRITES_PER_PAGE);
        char path[PATH_MAX_], url[HTTP_URL_MAX + PATH_MAX_];
        snprintf(path, sizeof path, "/v1/resources/%s/bookings?limit=%d%s%s", r, RACE_LIMIT,
                 after[0] ? "&after=" : "", after);
        http_url(&server, path, url, sizeof url);
        http_response resp;
        pages++;
        if (http_do(&client, "GET", url, NULL, 0, &resp) != CURLE_OK || resp.status != 200) {
            snprintf(why, sizeof why, "page %zu: %ld", pages, resp.status);
            http_response_free(&resp);
            break;
        }
        json_t *page_body = http_json(&resp);
        http_response_free(&resp);
        json_t *items = json_object_get(page_body, "bookings"), *item;
        json_t *next = json_object_get(page_body, "next");
        size_t i;
        if (!json_is_array(items) || json_array_size(items) > RACE_LIMIT)
            snprintf(why, sizeof why, "page %zu is not a page", pages);
        json_array_foreach(items, i, item) {
            if (why[0] != '\0')
                break;
            const char *id = json_string_value(json_object_get(item, "booking_id"));
            const char *status = json_string_value(json_object_get(item, "status"));
            char *end = NULL;
            unsigned long n = id != NULL && strncmp(id, prefix, strlen(prefix)) == 0
                                  ? strtoul(id + strlen(prefix), &end, 10)
                                  : 2 * RACE_STABLE;
            if (end == NULL || *end != '\0' || n >= 2 * RACE_STABLE)
                snprintf(why, sizeof why, "%s is not a booking of the case", id ? id : "?");
            else if ((after[0] != '\0' && strcmp(after, id) >= 0))
                snprintf(why, sizeof why, "%s listed after=%s", id, after);
            else if (seen[n]++ != 0)
                snprintf(why, sizeof why, "%s listed twice", id);
            else if (status == NULL ||
                     (strcmp(status, "active") != 0 && strcmp(status, "cancelled") != 0))
                snprintf(why, sizeof why, "%s listed with status %s", id, status ? status : "?");
            else
                snprintf(after, sizeof after, "%s", id);
        }
        listed += json_array_size(items);
        bool more = json_is_string(next);
        if (why[0] == '\0' && more && strcmp(json_string_value(next), after) != 0)
            snprintf(why, sizeof why, "next %s is not the page's last id %s",
                     json_string_value(next), after);
        if (why[0] == '\0' && more != (json_array_size(items) == RACE_LIMIT) && more)
            snprintf(why, sizeof why, "next on a page of %zu", json_array_size(items));
        json_decref(page_body);
        if (!more)
            break;
    }
    __atomic_store_n(&rc.reader_done, true, __ATOMIC_SEQ_CST);
    assert_int_equal(pthread_join(writer, NULL), 0);
    if (why[0] != '\0')
        fail_msg("listing while writing: %s", why);
    if (rc.why[0] != '\0')
        fail_msg("the writer: %s", rc.why);

    const char **booked = malloc((rc.new_count + 1) * sizeof *booked);
    assert_non_null(booked);
    for (size_t i = 0; i < rc.new_count; i++)
        booked[i] = rc.new_ids[i];
    qsort(booked, rc.new_count, sizeof *booked, compare_text);
    for (size_t n = 0; n < 2 * RACE_STABLE; n++) {
        char id[64];
        race_id(id, sizeof id, r, n);
        const char *key = id;
        if (n % 2 == 0 && seen[n] != 1)
            fail_msg("%s existed from the first page to the last and was listed %u times", id,
                     (unsigned)seen[n]);
        if (n % 2 == 1 && seen[n] != 0 &&
            bsearch(&key, booked, rc.new_count, sizeof *booked, compare_text) == NULL)
            fail_msg("%s was listed but never booked", id);
    }
    if (rc.writes < RACE_WRITES_PER_PAGE * (pages - 1) && rc.writes < RACE_WRITES_MAX)
        fail_msg("%zu writes during %zu pages: the race did not happen", rc.writes, pages);
    print_message("listed %zu bookings in %zu pages of %d while %zu writes ran\n", listed, pages,
                  RACE_LIMIT, rc.writes);
    free(booked);
    free(seen);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sqlite") == 0)
        snprintf(store_url, sizeof store_url, "sqlite:%s/listing.db", test_tmpdir());
    else if (argc > 1)
        snprintf(store_url, sizeof store_url, "%s", argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            resources_list_in_ascending_resource_id_each_once_as_get_resource_reads_them),
        cmocka_unit_test(resources_list_without_a_query_is_the_first_100),
        cmocka_unit_test(bookings_list_pages_with_next_the_last_id_until_null),
        cmocka_unit_test(bookings_list_a_filtered_page_may_be_empty_with_a_next_until_null),
        cmocka_unit_test(
            bookings_list_records_are_the_bodies_of_get_booking_bundles_and_rejected_included),
        cmocka_unit_test(bookings_list_status_keeps_only_records_of_that_status_as_of_the_read),
        cmocka_unit_test(bookings_list_of_an_unknown_resource_is_404_unknown_resource),
        cmocka_unit_test(listing_bad_query_is_400_invalid_request_and_nothing_is_read),
        cmocka_unit_test(listing_with_another_method_is_405_allowing_get_and_head),
        cmocka_unit_test(a_query_string_is_judged_as_sent_not_as_a_raw_nul),
        cmocka_unit_test(listing_needs_the_bearer_token_and_is_logged_and_counted_by_route),
        cmocka_unit_test(
            paging_10000_bookings_by_1000_while_another_client_writes_sees_each_stable_one_once),
    };
    return cmocka_run_group_tests(tests, group_setup, http_suite_teardown);
}
