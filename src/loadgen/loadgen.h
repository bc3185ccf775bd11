/* SPDX-License-Identifier: MIT */
/*
 * loadgen.h: the load generator behind `booking bench`: attempts with replays and
 * conflicting replays, and holds with confirms, in this process against a store or
 * over HTTP against `booking serve`. Config in, report out, errors as values; it
 * prints nothing.
 */
#ifndef BOOKING_LOADGEN_H
#define BOOKING_LOADGEN_H

#include "booking.h"
#include "core/names.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define LOADGEN_WHY_BYTES 512          /* an error's message */
#define LOADGEN_ID_BYTES 48            /* "b-<tag16>-<index>-<counter16>" fits */
#define LOADGEN_INPROC_THREADS_MAX 256
#define LOADGEN_HTTP_STATUS_MAX 600    /* statuses counted: 100..599 */
#define LOADGEN_TOKEN_MAX 4096 /* as `booking serve --token-file` takes it */
#define LOADGEN_WORKER_ERROR_BYTES 64
#define LOADGEN_HIST_BUCKETS 976
#define LOADGEN_REASON_COUNT CORE_REASON_COUNT

typedef enum loadgen_status {
    LOADGEN_OK = 0,
    LOADGEN_HELP,  /* parsing: --help was given; show the help of cfg->mode */
    LOADGEN_USAGE, /* parsing: bad usage or invalid input; why says which */
    LOADGEN_ERROR, /* anything else (cannot resolve, connect, create...); why says what */
} loadgen_status;

/* The booking ids a run sends. Random ones are what most clients send as
 * idempotency keys, and what a B-tree keyed by them pays for: the default. */
typedef enum loadgen_ids {
    LOADGEN_IDS_UUID4 = 0, /* random UUIDv4, 36 characters */
    LOADGEN_IDS_UUID7,     /* UUIDv7: a 48-bit ms timestamp, then random bits */
    LOADGEN_IDS_SEQ,       /* "b-<run>-<thread>-<counter>": ascending per thread */
} loadgen_ids;

/* "uuid4", "uuid7", "seq". */
const char *loadgen_ids_name(loadgen_ids ids);

typedef enum loadgen_mode {
    LOADGEN_INPROC, /* the library, in this process */
    LOADGEN_HTTP,   /* a running `booking serve` (--url) */
} loadgen_mode;

/* The service to measure: from --url (resolved) and --token-file. */
typedef struct loadgen_target {
    char host[256];
    char port[8];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char token[LOADGEN_TOKEN_MAX + 1]; /* "" for none */
} loadgen_target;

/* What to run; loadgen_config_parse fills it from the arguments of `booking bench`. */
typedef struct loadgen_config {
    loadgen_mode mode;
    unsigned threads;
    uint64_t resources;
    uint64_t attempts; /* HTTP: 0 runs for duration_s instead */
    unsigned batch;
    double replay_ratio;
    double conflict_ratio;
    uint64_t capacity;
    uint64_t units_max;
    uint64_t seed;
    loadgen_ids ids;      /* the booking ids sent (--ids) */
    uint64_t hold_ms;     /* 0: plain attempts; else each attempt is a hold (SPEC 7) */
    double confirm_ratio; /* the share of BOOKED holds then confirmed (exactly, per client) */
    /* Bundles (SPEC section 8): with nights > 0 the resources are nights 0..N-1 and
     * each attempt is a stay of stay_min..stay_max consecutive nights, one bundle
     * line per night, each of the attempt's units. 0: single attempts. */
    uint64_t nights;
    unsigned stay_min, stay_max;
    bool json; /* for the caller: print the report as JSON */
    /* in process */
    const char *store_url;
    /* over HTTP */
    const char *url;
    loadgen_target target;
    unsigned connections;
    uint64_t duration_s;
    uint64_t timeout_ms;
    bool spread; /* --mode spread: uniform over resources; hot: one resource */
    bool verify;
    bool allow_remote;
    const char *history_path; /* for the caller to open; the run writes hooks.history */
} loadgen_config;

/* Parses the arguments after `bench` (argv[0] is the command's name): with --url
 * anywhere the HTTP mode, else in process; one parser, each mode its options.
 * LOADGEN_OK with cfg filled, or HELP, USAGE or ERROR (why filled for the last two). */
loadgen_status loadgen_config_parse(int argc, char **argv, loadgen_config *cfg,
                                    char why[LOADGEN_WHY_BYTES]);

/* Outcomes by reason and a log-linear latency histogram (16 sub-buckets per power
 * of two, about 6% precision), fixed size: recording allocates nothing. */
typedef struct loadgen_stats {
    uint64_t attempts;
    uint64_t by_outcome[4];                   /* index: booking_outcome */
    uint64_t by_reason[LOADGEN_REASON_COUNT]; /* index: booking_reason */
    uint64_t latency_count;
    uint64_t latency_ns[LOADGEN_HIST_BUCKETS];
} loadgen_stats;

/* The latency (ns, lower bound of its bucket) below which fraction q of samples lie. */
uint64_t loadgen_stats_quantile(const loadgen_stats *s, double q);

/* One resource whose read-back disagrees with the answers (HTTP, verify; in
 * process with --hold-ms). */
typedef struct loadgen_mismatch {
    char resource_id[LOADGEN_ID_BYTES];
    bool unreadable; /* it could not be read back at all */
    uint64_t booked, capacity;
    uint64_t acked; /* units the answers say are booked as of the read: fresh BOOKED
                       answers, but holds that had ended by then */
    uint64_t doubt; /* units that may or may not be booked */
} loadgen_mismatch;

/* Holds (cfg->hold_ms > 0, SPEC section 7): what the run asked and was answered. */
typedef struct loadgen_holds {
    uint64_t booked;       /* fresh BOOKED answers, each a hold */
    uint64_t confirms;     /* confirms sent after them (cfg->confirm_ratio of them) */
    uint64_t by_reason[LOADGEN_REASON_COUNT]; /* the confirms' answers */
    uint64_t lost;         /* confirms without an answer (or FAILED) */
    uint64_t after_expiry; /* answered confirmed at a store time at or after the end */
    uint64_t late;         /* confirms sent once every hold had ended (a sample) */
    uint64_t late_wrong;   /* of those, answered anything but hold_expired */
    bool waited;           /* the read-back waited for the last hold's end */
    uint64_t waited_ms;
} loadgen_holds;

typedef struct loadgen_report {
    bool ran;       /* the run took place: the figures below mean something */
    double seconds; /* from the first attempt sent to the last answer */
    loadgen_stats stats;
    /* in process: why a thread stopped early ("" if it did not) */
    char worker_error[LOADGEN_INPROC_THREADS_MAX][LOADGEN_WORKER_ERROR_BYTES];
    /* over HTTP */
    uint64_t http_status[LOADGEN_HTTP_STATUS_MAX];
    uint64_t replayed;
    uint64_t lost;        /* requests without an answer (closed, timed out) */
    uint64_t timeouts;
    uint64_t bad_answers; /* unparseable HTTP, or status and outcome disagree */
    uint64_t no_outcome;  /* attempts whose answer carried no outcome */
    bool verified;
    uint64_t resources_checked, resources_wrong;
    loadgen_mismatch *mismatches; /* resources_wrong of them */
    bool history_failed;          /* the history could not be written whole */
    loadgen_holds holds;          /* cfg->hold_ms > 0; the read-back then runs in process too */
} loadgen_report;

/* Releases what a run allocated in the report (not the report itself). */
void loadgen_report_free(loadgen_report *report);

/* Live figures, about once a second. */
typedef struct loadgen_progress {
    double elapsed_s;
    uint64_t attempts; /* answered so far */
    double per_second; /* since the last progress */
    uint64_t lost;     /* HTTP: requests lost so far */
} loadgen_progress;

typedef struct loadgen_hooks {
    void (*progress)(void *ctx, const loadgen_progress *progress); /* may be NULL */
    /* HTTP: called with true when the attempts start (after the setup) and with
     * false once they are over: the time in which stop is watched. May be NULL. */
    void (*sending)(void *ctx, bool on);
    void *ctx;
    const volatile sig_atomic_t *stop; /* HTTP: non-zero ends the run early; may be NULL */
    FILE *history; /* HTTP: the history is written here (booking check's format); may be NULL */
} loadgen_hooks;

/* Runs cfg (LOADGEN_INPROC) against store. LOADGEN_OK, or LOADGEN_ERROR with why;
 * report->ran says whether the figures may still be shown. */
loadgen_status loadgen_run_inproc(const loadgen_config *cfg, booking_store *store,
                                  const loadgen_hooks *hooks, loadgen_report *report,
                                  char why[LOADGEN_WHY_BYTES]);

/* Runs cfg (LOADGEN_HTTP): creates the resources, sends the attempts, reads the
 * resources back (cfg->verify). Same return as loadgen_run_inproc. */
loadgen_status loadgen_run_http(const loadgen_config *cfg, const loadgen_hooks *hooks,
                                loadgen_report *report, char why[LOADGEN_WHY_BYTES]);

#endif
