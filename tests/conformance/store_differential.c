/* SPDX-License-Identifier: MIT */
/*
 * store_differential.c: the memory and sqlite stores given the same seeded
 * history answer alike, every answer, and list alike at the end. The history
 * is what the sqlite store's batch path has shapes for (sqlite.c notes (5) and
 * (12)): batches of 1 to 140 attempts (every set of INSERT sizes, a flush at
 * each first touch of a resource and each bundle), repeats of earlier ids
 * (replays, and conflicts when the units or the form differ), bundles of 2 to 4
 * lines, some on an unknown resource, holds that expire as the clock moves,
 * cancels and confirms; long enough that the sqlite file seals several runs
 * (from its handle's key cache), so the listings merge sealed runs and a tail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_PATH_SIZE 640
#define DIFF_RESOURCES 6
#define DIFF_BATCH_MAX 140
#define DIFF_BUNDLE_LINES_MAX 4
#define DIFF_ROUNDS 4000 /* ~280k attempts, ~210k ids: three runs of 65,536 sealed */
#define DIFF_CHANGES_MAX 8
#define DIFF_ID_SIZE 40
#define DIFF_HOLD_MS_MAX 50

static int64_t clock_ms = 1800000000000;

static int64_t test_clock(void *context)
{
    (void)context;
    return clock_ms;
}

/* The resources, and one that does not exist (the last). */
static const char *const resource[DIFF_RESOURCES + 1] = {"a", "b", "c", "d", "e", "f", "none"};

static booking_store *open_url(const char *url)
{
    char why[512] = "";
    booking_store *s = NULL;
    if (booking_store_open(url, &s, why, sizeof why) != BOOKING_OK)
        fail_msg("open %s: %s", url, why);
    assert_int_equal(booking_store_set_clock(s, test_clock, NULL), BOOKING_OK);
    return s;
}

typedef struct diff_batch {
    booking_request req[DIFF_BATCH_MAX];
    booking_result mem[DIFF_BATCH_MAX], sql[DIFF_BATCH_MAX];
    char ids[DIFF_BATCH_MAX][DIFF_ID_SIZE];
    booking_line lines[DIFF_BATCH_MAX][DIFF_BUNDLE_LINES_MAX];
} diff_batch;

/* The booking_id of id number `id`: random-looking, so that runs merge. */
static void id_text(uint64_t id, char out[DIFF_ID_SIZE])
{
    snprintf(out, DIFF_ID_SIZE, "%016llx-%llu", (unsigned long long)test_mix64(id),
             (unsigned long long)id);
}

/* Attempt j of a batch: an id new or (1 in 4) one used before, a bundle (1 in
 * 5) of consecutive resources from a random one, or one line anywhere; a hold
 * 1 in 3. */
static void random_attempt(diff_batch *b, size_t j, uint64_t *rng, uint64_t *ids_used)
{
    uint64_t id = test_rng_below(rng, 4) == 0 && *ids_used > 0
                      ? test_rng_next(rng) % *ids_used
                      : (*ids_used)++;
    id_text(id, b->ids[j]);
    uint64_t hold = test_rng_below(rng, 3) == 0 ? 1 + test_rng_below(rng, DIFF_HOLD_MS_MAX) : 0;
    if (test_rng_below(rng, 5) == 0) {
        size_t n = 2 + test_rng_below(rng, DIFF_BUNDLE_LINES_MAX - 1);
        size_t from = test_rng_below(rng, DIFF_RESOURCES + 1);
        for (size_t l = 0; l < n; l++)
            b->lines[j][l] = (booking_line){.resource_id = resource[(from + l) % (DIFF_RESOURCES + 1)],
                                            .units = 1 + test_rng_below(rng, 3)};
        b->req[j] = (booking_request){.booking_id = b->ids[j], .lines = b->lines[j],
                                      .line_count = n, .hold_ms = hold};
    } else {
        b->req[j] = (booking_request){.booking_id = b->ids[j],
                                      .resource_id = resource[test_rng_below(rng, DIFF_RESOURCES + 1)],
                                      .units = 1 + test_rng_below(rng, 3), .hold_ms = hold};
    }
}

static void expect_same_result(const booking_result *m, const booking_result *s, const char *id)
{
    if (m->outcome != s->outcome || m->reason != s->reason || m->replayed != s->replayed ||
        m->status != s->status || m->line != s->line || m->expires_at_ms != s->expires_at_ms)
        fail_msg("%s: memory %s %s replayed %d status %d line %d, sqlite %s %s replayed %d "
                 "status %d line %d",
                 id, booking_outcome_name(m->outcome), booking_reason_name(m->reason), m->replayed,
                 (int)m->status, (int)m->line, booking_outcome_name(s->outcome),
                 booking_reason_name(s->reason), s->replayed, (int)s->status, (int)s->line);
}

/* A few cancels and confirms of ids used before, on both: the same answers. */
static void random_changes(booking_store *mem, booking_store *sql, uint64_t *rng,
                           uint64_t ids_used)
{
    booking_change ch[DIFF_CHANGES_MAX];
    booking_reason rm[DIFF_CHANGES_MAX], rs[DIFF_CHANGES_MAX];
    char ids[DIFF_CHANGES_MAX][DIFF_ID_SIZE];
    size_t n = 1 + test_rng_below(rng, DIFF_CHANGES_MAX);
    for (size_t q = 0; q < n; q++) {
        id_text(test_rng_next(rng) % ids_used, ids[q]);
        ch[q] = (booking_change){.booking_id = ids[q],
                                 .kind = test_rng_below(rng, 2) ? BOOKING_CHANGE_CANCEL
                                                                : BOOKING_CHANGE_CONFIRM};
    }
    assert_int_equal(booking_change_batch(mem, ch, n, rm, NULL), BOOKING_OK);
    assert_int_equal(booking_change_batch(sql, ch, n, rs, NULL), BOOKING_OK);
    for (size_t q = 0; q < n; q++) {
        if (rm[q] != rs[q])
            fail_msg("change %s: memory %s, sqlite %s", ids[q], booking_reason_name(rm[q]),
                     booking_reason_name(rs[q]));
    }
}

/* Every page of rid's listing on both: the same records, every field, the same pages. */
static size_t expect_same_listing(booking_store *mem, booking_store *sql, const char *rid)
{
    static booking_record pm[BOOKING_LIST_LIMIT_MAX], ps[BOOKING_LIST_LIMIT_MAX];
    char after[BOOKING_LIST_NEXT_SIZE] = "";
    size_t total = 0;
    for (bool first = true;; first = false) {
        booking_reason qm, qs;
        size_t cm = 0, cs = 0;
        char nm[BOOKING_LIST_NEXT_SIZE] = "", ns[BOOKING_LIST_NEXT_SIZE] = "";
        const char *a = first ? NULL : after;
        assert_int_equal(booking_list_bookings(mem, rid, BOOKING_LIST_ALL, a,
                                               BOOKING_LIST_LIMIT_MAX, &qm, pm, &cm, nm),
                         BOOKING_OK);
        assert_int_equal(booking_list_bookings(sql, rid, BOOKING_LIST_ALL, a,
                                               BOOKING_LIST_LIMIT_MAX, &qs, ps, &cs, ns),
                         BOOKING_OK);
        assert_int_equal(qm, BOOKING_REASON_OK);
        assert_int_equal(qs, BOOKING_REASON_OK);
        assert_int_equal(cm, cs);
        assert_string_equal(nm, ns);
        for (size_t k = 0; k < cm; k++) {
            const booking_record *m = &pm[k], *q = &ps[k];
            assert_string_equal(m->booking_id, q->booking_id);
            assert_string_equal(m->resource_id, q->resource_id);
            assert_int_equal(m->units, q->units);
            assert_int_equal(m->hold_ms, q->hold_ms);
            assert_int_equal(m->outcome, q->outcome);
            assert_int_equal(m->reason, q->reason);
            assert_int_equal(m->status, q->status);
            assert_int_equal(m->created_at_ms, q->created_at_ms);
            assert_int_equal(m->updated_at_ms, q->updated_at_ms);
            assert_int_equal(m->expires_at_ms, q->expires_at_ms);
            assert_int_equal(m->line_count, q->line_count);
            assert_int_equal(m->line, q->line);
        }
        total += cm;
        if (nm[0] == '\0')
            return total;
        memcpy(after, nm, sizeof after);
    }
}

static void memory_and_sqlite_answer_and_list_a_random_history_alike(void **state)
{
    (void)state;
    char url[DIFF_PATH_SIZE + 16];
    snprintf(url, sizeof url, "sqlite:%s/differential.db", test_tmpdir());
    booking_store *mem = open_url("memory:"), *sql = open_url(url);
    uint64_t rng = 20261203;
    for (size_t i = 0; i < DIFF_RESOURCES; i++) {
        uint64_t capacity = 1000 + test_rng_below(&rng, 150000); /* full at different times */
        booking_reason rm, rs;
        assert_int_equal(booking_set_capacity(mem, resource[i], capacity, &rm, NULL), BOOKING_OK);
        assert_int_equal(booking_set_capacity(sql, resource[i], capacity, &rs, NULL), BOOKING_OK);
        assert_int_equal(rm, BOOKING_REASON_OK);
        assert_int_equal(rs, BOOKING_REASON_OK);
    }
    diff_batch *b = malloc(sizeof *b);
    assert_non_null(b);
    uint64_t ids_used = 0;
    for (size_t round = 0; round < DIFF_ROUNDS; round++) {
        size_t n = 1 + test_rng_below(&rng, DIFF_BATCH_MAX);
        for (size_t j = 0; j < n; j++)
            random_attempt(b, j, &rng, &ids_used);
        assert_int_equal(booking_attempt_batch(mem, b->req, n, b->mem), BOOKING_OK);
        assert_int_equal(booking_attempt_batch(sql, b->req, n, b->sql), BOOKING_OK);
        for (size_t j = 0; j < n; j++)
            expect_same_result(&b->mem[j], &b->sql[j], b->req[j].booking_id);
        clock_ms += test_rng_below(&rng, 20); /* holds expire on the way */
        if (test_rng_below(&rng, 10) == 0)
            random_changes(mem, sql, &rng, ids_used);
    }
    free(b);
    size_t listed = 0;
    for (size_t i = 0; i < DIFF_RESOURCES; i++) {
        booking_resource rm, rs;
        booking_reason qm, qs;
        assert_int_equal(booking_get_resource(mem, resource[i], &qm, &rm), BOOKING_OK);
        assert_int_equal(booking_get_resource(sql, resource[i], &qs, &rs), BOOKING_OK);
        assert_int_equal(rm.booked, rs.booked);
        listed += expect_same_listing(mem, sql, resource[i]);
    }
    assert_true(listed > 3 * 65536); /* the runs sealed hold most of it */
    booking_store_stats stats;
    assert_int_equal(booking_store_get_stats(sql, &stats), BOOKING_OK);
    assert_int_equal(stats.listing_seal_failures, 0);
    booking_store_close(mem);
    booking_store_close(sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_and_sqlite_answer_and_list_a_random_history_alike),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_tmpdir_remove();
    return failed;
}
