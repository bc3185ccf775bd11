/* SPDX-License-Identifier: MIT */
/*
 * check_model.c: the SPEC model as the checker applies it, one operation at a
 * time. Written from SPEC sections 1, 2 and 7, not from src/core/decide.c; the
 * test checker_model_agrees_with_core_on_random_inputs keeps the two in step.
 */
#include "check/check_model.h"

#include <assert.h>

static bool res_present(const chk_res *res)
{
    return res != NULL && res->exists;
}

static bool rec_present(const chk_rec *rec)
{
    return rec != NULL && rec->exists;
}

booking_status chk_rec_status_at(const chk_rec *rec, int64_t now_ms)
{
    bool over = rec->status == BOOKING_STATUS_HELD && !rec->expiry_open &&
                now_ms >= rec->expires_at_ms;
    return over ? BOOKING_STATUS_EXPIRED : rec->status;
}

/* Whether the attempt repeats the record's lines, in order, and its hold. */
static bool same_attempt(const chk_call *c, const chk_rec *rec)
{
    if (rec->hold_ms != c->hold_ms)
        return false;
    if (c->lines == NULL || rec->lines == NULL) /* the single form on both sides */
        return c->lines == NULL && rec->lines == NULL && rec->lr == c->lr &&
               rec->units == c->value;
    if (rec->nlines != c->nlines)
        return false;
    for (uint32_t k = 0; k < c->nlines; k++) {
        if (rec->lines[k].resource != c->lines[k].resource ||
            rec->lines[k].units != c->lines[k].units)
            return false;
    }
    return true;
}

/* Line k's units and resource. */
static uint64_t line_units(const chk_call *c, uint32_t k)
{
    return c->lines != NULL ? c->lines[k].units : c->value;
}

static const chk_res *line_res(const chk_call *c, const chk_res *res, uint32_t k)
{
    return c->line_res != NULL ? c->line_res[k] : res;
}

/* A repeat of a decided booking_id gets its record as of now, or a conflict when
 * it names other lines, units or hold; a new one is decided line by line on the
 * state before it: the first line whose resource is unknown or short decides
 * (REJECTED, naming it), else every line is reserved (SPEC section 8). Free
 * units are compared, never summed, so nothing overflows. */
static chk_step model_attempt(const chk_call *c, const chk_res *res, const chk_rec *rec)
{
    chk_step s = {0};
    uint32_t n = c->lines != NULL ? c->nlines : 1;
    assert(n >= 1 && n <= BOOKING_LINES_MAX);
    assert(c->lines == NULL || c->line_res != NULL);
    if (rec_present(rec)) {
        bool same = same_attempt(c, rec);
        s.answer.reason = same ? rec->reason : BOOKING_REASON_BOOKING_ID_CONFLICT;
        s.answer.replayed = same;
        if (same && rec->reason == BOOKING_REASON_BOOKED) {
            s.answer.status = chk_rec_status_at(rec, c->now_ms);
            s.answer.expires_at_ms = rec->hold_ms != 0 ? rec->expires_at_ms : 0;
        }
        if (same && rec->reason != BOOKING_REASON_BOOKED)
            s.answer.line = rec->fail_line;
        return s;
    }
    s.answer.reason = BOOKING_REASON_BOOKED;
    for (uint32_t k = 0; k < n; k++) {
        const chk_res *r = line_res(c, res, k);
        if (!res_present(r)) {
            s.answer.reason = BOOKING_REASON_UNKNOWN_RESOURCE;
            s.answer.line = k;
            return s;
        }
        assert(r->booked <= r->cap);
        if (line_units(c, k) > r->cap - r->booked) {
            s.answer.reason = BOOKING_REASON_INSUFFICIENT_CAPACITY;
            s.answer.line = k;
            break;
        }
    }
    bool fits = s.answer.reason == BOOKING_REASON_BOOKED;
    s.effect = s.rec_changes = true;
    s.rec = (chk_rec){.units = line_units(c, 0), .hold_ms = c->hold_ms, .lr = c->lr,
                      .lines = c->lines, .nlines = c->lines != NULL ? n : 0,
                      .fail_line = s.answer.line, .reason = s.answer.reason,
                      .status = BOOKING_STATUS_NONE, .exists = true};
    if (fits) {
        bool hold = c->hold_ms != 0;
        s.rec.status = hold ? BOOKING_STATUS_HELD : BOOKING_STATUS_ACTIVE;
        s.rec.expires_at_ms = hold ? c->now_ms + (int64_t)c->hold_ms : 0;
        s.answer.status = s.rec.status;
        s.answer.expires_at_ms = s.rec.expires_at_ms;
        s.reserve = true;
    }
    return s;
}

/* What cancel and confirm answer alike before their own rows: no record, a
 * rejection, an expired hold (whose units the expiry already released). */
static bool change_refused(const chk_rec *rec, booking_status status, chk_step *s)
{
    if (!rec_present(rec))
        s->answer.reason = BOOKING_REASON_UNKNOWN_BOOKING;
    else if (rec->reason != BOOKING_REASON_BOOKED)
        s->answer.reason = BOOKING_REASON_NOT_BOOKED;
    else if (status == BOOKING_STATUS_EXPIRED)
        s->answer.reason = BOOKING_REASON_HOLD_EXPIRED;
    else
        return false;
    return true;
}

static chk_step model_cancel(const chk_call *c, const chk_res *res, const chk_rec *rec)
{
    chk_step s = {0};
    booking_status status = rec_present(rec) ? chk_rec_status_at(rec, c->now_ms) : 0;
    if (change_refused(rec, status, &s))
        return s;
    if (status == BOOKING_STATUS_CANCELLED) {
        s.answer.reason = BOOKING_REASON_ALREADY_CANCELLED;
        return s;
    }
    /* Active, or held and not expired: every line's units are in its resource's
     * booked; release them all. */
    assert(status == BOOKING_STATUS_ACTIVE || status == BOOKING_STATUS_HELD);
    assert(res == NULL || !res_present(res) || res->booked >= rec->units);
    s.answer.reason = BOOKING_REASON_CANCELLED;
    s.effect = s.release = s.rec_changes = true;
    s.rec = *rec;
    s.rec.status = BOOKING_STATUS_CANCELLED;
    return s;
}

/* A confirm turns an unexpired hold active; booked is unchanged (the hold's
 * units were counted already, now they stay). */
static chk_step model_confirm(const chk_call *c, const chk_rec *rec)
{
    chk_step s = {0};
    booking_status status = rec_present(rec) ? chk_rec_status_at(rec, c->now_ms) : 0;
    if (change_refused(rec, status, &s))
        return s;
    if (status == BOOKING_STATUS_CANCELLED) {
        s.answer.reason = BOOKING_REASON_ALREADY_CANCELLED;
    } else if (status == BOOKING_STATUS_ACTIVE) {
        s.answer.reason = BOOKING_REASON_ALREADY_CONFIRMED; /* a repeat, or never a hold */
    } else {
        assert(status == BOOKING_STATUS_HELD);
        s.answer.reason = BOOKING_REASON_CONFIRMED;
        s.effect = s.rec_changes = true;
        s.rec = *rec;
        s.rec.status = BOOKING_STATUS_ACTIVE; /* its end stays on the record, unused */
    }
    return s;
}

/* Setting the capacity a resource already has is answered ok and changes
 * nothing the search could tell apart, so it is no effect. */
static chk_step model_set_capacity(uint64_t capacity, const chk_res *res)
{
    chk_step s = {0};
    chk_res next = res_present(res) ? *res : (chk_res){0};
    if (next.exists && capacity < next.booked) {
        s.answer.reason = BOOKING_REASON_CAPACITY_BELOW_BOOKED;
        return s;
    }
    s.answer.reason = BOOKING_REASON_OK;
    s.effect = s.res_changes = !next.exists || next.cap != capacity;
    next.exists = true;
    next.cap = capacity;
    s.res = next;
    return s;
}

static chk_step model_get_resource(const chk_res *res)
{
    chk_step s = {0};
    s.answer.reason = res_present(res) ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_RESOURCE;
    if (res_present(res)) {
        s.answer.cap = res->cap;
        s.answer.booked = res->booked;
    }
    return s;
}

chk_step chk_model_step(const chk_call *call, const chk_res *res, const chk_rec *rec)
{
    switch (call->kind) {
    case CHK_ATTEMPT: return model_attempt(call, res, rec);
    case CHK_CANCEL: return model_cancel(call, res, rec);
    case CHK_CONFIRM: return model_confirm(call, rec);
    case CHK_SET_CAPACITY: return model_set_capacity(call->value, res);
    case CHK_GET_RESOURCE: return model_get_resource(res);
    }
    assert(!"unknown operation kind");
    return (chk_step){0};
}
