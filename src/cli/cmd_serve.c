/* SPDX-License-Identifier: MIT */
/*
 * cmd_serve.c: `booking serve`, the HTTP/JSON service (SPEC section 5). Parses
 * options, opens the store, starts src/server and waits for SIGTERM or SIGINT,
 * then stops gracefully: stop accepting, drain, commit, answer, close, exit 0.
 */
#include "cli/cli.h"
#include "server/server.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(CLI_TOKEN_LEN_MAX == SERVER_TOKEN_LEN_MAX, "the client sends any token the service takes");

static const char serve_help[] =
    "Usage: booking serve [--listen HOST:PORT] [--store URL] [--threads N]\n"
    "                     [--token-file PATH] [--max-connections N] [--access-log PATH|-]\n"
    "                     [--log-format text|json]\n"
    "                     [--max-connections-per-peer N] [--request-timeout S]\n"
    "\n"
    "Serves the booking API over HTTP/JSON until SIGTERM or SIGINT:\n"
    "  POST   /v1/bookings             one attempt {\"booking_id\",\"resource_id\",\"units\"}\n"
    "                                  201 BOOKED, 200 BOOKED replayed, 409 REJECTED,\n"
    "                                  404 unknown_resource, 503 FAILED (Retry-After), 400 invalid\n"
    "  POST   /v1/bookings/batch       {\"attempts\":[...]}, 1 to 8192, decided in order:\n"
    "                                  200 {\"outcomes\":[...]}, 400 if the batch is invalid\n"
    "  GET    /v1/bookings/ID          the decision record; 404 unknown\n"
    "  DELETE /v1/bookings/ID          cancel: 200 cancelled or already_cancelled,\n"
    "                                  409 not_booked (a REJECTED record), 404 unknown\n"
    "  PUT    /v1/resources/ID         {\"capacity\":N}: 200, or 409 capacity_below_booked\n"
    "  GET    /v1/resources/ID         capacity, booked, remaining; 404 unknown\n"
    "  GET    /v1/resources            ?after=ID&limit=N (1 to 1000, default 100): a page\n"
    "                                  {\"resources\":[...],\"next\":ID or null}, ascending id\n"
    "  GET    /v1/resources/ID/bookings  ?status=S&after=ID&limit=N: {\"bookings\":[records],\n"
    "                                  \"next\":...}, ascending booking_id; 404 unknown\n"
    "  GET    /healthz, /readyz        200 serving; 200 when the store answers, else 503\n"
    "  GET    /metrics                 Prometheus text: outcomes by reason, latency and\n"
    "                                  batch size histograms, queue depth\n"
    "\n"
    "Attempts are decided by group commit: one thread takes every attempt queued (up\n"
    "to 8192), decides them in arrival order in one transaction with one fsync, then\n"
    "answers them all. No delay is added: a lone attempt commits at once. A batch\n"
    "request is never split across transactions. When 32768 attempts already wait,\n"
    "an attempt is answered FAILED busy at once (503 with Retry-After; in a batch,\n"
    "200 with every outcome FAILED busy).\n"
    "\n"
    "Bodies are strict JSON: duplicate keys, unknown fields, floats, booleans or\n"
    "strings where an integer belongs, ids outside 1 to 128 characters of\n"
    "A-Z a-z 0-9 . _ : -, get 400; bodies over 64 KiB (2 MiB for a batch) 413, a\n"
    "Content-Type other than application/json 415. Malformed HTTP (two\n"
    "Content-Lengths, Content-Length with Transfer-Encoding, a raw control byte in\n"
    "the path, HTTP/1.1 without Host) gets 400 and the connection closed. Unknown\n"
    "paths get 404, a wrong method 405 with an Allow header. Every error body is\n"
    "application/problem+json: {type, title, status, detail, error}.\n"
    "\n"
    "Options:\n"
    "  -l, --listen HOST:PORT    address to listen on (default " SERVER_LISTEN_DEFAULT ");\n"
    "                            port 0 picks a free port, printed on start\n"
    "  -s, --store URL           store (default " CLI_STORE_DEFAULT "; also memory:, postgres://...)\n"
    "  -t, --threads N           HTTP threads (default: the number of CPUs, at most 256)\n"
    "  -T, --token-file PATH     require 'Authorization: Bearer TOKEN' on every path but\n"
    "                            /healthz; TOKEN is the file's first line (default: none)\n"
    "  -c, --max-connections N   open connections at most (default 1024); past it a\n"
    "                            new connection gets 503 overloaded and is closed\n"
    "  -P, --max-connections-per-peer N\n"
    "                            open connections from one address at most\n"
    "                            (default: half of --max-connections)\n"
    "  -R, --request-timeout S   a request (headers and body) must arrive whole\n"
    "                            within S seconds of the connection or of the\n"
    "                            previous answer, else 408 and close (default 30)\n"
    "  -a, --access-log PATH     append one line per request to PATH ('-': stdout;\n"
    "                            default: no access log): method, path, status,\n"
    "                            duration_us, bytes, peer, user_agent, request_id\n"
    "  -L, --log-format FORMAT   text (logfmt: time=... level=... msg=... key=value)\n"
    "                            or json (one object a line), for the access log and\n"
    "                            the error log on stderr (default text)\n"
    "  -h, --help                show this help\n"
    "\n"
    "On start it prints one line to stderr:\n"
    "  booking serve: listening on http://HOST:PORT (store URL)\n"
    "\n"
    "Every answer carries X-Request-Id, the id its access log line and any error\n"
    "line about it carry. Store failures (every FAILED answer) are logged on stderr\n"
    "with their reason. SIGHUP reopens the access log file (after logrotate has\n"
    "moved it) and changes nothing else.\n"
    "\n"
    "SIGTERM or SIGINT: stop accepting; on open connections refuse new attempts\n"
    "(503 FAILED unavailable) and answer /readyz 503 draining; decide and answer\n"
    "everything queued; close the store; exit 0.\n"
    "\n"
    "Environment: BOOKING_LISTEN, BOOKING_STORE and BOOKING_TOKEN_FILE give the\n"
    "defaults of --listen, --store and --token-file (the options win). Run by systemd\n"
    "with Type=notify, it reports READY=1 once the port is bound and the store open,\n"
    "and STOPPING=1 when it begins to drain ($NOTIFY_SOCKET).\n"
    "\n"
    "Exit status: 0 stopped by a signal; 2 usage (a malformed option or --listen);\n"
    "1 the store, the token file, the access log or the address could not be opened.\n";

typedef struct serve_args {
    const char *listen;
    const char *store_url;
    const char *token_file;
    const char *access_log;
    log_format log_format;
    unsigned threads;
    unsigned max_connections;
    unsigned max_per_peer;      /* 0: the server's default share */
    unsigned request_timeout_s; /* 0: the server's default */
    bool help;
} serve_args;

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > SERVER_THREADS_MAX ? SERVER_THREADS_MAX : (unsigned)n;
}

/* The variable's value, or fallback when it is unset or empty. */
static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : fallback;
}

/* Returns -1 when parsing succeeded, else the exit code to return. */
static int parse_args(int argc, char **argv, serve_args *a)
{
    static const struct option options[] = {
        {"listen", required_argument, NULL, 'l'},     {"store", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 't'},    {"token-file", required_argument, NULL, 'T'},
        {"max-connections", required_argument, NULL, 'c'},
        {"max-connections-per-peer", required_argument, NULL, 'P'},
        {"request-timeout", required_argument, NULL, 'R'},
        {"access-log", required_argument, NULL, 'a'}, {"log-format", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    /* The environment gives the defaults (a unit's EnvironmentFile=); flags win. */
    a->listen = env_or("BOOKING_LISTEN", SERVER_LISTEN_DEFAULT);
    a->store_url = env_or("BOOKING_STORE", CLI_STORE_DEFAULT);
    a->token_file = env_or("BOOKING_TOKEN_FILE", NULL);
    a->threads = default_threads();
    a->max_connections = SERVER_CONNECTIONS_DEFAULT;
    uint64_t n;
    int c;
    cli_options_seen seen = {0};
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:s:t:T:c:P:R:a:L:h", options, NULL)) != -1) {
        const char *again = cli_option_repeated(options, c, &seen, NULL);
        if (again != NULL)
            return cli_usage_error("serve", "--%s given twice", again);
        switch (c) {
        case 'l': a->listen = optarg; break;
        case 's': a->store_url = optarg; break;
        case 'T': a->token_file = optarg; break;
        case 'a': a->access_log = optarg; break;
        case 'L':
            if (!log_format_parse(optarg, &a->log_format))
                return cli_usage_error("serve", "--log-format must be text or json, not '%s'",
                                       optarg);
            break;
        case 'h': a->help = true; break;
        case 't':
            if (!cli_parse_u64(optarg, SERVER_THREADS_MAX, &n) || n < 1)
                return cli_usage_error("serve", "--threads must be 1 to %d", SERVER_THREADS_MAX);
            a->threads = (unsigned)n;
            break;
        case 'c':
            if (!cli_parse_u64(optarg, SERVER_CONNECTIONS_MAX, &n) || n < 1)
                return cli_usage_error("serve", "--max-connections must be 1 to %d",
                                       SERVER_CONNECTIONS_MAX);
            a->max_connections = (unsigned)n;
            break;
        case 'P':
            if (!cli_parse_u64(optarg, SERVER_CONNECTIONS_MAX, &n) || n < 1)
                return cli_usage_error("serve", "--max-connections-per-peer must be 1 to %d",
                                       SERVER_CONNECTIONS_MAX);
            a->max_per_peer = (unsigned)n;
            break;
        case 'R':
            if (!cli_parse_u64(optarg, SERVER_REQUEST_TIMEOUT_S_MAX, &n) || n < 1)
                return cli_usage_error("serve", "--request-timeout must be 1 to %d seconds",
                                       SERVER_REQUEST_TIMEOUT_S_MAX);
            a->request_timeout_s = (unsigned)n;
            break;
        case ':': return cli_usage_error("serve", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("serve", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (a->max_per_peer > a->max_connections)
        return cli_usage_error("serve", "--max-connections-per-peer must not pass --max-connections");
    return -1;
}

static int serve(const serve_args *a, char *token, server_log *access, server_log *events,
                 const sigset_t *stop_signals)
{
    booking_store *store = cli_open_store("serve", a->store_url);
    if (store == NULL)
        return CLI_EXIT_ERROR;
    /* One ping before listening: a store readies what its first commit needs
     * (sqlite builds its booking_id index), so the first attempts do not wait
     * for it. A store that cannot answer yet is not fatal: /readyz says so. */
    booking_reason ping = BOOKING_REASON_OK;
    if (booking_store_ping(store, &ping) != BOOKING_OK || ping != BOOKING_REASON_OK)
        fprintf(stderr, "booking serve: the store is not ready yet (%s); /readyz says 503 until it is\n",
                booking_reason_name(ping));
    server_config cfg = {.listen = a->listen, .store = store, .threads = a->threads,
                         .max_connections = a->max_connections,
                         .max_per_peer = a->max_per_peer,
                         .request_timeout_s = a->request_timeout_s, .token = token,
                         .access_log = access, .events = events};
    http_server *server = NULL;
    char why[256] = "";
    int started = server_start(&cfg, &server, why, sizeof why);
    if (started != 0) {
        booking_store_close(store);
        if (started == SERVER_START_USAGE)
            return cli_usage_error("serve", "%s", why);
        return cli_error("serve", "%s", why);
    }
    char shown[CLI_URL_SHOWN_MAX];
    fprintf(stderr, "booking serve: listening on http://%s:%u (store %s)\n", server_host(server),
            (unsigned)server_port(server), cli_redact_url(a->store_url, shown, sizeof shown));
    fflush(stderr);
    /* Ready: the port is bound and the store open (systemd's Type=notify). */
    char state[512]; /* the host is at most a numeric address or a short name */
    snprintf(state, sizeof state, "READY=1\nSTATUS=listening on http://%s:%u\nMAINPID=%ld",
             server_host(server), (unsigned)server_port(server), (long)getpid());
    if (!cli_notify(state))
        fprintf(stderr, "booking serve: could not tell the service manager (NOTIFY_SOCKET): %s\n",
                strerror(errno));
    int sig = 0;
    int rc;
    /* SIGHUP reopens the access log (logrotate) and the service goes on. */
    while ((rc = sigwait(stop_signals, &sig)) == 0 && sig == SIGHUP) {
        log_field f[] = {LOG_TEXT("signal", "SIGHUP")};
        if (access != NULL && !log_reopen(access)) {
            f[0] = LOG_TEXT("error", strerror(errno));
            log_event(events, LOG_LEVEL_ERROR, "cannot reopen the access log; it keeps the old file",
                      f, 1);
        } else {
            log_event(events, LOG_LEVEL_INFO, "reopened the access log", f, 1);
        }
    }
    fprintf(stderr, "booking serve: %s: stopping (draining requests in flight)\n",
            rc == 0 ? strsignal(sig) : "sigwait failed");
    cli_notify("STOPPING=1\nSTATUS=draining requests in flight");
    server_stop(server);
    booking_store_close(store);
    fprintf(stderr, "booking serve: stopped\n");
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

int cmd_serve(int argc, char **argv)
{
    serve_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.help)
        return fputs(serve_help, stdout), CLI_EXIT_OK;

    char *token = NULL;
    if (a.token_file != NULL && (token = cli_read_token("serve", a.token_file)) == NULL)
        return CLI_EXIT_ERROR;
    server_log access, events;
    log_open(&events, NULL, a.log_format); /* stderr: cannot fail */
    if (a.access_log != NULL && !log_open(&access, a.access_log, a.log_format)) {
        int e = errno;
        free(token);
        log_close(&events);
        return cli_error("serve", "cannot open --access-log %s: %s", a.access_log, strerror(e));
    }
    /* Block the stop signals (and SIGHUP) before any thread starts, so every
     * thread inherits the mask and only sigwait() sees them. A peer closing early
     * must not kill us. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    rc = pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    if (rc != 0)
        rc = cli_error("serve", "cannot block signals: %s", strerror(rc));
    else
        rc = serve(&a, token, a.access_log != NULL ? &access : NULL, &events, &stop_signals);
    if (a.access_log != NULL)
        log_close(&access);
    log_close(&events);
    free(token);
    return rc;
}
