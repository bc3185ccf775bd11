/*
 * checker_model_test.c: the checker's model (src/check/check_model.c) and the
 * core's decide functions (src/core/decide.c) state the SPEC rules twice, on
 * purpose; this runs both on the same random states and requests and compares
 * answers and resulting counters, so a rule changed on one side only fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check/check_model.h"
#include "core/decide.h"

#include <inttypes.h>
#include <stdio.h>

#define MODEL_SEED 0x5eed0009c0ffee01ULL /* fixed: a failure names an iteration */
#define MODEL_ITERATIONS 200000          /* per operation kind */
#define MODEL_RESOURCE 0u                /* the request's resource in the model */
#define MODEL_OTHER_RESOURCE 1u          /* a record decided on another resource */

/* Cases a run must reach, as bits above every reason's CHK_BIT. */
#define SEEN_FULL (1u << 27)      /* an attempt on a new booking_id where booked == capacity */
#define SEEN_REPLAYED (1u << 28)  /* an attempt answered from its record */
#define SEEN_EXACT_FIT (1u << 29) /* units == capacity - booked on a new booking_id */
#define SEEN_CREATE (1u << 30)    /* a set_capacity that created its resource */
#define SEEN_AT_BOOKED (1u << 31) /* a set_capacity to exactly booked */
_Static_assert(BOOKING_REASON_INTERNAL < 27, "reason bits would overlap the SEEN_ bits");

/* One resource and one booking_id's record, the part of the state an operation
 * touches (for a cancel, the resource is its record's). */
typedef struct world {
    bool has_res;
    uint64_t cap, booked;
    bool has_rec, same_resource, rec_booked, cancelled;
    uint64_t rec_units;
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

/* A consistent world: booked <= cap, and an active BOOKED record that the
 * operation reaches holds its units on the resource. */
static world pick_world(uint64_t *rng, bool record_on_own_resource)
{
    world w = {.has_res = rng_below(rng, 8) != 0};
    w.cap = pick_upto(rng, BOOKING_CAPACITY_MAX);
    w.booked = pick_upto(rng, w.cap);
    uint64_t kind = rng_below(rng, 4); /* absent, BOOKED active, BOOKED cancelled, REJECTED */
    w.has_rec = kind != 0;
    w.rec_booked = kind == 1 || kind == 2;
    w.cancelled = kind == 2;
    w.same_resource = record_on_own_resource || rng_below(rng, 4) != 0;
    w.rec_units = 1 + pick_upto(rng, BOOKING_UNITS_MAX - 1);
    if (kind == 1 && w.same_resource) {
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

static core_record core_rec_of(const world *w)
{
    return (core_record){
        .same_resource = w->same_resource,
        .units = w->rec_units,
        .outcome = w->rec_booked ? BOOKING_BOOKED : BOOKING_REJECTED,
        .reason = w->rec_booked ? BOOKING_REASON_BOOKED : BOOKING_REASON_INSUFFICIENT_CAPACITY,
        .status = !w->rec_booked ? BOOKING_STATUS_NONE
                  : w->cancelled ? BOOKING_STATUS_CANCELLED
                                 : BOOKING_STATUS_ACTIVE,
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
        .lr = w->same_resource ? MODEL_RESOURCE : MODEL_OTHER_RESOURCE,
        .reason = w->rec_booked ? BOOKING_REASON_BOOKED : BOOKING_REASON_INSUFFICIENT_CAPACITY,
        .exists = w->has_rec,
        .cancelled = w->cancelled,
    };
}

/* The world after the model's step. */
static world model_apply(const world *w, const chk_step *s)
{
    world out = *w;
    if (s->res_changes) {
        out.has_res = s->res.exists;
        out.cap = s->res.cap;
        out.booked = s->res.booked;
    }
    if (s->rec_changes) {
        out.has_rec = s->rec.exists;
        out.same_resource = s->rec.lr == MODEL_RESOURCE;
        out.rec_units = s->rec.units;
        out.rec_booked = s->rec.reason == BOOKING_REASON_BOOKED;
        out.cancelled = s->rec.cancelled;
    }
    return out;
}

/* ---- comparing ---- */

static void describe_world(const world *w, char *out, size_t len)
{
    char res[96] = "resource absent", rec[128] = "record absent";
    if (w->has_res)
        snprintf(res, sizeof res, "resource cap %" PRIu64 " booked %" PRIu64, w->cap, w->booked);
    if (w->has_rec)
        snprintf(rec, sizeof rec, "record %s%s units %" PRIu64 " on the %s resource",
                 w->rec_booked ? "BOOKED" : "REJECTED", w->cancelled ? " cancelled" : "",
                 w->rec_units, w->same_resource ? "same" : "other");
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
            a->rec_booked == b->rec_booked && a->cancelled == b->cancelled);
}

/* An answer as the history shows it: the checker tells BOOKED from REJECTED
 * by the reason alone, so the core's outcome must follow from its reason. */
typedef struct answer {
    booking_reason reason;
    bool booked, replayed;
} answer;

static bool answers_equal(answer a, answer b)
{
    return a.reason == b.reason && a.booked == b.booked && a.replayed == b.replayed;
}

static void expect_agreement(const char *op, size_t iteration, uint64_t value, const world *before,
                             answer core, answer model, const world *core_after,
                             const world *model_after)
{
    if (answers_equal(core, model) && worlds_equal(core_after, model_after))
        return;
    char in[256], c[256], m[256];
    describe_world(before, in, sizeof in);
    describe_world(core_after, c, sizeof c);
    describe_world(model_after, m, sizeof m);
    fail_msg("iteration %zu: %s %" PRIu64 " on [%s]: core answers %s%s%s -> [%s], "
             "checker's model answers %s%s%s -> [%s]",
             iteration, op, value, in, core.booked ? "BOOKED " : "",
             booking_reason_name(core.reason), core.replayed ? " replayed" : "", c,
             model.booked ? "BOOKED " : "", booking_reason_name(model.reason),
             model.replayed ? " replayed" : "", m);
}

/* ---- one operation kind each ---- */

static uint32_t attempt_once(uint64_t *rng, size_t iteration)
{
    world w = pick_world(rng, false);
    uint64_t units = rng_below(rng, 2) ? pick_units(rng, &w) : w.rec_units;
    core_resource cres = core_res_of(&w);
    core_record crec = core_rec_of(&w);
    core_attempt_decision d = bk_core_decide_attempt((core_attempt){.units = units},
                                                  w.has_res ? &cres : NULL,
                                                  w.has_rec ? &crec : NULL);
    world core_after = w;
    core_after.booked += d.booked_delta;
    if (d.write_record)
        core_after = (world){.has_res = w.has_res, .cap = w.cap, .booked = core_after.booked,
                             .has_rec = true, .same_resource = true,
                             .rec_booked = d.result.outcome == BOOKING_BOOKED,
                             .rec_units = units};

    chk_res mres = model_res_of(&w);
    chk_rec mrec = model_rec_of(&w);
    chk_step s = chk_model_step(CHK_ATTEMPT, units, MODEL_RESOURCE, &mres, &mrec);
    world model_after = model_apply(&w, &s);

    answer core = {d.result.reason, d.result.outcome == BOOKING_BOOKED, d.result.replayed};
    answer model = {s.answer.reason, s.answer.reason == BOOKING_REASON_BOOKED,
                    s.answer.replayed};
    expect_agreement("attempt", iteration, units, &w, core, model, &core_after, &model_after);
    core_resource after = core_res_of(&core_after);
    assert_true(bk_core_resource_consistent(&after));
    bool fresh = w.has_res && !w.has_rec;
    return CHK_BIT(d.result.reason) | (d.result.replayed ? SEEN_REPLAYED : 0) |
           (fresh && units == w.cap - w.booked ? SEEN_EXACT_FIT : 0) |
           (fresh && w.booked == w.cap ? SEEN_FULL : 0);
}

static uint32_t cancel_once(uint64_t *rng, size_t iteration)
{
    world w = pick_world(rng, true);
    core_record crec = core_rec_of(&w);
    core_cancel_decision d = bk_core_decide_cancel(w.has_rec ? &crec : NULL, 0);
    world core_after = w;
    core_after.booked -= d.booked_release;
    core_after.cancelled = w.cancelled || d.write_status;

    chk_res mres = model_res_of(&w);
    chk_rec mrec = model_rec_of(&w);
    chk_step s = chk_model_step(CHK_CANCEL, 0, CHECK_NONE, &mres, &mrec);
    world model_after = model_apply(&w, &s);

    expect_agreement("cancel", iteration, 0, &w, (answer){.reason = d.reason},
                     (answer){.reason = s.answer.reason}, &core_after, &model_after);
    return CHK_BIT(d.reason);
}

static uint32_t set_capacity_once(uint64_t *rng, size_t iteration)
{
    world w = pick_world(rng, false);
    uint64_t capacity = rng_below(rng, 3) == 0 ? w.booked + (rng_below(rng, 3) - 1)
                                               : pick_upto(rng, BOOKING_CAPACITY_MAX);
    if (capacity > BOOKING_CAPACITY_MAX) /* booked - 1 of 0 wrapped, or MAX + 1 */
        capacity = rng_below(rng, 2) ? 0 : BOOKING_CAPACITY_MAX;
    core_resource cres = core_res_of(&w);
    core_capacity_decision d = bk_core_decide_set_capacity(capacity, w.has_res ? &cres : NULL);
    world core_after = w;
    if (d.create)
        core_after = (world){.has_res = true, .cap = capacity, .booked = 0,
                             .has_rec = w.has_rec, .same_resource = w.same_resource,
                             .rec_booked = w.rec_booked, .cancelled = w.cancelled,
                             .rec_units = w.rec_units};
    if (d.update)
        core_after.cap = capacity;

    chk_res mres = model_res_of(&w);
    chk_step s = chk_model_step(CHK_SET_CAPACITY, capacity, MODEL_RESOURCE, &mres, NULL);
    world model_after = model_apply(&w, &s);

    expect_agreement("set_capacity", iteration, capacity, &w, (answer){.reason = d.reason},
                     (answer){.reason = s.answer.reason}, &core_after, &model_after);
    bool at_booked = w.has_res && capacity == w.booked;
    return CHK_BIT(d.reason) | (d.create ? SEEN_CREATE : 0) | (at_booked ? SEEN_AT_BOOKED : 0);
}

/* Runs one kind MODEL_ITERATIONS times and asserts that the inputs reached
 * every answer in want (so a rule is never compared on no case at all). */
static void run_kind(uint32_t (*once)(uint64_t *, size_t), uint64_t seed, uint32_t want)
{
    uint64_t rng = seed;
    uint32_t seen = 0;
    for (size_t i = 0; i < MODEL_ITERATIONS; i++)
        seen |= once(&rng, i);
    assert_int_equal(seen & want, want);
}

static void checker_model_agrees_with_core_on_random_attempts(void **state)
{
    (void)state;
    run_kind(attempt_once, MODEL_SEED,
             CHK_BIT(BOOKING_REASON_BOOKED) | CHK_BIT(BOOKING_REASON_INSUFFICIENT_CAPACITY) |
                 CHK_BIT(BOOKING_REASON_UNKNOWN_RESOURCE) |
                 CHK_BIT(BOOKING_REASON_BOOKING_ID_CONFLICT) | SEEN_REPLAYED | SEEN_EXACT_FIT |
                 SEEN_FULL);
}

static void checker_model_agrees_with_core_on_random_cancels(void **state)
{
    (void)state;
    run_kind(cancel_once, MODEL_SEED ^ 1,
             CHK_BIT(BOOKING_REASON_CANCELLED) | CHK_BIT(BOOKING_REASON_ALREADY_CANCELLED) |
                 CHK_BIT(BOOKING_REASON_UNKNOWN_BOOKING) | CHK_BIT(BOOKING_REASON_NOT_BOOKED));
}

static void checker_model_agrees_with_core_on_random_set_capacities(void **state)
{
    (void)state;
    run_kind(set_capacity_once, MODEL_SEED ^ 2,
             CHK_BIT(BOOKING_REASON_OK) | CHK_BIT(BOOKING_REASON_CAPACITY_BELOW_BOOKED) |
                 SEEN_CREATE | SEEN_AT_BOOKED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checker_model_agrees_with_core_on_random_attempts),
        cmocka_unit_test(checker_model_agrees_with_core_on_random_cancels),
        cmocka_unit_test(checker_model_agrees_with_core_on_random_set_capacities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
