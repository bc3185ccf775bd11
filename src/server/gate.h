/* SPDX-License-Identifier: MIT */
/*
 * gate.h: the door of `booking serve` (SPEC section 5, "slow or idle clients cannot
 * starve the others"): it accepts the connections itself and hands them to
 * libmicrohttpd, answers 503 at once past --max-connections or past one peer's
 * share, and closes a connection whose request has not arrived whole in time.
 */
#ifndef BOOKING_SERVER_GATE_H
#define BOOKING_SERVER_GATE_H

#include <microhttpd.h>
#include <stdint.h>
#include <sys/socket.h>

/* How often the gate looks for requests past their deadline. */
#define GATE_REAP_INTERVAL_MS 100
/* Connections accepted at most per wake, so the deadlines are still looked at. */
#define GATE_ACCEPT_BATCH_MAX 64
/* The kernel's queue of connections not yet accepted; the gate drains it. */
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
/* The listening socket (for the address actually bound). */
int gate_listen_fd(const gate *g);
/* Starts the accept and deadline thread, handing connections to daemon (started
 * with MHD_USE_NO_LISTEN_SOCKET and MHD_OPTION_NOTIFY_CONNECTION gate_notify, g). */
int gate_run(gate *g, struct MHD_Daemon *daemon);
/* Stops accepting and closes the listening socket; deadlines are still kept. */
void gate_stop_accepting(gate *g);
/* After MHD_stop_daemon: stops the thread and frees. */
void gate_free(gate *g);

/* MHD_OPTION_NOTIFY_CONNECTION: counts connections in and out, per peer. */
void gate_notify(void *cls, struct MHD_Connection *connection, void **socket_context,
                 enum MHD_ConnectionNotificationCode code);
/* The request on connection has arrived whole: no deadline while it is answered. */
void gate_request_received(struct MHD_Connection *connection);
/* Its answer is done: the next request must arrive whole within the timeout. */
void gate_request_finished(gate *g, struct MHD_Connection *connection);

#endif
