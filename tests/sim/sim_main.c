/* SPDX-License-Identifier: MIT */
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
 *   sim memory|sqlite holds      the same with holds, confirms and clock steps
 *                                forward and back (SPEC section 7), every answer
 *                                checked against the model of sim_model.h
 *   sim memory|sqlite bundles    holds mode where attempts are also bundles of
 *                                1..3 lines (SPEC section 8), some naming an
 *                                unknown resource, replayed and conflicted
 *   SIM_SEED=N sim memory|sqlite [holds|bundles]  one seed, to reproduce a failure
 *   SIM_SOAK_SECONDS=N sim       random seeds on both stores for N seconds
 *   SIM_VERBOSE=1, SIM_KEEP_HISTORY=1  print counts / keep every history
 * Every failure prints its seed and writes the history next to the temp dir.
 */
#include "check/check.h"
#include "check/history_record.h"
#include "sim/fault_store.h"
#include "sim/powerloss_vfs.h"
#include "sim/sim_model.h"
#include "support/test_support.h"

#include <assert.h>
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
#define SIM_FIXED_SEEDS_MEMORY_HOLDS 100 /* no history to check: cheaper per seed */
#define SIM_FIXED_SEEDS_SQLITE 12
#define SIM_STEPS_MEMORY 700
#define SIM_STEPS_SQLITE 400
#define SIM_SOAK_STEPS 1500
#define SIM_REOPEN_PER_MILLE 8    /* sqlite: clean close and reopen after a step */
#define SIM_POWER_CUT_PER_MILLE 6 /* sqlite: unsynced writes lost, then reopen */
#define SIM_VFS_NAME "booking-sim-powerloss"
/* Holds mode (SPEC section 7). */
#define SIM_CONFIRM_PCT 10             /* of operations: a confirm (taken from attempts) */
#define SIM_HOLD_PCT 60                /* of new attempts: a hold */
#define SIM_HOLD_MS_MAX 40
#define SIM_REPLAY_OWN_PCT 50          /* of attempts that reuse an id: its own request */
#define SIM_RECENT_IDS 8               /* confirms and cancels favour the latest ids */
#define SIM_CLOCK_STEP_PER_MILLE 120   /* of steps: the clock steps instead of a client */
#define SIM_CLOCK_SMALL_STEP_MS_MAX 8  /* most steps: across the next expiry instants */
#define SIM_CLOCK_BIG_STEP_MS_MAX 60   /* some: past many holds at once */
#define SIM_CLOCK_BACK_MS_MAX 50       /* and some back, which the store must not follow */
#define SIM_CLOCK_START_MS 1800000000000LL /* 2027-01-15: any fixed time */
/* Bundles mode (SPEC section 8). */
#define SIM_BUNDLE_PCT 50              /* of new attempts: a bundle of 1..SIM_RESOURCES lines */
#define SIM_BUNDLE_UNKNOWN_PCT 8       /* of bundles: one line names the unknown resource */
#define SIM_LINES_MAX MODEL_LINES_MAX

typedef enum phase { IDLE, INVOKED, EXECUTED } phase;
typedef enum op_kind { OP_ATTEMPT, OP_CANCEL, OP_GET, OP_SET, OP_CONFIRM } op_kind;

typedef struct client {
    phase phase;
    op_kind kind;
    size_t count; /* attempts in the batch (1 for a single attempt) */
    char ids[SIM_BATCH_MAX][SIM_ID_BYTES];
    booking_request reqs[SIM_BATCH_MAX];
    booking_line lines[SIM_BATCH_MAX][SIM_LINES_MAX]; /* a bundle's, for reqs[k].lines */
    booking_result results[SIM_BATCH_MAX];
    char id[SIM_ID_BYTES]; /* cancel's booking or get/set's resource */
    uint64_t capacity;
    booking_reason reason;
    booking_resource got;
    booking_record record; /* a cancel's or a confirm's (holds mode) */
    bool retry; /* the last single attempt FAILED: retry it with the same id */
    booking_request retry_req;
    char retry_id[SIM_ID_BYTES];
    booking_line retry_lines[SIM_LINES_MAX];
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
    /* Holds mode: the store runs on clock_ms, which only the simulation moves. */
    bool holds;
    bool bundles; /* holds mode with bundles */
    int64_t clock_ms;
    unsigned clock_steps, clock_steps_back;
    uint64_t expired_closed; /* holds_expired of the handles closed so far */
    sim_model model;
} sim;

/* Holds mode: the paths the fixed seeds must reach, summed over the seeds. */
typedef struct hold_paths {
    uint64_t held, confirmed, hold_expired, replays_expired, unexpired_reads, steps_back;
    uint64_t bundles_booked, bundles_rejected_later_line, bundles_unknown_later_line,
        bundle_replays, bundle_conflicts, bundles_cancelled;
} hold_paths;
static hold_paths paths;

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

static int resource_index(const char *resource_id)
{
    for (int r = 0; r <= SIM_RESOURCES; r++) {
        if (strcmp(resource_names[r], resource_id) == 0)
            return r;
    }
    return SIM_RESOURCES;
}

/* An attempt's first line, in either form (what a record's resource_id and units are). */
static booking_line first_line(const booking_request *req)
{
    if (req->lines != NULL)
        return req->lines[0];
    return (booking_line){.resource_id = req->resource_id, .units = req->units};
}

/* An attempt's lines as the model names them; returns how many. */
static size_t model_lines_of(const booking_request *req, model_line out[SIM_LINES_MAX])
{
    size_t count = req->lines != NULL ? req->line_count : 1;
    assert(count >= 1 && count <= SIM_LINES_MAX);
    for (size_t i = 0; i < count; i++) {
        booking_line l = req->lines != NULL ? req->lines[i] : first_line(req);
        out[i] = (model_line){.resource = resource_index(l.resource_id), .units = l.units};
    }
    return count;
}

/* ---- choosing and running operations ---- */

/* Bundles mode: lines on distinct resources in a random order, sometimes with one
 * on the unknown resource, written to lines and req. */
static void choose_bundle(sim *s, booking_request *req, booking_line *lines)
{
    int order[SIM_RESOURCES];
    for (int r = 0; r < SIM_RESOURCES; r++)
        order[r] = r;
    for (int r = SIM_RESOURCES - 1; r > 0; r--) {
        int j = (int)sim_below(&s->rng, (uint64_t)r + 1), t = order[r];
        order[r] = order[j];
        order[j] = t;
    }
    size_t count = 1 + sim_below(&s->rng, SIM_RESOURCES);
    for (size_t i = 0; i < count; i++)
        lines[i] = (booking_line){.resource_id = resource_names[order[i]],
                                  .units = 1 + sim_below(&s->rng, 3)};
    if (sim_below(&s->rng, 100) < SIM_BUNDLE_UNKNOWN_PCT)
        lines[sim_below(&s->rng, count)].resource_id = resource_names[SIM_RESOURCES];
    req->resource_id = NULL;
    req->units = 0;
    req->lines = lines;
    req->line_count = count;
}

/* Bundles mode: the lines of a record, as a request names them again. */
static void request_record_lines(sim *s, const model_record *r, booking_request *req,
                                 booking_line *lines)
{
    for (size_t i = 0; i < r->line_count; i++)
        lines[i] = (booking_line){.resource_id = resource_names[r->lines[i].resource],
                                  .units = r->lines[i].units};
    *req = (booking_request){.booking_id = req->booking_id, .hold_ms = req->hold_ms,
                             .lines = lines, .line_count = r->line_count};
    /* The single form of a one-line record, half the time: it replays the same. */
    if (r->line_count == 1 && sim_below(&s->rng, 2) == 0) {
        req->resource_id = lines[0].resource_id;
        req->units = lines[0].units;
        req->lines = NULL;
        req->line_count = 0;
    }
}

/* Holds mode: a new attempt is mostly a hold; an attempt that reuses an id often asks
 * the id's own request again (a replay, whose status depends on the time). */
static void choose_hold(sim *s, booking_request *req, booking_line *lines, const char *id,
                        bool reused)
{
    const model_record *r = reused ? model_find(&s->model, id) : NULL;
    if (r != NULL && sim_below(&s->rng, 100) < SIM_REPLAY_OWN_PCT) {
        req->hold_ms = r->hold_ms;
        if (s->bundles) {
            request_record_lines(s, r, req, lines);
            return;
        }
        req->resource_id = resource_names[r->lines[0].resource];
        req->units = r->lines[0].units;
        return;
    }
    req->hold_ms = sim_below(&s->rng, 100) < SIM_HOLD_PCT ? 1 + sim_below(&s->rng, SIM_HOLD_MS_MAX)
                                                          : 0;
    if (s->bundles && sim_below(&s->rng, 100) < SIM_BUNDLE_PCT)
        choose_bundle(s, req, lines);
}

static void choose_attempt(sim *s, client *cl, int c, size_t slot)
{
    booking_request *req = &cl->reqs[slot];
    if (slot == 0 && cl->retry && sim_below(&s->rng, 10) < 8) {
        copy_id(cl->ids[0], SIM_ID_BYTES, cl->retry_id);
        *req = cl->retry_req;
        if (req->lines != NULL) {
            memcpy(cl->lines[0], cl->retry_lines, req->line_count * sizeof cl->lines[0][0]);
            req->lines = cl->lines[0];
        }
    } else {
        bool reused = s->id_count > 0 && sim_below(&s->rng, 100) < 15;
        if (reused)
            copy_id(cl->ids[slot], SIM_ID_BYTES,
                     s->ids[sim_below(&s->rng, s->id_count)].id);
        else
            snprintf(cl->ids[slot], SIM_ID_BYTES, "c%d-%u", c, cl->next_id++);
        *req = (booking_request){.resource_id = resource_names[sim_below(&s->rng, SIM_RESOURCES)],
                                 .units = 1 + sim_below(&s->rng, 3)};
        if (s->holds)
            choose_hold(s, req, cl->lines[slot], cl->ids[slot], reused);
    }
    req->booking_id = cl->ids[slot];
    find_id(s, cl->ids[slot]);
}

/* The booking a cancel or a confirm names: a known one (in holds mode often one of
 * the latest, whose hold may still run), or one never attempted. */
static void choose_change_target(sim *s, client *cl, int c)
{
    if (s->id_count > 0 && sim_below(&s->rng, 10) < 9) {
        size_t recent = s->id_count < SIM_RECENT_IDS ? s->id_count : SIM_RECENT_IDS;
        size_t i = s->holds && sim_below(&s->rng, 2) == 0
                       ? s->id_count - 1 - sim_below(&s->rng, recent)
                       : sim_below(&s->rng, s->id_count);
        copy_id(cl->id, sizeof cl->id, s->ids[i].id);
    } else {
        snprintf(cl->id, sizeof cl->id, "never-%d", c);
    }
}

static void invoke(sim *s, int c)
{
    client *cl = &s->clients[c];
    uint64_t r = sim_below(&s->rng, 100);
    uint64_t confirms = s->holds ? SIM_CONFIRM_PCT : 0; /* taken from the attempts' share */
    cl->count = 1;
    if (r < 65 - confirms) {
        cl->kind = OP_ATTEMPT;
        if (r >= 55 - confirms)
            cl->count = 2 + sim_below(&s->rng, SIM_BATCH_MAX - 1);
        for (size_t k = 0; k < cl->count; k++) {
            choose_attempt(s, cl, c, k);
            /* The history format has no lines (yet): bundles mode checks the model. */
            if (cl->reqs[k].lines == NULL)
                check_record_attempt_invoke(s->rec, process_of(c, k), &cl->reqs[k]);
        }
    } else if (r < 78 - confirms) {
        cl->kind = OP_CANCEL;
        choose_change_target(s, cl, c);
        check_record_cancel_invoke(s->rec, process_of(c, 0), cl->id);
    } else if (r < 78) {
        /* The history format has no confirm yet: holds mode checks the model instead. */
        cl->kind = OP_CONFIRM;
        choose_change_target(s, cl, c);
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

/* ---- holds mode: every answer against the model ---- */

static bool same_record(const booking_record *got, const booking_record *want)
{
    return got->units == want->units && got->hold_ms == want->hold_ms &&
           got->line_count == want->line_count && got->line == want->line &&
           got->outcome == want->outcome && got->reason == want->reason &&
           got->status == want->status && got->created_at_ms == want->created_at_ms &&
           got->updated_at_ms == want->updated_at_ms && got->expires_at_ms == want->expires_at_ms;
}

static bool record_mismatch(sim *s, const char *what, const char *id, const booking_record *got,
                            const booking_record *want, int64_t t)
{
    const char *why = got->status == BOOKING_STATUS_HELD && want->status == BOOKING_STATUS_EXPIRED
                          ? " (a hold un-expired: the store's time went back?)"
                          : "";
    return sim_fail(s, "%s %s at %" PRId64 ": record %s created %" PRId64 " updated %" PRId64
                    " expires %" PRId64 ", the model says %s %" PRId64 " %" PRId64 " %" PRId64 "%s",
                    what, id, t, booking_status_name(got->status), got->created_at_ms,
                    got->updated_at_ms, got->expires_at_ms, booking_status_name(want->status),
                    want->created_at_ms, want->updated_at_ms, want->expires_at_ms, why);
}

/* Bundles mode: the paths of a bundle of several lines the seeds must reach. */
static void count_bundle_paths(const booking_result *want)
{
    paths.bundle_replays += want->replayed;
    paths.bundle_conflicts += want->reason == BOOKING_REASON_BOOKING_ID_CONFLICT;
    if (want->replayed)
        return;
    paths.bundles_booked += want->outcome == BOOKING_BOOKED;
    paths.bundles_rejected_later_line +=
        want->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY && want->line > 0;
    paths.bundles_unknown_later_line +=
        want->reason == BOOKING_REASON_UNKNOWN_RESOURCE && want->line > 0;
}

static bool model_check_attempts(sim *s, client *cl, int64_t t)
{
    for (size_t k = 0; k < cl->count; k++) {
        booking_result want;
        const booking_result *got = &cl->results[k];
        model_line lines[SIM_LINES_MAX];
        size_t count = model_lines_of(&cl->reqs[k], lines);
        if (!model_attempt(&s->model, lines, count, &cl->reqs[k], t, &want))
            return sim_fail(s, "the model is full");
        if (got->outcome == BOOKING_FAILED)
            continue; /* a fault after the call: the decision stands, unanswered */
        paths.held += !want.replayed && want.status == BOOKING_STATUS_HELD;
        paths.replays_expired += want.replayed && want.status == BOOKING_STATUS_EXPIRED;
        if (cl->reqs[k].lines != NULL && cl->reqs[k].line_count > 1)
            count_bundle_paths(&want);
        booking_line first = first_line(&cl->reqs[k]);
        if (got->outcome != want.outcome || got->reason != want.reason ||
            got->replayed != want.replayed || got->status != want.status ||
            got->expires_at_ms != want.expires_at_ms || got->line != want.line)
            return sim_fail(s, "attempt %s (%zu lines, first %s, %" PRIu64 " units, hold_ms %" PRIu64
                            ") at %" PRId64 ": %s %s%s %s expires %" PRId64 " line %" PRIu32
                            ", the model says %s %s%s %s %" PRId64 " line %" PRIu32,
                            cl->ids[k], count, first.resource_id, first.units,
                            cl->reqs[k].hold_ms, t, booking_outcome_name(got->outcome),
                            booking_reason_name(got->reason), got->replayed ? " replayed" : "",
                            booking_status_name(got->status), got->expires_at_ms, got->line,
                            booking_outcome_name(want.outcome), booking_reason_name(want.reason),
                            want.replayed ? " replayed" : "", booking_status_name(want.status),
                            want.expires_at_ms, want.line);
    }
    return true;
}

static bool model_check_change(sim *s, client *cl, int64_t t)
{
    bool confirm = cl->kind == OP_CONFIRM, has_record;
    booking_record want;
    booking_reason reason = model_change(&s->model, cl->id, confirm, t, &want, &has_record);
    if (booking_reason_is_failure(cl->reason))
        return true;
    paths.confirmed += reason == BOOKING_REASON_CONFIRMED;
    const model_record *r = model_find(&s->model, cl->id);
    paths.bundles_cancelled += reason == BOOKING_REASON_CANCELLED && r != NULL && r->line_count > 1;
    paths.hold_expired += reason == BOOKING_REASON_HOLD_EXPIRED;
    if (cl->reason != reason)
        return sim_fail(s, "%s %s at %" PRId64 ": %s, the model says %s", confirm ? "confirm" : "cancel",
                        cl->id, t, booking_reason_name(cl->reason), booking_reason_name(reason));
    if (has_record && !same_record(&cl->record, &want))
        return record_mismatch(s, confirm ? "confirm" : "cancel", cl->id, &cl->record, &want, t);
    return true;
}

static bool model_check_get(sim *s, const char *resource_id, booking_reason reason,
                            const booking_resource *got, int64_t t)
{
    int r = resource_index(resource_id);
    bool exists = r < SIM_RESOURCES && s->model.exists[r];
    if (booking_reason_is_failure(reason))
        return true;
    if (reason != (exists ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_RESOURCE))
        return sim_fail(s, "get_resource %s: %s", resource_id, booking_reason_name(reason));
    if (!exists)
        return true;
    uint64_t booked = model_booked(&s->model, r, t);
    /* A read after the clock stepped back behind a hold's end: where a store that
     * followed the clock would count an expired hold again. */
    paths.unexpired_reads += s->clock_ms < t && model_booked(&s->model, r, s->clock_ms) > booked;
    if (got->as_of_ms != t)
        return sim_fail(s, "get_resource %s: as_of %" PRId64 ", the store's time is %" PRId64
                        " (clock %" PRId64 "): its time went %s", resource_id, got->as_of_ms, t,
                        s->clock_ms, got->as_of_ms < t ? "back" : "ahead of the clock");
    if (got->booked != booked || got->capacity != s->model.capacity[r])
        return sim_fail(s, "get_resource %s at %" PRId64 ": booked %" PRIu64 " capacity %" PRIu64
                        ", the model says %" PRIu64 " %" PRIu64, resource_id, t, got->booked,
                        got->capacity, booked, s->model.capacity[r]);
    return true;
}

/* After a call through the fault store: if it reached the store it took effect at the
 * store's time (even if a fault after it answered FAILED); every answer that is not
 * a failure must be the model's. */
static bool model_check_call(sim *s, client *cl)
{
    if (!fault_store_last_reached(s->store))
        return true;
    int64_t t = model_time(&s->model, s->clock_ms);
    switch (cl->kind) {
    case OP_ATTEMPT: return model_check_attempts(s, cl, t);
    case OP_CANCEL:
    case OP_CONFIRM: return model_check_change(s, cl, t);
    case OP_GET: return model_check_get(s, cl->id, cl->reason, &cl->got, t);
    case OP_SET: {
        booking_reason want = model_set_capacity(&s->model, resource_index(cl->id), cl->capacity, t);
        if (!booking_reason_is_failure(cl->reason) && cl->reason != want)
            return sim_fail(s, "set_capacity %s %" PRIu64 " at %" PRId64 ": %s, the model says %s",
                            cl->id, cl->capacity, t, booking_reason_name(cl->reason),
                            booking_reason_name(want));
        return true;
    }
    }
    return true;
}

static bool execute(sim *s, int c)
{
    client *cl = &s->clients[c];
    booking_error e = BOOKING_OK;
    booking_record *record = s->holds ? &cl->record : NULL;
    switch (cl->kind) {
    case OP_ATTEMPT: e = booking_attempt_batch(s->store, cl->reqs, cl->count, cl->results); break;
    case OP_CANCEL: e = booking_cancel(s->store, cl->id, &cl->reason, record); break;
    case OP_CONFIRM: e = booking_confirm(s->store, cl->id, &cl->reason, &cl->record); break;
    case OP_GET: e = booking_get_resource(s->store, cl->id, &cl->reason, &cl->got); break;
    case OP_SET:
        e = booking_set_capacity(s->store, cl->id, cl->capacity, &cl->reason, NULL);
        break;
    }
    cl->phase = EXECUTED;
    if (e != BOOKING_OK)
        return sim_fail(s, "client %d: the library refused a valid call: %s", c,
                        booking_error_name(e));
    return !s->holds || model_check_call(s, cl);
}

static bool complete(sim *s, int c)
{
    client *cl = &s->clients[c];
    cl->phase = IDLE;
    switch (cl->kind) {
    case OP_ATTEMPT:
        for (size_t k = 0; k < cl->count; k++) {
            const booking_result *res = &cl->results[k];
            if (cl->reqs[k].lines == NULL)
                check_record_attempt_complete(s->rec, process_of(c, k), res);
            known_id *id = find_id(s, cl->ids[k]);
            if (id != NULL && (res->reason == BOOKING_REASON_BOOKED ||
                               res->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY)) {
                booking_line first = first_line(&cl->reqs[k]);
                if (id->acked && (id->outcome != res->outcome ||
                                  strcmp(id->resource, first.resource_id) != 0 ||
                                  id->units != first.units))
                    return sim_fail(s, "booking %s: answered %s, earlier acknowledged %s",
                                    id->id, booking_outcome_name(res->outcome),
                                    booking_outcome_name(id->outcome));
                id->acked = true;
                id->outcome = res->outcome;
                id->units = first.units;
                copy_id(id->resource, sizeof id->resource, first.resource_id);
            }
        }
        if (cl->count == 1) {
            cl->retry = cl->results[0].outcome == BOOKING_FAILED;
            if (cl->retry) {
                copy_id(cl->retry_id, sizeof cl->retry_id, cl->ids[0]);
                cl->retry_req = cl->reqs[0];
                cl->retry_req.booking_id = cl->retry_id;
                if (cl->retry_req.lines != NULL)
                    memcpy(cl->retry_lines, cl->retry_req.lines,
                           cl->retry_req.line_count * sizeof cl->retry_lines[0]);
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
    case OP_CONFIRM: break; /* checked against the model when it ran */
    }
    return true;
}

/* ---- checks on the real store, without faults ---- */

/* Holds mode: a record read back is the model's, as of the store's time, with its
 * lines in order. */
static bool model_check_record(sim *s, const char *id, const booking_record *got,
                               const booking_record_line *lines)
{
    int64_t t = model_time(&s->model, s->clock_ms);
    const model_record *r = model_find(&s->model, id);
    if (r == NULL)
        return sim_fail(s, "get_booking %s: a record the model does not have", id);
    booking_record want;
    model_public_record(r, t, &want);
    if (!same_record(got, &want) || strcmp(got->resource_id, resource_names[r->lines[0].resource]) != 0)
        return record_mismatch(s, "get_booking", id, got, &want, t);
    for (size_t i = 0; i < r->line_count; i++) {
        if (strcmp(lines[i].resource_id, resource_names[r->lines[i].resource]) != 0 ||
            lines[i].units != r->lines[i].units)
            return sim_fail(s, "get_booking %s: line %zu is %s %" PRIu64 ", the model says %s %"
                            PRIu64, id, i, lines[i].resource_id, lines[i].units,
                            resource_names[r->lines[i].resource], r->lines[i].units);
    }
    return true;
}

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
        if (reason == BOOKING_REASON_UNKNOWN_RESOURCE) {
            if (s->holds && s->model.exists[r])
                return sim_fail(s, "%s is gone", resource_names[r]);
            continue;
        }
        if (reason != BOOKING_REASON_OK)
            return sim_fail(s, "get_resource %s failed without faults: %s", resource_names[r],
                            booking_reason_name(reason));
        exists[r] = true;
        capacity[r] = res.capacity;
        booked[r] = res.booked;
        if (s->holds &&
            !model_check_get(s, resource_names[r], reason, &res, model_time(&s->model, s->clock_ms)))
            return false;
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
        booking_record_line lines[BOOKING_LINES_MAX];
        if (booking_get_booking_lines(inner, k->id, &reason, &rec, lines, BOOKING_LINES_MAX) !=
            BOOKING_OK)
            return sim_fail(s, "get_booking refused");
        if (reason == BOOKING_REASON_UNKNOWN_BOOKING) {
            if (k->acked)
                return sim_fail(s, "acknowledged decision of %s is gone", k->id);
            if (s->holds && model_find(&s->model, k->id) != NULL)
                return sim_fail(s, "the record of %s is gone", k->id);
            continue;
        }
        if (reason != BOOKING_REASON_OK)
            return sim_fail(s, "get_booking %s failed without faults", k->id);
        if (s->holds && !model_check_record(s, k->id, &rec, lines))
            return false;
        if (k->acked && (rec.outcome != k->outcome || rec.units != k->units ||
                         strcmp(rec.resource_id, k->resource) != 0))
            return sim_fail(s, "acknowledged decision of %s changed", k->id);
        if (k->acked_cancelled && rec.outcome == BOOKING_BOOKED &&
            rec.status != BOOKING_STATUS_CANCELLED)
            return sim_fail(s, "acknowledged cancel of %s is gone", k->id);
        /* A hold counts in booked while it reads held (SPEC section 7). */
        if (rec.outcome == BOOKING_BOOKED &&
            (rec.status == BOOKING_STATUS_ACTIVE || rec.status == BOOKING_STATUS_HELD)) {
            for (uint32_t l = 0; l < rec.line_count && l < BOOKING_LINES_MAX; l++) {
                for (int r = 0; r < SIM_RESOURCES; r++) {
                    if (strcmp(lines[l].resource_id, resource_names[r]) == 0)
                        sum[r] += lines[l].units;
                }
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

static int64_t sim_clock(void *context)
{
    return *(const int64_t *)context;
}

/* Holds mode: the store runs on the simulation's clock, which only a step moves. */
static bool attach_clock(sim *s, booking_store *inner)
{
    if (s->holds && booking_store_set_clock(inner, sim_clock, &s->clock_ms) != BOOKING_OK)
        return sim_fail(s, "booking_store_set_clock refused");
    return true;
}

static uint64_t expired_stat(booking_store *inner)
{
    booking_store_stats stats = {0};
    return booking_store_get_stats(inner, &stats) == BOOKING_OK ? stats.holds_expired : 0;
}

/* Closes the real store, keeping the count of the expiries it applied. */
static void close_inner(sim *s)
{
    booking_store *inner = fault_store_inner(s->store);
    s->expired_closed += expired_stat(inner);
    booking_store_close(inner);
    fault_store_set_inner(s->store, NULL);
}

static bool reopen(sim *s)
{
    booking_store *inner = NULL;
    close_inner(s);
    char why[256] = "";
    if (booking_store_open(s->url, &inner, why, sizeof why) != BOOKING_OK)
        return sim_fail(s, "reopen %s: %s", s->url, why);
    fault_store_set_inner(s->store, inner);
    if (!attach_clock(s, inner))
        return false;
    s->reopens++;
    /* Every acknowledged decision must have survived. */
    return check_invariant(s, true);
}

/* After a power cut the store's time is the clock's or the latest one a write
 * recorded, whichever is later (sqlite.c note (9): the times of reads since the
 * last write are not durable): at least written_ms, at most latest_ms. The model
 * takes the store's time from a read, after checking it lies in that range. */
static bool resync_time_after_cut(sim *s, booking_store *inner)
{
    int64_t low = s->clock_ms > s->model.written_ms ? s->clock_ms : s->model.written_ms;
    int64_t high = s->clock_ms > s->model.latest_ms ? s->clock_ms : s->model.latest_ms;
    for (int r = 0; r < SIM_RESOURCES; r++) {
        if (!s->model.exists[r])
            continue;
        booking_reason reason;
        booking_resource res;
        if (booking_get_resource(inner, resource_names[r], &reason, &res) != BOOKING_OK ||
            reason != BOOKING_REASON_OK)
            return sim_fail(s, "read of %s after a power cut: %s", resource_names[r],
                            booking_reason_name(reason));
        if (res.as_of_ms < low || res.as_of_ms > high)
            return sim_fail(s, "after a power cut the store's time is %" PRId64 ", outside %"
                            PRId64 "..%" PRId64 " (the last write's time..the latest)",
                            res.as_of_ms, low, high);
        s->model.latest_ms = res.as_of_ms;
        return true;
    }
    s->model.latest_ms = low; /* nothing written: nothing shows a time */
    return true;
}

/* The power goes between two steps: what was not synced is lost, the store is
 * closed without being able to write, the shared memory file vanishes; then the
 * store is opened again and every acknowledged decision must be there. */
static bool power_cut(sim *s)
{
    if (powerloss_vfs_cut() < 0)
        return sim_fail(s, "the power-loss VFS could not roll back unsynced writes");
    close_inner(s);
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
    if (!attach_clock(s, inner) || (s->holds && !resync_time_after_cut(s, inner)))
        return false;
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

/* Holds mode: the clock steps forward across expiry instants, or back, which the
 * store must not follow (its time never goes back, so no hold un-expires). */
static void clock_step(sim *s)
{
    uint64_t r = sim_below(&s->rng, 100);
    s->clock_steps++;
    if (r < 70) {
        s->clock_ms += 1 + (int64_t)sim_below(&s->rng, SIM_CLOCK_SMALL_STEP_MS_MAX);
    } else if (r < 85) {
        s->clock_ms += 1 + (int64_t)sim_below(&s->rng, SIM_CLOCK_BIG_STEP_MS_MAX);
    } else {
        s->clock_ms -= 1 + (int64_t)sim_below(&s->rng, SIM_CLOCK_BACK_MS_MAX);
        s->clock_steps_back++;
        paths.steps_back++;
    }
}

/* Holds mode, at the end: once every hold's time has passed and every resource was
 * read, each hold expired unconfirmed and uncancelled was released exactly once. */
static bool check_every_hold_ended(sim *s)
{
    int64_t last = model_last_end(&s->model);
    if (s->clock_ms <= last)
        s->clock_ms = last + 1;
    /* A read may answer as of its time without applying expiry; a write that touches
     * the resource applies what is due in any design: its capacity up by one and back. */
    for (int r = 0; r < SIM_RESOURCES; r++) {
        for (uint64_t up = 1; s->model.exists[r] && up <= 2; up++) {
            uint64_t cap = up == 1 ? s->model.capacity[r] + 1 : s->model.capacity[r] - 1;
            booking_reason got;
            booking_reason want =
                model_set_capacity(&s->model, r, cap, model_time(&s->model, s->clock_ms));
            if (booking_set_capacity(fault_store_inner(s->store), resource_names[r], cap, &got,
                                     NULL) != BOOKING_OK ||
                got != want)
                return sim_fail(s, "set_capacity %s %" PRIu64 " after every hold's end: %s",
                                resource_names[r], cap, booking_reason_name(got));
        }
    }
    if (!check_invariant(s, true))
        return false;
    uint64_t want = model_expired(&s->model, model_time(&s->model, s->clock_ms));
    uint64_t got = s->expired_closed + expired_stat(fault_store_inner(s->store));
    if (got != want)
        return sim_fail(s, "holds_expired: the store's handles applied %" PRIu64
                        " expiries, the model has %" PRIu64 " holds expired", got, want);
    return true;
}

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
        if (s->holds)
            model_set_capacity(&s->model, r, cap, model_time(&s->model, s->clock_ms));
    }
    for (int step = 0; step < steps; step++) {
        bool ok = true;
        if (s->holds && sim_below(&s->rng, 1000) < SIM_CLOCK_STEP_PER_MILLE) {
            clock_step(s);
        } else {
            int c = (int)sim_below(&s->rng, SIM_CLIENTS);
            switch (s->clients[c].phase) {
            case IDLE: invoke(s, c); break;
            case INVOKED: ok = execute(s, c); break;
            case EXECUTED: ok = complete(s, c); break;
            }
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
    if (s->holds && !check_every_hold_ended(s))
        return false;
    if (sqlite && !reopen(s))
        return false;
    /* `booking check` does not model holds yet; in holds mode the model has checked
     * every answer as it came instead. */
    return s->holds || check_recorded_history(s);
}

static bool run_seed(const char *scheme, uint64_t seed, int steps, bool holds, bool bundles)
{
    static sim s; /* large; one run at a time */
    memset(&s, 0, sizeof s);
    s.seed = seed;
    s.rng = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    s.scheme = scheme;
    s.holds = holds || bundles;
    s.bundles = bundles;
    s.clock_ms = SIM_CLOCK_START_MS;
    model_init(&s.model);
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
    if (!attach_clock(&s, inner)) {
        booking_store_close(inner);
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
               "%zu ids, %zu history bytes",
               seed, scheme, steps, fc.calls, fc.failed_before, fc.failed_after, s.reopens,
               s.power_cuts, s.id_count, len);
        if (holds)
            printf("; %u clock steps (%u back), %zu records, %" PRIu64 " holds expired",
                   s.clock_steps, s.clock_steps_back, s.model.count,
                   model_expired(&s.model, s.model.latest_ms));
        printf("\n");
    }
out:
    if (!ok)
        fprintf(stderr, "SIM FAILED: store %s%s, seed %" PRIu64 " (reproduce: SIM_SEED=%" PRIu64
                        " %s%s): %s\n",
                scheme, bundles ? " with bundles" : holds ? " with holds" : "", seed, seed, scheme,
                bundles ? " bundles" : holds ? " holds" : "", s.failure);
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
    bool holds = argc > 2 && strcmp(argv[2], "holds") == 0;
    bool bundles = argc > 2 && strcmp(argv[2], "bundles") == 0;
    if ((strcmp(scheme, "memory") != 0 && strcmp(scheme, "sqlite") != 0) ||
        (argc > 2 && !holds && !bundles) || argc > 3) {
        fprintf(stderr,
                "usage: %s memory|sqlite [holds|bundles] (SIM_SEED=N, SIM_SOAK_SECONDS=N)\n",
                argv[0]);
        return 2;
    }
    int steps = strcmp(scheme, "sqlite") == 0 ? SIM_STEPS_SQLITE : SIM_STEPS_MEMORY;
    const char *seed_text = getenv("SIM_SEED");
    const char *soak_text = getenv("SIM_SOAK_SECONDS");
    if (seed_text != NULL) {
        uint64_t seed = strtoull(seed_text, NULL, 10);
        bool ok = run_seed(scheme, seed, steps, holds, bundles);
        printf("seed %" PRIu64 " on %s: %s\n", seed, scheme, ok ? "ok" : "FAILED");
        return ok ? 0 : 1;
    }
    if (soak_text != NULL) {
        double until = now_s() + strtod(soak_text, NULL);
        unsigned runs = 0, failures = 0;
        while (now_s() < until) {
            uint64_t seed = random_seed();
            const char *which = runs % 2 ? "sqlite" : "memory";
            if (!run_seed(which, seed, SIM_SOAK_STEPS, holds, bundles))
                failures++;
            runs++;
        }
        printf("soak: %u runs, %u failed\n", runs, failures);
        return failures ? 1 : 0;
    }
    int seeds = strcmp(scheme, "sqlite") == 0 ? SIM_FIXED_SEEDS_SQLITE
                : holds || bundles            ? SIM_FIXED_SEEDS_MEMORY_HOLDS
                                              : SIM_FIXED_SEEDS_MEMORY;
    int failures = 0;
    for (int i = 1; i <= seeds; i++)
        failures += !run_seed(scheme, (uint64_t)i, steps, holds, bundles);
    holds = holds || bundles; /* bundles mode is holds mode with bundles */
    /* Seeds that never confirmed in time, answered hold_expired or read after a step
     * back would prove nothing about expiry. */
    if (holds && failures == 0 &&
        (paths.held == 0 || paths.confirmed == 0 || paths.hold_expired == 0 ||
         paths.replays_expired == 0 || paths.unexpired_reads == 0 || paths.steps_back == 0)) {
        fprintf(stderr, "SIM FAILED: the seeds missed a path of holds: %" PRIu64 " held, %" PRIu64
                " confirmed, %" PRIu64 " hold_expired, %" PRIu64 " expired replays, %" PRIu64
                " reads after a step back, %" PRIu64 " steps back\n", paths.held, paths.confirmed,
                paths.hold_expired, paths.replays_expired, paths.unexpired_reads, paths.steps_back);
        failures++;
    }
    if (holds && getenv("SIM_VERBOSE") != NULL)
        printf("paths: %" PRIu64 " held, %" PRIu64 " confirmed, %" PRIu64 " hold_expired, %" PRIu64
               " expired replays, %" PRIu64 " reads after a step back, %" PRIu64 " steps back\n",
               paths.held, paths.confirmed, paths.hold_expired, paths.replays_expired,
               paths.unexpired_reads, paths.steps_back);
    /* ... and seeds that never booked, rejected on a later line, replayed, conflicted
     * with or cancelled a bundle of several lines would prove nothing about bundles. */
    if (bundles && failures == 0 &&
        (paths.bundles_booked == 0 || paths.bundles_rejected_later_line == 0 ||
         paths.bundles_unknown_later_line == 0 || paths.bundle_replays == 0 ||
         paths.bundle_conflicts == 0 || paths.bundles_cancelled == 0)) {
        fprintf(stderr, "SIM FAILED: the seeds missed a path of bundles: %" PRIu64 " booked, %"
                PRIu64 " rejected on a later line, %" PRIu64 " unknown on a later line, %" PRIu64
                " replays, %" PRIu64 " conflicts, %" PRIu64 " cancelled\n", paths.bundles_booked,
                paths.bundles_rejected_later_line, paths.bundles_unknown_later_line,
                paths.bundle_replays, paths.bundle_conflicts, paths.bundles_cancelled);
        failures++;
    }
    if (bundles && getenv("SIM_VERBOSE") != NULL)
        printf("bundle paths: %" PRIu64 " booked, %" PRIu64 " rejected on a later line, %" PRIu64
               " unknown on a later line, %" PRIu64 " replays, %" PRIu64 " conflicts, %" PRIu64
               " cancelled\n", paths.bundles_booked, paths.bundles_rejected_later_line,
               paths.bundles_unknown_later_line, paths.bundle_replays, paths.bundle_conflicts,
               paths.bundles_cancelled);
    printf("%d seeds on %s%s: %d failed\n", seeds, scheme,
           bundles ? " with bundles" : holds ? " with holds" : "", failures);
    return failures ? 1 : 0;
}
