/*
 * sim_main.c: the deterministic simulation. Seeded logical clients run
 * attempts, batches, cancels, reads and capacity changes against a real store
 * through a fault-injecting wrapper (fault_store.h); for sqlite: the store is
 * also closed and reopened at random points. After every step the SPEC
 * invariant is checked on the real store; at the end the recorded history must
 * be linearizable (the checker of `booking check`) and every acknowledged
 * decision must still be there after a reopen.
 *
 *   sim memory|sqlite            the fixed seeds (what `make test` runs)
 *   SIM_SEED=N sim memory|sqlite one seed, to reproduce a failure
 *   SIM_SOAK_SECONDS=N sim       random seeds on both stores for N seconds
 *   SIM_VERBOSE=1, SIM_KEEP_HISTORY=1  print counts / keep every history
 * Every failure prints its seed and writes the history next to the temp dir.
 */
#include "check/check.h"
#include "check/history_record.h"
#include "sim/fault_store.h"
#include "sim/powerloss_vfs.h"
#include "support/test_support.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIM_CLIENTS 6
#define SIM_BATCH_MAX 4
#define SIM_RESOURCES 3
#define SIM_IDS_MAX 4096
#define SIM_ID_BYTES 32
#define SIM_FULL_CHECK_EVERY 8 /* steps between sums over every record */
#define SIM_CHECK_TIMEOUT_S 30.0
#define SIM_FIXED_SEEDS_MEMORY 40
#define SIM_FIXED_SEEDS_SQLITE 12
#define SIM_STEPS_MEMORY 700
#define SIM_STEPS_SQLITE 400
#define SIM_SOAK_STEPS 1500
#define SIM_REOPEN_PER_MILLE 8    /* sqlite: clean close and reopen after a step */
#define SIM_POWER_CUT_PER_MILLE 6 /* sqlite: unsynced writes lost, then reopen */
#define SIM_VFS_NAME "booking-sim-powerloss"

typedef enum phase { IDLE, INVOKED, EXECUTED } phase;
typedef enum op_kind { OP_ATTEMPT, OP_CANCEL, OP_GET, OP_SET } op_kind;

typedef struct client {
    phase phase;
    op_kind kind;
    size_t count; /* attempts in the batch (1 for a single attempt) */
    char ids[SIM_BATCH_MAX][SIM_ID_BYTES];
    booking_request reqs[SIM_BATCH_MAX];
    booking_result results[SIM_BATCH_MAX];
    char id[SIM_ID_BYTES]; /* cancel's booking or get/set's resource */
    uint64_t capacity;
    booking_reason reason;
    booking_resource got;
    bool retry; /* the last single attempt FAILED: retry it with the same id */
    booking_request retry_req;
    char retry_id[SIM_ID_BYTES];
    unsigned next_id;
} client;

/* What the clients were told: acknowledged decisions must survive a reopen. */
typedef struct known_id {
    char id[SIM_ID_BYTES];
    bool acked;
    char resource[SIM_ID_BYTES];
    uint64_t units;
    booking_outcome outcome;
    bool acked_cancelled;
} known_id;

typedef struct sim {
    uint64_t seed, rng;
    const char *scheme;
    char url[4200];
    char db_path[4096];
    booking_store *store; /* the fault wrapper */
    check_recorder *rec;
    client clients[SIM_CLIENTS];
    known_id ids[SIM_IDS_MAX];
    size_t id_count;
    unsigned reopens, power_cuts;
    char failure[1024];
} sim;

static const char *const resource_names[SIM_RESOURCES + 1] = {"r0", "r1", "r2", "r-missing"};

static bool sim_fail(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool sim_fail(sim *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->failure, sizeof s->failure, fmt, ap);
    va_end(ap);
    return false;
}

/* Copies an id between fields of the same struct (snprintf may not overlap). */
static void copy_id(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memmove(dst, src, n);
    dst[n] = '\0';
}

static known_id *find_id(sim *s, const char *id)
{
    for (size_t i = 0; i < s->id_count; i++) {
        if (strcmp(s->ids[i].id, id) == 0)
            return &s->ids[i];
    }
    if (s->id_count == SIM_IDS_MAX)
        return NULL;
    known_id *k = &s->ids[s->id_count++];
    memset(k, 0, sizeof *k);
    copy_id(k->id, sizeof k->id, id);
    return k;
}

static int process_of(int c, size_t slot)
{
    return c * SIM_BATCH_MAX + (int)slot;
}

/* ---- choosing and running operations ---- */

static void choose_attempt(sim *s, client *cl, int c, size_t slot)
{
    booking_request *req = &cl->reqs[slot];
    if (slot == 0 && cl->retry && sim_below(&s->rng, 10) < 8) {
        copy_id(cl->ids[0], SIM_ID_BYTES, cl->retry_id);
        *req = cl->retry_req;
    } else {
        if (s->id_count > 0 && sim_below(&s->rng, 100) < 15)
            copy_id(cl->ids[slot], SIM_ID_BYTES,
                     s->ids[sim_below(&s->rng, s->id_count)].id);
        else
            snprintf(cl->ids[slot], SIM_ID_BYTES, "c%d-%u", c, cl->next_id++);
        req->resource_id = resource_names[sim_below(&s->rng, SIM_RESOURCES)];
        req->units = 1 + sim_below(&s->rng, 3);
    }
    req->booking_id = cl->ids[slot];
    find_id(s, cl->ids[slot]);
}

static void invoke(sim *s, int c)
{
    client *cl = &s->clients[c];
    uint64_t r = sim_below(&s->rng, 100);
    cl->count = 1;
    if (r < 65) {
        cl->kind = OP_ATTEMPT;
        if (r >= 55)
            cl->count = 2 + sim_below(&s->rng, SIM_BATCH_MAX - 1);
        for (size_t k = 0; k < cl->count; k++) {
            choose_attempt(s, cl, c, k);
            check_record_attempt_invoke(s->rec, process_of(c, k), &cl->reqs[k]);
        }
    } else if (r < 78) {
        cl->kind = OP_CANCEL;
        if (s->id_count > 0 && sim_below(&s->rng, 10) < 9)
            copy_id(cl->id, sizeof cl->id, s->ids[sim_below(&s->rng, s->id_count)].id);
        else
            snprintf(cl->id, sizeof cl->id, "never-%d", c);
        check_record_cancel_invoke(s->rec, process_of(c, 0), cl->id);
    } else if (r < 92) {
        cl->kind = OP_GET;
        copy_id(cl->id, sizeof cl->id, resource_names[sim_below(&s->rng, SIM_RESOURCES + 1)]);
        check_record_get_resource_invoke(s->rec, process_of(c, 0), cl->id);
    } else {
        cl->kind = OP_SET;
        copy_id(cl->id, sizeof cl->id, resource_names[sim_below(&s->rng, SIM_RESOURCES)]);
        cl->capacity = sim_below(&s->rng, 9);
        check_record_set_capacity_invoke(s->rec, process_of(c, 0), cl->id, cl->capacity);
    }
    cl->phase = INVOKED;
}

static bool execute(sim *s, int c)
{
    client *cl = &s->clients[c];
    booking_error e = BOOKING_OK;
    switch (cl->kind) {
    case OP_ATTEMPT: e = booking_attempt_batch(s->store, cl->reqs, cl->count, cl->results); break;
    case OP_CANCEL: e = booking_cancel(s->store, cl->id, &cl->reason, NULL); break;
    case OP_GET: e = booking_get_resource(s->store, cl->id, &cl->reason, &cl->got); break;
    case OP_SET:
        e = booking_set_capacity(s->store, cl->id, cl->capacity, &cl->reason, NULL);
        break;
    }
    cl->phase = EXECUTED;
    if (e != BOOKING_OK)
        return sim_fail(s, "client %d: the library refused a valid call: %s", c,
                        booking_error_name(e));
    return true;
}

static bool complete(sim *s, int c)
{
    client *cl = &s->clients[c];
    cl->phase = IDLE;
    switch (cl->kind) {
    case OP_ATTEMPT:
        for (size_t k = 0; k < cl->count; k++) {
            const booking_result *res = &cl->results[k];
            check_record_attempt_complete(s->rec, process_of(c, k), res);
            known_id *id = find_id(s, cl->ids[k]);
            if (id != NULL && (res->reason == BOOKING_REASON_BOOKED ||
                               res->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY)) {
                if (id->acked && (id->outcome != res->outcome ||
                                  strcmp(id->resource, cl->reqs[k].resource_id) != 0 ||
                                  id->units != cl->reqs[k].units))
                    return sim_fail(s, "booking %s: answered %s, earlier acknowledged %s",
                                    id->id, booking_outcome_name(res->outcome),
                                    booking_outcome_name(id->outcome));
                id->acked = true;
                id->outcome = res->outcome;
                id->units = cl->reqs[k].units;
                copy_id(id->resource, sizeof id->resource, cl->reqs[k].resource_id);
            }
        }
        if (cl->count == 1) {
            cl->retry = cl->results[0].outcome == BOOKING_FAILED;
            if (cl->retry) {
                copy_id(cl->retry_id, sizeof cl->retry_id, cl->ids[0]);
                cl->retry_req = cl->reqs[0];
                cl->retry_req.booking_id = cl->retry_id;
            }
        }
        break;
    case OP_CANCEL: {
        check_record_cancel_complete(s->rec, process_of(c, 0), cl->reason);
        known_id *id = find_id(s, cl->id);
        if (id != NULL && (cl->reason == BOOKING_REASON_CANCELLED ||
                           cl->reason == BOOKING_REASON_ALREADY_CANCELLED))
            id->acked_cancelled = true;
        break;
    }
    case OP_GET:
        check_record_get_resource_complete(s->rec, process_of(c, 0), cl->reason, &cl->got);
        break;
    case OP_SET:
        check_record_set_capacity_complete(s->rec, process_of(c, 0), cl->reason);
        break;
    }
    return true;
}

/* ---- checks on the real store, without faults ---- */

static bool check_invariant(sim *s, bool full)
{
    booking_store *inner = fault_store_inner(s->store);
    uint64_t capacity[SIM_RESOURCES] = {0}, booked[SIM_RESOURCES] = {0}, sum[SIM_RESOURCES] = {0};
    bool exists[SIM_RESOURCES] = {false};
    for (int r = 0; r < SIM_RESOURCES; r++) {
        booking_resource res;
        booking_reason reason;
        if (booking_get_resource(inner, resource_names[r], &reason, &res) != BOOKING_OK)
            return sim_fail(s, "get_resource refused");
        if (reason == BOOKING_REASON_UNKNOWN_RESOURCE)
            continue;
        if (reason != BOOKING_REASON_OK)
            return sim_fail(s, "get_resource %s failed without faults: %s", resource_names[r],
                            booking_reason_name(reason));
        exists[r] = true;
        capacity[r] = res.capacity;
        booked[r] = res.booked;
        if (res.booked > res.capacity)
            return sim_fail(s, "invariant: %s booked %" PRIu64 " > capacity %" PRIu64,
                            resource_names[r], res.booked, res.capacity);
    }
    if (!full)
        return true;
    for (size_t i = 0; i < s->id_count; i++) {
        known_id *k = &s->ids[i];
        booking_record rec;
        booking_reason reason;
        if (booking_get_booking(inner, k->id, &reason, &rec) != BOOKING_OK)
            return sim_fail(s, "get_booking refused");
        if (reason == BOOKING_REASON_UNKNOWN_BOOKING) {
            if (k->acked)
                return sim_fail(s, "acknowledged decision of %s is gone", k->id);
            continue;
        }
        if (reason != BOOKING_REASON_OK)
            return sim_fail(s, "get_booking %s failed without faults", k->id);
        if (k->acked && (rec.outcome != k->outcome || rec.units != k->units ||
                         strcmp(rec.resource_id, k->resource) != 0))
            return sim_fail(s, "acknowledged decision of %s changed", k->id);
        if (k->acked_cancelled && rec.outcome == BOOKING_BOOKED &&
            rec.status != BOOKING_STATUS_CANCELLED)
            return sim_fail(s, "acknowledged cancel of %s is gone", k->id);
        if (rec.outcome == BOOKING_BOOKED && rec.status == BOOKING_STATUS_ACTIVE) {
            for (int r = 0; r < SIM_RESOURCES; r++) {
                if (strcmp(rec.resource_id, resource_names[r]) == 0)
                    sum[r] += rec.units;
            }
        }
    }
    for (int r = 0; r < SIM_RESOURCES; r++) {
        if (exists[r] && sum[r] != booked[r])
            return sim_fail(s, "invariant: %s booked %" PRIu64 " but its active BOOKED records "
                            "hold %" PRIu64 " (capacity %" PRIu64 ")",
                            resource_names[r], booked[r], sum[r], capacity[r]);
    }
    return true;
}

static bool reopen(sim *s)
{
    booking_store *inner = fault_store_inner(s->store);
    booking_store_close(inner);
    char why[256] = "";
    if (booking_store_open(s->url, &inner, why, sizeof why) != BOOKING_OK)
        return sim_fail(s, "reopen %s: %s", s->url, why);
    fault_store_set_inner(s->store, inner);
    s->reopens++;
    /* Every acknowledged decision must have survived. */
    return check_invariant(s, true);
}

/* The power goes between two steps: what was not synced is lost, the store is
 * closed without being able to write, the shared memory file vanishes; then the
 * store is opened again and every acknowledged decision must be there. */
static bool power_cut(sim *s)
{
    if (powerloss_vfs_cut() < 0)
        return sim_fail(s, "the power-loss VFS could not roll back unsynced writes");
    booking_store_close(fault_store_inner(s->store));
    fault_store_set_inner(s->store, NULL);
    powerloss_vfs_restore();
    char shm[4200];
    snprintf(shm, sizeof shm, "%s-shm", s->db_path);
    if (unlink(shm) != 0 && access(shm, F_OK) == 0)
        return sim_fail(s, "cannot remove %s", shm);
    booking_store *inner = NULL;
    char why[256] = "";
    if (booking_store_open(s->url, &inner, why, sizeof why) != BOOKING_OK)
        return sim_fail(s, "open after a power cut: %s", why);
    fault_store_set_inner(s->store, inner);
    s->power_cuts++;
    return check_invariant(s, true);
}

static bool check_recorded_history(sim *s)
{
    size_t len;
    const char *text = check_recorder_text(s->rec, &len);
    if (!check_recorder_ok(s->rec))
        return sim_fail(s, "the recorder ran out of memory");
    check_report report;
    check_history *h = check_history_parse(text, len, &report);
    if (h == NULL)
        return sim_fail(s, "recorded history does not parse: %s", report.detail);
    check_options opts = {.timeout_s = SIM_CHECK_TIMEOUT_S};
    check_verdict v = check_history_run(h, &opts, &report);
    check_history_free(h);
    if (v == CHECK_VALID && getenv("SIM_KEEP_HISTORY") == NULL)
        return true;
    char path[256];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof path, "%s/booking-sim-%s-%" PRIu64 ".jsonl", dir, s->scheme, s->seed);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fwrite(text, 1, len, f);
        fclose(f);
    }
    if (v == CHECK_VALID)
        return true;
    return sim_fail(s, "history %s: %s: %s (history written to %s)",
                    v == CHECK_VIOLATION ? "not linearizable" : "undecided", report.kind,
                    report.detail, path);
}

/* ---- one run ---- */

static bool run_steps(sim *s, int steps)
{
    bool sqlite = strcmp(s->scheme, "sqlite") == 0;
    for (int r = 0; r < SIM_RESOURCES; r++) {
        booking_reason reason;
        uint64_t cap = 3 + sim_below(&s->rng, 6);
        check_record_set_capacity_invoke(s->rec, 9999, resource_names[r], cap);
        if (booking_set_capacity(fault_store_inner(s->store), resource_names[r], cap, &reason,
                                 NULL) != BOOKING_OK ||
            reason != BOOKING_REASON_OK)
            return sim_fail(s, "setting up %s failed", resource_names[r]);
        check_record_set_capacity_complete(s->rec, 9999, reason);
    }
    for (int step = 0; step < steps; step++) {
        int c = (int)sim_below(&s->rng, SIM_CLIENTS);
        bool ok = true;
        switch (s->clients[c].phase) {
        case IDLE: invoke(s, c); break;
        case INVOKED: ok = execute(s, c); break;
        case EXECUTED: ok = complete(s, c); break;
        }
        if (!ok)
            return false;
        if (sqlite) {
            uint64_t r = sim_below(&s->rng, 1000);
            if (r < SIM_REOPEN_PER_MILLE && !reopen(s))
                return false;
            if (r >= SIM_REOPEN_PER_MILLE && r < SIM_REOPEN_PER_MILLE + SIM_POWER_CUT_PER_MILLE &&
                !power_cut(s))
                return false;
        }
        if (!check_invariant(s, step % SIM_FULL_CHECK_EVERY == 0))
            return false;
    }
    if (!check_invariant(s, true))
        return false;
    if (sqlite && !reopen(s))
        return false;
    return check_recorded_history(s);
}

static bool run_seed(const char *scheme, uint64_t seed, int steps)
{
    static sim s; /* large; one run at a time */
    memset(&s, 0, sizeof s);
    s.seed = seed;
    s.rng = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    s.scheme = scheme;
    if (strcmp(scheme, "sqlite") == 0) {
        snprintf(s.db_path, sizeof s.db_path, "%s/sim-%" PRIu64 ".db", test_tmpdir(), seed);
        snprintf(s.url, sizeof s.url, "sqlite:%s?busy_timeout_ms=100&vfs=%s", s.db_path,
                 SIM_VFS_NAME);
    } else
        snprintf(s.url, sizeof s.url, "memory:");
    booking_store *inner = NULL;
    char why[256] = "";
    bool ok = false;
    if (booking_store_open(s.url, &inner, why, sizeof why) != BOOKING_OK) {
        sim_fail(&s, "open %s: %s", s.url, why);
        goto out;
    }
    fault_rates rates = {.before_per_mille = 60 + (unsigned)sim_below(&s.rng, 60),
                         .after_per_mille = 20 + (unsigned)sim_below(&s.rng, 40)};
    s.store = fault_store_wrap(inner, &s.rng, rates);
    s.rec = check_recorder_new();
    if (s.store == NULL || s.rec == NULL) {
        booking_store_close(inner);
        sim_fail(&s, "out of memory");
        goto out;
    }
    ok = run_steps(&s, steps);
    if (getenv("SIM_VERBOSE") != NULL) {
        fault_counts fc = fault_store_counts(s.store);
        size_t len;
        check_recorder_text(s.rec, &len);
        printf("seed %" PRIu64 " %s: %d steps, %" PRIu64 " store calls, %" PRIu64
               " failed before, %" PRIu64 " failed after commit, %u reopens, %u power cuts, "
               "%zu ids, %zu history bytes\n",
               seed, scheme, steps, fc.calls, fc.failed_before, fc.failed_after, s.reopens,
               s.power_cuts, s.id_count, len);
    }
out:
    if (!ok)
        fprintf(stderr, "SIM FAILED: store %s, seed %" PRIu64 " (reproduce: SIM_SEED=%" PRIu64
                        " %s): %s\n",
                scheme, seed, seed, scheme, s.failure);
    booking_store_close(s.store);
    check_recorder_free(s.rec);
    s.store = NULL;
    s.rec = NULL;
    if (strcmp(scheme, "sqlite") == 0)
        test_tmpdir_remove();
    return ok;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t random_seed(void)
{
    uint64_t seed = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(&seed, sizeof seed, 1, f) != 1)
        seed = (uint64_t)time(NULL) ^ (uint64_t)clock();
    if (f != NULL)
        fclose(f);
    return seed >> 1; /* printable as a positive decimal everywhere */
}

int main(int argc, char **argv)
{
    if (powerloss_vfs_register(SIM_VFS_NAME) != 0) {
        fprintf(stderr, "cannot register the power-loss VFS\n");
        return 1;
    }
    const char *scheme = argc > 1 ? argv[1] : "memory";
    if (strcmp(scheme, "memory") != 0 && strcmp(scheme, "sqlite") != 0) {
        fprintf(stderr, "usage: %s memory|sqlite (SIM_SEED=N, SIM_SOAK_SECONDS=N)\n", argv[0]);
        return 2;
    }
    int steps = strcmp(scheme, "sqlite") == 0 ? SIM_STEPS_SQLITE : SIM_STEPS_MEMORY;
    const char *seed_text = getenv("SIM_SEED");
    const char *soak_text = getenv("SIM_SOAK_SECONDS");
    if (seed_text != NULL) {
        uint64_t seed = strtoull(seed_text, NULL, 10);
        bool ok = run_seed(scheme, seed, steps);
        printf("seed %" PRIu64 " on %s: %s\n", seed, scheme, ok ? "ok" : "FAILED");
        return ok ? 0 : 1;
    }
    if (soak_text != NULL) {
        double until = now_s() + strtod(soak_text, NULL);
        unsigned runs = 0, failures = 0;
        while (now_s() < until) {
            uint64_t seed = random_seed();
            const char *which = runs % 2 ? "sqlite" : "memory";
            if (!run_seed(which, seed, SIM_SOAK_STEPS))
                failures++;
            runs++;
        }
        printf("soak: %u runs, %u failed\n", runs, failures);
        return failures ? 1 : 0;
    }
    int seeds = strcmp(scheme, "sqlite") == 0 ? SIM_FIXED_SEEDS_SQLITE : SIM_FIXED_SEEDS_MEMORY;
    int failures = 0;
    for (int i = 1; i <= seeds; i++)
        failures += !run_seed(scheme, (uint64_t)i, steps);
    printf("%d seeds on %s: %d failed\n", seeds, scheme, failures);
    return failures ? 1 : 0;
}
