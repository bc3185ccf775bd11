/* SPDX-License-Identifier: MIT */
/*
 * fault_store.c: the fault-injecting wrapper of fault_store.h. Faults are drawn
 * before the real call (so a "before" fault never reaches the store) and after
 * it (a write that committed is reported FAILED io_error), per store operation.
 */
#include "sim/fault_store.h"

#include <stdlib.h>

typedef struct fault_store {
    booking_store base;
    booking_store *inner;
    uint64_t *rng;
    fault_rates rates;
    fault_counts counts;
    bool last_reached; /* whether the latest call reached the real store */
} fault_store;

uint64_t sim_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

uint64_t sim_below(uint64_t *state, uint64_t n)
{
    return (sim_rand(state) >> 11) % n;
}

static const booking_reason before_reasons[] = {
    BOOKING_REASON_BUSY,
    BOOKING_REASON_IO_ERROR,
    BOOKING_REASON_CONFLICT,
};

/* OK, or the failure to answer without calling the real store. */
static booking_reason fault_before(fault_store *f)
{
    f->counts.calls++;
    f->last_reached = true;
    if (sim_below(f->rng, 1000) >= f->rates.before_per_mille)
        return BOOKING_REASON_OK;
    f->last_reached = false;
    f->counts.failed_before++;
    return before_reasons[sim_below(f->rng, sizeof before_reasons / sizeof before_reasons[0])];
}

static bool fault_after(fault_store *f)
{
    if (sim_below(f->rng, 1000) >= f->rates.after_per_mille)
        return false;
    f->counts.failed_after++;
    return true;
}

static void f_close(booking_store *store)
{
    fault_store *f = (fault_store *)store;
    booking_store_close(f->inner);
    free(f);
}

static void f_attempt_batch(booking_store *store, const booking_request *requests, size_t count,
                            booking_result *results)
{
    fault_store *f = (fault_store *)store;
    booking_reason r = fault_before(f);
    if (r != BOOKING_REASON_OK) {
        bk_store_fail_all(results, count, r);
        return;
    }
    f->inner->ops->attempt_batch(f->inner, requests, count, results);
    if (fault_after(f))
        bk_store_fail_all(results, count, BOOKING_REASON_IO_ERROR);
}

static booking_reason f_set_capacity(booking_store *store, const char *resource_id,
                                     uint64_t capacity, booking_resource *out)
{
    fault_store *f = (fault_store *)store;
    booking_reason r = fault_before(f);
    if (r != BOOKING_REASON_OK)
        return r;
    r = f->inner->ops->set_capacity(f->inner, resource_id, capacity, out);
    return fault_after(f) ? BOOKING_REASON_IO_ERROR : r;
}

static void f_change_batch(booking_store *store, const booking_change *changes, size_t count,
                           booking_reason *reasons, booking_record *records)
{
    fault_store *f = (fault_store *)store;
    booking_reason r = fault_before(f);
    if (r == BOOKING_REASON_OK) {
        f->inner->ops->change_batch(f->inner, changes, count, reasons, records);
        if (fault_after(f))
            r = BOOKING_REASON_IO_ERROR;
    }
    for (size_t i = 0; r != BOOKING_REASON_OK && i < count; i++)
        reasons[i] = r;
}

static booking_reason f_get_resource(booking_store *store, const char *resource_id,
                                     booking_resource *out)
{
    fault_store *f = (fault_store *)store;
    booking_reason r = fault_before(f);
    return r != BOOKING_REASON_OK ? r : f->inner->ops->get_resource(f->inner, resource_id, out);
}

static booking_reason f_get_booking(booking_store *store, const char *booking_id,
                                    booking_record *out, booking_record_line *lines,
                                    size_t lines_cap)
{
    fault_store *f = (fault_store *)store;
    booking_reason r = fault_before(f);
    return r != BOOKING_REASON_OK ? r
                                  : f->inner->ops->get_booking(f->inner, booking_id, out, lines,
                                                               lines_cap);
}

static booking_reason f_ping(booking_store *store)
{
    fault_store *f = (fault_store *)store;
    booking_reason r = fault_before(f);
    return r != BOOKING_REASON_OK ? r : f->inner->ops->ping(f->inner);
}

static const store_ops fault_ops = {
    .name = "fault",
    .close = f_close,
    .attempt_batch = f_attempt_batch,
    .set_capacity = f_set_capacity,
    .change_batch = f_change_batch,
    .get_resource = f_get_resource,
    .get_booking = f_get_booking,
    .ping = f_ping,
};

booking_store *fault_store_wrap(booking_store *inner, uint64_t *rng, fault_rates rates)
{
    fault_store *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->base.ops = &fault_ops;
    f->inner = inner;
    f->rng = rng;
    f->rates = rates;
    return &f->base;
}

booking_store *fault_store_inner(booking_store *store)
{
    return ((fault_store *)store)->inner;
}

void fault_store_set_inner(booking_store *store, booking_store *inner)
{
    ((fault_store *)store)->inner = inner;
}

void fault_store_set_rates(booking_store *store, fault_rates rates)
{
    ((fault_store *)store)->rates = rates;
}

bool fault_store_last_reached(const booking_store *store)
{
    return ((const fault_store *)store)->last_reached;
}

fault_counts fault_store_counts(const booking_store *store)
{
    return ((const fault_store *)store)->counts;
}
