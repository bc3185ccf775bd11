/* SPDX-License-Identifier: MIT */
/*
 * test_http_holds.c: holds over HTTP (SPEC sections 5 and 7) through a real
 * `booking serve --store memory:` on the host's real clock: hold_ms on attempts
 * and batches, POST /v1/bookings/{id}/confirm, DELETE of a hold, expiry at
 * expires_at, the store's times in every body, bad input, and the hold metrics.
 * Holds that must expire are a few hundred ms long; every wait is bounded.
 */
#include "http/http_support.h"
#include "support/test_support.h"
#include "util/time_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define BODY_MAX 512
#define HOLD_LONG_MS 600000  /* outlives the test: it only expires if the clock is wrong */
#define HOLD_SHORT_MS 300    /* expires during the test */
#define POLL_MS 20
#define EXPIRY_WAIT_MS 5000  /* bound on waiting for a short hold to read expired */

static test_server server;
static http_client client;
static http_suite suite = {.server = &server, .client = &client};

static int group_setup(void **state)
{
    *state = &suite;
    http_global_init();
    if (test_server_start(&server, "memory:", NULL) != 0)
        return -1;
    return http_client_init(&client);
}

/* One request to s; returns the status, *json the parsed body (if json not NULL). */
static long call_on(http_client *c, const test_server *s, const char *method, const char *path,
                    const char *body, json_t **json)
{
    char url[HTTP_URL_MAX];
    http_url(s, path, url, sizeof url);
    http_response r;
    assert_int_equal(http_do(c, method, url, body, body != NULL ? strlen(body) : 0, &r), CURLE_OK);
    if (json != NULL) {
        *json = http_json(&r);
        assert_non_null(*json);
    }
    long status = r.status;
    http_response_free(&r);
    return status;
}

static long call(const char *method, const char *path, const char *body, json_t **json)
{
    return call_on(&client, &server, method, path, body, json);
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

/* A store time of a body, as ms since the epoch (the text must be RFC 3339 UTC, ms). */
static int64_t time_of(json_t *o, const char *key)
{
    const char *text = str(o, key);
    int64_t ms = 0;
    assert_true(time_text_read(text, strlen(text), &ms));
    return ms;
}

static void new_id(char *out, const char *prefix)
{
    test_unique_id(out, 64, prefix);
}

static void set_capacity_on(http_client *c, const test_server *s, const char *resource,
                            unsigned long long capacity)
{
    char path[256], body[BODY_MAX];
    snprintf(path, sizeof path, "/v1/resources/%s", resource);
    snprintf(body, sizeof body, "{\"capacity\":%llu}", capacity);
    assert_int_equal(call_on(c, s, "PUT", path, body, NULL), 200);
}

static void set_capacity(const char *resource, unsigned long long capacity)
{
    set_capacity_on(&client, &server, resource, capacity);
}

static long hold_on(http_client *c, const test_server *s, const char *booking,
                    const char *resource, unsigned long long units, unsigned long long hold_ms,
                    json_t **json)
{
    char body[BODY_MAX];
    snprintf(body, sizeof body,
             "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":%llu,\"hold_ms\":%llu}",
             booking, resource, units, hold_ms);
    return call_on(c, s, "POST", "/v1/bookings", body, json);
}

static long hold(const char *booking, const char *resource, unsigned long long units,
                 unsigned long long hold_ms, json_t **json)
{
    return hold_on(&client, &server, booking, resource, units, hold_ms, json);
}

static long confirm(const char *booking, json_t **json)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/bookings/%s/confirm", booking);
    return call("POST", path, NULL, json);
}

static long cancel(const char *booking, json_t **json)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/bookings/%s", booking);
    return call("DELETE", path, NULL, json);
}

static long get_booking(const char *booking, json_t **json)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/bookings/%s", booking);
    return call("GET", path, NULL, json);
}

/* The resource's booked, checked against what SPEC section 7 says it must be at
 * the body's own as_of: units of the hold ending at expires_at_ms count until then. */
static long long booked_as_of(const char *resource, int64_t *as_of_ms)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/resources/%s", resource);
    json_t *o;
    assert_int_equal(call("GET", path, NULL, &o), 200);
    assert_int_equal(num(o, "remaining"), num(o, "capacity") - num(o, "booked"));
    *as_of_ms = time_of(o, "as_of");
    long long booked = num(o, "booked");
    json_decref(o);
    return booked;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls GET /v1/bookings/ID until it reads expired, at most EXPIRY_WAIT_MS. */
static void wait_expired(const char *booking)
{
    for (long waited = 0; waited <= EXPIRY_WAIT_MS; waited += POLL_MS) {
        json_t *o;
        assert_int_equal(get_booking(booking, &o), 200);
        bool expired = strcmp(str(o, "status"), "expired") == 0;
        json_decref(o);
        if (expired)
            return;
        sleep_ms(POLL_MS);
    }
    fail_msg("%s did not read expired within %d ms", booking, EXPIRY_WAIT_MS);
}

/* A new hold's answer: 201, BOOKED held, expires_at = a decision time + hold_ms. */
static int64_t assert_new_hold(json_t *o, const char *booking, long long units)
{
    assert_string_equal(str(o, "outcome"), "BOOKED");
    assert_string_equal(str(o, "reason"), "booked");
    assert_string_equal(str(o, "booking_id"), booking);
    assert_int_equal(num(o, "units"), units);
    assert_true(json_is_false(json_object_get(o, "replayed")));
    assert_string_equal(str(o, "status"), "held");
    return time_of(o, "expires_at");
}

/* ---- hold, then confirm ---- */

static void hold_then_confirm_makes_it_active_for_good_and_a_repeat_is_already_confirmed(
    void **state)
{
    (void)state;
    char b[64], r[64];
    new_id(b, "b");
    new_id(r, "r");
    set_capacity(r, 3);
    json_t *o;
    assert_int_equal(hold(b, r, 2, HOLD_LONG_MS, &o), 201);
    int64_t expires_at = assert_new_hold(o, b, 2);
    json_decref(o);

    assert_int_equal(get_booking(b, &o), 200);
    assert_string_equal(str(o, "status"), "held");
    int64_t created_at = time_of(o, "created_at");
    assert_int_equal(time_of(o, "expires_at"), expires_at);
    assert_int_equal(created_at + HOLD_LONG_MS, expires_at); /* created_at is the decision's time */
    assert_int_equal(time_of(o, "updated_at"), created_at);
    json_decref(o);

    assert_int_equal(confirm(b, &o), 200);
    assert_string_equal(str(o, "result"), "confirmed");
    assert_string_equal(str(o, "status"), "active");
    assert_null(json_object_get(o, "expires_at")); /* active: it never expires */
    assert_int_equal(time_of(o, "created_at"), created_at);
    int64_t confirmed_at = time_of(o, "updated_at");
    assert_true(confirmed_at >= created_at && confirmed_at < expires_at);
    json_decref(o);

    assert_int_equal(confirm(b, &o), 200);
    assert_string_equal(str(o, "result"), "already_confirmed");
    assert_int_equal(time_of(o, "updated_at"), confirmed_at); /* nothing changed */
    json_decref(o);
    int64_t as_of;
    assert_int_equal(booked_as_of(r, &as_of), 2);

    /* A replay after the confirm shows the record's status as of now. */
    assert_int_equal(hold(b, r, 2, HOLD_LONG_MS, &o), 200);
    assert_string_equal(str(o, "status"), "active");
    assert_true(json_is_true(json_object_get(o, "replayed")));
    json_decref(o);
}

/* ---- hold, then cancel ---- */

static void hold_then_cancel_releases_its_units_and_a_confirm_after_it_is_409_already_cancelled(
    void **state)
{
    (void)state;
    char b[64], r[64];
    new_id(b, "b");
    new_id(r, "r");
    set_capacity(r, 3);
    assert_int_equal(hold(b, r, 3, HOLD_LONG_MS, NULL), 201);
    int64_t as_of;
    assert_int_equal(booked_as_of(r, &as_of), 3);
    json_t *o;
    assert_int_equal(cancel(b, &o), 200);
    assert_string_equal(str(o, "result"), "cancelled");
    assert_string_equal(str(o, "status"), "cancelled");
    assert_null(json_object_get(o, "expires_at"));
    json_decref(o);
    assert_int_equal(booked_as_of(r, &as_of), 0);

    assert_int_equal(confirm(b, &o), 409);
    assert_string_equal(str(o, "result"), "already_cancelled");
    json_decref(o);
    assert_int_equal(cancel(b, &o), 200);
    assert_string_equal(str(o, "result"), "already_cancelled");
    json_decref(o);
    assert_int_equal(booked_as_of(r, &as_of), 0);
}

/* ---- hold, then expire ---- */

static void hold_counts_in_booked_until_expires_at_and_not_from_then_on(void **state)
{
    (void)state;
    char b[64], r[64];
    new_id(b, "b");
    new_id(r, "r");
    set_capacity(r, 2);
    json_t *o;
    assert_int_equal(hold(b, r, 2, HOLD_SHORT_MS, &o), 201);
    int64_t expires_at = assert_new_hold(o, b, 2);
    json_decref(o);
    /* Every read agrees with its own as_of: counted before expires_at, not after. */
    bool seen_expired = false;
    for (long waited = 0; waited <= EXPIRY_WAIT_MS && !seen_expired; waited += POLL_MS) {
        int64_t as_of;
        long long booked = booked_as_of(r, &as_of);
        seen_expired = as_of >= expires_at;
        assert_int_equal(booked, seen_expired ? 0 : 2);
        if (!seen_expired)
            sleep_ms(POLL_MS);
    }
    assert_true(seen_expired);
    assert_int_equal(get_booking(b, &o), 200);
    assert_string_equal(str(o, "status"), "expired");
    assert_int_equal(time_of(o, "expires_at"), expires_at);
    assert_int_equal(time_of(o, "updated_at"), expires_at); /* an expiry changes at expires_at */
    json_decref(o);
    /* The freed capacity is bookable at once. */
    char other[64];
    new_id(other, "b");
    assert_int_equal(hold(other, r, 2, HOLD_LONG_MS, NULL), 201);
}

static void replay_of_an_expired_hold_is_200_booked_status_expired_replayed_true(void **state)
{
    (void)state;
    char b[64], r[64];
    new_id(b, "b");
    new_id(r, "r");
    set_capacity(r, 1);
    json_t *o;
    assert_int_equal(hold(b, r, 1, HOLD_SHORT_MS, &o), 201);
    int64_t expires_at = assert_new_hold(o, b, 1);
    json_decref(o);
    wait_expired(b);
    assert_int_equal(hold(b, r, 1, HOLD_SHORT_MS, &o), 200);
    assert_string_equal(str(o, "outcome"), "BOOKED");
    assert_string_equal(str(o, "status"), "expired");
    assert_true(json_is_true(json_object_get(o, "replayed")));
    assert_int_equal(time_of(o, "expires_at"), expires_at);
    json_decref(o);
    int64_t as_of;
    assert_int_equal(booked_as_of(r, &as_of), 0); /* the replay booked nothing */
}

static void confirm_or_cancel_of_an_expired_hold_is_409_hold_expired_and_changes_nothing(
    void **state)
{
    (void)state;
    char b[64], r[64];
    new_id(b, "b");
    new_id(r, "r");
    set_capacity(r, 1);
    assert_int_equal(hold(b, r, 1, HOLD_SHORT_MS, NULL), 201);
    wait_expired(b);
    const char *verbs[] = {"confirm", "cancel", "confirm"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        json_t *o;
        long status = strcmp(verbs[i], "confirm") == 0 ? confirm(b, &o) : cancel(b, &o);
        assert_int_equal(status, 409);
        assert_string_equal(str(o, "result"), "hold_expired");
        assert_string_equal(str(o, "status"), "expired");
        assert_int_equal(time_of(o, "updated_at"), time_of(o, "expires_at"));
        json_decref(o);
    }
    int64_t as_of;
    assert_int_equal(booked_as_of(r, &as_of), 0);
}

/* ---- repeats, batches, bad input ---- */

static void repeat_with_another_hold_ms_or_none_is_409_booking_id_conflict(void **state)
{
    (void)state;
    char b[64], r[64], body[BODY_MAX];
    new_id(b, "b");
    new_id(r, "r");
    set_capacity(r, 5);
    assert_int_equal(hold(b, r, 1, HOLD_LONG_MS, NULL), 201);
    json_t *o;
    assert_int_equal(hold(b, r, 1, HOLD_LONG_MS + 1, &o), 409);
    assert_string_equal(str(o, "reason"), "booking_id_conflict");
    json_decref(o);
    snprintf(body, sizeof body, "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1}", b, r);
    assert_int_equal(call("POST", "/v1/bookings", body, &o), 409);
    assert_string_equal(str(o, "reason"), "booking_id_conflict");
    json_decref(o);
    int64_t as_of;
    assert_int_equal(booked_as_of(r, &as_of), 1);
}

static void batch_with_holds_answers_each_attempt_its_status_and_expires_at(void **state)
{
    (void)state;
    char a[64], b[64], c[64], r[64], body[1024];
    new_id(a, "b");
    new_id(b, "b");
    new_id(c, "b");
    new_id(r, "r");
    set_capacity(r, 3);
    snprintf(body, sizeof body,
             "{\"attempts\":[{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1,\"hold_ms\":%d},"
             "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1},"
             "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":2,\"hold_ms\":%d},"
             "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1,\"hold_ms\":%d}]}",
             a, r, HOLD_LONG_MS, b, r, c, r, HOLD_LONG_MS, a, r, HOLD_LONG_MS);
    json_t *o;
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &o), 200);
    json_t *list = json_object_get(o, "outcomes");
    assert_int_equal(json_array_size(list), 4);
    int64_t expires_at = assert_new_hold(json_array_get(list, 0), a, 1);
    assert_string_equal(str(json_array_get(list, 1), "status"), "active");
    assert_null(json_object_get(json_array_get(list, 1), "expires_at"));
    assert_string_equal(str(json_array_get(list, 2), "reason"), "insufficient_capacity");
    assert_null(json_object_get(json_array_get(list, 2), "expires_at"));
    /* A repeat inside the batch replays its first occurrence. */
    json_t *again = json_array_get(list, 3);
    assert_true(json_is_true(json_object_get(again, "replayed")));
    assert_string_equal(str(again, "status"), "held");
    assert_int_equal(time_of(again, "expires_at"), expires_at);
    json_decref(o);
    int64_t as_of;
    assert_int_equal(booked_as_of(r, &as_of), 2);
}

static void hold_ms_0_over_7_days_a_string_or_a_float_is_400_and_changes_nothing(void **state)
{
    (void)state;
    char b[64], r[64], body[BODY_MAX];
    new_id(b, "b");
    new_id(r, "r");
    set_capacity(r, 5);
    const char *bad[] = {"0", "604800001", "\"100\"", "1.5", "300.0", "-1", "null", "true"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o;
        snprintf(body, sizeof body,
                 "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1,\"hold_ms\":%s}", b, r,
                 bad[i]);
        assert_int_equal(call("POST", "/v1/bookings", body, &o), 400);
        assert_string_equal(str(o, "error"), "invalid_request");
        assert_non_null(strstr(str(o, "detail"), "hold_ms"));
        json_decref(o);
        snprintf(body, sizeof body,
                 "{\"attempts\":[{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1},"
                 "{\"booking_id\":\"%s-2\",\"resource_id\":\"%s\",\"units\":1,\"hold_ms\":%s}]}",
                 b, r, b, r, bad[i]);
        assert_int_equal(call("POST", "/v1/bookings/batch", body, &o), 400);
        assert_non_null(strstr(str(o, "detail"), "attempts[1]: 'hold_ms'"));
        json_decref(o);
    }
    /* Nothing of it was decided: the id is still unknown, the resource untouched. */
    assert_int_equal(get_booking(b, NULL), 404);
    int64_t as_of;
    assert_int_equal(booked_as_of(r, &as_of), 0);
    /* The limits themselves are taken. */
    assert_int_equal(hold(b, r, 1, 1, NULL), 201);
    char b2[64];
    new_id(b2, "b");
    assert_int_equal(hold(b2, r, 1, 604800000, NULL), 201);
}

static void confirm_of_an_unknown_id_is_404_of_a_rejected_record_409_not_booked_of_a_bad_id_400(
    void **state)
{
    (void)state;
    char b[64], r[64], body[BODY_MAX];
    new_id(b, "b");
    new_id(r, "r");
    json_t *o;
    assert_int_equal(confirm(b, &o), 404);
    assert_string_equal(str(o, "error"), "unknown_booking");
    json_decref(o);
    set_capacity(r, 1);
    snprintf(body, sizeof body, "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":2}", b, r);
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 409);
    assert_int_equal(confirm(b, &o), 409);
    assert_string_equal(str(o, "result"), "not_booked");
    assert_string_equal(str(o, "outcome"), "REJECTED");
    assert_string_equal(str(o, "status"), "none");
    json_decref(o);
    assert_int_equal(call("POST", "/v1/bookings/bad%20id/confirm", NULL, &o), 400);
    assert_string_equal(str(o, "error"), "invalid_request");
    json_decref(o);
    /* A booking made without a hold is active already. */
    char a[64];
    new_id(a, "b");
    set_capacity(r, 2);
    snprintf(body, sizeof body, "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1}", a, r);
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201);
    assert_int_equal(confirm(a, &o), 200);
    assert_string_equal(str(o, "result"), "already_confirmed");
    json_decref(o);
}

static void confirm_path_answers_405_with_allow_post_to_other_methods_and_404_past_it(
    void **state)
{
    (void)state;
    const char *methods[] = {"GET", "PUT", "DELETE", "PATCH"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char url[HTTP_URL_MAX];
        http_url(&server, "/v1/bookings/x1/confirm", url, sizeof url);
        http_response resp;
        assert_int_equal(http_do(&client, methods[i], url, NULL, 0, &resp), CURLE_OK);
        assert_int_equal(resp.status, 405);
        char allow[64];
        assert_non_null(http_header(&resp, "Allow", allow, sizeof allow));
        assert_string_equal(allow, "POST");
        http_response_free(&resp);
    }
    assert_int_equal(call("POST", "/v1/bookings/x1/confirm/more", NULL, NULL), 404);
    assert_int_equal(call("POST", "/v1/bookings//confirm", NULL, NULL), 404);
    assert_int_equal(call("POST", "/v1/bookings/x1/confirmed", NULL, NULL), 404);
}

/* ---- metrics ---- */

static long long metric(http_client *c, const test_server *s, const char *name)
{
    char url[HTTP_URL_MAX];
    http_url(s, "/metrics", url, sizeof url);
    http_response r;
    assert_int_equal(http_do(c, "GET", url, NULL, 0, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\n%s ", name);
    const char *p = strstr(r.body, pattern);
    char type[160];
    snprintf(type, sizeof type, "# TYPE %s counter\n", name);
    assert_non_null(strstr(r.body, type));
    long long v = p != NULL ? atoll(p + strlen(pattern)) : -1;
    http_response_free(&r);
    return v;
}

static void metrics_count_holds_created_confirmed_cancelled_and_expired(void **state)
{
    (void)state;
    test_server own; /* its own process: the counts start from zero */
    assert_int_equal(test_server_start(&own, "memory:", NULL), 0);
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    const char *names[] = {"booking_holds_created_total", "booking_holds_confirmed_total",
                           "booking_holds_cancelled_total", "booking_holds_expired_total"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(metric(&c, &own, names[i]), 0);
    set_capacity_on(&c, &own, "m", 10);
    assert_int_equal(hold_on(&c, &own, "m-confirmed", "m", 1, HOLD_LONG_MS, NULL), 201);
    assert_int_equal(hold_on(&c, &own, "m-cancelled", "m", 1, HOLD_LONG_MS, NULL), 201);
    assert_int_equal(hold_on(&c, &own, "m-expired", "m", 1, HOLD_SHORT_MS, NULL), 201);
    assert_int_equal(hold_on(&c, &own, "m-confirmed", "m", 1, HOLD_LONG_MS, NULL), 200);
    assert_int_equal(call_on(&c, &own, "POST", "/v1/bookings/m-confirmed/confirm", NULL, NULL), 200);
    assert_int_equal(call_on(&c, &own, "POST", "/v1/bookings/m-confirmed/confirm", NULL, NULL), 200);
    assert_int_equal(call_on(&c, &own, "DELETE", "/v1/bookings/m-cancelled", NULL, NULL), 200);
    assert_int_equal(call_on(&c, &own, "DELETE", "/v1/bookings/m-cancelled", NULL, NULL), 200);
    assert_int_equal(call_on(&c, &own, "POST", "/v1/bookings",
                             "{\"booking_id\":\"m-active\",\"resource_id\":\"m\",\"units\":1}", NULL),
                     201);
    assert_int_equal(call_on(&c, &own, "DELETE", "/v1/bookings/m-active", NULL, NULL), 200);
    assert_int_equal(metric(&c, &own, "booking_holds_created_total"), 3); /* not the replay */
    assert_int_equal(metric(&c, &own, "booking_holds_confirmed_total"), 1);
    assert_int_equal(metric(&c, &own, "booking_holds_cancelled_total"), 1);
    /* The expiry is counted once the store has applied it: at an operation on the
     * resource from expires_at on (memory: sweeps under the resource's lock). */
    long long expired = 0;
    for (long waited = 0; waited <= EXPIRY_WAIT_MS && expired == 0; waited += POLL_MS) {
        sleep_ms(POLL_MS);
        assert_int_equal(call_on(&c, &own, "GET", "/v1/resources/m", NULL, NULL), 200);
        expired = metric(&c, &own, "booking_holds_expired_total");
    }
    assert_int_equal(expired, 1);
    assert_int_equal(call_on(&c, &own, "POST", "/v1/bookings/m-expired/confirm", NULL, NULL), 409);
    assert_int_equal(call_on(&c, &own, "GET", "/v1/resources/m", NULL, NULL), 200);
    assert_int_equal(metric(&c, &own, "booking_holds_expired_total"), 1); /* exactly once */
    assert_int_equal(metric(&c, &own, "booking_holds_confirmed_total"), 1);
    http_client_cleanup(&c);
    test_server_stop(&own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hold_then_confirm_makes_it_active_for_good_and_a_repeat_is_already_confirmed),
        cmocka_unit_test(
            hold_then_cancel_releases_its_units_and_a_confirm_after_it_is_409_already_cancelled),
        cmocka_unit_test(hold_counts_in_booked_until_expires_at_and_not_from_then_on),
        cmocka_unit_test(replay_of_an_expired_hold_is_200_booked_status_expired_replayed_true),
        cmocka_unit_test(
            confirm_or_cancel_of_an_expired_hold_is_409_hold_expired_and_changes_nothing),
        cmocka_unit_test(repeat_with_another_hold_ms_or_none_is_409_booking_id_conflict),
        cmocka_unit_test(batch_with_holds_answers_each_attempt_its_status_and_expires_at),
        cmocka_unit_test(hold_ms_0_over_7_days_a_string_or_a_float_is_400_and_changes_nothing),
        cmocka_unit_test(
            confirm_of_an_unknown_id_is_404_of_a_rejected_record_409_not_booked_of_a_bad_id_400),
        cmocka_unit_test(
            confirm_path_answers_405_with_allow_post_to_other_methods_and_404_past_it),
        cmocka_unit_test(metrics_count_holds_created_confirmed_cancelled_and_expired),
    };
    return cmocka_run_group_tests(tests, group_setup, http_suite_teardown);
}
