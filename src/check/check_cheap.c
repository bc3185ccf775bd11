/* SPDX-License-Identifier: MIT */
/*
 * check_cheap.c: the O(n) checks run before the search. Each is a necessary
 * condition of linearizability, so a failure is a proof by itself, named in
 * plain words; passing them proves nothing (the search does that).
 *  - decisions agree: every answer that reports a booking_id's decision (BOOKED,
 *    or REJECTED insufficient_capacity) reports the same one, for the same
 *    resource and units; replayed=false at most once, and never after another
 *    answer already showed the record;
 *  - a cancel releases a booking at most once, a confirm confirms it at most once;
 *  - holds: one end per booking, and no confirmed or cancelled at or after it;
 *  - a replay or a booking_id_conflict answers from a record that some attempt
 *    invoked before it may have made (replay_without_decision);
 *  - oversell: at every instant, the units of bookings known BOOKED (and not
 *    possibly cancelled yet) fit in the largest capacity set so far.
 */
#include "check/check_cheap.h"
#include "check/check_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct cheap_found {
    bool found;
    size_t at_line; /* the line at which the violation became provable */
    check_report report;
} cheap_found;

static void keep_earliest(cheap_found *best, const cheap_found *f)
{
    if (f->found && (!best->found || f->at_line < best->at_line))
        *best = *f;
}

/* Operation indexes sorted by event position, invokes and returns interleaved:
 * entry e = op * 2 + (1 if return). */
static uint32_t *event_order(const check_history *h)
{
    uint32_t *ev = malloc((h->events + 1) * sizeof *ev);
    if (ev == NULL)
        return NULL;
    for (size_t i = 0; i < h->events; i++)
        ev[i] = UINT32_MAX;
    for (size_t i = 0; i < h->op_count; i++) {
        ev[h->ops[i].invoke_pos] = (uint32_t)(i * 2);
        if (h->ops[i].return_pos != CHECK_NO_POS)
            ev[h->ops[i].return_pos] = (uint32_t)(i * 2 + 1);
    }
    return ev;
}

/* ", hold N ms" for a hold, "" otherwise (histories without holds read as before). */
static const char *hold_text(const chk_op *op, char *buf, size_t len)
{
    buf[0] = '\0';
    if (op->hold_ms != 0)
        snprintf(buf, len, ", hold %" PRIu64 " ms", op->hold_ms);
    return buf;
}

static void check_decisions(const check_history *h, const uint32_t *ev, cheap_found *out)
{
    char hold_a[40], hold_b[40];
    uint32_t *first = malloc((h->bookings.count + 1) * sizeof *first);
    uint32_t *fresh = malloc((h->bookings.count + 1) * sizeof *fresh);
    if (first == NULL || fresh == NULL)
        goto done;
    for (size_t b = 0; b < h->bookings.count; b++)
        first[b] = fresh[b] = CHECK_NONE;
    for (size_t e = 0; e < h->events && !out->found; e++) {
        if (ev[e] == UINT32_MAX || (ev[e] & 1) == 0)
            continue;
        uint32_t i = ev[e] / 2;
        const chk_op *op = &h->ops[i];
        if (op->kind != CHK_ATTEMPT || !op->determinate)
            continue;
        booking_reason r = chk_attempt_reason(op);
        const char *bid = h->bookings.names[op->booking];
        if (!chk_reason_is_decision(r)) {
            if (op->replayed == 1) {
                size_t lines[] = {op->invoke_line, op->complete_line};
                chk_violation(&out->report, "replay_disagrees", lines, 2,
                              "line %zu answers %s with replayed=true for booking_id %s: only "
                              "a recorded decision (booked or insufficient_capacity) is replayed",
                              op->complete_line, booking_reason_name(r), bid);
                out->found = true;
                out->at_line = op->complete_line;
            }
            continue;
        }
        uint32_t d = first[op->booking];
        if (d != CHECK_NONE) {
            const chk_op *dop = &h->ops[d];
            size_t lines[] = {dop->invoke_line, dop->complete_line, op->invoke_line,
                              op->complete_line};
            char lines_a[160], lines_b[160];
            if (!chk_lines_equal(h, dop, op) || dop->hold_ms != op->hold_ms) {
                chk_describe_lines(h, dop, lines_a, sizeof lines_a);
                chk_describe_lines(h, op, lines_b, sizeof lines_b);
                chk_violation(&out->report, "replay_disagrees", lines, 4,
                              "booking_id %s: line %zu answers a decision for %s%s, line %zu "
                              "one for %s%s: a booking_id has one record, and a repeat that "
                              "differs from it (other lines, units, order or hold) must be "
                              "REJECTED booking_id_conflict",
                              bid, dop->complete_line, lines_a,
                              hold_text(dop, hold_a, sizeof hold_a), op->complete_line, lines_b,
                              hold_text(op, hold_b, sizeof hold_b));
            } else if (chk_attempt_reason(dop) == r && dop->fail_line >= 0 &&
                       op->fail_line >= 0 && dop->fail_line != op->fail_line) {
                chk_violation(&out->report, "replay_disagrees", lines, 4,
                              "booking_id %s: line %zu answers %s on line %" PRId32
                              ", line %zu on line %" PRId32 ": a replay of a rejection names "
                              "the recorded failing line",
                              bid, dop->complete_line, booking_reason_name(r), dop->fail_line,
                              op->complete_line, op->fail_line);
            } else if (chk_attempt_reason(dop) != r) {
                chk_violation(&out->report, "replay_disagrees", lines, 4,
                              "booking_id %s: line %zu answers %s, line %zu answers %s: every "
                              "answer about a booking_id reports its one recorded decision",
                              bid, dop->complete_line, booking_reason_name(chk_attempt_reason(dop)),
                              op->complete_line, booking_reason_name(r));
            } else if (op->replayed == 0 && dop->return_pos < op->invoke_pos) {
                chk_violation(&out->report, "decided_twice", lines, 4,
                              "booking_id %s was decided by line %zu, yet the attempt invoked "
                              "later at line %zu answers replayed=false: a booking_id is "
                              "decided at most once (%s)",
                              bid, dop->complete_line, op->invoke_line,
                              r == BOOKING_REASON_BOOKED ? "a reservation applied twice"
                                                         : "a rejection recorded twice");
            }
            if (out->report.kind[0] != '\0') {
                out->found = true;
                out->at_line = op->complete_line;
                continue;
            }
        } else {
            first[op->booking] = i;
        }
        if (op->replayed != 0)
            continue;
        uint32_t f = fresh[op->booking];
        if (f == CHECK_NONE) {
            fresh[op->booking] = i;
            continue;
        }
        const chk_op *fop = &h->ops[f];
        size_t lines[] = {fop->invoke_line, fop->complete_line, op->invoke_line,
                          op->complete_line};
        chk_violation(&out->report, "decided_twice", lines, 4,
                      "booking_id %s: lines %zu and %zu both answer a new decision "
                      "(replayed=false): a booking_id is decided at most once (%s)",
                      bid, fop->complete_line, op->complete_line,
                      r == BOOKING_REASON_BOOKED ? "a reservation applied twice"
                                                 : "a rejection recorded twice");
        out->found = true;
        out->at_line = op->complete_line;
    }
done:
    free(first);
    free(fresh);
}

/* A cancel answers cancelled, and a confirm confirmed, at most once per booking_id:
 * a second release (or a second change of a hold into an active booking) is a
 * repeat that must answer already_cancelled (already_confirmed). */
static void check_changes(const check_history *h, const uint32_t *ev, chk_kind kind,
                          booking_reason once, cheap_found *out)
{
    uint32_t *first = malloc((h->bookings.count + 1) * sizeof *first);
    if (first == NULL)
        return;
    for (size_t b = 0; b < h->bookings.count; b++)
        first[b] = CHECK_NONE;
    for (size_t e = 0; e < h->events && !out->found; e++) {
        if (ev[e] == UINT32_MAX || (ev[e] & 1) == 0)
            continue;
        uint32_t i = ev[e] / 2;
        const chk_op *op = &h->ops[i];
        if (op->kind != kind || !op->determinate || op->accept != CHK_BIT(once))
            continue;
        if (first[op->booking] == CHECK_NONE) {
            first[op->booking] = i;
            continue;
        }
        const chk_op *fop = &h->ops[first[op->booking]];
        size_t lines[] = {fop->invoke_line, fop->complete_line, op->invoke_line,
                          op->complete_line};
        if (kind == CHK_CANCEL)
            chk_violation(&out->report, "cancel_released_twice", lines, 4,
                          "booking_id %s: the cancels at lines %zu and %zu both answer cancelled "
                          "(units released): a second cancel must answer already_cancelled",
                          h->bookings.names[op->booking], fop->complete_line, op->complete_line);
        else
            chk_violation(&out->report, "confirmed_twice", lines, 4,
                          "booking_id %s: the confirms at lines %zu and %zu both answer "
                          "confirmed: a second confirm must answer already_confirmed",
                          h->bookings.names[op->booking], fop->complete_line, op->complete_line);
        out->found = true;
        out->at_line = op->complete_line;
    }
    free(first);
}

static size_t max_line(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Holds and time (SPEC section 7): every answer that names a booking's hold end
 * names the same one, and no confirm answers confirmed, and no cancel of a hold
 * nothing confirmed answers cancelled, at a store time at or after that end: from
 * then on the hold is expired, its units already released by the expiry, and both
 * must answer hold_expired. */
/* For each operation, the least store time it can have taken effect at: the
 * latest time an answer gave to an operation that completed before it was
 * invoked (the store's time never goes back, SPEC section 7). INT64_MIN if none. */
static int64_t *earliest_times(const check_history *h, const uint32_t *ev)
{
    int64_t *at_least = malloc((h->op_count + 1) * sizeof *at_least);
    if (at_least == NULL)
        return NULL;
    int64_t latest = INT64_MIN;
    for (size_t e = 0; e < h->events; e++) {
        if (ev[e] == UINT32_MAX)
            continue;
        const chk_op *op = &h->ops[ev[e] / 2];
        if ((ev[e] & 1) == 0)
            at_least[ev[e] / 2] = op->has_at ? op->at_ms : latest;
        else if (op->determinate && op->has_at && op->at_ms > latest)
            latest = op->at_ms;
    }
    return at_least;
}

static void check_expiries(const check_history *h, const uint32_t *ev, cheap_found *out)
{
    uint32_t *end_of = malloc((h->bookings.count + 1) * sizeof *end_of);
    int64_t *at_least = earliest_times(h, ev);
    if (end_of == NULL || at_least == NULL) {
        free(end_of);
        free(at_least);
        return;
    }
    for (size_t b = 0; b < h->bookings.count; b++)
        end_of[b] = CHECK_NONE;
    bool *confirm_seen = calloc(h->bookings.count + 1, sizeof *confirm_seen);
    if (confirm_seen == NULL) {
        free(end_of);
        free(at_least);
        return;
    }
    for (size_t i = 0; i < h->op_count; i++) { /* the first answer naming each end */
        const chk_op *op = &h->ops[i];
        if (op->kind == CHK_CONFIRM) /* a confirmed hold has no end: a cancel may follow */
            confirm_seen[op->booking] = true;
        if (!op->determinate || !op->has_expires_at || op->booking == CHECK_NONE)
            continue;
        if (end_of[op->booking] == CHECK_NONE)
            end_of[op->booking] = (uint32_t)i;
    }
    for (size_t i = 0; i < h->op_count; i++) {
        const chk_op *op = &h->ops[i];
        if (!op->determinate || op->booking == CHECK_NONE || end_of[op->booking] == CHECK_NONE)
            continue;
        const chk_op *eop = &h->ops[end_of[op->booking]];
        size_t lines[] = {eop->invoke_line, eop->complete_line, op->invoke_line,
                          op->complete_line};
        size_t at = max_line(eop->complete_line, op->complete_line);
        const char *bid = h->bookings.names[op->booking];
        cheap_found f = {.found = true, .at_line = at};
        if (op->has_expires_at && op->expires_at_ms != eop->expires_at_ms) {
            chk_violation(&f.report, "replay_disagrees", lines, 4,
                          "booking_id %s: lines %zu and %zu name different ends of its hold: a "
                          "booking_id has one record, and one expires_at",
                          bid, eop->complete_line, op->complete_line);
        } else if (at_least[i] >= eop->expires_at_ms &&
                   ((op->kind == CHK_CONFIRM && op->accept == CHK_BIT(BOOKING_REASON_CONFIRMED)) ||
                    (op->kind == CHK_CANCEL && op->accept == CHK_BIT(BOOKING_REASON_CANCELLED) &&
                     !confirm_seen[op->booking]))) {
            bool confirm = op->kind == CHK_CONFIRM;
            chk_violation(&f.report, confirm ? "confirmed_after_expiry" : "released_after_expiry",
                          lines, 4,
                          "booking_id %s: line %zu answers %s at a store time at or after the "
                          "hold's end that line %zu gives (%s): from its expires_at on a hold "
                          "is expired%s, so it must answer hold_expired",
                          bid, op->complete_line, confirm ? "confirmed" : "cancelled",
                          eop->complete_line,
                          op->has_at ? "its own time"
                                     : "it was invoked after an answer of a time at or after it",
                          confirm ? "" : " and its units were released by the expiry (a "
                                         "cancel would release them twice)");
        } else {
            continue;
        }
        keep_earliest(out, &f);
    }
    free(end_of);
    free(confirm_seen);
    free(at_least);
}

static void oversell_report(const check_history *h, const uint32_t *ev, size_t upto,
                            uint32_t resource, uint64_t held, uint64_t cap_max,
                            const bool *cancel_seen, cheap_found *out)
{
    size_t lines[CHECK_REPORT_LINES_MAX], nl = 0;
    const chk_op *last = &h->ops[ev[upto] / 2];
    lines[nl++] = last->complete_line;
    for (size_t e = 0; e < upto && nl < CHECK_REPORT_LINES_MAX; e++) {
        if (ev[e] == UINT32_MAX || (ev[e] & 1) == 0)
            continue;
        const chk_op *op = &h->ops[ev[e] / 2];
        if (op->kind == CHK_ATTEMPT && op->determinate && chk_units_on(h, op, resource) != 0 &&
            chk_attempt_reason(op) == BOOKING_REASON_BOOKED && !cancel_seen[op->booking])
            lines[nl++] = op->complete_line;
    }
    chk_violation(&out->report, "oversell", lines, nl,
                  "resource %s: once line %zu completes, BOOKED answers hold %" PRIu64
                  " units not released by any cancel, more than any capacity set so far "
                  "(at most %" PRIu64 "): booked <= capacity must hold at every instant",
                  h->resources.names[resource], last->complete_line, held, cap_max);
    out->found = true;
    out->at_line = last->complete_line;
}

static void check_oversell(const check_history *h, const uint32_t *ev, cheap_found *out)
{
    bool *counted = calloc(h->bookings.count + 1, sizeof *counted);
    bool *cancel_seen = calloc(h->bookings.count + 1, sizeof *cancel_seen);
    uint64_t *held = calloc(h->resources.count + 1, sizeof *held);
    uint64_t *cap_max = calloc(h->resources.count + 1, sizeof *cap_max);
    uint32_t *op_of = malloc((h->bookings.count + 1) * sizeof *op_of); /* its BOOKED attempt */
    if (!counted || !cancel_seen || !held || !cap_max || !op_of)
        goto done;
    for (size_t e = 0; e < h->events && !out->found; e++) {
        if (ev[e] == UINT32_MAX)
            continue;
        const chk_op *op = &h->ops[ev[e] / 2];
        bool is_return = ev[e] & 1;
        if (!is_return && op->kind == CHK_SET_CAPACITY &&
            (!op->determinate || op->accept == CHK_BIT(BOOKING_REASON_OK))) {
            if (op->value > cap_max[op->resource])
                cap_max[op->resource] = op->value;
        } else if (!is_return && op->kind == CHK_CANCEL) {
            if (counted[op->booking]) { /* every line of it (SPEC section 8) */
                const chk_op *bop = &h->ops[op_of[op->booking]];
                for (uint32_t k = 0; k < bop->line_count; k++)
                    held[chk_op_lines(h, bop)[k].resource] -= chk_op_lines(h, bop)[k].units;
                counted[op->booking] = false;
            }
            cancel_seen[op->booking] = true;
        } else if (is_return && op->kind == CHK_ATTEMPT && op->determinate &&
                   op->hold_ms == 0 && /* a hold may have expired since: the search judges it */
                   chk_attempt_reason(op) == BOOKING_REASON_BOOKED &&
                   !counted[op->booking] && !cancel_seen[op->booking]) {
            counted[op->booking] = true;
            op_of[op->booking] = ev[e] / 2;
            for (uint32_t k = 0; k < op->line_count && !out->found; k++) {
                uint32_t r = chk_op_lines(h, op)[k].resource;
                held[r] += chk_op_lines(h, op)[k].units;
                if (held[r] > cap_max[r])
                    oversell_report(h, ev, e, r, held[r], cap_max[r], cancel_seen, out);
            }
        }
    }
done:
    free(counted);
    free(cancel_seen);
    free(held);
    free(cap_max);
    free(op_of);
}

/* A replay (replayed=true) or a booking_id_conflict answers from a record, so some
 * attempt of that booking_id that may have made the record (one not answered as a
 * replay or a conflict) was invoked before it returned; else nothing made it. */
static void check_replays(const check_history *h, cheap_found *out)
{
    size_t *maker = malloc((h->bookings.count + 1) * sizeof *maker);
    if (maker == NULL)
        return;
    for (size_t b = 0; b < h->bookings.count; b++)
        maker[b] = CHECK_NO_POS;
    for (size_t i = 0; i < h->op_count; i++) {
        const chk_op *op = &h->ops[i];
        if (op->kind != CHK_ATTEMPT)
            continue;
        bool makes = !op->determinate ||
                     (op->replayed != 1 && chk_reason_is_decision(chk_attempt_reason(op)));
        if (makes && op->invoke_pos < maker[op->booking])
            maker[op->booking] = op->invoke_pos;
    }
    for (size_t i = 0; i < h->op_count; i++) {
        const chk_op *op = &h->ops[i];
        if (op->kind != CHK_ATTEMPT || !op->determinate)
            continue;
        booking_reason r = chk_attempt_reason(op);
        bool from_record = (op->replayed == 1 && chk_reason_is_decision(r)) ||
                           r == BOOKING_REASON_BOOKING_ID_CONFLICT;
        if (!from_record || maker[op->booking] < op->return_pos)
            continue;
        if (out->found && out->at_line <= op->complete_line)
            continue;
        size_t lines[] = {op->invoke_line, op->complete_line};
        chk_violation(&out->report, "replay_without_decision", lines, 2,
                      "line %zu answers %s%s for booking_id %s, an answer from its record, but "
                      "no attempt invoked before it returned can have made that record (every "
                      "other one is answered as a replay or a conflict too, or came later)",
                      op->complete_line, booking_reason_name(r),
                      op->replayed == 1 ? " with replayed=true" : "",
                      h->bookings.names[op->booking]);
        out->found = true;
        out->at_line = op->complete_line;
    }
    free(maker);
}

bool chk_cheap_checks(const check_history *h, check_report *report)
{
    uint32_t *ev = event_order(h);
    if (ev == NULL)
        return false; /* the search still decides; the cheap checks only speed it up */
    cheap_found best = {0}, f;
    f = (cheap_found){0};
    check_decisions(h, ev, &f);
    keep_earliest(&best, &f);
    f = (cheap_found){0};
    check_changes(h, ev, CHK_CANCEL, BOOKING_REASON_CANCELLED, &f);
    keep_earliest(&best, &f);
    f = (cheap_found){0};
    check_changes(h, ev, CHK_CONFIRM, BOOKING_REASON_CONFIRMED, &f);
    keep_earliest(&best, &f);
    f = (cheap_found){0};
    check_expiries(h, ev, &f);
    keep_earliest(&best, &f);
    /* Oversell reasons about bookings whose decisions already agree. */
    if (!best.found) {
        f = (cheap_found){0};
        check_oversell(h, ev, &f);
        keep_earliest(&best, &f);
    }
    free(ev);
    if (!best.found)
        return false;
    *report = best.report;
    return true;
}

bool chk_replay_checks(const check_history *h, check_report *report)
{
    cheap_found f = {0};
    check_replays(h, &f);
    if (!f.found)
        return false;
    *report = f.report;
    return true;
}
