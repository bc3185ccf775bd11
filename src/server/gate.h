/* SPDX-License-Identifier: MIT */
/*
 * gate.h: the door of `booking serve` (SPEC section 5, "slow or idle clients cannot
 * starve the others"): the listening socket, and the connection limits: a 503 at
 * once past --max-connections or past one peer's share. The workers of
 * server/http_loop.c accept through it and keep the request deadlines.
 */
#ifndef BOOKING_SERVER_GATE_H
#define BOOKING_SERVER_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* The kernel's queue of connections not yet accepted; the workers drain it. */
#define GATE_LISTEN_BACKLOG 1024
/* Bytes a refused connection's request may have sent that are read before the
 * close, so that the close does not reset the 503 away. */
#define GATE_REFUSE_DRAIN_MAX 65536

typedef struct gate_config {
    unsigned max_connections;    /* open at once, in all */
    unsigned max_per_peer;       /* open at once from one address */
    unsigned request_timeout_ms; /* a request must arrive whole this soon */
    int retry_after_s;           /* Retry-After of the 503s */
} gate_config;

typedef struct gate gate;

/* Binds and listens on addr; 0, or an errno. */
int gate_new(const gate_config *config, const struct sockaddr *addr, socklen_t addr_len,
             gate **out);
/* The listening socket (non-blocking; for the address bound, and the workers' epoll). */
int gate_listen_fd(const gate *g);
/* Accepts the next connection within the limits: its socket (non-blocking), counted,
 * and its address; -1 when none waits or accepting stopped, *starved when the
 * process is out of descriptors (the connection waits in the kernel's queue).
 * Those past the limits are answered 503 and closed on the way. */
int gate_accept(gate *g, struct sockaddr_storage *addr, socklen_t *addr_len, bool *starved);
/* Adds the listening socket to epoll_fd with ev, unless accepting stopped: 0 or an
 * errno. Under the lock gate_stop_accepting closes it under, so a descriptor
 * closed and reused is never added. */
int gate_watch(gate *g, int epoll_fd, struct epoll_event *ev);
/* Takes it out again (while accepting). */
void gate_unwatch(gate *g, int epoll_fd);
/* Answers text (a whole answer, closing) on fd and closes it, reading away what
 * the client sent as a refusal at the door does (GATE_REFUSE_DRAIN_MAX). */
void gate_refuse(int fd, const char *text, size_t len);
/* A connection gate_accept() gave is closed: uncounted. */
void gate_closed(gate *g, const struct sockaddr *addr);
/* Connections counted now. */
unsigned gate_open(gate *g);
/* Stops accepting and closes the listening socket. */
void gate_stop_accepting(gate *g);
/* Once every connection is closed: frees. */
void gate_free(gate *g);

#endif
