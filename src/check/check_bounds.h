/* SPDX-License-Identifier: MIT */
/*
 * check_bounds.h: bounds on each resource's booked, O(n) in one sweep of the
 * history (docs/checking.md, "Bounds on booked"), run by the driver (check.c)
 * after the cheap checks and before the search. A bound that an answer breaks is
 * a proof of a violation by itself.
 */
#ifndef BOOKING_CHECK_BOUNDS_H
#define BOOKING_CHECK_BOUNDS_H

#include "check/check_history.h"

/* Returns true and fills report with the violation whose lines end earliest,
 * false if every answer is within its bounds (or memory ran out: the search
 * still decides). */
bool chk_bounds_checks(const check_history *h, check_report *report);

#endif
