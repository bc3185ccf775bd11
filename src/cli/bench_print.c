/* SPDX-License-Identifier: MIT */
/*
 * bench_print.c: the report of `booking bench` as text or JSON, as scripts read
 * it (tests/loadgen, tests/check, bench/compare): keep its shape stable.
 */
#include "cli/bench_print.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>

void bench_print_stats(FILE *out, const loadgen_stats *s, double seconds, const char *label,
                       bool json)
{
    double rate = seconds > 0 ? (double)s->attempts / seconds : 0;
    uint64_t p50 = loadgen_stats_quantile(s, 0.50), p99 = loadgen_stats_quantile(s, 0.99),
             p999 = loadgen_stats_quantile(s, 0.999);
    if (json) {
        fprintf(out, "{\"label\":\"%s\",\"attempts\":%" PRIu64 ",\"seconds\":%.6f,"
                     "\"attempts_per_second\":%.0f,\"booked\":%" PRIu64 ",\"rejected\":%" PRIu64
                     ",\"failed\":%" PRIu64 ",\"latency_ns\":{\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
                     ",\"p999\":%" PRIu64 "},\"reasons\":{",
                label, s->attempts, seconds, rate, s->by_outcome[BOOKING_BOOKED],
                s->by_outcome[BOOKING_REJECTED], s->by_outcome[BOOKING_FAILED], p50, p99, p999);
        const char *sep = "";
        for (int i = 0; i < LOADGEN_REASON_COUNT; i++) {
            if (s->by_reason[i] == 0)
                continue;
            fprintf(out, "%s\"%s\":%" PRIu64, sep, booking_reason_name((booking_reason)i),
                    s->by_reason[i]);
            sep = ",";
        }
        fputs("}}\n", out);
        return;
    }
    fprintf(out, "%s: %" PRIu64 " attempts in %.3f s = %.0f attempts/s\n", label, s->attempts,
            seconds, rate);
    fprintf(out, "  outcomes: BOOKED %" PRIu64 ", REJECTED %" PRIu64 ", FAILED %" PRIu64 "\n",
            s->by_outcome[BOOKING_BOOKED], s->by_outcome[BOOKING_REJECTED],
            s->by_outcome[BOOKING_FAILED]);
    fputs("  reasons:", out);
    for (int i = 0; i < LOADGEN_REASON_COUNT; i++) {
        if (s->by_reason[i] != 0)
            fprintf(out, " %s %" PRIu64, booking_reason_name((booking_reason)i), s->by_reason[i]);
    }
    fprintf(out, "\n  latency per call: p50 %.1f us, p99 %.1f us, p999 %.1f us\n", (double)p50 / 1e3,
            (double)p99 / 1e3, (double)p999 / 1e3);
}

/* Holds and confirms (SPEC section 7), one line each, after the summary. */
static void print_holds_text(const loadgen_config *cfg, const loadgen_report *r)
{
    const loadgen_holds *h = &r->holds;
    printf("  holds: %" PRIu64 " BOOKED as holds of %" PRIu64 " ms, %" PRIu64
           " confirms (ratio %g):", h->booked, cfg->hold_ms, h->confirms, cfg->confirm_ratio);
    for (int i = 0; i < LOADGEN_REASON_COUNT; i++) {
        if (h->by_reason[i] != 0)
            printf(" %s %" PRIu64, booking_reason_name((booking_reason)i), h->by_reason[i]);
    }
    printf("%s; lost %" PRIu64 ", confirmed after their end %" PRIu64 "\n",
           h->confirms == 0 ? " none" : "", h->lost, h->after_expiry);
    if (h->booked == 0)
        printf("  expiry: no hold to wait for\n");
    else if (h->waited)
        printf("  expiry: waited %" PRIu64 " ms for the last hold's end; %" PRIu64
               " late confirms, %" PRIu64 " not answered hold_expired\n",
               h->waited_ms, h->late, h->late_wrong);
    else
        printf("  expiry: holds longer than the wait; the read-back counts them as of its time\n");
}

static json_t *holds_json(const loadgen_config *cfg, const loadgen_report *r)
{
    const loadgen_holds *h = &r->holds;
    json_t *reasons = json_object();
    for (int i = 0; i < LOADGEN_REASON_COUNT; i++) {
        if (h->by_reason[i] != 0)
            json_object_set_new(reasons, booking_reason_name((booking_reason)i),
                                json_integer((json_int_t)h->by_reason[i]));
    }
    return json_pack("{s:I, s:f, s:I, s:I, s:o, s:I, s:I, s:b, s:I, s:I, s:I}",
                     "hold_ms", (json_int_t)cfg->hold_ms, "confirm_ratio", cfg->confirm_ratio,
                     "booked_holds", (json_int_t)h->booked, "confirms", (json_int_t)h->confirms,
                     "confirm_reasons", reasons, "confirms_lost", (json_int_t)h->lost,
                     "confirmed_after_expiry", (json_int_t)h->after_expiry, "waited",
                     h->waited, "waited_ms", (json_int_t)h->waited_ms, "late_confirms",
                     (json_int_t)h->late, "late_confirms_wrong", (json_int_t)h->late_wrong);
}

bool bench_holds_ok(const loadgen_report *r)
{
    return r->holds.after_expiry == 0 && r->holds.late_wrong == 0;
}

static void print_http_text(const loadgen_config *cfg, const loadgen_report *r,
                            const char *label)
{
    bench_print_stats(stdout, &r->stats, r->seconds, label, false);
    printf("  http:");
    for (int s = 0; s < LOADGEN_HTTP_STATUS_MAX; s++) {
        if (r->http_status[s] != 0)
            printf(" %d %" PRIu64, s, r->http_status[s]);
    }
    printf("\n  replayed %" PRIu64 ", lost requests %" PRIu64 " (timeouts %" PRIu64
           "), attempts without outcome %" PRIu64 ", bad answers %" PRIu64 "\n",
           r->replayed, r->lost, r->timeouts, r->no_outcome, r->bad_answers);
    if (cfg->hold_ms != 0)
        print_holds_text(cfg, r);
    if (r->verified)
        printf("  check: %" PRIu64 " resources read back, %" PRIu64 " disagree\n",
               r->resources_checked, r->resources_wrong);
}

/* The in-process summary's JSON, read back to add what HTTP adds. */
static json_t *stats_json(const loadgen_report *r, const char *label)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *mem = open_memstream(&text, &text_len);
    if (mem == NULL)
        return NULL;
    bench_print_stats(mem, &r->stats, r->seconds, label, true);
    fclose(mem);
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    return o;
}

static void set_count(json_t *o, const char *key, uint64_t v)
{
    json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* Prints o on one line and releases it. */
static void print_json(json_t *o)
{
    char *out = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)); /* "seconds" stays short */
    json_decref(o);
    if (out != NULL)
        puts(out);
    free(out);
}

void bench_print_http(const loadgen_config *cfg, const loadgen_report *r, const char *label)
{
    if (!cfg->json) {
        print_http_text(cfg, r, label);
        return;
    }
    json_t *o = stats_json(r, label);
    if (o == NULL) {
        fputs("{\"error\":\"internal\"}\n", stdout);
        return;
    }
    json_t *http = json_object();
    for (int s = 0; s < LOADGEN_HTTP_STATUS_MAX; s++) {
        if (r->http_status[s] != 0) {
            char key[8];
            snprintf(key, sizeof key, "%d", s);
            set_count(http, key, r->http_status[s]);
        }
    }
    json_object_set_new(o, "http_status", http);
    set_count(o, "replayed", r->replayed);
    set_count(o, "lost_requests", r->lost);
    set_count(o, "timeouts", r->timeouts);
    set_count(o, "attempts_without_outcome", r->no_outcome);
    set_count(o, "bad_answers", r->bad_answers);
    json_object_set_new(o, "connections", json_integer(cfg->connections));
    json_object_set_new(o, "batch", json_integer(cfg->batch));
    if (r->verified) {
        set_count(o, "resources_checked", r->resources_checked);
        set_count(o, "resources_wrong", r->resources_wrong);
    }
    if (cfg->hold_ms != 0)
        json_object_set_new(o, "holds", holds_json(cfg, r));
    print_json(o);
}

void bench_print_inproc_holds(const loadgen_config *cfg, const loadgen_report *r,
                              const char *label)
{
    if (!cfg->json) {
        bench_print_stats(stdout, &r->stats, r->seconds, label, false);
        print_holds_text(cfg, r);
        printf("  check: %" PRIu64 " resources read back, %" PRIu64 " disagree\n",
               r->resources_checked, r->resources_wrong);
        return;
    }
    json_t *o = stats_json(r, label);
    if (o == NULL) {
        fputs("{\"error\":\"internal\"}\n", stdout);
        return;
    }
    json_object_set_new(o, "holds", holds_json(cfg, r));
    set_count(o, "resources_checked", r->resources_checked);
    set_count(o, "resources_wrong", r->resources_wrong);
    print_json(o);
}

void bench_print_mismatches(const loadgen_report *r)
{
    for (uint64_t i = 0; i < r->resources_wrong; i++) {
        const loadgen_mismatch *m = &r->mismatches[i];
        if (m->unreadable)
            fprintf(stderr, "booking bench: cannot read resource %s back\n", m->resource_id);
        else
            fprintf(stderr,
                    "booking bench: resource %s: booked %" PRIu64 ", capacity %" PRIu64
                    ", but answers say %" PRIu64 " booked (+ up to %" PRIu64 " in doubt)\n",
                    m->resource_id, m->booked, m->capacity, m->acked, m->doubt);
    }
}
