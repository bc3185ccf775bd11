/* SPDX-License-Identifier: MIT */
/*
 * cmd_bench.c: `booking bench`, a thin adapter around the load generator
 * (loadgen/loadgen.h): it parses the arguments with the module's parser, opens
 * the store or the history file, shows progress, prints the report and exits.
 */
#include "cli/bench_print.h"
#include "cli/cli.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static const char bench_help[] =
    "Usage: booking bench [--store URL] [--threads N] [--resources K] [--attempts M]\n"
    "                     [--nights N [--stay MIN-MAX]]\n"
    "                     [--batch B] [--replay-ratio R] [--conflict-ratio C]\n"
    "                     [--capacity N] [--units U] [--hold-ms MS [--confirm-ratio R]]\n"
    "                     [--ids uuid4|uuid7|seq] [--seed S] [--json]\n"
    "\n"
    "Measures attempts per second in this process: N threads share M attempts, sent in\n"
    "batches of B (each batch one transaction) to K fresh resources picked at random.\n"
    "A share R of attempts replay an earlier booking ID of the same thread (same\n"
    "resource and units), a share C replay one with other units (booking_id_conflict).\n"
    "Progress goes to stderr each second; the summary (attempts/s, outcomes by reason,\n"
    "latency p50/p99/p999 per call) to stdout.\n"
    "\n"
    "Options (defaults in brackets):\n"
    "  -s, --store URL          store to measure [memory:]; a sqlite: file is written to\n"
    "  -t, --threads N          client threads, 1 to 256 [1]\n"
    "  -k, --resources K        resources, 1 to 1000000 [1] (1 = one hot resource)\n"
    "  -n, --attempts M         attempts in all [1000000]\n"
    "      --nights N           bundles: the resources are N nights, and each attempt is\n"
    "                           a stay, one bundle of consecutive nights (instead of -k)\n"
    "      --stay MIN-MAX       nights per stay, uniform in MIN..MAX (or N), 1 to 64 [3]\n"
    "  -b, --batch B            attempts per call, 1 to 8192 [1]; B x MAX at most 65536\n"
    "  -r, --replay-ratio R     share of replays, 0 to 1 [0]\n"
    "  -c, --conflict-ratio C   share of conflicting replays, 0 to 1 [0]\n"
    "      --capacity N         capacity of each resource [9007199254740991]\n"
    "  -u, --units U            units per attempt, uniform in 1..U [1]\n"
    "      --hold-ms MS         each attempt is a hold of MS ms, 1 to 604800000 [none]\n"
    "      --confirm-ratio R    confirm this share of the BOOKED holds at once, 0 to 1 [0]\n"
    "      --ids KIND           booking ids: uuid4 (random, as most clients send them),\n"
    "                           uuid7 (time-ordered) or seq (ascending per thread) [uuid4]\n"
    "      --seed S             random seed [from the clock]\n"
    "  -j, --json               print the summary as one JSON object\n"
    "  -h, --help               show this help\n"
    "\n"
    "With --hold-ms, after the run it waits for the last hold's end (holds up to 60 s;\n"
    "longer ones are counted as of the read's time), confirms a few of the holds left\n"
    "to expire (each must answer hold_expired), and reads every resource back: booked\n"
    "must equal the active units (plain and confirmed); exit status 1 otherwise.\n"
    "\n"
    "Example: booking bench --store sqlite:/tmp/b.db --batch 8192 --attempts 2000000\n"
    "\n"
    "With --url http://HOST:PORT it measures a running `booking serve` over HTTP instead\n"
    "(see 'booking bench --url x --help').\n";

static const char bench_http_help[] =
    "Usage: booking bench --url http://HOST:PORT [--connections C] [--threads T]\n"
    "                     [--duration S | --attempts M] [--resources K] [--mode hot|spread]\n"
    "                     [--nights N [--stay MIN-MAX]]\n"
    "                     [--batch B] [--replay-ratio R] [--conflict-ratio X] [--capacity N]\n"
    "                     [--units U] [--hold-ms MS [--confirm-ratio R]] [--token-file F]\n"
    "                     [--ids uuid4|uuid7|seq] [--history FILE] [--json]\n"
    "\n"
    "Measures `booking serve` over HTTP: C keep-alive connections spread over T threads,\n"
    "one request in flight per connection. It first creates its resources (PUT\n"
    "/v1/resources/ID), then sends POST /v1/bookings (or, with --batch B > 1, POST\n"
    "/v1/bookings/batch with B attempts each) with booking IDs unique to the run. A share R\n"
    "of attempts replay an earlier ID of the same connection, a share X replay one with\n"
    "other units (booking_id_conflict). Progress goes to stderr each second; at the end,\n"
    "on stdout: attempts/s, outcomes by reason, HTTP statuses, latency p50/p99/p999 per\n"
    "request. Then it reads each resource back and checks that `booked` agrees with the\n"
    "answers (every fresh BOOKED counted, nothing above capacity).\n"
    "\n"
    "Options (defaults in brackets):\n"
    "      --url URL            the service, http://HOST:PORT; HOST must be loopback\n"
    "                           unless --allow-remote is given\n"
    "  -C, --connections C      connections, 1 to 4096 [64]\n"
    "  -t, --threads T          client threads, 1 to 64 [2, at most C]\n"
    "  -d, --duration S         seconds to send for, 1 to 3600 [10]\n"
    "  -n, --attempts M         attempts in all, instead of a duration [unset]\n"
    "  -k, --resources K        resources for --mode spread, 1 to 10000 [1000]\n"
    "  -m, --mode MODE          hot: every attempt on one resource [hot]; spread: uniform\n"
    "                           over K resources\n"
    "      --nights N           bundles: the resources are N nights (spread), and each\n"
    "                           attempt is a stay: \"lines\", one per consecutive night\n"
    "      --stay MIN-MAX       nights per stay, uniform in MIN..MAX (or N), 1 to 64 [3]\n"
    "  -b, --batch B            attempts per request, 1 to 8192 [1]\n"
    "  -r, --replay-ratio R     share of replays, 0 to 1 [0]\n"
    "  -c, --conflict-ratio X   share of conflicting replays, 0 to 1 [0]\n"
    "      --capacity N         capacity of each resource [9007199254740991]\n"
    "  -u, --units U            units per attempt, uniform in 1..U [1]\n"
    "      --hold-ms MS         each attempt is a hold of MS ms, 1 to 604800000 [none];\n"
    "                           the read-back then waits for the last hold's end\n"
    "                           (holds up to 60 s) and confirms a few holds left to\n"
    "                           expire: each must answer hold_expired\n"
    "      --confirm-ratio R    confirm this share of the BOOKED holds (POST\n"
    "                           /v1/bookings/ID/confirm on the same connection) [0]\n"
    "      --token-file F       send the bearer token in F (first line) [none]\n"
    "      --history FILE       write every operation as JSON lines [none], in booking\n"
    "                           check's format: process = connection (x B + slot in\n"
    "                           a batch)\n"
    "      --timeout-ms MS      a request unanswered this long is lost [10000]\n"
    "      --no-verify          skip reading the resources back (for a fixed-answer server)\n"
    "      --ids KIND           booking ids: uuid4 (random, as most clients send them),\n"
    "                           uuid7 (time-ordered) or seq (ascending per thread) [uuid4]\n"
    "      --seed S             random seed [from the clock]\n"
    "      --allow-remote       allow a host that is not loopback\n"
    "  -j, --json               print the summary as one JSON object\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 if every answer was well formed and the read-back agrees; 1 otherwise.\n"
    "\n"
    "Example: booking bench --url http://127.0.0.1:8080 --connections 64 --duration 10\n";

static void show_progress(void *ctx, const loadgen_progress *p)
{
    const loadgen_config *cfg = ctx;
    if (cfg->mode == LOADGEN_HTTP)
        fprintf(stderr, "bench: %.0f s, %" PRIu64 " attempts, %.0f/s, %" PRIu64 " lost\n",
                p->elapsed_s, p->attempts, p->per_second, p->lost);
    else
        fprintf(stderr, "bench: %" PRIu64 " attempts, %.0f/s\n", p->attempts, p->per_second);
}

/* " nights=N stay=MIN-MAX" for a bundle workload, else "". */
static const char *stays_text(const loadgen_config *cfg, char *out, size_t cap)
{
    out[0] = '\0';
    if (cfg->nights != 0)
        snprintf(out, cap, " nights=%" PRIu64 " stay=%u-%u", cfg->nights, cfg->stay_min,
                 cfg->stay_max);
    return out;
}

static int bench_inproc(const loadgen_config *cfg, loadgen_report *report)
{
    booking_store *store = cli_open_store("bench", cfg->store_url);
    if (store == NULL)
        return CLI_EXIT_ERROR;
    loadgen_hooks hooks = {.progress = show_progress, .ctx = (void *)cfg};
    char why[LOADGEN_WHY_BYTES];
    loadgen_status status = loadgen_run_inproc(cfg, store, &hooks, report, why);
    if (status != LOADGEN_OK)
        cli_error("bench", "%s", why);
    for (unsigned i = 0; i < cfg->threads; i++) {
        if (report->worker_error[i][0] != '\0')
            fprintf(stderr, "booking bench: %s\n", report->worker_error[i]);
    }
    bool holds_ok = true;
    if (report->ran) {
        char label[200], shown[CLI_URL_SHOWN_MAX], stays[48];
        snprintf(label, sizeof label, "%.64s threads=%u resources=%" PRIu64 " batch=%u ids=%s%s",
                 cli_redact_url(cfg->store_url, shown, sizeof shown), cfg->threads,
                 cfg->resources, cfg->batch, loadgen_ids_name(cfg->ids),
                 stays_text(cfg, stays, sizeof stays));
        if (cfg->hold_ms == 0) {
            bench_print_stats(stdout, &report->stats, report->seconds, label, cfg->json);
        } else {
            bench_print_mismatches(report);
            bench_print_inproc_holds(cfg, report, label);
            holds_ok = bench_holds_ok(report) && report->resources_wrong == 0;
        }
    }
    booking_store_close(store);
    return status == LOADGEN_OK && holds_ok ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

/* SIGINT and SIGTERM end an HTTP run early, while it sends: it still reports. */
static volatile sig_atomic_t bench_interrupted;
static struct sigaction bench_old_int, bench_old_term;

static void on_signal(int sig)
{
    (void)sig;
    bench_interrupted = 1;
}

static void catch_signals(void *ctx, bool on)
{
    (void)ctx;
    if (on) {
        struct sigaction sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        bench_interrupted = 0;
        sigaction(SIGINT, &sa, &bench_old_int);
        sigaction(SIGTERM, &sa, &bench_old_term);
    } else {
        sigaction(SIGINT, &bench_old_int, NULL);
        sigaction(SIGTERM, &bench_old_term, NULL);
    }
}

/* Prints the HTTP run's report; the exit code: 0 only if every answer was well
 * formed, the read-back agrees, something was answered and the history is whole. */
static int report_http(const loadgen_config *cfg, const loadgen_report *r)
{
    bench_print_mismatches(r);
    char label[240], stays[48];
    snprintf(label, sizeof label,
             "%.64s connections=%u threads=%u resources=%" PRIu64 " batch=%u ids=%s%s", cfg->url,
             cfg->connections, cfg->threads, cfg->resources, cfg->batch,
             loadgen_ids_name(cfg->ids), stays_text(cfg, stays, sizeof stays));
    bench_print_http(cfg, r, label);
    int rc = CLI_EXIT_OK;
    if (r->history_failed) {
        cli_error("bench", "could not write the history to %s", cfg->history_path);
        rc = CLI_EXIT_ERROR;
    }
    if (r->bad_answers != 0 || r->resources_wrong != 0 || r->stats.attempts == 0 ||
        !bench_holds_ok(r))
        rc = CLI_EXIT_ERROR;
    return rc;
}

static int bench_http(const loadgen_config *cfg, loadgen_report *report)
{
    FILE *history = NULL;
    if (cfg->history_path != NULL && (history = fopen(cfg->history_path, "w")) == NULL)
        return cli_error("bench", "cannot write --history %s", cfg->history_path);
    loadgen_hooks hooks = {.progress = show_progress, .sending = catch_signals,
                           .ctx = (void *)cfg, .stop = &bench_interrupted, .history = history};
    char why[LOADGEN_WHY_BYTES];
    int rc = loadgen_run_http(cfg, &hooks, report, why) == LOADGEN_OK
                 ? report_http(cfg, report)
                 : cli_error("bench", "%s", why);
    if (history != NULL && fclose(history) != 0)
        rc = CLI_EXIT_ERROR;
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    switch (loadgen_config_parse(argc, argv, &cfg, why)) {
    case LOADGEN_OK: break;
    case LOADGEN_HELP:
        fputs(cfg.mode == LOADGEN_HTTP ? bench_http_help : bench_help, stdout);
        return CLI_EXIT_OK;
    case LOADGEN_USAGE: return cli_usage_error("bench", "%s", why);
    case LOADGEN_ERROR: return cli_error("bench", "%s", why);
    }
    loadgen_report *report = calloc(1, sizeof *report);
    if (report == NULL)
        return cli_error("bench", "out of memory");
    int rc = cfg.mode == LOADGEN_HTTP ? bench_http(&cfg, report) : bench_inproc(&cfg, report);
    loadgen_report_free(report);
    free(report);
    return rc;
}
