/* SPDX-License-Identifier: MIT */
/*
 * stress_bundles_check.c: the checker of the bundle stress (stress_bundles.h) and
 * the cmocka tests that judge it. It trusts only the logs and what the store
 * answers afterwards: each id's record, read with its lines, is the truth every
 * logged call about that id is judged against, and each night's counter is
 * compared with the sum of the lines of the live BOOKED records on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stress/stress_bundles.h"
#include "support/rule_violations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const rule_names[BRULE_COUNT] = {
    [BRULE_INVARIANT] = "per night: booked == the units of the live BOOKED stays on it",
    [BRULE_RECORD_LINES] = "a record holds its stay's lines in order (BOOKED: every night exists)",
    [BRULE_DECIDED_ONCE] = "one fresh decision per id, the one its record holds",
    [BRULE_REPLAY_AGREES] = "a replay returns the record's outcome and line, replayed=true",
    [BRULE_CONFLICT] = "a changed repeat of a decided stay gets booking_id_conflict, only it",
    [BRULE_UNKNOWN_NIGHT] = "a stay with an unknown night is REJECTED on its first failing line",
    [BRULE_CANCEL_CONFIRM] = "one CANCELLED and one CONFIRMED per id, and the status follows",
    [BRULE_READS_IN_BOUNDS] = "concurrent reads see booked <= capacity",
    [BRULE_CALL_BOUND] = "every call returned within the lock bound plus slack (no deadlock)",
    [BRULE_LIBRARY_CALLS] = "every call and read-back returned BOOKING_OK",
};

const char *bstress_rule_name(bstress_rule rule)
{
    return rule < BRULE_COUNT ? rule_names[rule] : "?";
}

static void violate(bstress_summary *s, bstress_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void violate(bstress_summary *s, bstress_rule rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rule_violation_v(&s->violations[rule], bstress_rule_name(rule), fmt, ap);
    va_end(ap);
}

/* What the store and the logs say about one booking id. */
typedef struct id_info {
    bool recorded;
    booking_record rec;
    unsigned fresh, cancelled, confirmed;
    bool failed_attempt, failed_change;
} id_info;

typedef struct id_table {
    id_info *ids[2][BSTRESS_WORKERS_MAX]; /* [ns 's' = 0, 'u' = 1][owner][seq] */
    uint32_t count[2][BSTRESS_WORKERS_MAX];
} id_table;

static int ns_index(int ns)
{
    return ns == BSTRESS_NS_UNKNOWN;
}

static int ns_of_index(int i)
{
    return i ? BSTRESS_NS_UNKNOWN : BSTRESS_NS_STAY;
}

static id_info *info_of(id_table *t, const bstress_call *c)
{
    int n = ns_index(c->ns);
    if (c->owner >= BSTRESS_WORKERS_MAX || c->seq >= t->count[n][c->owner])
        return NULL;
    return &t->ids[n][c->owner][c->seq];
}

static bool table_init(id_table *t, const bstress_log *logs, size_t log_count)
{
    memset(t, 0, sizeof *t);
    for (size_t l = 0; l < log_count; l++) {
        for (size_t i = 0; i < logs[l].count; i++) {
            const bstress_call *c = &logs[l].calls[i];
            if (c->kind == BSTRESS_CALL_GET_RESOURCE || c->owner >= BSTRESS_WORKERS_MAX)
                continue;
            uint32_t *n = &t->count[ns_index(c->ns)][c->owner];
            if (c->seq + 1 > *n)
                *n = c->seq + 1;
        }
    }
    for (int n = 0; n < 2; n++) {
        for (unsigned o = 0; o < BSTRESS_WORKERS_MAX; o++) {
            if (t->count[n][o] == 0)
                continue;
            t->ids[n][o] = calloc(t->count[n][o], sizeof(id_info));
            if (t->ids[n][o] == NULL)
                return false;
        }
    }
    return true;
}

static void table_free(id_table *t)
{
    for (int n = 0; n < 2; n++)
        for (unsigned o = 0; o < BSTRESS_WORKERS_MAX; o++)
            free(t->ids[n][o]);
}

/* Reads every id's record with its lines; checks the lines against the id's stay
 * and adds each live BOOKED record's lines to the nights' sums. */
static void read_records(booking_store *store, const bstress_config *cfg, id_table *t,
                         uint64_t live[BSTRESS_NIGHTS], bstress_summary *s, bool count_paths)
{
    memset(live, 0, BSTRESS_NIGHTS * sizeof *live);
    for (int n = 0; n < 2; n++) {
        int ns = ns_of_index(n);
        for (unsigned o = 0; o < BSTRESS_WORKERS_MAX; o++) {
            for (uint32_t q = 0; q < t->count[n][o]; q++) {
                id_info *info = &t->ids[n][o][q];
                char id[BSTRESS_ID_SIZE];
                bstress_booking_id(id, sizeof id, cfg, ns, o, q);
                booking_reason reason = BOOKING_REASON_INTERNAL;
                booking_record_line lines[BOOKING_LINES_MAX];
                if (booking_get_booking_lines(store, id, &reason, &info->rec, lines,
                                              BOOKING_LINES_MAX) != BOOKING_OK ||
                    (reason != BOOKING_REASON_OK && reason != BOOKING_REASON_UNKNOWN_BOOKING)) {
                    violate(s, BRULE_LIBRARY_CALLS, "reading %s back: %s", id,
                            booking_reason_name(reason));
                    continue;
                }
                info->recorded = reason == BOOKING_REASON_OK;
                s->ids_checked += count_paths;
                if (!info->recorded)
                    continue;
                const booking_record *r = &info->rec;
                bstress_stay stay = bstress_stay_of(cfg, ns, o, q);
                if (r->line_count != stay.nights) {
                    violate(s, BRULE_RECORD_LINES, "%s has %u lines, its stay %u nights", id,
                            (unsigned)r->line_count, stay.nights);
                    continue;
                }
                bool unknown = false;
                for (unsigned i = 0; i < stay.nights; i++) {
                    char want[BSTRESS_ID_SIZE];
                    unsigned night = bstress_night_of_line(&stay, i);
                    bstress_night_id(want, sizeof want, cfg, night);
                    unknown = unknown || night == BSTRESS_UNKNOWN_NIGHT;
                    if (strcmp(lines[i].resource_id, want) != 0 || lines[i].units != stay.units)
                        violate(s, BRULE_RECORD_LINES, "%s line %u reads %s:%llu, expected %s:%llu",
                                id, i, lines[i].resource_id, (unsigned long long)lines[i].units,
                                want, (unsigned long long)stay.units);
                }
                if (strcmp(r->resource_id, lines[0].resource_id) != 0 || r->units != lines[0].units)
                    violate(s, BRULE_RECORD_LINES, "%s: the record's resource is not line 0's", id);
                if (r->outcome == BOOKING_BOOKED && unknown)
                    violate(s, BRULE_UNKNOWN_NIGHT, "%s is BOOKED with a night that does not exist",
                            id);
                if (r->outcome == BOOKING_REJECTED &&
                    (r->line >= r->line_count ||
                     (stay.unknown_line >= 0 && r->line >= (uint32_t)stay.unknown_line)))
                    violate(s, BRULE_RECORD_LINES, "%s: REJECTED record names line %u of %u", id,
                            (unsigned)r->line, (unsigned)r->line_count);
                if (count_paths && r->status == BOOKING_STATUS_EXPIRED)
                    s->expired++;
                if (r->outcome != BOOKING_BOOKED || (r->status != BOOKING_STATUS_ACTIVE &&
                                                     r->status != BOOKING_STATUS_HELD))
                    continue;
                for (unsigned i = 0; i < stay.nights; i++)
                    live[bstress_night_of_line(&stay, i)] += stay.units;
            }
        }
    }
}

static void check_nights(booking_store *store, const bstress_config *cfg,
                         const uint64_t live[BSTRESS_NIGHTS], const char *when,
                         bstress_summary *s)
{
    for (unsigned n = 0; n < BSTRESS_NIGHTS; n++) {
        char id[BSTRESS_ID_SIZE];
        bstress_night_id(id, sizeof id, cfg, n);
        booking_reason reason = BOOKING_REASON_INTERNAL;
        booking_resource r;
        if (booking_get_resource(store, id, &reason, &r) != BOOKING_OK ||
            reason != BOOKING_REASON_OK) {
            violate(s, BRULE_LIBRARY_CALLS, "reading %s: %s", id, booking_reason_name(reason));
            continue;
        }
        if (r.booked != live[n] || r.booked > r.capacity || r.capacity != cfg->capacity)
            violate(s, BRULE_INVARIANT,
                    "%s %s: booked %llu of %llu, but the live BOOKED stays on it hold %llu", when,
                    id, (unsigned long long)r.booked, (unsigned long long)r.capacity,
                    (unsigned long long)live[n]);
    }
}

static void check_attempt(const bstress_config *cfg, const bstress_call *c, id_info *info,
                          bstress_summary *s)
{
    char id[BSTRESS_ID_SIZE];
    bstress_booking_id(id, sizeof id, cfg, c->ns, c->owner, c->seq);
    bstress_stay stay = bstress_stay_of(cfg, c->ns, c->owner, c->seq);
    s->attempts++;
    if (booking_reason_is_failure((booking_reason)c->reason)) {
        s->failed++;
        s->busy += c->reason == BOOKING_REASON_BUSY;
        info->failed_attempt = true;
        return;
    }
    bool recorded_reason = c->reason == BOOKING_REASON_BOOKED ||
                           c->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY;
    if (c->outcome == BOOKING_BOOKED && c->line != 0)
        violate(s, BRULE_DECIDED_ONCE, "%s: BOOKED naming line %u", id, (unsigned)c->line);
    if (c->variant == BSTRESS_CONFLICTING) {
        if (c->reason != BOOKING_REASON_BOOKING_ID_CONFLICT)
            violate(s, BRULE_CONFLICT, "%s: a changed repeat got %s %s", id,
                    booking_outcome_name((booking_outcome)c->outcome),
                    booking_reason_name((booking_reason)c->reason));
        s->conflicts++;
        return;
    }
    if (c->reason == BOOKING_REASON_BOOKING_ID_CONFLICT) {
        violate(s, BRULE_CONFLICT, "%s: its own stay got booking_id_conflict", id);
        return;
    }
    if (c->reason == BOOKING_REASON_UNKNOWN_RESOURCE) {
        s->unknown_night++;
        if (stay.unknown_line < 0 || c->line != (uint32_t)stay.unknown_line || c->replayed ||
            info->recorded)
            violate(s, BRULE_UNKNOWN_NIGHT,
                    "%s: unknown_resource naming line %u (its unknown line: %d, recorded %d)", id,
                    (unsigned)c->line, stay.unknown_line, info->recorded);
        return;
    }
    if (!recorded_reason) {
        violate(s, BRULE_DECIDED_ONCE, "%s: answered %s", id,
                booking_reason_name((booking_reason)c->reason));
        return;
    }
    if (!info->recorded) {
        violate(s, c->replayed ? BRULE_REPLAY_AGREES : BRULE_DECIDED_ONCE,
                "%s: answered %s (replayed %d) but has no record", id,
                booking_reason_name((booking_reason)c->reason), c->replayed);
        return;
    }
    const booking_record *r = &info->rec;
    bool agrees = c->outcome == r->outcome && c->reason == r->reason && c->line == r->line;
    if (c->replayed) {
        s->replays++;
        if (!agrees)
            violate(s, BRULE_REPLAY_AGREES, "%s: replay %s line %u, record %s line %u", id,
                    booking_reason_name((booking_reason)c->reason), (unsigned)c->line,
                    booking_reason_name(r->reason), (unsigned)r->line);
        return;
    }
    info->fresh++;
    if (!agrees)
        violate(s, BRULE_DECIDED_ONCE, "%s: decided %s line %u, record %s line %u", id,
                booking_reason_name((booking_reason)c->reason), (unsigned)c->line,
                booking_reason_name(r->reason), (unsigned)r->line);
    if (c->outcome == BOOKING_BOOKED) {
        s->fresh_booked_multi += stay.nights > 1;
        s->fresh_booked_single_form += c->single_form;
        s->held_booked += stay.hold_ms != 0;
    } else if (c->line > 0) {
        s->fresh_rejected_later_line++;
    }
}

static void check_change(const bstress_call *c, id_info *info, bstress_summary *s)
{
    if (booking_reason_is_failure((booking_reason)c->reason)) {
        info->failed_change = true;
        return;
    }
    if (c->kind == BSTRESS_CALL_CANCEL && c->reason == BOOKING_REASON_CANCELLED) {
        info->cancelled++;
        s->cancelled++;
    }
    if (c->kind == BSTRESS_CALL_CONFIRM && c->reason == BOOKING_REASON_CONFIRMED) {
        info->confirmed++;
        s->confirmed++;
    }
}

static void check_logs(const bstress_config *cfg, id_table *t, const bstress_log *logs,
                       size_t log_count, bstress_summary *s)
{
    const int64_t limit_ns = (cfg->bound_ms + BSTRESS_SLACK_MS) * 1000000;
    for (size_t l = 0; l < log_count; l++) {
        uint64_t last_call = 0;
        for (size_t i = 0; i < logs[l].count; i++) {
            const bstress_call *c = &logs[l].calls[i];
            int64_t took = c->end_ns - c->start_ns;
            if (took / 1000000 > s->slowest_call_ms)
                s->slowest_call_ms = took / 1000000;
            if (took > limit_ns && c->call_seq != last_call)
                violate(s, BRULE_CALL_BOUND, "worker %u call %llu took %lld ms (bound %lld ms)",
                        c->worker, (unsigned long long)c->call_seq, (long long)(took / 1000000),
                        (long long)cfg->bound_ms);
            if (c->kind == BSTRESS_CALL_ATTEMPT && c->batch_size > 1 && c->call_seq != last_call)
                s->batches++;
            last_call = c->call_seq;
            if (c->error) {
                violate(s, BRULE_LIBRARY_CALLS, "worker %u call %llu was refused", c->worker,
                        (unsigned long long)c->call_seq);
                continue;
            }
            if (c->kind == BSTRESS_CALL_GET_RESOURCE) {
                s->reads++;
                /* A read may FAIL too (busy: SQLite's WAL lock under a checkpoint). */
                if (booking_reason_is_failure((booking_reason)c->reason))
                    continue;
                if (c->reason != BOOKING_REASON_OK)
                    violate(s, BRULE_LIBRARY_CALLS, "a read of night %u: %s", c->night,
                            booking_reason_name((booking_reason)c->reason));
                else if (c->booked > c->capacity || c->capacity != cfg->capacity)
                    violate(s, BRULE_READS_IN_BOUNDS, "night %u read booked %llu of %llu",
                            c->night, (unsigned long long)c->booked,
                            (unsigned long long)c->capacity);
                continue;
            }
            id_info *info = info_of(t, c);
            if (info == NULL)
                continue; /* cannot happen: the table spans every logged id */
            if (c->kind == BSTRESS_CALL_ATTEMPT)
                check_attempt(cfg, c, info, s);
            else
                check_change(c, info, s);
        }
    }
}

/* Per id, over all calls: one fresh decision, one CANCELLED, one CONFIRMED, and
 * statuses that follow them. */
static void check_ids(const bstress_config *cfg, id_table *t, bstress_summary *s)
{
    for (int n = 0; n < 2; n++) {
        for (unsigned o = 0; o < BSTRESS_WORKERS_MAX; o++) {
            for (uint32_t q = 0; q < t->count[n][o]; q++) {
                const id_info *info = &t->ids[n][o][q];
                char id[BSTRESS_ID_SIZE];
                bstress_booking_id(id, sizeof id, cfg, ns_of_index(n), o, q);
                if (info->fresh > 1)
                    violate(s, BRULE_DECIDED_ONCE, "%s was decided %u times", id, info->fresh);
                if (info->recorded && info->fresh == 0 && !info->failed_attempt)
                    violate(s, BRULE_DECIDED_ONCE, "%s has a record that no call decided", id);
                booking_status st = info->recorded ? info->rec.status : BOOKING_STATUS_NONE;
                if (info->cancelled > 1 || info->confirmed > 1)
                    violate(s, BRULE_CANCEL_CONFIRM, "%s: %u CANCELLED, %u CONFIRMED", id,
                            info->cancelled, info->confirmed);
                if (info->cancelled == 1 && st != BOOKING_STATUS_CANCELLED)
                    violate(s, BRULE_CANCEL_CONFIRM, "%s was CANCELLED but reads %s", id,
                            booking_status_name(st));
                if (st == BOOKING_STATUS_CANCELLED && info->cancelled == 0 &&
                    !info->failed_change)
                    violate(s, BRULE_CANCEL_CONFIRM, "%s reads cancelled; no call cancelled it",
                            id);
                if (info->confirmed == 1 && st != BOOKING_STATUS_ACTIVE &&
                    st != BOOKING_STATUS_CANCELLED)
                    violate(s, BRULE_CANCEL_CONFIRM, "%s was CONFIRMED but reads %s", id,
                            booking_status_name(st));
            }
        }
    }
}

void bstress_check(booking_store *store, const bstress_config *cfg, const bstress_log *logs,
                   size_t log_count, bstress_summary *s)
{
    memset(s, 0, sizeof *s);
    id_table t;
    uint64_t live[BSTRESS_NIGHTS];
    if (!table_init(&t, logs, log_count)) {
        violate(s, BRULE_LIBRARY_CALLS, "no memory for the checker");
        table_free(&t);
        return;
    }
    read_records(store, cfg, &t, live, s, true);
    check_nights(store, cfg, live, "at the end", s);
    check_logs(cfg, &t, logs, log_count, s);
    check_ids(cfg, &t, s);
    /* Once every hold has ended, every held stay is free on every one of its nights. */
    atomic_fetch_add(&cfg->clock->now_ms, BSTRESS_HOLD_MS_MAX + 1);
    read_records(store, cfg, &t, live, s, false);
    check_nights(store, cfg, live, "after every hold's end", s);
    for (int n = 0; n < 2; n++)
        for (unsigned o = 0; o < BSTRESS_WORKERS_MAX; o++)
            for (uint32_t q = 0; q < t.count[n][o]; q++)
                if (t.ids[n][o][q].recorded && t.ids[n][o][q].rec.status == BOOKING_STATUS_HELD)
                    violate(s, BRULE_INVARIANT, "a hold reads held after its end");
    table_free(&t);
    fprintf(stderr,
            "bundle stress: %lu attempts (%lu batches), %lu ids; fresh BOOKED stays of 2+ nights "
            "%lu, single form %lu, holds %lu; REJECTED on a later line %lu; replays %lu, "
            "conflicts %lu, unknown night %lu; CANCELLED %lu, CONFIRMED %lu, expired %lu; "
            "FAILED %lu (busy %lu); reads %lu; slowest call %lld ms\n",
            s->attempts, s->batches, s->ids_checked, s->fresh_booked_multi,
            s->fresh_booked_single_form, s->held_booked, s->fresh_rejected_later_line, s->replays,
            s->conflicts, s->unknown_night, s->cancelled, s->confirmed, s->expired, s->failed,
            s->busy, s->reads, (long long)s->slowest_call_ms);
}

/* ---- the tests ---- */

bstress_summary bstress_tested;
bool bstress_expect_busy;

const char *bstress_parse_args(int argc, char **argv, const char *default_url)
{
    if (argc > 3 || (argc == 3 && strcmp(argv[2], "expect-busy") != 0)) {
        fprintf(stderr, "usage: %s STORE_URL [expect-busy]\n", argv[0]);
        return NULL;
    }
    bstress_expect_busy = argc == 3;
    return argc > 1 ? argv[1] : default_url;
}

static void expect_no_violation(bstress_rule rule)
{
    expect_no_rule_violation(bstress_tested.violations[rule], bstress_rule_name(rule));
}

#define RULE_TEST(fn, rule)                                                                   \
    static void fn(void **state)                                                              \
    {                                                                                         \
        (void)state;                                                                          \
        expect_no_violation(rule);                                                            \
    }

RULE_TEST(every_booked_stay_counts_on_each_of_its_nights_and_no_rejected_one, BRULE_INVARIANT)
RULE_TEST(a_record_reads_back_with_its_stays_lines_in_order, BRULE_RECORD_LINES)
RULE_TEST(a_stay_is_decided_once_as_its_record_says, BRULE_DECIDED_ONCE)
RULE_TEST(a_replayed_stay_returns_its_recorded_outcome_and_line, BRULE_REPLAY_AGREES)
RULE_TEST(a_changed_repeat_of_a_stay_is_booking_id_conflict, BRULE_CONFLICT)
RULE_TEST(a_stay_with_an_unknown_night_is_never_booked, BRULE_UNKNOWN_NIGHT)
RULE_TEST(a_stay_is_cancelled_or_confirmed_once_and_its_status_follows, BRULE_CANCEL_CONFIRM)
RULE_TEST(concurrent_reads_of_a_night_see_booked_within_capacity, BRULE_READS_IN_BOUNDS)
RULE_TEST(every_call_returns_within_its_lock_bound_so_no_deadlock, BRULE_CALL_BOUND)
RULE_TEST(every_call_returns_an_answer, BRULE_LIBRARY_CALLS)

/* A run that never booked a stay of several nights, rejected one on a later
 * night, replayed, conflicted, cancelled, confirmed or let a hold expire proves
 * nothing: the workload must reach every path, and mostly decide. */
static void workload_reaches_every_path(void **state)
{
    (void)state;
    const bstress_summary *s = &bstress_tested;
    if (bstress_expect_busy) {
        assert_true(s->busy > 0);
        assert_true(s->fresh_booked_multi > 0);
        assert_true(s->batches > 0);
        return;
    }
    assert_true(s->fresh_booked_multi > 0);
    assert_true(s->fresh_booked_single_form > 0);
    assert_true(s->held_booked > 0);
    assert_true(s->fresh_rejected_later_line > 0);
    assert_true(s->replays > 0);
    assert_true(s->conflicts > 0);
    assert_true(s->unknown_night > 0);
    assert_true(s->cancelled > 0);
    assert_true(s->confirmed > 0);
    assert_true(s->expired > 0);
    assert_true(s->batches > 0);
    assert_true(s->reads > 0);
    assert_true(s->failed * 2 < s->attempts);
}

void bstress_rule_tests(struct CMUnitTest *out)
{
    const struct CMUnitTest tests[BSTRESS_RULE_TESTS] = {
        cmocka_unit_test(every_booked_stay_counts_on_each_of_its_nights_and_no_rejected_one),
        cmocka_unit_test(a_record_reads_back_with_its_stays_lines_in_order),
        cmocka_unit_test(a_stay_is_decided_once_as_its_record_says),
        cmocka_unit_test(a_replayed_stay_returns_its_recorded_outcome_and_line),
        cmocka_unit_test(a_changed_repeat_of_a_stay_is_booking_id_conflict),
        cmocka_unit_test(a_stay_with_an_unknown_night_is_never_booked),
        cmocka_unit_test(a_stay_is_cancelled_or_confirmed_once_and_its_status_follows),
        cmocka_unit_test(concurrent_reads_of_a_night_see_booked_within_capacity),
        cmocka_unit_test(every_call_returns_within_its_lock_bound_so_no_deadlock),
        cmocka_unit_test(every_call_returns_an_answer),
        cmocka_unit_test(workload_reaches_every_path),
    };
    for (size_t i = 0; i < BSTRESS_RULE_TESTS; i++)
        out[i] = tests[i];
}
