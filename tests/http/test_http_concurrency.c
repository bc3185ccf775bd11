/* SPDX-License-Identifier: MIT */
/*
 * test_http_concurrency.c: SPEC section 1's invariant and replay rules over HTTP,
 * under 16 client threads that race on a few resources, replay each other's
 * booking ids and send conflicting repeats, through both attempt endpoints.
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

#include <cmocka.h>

#define THREADS 16
#define REQUESTS_PER_THREAD 48
#define BATCH_SIZE 4
#define ID_POOL 256       /* booking ids shared by every thread: most get replayed */
#define RESOURCES 3
#define CAPACITY 60       /* well under the demand, so REJECTED happens too */
#define ANSWERS_MAX (THREADS * REQUESTS_PER_THREAD * BATCH_SIZE)

typedef struct answer {
    int id;          /* index in the pool */
    int resource;
    int units;
    long status;     /* HTTP status (200 for every outcome of a batch) */
    char outcome[16];
    char reason[32];
    bool replayed;
    bool batch;
} answer;

static test_server server;
static http_suite suite = {.server = &server};
static answer answers[ANSWERS_MAX];
static size_t answer_count;
static pthread_mutex_t answers_lock = PTHREAD_MUTEX_INITIALIZER;
static int transport_errors;

/* The canonical attempt of pool id k; a conflicting repeat changes the units. */
static int id_resource(int k) { return k % RESOURCES; }
static int id_units(int k) { return 1 + k % 3; }

static void record(const answer *a)
{
    pthread_mutex_lock(&answers_lock);
    if (answer_count < ANSWERS_MAX)
        answers[answer_count++] = *a;
    pthread_mutex_unlock(&answers_lock);
}

static bool parse_outcome(json_t *o, answer *a)
{
    json_t *out = json_object_get(o, "outcome");
    json_t *reason = json_object_get(o, "reason");
    json_t *replayed = json_object_get(o, "replayed");
    if (!json_is_string(out) || !json_is_string(reason) || !json_is_boolean(replayed))
        return false;
    snprintf(a->outcome, sizeof a->outcome, "%s", json_string_value(out));
    snprintf(a->reason, sizeof a->reason, "%s", json_string_value(reason));
    a->replayed = json_is_true(replayed);
    return true;
}

typedef struct worker_arg {
    unsigned seed;
    bool use_batch;
} worker_arg;

static void pick(unsigned *seed, answer *a, json_t *list)
{
    a->id = (int)(rand_r(seed) % ID_POOL);
    a->resource = id_resource(a->id);
    a->units = id_units(a->id);
    if (rand_r(seed) % 8 == 0)
        a->units += 1; /* a conflicting repeat: same id, other units */
    char b[32], r[32];
    snprintf(b, sizeof b, "c-%d", a->id);
    snprintf(r, sizeof r, "cr-%d", a->resource);
    json_array_append_new(list, json_pack("{s:s, s:s, s:i}", "booking_id", b, "resource_id", r,
                                          "units", a->units));
}

static void *worker(void *p)
{
    worker_arg *arg = p;
    http_client c;
    if (http_client_init(&c) != 0)
        return NULL;
    char single_url[HTTP_URL_MAX], batch_url[HTTP_URL_MAX];
    http_url(&server, "/v1/bookings", single_url, sizeof single_url);
    http_url(&server, "/v1/bookings/batch", batch_url, sizeof batch_url);
    for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
        answer sent[BATCH_SIZE];
        json_t *list = json_array();
        int n = arg->use_batch ? BATCH_SIZE : 1;
        for (int j = 0; j < n; j++)
            pick(&arg->seed, &sent[j], list);
        json_t *doc = arg->use_batch ? json_pack("{s:o}", "attempts", list)
                                     : json_incref(json_array_get(list, 0));
        if (!arg->use_batch)
            json_decref(list);
        char *body = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        http_response r;
        CURLcode rc = http_do(&c, "POST", arg->use_batch ? batch_url : single_url, body,
                              strlen(body), &r);
        free(body);
        json_t *o = rc == CURLE_OK ? http_json(&r) : NULL;
        if (o == NULL) {
            __atomic_fetch_add(&transport_errors, 1, __ATOMIC_RELAXED);
        } else if (arg->use_batch) {
            json_t *outcomes = json_object_get(o, "outcomes");
            for (int j = 0; j < n; j++) {
                sent[j].status = r.status;
                sent[j].batch = true;
                if (json_array_size(outcomes) != (size_t)n ||
                    !parse_outcome(json_array_get(outcomes, (size_t)j), &sent[j]))
                    snprintf(sent[j].outcome, sizeof sent[j].outcome, "garbled");
                record(&sent[j]);
            }
        } else {
            sent[0].status = r.status;
            if (!parse_outcome(o, &sent[0]))
                snprintf(sent[0].outcome, sizeof sent[0].outcome, "garbled");
            record(&sent[0]);
        }
        json_decref(o);
        http_response_free(&r);
    }
    http_client_cleanup(&c);
    return NULL;
}

static long get_json(http_client *c, const char *path, json_t **o)
{
    char url[HTTP_URL_MAX];
    http_url(&server, path, url, sizeof url);
    http_response r;
    assert_int_equal(http_do(c, "GET", url, NULL, 0, &r), CURLE_OK);
    *o = http_json(&r);
    long status = r.status;
    http_response_free(&r);
    return status;
}

static void invariant_and_replay_consistency_hold_under_16_http_clients(void **state)
{
    (void)state;
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    for (int k = 0; k < RESOURCES; k++) {
        char url[HTTP_URL_MAX], path[64], body[64];
        snprintf(path, sizeof path, "/v1/resources/cr-%d", k);
        snprintf(body, sizeof body, "{\"capacity\":%d}", CAPACITY);
        http_url(&server, path, url, sizeof url);
        http_response r;
        assert_int_equal(http_do(&c, "PUT", url, body, strlen(body), &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        http_response_free(&r);
    }

    pthread_t threads[THREADS];
    worker_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (worker_arg){.seed = 7919u * (unsigned)(t + 1), .use_batch = t % 4 == 0};
        assert_int_equal(pthread_create(&threads[t], NULL, worker, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    assert_int_equal(transport_errors, 0);
    assert_true(answer_count > 0);

    /* The stored decision of every pool id. */
    static struct {
        bool decided;
        char outcome[16];
        char status[16];
        int units;
        int resource;
        int fresh_answers; /* answers with replayed=false that match the record */
    } rec[ID_POOL];
    long long booked_sum[RESOURCES] = {0};
    for (int k = 0; k < ID_POOL; k++) {
        char path[64];
        snprintf(path, sizeof path, "/v1/bookings/c-%d", k);
        json_t *o;
        long status = get_json(&c, path, &o);
        assert_true(status == 200 || status == 404);
        if (status == 200) {
            rec[k].decided = true;
            snprintf(rec[k].outcome, sizeof rec[k].outcome, "%s",
                     json_string_value(json_object_get(o, "outcome")));
            snprintf(rec[k].status, sizeof rec[k].status, "%s",
                     json_string_value(json_object_get(o, "status")));
            rec[k].units = (int)json_integer_value(json_object_get(o, "units"));
            const char *res = json_string_value(json_object_get(o, "resource_id"));
            assert_non_null(res);
            rec[k].resource = atoi(res + 3);
            if (strcmp(rec[k].outcome, "BOOKED") == 0 && strcmp(rec[k].status, "active") == 0)
                booked_sum[rec[k].resource] += rec[k].units;
        }
        json_decref(o);
    }

    /* Every answer agrees with the stored decision of its id. */
    int replays = 0, conflicts = 0, rejected = 0;
    for (size_t i = 0; i < answer_count; i++) {
        const answer *a = &answers[i];
        replays += a->replayed;
        conflicts += strcmp(a->reason, "booking_id_conflict") == 0;
        rejected += strcmp(a->reason, "insufficient_capacity") == 0;
        if (!rec[a->id].decided)
            fail_msg("c-%d was answered %s but has no record", a->id, a->outcome);
        bool same = a->units == rec[a->id].units && a->resource == rec[a->id].resource;
        if (same) {
            if (strcmp(a->outcome, rec[a->id].outcome) != 0)
                fail_msg("c-%d answered %s/%s, recorded %s", a->id, a->outcome, a->reason,
                         rec[a->id].outcome);
            if (!a->replayed)
                rec[a->id].fresh_answers++;
        } else if (strcmp(a->outcome, "REJECTED") != 0 ||
                   strcmp(a->reason, "booking_id_conflict") != 0 || a->replayed) {
            fail_msg("c-%d with other units answered %s/%s", a->id, a->outcome, a->reason);
        }
        long want = 200;
        if (!a->batch) {
            if (strcmp(a->outcome, "BOOKED") == 0)
                want = a->replayed ? 200 : 201;
            else
                want = 409;
        }
        if (a->status != want)
            fail_msg("c-%d: %s answered with HTTP %ld", a->id, a->outcome, a->status);
    }
    /* The race really had replays, conflicting repeats and refusals in it. */
    assert_true(replays > 0);
    assert_true(conflicts > 0);
    assert_true(rejected > 0);
    /* Decided exactly once: every record came from one fresh (replayed=false) answer. */
    for (int k = 0; k < ID_POOL; k++) {
        if (rec[k].decided && rec[k].fresh_answers != 1)
            fail_msg("c-%d was decided %d times", k, rec[k].fresh_answers);
    }
    /* The invariant: 0 <= booked <= capacity, booked = sum of active BOOKED units. */
    for (int k = 0; k < RESOURCES; k++) {
        char path[64];
        snprintf(path, sizeof path, "/v1/resources/cr-%d", k);
        json_t *o;
        assert_int_equal(get_json(&c, path, &o), 200);
        long long booked = json_integer_value(json_object_get(o, "booked"));
        assert_true(booked <= CAPACITY);
        assert_int_equal(booked, booked_sum[k]);
        json_decref(o);
    }
    http_client_cleanup(&c);
}

static int group_setup(void **state)
{
    *state = &suite;
    http_global_init();
    char url[700];
    snprintf(url, sizeof url, "sqlite:%s/concurrency.db", test_tmpdir());
    return test_server_start(&server, url, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invariant_and_replay_consistency_hold_under_16_http_clients),
    };
    return cmocka_run_group_tests(tests, group_setup, http_suite_teardown);
}
