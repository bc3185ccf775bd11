/* SPDX-License-Identifier: MIT */
/*
 * stress_holds_rules.c: one cmocka test per rule of SPEC section 7 that the holds
 * stress checker counts, plus one that the workload reached every path of a hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stress/stress_holds.h"
#include "support/rule_violations.h"

holds_summary holds_tested;

static void expect_no_violation(holds_rule rule)
{
    expect_no_rule_violation(holds_tested.violations[rule], holds_rule_name(rule));
}

static void reads_count_active_and_unexpired_held_units_as_of_their_time(void **state)
{
    (void)state;
    expect_no_violation(HRULE_READS);
}

static void answers_agree_with_the_record_and_the_hold_timeline(void **state)
{
    (void)state;
    expect_no_violation(HRULE_ANSWERS);
}

static void store_time_lies_within_the_clock_around_each_call(void **state)
{
    (void)state;
    expect_no_violation(HRULE_TIMES);
}

static void no_hold_is_both_confirmed_and_expired(void **state)
{
    (void)state;
    expect_no_violation(HRULE_CONFIRMED_EXPIRED);
}

static void hold_units_are_released_once_by_cancel_or_expiry(void **state)
{
    (void)state;
    expect_no_violation(HRULE_RELEASED_ONCE);
}

static void after_every_expiry_booked_equals_active_units(void **state)
{
    (void)state;
    expect_no_violation(HRULE_FINAL_BOOKED);
}

static void holds_expired_stat_counts_each_unconfirmed_uncancelled_hold_once(void **state)
{
    (void)state;
    expect_no_violation(HRULE_EXPIRED_STAT);
}

static void every_call_returns_an_answer_and_none_fails(void **state)
{
    (void)state;
    expect_no_violation(HRULE_CALLS);
}

/* A run that never confirmed in time, confirmed or cancelled too late, or let a hold
 * expire proves nothing about expiry: the workload must reach every path. */
static void workload_reaches_every_path_of_a_hold(void **state)
{
    (void)state;
    const holds_summary *s = &holds_tested;
    assert_true(s->fresh_holds > 0);
    assert_true(s->fresh_booked > 0);
    assert_true(s->fresh_insufficient > 0);
    assert_true(s->confirmed > 0);
    assert_true(s->confirm_expired > 0);
    assert_true(s->cancelled_held > 0);
    assert_true(s->cancel_expired > 0);
    assert_true(s->replays_held > 0);
    assert_true(s->replays_expired > 0);
    assert_true(s->conflicts > 0);
    assert_true(s->batches > 0);
    assert_true(s->reads > 0);
    assert_true(s->expired_records > 0);
}

void holds_rule_tests(struct CMUnitTest *out)
{
    const struct CMUnitTest tests[HOLDS_RULE_TESTS] = {
        cmocka_unit_test(reads_count_active_and_unexpired_held_units_as_of_their_time),
        cmocka_unit_test(answers_agree_with_the_record_and_the_hold_timeline),
        cmocka_unit_test(store_time_lies_within_the_clock_around_each_call),
        cmocka_unit_test(no_hold_is_both_confirmed_and_expired),
        cmocka_unit_test(hold_units_are_released_once_by_cancel_or_expiry),
        cmocka_unit_test(after_every_expiry_booked_equals_active_units),
        cmocka_unit_test(holds_expired_stat_counts_each_unconfirmed_uncancelled_hold_once),
        cmocka_unit_test(every_call_returns_an_answer_and_none_fails),
        cmocka_unit_test(workload_reaches_every_path_of_a_hold),
    };
    for (size_t i = 0; i < HOLDS_RULE_TESTS; i++)
        out[i] = tests[i];
}
