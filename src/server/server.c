/* SPDX-License-Identifier: MIT */
/*
 * server.c: the HTTP side of `booking serve`: routing, bearer token, request
 * bodies, answers, access log and graceful stop, over our own HTTP/1.1 loop
 * (server/http_loop.c: workers, sockets, deadlines; server/http_conn.c: framing).
 *
 * NOTES ON THE DESIGN
 *  (1) Threads: each worker of the loop runs an epoll loop; one committer thread
 *      (committer.c) owns all writes but capacity changes: attempts, confirms and
 *      cancels. Their request waits for its transaction without blocking its
 *      worker: the worker goes on with other connections (but for (6), where it
 *      has none).
 *  (2) A request's life, in the loop's handler calls (all on its worker):
 *        begin (the head)      -> request_ctx made; token, route and method checked
 *        body (bytes)          -> body kept (bounded by SPEC section 3) or discarded
 *        end (body done)       -> answer now, or (committed) queue and wait
 *        resumed               -> answer with the committed results
 *        completed             -> the answer went out: logged and freed
 *      The committer writes the results, then resumes (http_link_resume); the
 *      context is freed only in completed, after the last other call.
 *  (3) Every head is read strictly (server/http_head.c) and checked by the guard
 *      before begin: a head that fails gets its problem answer from the loop, and
 *      the connection closes.
 *  (4) Every waiting request is resumed before the loop stops: committer_stop()
 *      answers everything queued before server_stop() goes on, and once the
 *      committer is closed nothing more is queued (push fails).
 *  (5) Bad input never reaches the store: json/request_decode.c checks every body and
 *      ids in paths are checked with decode_id (booking_id_valid) before any call.
 *  (6) When the committer is idle and the connection is its worker's only one, a
 *      request commits inside its own end() (committer_submit; another connection
 *      must not wait for a transaction that is not its own, which a stuck store
 *      can make last seconds): item_committed() then runs on the request's worker,
 *      whose resume only lists the link; resumed() comes after end() returned,
 *      before the worker waits again, so no handler call nests in another.
 */
#include "server/server.h"
#include "server/committer.h"
#include "server/endpoints.h"
#include "server/gate.h"
#include "server/http_chars.h"
#include "server/http_head.h"
#include "server/http_loop.h"
#include "server/http_guard.h"
#include "server/list_query.h"
#include "server/metrics.h"
#include "server/problem.h"
#include "json/booking_json.h"
#include "json/json_alloc.h"
#include "json/request_decode.h"
#include "util/hex.h"
#include "util/monotonic.h"
#include "booking_openapi_json.h" /* generated from docs/openapi.json */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER_HOST_LEN_MAX 64
#define SERVER_LOG_PATH_MAX 200   /* bytes of the path kept for the access log */
#define SERVER_LOG_USER_AGENT_MAX 200 /* bytes of the User-Agent kept for the access log */
#define SERVER_REQUEST_ID_LEN 16      /* hex digits of a request id */
#define SERVER_DRAIN_POLL_MS 10
#define CONTENT_TYPE_JSON "application/json"
/* Bytes of a Content-Type value looked at (a longer one is not JSON's). */
#define SERVER_MEDIA_TYPE_MAX 256
/* Bytes of the headers server.c adds to an answer (the loop adds the rest). */
#define SERVER_ANSWER_HEADERS_MAX 768
#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct http_server {
    http_loop *loop;
    gate *gate;
    booking_store *store;
    committer *committer;
    server_metrics metrics;
    char *token; /* NULL: no token required */
    size_t token_len;
    server_log *access_log;
    server_log *events;
    server_log default_events;      /* stderr, when the config names none */
    uint64_t request_id_key;        /* per process, random: request ids do not repeat
                                       across restarts or instances */
    atomic_uint_fast64_t request_seq;
    atomic_bool draining;
    atomic_bool commit_failed; /* the last commit failed: /readyz 503 until one succeeds */
    atomic_long in_flight; /* requests between their first handler call and completion */
    atomic_long answering; /* of those, the ones past reading: queued or answer queued */
    atomic_size_t body_bytes; /* of request bodies held, all connections (SERVER_BODIES_BYTES_MAX) */
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
    ACTION_RESOURCE_LIST,
    ACTION_BOOKING_LIST,
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
    http_link *link;
    const http_head *head; /* during begin only */
    request_action action;
    request_state state;
    http_reply prepared;   /* for ACTION_REPLY */
    char id[BOOKING_ID_LEN_MAX + 1];
    list_query list;       /* a listing's query, checked when routed */
    /* The body: kept up to body_max bytes for the actions that read one. */
    char *body;
    size_t body_len;
    size_t body_cap;
    size_t body_max;
    size_t body_seen;      /* bytes of body received, kept or not */
    bool body_too_big;
    bool body_nomem;       /* a buffer for a valid body could not be had: 503 */
    bool body_overload;    /* bodies in flight are at SERVER_BODIES_BYTES_MAX: 503 */
    bool close_after;      /* the answer closes the connection (framing untrusted) */
    char raw_query[SERVER_LOG_PATH_MAX + 1]; /* "?..." as sent, for the access log; "" if none */
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
    char request_id[SERVER_REQUEST_ID_LEN + 1]; /* also the X-Request-Id header */
    char user_agent[SERVER_LOG_USER_AGENT_MAX + 1];
    size_t bytes_sent;     /* the answer's body */
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
    case ACTION_RESOURCE_LIST: return METRICS_ROUTE_RESOURCE_LIST;
    case ACTION_BOOKING_LIST: return METRICS_ROUTE_BOOKING_LIST;
    case ACTION_HEALTHZ: return METRICS_ROUTE_HEALTHZ;
    case ACTION_READYZ: return METRICS_ROUTE_READYZ;
    case ACTION_METRICS: return METRICS_ROUTE_METRICS;
    case ACTION_OPENAPI: return METRICS_ROUTE_OPENAPI;
    case ACTION_REPLY: break;
    }
    return METRICS_ROUTE_REFUSED;
}

/* ---- answers ---- */

static const char fixed_oom_body[] = PROBLEM_OOM_BODY;

/* Appends the header line name, value, CRLF to h[0..*len) (bounded by
 * SERVER_ANSWER_HEADERS_MAX), NUL-terminated. By hand, not vsnprintf: a format's
 * parse per line cost ~900 instructions per answer, ~9% of a worker's request. */
static void add_header(char *h, size_t *len, const char *name, const char *value)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    assert(*len < SERVER_ANSWER_HEADERS_MAX && h[*len] == '\0');
    assert(name_len + value_len + 2 < SERVER_ANSWER_HEADERS_MAX - *len);
    if (name_len + value_len + 2 >= SERVER_ANSWER_HEADERS_MAX - *len)
        return; /* never, with the service's headers: the line is left out */
    char *at = h + *len;
    memcpy(at, name, name_len);
    memcpy(at + name_len, value, value_len);
    memcpy(at + name_len + value_len, "\r\n", 3); /* and the NUL */
    *len += name_len + value_len + 2;
}

/* Queues text (malloc'd, owned from here on) as the answer. */
static bool send_text(request_ctx *ctx, unsigned status, char *text, size_t len,
                      const char *content_type, const char *allow, bool retry_after,
                      const char *location_id)
{
    http_server *s = ctx->server;
    bool owned = true;
    if (text == NULL) {
        /* A shortage of memory is never the client's: 503, retry (SPEC section 5). */
        status = HTTP_UNAVAILABLE;
        content_type = PROBLEM_CONTENT_TYPE;
        retry_after = true;
        text = (char *)fixed_oom_body;
        len = sizeof fixed_oom_body - 1;
        owned = false;
        location_id = NULL;
    }
    char h[SERVER_ANSWER_HEADERS_MAX];
    size_t hl = 0;
    h[0] = '\0';
    add_header(h, &hl, "Content-Type: ", content_type);
    if (allow != NULL)
        add_header(h, &hl, "Allow: ", allow);
    if (retry_after)
        add_header(h, &hl, "Retry-After: ", ENDPOINT_RETRY_AFTER_TEXT);
    if (location_id != NULL)
        add_header(h, &hl, "Location: /v1/bookings/", location_id);
    if (status == HTTP_UNAUTHORIZED)
        add_header(h, &hl, "WWW-Authenticate: ", "Bearer");
    if (ctx->request_id[0] != '\0')
        add_header(h, &hl, "X-Request-Id: ", ctx->request_id);
    /* While stopping, every answer closes its connection, so clients go elsewhere;
     * /readyz decides once, for its body and this header alike. */
    bool closing = ctx->action == ACTION_READYZ ? ctx->readyz_draining
                                                : atomic_load(&s->draining);
    closing = closing || ctx->close_after;
    bool r = http_link_answer(ctx->link, status, h, text, len, owned, closing);
    ctx->status = status;
    ctx->bytes_sent = len;
    ctx->state = STATE_ANSWERED;
    metrics_status(&s->metrics, status);
    metrics_latency(&s->metrics, route_of(ctx->action), monotonic_ns() - ctx->start_ns);
    return r;
}

static bool send_reply(request_ctx *ctx, http_reply reply)
{
    if (reply.text != NULL) {
        json_decref(reply.body); /* NULL: text replies carry no tree */
        return send_text(ctx, reply.status, reply.text, reply.text_len, CONTENT_TYPE_JSON,
                         reply.allow, reply.retry_after, reply.location_id);
    }
    size_t len = 0;
    char *text = booking_json_line(reply.body, &len); /* NULL: the fixed 503 */
    return send_text(ctx, reply.status, text, len,
                     reply.problem ? PROBLEM_CONTENT_TYPE : CONTENT_TYPE_JSON, reply.allow,
                     reply.retry_after, reply.location_id);
}

/* GET /openapi.json: docs/openapi.json, embedded at build time (cmake/EmbedFile.cmake). */
static bool send_openapi(request_ctx *ctx)
{
    char *text = malloc(booking_openapi_json_len);
    if (text == NULL)
        return send_text(ctx, HTTP_INTERNAL, NULL, 0, NULL, NULL, false, NULL);
    memcpy(text, booking_openapi_json, booking_openapi_json_len);
    return send_text(ctx, HTTP_OK, text, booking_openapi_json_len, CONTENT_TYPE_JSON, NULL, false, NULL);
}

static bool send_metrics(request_ctx *ctx)
{
    booking_store_stats stats = {0};
    if (booking_store_get_stats(ctx->server->store, &stats) != BOOKING_OK)
        return send_text(ctx, HTTP_INTERNAL, NULL, 0, NULL, NULL, false, NULL);
    size_t len = 0;
    char *text = metrics_render(&ctx->server->metrics, &stats, &len);
    if (text == NULL)
        return send_text(ctx, HTTP_INTERNAL, NULL, 0, NULL, NULL, false, NULL);
    return send_text(ctx, HTTP_OK, text, len, CONTENT_TYPE_METRICS, NULL, false, NULL);
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

static bool authorized(http_server *s, const http_head *head)
{
    if (s->token == NULL)
        return true;
    size_t len = 0;
    const char *value = http_head_field(head, "Authorization", &len);
    if (value == NULL)
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
    return method_is(method, "GET") || method_is(method, "HEAD");
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
    char detail[64];
    snprintf(detail, sizeof detail, "allowed: %s", allow);
    http_reply r = reply_error(HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", detail);
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
    if (!method_is(method, "POST"))
        prepare_method_not_allowed(ctx, "POST");
    else if (take_path_id(ctx, rest, id_len, "booking_id"))
        ctx->action = ACTION_BOOKING_CONFIRM;
}

/* Decodes %HH in s[0..len) into out (room for len + 1), NUL-terminated, and in a
 * query '+' as a space: except %00, which decoded would cut the C string short
 * ("/v1/resources/r%00x" would act on "r"); left as is, its '%' makes an id
 * invalid and the request gets its 400. Returns the decoded length. */
static size_t unescape(const char *s, size_t len, char *out, bool plus)
{
    char *o = out;
    for (size_t i = 0; i < len;) {
        int hi = s[i] == '%' && i + 2 < len ? http_hex_value((unsigned char)s[i + 1]) : -1;
        int lo = hi >= 0 ? http_hex_value((unsigned char)s[i + 2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 3;
        } else {
            *o++ = plus && s[i] == '+' ? ' ' : s[i];
            i++;
        }
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* The query q[0..len) ("a=1&b=2", without '?'), one parameter at a time into the
 * listing's check, decoded. An empty segment ("?&limit=5", "a=1&&b=2") is nothing. */
static void list_query_parse(list_query *query, const char *q, size_t len)
{
    char key[HTTP_HEAD_MAX + 1], value[HTTP_HEAD_MAX + 1];
    for (size_t at = 0; at <= len;) {
        const char *seg = q + at;
        const char *amp = memchr(seg, '&', len - at);
        size_t seg_len = amp != NULL ? (size_t)(amp - seg) : len - at;
        at += seg_len + 1;
        if (seg_len == 0)
            continue;
        const char *eq = memchr(seg, '=', seg_len);
        size_t key_len = eq != NULL ? (size_t)(eq - seg) : seg_len;
        unescape(seg, key_len, key, true);
        if (eq != NULL)
            unescape(eq + 1, seg_len - key_len - 1, value, true);
        if (!list_query_add(query, key, eq != NULL ? value : NULL))
            return;
    }
}

/* A listing (GET or HEAD only) with its query checked now: a bad parameter is a
 * 400 before the store is asked anything. */
static void route_list(request_ctx *ctx, const char *method, request_action action,
                       list_query_kind kind)
{
    if (!method_is_get(method)) {
        prepare_method_not_allowed(ctx, "GET, HEAD");
        return;
    }
    list_query_init(&ctx->list, kind);
    size_t target_len = ctx->head->target_len;
    const char *question = memchr(ctx->head->target, '?', target_len);
    if (question != NULL)
        list_query_parse(&ctx->list, question + 1,
                         target_len - (size_t)(question + 1 - ctx->head->target));
    if (ctx->list.result.status != REQUEST_DECODE_OK)
        prepare_reply(ctx, reply_invalid(&ctx->list.result));
    else
        ctx->action = action;
}

static const char bookings_suffix[] = "/bookings";

/* Whether rest (what follows "/v1/resources/") is "{id}/bookings" with a
 * non-empty {id} free of '/': ListBookings (SPEC section 5). */
static bool is_bookings_path(const char *rest)
{
    const char *slash = strchr(rest, '/');
    return slash != NULL && slash != rest && strcmp(slash, bookings_suffix) == 0;
}

/* Decides from the headers what the request is; a refusal is prepared, not sent,
 * so that the body is still read and the connection can stay open. */
static void route(request_ctx *ctx, const char *url, const char *method)
{
    static const char bookings[] = "/v1/bookings";
    static const char resources[] = "/v1/resources/";
    static const char resources_list[] = "/v1/resources";
    const size_t bookings_len = sizeof bookings - 1;
    const size_t resources_len = sizeof resources - 1;

    if (strcmp(url, "/healthz") == 0) {
        route_status(ctx, method, ACTION_HEALTHZ);
        return;
    }
    if (!authorized(ctx->server, ctx->head)) {
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
        if (method_is(method, "POST")) {
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
        } else if (batch && method_is(method, "POST")) {
            ctx->action = ACTION_BATCH;
            ctx->body_max = REQUEST_BODY_BATCH_MAX;
        } else if (!method_is_get(method) && !method_is(method, "DELETE")) {
            prepare_method_not_allowed(ctx, batch ? "GET, HEAD, DELETE, POST" : "GET, HEAD, DELETE");
        } else if (take_path_id(ctx, id, strlen(id), "booking_id")) {
            ctx->action = method_is_get(method) ? ACTION_BOOKING_GET : ACTION_BOOKING_CANCEL;
        }
    } else if (strcmp(url, resources_list) == 0) {
        route_list(ctx, method, ACTION_RESOURCE_LIST, LIST_QUERY_RESOURCES);
    } else if (strncmp(url, resources, resources_len) == 0 &&
               is_bookings_path(url + resources_len)) {
        /* /v1/resources/{id}/bookings: the id is what comes before the suffix. */
        const char *id = url + resources_len;
        size_t id_len = strlen(id) - (sizeof bookings_suffix - 1);
        if (!method_is_get(method))
            prepare_method_not_allowed(ctx, "GET, HEAD");
        else if (take_path_id(ctx, id, id_len, "resource_id"))
            route_list(ctx, method, ACTION_BOOKING_LIST, LIST_QUERY_BOOKINGS);
    } else if (strncmp(url, resources, resources_len) == 0) {
        const char *id = url + resources_len;
        if (!method_is_get(method) && !method_is(method, "PUT")) {
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

/* Gives the body's buffer back, and its bytes to the total held (body_bytes). */
static void body_release(request_ctx *ctx)
{
    if (ctx->body_cap > 0)
        atomic_fetch_sub(&ctx->server->body_bytes, ctx->body_cap);
    free(ctx->body);
    ctx->body = NULL;
    ctx->body_len = ctx->body_cap = 0;
}

/* Why a body cannot be kept: the rest is discarded and the answer says why. */
typedef enum body_refusal {
    BODY_TOO_BIG,   /* over its limit: 413 */
    BODY_NOMEM,     /* the allocator failed: 503 internal */
    BODY_OVERLOAD,  /* bodies in flight would pass SERVER_BODIES_BYTES_MAX: 503 overloaded */
} body_refusal;

static void body_refuse(request_ctx *ctx, body_refusal why)
{
    ctx->body_too_big = true;
    ctx->body_nomem = why == BODY_NOMEM;
    ctx->body_overload = why == BODY_OVERLOAD;
    body_release(ctx);
}

/* Grows the buffer to cap, counted in the total held by all connections. */
static bool body_grow(request_ctx *ctx, size_t cap)
{
    atomic_size_t *total = &ctx->server->body_bytes;
    size_t more = cap - ctx->body_cap;
    if (atomic_fetch_add(total, more) + more > SERVER_BODIES_BYTES_MAX) {
        atomic_fetch_sub(total, more);
        body_refuse(ctx, BODY_OVERLOAD);
        return false;
    }
    char *grown = realloc(ctx->body, cap);
    if (grown == NULL) {
        atomic_fetch_sub(total, more);
        body_refuse(ctx, BODY_NOMEM); /* a shortage, not the client's fault */
        return false;
    }
    ctx->body = grown;
    ctx->body_cap = cap;
    return true;
}

static void body_append(request_ctx *ctx, const char *data, size_t size)
{
    if (ctx->body_max == 0 || ctx->body_too_big)
        return; /* this action reads no body, or it is already refused: discard */
    if (size > ctx->body_max - ctx->body_len) {
        body_refuse(ctx, BODY_TOO_BIG);
        return;
    }
    if (ctx->body_len + size > ctx->body_cap) {
        size_t cap = ctx->body_cap > 0 ? ctx->body_cap : 1024;
        while (cap < ctx->body_len + size)
            cap *= 2;
        if (cap > ctx->body_max)
            cap = ctx->body_max;
        if (!body_grow(ctx, cap))
            return;
    }
    assert(ctx->body_len + size <= ctx->body_cap);
    memcpy(ctx->body + ctx->body_len, data, size);
    ctx->body_len += size;
}

/* The declared Content-Length (the guard checked it is digits); 0 when none. */
static unsigned long long declared_length(request_ctx *ctx)
{
    return ctx->head->has_length ? ctx->head->content_length : 0;
}

static http_reply reply_too_big(const request_ctx *ctx)
{
    if (ctx->body_nomem)
        return reply_error(HTTP_UNAVAILABLE, "internal", "out of memory for the body");
    if (ctx->body_overload)
        return reply_error(HTTP_UNAVAILABLE, "overloaded", "too many request bodies in flight");
    char detail[REQUEST_DECODE_DETAIL_MAX];
    snprintf(detail, sizeof detail, "body larger than %zu bytes", ctx->body_max);
    return reply_error(HTTP_PAYLOAD_TOO_LARGE, "payload_too_large", detail);
}

/* ---- attempts, confirms and cancels: queue, wait, answer ---- */

/* On the committer thread, or on this request's own worker inside the push
 * (committer_submit: the committer was idle); either way only the resume, which
 * on the own worker runs resumed() after the handler call returned (6). */
static void item_committed(commit_item *item)
{
    request_ctx *ctx = item->arg;
    http_link *link = ctx->link;
    atomic_store_explicit(&ctx->committed, true, memory_order_release);
    http_link_resume(link); /* the last touch of ctx on this thread */
}

/* Queues the request's item, or commits it inline (6) when its connection is
 * alone on its worker: blocking the worker for the transaction then holds up no
 * other client (a store that waits, for a lock or a standby, waits only for it). */
static committer_push_result push_item(request_ctx *ctx)
{
    committer *c = ctx->server->committer;
    if (http_link_alone(ctx->link))
        return committer_submit(c, &ctx->item, NULL, NULL);
    return committer_push(c, &ctx->item, NULL, NULL);
}

static void fail_all(booking_result *results, size_t count, booking_reason reason)
{
    for (size_t i = 0; i < count; i++)
        results[i] = (booking_result){.outcome = BOOKING_FAILED, .reason = reason};
}

/* SPEC section 5: /readyz is 503 after a failed commit until one succeeds. Only
 * what the committer (or the store, for a capacity) decided counts: an item the
 * queue refused (busy, closed) was never tried. */
static void note_commit(http_server *s, bool failed)
{
    atomic_store(&s->commit_failed, failed);
}

static void note_committed_results(request_ctx *ctx)
{
    if (!atomic_load_explicit(&ctx->committed, memory_order_acquire))
        return;
    bool failed = false;
    if (ctx->item.kind == COMMIT_CHANGES)
        failed = booking_reason_is_failure(ctx->change_reason);
    else
        for (size_t i = 0; i < ctx->item.count; i++)
            failed = failed || ctx->results[i].outcome == BOOKING_FAILED;
    note_commit(ctx->server, failed);
}

/* A FAILED answer is the one the operator must hear of: its reason, the route
 * and the request id (which the client got in X-Request-Id). */
static void log_failed(request_ctx *ctx, booking_reason reason, size_t failed, size_t count)
{
    log_field f[] = {
        LOG_TEXT("reason", booking_reason_name(reason)),
        LOG_TEXT("method", ctx->method),
        LOG_TEXT("path", ctx->path),
        LOG_NUMBER("failed", failed),
        LOG_NUMBER("of", count),
        LOG_TEXT("request_id", ctx->request_id),
        LOG_TEXT("detail", ctx->item.detail[0] != '\0' ? ctx->item.detail : "-"),
    };
    log_event(ctx->server->events, LOG_LEVEL_ERROR, "store failure: FAILED", f,
              sizeof f / sizeof f[0]);
}

static bool answer_attempts(request_ctx *ctx)
{
    http_server *s = ctx->server;
    note_committed_results(ctx);
    size_t failed = 0;
    booking_reason first = BOOKING_REASON_OK;
    for (size_t i = 0; i < ctx->item.count; i++) {
        if (ctx->results[i].outcome == BOOKING_FAILED && failed++ == 0)
            first = ctx->results[i].reason;
    }
    if (failed > 0)
        log_failed(ctx, first, failed, ctx->item.count);
    for (size_t i = 0; i < ctx->item.count; i++)
        metrics_outcome(&s->metrics, &ctx->results[i]);
    const booking_request *requests = ctx->attempts.requests;
    if (ctx->action == ACTION_ATTEMPT)
        return send_reply(ctx, reply_attempt(requests, ctx->results));
    return send_reply(ctx, reply_batch(requests, ctx->results, ctx->item.count));
}

/* Bodies are decoded here and only here (json/request_decode.h): the attempts'
 * before they are queued, the capacity's before the library is called. */
static bool queue_attempts(request_ctx *ctx)
{
    bool batch = ctx->action == ACTION_BATCH;
    request_decode_result d = decode_attempts(ctx->body, ctx->body_len, batch, &ctx->attempts);
    if (d.status != REQUEST_DECODE_OK)
        return send_reply(ctx, reply_invalid(&d));
    size_t count = ctx->attempts.count;
    ctx->results = batch ? malloc(count * sizeof *ctx->results) : &ctx->single_result;
    if (ctx->results == NULL)
        return send_reply(ctx, reply_error(HTTP_INTERNAL, "internal", "out of memory"));
    body_release(ctx); /* decoded: the raw bytes are not needed any more */

    ctx->item = (commit_item){.requests = ctx->attempts.requests, .results = ctx->results,
                              .count = count, .done = item_committed, .arg = ctx};
    ctx->state = STATE_WAITING;
    committer_push_result r = push_item(ctx);
    if (r == COMMITTER_QUEUED || r == COMMITTER_COMMITTED)
        return true; /* it waits; item_committed() resumed it, or will (6) */
    /* Not taken: answered at once, FAILED, nothing was done. */
    fail_all(ctx->results, count,
             r == COMMITTER_FULL ? BOOKING_REASON_BUSY : BOOKING_REASON_UNAVAILABLE);
    return answer_attempts(ctx);
}

static bool answer_change(request_ctx *ctx)
{
    server_metrics *m = &ctx->server->metrics;
    note_committed_results(ctx);
    if (booking_reason_is_failure(ctx->change_reason))
        log_failed(ctx, ctx->change_reason, 1, 1);
    booking_store *st = ctx->server->store;
    if (ctx->change.kind == BOOKING_CHANGE_CONFIRM)
        return send_reply(ctx, reply_confirm(st, m, ctx->id, ctx->change_reason,
                                             &ctx->change_record));
    return send_reply(ctx, reply_cancel(st, m, ctx->id, ctx->change_reason, &ctx->change_record));
}

/* The answer once the committer is done (or refused the item). */
static bool answer_committed(request_ctx *ctx)
{
    if (ctx->item.kind == COMMIT_CHANGES)
        return answer_change(ctx);
    return answer_attempts(ctx);
}

/* A confirm or a cancel: the id was checked when routed (decode_id), so it goes
 * to the committer as is, and is answered as an attempt is, from item_committed(). */
static bool queue_change(request_ctx *ctx, booking_change_kind kind)
{
    ctx->change = (booking_change){.booking_id = ctx->id, .kind = kind};
    ctx->change_record = (booking_record){0};
    ctx->item = (commit_item){.kind = COMMIT_CHANGES, .changes = &ctx->change,
                              .reasons = &ctx->change_reason, .records = &ctx->change_record,
                              .count = 1, .done = item_committed, .arg = ctx};
    ctx->state = STATE_WAITING;
    committer_push_result r = push_item(ctx);
    if (r == COMMITTER_QUEUED || r == COMMITTER_COMMITTED)
        return true; /* it waits; item_committed() resumed it, or will (6) */
    /* Not taken: answered at once, as a refused attempt is; nothing was done. */
    ctx->change_reason = r == COMMITTER_FULL ? BOOKING_REASON_BUSY : BOOKING_REASON_UNAVAILABLE;
    return answer_change(ctx);
}

static bool put_capacity(request_ctx *ctx)
{
    uint64_t capacity;
    request_decode_result d = decode_capacity(ctx->body, ctx->body_len, &capacity);
    if (d.status != REQUEST_DECODE_OK)
        return send_reply(ctx, reply_invalid(&d));
    http_reply r = endpoint_resource_put(ctx->server->store, ctx->id, capacity);
    if (r.status == HTTP_OK || r.status == HTTP_CONFLICT || r.status == HTTP_UNAVAILABLE)
        note_commit(ctx->server, r.status == HTTP_UNAVAILABLE);
    return send_reply(ctx, r);
}

/* ---- the access handler ---- */

/* A body is JSON: a Content-Type other than application/json gets 415 (none is
 * taken as JSON). Checked when routed, so the body is then read and discarded. */
static void check_media_type(request_ctx *ctx)
{
    if (ctx->action == ACTION_REPLY || ctx->body_max == 0)
        return;
    size_t len = 0;
    const char *value = http_head_field(ctx->head, "Content-Type", &len);
    char type[SERVER_MEDIA_TYPE_MAX + 1];
    if (value != NULL) {
        if (len > SERVER_MEDIA_TYPE_MAX)
            len = SERVER_MEDIA_TYPE_MAX; /* cut: still not JSON's if it was not */
        memcpy(type, value, len);
        type[len] = '\0';
    }
    if (value != NULL && !http_guard_media_type_is_json(type)) {
        prepare_error(ctx, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                      "the body must be application/json");
        ctx->body_max = 0;
    }
}

/* The process's request id key: random (getrandom), else the clock and pid. */
static uint64_t request_id_key(void)
{
    uint64_t key = 0;
    if (getrandom(&key, sizeof key, GRND_NONBLOCK) != (ssize_t)sizeof key)
        key = monotonic_ns() ^ ((uint64_t)getpid() << 32);
    return key;
}

/* A request's id: the process's random key mixed with a counter (splitmix64's
 * finalizer, a bijection), so ids are unique within a process and unguessable
 * across them; 16 hex digits, as the X-Request-Id header and every log line
 * about the request carry it. */
static void request_id_make(http_server *s, char out[SERVER_REQUEST_ID_LEN + 1])
{
    uint64_t z = s->request_id_key + atomic_fetch_add(&s->request_seq, 1) * 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    _Static_assert(SERVER_REQUEST_ID_LEN == 2 * HEX_U32_DIGITS, "a request id is z's 16 hex digits");
    hex_put_u32(out, (uint32_t)(z >> 32));
    hex_put_u32(out + HEX_U32_DIGITS, (uint32_t)z);
    out[SERVER_REQUEST_ID_LEN] = '\0';
}

/* Copies s[0..len) into out[0..cap), cut to fit, NUL-terminated (snprintf's "%.*s"
 * without a format to parse: this runs for every request). */
static void copy_cut(char *out, size_t cap, const char *s, size_t len)
{
    assert(cap >= 1);
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* The head is in (and passed the guard, server/http_head.c): the context's
 * accounting, then the route. */
static void request_begin(request_ctx *ctx, http_link *link, const http_head *head)
{
    http_server *s = ctx->server;
    ctx->link = link;
    ctx->head = head;
    ctx->start_ns = monotonic_ns();
    ctx->state = STATE_READING;
    atomic_init(&ctx->committed, false);
    char method[16];
    size_t method_len = head->method_len < sizeof method - 1 ? head->method_len
                                                             : sizeof method - 1;
    memcpy(method, head->method, method_len);
    method[method_len] = '\0'; /* a longer one is no method the routes know */
    size_t kept = method_len < sizeof ctx->method - 1 ? method_len : sizeof ctx->method - 1;
    memcpy(ctx->method, method, kept);
    ctx->method[kept] = '\0';
    /* The path, decoded; the query is read by the listings (route_list). */
    const char *question = memchr(head->target, '?', head->target_len);
    size_t path_len = question != NULL ? (size_t)(question - head->target) : head->target_len;
    char url[HTTP_HEAD_MAX + 1];
    size_t url_len = unescape(head->target, path_len, url, false);
    if (question != NULL)
        copy_cut(ctx->raw_query, sizeof ctx->raw_query, question, head->target_len - path_len);
    /* The access log's path: the decoded path, and the query as sent (a
     * listing's after, limit and status say which page was read). */
    size_t used = url_len < SERVER_LOG_PATH_MAX ? url_len : SERVER_LOG_PATH_MAX;
    size_t query_len = strnlen(ctx->raw_query, SERVER_LOG_PATH_MAX - used);
    memcpy(ctx->path, url, used);
    memcpy(ctx->path + used, ctx->raw_query, query_len);
    ctx->path[used + query_len] = '\0';
    request_id_make(s, ctx->request_id);
    size_t agent_len = 0;
    const char *agent = http_head_field(head, "User-Agent", &agent_len);
    if (agent != NULL)
        copy_cut(ctx->user_agent, sizeof ctx->user_agent, agent, agent_len);
    else
        copy_cut(ctx->user_agent, sizeof ctx->user_agent, "-", 1);
    atomic_fetch_add(&s->in_flight, 1);
    route(ctx, url, method);
    check_media_type(ctx);
}

/* Answers at once, from a handler call that is not the last one. */
static bool answer_early(request_ctx *ctx, http_reply reply)
{
    http_server *s = ctx->server;
    ctx->close_after = true; /* the rest of the body is not read */
    ctx->answering = true;
    atomic_fetch_add(&s->answering, 1);
    ctx->state = STATE_ANSWERED;
    return send_reply(ctx, reply);
}

static bool take_prepared(request_ctx *ctx)
{
    http_reply r = ctx->prepared;
    ctx->prepared.body = NULL; /* handed over */
    ctx->prepared.text = NULL;
    return answer_early(ctx, r);
}

/* The headers are in: refuse now what cannot wait for the body; a body over its
 * limit is read and discarded (up to SERVER_BODY_DISCARD_MAX) and answered 413
 * after, so that a client that writes it all before reading still reads the 413. */
static bool headers_done(request_ctx *ctx)
{
    if (ctx->close_after)
        return take_prepared(ctx);
    unsigned long long declared = declared_length(ctx);
    bool expects = http_head_has_token(ctx->head, "Expect", "100-continue");
    if (declared > SERVER_BODY_DISCARD_MAX) {
        if (ctx->action == ACTION_REPLY)
            return take_prepared(ctx);
        return answer_early(ctx, reply_too_big(ctx));
    }
    if (ctx->action != ACTION_REPLY && ctx->body_max > 0 && declared > ctx->body_max) {
        if (expects) /* it waits for "100 Continue" before sending: answer now */
            return answer_early(ctx, reply_too_big(ctx));
        ctx->body_too_big = true; /* discard the body, answer 413 at its end */
    }
    /* The body will be read: a client that waits for it may send it now. */
    if (expects && ctx->head->minor == 1 && (declared > 0 || ctx->head->chunked))
        http_link_continue(ctx->link);
    return true;
}

static bool dispatch(request_ctx *ctx)
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
    assert(ctx->state == STATE_READING);
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
    case ACTION_RESOURCE_LIST:
        return send_reply(ctx, endpoint_resource_list(s->store, &ctx->list));
    case ACTION_BOOKING_LIST:
        return send_reply(ctx, endpoint_booking_list(s->store, ctx->id, &ctx->list));
    case ACTION_HEALTHZ:
        return send_reply(ctx, endpoint_healthz());
    case ACTION_READYZ:
        /* One look at the flag: a "ready" answer never closes its connection
         * and a "draining" one always does (a second look could disagree). */
        ctx->readyz_draining = atomic_load(&s->draining);
        return send_reply(ctx, endpoint_readyz(s->store, ctx->readyz_draining,
                                               atomic_load(&s->commit_failed)));
    case ACTION_METRICS:
        return send_metrics(ctx);
    case ACTION_OPENAPI:
        return send_openapi(ctx);
    case ACTION_REPLY:
        break;
    }
    return send_reply(ctx, reply_error(HTTP_INTERNAL, "internal", "unrouted request"));
}

/* ---- the loop's handler (server/http_loop.h) ---- */

static void log_unbegun(http_server *s, http_link *link, unsigned status, const char *method,
                        size_t method_len, const char *path, size_t path_len);

static void *on_begin(void *arg, http_link *link, const http_head *head)
{
    request_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) { /* the loop answers the fixed 503 and closes; the log has its line */
        http_server *s = arg;
        metrics_status(&s->metrics, HTTP_UNAVAILABLE);
        log_unbegun(s, link, HTTP_UNAVAILABLE, head->method, head->method_len, head->target,
                    head->target_len);
        return NULL;
    }
    ctx->server = arg;
    ctx->prepared.body = NULL;
    request_begin(ctx, link, head);
    headers_done(ctx);
    ctx->head = NULL; /* the head's bytes are the loop's again */
    return ctx;
}

static void on_body(void *req, const char *data, size_t n)
{
    request_ctx *ctx = req;
    if (ctx->state != STATE_READING)
        return;
    ctx->body_seen += n;
    if (ctx->body_seen > SERVER_BODY_DISCARD_MAX) {
        /* Past what any client is owed a reading of (a chunked body without a
         * declared length): answer and close now. */
        if (ctx->action == ACTION_REPLY) {
            take_prepared(ctx);
            return;
        }
        ctx->body_too_big = true;
        answer_early(ctx, reply_too_big(ctx));
        return;
    }
    body_append(ctx, data, n);
}

static void on_end(void *req)
{
    request_ctx *ctx = req;
    if (ctx->state == STATE_READING)
        dispatch(ctx);
}

static void on_resumed(void *req)
{
    request_ctx *ctx = req;
    assert(ctx->state == STATE_WAITING);
    assert(atomic_load_explicit(&ctx->committed, memory_order_acquire));
    answer_committed(ctx);
}

/* ---- completion and access log ---- */

static void log_access(http_server *s, request_ctx *ctx)
{
    char peer[INET6_ADDRSTRLEN] = "-";
    const struct sockaddr *sa = http_link_peer(ctx->link);
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        const void *addr = sa->sa_family == AF_INET6
                               ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                               : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
        if (inet_ntop(sa->sa_family, addr, peer, sizeof peer) == NULL)
            snprintf(peer, sizeof peer, "-");
    }
    /* The method, path and user agent are the client's: the log escapes them
     * (server/log.h), so no line break or escape sequence gets into a line. */
    log_field f[] = {
        LOG_TEXT("method", ctx->method),
        LOG_TEXT("path", ctx->path),
        LOG_NUMBER("status", ctx->status),
        LOG_NUMBER("duration_us", (monotonic_ns() - ctx->start_ns) / 1000),
        LOG_NUMBER("bytes", ctx->bytes_sent),
        LOG_TEXT("peer", peer),
        LOG_TEXT("user_agent", ctx->user_agent),
        LOG_TEXT("request_id", ctx->request_id),
    };
    log_event(s->access_log, LOG_LEVEL_INFO, "request", f, sizeof f / sizeof f[0]);
}

static void on_completed(void *req)
{
    request_ctx *ctx = req;
    http_server *s = ctx->server;
    if (s->access_log != NULL)
        log_access(s, ctx);
    json_decref(ctx->prepared.body);
    free(ctx->prepared.text);
    body_release(ctx);
    decoded_attempts_free(&ctx->attempts);
    if (ctx->results != &ctx->single_result)
        free(ctx->results);
    if (ctx->answering)
        atomic_fetch_sub(&s->answering, 1);
    free(ctx);
    atomic_fetch_sub(&s->in_flight, 1);
}

/* A head the loop could not read (http_head.c, a chunked body's framing, a
 * deadline): its answer was the loop's; the access log still has its line. */
static void on_refused(void *arg, http_link *link, void *req, unsigned status)
{
    http_server *s = arg;
    metrics_status(&s->metrics, status);
    if (req != NULL) { /* its line comes when it completes */
        request_ctx *ctx = req;
        ctx->status = status;
        ctx->state = STATE_ANSWERED;
        ctx->close_after = true;
        return;
    }
    log_unbegun(s, link, status, "-", 1, "-", 1);
}

/* The access log's line of an answer without a request context (none began, or
 * none could be had): the method and the target as sent, or "-". */
static void log_unbegun(http_server *s, http_link *link, unsigned status, const char *method,
                        size_t method_len, const char *path, size_t path_len)
{
    if (s->access_log == NULL)
        return;
    request_ctx ctx = {.server = s, .link = link, .status = status, .start_ns = monotonic_ns()};
    snprintf(ctx.method, sizeof ctx.method, "%.*s", (int)method_len, method);
    snprintf(ctx.path, sizeof ctx.path, "%.*s", (int)path_len, path);
    snprintf(ctx.user_agent, sizeof ctx.user_agent, "-");
    log_access(s, &ctx);
}

/* ---- start and stop ---- */

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
    int fd = gate_listen_fd(s->gate);
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
        cfg->max_connections < 1 || cfg->max_connections > SERVER_CONNECTIONS_MAX ||
        cfg->max_per_peer > cfg->max_connections ||
        cfg->request_timeout_s > SERVER_REQUEST_TIMEOUT_S_MAX) {
        fail(errbuf, errbuf_len, "bad server configuration");
        return SERVER_START_USAGE;
    }
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    if (parse_listen(cfg->listen, &addr, &addr_len, errbuf, errbuf_len) != 0)
        return SERVER_START_USAGE;
    unsigned per_peer = cfg->max_per_peer;
    if (per_peer == 0)
        per_peer = cfg->max_connections / SERVER_PEER_SHARE_DIVISOR;
    unsigned timeout_s = cfg->request_timeout_s != 0 ? cfg->request_timeout_s
                                                     : SERVER_REQUEST_TIMEOUT_S_DEFAULT;
    gate_config gc = {.max_connections = cfg->max_connections,
                      .max_per_peer = per_peer > 0 ? per_peer : 1,
                      .request_timeout_ms = timeout_s * 1000u,
                      .retry_after_s = ENDPOINT_RETRY_AFTER_S};

    json_alloc_install(); /* before any HTTP thread decodes: see json/json_alloc.h */
    http_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return fail(errbuf, errbuf_len, "out of memory");
    int ge = gate_new(&gc, (struct sockaddr *)&addr, addr_len, &s->gate);
    if (ge != 0) {
        free(s);
        return fail(errbuf, errbuf_len, "cannot listen on %s: %s", cfg->listen, strerror(ge));
    }
    s->store = cfg->store;
    s->access_log = cfg->access_log;
    s->events = cfg->events;
    if (s->events == NULL) {
        log_open(&s->default_events, NULL, LOG_FORMAT_TEXT); /* stderr: cannot fail */
        s->events = &s->default_events;
    }
    s->request_id_key = request_id_key();
    metrics_init(&s->metrics);
    atomic_init(&s->draining, false);
    atomic_init(&s->commit_failed, false);
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->answering, 0);
    atomic_init(&s->body_bytes, 0);
    if (cfg->token != NULL) {
        s->token_len = strlen(cfg->token);
        s->token = strdup(cfg->token);
        if (s->token == NULL) {
            gate_free(s->gate);
            free(s);
            return fail(errbuf, errbuf_len, "out of memory");
        }
    }
    int rc = committer_start(cfg->store, &s->metrics, COMMITTER_QUEUE_ATTEMPTS_MAX, &s->committer);
    if (rc != 0) {
        free(s->token);
        gate_free(s->gate);
        free(s);
        return fail(errbuf, errbuf_len, "cannot start the committer: %s", strerror(rc));
    }

    describe_bound(s, &addr);
    http_loop_config lc = {.threads = cfg->threads, .request_timeout_ms = timeout_s * 1000u,
                           .write_timeout_ms = SERVER_CONNECTION_TIMEOUT_S * 1000u};
    http_handler handler = {.arg = s, .begin = on_begin, .body = on_body, .end = on_end,
                            .resumed = on_resumed, .completed = on_completed,
                            .refused = on_refused};
    int te = http_loop_start(&lc, s->gate, &handler, &s->loop);
    if (te != 0) {
        committer_stop(s->committer);
        committer_free(s->committer);
        free(s->token);
        gate_free(s->gate);
        free(s);
        return fail(errbuf, errbuf_len, "cannot start serving on %s: %s", cfg->listen,
                    strerror(te));
    }
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
    gate_stop_accepting(s->gate);
    atomic_store(&s->draining, true);
    /* Decide and answer everything queued; from here on nothing is suspended. */
    committer_stop(s->committer);
    /* Let the answers in flight go out; then give requests still arriving a short
     * grace (a stalled client must not hold the stop for long). */
    drain_wait(&s->answering, SERVER_DRAIN_TIMEOUT_MS);
    drain_wait(&s->in_flight, SERVER_DRAIN_READING_GRACE_MS);
    http_loop_stop(s->loop); /* closes every connection */
    gate_free(s->gate);
    committer_free(s->committer); /* no handler can push any more */
    free(s->token);
    if (s->events == &s->default_events)
        log_close(&s->default_events);
    free(s);
}
