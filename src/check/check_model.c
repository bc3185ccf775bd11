/*
 * check_model.c: the SPEC model as the checker applies it, one operation at a
 * time. Written from SPEC sections 1 and 2, not from src/core/decide.c; the test
 * checker_model_agrees_with_core_on_random_inputs keeps the two in step.
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

/* A repeat of a decided booking_id gets its record, or a conflict; a new one
 * is decided on the resource's free units (no sum, so nothing overflows). */
static chk_step model_attempt(uint64_t units, uint32_t lr, const chk_res *res,
                              const chk_rec *rec)
{
    chk_step s = {0};
    if (rec_present(rec)) {
        bool same = rec->lr == lr && rec->units == units;
        s.answer.reason = same ? rec->reason : BOOKING_REASON_BOOKING_ID_CONFLICT;
        s.answer.replayed = same;
        return s;
    }
    if (!res_present(res)) {
        s.answer.reason = BOOKING_REASON_UNKNOWN_RESOURCE;
        return s;
    }
    assert(res->booked <= res->cap);
    bool fits = units <= res->cap - res->booked;
    s.answer.reason = fits ? BOOKING_REASON_BOOKED : BOOKING_REASON_INSUFFICIENT_CAPACITY;
    s.effect = s.rec_changes = true;
    s.rec = (chk_rec){.units = units, .lr = lr, .reason = s.answer.reason, .exists = true};
    if (fits) {
        s.res_changes = true;
        s.res = *res;
        s.res.booked += units;
    }
    return s;
}

static chk_step model_cancel(const chk_res *res, const chk_rec *rec)
{
    chk_step s = {0};
    if (!rec_present(rec))
        s.answer.reason = BOOKING_REASON_UNKNOWN_BOOKING;
    else if (rec->reason != BOOKING_REASON_BOOKED)
        s.answer.reason = BOOKING_REASON_NOT_BOOKED;
    else if (rec->cancelled)
        s.answer.reason = BOOKING_REASON_ALREADY_CANCELLED;
    else
        s.answer.reason = BOOKING_REASON_CANCELLED;
    if (s.answer.reason != BOOKING_REASON_CANCELLED)
        return s;
    /* An active BOOKED record holds its units on its resource. */
    assert(res_present(res) && res->booked >= rec->units);
    s.effect = s.res_changes = s.rec_changes = true;
    s.res = *res;
    s.res.booked -= rec->units;
    s.rec = *rec;
    s.rec.cancelled = true;
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

chk_step chk_model_step(chk_kind kind, uint64_t value, uint32_t lr, const chk_res *res,
                        const chk_rec *rec)
{
    switch (kind) {
    case CHK_ATTEMPT: return model_attempt(value, lr, res, rec);
    case CHK_CANCEL: return model_cancel(res, rec);
    case CHK_SET_CAPACITY: return model_set_capacity(value, res);
    case CHK_GET_RESOURCE: return model_get_resource(res);
    }
    assert(!"unknown operation kind");
    return (chk_step){0};
}
