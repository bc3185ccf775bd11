/* SPDX-License-Identifier: MIT */
/*
 * gate.c: accepts the service's connections itself, so that what libmicrohttpd
 * cannot do is done before it sees them: a connection past the limits gets a 503
 * at once (MHD would stop accepting and leave it in the kernel's queue, unanswered),
 * and a request that has not arrived whole by its deadline is closed (MHD's own
 * timeout is an idle one, reset by every byte: one byte a second held it forever).
 *
 * NOTES ON THE DESIGN
 *  (1) One thread: poll the listening socket with a GATE_REAP_INTERVAL_MS timeout,
 *      accept up to GATE_ACCEPT_BATCH_MAX, then look at every deadline. The look
 *      is O(open connections) per tick (65,536 at most): cheap beside the syscalls
 *      it saves; a timer wheel would make it O(expired), not needed at this size.
 *  (2) Counting: a connection is counted (in all and for its peer) when accepted,
 *      before MHD_add_connection, and uncounted in MHD's CLOSED notification (or
 *      at once if MHD refuses it: MHD closes the socket either way). So the limits
 *      hold even for connections MHD has not started yet.
 *  (3) Deadlines: MHD offers no way to close a connection from another thread, so
 *      the gate shuts the socket down (shutdown(2)): MHD then reads end of file and
 *      closes it itself. The socket stays MHD's to close; shutting it down under the
 *      lock that CLOSED takes before MHD closes it means the gate never touches a
 *      descriptor that was closed and reused.
 *  (4) A deadline runs from the connection's start, or from the end of the previous
 *      answer, to the whole request (headers and body) having arrived; while a
 *      request is decided and answered it has none (MHD's idle timeout covers a
 *      client that does not read its answer).
 *  (5) A new connection waits in the gate until its first request head has
 *      arrived whole (edge-triggered epoll, read with MSG_PEEK so MHD still reads
 *      every byte), and http_head.c reads it strictly: a malformed head gets the
 *      problem body here, where MHD would answer in HTML (some statuses sent
 *      twice). A later request on a kept-alive connection is MHD's to parse;
 *      server.c's guard checks it, and MHD's own HTML answers remain for it.
 */
#include "server/gate.h"
#include "server/http_head.h"
#include "server/problem.h"
#include "util/monotonic.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GATE_PEER_KEY_LEN 16
#define GATE_PEERS_MIN 64

typedef struct gate_peer {
    uint8_t key[GATE_PEER_KEY_LEN]; /* IPv6, or IPv4 mapped into it */
    uint32_t count;                 /* 0: the slot is free */
} gate_peer;

/* A connection accepted and counted, whose first head has not arrived whole (5). */
typedef struct gate_pending {
    struct gate_pending *prev, *next;
    int fd;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    uint8_t key[GATE_PEER_KEY_LEN];
    uint64_t deadline_ns;
} gate_pending;

#define GATE_EVENTS_MAX 64

typedef struct gate_conn {
    struct gate_conn *prev, *next;
    int fd;
    _Atomic uint64_t deadline_ns; /* 0: none; written by MHD's thread of the connection */
    bool shut;            /* shut down by the gate, waiting for MHD to close it */
} gate_conn;

struct gate {
    gate_config config;
    int listen_fd;
    struct MHD_Daemon *daemon;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    pthread_mutex_t accept_lock; /* held around an accept batch; guards accepting */
    bool accepting;
    pthread_mutex_t lock; /* everything below */
    unsigned open;        /* connections counted (2) */
    gate_peer *peers;     /* open addressing, linear probing, peers_cap a power of 2 */
    size_t peers_cap;
    gate_conn *conns;     /* the started ones, for their deadlines */
    char busy_text[PROBLEM_TEXT_MAX];
    size_t busy_len;
    char peer_text[PROBLEM_TEXT_MAX];
    size_t peer_len;
    char timeout_text[PROBLEM_TEXT_MAX];
    size_t timeout_len;
    /* The gate's thread only. */
    int epoll_fd;
    gate_pending *pending;
    char peek[HTTP_HEAD_MAX];
};

/* ---- peers ---- */

static void peer_key(const struct sockaddr *sa, uint8_t key[GATE_PEER_KEY_LEN])
{
    memset(key, 0, GATE_PEER_KEY_LEN);
    if (sa != NULL && sa->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, GATE_PEER_KEY_LEN);
    } else if (sa != NULL && sa->sa_family == AF_INET) {
        key[10] = key[11] = 0xff; /* ::ffff:a.b.c.d */
        memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    }
}

static size_t peer_hash(const uint8_t key[GATE_PEER_KEY_LEN], size_t cap)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < GATE_PEER_KEY_LEN; i++)
        h = (h ^ key[i]) * 1099511628211u;
    return (size_t)h & (cap - 1);
}

/* The slot of key, or the free slot where it would go. The table holds at most
 * max_connections peers in a capacity of at least twice that: a free slot exists. */
static gate_peer *peer_slot(gate *g, const uint8_t key[GATE_PEER_KEY_LEN])
{
    for (size_t i = peer_hash(key, g->peers_cap), n = 0; n < g->peers_cap;
         i = (i + 1) & (g->peers_cap - 1), n++) {
        gate_peer *p = &g->peers[i];
        if (p->count == 0 || memcmp(p->key, key, GATE_PEER_KEY_LEN) == 0)
            return p;
    }
    assert(!"peer table full");
    return NULL;
}

/* Removes a slot whose count fell to 0 and shifts back the ones that probed past
 * it (Knuth 6.4, algorithm R), so that lookups never need tombstones. */
static void peer_remove(gate *g, gate_peer *hole)
{
    size_t mask = g->peers_cap - 1;
    size_t i = (size_t)(hole - g->peers);
    for (size_t j = (i + 1) & mask; g->peers[j].count != 0; j = (j + 1) & mask) {
        size_t home = peer_hash(g->peers[j].key, g->peers_cap);
        /* j may move to i when i lies cyclically in [home, j). */
        bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            g->peers[i] = g->peers[j];
            g->peers[j].count = 0;
            i = j;
        }
    }
    g->peers[i].count = 0;
}

static void peer_release(gate *g, const uint8_t key[GATE_PEER_KEY_LEN])
{
    gate_peer *p = peer_slot(g, key);
    assert(p != NULL && p->count > 0);
    if (p == NULL || p->count == 0)
        return;
    if (--p->count == 0)
        peer_remove(g, p);
}

/* ---- accepting ---- */

/* A refusal written by the gate itself: the answer, what the client already sent
 * read away (a close with unread bytes would reset the answer away), then close. */
static void refuse(int fd, const char *text, size_t len)
{
    char sink[4096];
    size_t drained = 0;
    ssize_t n;
    while (drained < GATE_REFUSE_DRAIN_MAX && (n = recv(fd, sink, sizeof sink, MSG_DONTWAIT)) > 0)
        drained += (size_t)n;
    (void)!send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    while (drained < GATE_REFUSE_DRAIN_MAX && (n = recv(fd, sink, sizeof sink, MSG_DONTWAIT)) > 0)
        drained += (size_t)n;
    close(fd);
}

/* Counts the connection in, or says why not. */
static const char *admit(gate *g, const uint8_t key[GATE_PEER_KEY_LEN], size_t *len)
{
    const char *refusal = NULL;
    pthread_mutex_lock(&g->lock);
    gate_peer *p = peer_slot(g, key);
    if (g->open >= g->config.max_connections) {
        refusal = g->busy_text;
        *len = g->busy_len;
    } else if (p->count >= g->config.max_per_peer) {
        refusal = g->peer_text;
        *len = g->peer_len;
    } else {
        if (p->count == 0)
            memcpy(p->key, key, GATE_PEER_KEY_LEN);
        p->count++;
        g->open++;
    }
    pthread_mutex_unlock(&g->lock);
    return refusal;
}

static void uncount(gate *g, const uint8_t key[GATE_PEER_KEY_LEN])
{
    pthread_mutex_lock(&g->lock);
    assert(g->open > 0);
    g->open--;
    peer_release(g, key);
    pthread_mutex_unlock(&g->lock);
}

static void accept_some(gate *g)
{
    for (int i = 0; i < GATE_ACCEPT_BATCH_MAX; i++) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(g->listen_fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or out of descriptors: the next tick tries again */
        uint8_t key[GATE_PEER_KEY_LEN];
        peer_key((struct sockaddr *)&addr, key);
        size_t text_len = 0;
        const char *refusal = admit(g, key, &text_len);
        if (refusal != NULL) {
            refuse(fd, refusal, text_len);
            continue;
        }
        gate_pending *p = calloc(1, sizeof *p);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = NULL};
        if (p != NULL) {
            p->fd = fd;
            p->addr = addr;
            p->addr_len = len;
            memcpy(p->key, key, GATE_PEER_KEY_LEN);
            p->deadline_ns = monotonic_ns() + (uint64_t)g->config.request_timeout_ms * 1000000u;
            ev.data.ptr = p;
        }
        if (p == NULL || epoll_ctl(g->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            free(p);
            close(fd);
            uncount(g, key);
            continue;
        }
        p->next = g->pending;
        if (g->pending != NULL)
            g->pending->prev = p;
        g->pending = p;
    }
}

static void pending_unlink(gate *g, gate_pending *p)
{
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        g->pending = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    epoll_ctl(g->epoll_fd, EPOLL_CTL_DEL, p->fd, NULL);
}

/* Ends a pending connection with text (or nothing), uncounted. */
static void pending_refuse(gate *g, gate_pending *p, const char *text, size_t len)
{
    pending_unlink(g, p);
    if (text != NULL && len > 0)
        refuse(p->fd, text, len);
    else
        close(p->fd);
    uncount(g, p->key);
    free(p);
}

/* New bytes on a pending connection: its head whole and sound goes to MHD. */
static void pending_read(gate *g, gate_pending *p, bool hung_up)
{
    ssize_t n = recv(p->fd, g->peek, sizeof g->peek, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        pending_refuse(g, p, NULL, 0); /* closed before a request: nothing to answer */
        return;
    }
    http_head_verdict v = http_head_check(g->peek, (size_t)n);
    if (!v.complete && hung_up)
        v = (http_head_verdict){.complete = true,
                                .guard = {400, "invalid_request", "the request head ended early"}};
    if (!v.complete)
        return; /* the edge of the next bytes brings it back */
    if (v.guard.status != 0) {
        char text[PROBLEM_TEXT_MAX];
        size_t len = problem_text(text, sizeof text, v.guard.status, v.guard.error,
                                  v.guard.detail, 0);
        pending_refuse(g, p, text, len);
        return;
    }
    pending_unlink(g, p);
    if (MHD_add_connection(g->daemon, p->fd, (struct sockaddr *)&p->addr, p->addr_len) != MHD_YES)
        uncount(g, p->key); /* MHD closed the socket (2) */
    free(p);
}

static void reap_pending(gate *g, uint64_t now)
{
    for (gate_pending *p = g->pending, *next; p != NULL; p = next) {
        next = p->next;
        if (now >= p->deadline_ns)
            pending_refuse(g, p, g->timeout_text, g->timeout_len);
    }
}

/* ---- deadlines ---- */

static void reap(gate *g)
{
    uint64_t now = monotonic_ns();
    reap_pending(g, now);
    pthread_mutex_lock(&g->lock);
    for (gate_conn *c = g->conns; c != NULL; c = c->next) {
        uint64_t deadline = atomic_load(&c->deadline_ns);
        if (c->shut || deadline == 0 || now < deadline)
            continue;
        /* Still reading a request: nothing of an answer is on the wire, so the 408
         * cannot interleave with one (3). */
        (void)!send(c->fd, g->timeout_text, g->timeout_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        shutdown(c->fd, SHUT_RDWR);
        c->shut = true;
    }
    pthread_mutex_unlock(&g->lock);
}

static void *gate_main(void *arg)
{
    gate *g = arg;
    struct epoll_event events[GATE_EVENTS_MAX];
    uint64_t next_reap = monotonic_ns();
    while (!atomic_load(&g->stop)) {
        int n = epoll_wait(g->epoll_fd, events, GATE_EVENTS_MAX, GATE_REAP_INTERVAL_MS);
        for (int i = 0; i < n; i++) {
            gate_pending *p = events[i].data.ptr;
            if (p == NULL) {
                /* The listening socket: accepting is checked under the lock that
                 * gate_stop_accepting closes it under. */
                pthread_mutex_lock(&g->accept_lock);
                if (g->accepting)
                    accept_some(g);
                pthread_mutex_unlock(&g->accept_lock);
            } else {
                pending_read(g, p, (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
            }
        }
        uint64_t now = monotonic_ns();
        if (now >= next_reap) { /* busy or not, deadlines are looked at each interval */
            reap(g);
            next_reap = now + (uint64_t)GATE_REAP_INTERVAL_MS * 1000000u;
        }
    }
    return NULL;
}

/* ---- MHD's side ---- */

void gate_notify(void *cls, struct MHD_Connection *connection, void **socket_context,
                 enum MHD_ConnectionNotificationCode code)
{
    gate *g = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        gate_conn *c = calloc(1, sizeof *c);
        *socket_context = c;
        if (c == NULL)
            return; /* no deadline for this one; its count is still kept */
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->fd = fd != NULL ? fd->connect_fd : -1;
        atomic_init(&c->deadline_ns,
                    monotonic_ns() + (uint64_t)g->config.request_timeout_ms * 1000000u);
        pthread_mutex_lock(&g->lock);
        c->next = g->conns;
        if (g->conns != NULL)
            g->conns->prev = c;
        g->conns = c;
        pthread_mutex_unlock(&g->lock);
        return;
    }
    assert(code == MHD_CONNECTION_NOTIFY_CLOSED);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    uint8_t key[GATE_PEER_KEY_LEN];
    peer_key(info != NULL ? info->client_addr : NULL, key);
    gate_conn *c = *socket_context;
    pthread_mutex_lock(&g->lock);
    if (c != NULL) {
        if (c->prev != NULL)
            c->prev->next = c->next;
        else
            g->conns = c->next;
        if (c->next != NULL)
            c->next->prev = c->prev;
    }
    assert(g->open > 0);
    g->open--;
    peer_release(g, key);
    pthread_mutex_unlock(&g->lock);
    free(c);
    *socket_context = NULL;
}

static gate_conn *conn_of(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info != NULL ? info->socket_context : NULL;
}

void gate_request_received(struct MHD_Connection *connection)
{
    gate_conn *c = conn_of(connection);
    if (c != NULL)
        atomic_store(&c->deadline_ns, 0);
}

void gate_request_finished(gate *g, struct MHD_Connection *connection)
{
    gate_conn *c = conn_of(connection);
    if (c != NULL)
        atomic_store(&c->deadline_ns,
                     monotonic_ns() + (uint64_t)g->config.request_timeout_ms * 1000000u);
}

/* ---- life ---- */

int gate_new(const gate_config *config, const struct sockaddr *addr, socklen_t addr_len,
             gate **out)
{
    assert(config->max_connections >= 1 && config->max_per_peer >= 1);
    assert(config->request_timeout_ms >= 1);
    *out = NULL;
    gate *g = calloc(1, sizeof *g);
    if (g == NULL)
        return ENOMEM;
    g->config = *config;
    g->peers_cap = GATE_PEERS_MIN;
    while (g->peers_cap < 2 * (size_t)config->max_connections)
        g->peers_cap *= 2;
    g->peers = calloc(g->peers_cap, sizeof *g->peers);
    if (g->peers == NULL) {
        free(g);
        return ENOMEM;
    }
    g->busy_len = problem_text(g->busy_text, sizeof g->busy_text, 503, "overloaded",
                               "too many connections", config->retry_after_s);
    g->peer_len = problem_text(g->peer_text, sizeof g->peer_text, 503, "overloaded",
                               "too many connections from this address", config->retry_after_s);
    g->timeout_len = problem_text(g->timeout_text, sizeof g->timeout_text, 408, "invalid_request",
                                  "the request did not arrive whole in time", 0);
    assert(g->busy_len > 0 && g->peer_len > 0 && g->timeout_len > 0);
    pthread_mutex_init(&g->lock, NULL);
    pthread_mutex_init(&g->accept_lock, NULL);
    atomic_init(&g->stop, false);
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    int e = 0;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (addr->sa_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, addr, addr_len) != 0 || listen(fd, GATE_LISTEN_BACKLOG) != 0) {
        e = errno != 0 ? errno : EINVAL;
        if (fd >= 0)
            close(fd);
        pthread_mutex_destroy(&g->lock);
        pthread_mutex_destroy(&g->accept_lock);
        free(g->peers);
        free(g);
        return e;
    }
    g->listen_fd = fd;
    g->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (g->epoll_fd < 0 || epoll_ctl(g->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        e = errno;
        if (g->epoll_fd >= 0)
            close(g->epoll_fd);
        close(fd);
        pthread_mutex_destroy(&g->lock);
        pthread_mutex_destroy(&g->accept_lock);
        free(g->peers);
        free(g);
        return e;
    }
    g->accepting = true;
    *out = g;
    return 0;
}

int gate_listen_fd(const gate *g)
{
    return g->listen_fd;
}

int gate_run(gate *g, struct MHD_Daemon *daemon)
{
    assert(!g->thread_started);
    g->daemon = daemon;
    int rc = pthread_create(&g->thread, NULL, gate_main, g);
    g->thread_started = rc == 0;
    return rc;
}

void gate_stop_accepting(gate *g)
{
    pthread_mutex_lock(&g->accept_lock);
    if (g->accepting) {
        g->accepting = false;
        /* shutdown first: it stops the listening at once, even while the gate's
         * thread still polls the descriptor (a close alone would wait for that). */
        shutdown(g->listen_fd, SHUT_RDWR);
        epoll_ctl(g->epoll_fd, EPOLL_CTL_DEL, g->listen_fd, NULL);
        close(g->listen_fd);
        g->listen_fd = -1;
    }
    pthread_mutex_unlock(&g->accept_lock);
}

void gate_free(gate *g)
{
    if (g == NULL)
        return;
    if (g->thread_started) {
        atomic_store(&g->stop, true);
        pthread_join(g->thread, NULL);
    }
    if (g->listen_fd >= 0)
        close(g->listen_fd);
    while (g->pending != NULL) /* never handed to MHD: the gate's to close */
        pending_refuse(g, g->pending, NULL, 0);
    close(g->epoll_fd);
    assert(g->conns == NULL); /* MHD closed them all */
    pthread_mutex_destroy(&g->lock);
    pthread_mutex_destroy(&g->accept_lock);
    free(g->peers);
    free(g);
}
