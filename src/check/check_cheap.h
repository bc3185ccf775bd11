/* SPDX-License-Identifier: MIT */
/*
 * check_cheap.h: the O(n) checks of docs/checking.md, section "Cheap checks",
 * run by the driver (check.c) before the search.
 */
#ifndef BOOKING_CHECK_CHEAP_H
#define BOOKING_CHECK_CHEAP_H

#include "check/check_history.h"

/* Returns true and fills report with the earliest violation found, false if none. */
bool chk_cheap_checks(const check_history *h, check_report *report);

/* replay_without_decision: every replay or booking_id_conflict answer has an attempt
 * invoked before it returned that may have made the record it answers from. Same
 * contract as chk_cheap_checks; the driver runs it with the bounds (check_bounds.h). */
bool chk_replay_checks(const check_history *h, check_report *report);

#endif
