/*
 * cmd_bench.c: `booking bench`, a load generator that calls the library in
 * process: N threads, each sending its share of M attempts in batches of B to K
 * resources, with a share of replays and conflicting replays. Live progress on
 * stderr; then attempts/s, outcome counts and latency percentiles.
 *
 * The generator itself must cost little next to a store that decides in ~100 ns:
 * ids are written by hand (no snprintf), randomness is xorshift, counts are
 * per-thread and merged at the end.
 */
#include "cli/bench_stats.h"
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_THREADS_MAX 256
#define BENCH_RESOURCES_MAX 1000000
#define BENCH_ID_BYTES 48         /* "b-<tag16>-<thread>-<counter16>" fits */
#define BENCH_HISTORY_SLOTS 4096  /* earlier ids a thread may replay */
#define BENCH_PROGRESS_STEP_MS 100
#define BENCH_PROGRESS_EVERY_MS 1000

typedef struct bench_config {
    const char *store_url;
    unsigned threads;
    uint64_t resources;
    uint64_t attempts;
    unsigned batch;
    uint64_t capacity;
    uint64_t units_max;
    double replay_ratio;
    double conflict_ratio;
    uint64_t seed;
    bool json;
} bench_config;

typedef struct bench_shared {
    const bench_config *cfg;
    booking_store *store;
    char tag[17];
    char (*resource_ids)[BENCH_ID_BYTES];
    _Atomic uint64_t progress;
} bench_shared;

typedef struct bench_history_slot {
    char booking_id[BENCH_ID_BYTES];
    uint32_t resource;
    uint64_t units;
} bench_history_slot;

typedef struct bench_worker {
    pthread_t thread;
    unsigned index;
    uint64_t attempts;
    bench_shared *shared;
    uint64_t rng;
    uint64_t start_ns, end_ns; /* the worker's own span: joining adds no time */
    bench_stats stats;
} bench_worker;

/* Writes "<prefix><hex counter>" into out; returns out. */
static char *write_id(char out[BENCH_ID_BYTES], const char *prefix, size_t prefix_len,
                      uint64_t counter)
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, prefix, prefix_len);
    char *p = out + prefix_len;
    int shift = 60;
    while (shift > 0 && (counter >> shift) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *p++ = hex[(counter >> shift) & 15];
    *p = '\0';
    return out;
}

static void *bench_worker_run(void *arg)
{
    bench_worker *w = arg;
    const bench_config *cfg = w->shared->cfg;
    w->start_ns = bench_now_ns();
    booking_request *reqs = calloc(cfg->batch, sizeof *reqs);
    booking_result *results = calloc(cfg->batch, sizeof *results);
    char (*ids)[BENCH_ID_BYTES] = calloc(cfg->batch, sizeof *ids);
    bench_history_slot *history = calloc(BENCH_HISTORY_SLOTS, sizeof *history);
    if (reqs == NULL || results == NULL || ids == NULL || history == NULL) {
        fprintf(stderr, "booking bench: out of memory\n");
        goto done;
    }
    char prefix[BENCH_ID_BYTES];
    int prefix_len = snprintf(prefix, sizeof prefix, "b-%s-%u-", w->shared->tag, w->index);
    uint64_t issued = 0;
    uint64_t replay_cut = (uint64_t)(cfg->replay_ratio * (double)UINT32_MAX);
    uint64_t conflict_cut = replay_cut + (uint64_t)(cfg->conflict_ratio * (double)UINT32_MAX);

    for (uint64_t done = 0; done < w->attempts;) {
        unsigned n = (unsigned)(w->attempts - done < cfg->batch ? w->attempts - done : cfg->batch);
        for (unsigned i = 0; i < n; i++) {
            uint64_t r = bench_random(&w->rng);
            uint64_t dice = r & UINT32_MAX;
            if (issued > 0 && dice < conflict_cut) {
                uint64_t span = issued < BENCH_HISTORY_SLOTS ? issued : BENCH_HISTORY_SLOTS;
                bench_history_slot *h = &history[(r >> 32) % span];
                memcpy(ids[i], h->booking_id, BENCH_ID_BYTES);
                reqs[i].resource_id = w->shared->resource_ids[h->resource];
                /* A conflicting replay: same id, other units. */
                reqs[i].units = dice < replay_cut ? h->units
                                : h->units < BOOKING_UNITS_MAX ? h->units + 1 : h->units - 1;
            } else {
                uint32_t res = (uint32_t)((r >> 32) % cfg->resources);
                uint64_t units = 1 + (bench_random(&w->rng) % cfg->units_max);
                write_id(ids[i], prefix, (size_t)prefix_len, issued);
                bench_history_slot *h = &history[issued % BENCH_HISTORY_SLOTS];
                memcpy(h->booking_id, ids[i], BENCH_ID_BYTES);
                h->resource = res;
                h->units = units;
                issued++;
                reqs[i].resource_id = w->shared->resource_ids[res];
                reqs[i].units = units;
            }
            reqs[i].booking_id = ids[i];
        }
        uint64_t t0 = bench_now_ns();
        booking_error e = booking_attempt_batch(w->shared->store, reqs, n, results);
        uint64_t t1 = bench_now_ns();
        if (e != BOOKING_OK) {
            fprintf(stderr, "booking bench: %s\n", booking_error_name(e));
            break;
        }
        bench_stats_record_latency(&w->stats, t1 - t0, n);
        for (unsigned i = 0; i < n; i++)
            bench_stats_record_result(&w->stats, &results[i]);
        done += n;
        atomic_fetch_add_explicit(&w->shared->progress, n, memory_order_relaxed);
    }
done:
    w->end_ns = bench_now_ns();
    free(reqs);
    free(results);
    free(ids);
    free(history);
    return NULL;
}

static const char bench_help[] =
    "Usage: booking bench [--store URL] [--threads N] [--resources K] [--attempts M]\n"
    "                     [--batch B] [--replay-ratio R] [--conflict-ratio C]\n"
    "                     [--capacity N] [--units U] [--seed S] [--json]\n"
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
    "  -b, --batch B            attempts per call, 1 to 8192 [1]\n"
    "  -r, --replay-ratio R     share of replays, 0 to 1 [0]\n"
    "  -c, --conflict-ratio C   share of conflicting replays, 0 to 1 [0]\n"
    "      --capacity N         capacity of each resource [9007199254740991]\n"
    "  -u, --units U            units per attempt, uniform in 1..U [1]\n"
    "      --seed S             random seed [from the clock]\n"
    "  -j, --json               print the summary as one JSON object\n"
    "  -h, --help               show this help\n"
    "\n"
    "Example: booking bench --store sqlite:/tmp/b.db --batch 8192 --attempts 2000000\n"
    "\n"
    "With --url http://HOST:PORT it measures a running `booking serve` over HTTP instead\n"
    "(see 'booking bench --url x --help').\n";

static int parse_bench_args(int argc, char **argv, bench_config *cfg)
{
    static const struct option options[] = {
        {"store", required_argument, NULL, 's'},   {"threads", required_argument, NULL, 't'},
        {"resources", required_argument, NULL, 'k'}, {"attempts", required_argument, NULL, 'n'},
        {"batch", required_argument, NULL, 'b'},   {"replay-ratio", required_argument, NULL, 'r'},
        {"conflict-ratio", required_argument, NULL, 'c'},
        {"capacity", required_argument, NULL, 'C'}, {"units", required_argument, NULL, 'u'},
        {"seed", required_argument, NULL, 'S'},    {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int c;
    uint64_t v;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:t:k:n:b:r:c:u:jh", options, NULL)) != -1) {
        switch (c) {
        case 's': cfg->store_url = optarg; break;
        case 't':
            if (!cli_parse_u64(optarg, BENCH_THREADS_MAX, &v) || v == 0)
                return cli_usage_error("bench", "--threads takes 1 to %d", BENCH_THREADS_MAX);
            cfg->threads = (unsigned)v;
            break;
        case 'k':
            if (!cli_parse_u64(optarg, BENCH_RESOURCES_MAX, &cfg->resources) || cfg->resources == 0)
                return cli_usage_error("bench", "--resources takes 1 to %d", BENCH_RESOURCES_MAX);
            break;
        case 'n':
            if (!cli_parse_u64(optarg, UINT64_MAX / 2, &cfg->attempts) || cfg->attempts == 0)
                return cli_usage_error("bench", "--attempts takes a positive integer");
            break;
        case 'b':
            if (!cli_parse_u64(optarg, BOOKING_BATCH_MAX, &v) || v == 0)
                return cli_usage_error("bench", "--batch takes 1 to %d", BOOKING_BATCH_MAX);
            cfg->batch = (unsigned)v;
            break;
        case 'r':
            if (!cli_parse_ratio(optarg, &cfg->replay_ratio))
                return cli_usage_error("bench", "--replay-ratio takes 0 to 1");
            break;
        case 'c':
            if (!cli_parse_ratio(optarg, &cfg->conflict_ratio))
                return cli_usage_error("bench", "--conflict-ratio takes 0 to 1");
            break;
        case 'C':
            if (!cli_parse_u64(optarg, BOOKING_CAPACITY_MAX, &cfg->capacity))
                return cli_usage_error("bench", "--capacity takes 0 to %" PRIu64,
                                       BOOKING_CAPACITY_MAX);
            break;
        case 'u':
            if (!cli_parse_u64(optarg, BOOKING_UNITS_MAX, &cfg->units_max) || cfg->units_max == 0)
                return cli_usage_error("bench", "--units takes 1 to %" PRIu64, BOOKING_UNITS_MAX);
            break;
        case 'S':
            if (!cli_parse_u64(optarg, UINT64_MAX, &cfg->seed))
                return cli_usage_error("bench", "--seed takes an unsigned integer");
            break;
        case 'j': cfg->json = true; break;
        case 'h': fputs(bench_help, stdout); return CLI_EXIT_OK;
        case ':': return cli_usage_error("bench", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("bench", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
    if (cfg->replay_ratio + cfg->conflict_ratio > 1.0)
        return cli_usage_error("bench", "--replay-ratio plus --conflict-ratio exceeds 1");
    return -1;
}

static void progress_wait(bench_shared *shared, bench_worker *workers, unsigned threads,
                          uint64_t start_ns)
{
    uint64_t last_print = start_ns, last_count = 0;
    for (unsigned joined = 0; joined < threads;) {
        /* Join whoever is done; report every BENCH_PROGRESS_EVERY_MS meanwhile. */
        struct timespec step = {0, BENCH_PROGRESS_STEP_MS * 1000000L};
        nanosleep(&step, NULL);
        uint64_t count = atomic_load_explicit(&shared->progress, memory_order_relaxed);
        uint64_t t = bench_now_ns();
        if (t - last_print >= BENCH_PROGRESS_EVERY_MS * 1000000ull) {
            fprintf(stderr, "bench: %" PRIu64 " attempts, %.0f/s\n", count,
                    (double)(count - last_count) * 1e9 / (double)(t - last_print));
            last_print = t;
            last_count = count;
        }
        for (; joined < threads; joined++) {
            if (pthread_tryjoin_np(workers[joined].thread, NULL) != 0)
                break;
        }
    }
}

int cmd_bench(int argc, char **argv)
{
    /* With --url the same command measures a running service instead. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 || strncmp(argv[i], "--url=", 6) == 0)
            return cmd_bench_http(argc, argv);
    }
    bench_config cfg = {.store_url = "memory:", .threads = 1, .resources = 1,
                        .attempts = 1000000, .batch = 1, .capacity = BOOKING_CAPACITY_MAX,
                        .units_max = 1};
    cfg.seed = bench_now_ns() ^ (uint64_t)getpid();
    int rc = parse_bench_args(argc, argv, &cfg);
    if (rc >= 0)
        return rc;

    bench_shared shared = {.cfg = &cfg};
    snprintf(shared.tag, sizeof shared.tag, "%016" PRIx64, cfg.seed);
    shared.store = cli_open_store("bench", cfg.store_url);
    if (shared.store == NULL)
        return CLI_EXIT_ERROR;
    shared.resource_ids = calloc(cfg.resources, sizeof *shared.resource_ids);
    bench_worker *workers = calloc(cfg.threads, sizeof *workers);
    rc = CLI_EXIT_OK;
    if (shared.resource_ids == NULL || workers == NULL) {
        rc = cli_error("bench", "out of memory");
        goto out;
    }
    for (uint64_t i = 0; i < cfg.resources; i++) {
        snprintf(shared.resource_ids[i], BENCH_ID_BYTES, "r-%s-%" PRIu64, shared.tag, i);
        booking_reason reason;
        if (booking_set_capacity(shared.store, shared.resource_ids[i], cfg.capacity, &reason,
                                 NULL) != BOOKING_OK ||
            reason != BOOKING_REASON_OK) {
            rc = cli_error("bench", "cannot create resource %s: %s", shared.resource_ids[i],
                           booking_reason_name(reason));
            goto out;
        }
    }
    uint64_t start = bench_now_ns();
    unsigned started = 0;
    for (; started < cfg.threads; started++) {
        bench_worker *w = &workers[started];
        w->index = started;
        w->shared = &shared;
        w->attempts = cfg.attempts / cfg.threads + (started < cfg.attempts % cfg.threads);
        w->rng = cfg.seed * 0x9E3779B97F4A7C15ull + started + 1;
        if (pthread_create(&w->thread, NULL, bench_worker_run, w) != 0) {
            rc = cli_error("bench", "cannot start thread %u", started);
            break;
        }
    }
    progress_wait(&shared, workers, started, start);
    uint64_t first_start = UINT64_MAX, last_end = 0;
    bench_stats total = {0};
    for (unsigned i = 0; i < started; i++) {
        bench_stats_merge(&total, &workers[i].stats);
        first_start = workers[i].start_ns < first_start ? workers[i].start_ns : first_start;
        last_end = workers[i].end_ns > last_end ? workers[i].end_ns : last_end;
    }
    double seconds = started > 0 ? (double)(last_end - first_start) / 1e9 : 0;
    char label[160], shown[CLI_URL_SHOWN_MAX];
    snprintf(label, sizeof label, "%.64s threads=%u resources=%" PRIu64 " batch=%u",
             cli_redact_url(cfg.store_url, shown, sizeof shown), cfg.threads, cfg.resources,
             cfg.batch);
    bench_stats_print(stdout, &total, seconds, label, cfg.json);
out:
    free(workers);
    free(shared.resource_ids);
    booking_store_close(shared.store);
    return rc;
}
