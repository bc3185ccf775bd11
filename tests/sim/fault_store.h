/* SPDX-License-Identifier: MIT */
/*
 * fault_store.h: a store that wraps a real one and, by seeded choice, fails a
 * call before it reaches the real store (busy, io_error, conflict: nothing
 * happened) or after it (the call committed but is reported as FAILED io_error:
 * the ambiguous commit of SPEC section 1). Used by the deterministic simulation.
 */
#ifndef BOOKING_TEST_FAULT_STORE_H
#define BOOKING_TEST_FAULT_STORE_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct fault_rates {
    unsigned before_per_mille; /* fail before the real call */
    unsigned after_per_mille;  /* call, then report FAILED (writes only) */
} fault_rates;

typedef struct fault_counts {
    uint64_t calls, failed_before, failed_after;
} fault_counts;

/* Wraps inner (taking ownership: closing the wrapper closes it). The faults are
 * drawn from *rng (xorshift64 state owned by the caller, so one seed drives all). */
booking_store *fault_store_wrap(booking_store *inner, uint64_t *rng, fault_rates rates);

/* The real store underneath (to check invariants without faults). */
booking_store *fault_store_inner(booking_store *store);
/* Replaces the real store (after a reopen); the old one must be closed by the caller. */
void fault_store_set_inner(booking_store *store, booking_store *inner);
void fault_store_set_rates(booking_store *store, fault_rates rates);
fault_counts fault_store_counts(const booking_store *store);
/* Whether the latest call reached the real store (no fault before it): then it took
 * effect, even if a fault after it reported FAILED. */
bool fault_store_last_reached(const booking_store *store);

uint64_t sim_rand(uint64_t *state);
/* A uniform draw in 0..n-1 (n > 0). */
uint64_t sim_below(uint64_t *state, uint64_t n);

#endif
