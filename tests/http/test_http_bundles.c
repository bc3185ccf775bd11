/* SPDX-License-Identifier: MIT */
/*
 * test_http_bundles.c: bundles over HTTP (SPEC sections 5 and 8) through a real
 * `booking serve --store memory:`: "lines" on POST /v1/bookings and in batches,
 * the answers' lines and line, replays, the record's lines and line_count, a
 * bundle's confirm and cancel, and the bad bodies that are 400 and change nothing.
 * Each test uses resources of its own, so the tests do not depend on each other.
 * With the argument "sqlite" the same tests run on a fresh sqlite: file (durable
 * bundles through group commit); without, on memory:.
 */
#include "http/http_support.h"
#include "support/test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define BODY_MAX 16384

static test_server server;
static http_client client;
static http_suite suite = {.server = &server, .client = &client};
static char store_url[700] = "memory:";

static int group_setup(void **state)
{
    *state = &suite;
    http_global_init();
    if (test_server_start(&server, store_url, NULL) != 0)
        return -1;
    return http_client_init(&client);
}

/* One request; returns the status, *json the parsed body (if json not NULL). */
static long call(const char *method, const char *path, const char *body, json_t **json)
{
    char url[HTTP_URL_MAX];
    http_url(&server, path, url, sizeof url);
    http_response r;
    assert_int_equal(http_do(&client, method, url, body, body != NULL ? strlen(body) : 0, &r),
                     CURLE_OK);
    if (json != NULL) {
        *json = http_json(&r);
        assert_non_null(*json);
    }
    long status = r.status;
    http_response_free(&r);
    return status;
}

static void set_capacity(const char *resource, unsigned long long capacity)
{
    char path[256], body[64];
    snprintf(path, sizeof path, "/v1/resources/%s", resource);
    snprintf(body, sizeof body, "{\"capacity\":%llu}", capacity);
    assert_int_equal(call("PUT", path, body, NULL), 200);
}

static long long booked_of(const char *resource)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/resources/%s", resource);
    json_t *j;
    assert_int_equal(call("GET", path, NULL, &j), 200);
    long long booked = json_integer_value(json_object_get(j, "booked"));
    json_decref(j);
    return booked;
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("'%s' is not a string", key);
    return json_string_value(v);
}

static long long num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("'%s' is not an integer", key);
    return json_integer_value(v);
}

/* The object's keys are exactly the space-separated names in keys. */
static void assert_keys(json_t *o, const char *keys)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", keys);
    size_t want = 0;
    for (char *save, *k = strtok_r(copy, " ", &save); k != NULL; k = strtok_r(NULL, " ", &save)) {
        if (json_object_get(o, k) == NULL)
            fail_msg("no '%s'", k);
        want++;
    }
    assert_int_equal(json_object_size(o), want);
}

/* The body's "lines" equal the text want (compact JSON of the array). */
static void assert_lines(json_t *o, const char *want)
{
    char *got = json_dumps(json_object_get(o, "lines"), JSON_COMPACT);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* A two-night stay on resources P:1 and P:2 (1 unit each), as a body. */
static void stay_body(char *out, size_t cap, const char *booking, const char *prefix,
                      const char *extra)
{
    snprintf(out, cap,
             "{\"booking_id\":\"%s\",\"lines\":[{\"resource_id\":\"%s:1\",\"units\":1},"
             "{\"resource_id\":\"%s:2\",\"units\":1}]%s}",
             booking, prefix, prefix, extra);
}

static void two_nights(const char *prefix, unsigned long long first, unsigned long long second)
{
    char id[64];
    snprintf(id, sizeof id, "%s:1", prefix);
    set_capacity(id, first);
    snprintf(id, sizeof id, "%s:2", prefix);
    set_capacity(id, second);
}

static void a_bundle_that_fits_is_BOOKED_201_with_its_lines_and_reserves_every_line(void **state)
{
    (void)state;
    two_nights("fit", 2, 1);
    char body[BODY_MAX];
    stay_body(body, sizeof body, "fit-1", "fit", "");
    json_t *j;
    assert_int_equal(call("POST", "/v1/bookings", body, &j), 201);
    assert_keys(j, "outcome reason booking_id lines replayed status");
    assert_string_equal(str(j, "outcome"), "BOOKED");
    assert_string_equal(str(j, "reason"), "booked");
    assert_string_equal(str(j, "status"), "active");
    assert_lines(j, "[{\"resource_id\":\"fit:1\",\"units\":1},{\"resource_id\":\"fit:2\",\"units\":1}]");
    assert_true(json_is_false(json_object_get(j, "replayed")));
    json_decref(j);
    assert_int_equal(booked_of("fit:1"), 1);
    assert_int_equal(booked_of("fit:2"), 1);
}

static void a_bundle_short_on_a_line_is_REJECTED_409_with_that_line_and_reserves_nothing(
    void **state)
{
    (void)state;
    two_nights("short", 1, 1);
    /* Three lines; the second and the third are short: the answer names the second. */
    set_capacity("short:3", 0);
    char body[BODY_MAX];
    stay_body(body, sizeof body, "short-0", "short", "");
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201); /* fills both nights */
    set_capacity("short:1", 5);
    snprintf(body, sizeof body,
             "{\"booking_id\":\"short-1\",\"lines\":[{\"resource_id\":\"short:1\",\"units\":1},"
             "{\"resource_id\":\"short:2\",\"units\":1},{\"resource_id\":\"short:3\",\"units\":1}]}");
    json_t *j;
    assert_int_equal(call("POST", "/v1/bookings", body, &j), 409);
    assert_keys(j, "outcome reason booking_id lines line replayed");
    assert_string_equal(str(j, "outcome"), "REJECTED");
    assert_string_equal(str(j, "reason"), "insufficient_capacity");
    assert_int_equal(num(j, "line"), 1);
    json_decref(j);
    assert_int_equal(booked_of("short:1"), 1); /* the line that fitted was not reserved */
    /* The decision is recorded with its line: a replay gets it even with room now. */
    set_capacity("short:2", 5);
    set_capacity("short:3", 5);
    assert_int_equal(call("POST", "/v1/bookings", body, &j), 409);
    assert_string_equal(str(j, "reason"), "insufficient_capacity");
    assert_int_equal(num(j, "line"), 1);
    assert_true(json_is_true(json_object_get(j, "replayed")));
    json_decref(j);
    assert_int_equal(call("GET", "/v1/bookings/short-1", NULL, &j), 200);
    assert_int_equal(num(j, "line"), 1);
    assert_int_equal(num(j, "line_count"), 3);
    assert_string_equal(str(j, "status"), "none");
    json_decref(j);
}

static void a_bundle_naming_an_unknown_resource_is_404_unknown_resource_with_its_line(
    void **state)
{
    (void)state;
    set_capacity("unk:1", 5);
    char body[BODY_MAX];
    stay_body(body, sizeof body, "unk-1", "unk", "");
    json_t *j;
    assert_int_equal(call("POST", "/v1/bookings", body, &j), 404);
    assert_keys(j, "outcome reason booking_id lines line replayed");
    assert_string_equal(str(j, "reason"), "unknown_resource");
    assert_int_equal(num(j, "line"), 1);
    json_decref(j);
    assert_int_equal(booked_of("unk:1"), 0);
    /* Not recorded: once the resource exists, the same booking_id books. */
    assert_int_equal(call("GET", "/v1/bookings/unk-1", NULL, NULL), 404);
    set_capacity("unk:2", 5);
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201);
}

static void a_replayed_bundle_is_200_replayed_and_reserves_nothing_more(void **state)
{
    (void)state;
    two_nights("rep", 5, 5);
    char body[BODY_MAX];
    stay_body(body, sizeof body, "rep-1", "rep", ",\"hold_ms\":600000");
    json_t *j;
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201);
    assert_int_equal(call("POST", "/v1/bookings", body, &j), 200);
    assert_keys(j, "outcome reason booking_id lines replayed status expires_at");
    assert_string_equal(str(j, "outcome"), "BOOKED");
    assert_string_equal(str(j, "status"), "held");
    assert_true(json_is_true(json_object_get(j, "replayed")));
    json_decref(j);
    assert_int_equal(booked_of("rep:1"), 1);
    assert_int_equal(booked_of("rep:2"), 1);
}

static void a_replay_with_the_lines_reordered_or_changed_is_409_booking_id_conflict(void **state)
{
    (void)state;
    two_nights("ord", 5, 5);
    char body[BODY_MAX];
    stay_body(body, sizeof body, "ord-1", "ord", "");
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201);
    const char *repeats[] = {
        /* the same lines, the other order */
        "{\"booking_id\":\"ord-1\",\"lines\":[{\"resource_id\":\"ord:2\",\"units\":1},"
        "{\"resource_id\":\"ord:1\",\"units\":1}]}",
        /* one line fewer, and the single form of line 0 */
        "{\"booking_id\":\"ord-1\",\"lines\":[{\"resource_id\":\"ord:1\",\"units\":1}]}",
        "{\"booking_id\":\"ord-1\",\"resource_id\":\"ord:1\",\"units\":1}",
        /* other units, and a hold where there was none */
        "{\"booking_id\":\"ord-1\",\"lines\":[{\"resource_id\":\"ord:1\",\"units\":1},"
        "{\"resource_id\":\"ord:2\",\"units\":2}]}",
        "{\"booking_id\":\"ord-1\",\"lines\":[{\"resource_id\":\"ord:1\",\"units\":1},"
        "{\"resource_id\":\"ord:2\",\"units\":1}],\"hold_ms\":1000}",
    };
    for (size_t i = 0; i < sizeof repeats / sizeof repeats[0]; i++) {
        json_t *j;
        assert_int_equal(call("POST", "/v1/bookings", repeats[i], &j), 409);
        assert_string_equal(str(j, "reason"), "booking_id_conflict");
        assert_null(json_object_get(j, "line")); /* a conflict is not about a line */
        json_decref(j);
    }
    assert_int_equal(booked_of("ord:1"), 1);
    assert_int_equal(booked_of("ord:2"), 1);
}

static void the_record_of_a_bundle_has_its_lines_in_order_and_line_count(void **state)
{
    (void)state;
    two_nights("rec", 5, 5);
    char body[BODY_MAX];
    snprintf(body, sizeof body,
             "{\"booking_id\":\"rec-1\",\"lines\":[{\"resource_id\":\"rec:2\",\"units\":3},"
             "{\"resource_id\":\"rec:1\",\"units\":2}]}");
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201);
    json_t *j;
    assert_int_equal(call("GET", "/v1/bookings/rec-1", NULL, &j), 200);
    assert_keys(j, "booking_id lines line_count outcome reason status created_at updated_at");
    assert_lines(j, "[{\"resource_id\":\"rec:2\",\"units\":3},{\"resource_id\":\"rec:1\",\"units\":2}]");
    assert_int_equal(num(j, "line_count"), 2);
    json_decref(j);
    /* A single attempt's record keeps its fields and has its one line too. */
    assert_int_equal(call("POST", "/v1/bookings",
                          "{\"booking_id\":\"rec-2\",\"resource_id\":\"rec:1\",\"units\":1}", NULL),
                     201);
    assert_int_equal(call("GET", "/v1/bookings/rec-2", NULL, &j), 200);
    assert_keys(j, "booking_id resource_id units lines line_count outcome reason status "
                   "created_at updated_at");
    assert_string_equal(str(j, "resource_id"), "rec:1");
    assert_int_equal(num(j, "units"), 1);
    assert_lines(j, "[{\"resource_id\":\"rec:1\",\"units\":1}]");
    assert_int_equal(num(j, "line_count"), 1);
    json_decref(j);
}

static void confirm_and_cancel_of_a_bundle_answer_with_its_lines_and_apply_to_every_line(
    void **state)
{
    (void)state;
    two_nights("chg", 1, 1);
    char body[BODY_MAX];
    stay_body(body, sizeof body, "chg-1", "chg", ",\"hold_ms\":600000");
    assert_int_equal(call("POST", "/v1/bookings", body, NULL), 201);
    const char *want = "[{\"resource_id\":\"chg:1\",\"units\":1},{\"resource_id\":\"chg:2\",\"units\":1}]";
    json_t *j;
    assert_int_equal(call("POST", "/v1/bookings/chg-1/confirm", NULL, &j), 200);
    assert_string_equal(str(j, "result"), "confirmed");
    assert_string_equal(str(j, "status"), "active");
    assert_lines(j, want);
    assert_int_equal(num(j, "line_count"), 2);
    assert_null(json_object_get(j, "resource_id"));
    json_decref(j);
    assert_int_equal(call("DELETE", "/v1/bookings/chg-1", NULL, &j), 200);
    assert_string_equal(str(j, "result"), "cancelled");
    assert_lines(j, want);
    json_decref(j);
    assert_int_equal(booked_of("chg:1"), 0);
    assert_int_equal(booked_of("chg:2"), 0);
    assert_int_equal(call("DELETE", "/v1/bookings/chg-1", NULL, &j), 200);
    assert_string_equal(str(j, "result"), "already_cancelled");
    assert_lines(j, want);
    json_decref(j);
}

static void a_batch_mixing_bundles_and_single_attempts_answers_each_in_its_own_form(void **state)
{
    (void)state;
    two_nights("mix", 1, 2);
    const char *body =
        "{\"attempts\":["
        "{\"booking_id\":\"mix-1\",\"lines\":[{\"resource_id\":\"mix:1\",\"units\":1},"
        "{\"resource_id\":\"mix:2\",\"units\":1}]},"
        "{\"booking_id\":\"mix-2\",\"resource_id\":\"mix:2\",\"units\":1},"
        "{\"booking_id\":\"mix-3\",\"lines\":[{\"resource_id\":\"mix:2\",\"units\":1},"
        "{\"resource_id\":\"mix:1\",\"units\":1}]},"
        "{\"booking_id\":\"mix-4\",\"resource_id\":\"mix:2\",\"units\":1}]}";
    json_t *j;
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &j), 200);
    json_t *out = json_object_get(j, "outcomes");
    assert_int_equal(json_array_size(out), 4);
    json_t *o = json_array_get(out, 0);
    assert_keys(o, "outcome reason booking_id lines replayed status");
    assert_string_equal(str(o, "outcome"), "BOOKED");
    o = json_array_get(out, 1);
    assert_keys(o, "outcome reason booking_id resource_id units replayed status");
    assert_string_equal(str(o, "outcome"), "BOOKED");
    /* Decided in order: both nights of mix:2 are gone and mix:1 too. mix-3's
     * first line (mix:2) is the lowest that fails. */
    o = json_array_get(out, 2);
    assert_keys(o, "outcome reason booking_id lines line replayed");
    assert_string_equal(str(o, "reason"), "insufficient_capacity");
    assert_int_equal(num(o, "line"), 0);
    o = json_array_get(out, 3);
    assert_keys(o, "outcome reason booking_id resource_id units replayed");
    assert_string_equal(str(o, "reason"), "insufficient_capacity");
    json_decref(j);
    assert_int_equal(booked_of("mix:1"), 1);
    assert_int_equal(booked_of("mix:2"), 2);
}

/* "lines" of n lines on resources bad:0 .. bad:n-1, 1 unit each. */
static void lines_of(char *out, size_t cap, size_t n)
{
    size_t o = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s{\"resource_id\":\"bad:%zu\",\"units\":1}",
                              i > 0 ? "," : "", i);
    snprintf(out + o, cap - o, "]");
}

static void assert_400(const char *path, const char *body)
{
    json_t *j;
    long status = call("POST", path, body, &j);
    if (status != 400)
        fail_msg("%ld for %s", status, body);
    assert_string_equal(str(j, "error"), "invalid_request");
    json_decref(j);
}

static void each_bad_bundle_body_is_400_and_changes_nothing(void **state)
{
    (void)state;
    static char lines65[BODY_MAX], body[2 * BODY_MAX];
    for (int i = 0; i < 2; i++) {
        char id[32];
        snprintf(id, sizeof id, "bad:%d", i);
        set_capacity(id, 10);
    }
    lines_of(lines65, sizeof lines65, BOOKING_LINES_MAX + 1);
    const char *bodies[] = {
        /* both forms, and neither */
        "{\"booking_id\":\"x\",\"resource_id\":\"bad:0\",\"units\":1,"
        "\"lines\":[{\"resource_id\":\"bad:1\",\"units\":1}]}",
        "{\"booking_id\":\"x\"}",
        /* 0 lines; not an array */
        "{\"booking_id\":\"x\",\"lines\":[]}",
        "{\"booking_id\":\"x\",\"lines\":{\"resource_id\":\"bad:0\",\"units\":1}}",
        /* a line with units 0, a bad id, a duplicate key, an unknown field */
        "{\"booking_id\":\"x\",\"lines\":[{\"resource_id\":\"bad:0\",\"units\":0}]}",
        "{\"booking_id\":\"x\",\"lines\":[{\"resource_id\":\"bad 0\",\"units\":1}]}",
        "{\"booking_id\":\"x\",\"lines\":[{\"resource_id\":\"bad:0\",\"units\":1,\"units\":1}]}",
        "{\"booking_id\":\"x\",\"lines\":[{\"resource_id\":\"bad:0\",\"units\":1,\"hold_ms\":1}]}",
        /* a resource named twice */
        "{\"booking_id\":\"x\",\"lines\":[{\"resource_id\":\"bad:0\",\"units\":1},"
        "{\"resource_id\":\"bad:1\",\"units\":1},{\"resource_id\":\"bad:0\",\"units\":1}]}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        assert_400("/v1/bookings", bodies[i]);
        char batch[BODY_MAX];
        snprintf(batch, sizeof batch,
                 "{\"attempts\":[{\"booking_id\":\"y\",\"resource_id\":\"bad:0\",\"units\":1},%s]}",
                 bodies[i]);
        assert_400("/v1/bookings/batch", batch);
    }
    snprintf(body, sizeof body, "{\"booking_id\":\"x\",\"lines\":%s}", lines65);
    assert_400("/v1/bookings", body);
    /* Nothing was decided, nothing reserved. */
    assert_int_equal(call("GET", "/v1/bookings/x", NULL, NULL), 404);
    assert_int_equal(call("GET", "/v1/bookings/y", NULL, NULL), 404);
    assert_int_equal(booked_of("bad:0"), 0);
    assert_int_equal(booked_of("bad:1"), 0);
}

/* {"attempts": [...]}: `bundles` bundles of 64 lines on resources "00".."63" and
 * `singles` single attempts on "00", with short ids so that 65,537 lines fit 2 MiB. */
static char *batch_text(const char *prefix, size_t bundles, size_t singles)
{
    size_t cap = 2 * 1024 * 1024 + 1;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t o = (size_t)snprintf(out, cap, "{\"attempts\":[");
    for (size_t b = 0; b < bundles + singles; b++) {
        o += (size_t)snprintf(out + o, cap - o, "%s{\"booking_id\":\"%s%zx\",", b > 0 ? "," : "",
                              prefix, b);
        if (b >= bundles) {
            o += (size_t)snprintf(out + o, cap - o, "\"resource_id\":\"00\",\"units\":1}");
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "\"lines\":[");
        for (size_t i = 0; i < BOOKING_LINES_MAX; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s{\"resource_id\":\"%02zu\",\"units\":1}",
                                  i > 0 ? "," : "", i);
        o += (size_t)snprintf(out + o, cap - o, "]}");
        assert_true(o < cap - 64);
    }
    snprintf(out + o, cap - o, "]}");
    return out;
}

static void a_batch_of_65536_lines_is_decided_and_one_line_more_is_400(void **state)
{
    (void)state;
    for (size_t i = 0; i < BOOKING_LINES_MAX; i++) {
        char id[8];
        snprintf(id, sizeof id, "%02zu", i);
        set_capacity(id, 1000);
    }
    size_t full = BOOKING_BATCH_LINES_MAX / BOOKING_LINES_MAX;
    char *body = batch_text("o", full, 1); /* 65,537 lines */
    json_t *j;
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &j), 400);
    assert_non_null(strstr(str(j, "detail"), "at most 65536"));
    json_decref(j);
    free(body);
    assert_int_equal(booked_of("00"), 0);

    body = batch_text("f", full, 0); /* exactly 65,536 lines: one batch */
    assert_int_equal(call("POST", "/v1/bookings/batch", body, &j), 200);
    free(body);
    json_t *out = json_object_get(j, "outcomes");
    assert_int_equal(json_array_size(out), full);
    /* Capacity 1000 on every night: the first 1000 stays are BOOKED, the rest
     * REJECTED on their first line. */
    assert_string_equal(str(json_array_get(out, 999), "outcome"), "BOOKED");
    assert_string_equal(str(json_array_get(out, 1000), "reason"), "insufficient_capacity");
    assert_int_equal(num(json_array_get(out, 1000), "line"), 0);
    assert_int_equal(json_array_size(json_object_get(json_array_get(out, 0), "lines")),
                     BOOKING_LINES_MAX);
    json_decref(j);
    assert_int_equal(booked_of("63"), 1000);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sqlite") == 0)
        snprintf(store_url, sizeof store_url, "sqlite:%s/bundles.db", test_tmpdir());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_bundle_that_fits_is_BOOKED_201_with_its_lines_and_reserves_every_line),
        cmocka_unit_test(
            a_bundle_short_on_a_line_is_REJECTED_409_with_that_line_and_reserves_nothing),
        cmocka_unit_test(
            a_bundle_naming_an_unknown_resource_is_404_unknown_resource_with_its_line),
        cmocka_unit_test(a_replayed_bundle_is_200_replayed_and_reserves_nothing_more),
        cmocka_unit_test(a_replay_with_the_lines_reordered_or_changed_is_409_booking_id_conflict),
        cmocka_unit_test(the_record_of_a_bundle_has_its_lines_in_order_and_line_count),
        cmocka_unit_test(
            confirm_and_cancel_of_a_bundle_answer_with_its_lines_and_apply_to_every_line),
        cmocka_unit_test(a_batch_mixing_bundles_and_single_attempts_answers_each_in_its_own_form),
        cmocka_unit_test(each_bad_bundle_body_is_400_and_changes_nothing),
        cmocka_unit_test(a_batch_of_65536_lines_is_decided_and_one_line_more_is_400),
    };
    return cmocka_run_group_tests(tests, group_setup, http_suite_teardown);
}
