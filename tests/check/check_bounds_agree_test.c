/* SPDX-License-Identifier: MIT */
/*
 * The O(n) proofs before the search (the bounds on booked and
 * replay_without_decision, src/check/check_bounds.c and check_cheap.c) agree with
 * the search alone: random small histories, recorded from a model store run by
 * interleaved processes (some answers FAILED or never given, whether or not they
 * took effect) and then, half of them, with one answer changed, get the same
 * verdict with the proofs (the default) and without them (check_options
 * search_only), and the search gives it with and without placing answered twins
 * in one order (note (12) of check_search.c; check_options no_answered_twins). A
 * proof that refuted a valid history would show as a violation the search alone
 * calls linearizable; a cut that lost an order, as one without the cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check/check.h"

#define AGREE_HISTORIES 4000
#define AGREE_PROCS_MAX 4
#define AGREE_OPS_PER_PROC_MAX 4
#define AGREE_BOOKINGS 12 /* half the histories draw from 4 of them (replays, conflicts) */
#define AGREE_RESOURCES 2
#define AGREE_TEXT_BYTES 16384
#define AGREE_TIMEOUT_S 5.0

typedef enum { K_ATTEMPT, K_CANCEL, K_SET_CAPACITY, K_READ } kind;

typedef struct model {
    bool exists[AGREE_RESOURCES];
    uint64_t cap[AGREE_RESOURCES], booked[AGREE_RESOURCES];
    bool rec[AGREE_BOOKINGS], rec_booked[AGREE_BOOKINGS], rec_cancelled[AGREE_BOOKINGS];
    unsigned rec_r[AGREE_BOOKINGS];
    uint64_t rec_u[AGREE_BOOKINGS];
} model;

typedef struct op {
    kind k;
    unsigned b, r;
    uint64_t v; /* units or capacity */
    /* the answer */
    const char *outcome, *reason;
    bool replayed, ok;
    uint64_t read_cap, read_booked;
    bool read_ok;
} op;

static uint64_t rng_state;

static uint64_t rnd(uint64_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng_state >> 33) % n;
}

static void apply(model *m, op *o)
{
    switch (o->k) {
    case K_ATTEMPT:
        o->replayed = false;
        if (m->rec[o->b]) {
            if (m->rec_r[o->b] == o->r && m->rec_u[o->b] == o->v) {
                o->replayed = true;
                o->outcome = m->rec_booked[o->b] ? "BOOKED" : "REJECTED";
                o->reason = m->rec_booked[o->b] ? "booked" : "insufficient_capacity";
            } else {
                o->outcome = "REJECTED";
                o->reason = "booking_id_conflict";
            }
        } else if (!m->exists[o->r]) {
            o->outcome = "REJECTED";
            o->reason = "unknown_resource";
        } else {
            bool fits = o->v <= m->cap[o->r] - m->booked[o->r];
            m->rec[o->b] = true;
            m->rec_booked[o->b] = fits;
            m->rec_r[o->b] = o->r;
            m->rec_u[o->b] = o->v;
            if (fits)
                m->booked[o->r] += o->v;
            o->outcome = fits ? "BOOKED" : "REJECTED";
            o->reason = fits ? "booked" : "insufficient_capacity";
        }
        break;
    case K_CANCEL:
        o->ok = false;
        if (!m->rec[o->b])
            o->reason = "unknown_booking";
        else if (!m->rec_booked[o->b])
            o->reason = "not_booked";
        else if (m->rec_cancelled[o->b]) {
            o->reason = "already_cancelled";
            o->ok = true;
        } else {
            o->reason = "cancelled";
            o->ok = true;
            m->rec_cancelled[o->b] = true;
            m->booked[m->rec_r[o->b]] -= m->rec_u[o->b];
        }
        break;
    case K_SET_CAPACITY:
        o->ok = true;
        o->reason = "ok";
        if (!m->exists[o->r]) {
            m->exists[o->r] = true;
            m->cap[o->r] = o->v;
            m->booked[o->r] = 0;
        } else if (o->v < m->booked[o->r]) {
            o->ok = false;
            o->reason = "capacity_below_booked";
        } else {
            m->cap[o->r] = o->v;
        }
        break;
    case K_READ:
        o->read_ok = m->exists[o->r];
        o->read_cap = m->cap[o->r];
        o->read_booked = m->booked[o->r];
        break;
    }
}

static const char *fname(kind k)
{
    return k == K_ATTEMPT ? "attempt" : k == K_CANCEL ? "cancel"
                                    : k == K_SET_CAPACITY ? "set_capacity" : "get_resource";
}

typedef struct text {
    char buf[AGREE_TEXT_BYTES];
    size_t len;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof t->buf - t->len);
    t->len += (size_t)n;
}

static void put_invoke(text *t, int p, const op *o)
{
    put(t, "{\"type\":\"invoke\",\"process\":%d,\"f\":\"%s\"", p, fname(o->k));
    if (o->k == K_ATTEMPT)
        put(t, ",\"booking_id\":\"b%u\",\"resource_id\":\"r%u\",\"units\":%llu", o->b, o->r,
            (unsigned long long)o->v);
    else if (o->k == K_CANCEL)
        put(t, ",\"booking_id\":\"b%u\"", o->b);
    else if (o->k == K_SET_CAPACITY)
        put(t, ",\"resource_id\":\"r%u\",\"capacity\":%llu", o->r, (unsigned long long)o->v);
    else
        put(t, ",\"resource_id\":\"r%u\"", o->r);
    put(t, "}\n");
}

static void put_complete(text *t, int p, const op *o, bool failed)
{
    put(t, "{\"type\":\"complete\",\"process\":%d,\"f\":\"%s\"", p, fname(o->k));
    if (failed)
        put(t, ",\"outcome\":\"FAILED\",\"reason\":\"unavailable\"");
    else if (o->k == K_ATTEMPT)
        put(t, ",\"outcome\":\"%s\",\"reason\":\"%s\",\"replayed\":%s", o->outcome, o->reason,
            o->replayed ? "true" : "false");
    else if (o->k == K_CANCEL || o->k == K_SET_CAPACITY)
        put(t, ",\"ok\":%s,\"reason\":\"%s\"", o->ok ? "true" : "false", o->reason);
    else if (o->read_ok)
        put(t, ",\"capacity\":%llu,\"booked\":%llu", (unsigned long long)o->read_cap,
            (unsigned long long)o->read_booked);
    else
        put(t, ",\"reason\":\"unknown_resource\"");
    put(t, "}\n");
}

/* One answer changed, so that the history is (most often) not linearizable. */
static void mutate(op *o)
{
    switch (o->k) {
    case K_ATTEMPT:
        if (rnd(2) == 0) {
            o->replayed = !o->replayed;
        } else if (strcmp(o->outcome, "BOOKED") == 0) {
            o->outcome = "REJECTED";
            o->reason = "insufficient_capacity";
        } else {
            o->outcome = "BOOKED";
            o->reason = "booked";
        }
        break;
    case K_CANCEL:
        o->reason = strcmp(o->reason, "cancelled") == 0 ? "already_cancelled" : "cancelled";
        o->ok = true;
        break;
    case K_SET_CAPACITY:
        o->ok = !o->ok;
        o->reason = o->ok ? "ok" : "capacity_below_booked";
        break;
    case K_READ:
        if (o->read_ok)
            o->read_booked = o->read_booked + (rnd(2) ? 1 : 0) - (rnd(2) && o->read_booked ? 1 : 0) +
                             (rnd(3) == 0 ? 2 : 0);
        break;
    }
}

typedef struct proc {
    op ops[AGREE_OPS_PER_PROC_MAX];
    int n, at;
    int stage;   /* 0 idle, 1 invoked, 2 executed */
    bool failed; /* the op in flight answers FAILED (effect or not) */
    bool lost;   /* the op in flight never completes: the process stops */
} proc;

/* Writes one random history into t. */
static void make_history(text *t, bool mutated)
{
    model m;
    memset(&m, 0, sizeof m);
    t->len = 0;
    bool few_ids = rnd(2) == 0;
    unsigned nres = 1 + (unsigned)rnd(AGREE_RESOURCES);
    for (unsigned r = 0; r < nres; r++) { /* the setup, sequential */
        op o = {.k = K_SET_CAPACITY, .r = r, .v = rnd(8)};
        apply(&m, &o);
        put_invoke(t, 0, &o);
        put_complete(t, 0, &o, false);
    }
    proc ps[AGREE_PROCS_MAX];
    int np = 2 + (int)rnd(AGREE_PROCS_MAX - 1);
    int total = 0;
    for (int p = 0; p < np; p++) {
        ps[p] = (proc){.n = 1 + (int)rnd(AGREE_OPS_PER_PROC_MAX)};
        for (int k = 0; k < ps[p].n; k++) {
            uint64_t pick = rnd(10);
            op *o = &ps[p].ops[k];
            o->k = pick < 5 ? K_ATTEMPT : pick < 7 ? K_CANCEL : pick < 8 ? K_SET_CAPACITY : K_READ;
            o->b = (unsigned)rnd(few_ids ? 4 : AGREE_BOOKINGS);
            o->r = (unsigned)rnd(nres);
            /* Distinct ids and mostly 1 unit: fresh bookings alike (answered twins). */
            o->v = o->k == K_SET_CAPACITY ? rnd(6) : few_ids || rnd(4) == 0 ? 1 + rnd(3) : 1;
        }
        total += ps[p].n;
    }
    int victim = mutated ? (int)rnd((uint64_t)total) : -1, seen = 0;
    for (;;) {
        int live[AGREE_PROCS_MAX], nl = 0;
        for (int p = 0; p < np; p++)
            if (ps[p].at < ps[p].n && !ps[p].lost)
                live[nl++] = p;
        if (nl == 0)
            break;
        proc *pr = &ps[live[rnd((uint64_t)nl)]];
        int pid = 1 + (int)(pr - ps);
        op *o = &pr->ops[pr->at];
        if (pr->stage == 0) {
            put_invoke(t, pid, o);
            uint64_t fate = rnd(12);
            pr->failed = fate == 0;
            pr->lost = false;
            pr->stage = 1;
            if (fate == 1) { /* lost: maybe executed at once, never answered */
                if (rnd(2))
                    apply(&m, o);
                pr->lost = true;
            }
        } else if (pr->stage == 1) {
            if (!pr->failed || rnd(2))
                apply(&m, o);
            pr->stage = 2;
        } else {
            if (seen++ == victim && !pr->failed) /* a FAILED answer says nothing to change */
                mutate(o);
            put_complete(t, pid, o, pr->failed);
            pr->stage = 0;
            pr->at++;
        }
    }
}

static void bounds_and_twins_agree_with_search_alone_on_random_histories(void **state)
{
    (void)state;
    rng_state = 0x5eed5eedULL;
    size_t valid = 0, violations = 0, by_bounds = 0, undecided = 0, twins_cut = 0;
    static text t;
    static const char *const bound_kinds[] = {
        "read_over_capacity", "read_below_lower_bound", "read_above_upper_bound",
        "booked_without_room", "rejected_with_room", "replay_without_decision"};
    for (int n = 0; n < AGREE_HISTORIES; n++) {
        make_history(&t, n % 2 == 1);
        check_report with, alone;
        check_history *h = check_history_parse(t.buf, t.len, &with);
        if (h == NULL) {
            fprintf(stderr, "history %d refused: %s\n%s", n, with.detail, t.buf);
            fail();
        }
        check_options o1 = {.timeout_s = AGREE_TIMEOUT_S};
        check_options o2 = {.timeout_s = AGREE_TIMEOUT_S, .search_only = true};
        check_verdict v1 = check_history_run(h, &o1, &with);
        check_verdict v2 = check_history_run(h, &o2, &alone);
        check_options o3 = {.timeout_s = AGREE_TIMEOUT_S, .search_only = true,
                            .no_answered_twins = true};
        check_report plain;
        check_verdict v3 = check_history_run(h, &o3, &plain);
        check_history_free(h);
        twins_cut += alone.search_states < plain.search_states;
        if (v2 != v3 && v2 != CHECK_UNDECIDED && v3 != CHECK_UNDECIDED) {
            fprintf(stderr, "history %d: the search %d with answered twins, %d without\n%s", n,
                    (int)v2, (int)v3, t.buf);
            fail();
        }
        if (v1 == CHECK_UNDECIDED || v2 == CHECK_UNDECIDED) {
            undecided++;
            continue;
        }
        if (v1 != v2) {
            fprintf(stderr, "history %d: with the bounds %d (%s: %s), search alone %d (%s)\n%s",
                    n, (int)v1, with.kind, with.detail, (int)v2, alone.kind, t.buf);
            fail();
        }
        valid += v1 == CHECK_VALID;
        violations += v1 == CHECK_VIOLATION;
        for (size_t k = 0; v1 == CHECK_VIOLATION && k < sizeof bound_kinds / sizeof *bound_kinds;
             k++)
            by_bounds += strcmp(with.kind, bound_kinds[k]) == 0;
    }
    printf("%zu valid, %zu violations (%zu proved by the bounds), %zu undecided; answered "
           "twins saved states in %zu\n",
           valid, violations, by_bounds, undecided, twins_cut);
    /* The run must exercise both sides and the proofs themselves. */
    assert_true(valid >= AGREE_HISTORIES / 4);
    assert_true(violations >= AGREE_HISTORIES / 8);
    assert_true(by_bounds >= AGREE_HISTORIES / 40);
    assert_true(undecided == 0);
    assert_true(twins_cut >= AGREE_HISTORIES / 400);
}

/* Note (12) alone: 30 fresh 1-unit bookings whose windows all overlap, invoked and
 * returned in the same order, then a read one unit short. Without the bounds the
 * search must try every subset of them placed before the read (2^30) unless
 * answered twins are placed in one order (30 configurations). */
static void answered_twins_decide_thirty_concurrent_bookings_alike(void **state)
{
    (void)state;
    static text t;
    t.len = 0;
    const int n = 30;
    put(&t, "{\"type\":\"invoke\",\"process\":0,\"f\":\"set_capacity\",\"resource_id\":\"r\","
            "\"capacity\":100}\n{\"type\":\"complete\",\"process\":0,\"f\":\"set_capacity\","
            "\"ok\":true}\n");
    for (int i = 1; i <= n; i++)
        put(&t, "{\"type\":\"invoke\",\"process\":%d,\"f\":\"attempt\",\"booking_id\":\"b%d\","
                "\"resource_id\":\"r\",\"units\":1}\n", i, i);
    for (int i = 1; i <= n; i++)
        put(&t, "{\"type\":\"complete\",\"process\":%d,\"f\":\"attempt\",\"outcome\":"
                "\"BOOKED\",\"reason\":\"booked\",\"replayed\":false}\n", i);
    put(&t, "{\"type\":\"invoke\",\"process\":0,\"f\":\"get_resource\",\"resource_id\":\"r\"}\n"
            "{\"type\":\"complete\",\"process\":0,\"f\":\"get_resource\",\"capacity\":100,"
            "\"booked\":%d}\n", n - 1);
    check_report r;
    check_history *h = check_history_parse(t.buf, t.len, &r);
    assert_non_null(h);
    check_options with = {.timeout_s = AGREE_TIMEOUT_S, .search_only = true};
    assert_int_equal(check_history_run(h, &with, &r), CHECK_VIOLATION);
    assert_string_equal(r.kind, "not_linearizable");
    assert_true(r.search_states < 1000);
    check_options without = {.timeout_s = 1.0, .search_only = true, .no_answered_twins = true};
    assert_int_equal(check_history_run(h, &without, &r), CHECK_UNDECIDED);
    check_history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bounds_and_twins_agree_with_search_alone_on_random_histories),
        cmocka_unit_test(answered_twins_decide_thirty_concurrent_bookings_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
