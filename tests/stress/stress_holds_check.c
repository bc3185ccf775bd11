/* SPDX-License-Identifier: MIT */
/*
 * stress_holds_check.c: the checker of the holds stress test (stress_holds.h). The
 * record read back for each id, once every hold's time has passed, is the truth its
 * logged answers are judged against; each read is bounded between what surely had
 * happened before it began and what possibly had by its end, each hold counted as
 * of the read's own time (as_of), which decides its expiry exactly.
 */
#include "stress/stress_holds.h"
#include "support/rule_violations.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLDS_GROUP_PRINT_MAX 24    /* calls printed for a violating id */
#define HOLDS_GROUPS_PRINTED_MAX 8  /* violating ids printed with their calls */
#define HOLDS_EVENTS_MAX 3          /* an id's changes: decided, confirmed, cancelled */

static const char *const rule_names[HRULE_COUNT] = {
    [HRULE_READS] = ("a read's booked lies between the surely and the possibly counted active "
                     "and unexpired held units, within capacity"),
    [HRULE_ANSWERS] = "every answer agrees with the record and the hold's timeline",
    [HRULE_TIMES] = "the store's times lie within the test clock around each call",
    [HRULE_CONFIRMED_EXPIRED] = "no hold is both confirmed and expired",
    [HRULE_RELEASED_ONCE] = "a hold's units are released once, by a cancel or by expiry",
    [HRULE_FINAL_BOOKED] = "after every hold's end, booked equals the units of active records",
    [HRULE_EXPIRED_STAT] = "holds_expired counts each hold expired unconfirmed and uncancelled",
    [HRULE_CALLS] = "every call returned an answer, none FAILED",
};

const char *holds_rule_name(holds_rule rule)
{
    return rule < HRULE_COUNT ? rule_names[rule] : "?";
}

/* What a read can be sure of about one BOOKED id: the real-time spans of its changes,
 * in the order they must have happened, and its hold's end. */
typedef struct holds_life {
    uint64_t units;
    int64_t expires_at_ms; /* 0: not a hold */
    bool uncertain;        /* a FAILED call may have changed it: it counts 0..units */
    unsigned events;
    uint8_t kind[HOLDS_EVENTS_MAX]; /* HOLDS_CALL_ATTEMPT, _CONFIRM or _CANCEL */
    int64_t start_ns[HOLDS_EVENTS_MAX], end_ns[HOLDS_EVENTS_MAX];
} holds_life;

typedef struct life_list {
    holds_life *items;
    size_t count, capacity;
} life_list;

typedef struct checker {
    booking_store *store;
    const holds_config *cfg;
    holds_summary *sum;
    char rid[HOLDS_RESOURCES][HOLDS_ID_SIZE];
    uint64_t active_units[HOLDS_RESOURCES]; /* over the records read back */
    life_list lives[HOLDS_RESOURCES];
    int64_t t0;
    unsigned groups_printed;
    bool out_of_memory;
} checker;

static void violate(holds_summary *s, holds_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void violate(holds_summary *s, holds_rule rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rule_violation_v(&s->violations[rule], holds_rule_name(rule), fmt, ap);
    va_end(ap);
}

static void print_call(const holds_call *c, int64_t t0)
{
    static const char *const kinds[] = {"?", "attempt", "confirm", "cancel", "get"};
    fprintf(stderr,
            "    w%u call %llu %s units=%llu hold_ms=%llu [%lld..%lld us, clock +%lld..+%lld ms] "
            "-> ",
            c->worker, (unsigned long long)c->call_seq, kinds[c->kind <= 4 ? c->kind : 0],
            (unsigned long long)c->units, (unsigned long long)c->hold_ms,
            (long long)(c->start_ns - t0) / 1000, (long long)(c->end_ns - t0) / 1000,
            (long long)(c->clock_before_ms % 100000), (long long)(c->clock_after_ms % 100000));
    if (c->kind == HOLDS_CALL_ATTEMPT)
        fprintf(stderr, "%s %s%s status=%s", booking_outcome_name((booking_outcome)c->outcome),
                booking_reason_name((booking_reason)c->reason), c->replayed ? " replayed" : "",
                booking_status_name((booking_status)c->status));
    else
        fprintf(stderr, "%s status=%s", booking_reason_name((booking_reason)c->reason),
                booking_status_name((booking_status)c->status));
    fprintf(stderr, " time +%lld expires +%lld\n", (long long)(c->time_ms % 100000),
            (long long)(c->expires_at_ms % 100000));
}

static int cmp_calls(const void *a, const void *b)
{
    const holds_call *x = *(const holds_call *const *)a, *y = *(const holds_call *const *)b;
    if (x->owner != y->owner)
        return x->owner < y->owner ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    if (x->start_ns != y->start_ns)
        return x->start_ns < y->start_ns ? -1 : 1;
    return 0;
}

/* ---- one booking id ---- */

typedef struct id_view {
    char id[HOLDS_ID_SIZE];
    booking_record rec;
    bool exists, hold;
    int rres;
    const holds_call *decider, *confirmed, *cancelled; /* the first of each, by start */
    size_t deciders, confirms_ok, cancels_ok, failed;
    bool seen_expired; /* an answer showed the hold expired */
} id_view;

static int resource_index(const checker *ck, const char *rid)
{
    for (int i = 0; i < HOLDS_RESOURCES; i++) {
        if (strcmp(ck->rid[i], rid) == 0)
            return i;
    }
    return -1;
}

static bool read_record(checker *ck, id_view *v)
{
    booking_reason rr = BOOKING_REASON_INTERNAL;
    memset(&v->rec, 0, sizeof v->rec);
    if (booking_get_booking(ck->store, v->id, &rr, &v->rec) != BOOKING_OK ||
        (rr != BOOKING_REASON_OK && rr != BOOKING_REASON_UNKNOWN_BOOKING)) {
        violate(ck->sum, HRULE_CALLS, "get_booking(%s) -> %s", v->id, booking_reason_name(rr));
        return false;
    }
    ck->sum->ids_checked++;
    v->exists = rr == BOOKING_REASON_OK;
    v->rres = v->exists ? resource_index(ck, v->rec.resource_id) : -1;
    v->hold = v->exists && v->rec.outcome == BOOKING_BOOKED && v->rec.hold_ms != 0;
    if (v->exists && v->rres < 0)
        violate(ck->sum, HRULE_ANSWERS, "%s: record on an unknown resource", v->id);
    if (v->hold && v->rec.expires_at_ms != v->rec.created_at_ms + (int64_t)v->rec.hold_ms)
        violate(ck->sum, HRULE_TIMES, "%s: expires_at %lld is not created_at %lld + hold_ms", v->id,
                (long long)v->rec.expires_at_ms, (long long)v->rec.created_at_ms);
    return true;
}

static bool same_request(const id_view *v, const holds_call *c)
{
    return v->exists && c->resource == v->rres && c->units == v->rec.units &&
           c->hold_ms == v->rec.hold_ms;
}

static bool is_failed(const holds_call *c)
{
    return c->kind == HOLDS_CALL_ATTEMPT ? c->outcome == BOOKING_FAILED
                                         : booking_reason_is_failure((booking_reason)c->reason);
}

static void find_changes(checker *ck, id_view *v, const holds_call *const *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const holds_call *c = calls[i];
        if (!c->answered)
            continue;
        if (is_failed(c) && (c->kind != HOLDS_CALL_ATTEMPT || same_request(v, c))) {
            v->failed++;
            continue;
        }
        if (c->kind == HOLDS_CALL_ATTEMPT && same_request(v, c) && !c->replayed &&
            c->reason != BOOKING_REASON_BOOKING_ID_CONFLICT) {
            v->deciders++;
            v->decider = v->decider ? v->decider : c;
        } else if (c->kind == HOLDS_CALL_CONFIRM && c->reason == BOOKING_REASON_CONFIRMED) {
            v->confirms_ok++;
            v->confirmed = v->confirmed ? v->confirmed : c;
        } else if (c->kind == HOLDS_CALL_CANCEL && c->reason == BOOKING_REASON_CANCELLED) {
            v->cancels_ok++;
            v->cancelled = v->cancelled ? v->cancelled : c;
        }
    }
    holds_summary *s = ck->sum;
    if (v->failed > 0)
        s->uncertain_ids++;
    if (v->exists && v->deciders > 1)
        violate(s, HRULE_ANSWERS, "%s: decided by %zu calls", v->id, v->deciders);
    if (v->exists && v->deciders == 0 && v->failed == 0)
        violate(s, HRULE_ANSWERS, "%s: a record no call made", v->id);
    if (v->confirms_ok > 1)
        violate(s, HRULE_ANSWERS, "%s: confirmed %zu times", v->id, v->confirms_ok);
    if (v->cancels_ok > 1)
        violate(s, HRULE_RELEASED_ONCE, "%s: cancelled %zu times", v->id, v->cancels_ok);
    if (v->confirmed != NULL && v->cancelled != NULL && v->cancelled->end_ns < v->confirmed->start_ns)
        violate(s, HRULE_ANSWERS, "%s: confirmed after it was cancelled", v->id);
}

/* The store's time t of a call lies in [clock_before, clock_after]: it read the clock
 * during the call and never runs ahead of it. */
static void check_time_in_call(checker *ck, const id_view *v, const holds_call *c, int64_t t,
                               const char *what)
{
    if (t < c->clock_before_ms || t > c->clock_after_ms)
        violate(ck->sum, HRULE_TIMES, "%s: %s %lld outside the clock [%lld, %lld] of its call",
                v->id, what, (long long)t, (long long)c->clock_before_ms,
                (long long)c->clock_after_ms);
}

/* An answer that says the hold expired: possible only if the clock reached its end
 * and no confirm or cancel had taken the hold first. */
static void saw_expired(checker *ck, id_view *v, const holds_call *c)
{
    int64_t end = v->rec.expires_at_ms;
    v->seen_expired = true;
    if (!v->hold)
        violate(ck->sum, HRULE_ANSWERS, "%s: expired, but it is no hold", v->id);
    else if (c->clock_after_ms < end)
        violate(ck->sum, HRULE_TIMES, "%s: expired before its end %lld (clock %lld..%lld)",
                v->id, (long long)end, (long long)c->clock_before_ms,
                (long long)c->clock_after_ms);
    if (v->confirmed != NULL)
        violate(ck->sum, HRULE_CONFIRMED_EXPIRED, "%s: confirmed, yet answered as expired", v->id);
    else if (v->cancelled != NULL)
        violate(ck->sum, HRULE_RELEASED_ONCE, "%s: cancelled, yet answered as expired", v->id);
}

static bool happened_before(const holds_call *event, const holds_call *c)
{
    return event != NULL && event->end_ns < c->start_ns;
}

static bool may_have_happened(const id_view *v, const holds_call *event, const holds_call *c)
{
    return v->failed > 0 || (event != NULL && event->start_ns < c->end_ns);
}

static void check_replay_status(checker *ck, id_view *v, const holds_call *c)
{
    holds_summary *s = ck->sum;
    bool ok = true;
    switch ((booking_status)c->status) {
    case BOOKING_STATUS_HELD:
        s->replays_held++;
        ok = v->hold && !happened_before(v->confirmed, c) && !happened_before(v->cancelled, c);
        if (v->hold && c->clock_before_ms >= v->rec.expires_at_ms)
            violate(s, HRULE_TIMES, "%s: replay held at or after its end", v->id);
        break;
    case BOOKING_STATUS_EXPIRED:
        s->replays_expired++;
        saw_expired(ck, v, c);
        break;
    case BOOKING_STATUS_ACTIVE:
        ok = (!v->hold || may_have_happened(v, v->confirmed, c)) &&
             !happened_before(v->cancelled, c);
        break;
    case BOOKING_STATUS_CANCELLED: ok = may_have_happened(v, v->cancelled, c); break;
    default: ok = false; break;
    }
    if (!ok)
        violate(s, HRULE_ANSWERS, "%s: replay answered status %s", v->id,
                booking_status_name((booking_status)c->status));
}

static void check_decider(checker *ck, id_view *v, const holds_call *c)
{
    holds_summary *s = ck->sum;
    if (c->outcome == BOOKING_REJECTED) {
        s->fresh_insufficient++;
        return;
    }
    booking_status want = v->hold ? BOOKING_STATUS_HELD : BOOKING_STATUS_ACTIVE;
    if (c->status != want)
        violate(s, HRULE_ANSWERS, "%s: fresh booking answered %s", v->id,
                booking_status_name((booking_status)c->status));
    check_time_in_call(ck, v, c, v->rec.created_at_ms, "created_at");
    if (v->hold) {
        s->fresh_holds++;
        if (c->time_ms != v->rec.created_at_ms)
            violate(s, HRULE_TIMES, "%s: the answer's decision time %lld is not created_at %lld",
                    v->id, (long long)c->time_ms, (long long)v->rec.created_at_ms);
    } else {
        s->fresh_booked++;
    }
}

static void check_attempt(checker *ck, id_view *v, const holds_call *c)
{
    holds_summary *s = ck->sum;
    const char *reason = booking_reason_name((booking_reason)c->reason);
    if (!v->exists) {
        violate(s, HRULE_ANSWERS, "%s: answered %s but nothing is recorded", v->id, reason);
    } else if (!same_request(v, c)) {
        if (c->outcome != BOOKING_REJECTED || c->reason != BOOKING_REASON_BOOKING_ID_CONFLICT ||
            c->replayed || (v->decider != NULL && c->end_ns < v->decider->start_ns))
            violate(s, HRULE_ANSWERS, "%s: differing repeat answered %s", v->id, reason);
        else
            s->conflicts++;
    } else if (c->outcome != v->rec.outcome || c->reason != v->rec.reason ||
               c->expires_at_ms != (v->hold ? v->rec.expires_at_ms : 0)) {
        violate(s, HRULE_ANSWERS, "%s: answered %s %s expires %lld, the record %s %s %lld",
                v->id, booking_outcome_name((booking_outcome)c->outcome), reason,
                (long long)c->expires_at_ms, booking_outcome_name(v->rec.outcome),
                booking_reason_name(v->rec.reason), (long long)v->rec.expires_at_ms);
    } else if (c == v->decider) {
        check_decider(ck, v, c);
    } else if (c->replayed) {
        s->replays++;
        if (v->decider != NULL && c->end_ns < v->decider->start_ns)
            violate(s, HRULE_ANSWERS, "%s: replay ended before its decision began", v->id);
        if (c->outcome == BOOKING_BOOKED)
            check_replay_status(ck, v, c);
        else if (c->status != BOOKING_STATUS_NONE)
            violate(s, HRULE_ANSWERS, "%s: REJECTED replay with a status", v->id);
    }
}

/* The answers a confirm and a cancel share. True when one of them decided. */
static bool check_change_common(checker *ck, id_view *v, const holds_call *c, bool *ok)
{
    const holds_call *d = v->decider;
    switch ((booking_reason)c->reason) {
    case BOOKING_REASON_UNKNOWN_BOOKING:
        *ok = !v->exists || d == NULL || c->start_ns < d->end_ns;
        return true;
    case BOOKING_REASON_NOT_BOOKED:
        *ok = v->exists && v->rec.outcome == BOOKING_REJECTED && (d == NULL || c->end_ns > d->start_ns);
        return true;
    case BOOKING_REASON_ALREADY_CANCELLED:
        *ok = v->exists && v->rec.outcome == BOOKING_BOOKED && may_have_happened(v, v->cancelled, c);
        return true;
    case BOOKING_REASON_HOLD_EXPIRED:
        saw_expired(ck, v, c);
        *ok = !c->has_record || c->status == BOOKING_STATUS_EXPIRED;
        return true;
    default:
        return false;
    }
}

/* A confirm or cancel that changed the hold, at its record's updated_at. */
static void check_change_time(checker *ck, id_view *v, const holds_call *c)
{
    check_time_in_call(ck, v, c, c->time_ms, "updated_at");
    bool from_held = v->hold && (c->kind == HOLDS_CALL_CONFIRM || v->confirmed == NULL);
    if (from_held && c->time_ms >= v->rec.expires_at_ms)
        violate(ck->sum, HRULE_TIMES, "%s: a hold changed at %lld, at or after its end %lld",
                v->id, (long long)c->time_ms, (long long)v->rec.expires_at_ms);
    if (c->time_ms < v->rec.created_at_ms)
        violate(ck->sum, HRULE_TIMES, "%s: changed before it was created", v->id);
}

static void check_confirm(checker *ck, id_view *v, const holds_call *c)
{
    holds_summary *s = ck->sum;
    s->confirms++;
    bool ok = true;
    if (check_change_common(ck, v, c, &ok)) {
        s->confirm_expired += c->reason == BOOKING_REASON_HOLD_EXPIRED;
    } else if (c->reason == BOOKING_REASON_CONFIRMED) {
        s->confirmed++;
        ok = v->hold && c->has_record && c->status == BOOKING_STATUS_ACTIVE;
        if (ok)
            check_change_time(ck, v, c);
    } else if (c->reason == BOOKING_REASON_ALREADY_CONFIRMED) {
        ok = v->exists && v->rec.outcome == BOOKING_BOOKED &&
             (v->hold ? may_have_happened(v, v->confirmed, c)
                      : v->decider == NULL || c->end_ns > v->decider->start_ns);
    } else {
        ok = false;
    }
    if (!ok)
        violate(s, HRULE_ANSWERS, "%s: confirm answered %s (status %s)", v->id,
                booking_reason_name((booking_reason)c->reason),
                booking_status_name((booking_status)c->status));
}

static void check_cancel(checker *ck, id_view *v, const holds_call *c)
{
    holds_summary *s = ck->sum;
    s->cancels++;
    bool ok = true;
    if (check_change_common(ck, v, c, &ok)) {
        s->cancel_expired += c->reason == BOOKING_REASON_HOLD_EXPIRED;
    } else if (c->reason == BOOKING_REASON_CANCELLED) {
        ok = v->exists && v->rec.outcome == BOOKING_BOOKED && c->has_record &&
             c->status == BOOKING_STATUS_CANCELLED &&
             (v->decider == NULL || c->end_ns > v->decider->start_ns);
        s->cancelled_held += v->hold && v->confirmed == NULL;
        if (ok)
            check_change_time(ck, v, c);
    } else {
        ok = false;
    }
    if (!ok)
        violate(s, HRULE_ANSWERS, "%s: cancel answered %s", v->id,
                booking_reason_name((booking_reason)c->reason));
}

/* The record once every hold's time has passed: its status follows from the answers. */
static void check_final_status(checker *ck, const id_view *v)
{
    holds_summary *s = ck->sum;
    if (!v->exists || v->rec.outcome != BOOKING_BOOKED)
        return;
    booking_status st = v->rec.status;
    booking_status want = v->cancelled   ? BOOKING_STATUS_CANCELLED
                          : v->confirmed ? BOOKING_STATUS_ACTIVE
                          : v->hold      ? BOOKING_STATUS_EXPIRED
                                         : BOOKING_STATUS_ACTIVE;
    if (st == BOOKING_STATUS_EXPIRED) {
        s->expired_records++;
        if (v->rec.updated_at_ms != v->rec.expires_at_ms)
            violate(s, HRULE_TIMES, "%s: expired, updated_at %lld is not expires_at %lld", v->id,
                    (long long)v->rec.updated_at_ms, (long long)v->rec.expires_at_ms);
    }
    if (st == BOOKING_STATUS_HELD)
        violate(s, HRULE_FINAL_BOOKED, "%s: still held after its end", v->id);
    else if (st == BOOKING_STATUS_EXPIRED && v->confirmed != NULL)
        violate(s, HRULE_CONFIRMED_EXPIRED, "%s: confirmed, yet its record is expired", v->id);
    else if (st != want && v->failed == 0)
        violate(s, HRULE_ANSWERS, "%s: record %s, but the answers make it %s", v->id,
                booking_status_name(st), booking_status_name(want));
    if (v->seen_expired && st != BOOKING_STATUS_EXPIRED)
        violate(s, HRULE_CONFIRMED_EXPIRED, "%s: answered as expired, its record is %s", v->id,
                booking_status_name(st));
    if (st == BOOKING_STATUS_ACTIVE && v->rres >= 0)
        ck->active_units[v->rres] += v->rec.units;
}

static void add_event(holds_life *l, uint8_t kind, const holds_call *c)
{
    if (c == NULL)
        return;
    l->kind[l->events] = kind;
    l->start_ns[l->events] = c->start_ns;
    l->end_ns[l->events] = c->end_ns;
    l->events++;
}

static void add_life(checker *ck, const id_view *v)
{
    if (!v->exists || v->rec.outcome != BOOKING_BOOKED || v->rres < 0)
        return;
    life_list *list = &ck->lives[v->rres];
    if (list->count == list->capacity) {
        size_t cap = list->capacity ? list->capacity * 2 : 256;
        holds_life *items = realloc(list->items, cap * sizeof *items);
        if (items == NULL) {
            ck->out_of_memory = true;
            return;
        }
        list->items = items;
        list->capacity = cap;
    }
    holds_life *l = &list->items[list->count++];
    memset(l, 0, sizeof *l);
    l->units = v->rec.units;
    l->expires_at_ms = v->hold ? v->rec.expires_at_ms : 0;
    l->uncertain = v->failed > 0 || v->decider == NULL;
    add_event(l, HOLDS_CALL_ATTEMPT, v->decider);
    add_event(l, HOLDS_CALL_CONFIRM, v->confirmed);
    add_event(l, HOLDS_CALL_CANCEL, v->cancelled);
}

static unsigned long violation_total(const holds_summary *s)
{
    unsigned long total = 0;
    for (int r = 0; r < HRULE_COUNT; r++)
        total += s->violations[r];
    return total;
}

static void check_id(checker *ck, uint32_t owner, uint32_t seq, const holds_call *const *calls,
                     size_t n)
{
    unsigned long before = violation_total(ck->sum);
    id_view v;
    memset(&v, 0, sizeof v);
    snprintf(v.id, sizeof v.id, "%s-b%u-%u", ck->cfg->prefix, owner, seq);
    if (!read_record(ck, &v))
        return;
    find_changes(ck, &v, calls, n);
    for (size_t i = 0; i < n; i++) {
        const holds_call *c = calls[i];
        if (!c->answered || is_failed(c))
            continue;
        if (c->kind == HOLDS_CALL_ATTEMPT)
            check_attempt(ck, &v, c);
        else if (c->kind == HOLDS_CALL_CONFIRM)
            check_confirm(ck, &v, c);
        else if (c->kind == HOLDS_CALL_CANCEL)
            check_cancel(ck, &v, c);
    }
    check_final_status(ck, &v);
    add_life(ck, &v);
    if (violation_total(ck->sum) == before || ck->groups_printed++ >= HOLDS_GROUPS_PRINTED_MAX)
        return;
    fprintf(stderr, "  %s: %s units=%llu hold_ms=%llu %s %s, created +%lld expires +%lld "
            "updated +%lld\n", v.id, v.exists ? "record" : "no record",
            (unsigned long long)v.rec.units, (unsigned long long)v.rec.hold_ms,
            booking_outcome_name(v.rec.outcome), booking_status_name(v.rec.status),
            (long long)(v.rec.created_at_ms % 100000), (long long)(v.rec.expires_at_ms % 100000),
            (long long)(v.rec.updated_at_ms % 100000));
    for (size_t i = 0; i < n && i < HOLDS_GROUP_PRINT_MAX; i++)
        print_call(calls[i], ck->t0);
}

/* ---- reads ---- */

/* What one id contributes to a read at as_of: each prefix of its changes that may
 * have happened before the read is possible; its units count in the state a prefix
 * leaves (decided and, for a hold, before its end at as_of; or confirmed). */
static void life_bounds(const holds_life *l, const holds_call *read, uint64_t *lo, uint64_t *hi)
{
    if (l->uncertain) {
        *hi += l->units;
        return;
    }
    uint64_t min = UINT64_MAX, max = 0;
    for (unsigned k = 0; k <= l->events; k++) {
        bool possible = true;
        for (unsigned i = 0; i < l->events && possible; i++)
            possible = i < k ? l->start_ns[i] <= read->end_ns : l->end_ns[i] >= read->start_ns;
        if (!possible)
            continue;
        uint64_t counted = 0;
        if (k > 0 && l->kind[k - 1] == HOLDS_CALL_CONFIRM)
            counted = l->units;
        else if (k > 0 && l->kind[k - 1] == HOLDS_CALL_ATTEMPT)
            counted = l->expires_at_ms == 0 || read->time_ms < l->expires_at_ms ? l->units : 0;
        min = counted < min ? counted : min;
        max = counted > max ? counted : max;
    }
    *lo += min == UINT64_MAX ? 0 : min;
    *hi += max;
}

static void check_read(checker *ck, const holds_call *c)
{
    holds_summary *s = ck->sum;
    s->reads++;
    if (!c->answered || c->reason != BOOKING_REASON_OK) {
        if (c->answered && booking_reason_is_failure((booking_reason)c->reason))
            s->failed_by_reason[c->reason]++;
        violate(s, HRULE_CALLS, "get_resource(%s) -> %s", ck->rid[c->resource],
                c->answered ? booking_reason_name((booking_reason)c->reason) : "refused");
        return;
    }
    if (c->time_ms < c->clock_before_ms || c->time_ms > c->clock_after_ms)
        violate(s, HRULE_TIMES, "%s: as_of %lld outside the clock [%lld, %lld] of its read",
                ck->rid[c->resource], (long long)c->time_ms, (long long)c->clock_before_ms,
                (long long)c->clock_after_ms);
    uint64_t lo = 0, hi = 0;
    const life_list *list = &ck->lives[c->resource];
    for (size_t i = 0; i < list->count; i++)
        life_bounds(&list->items[i], c, &lo, &hi);
    if (c->capacity != ck->cfg->capacity || c->booked > c->capacity || c->booked < lo ||
        c->booked > hi)
        violate(s, HRULE_READS,
                "%s as of %lld (w%u [%lld..%lld us]): booked %llu capacity %llu, but the answers "
                "make it %llu..%llu", ck->rid[c->resource], (long long)c->time_ms, c->worker,
                (long long)(c->start_ns - ck->t0) / 1000, (long long)(c->end_ns - ck->t0) / 1000,
                (unsigned long long)c->booked, (unsigned long long)c->capacity,
                (unsigned long long)lo, (unsigned long long)hi);
}

/* ---- the whole run ---- */

static void count_calls(checker *ck, const holds_log *log)
{
    holds_summary *s = ck->sum;
    for (size_t i = 0; i < log->count; i++) {
        const holds_call *c = &log->calls[i];
        if (!c->answered) {
            violate(s, HRULE_CALLS, "w%u call %llu refused by the library", c->worker,
                    (unsigned long long)c->call_seq);
            continue;
        }
        if (c->kind == HOLDS_CALL_GET_RESOURCE)
            continue;
        if (is_failed(c)) {
            s->failed++;
            if (c->reason < CORE_REASON_COUNT)
                s->failed_by_reason[c->reason]++;
            violate(s, HRULE_CALLS, "w%u call %llu FAILED %s", c->worker,
                    (unsigned long long)c->call_seq, booking_reason_name((booking_reason)c->reason));
        }
        if (c->kind != HOLDS_CALL_ATTEMPT)
            continue;
        s->attempts++;
        bool first = i == 0 || log->calls[i - 1].kind != HOLDS_CALL_ATTEMPT ||
                     log->calls[i - 1].call_seq != c->call_seq;
        s->batches += first && c->batch_size > 1;
    }
}

static void check_resources(checker *ck, uint64_t expired_stat)
{
    holds_summary *s = ck->sum;
    for (unsigned i = 0; i < HOLDS_RESOURCES; i++) {
        booking_reason r = BOOKING_REASON_INTERNAL;
        booking_resource res;
        if (booking_get_resource(ck->store, ck->rid[i], &r, &res) != BOOKING_OK ||
            r != BOOKING_REASON_OK) {
            violate(s, HRULE_CALLS, "get_resource(%s) -> %s", ck->rid[i], booking_reason_name(r));
            continue;
        }
        fprintf(stderr, "stress holds: %s capacity %llu booked %llu, active records %llu\n",
                ck->rid[i], (unsigned long long)res.capacity, (unsigned long long)res.booked,
                (unsigned long long)ck->active_units[i]);
        if (res.booked != ck->active_units[i] || res.capacity != ck->cfg->capacity)
            violate(s, HRULE_FINAL_BOOKED, "%s: booked %llu, active records %llu", ck->rid[i],
                    (unsigned long long)res.booked, (unsigned long long)ck->active_units[i]);
    }
    s->holds_expired_stat = expired_stat;
    if (expired_stat != s->expired_records)
        violate(s, HRULE_EXPIRED_STAT, "holds_expired is %llu, expired records %lu",
                (unsigned long long)expired_stat, s->expired_records);
}

static void print_summary(const holds_summary *s)
{
    fprintf(stderr,
            "stress holds: %lu attempts (%lu batches): %lu holds, %lu booked, %lu insufficient, "
            "%lu replays (%lu held, %lu expired), %lu conflicts; %lu confirms (%lu confirmed, "
            "%lu hold_expired); %lu cancels (%lu of holds, %lu hold_expired); %lu reads; "
            "%lu expired records, holds_expired %llu; %lu failed, %lu ids uncertain; "
            "%lu ids checked\n",
            s->attempts, s->batches, s->fresh_holds, s->fresh_booked, s->fresh_insufficient,
            s->replays, s->replays_held, s->replays_expired, s->conflicts, s->confirms,
            s->confirmed, s->confirm_expired, s->cancels, s->cancelled_held, s->cancel_expired,
            s->reads, s->expired_records, (unsigned long long)s->holds_expired_stat, s->failed,
            s->uncertain_ids, s->ids_checked);
    for (int r = 0; r < HRULE_COUNT; r++) {
        if (s->violations[r] != 0)
            fprintf(stderr, "stress holds: %lu violations of: %s\n", s->violations[r],
                    holds_rule_name((holds_rule)r));
    }
}

static void check_ids(checker *ck, const holds_log *logs, size_t log_count, size_t total)
{
    const holds_call **by_id = malloc((total ? total : 1) * sizeof *by_id);
    if (by_id == NULL) {
        ck->out_of_memory = true;
        return;
    }
    size_t n = 0;
    for (size_t l = 0; l < log_count; l++) {
        for (size_t i = 0; i < logs[l].count; i++) {
            if (logs[l].calls[i].kind != HOLDS_CALL_GET_RESOURCE)
                by_id[n++] = &logs[l].calls[i];
        }
    }
    qsort(by_id, n, sizeof *by_id, cmp_calls);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && by_id[j]->owner == by_id[i]->owner && by_id[j]->seq == by_id[i]->seq)
            j++;
        check_id(ck, by_id[i]->owner, by_id[i]->seq, by_id + i, j - i);
        i = j;
    }
    free(by_id);
}

void holds_check(booking_store *store, const holds_config *cfg, const holds_log *logs,
                 size_t log_count, uint64_t expired_stat, holds_summary *summary)
{
    memset(summary, 0, sizeof *summary);
    checker ck;
    memset(&ck, 0, sizeof ck);
    ck.store = store;
    ck.cfg = cfg;
    ck.sum = summary;
    ck.t0 = INT64_MAX;
    for (unsigned i = 0; i < HOLDS_RESOURCES; i++)
        holds_resource_id(ck.rid[i], sizeof ck.rid[i], cfg, i);
    size_t total = 0;
    for (size_t l = 0; l < log_count; l++) {
        count_calls(&ck, &logs[l]);
        total += logs[l].count;
        if (logs[l].count > 0 && logs[l].calls[0].start_ns < ck.t0)
            ck.t0 = logs[l].calls[0].start_ns;
    }
    check_ids(&ck, logs, log_count, total);
    for (size_t l = 0; l < log_count; l++) {
        for (size_t i = 0; i < logs[l].count; i++) {
            if (logs[l].calls[i].kind == HOLDS_CALL_GET_RESOURCE)
                check_read(&ck, &logs[l].calls[i]);
        }
    }
    check_resources(&ck, expired_stat);
    if (ck.out_of_memory)
        violate(summary, HRULE_CALLS, "out of memory in the checker");
    for (unsigned i = 0; i < HOLDS_RESOURCES; i++)
        free(ck.lives[i].items);
    print_summary(summary);
}
