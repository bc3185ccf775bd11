/* SPDX-License-Identifier: MIT */
/*
 * loadgen_holds.c: the hold-and-confirm flow both modes share: which holds are
 * confirmed, what the answers say each resource holds, and what the read-back
 * must then find, as of its own time (SPEC section 7): active units, plus holds
 * that had not ended when it read.
 */
#include "loadgen/loadgen_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int64_t loadgen_realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool loadgen_confirm_due(uint64_t *holds_seen, double ratio)
{
    assert(ratio >= 0.0 && ratio <= 1.0);
    uint64_t k = ++*holds_seen;
    return (uint64_t)((double)k * ratio) > (uint64_t)((double)(k - 1) * ratio);
}

bool loadgen_ledger_init(loadgen_ledger *l, uint64_t resources)
{
    memset(l, 0, sizeof *l);
    l->resources = resources;
    l->acked = calloc(resources, sizeof *l->acked);
    l->doubt = calloc(resources, sizeof *l->doubt);
    l->held = calloc(resources, sizeof *l->held);
    l->confirmed = calloc(resources, sizeof *l->confirmed);
    l->confirm_doubt = calloc(resources, sizeof *l->confirm_doubt);
    return l->acked && l->doubt && l->held && l->confirmed && l->confirm_doubt;
}

void loadgen_ledger_free(loadgen_ledger *l)
{
    free(l->acked);
    free(l->doubt);
    free(l->held);
    free(l->confirmed);
    free(l->confirm_doubt);
    memset(l, 0, sizeof *l);
}

void loadgen_ledger_hold_slot(loadgen_ledger *l, const loadgen_slot *s, int64_t expires_at_ms)
{
    for (uint32_t k = 0; k < loadgen_slot_lines(s); k++)
        loadgen_ledger_hold(l, s->resource + k, s->units, expires_at_ms);
}

void loadgen_ledger_hold(loadgen_ledger *l, uint32_t resource, uint64_t units,
                         int64_t expires_at_ms)
{
    assert(resource < l->resources && expires_at_ms > 0);
    l->held[resource] += units;
    if (l->end_max == 0 || expires_at_ms < l->end_min)
        l->end_min = expires_at_ms;
    if (expires_at_ms > l->end_max)
        l->end_max = expires_at_ms;
}

void loadgen_ledger_expect(const loadgen_ledger *ls, unsigned n, uint32_t resource,
                           bool has_as_of, int64_t as_of_ms, uint64_t *lo, uint64_t *hi)
{
    uint64_t active = 0, doubt = 0, held = 0, confirm_doubt = 0;
    int64_t end_min = 0, end_max = 0;
    for (unsigned i = 0; i < n; i++) {
        const loadgen_ledger *l = &ls[i];
        assert(resource < l->resources);
        active += l->acked[resource] + l->confirmed[resource];
        doubt += l->doubt[resource];
        held += l->held[resource];
        confirm_doubt += l->confirm_doubt[resource];
        if (l->end_max != 0 && (end_max == 0 || l->end_min < end_min))
            end_min = l->end_min;
        if (l->end_max > end_max)
            end_max = l->end_max;
    }
    *lo = active;
    if (end_max == 0) /* no hold: every fresh BOOKED counts */
        *hi = active + doubt;
    else if (has_as_of && as_of_ms >= end_max) /* every hold had ended */
        *hi = active + doubt + confirm_doubt;
    else if (has_as_of && as_of_ms < end_min) /* none had */
        *hi = (*lo = active + held) + doubt;
    else
        *hi = active + held + doubt;
}

bool loadgen_wait_for_expiry(int64_t end_max, uint64_t hold_ms, uint64_t *waited_ms)
{
    *waited_ms = 0;
    if (end_max == 0 || hold_ms > LOADGEN_EXPIRY_WAIT_MS_MAX)
        return false;
    int64_t start = loadgen_realtime_ms();
    int64_t until = end_max + LOADGEN_EXPIRY_MARGIN_MS;
    int64_t bound = start + (int64_t)hold_ms + LOADGEN_EXPIRY_MARGIN_MS; /* a clock far off */
    if (until > bound)
        until = bound;
    for (int64_t now = start; now < until; now = loadgen_realtime_ms()) {
        int64_t left = until - now;
        struct timespec step = {left / 1000, (long)(left % 1000) * 1000000L};
        nanosleep(&step, NULL);
    }
    *waited_ms = (uint64_t)(loadgen_realtime_ms() - start);
    return true;
}

void loadgen_holds_count(loadgen_holds *h, booking_reason reason)
{
    if ((unsigned)reason < LOADGEN_REASON_COUNT)
        h->by_reason[reason]++;
    if (booking_reason_is_failure(reason))
        h->lost++;
}

void loadgen_holds_merge(loadgen_holds *into, const loadgen_holds *from)
{
    into->booked += from->booked;
    into->confirms += from->confirms;
    for (int i = 0; i < LOADGEN_REASON_COUNT; i++)
        into->by_reason[i] += from->by_reason[i];
    into->lost += from->lost;
    into->after_expiry += from->after_expiry;
    into->late += from->late;
    into->late_wrong += from->late_wrong;
}
