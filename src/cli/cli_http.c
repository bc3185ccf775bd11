/* SPDX-License-Identifier: MIT */
/*
 * cli_http.c: the operations of cli_backend.h as requests to `booking serve`.
 * Each request is the one the service documents (SPEC section 5); each answer is
 * sorted into what the library would have said (the reason and the out-parameters,
 * read back by cli_reply.c) or into an error that is not an answer (a connection
 * refused, a token refused, a route this service does not have, a malformed
 * reply): that one is printed here, naming the URL once, and exits 1.
 */
#include "cli/cli_http.h"
#include "cli/cli.h"
#include "cli/cli_reply.h"
#include "json/booking_json.h"
#include "loadgen/http_client.h"
#include "server/endpoints.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(LOADGEN_TOKEN_MAX >= CLI_TOKEN_LEN_MAX, "the client sends any token the service takes");
/* A page of booking records, each of 64 lines of 128-byte ids, fits an answer. */
#define CLI_HTTP_RECORD_BODY_MAX (1024 + BOOKING_LINES_MAX * BOOKING_JSON_OUTCOME_LINE_MAX)
_Static_assert((uint64_t)BOOKING_LIST_LIMIT_MAX * CLI_HTTP_RECORD_BODY_MAX <= HTTP_RESPONSE_MAX,
               "the longest page of bookings fits the client's answer buffer");

/* A path with two ids and a query: "/v1/resources/ID/bookings?status=S&after=ID&limit=N". */
#define CLI_HTTP_PATH_MAX (96 + 2 * BOOKING_ID_LEN_MAX)

struct cli_http {
    const char *command;
    const char *token_file; /* NULL: no token sent */
    loadgen_target target;
    http_control ctl;
    char shown[CLI_URL_SHOWN_MAX]; /* the URL as errors name it */
};

int cli_http_open(const char *command, const char *url, const char *token_file, cli_http **out)
{
    *out = NULL;
    cli_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return cli_error(command, "out of memory");
    h->command = command;
    h->token_file = token_file;
    cli_redact_url(url, h->shown, sizeof h->shown);
    char why[LOADGEN_WHY_BYTES] = "";
    /* Any host: the operator names the service to manage, loopback or not. */
    loadgen_status s = http_target_resolve(url, true, &h->target, why);
    if (s != LOADGEN_OK) {
        free(h);
        return s == LOADGEN_USAGE ? cli_usage_error(command, "%s", why)
                                  : cli_error(command, "%s", why);
    }
    if (token_file != NULL) {
        char *token = cli_read_token(command, token_file);
        if (token == NULL) {
            free(h);
            return CLI_EXIT_ERROR;
        }
        assert(strlen(token) <= LOADGEN_TOKEN_MAX);
        memcpy(h->target.token, token, strlen(token) + 1);
        free(token);
    }
    h->ctl = (http_control){.target = &h->target, .timeout_ms = CLI_HTTP_TIMEOUT_MS, .fd = -1};
    *out = h;
    return -1;
}

void cli_http_close(cli_http *h)
{
    if (h == NULL)
        return;
    http_control_close(&h->ctl);
    free(h->ctl.buf);
    free(h);
}

/* One request; body (may be NULL) is released. -1 with *status and *answer (a
 * JSON value, the caller's) set, or the exit code of an error printed. */
static int call(cli_http *h, const char *method, const char *path, json_t *body, int *status,
                json_t **answer)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    bool have_body = body != NULL;
    json_decref(body);
    if (have_body && text == NULL)
        return cli_error(h->command, "out of memory");
    if (h->ctl.fd < 0 && (h->ctl.fd = http_connect(&h->target, h->ctl.timeout_ms, false)) < 0)
        return free(text), cli_error(h->command, "cannot connect to %s: %s", h->shown,
                                     strerror(errno));
    http_answer a = {0};
    const char *answer_body = NULL;
    errno = 0;
    bool answered = http_roundtrip(&h->ctl, method, path, text, &a, &answer_body);
    int e = errno;
    free(text);
    if (!answered)
        return cli_error(h->command, "no answer from %s: %s", h->shown,
                         e != 0 ? strerror(e) : "the connection closed, or the answer was not HTTP");
    if (a.status == HTTP_UNAUTHORIZED)
        return h->token_file != NULL
                   ? cli_error(h->command, "%s refused the token of --token-file %s (401)",
                               h->shown, h->token_file)
                   : cli_error(h->command, "%s asks for a token (401): give --token-file",
                               h->shown);
    json_error_t jerr;
    *answer = json_loadb(answer_body, a.body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(*answer)) {
        json_decref(*answer);
        return cli_error(h->command, "%s answered %d with a body that is not a JSON object",
                         h->shown, a.status);
    }
    *status = a.status;
    return -1;
}

/* An answer that is none of the operation's: printed, with the problem body's
 * words when it has them. A 4xx that names the request (invalid, too large) is
 * a usage error, as the store's EINVAL is; everything else an error. */
static int not_an_answer(cli_http *h, int status, const json_t *answer)
{
    const char *error = json_string_value(json_object_get(answer, "error"));
    const char *detail = json_string_value(json_object_get(answer, "detail"));
    char words[BOOKING_ID_LEN_MAX * 2 + 64] = "";
    if (error != NULL)
        snprintf(words, sizeof words, " %s%s%s", error, detail != NULL && detail[0] ? ": " : "",
                 detail != NULL ? detail : "");
    bool usage = status == HTTP_BAD_REQUEST || status == HTTP_PAYLOAD_TOO_LARGE;
    /* A service that predates the route answers not_found for the path itself. */
    bool no_route = status == HTTP_NOT_FOUND && error != NULL && strcmp(error, "not_found") == 0;
    fprintf(stderr, "booking %s: %s answered %d%s%s\n", h->command, h->shown, status, words,
            no_route ? " (this service has no such route: an older booking serve?)" : "");
    return usage ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
}

/* A problem body that is an operation's answer: a failure (503, the reason as its
 * "error"), or the operation's unknown id (404, unknown). */
static bool answer_reason(int status, const json_t *answer, booking_reason unknown,
                          booking_reason *reason)
{
    booking_reason r;
    if (!cli_reply_problem_reason(answer, &r))
        return false;
    if ((status == HTTP_UNAVAILABLE && booking_reason_is_failure(r)) ||
        (status == HTTP_NOT_FOUND && r == unknown)) {
        *reason = r;
        return true;
    }
    return false;
}

/* A body of the operation's own shape that cli_reply.c could not read. */
static int unreadable(cli_http *h, int status)
{
    return cli_error(h->command, "%s answered %d with a body this command cannot read",
                     h->shown, status);
}

/* The request body of an attempt (SPEC section 5). */
static json_t *attempt_body(const booking_request *req)
{
    json_t *o = json_pack("{s:s}", "booking_id", req->booking_id);
    bool ok = o != NULL;
    if (ok && req->lines == NULL) {
        ok = json_object_set_new(o, "resource_id", json_string(req->resource_id)) == 0 &&
             json_object_set_new(o, "units", json_integer((json_int_t)req->units)) == 0;
    } else if (ok) {
        json_t *lines = json_array();
        ok = json_object_set_new(o, "lines", lines) == 0;
        for (size_t i = 0; ok && i < req->line_count; i++)
            ok = json_array_append_new(lines, json_pack("{s:s, s:I}", "resource_id",
                                                        req->lines[i].resource_id, "units",
                                                        (json_int_t)req->lines[i].units)) == 0;
    }
    if (ok && req->hold_ms > 0)
        ok = json_object_set_new(o, "hold_ms", json_integer((json_int_t)req->hold_ms)) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Whether an answer names the id it was asked about. */
static bool names(const json_t *answer, const char *key, const char *id)
{
    const char *got = json_string_value(json_object_get(answer, key));
    return got != NULL && strcmp(got, id) == 0;
}

int cli_http_attempt(cli_http *h, const booking_request *request, booking_result *result)
{
    json_t *body = attempt_body(request), *answer = NULL;
    if (body == NULL)
        return cli_error(h->command, "out of memory");
    int status, rc = call(h, "POST", "/v1/bookings", body, &status, &answer);
    if (rc != -1)
        return rc;
    /* BOOKED 200/201, REJECTED 409 (404 unknown_resource), FAILED 503: an outcome body. */
    if (json_object_get(answer, "outcome") == NULL)
        rc = not_an_answer(h, status, answer);
    else if (!cli_reply_outcome(answer, result) || !names(answer, "booking_id", request->booking_id))
        rc = unreadable(h, status);
    json_decref(answer);
    return rc;
}

/* A record's answer: the record (with "result" for a change), or a problem. */
static int record_answer(cli_http *h, int status, json_t *answer, bool change,
                         const char *booking_id, booking_reason *reason, cli_record *out)
{
    int rc = -1;
    memset(&out->record, 0, sizeof out->record);
    if (json_object_get(answer, "booking_id") != NULL) {
        bool read = change ? cli_reply_change(answer, reason, out)
                           : cli_reply_record(answer, out);
        if (!change)
            *reason = BOOKING_REASON_OK;
        if (!read || !names(answer, "booking_id", booking_id))
            rc = unreadable(h, status);
    } else if (!answer_reason(status, answer, BOOKING_REASON_UNKNOWN_BOOKING, reason)) {
        rc = not_an_answer(h, status, answer);
    }
    json_decref(answer);
    return rc;
}

int cli_http_change(cli_http *h, booking_change_kind kind, const char *booking_id,
                    booking_reason *reason, cli_record *out)
{
    char path[CLI_HTTP_PATH_MAX];
    bool cancel = kind == BOOKING_CHANGE_CANCEL;
    snprintf(path, sizeof path, "/v1/bookings/%s%s", booking_id, cancel ? "" : "/confirm");
    json_t *answer = NULL;
    int status, rc = call(h, cancel ? "DELETE" : "POST", path, NULL, &status, &answer);
    return rc != -1 ? rc : record_answer(h, status, answer, true, booking_id, reason, out);
}

int cli_http_get_booking(cli_http *h, const char *booking_id, booking_reason *reason,
                         cli_record *out)
{
    char path[CLI_HTTP_PATH_MAX];
    snprintf(path, sizeof path, "/v1/bookings/%s", booking_id);
    json_t *answer = NULL;
    int status, rc = call(h, "GET", path, NULL, &status, &answer);
    return rc != -1 ? rc : record_answer(h, status, answer, false, booking_id, reason, out);
}

/* A resource's answer: the resource (with "error" for a refused change), or a problem. */
static int resource_answer(cli_http *h, int status, json_t *answer, const char *resource_id,
                           booking_reason *reason, booking_resource *out)
{
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (json_object_get(answer, "resource_id") != NULL) {
        bool refused = json_object_get(answer, "error") != NULL;
        *reason = BOOKING_REASON_OK;
        bool read = refused ? cli_reply_capacity_refused(answer, reason, out)
                            : cli_reply_resource(answer, out);
        if (!read || !names(answer, "resource_id", resource_id) ||
            (refused && *reason != BOOKING_REASON_CAPACITY_BELOW_BOOKED))
            rc = unreadable(h, status);
    } else if (!answer_reason(status, answer, BOOKING_REASON_UNKNOWN_RESOURCE, reason)) {
        rc = not_an_answer(h, status, answer);
    }
    json_decref(answer);
    return rc;
}

int cli_http_set_capacity(cli_http *h, const char *resource_id, uint64_t capacity,
                          booking_reason *reason, booking_resource *out)
{
    char path[CLI_HTTP_PATH_MAX];
    snprintf(path, sizeof path, "/v1/resources/%s", resource_id);
    json_t *body = json_pack("{s:I}", "capacity", (json_int_t)capacity), *answer = NULL;
    if (body == NULL)
        return cli_error(h->command, "out of memory");
    int status, rc = call(h, "PUT", path, body, &status, &answer);
    return rc != -1 ? rc : resource_answer(h, status, answer, resource_id, reason, out);
}

int cli_http_get_resource(cli_http *h, const char *resource_id, booking_reason *reason,
                          booking_resource *out)
{
    char path[CLI_HTTP_PATH_MAX];
    snprintf(path, sizeof path, "/v1/resources/%s", resource_id);
    json_t *answer = NULL;
    int status, rc = call(h, "GET", path, NULL, &status, &answer);
    return rc != -1 ? rc : resource_answer(h, status, answer, resource_id, reason, out);
}

/* A page's answer: 200 the page, else a problem (unknown is the 404 reason it may carry). */
static int page_answer(cli_http *h, int status, json_t *answer, bool bookings, size_t limit,
                       booking_reason unknown, booking_reason *reason, cli_page *page)
{
    int rc = -1;
    memset(page, 0, sizeof *page);
    if (status == HTTP_OK) {
        *reason = BOOKING_REASON_OK;
        bool read = bookings ? cli_reply_booking_page(answer, limit, page)
                             : cli_reply_resource_page(answer, limit, page);
        if (!read)
            rc = unreadable(h, status);
    } else if (!answer_reason(status, answer, unknown, reason)) {
        rc = not_an_answer(h, status, answer);
    }
    json_decref(answer);
    return rc;
}

/* The query's limit, and after when there is one. */
static void append_query(char *path, size_t size, const char *after, size_t limit)
{
    size_t n = strlen(path);
    snprintf(path + n, size - n, "%slimit=%zu%s%s", strchr(path, '?') ? "&" : "?", limit,
             after != NULL ? "&after=" : "", after != NULL ? after : "");
}

int cli_http_list_resources(cli_http *h, const char *after, size_t limit, booking_reason *reason,
                            cli_page *page)
{
    char path[CLI_HTTP_PATH_MAX] = "/v1/resources";
    append_query(path, sizeof path, after, limit);
    json_t *answer = NULL;
    int status, rc = call(h, "GET", path, NULL, &status, &answer);
    /* No listing has an unknown id: OK (the reason unused) stands for "none". */
    return rc != -1 ? rc
                    : page_answer(h, status, answer, false, limit, BOOKING_REASON_OK, reason, page);
}

int cli_http_list_bookings(cli_http *h, const char *resource_id, booking_list_filter filter,
                           const char *after, size_t limit, booking_reason *reason,
                           cli_page *page)
{
    char path[CLI_HTTP_PATH_MAX];
    snprintf(path, sizeof path, "/v1/resources/%s/bookings", resource_id);
    if (filter != BOOKING_LIST_ALL)
        snprintf(path + strlen(path), sizeof path - strlen(path), "?status=%s",
                 booking_list_filter_name(filter));
    append_query(path, sizeof path, after, limit);
    json_t *answer = NULL;
    int status, rc = call(h, "GET", path, NULL, &status, &answer);
    return rc != -1 ? rc
                    : page_answer(h, status, answer, true, limit, BOOKING_REASON_UNKNOWN_RESOURCE,
                                  reason, page);
}
