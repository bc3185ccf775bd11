/* SPDX-License-Identifier: MIT */
/*
 * check_search.h: the bounded linearizability search over one component, run
 * by the driver (check.c) for each group of resources it partitioned.
 */
#ifndef BOOKING_CHECK_SEARCH_H
#define BOOKING_CHECK_SEARCH_H

#include "check/check_history.h"

typedef struct chk_budget {
    double deadline_s; /* monotonic seconds; 0: none */
    size_t states;     /* counted across components */
    bool no_answered_twins; /* check_options.no_answered_twins */
} chk_budget;

/* A budget that ends timeout_s from now (<= 0: no deadline). */
chk_budget chk_budget_start(double timeout_s);

/* The search over one component: ops[] are indexes into h->ops, in invoke order.
 * map_b / map_r are scratch arrays over all bookings / resources of h, every
 * entry CHECK_NONE on entry (and again on return).
 * Returns CHECK_VALID, CHECK_VIOLATION (report filled) or CHECK_UNDECIDED. */
check_verdict chk_search_component(const check_history *h, const uint32_t *ops, size_t count,
                                   uint32_t *map_b, uint32_t *map_r, chk_budget *budget,
                                   check_report *report);

#endif
