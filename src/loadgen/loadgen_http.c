/* SPDX-License-Identifier: MIT */
/*
 * loadgen_http.c: the load generator over HTTP, against a running `booking
 * serve`: it creates its resources, runs T worker threads (loadgen_http_conn.c)
 * until the deadline or the attempts are spent, merges their histories by time,
 * and reads every resource back to check that `booked` agrees with the answers.
 */
#include "history/history_line.h"
#include "loadgen/loadgen_http.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The setup and read-back connection, and where its operations go in the history. */
typedef struct lg_control {
    http_control http;
    FILE *history;
    int64_t process;
} lg_control;

static void control_history(lg_control *ctl, history_event ev)
{
    if (ctl->history == NULL)
        return;
    ev.process = ctl->process;
    ev.has_time = true;
    ev.time_ns = monotonic_ns();
    history_line_write(ctl->history, &ev); /* a failed write shows at the final flush */
}

static loadgen_status create_resource(lg_control *ctl, const loadgen_config *cfg, const char *id,
                                      char *why)
{
    char path[LOADGEN_ID_BYTES + 32], body[64];
    snprintf(path, sizeof path, "/v1/resources/%s", id);
    snprintf(body, sizeof body, "{\"capacity\":%" PRIu64 "}", cfg->capacity);
    control_history(ctl, (history_event){.type = HISTORY_INVOKE, .f = HISTORY_SET_CAPACITY,
                                         .resource_id = id, .capacity = cfg->capacity});
    http_answer a;
    const char *answer;
    if (!http_roundtrip(&ctl->http, "PUT", path, body, &a, &answer))
        return loadgen_fail(why, LOADGEN_ERROR, "PUT %s: no answer from %s", path, cfg->url);
    control_history(ctl, (history_event){.type = HISTORY_COMPLETE, .f = HISTORY_SET_CAPACITY,
                                         .ok = a.status == 200 ? HISTORY_TRUE : HISTORY_FALSE});
    if (a.status != 200)
        return loadgen_fail(why, LOADGEN_ERROR, "PUT %s answered %d: %.200s", path, a.status,
                            answer);
    return LOADGEN_OK;
}

/* A resource read back: its counters, and the store time they are as of. */
typedef struct lg_read {
    uint64_t capacity, booked;
    bool has_as_of;
    int64_t as_of_ms;
} lg_read;

static bool read_resource(lg_control *ctl, const char *id, lg_read *rd)
{
    char path[LOADGEN_ID_BYTES + 32];
    snprintf(path, sizeof path, "/v1/resources/%s", id);
    control_history(ctl, (history_event){.type = HISTORY_INVOKE, .f = HISTORY_GET_RESOURCE,
                                         .resource_id = id});
    http_answer a;
    const char *answer;
    if (!http_roundtrip(&ctl->http, "GET", path, NULL, &a, &answer) || a.status != 200)
        return false;
    if (!lg_scan_u64(answer, a.body_len, "\"capacity\"", &rd->capacity) ||
        !lg_scan_u64(answer, a.body_len, "\"booked\"", &rd->booked))
        return false;
    rd->has_as_of = lg_scan_time(answer, a.body_len, "\"as_of\"", &rd->as_of_ms);
    control_history(ctl, (history_event){.type = HISTORY_COMPLETE, .f = HISTORY_GET_RESOURCE,
                                         .has_read = true, .capacity = rd->capacity,
                                         .booked = rd->booked, .has_as_of = rd->has_as_of,
                                         .as_of_ms = rd->as_of_ms});
    return true;
}

/* A confirm of a hold left to expire, once every hold has ended: it must answer
 * hold_expired (SPEC section 7). */
static void late_confirm(lg_control *ctl, const char *booking_id, loadgen_holds *h)
{
    char path[LOADGEN_ID_BYTES + 32];
    snprintf(path, sizeof path, "/v1/bookings/%s/confirm", booking_id);
    control_history(ctl, (history_event){.type = HISTORY_INVOKE, .f = HISTORY_CONFIRM,
                                         .booking_id = booking_id});
    http_answer a;
    const char *answer;
    lg_change ch;
    h->late++;
    if (!http_roundtrip(&ctl->http, "POST", path, NULL, &a, &answer) ||
        !lg_scan_change(a.status, answer, a.body_len, &ch)) {
        h->late_wrong++;
        ctl->process++; /* its invoke stays open */
        return;
    }
    if (ch.reason != BOOKING_REASON_HOLD_EXPIRED)
        h->late_wrong++;
    bool changed = ch.reason == BOOKING_REASON_CONFIRMED;
    control_history(ctl, (history_event){
        .type = HISTORY_COMPLETE, .f = HISTORY_CONFIRM, .has_reason = true, .reason = ch.reason,
        .ok = changed || ch.reason == BOOKING_REASON_ALREADY_CONFIRMED ? HISTORY_TRUE
                                                                       : HISTORY_FALSE,
        .has_expires_at = ch.has_expires_at, .expires_at_ms = ch.expires_at_ms,
        .has_updated_at = changed && ch.has_updated_at, .updated_at_ms = ch.updated_at_ms});
}

/* Merges the per-thread histories (each in time order) into out, by time. */
static bool history_merge(FILE *out, lg_worker *workers, unsigned count)
{
    char **lines = calloc(count, sizeof *lines);
    size_t *caps = calloc(count, sizeof *caps);
    uint64_t *times = calloc(count, sizeof *times);
    bool *live = calloc(count, sizeof *live);
    bool ok = lines != NULL && caps != NULL && times != NULL && live != NULL;
    for (unsigned i = 0; ok && i < count; i++) {
        if (workers[i].history == NULL || workers[i].history_failed ||
            fflush(workers[i].history) != 0 || fseek(workers[i].history, 0, SEEK_SET) != 0) {
            ok = false;
            break;
        }
        live[i] = getline(&lines[i], &caps[i], workers[i].history) > 0;
        if (live[i])
            times[i] = history_line_time(lines[i]);
    }
    /* O(threads) per line; threads are few (at most 64). */
    while (ok) {
        unsigned best = count;
        for (unsigned i = 0; i < count; i++) {
            if (live[i] && (best == count || times[i] < times[best]))
                best = i;
        }
        if (best == count)
            break;
        if (fputs(lines[best], out) == EOF)
            ok = false;
        live[best] = getline(&lines[best], &caps[best], workers[best].history) > 0;
        if (live[best])
            times[best] = history_line_time(lines[best]);
    }
    for (unsigned i = 0; lines != NULL && i < count; i++)
        free(lines[i]);
    free(lines);
    free(caps);
    free(times);
    free(live);
    return ok;
}

static void build_heads(lg_shared *sh)
{
    const loadgen_target *t = &sh->cfg->target;
    char auth[LOADGEN_TOKEN_MAX + 32] = "";
    if (t->token[0])
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", t->token);
    int n = snprintf(sh->head_single, sizeof sh->head_single,
                     "POST /v1/bookings HTTP/1.1\r\nHost: %s:%s\r\n%s"
                     "Content-Type: application/json\r\nContent-Length: ",
                     t->host, t->port, auth);
    sh->head_single_len = n > 0 ? (size_t)n : 0;
    n = snprintf(sh->head_batch, sizeof sh->head_batch,
                 "POST /v1/bookings/batch HTTP/1.1\r\nHost: %s:%s\r\n%s"
                 "Content-Type: application/json\r\nContent-Length: ",
                 t->host, t->port, auth);
    sh->head_batch_len = n > 0 ? (size_t)n : 0;
    n = snprintf(sh->tail_confirm, sizeof sh->tail_confirm,
                 " HTTP/1.1\r\nHost: %s:%s\r\n%sContent-Type: application/json\r\n"
                 "Content-Length: 0\r\n\r\n", t->host, t->port, auth);
    sh->tail_confirm_len = n > 0 ? (size_t)n : 0;
}

/* Joins the workers; meanwhile reports progress and watches the stop hook. */
static void progress_wait(lg_shared *sh, lg_worker *workers, unsigned started)
{
    const loadgen_hooks *hooks = sh->hooks;
    loadgen_meter meter = {.start_ns = sh->start_ns, .last_ns = sh->start_ns};
    for (unsigned joined = 0; joined < started;) {
        struct timespec step = {0, LG_TICK_MS * 1000000L};
        nanosleep(&step, NULL);
        if (hooks->stop != NULL && *hooks->stop)
            atomic_store(&sh->stop, true);
        loadgen_meter_tick(&meter, hooks, atomic_load_explicit(&sh->answered, memory_order_relaxed),
                           atomic_load_explicit(&sh->lost, memory_order_relaxed),
                           LG_PROGRESS_EVERY_MS);
        for (; joined < started; joined++) {
            if (pthread_tryjoin_np(workers[joined].thread, NULL) != 0)
                break;
        }
    }
}

/* Runs the workers until the run ends; returns its seconds. */
static double run_workers(lg_shared *sh, lg_worker *workers, unsigned *started, char *why)
{
    const loadgen_config *cfg = sh->cfg;
    const loadgen_hooks *hooks = sh->hooks;
    if (hooks->sending != NULL)
        hooks->sending(hooks->ctx, true);
    sh->start_ns = monotonic_ns();
    uint64_t limit_s = cfg->attempts != 0 ? (uint64_t)LG_DURATION_MAX_S : cfg->duration_s;
    sh->deadline_ns = sh->start_ns + limit_s * 1000000000ull;
    for (*started = 0; *started < cfg->threads; (*started)++) {
        if (pthread_create(&workers[*started].thread, NULL, lg_worker_run, &workers[*started]) != 0) {
            loadgen_fail(why, LOADGEN_ERROR, "cannot start thread %u", *started);
            atomic_store(&sh->stop, true);
            break;
        }
    }
    progress_wait(sh, workers, *started);
    double seconds = (double)(monotonic_ns() - sh->start_ns) / 1e9;
    if (hooks->sending != NULL)
        hooks->sending(hooks->ctx, false);
    return seconds;
}

/* With holds, before the read-back: waits for the last hold's end, then confirms
 * a sample of the holds left to expire. */
static void settle_holds(lg_control *ctl, lg_shared *sh, lg_worker *workers, const lg_conn *conns,
                         loadgen_report *r)
{
    const loadgen_config *cfg = sh->cfg;
    int64_t end_max = 0;
    for (unsigned i = 0; i < cfg->threads; i++)
        end_max = workers[i].ledger.end_max > end_max ? workers[i].ledger.end_max : end_max;
    r->holds.waited = loadgen_wait_for_expiry(end_max, cfg->hold_ms, &r->holds.waited_ms);
    for (unsigned i = 0; r->holds.waited && i < cfg->connections; i++) {
        for (unsigned k = 0; k < conns[i].late_count; k++)
            late_confirm(ctl, conns[i].late[k], &r->holds);
    }
}

/* Reads every resource back: booked must lie between what the answers say is
 * booked as of the read (fresh BOOKED answers, but holds ended by then) and that
 * plus every attempt in doubt, and never above capacity. */
static bool verify(lg_control *ctl, lg_shared *sh, lg_worker *workers, loadgen_report *r)
{
    const loadgen_config *cfg = sh->cfg;
    r->verified = true;
    loadgen_ledger *ledgers = calloc(cfg->threads, sizeof *ledgers);
    if (ledgers == NULL)
        return false;
    for (unsigned i = 0; i < cfg->threads; i++)
        ledgers[i] = workers[i].ledger; /* a shallow copy: the worker keeps the arrays */
    for (uint64_t res = 0; res < cfg->resources; res++) {
        loadgen_mismatch m = {0};
        lg_read rd = {0};
        r->resources_checked++;
        m.unreadable = !read_resource(ctl, sh->resource_ids[res], &rd);
        m.capacity = rd.capacity;
        m.booked = rd.booked;
        uint64_t lo, hi;
        loadgen_ledger_expect(ledgers, cfg->threads, (uint32_t)res, rd.has_as_of, rd.as_of_ms,
                              &lo, &hi);
        m.acked = lo;
        m.doubt = hi - lo;
        if (!m.unreadable && m.booked >= lo && m.booked <= hi && m.booked <= m.capacity)
            continue;
        if (r->mismatches == NULL &&
            (r->mismatches = calloc(cfg->resources, sizeof m)) == NULL) {
            free(ledgers);
            return false;
        }
        memcpy(m.resource_id, sh->resource_ids[res], sizeof m.resource_id);
        r->mismatches[r->resources_wrong++] = m;
    }
    free(ledgers);
    return true;
}

/* Sums the workers into the report and writes the history. */
static void sum_workers(lg_shared *sh, lg_worker *workers, loadgen_report *r, FILE *history)
{
    for (unsigned i = 0; i < sh->cfg->threads; i++) {
        lg_worker *w = &workers[i];
        loadgen_stats_merge(&r->stats, &w->stats);
        for (int s = 0; s < LOADGEN_HTTP_STATUS_MAX; s++)
            r->http_status[s] += w->http_status[s];
        r->replayed += w->replayed;
        r->lost += w->lost;
        r->timeouts += w->timeouts;
        r->bad_answers += w->bad_answers;
        r->no_outcome += w->no_outcome;
        loadgen_holds_merge(&r->holds, &w->holds);
        if (w->history != NULL && ferror(w->history))
            w->history_failed = true;
    }
    if (history != NULL)
        r->history_failed = !history_merge(history, workers, sh->cfg->threads);
}

/* After the run: the totals, the history, the read-back. */
static loadgen_status report_run(lg_control *ctl, lg_shared *sh, lg_worker *workers,
                                 const lg_conn *conns, loadgen_report *r, char *why)
{
    const loadgen_config *cfg = sh->cfg;
    sum_workers(sh, workers, r, ctl->history);
    r->ran = true;
    if (cfg->verify) {
        uint64_t max_process = 0;
        for (unsigned i = 0; i < cfg->connections; i++)
            max_process = conns[i].process > max_process ? conns[i].process : max_process;
        ctl->process = (int64_t)((max_process + 1) * cfg->batch); /* no connection ever used it */
        if (cfg->hold_ms != 0)
            settle_holds(ctl, sh, workers, conns, r);
        if (!verify(ctl, sh, workers, r))
            return loadgen_fail(why, LOADGEN_ERROR, "out of memory");
    }
    if (ctl->history != NULL && fflush(ctl->history) != 0)
        r->history_failed = true;
    return LOADGEN_OK;
}

/* Creates the resources and opens every worker's connections. */
static loadgen_status set_up(lg_control *ctl, lg_shared *sh, lg_worker *workers, lg_conn *conns,
                             char *why)
{
    const loadgen_config *cfg = sh->cfg;
    for (uint64_t r = 0; r < cfg->resources; r++) {
        snprintf(sh->resource_ids[r], LOADGEN_ID_BYTES, "r-%s-%" PRIu64, sh->tag, r);
        loadgen_status s = create_resource(ctl, cfg, sh->resource_ids[r], why);
        if (s != LOADGEN_OK)
            return s;
    }
    unsigned conn_next = 0;
    for (unsigned i = 0; i < cfg->threads; i++) {
        if (!lg_worker_init(&workers[i], sh, i, conns + conn_next))
            return loadgen_fail(why, LOADGEN_ERROR, "cannot open %u connections to %s (%s)",
                                cfg->connections, cfg->url, strerror(errno));
        conn_next += workers[i].conn_count;
    }
    return LOADGEN_OK;
}

loadgen_status loadgen_run_http(const loadgen_config *cfg, const loadgen_hooks *hooks,
                                loadgen_report *report, char why[LOADGEN_WHY_BYTES])
{
    lg_shared sh = {.cfg = cfg, .hooks = hooks};
    loadgen_tag(cfg, sh.tag);
    build_heads(&sh);
    lg_control ctl = {.http = {.target = &cfg->target, .timeout_ms = cfg->timeout_ms, .fd = -1},
                      .history = hooks->history, .process = 0}; /* before the run, 0 is free */
    lg_worker *workers = calloc(cfg->threads, sizeof *workers);
    lg_conn *conns = calloc(cfg->connections, sizeof *conns);
    sh.resource_ids = calloc(cfg->resources, sizeof *sh.resource_ids);
    loadgen_status status = LOADGEN_ERROR;
    if (workers == NULL || conns == NULL || sh.resource_ids == NULL) {
        loadgen_fail(why, LOADGEN_ERROR, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < cfg->connections; i++)
        conns[i].fd = -1;
    for (unsigned i = 0; i < cfg->threads; i++)
        workers[i].epfd = -1;
    if ((status = set_up(&ctl, &sh, workers, conns, why)) != LOADGEN_OK)
        goto out;
    unsigned started = 0;
    report->seconds = run_workers(&sh, workers, &started, why);
    status = started < cfg->threads ? LOADGEN_ERROR
                                    : report_run(&ctl, &sh, workers, conns, report, why);
out:
    http_control_close(&ctl.http);
    free(ctl.http.buf);
    for (unsigned i = 0; workers != NULL && i < cfg->threads; i++)
        lg_worker_free(&workers[i]);
    free(workers);
    free(conns);
    free(sh.resource_ids);
    return status;
}
