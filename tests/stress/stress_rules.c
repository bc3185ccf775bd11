/* SPDX-License-Identifier: MIT */
/*
 * stress_rules.c: one cmocka test per rule of SPEC section 1 that the stress
 * checker counts, plus one that the workload reached every path.
 */
#include "stress/stress_rules.h"
#include "support/rule_violations.h"

#include <stdio.h>
#include <string.h>

stress_summary stress_tested;
bool stress_expect_busy;

bool stress_parse_mode(int argc, char **argv)
{
    if (argc <= 2)
        return true;
    if (argc == 3 && strcmp(argv[2], "expect-busy") == 0) {
        stress_expect_busy = true;
        return true;
    }
    fprintf(stderr, "usage: %s STORE_URL [expect-busy]\n", argv[0]);
    return false;
}

static void expect_no_violation(stress_rule rule)
{
    expect_no_rule_violation(stress_tested.violations[rule], stress_rule_name(rule));
}

static void invariant_booked_equals_active_booked_units_within_capacity(void **state)
{
    (void)state;
    expect_no_violation(RULE_INVARIANT);
}

static void replay_returns_first_decision_with_replayed_true(void **state)
{
    (void)state;
    expect_no_violation(RULE_REPLAY_AGREES);
}

static void booking_id_is_decided_at_most_once(void **state)
{
    (void)state;
    expect_no_violation(RULE_DECIDED_ONCE);
}

static void differing_repeat_gets_booking_id_conflict(void **state)
{
    (void)state;
    expect_no_violation(RULE_CONFLICT);
}

static void failed_attempt_leaves_no_trace_or_full_decision(void **state)
{
    (void)state;
    expect_no_violation(RULE_FAILED_NO_TRACE);
}

static void concurrent_reads_see_booked_within_capacity(void **state)
{
    (void)state;
    expect_no_violation(RULE_READS_IN_BOUNDS);
}

static void failed_batch_fails_every_attempt_alike(void **state)
{
    (void)state;
    expect_no_violation(RULE_BATCH_ALL_OR_NONE);
}

static void cancel_releases_once_and_status_follows(void **state)
{
    (void)state;
    expect_no_violation(RULE_CANCEL);
}

static void unknown_resource_is_rejected_and_not_recorded(void **state)
{
    (void)state;
    expect_no_violation(RULE_UNKNOWN_RESOURCE);
}

static void every_call_returns_an_answer(void **state)
{
    (void)state;
    expect_no_violation(RULE_LIBRARY_CALLS);
}

/* A run that never booked, rejected, replayed, conflicted or cancelled proves
 * nothing: the workload must reach every path, and mostly decide (or, when
 * busy answers are the point, give some). */
static void workload_reaches_every_path(void **state)
{
    (void)state;
    const stress_summary *s = &stress_tested;
    if (stress_expect_busy) {
        assert_true(s->failed_by_reason[BOOKING_REASON_BUSY] > 0);
        assert_true(s->fresh_booked > 0);
        assert_true(s->replays_booked > 0);
        assert_true(s->conflicts > 0);
        assert_true(s->batches > 0);
        return;
    }
    assert_true(s->fresh_booked > 0);
    assert_true(s->fresh_insufficient > 0);
    assert_true(s->replays_booked > 0);
    assert_true(s->replays > s->replays_booked);
    assert_true(s->conflicts > 0);
    assert_true(s->unknown_resource > 0);
    assert_true(s->cancelled > 0);
    assert_true(s->batches > 0);
    assert_true(s->reads > 0);
    assert_true(s->failed * 2 < s->attempts);
}

void stress_rule_tests(struct CMUnitTest out[STRESS_RULE_TESTS])
{
    const struct CMUnitTest tests[STRESS_RULE_TESTS] = {
        cmocka_unit_test(invariant_booked_equals_active_booked_units_within_capacity),
        cmocka_unit_test(replay_returns_first_decision_with_replayed_true),
        cmocka_unit_test(booking_id_is_decided_at_most_once),
        cmocka_unit_test(differing_repeat_gets_booking_id_conflict),
        cmocka_unit_test(failed_attempt_leaves_no_trace_or_full_decision),
        cmocka_unit_test(concurrent_reads_see_booked_within_capacity),
        cmocka_unit_test(failed_batch_fails_every_attempt_alike),
        cmocka_unit_test(cancel_releases_once_and_status_follows),
        cmocka_unit_test(unknown_resource_is_rejected_and_not_recorded),
        cmocka_unit_test(every_call_returns_an_answer),
        cmocka_unit_test(workload_reaches_every_path),
    };
    for (size_t i = 0; i < STRESS_RULE_TESTS; i++)
        out[i] = tests[i];
}
