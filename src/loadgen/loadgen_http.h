/* SPDX-License-Identifier: MIT */
/*
 * loadgen_http.h: the parts of the HTTP mode: the run (loadgen_http.c) sets up
 * the shared state and the workers; each worker drives its connections in one
 * epoll loop (loadgen_http_conn.c); answers are scanned by loadgen_answer.c.
 */
#ifndef BOOKING_LOADGEN_HTTP_H
#define BOOKING_LOADGEN_HTTP_H

#include "loadgen/http_client.h"
#include "loadgen/loadgen_internal.h"

#include <pthread.h>
#include <stdatomic.h>

#define LG_REPLAY_SLOTS 256        /* earlier ids per connection a replay may reuse */
#define LG_ATTEMPT_JSON_MAX 192    /* {"booking_id":..,"resource_id":..,"units":..,"hold_ms":..} */
#define LG_DURATION_MAX_S 3600     /* the hard maximum of any run */
#define LG_DRAIN_MS 5000           /* after the run, wait this long for answers */
#define LG_TICK_MS 100
#define LG_PROGRESS_EVERY_MS 1000
#define LG_EPOLL_EVENTS 256
#define LG_RECONNECTS_MAX 1000     /* per connection, then it gives up */
#define LG_CONFIRM_REQUEST_MAX (64 + LOADGEN_ID_BYTES + HTTP_HEAD_RESERVE)

#define LG_LINE_JSON_MAX (LOADGEN_ID_BYTES + 48) /* ,{"resource_id":..,"units":..} */
#define LG_NO_LINE UINT32_MAX /* booking_result.line when the answer named none */

_Static_assert(2 * LOADGEN_ID_BYTES + 64 + 20 <= LG_ATTEMPT_JSON_MAX, "an attempt's JSON fits");
_Static_assert(LOADGEN_ID_BYTES + 16 + 2 + 20 + 2 <= LG_LINE_JSON_MAX, "a line's JSON fits");

/* The longest attempt's JSON under cfg: a stay adds its lines. */
static inline size_t lg_attempt_json_max(const loadgen_config *cfg)
{
    return LG_ATTEMPT_JSON_MAX + (cfg->nights != 0 ? cfg->stay_max * LG_LINE_JSON_MAX : 0);
}

typedef struct lg_shared {
    const loadgen_config *cfg;
    const loadgen_hooks *hooks;
    char tag[17];
    char (*resource_ids)[LOADGEN_ID_BYTES];
    char head_single[HTTP_HEAD_RESERVE]; /* request line + headers up to Content-Length: */
    char head_batch[HTTP_HEAD_RESERVE];
    char tail_confirm[HTTP_HEAD_RESERVE]; /* after "POST /v1/bookings/ID/confirm" */
    size_t head_single_len, head_batch_len, tail_confirm_len;
    _Atomic uint64_t claimed;  /* attempts handed out (with --attempts) */
    _Atomic uint64_t answered; /* attempts with an outcome, for the progress line */
    _Atomic uint64_t lost;     /* requests without an answer */
    _Atomic bool stop;         /* no new requests (deadline, attempts spent, stop hook) */
    uint64_t start_ns;
    uint64_t deadline_ns;
} lg_shared;

typedef struct lg_conn {
    int fd;
    unsigned index;
    uint64_t process;       /* history process id; a lost request moves it on */
    loadgen_picker picker;
    loadgen_slot replay[LG_REPLAY_SLOTS];
    loadgen_slot *inflight; /* the attempts of the request in flight */
    unsigned inflight_n;
    /* holds: confirms wait here (at most batch: one answer's worth) and go first */
    loadgen_slot *confirm_queue;
    unsigned confirm_head, confirm_len;
    bool confirming;        /* the request in flight is a confirm, of confirm_slot */
    loadgen_slot confirm_slot;
    uint64_t holds_seen;
    char late[LOADGEN_LATE_PER_CLIENT][LOADGEN_ID_BYTES]; /* holds left to expire */
    unsigned late_count;
    bool busy;
    bool want_out;
    uint64_t sent_ns;
    char *out;              /* HTTP_HEAD_RESERVE + body */
    size_t out_cap, out_start, out_end;
    char *in;
    size_t in_len, in_cap;
    unsigned reconnects;
} lg_conn;

typedef struct lg_worker {
    pthread_t thread;
    unsigned index;
    lg_shared *shared;
    lg_conn *conns;
    unsigned conn_count;
    int epfd;
    loadgen_stats stats;
    uint64_t http_status[LOADGEN_HTTP_STATUS_MAX];
    uint64_t replayed;
    uint64_t lost;              /* requests without an answer (closed, timed out) */
    uint64_t timeouts;
    uint64_t bad_answers;       /* unparseable HTTP, or status and outcome disagree */
    uint64_t no_outcome;        /* answers that carried no outcome (4xx, 5xx bodies) */
    loadgen_ledger ledger;      /* per resource: what the answers say is booked */
    loadgen_holds holds;
    FILE *history;              /* this thread's lines, merged by time at the end */
    bool history_failed;
    bool connect_failed;
} lg_worker;

/* ---- loadgen_http_conn.c ---- */

/* Sets up worker index of sh with its share of conns and opens them. */
bool lg_worker_init(lg_worker *w, lg_shared *sh, unsigned index, lg_conn *conns);
void lg_worker_free(lg_worker *w);
/* The thread: drives the worker's connections until the run ends. */
void *lg_worker_run(void *arg);

/* ---- loadgen_answer.c: a small scan of answer bodies, not a JSON parser ---- */

/* Cursors over a body: the k-th outcome, reason and replayed belong together,
 * because each outcome object carries each key once and ids cannot hold quotes. */
typedef struct lg_scan {
    const char *outcome, *reason, *replayed, *body, *end;
} lg_scan;

void lg_scan_init(lg_scan *s, const char *body, size_t len);
/* The next attempt's answer; false when there is none (or it is malformed). A
 * BOOKED one also gives its status and a hold's end (from its own object;
 * NONE and 0 when the body does not say). */
bool lg_scan_next_result(lg_scan *s, booking_result *r);
/* The time (RFC 3339 text, util/time_text.h) of "key" in body[0..len); false if none. */
bool lg_scan_time(const char *body, size_t len, const char *key, int64_t *ms);

/* A confirm's answer (SPEC section 5): its reason and the record's times. */
typedef struct lg_change {
    booking_reason reason; /* a failure for 503 */
    bool has_expires_at, has_updated_at;
    int64_t expires_at_ms, updated_at_ms;
} lg_change;
/* Reads the answer of POST /v1/bookings/ID/confirm with HTTP status status;
 * false when the body or its status is not a confirm's answer. */
bool lg_scan_change(int status, const char *body, size_t len, lg_change *c);
/* The unsigned integer value of "key" in body[0..len); false if none. */
bool lg_scan_u64(const char *body, size_t len, const char *key, uint64_t *out);
/* Whether a single attempt's HTTP status agrees with its outcome (SPEC section 5). */
bool lg_status_agrees(int status, const booking_result *r);

#endif
