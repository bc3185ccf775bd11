/* SPDX-License-Identifier: MIT */
/*
 * h2o_serve.c: measurement code, not the product. A minimal HTTP/1.1 server on
 * libh2o-evloop (Debian 12: 2.2.5) that answers POST /v1/bookings as `booking
 * serve` does, with the same library calls: the body decoded by decode_attempts
 * (json/request_decode.h), the attempt queued to the real committer
 * (server/committer.h, unchanged: group commit, one booking_attempt_batch per
 * round), the answer written by reply_attempt and booking_json_line
 * (server/endpoints.h, json/booking_json.h). Everything else gets a problem+json
 * 404. It has no gate, no token, no access log, no metrics: it measures what the
 * HTTP layer costs, side by side with booking serve (bench/http-layer/compare).
 *
 * Threads: T event loops, each with its own SO_REUSEPORT listener; the committer's
 * done() runs on the committer thread and hands the item back to its loop through
 * an h2o_multithread queue (one eventfd/pipe write per wake-up, not per item).
 *
 * Usage: h2o_serve --store URL --port PORT [--threads T] [--resource ID]
 * (--resource: created with capacity BOOKING_CAPACITY_MAX before serving).
 * SIGTERM or SIGINT stops it; it then prints the resource's booked as the store
 * counts it ("h2o_serve: booked N of ID"), so that a comparison can check the
 * prototype stored the decisions it answered (bench/honest.sh).
 */
#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <h2o/multithread.h>

#include "booking.h"
#include "json/booking_json.h"
#include "json/request_decode.h"
#include "server/committer.h"
#include "server/endpoints.h"
#include "server/problem.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define H2O_SERVE_THREADS_MAX 16
#define H2O_SERVE_BODY_MAX 65536 /* as booking serve's single attempt body */
#define H2O_SERVE_BACKLOG 1024

typedef struct loop_thread {
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t receiver;
    int listen_fd;
    pthread_t thread;
} loop_thread;

/* One attempt in flight: malloc'd, since the committer may hold it after its
 * request went away (the client closed); the request's pool holds a link that
 * clears req when the request is disposed. */
typedef struct pending {
    h2o_multithread_message_t message; /* first: messages are pendings */
    commit_item item;
    decoded_attempts attempts;
    booking_result result;
    h2o_req_t *req; /* NULL once the request is gone */
    struct pending_link *link; /* in req's pool, while req is not NULL */
    loop_thread *owner;
} pending;

typedef struct pending_link {
    pending *p;
} pending_link;

static h2o_globalconf_t config;
static committer *the_committer;
static loop_thread threads[H2O_SERVE_THREADS_MAX];

static h2o_iovec_t strdup_pool(h2o_req_t *req, const char *s, size_t len)
{
    return h2o_strdup(&req->pool, s, len);
}

static void send_body(h2o_req_t *req, unsigned status, const char *content_type, char *text,
                      size_t len, const char *location_id)
{
    static h2o_generator_t generator = {NULL, NULL};
    req->res.status = (int)status;
    req->res.reason = status == HTTP_CREATED ? "Created" : status == HTTP_OK ? "OK" : "";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    if (location_id != NULL) {
        char location[sizeof "/v1/bookings/" + BOOKING_ID_LEN_MAX];
        int n = snprintf(location, sizeof location, "/v1/bookings/%s", location_id);
        h2o_iovec_t v = strdup_pool(req, location, (size_t)n);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL, v.base, v.len);
    }
    h2o_iovec_t body = strdup_pool(req, text, len); /* the pool owns what h2o sends */
    free(text);
    req->res.content_length = body.len;
    h2o_start_response(req, &generator);
    h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
}

static void send_reply(h2o_req_t *req, http_reply reply)
{
    char *text = reply.text;
    size_t len = reply.text_len;
    if (text != NULL)
        json_decref(reply.body); /* NULL: text replies carry no tree */
    else
        text = booking_json_line(reply.body, &len); /* takes the tree */
    if (text == NULL) {
        h2o_send_error_503(req, "Service Unavailable", "out of memory", 0);
        return;
    }
    send_body(req, reply.status, reply.problem ? PROBLEM_CONTENT_TYPE : "application/json", text,
              len, reply.location_id);
}

static void pending_link_dispose(void *arg)
{
    pending_link *link = arg;
    if (link->p != NULL)
        link->p->req = NULL;
}

/* On the committer's thread: hand the item back to its loop. */
static void item_committed(commit_item *item)
{
    pending *p = item->arg;
    h2o_multithread_send_message(&p->owner->receiver, &p->message);
}

/* On the loop's thread: answer every committed item. */
static void on_committed(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        pending *p = H2O_STRUCT_FROM_MEMBER(pending, message.link, messages->next);
        h2o_linklist_unlink(&p->message.link);
        if (p->req != NULL) {
            p->link->p = NULL; /* the request's pool outlives p from here */
            send_reply(p->req, reply_attempt(p->attempts.requests, &p->result));
        }
        decoded_attempts_free(&p->attempts);
        free(p);
    }
}

static int on_attempt(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")) ||
        !h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/v1/bookings"))) {
        send_reply(req, reply_error(HTTP_NOT_FOUND, "not_found", "no such path"));
        return 0;
    }
    pending *p = calloc(1, sizeof *p);
    if (p == NULL) {
        send_reply(req, reply_error(HTTP_UNAVAILABLE, "internal", "out of memory"));
        return 0;
    }
    request_decode_result d = decode_attempts(req->entity.base, req->entity.len, false,
                                              &p->attempts);
    if (d.status != REQUEST_DECODE_OK) {
        send_reply(req, reply_invalid(&d));
        decoded_attempts_free(&p->attempts); /* as server.c does on every path */
        free(p);
        return 0;
    }
    p->req = req;
    p->owner = H2O_STRUCT_FROM_MEMBER(loop_thread, ctx, req->conn->ctx);
    pending_link *link = h2o_mem_alloc_shared(&req->pool, sizeof *link, pending_link_dispose);
    link->p = p;
    p->link = link;
    p->item = (commit_item){.requests = p->attempts.requests, .results = &p->result,
                            .count = 1, .done = item_committed, .arg = p};
    committer_push_result r = committer_push(the_committer, &p->item, NULL, NULL);
    if (r != COMMITTER_QUEUED) {
        link->p = NULL;
        p->result = (booking_result){.outcome = BOOKING_FAILED,
                                     .reason = r == COMMITTER_FULL ? BOOKING_REASON_BUSY
                                                                   : BOOKING_REASON_UNAVAILABLE};
        send_reply(req, reply_attempt(p->attempts.requests, &p->result));
        decoded_attempts_free(&p->attempts);
        free(p);
    }
    return 0;
}

/* ---- h2o's own error answers, rewritten (measured by malformed.py) ----
 * h2o answers framing errors (chunk syntax, Content-Length, Transfer-Encoding)
 * itself, in text/plain, through h2o_send_error_generic: that goes through the
 * response filters, so this one replaces the body with the problem shape. A head
 * that does not parse never gets here: h2o writes its fixed 400 to the socket. */
typedef struct problem_ostream {
    h2o_ostream_t super;
    h2o_iovec_t body; /* in the request's pool */
} problem_ostream;

static void problem_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs,
                            size_t bufcnt, h2o_send_state_t state)
{
    (void)bufs;
    (void)bufcnt;
    problem_ostream *o = (problem_ostream *)self;
    if (h2o_send_state_is_in_progress(state)) {
        h2o_ostream_send_next(self, req, NULL, 0, state);
        return;
    }
    h2o_ostream_send_next(self, req, &o->body, 1, state);
}

static void problem_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    (void)self;
    ssize_t ct = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
    bool h2o_text = ct >= 0 && h2o_memis(req->res.headers.entries[ct].value.base, 10,
                                           H2O_STRLIT("text/plain"));
    if (req->res.status < 400 || !h2o_text) {
        h2o_setup_next_ostream(req, slot);
        return;
    }
    /* h2o's own words become the detail; the status stays h2o's. */
    char detail[128];
    size_t n = req->res.reason != NULL ? strlen(req->res.reason) : 0;
    snprintf(detail, sizeof detail, "%.*s", (int)n, n > 0 ? req->res.reason : "bad request");
    http_reply r = reply_error((unsigned)req->res.status, "invalid_request", detail);
    size_t len = 0;
    char *text = booking_json_line(r.body, &len);
    if (text == NULL) {
        h2o_setup_next_ostream(req, slot);
        return;
    }
    problem_ostream *o = (problem_ostream *)h2o_add_ostream(req, sizeof *o, slot);
    o->super.do_send = problem_do_send;
    o->body = h2o_strdup(&req->pool, text, len);
    free(text);
    req->res.headers.entries[ct].value = h2o_iovec_init(H2O_STRLIT(PROBLEM_CONTENT_TYPE));
    req->res.content_length = len;
    h2o_setup_next_ostream(req, &o->super.next);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    loop_thread *t = listener->data;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_accept(&t->accept_ctx, sock);
}

static int listen_on(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, H2O_SERVE_BACKLOG) != 0)
        return -1;
    return fd;
}

static void *loop_main(void *arg)
{
    loop_thread *t = arg;
    /* Made on the loop's own thread: h2o 2.2's socket buffers recycle through a
     * thread-local prototype, so a socket made on another thread (the queue's)
     * would share that thread's free list with every loop (a data race, found
     * with ASan). */
    h2o_context_init(&t->ctx, h2o_evloop_create(), &config);
    t->accept_ctx = (h2o_accept_ctx_t){.ctx = &t->ctx, .hosts = config.hosts};
    t->queue = h2o_multithread_create_queue(t->ctx.loop);
    h2o_multithread_register_receiver(t->queue, &t->receiver, on_committed);
    h2o_evloop_t *loop = t->ctx.loop;
    h2o_socket_t *listener = h2o_evloop_socket_create(loop, t->listen_fd,
                                                      H2O_SOCKET_FLAG_DONT_READ);
    listener->data = t;
    h2o_socket_read_start(listener, on_accept);
    for (;;)
        h2o_evloop_run(loop, INT32_MAX);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *store_url = "memory:";
    uint16_t port = 0;
    unsigned nthreads = 2;
    const char *resource = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--store") == 0)
            store_url = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            port = (uint16_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            nthreads = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--resource") == 0)
            resource = argv[i + 1];
    }
    if (port == 0 || nthreads < 1 || nthreads > H2O_SERVE_THREADS_MAX) {
        fprintf(stderr, "usage: h2o_serve --store URL --port PORT [--threads 1..%d]\n",
                H2O_SERVE_THREADS_MAX);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Blocked in every thread (they inherit it), taken by main's sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    booking_store *store = NULL;
    if (booking_store_open(store_url, &store, NULL, 0) != BOOKING_OK) {
        fprintf(stderr, "h2o_serve: cannot open %s\n", store_url);
        return 1;
    }
    booking_reason why = BOOKING_REASON_OK;
    if (resource != NULL &&
        (booking_set_capacity(store, resource, BOOKING_CAPACITY_MAX, &why, NULL) != BOOKING_OK ||
         why != BOOKING_REASON_OK)) {
        fprintf(stderr, "h2o_serve: cannot create %s\n", resource);
        return 1;
    }
    if (committer_start(store, NULL, COMMITTER_QUEUE_ATTEMPTS_MAX, &the_committer) != 0) {
        fprintf(stderr, "h2o_serve: cannot start the committer\n");
        return 1;
    }
    h2o_config_init(&config);
    config.max_request_entity_size = H2O_SERVE_BODY_MAX;
    h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")),
                                                    65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler);
    handler->on_req = on_attempt;
    h2o_filter_t *problems = h2o_create_filter(path, sizeof *problems);
    problems->on_setup_ostream = problem_setup_ostream;
    problems = h2o_create_filter(&host->fallback_path, sizeof *problems);
    problems->on_setup_ostream = problem_setup_ostream;
    for (unsigned i = 0; i < nthreads; i++) {
        loop_thread *t = &threads[i];
        t->listen_fd = listen_on(port);
        if (t->listen_fd < 0) {
            perror("h2o_serve: listen");
            return 1;
        }
    }
    fprintf(stderr, "h2o_serve: listening on http://127.0.0.1:%u (store %s, %u threads)\n", port,
            store_url, nthreads);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_create(&threads[i].thread, NULL, loop_main, &threads[i]);
    int sig = 0;
    sigwait(&stop, &sig);
    booking_resource state;
    if (resource != NULL && booking_get_resource(store, resource, &why, &state) == BOOKING_OK &&
        why == BOOKING_REASON_OK)
        fprintf(stderr, "h2o_serve: booked %" PRIu64 " of %s\n", state.booked, resource);
    return 0; /* the loops and the committer end with the process */
}
