/* SPDX-License-Identifier: MIT */
/*
 * check_bounds.c: a lower and an upper bound on each resource's booked at every
 * answer, in one sweep of the history in event order (O(n): the events are in
 * order already). Each bound holds in every order that could
 * explain the history, so an answer outside its bounds is a violation without
 * search. docs/checking.md, "Bounds on booked", has the derivation; in short, for
 * an answer x and an earlier observation o (an answer that completed before x was
 * invoked, so o's point comes first in every order):
 *
 *   booked(x) >= floor(o) + sure adds after o - possible releases after o
 *   booked(x) <= ceil(o) + possible adds after o - sure releases after o
 *
 * where a sure add is a booking some answer shows BOOKED (it happened before that
 * answer returned, and not before its first attempt was invoked), a possible add
 * is any attempt that may have made a BOOKED record, a possible release is a cancel
 * that may have answered cancelled and every hold (it may end at any time), and a
 * sure release is a cancel answered cancelled. Observations: a read (booked is
 * what it says), a fresh insufficient_capacity of u units (booked > capacity - u),
 * a set_capacity (accepted: booked <= capacity; refused: booked > capacity), and
 * the empty store at the start (booked 0). The sums over "after o" are taken from
 * prefix sums at o's and x's invoke and return, so the best observation so far is a
 * running maximum (minimum), one per resource.
 *
 * The rules, each a violation kind:
 *  - read_over_capacity: a read whose booked exceeds its own capacity;
 *  - read_below_lower_bound / read_above_upper_bound: a read outside the bounds;
 *  - booked_without_room: a fresh BOOKED of u units on a line whose lower bound
 *    leaves less than u units under the largest capacity that could be set;
 *  - rejected_with_room: a fresh insufficient_capacity of u units on its failing
 *    line whose upper bound leaves u units free under the smallest capacity that
 *    could be set.
 * Bundles count per line (SPEC section 8): an add or release is on every line.
 */
#include "check/check_bounds.h"
#include "check/check_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sums of units over a whole history exceed 64 bits (2^24 operations of up to
 * 2^53 units): 128-bit signed sums, differences may go below zero. */
__extension__ typedef __int128 bnd_sum;

typedef struct bnd_res {
    bnd_sum a_inv, a_ret; /* possible adds: invoked; of them, surely done (returned) */
    bnd_sum s_inv, s_ret; /* sure adds: first attempt invoked; shown BOOKED (returned) */
    bnd_sum r_inv, r_ret; /* possible releases: invoked; of them, surely done */
    bnd_sum d_inv, d_ret; /* sure releases (cancelled answers): invoked; returned */
    bnd_sum fkey, ckey;   /* best observation so far, as a key (file comment) */
    uint32_t fop, cop;    /* its op, or CHECK_NONE for the empty store */
    bool cap_seen;        /* a set_capacity that may succeed was invoked */
    uint64_t cap_min, cap_max; /* the capacities such set_capacity ops name */
} bnd_res;

/* What the sweep keeps of one checked (op, line) between its invoke and return. */
typedef struct bnd_slot {
    bnd_sum floor_at_invoke; /* fkey + s_ret at invoke: floor = this - r_inv at return */
    bnd_sum ceil_at_invoke;  /* ckey - d_ret at invoke: ceil = this + a_inv at return */
    bnd_sum r_ret_at_invoke, a_ret_at_invoke; /* for its own key as an observation */
    uint32_t fop, cop;
} bnd_slot;

typedef struct bnd {
    const check_history *h;
    bnd_res *res;
    bnd_slot *slot; /* attempts: h->lines index; other ops: line_total + op index */
    uint32_t *sure_op;  /* per booking: its determinate BOOKED attempt that returned first */
    size_t *add_inv;    /* per booking: the first invoke of an attempt that may make it */
    uint32_t *ind_at;   /* per booking: CSR offsets into ind (nb + 1) */
    uint32_t *ind;      /* indeterminate attempts grouped by booking */
    bool found;
    check_report report;
} bnd;

static void sum_text(bnd_sum v, char *out, size_t len)
{
    char digits[48];
    size_t n = 0;
    bool neg = v < 0;
    unsigned __int128 m = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        digits[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m != 0 && n < sizeof digits);
    size_t at = 0;
    if (neg && at + 1 < len)
        out[at++] = '-';
    while (n > 0 && at + 1 < len)
        out[at++] = digits[--n];
    out[at] = '\0';
}

static bool is_read(const chk_op *op)
{
    return op->kind == CHK_GET_RESOURCE && op->determinate &&
           op->accept == CHK_BIT(BOOKING_REASON_OK);
}

static bool may_set_capacity(const chk_op *op)
{
    return op->kind == CHK_SET_CAPACITY &&
           (!op->determinate || (op->accept & CHK_BIT(BOOKING_REASON_OK)));
}

static bool is_fresh(const chk_op *op, booking_reason r)
{
    return op->kind == CHK_ATTEMPT && op->determinate && op->replayed == 0 &&
           op->accept == CHK_BIT(r);
}

/* The line of a fresh rejection that was short: the one it names, or the only one. */
static int32_t short_line(const chk_op *op)
{
    if (op->fail_line >= 0)
        return op->fail_line;
    return op->line_count == 1 ? 0 : -1;
}

static size_t slot_of(const bnd *b, uint32_t i, uint32_t k)
{
    const chk_op *op = &b->h->ops[i];
    return op->kind == CHK_ATTEMPT ? op->line_at + k : b->h->line_total + i;
}

/* Adds sign * every line of attempt a to the two sums at the given offsets. */
static void add_lines(bnd *b, const chk_op *a, size_t off1, size_t off2, int sign)
{
    const chk_line *l = chk_op_lines(b->h, a);
    for (uint32_t k = 0; k < a->line_count; k++) {
        char *base = (char *)&b->res[l[k].resource];
        bnd_sum u = (bnd_sum)l[k].units * sign;
        *(bnd_sum *)(base + off1) += u;
        if (off2 != SIZE_MAX)
            *(bnd_sum *)(base + off2) += u;
    }
}

#define OFF(field) offsetof(bnd_res, field)

/* A cancel's units: its booking's record (the BOOKED answer's lines) when some answer
 * shows it, else every attempt that may have made it (an upper bound). */
static void add_release(bnd *b, const chk_op *cancel, size_t off)
{
    uint32_t bk = cancel->booking;
    if (b->sure_op[bk] != CHECK_NONE) {
        add_lines(b, &b->h->ops[b->sure_op[bk]], off, SIZE_MAX, 1);
        return;
    }
    for (uint32_t k = b->ind_at[bk]; k < b->ind_at[bk + 1]; k++)
        add_lines(b, &b->h->ops[b->ind[k]], off, SIZE_MAX, 1);
}

static bool may_release(const chk_op *op)
{
    return op->kind == CHK_CANCEL &&
           (!op->determinate || (op->accept & CHK_BIT(BOOKING_REASON_CANCELLED)));
}

static bool sure_release(const bnd *b, const chk_op *op)
{
    return op->kind == CHK_CANCEL && op->determinate &&
           op->accept == CHK_BIT(BOOKING_REASON_CANCELLED) && b->sure_op[op->booking] != CHECK_NONE;
}

static void on_invoke(bnd *b, uint32_t i)
{
    const chk_op *op = &b->h->ops[i];
    /* Snapshots first: they are of what came before this invoke. */
    uint32_t nslots = op->kind == CHK_ATTEMPT ? op->line_count : 1;
    for (uint32_t k = 0; k < nslots; k++) {
        uint32_t r = op->kind == CHK_ATTEMPT ? chk_op_lines(b->h, op)[k].resource : op->resource;
        if (r == CHECK_NONE || op->kind == CHK_CANCEL || op->kind == CHK_CONFIRM)
            break;
        const bnd_res *res = &b->res[r];
        bnd_slot *s = &b->slot[slot_of(b, i, k)];
        s->floor_at_invoke = res->fkey + res->s_ret;
        s->ceil_at_invoke = res->ckey - res->d_ret;
        s->r_ret_at_invoke = res->r_ret;
        s->a_ret_at_invoke = res->a_ret;
        s->fop = res->fop;
        s->cop = res->cop;
    }
    if (op->kind == CHK_ATTEMPT) {
        uint32_t bk = op->booking, sure = b->sure_op[bk];
        if (sure != CHECK_NONE && b->add_inv[bk] == op->invoke_pos) {
            const chk_op *sop = &b->h->ops[sure];
            add_lines(b, sop, OFF(a_inv), OFF(s_inv), 1);
            if (sop->hold_ms != 0) /* it may end at any time from now on */
                add_lines(b, sop, OFF(r_inv), SIZE_MAX, 1);
        } else if (sure == CHECK_NONE && !op->determinate) {
            add_lines(b, op, OFF(a_inv), SIZE_MAX, 1);
            if (op->hold_ms != 0)
                add_lines(b, op, OFF(r_inv), SIZE_MAX, 1);
        }
    } else if (may_release(op)) {
        add_release(b, op, OFF(r_inv));
        if (sure_release(b, op))
            add_release(b, op, OFF(d_inv));
    } else if (may_set_capacity(op)) {
        bnd_res *res = &b->res[op->resource];
        if (!res->cap_seen || op->value < res->cap_min)
            res->cap_min = op->value;
        if (!res->cap_seen || op->value > res->cap_max)
            res->cap_max = op->value;
        res->cap_seen = true;
    }
}

/* "line L (a read of booked V)" and the like: where a bound came from. */
static void source_text(const bnd *b, uint32_t o, uint32_t r, char *out, size_t len)
{
    if (o == CHECK_NONE) {
        snprintf(out, len, "the empty store at the start (booked 0)");
        return;
    }
    const chk_op *op = &b->h->ops[o];
    if (op->kind == CHK_GET_RESOURCE)
        snprintf(out, len, "the read at line %zu (booked %" PRIu64 ")", op->complete_line,
                 op->read_booked);
    else if (op->kind == CHK_SET_CAPACITY)
        snprintf(out, len, "the set_capacity %" PRIu64 " at line %zu (%s)", op->value,
                 op->complete_line,
                 op->accept == CHK_BIT(BOOKING_REASON_OK) ? "accepted: booked <= capacity"
                                                          : "refused: booked > capacity");
    else
        snprintf(out, len,
                 "the insufficient_capacity at line %zu (%" PRIu64 " units did not fit "
                 "under a capacity of at least %" PRIu64 ")",
                 op->complete_line, chk_units_on(b->h, op, r), b->res[r].cap_min);
}

static void report_bound(bnd *b, uint32_t x, uint32_t o, const char *kind, const char *detail)
{
    const chk_op *op = &b->h->ops[x];
    size_t lines[4] = {op->invoke_line, op->complete_line, 0, 0};
    if (o != CHECK_NONE) {
        lines[2] = b->h->ops[o].invoke_line;
        lines[3] = b->h->ops[o].complete_line;
    }
    chk_violation(&b->report, kind, lines, 4, "%s", detail);
    b->found = true;
}

/* The checks and the observation of op x on line k (resource r, units u). */
static void on_return_slot(bnd *b, uint32_t x, uint32_t k, uint32_t r, uint64_t u)
{
    const chk_op *op = &b->h->ops[x];
    bnd_res *res = &b->res[r];
    const bnd_slot *s = &b->slot[slot_of(b, x, k)];
    bnd_sum floor = s->floor_at_invoke - res->r_inv;
    bnd_sum ceil = s->ceil_at_invoke + res->a_inv;
    char fs[48], cs[48], src[256], what[160], detail[CHECK_DETAIL_BYTES];
    sum_text(floor, fs, sizeof fs);
    sum_text(ceil, cs, sizeof cs);
    const char *name = b->h->resources.names[r];
    bool have_fval = false, have_cval = false;
    bnd_sum fval = 0, cval = 0;
    if (op->kind == CHK_GET_RESOURCE) {
        bnd_sum v = (bnd_sum)op->read_booked;
        if (op->read_booked > op->read_capacity) {
            snprintf(what, sizeof what, "%" PRIu64 " over its capacity %" PRIu64, op->read_booked,
                     op->read_capacity);
            snprintf(detail, sizeof detail,
                     "line %zu reads resource %s with booked %s: booked never exceeds capacity",
                     op->complete_line, name, what);
            report_bound(b, x, CHECK_NONE, "read_over_capacity", detail);
        } else if (v < floor) {
            source_text(b, s->fop, r, src, sizeof src);
            snprintf(what, sizeof what, "%" PRIu64 ", but at least %s", op->read_booked, fs);
            snprintf(detail, sizeof detail,
                     "line %zu reads resource %s with booked %s units were booked at its "
                     "point in every order: %s, plus the bookings answered BOOKED after it "
                     "and before this read was invoked, less every unit a cancel or a hold "
                     "end invoked in between may have released",
                     op->complete_line, name, what, src);
            report_bound(b, x, s->fop, "read_below_lower_bound", detail);
        } else if (v > ceil) {
            source_text(b, s->cop, r, src, sizeof src);
            snprintf(what, sizeof what, "%" PRIu64 ", but at most %s", op->read_booked, cs);
            snprintf(detail, sizeof detail,
                     "line %zu reads resource %s with booked %s units can have been booked "
                     "at its point in any order: %s, plus every attempt invoked after it "
                     "and before this read returned that may have booked, less the "
                     "cancels answered cancelled in between",
                     op->complete_line, name, what, src);
            report_bound(b, x, s->cop, "read_above_upper_bound", detail);
        }
        have_fval = have_cval = true;
        fval = cval = v;
    } else if (op->kind == CHK_SET_CAPACITY) {
        if (op->accept == CHK_BIT(BOOKING_REASON_OK)) {
            have_cval = true;
            cval = (bnd_sum)op->value;
        } else if (op->accept == CHK_BIT(BOOKING_REASON_CAPACITY_BELOW_BOOKED)) {
            have_fval = true;
            fval = (bnd_sum)op->value + 1;
        }
    } else if (is_fresh(op, BOOKING_REASON_BOOKED)) {
        bnd_sum room = (bnd_sum)res->cap_max - (bnd_sum)u;
        if (res->cap_seen && floor > room &&
            b->h->ops[b->sure_op[op->booking]].return_pos > op->invoke_pos) {
            source_text(b, s->fop, r, src, sizeof src);
            snprintf(what, sizeof what, "%" PRIu64 " units on resource %s", u, name);
            char cap[320];
            snprintf(cap, sizeof cap, "at least %s units were booked at its point in every "
                     "order, and no capacity set before it returned exceeds %" PRIu64, fs,
                     res->cap_max);
            snprintf(detail, sizeof detail,
                     "line %zu answers BOOKED (replayed=false) for %s, but %s: %s, plus the "
                     "bookings answered BOOKED after it and before this attempt was "
                     "invoked, less every unit a cancel or a hold end may have released "
                     "in between",
                     op->complete_line, what, cap, src);
            report_bound(b, x, s->fop, "booked_without_room", detail);
        }
    } else if (is_fresh(op, BOOKING_REASON_INSUFFICIENT_CAPACITY) && res->cap_seen) {
        if (ceil + (bnd_sum)u <= (bnd_sum)res->cap_min) {
            source_text(b, s->cop, r, src, sizeof src);
            snprintf(what, sizeof what, "%" PRIu64 " units on resource %s", u, name);
            char cap[320];
            snprintf(cap, sizeof cap, "at most %s units can have been booked at its point in "
                     "any order, and every capacity set before it returned is at least %"
                     PRIu64 ", so it had room", cs, res->cap_min);
            snprintf(detail, sizeof detail,
                     "line %zu answers REJECTED insufficient_capacity (replayed=false) for "
                     "%s, but %s: %s, plus every attempt invoked after it and before this "
                     "one returned that may have booked, less the cancels answered "
                     "cancelled in between",
                     op->complete_line, what, cap, src);
            report_bound(b, x, s->cop, "rejected_with_room", detail);
        }
        have_fval = true;
        fval = (bnd_sum)res->cap_min - (bnd_sum)u + 1;
    }
    if (have_fval) { /* floor(x) = fval + sure adds since - possible releases since */
        bnd_sum key = fval - res->s_inv + s->r_ret_at_invoke;
        if (key > res->fkey) {
            res->fkey = key;
            res->fop = x;
        }
    }
    if (have_cval) { /* ceil(x) = cval + possible adds since - sure releases since */
        bnd_sum key = cval - s->a_ret_at_invoke + res->d_inv;
        if (key < res->ckey) {
            res->ckey = key;
            res->cop = x;
        }
    }
}

static void on_return(bnd *b, uint32_t i)
{
    const chk_op *op = &b->h->ops[i];
    if (is_read(op) || (op->kind == CHK_SET_CAPACITY && op->determinate)) {
        on_return_slot(b, i, 0, op->resource, 0);
    } else if (is_fresh(op, BOOKING_REASON_BOOKED)) {
        for (uint32_t k = 0; k < op->line_count && !b->found; k++)
            on_return_slot(b, i, k, chk_op_lines(b->h, op)[k].resource,
                           chk_op_lines(b->h, op)[k].units);
    } else if (is_fresh(op, BOOKING_REASON_INSUFFICIENT_CAPACITY) && short_line(op) >= 0) {
        uint32_t k = (uint32_t)short_line(op);
        on_return_slot(b, i, k, chk_op_lines(b->h, op)[k].resource,
                       chk_op_lines(b->h, op)[k].units);
    }
    if (op->kind == CHK_ATTEMPT && b->sure_op[op->booking] == i)
        add_lines(b, op, OFF(a_ret), OFF(s_ret), 1);
    else if (op->kind == CHK_CANCEL && op->determinate && may_release(op)) {
        add_release(b, op, OFF(r_ret));
        if (sure_release(b, op))
            add_release(b, op, OFF(d_ret));
    }
}

/* Per booking: the attempt whose BOOKED answer returned first, the first invoke of
 * an attempt that may have made the record, and its indeterminate attempts. */
static bool setup(bnd *b)
{
    const check_history *h = b->h;
    size_t nb = h->bookings.count;
    b->sure_op = malloc((nb + 1) * sizeof *b->sure_op);
    b->add_inv = malloc((nb + 1) * sizeof *b->add_inv);
    b->ind_at = calloc(nb + 2, sizeof *b->ind_at);
    b->ind = malloc((h->op_count + 1) * sizeof *b->ind);
    b->res = calloc(h->resources.count + 1, sizeof *b->res);
    b->slot = calloc(h->line_total + h->op_count + 1, sizeof *b->slot);
    if (!b->sure_op || !b->add_inv || !b->ind_at || !b->ind || !b->res || !b->slot)
        return false;
    for (size_t k = 0; k < nb; k++) {
        b->sure_op[k] = CHECK_NONE;
        b->add_inv[k] = CHECK_NO_POS;
    }
    for (size_t r = 0; r < h->resources.count; r++)
        b->res[r].fop = b->res[r].cop = CHECK_NONE;
    for (size_t i = 0; i < h->op_count; i++) {
        const chk_op *op = &h->ops[i];
        if (op->kind != CHK_ATTEMPT)
            continue;
        bool booked = op->determinate && op->accept == CHK_BIT(BOOKING_REASON_BOOKED);
        if (!booked && op->determinate)
            continue;
        uint32_t bk = op->booking;
        if (op->invoke_pos < b->add_inv[bk])
            b->add_inv[bk] = op->invoke_pos;
        if (booked && (b->sure_op[bk] == CHECK_NONE ||
                       op->return_pos < h->ops[b->sure_op[bk]].return_pos))
            b->sure_op[bk] = (uint32_t)i;
        if (!op->determinate)
            b->ind_at[bk + 1]++;
    }
    for (size_t k = 0; k < nb; k++)
        b->ind_at[k + 1] += b->ind_at[k];
    uint32_t *fill = calloc(nb + 1, sizeof *fill);
    if (fill == NULL)
        return false;
    for (size_t i = 0; i < h->op_count; i++) {
        const chk_op *op = &h->ops[i];
        if (op->kind == CHK_ATTEMPT && !op->determinate)
            b->ind[b->ind_at[op->booking] + fill[op->booking]++] = (uint32_t)i;
    }
    free(fill);
    return true;
}

bool chk_bounds_checks(const check_history *h, check_report *report)
{
    bnd b = {.h = h};
    uint32_t *ev = malloc((h->events + 1) * sizeof *ev);
    bool ok = ev != NULL && setup(&b);
    if (ok) {
        for (size_t e = 0; e < h->events; e++)
            ev[e] = UINT32_MAX;
        for (size_t i = 0; i < h->op_count; i++) {
            ev[h->ops[i].invoke_pos] = (uint32_t)(i * 2);
            if (h->ops[i].return_pos != CHECK_NO_POS)
                ev[h->ops[i].return_pos] = (uint32_t)(i * 2 + 1);
        }
        for (size_t e = 0; e < h->events && !b.found; e++) {
            if (ev[e] == UINT32_MAX)
                continue;
            if (ev[e] & 1)
                on_return(&b, ev[e] / 2);
            else
                on_invoke(&b, ev[e] / 2);
        }
    }
    free(ev);
    free(b.sure_op);
    free(b.add_inv);
    free(b.ind_at);
    free(b.ind);
    free(b.res);
    free(b.slot);
    if (!b.found)
        return false;
    *report = b.report;
    return true;
}
