/* SPDX-License-Identifier: MIT */
/*
 * http_loop.c: the workers of http_loop.h.
 *
 * NOTES ON THE DESIGN
 *  (1) Each worker owns its connections: only its thread touches a link, but for
 *      the resume list (below). A socket is registered once, edge-triggered, for
 *      reading and writing: no epoll_ctl per request.
 *  (2) One read per request when it can: a read shorter than the room drained the
 *      socket, and the next bytes bring a new edge, so the worker waits for it
 *      rather than reading again to see EAGAIN. Not so once an edge said the
 *      client shut its side (EPOLLRDHUP): its end may have come with the bytes
 *      just read, and no edge follows it, so the worker reads on to see it.
 *  (3) One request at a time per connection: the next head (pipelined ones too)
 *      is read only when the answer before went out whole, so answers keep the
 *      order of requests and a client that does not read holds one answer.
 *  (4) Resume: the committer's thread puts the link on its worker's list under
 *      the list's lock and wakes the worker's eventfd only when the list was
 *      empty: one wake for all the items of a round that belong to the worker.
 *  (5) A link whose client went away while its request waits for the committer
 *      is closed, but kept until its resume: the committer still holds its item.
 *  (6) Deadlines are looked at every HTTP_LOOP_TICK_MS, O(connections of the
 *      worker) per look, as the gate did.
 *  (7) A closed link is freed only after the events of its epoll_wait were seen:
 *      a resume (or another event) can close a link whose own event comes later
 *      in the same batch. Until then it is on the worker's closed list, fd -1.
 *  (8) A resume on the link's own worker (the request committed inside its own
 *      end(): the committer was idle) only appends the link to the worker's local
 *      list, no lock and no eventfd: the handler call that resumed returns first,
 *      so no handler call or pump nests in another. The list is taken after the
 *      batch's events, as it stood (a pipelined request resumed meanwhile waits
 *      for the next turn, and epoll_wait does not sleep while one does), so a
 *      client that pipelines cannot hold the worker from its other connections.
 *  (9) Connections spread over the workers. The kernel hands an EPOLLEXCLUSIVE
 *      readiness of the listening socket to the first epoll on the socket's wait
 *      queue that has a thread in epoll_wait (one that has none is passed over,
 *      so a worker blocked in an inline commit (8) holds no new connection back;
 *      the idle head of the queue gets it), so the worker first on it took most
 *      connections: a
 *      client's second connection (beside an idle control connection or a metrics
 *      scraper) was then seldom alone on its worker (8), and its lone attempts
 *      seldom committed there. With two or more workers, a worker accepts one
 *      connection per wake and then registers the listening socket again
 *      (rotate_listen), which puts it at the back of the queue: connections that
 *      arrive one after another go to the workers in turn. Only a worker that
 *      took a connection moves: one woken for a connection another worker took
 *      first (the kernel may wake both) would undo the turn. Two epoll_ctl per
 *      connection, none per request; connections that arrive in a burst may still
 *      go to one worker (its registration sees them queued), which only weakens
 *      the spread.
 *  (10) An interim "100 Continue" is queued like the answer and written by the
 *       same flush, before the answer's first byte: a socket full of the answers
 *       before (the client reads slowly) delays it, never drops it, and it never
 *       lands in the middle of the answer.
 *  (11) A turn of pump() answers at most HTTP_LOOP_TURN_REQUESTS_MAX requests of
 *       its link: a client that pipelines a flood would otherwise keep the worker
 *       in one pump() for as long as it sends, and the worker's other connections
 *       (and its accepts) would wait for it. A link whose budget is spent goes on
 *       the worker's again list and gets its next turn after the events of the
 *       epoll_wait, which then does not sleep: no edge comes for bytes that are
 *       already in.
 */
#include "server/http_loop.h"
#include "server/http_conn.h"
#include "server/problem.h"
#include "util/monotonic.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define HTTP_LOOP_EVENTS_MAX 128
#define HTTP_REQUEST_TIMEOUT_STATUS 408
#define NS_PER_MS 1000000ull

typedef struct worker worker;

struct http_link {
    worker *w;
    http_link *prev, *next;    /* the worker's list */
    http_link *resume_next;    /* the worker's resume list, under its lock */
    http_link *again_next;     /* the worker's list of links out of turn (11) */
    bool again;                /* on that list */
    int fd;                    /* -1: closed (5) */
    struct sockaddr_storage addr;
    http_conn conn;
    void *req;                 /* the current request's context, or NULL */
    bool readable;             /* an edge said there are bytes; no short read since (2) */
    bool hup;                  /* an edge said the client shut its side (2) */
    bool eof;                  /* the client shut its side */
    bool waiting;              /* end() ran, the answer is not given yet */
    bool answered;             /* an answer is queued (out) for the current request */
    bool close_after;          /* close once out is sent */
    bool lingering;            /* sent, shut for writing: reading what still comes */
    bool dead;                 /* closed while waiting (5) */
    size_t lingered;
    uint64_t deadline_ns;      /* of the request arriving whole; 0: none */
    uint64_t write_deadline_ns; /* of an answer blocked on the client; 0: none */
    /* The answer: head, then body (HEAD: not sent). */
    char head[HTTP_LOOP_HEAD_MAX];
    size_t head_len;
    char *body;
    size_t body_len;
    bool body_owned;
    size_t sent;               /* of head_len + body_len */
    /* An interim "100 Continue", queued before the answer and sent whole before
     * any byte of it (10): interim_sent of interim_len. */
    char interim[HTTP_LOOP_INTERIM_MAX];
    size_t interim_len, interim_sent;
};

struct worker {
    http_loop *loop;
    pthread_t thread;
    int epoll_fd;
    int wake_fd;
    http_link *links;
    size_t link_count;         /* of links: http_link_alone() */
    http_link *closed;         /* closed, freed after the batch (7) */
    http_link *again;          /* their turn's budget spent, bytes still in (11) */
    bool listen_paused;        /* out of descriptors: the listening socket waits a tick */
    pthread_mutex_t lock;      /* resumed */
    http_link *resumed;
    http_link *local_head;     /* resumed on this thread (8), oldest first */
    http_link *local_tail;
};

struct http_loop {
    http_loop_config config;
    gate *gate;
    http_handler handler;
    atomic_bool stop;
    unsigned started;
    worker *workers;
};

static const char wake_marker = 'w';
/* The worker whose thread this is, or NULL (the committer's, a test's). */
static _Thread_local worker *this_worker;
/* The answer when a connection's own memory cannot be had (SPEC section 5: 503). */
static const char oom_text[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " PROBLEM_CONTENT_TYPE
    "\r\nContent-Length: 110\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    PROBLEM_OOM_BODY;
_Static_assert(sizeof PROBLEM_OOM_BODY - 1 == 110, "the fixed 503's length");
static const char listen_marker = 'l';

/* ---- the Date header: formatted once a second per thread ---- */

static const char *date_now(void)
{
    static _Thread_local char text[40];
    static _Thread_local time_t shown = -1;
    time_t now = time(NULL);
    if (now != shown) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        shown = now;
    }
    return text;
}

/* ---- links ---- */

static void link_close(http_link *k);

static void out_clear(http_link *k)
{
    if (k->body_owned)
        free(k->body);
    k->body = NULL;
    k->body_len = k->head_len = k->sent = 0;
    k->body_owned = false;
}

/* A whole answer of the loop's own (problem_text), closing. */
static void answer_text(http_link *k, const char *text, size_t len)
{
    out_clear(k);
    if (len > sizeof k->head)
        len = 0;
    memcpy(k->head, text, len);
    k->head_len = len;
    k->answered = true;
    k->close_after = true;
}

/* A problem answer of the loop's own (a head it refuses, a late request), with
 * the Date every 4xx of a server with a clock carries (RFC 9110 section 6.6.1). */
static void answer_own_problem(http_link *k, unsigned status, const char *error,
                               const char *detail)
{
    char text[PROBLEM_TEXT_MAX];
    size_t len = problem_text(text, sizeof text, status, error, detail, 0, date_now());
    answer_text(k, text, len);
}

static void answer_problem(http_link *k, unsigned status, const char *error, const char *detail)
{
    answer_own_problem(k, status, error, detail);
    http_handler *h = &k->w->loop->handler;
    h->refused(h->arg, k, k->req, status);
}

bool http_link_answer(http_link *link, unsigned status, const char *headers, char *body,
                      size_t body_len, bool owned, bool close)
{
    http_link *k = link;
    assert(!k->answered);
    out_clear(k);
    bool early = !k->waiting; /* before end(): the rest of the body is not read */
    close = close || early || !k->conn.keep_alive;
    size_t n = http_conn_answer_head(k->head, sizeof k->head, status, date_now(), headers,
                                     body_len, close, k->conn.head.minor == 0);
    k->answered = true;
    k->waiting = false;
    k->close_after = close;
    if (n == 0) { /* the head cannot be: never, with the service's headers */
        if (owned)
            free(body);
        k->close_after = true;
        return false;
    }
    k->head_len = n;
    if (k->conn.head_only) {
        if (owned)
            free(body);
    } else {
        k->body = body;
        k->body_len = body_len;
        k->body_owned = owned;
    }
    return true;
}

void http_link_continue(http_link *link)
{
    static const char text[] = "HTTP/1.1 100 Continue\r\n\r\n";
    _Static_assert(sizeof text - 1 <= HTTP_LOOP_INTERIM_MAX, "the interim answer fits");
    /* Before the answer and once per request: it goes out first (10). Queued, not
     * sent here: the socket may be full of the answers before (a client that reads
     * slowly), and a write that fails would close the link under the handler. */
    assert(!link->answered && link->interim_len == 0);
    memcpy(link->interim, text, sizeof text - 1);
    link->interim_len = sizeof text - 1;
    link->interim_sent = 0;
}

void http_link_resume(http_link *link)
{
    worker *w = link->w;
    assert(link->waiting && link->req != NULL && link->resume_next == NULL);
    if (w == this_worker) { /* (8): taken after this batch, no wake needed */
        if (w->local_tail != NULL)
            w->local_tail->resume_next = link;
        else
            w->local_head = link;
        w->local_tail = link;
        return;
    }
    pthread_mutex_lock(&w->lock);
    bool first = w->resumed == NULL;
    link->resume_next = w->resumed;
    w->resumed = link;
    pthread_mutex_unlock(&w->lock);
    if (first) {
        uint64_t one = 1;
        (void)!write(w->wake_fd, &one, sizeof one);
    }
}

bool http_link_alone(const http_link *link)
{
    assert(link->w == this_worker); /* the count is the worker's own */
    /* The only worker is never alone: blocked, it would accept no one (with two or
     * more, one round at a time leaves another worker in epoll_wait to accept). */
    return link->w->loop->config.threads >= 2 && link->w->link_count == 1;
}

const struct sockaddr *http_link_peer(const http_link *link)
{
    return (const struct sockaddr *)&link->addr;
}

bool http_link_keep_alive(const http_link *link)
{
    return link->conn.keep_alive;
}

static void link_unlink(http_link *k)
{
    worker *w = k->w;
    if (k->prev != NULL)
        k->prev->next = k->next;
    else
        w->links = k->next;
    if (k->next != NULL)
        k->next->prev = k->prev;
    k->prev = k->next = NULL;
    assert(w->link_count >= 1);
    w->link_count--;
}

static void request_completed(http_link *k)
{
    if (k->req != NULL) {
        void *req = k->req;
        k->req = NULL;
        k->w->loop->handler.completed(req);
    }
    k->answered = false;
    k->waiting = false;
    k->interim_len = k->interim_sent = 0;
}

/* Onto the closed list (7): freed by links_free_closed(). */
static void link_free(http_link *k)
{
    assert(k->fd < 0);
    link_unlink(k);
    if (k->again) { /* O(links out of turn), a short list */
        http_link **at = &k->w->again;
        while (*at != k)
            at = &(*at)->again_next;
        *at = k->again_next;
        k->again = false;
    }
    out_clear(k);
    http_conn_free(&k->conn);
    k->next = k->w->closed;
    k->w->closed = k;
}

static void links_free_closed(worker *w)
{
    while (w->closed != NULL) {
        http_link *k = w->closed;
        w->closed = k->next;
        free(k);
    }
}

/* Closes the socket; the link goes too unless its request waits (5). */
static void link_close(http_link *k)
{
    if (k->fd >= 0) {
        close(k->fd); /* it leaves the epoll set */
        k->fd = -1;
        gate_closed(k->w->loop->gate, (const struct sockaddr *)&k->addr);
    }
    if (k->waiting && k->req != NULL) {
        k->dead = true;
        return;
    }
    request_completed(k);
    link_free(k);
}

static bool interim_pending(const http_link *k)
{
    return k->interim_sent < k->interim_len;
}

/* Writes what is queued, the interim answer first (10), then the answer if one is
 * given; false: the link was closed. */
static bool flush(http_link *k)
{
    bool progressed = false; /* the deadline counts from the last progress, not event */
    for (;;) {
        struct iovec iov[3];
        int n = 0;
        if (interim_pending(k))
            iov[n++] = (struct iovec){.iov_base = k->interim + k->interim_sent,
                                      .iov_len = k->interim_len - k->interim_sent};
        if (k->answered && k->sent < k->head_len)
            iov[n++] = (struct iovec){.iov_base = k->head + k->sent,
                                      .iov_len = k->head_len - k->sent};
        size_t body_at = k->sent > k->head_len ? k->sent - k->head_len : 0;
        if (k->answered && k->body_len > body_at)
            iov[n++] = (struct iovec){.iov_base = k->body + body_at,
                                      .iov_len = k->body_len - body_at};
        if (n == 0)
            break;
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t r = sendmsg(k->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (progressed || k->write_deadline_ns == 0)
                k->write_deadline_ns = monotonic_ns() + (uint64_t)k->w->loop->config
                                                            .write_timeout_ms * NS_PER_MS;
            return true; /* EPOLLOUT's edge comes back */
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            link_close(k);
            return false;
        }
        size_t wrote = (size_t)r, interim = k->interim_len - k->interim_sent;
        if (interim > wrote)
            interim = wrote;
        k->interim_sent += interim;
        k->sent += wrote - interim;
        assert(k->sent <= k->head_len + k->body_len);
        progressed = true;
    }
    k->write_deadline_ns = 0;
    return true;
}

static void linger_start(http_link *k)
{
    shutdown(k->fd, SHUT_WR);
    k->lingering = true;
    k->deadline_ns = monotonic_ns() + HTTP_LOOP_LINGER_MS * NS_PER_MS;
}

/* Reads and drops; false: the link was closed. */
static bool linger_read(http_link *k)
{
    char sink[4096];
    for (;;) {
        ssize_t r = recv(k->fd, sink, sizeof sink, MSG_DONTWAIT);
        if (r > 0) {
            k->lingered += (size_t)r;
            if (k->lingered > HTTP_LOOP_LINGER_BYTES_MAX)
                break;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    link_close(k);
    return false;
}

/* Reads into the connection's buffer: true when bytes came (or the end, or the
 * fixed 503 was queued: no memory for the buffer). */
static bool fill(http_link *k, bool *closed)
{
    *closed = false;
    if (!k->readable || k->eof)
        return false;
    size_t room = 0;
    char *at = http_conn_room(&k->conn, &room);
    if (at == NULL) { /* out of memory for the buffer */
        if (k->req == NULL && !k->answered) {
            answer_text(k, oom_text, sizeof oom_text - 1); /* the 503, then close */
            http_conn_finish(&k->conn, false);
            return true;
        }
        link_close(k);
        *closed = true;
        return false;
    }
    if (room == 0)
        return false; /* full: read again once some is taken */
    for (;;) {
        ssize_t r = recv(k->fd, at, room, MSG_DONTWAIT);
        if (r > 0) {
            http_conn_filled(&k->conn, (size_t)r);
            if ((size_t)r < room && !k->hup)
                k->readable = false; /* drained (2) */
            return true;
        }
        if (r == 0) {
            k->eof = true;
            return true;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            k->readable = false;
            return false;
        }
        link_close(k);
        *closed = true;
        return false;
    }
}

static uint64_t request_deadline(const http_link *k)
{
    return monotonic_ns() + (uint64_t)k->w->loop->config.request_timeout_ms * NS_PER_MS;
}

/* Its turn is over, its bytes are not: a turn again after this wait's events (11). */
static void again_push(http_link *k)
{
    assert(!k->again && k->fd >= 0);
    k->again = true;
    k->again_next = k->w->again;
    k->w->again = k;
}

/* Moves the link on as far as its bytes and answers allow, for at most
 * HTTP_LOOP_TURN_REQUESTS_MAX requests (11). */
static void pump(http_link *k)
{
    http_handler *h = &k->w->loop->handler;
    unsigned answered = 0; /* requests of this turn answered whole */
    for (;;) {
        if (k->lingering) {
            (void)linger_read(k);
            return;
        }
        /* A blocked interim answer does not stop the reading of the body: a
         * client may send it without waiting for the 100 (RFC 9110 10.1.1). */
        if (interim_pending(k) && !k->answered && !flush(k))
            return;
        if (k->answered) {
            if (!flush(k))
                return;
            if (interim_pending(k) || k->sent < k->head_len + k->body_len)
                return; /* the rest when the socket takes it */
            request_completed(k);
            out_clear(k);
            if (k->close_after) {
                linger_start(k);
                continue;
            }
            http_conn_finish(&k->conn, true);
            k->deadline_ns = request_deadline(k);
            if (++answered == HTTP_LOOP_TURN_REQUESTS_MAX) {
                if (!k->again)
                    again_push(k);
                return;
            }
        }
        if (k->waiting)
            return; /* the answer comes with the resume */
        const char *data = NULL;
        size_t len = 0;
        switch (http_conn_next(&k->conn, &data, &len)) {
        case HTTP_CONN_HEAD:
            k->req = h->begin(h->arg, k, http_conn_head(&k->conn));
            if (k->req == NULL && !k->answered)
                answer_text(k, oom_text, sizeof oom_text - 1);
            continue;
        case HTTP_CONN_BODY:
            if (k->req != NULL && !k->answered)
                h->body(k->req, data, len);
            continue;
        case HTTP_CONN_END:
            k->deadline_ns = 0;
            k->waiting = true;
            if (k->req != NULL)
                h->end(k->req);
            continue;
        case HTTP_CONN_BAD: {
            http_guard_verdict v = http_conn_refusal(&k->conn);
            answer_problem(k, v.status, v.error, v.detail); /* of the request under way, if any */
            continue;
        }
        case HTTP_CONN_MORE:
            break;
        }
        bool closed = false;
        if (fill(k, &closed))
            continue;
        if (closed)
            return;
        if (k->eof) {
            /* The client is done sending: a request it began cannot end now. */
            if (http_conn_started(&k->conn) && k->req == NULL) {
                answer_problem(k, 400, "invalid_request", "the request head ended early");
                http_conn_finish(&k->conn, false);
                continue;
            }
            link_close(k);
        }
        return;
    }
}

/* ---- the worker ---- */

/* (9): to the back of the listening socket's queue, so the next connection goes to
 * another worker. A failed registration leaves the socket paused until the tick,
 * as running out of descriptors does. */
static void rotate_listen(worker *w)
{
    assert(w->loop->config.threads >= 2 && !w->listen_paused);
    gate_unwatch(w->loop->gate, w->epoll_fd);
    struct epoll_event listen = {.events = EPOLLIN | EPOLLEXCLUSIVE,
                                 .data.ptr = (void *)&listen_marker};
    w->listen_paused = gate_watch(w->loop->gate, w->epoll_fd, &listen) != 0;
}

static void accept_some(worker *w)
{
    http_loop *loop = w->loop;
    /* (9): with others to take the next one, one connection per wake. */
    int accept_max = loop->config.threads >= 2 ? 1 : HTTP_LOOP_ACCEPT_BATCH_MAX;
    for (int i = 0; i < accept_max; i++) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        bool starved = false;
        int fd = gate_accept(loop->gate, &addr, &len, &starved);
        if (fd < 0 && starved && !w->listen_paused) {
            /* Level-triggered, the queued connection would wake this worker at once,
             * again and again: leave the socket alone until the next tick. */
            gate_unwatch(loop->gate, w->epoll_fd);
            w->listen_paused = true;
        }
        if (fd < 0)
            return;
        http_link *k = calloc(1, sizeof *k);
        if (k == NULL || !http_conn_init(&k->conn)) {
            free(k);
            gate_refuse(fd, oom_text, sizeof oom_text - 1); /* SPEC section 5: 503 */
            gate_closed(loop->gate, (struct sockaddr *)&addr);
            continue;
        }
        k->w = w;
        k->fd = fd;
        k->addr = addr;
        k->deadline_ns = request_deadline(k);
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.ptr = k};
        if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            http_conn_free(&k->conn);
            free(k);
            close(fd);
            gate_closed(loop->gate, (struct sockaddr *)&addr);
            continue;
        }
        k->next = w->links;
        if (w->links != NULL)
            w->links->prev = k;
        w->links = k;
        w->link_count++;
        if (accept_max == 1 && !w->listen_paused)
            rotate_listen(w);
    }
}

/* Answers a resumed link's request, or frees the link if it closed meanwhile (5). */
static void resume_one(worker *w, http_link *k)
{
    http_handler *h = &w->loop->handler;
    k->resume_next = NULL;
    assert(k->waiting && k->req != NULL);
    h->resumed(k->req);
    if (k->dead) {
        k->waiting = false;
        request_completed(k);
        link_free(k);
        return;
    }
    pump(k);
}

static void take_resumed(worker *w)
{
    uint64_t count;
    (void)!read(w->wake_fd, &count, sizeof count);
    pthread_mutex_lock(&w->lock);
    http_link *list = w->resumed;
    w->resumed = NULL;
    pthread_mutex_unlock(&w->lock);
    http_link *ordered = NULL; /* pushed last first: put back in order */
    while (list != NULL) {
        http_link *next = list->resume_next;
        list->resume_next = ordered;
        ordered = list;
        list = next;
    }
    while (ordered != NULL) {
        http_link *k = ordered;
        ordered = k->resume_next;
        resume_one(w, k);
    }
}

/* The links resumed on this thread (8), as the list stood: what their pumps
 * resume (pipelined requests) waits for the next turn. */
static void take_local(worker *w)
{
    assert(this_worker == w);
    http_link *list = w->local_head;
    w->local_head = w->local_tail = NULL;
    while (list != NULL) {
        http_link *k = list;
        list = k->resume_next;
        resume_one(w, k);
    }
}

/* The turns of the links whose last one spent its budget (11); those that spend
 * this one too are back on the list for the next wait. */
static void take_again(worker *w)
{
    http_link *list = w->again;
    w->again = NULL;
    while (list != NULL) {
        http_link *k = list;
        list = k->again_next;
        k->again_next = NULL;
        k->again = false;
        assert(k->fd >= 0); /* a closed link left the list (link_free) */
        pump(k);
    }
}

static void reap(worker *w, uint64_t now)
{
    for (http_link *k = w->links, *next; k != NULL; k = next) {
        next = k->next;
        if (k->dead)
            continue;
        if (k->write_deadline_ns != 0 && now >= k->write_deadline_ns) {
            link_close(k); /* the client does not read its answer */
            continue;
        }
        if (k->deadline_ns == 0 || now < k->deadline_ns || k->waiting || k->answered)
            continue;
        if (k->lingering || !http_conn_started(&k->conn)) {
            link_close(k); /* idle between requests: closed without a word */
            continue;
        }
        http_handler *h = &w->loop->handler;
        h->refused(h->arg, k, k->req, HTTP_REQUEST_TIMEOUT_STATUS);
        answer_own_problem(k, HTTP_REQUEST_TIMEOUT_STATUS, "invalid_request",
                           "the request did not arrive whole in time");
        http_conn_finish(&k->conn, false);
        pump(k);
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    http_loop *loop = w->loop;
    struct epoll_event events[HTTP_LOOP_EVENTS_MAX];
    uint64_t next_reap = monotonic_ns() + HTTP_LOOP_TICK_MS * NS_PER_MS;
    this_worker = w;
    while (!atomic_load(&loop->stop)) {
        /* A link resumed on this thread is answered now, not a tick later (8); links
         * out of turn have bytes in already (11): look at the events, do not wait. */
        int timeout_ms = w->local_head != NULL || w->again != NULL ? 0 : HTTP_LOOP_TICK_MS;
        int n = epoll_wait(w->epoll_fd, events, HTTP_LOOP_EVENTS_MAX, timeout_ms);
        for (int i = 0; i < n; i++) {
            void *p = events[i].data.ptr;
            if (p == &listen_marker) {
                accept_some(w);
            } else if (p == &wake_marker) {
                take_resumed(w);
            } else {
                http_link *k = p;
                if (k->fd < 0)
                    continue; /* closed earlier in this batch (7), or dead (5) */
                if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                    k->readable = true;
                if (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                    k->hup = true;
                if (!k->again) /* else its turn comes after these events */
                    pump(k);
            }
        }
        take_local(w); /* (8): after the batch's events, before its frees (7) */
        take_again(w); /* (11) */
        uint64_t now = monotonic_ns();
        if (now >= next_reap) {
            if (w->listen_paused) {
                struct epoll_event listen = {.events = EPOLLIN | EPOLLEXCLUSIVE,
                                             .data.ptr = (void *)&listen_marker};
                w->listen_paused = gate_watch(loop->gate, w->epoll_fd, &listen) != 0;
            }
            reap(w, now);
            next_reap = now + HTTP_LOOP_TICK_MS * NS_PER_MS;
        }
        links_free_closed(w);
    }
    return NULL;
}

/* ---- life ---- */

static void worker_close(worker *w)
{
    if (w->epoll_fd >= 0)
        close(w->epoll_fd);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    pthread_mutex_destroy(&w->lock);
}

int http_loop_start(const http_loop_config *config, gate *g, const http_handler *handler,
                    http_loop **out)
{
    assert(config->threads >= 1 && config->request_timeout_ms >= 1);
    *out = NULL;
    http_loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return ENOMEM;
    loop->config = *config;
    loop->gate = g;
    loop->handler = *handler;
    atomic_init(&loop->stop, false);
    loop->workers = calloc(config->threads, sizeof *loop->workers);
    if (loop->workers == NULL) {
        free(loop);
        return ENOMEM;
    }
    int rc = 0;
    for (unsigned i = 0; i < config->threads && rc == 0; i++) {
        worker *w = &loop->workers[i];
        w->loop = loop;
        pthread_mutex_init(&w->lock, NULL);
        w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        struct epoll_event wake = {.events = EPOLLIN, .data.ptr = (void *)&wake_marker};
        struct epoll_event listen = {.events = EPOLLIN | EPOLLEXCLUSIVE,
                                     .data.ptr = (void *)&listen_marker};
        if (w->epoll_fd < 0 || w->wake_fd < 0 ||
            epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &wake) != 0 ||
            gate_watch(g, w->epoll_fd, &listen) != 0) {
            rc = errno != 0 ? errno : EINVAL;
            worker_close(w);
            break;
        }
        rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc != 0) {
            worker_close(w);
            break;
        }
        loop->started++;
    }
    if (rc != 0) {
        http_loop_stop(loop);
        return rc;
    }
    *out = loop;
    return 0;
}

void http_loop_stop(http_loop *loop)
{
    if (loop == NULL)
        return;
    atomic_store(&loop->stop, true);
    for (unsigned i = 0; i < loop->started; i++) {
        uint64_t one = 1;
        (void)!write(loop->workers[i].wake_fd, &one, sizeof one);
    }
    for (unsigned i = 0; i < loop->started; i++)
        pthread_join(loop->workers[i].thread, NULL);
    for (unsigned i = 0; i < loop->started; i++) {
        worker *w = &loop->workers[i];
        /* The committer is stopped: whatever it resumed is answered or dropped now. */
        http_link *lists[] = {w->resumed, w->local_head};
        w->resumed = w->local_head = w->local_tail = NULL;
        for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
            for (http_link *k = lists[l], *next; k != NULL; k = next) {
                next = k->resume_next;
                k->resume_next = NULL;
                k->waiting = false;
            }
        }
        while (w->links != NULL) {
            http_link *k = w->links;
            k->waiting = false;
            k->dead = false;
            link_close(k);
        }
        links_free_closed(w);
        worker_close(w);
    }
    free(loop->workers);
    free(loop);
}
