/* SPDX-License-Identifier: MIT */
/*
 * loadgen_config.c: the options of `booking bench`, one parser for both modes:
 * one table of options says which mode takes each, and one switch reads them,
 * with the mode's own limits. Errors come back as values, with their message.
 */
#include "loadgen/http_client.h"
#include "loadgen/loadgen_internal.h"
#include "util/parse.h"

#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define INPROC_RESOURCES_MAX 1000000
#define INPROC_ATTEMPTS_MAX (UINT64_MAX / 2)
#define HTTP_THREADS_MAX 64
#define HTTP_CONNECTIONS_MAX 4096
#define HTTP_RESOURCES_MAX 10000 /* each is created (and read back) one by one */
#define HTTP_DURATION_MAX_S 3600
#define HTTP_ATTEMPTS_MAX 1000000000ull
#define HTTP_INFLIGHT_ATTEMPTS_MAX (1u << 20) /* connections x batch */
#define HTTP_SPREAD_RESOURCES_DEFAULT 1000
#define HTTP_TIMEOUT_MS_DEFAULT 10000
#define SHORT_OPTIONS_BYTES 64
/* With --hold-ms each thread keeps what the answers say of each resource. */
#define INPROC_LEDGER_CELLS_MAX (1 << 20)

_Static_assert(HTTP_THREADS_MAX <= LOADGEN_INPROC_THREADS_MAX && HTTP_THREADS_MAX <= HTTP_CONNECTIONS_MAX,
               "an HTTP thread has at least one connection");
_Static_assert(HTTP_SPREAD_RESOURCES_DEFAULT <= HTTP_RESOURCES_MAX, "the default is allowed");

enum {
    O_URL = 256, O_CAPACITY, O_TOKEN, O_HISTORY, O_SEED, O_REMOTE, O_TIMEOUT, O_NOVERIFY,
    O_HOLD, O_CONFIRM, O_IDS, O_NIGHTS, O_STAY,
};
#define STAY_DEFAULT 3 /* nights of a stay when --nights comes without --stay */
#define IN (1u << LOADGEN_INPROC)
#define NET (1u << LOADGEN_HTTP)

static const struct mode_option {
    struct option opt;
    unsigned modes;
} mode_options[] = {
    {{"store", required_argument, NULL, 's'}, IN},
    {{"url", required_argument, NULL, O_URL}, NET},
    {{"connections", required_argument, NULL, 'C'}, NET},
    {{"threads", required_argument, NULL, 't'}, IN | NET},
    {{"duration", required_argument, NULL, 'd'}, NET},
    {{"attempts", required_argument, NULL, 'n'}, IN | NET},
    {{"resources", required_argument, NULL, 'k'}, IN | NET},
    {{"nights", required_argument, NULL, O_NIGHTS}, IN | NET},
    {{"stay", required_argument, NULL, O_STAY}, IN | NET},
    {{"mode", required_argument, NULL, 'm'}, NET},
    {{"batch", required_argument, NULL, 'b'}, IN | NET},
    {{"replay-ratio", required_argument, NULL, 'r'}, IN | NET},
    {{"conflict-ratio", required_argument, NULL, 'c'}, IN | NET},
    {{"capacity", required_argument, NULL, O_CAPACITY}, IN | NET},
    {{"units", required_argument, NULL, 'u'}, IN | NET},
    {{"token-file", required_argument, NULL, O_TOKEN}, NET},
    {{"history", required_argument, NULL, O_HISTORY}, NET},
    {{"timeout-ms", required_argument, NULL, O_TIMEOUT}, NET},
    {{"no-verify", no_argument, NULL, O_NOVERIFY}, NET},
    {{"seed", required_argument, NULL, O_SEED}, IN | NET},
    {{"ids", required_argument, NULL, O_IDS}, IN | NET},
    {{"hold-ms", required_argument, NULL, O_HOLD}, IN | NET},
    {{"confirm-ratio", required_argument, NULL, O_CONFIRM}, IN | NET},
    {{"allow-remote", no_argument, NULL, O_REMOTE}, NET},
    {{"json", no_argument, NULL, 'j'}, IN | NET},
    {{"help", no_argument, NULL, 'h'}, IN | NET},
};
#define MODE_OPTIONS_COUNT (sizeof mode_options / sizeof mode_options[0])

/* The getopt tables of one mode: its long options, and its short ones (a
 * leading ':' so that a missing value is told from an unknown option). */
static void mode_table(loadgen_mode mode, struct option *longs, char *shorts)
{
    size_t n = 0, k = 0;
    shorts[k++] = ':';
    for (size_t i = 0; i < MODE_OPTIONS_COUNT; i++) {
        const struct option *o = &mode_options[i].opt;
        if (!(mode_options[i].modes & (1u << mode)))
            continue;
        longs[n++] = *o;
        if (o->val < 256) {
            shorts[k++] = (char)o->val;
            if (o->has_arg == required_argument)
                shorts[k++] = ':';
        }
    }
    longs[n] = (struct option){NULL, 0, NULL, 0};
    shorts[k] = '\0';
}

/* What the options given say beyond the config's values. */
typedef struct given {
    bool threads, resources, duration, confirm, stay, mode;
    const char *token_file;
} given;

/* A run's seed, unless --seed gives one: random (getrandom), so that a run never
 * sends the ids of an earlier one on the same store; else the clock and the pid. */
static uint64_t random_seed(void)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = monotonic_ns() ^ ((uint64_t)getpid() << 32);
    return seed;
}

static void set_defaults(loadgen_config *cfg, loadgen_mode mode)
{
    if (mode == LOADGEN_INPROC) {
        *cfg = (loadgen_config){.mode = mode, .store_url = "memory:", .threads = 1,
                                .resources = 1, .attempts = 1000000, .batch = 1,
                                .capacity = BOOKING_CAPACITY_MAX, .units_max = 1};
        cfg->seed = random_seed();
        return;
    }
    *cfg = (loadgen_config){.mode = mode, .connections = 64, .threads = 2, .duration_s = 10,
                            .resources = HTTP_SPREAD_RESOURCES_DEFAULT, .batch = 1,
                            .capacity = BOOKING_CAPACITY_MAX, .units_max = 1,
                            .timeout_ms = HTTP_TIMEOUT_MS_DEFAULT, .verify = true};
    cfg->seed = random_seed();
}

#define USAGE(...) loadgen_fail(why, LOADGEN_USAGE, __VA_ARGS__)

static const char *const ids_names[] = {
    [LOADGEN_IDS_UUID4] = "uuid4", [LOADGEN_IDS_UUID7] = "uuid7", [LOADGEN_IDS_SEQ] = "seq"};

const char *loadgen_ids_name(loadgen_ids ids)
{
    assert((size_t)ids < sizeof ids_names / sizeof ids_names[0]);
    return ids_names[ids];
}

static bool parse_ids(const char *arg, loadgen_ids *out)
{
    for (size_t i = 0; i < sizeof ids_names / sizeof ids_names[0]; i++) {
        if (strcmp(arg, ids_names[i]) == 0) {
            *out = (loadgen_ids)i;
            return true;
        }
    }
    return false;
}

/* The options whose limits differ by mode. */
static loadgen_status parse_sized(int c, const char *arg, loadgen_config *cfg, given *g, char *why)
{
    bool http = cfg->mode == LOADGEN_HTTP;
    unsigned threads_max = http ? HTTP_THREADS_MAX : LOADGEN_INPROC_THREADS_MAX;
    uint64_t resources_max = http ? HTTP_RESOURCES_MAX : INPROC_RESOURCES_MAX;
    uint64_t v;
    switch (c) {
    case 't':
        if (!parse_u64(arg, threads_max, &v) || v == 0)
            return USAGE("--threads takes 1 to %u", threads_max);
        cfg->threads = (unsigned)v;
        g->threads = true;
        return LOADGEN_OK;
    case 'k':
        if (!parse_u64(arg, resources_max, &cfg->resources) || cfg->resources == 0)
            return USAGE("--resources takes 1 to %" PRIu64, resources_max);
        g->resources = true;
        return LOADGEN_OK;
    case O_NIGHTS:
        if (!parse_u64(arg, resources_max, &cfg->nights) || cfg->nights == 0)
            return USAGE("--nights takes 1 to %" PRIu64, resources_max);
        return LOADGEN_OK;
    case 'n':
        if (!http && (!parse_u64(arg, INPROC_ATTEMPTS_MAX, &cfg->attempts) || cfg->attempts == 0))
            return USAGE("--attempts takes a positive integer");
        if (http && (!parse_u64(arg, HTTP_ATTEMPTS_MAX, &cfg->attempts) || cfg->attempts == 0))
            return USAGE("--attempts takes 1 to %llu", HTTP_ATTEMPTS_MAX);
        return LOADGEN_OK;
    }
    return USAGE("internal: option %d", c);
}

/* --stay N or MIN-MAX: nights per stay, 1 to BOOKING_LINES_MAX. */
static bool parse_stay(const char *arg, unsigned *lo, unsigned *hi)
{
    char first[24];
    const char *dash = strchr(arg, '-');
    size_t n = dash ? (size_t)(dash - arg) : strlen(arg);
    uint64_t a, b;
    if (n == 0 || n >= sizeof first)
        return false;
    memcpy(first, arg, n);
    first[n] = '\0';
    if (!parse_u64(first, BOOKING_LINES_MAX, &a) ||
        !parse_u64(dash ? dash + 1 : first, BOOKING_LINES_MAX, &b) || a == 0 || b < a)
        return false;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return true;
}

/* The options both modes take alike. */
static loadgen_status parse_common(int c, const char *arg, loadgen_config *cfg, given *g,
                                   char *why)
{
    uint64_t v;
    switch (c) {
    case O_HOLD:
        if (!parse_u64(arg, BOOKING_HOLD_MS_MAX, &cfg->hold_ms) || cfg->hold_ms == 0)
            return USAGE("--hold-ms takes 1 to %" PRIu64, (uint64_t)BOOKING_HOLD_MS_MAX);
        break;
    case O_STAY:
        if (!parse_stay(arg, &cfg->stay_min, &cfg->stay_max))
            return USAGE("--stay takes N or MIN-MAX nights, 1 to %d", BOOKING_LINES_MAX);
        g->stay = true;
        break;
    case O_IDS:
        if (!parse_ids(arg, &cfg->ids))
            return USAGE("--ids takes uuid4, uuid7 or seq");
        break;
    case O_CONFIRM:
        if (!parse_ratio(arg, &cfg->confirm_ratio))
            return USAGE("--confirm-ratio takes 0 to 1");
        g->confirm = true;
        break;
    case 'b':
        if (!parse_u64(arg, BOOKING_BATCH_MAX, &v) || v == 0)
            return USAGE("--batch takes 1 to %d", BOOKING_BATCH_MAX);
        cfg->batch = (unsigned)v;
        break;
    case 'r':
        if (!parse_ratio(arg, &cfg->replay_ratio))
            return USAGE("--replay-ratio takes 0 to 1");
        break;
    case 'c':
        if (!parse_ratio(arg, &cfg->conflict_ratio))
            return USAGE("--conflict-ratio takes 0 to 1");
        break;
    case O_CAPACITY:
        if (!parse_u64(arg, BOOKING_CAPACITY_MAX, &cfg->capacity))
            return USAGE("--capacity takes 0 to %" PRIu64, BOOKING_CAPACITY_MAX);
        break;
    case 'u':
        if (!parse_u64(arg, BOOKING_UNITS_MAX, &cfg->units_max) || cfg->units_max == 0)
            return USAGE("--units takes 1 to %" PRIu64, BOOKING_UNITS_MAX);
        break;
    case O_SEED:
        if (!parse_u64(arg, UINT64_MAX, &cfg->seed))
            return USAGE("--seed takes an unsigned integer");
        break;
    case 'j': cfg->json = true; break;
    default: return USAGE("internal: option %d", c);
    }
    return LOADGEN_OK;
}

/* The options of the HTTP mode only. */
static loadgen_status parse_http(int c, const char *arg, loadgen_config *cfg, given *g, char *why)
{
    uint64_t v;
    switch (c) {
    case O_URL: cfg->url = arg; break;
    case 'C':
        if (!parse_u64(arg, HTTP_CONNECTIONS_MAX, &v) || v == 0)
            return USAGE("--connections takes 1 to %d", HTTP_CONNECTIONS_MAX);
        cfg->connections = (unsigned)v;
        break;
    case 'd':
        if (!parse_u64(arg, HTTP_DURATION_MAX_S, &cfg->duration_s) || cfg->duration_s == 0)
            return USAGE("--duration takes 1 to %d seconds", HTTP_DURATION_MAX_S);
        g->duration = true;
        break;
    case 'm':
        if (strcmp(arg, "hot") != 0 && strcmp(arg, "spread") != 0)
            return USAGE("--mode takes hot or spread");
        cfg->spread = strcmp(arg, "spread") == 0;
        g->mode = true;
        break;
    case O_TOKEN: g->token_file = arg; break;
    case O_HISTORY: cfg->history_path = arg; break;
    case O_TIMEOUT:
        if (!parse_u64(arg, HTTP_DURATION_MAX_S * 1000ull, &cfg->timeout_ms) || cfg->timeout_ms == 0)
            return USAGE("--timeout-ms takes 1 to %d", HTTP_DURATION_MAX_S * 1000);
        break;
    case O_NOVERIFY: cfg->verify = false; break;
    case O_REMOTE: cfg->allow_remote = true; break;
    default: return parse_common(c, arg, cfg, g, why);
    }
    return LOADGEN_OK;
}

static loadgen_status parse_option(int c, char **argv, loadgen_config *cfg, given *g, char *why)
{
    switch (c) {
    case 'h': return LOADGEN_HELP;
    case ':': return USAGE("option %s needs a value", argv[optind - 1]);
    case '?': return USAGE("unknown option %s", argv[optind - 1]);
    case 't':
    case 'k':
    case O_NIGHTS:
    case 'n': return parse_sized(c, optarg, cfg, g, why);
    case 's': cfg->store_url = optarg; return LOADGEN_OK;
    }
    return cfg->mode == LOADGEN_HTTP ? parse_http(c, optarg, cfg, g, why)
                                     : parse_common(c, optarg, cfg, g, why);
}

/* The token: the first line of the file, printable ASCII. */
static loadgen_status read_token(loadgen_target *t, const char *path, char *why)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return loadgen_fail(why, LOADGEN_ERROR, "cannot read --token-file %s", path);
    char *line = fgets(t->token, sizeof t->token, f);
    fclose(f);
    if (line == NULL)
        return loadgen_fail(why, LOADGEN_ERROR, "--token-file %s is empty", path);
    t->token[strcspn(t->token, "\r\n")] = '\0';
    for (const char *p = t->token; *p != '\0'; p++) {
        if (*p < 0x21 || *p > 0x7e)
            return loadgen_fail(why, LOADGEN_ERROR,
                                "--token-file %s: the token must be printable ASCII", path);
    }
    return t->token[0] ? LOADGEN_OK
                       : loadgen_fail(why, LOADGEN_ERROR, "--token-file %s is empty", path);
}

/* What the HTTP options say together; then the token and the address. */
static loadgen_status finish_http(loadgen_config *cfg, const given *g, char *why)
{
    if (cfg->nights != 0 && g->mode && !cfg->spread)
        return USAGE("--nights spreads stays over the nights: not with --mode hot");
    if (cfg->nights != 0)
        cfg->spread = true; /* the resources are the nights */
    if (!cfg->spread && g->resources && cfg->resources != 1)
        return USAGE("--mode hot uses one resource; add --mode spread");
    if (!cfg->spread)
        cfg->resources = 1;
    if (!g->threads && cfg->threads > cfg->connections)
        cfg->threads = cfg->connections;
    if (cfg->threads > cfg->connections)
        return USAGE("--threads exceeds --connections");
    if ((uint64_t)cfg->connections * cfg->batch > HTTP_INFLIGHT_ATTEMPTS_MAX)
        return USAGE("--connections x --batch exceeds %u", HTTP_INFLIGHT_ATTEMPTS_MAX);
    if (g->token_file != NULL) {
        loadgen_status s = read_token(&cfg->target, g->token_file, why);
        if (s != LOADGEN_OK)
            return s;
    }
    return http_target_resolve(cfg->url, cfg->allow_remote, &cfg->target, why);
}

/* --nights and --stay together: the nights are the resources, a stay fits in
 * them, and a batch's lines in one call (BOOKING_BATCH_LINES_MAX). */
static loadgen_status finish_nights(loadgen_config *cfg, const given *g, char *why)
{
    if (cfg->nights == 0) {
        if (g->stay)
            return USAGE("--stay is the length of a stay over --nights: give --nights too");
        return LOADGEN_OK;
    }
    if (g->resources)
        return USAGE("--nights are the resources: not with --resources");
    if (!g->stay)
        cfg->stay_min = cfg->stay_max = STAY_DEFAULT;
    if (cfg->stay_max > cfg->nights)
        return USAGE("--stay of %u nights does not fit in --nights %" PRIu64, cfg->stay_max,
                     cfg->nights);
    if ((uint64_t)cfg->batch * cfg->stay_max > BOOKING_BATCH_LINES_MAX)
        return USAGE("--batch x the longest --stay exceeds %d lines", BOOKING_BATCH_LINES_MAX);
    cfg->resources = cfg->nights;
    return LOADGEN_OK;
}

static loadgen_mode mode_of(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 || strncmp(argv[i], "--url=", 6) == 0)
            return LOADGEN_HTTP;
    }
    return LOADGEN_INPROC;
}

loadgen_status loadgen_config_parse(int argc, char **argv, loadgen_config *cfg,
                                    char why[LOADGEN_WHY_BYTES])
{
    struct option longs[MODE_OPTIONS_COUNT + 1];
    char shorts[SHORT_OPTIONS_BYTES];
    set_defaults(cfg, mode_of(argc, argv));
    mode_table(cfg->mode, longs, shorts);
    given g = {0};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        loadgen_status s = parse_option(c, argv, cfg, &g, why);
        if (s != LOADGEN_OK)
            return s;
    }
    if (optind < argc)
        return USAGE("unexpected argument '%s'", argv[optind]);
    bool http = cfg->mode == LOADGEN_HTTP;
    if (http && cfg->url == NULL)
        return USAGE("--url needs a value");
    if (http && cfg->attempts != 0 && g.duration)
        return USAGE("give --duration or --attempts, not both");
    if (cfg->replay_ratio + cfg->conflict_ratio > 1.0)
        return USAGE("--replay-ratio plus --conflict-ratio exceeds 1");
    loadgen_status st = finish_nights(cfg, &g, why);
    if (st != LOADGEN_OK)
        return st;
    if (g.confirm && cfg->hold_ms == 0)
        return USAGE("--confirm-ratio confirms holds: give --hold-ms too");
    if (!http && cfg->hold_ms != 0 && cfg->threads * cfg->resources > INPROC_LEDGER_CELLS_MAX)
        return USAGE("--hold-ms reads every resource back: --threads x --resources at most %d",
                     INPROC_LEDGER_CELLS_MAX);
    return http ? finish_http(cfg, &g, why) : LOADGEN_OK;
}
