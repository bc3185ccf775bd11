/* SPDX-License-Identifier: MIT */
/*
 * test_http_loop.c: the HTTP loop (server/http_loop.c) on its own, with a handler
 * of the test's: the orders of events that the service's handler cannot force on
 * the wire. A link that a resume closes (its client reset the connection while
 * its request waited) must not be touched by the socket's own event that the same
 * epoll_wait returned after the wake: run under the address sanitizer, a link
 * freed too early is a use after free; so with the resume from another thread
 * (the committer's: an eventfd wake) as from the link's own worker (a commit
 * inside end(): no wake, the link listed and answered after the batch). Pipelined
 * requests resumed on their own worker are each answered, in order. An answer the
 * client does not read closes its connection after the write timeout, whatever
 * else the client sends. Connections opened one after another go to the workers
 * in turn. A "100 Continue" asked for while the socket is full goes out once it
 * drains, before the answer. A client that pipelines a flood does not keep the
 * worker from its other connections.
 */
#include "server/gate.h"
#include "server/http_conn.h"
#include "server/http_loop.h"
#include "support/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define WAIT_MS 5000
#define SETTLE_MS 100 /* for the reset to reach the server's socket */

typedef struct fixture {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool reset_asked;  /* end() ran and resumed: the client resets now */
    bool reset_done;
    int client_fd;
    int completed;
    int req_token;     /* what begin() returns */
} fixture;

static fixture fx = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void sleep_ms(long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void *on_begin(void *arg, http_link *link, const http_head *head)
{
    (void)arg;
    (void)head;
    return link; /* the request's context: its link */
}

static void on_body(void *req, const char *data, size_t len)
{
    (void)req;
    (void)data;
    (void)len;
}

/* The request waits (as an attempt for the committer does); it is resumed at once,
 * so the wake is ready first, and only then is the client asked to reset, so that
 * its socket's event comes after the wake in the same epoll_wait. */
static void wait_for_reset(void)
{
    pthread_mutex_lock(&fx.lock);
    fx.reset_asked = true;
    pthread_cond_broadcast(&fx.cond);
    while (!fx.reset_done)
        pthread_cond_wait(&fx.cond, &fx.lock);
    pthread_mutex_unlock(&fx.lock);
    sleep_ms(SETTLE_MS);
}

static void on_end(void *req)
{
    http_link_resume(req);
    wait_for_reset();
}

static void *resume_thread(void *req)
{
    http_link_resume(req);
    return NULL;
}

/* As on_end, but resumed from another thread, as the committer's: the eventfd
 * wake is written before the client resets. */
static void on_end_resumed_elsewhere(void *req)
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, resume_thread, req), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    wait_for_reset();
}

static void on_resumed(void *req)
{
    static char body[] = "{}";
    (void)http_link_answer(req, 200, "Content-Type: application/json\r\n", body,
                           sizeof body - 1, false, false);
}

static void on_completed(void *req)
{
    (void)req;
    pthread_mutex_lock(&fx.lock);
    fx.completed++;
    pthread_cond_broadcast(&fx.cond);
    pthread_mutex_unlock(&fx.lock);
}

static void on_refused(void *arg, http_link *link, void *req, unsigned status)
{
    (void)arg;
    (void)link;
    (void)req;
    (void)status;
}

/* The loop alone on a loopback gate, with the test's handler: end answers each
 * request, an unread answer closes after write_timeout_ms. */
typedef struct loop_fixture {
    gate *g;
    http_loop *loop;
    struct sockaddr_in bound;
} loop_fixture;

typedef void *(*begin_fn)(void *arg, http_link *link, const http_head *head);

static loop_fixture loop_fixture_start_workers(unsigned threads, unsigned write_timeout_ms,
                                               begin_fn begin, void (*end)(void *req))
{
    loop_fixture f = {0};
    gate_config gc = {.max_connections = 8, .max_per_peer = 8, .request_timeout_ms = WAIT_MS,
                      .retry_after_s = 1};
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(gate_new(&gc, (struct sockaddr *)&addr, sizeof addr, &f.g), 0);
    socklen_t bound_len = sizeof f.bound;
    assert_int_equal(getsockname(gate_listen_fd(f.g), (struct sockaddr *)&f.bound, &bound_len),
                     0);
    http_loop_config lc = {.threads = threads, .request_timeout_ms = WAIT_MS,
                           .write_timeout_ms = write_timeout_ms};
    http_handler h = {.begin = begin, .body = on_body, .end = end,
                      .resumed = on_resumed, .completed = on_completed,
                      .refused = on_refused};
    assert_int_equal(http_loop_start(&lc, f.g, &h, &f.loop), 0);
    return f;
}

static loop_fixture loop_fixture_start(unsigned write_timeout_ms, begin_fn begin,
                                       void (*end)(void *req))
{
    return loop_fixture_start_workers(1, write_timeout_ms, begin, end);
}

/* Until the gate counts open connections (within WAIT_MS). */
static void wait_open(loop_fixture *f, unsigned open)
{
    for (int i = 0; i < WAIT_MS / 10 && gate_open(f->g) != open; i++)
        sleep_ms(10);
    assert_int_equal(gate_open(f->g), open);
}

/* The connection is uncounted once its link closed; then the loop stops. */
static void loop_fixture_stop(loop_fixture *f)
{
    wait_open(f, 0);
    gate_stop_accepting(f->g);
    http_loop_stop(f->loop);
    gate_free(f->g);
}

/* A client of the fixture's loop. */
static int connect_to(const loop_fixture *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (const struct sockaddr *)&f->bound, sizeof f->bound), 0);
    return fd;
}

/* The client resets once its request was resumed (by end), before the answer. */
static void reset_after_the_resume(void (*end)(void *req))
{
    pthread_mutex_lock(&fx.lock);
    fx.reset_asked = fx.reset_done = false;
    fx.completed = 0;
    pthread_mutex_unlock(&fx.lock);
    loop_fixture f = loop_fixture_start(WAIT_MS, on_begin, end);

    int fd = connect_to(&f);
    static const char request[] = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd, request, sizeof request - 1, 0), (ssize_t)(sizeof request - 1));

    pthread_mutex_lock(&fx.lock);
    while (!fx.reset_asked)
        pthread_cond_wait(&fx.cond, &fx.lock);
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset), 0);
    close(fd); /* RST: the answer's write fails and closes the link */
    fx.reset_done = true;
    pthread_cond_broadcast(&fx.cond);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_MS / 1000;
    while (fx.completed == 0 && pthread_cond_timedwait(&fx.cond, &fx.lock, &until) == 0) {
    }
    int completed = fx.completed;
    pthread_mutex_unlock(&fx.lock);
    assert_int_equal(completed, 1);

    loop_fixture_stop(&f);
    assert_int_equal(fx.completed, 1);
}

static void a_link_closed_by_its_resume_is_not_touched_by_its_own_event_of_the_same_wait(
    void **state)
{
    (void)state;
    reset_after_the_resume(on_end);
}

static void a_link_closed_by_a_resume_from_another_thread_is_not_touched_by_its_own_event(
    void **state)
{
    (void)state;
    reset_after_the_resume(on_end_resumed_elsewhere);
}

static void on_end_resume_only(void *req)
{
    http_link_resume(req); /* on the link's own worker: listed, answered after end() */
}

#define PIPELINED 3

static atomic_int alone_seen = -1; /* what http_link_alone said in end() */

static void on_end_noting_alone(void *req)
{
    atomic_store(&alone_seen, http_link_alone(req) ? 1 : 0);
    http_link_resume(req);
}

/* The only worker must never block in a commit: while it waited no one else, not
 * even a new client's /healthz, would be served (another worker always accepts). */
static void a_connection_on_a_loop_of_one_worker_is_never_alone(void **state)
{
    (void)state;
    pthread_mutex_lock(&fx.lock);
    fx.completed = 0;
    pthread_mutex_unlock(&fx.lock);
    loop_fixture f = loop_fixture_start(WAIT_MS, on_begin, on_end_noting_alone); /* one worker */
    int fd = connect_to(&f);
    static const char request[] = "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(send(fd, request, sizeof request - 1, 0), (ssize_t)(sizeof request - 1));
    struct timeval bound = {.tv_sec = WAIT_MS / 1000};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound), 0);
    char got[4096];
    while (recv(fd, got, sizeof got, 0) > 0) {
    }
    close(fd);
    loop_fixture_stop(&f);
    assert_int_equal(fx.completed, 1);
    assert_int_equal(atomic_load(&alone_seen), 0); /* the only link, of the only worker */
}

/* Connections spread over the workers (note (9) of http_loop.c): with two workers,
 * a client that opens a second connection while its first stays open idle (a
 * control connection, a metrics scraper) finds the second alone on its worker, so
 * its lone attempts can commit on that worker. The spread is the kernel's wake
 * order, which a worker out of epoll_wait at that instant (its tick, a busy
 * machine) can change, so the rule is judged over SPREAD_PAIRS pairs: without the
 * rotation none of the 20 were apart (and 12 of 20 fresh loops put a single pair
 * together), with it 20 of 20 at load 9 to 14. */
#define SPREAD_PAIRS 20
#define SPREAD_APART_MIN 15
#define SPREAD_SETTLE_MS 20

static void a_second_connection_goes_to_another_worker_than_the_first(void **state)
{
    (void)state;
    pthread_mutex_lock(&fx.lock);
    fx.completed = 0;
    pthread_mutex_unlock(&fx.lock);
    loop_fixture f = loop_fixture_start_workers(2, WAIT_MS, on_begin, on_end_noting_alone);
    int apart = 0;
    for (int pair = 0; pair < SPREAD_PAIRS; pair++) {
        atomic_store(&alone_seen, -1);
        int idle = connect_to(&f);
        wait_open(&f, 1); /* the first is accepted before the second arrives */
        sleep_ms(SPREAD_SETTLE_MS); /* counted at its accept: its worker moves back */
        int fd = connect_to(&f);
        static const char request[] = "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        assert_int_equal(send(fd, request, sizeof request - 1, 0), (ssize_t)(sizeof request - 1));
        struct timeval bound = {.tv_sec = WAIT_MS / 1000};
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound), 0);
        char got[4096];
        while (recv(fd, got, sizeof got, 0) > 0) {
        }
        close(fd);
        close(idle);
        wait_open(&f, 0);
        int seen = atomic_load(&alone_seen);
        assert_true(seen == 0 || seen == 1); /* end() ran */
        apart += seen;
    }
    loop_fixture_stop(&f);
    assert_int_equal(fx.completed, SPREAD_PAIRS);
    print_message("%d of %d second connections alone on their worker\n", apart, SPREAD_PAIRS);
    assert_true(apart >= SPREAD_APART_MIN);
}

static void pipelined_requests_resumed_on_their_own_worker_are_each_answered_in_order(
    void **state)
{
    (void)state;
    pthread_mutex_lock(&fx.lock);
    fx.completed = 0;
    pthread_mutex_unlock(&fx.lock);
    loop_fixture f = loop_fixture_start(WAIT_MS, on_begin, on_end_resume_only);
    int fd = connect_to(&f);
    static const char requests[] = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(send(fd, requests, sizeof requests - 1, 0), (ssize_t)(sizeof requests - 1));
    struct timeval bound = {.tv_sec = WAIT_MS / 1000};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound), 0);
    char got[8192];
    size_t len = 0;
    for (;;) { /* the last answer closes: read to the end */
        ssize_t r = recv(fd, got + len, sizeof got - 1 - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    got[len] = '\0';
    close(fd);
    /* Three answers, each whole, the last one closing. */
    int answers = 0;
    const char *last = NULL;
    for (const char *at = got; (at = strstr(at, "HTTP/1.1 200 ")) != NULL; at++) {
        answers++;
        last = at;
    }
    assert_int_equal(answers, PIPELINED);
    /* The one that asked to close is answered last: its answer alone closes. */
    const char *closing = strstr(got, "Connection: close");
    assert_non_null(closing);
    assert_true(closing > last);
    assert_null(strstr(closing + 1, "Connection: close"));
    loop_fixture_stop(&f);
    assert_int_equal(fx.completed, PIPELINED);
}

/* An answer far larger than the sockets hold between them: it blocks on the client. */
#define BIG_ANSWER_BYTES ((size_t)8 * 1024 * 1024)
#define WRITE_TIMEOUT_MS 300
#define DRIP_MS 50 /* the client sends a byte this often, and never reads */

static void on_end_big(void *req)
{
    static char big[BIG_ANSWER_BYTES];
    (void)http_link_answer(req, 200, "", big, sizeof big, false, false);
}

static void an_answer_not_read_closes_after_the_write_timeout_though_the_client_sends(
    void **state)
{
    (void)state;
    pthread_mutex_lock(&fx.lock);
    fx.completed = 0;
    pthread_mutex_unlock(&fx.lock);
    loop_fixture f = loop_fixture_start(WRITE_TIMEOUT_MS, on_begin, on_end_big);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int small = 4096;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&f.bound, sizeof f.bound), 0);
    static const char request[] = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd, request, sizeof request - 1, 0), (ssize_t)(sizeof request - 1));
    /* A byte every DRIP_MS (the start of a next request), never a read: each one
     * is an event on the server's socket, none is progress of the answer. */
    int completed = 0;
    for (int waited = 0; waited < 10 * WRITE_TIMEOUT_MS && completed == 0; waited += DRIP_MS) {
        if (send(fd, "G", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)
            break; /* the server closed */
        sleep_ms(DRIP_MS);
        pthread_mutex_lock(&fx.lock);
        completed = fx.completed;
        pthread_mutex_unlock(&fx.lock);
    }
    /* Closed while the client still sent, at most a few write timeouts in. */
    assert_int_equal(completed, 1);
    close(fd);
    loop_fixture_stop(&f);
}

/* ---- 100 Continue behind a full socket ---- */

#define STUFF_CHUNK 4096
#define STUFF_BYTES_MAX ((size_t)64 * 1024 * 1024)

/* Set before the request is sent, read by the handler. */
static struct sockaddr_in continue_client; /* the client's own address */
/* Under fx.lock: bytes the handler put before the 100, once it is done. */
static size_t continue_stuffed;
static bool continue_stuffed_done;

/* The server's end of the client's connection: in this process, the loop's. */
static int server_fd_of(const struct sockaddr_in *client)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0 && len == sizeof peer &&
            peer.sin_port == client->sin_port && peer.sin_addr.s_addr == client->sin_addr.s_addr)
            return fd;
    }
    return -1;
}

/* Fills the socket up to EAGAIN (as answers a client has not read yet would),
 * then asks for the 100, as the service does for a body it will read. */
static void *on_begin_continue(void *arg, http_link *link, const http_head *head)
{
    (void)arg;
    (void)head;
    int fd = server_fd_of(&continue_client);
    assert_true(fd >= 0);
    static char junk[STUFF_CHUNK];
    memset(junk, 'j', sizeof junk);
    size_t stuffed = 0;
    for (;;) {
        ssize_t n = send(fd, junk, sizeof junk, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0)
            break;
        stuffed += (size_t)n;
        assert_true(stuffed < STUFF_BYTES_MAX);
    }
    http_link_continue(link);
    pthread_mutex_lock(&fx.lock);
    continue_stuffed = stuffed;
    continue_stuffed_done = true;
    pthread_cond_broadcast(&fx.cond);
    pthread_mutex_unlock(&fx.lock);
    return link;
}

static void on_end_answer(void *req)
{
    static char body[] = "{}";
    (void)http_link_answer(req, 200, "", body, sizeof body - 1, false, false);
}

/* Reads exactly len bytes (or what came within WAIT_MS). */
static size_t read_exactly(int fd, char *buf, size_t len)
{
    size_t got = 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (got < len && poll(&pfd, 1, WAIT_MS) > 0) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static void a_100_continue_asked_while_the_socket_is_full_is_sent_before_the_answer(
    void **state)
{
    (void)state;
    loop_fixture f = loop_fixture_start(WAIT_MS, on_begin_continue, on_end_answer);

    int fd = connect_to(&f);
    socklen_t len = sizeof continue_client;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&continue_client, &len), 0);
    static const char head[] = "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                               "Expect: 100-continue\r\n\r\n";
    assert_int_equal(send(fd, head, sizeof head - 1, 0), (ssize_t)(sizeof head - 1));

    /* What the handler stuffed, then the 100 whole, before any body is sent. */
    pthread_mutex_lock(&fx.lock);
    while (!continue_stuffed_done)
        pthread_cond_wait(&fx.cond, &fx.lock);
    size_t stuffed = continue_stuffed;
    pthread_mutex_unlock(&fx.lock);
    assert_true(stuffed > 0);
    static char sink[STUFF_CHUNK];
    for (size_t drained = 0; drained < stuffed;) {
        size_t want = stuffed - drained < sizeof sink ? stuffed - drained : sizeof sink;
        size_t got = read_exactly(fd, sink, want);
        assert_true(got > 0);
        for (size_t i = 0; i < got; i++)
            assert_int_equal(sink[i], 'j');
        drained += got;
    }
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    char text[sizeof cont] = {0};
    size_t got = read_exactly(fd, text, sizeof cont - 1);
    if (got != sizeof cont - 1 || memcmp(text, cont, sizeof cont - 1) != 0)
        fail_msg("after %zu stuffed bytes, not the 100 whole: '%.*s'", stuffed,
                 (int)got, text);
    assert_int_equal(send(fd, "{}", 2, 0), 2);
    char answer[16] = {0};
    assert_int_equal(read_exactly(fd, answer, 12), 12);
    assert_memory_equal(answer, "HTTP/1.1 200", 12);
    close(fd);
    loop_fixture_stop(&f);
}

/* ---- a pipelining flood and another client on the same worker ---- */

#define FLOOD_REQUESTS 10000
#define FLOOD_PAD_BYTES 8    /* small requests */
#define FLOOD_STARTED 200    /* flood requests answered before the probe is sent */
/* Each flood request takes the handler this long (a real one does work), so the
 * client outruns the worker for the whole flood and every read fills its room. */
#define FLOOD_WORK_US 20
/* Flood requests answered between the probe's send and its answer, at the most:
 * a few turns of the flood's budget, and the scheduler's slack on a shared machine
 * (a request takes FLOOD_WORK_US or more). Without a budget the probe waits for
 * nearly the whole flood. */
#define PROBE_WAIT_REQUESTS_MAX 1000

static atomic_int flood_answered;
static atomic_int probe_saw; /* flood_answered when the probe was answered; -1: not yet */

static void *on_begin_target(void *arg, http_link *link, const http_head *head)
{
    (void)arg;
    bool probe = head->target_len == 6 && memcmp(head->target, "/probe", 6) == 0;
    if (probe)
        atomic_store(&probe_saw, atomic_load(&flood_answered));
    else
        atomic_fetch_add(&flood_answered, 1);
    if (!probe) {
        struct timespec work = {.tv_nsec = FLOOD_WORK_US * 1000L};
        nanosleep(&work, NULL);
    }
    return link;
}

typedef struct flood {
    int fd;
    char *bytes;
    size_t len;
} flood;

static void *flood_write(void *arg)
{
    flood *fl = arg;
    for (size_t sent = 0; sent < fl->len;) {
        ssize_t n = send(fl->fd, fl->bytes + sent, fl->len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    return NULL;
}

/* Reads the flood's answers until the server closes (the last request asks it to). */
static void *flood_read(void *arg)
{
    flood *fl = arg;
    static char sink[65536];
    struct pollfd pfd = {.fd = fl->fd, .events = POLLIN};
    while (poll(&pfd, 1, 10 * WAIT_MS) > 0 && recv(fl->fd, sink, sizeof sink, 0) > 0) {
    }
    return NULL;
}

static void a_pipelining_flood_does_not_keep_the_worker_from_another_connection(void **state)
{
    (void)state;
    atomic_store(&flood_answered, 0);
    atomic_store(&probe_saw, -1);
    loop_fixture f = loop_fixture_start(WAIT_MS, on_begin_target, on_end_answer);

    /* The probe's connection first, served once, so that it is not an accept
     * waiting behind the flood. */
    int probe = connect_to(&f);
    static const char probe_req[] = "GET /probe HTTP/1.1\r\nHost: x\r\n\r\n";
    char answer[16] = {0};
    assert_int_equal(send(probe, probe_req, sizeof probe_req - 1, 0),
                     (ssize_t)(sizeof probe_req - 1));
    assert_int_equal(read_exactly(probe, answer, 12), 12);
    assert_memory_equal(answer, "HTTP/1.1 200", 12);
    static char answer_rest[256];
    (void)!recv(probe, answer_rest, sizeof answer_rest, MSG_DONTWAIT); /* "{}" and its head */

    static char pad[FLOOD_PAD_BYTES];
    memset(pad, 'p', sizeof pad);
    char one[FLOOD_PAD_BYTES + 64];
    int one_len = snprintf(one, sizeof one, "GET /f HTTP/1.1\r\nHost: x\r\nX-Pad: %.*s\r\n\r\n",
                           (int)sizeof pad, pad);
    assert_true(one_len > 0 && (size_t)one_len < sizeof one);
    static const char last[] = "GET /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    flood fl = {.fd = connect_to(&f), .len = (size_t)one_len * (FLOOD_REQUESTS - 1) +
                                             sizeof last - 1};
    fl.bytes = malloc(fl.len);
    assert_non_null(fl.bytes);
    for (int i = 0; i < FLOOD_REQUESTS - 1; i++)
        memcpy(fl.bytes + (size_t)i * (size_t)one_len, one, (size_t)one_len);
    memcpy(fl.bytes + (size_t)one_len * (FLOOD_REQUESTS - 1), last, sizeof last - 1);
    pthread_t writer, reader;
    assert_int_equal(pthread_create(&reader, NULL, flood_read, &fl), 0);
    assert_int_equal(pthread_create(&writer, NULL, flood_write, &fl), 0);

    for (int i = 0; i < WAIT_MS && atomic_load(&flood_answered) < FLOOD_STARTED; i++)
        sleep_ms(1);
    atomic_store(&probe_saw, -1);
    int before = atomic_load(&flood_answered);
    assert_int_equal(send(probe, probe_req, sizeof probe_req - 1, 0),
                     (ssize_t)(sizeof probe_req - 1));
    assert_int_equal(read_exactly(probe, answer, 12), 12);
    assert_memory_equal(answer, "HTTP/1.1 200", 12);
    int saw = atomic_load(&probe_saw);
    close(probe);
    pthread_join(writer, NULL);
    pthread_join(reader, NULL);
    close(fl.fd);
    free(fl.bytes);
    loop_fixture_stop(&f);

    assert_true(before < FLOOD_REQUESTS / 2); /* the flood was under way */
    if (saw < 0 || saw - before > PROBE_WAIT_REQUESTS_MAX)
        fail_msg("the probe waited for %d flood requests (sent at %d of %d)", saw - before,
                 before, FLOOD_REQUESTS);
}


/* The answer's head, byte for byte (RFC 9112 section 4, SPEC section 5): the status
 * line, Date, the handler's headers, Content-Length, Connection when it closes (or
 * keeps an HTTP/1.0 client), the empty line; 0 when it does not fit with its NUL. */
static void the_answer_head_is_built_byte_for_byte_and_is_refused_when_it_does_not_fit(
    void **state)
{
    (void)state;
    static const char date[] = "Thu, 03 Dec 2026 10:00:00 GMT";
    static const struct {
        unsigned status;
        const char *headers;
        size_t body_len;
        bool close, http10;
        const char *want;
    } cases[] = {
        {201, "Content-Type: application/json\r\nX-Request-Id: 0123456789abcdef\r\n", 173,
         false, false,
         "HTTP/1.1 201 Created\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\n"
         "Content-Type: application/json\r\nX-Request-Id: 0123456789abcdef\r\n"
         "Content-Length: 173\r\n\r\n"},
        {200, "", 0, false, true,
         "HTTP/1.1 200 OK\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\nContent-Length: 0\r\n"
         "Connection: keep-alive\r\n\r\n"},
        {503, "Retry-After: 1\r\n", 18446744073709551615ull, true, false,
         "HTTP/1.1 503 Service Unavailable\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\n"
         "Retry-After: 1\r\nContent-Length: 18446744073709551615\r\nConnection: close\r\n\r\n"},
        {599, "", 7, true, true,
         "HTTP/1.1 599 Error\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\nContent-Length: 7\r\n"
         "Connection: close\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[HTTP_LOOP_HEAD_MAX];
        size_t want_len = strlen(cases[i].want);
        memset(out, 'x', sizeof out);
        size_t n = http_conn_answer_head(out, sizeof out, cases[i].status, date,
                                         cases[i].headers, cases[i].body_len, cases[i].close,
                                         cases[i].http10);
        assert_int_equal(n, want_len);
        assert_memory_equal(out, cases[i].want, want_len);
        assert_int_equal(out[n], '\0');
        /* Room for the head and its NUL, and not a byte less. */
        n = http_conn_answer_head(out, want_len + 1, cases[i].status, date, cases[i].headers,
                                  cases[i].body_len, cases[i].close, cases[i].http10);
        assert_int_equal(n, want_len);
        for (size_t cap = 1; cap <= want_len; cap++) {
            n = http_conn_answer_head(out, cap, cases[i].status, date, cases[i].headers,
                                      cases[i].body_len, cases[i].close, cases[i].http10);
            if (n != 0)
                fail_msg("case %zu: a head of %zu bytes fit %zu", i, want_len, cap);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            a_link_closed_by_its_resume_is_not_touched_by_its_own_event_of_the_same_wait),
        cmocka_unit_test(
            a_link_closed_by_a_resume_from_another_thread_is_not_touched_by_its_own_event),
        cmocka_unit_test(
            pipelined_requests_resumed_on_their_own_worker_are_each_answered_in_order),
        cmocka_unit_test(a_connection_on_a_loop_of_one_worker_is_never_alone),
        cmocka_unit_test(a_second_connection_goes_to_another_worker_than_the_first),
        cmocka_unit_test(
            a_100_continue_asked_while_the_socket_is_full_is_sent_before_the_answer),
        cmocka_unit_test(a_pipelining_flood_does_not_keep_the_worker_from_another_connection),
        cmocka_unit_test(
            an_answer_not_read_closes_after_the_write_timeout_though_the_client_sends),
        cmocka_unit_test(
            the_answer_head_is_built_byte_for_byte_and_is_refused_when_it_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
