/* SPDX-License-Identifier: MIT */
/*
 * test_http_hostile.c: SPEC section 5 against hostile clients (issue 13): request
 * smuggling, raw NUL and control bytes in the path, the one problem body of every
 * refusal, 405 with Allow, 415, Host on HTTP/1.1. Raw sockets on loopback; each
 * case checks the state the request would have changed did not change.
 */
#include "http/http_support.h"
#include "support/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#define REPLY_MAX 8192
#define RAW_TIMEOUT_MS 3000
#define RES "hostile-r"
#define RES_CAPACITY 10
#define BOOKED "hostile-b"

static test_server server;
static http_client client;
static http_suite suite = {.server = &server, .client = &client};
static test_server side; /* a test's own server, stopped by stop_side even when it fails */

/* What a raw exchange saw: the bytes, and whether the server closed within the
 * timeout without the client closing or half-closing first. */
typedef struct raw_reply {
    char text[REPLY_MAX];
    size_t len;
    bool closed;
} raw_reply;

/* Sends bytes on a fresh connection and reads until the server closes or
 * timeout_ms passes; the client never shuts its side, so a close is the server's. */
static void raw_send(const void *bytes, size_t len, int timeout_ms, raw_reply *out)
{
    memset(out, 0, sizeof *out);
    int fd = raw_connect(server.port);
    assert_true(fd >= 0);
    (void)raw_write(fd, bytes, len); /* the server may close before it took all */
    out->len = raw_read(fd, timeout_ms, out->text, sizeof out->text, &out->closed);
    close(fd);
}

static unsigned reply_status(const raw_reply *r)
{
    unsigned status = 0;
    if (sscanf(r->text, "HTTP/1.1 %u", &status) != 1)
        return 0;
    return status;
}

/* How many status lines the reply holds: one answer is one. */
static size_t status_lines(const raw_reply *r)
{
    size_t n = strncmp(r->text, "HTTP/1.", 7) == 0;
    for (const char *p = r->text; (p = strstr(p, "\nHTTP/1.")) != NULL; p++)
        n++;
    return n;
}

/* The reply is one answer with status, in the problem shape of SPEC section 5. */
static void assert_problem(const raw_reply *r, unsigned status, const char *error)
{
    if (reply_status(r) != status)
        fail_msg("expected %u, got '%.200s'", status, r->text);
    if (status_lines(r) != 1)
        fail_msg("not one answer: '%.400s'", r->text);
    assert_non_null(strcasestr(r->text, "\r\nContent-Type: application/problem+json\r\n"));
    const char *body = strstr(r->text, "\r\n\r\n");
    assert_non_null(body);
    json_error_t err;
    json_t *o = json_loads(body + 4, JSON_DISABLE_EOF_CHECK, &err);
    if (o == NULL)
        fail_msg("not JSON: '%.200s'", body + 4);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "about:blank");
    assert_true(json_is_string(json_object_get(o, "title")));
    assert_int_equal(json_integer_value(json_object_get(o, "status")), status);
    assert_true(json_is_string(json_object_get(o, "detail")));
    if (error != NULL)
        assert_string_equal(json_string_value(json_object_get(o, "error")), error);
    assert_int_equal(json_object_size(o), 5);
    json_decref(o);
}

static long get_json(const char *path, json_t **out)
{
    char url[HTTP_URL_MAX];
    http_url(&server, path, url, sizeof url);
    http_response r;
    assert_int_equal(http_do(&client, "GET", url, NULL, 0, &r), CURLE_OK);
    long status = r.status;
    *out = http_json(&r);
    http_response_free(&r);
    return status;
}

/* The state of the fixture: RES with capacity RES_CAPACITY, BOOKED active on it. */
static void assert_state_unchanged(void)
{
    json_t *o = NULL;
    assert_int_equal(get_json("/v1/resources/" RES, &o), 200);
    assert_int_equal(json_integer_value(json_object_get(o, "capacity")), RES_CAPACITY);
    assert_int_equal(json_integer_value(json_object_get(o, "booked")), 1);
    json_decref(o);
    assert_int_equal(get_json("/v1/bookings/" BOOKED, &o), 200);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "active");
    json_decref(o);
    assert_true(test_server_alive(&server));
}

static int group_setup(void **state)
{
    *state = &suite;
    http_global_init();
    return test_server_start_seeded(&server, &client, "hostile.db", RES, BOOKED);
}

#define SMUGGLED "DELETE /v1/bookings/" BOOKED " HTTP/1.1\r\nHost: x\r\n\r\n"
#define SMUGGLED_CHUNKED "0\r\n\r\n" SMUGGLED

/* RFC 9112 section 6.3: two Content-Lengths are unrecoverable framing: 400 and
 * close, and the body is never run as a request of its own. */
static void two_content_lengths_get_400_and_close_and_run_nothing(void **state)
{
    (void)state;
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 0\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(SMUGGLED), SMUGGLED);
    raw_reply r;
    raw_send(req, (size_t)n, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    assert_true(r.closed);
    /* The same value twice is refused too: one Content-Length at most. */
    static const char same[] = "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                               "Content-Length: 2\r\n\r\n{}";
    raw_send(same, sizeof same - 1, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    assert_true(r.closed);
    assert_state_unchanged();
}

/* RFC 9112 section 6.1: Transfer-Encoding beside Content-Length: 400 and close. */
static void content_length_with_transfer_encoding_gets_400_and_close(void **state)
{
    (void)state;
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n%s",
                     SMUGGLED_CHUNKED);
    raw_reply r;
    raw_send(req, (size_t)n, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    assert_true(r.closed);
    assert_state_unchanged();
}

/* RFC 9112 section 6.1: a transfer coding the server does not know: 501 and close,
 * with the error word invalid_request (SPEC section 5's list of words is closed). */
static void transfer_coding_other_than_chunked_gets_501_and_close(void **state)
{
    (void)state;
    static const char *const codings[] = {"gzip", "chunked, gzip", "identity", "gzip, chunked"};
    for (size_t i = 0; i < sizeof codings / sizeof codings[0]; i++) {
        char req[512];
        int n = snprintf(req, sizeof req,
                         "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: %s\r\n\r\n%s",
                         codings[i], SMUGGLED_CHUNKED);
        raw_reply r;
        raw_send(req, (size_t)n, RAW_TIMEOUT_MS, &r);
        assert_problem(&r, 501, "invalid_request");
        assert_true(r.closed);
    }
    assert_state_unchanged();
}

/* A raw NUL would cut the id short and act on another resource or booking. */
static void raw_nul_or_control_byte_in_the_path_gets_400_and_changes_nothing(void **state)
{
    (void)state;
    static const char put_nul[] = "PUT /v1/resources/" RES "\0evil HTTP/1.1\r\nHost: x\r\n"
                                  "Content-Type: application/json\r\nContent-Length: 15\r\n\r\n"
                                  "{\"capacity\":99}";
    static const char delete_nul[] = "DELETE /v1/bookings/" BOOKED "\0zzz HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char confirm_nul[] =
        "POST /v1/bookings/" BOOKED "\0/confirm HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_reply r;
    raw_send(put_nul, sizeof put_nul - 1, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    raw_send(delete_nul, sizeof delete_nul - 1, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    raw_send(confirm_nul, sizeof confirm_nul - 1, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    /* Other control bytes, DEL and raw 8-bit bytes, anywhere in the target. */
    static const char *const bytes[] = {"\x01", "\x1b[2J", "\x7f", "\t", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bytes / sizeof bytes[0]; i++) {
        char req[256];
        int n = snprintf(req, sizeof req, "DELETE /v1/bookings/%s%s HTTP/1.1\r\nHost: x\r\n\r\n",
                         BOOKED, bytes[i]);
        raw_send(req, (size_t)n, RAW_TIMEOUT_MS, &r);
        assert_problem(&r, 400, "invalid_request");
        n = snprintf(req, sizeof req, "GET /healthz?x=%s HTTP/1.1\r\nHost: x\r\n\r\n", bytes[i]);
        raw_send(req, (size_t)n, RAW_TIMEOUT_MS, &r);
        assert_problem(&r, 400, "invalid_request");
    }
    assert_state_unchanged();
}

/* RFC 9112 section 3.2: HTTP/1.1 needs one Host; HTTP/1.0 may go without. */
static void http11_without_host_gets_400(void **state)
{
    (void)state;
    static const char no_host[] = "GET /healthz HTTP/1.1\r\n\r\n";
    static const char two_hosts[] = "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n";
    static const char http10[] = "GET /healthz HTTP/1.0\r\n\r\n";
    raw_reply r;
    raw_send(no_host, sizeof no_host - 1, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    raw_send(two_hosts, sizeof two_hosts - 1, RAW_TIMEOUT_MS, &r);
    assert_problem(&r, 400, "invalid_request");
    raw_send(http10, sizeof http10 - 1, RAW_TIMEOUT_MS, &r);
    assert_int_equal(reply_status(&r), 200);
}

/* A body is JSON: another Content-Type is 415, and nothing is decided. */
static void content_type_other_than_json_gets_415(void **state)
{
    (void)state;
    static const char *const types[] = {"text/plain", "application/x-www-form-urlencoded",
                                        "application/jsonx", "multipart/form-data; boundary=x"};
    const char *body = "{\"booking_id\":\"hostile-415\",\"resource_id\":\"" RES "\",\"units\":1}";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char req[512];
        int n = snprintf(req, sizeof req,
                         "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                         "Content-Length: %zu\r\n\r\n%s",
                         types[i], strlen(body), body);
        raw_reply r;
        raw_send(req, (size_t)n, 500, &r);
        assert_problem(&r, 415, "unsupported_media_type");
        assert_false(r.closed); /* the body was read: the connection stays usable */
    }
    /* With parameters, or in another case, it is JSON. */
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: Application/JSON; "
                     "charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(body), body);
    raw_reply r;
    raw_send(req, (size_t)n, 500, &r);
    assert_int_equal(reply_status(&r), 201);
    /* Cancelled again, so the fixture's state is as it was. */
    static const char cancel[] = "DELETE /v1/bookings/hostile-415 HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_send(cancel, sizeof cancel - 1, 500, &r);
    assert_int_equal(reply_status(&r), 200);
    assert_state_unchanged();
}

/* Issue 13 item 8: malformed heads (which libmicrohttpd answered itself, in HTML,
 * some with the status line and headers twice, or not at all) get one problem
 * answer and close. */
static void malformed_heads_get_one_problem_answer_and_close(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        unsigned status;
    } cases[] = {
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n", 400},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n",
         413},
        {"GARBAGE\r\n\r\n", 400},
        {"GET /healthz\r\nHost: x\r\n\r\n", 400},
        {"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 505},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw_reply r;
        raw_send(cases[i].bytes, strlen(cases[i].bytes), RAW_TIMEOUT_MS, &r);
        assert_problem(&r, cases[i].status, NULL);
        assert_true(r.closed);
    }
    /* A head past HTTP_HEAD_MAX (16 KiB): 431. */
    size_t big = 20 * 1024;
    char *req = malloc(big + 128);
    assert_non_null(req);
    int n = snprintf(req, 128, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + n, 'a', big);
    memcpy(req + n + big, "\r\n\r\n", 5);
    raw_reply r;
    raw_send(req, strlen(req), RAW_TIMEOUT_MS, &r);
    free(req);
    assert_problem(&r, 431, NULL);
    assert_state_unchanged();
}

/* On a kept-alive connection the second request is checked as the first was:
 * smuggling behind a harmless request is refused too. */
static void smuggling_on_a_kept_alive_connection_gets_400_and_close(void **state)
{
    (void)state;
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                     "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(SMUGGLED), SMUGGLED);
    raw_reply r;
    raw_send(req, (size_t)n, RAW_TIMEOUT_MS, &r);
    assert_int_equal(reply_status(&r), 200);
    const char *second = strstr(r.text, "}\nHTTP/1.1 ");
    assert_non_null(second);
    raw_reply rest;
    memset(&rest, 0, sizeof rest);
    snprintf(rest.text, sizeof rest.text, "%s", second + 2);
    assert_problem(&rest, 400, "invalid_request");
    assert_true(r.closed);
    assert_state_unchanged();
}

/* SPEC section 5: a 201 carries Location: /v1/bookings/{booking_id}; a 200 replay not. */
static void a_201_carries_location(void **state)
{
    (void)state;
    char url[HTTP_URL_MAX];
    http_url(&server, "/v1/bookings", url, sizeof url);
    const char *b = "{\"booking_id\":\"hostile-loc\",\"resource_id\":\"" RES "\",\"units\":1}";
    for (int round = 0; round < 2; round++) {
        http_response r;
        assert_int_equal(http_do(&client, "POST", url, b, strlen(b), &r), CURLE_OK);
        char location[256];
        const char *got = http_header(&r, "Location", location, sizeof location);
        if (round == 0) {
            assert_int_equal(r.status, 201);
            assert_non_null(got);
            assert_string_equal(location, "/v1/bookings/hostile-loc");
        } else {
            assert_int_equal(r.status, 200);
            assert_null(got);
        }
        http_response_free(&r);
    }
    char path[64];
    snprintf(path, sizeof path, "/v1/bookings/hostile-loc");
    http_url(&server, path, url, sizeof url);
    http_response r;
    assert_int_equal(http_do(&client, "DELETE", url, NULL, 0, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
}

/* SPEC section 5: every error body has the one problem shape; a 405 carries Allow. */
static void every_error_body_has_the_one_problem_shape(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        unsigned status;
        const char *error;
    } cases[] = {
        {"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not_found"},
        {"GET /v1/bookings/nobody HTTP/1.1\r\nHost: x\r\n\r\n", 404, "unknown_booking"},
        {"PATCH /v1/bookings HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"},
        {"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 400,
         "invalid_request"},
        {"GET /v1/bookings/a%20b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw_reply r;
        raw_send(cases[i].bytes, strlen(cases[i].bytes), 500, &r);
        assert_problem(&r, cases[i].status, cases[i].error);
        if (cases[i].status == 405)
            assert_non_null(strstr(r.text, "\r\nAllow: POST\r\n"));
    }
}

/* One request on another server: the status, and the body in *out (may be NULL). */
static long call_on(test_server *srv, const char *method, const char *path, const char *body,
                    json_t **out)
{
    char url[HTTP_URL_MAX];
    http_url(srv, path, url, sizeof url);
    http_response r;
    assert_int_equal(http_do(&client, method, url, body, body != NULL ? strlen(body) : 0, &r),
                     CURLE_OK);
    long status = r.status;
    if (out != NULL)
        *out = http_json(&r);
    http_response_free(&r);
    return status;
}

static void assert_readyz(test_server *srv, long status, const char *state)
{
    json_t *o = NULL;
    assert_int_equal(call_on(srv, "GET", "/readyz", NULL, &o), status);
    assert_string_equal(json_string_value(json_object_get(o, "status")), state);
    json_decref(o);
}

#define ATTEMPT_BODY(id) "{\"booking_id\":\"" id "\",\"resource_id\":\"ready-r\",\"units\":1}"

/* SPEC section 5: /readyz is 503 after a failed commit until one succeeds. Another
 * process holds SQLite's write lock past busy_timeout_ms: the commit fails. */
static void readyz_is_503_after_a_failed_commit_until_one_succeeds(void **state)
{
    (void)state;
    char path[600], url[700];
    snprintf(path, sizeof path, "%s/ready.db", test_tmpdir());
    snprintf(url, sizeof url, "sqlite:%s?busy_timeout_ms=100", path);
    assert_int_equal(test_server_start(&side, url, NULL), 0);
    assert_int_equal(call_on(&side, "PUT", "/v1/resources/ready-r", "{\"capacity\":5}", NULL), 200);
    assert_readyz(&side, 200, "ready");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(call_on(&side, "POST", "/v1/bookings", ATTEMPT_BODY("ready-1"), NULL), 503);
    assert_readyz(&side, 503, "unavailable");
    assert_readyz(&side, 503, "unavailable"); /* and stays so, though the ping reads fine */
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_readyz(&side, 503, "unavailable");
    assert_int_equal(call_on(&side, "POST", "/v1/bookings", ATTEMPT_BODY("ready-1"), NULL), 201);
    assert_readyz(&side, 200, "ready");
    test_server_stop(&side);
}

static void remove_tree(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Issue 13 item 5: after the database's directory is deleted, commits would go
 * into deleted files: they answer FAILED unavailable, and /readyz 503. */
static void a_deleted_database_fails_commits_unavailable_and_readyz_503(void **state)
{
    (void)state;
    char dir[600], url[700];
    snprintf(dir, sizeof dir, "%s/gone", test_tmpdir());
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(url, sizeof url, "sqlite:%s/gone.db", dir);
    assert_int_equal(test_server_start(&side, url, NULL), 0);
    assert_int_equal(call_on(&side, "PUT", "/v1/resources/ready-r", "{\"capacity\":5}", NULL), 200);
    assert_int_equal(call_on(&side, "POST", "/v1/bookings", ATTEMPT_BODY("gone-1"), NULL), 201);
    assert_readyz(&side, 200, "ready");
    remove_tree(dir);
    json_t *o = NULL;
    assert_int_equal(call_on(&side, "POST", "/v1/bookings", ATTEMPT_BODY("gone-2"), &o), 503);
    assert_string_equal(json_string_value(json_object_get(o, "outcome")), "FAILED");
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "unavailable");
    json_decref(o);
    assert_int_equal(call_on(&side, "PUT", "/v1/resources/ready-r", "{\"capacity\":7}", NULL), 503);
    assert_int_equal(call_on(&side, "DELETE", "/v1/bookings/gone-1", NULL, NULL), 503);
    assert_readyz(&side, 503, "unavailable");
    test_server_stop(&side);
}

static int stop_side(void **state)
{
    (void)state;
    if (side.pid > 0) {
        int status;
        test_server_signal_wait(&side, SIGTERM, 10000, &status);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_content_lengths_get_400_and_close_and_run_nothing),
        cmocka_unit_test(content_length_with_transfer_encoding_gets_400_and_close),
        cmocka_unit_test(transfer_coding_other_than_chunked_gets_501_and_close),
        cmocka_unit_test(raw_nul_or_control_byte_in_the_path_gets_400_and_changes_nothing),
        cmocka_unit_test(http11_without_host_gets_400),
        cmocka_unit_test(content_type_other_than_json_gets_415),
        cmocka_unit_test(malformed_heads_get_one_problem_answer_and_close),
        cmocka_unit_test(smuggling_on_a_kept_alive_connection_gets_400_and_close),
        cmocka_unit_test(a_201_carries_location),
        cmocka_unit_test(every_error_body_has_the_one_problem_shape),
        cmocka_unit_test_teardown(readyz_is_503_after_a_failed_commit_until_one_succeeds, stop_side),
        cmocka_unit_test_teardown(a_deleted_database_fails_commits_unavailable_and_readyz_503,
                                  stop_side),
    };
    return cmocka_run_group_tests(tests, group_setup, http_suite_teardown);
}
