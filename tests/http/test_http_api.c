/* SPDX-License-Identifier: MIT */
/*
 * test_http_api.c: every endpoint and status code of SPEC section 5, through
 * libcurl against a real `booking serve` on sqlite, plus the bearer token.
 */
#include "http/http_support.h"
#include "support/test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#define BODY_MAX 512
#define BIG_BATCH 8192

static test_server server;
static http_client client;
static http_suite suite = {.server = &server, .client = &client};
static char store_path[600];

static int group_setup(void **state)
{
    *state = &suite;
    http_global_init();
    snprintf(store_path, sizeof store_path, "%s/api.db", test_tmpdir());
    char url[700];
    /* A short lock wait, so the busy test below does not wait long. */
    snprintf(url, sizeof url, "sqlite:%s?busy_timeout_ms=200", store_path);
    if (test_server_start(&server, url, NULL) != 0)
        return -1;
    return http_client_init(&client);
}

/* One request against the shared server; returns the status, *json the parsed body. */
static long call(const char *method, const char *path, const char *body, json_t **json,
                 http_response *keep)
{
    char url[HTTP_URL_MAX];
    http_url(&server, path, url, sizeof url);
    http_response r;
    CURLcode rc = http_do(&client, method, url, body, body != NULL ? strlen(body) : 0, &r);
    assert_int_equal(rc, CURLE_OK);
    if (strcmp(method, "HEAD") != 0 && !(strcmp(path, "/metrics") == 0 && r.status == 200)) {
        /* Outcomes and records are application/json; errors the one problem body
         * (SPEC section 5), told apart by its "type". */
        char ct[128];
        assert_non_null(http_header(&r, "Content-Type", ct, sizeof ct));
        json_t *o = http_json(&r);
        bool problem = o != NULL && json_is_string(json_object_get(o, "type"));
        json_decref(o);
        assert_string_equal(ct, problem ? "application/problem+json" : "application/json");
        assert_true(!problem || r.status >= 400);
    }
    if (json != NULL) {
        *json = http_json(&r);
        assert_non_null(*json);
    }
    long status = r.status;
    if (keep != NULL)
        *keep = r;
    else
        http_response_free(&r);
    return status;
}

static void set_capacity(const char *resource, unsigned long long capacity)
{
    char path[256], body[BODY_MAX];
    snprintf(path, sizeof path, "/v1/resources/%s", resource);
    snprintf(body, sizeof body, "{\"capacity\":%llu}", capacity);
    assert_int_equal(call("PUT", path, body, NULL, NULL), 200);
}

static long attempt(const char *booking, const char *resource, unsigned long long units,
                    json_t **json)
{
    char body[BODY_MAX];
    snprintf(body, sizeof body, "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":%llu}",
             booking, resource, units);
    return call("POST", "/v1/bookings", body, json, NULL);
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static long long num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static bool flag(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_boolean(v));
    return json_is_true(v);
}

static void assert_outcome(json_t *o, const char *outcome, const char *reason, const char *booking,
                           const char *resource, long long units, bool replayed)
{
    assert_string_equal(str(o, "outcome"), outcome);
    assert_string_equal(str(o, "reason"), reason);
    assert_string_equal(str(o, "booking_id"), booking);
    assert_string_equal(str(o, "resource_id"), resource);
    assert_int_equal(num(o, "units"), units);
    assert_int_equal(flag(o, "replayed"), replayed);
    if (strcmp(outcome, "BOOKED") == 0)
        assert_non_null(json_object_get(o, "status"));
    else
        assert_null(json_object_get(o, "status"));
}

static void assert_resource(const char *resource, long long capacity, long long booked)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/resources/%s", resource);
    json_t *o;
    assert_int_equal(call("GET", path, NULL, &o, NULL), 200);
    assert_string_equal(str(o, "resource_id"), resource);
    assert_int_equal(num(o, "capacity"), capacity);
    assert_int_equal(num(o, "booked"), booked);
    assert_int_equal(num(o, "remaining"), capacity - booked);
    json_decref(o);
}

static void new_ids(char *booking, char *resource)
{
    if (booking != NULL)
        test_unique_id(booking, 64, "b");
    if (resource != NULL)
        test_unique_id(resource, 64, "r");
}

/* ---- POST /v1/bookings ---- */

static void attempt_new_booked_returns_201_with_every_outcome_field(void **state)
{
    (void)state;
    char b[64], r[64];
    new_ids(b, r);
    set_capacity(r, 10);
    json_t *o;
    assert_int_equal(attempt(b, r, 3, &o), 201);
    assert_outcome(o, "BOOKED", "booked", b, r, 3, false);
    assert_string_equal(str(o, "status"), "active");
    json_decref(o);
    assert_resource(r, 10, 3);
}

static void attempt_replay_of_booked_returns_200_replayed_true_and_books_nothing(void **state)
{
    (void)state;
    char b[64], r[64];
    new_ids(b, r);
    set_capacity(r, 10);
    assert_int_equal(attempt(b, r, 4, NULL), 201);
    json_t *o;
    assert_int_equal(attempt(b, r, 4, &o), 200);
    assert_outcome(o, "BOOKED", "booked", b, r, 4, true);
    json_decref(o);
    assert_resource(r, 10, 4);
}

static void attempt_insufficient_capacity_returns_409_and_replays_even_after_capacity_frees(
    void **state)
{
    (void)state;
    char b[64], r[64];
    new_ids(b, r);
    set_capacity(r, 2);
    json_t *o;
    assert_int_equal(attempt(b, r, 3, &o), 409);
    assert_outcome(o, "REJECTED", "insufficient_capacity", b, r, 3, false);
    json_decref(o);
    set_capacity(r, 100);
    assert_int_equal(attempt(b, r, 3, &o), 409);
    assert_outcome(o, "REJECTED", "insufficient_capacity", b, r, 3, true);
    json_decref(o);
    assert_resource(r, 100, 0);
}

static void attempt_repeat_with_other_units_returns_409_booking_id_conflict(void **state)
{
    (void)state;
    char b[64], r[64];
    new_ids(b, r);
    set_capacity(r, 10);
    assert_int_equal(attempt(b, r, 1, NULL), 201);
    json_t *o;
    assert_int_equal(attempt(b, r, 2, &o), 409);
    assert_outcome(o, "REJECTED", "booking_id_conflict", b, r, 2, false);
    json_decref(o);
    assert_resource(r, 10, 1);
}

static void attempt_unknown_resource_returns_404_and_is_not_recorded(void **state)
{
    (void)state;
    char b[64], r[64];
    new_ids(b, r);
    json_t *o;
    assert_int_equal(attempt(b, r, 1, &o), 404);
    assert_outcome(o, "REJECTED", "unknown_resource", b, r, 1, false);
    json_decref(o);
    /* Not recorded: once the resource exists the same id is a fresh attempt. */
    set_capacity(r, 1);
    assert_int_equal(attempt(b, r, 1, &o), 201);
    json_decref(o);
}

static void attempt_invalid_body_returns_400_invalid_request_with_detail(void **state)
{
    (void)state;
    json_t *o;
    assert_int_equal(call("POST", "/v1/bookings", "{\"booking_id\":\"x\"}", &o, NULL), 400);
    assert_string_equal(str(o, "error"), "invalid_request");
    assert_true(strlen(str(o, "detail")) > 0);
    json_decref(o);
}

/* A FAILED attempt: another process holds SQLite's write lock longer than the
 * store's busy_timeout_ms, so the commit cannot happen and nothing is decided. */
static void attempt_failed_returns_503_with_retry_after_and_changes_nothing(void **state)
{
    (void)state;
    char b[64], r[64], b2[64];
    new_ids(b, r);
    new_ids(b2, NULL);
    set_capacity(r, 10);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(store_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    http_response resp;
    json_t *o;
    char body[BODY_MAX];
    snprintf(body, sizeof body, "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1}", b, r);
    assert_int_equal(call("POST", "/v1/bookings", body, &o, &resp), 503);
    assert_outcome(o, "FAILED", "busy", b, r, 1, false);
    char retry[32];
    assert_non_null(http_header(&resp, "Retry-After", retry, sizeof retry));
    assert_true(atoi(retry) >= 1);
    http_response_free(&resp);
    json_decref(o);

    /* A batch in the same situation: 200, every outcome FAILED in order. */
    snprintf(body, sizeof body,
             "{\"attempts\":[{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1},"
             "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1}]}",
             b, r, b2, r);
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &o, NULL), 200);
    json_t *list = json_object_get(o, "outcomes");
    assert_int_equal(json_array_size(list), 2);
    assert_outcome(json_array_get(list, 0), "FAILED", "busy", b, r, 1, false);
    assert_outcome(json_array_get(list, 1), "FAILED", "busy", b2, r, 1, false);
    json_decref(o);

    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    /* FAILED is not recorded: retrying with the same id is a fresh attempt. */
    assert_int_equal(attempt(b, r, 1, NULL), 201);
    assert_resource(r, 10, 1);
}

/* ---- POST /v1/bookings/batch ---- */

static void batch_decides_in_order_first_50_booked_then_rejected(void **state)
{
    (void)state;
    char r[64], prefix[64];
    new_ids(prefix, r);
    set_capacity(r, 50);
    json_t *attempts = json_array();
    for (int i = 0; i < 100; i++) {
        char b[96];
        snprintf(b, sizeof b, "%s-%d", prefix, i);
        json_array_append_new(attempts, json_pack("{s:s, s:s, s:i}", "booking_id", b,
                                                  "resource_id", r, "units", 1));
    }
    json_t *req = json_pack("{s:o}", "attempts", attempts);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    json_t *o;
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &o, NULL), 200);
    free(body);
    json_t *list = json_object_get(o, "outcomes");
    assert_int_equal(json_array_size(list), 100);
    for (int i = 0; i < 100; i++) {
        char b[96];
        snprintf(b, sizeof b, "%s-%d", prefix, i);
        if (i < 50)
            assert_outcome(json_array_get(list, (size_t)i), "BOOKED", "booked", b, r, 1, false);
        else
            assert_outcome(json_array_get(list, (size_t)i), "REJECTED", "insufficient_capacity",
                           b, r, 1, false);
    }
    json_decref(o);
    assert_resource(r, 50, 50);
}

static void batch_with_one_invalid_attempt_returns_400_and_decides_nothing(void **state)
{
    (void)state;
    char b[64], r[64], path[128], body[BODY_MAX];
    new_ids(b, r);
    set_capacity(r, 10);
    snprintf(body, sizeof body,
             "{\"attempts\":[{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1},"
             "{\"booking_id\":\"bad id\",\"resource_id\":\"%s\",\"units\":1}]}",
             b, r, r);
    json_t *o;
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &o, NULL), 400);
    assert_string_equal(str(o, "error"), "invalid_request");
    json_decref(o);
    snprintf(path, sizeof path, "/v1/bookings/%s", b);
    assert_int_equal(call("GET", path, NULL, NULL, NULL), 404);
    assert_resource(r, 10, 0);
    assert_int_equal(call("POST", "/v1/bookings/batch", "{\"attempts\":[]}", NULL, NULL), 400);
}

static char *batch_body(const char *prefix, const char *resource, int count)
{
    json_t *attempts = json_array();
    for (int i = 0; i < count; i++) {
        char b[96];
        snprintf(b, sizeof b, "%s-%d", prefix, i);
        json_array_append_new(attempts, json_pack("{s:s, s:s, s:i}", "booking_id", b,
                                                  "resource_id", resource, "units", 1));
    }
    json_t *req = json_pack("{s:o}", "attempts", attempts);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return body;
}

static void batch_of_8192_is_one_decision_each_and_8193_is_refused_400(void **state)
{
    (void)state;
    char r[64], prefix[64];
    new_ids(prefix, r);
    set_capacity(r, 100000);
    char *body = batch_body(prefix, r, BIG_BATCH);
    json_t *o;
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &o, NULL), 200);
    free(body);
    assert_int_equal(json_array_size(json_object_get(o, "outcomes")), BIG_BATCH);
    json_decref(o);
    assert_resource(r, 100000, BIG_BATCH);

    char prefix2[64];
    new_ids(prefix2, NULL);
    body = batch_body(prefix2, r, BIG_BATCH + 1);
    assert_int_equal(call("POST", "/v1/bookings/batch", body, NULL, NULL), 400);
    free(body);
    assert_resource(r, 100000, BIG_BATCH);
}

/* ---- GET and DELETE /v1/bookings/{id} ---- */

static void get_booking_returns_the_record_or_404_unknown_booking(void **state)
{
    (void)state;
    char b[64], r[64], path[128];
    new_ids(b, r);
    set_capacity(r, 5);
    assert_int_equal(attempt(b, r, 2, NULL), 201);
    snprintf(path, sizeof path, "/v1/bookings/%s", b);
    json_t *o;
    assert_int_equal(call("GET", path, NULL, &o, NULL), 200);
    assert_string_equal(str(o, "booking_id"), b);
    assert_string_equal(str(o, "resource_id"), r);
    assert_int_equal(num(o, "units"), 2);
    assert_string_equal(str(o, "outcome"), "BOOKED");
    assert_string_equal(str(o, "reason"), "booked");
    assert_string_equal(str(o, "status"), "active");
    json_decref(o);
    assert_int_equal(call("GET", "/v1/bookings/never-decided", NULL, &o, NULL), 404);
    assert_string_equal(str(o, "error"), "unknown_booking");
    json_decref(o);
    /* "batch" is a booking id like any other for GET. */
    assert_int_equal(call("GET", "/v1/bookings/batch", NULL, NULL, NULL), 404);
}

static void delete_booking_cancels_then_already_cancelled_and_replay_shows_cancelled(void **state)
{
    (void)state;
    char b[64], r[64], path[128];
    new_ids(b, r);
    set_capacity(r, 5);
    assert_int_equal(attempt(b, r, 2, NULL), 201);
    snprintf(path, sizeof path, "/v1/bookings/%s", b);
    json_t *o;
    assert_int_equal(call("DELETE", path, NULL, &o, NULL), 200);
    assert_string_equal(str(o, "result"), "cancelled");
    assert_string_equal(str(o, "status"), "cancelled");
    json_decref(o);
    assert_resource(r, 5, 0);
    assert_int_equal(call("DELETE", path, NULL, &o, NULL), 200);
    assert_string_equal(str(o, "result"), "already_cancelled");
    json_decref(o);
    /* A cancelled booking_id stays decided: a new attempt is a replay. */
    assert_int_equal(attempt(b, r, 2, &o), 200);
    assert_outcome(o, "BOOKED", "booked", b, r, 2, true);
    assert_string_equal(str(o, "status"), "cancelled");
    json_decref(o);
    assert_resource(r, 5, 0);
    assert_int_equal(call("DELETE", "/v1/bookings/never-decided", NULL, &o, NULL), 404);
    assert_string_equal(str(o, "error"), "unknown_booking");
    json_decref(o);
}

static void delete_of_a_rejected_record_returns_409_not_booked(void **state)
{
    (void)state;
    char b[64], r[64], path[128];
    new_ids(b, r);
    set_capacity(r, 1);
    assert_int_equal(attempt(b, r, 2, NULL), 409);
    snprintf(path, sizeof path, "/v1/bookings/%s", b);
    json_t *o;
    assert_int_equal(call("DELETE", path, NULL, &o, NULL), 409);
    assert_string_equal(str(o, "result"), "not_booked");
    json_decref(o);
}

/* ---- PUT and GET /v1/resources/{id} ---- */

static void put_resource_creates_and_changes_capacity_but_not_below_booked_409(void **state)
{
    (void)state;
    char b[64], r[64], path[128];
    new_ids(b, r);
    snprintf(path, sizeof path, "/v1/resources/%s", r);
    json_t *o;
    assert_int_equal(call("PUT", path, "{\"capacity\":5}", &o, NULL), 200);
    assert_int_equal(num(o, "capacity"), 5);
    assert_int_equal(num(o, "booked"), 0);
    assert_int_equal(num(o, "remaining"), 5);
    json_decref(o);
    assert_int_equal(attempt(b, r, 4, NULL), 201);
    assert_int_equal(call("PUT", path, "{\"capacity\":3}", &o, NULL), 409);
    assert_string_equal(str(o, "error"), "capacity_below_booked");
    assert_int_equal(num(o, "capacity"), 5);
    json_decref(o);
    assert_int_equal(call("PUT", path, "{\"capacity\":4}", &o, NULL), 200);
    assert_int_equal(num(o, "remaining"), 0);
    json_decref(o);
    assert_resource(r, 4, 4);
    assert_int_equal(call("PUT", path, "{\"capacity\":-1}", NULL, NULL), 400);
}

static void get_resource_returns_state_or_404_unknown_resource(void **state)
{
    (void)state;
    char r[64];
    new_ids(NULL, r);
    set_capacity(r, 7);
    assert_resource(r, 7, 0);
    json_t *o;
    assert_int_equal(call("GET", "/v1/resources/never-made", NULL, &o, NULL), 404);
    assert_string_equal(str(o, "error"), "unknown_resource");
    json_decref(o);
}

/* ---- operations ---- */

static void healthz_readyz_metrics_and_openapi_answer_200(void **state)
{
    (void)state;
    json_t *o;
    assert_int_equal(call("GET", "/healthz", NULL, &o, NULL), 200);
    json_decref(o);
    assert_int_equal(call("GET", "/readyz", NULL, &o, NULL), 200);
    assert_string_equal(str(o, "status"), "ready");
    json_decref(o);
    http_response resp;
    assert_int_equal(call("GET", "/metrics", NULL, NULL, &resp), 200);
    char ct[128];
    assert_non_null(http_header(&resp, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "text/plain"));
    assert_non_null(strstr(resp.body, "booking_attempts_total{outcome=\"BOOKED\",reason=\"booked\"}"));
    assert_non_null(strstr(resp.body, "booking_http_request_duration_seconds_bucket{route=\"attempt\",le=\"+Inf\"}"));
    assert_non_null(strstr(resp.body, "booking_commit_batch_size_bucket{le=\"8192\"}"));
    assert_non_null(strstr(resp.body, "booking_queue_attempts "));
    http_response_free(&resp);
    assert_int_equal(call("HEAD", "/healthz", NULL, NULL, NULL), 200);
    /* The API's own description, as checked in. */
    assert_int_equal(call("GET", "/openapi.json", NULL, &o, NULL), 200);
    assert_true(json_is_string(json_object_get(o, "openapi")));
    assert_non_null(json_object_get(json_object_get(o, "paths"), "/v1/bookings"));
    json_decref(o);
}

static void unknown_path_is_404_and_wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    json_t *o;
    assert_int_equal(call("GET", "/v2/bookings", NULL, &o, NULL), 404);
    assert_string_equal(str(o, "error"), "not_found");
    json_decref(o);
    assert_int_equal(call("GET", "/", NULL, NULL, NULL), 404);
    assert_int_equal(call("GET", "/v1/bookings/a/b", NULL, NULL, NULL), 404);
    static const struct {
        const char *method, *path, *allow;
    } cases[] = {
        {"GET", "/v1/bookings", "POST"},
        {"PUT", "/v1/bookings/batch", "GET, HEAD, DELETE, POST"},
        {"POST", "/v1/bookings/x", "GET, HEAD, DELETE"},
        {"DELETE", "/v1/resources/x", "GET, HEAD, PUT"},
        {"POST", "/healthz", "GET, HEAD"},
        {"DELETE", "/metrics", "GET, HEAD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_response resp;
        assert_int_equal(call(cases[i].method, cases[i].path, NULL, &o, &resp), 405);
        assert_string_equal(str(o, "error"), "method_not_allowed");
        char allow[128];
        assert_non_null(http_header(&resp, "Allow", allow, sizeof allow));
        assert_string_equal(allow, cases[i].allow);
        http_response_free(&resp);
        json_decref(o);
    }
}

/* ---- the bearer token ---- */

static void token_missing_or_wrong_is_401_on_every_path_but_healthz(void **state)
{
    (void)state;
    char token_path[700];
    snprintf(token_path, sizeof token_path, "%s/token", test_tmpdir());
    FILE *f = fopen(token_path, "w");
    assert_non_null(f);
    fputs("s3cret-token\n", f);
    fclose(f);
    char store[700];
    snprintf(store, sizeof store, "sqlite:%s/token.db", test_tmpdir());
    const char *args[] = {"--token-file", token_path, NULL};
    test_server guarded;
    assert_int_equal(test_server_start(&guarded, store, args), 0);

    static const struct {
        const char *method, *path, *body;
    } paths[] = {
        {"POST", "/v1/bookings", "{\"booking_id\":\"t1\",\"resource_id\":\"tr\",\"units\":1}"},
        {"POST", "/v1/bookings/batch", "{\"attempts\":[{\"booking_id\":\"t2\",\"resource_id\":\"tr\",\"units\":1}]}"},
        {"GET", "/v1/bookings/t1", NULL},
        {"DELETE", "/v1/bookings/t1", NULL},
        {"PUT", "/v1/resources/tr", "{\"capacity\":5}"},
        {"GET", "/v1/resources/tr", NULL},
        {"GET", "/readyz", NULL},
        {"GET", "/metrics", NULL},
        {"GET", "/no-such-path", NULL},
    };
    static const char *const wrong[] = {NULL, "s3cret-tokeN", "s3cret", "s3cret-token-longer", ""};
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
        c.token = wrong[w];
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            char url[HTTP_URL_MAX];
            http_url(&guarded, paths[i].path, url, sizeof url);
            http_response r;
            const char *body = paths[i].body;
            assert_int_equal(http_do(&c, paths[i].method, url, body, body ? strlen(body) : 0, &r),
                             CURLE_OK);
            assert_int_equal(r.status, 401);
            char h[64];
            assert_non_null(http_header(&r, "WWW-Authenticate", h, sizeof h));
            json_t *o = http_json(&r);
            assert_string_equal(str(o, "error"), "unauthorized");
            json_decref(o);
            http_response_free(&r);
        }
    }
    /* /healthz needs no token. */
    char url[HTTP_URL_MAX];
    http_response r;
    c.token = NULL;
    http_url(&guarded, "/healthz", url, sizeof url);
    assert_int_equal(http_do(&c, "GET", url, NULL, 0, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    /* The right token opens every path; nothing the refused calls sent was done. */
    c.token = "s3cret-token";
    http_url(&guarded, "/v1/resources/tr", url, sizeof url);
    assert_int_equal(http_do(&c, "GET", url, NULL, 0, &r), CURLE_OK);
    assert_int_equal(r.status, 404);
    http_response_free(&r);
    assert_int_equal(http_do(&c, "PUT", url, "{\"capacity\":5}", 14, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    http_url(&guarded, "/v1/bookings", url, sizeof url);
    const char *body = paths[0].body;
    assert_int_equal(http_do(&c, "POST", url, body, strlen(body), &r), CURLE_OK);
    assert_int_equal(r.status, 201);
    http_response_free(&r);
    http_url(&guarded, "/metrics", url, sizeof url);
    assert_int_equal(http_do(&c, "GET", url, NULL, 0, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    http_client_cleanup(&c);
    test_server_stop(&guarded);
}

/* ---- the bounded queue ---- */

typedef struct batch_call {
    const test_server *server;
    char *body;
    long status;
    int booked;
} batch_call;

static void *post_batch(void *p)
{
    batch_call *b = p;
    http_client c;
    if (http_client_init(&c) != 0)
        return NULL;
    char url[HTTP_URL_MAX];
    http_url(b->server, "/v1/bookings/batch", url, sizeof url);
    http_response r;
    if (http_do(&c, "POST", url, b->body, strlen(b->body), &r) == CURLE_OK) {
        b->status = r.status;
        json_t *o = http_json(&r);
        json_t *list = json_object_get(o, "outcomes");
        for (size_t i = 0; i < json_array_size(list); i++) {
            const char *out = json_string_value(json_object_get(json_array_get(list, i), "outcome"));
            b->booked += out != NULL && strcmp(out, "BOOKED") == 0;
        }
        json_decref(o);
    }
    http_response_free(&r);
    http_client_cleanup(&c);
    return NULL;
}

static long long metric_value(http_client *c, const test_server *s, const char *name)
{
    char url[HTTP_URL_MAX];
    http_url(s, "/metrics", url, sizeof url);
    http_response r;
    assert_int_equal(http_do(c, "GET", url, NULL, 0, &r), CURLE_OK);
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\n%s ", name);
    const char *p = strstr(r.body, pattern);
    long long v = p != NULL ? atoll(p + strlen(pattern)) : -1;
    http_response_free(&r);
    return v;
}

static void wait_metric(http_client *c, const test_server *s, const char *name, long long want)
{
    for (int i = 0; i < 1000 && metric_value(c, s, name) != want; i++) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(metric_value(c, s, name), want);
}

/* While the store is locked the committer waits on its first batch; four more full
 * batches fill the queue (32768 attempts); the next attempt is refused at once. */
static void a_full_queue_answers_503_failed_busy_at_once_and_decides_nothing(void **state)
{
    (void)state;
    enum { BATCHES = 5 };
    char path[700], url[800];
    snprintf(path, sizeof path, "%s/full.db", test_tmpdir());
    snprintf(url, sizeof url, "sqlite:%s?busy_timeout_ms=20000", path);
    test_server full;
    assert_int_equal(test_server_start(&full, url, NULL), 0);
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    char u[HTTP_URL_MAX];
    http_response r;
    http_url(&full, "/v1/resources/q", u, sizeof u);
    assert_int_equal(http_do(&c, "PUT", u, "{\"capacity\":100000}", 19, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    pthread_t threads[BATCHES];
    batch_call calls[BATCHES];
    for (int i = 0; i < BATCHES; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "q%d", i);
        calls[i] = (batch_call){.server = &full, .body = batch_body(prefix, "q", BIG_BATCH)};
        assert_int_equal(pthread_create(&threads[i], NULL, post_batch, &calls[i]), 0);
    }
    /* One full batch is with the committer (waiting for the lock), four wait in the queue. */
    wait_metric(&c, &full, "booking_queue_attempts", (BATCHES - 1) * BIG_BATCH);
    assert_int_equal(metric_value(&c, &full, "booking_commit_batch_size_count"), 0);

    http_url(&full, "/v1/bookings", u, sizeof u);
    const char *one = "{\"booking_id\":\"q-over\",\"resource_id\":\"q\",\"units\":1}";
    assert_int_equal(http_do(&c, "POST", u, one, strlen(one), &r), CURLE_OK);
    assert_int_equal(r.status, 503);
    char retry[16];
    assert_non_null(http_header(&r, "Retry-After", retry, sizeof retry));
    json_t *o = http_json(&r);
    assert_string_equal(json_string_value(json_object_get(o, "outcome")), "FAILED");
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "busy");
    json_decref(o);
    http_response_free(&r);
    assert_int_equal(metric_value(&c, &full, "booking_queue_full_total"), 1);

    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    for (int i = 0; i < BATCHES; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(calls[i].status, 200);
        assert_int_equal(calls[i].booked, BIG_BATCH);
        free(calls[i].body);
    }
    /* The refused attempt decided nothing. */
    http_url(&full, "/v1/bookings/q-over", u, sizeof u);
    assert_int_equal(http_do(&c, "GET", u, NULL, 0, &r), CURLE_OK);
    assert_int_equal(r.status, 404);
    http_response_free(&r);
    http_client_cleanup(&c);
    test_server_stop(&full);
}

/* ---- the command's options ---- */

static int run_status(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s serve %s >/dev/null 2>&1", test_booking_bin(), args);
    int status = system(cmd);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void serve_help_exits_0_and_bad_options_exit_2(void **state)
{
    (void)state;
    char cmd[1024], line[256];
    snprintf(cmd, sizeof cmd, "%s serve --help", test_booking_bin());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof line, p));
    assert_non_null(strstr(line, "Usage: booking serve"));
    while (fgets(line, sizeof line, p) != NULL) {
    }
    int status = pclose(p);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(run_status("--threads 0"), 2);
    assert_int_equal(run_status("--max-connections x"), 2);
    assert_int_equal(run_status("--listen 127.0.0.1:65536 --store memory:"), 2);
    assert_int_equal(run_status("--listen nocolon --store memory:"), 2);
    assert_int_equal(run_status("--no-such-option"), 2);
    assert_int_equal(run_status("unexpected-argument"), 2);
    assert_int_equal(run_status("--store nosuchscheme:x --listen 127.0.0.1:0"), 1);
    assert_int_equal(run_status("--token-file /nonexistent/token --store memory:"), 1);
}

static void access_log_has_one_line_per_request(void **state)
{
    (void)state;
    char log_path[700];
    snprintf(log_path, sizeof log_path, "%s/access.log", test_tmpdir());
    const char *args[] = {"--access-log", log_path, NULL};
    test_server logged;
    assert_int_equal(test_server_start(&logged, "memory:", args), 0);
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    char url[HTTP_URL_MAX];
    http_response r;
    http_url(&logged, "/healthz", url, sizeof url);
    assert_int_equal(http_do(&c, "GET", url, NULL, 0, &r), CURLE_OK);
    http_response_free(&r);
    http_url(&logged, "/v1/bookings", url, sizeof url);
    const char *body = "{\"booking_id\":\"a\",\"resource_id\":\"nowhere\",\"units\":1}";
    assert_int_equal(http_do(&c, "POST", url, body, strlen(body), &r), CURLE_OK);
    assert_int_equal(r.status, 404);
    http_response_free(&r);
    http_client_cleanup(&c);
    test_server_stop(&logged);

    FILE *f = fopen(log_path, "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, " level=info msg=request method=GET path=/healthz status=200 "));
    assert_non_null(strstr(line, " peer=127.0.0.1 "));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, " msg=request method=POST path=/v1/bookings status=404 "));
    assert_non_null(strstr(line, " request_id="));
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attempt_new_booked_returns_201_with_every_outcome_field),
        cmocka_unit_test(attempt_replay_of_booked_returns_200_replayed_true_and_books_nothing),
        cmocka_unit_test(
            attempt_insufficient_capacity_returns_409_and_replays_even_after_capacity_frees),
        cmocka_unit_test(attempt_repeat_with_other_units_returns_409_booking_id_conflict),
        cmocka_unit_test(attempt_unknown_resource_returns_404_and_is_not_recorded),
        cmocka_unit_test(attempt_invalid_body_returns_400_invalid_request_with_detail),
        cmocka_unit_test(attempt_failed_returns_503_with_retry_after_and_changes_nothing),
        cmocka_unit_test(batch_decides_in_order_first_50_booked_then_rejected),
        cmocka_unit_test(batch_with_one_invalid_attempt_returns_400_and_decides_nothing),
        cmocka_unit_test(batch_of_8192_is_one_decision_each_and_8193_is_refused_400),
        cmocka_unit_test(get_booking_returns_the_record_or_404_unknown_booking),
        cmocka_unit_test(delete_booking_cancels_then_already_cancelled_and_replay_shows_cancelled),
        cmocka_unit_test(delete_of_a_rejected_record_returns_409_not_booked),
        cmocka_unit_test(put_resource_creates_and_changes_capacity_but_not_below_booked_409),
        cmocka_unit_test(get_resource_returns_state_or_404_unknown_resource),
        cmocka_unit_test(healthz_readyz_metrics_and_openapi_answer_200),
        cmocka_unit_test(unknown_path_is_404_and_wrong_method_is_405_with_allow),
        cmocka_unit_test(token_missing_or_wrong_is_401_on_every_path_but_healthz),
        cmocka_unit_test(a_full_queue_answers_503_failed_busy_at_once_and_decides_nothing),
        cmocka_unit_test(serve_help_exits_0_and_bad_options_exit_2),
        cmocka_unit_test(access_log_has_one_line_per_request),
    };
    return cmocka_run_group_tests(tests, group_setup, http_suite_teardown);
}
