/* SPDX-License-Identifier: MIT */
/*
 * gate.c: the door of the service: the listening socket, and the connection
 * limits. A connection past --max-connections or past one peer's share gets a 503
 * problem at once and is closed here; an admitted one goes to the worker that
 * accepted it (server/http_loop.c), which reports its close.
 *
 * NOTES ON THE DESIGN
 *  (1) Every worker polls the listening socket (EPOLLEXCLUSIVE: one is woken per
 *      connection) and accepts through gate_accept(), under accept_lock, which
 *      gate_stop_accepting() closes the socket under: nothing is accepted after.
 *  (2) Counting: a connection is counted (in all and for its peer) when accepted,
 *      and uncounted when its worker closes it (gate_closed). So the limits hold
 *      for every connection open, whatever it is doing.
 *  (3) A refusal reads what the client already sent (up to GATE_REFUSE_DRAIN_MAX)
 *      before and after its answer, so that the close does not reset it away.
 */
#include "server/gate.h"
#include "server/problem.h"
#include "util/monotonic.h"

#include <assert.h>
#include <errno.h>
#include <sys/epoll.h>
#include <netinet/in.h>
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

struct gate {
    gate_config config;
    int listen_fd;
    pthread_mutex_t accept_lock; /* held around an accept; guards accepting */
    bool accepting;
    pthread_mutex_t lock; /* everything below */
    unsigned open;        /* connections counted (2) */
    gate_peer *peers;     /* open addressing, linear probing, peers_cap a power of 2 */
    size_t peers_cap;
    char busy_text[PROBLEM_TEXT_MAX];
    size_t busy_len;
    char peer_text[PROBLEM_TEXT_MAX];
    size_t peer_len;
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

void gate_refuse(int fd, const char *text, size_t len)
{
    refuse(fd, text, len);
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

int gate_accept(gate *g, struct sockaddr_storage *addr, socklen_t *addr_len, bool *starved)
{
    pthread_mutex_lock(&g->accept_lock);
    int fd = -1;
    *starved = false;
    while (g->accepting) {
        *addr_len = sizeof *addr;
        int c = accept4(g->listen_fd, (struct sockaddr *)addr, addr_len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            /* Out of descriptors (or buffers): the connection stays queued. */
            *starved = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
            break;
        }
        uint8_t key[GATE_PEER_KEY_LEN];
        peer_key((struct sockaddr *)addr, key);
        size_t text_len = 0;
        const char *refusal = admit(g, key, &text_len);
        if (refusal == NULL) {
            fd = c;
            break;
        }
        refuse(c, refusal, text_len);
    }
    pthread_mutex_unlock(&g->accept_lock);
    return fd;
}

int gate_watch(gate *g, int epoll_fd, struct epoll_event *ev)
{
    pthread_mutex_lock(&g->accept_lock);
    int rc = g->accepting ? epoll_ctl(epoll_fd, EPOLL_CTL_ADD, g->listen_fd, ev) : 0;
    int e = rc != 0 ? errno : 0;
    pthread_mutex_unlock(&g->accept_lock);
    return e;
}

void gate_unwatch(gate *g, int epoll_fd)
{
    pthread_mutex_lock(&g->accept_lock);
    if (g->accepting)
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, g->listen_fd, NULL);
    pthread_mutex_unlock(&g->accept_lock);
}

void gate_closed(gate *g, const struct sockaddr *addr)
{
    uint8_t key[GATE_PEER_KEY_LEN];
    peer_key(addr, key);
    uncount(g, key);
}

unsigned gate_open(gate *g)
{
    pthread_mutex_lock(&g->lock);
    unsigned n = g->open;
    pthread_mutex_unlock(&g->lock);
    return n;
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
                               "too many connections", config->retry_after_s, NULL);
    g->peer_len = problem_text(g->peer_text, sizeof g->peer_text, 503, "overloaded",
                               "too many connections from this address", config->retry_after_s,
                               NULL);
    assert(g->busy_len > 0 && g->peer_len > 0);
    pthread_mutex_init(&g->lock, NULL);
    pthread_mutex_init(&g->accept_lock, NULL);
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
    g->accepting = true;
    *out = g;
    return 0;
}

int gate_listen_fd(const gate *g)
{
    return g->listen_fd;
}

void gate_stop_accepting(gate *g)
{
    pthread_mutex_lock(&g->accept_lock);
    if (g->accepting) {
        g->accepting = false;
        /* shutdown first: it stops the listening at once, even while the gate's
         * thread still polls the descriptor (a close alone would wait for that). */
        shutdown(g->listen_fd, SHUT_RDWR);
        close(g->listen_fd); /* closed, it leaves every worker's epoll set */
        g->listen_fd = -1;
    }
    pthread_mutex_unlock(&g->accept_lock);
}

void gate_free(gate *g)
{
    if (g == NULL)
        return;
    if (g->listen_fd >= 0)
        close(g->listen_fd);
    assert(g->open == 0); /* the workers closed them all */
    pthread_mutex_destroy(&g->lock);
    pthread_mutex_destroy(&g->accept_lock);
    free(g->peers);
    free(g);
}
