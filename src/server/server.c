/* SPDX-License-Identifier: MIT */
/*
 * server.c: the HTTP side of `booking serve`: libmicrohttpd's daemon, routing,
 * bearer token, request bodies, answers, access log and graceful stop.
 *
 * NOTES ON THE DESIGN
 *  (1) Threads: MHD runs an epoll loop per pool thread; one committer thread
 *      (committer.c) owns all writes but capacity changes: attempts, confirms and
 *      cancels. Their connection is suspended while it waits for its transaction,
 *      so no HTTP thread ever blocks on their fsync.
 *  (2) A request's life, in calls of the access handler:
 *        first call (headers)   -> request_ctx made; token, route and method checked
 *        calls with body bytes  -> body kept (bounded by SPEC section 3) or discarded
 *        last call (body done)  -> answer now, or (committed) suspend + queue
 *        call after resume      -> answer with the committed results
 *      The committer writes the results, then resumes; the context is freed only
 *      in the completion callback, after the last handler call.
 *  (3) A connection is suspended inside committer_push, under the queue's lock,
 *      before its item can be taken: its resume can never come before its suspend.
 *  (4) Every suspended connection is resumed before MHD_stop_daemon:
 *      committer_stop() answers everything queued before server_stop() goes on,
 *      and once the committer is closed no handler suspends anything (push fails).
 *  (5) Bad input never reaches the store: json/request_decode.c checks every body and
 *      ids in paths are checked with decode_id (booking_id_valid) before any call.
 */
#include "server/server.h"
#include "server/committer.h"
#include "server/endpoints.h"
#include "server/metrics.h"
#include "json/booking_json.h"
#include "json/request_decode.h"
#include "booking_openapi_json.h" /* generated from docs/openapi.json */

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER_HOST_LEN_MAX 64
#define SERVER_LOG_PATH_MAX 200   /* bytes of the path kept for the access log */
#define SERVER_DRAIN_POLL_MS 10
#define CONTENT_TYPE_JSON "application/json"
#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct http_server {
    struct MHD_Daemon *daemon;
    booking_store *store;
    committer *committer;
    server_metrics metrics;
    char *token; /* NULL: no token required */
    size_t token_len;
    FILE *access_log;
    atomic_bool draining;
    atomic_long in_flight; /* requests between their first handler call and completion */
    atomic_long answering; /* of those, the ones past reading: queued or answer queued */
    char host[SERVER_HOST_LEN_MAX];
    uint16_t port;
};

typedef enum request_action {
    ACTION_REPLY,          /* the answer was decided from the headers: ctx->prepared */
    ACTION_ATTEMPT,
    ACTION_BATCH,
    ACTION_BOOKING_GET,
    ACTION_BOOKING_CANCEL,
    ACTION_BOOKING_CONFIRM,
    ACTION_RESOURCE_GET,
    ACTION_RESOURCE_PUT,
    ACTION_HEALTHZ,
    ACTION_READYZ,
    ACTION_METRICS,
    ACTION_OPENAPI,
} request_action;

typedef enum request_state {
    STATE_READING,   /* headers seen, body arriving */
    STATE_WAITING,   /* suspended, queued for the committer */
    STATE_ANSWERED,  /* a response was queued */
} request_state;

typedef struct request_ctx {
    http_server *server;
    struct MHD_Connection *connection;
    request_action action;
    request_state state;
    http_reply prepared;   /* for ACTION_REPLY */
    char id[BOOKING_ID_LEN_MAX + 1];
    /* The body: kept up to body_max bytes for the actions that read one. */
    char *body;
    size_t body_len;
    size_t body_cap;
    size_t body_max;
    bool body_too_big;
    bool answering;        /* counted in server->answering */
    bool readyz_draining;  /* what this /readyz answer says, body and header alike */
    /* Attempts: decoded (one kept inline), and their results. */
    decoded_attempts attempts;
    booking_result single_result;
    booking_result *results;
    /* A confirm or a cancel: the one change, and what the committer decided. */
    booking_change change;
    booking_reason change_reason;
    booking_record change_record;
    commit_item item;
    atomic_bool committed; /* results are final; written by the committer */
    /* Accounting. */
    uint64_t start_ns;
    unsigned status;
    char method[8];
    char path[SERVER_LOG_PATH_MAX + 1];
} request_ctx;

/* The route label of an action's latency (metrics.h). */
static metrics_route route_of(request_action action)
{
    switch (action) {
    case ACTION_ATTEMPT: return METRICS_ROUTE_ATTEMPT;
    case ACTION_BATCH: return METRICS_ROUTE_BATCH;
    case ACTION_BOOKING_GET: return METRICS_ROUTE_BOOKING_GET;
    case ACTION_BOOKING_CANCEL: return METRICS_ROUTE_BOOKING_CANCEL;
    case ACTION_BOOKING_CONFIRM: return METRICS_ROUTE_BOOKING_CONFIRM;
    case ACTION_RESOURCE_GET: return METRICS_ROUTE_RESOURCE_GET;
    case ACTION_RESOURCE_PUT: return METRICS_ROUTE_RESOURCE_PUT;
    case ACTION_HEALTHZ: return METRICS_ROUTE_HEALTHZ;
    case ACTION_READYZ: return METRICS_ROUTE_READYZ;
    case ACTION_METRICS: return METRICS_ROUTE_METRICS;
    case ACTION_OPENAPI: return METRICS_ROUTE_OPENAPI;
    case ACTION_REPLY: break;
    }
    return METRICS_ROUTE_REFUSED;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- answers ---- */

static const char fixed_oom_body[] = BOOKING_JSON_OOM_LINE;

/* Queues text (malloc'd, owned from here on) as the answer. */
static enum MHD_Result send_text(request_ctx *ctx, unsigned status, char *text, size_t len,
                                 const char *content_type, const char *allow, bool retry_after)
{
    http_server *s = ctx->server;
    struct MHD_Response *resp;
    if (text != NULL) {
        resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL)
            free(text);
    } else {
        status = HTTP_INTERNAL;
        content_type = CONTENT_TYPE_JSON;
        resp = MHD_create_response_from_buffer(sizeof fixed_oom_body - 1, (void *)fixed_oom_body,
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (resp == NULL)
        return MHD_NO; /* out of memory: MHD closes the connection */
    bool ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES;
    if (ok && allow != NULL)
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) == MHD_YES;
    if (ok && retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%d", ENDPOINT_RETRY_AFTER_S);
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds) == MHD_YES;
    }
    if (ok && status == HTTP_UNAUTHORIZED)
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer") == MHD_YES;
    /* While stopping, every answer closes its connection, so clients go elsewhere;
     * /readyz decides once, for its body and this header alike. */
    bool closing = ctx->action == ACTION_READYZ ? ctx->readyz_draining
                                                : atomic_load(&s->draining);
    if (ok && closing)
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
    enum MHD_Result r = ok ? MHD_queue_response(ctx->connection, status, resp) : MHD_NO;
    MHD_destroy_response(resp);
    if (r == MHD_YES) {
        ctx->status = status;
        ctx->state = STATE_ANSWERED;
        metrics_status(&s->metrics, status);
        metrics_latency(&s->metrics, route_of(ctx->action), now_ns() - ctx->start_ns);
    }
    return r;
}

static enum MHD_Result send_reply(request_ctx *ctx, http_reply reply)
{
    if (reply.text != NULL) {
        json_decref(reply.body); /* NULL: text replies carry no tree */
        return send_text(ctx, reply.status, reply.text, reply.text_len, CONTENT_TYPE_JSON,
                         reply.allow, reply.retry_after);
    }
    size_t len = 0;
    char *text = booking_json_line(reply.body, &len); /* NULL: the fixed 500 */
    return send_text(ctx, reply.status, text, len, CONTENT_TYPE_JSON, reply.allow,
                     reply.retry_after);
}

/* GET /openapi.json: docs/openapi.json, embedded at build time (cmake/EmbedFile.cmake). */
static enum MHD_Result send_openapi(request_ctx *ctx)
{
    char *text = malloc(booking_openapi_json_len);
    if (text == NULL)
        return send_text(ctx, HTTP_INTERNAL, NULL, 0, NULL, NULL, false);
    memcpy(text, booking_openapi_json, booking_openapi_json_len);
    return send_text(ctx, HTTP_OK, text, booking_openapi_json_len, CONTENT_TYPE_JSON, NULL, false);
}

static enum MHD_Result send_metrics(request_ctx *ctx)
{
    booking_store_stats stats = {0};
    if (booking_store_get_stats(ctx->server->store, &stats) != BOOKING_OK)
        return send_text(ctx, HTTP_INTERNAL, NULL, 0, NULL, NULL, false);
    size_t len = 0;
    char *text = metrics_render(&ctx->server->metrics, &stats, &len);
    if (text == NULL)
        return send_text(ctx, HTTP_INTERNAL, NULL, 0, NULL, NULL, false);
    return send_text(ctx, HTTP_OK, text, len, CONTENT_TYPE_METRICS, NULL, false);
}

/* ---- token ---- */

/* Compares in time that depends only on the expected token's length. */
static bool token_equal(const char *given, size_t given_len, const char *expected,
                        size_t expected_len)
{
    volatile unsigned char diff = given_len != expected_len;
    for (size_t i = 0; i < expected_len; i++) {
        unsigned char g = i < given_len ? (unsigned char)given[i] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)expected[i]);
    }
    return diff == 0;
}

static bool authorized(http_server *s, struct MHD_Connection *connection)
{
    if (s->token == NULL)
        return true;
    const char *value = NULL;
    size_t len = 0;
    if (MHD_lookup_connection_value_n(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION,
                                      strlen(MHD_HTTP_HEADER_AUTHORIZATION), &value,
                                      &len) != MHD_YES ||
        value == NULL)
        return false;
    static const char scheme[] = "Bearer ";
    size_t scheme_len = sizeof scheme - 1;
    if (len < scheme_len || strncasecmp(value, scheme, scheme_len) != 0)
        return false;
    value += scheme_len;
    len -= scheme_len;
    while (len > 0 && *value == ' ') {
        value++;
        len--;
    }
    return token_equal(value, len, s->token, s->token_len);
}

/* ---- routing ---- */

static bool method_is(const char *method, const char *name)
{
    return strcmp(method, name) == 0;
}

static bool method_is_get(const char *method)
{
    return method_is(method, MHD_HTTP_METHOD_GET) || method_is(method, MHD_HTTP_METHOD_HEAD);
}

static void prepare_reply(request_ctx *ctx, http_reply reply)
{
    ctx->action = ACTION_REPLY;
    ctx->prepared = reply;
}

static void prepare_error(request_ctx *ctx, unsigned status, const char *error, const char *detail)
{
    prepare_reply(ctx, reply_error(status, error, detail));
}

static void prepare_method_not_allowed(request_ctx *ctx, const char *allow)
{
    http_reply r = reply_error(HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", allow);
    r.allow = allow;
    prepare_reply(ctx, r);
}

/* Takes the {id} of /v1/bookings/{id}, /v1/bookings/{id}/confirm or
 * /v1/resources/{id}: id[0..len); false: the answer is prepared. */
static bool take_path_id(request_ctx *ctx, const char *id, size_t len, const char *what)
{
    if (memchr(id, '/', len) != NULL) {
        prepare_error(ctx, HTTP_NOT_FOUND, "not_found", "no such path");
        return false;
    }
    char subject[REQUEST_DECODE_DETAIL_MAX];
    snprintf(subject, sizeof subject, "%s in the path", what);
    request_decode_result d = decode_id(id, len, subject);
    if (d.status != REQUEST_DECODE_OK) {
        prepare_reply(ctx, reply_invalid(&d));
        return false;
    }
    memcpy(ctx->id, id, len);
    ctx->id[len] = '\0';
    return true;
}

static void route_status(request_ctx *ctx, const char *method, request_action action)
{
    if (method_is_get(method))
        ctx->action = action;
    else
        prepare_method_not_allowed(ctx, "GET, HEAD");
}

static const char confirm_suffix[] = "/confirm";

/* Whether rest (what follows "/v1/bookings/") is "{id}/confirm" with a non-empty
 * {id} free of '/': ConfirmBooking (SPEC section 5). */
static bool is_confirm_path(const char *rest)
{
    const char *slash = strchr(rest, '/');
    return slash != NULL && slash != rest && strcmp(slash, confirm_suffix) == 0;
}

/* POST /v1/bookings/{id}/confirm takes no body: one sent is read and discarded. */
static void route_confirm(request_ctx *ctx, const char *rest, const char *method)
{
    size_t id_len = strlen(rest) - (sizeof confirm_suffix - 1);
    if (!method_is(method, MHD_HTTP_METHOD_POST))
        prepare_method_not_allowed(ctx, "POST");
    else if (take_path_id(ctx, rest, id_len, "booking_id"))
        ctx->action = ACTION_BOOKING_CONFIRM;
}

/* Decides from the headers what the request is; a refusal is prepared, not sent,
 * so that the body is still read and the connection can stay open. */
static void route(request_ctx *ctx, const char *url, const char *method)
{
    static const char bookings[] = "/v1/bookings";
    static const char resources[] = "/v1/resources/";
    const size_t bookings_len = sizeof bookings - 1;
    const size_t resources_len = sizeof resources - 1;

    if (strcmp(url, "/healthz") == 0) {
        route_status(ctx, method, ACTION_HEALTHZ);
        return;
    }
    if (!authorized(ctx->server, ctx->connection)) {
        prepare_error(ctx, HTTP_UNAUTHORIZED, "unauthorized", "a valid bearer token is required");
        return;
    }
    if (strcmp(url, "/readyz") == 0) {
        route_status(ctx, method, ACTION_READYZ);
    } else if (strcmp(url, "/metrics") == 0) {
        route_status(ctx, method, ACTION_METRICS);
    } else if (strcmp(url, "/openapi.json") == 0) {
        route_status(ctx, method, ACTION_OPENAPI);
    } else if (strcmp(url, bookings) == 0) {
        if (method_is(method, MHD_HTTP_METHOD_POST)) {
            ctx->action = ACTION_ATTEMPT;
            ctx->body_max = REQUEST_BODY_ATTEMPT_MAX;
        } else {
            prepare_method_not_allowed(ctx, "POST");
        }
    } else if (strncmp(url, bookings, bookings_len) == 0 && url[bookings_len] == '/' &&
               is_confirm_path(url + bookings_len + 1)) {
        route_confirm(ctx, url + bookings_len + 1, method);
    } else if (strncmp(url, bookings, bookings_len) == 0 && url[bookings_len] == '/') {
        const char *id = url + bookings_len + 1;
        /* "batch" is a valid booking id too: only POST means the batch endpoint. */
        bool batch = strcmp(id, "batch") == 0;
        if (strchr(id, '/') != NULL) {
            /* No route lies below /v1/bookings/{id} but .../confirm: whatever the method. */
            prepare_error(ctx, HTTP_NOT_FOUND, "not_found", "no such path");
        } else if (batch && method_is(method, MHD_HTTP_METHOD_POST)) {
            ctx->action = ACTION_BATCH;
            ctx->body_max = REQUEST_BODY_BATCH_MAX;
        } else if (!method_is_get(method) && !method_is(method, MHD_HTTP_METHOD_DELETE)) {
            prepare_method_not_allowed(ctx, batch ? "GET, HEAD, DELETE, POST" : "GET, HEAD, DELETE");
        } else if (take_path_id(ctx, id, strlen(id), "booking_id")) {
            ctx->action = method_is_get(method) ? ACTION_BOOKING_GET : ACTION_BOOKING_CANCEL;
        }
    } else if (strncmp(url, resources, resources_len) == 0) {
        const char *id = url + resources_len;
        if (!method_is_get(method) && !method_is(method, MHD_HTTP_METHOD_PUT)) {
            prepare_method_not_allowed(ctx, "GET, HEAD, PUT");
        } else if (take_path_id(ctx, id, strlen(id), "resource_id")) {
            ctx->action = method_is_get(method) ? ACTION_RESOURCE_GET : ACTION_RESOURCE_PUT;
            if (ctx->action == ACTION_RESOURCE_PUT)
                ctx->body_max = REQUEST_BODY_CAPACITY_MAX;
        }
    } else {
        prepare_error(ctx, HTTP_NOT_FOUND, "not_found", "no such path");
    }
}

/* ---- request bodies ---- */

static void body_append(request_ctx *ctx, const char *data, size_t size)
{
    if (ctx->body_max == 0 || ctx->body_too_big)
        return; /* this action reads no body, or it is already refused: discard */
    if (size > ctx->body_max - ctx->body_len) {
        ctx->body_too_big = true;
        free(ctx->body);
        ctx->body = NULL;
        ctx->body_len = ctx->body_cap = 0;
        return;
    }
    if (ctx->body_len + size > ctx->body_cap) {
        size_t cap = ctx->body_cap > 0 ? ctx->body_cap : 1024;
        while (cap < ctx->body_len + size)
            cap *= 2;
        if (cap > ctx->body_max)
            cap = ctx->body_max;
        char *grown = realloc(ctx->body, cap);
        if (grown == NULL) {
            /* Refused like an oversized body; the answer says why. */
            ctx->body_too_big = true;
            free(ctx->body);
            ctx->body = NULL;
            ctx->body_len = ctx->body_cap = 0;
            return;
        }
        ctx->body = grown;
        ctx->body_cap = cap;
    }
    memcpy(ctx->body + ctx->body_len, data, size);
    ctx->body_len += size;
}

/* A declared Content-Length over the limit is refused before the body is read. */
static bool declared_too_big(request_ctx *ctx)
{
    if (ctx->body_max == 0)
        return false;
    const char *value = MHD_lookup_connection_value(ctx->connection, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (value == NULL)
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long n = strtoull(value, &end, 10);
    return errno == ERANGE || (end != value && n > ctx->body_max);
}

static http_reply reply_too_big(const request_ctx *ctx)
{
    char detail[REQUEST_DECODE_DETAIL_MAX];
    snprintf(detail, sizeof detail, "body larger than %zu bytes", ctx->body_max);
    return reply_error(HTTP_BAD_REQUEST, "invalid_request", detail);
}

/* ---- attempts, confirms and cancels: queue, wait, answer ---- */

static void item_committed(commit_item *item)
{
    request_ctx *ctx = item->arg;
    struct MHD_Connection *connection = ctx->connection;
    atomic_store_explicit(&ctx->committed, true, memory_order_release);
    MHD_resume_connection(connection);
}

static void suspend_connection(void *arg)
{
    MHD_suspend_connection(arg);
}

static void fail_all(booking_result *results, size_t count, booking_reason reason)
{
    for (size_t i = 0; i < count; i++)
        results[i] = (booking_result){.outcome = BOOKING_FAILED, .reason = reason};
}

static enum MHD_Result answer_attempts(request_ctx *ctx)
{
    http_server *s = ctx->server;
    for (size_t i = 0; i < ctx->item.count; i++)
        metrics_outcome(&s->metrics, &ctx->results[i]);
    const booking_request *requests = ctx->attempts.requests;
    if (ctx->action == ACTION_ATTEMPT)
        return send_reply(ctx, reply_attempt(requests, ctx->results));
    return send_reply(ctx, reply_batch(requests, ctx->results, ctx->item.count));
}

/* Bodies are decoded here and only here (json/request_decode.h): the attempts'
 * before they are queued, the capacity's before the library is called. */
static enum MHD_Result queue_attempts(request_ctx *ctx)
{
    bool batch = ctx->action == ACTION_BATCH;
    request_decode_result d = decode_attempts(ctx->body, ctx->body_len, batch, &ctx->attempts);
    if (d.status != REQUEST_DECODE_OK)
        return send_reply(ctx, reply_invalid(&d));
    size_t count = ctx->attempts.count;
    ctx->results = batch ? malloc(count * sizeof *ctx->results) : &ctx->single_result;
    if (ctx->results == NULL)
        return send_reply(ctx, reply_error(HTTP_INTERNAL, "internal", "out of memory"));
    free(ctx->body); /* decoded: the raw bytes are not needed any more */
    ctx->body = NULL;
    ctx->body_len = ctx->body_cap = 0;

    ctx->item = (commit_item){.requests = ctx->attempts.requests, .results = ctx->results,
                              .count = count, .done = item_committed, .arg = ctx};
    ctx->state = STATE_WAITING;
    committer_push_result r = committer_push(ctx->server->committer, &ctx->item,
                                             suspend_connection, ctx->connection);
    if (r == COMMITTER_QUEUED)
        return MHD_YES; /* suspended; item_committed() resumes it */
    /* Not taken: answered at once, FAILED, nothing was done. */
    fail_all(ctx->results, count,
             r == COMMITTER_FULL ? BOOKING_REASON_BUSY : BOOKING_REASON_UNAVAILABLE);
    return answer_attempts(ctx);
}

static enum MHD_Result answer_change(request_ctx *ctx)
{
    server_metrics *m = &ctx->server->metrics;
    booking_store *st = ctx->server->store;
    if (ctx->change.kind == BOOKING_CHANGE_CONFIRM)
        return send_reply(ctx, reply_confirm(st, m, ctx->id, ctx->change_reason,
                                             &ctx->change_record));
    return send_reply(ctx, reply_cancel(st, m, ctx->id, ctx->change_reason, &ctx->change_record));
}

/* The answer once the committer is done (or refused the item). */
static enum MHD_Result answer_committed(request_ctx *ctx)
{
    if (ctx->item.kind == COMMIT_CHANGES)
        return answer_change(ctx);
    return answer_attempts(ctx);
}

/* A confirm or a cancel: the id was checked when routed (decode_id), so it goes
 * to the committer as is, and is answered as an attempt is, from item_committed(). */
static enum MHD_Result queue_change(request_ctx *ctx, booking_change_kind kind)
{
    ctx->change = (booking_change){.booking_id = ctx->id, .kind = kind};
    ctx->change_record = (booking_record){0};
    ctx->item = (commit_item){.kind = COMMIT_CHANGES, .changes = &ctx->change,
                              .reasons = &ctx->change_reason, .records = &ctx->change_record,
                              .count = 1, .done = item_committed, .arg = ctx};
    ctx->state = STATE_WAITING;
    committer_push_result r = committer_push(ctx->server->committer, &ctx->item,
                                             suspend_connection, ctx->connection);
    if (r == COMMITTER_QUEUED)
        return MHD_YES; /* suspended; item_committed() resumes it */
    /* Not taken: answered at once, as a refused attempt is; nothing was done. */
    ctx->change_reason = r == COMMITTER_FULL ? BOOKING_REASON_BUSY : BOOKING_REASON_UNAVAILABLE;
    return answer_change(ctx);
}

static enum MHD_Result put_capacity(request_ctx *ctx)
{
    uint64_t capacity;
    request_decode_result d = decode_capacity(ctx->body, ctx->body_len, &capacity);
    if (d.status != REQUEST_DECODE_OK)
        return send_reply(ctx, reply_invalid(&d));
    return send_reply(ctx, endpoint_resource_put(ctx->server->store, ctx->id, capacity));
}

/* ---- the access handler ---- */

static request_ctx *request_begin(http_server *s, struct MHD_Connection *connection,
                                  const char *url, const char *method)
{
    request_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return NULL;
    ctx->server = s;
    ctx->connection = connection;
    ctx->start_ns = now_ns();
    ctx->state = STATE_READING;
    atomic_init(&ctx->committed, false);
    snprintf(ctx->method, sizeof ctx->method, "%s", method);
    snprintf(ctx->path, sizeof ctx->path, "%s", url);
    atomic_fetch_add(&s->in_flight, 1);
    route(ctx, url, method);
    return ctx;
}

static enum MHD_Result dispatch(request_ctx *ctx)
{
    http_server *s = ctx->server;
    ctx->answering = true;
    atomic_fetch_add(&s->answering, 1);
    if (ctx->action == ACTION_REPLY) {
        http_reply r = ctx->prepared;
        ctx->prepared.body = NULL; /* handed over */
        ctx->prepared.text = NULL;
        return send_reply(ctx, r);
    }
    if (ctx->body_too_big)
        return send_reply(ctx, reply_too_big(ctx));
    switch (ctx->action) {
    case ACTION_ATTEMPT:
    case ACTION_BATCH:
        return queue_attempts(ctx);
    case ACTION_BOOKING_GET:
        return send_reply(ctx, endpoint_booking_get(s->store, ctx->id));
    case ACTION_BOOKING_CANCEL:
        return queue_change(ctx, BOOKING_CHANGE_CANCEL);
    case ACTION_BOOKING_CONFIRM:
        return queue_change(ctx, BOOKING_CHANGE_CONFIRM);
    case ACTION_RESOURCE_GET:
        return send_reply(ctx, endpoint_resource_get(s->store, ctx->id));
    case ACTION_RESOURCE_PUT:
        return put_capacity(ctx);
    case ACTION_HEALTHZ:
        return send_reply(ctx, endpoint_healthz());
    case ACTION_READYZ:
        /* One look at the flag: a "ready" answer never closes its connection
         * and a "draining" one always does (a second look could disagree). */
        ctx->readyz_draining = atomic_load(&s->draining);
        return send_reply(ctx, endpoint_readyz(s->store, ctx->readyz_draining));
    case ACTION_METRICS:
        return send_metrics(ctx);
    case ACTION_OPENAPI:
        return send_openapi(ctx);
    case ACTION_REPLY:
        break;
    }
    return send_reply(ctx, reply_error(HTTP_INTERNAL, "internal", "unrouted request"));
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *connection,
                                      const char *url, const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    (void)version;
    http_server *s = cls;
    request_ctx *ctx = *con_cls;
    if (ctx == NULL) {
        ctx = request_begin(s, connection, url, method);
        if (ctx == NULL)
            return MHD_NO;
        *con_cls = ctx;
        if (ctx->action != ACTION_REPLY && declared_too_big(ctx)) {
            ctx->answering = true;
            atomic_fetch_add(&s->answering, 1);
            return send_reply(ctx, reply_too_big(ctx)); /* MHD then closes the connection */
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (ctx->state == STATE_READING)
            body_append(ctx, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    switch (ctx->state) {
    case STATE_READING:
        return dispatch(ctx);
    case STATE_WAITING:
        if (!atomic_load_explicit(&ctx->committed, memory_order_acquire))
            return MHD_YES; /* not for us yet: stay until resumed */
        return answer_committed(ctx);
    case STATE_ANSWERED:
        break;
    }
    return MHD_YES;
}

/* ---- completion and access log ---- */

static void log_access(http_server *s, request_ctx *ctx)
{
    char when[32] = "-";
    struct timespec ts;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm) != NULL) {
        size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);
    }
    char client[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(ctx->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != NULL && info->client_addr != NULL) {
        const struct sockaddr *sa = info->client_addr;
        const void *addr = sa->sa_family == AF_INET6
                               ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                               : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
        if (inet_ntop(sa->sa_family, addr, client, sizeof client) == NULL)
            snprintf(client, sizeof client, "-");
    }
    /* The path is the client's: keep the line one line of printable ASCII. */
    for (char *p = ctx->path; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    }
    double ms = (double)(now_ns() - ctx->start_ns) / 1e6;
    flockfile(s->access_log);
    fprintf(s->access_log, "%s %s %s %s %u %.3fms\n", when, client, ctx->method, ctx->path,
            ctx->status, ms);
    fflush(s->access_log);
    funlockfile(s->access_log);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)connection;
    (void)toe;
    http_server *s = cls;
    request_ctx *ctx = *con_cls;
    if (ctx == NULL)
        return;
    *con_cls = NULL;
    if (s->access_log != NULL)
        log_access(s, ctx);
    json_decref(ctx->prepared.body);
    free(ctx->prepared.text);
    free(ctx->body);
    decoded_attempts_free(&ctx->attempts);
    if (ctx->results != &ctx->single_result)
        free(ctx->results);
    if (ctx->answering)
        atomic_fetch_sub(&s->answering, 1);
    free(ctx);
    atomic_fetch_sub(&s->in_flight, 1);
}

/* ---- start and stop ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %HH in the path like MHD's own unescaper, except %00: decoded, it would
 * cut the C string short, so "/v1/resources/r%00x" would act on "r". Left as is,
 * the '%' makes the id invalid and the request gets its 400. */
static size_t unescape_path(void *cls, struct MHD_Connection *connection, char *s)
{
    (void)cls;
    (void)connection;
    char *out = s;
    for (const char *in = s; *in != '\0'; out++) {
        int hi = in[0] == '%' ? hex_value(in[1]) : -1;
        int lo = hi >= 0 ? hex_value(in[2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            *out = (char)(hi * 16 + lo);
            in += 3;
        } else {
            *out = *in++;
        }
    }
    *out = '\0';
    return (size_t)(out - s);
}

__attribute__((format(printf, 2, 0))) /* lets clang check the vsnprintf below */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    fprintf(stderr, "booking serve: libmicrohttpd: %s\n", line);
}

__attribute__((format(printf, 3, 4))) static int fail(char *errbuf, size_t len, const char *fmt, ...)
{
    if (errbuf != NULL && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "HOST:PORT", "[V6]:PORT"; numeric or resolvable host; port 0..65535. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *addr_len,
                        char *errbuf, size_t errbuf_len)
{
    char host[SERVER_HOST_LEN_MAX];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen || colon[1] == '\0')
        return fail(errbuf, errbuf_len, "--listen '%s': expected HOST:PORT", listen);
    const char *h = listen;
    size_t hlen = (size_t)(colon - listen);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof host)
        return fail(errbuf, errbuf_len, "--listen '%s': bad host", listen);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    for (const char *p = colon + 1; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return fail(errbuf, errbuf_len, "--listen '%s': port must be 0 to 65535", listen);
    }
    if (strlen(colon + 1) > 5 || atol(colon + 1) > 65535)
        return fail(errbuf, errbuf_len, "--listen '%s': port must be 0 to 65535", listen);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || res == NULL)
        return fail(errbuf, errbuf_len, "--listen '%s': %s", listen, gai_strerror(rc));
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void describe_bound(http_server *s, const struct sockaddr_storage *asked)
{
    int fd = -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    if (info != NULL)
        fd = info->listen_fd;
    struct sockaddr_storage bound;
    socklen_t len = sizeof bound;
    const struct sockaddr_storage *a = asked;
    if (fd >= 0 && getsockname(fd, (struct sockaddr *)&bound, &len) == 0)
        a = &bound;
    char text[INET6_ADDRSTRLEN] = "?";
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        snprintf(s->host, sizeof s->host, "[%s]", text);
        s->port = ntohs(in6->sin6_port);
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)a;
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        snprintf(s->host, sizeof s->host, "%s", text);
        s->port = ntohs(in->sin_port);
    }
}

int server_start(const server_config *cfg, http_server **out, char *errbuf, size_t errbuf_len)
{
    *out = NULL;
    if (cfg->store == NULL || cfg->threads < 1 || cfg->threads > SERVER_THREADS_MAX ||
        cfg->max_connections < 1 || cfg->max_connections > SERVER_CONNECTIONS_MAX) {
        fail(errbuf, errbuf_len, "bad server configuration");
        return SERVER_START_USAGE;
    }
    struct sockaddr_storage addr;
    socklen_t addr_len;
    if (parse_listen(cfg->listen, &addr, &addr_len, errbuf, errbuf_len) != 0)
        return SERVER_START_USAGE;
    (void)addr_len;

    http_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return fail(errbuf, errbuf_len, "out of memory");
    s->store = cfg->store;
    s->access_log = cfg->access_log;
    metrics_init(&s->metrics);
    atomic_init(&s->draining, false);
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->answering, 0);
    if (cfg->token != NULL) {
        s->token_len = strlen(cfg->token);
        s->token = strdup(cfg->token);
        if (s->token == NULL) {
            free(s);
            return fail(errbuf, errbuf_len, "out of memory");
        }
    }
    int rc = committer_start(cfg->store, &s->metrics, COMMITTER_QUEUE_ATTEMPTS_MAX, &s->committer);
    if (rc != 0) {
        free(s->token);
        free(s);
        return fail(errbuf, errbuf_len, "cannot start the committer: %s", strerror(rc));
    }

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, access_handler, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, so every message goes through it */
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVER_CONNECTION_TIMEOUT_S,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, s,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_path, NULL,
        MHD_OPTION_END);
    if (s->daemon == NULL) {
        int e = errno;
        committer_stop(s->committer);
        committer_free(s->committer);
        free(s->token);
        free(s);
        return fail(errbuf, errbuf_len, "cannot listen on %s: %s", cfg->listen,
                    e != 0 ? strerror(e) : "libmicrohttpd refused to start");
    }
    describe_bound(s, &addr);
    *out = s;
    return 0;
}

uint16_t server_port(const http_server *s)
{
    return s->port;
}

const char *server_host(const http_server *s)
{
    return s->host;
}

static void drain_wait(atomic_long *count, long timeout_ms)
{
    for (long waited_ms = 0; atomic_load(count) > 0 && waited_ms < timeout_ms;
         waited_ms += SERVER_DRAIN_POLL_MS) {
        struct timespec pause = {.tv_sec = 0, .tv_nsec = SERVER_DRAIN_POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
}

void server_stop(http_server *s)
{
    if (s == NULL)
        return;
    /* Refuse new attempts and stop accepting before anyone can see "draining", so
     * a client told "draining" also finds both already true. The listening socket
     * is ours to close once quiesced. */
    committer_close(s->committer);
    MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    atomic_store(&s->draining, true);
    /* Decide and answer everything queued; from here on nothing is suspended. */
    committer_stop(s->committer);
    /* Let the answers in flight go out; then give requests still arriving a short
     * grace (a stalled client must not hold the stop for long). */
    drain_wait(&s->answering, SERVER_DRAIN_TIMEOUT_MS);
    drain_wait(&s->in_flight, SERVER_DRAIN_READING_GRACE_MS);
    MHD_stop_daemon(s->daemon);
    committer_free(s->committer); /* no handler can push any more */
    free(s->token);
    free(s);
}
