/* SPDX-License-Identifier: MIT */
/*
 * checker_model_test.c: the checker's model (src/check/check_model.c) and the
 * core's decide functions (src/core/decide.c) state the SPEC rules twice, on
 * purpose; this runs both on the same random states and requests (holds,
 * confirms and the store's time among them) and compares answers and resulting
 * counters, so a rule changed on one side only fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check/check_model.h"
#include "core/decide.h"
#include "core/names.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MODEL_SEED 0x5eed0009c0ffee01ULL /* fixed: a failure names an iteration */
#define MODEL_ITERATIONS 200000          /* per operation kind */
#define MODEL_RESOURCE 0u                /* the request's resource in the model */
#define MODEL_OTHER_RESOURCE 1u          /* a record decided on another resource */

/* Cases a run must reach, as bits above every reason's CHK_BIT. */
#define SEEN_FULL (1ull << 32)        /* an attempt on a new booking_id where booked == capacity */
#define SEEN_REPLAYED (1ull << 33)    /* an attempt answered from its record */
#define SEEN_EXACT_FIT (1ull << 34)   /* units == capacity - booked on a new booking_id */
#define SEEN_CREATE (1ull << 35)      /* a set_capacity that created its resource */
#define SEEN_AT_BOOKED (1ull << 36)   /* a set_capacity to exactly booked */
#define SEEN_NEW_HOLD (1ull << 37)    /* an attempt that made a hold */
#define SEEN_REPLAY_HELD (1ull << 38) /* a replay of a hold not yet expired */
#define SEEN_REPLAY_EXPIRED (1ull << 39) /* a replay of a hold whose time has come */
#define SEEN_HOLD_CONFLICT (1ull << 40)  /* a repeat that differs only in hold_ms */
#define SEEN_LAST_MS (1ull << 41)     /* a change at expires_at - 1 ms that succeeded */
#define SEEN_AT_END (1ull << 42)      /* a change at expires_at itself: hold_expired */
#define SEEN_CONFIRMED_REPLAY (1ull << 43) /* a replay of a confirmed hold */
_Static_assert(CORE_REASON_COUNT <= 32, "reason bits would overlap the SEEN_ bits");

#define MODEL_NOW_BASE 1796161800123LL /* 2026-12-01T21:50:00.123Z */

/* One resource and one booking_id's record, the part of the state an operation
 * touches (for a cancel or confirm, the resource is its record's), as of now_ms:
 * booked counts active records and holds whose time has not come. */
typedef struct world {
    bool has_res;
    uint64_t cap, booked;
    bool has_rec, same_resource, rec_booked;
    booking_status status; /* as stored: a held record may be past its end (lazy expiry) */
    uint64_t rec_units, rec_hold_ms;
    int64_t expires_at_ms;
    int64_t now_ms;
} world;

/* ---- random inputs, biased to the boundaries ---- */

static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t n)
{
    return n == 0 ? 0 : rng_next(state) % n;
}

/* 0..max, mostly its ends and their neighbours. */
static uint64_t pick_upto(uint64_t *rng, uint64_t max)
{
    switch (rng_below(rng, 7)) {
    case 0: return 0;
    case 1: return max > 0 ? 1 : 0;
    case 2: return max;
    case 3: return max > 0 ? max - 1 : 0;
    case 4: return rng_below(rng, max < 8 ? max + 1 : 8);
    default: return max == UINT64_MAX ? rng_next(rng) : rng_below(rng, max + 1);
    }
}

/* 1..BOOKING_UNITS_MAX, mostly 1, the maximum and the room left on w. */
static uint64_t pick_units(uint64_t *rng, const world *w)
{
    uint64_t room = w->cap - w->booked;
    switch (rng_below(rng, 4)) {
    case 0: return room >= 1 ? room : 1;
    case 1: return room + 1 <= BOOKING_UNITS_MAX ? room + 1 : BOOKING_UNITS_MAX;
    default: return 1 + pick_upto(rng, BOOKING_UNITS_MAX - 1);
    }
}

/* 1..BOOKING_HOLD_MS_MAX, mostly its ends. */
static uint64_t pick_hold(uint64_t *rng)
{
    return 1 + pick_upto(rng, BOOKING_HOLD_MS_MAX - 1);
}

/* Whether the record's units are in booked at now (the state is as of now). */
static bool world_counts(const world *w)
{
    if (!w->has_rec || !w->rec_booked)
        return false;
    if (w->status == BOOKING_STATUS_HELD)
        return w->now_ms < w->expires_at_ms;
    return w->status == BOOKING_STATUS_ACTIVE;
}

/* The record: absent, REJECTED, or BOOKED active, a hold (its end just before,
 * at or after now, or far), a confirmed hold, an expired hold (kept as held or
 * as expired), cancelled. */
static void pick_record(uint64_t *rng, world *w)
{
    uint64_t kind = rng_below(rng, 8);
    w->has_rec = kind != 0;
    w->rec_booked = kind >= 2;
    w->rec_units = 1 + pick_upto(rng, BOOKING_UNITS_MAX - 1);
    bool hold = kind >= 4 || rng_below(rng, 2) == 0;
    w->rec_hold_ms = hold ? pick_hold(rng) : 0;
    w->status = !w->rec_booked ? BOOKING_STATUS_NONE
                : kind == 3     ? BOOKING_STATUS_CANCELLED
                : kind == 2 || kind == 7 ? BOOKING_STATUS_ACTIVE /* 7: a confirmed hold */
                                  : BOOKING_STATUS_HELD;
    if (!hold) {
        w->expires_at_ms = 0;
        return;
    }
    static const int64_t around[] = {-1, 0, 1};
    int64_t delta = rng_below(rng, 2) ? around[rng_below(rng, 3)]
                                      : (int64_t)rng_below(rng, 2 * w->rec_hold_ms + 1) -
                                            (int64_t)w->rec_hold_ms;
    w->expires_at_ms = w->now_ms + delta;
    if (kind == 6 && w->expires_at_ms > w->now_ms) /* an expiry the store already applied */
        w->expires_at_ms = w->now_ms;
    if (kind == 6)
        w->status = rng_below(rng, 2) ? BOOKING_STATUS_EXPIRED : BOOKING_STATUS_HELD;
}

/* A consistent world: booked <= cap, and a record that counts at now and that
 * the operation reaches holds its units on the resource. */
static world pick_world(uint64_t *rng, bool record_on_own_resource)
{
    world w = {.has_res = rng_below(rng, 8) != 0};
    w.now_ms = MODEL_NOW_BASE + (int64_t)rng_below(rng, 1000);
    w.cap = pick_upto(rng, BOOKING_CAPACITY_MAX);
    w.booked = pick_upto(rng, w.cap);
    pick_record(rng, &w);
    w.same_resource = record_on_own_resource || rng_below(rng, 4) != 0;
    if (world_counts(&w) && w.same_resource) {
        w.has_res = true;
        if (w.rec_units > w.cap)
            w.cap = w.rec_units;
        if (w.booked < w.rec_units)
            w.booked = w.rec_units;
    }
    return w;
}

/* ---- the world as each side reads it ---- */

static core_resource core_res_of(const world *w)
{
    return (core_resource){.capacity = w->cap, .booked = w->booked};
}

/* The record as a store reads it for an attempt of `units` on the world's
 * resource: its one line is the attempt's when resource and units agree. */
static core_record core_rec_of(const world *w, uint64_t units)
{
    return (core_record){
        .same_lines = w->same_resource && w->rec_units == units,
        .hold_ms = w->rec_hold_ms,
        .outcome = w->rec_booked ? BOOKING_BOOKED : BOOKING_REJECTED,
        .reason = w->rec_booked ? BOOKING_REASON_BOOKED : BOOKING_REASON_INSUFFICIENT_CAPACITY,
        .status = w->status,
        .expires_at_ms = w->expires_at_ms,
    };
}

static chk_res model_res_of(const world *w)
{
    return (chk_res){.cap = w->cap, .booked = w->booked, .exists = w->has_res};
}

static chk_rec model_rec_of(const world *w)
{
    return (chk_rec){
        .units = w->rec_units,
        .hold_ms = w->rec_hold_ms,
        .lr = w->same_resource ? MODEL_RESOURCE : MODEL_OTHER_RESOURCE,
        .reason = w->rec_booked ? BOOKING_REASON_BOOKED : BOOKING_REASON_INSUFFICIENT_CAPACITY,
        .status = w->status,
        .expires_at_ms = w->expires_at_ms,
        .exists = w->has_rec,
    };
}

/* The world after the model's step. */
static world model_apply(const world *w, const chk_step *s, uint64_t units)
{
    world out = *w;
    if (s->res_changes) {
        out.has_res = s->res.exists;
        out.cap = s->res.cap;
        out.booked = s->res.booked;
    }
    if (s->reserve) /* the one line of the attempt */
        out.booked += units;
    if (s->release) /* the one line of the record */
        out.booked -= w->rec_units;
    if (s->rec_changes) {
        out.has_rec = s->rec.exists;
        out.same_resource = s->rec.lr == MODEL_RESOURCE;
        out.rec_units = s->rec.units;
        out.rec_hold_ms = s->rec.hold_ms;
        out.rec_booked = s->rec.reason == BOOKING_REASON_BOOKED;
        out.status = s->rec.status;
        out.expires_at_ms = s->rec.expires_at_ms;
    }
    return out;
}

/* ---- comparing ---- */

/* A record's status as of the world's time (a held record past its end reads
 * expired, however it is kept). */
static booking_status status_now(const world *w)
{
    if (w->status == BOOKING_STATUS_HELD && w->now_ms >= w->expires_at_ms)
        return BOOKING_STATUS_EXPIRED;
    return w->status;
}

static void describe_world(const world *w, char *out, size_t len)
{
    char res[96] = "resource absent", rec[256] = "record absent";
    if (w->has_res)
        snprintf(res, sizeof res, "resource cap %" PRIu64 " booked %" PRIu64, w->cap, w->booked);
    if (w->has_rec)
        snprintf(rec, sizeof rec,
                 "record %s %s units %" PRIu64 " hold %" PRIu64 " ms ending %+" PRId64
                 " ms from now on the %s resource",
                 w->rec_booked ? "BOOKED" : "REJECTED", booking_status_name(w->status),
                 w->rec_units, w->rec_hold_ms, w->rec_hold_ms ? w->expires_at_ms - w->now_ms : 0,
                 w->same_resource ? "same" : "other");
    snprintf(out, len, "%s; %s", res, rec);
}

static bool worlds_equal(const world *a, const world *b)
{
    if (a->has_res != b->has_res || a->has_rec != b->has_rec)
        return false;
    if (a->has_res && (a->cap != b->cap || a->booked != b->booked))
        return false;
    return !a->has_rec ||
           (a->same_resource == b->same_resource && a->rec_units == b->rec_units &&
            a->rec_booked == b->rec_booked && a->rec_hold_ms == b->rec_hold_ms &&
            status_now(a) == status_now(b) &&
            (a->rec_hold_ms == 0 || !a->rec_booked || a->expires_at_ms == b->expires_at_ms));
}

/* An answer as the history shows it: the checker tells BOOKED from REJECTED
 * by the reason alone, so the core's outcome must follow from its reason; a
 * BOOKED answer also gives its status and, for a hold, its end. */
typedef struct answer {
    booking_reason reason;
    bool booked, replayed;
    booking_status status;
    int64_t expires_at_ms;
} answer;

static bool answers_equal(answer a, answer b)
{
    return a.reason == b.reason && a.booked == b.booked && a.replayed == b.replayed &&
           (!a.booked || (a.status == b.status && a.expires_at_ms == b.expires_at_ms));
}

static void expect_agreement(const char *op, size_t iteration, uint64_t value, const world *before,
                             answer core, answer model, const world *core_after,
                             const world *model_after)
{
    if (answers_equal(core, model) && worlds_equal(core_after, model_after))
        return;
    char in[384], c[384], m[384];
    describe_world(before, in, sizeof in);
    describe_world(core_after, c, sizeof c);
    describe_world(model_after, m, sizeof m);
    fail_msg("iteration %zu: %s %" PRIu64 " on [%s]: core answers %s%s%s %s -> [%s], "
             "checker's model answers %s%s%s %s -> [%s]",
             iteration, op, value, in, core.booked ? "BOOKED " : "",
             booking_reason_name(core.reason), core.replayed ? " replayed" : "",
             booking_status_name(core.status), c, model.booked ? "BOOKED " : "",
             booking_reason_name(model.reason), model.replayed ? " replayed" : "",
             booking_status_name(model.status), m);
}

/* ---- one operation kind each ---- */

/* The hold of a repeat: mostly the record's (a replay), else another. */
static uint64_t pick_attempt_hold(uint64_t *rng, const world *w)
{
    switch (rng_below(rng, 4)) {
    case 0:
    case 1: return w->rec_hold_ms;
    case 2: return 0;
    default: return pick_hold(rng);
    }
}

static uint64_t attempt_once(uint64_t *rng, size_t iteration)
{
    world w = pick_world(rng, false);
    uint64_t units = rng_below(rng, 2) ? pick_units(rng, &w) : w.rec_units;
    uint64_t hold_ms = pick_attempt_hold(rng, &w);
    core_resource cres = core_res_of(&w);
    core_record crec = core_rec_of(&w, units);
    booking_line line = {.resource_id = "r", .units = units};
    core_attempt_decision d = bk_core_decide_attempt_one(
        (core_attempt){.lines = {.at = &line, .count = 1}, .hold_ms = hold_ms, .now_ms = w.now_ms},
        w.has_res ? &cres : NULL, w.has_rec ? &crec : NULL);
    world core_after = w;
    core_after.booked += d.reserve ? units : 0;
    if (d.write_record)
        core_after = (world){.has_res = w.has_res, .cap = w.cap, .booked = core_after.booked,
                             .has_rec = true, .same_resource = true,
                             .rec_booked = d.result.outcome == BOOKING_BOOKED,
                             .status = d.result.status, .rec_units = units,
                             .rec_hold_ms = hold_ms, .expires_at_ms = d.result.expires_at_ms,
                             .now_ms = w.now_ms};

    chk_res mres = model_res_of(&w);
    chk_rec mrec = model_rec_of(&w);
    chk_call call = {.kind = CHK_ATTEMPT, .value = units, .hold_ms = hold_ms,
                     .lr = MODEL_RESOURCE, .now_ms = w.now_ms};
    chk_step s = chk_model_step(&call, &mres, &mrec);
    world model_after = model_apply(&w, &s, units);

    bool core_booked = d.result.outcome == BOOKING_BOOKED;
    answer core = {d.result.reason, core_booked, d.result.replayed, d.result.status,
                   d.result.expires_at_ms};
    answer model = {s.answer.reason, s.answer.reason == BOOKING_REASON_BOOKED, s.answer.replayed,
                    s.answer.status, s.answer.expires_at_ms};
    expect_agreement("attempt", iteration, units, &w, core, model, &core_after, &model_after);
    core_resource after = core_res_of(&core_after);
    assert_true(bk_core_resource_consistent(&after));
    bool fresh = w.has_res && !w.has_rec;
    bool replay = d.result.replayed && core_booked && w.rec_hold_ms != 0;
    bool hold_only_differs = w.has_rec && w.same_resource && units == w.rec_units &&
                             hold_ms != w.rec_hold_ms;
    return CHK_BIT(d.result.reason) | (d.result.replayed ? SEEN_REPLAYED : 0) |
           (fresh && units == w.cap - w.booked ? SEEN_EXACT_FIT : 0) |
           (fresh && w.booked == w.cap ? SEEN_FULL : 0) |
           (fresh && core_booked && hold_ms != 0 ? SEEN_NEW_HOLD : 0) |
           (replay && d.result.status == BOOKING_STATUS_HELD ? SEEN_REPLAY_HELD : 0) |
           (replay && d.result.status == BOOKING_STATUS_EXPIRED ? SEEN_REPLAY_EXPIRED : 0) |
           (replay && d.result.status == BOOKING_STATUS_ACTIVE ? SEEN_CONFIRMED_REPLAY : 0) |
           (hold_only_differs ? SEEN_HOLD_CONFLICT : 0);
}

/* The boundaries of a change of a hold: one ms before its end, and at its end. */
static uint64_t seen_at_end(const world *w, booking_reason reason)
{
    if (!w->has_rec || w->status != BOOKING_STATUS_HELD || w->rec_hold_ms == 0)
        return 0;
    if (w->expires_at_ms == w->now_ms + 1 &&
        (reason == BOOKING_REASON_CONFIRMED || reason == BOOKING_REASON_CANCELLED))
        return SEEN_LAST_MS;
    if (w->expires_at_ms == w->now_ms && reason == BOOKING_REASON_HOLD_EXPIRED)
        return SEEN_AT_END;
    return 0;
}

/* A cancel or a confirm (kind) on the core and on the model. */
static uint64_t change_once(uint64_t *rng, size_t iteration, chk_kind kind)
{
    world w = pick_world(rng, true);
    core_record crec = core_rec_of(&w, w.rec_units);
    core_change_decision d = kind == CHK_CANCEL ? bk_core_decide_cancel(w.has_rec ? &crec : NULL,
                                                                     w.now_ms)
                                               : bk_core_decide_confirm(w.has_rec ? &crec : NULL,
                                                                     w.now_ms);
    world core_after = w;
    core_after.booked -= d.release_lines ? w.rec_units : 0;
    if (d.write_status)
        core_after.status = d.status;

    chk_res mres = model_res_of(&w);
    chk_rec mrec = model_rec_of(&w);
    chk_call call = {.kind = kind, .lr = CHECK_NONE, .now_ms = w.now_ms};
    chk_step s = chk_model_step(&call, &mres, &mrec);
    world model_after = model_apply(&w, &s, 0);

    expect_agreement(kind == CHK_CANCEL ? "cancel" : "confirm", iteration, 0, &w,
                     (answer){.reason = d.reason}, (answer){.reason = s.answer.reason},
                     &core_after, &model_after);
    return CHK_BIT(d.reason) | seen_at_end(&w, d.reason);
}

static uint64_t cancel_once(uint64_t *rng, size_t iteration)
{
    return change_once(rng, iteration, CHK_CANCEL);
}

static uint64_t confirm_once(uint64_t *rng, size_t iteration)
{
    return change_once(rng, iteration, CHK_CONFIRM);
}

static uint64_t set_capacity_once(uint64_t *rng, size_t iteration)
{
    world w = pick_world(rng, false);
    uint64_t capacity = rng_below(rng, 3) == 0 ? w.booked + (rng_below(rng, 3) - 1)
                                               : pick_upto(rng, BOOKING_CAPACITY_MAX);
    if (capacity > BOOKING_CAPACITY_MAX) /* booked - 1 of 0 wrapped, or MAX + 1 */
        capacity = rng_below(rng, 2) ? 0 : BOOKING_CAPACITY_MAX;
    core_resource cres = core_res_of(&w);
    core_capacity_decision d = bk_core_decide_set_capacity(capacity, w.has_res ? &cres : NULL);
    world core_after = w;
    if (d.create) {
        core_after.has_res = true;
        core_after.cap = capacity;
        core_after.booked = 0;
    }
    if (d.update)
        core_after.cap = capacity;

    chk_res mres = model_res_of(&w);
    chk_call call = {.kind = CHK_SET_CAPACITY, .value = capacity, .lr = MODEL_RESOURCE,
                     .now_ms = w.now_ms};
    chk_step s = chk_model_step(&call, &mres, NULL);
    world model_after = model_apply(&w, &s, 0);

    expect_agreement("set_capacity", iteration, capacity, &w, (answer){.reason = d.reason},
                     (answer){.reason = s.answer.reason}, &core_after, &model_after);
    bool at_booked = w.has_res && capacity == w.booked;
    return CHK_BIT(d.reason) | (d.create ? SEEN_CREATE : 0) | (at_booked ? SEEN_AT_BOOKED : 0);
}

/* Runs one kind MODEL_ITERATIONS times and asserts that the inputs reached
 * every answer in want (so a rule is never compared on no case at all). */
static void run_kind(uint64_t (*once)(uint64_t *, size_t), uint64_t seed, uint64_t want)
{
    uint64_t rng = seed;
    uint64_t seen = 0;
    for (size_t i = 0; i < MODEL_ITERATIONS; i++)
        seen |= once(&rng, i);
    if ((seen & want) != want)
        fail_msg("cases never reached: %#" PRIx64, want & ~seen);
}

static void checker_model_agrees_with_core_on_random_attempts(void **state)
{
    (void)state;
    run_kind(attempt_once, MODEL_SEED,
             CHK_BIT(BOOKING_REASON_BOOKED) | CHK_BIT(BOOKING_REASON_INSUFFICIENT_CAPACITY) |
                 CHK_BIT(BOOKING_REASON_UNKNOWN_RESOURCE) |
                 CHK_BIT(BOOKING_REASON_BOOKING_ID_CONFLICT) | SEEN_REPLAYED | SEEN_EXACT_FIT |
                 SEEN_FULL | SEEN_NEW_HOLD | SEEN_REPLAY_HELD | SEEN_REPLAY_EXPIRED |
                 SEEN_HOLD_CONFLICT | SEEN_CONFIRMED_REPLAY);
}

static void checker_model_agrees_with_core_on_random_cancels(void **state)
{
    (void)state;
    run_kind(cancel_once, MODEL_SEED ^ 1,
             CHK_BIT(BOOKING_REASON_CANCELLED) | CHK_BIT(BOOKING_REASON_ALREADY_CANCELLED) |
                 CHK_BIT(BOOKING_REASON_UNKNOWN_BOOKING) | CHK_BIT(BOOKING_REASON_NOT_BOOKED) |
                 CHK_BIT(BOOKING_REASON_HOLD_EXPIRED) | SEEN_LAST_MS | SEEN_AT_END);
}

static void checker_model_agrees_with_core_on_random_confirms(void **state)
{
    (void)state;
    run_kind(confirm_once, MODEL_SEED ^ 3,
             CHK_BIT(BOOKING_REASON_CONFIRMED) | CHK_BIT(BOOKING_REASON_ALREADY_CONFIRMED) |
                 CHK_BIT(BOOKING_REASON_ALREADY_CANCELLED) |
                 CHK_BIT(BOOKING_REASON_UNKNOWN_BOOKING) | CHK_BIT(BOOKING_REASON_NOT_BOOKED) |
                 CHK_BIT(BOOKING_REASON_HOLD_EXPIRED) | SEEN_LAST_MS | SEEN_AT_END);
}

static void checker_model_agrees_with_core_on_random_set_capacities(void **state)
{
    (void)state;
    run_kind(set_capacity_once, MODEL_SEED ^ 2,
             CHK_BIT(BOOKING_REASON_OK) | CHK_BIT(BOOKING_REASON_CAPACITY_BELOW_BOOKED) |
                 SEEN_CREATE | SEEN_AT_BOOKED);
}

/* ---- bundles (SPEC section 8): the model and the core on the same lines ---- */

#define BUNDLE_RESOURCES 4 /* distinct resources a bundle's lines are drawn from */
#define SEEN_BUNDLE_LATER_LINE (1ull << 44)  /* a rejection naming a line past 0 */
#define SEEN_BUNDLE_BOTH_FAIL (1ull << 45)   /* two lines fail: the lowest is named */
#define SEEN_BUNDLE_REORDERED (1ull << 46)   /* a repeat of the same lines in another order */

static uint64_t bundle_once(uint64_t *rng, size_t iteration)
{
    static const char *const names[BUNDLE_RESOURCES] = {"r0", "r1", "r2", "r3"};
    uint32_t n = 1 + (uint32_t)rng_below(rng, BUNDLE_RESOURCES);
    uint32_t order[BUNDLE_RESOURCES] = {0, 1, 2, 3};
    for (uint32_t k = BUNDLE_RESOURCES - 1; k > 0; k--) { /* distinct resources, any order */
        uint32_t j = (uint32_t)rng_below(rng, k + 1), t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    core_resource cres[BUNDLE_RESOURCES];
    chk_res mres[BUNDLE_RESOURCES];
    const core_resource *cptr[BUNDLE_RESOURCES];
    const chk_res *mptr[BUNDLE_RESOURCES];
    booking_line lines[BUNDLE_RESOURCES];
    chk_line mlines[BUNDLE_RESOURCES];
    uint32_t failing = 0;
    for (uint32_t k = 0; k < n; k++) {
        bool exists = rng_below(rng, 8) != 0;
        uint64_t cap = rng_below(rng, 5), booked = pick_upto(rng, cap);
        uint64_t units = 1 + rng_below(rng, 3);
        cres[k] = (core_resource){.capacity = cap, .booked = booked};
        mres[k] = (chk_res){.cap = cap, .booked = booked, .exists = exists};
        cptr[k] = exists ? &cres[k] : NULL;
        mptr[k] = &mres[k];
        lines[k] = (booking_line){.resource_id = names[order[k]], .units = units};
        mlines[k] = (chk_line){.resource = order[k], .units = units};
        failing += !exists || units > cap - booked;
    }
    /* A record, sometimes: the same lines, or these reordered, or other units. */
    bool has_rec = rng_below(rng, 3) == 0;
    chk_line rlines[BUNDLE_RESOURCES];
    memcpy(rlines, mlines, sizeof rlines);
    uint64_t variant = rng_below(rng, 3);
    if (variant == 1 && n > 1) {
        chk_line t = rlines[0];
        rlines[0] = rlines[n - 1];
        rlines[n - 1] = t;
    } else if (variant == 2) {
        rlines[0].units++;
    }
    bool same = true;
    for (uint32_t k = 0; k < n; k++)
        same = same && rlines[k].resource == mlines[k].resource &&
               rlines[k].units == mlines[k].units;
    bool rec_booked = rng_below(rng, 2) == 0;
    uint32_t rec_line = rec_booked ? 0 : (uint32_t)rng_below(rng, n);
    core_record crec = {.same_lines = same, .outcome = rec_booked ? BOOKING_BOOKED : BOOKING_REJECTED,
                        .reason = rec_booked ? BOOKING_REASON_BOOKED
                                             : BOOKING_REASON_INSUFFICIENT_CAPACITY,
                        .status = rec_booked ? BOOKING_STATUS_ACTIVE : BOOKING_STATUS_NONE,
                        .line = rec_line};
    chk_rec mrec = {.units = rlines[0].units, .lines = rlines, .nlines = n, .fail_line = rec_line,
                    .reason = crec.reason, .status = crec.status, .exists = true};

    core_attempt_decision d = bk_core_decide_attempt(
        (core_attempt){.lines = {.at = lines, .count = n}, .now_ms = MODEL_NOW_BASE}, cptr,
        has_rec ? &crec : NULL);
    chk_call call = {.kind = CHK_ATTEMPT, .value = mlines[0].units, .lr = mlines[0].resource,
                     .now_ms = MODEL_NOW_BASE, .lines = mlines, .nlines = n, .line_res = mptr};
    chk_step st = chk_model_step(&call, NULL, has_rec ? &mrec : NULL);

    bool rejected_on_line = d.result.reason == BOOKING_REASON_INSUFFICIENT_CAPACITY ||
                            d.result.reason == BOOKING_REASON_UNKNOWN_RESOURCE;
    if (d.result.reason != st.answer.reason || d.result.replayed != st.answer.replayed ||
        d.reserve != st.reserve || d.write_record != (st.rec_changes && st.effect) ||
        (rejected_on_line && d.result.line != st.answer.line))
        fail_msg("bundle iteration %zu (%" PRIu32 " lines, record %s): core %s line %" PRIu32
                 " reserve %d, model %s line %" PRIu32 " reserve %d",
                 iteration, n, has_rec ? (same ? "same" : "other") : "none",
                 booking_reason_name(d.result.reason), d.result.line, d.reserve,
                 booking_reason_name(st.answer.reason), st.answer.line, st.reserve);
    bool fresh = !has_rec;
    return CHK_BIT(d.result.reason) |
           (fresh && rejected_on_line && d.result.line > 0 ? SEEN_BUNDLE_LATER_LINE : 0) |
           (fresh && failing >= 2 ? SEEN_BUNDLE_BOTH_FAIL : 0) |
           (has_rec && variant == 1 && n > 1 ? SEEN_BUNDLE_REORDERED : 0) |
           (has_rec && same ? SEEN_REPLAYED : 0);
}

static void checker_model_agrees_with_core_on_random_bundles(void **state)
{
    (void)state;
    run_kind(bundle_once, MODEL_SEED ^ 4,
             CHK_BIT(BOOKING_REASON_BOOKED) | CHK_BIT(BOOKING_REASON_INSUFFICIENT_CAPACITY) |
                 CHK_BIT(BOOKING_REASON_UNKNOWN_RESOURCE) |
                 CHK_BIT(BOOKING_REASON_BOOKING_ID_CONFLICT) | SEEN_REPLAYED |
                 SEEN_BUNDLE_LATER_LINE | SEEN_BUNDLE_BOTH_FAIL | SEEN_BUNDLE_REORDERED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checker_model_agrees_with_core_on_random_attempts),
        cmocka_unit_test(checker_model_agrees_with_core_on_random_cancels),
        cmocka_unit_test(checker_model_agrees_with_core_on_random_confirms),
        cmocka_unit_test(checker_model_agrees_with_core_on_random_set_capacities),
        cmocka_unit_test(checker_model_agrees_with_core_on_random_bundles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
