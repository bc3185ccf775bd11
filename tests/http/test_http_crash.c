/* SPDX-License-Identifier: MIT */
/*
 * test_http_crash.c: SPEC section 1 "Durable" and section 5's graceful stop, with
 * real processes: the server is killed with SIGKILL (or stopped with SIGTERM)
 * while client threads keep attempting, then restarted on the same SQLite file.
 */
#include "http/http_support.h"
#include "support/test_support.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#define CLIENTS 8
#define ATTEMPTS_MAX 20000    /* per client: a bound on the loop, not reached in practice */
#define RESOURCES 3
#define SMALL_CAPACITY 200    /* res-0 fills up early: REJECTED decisions */
#define LARGE_CAPACITY 1000000 /* the others still book when the stop comes */
#define LOAD_ANSWERS_BEFORE_STOP 1500 /* the stop comes once this many answers are in */
#define LOAD_WAIT_MAX_MS 20000

typedef enum ack {
    ACK_NONE = 0,     /* never answered (in flight at the kill, or refused) */
    ACK_BOOKED,
    ACK_REJECTED,
    ACK_FAILED,       /* 503 FAILED: nothing decided, may be retried */
} ack;

typedef struct client_log {
    int client;
    int sent;                      /* attempts c<client>-0 .. sent-1 were sent */
    unsigned char acks[ATTEMPTS_MAX];
    int answered_after_stop;       /* answers of any kind once the stop was asked */
    int refused;                   /* connection refused: the listener was closed */
    int dropped;                   /* connection closed with no answer */
    int bad_answers;               /* an answer that is not a well-formed outcome */
    unsigned seed;
} client_log;

static test_server server;
static client_log logs[CLIENTS];
static volatile int stop_asked;
static int answers_total; /* atomic: answers of every client */

static int resource_of(int client, int i) { return (client + i) % RESOURCES; }
static int units_of(int client, int i) { return 1 + (client * 7 + i) % 3; }
static long long capacity_of(int resource) { return resource == 0 ? SMALL_CAPACITY : LARGE_CAPACITY; }

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Classifies one answer; false when it is not a well-formed outcome. */
static bool classify(const http_response *r, ack *a)
{
    json_t *o = http_json(r);
    const char *outcome = json_string_value(json_object_get(o, "outcome"));
    bool ok = outcome != NULL;
    if (ok && strcmp(outcome, "BOOKED") == 0) {
        *a = ACK_BOOKED;
        ok = r->status == 201;
    } else if (ok && strcmp(outcome, "REJECTED") == 0) {
        *a = ACK_REJECTED;
        ok = r->status == 409;
    } else if (ok && strcmp(outcome, "FAILED") == 0) {
        *a = ACK_FAILED;
        char h[16];
        ok = r->status == 503 && http_header(r, "Retry-After", h, sizeof h) != NULL;
    } else {
        ok = false;
    }
    json_decref(o);
    return ok;
}

static void *client_main(void *p)
{
    client_log *log = p;
    http_client c;
    if (http_client_init(&c) != 0)
        return NULL;
    char url[HTTP_URL_MAX];
    http_url(&server, "/v1/bookings", url, sizeof url);
    int consecutive_errors = 0;
    for (int i = 0; i < ATTEMPTS_MAX && consecutive_errors < 3; i++) {
        char body[160];
        snprintf(body, sizeof body,
                 "{\"booking_id\":\"c%d-%d\",\"resource_id\":\"res-%d\",\"units\":%d}",
                 log->client, i, resource_of(log->client, i), units_of(log->client, i));
        log->sent = i + 1;
        http_response r;
        CURLcode rc = http_do(&c, "POST", url, body, strlen(body), &r);
        if (rc == CURLE_OK) {
            consecutive_errors = 0;
            ack a = ACK_NONE;
            if (!classify(&r, &a))
                log->bad_answers++;
            log->acks[i] = (unsigned char)a;
            __atomic_fetch_add(&answers_total, 1, __ATOMIC_RELAXED);
            if (__atomic_load_n(&stop_asked, __ATOMIC_ACQUIRE))
                log->answered_after_stop++; /* in flight when the stop came, or after */
        } else {
            consecutive_errors++;
            if (rc == CURLE_COULDNT_CONNECT)
                log->refused++;
            else
                log->dropped++;
        }
        http_response_free(&r);
    }
    http_client_cleanup(&c);
    return NULL;
}

static void start_load(void)
{
    __atomic_store_n(&stop_asked, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&answers_total, 0, __ATOMIC_RELAXED);
    memset(logs, 0, sizeof logs);
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    for (int k = 0; k < RESOURCES; k++) {
        char url[HTTP_URL_MAX], path[64], body[64];
        snprintf(path, sizeof path, "/v1/resources/res-%d", k);
        snprintf(body, sizeof body, "{\"capacity\":%lld}", capacity_of(k));
        http_url(&server, path, url, sizeof url);
        http_response r;
        assert_int_equal(http_do(&c, "PUT", url, body, strlen(body), &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        http_response_free(&r);
    }
    http_client_cleanup(&c);
}

/* Starts the clients and returns once the load is well under way. */
static void run_clients(pthread_t *threads)
{
    for (int t = 0; t < CLIENTS; t++) {
        logs[t].client = t;
        assert_int_equal(pthread_create(&threads[t], NULL, client_main, &logs[t]), 0);
    }
    for (int waited = 0; waited < LOAD_WAIT_MAX_MS &&
                         __atomic_load_n(&answers_total, __ATOMIC_RELAXED) < LOAD_ANSWERS_BEFORE_STOP;
         waited += 10)
        sleep_ms(10);
    assert_true(__atomic_load_n(&answers_total, __ATOMIC_RELAXED) >= LOAD_ANSWERS_BEFORE_STOP);
}

/* After a restart: every acknowledged decision is there, and for each resource
 * 0 <= booked <= capacity and booked = the sum of its active BOOKED records. */
static void check_durable_state(void)
{
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    long long sum[RESOURCES] = {0};
    int acked_booked = 0, acked_rejected = 0;
    for (int t = 0; t < CLIENTS; t++) {
        for (int i = 0; i < logs[t].sent; i++) {
            char url[HTTP_URL_MAX], path[64];
            snprintf(path, sizeof path, "/v1/bookings/c%d-%d", t, i);
            http_url(&server, path, url, sizeof url);
            http_response r;
            assert_int_equal(http_do(&c, "GET", url, NULL, 0, &r), CURLE_OK);
            json_t *o = http_json(&r);
            const char *outcome = json_string_value(json_object_get(o, "outcome"));
            const char *status = json_string_value(json_object_get(o, "status"));
            ack a = (ack)logs[t].acks[i];
            if (a == ACK_BOOKED) {
                acked_booked++;
                if (r.status != 200 || outcome == NULL || strcmp(outcome, "BOOKED") != 0)
                    fail_msg("acknowledged BOOKED c%d-%d is gone after the restart (%ld)", t, i,
                             r.status);
                assert_int_equal(json_integer_value(json_object_get(o, "units")), units_of(t, i));
            } else if (a == ACK_REJECTED) {
                acked_rejected++;
                if (r.status != 200 || outcome == NULL || strcmp(outcome, "REJECTED") != 0)
                    fail_msg("acknowledged REJECTED c%d-%d is gone after the restart", t, i);
            } else if (a == ACK_FAILED) {
                /* FAILED decided nothing. */
                if (r.status != 404)
                    fail_msg("c%d-%d answered FAILED but has a record", t, i);
            } else {
                /* Unanswered: decided or not, either is allowed (ambiguous). */
                assert_true(r.status == 200 || r.status == 404);
            }
            if (r.status == 200 && strcmp(outcome, "BOOKED") == 0 && strcmp(status, "active") == 0)
                sum[resource_of(t, i)] += units_of(t, i);
            json_decref(o);
            http_response_free(&r);
        }
    }
    assert_true(acked_booked > 0);
    assert_true(acked_rejected > 0);
    int sent = 0;
    for (int t = 0; t < CLIENTS; t++)
        sent += logs[t].sent;
    print_message("%d attempts sent, %d acknowledged BOOKED and %d REJECTED, all found after the "
                  "restart\n", sent, acked_booked, acked_rejected);
    for (int k = 0; k < RESOURCES; k++) {
        char url[HTTP_URL_MAX], path[64];
        snprintf(path, sizeof path, "/v1/resources/res-%d", k);
        http_url(&server, path, url, sizeof url);
        http_response r;
        assert_int_equal(http_do(&c, "GET", url, NULL, 0, &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        json_t *o = http_json(&r);
        long long booked = json_integer_value(json_object_get(o, "booked"));
        assert_true(booked >= 0 && booked <= capacity_of(k));
        assert_int_equal(booked, sum[k]);
        json_decref(o);
        http_response_free(&r);
    }
    http_client_cleanup(&c);
}

static void kill_9_under_load_keeps_every_acknowledged_decision(void **state)
{
    (void)state;
    char url[700];
    snprintf(url, sizeof url, "sqlite:%s/crash.db", test_tmpdir());
    assert_int_equal(test_server_start(&server, url, NULL), 0);
    start_load();
    pthread_t threads[CLIENTS];
    run_clients(threads);
    int status = 0;
    assert_int_equal(test_server_signal_wait(&server, SIGKILL, 5000, &status), 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    __atomic_store_n(&stop_asked, 1, __ATOMIC_RELEASE);
    for (int t = 0; t < CLIENTS; t++)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < CLIENTS; t++)
        assert_int_equal(logs[t].bad_answers, 0);

    assert_int_equal(test_server_start(&server, url, NULL), 0);
    check_durable_state();
    test_server_stop(&server);
}

static void sigterm_under_load_answers_or_refuses_every_request_and_exits_0(void **state)
{
    (void)state;
    char url[700];
    snprintf(url, sizeof url, "sqlite:%s/term.db", test_tmpdir());
    assert_int_equal(test_server_start(&server, url, NULL), 0);
    start_load();
    pthread_t threads[CLIENTS];
    run_clients(threads);
    __atomic_store_n(&stop_asked, 1, __ATOMIC_RELEASE);
    int status = 0;
    assert_int_equal(test_server_signal_wait(&server, SIGTERM, 15000, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    for (int t = 0; t < CLIENTS; t++)
        pthread_join(threads[t], NULL);
    int refused = 0, dropped = 0;
    for (int t = 0; t < CLIENTS; t++) {
        /* Every answer, also those during the drain, is a well-formed outcome. */
        assert_int_equal(logs[t].bad_answers, 0);
        refused += logs[t].refused;
        dropped += logs[t].dropped;
    }
    /* Every client ended on refusals once the listener closed, and no request that
     * reached the server was left without an answer. */
    assert_true(refused > 0);
    int after = 0;
    for (int t = 0; t < CLIENTS; t++)
        after += logs[t].answered_after_stop;
    print_message("after SIGTERM: %d answered, %d refused, %d cut off\n", after, refused, dropped);
    if (dropped > 0)
        fail_msg("%d requests were cut off without an answer", dropped);

    assert_int_equal(test_server_start(&server, url, NULL), 0);
    check_durable_state();
    test_server_stop(&server);
}

/* ---- the drain, step by step ---- */

typedef struct pending_attempt {
    const test_server *server;
    const char *body;
    long status;
} pending_attempt;

static void *post_attempt(void *p)
{
    pending_attempt *a = p;
    http_client c;
    if (http_client_init(&c) != 0)
        return NULL;
    char url[HTTP_URL_MAX];
    http_url(a->server, "/v1/bookings", url, sizeof url);
    http_response r;
    if (http_do(&c, "POST", url, a->body, strlen(a->body), &r) == CURLE_OK)
        a->status = r.status;
    http_response_free(&r);
    http_client_cleanup(&c);
    return NULL;
}

static long long metric(http_client *c, const char *name)
{
    char url[HTTP_URL_MAX], pattern[128];
    http_url(&server, "/metrics", url, sizeof url);
    http_response r;
    assert_int_equal(http_do(c, "GET", url, NULL, 0, &r), CURLE_OK);
    snprintf(pattern, sizeof pattern, "\n%s ", name);
    const char *p = r.body != NULL ? strstr(r.body, pattern) : NULL;
    long long v = p != NULL ? atoll(p + strlen(pattern)) : -1;
    http_response_free(&r);
    return v;
}

/* The store is locked from outside, so an attempt stays in its transaction while
 * SIGTERM arrives: the service must report draining, refuse new attempts on open
 * connections, still answer the one being committed, and only then exit 0. */
static void sigterm_finishes_the_commit_under_way_and_refuses_new_attempts(void **state)
{
    (void)state;
    char path[700], url[800], u[HTTP_URL_MAX];
    snprintf(path, sizeof path, "%s/drain.db", test_tmpdir());
    snprintf(url, sizeof url, "sqlite:%s?busy_timeout_ms=20000", path);
    assert_int_equal(test_server_start(&server, url, NULL), 0);
    http_client c;
    assert_int_equal(http_client_init(&c), 0);
    http_response r;
    http_url(&server, "/v1/resources/d", u, sizeof u);
    assert_int_equal(http_do(&c, "PUT", u, "{\"capacity\":10}", 15, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    pending_attempt first = {.server = &server,
                             .body = "{\"booking_id\":\"d-1\",\"resource_id\":\"d\",\"units\":1}"};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, post_attempt, &first), 0);
    for (int i = 0; i < 1000 && metric(&c, "booking_commit_attempts_in_progress") != 1; i++)
        sleep_ms(10);
    assert_int_equal(metric(&c, "booking_commit_attempts_in_progress"), 1);

    /* A second connection, open before the stop and idle since. */
    http_client idle;
    assert_int_equal(http_client_init(&idle), 0);
    http_url(&server, "/healthz", u, sizeof u);
    assert_int_equal(http_do(&idle, "GET", u, NULL, 0, &r), CURLE_OK);
    http_response_free(&r);

    assert_int_equal(kill(server.pid, SIGTERM), 0);
    /* On the connection already open: /readyz turns 503 draining (and closes it). */
    long ready = 200;
    for (int i = 0; i < 500 && ready == 200; i++) {
        http_url(&server, "/readyz", u, sizeof u);
        assert_int_equal(http_do(&c, "GET", u, NULL, 0, &r), CURLE_OK);
        ready = r.status;
        if (ready == 503) {
            json_t *o = http_json(&r);
            assert_string_equal(json_string_value(json_object_get(o, "status")), "draining");
            json_decref(o);
            char conn[32];
            assert_non_null(http_header(&r, "Connection", conn, sizeof conn));
            assert_string_equal(conn, "close");
        }
        http_response_free(&r);
        if (ready == 200)
            sleep_ms(10);
    }
    assert_int_equal(ready, 503);
    /* On the idle open connection: a new attempt is refused FAILED unavailable. */
    http_url(&server, "/v1/bookings", u, sizeof u);
    const char *third = "{\"booking_id\":\"d-3\",\"resource_id\":\"d\",\"units\":1}";
    assert_int_equal(http_do(&idle, "POST", u, third, strlen(third), &r), CURLE_OK);
    assert_int_equal(r.status, 503);
    json_t *refusal = http_json(&r);
    assert_string_equal(json_string_value(json_object_get(refusal, "outcome")), "FAILED");
    assert_string_equal(json_string_value(json_object_get(refusal, "reason")), "unavailable");
    json_decref(refusal);
    http_response_free(&r);
    http_client_cleanup(&idle);
    /* The listener is closed: a new connection is refused, nothing is decided. */
    http_url(&server, "/v1/bookings", u, sizeof u);
    const char *second = "{\"booking_id\":\"d-2\",\"resource_id\":\"d\",\"units\":1}";
    assert_int_equal(http_do(&c, "POST", u, second, strlen(second), &r), CURLE_COULDNT_CONNECT);
    http_response_free(&r);
    /* Still running: it waits for the commit under way. */
    assert_true(test_server_alive(&server));

    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    pthread_join(thread, NULL);
    assert_int_equal(first.status, 201);
    int status = 0;
    assert_int_equal(test_server_signal_wait(&server, 0, 10000, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    http_client_cleanup(&c);

    assert_int_equal(test_server_start(&server, url, NULL), 0);
    assert_int_equal(http_client_init(&c), 0);
    http_url(&server, "/v1/bookings/d-1", u, sizeof u);
    assert_int_equal(http_do(&c, "GET", u, NULL, 0, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    static const char *const refused[] = {"/v1/bookings/d-2", "/v1/bookings/d-3"};
    for (size_t i = 0; i < 2; i++) {
        http_url(&server, refused[i], u, sizeof u);
        assert_int_equal(http_do(&c, "GET", u, NULL, 0, &r), CURLE_OK);
        assert_int_equal(r.status, 404);
        http_response_free(&r);
    }
    http_client_cleanup(&c);
    test_server_stop(&server);
}

static int group_setup(void **state)
{
    (void)state;
    http_global_init();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_tmpdir_remove();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kill_9_under_load_keeps_every_acknowledged_decision),
        cmocka_unit_test(sigterm_under_load_answers_or_refuses_every_request_and_exits_0),
        cmocka_unit_test(sigterm_finishes_the_commit_under_way_and_refuses_new_attempts),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
