/* SPDX-License-Identifier: MIT */
/*
 * loadgen_http_conn.c: one worker of the HTTP mode: its keep-alive connections
 * in one epoll loop, one request in flight per connection. A request is built in
 * place without printf; an answer is counted, checked against its status, and
 * written to the worker's history; a request without an answer stays in doubt.
 */
#include "history/history_line.h"
#include "loadgen/loadgen_http.h"
#include "util/decimal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_IN_INITIAL 16384
#define CONN_IN_STEP 4096 /* the least room a read is given */

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static void history_attempt(lg_worker *w, const history_event *ev)
{
    if (w->history != NULL && !history_line_write(w->history, ev))
        w->history_failed = true;
}

static bool conn_open(lg_worker *w, lg_conn *c)
{
    if (c->fd >= 0) {
        close(c->fd); /* closing also leaves the epoll set */
        c->fd = -1;
    }
    if (c->reconnects++ > LG_RECONNECTS_MAX)
        return false;
    const loadgen_config *cfg = w->shared->cfg;
    c->fd = http_connect(&cfg->target, cfg->timeout_ms, true);
    if (c->fd < 0)
        return false;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        close(c->fd);
        c->fd = -1;
        return false;
    }
    c->want_out = false;
    c->in_len = 0;
    return true;
}

static void conn_want_out(lg_worker *w, lg_conn *c, bool want)
{
    if (c->want_out == want)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->want_out = want;
}

/* How many attempts the next request carries; 0 when the run is over. */
static unsigned claim(lg_shared *sh)
{
    const loadgen_config *cfg = sh->cfg;
    if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
        return 0;
    if (cfg->attempts == 0)
        return cfg->batch;
    uint64_t first = atomic_fetch_add_explicit(&sh->claimed, cfg->batch, memory_order_relaxed);
    if (first >= cfg->attempts)
        return 0;
    uint64_t left = cfg->attempts - first;
    return left < cfg->batch ? (unsigned)left : cfg->batch;
}

static char *put_attempt(char *p, const lg_shared *sh, const loadgen_slot *s)
{
    p = put_str(p, "{\"booking_id\":\"");
    p = put_str(p, s->booking_id);
    if (s->lines != 0) { /* a stay: one line per night (SPEC section 8) */
        p = put_str(p, "\",\"lines\":[");
        for (uint32_t k = 0; k < s->lines; k++) {
            p = put_str(p, k ? ",{\"resource_id\":\"" : "{\"resource_id\":\"");
            p = put_str(p, sh->resource_ids[s->resource + k]);
            p = put_str(p, "\",\"units\":");
            p = decimal_put_u64(p, s->units);
            *p++ = '}';
        }
        *p++ = ']';
    } else {
        p = put_str(p, "\",\"resource_id\":\"");
        p = put_str(p, sh->resource_ids[s->resource]);
        p = put_str(p, "\",\"units\":");
        p = decimal_put_u64(p, s->units);
    }
    if (sh->cfg->hold_ms != 0) {
        p = put_str(p, ",\"hold_ms\":");
        p = decimal_put_u64(p, sh->cfg->hold_ms);
    }
    *p++ = '}';
    return p;
}

/* Builds the next request in c->out: the body first, then the headers right before it. */
static void build_request(lg_shared *sh, lg_conn *c, unsigned n)
{
    char *body = c->out + HTTP_HEAD_RESERVE, *p = body;
    bool batch = sh->cfg->batch > 1;
    if (batch)
        p = put_str(p, "{\"attempts\":[");
    for (unsigned i = 0; i < n; i++) {
        loadgen_pick(&c->picker, &c->inflight[i]);
        if (i > 0)
            *p++ = ',';
        p = put_attempt(p, sh, &c->inflight[i]);
    }
    if (batch)
        p = put_str(p, "]}");
    size_t body_len = (size_t)(p - body);
    char head[HTTP_HEAD_RESERVE];
    const char *prefix = batch ? sh->head_batch : sh->head_single;
    size_t prefix_len = batch ? sh->head_batch_len : sh->head_single_len;
    memcpy(head, prefix, prefix_len);
    char *h = decimal_put_u64(head + prefix_len, body_len);
    h = put_str(h, "\r\n\r\n");
    size_t head_len = (size_t)(h - head);
    c->out_start = HTTP_HEAD_RESERVE - head_len;
    memcpy(c->out + c->out_start, head, head_len);
    c->out_end = HTTP_HEAD_RESERVE + body_len;
    c->inflight_n = n;
}

static void lose_request(lg_worker *w, lg_conn *c);

/* Sends what is left of the request; false if the connection broke. */
static bool conn_flush(lg_worker *w, lg_conn *c)
{
    while (c->out_start < c->out_end) {
        ssize_t k = send(c->fd, c->out + c->out_start, c->out_end - c->out_start, MSG_NOSIGNAL);
        if (k > 0) {
            c->out_start += (size_t)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            conn_want_out(w, c, true);
            return true;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else {
            return false;
        }
    }
    conn_want_out(w, c, false);
    return true;
}

/* A confirm without an answer: its hold may be active now, or expire. */
static void lose_confirm(lg_worker *w, lg_conn *c)
{
    loadgen_slot_add(w->ledger.confirm_doubt, &c->confirm_slot);
    w->holds.lost++;
    c->confirming = false;
}

/* Sends the confirm of the queue's first hold (SPEC section 5). */
static void send_confirm(lg_worker *w, lg_conn *c)
{
    lg_shared *sh = w->shared;
    c->confirm_slot = c->confirm_queue[c->confirm_head];
    c->confirm_head = (c->confirm_head + 1) % sh->cfg->batch;
    c->confirm_len--;
    char *p = put_str(c->out, "POST /v1/bookings/");
    p = put_str(p, c->confirm_slot.booking_id);
    p = put_str(p, "/confirm");
    memcpy(p, sh->tail_confirm, sh->tail_confirm_len);
    c->out_start = 0;
    c->out_end = (size_t)(p - c->out) + sh->tail_confirm_len;
    c->busy = c->confirming = true;
    c->inflight_n = 0;
    c->sent_ns = monotonic_ns();
    w->holds.confirms++;
    history_attempt(w, &(history_event){.type = HISTORY_INVOKE, .f = HISTORY_CONFIRM,
                                        .process = (int64_t)(c->process * sh->cfg->batch),
                                        .booking_id = c->confirm_slot.booking_id,
                                        .has_time = true, .time_ns = c->sent_ns});
    if (!conn_flush(w, c))
        lose_request(w, c);
}

/* Starts the next request on an idle connection, if the run goes on: a confirm
 * waiting for this connection first, then the next attempts. */
static void conn_next(lg_worker *w, lg_conn *c)
{
    lg_shared *sh = w->shared;
    if (c->confirm_len > 0 && !atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        send_confirm(w, c);
        return;
    }
    unsigned n = claim(sh);
    if (n == 0)
        return;
    build_request(sh, c, n);
    c->busy = true;
    c->sent_ns = monotonic_ns();
    for (unsigned i = 0; i < n && w->history != NULL; i++) {
        const loadgen_slot *s = &c->inflight[i];
        booking_line lines[BOOKING_LINES_MAX];
        size_t count = loadgen_slot_fill_lines(s, sh->resource_ids, lines);
        history_attempt(w, &(history_event){
            .type = HISTORY_INVOKE, .f = HISTORY_ATTEMPT,
            .process = (int64_t)(c->process * sh->cfg->batch + i), .booking_id = s->booking_id,
            .resource_id = count ? NULL : sh->resource_ids[s->resource],
            .units = count ? 0 : s->units, .lines = count ? lines : NULL, .line_count = count,
            .hold_ms = sh->cfg->hold_ms, .has_time = true,
            .time_ns = c->sent_ns});
    }
    if (!conn_flush(w, c))
        lose_request(w, c);
}

/* The request in flight got no answer: its attempts stay in doubt (invokes without
 * completion), the connection is reopened under new process ids, and the run goes on. */
static void lose_request(lg_worker *w, lg_conn *c)
{
    lg_shared *sh = w->shared;
    if (c->busy) {
        for (unsigned i = 0; i < c->inflight_n; i++)
            loadgen_slot_add(w->ledger.doubt, &c->inflight[i]);
        if (c->confirming)
            lose_confirm(w, c);
        w->lost++;
        atomic_fetch_add_explicit(&sh->lost, 1, memory_order_relaxed);
        c->process += sh->cfg->connections;
        c->busy = false;
    }
    if (!conn_open(w, c)) {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        return;
    }
    conn_next(w, c);
}

/* A fresh BOOKED answer to a hold: its end for the read-back, and a confirm
 * queued for this connection (or the hold left to expire). */
static void take_hold(lg_worker *w, lg_conn *c, const loadgen_slot *s, const booking_result *r)
{
    const loadgen_config *cfg = w->shared->cfg;
    if (r->status != BOOKING_STATUS_HELD || r->expires_at_ms <= 0) {
        w->bad_answers++; /* asked for a hold, answered something else */
        loadgen_slot_add(w->ledger.acked, s);
        return;
    }
    w->holds.booked++;
    loadgen_ledger_hold_slot(&w->ledger, s, r->expires_at_ms);
    if (loadgen_confirm_due(&c->holds_seen, cfg->confirm_ratio) &&
        c->confirm_len < cfg->batch) {
        c->confirm_queue[(c->confirm_head + c->confirm_len++) % cfg->batch] = *s;
    } else if (c->late_count < LOADGEN_LATE_PER_CLIENT) {
        memcpy(c->late[c->late_count++], s->booking_id, LOADGEN_ID_BYTES);
    }
}

/* Counts one attempt's answer and writes its completion. */
static void count_result(lg_worker *w, lg_conn *c, unsigned k, const booking_result *r,
                         uint64_t t)
{
    const loadgen_slot *s = &c->inflight[k];
    loadgen_stats_record_result(&w->stats, r);
    if (r->replayed)
        w->replayed++;
    if (r->outcome == BOOKING_BOOKED && !r->replayed && w->shared->cfg->hold_ms != 0)
        take_hold(w, c, s, r);
    else if (r->outcome == BOOKING_BOOKED && !r->replayed)
        loadgen_slot_add(w->ledger.acked, s);
    else if (r->outcome == BOOKING_FAILED)
        loadgen_slot_add(w->ledger.doubt, s);
    bool booked = r->outcome == BOOKING_BOOKED;
    /* The failing line an answer named (SPEC section 8); lg_scan says whether it did. */
    bool has_line = r->outcome == BOOKING_REJECTED && r->line != LG_NO_LINE &&
                    (r->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY ||
                     r->reason == BOOKING_REASON_UNKNOWN_RESOURCE) &&
                    r->line < loadgen_slot_lines(s);
    if (w->history != NULL)
        history_attempt(w, &(history_event){
            .type = HISTORY_COMPLETE, .f = HISTORY_ATTEMPT,
            .process = (int64_t)(c->process * w->shared->cfg->batch + k), .outcome = r->outcome,
            .has_reason = true, .reason = r->reason,
            .replayed = r->replayed ? HISTORY_TRUE : HISTORY_FALSE,
            .has_line = has_line, .line = has_line ? r->line : 0,
            .status = booked ? r->status : BOOKING_STATUS_NONE,
            .has_expires_at = booked && r->expires_at_ms > 0, .expires_at_ms = r->expires_at_ms,
            .has_time = true, .time_ns = t});
}

/* Counts a confirm's answer (SPEC section 7) and writes its completion. */
static void count_confirm(lg_worker *w, lg_conn *c, const http_answer *a, uint64_t t)
{
    lg_change ch;
    const loadgen_slot *s = &c->confirm_slot;
    if (!lg_scan_change(a->status, c->in + a->body_off, a->body_len, &ch)) {
        w->bad_answers++;
        lose_confirm(w, c); /* its invoke stays open */
        c->process += w->shared->cfg->connections;
        return;
    }
    c->confirming = false;
    loadgen_holds_count(&w->holds, ch.reason);
    if (booking_reason_is_failure(ch.reason)) {
        loadgen_slot_add(w->ledger.confirm_doubt, s);
    } else if (ch.reason == BOOKING_REASON_CONFIRMED) {
        loadgen_slot_sub(w->ledger.held, s);
        loadgen_slot_add(w->ledger.confirmed, s);
        if (ch.has_updated_at && ch.has_expires_at && ch.updated_at_ms >= ch.expires_at_ms)
            w->holds.after_expiry++;
    }
    bool changed = ch.reason == BOOKING_REASON_CONFIRMED;
    history_attempt(w, &(history_event){
        .type = HISTORY_COMPLETE, .f = HISTORY_CONFIRM,
        .process = (int64_t)(c->process * w->shared->cfg->batch), .has_reason = true,
        .reason = ch.reason,
        .ok = changed || ch.reason == BOOKING_REASON_ALREADY_CONFIRMED ? HISTORY_TRUE
                                                                       : HISTORY_FALSE,
        .has_expires_at = ch.has_expires_at, .expires_at_ms = ch.expires_at_ms,
        .has_updated_at = changed && ch.has_updated_at, .updated_at_ms = ch.updated_at_ms,
        .has_time = true, .time_ns = t});
}

/* Counts one answer; returns whether the connection may carry the next request. */
static bool conn_answer(lg_worker *w, lg_conn *c, const http_answer *a)
{
    lg_shared *sh = w->shared;
    uint64_t t = monotonic_ns();
    w->http_status[a->status]++;
    if (c->confirming) {
        count_confirm(w, c, a, t);
        c->busy = false;
        return !a->close;
    }
    loadgen_stats_record_latency(&w->stats, t - c->sent_ns, 1);
    lg_scan scan;
    lg_scan_init(&scan, c->in + a->body_off, a->body_len);
    bool batch = sh->cfg->batch > 1;
    unsigned got = 0;
    if (!batch || a->status == 200) {
        for (; got < c->inflight_n; got++) {
            booking_result r = {0};
            if (!lg_scan_next_result(&scan, &r))
                break;
            if (!batch && !lg_status_agrees(a->status, &r))
                w->bad_answers++;
            count_result(w, c, got, &r, t);
        }
    }
    if (got < c->inflight_n) {
        /* No outcome for these: a 4xx/5xx without one, or a short batch answer. */
        if (got > 0 || (batch && a->status == 200))
            w->bad_answers++;
        w->no_outcome += c->inflight_n - got;
        for (unsigned i = got; i < c->inflight_n; i++)
            loadgen_slot_add(w->ledger.doubt, &c->inflight[i]);
        c->process += sh->cfg->connections; /* their invokes stay open */
    }
    atomic_fetch_add_explicit(&sh->answered, got, memory_order_relaxed);
    c->busy = false;
    return !a->close;
}

/* Reads what has come; sets *eof when the connection closed or broke. False when
 * the answer cannot fit (the request was lost). */
static bool conn_read(lg_worker *w, lg_conn *c, bool *eof)
{
    for (;;) {
        if (c->in_cap - c->in_len < CONN_IN_STEP) {
            size_t cap = c->in_cap * 2;
            if (cap > HTTP_HEADER_MAX + HTTP_RESPONSE_MAX + CONN_IN_STEP) {
                w->bad_answers++;
                lose_request(w, c);
                return false;
            }
            char *in = realloc(c->in, cap);
            if (in == NULL) {
                lose_request(w, c);
                return false;
            }
            c->in = in;
            c->in_cap = cap;
        }
        size_t room = c->in_cap - c->in_len;
        ssize_t k = recv(c->fd, c->in + c->in_len, room, 0);
        if (k > 0) {
            c->in_len += (size_t)k;
            /* A read shorter than its room drained the socket: what comes later
             * (more of the answer, or the server's close) makes the level-triggered
             * epoll report the socket again. Reading on would only see EAGAIN, one
             * system call per answer on the path a lone connection waits on. */
            if ((size_t)k < room)
                return true;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        *eof = true; /* closed or broken: an answer may still be complete */
        return true;
    }
}

static void conn_readable(lg_worker *w, lg_conn *c)
{
    bool eof = false;
    if (!conn_read(w, c, &eof))
        return;
    if (c->in_len == 0 && (eof || !c->busy)) {
        if (eof)
            lose_request(w, c);
        return;
    }
    http_answer a;
    http_parse p = http_parse_answer(c->in, c->in_len, &a);
    if (p == HTTP_PARSE_MORE && !eof)
        return;
    if (p != HTTP_PARSE_DONE || !c->busy || c->in_len != a.body_off + a.body_len) {
        if (p != HTTP_PARSE_MORE)
            w->bad_answers++; /* garbage, an answer nobody asked for, or extra bytes */
        lose_request(w, c);
        return;
    }
    bool keep = conn_answer(w, c, &a) && !eof;
    c->in_len = 0;
    if (!keep && !conn_open(w, c)) {
        close(c->fd);
        c->fd = -1;
        return;
    }
    conn_next(w, c);
}

/* Once a tick: requests unanswered too long are lost; connections that could not be
 * reopened (the server was down) try again, so a run outlives a server restart. */
static void check_timeouts(lg_worker *w, uint64_t now)
{
    uint64_t limit = w->shared->cfg->timeout_ms * 1000000ull;
    bool stopping = atomic_load_explicit(&w->shared->stop, memory_order_relaxed);
    for (unsigned i = 0; i < w->conn_count; i++) {
        lg_conn *c = &w->conns[i];
        if (c->fd >= 0 && c->busy && now - c->sent_ns > limit) {
            w->timeouts++;
            lose_request(w, c);
        } else if (c->fd < 0 && !stopping && c->reconnects <= LG_RECONNECTS_MAX) {
            if (conn_open(w, c))
                conn_next(w, c);
        }
    }
}

static unsigned busy_count(const lg_worker *w)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w->conn_count; i++)
        n += w->conns[i].fd >= 0 && w->conns[i].busy;
    return n;
}

static unsigned queued_confirms(const lg_worker *w)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w->conn_count; i++)
        n += w->conns[i].fd >= 0 ? w->conns[i].confirm_len : 0;
    return n;
}

static bool may_reconnect(const lg_worker *w)
{
    for (unsigned i = 0; i < w->conn_count; i++) {
        if (w->conns[i].fd < 0 && w->conns[i].reconnects <= LG_RECONNECTS_MAX)
            return true;
    }
    return false;
}

/* Whether the loop is over: stopped and drained (or out of drain time), or the
 * attempts are spent, or every connection gave up. */
static bool run_over(lg_worker *w, uint64_t now, uint64_t *drain_end)
{
    lg_shared *sh = w->shared;
    if (atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        if (*drain_end == 0)
            *drain_end = now + LG_DRAIN_MS * 1000000ull;
        return busy_count(w) == 0 || now >= *drain_end;
    }
    return sh->cfg->attempts != 0 && busy_count(w) == 0 && queued_confirms(w) == 0 &&
           (atomic_load_explicit(&sh->claimed, memory_order_relaxed) >= sh->cfg->attempts ||
            !may_reconnect(w));
}

void *lg_worker_run(void *arg)
{
    lg_worker *w = arg;
    lg_shared *sh = w->shared;
    struct epoll_event events[LG_EPOLL_EVENTS];
    for (unsigned i = 0; i < w->conn_count; i++)
        conn_next(w, &w->conns[i]);
    uint64_t drain_end = 0, last_tick = monotonic_ns();
    /* Bounded: the run ends at its deadline (or when its attempts are spent), then
     * waits at most LG_DRAIN_MS for answers; the deadline itself is capped. */
    for (;;) {
        int n = epoll_wait(w->epfd, events, LG_EPOLL_EVENTS, LG_TICK_MS);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            lg_conn *c = events[i].data.ptr;
            if (c->fd < 0)
                continue;
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                conn_readable(w, c);
            else if ((events[i].events & EPOLLOUT) && !conn_flush(w, c))
                lose_request(w, c);
        }
        uint64_t now = monotonic_ns();
        if (now >= sh->deadline_ns)
            atomic_store(&sh->stop, true);
        if (now - last_tick >= LG_TICK_MS * 1000000ull) {
            check_timeouts(w, now);
            last_tick = now;
        }
        if (run_over(w, now, &drain_end))
            break;
    }
    for (unsigned i = 0; i < w->conn_count; i++) {
        lg_conn *c = &w->conns[i];
        if (c->fd >= 0 && c->busy) { /* never answered: stays in doubt */
            for (unsigned k = 0; k < c->inflight_n; k++)
                loadgen_slot_add(w->ledger.doubt, &c->inflight[k]);
            if (c->confirming)
                lose_confirm(w, c);
            w->lost++;
            c->busy = false;
        }
    }
    return NULL;
}

/* One connection's buffers and workload; connection index i of the run. */
static bool conn_init(lg_worker *w, lg_conn *c, unsigned index)
{
    const loadgen_config *cfg = w->shared->cfg;
    char prefix[LOADGEN_ID_BYTES], *p = put_str(prefix, "b-");
    p = put_str(p, w->shared->tag);
    *p++ = '-';
    p = loadgen_put_hex(p, index);
    *p++ = '-';
    *p = '\0';
    c->fd = -1;
    c->index = index;
    c->process = index;
    loadgen_picker_init(&c->picker, cfg, loadgen_stream_seed(cfg->seed, index),
                        prefix, c->replay, LG_REPLAY_SLOTS);
    c->out_cap = HTTP_HEAD_RESERVE + 32 + (size_t)cfg->batch * lg_attempt_json_max(cfg);
    c->out = malloc(c->out_cap);
    c->in_cap = CONN_IN_INITIAL;
    c->in = malloc(c->in_cap);
    c->inflight = calloc(cfg->batch, sizeof *c->inflight);
    c->confirm_queue = cfg->hold_ms != 0 ? calloc(cfg->batch, sizeof *c->confirm_queue) : NULL;
    _Static_assert(LG_CONFIRM_REQUEST_MAX <= HTTP_HEAD_RESERVE + 32 + LG_ATTEMPT_JSON_MAX,
                   "a confirm's request fits where an attempt's does");
    return c->out != NULL && c->in != NULL && c->inflight != NULL &&
           (cfg->hold_ms == 0 || c->confirm_queue != NULL);
}

bool lg_worker_init(lg_worker *w, lg_shared *sh, unsigned index, lg_conn *conns)
{
    const loadgen_config *cfg = sh->cfg;
    w->index = index;
    w->shared = sh;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0 || !loadgen_ledger_init(&w->ledger, cfg->resources))
        return false;
    if (sh->hooks->history != NULL && (w->history = tmpfile()) == NULL)
        return false;
    /* Connection i belongs to thread i % T. */
    w->conns = conns;
    w->conn_count = cfg->connections / cfg->threads + (index < cfg->connections % cfg->threads);
    for (unsigned i = 0; i < w->conn_count; i++) {
        lg_conn *c = &w->conns[i];
        if (!conn_init(w, c, index + i * cfg->threads))
            return false;
        if (!conn_open(w, c)) {
            w->connect_failed = true;
            return false;
        }
        c->reconnects = 0;
    }
    return true;
}

void lg_worker_free(lg_worker *w)
{
    for (unsigned i = 0; w->conns != NULL && i < w->conn_count; i++) {
        if (w->conns[i].fd >= 0)
            close(w->conns[i].fd);
        free(w->conns[i].out);
        free(w->conns[i].in);
        free(w->conns[i].inflight);
        free(w->conns[i].confirm_queue);
    }
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->history != NULL)
        fclose(w->history);
    loadgen_ledger_free(&w->ledger);
}
