/* SPDX-License-Identifier: MIT */
/*
 * pg_test.c: the side session and the table-level invariant check of the
 * postgres tests (see pg_test.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pg_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *pg_test_url_args(int argc, char **argv, int more_count, const char *more_usage)
{
    assert_true(more_count >= 0);
    assert_non_null(more_usage);
    if (argc < 2 + more_count) {
        fprintf(stderr, "usage: %s POSTGRES_URL%s%s\n", argv[0], more_count > 0 ? " " : "",
                more_usage);
        return NULL;
    }
    return argv[1];
}

const char *pg_test_url_arg(int argc, char **argv)
{
    return pg_test_url_args(argc, argv, 0, "");
}

booking_store *pg_test_open_with(const char *url, const char *options)
{
    char u[1024];
    snprintf(u, sizeof u, "%s%s%s", url, strchr(url, '?') ? "&" : "?", options);
    booking_store *s = NULL;
    char err[256] = "";
    if (booking_store_open(u, &s, err, sizeof err) != BOOKING_OK)
        fail_msg("open %s: %s", u, err);
    return s;
}

void pg_test_set_capacity(booking_store *s, const char *rid, uint64_t capacity)
{
    booking_reason reason;
    assert_int_equal(booking_set_capacity(s, rid, capacity, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
}

long long pg_test_booked(PGconn *pg, const char *rid)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT booked FROM resources WHERE id = '%s'", rid);
    return pg_test_value(pg, sql);
}

PGconn *pg_test_connect(const char *url)
{
    PGconn *pg = PQconnectdb(url);
    if (PQstatus(pg) != CONNECTION_OK)
        fail_msg("connect %s: %s", url, PQerrorMessage(pg));
    PQclear(PQexec(pg, "SET client_min_messages = warning"));
    return pg;
}

PGresult *pg_test_exec(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    return res;
}

long long pg_test_value(PGconn *pg, const char *sql)
{
    PGresult *res = pg_test_exec(pg, sql);
    assert_int_equal(PQntuples(res), 1);
    long long v = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

long long pg_test_check_invariant(PGconn *pg)
{
    PGresult *res = pg_test_exec(pg, "SELECT r.id, r.capacity, r.booked, coalesce(h.units, 0)"
                                     " FROM resources r LEFT JOIN " PG_TEST_HELD_UNITS
                                     " h ON h.resource_id = r.id");
    for (int i = 0; i < PQntuples(res); i++) {
        long long capacity = atoll(PQgetvalue(res, i, 1));
        long long booked = atoll(PQgetvalue(res, i, 2));
        long long active = atoll(PQgetvalue(res, i, 3));
        if (booked < 0 || booked > capacity || booked != active)
            fail_msg("invariant broken on %s: capacity %lld booked %lld active units %lld",
                     PQgetvalue(res, i, 0), capacity, booked, active);
    }
    long long n = PQntuples(res);
    PQclear(res);
    /* The lines as the schema keeps them: a bundle has all its lines 1.., and
     * only a BOOKED hold not yet released by its confirm or cancel has live ones. */
    long long bad = pg_test_value(
        pg, "SELECT count(*) FROM bookings b LEFT JOIN (SELECT booking_id, count(*) AS n,"
            " bool_or(held) AS held FROM booking_lines GROUP BY booking_id) l"
            " ON l.booking_id = b.id WHERE b.line_count - 1 <> coalesce(l.n, 0)"
            " OR (l.held AND NOT (b.outcome = 1 AND b.status IN (3, 4)))");
    if (bad != 0)
        fail_msg("%lld records whose lines are not as the schema keeps them", bad);
    return n;
}

long long pg_test_terminate_store_sessions(PGconn *pg)
{
    return pg_test_value(pg, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                             " FROM pg_stat_activity WHERE application_name = 'booking'"
                             " AND datname = current_database() AND pid <> pg_backend_pid()");
}

long long pg_test_server_ms(PGconn *pg)
{
    return pg_test_value(pg, "SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint");
}

long long pg_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the load ---- */

#include <pthread.h>
#include <string.h>
#include <unistd.h>

static void resource_name(char *out, size_t size, const char *tag, int i)
{
    snprintf(out, size, "%s-r%d", tag, i);
}

static void *load_main(void *arg)
{
    pg_load_thread *t = arg;
    pg_load *l = t->load;
    char rids[PG_LOAD_RESOURCES][PG_LOAD_ID_SIZE];
    for (int i = 0; i < PG_LOAD_RESOURCES; i++)
        resource_name(rids[i], sizeof rids[i], l->tag, i);
    while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE) && t->batch_count < PG_LOAD_BATCHES_MAX) {
        pg_load_batch *b = &t->batches[t->batch_count];
        booking_request reqs[PG_LOAD_BATCH];
        for (int i = 0; i < PG_LOAD_BATCH; i++) {
            snprintf(b->ids[i], sizeof b->ids[i], "%s-t%d-b%zu-%d", l->tag, t->index,
                     t->batch_count, i);
            reqs[i] = (booking_request){.booking_id = b->ids[i],
                                        .resource_id = rids[(t->batch_count + (size_t)i) %
                                                            PG_LOAD_RESOURCES],
                                        .units = 1 + (uint64_t)i % 3};
        }
        if (booking_attempt_batch(l->store, reqs, PG_LOAD_BATCH, b->results) != BOOKING_OK)
            fail_msg("batch refused");
        __atomic_store_n(&t->batch_count, t->batch_count + 1, __ATOMIC_RELEASE);
        /* A client pauses after a failure, as SPEC's Retry-After asks: with the
         * server down, answers come at once, and the log must not fill up. */
        if (b->results[0].outcome == BOOKING_FAILED)
            usleep(PG_LOAD_FAILED_PAUSE_MS * 1000);
    }
    return NULL;
}

void pg_load_start(pg_load *load, booking_store *store, int threads, const char *tag)
{
    memset(load, 0, sizeof *load);
    load->store = store;
    load->threads = threads;
    snprintf(load->tag, sizeof load->tag, "%s", tag);
    for (int i = 0; i < PG_LOAD_RESOURCES; i++) {
        char rid[PG_LOAD_ID_SIZE];
        resource_name(rid, sizeof rid, tag, i);
        booking_reason reason;
        assert_int_equal(booking_set_capacity(store, rid, 1000000000, &reason, NULL), BOOKING_OK);
        assert_int_equal(reason, BOOKING_REASON_OK);
    }
    for (int i = 0; i < threads; i++) {
        pg_load_thread *t = &load->t[i];
        t->load = load;
        t->index = i;
        t->batches = calloc(PG_LOAD_BATCHES_MAX, sizeof *t->batches);
        assert_non_null(t->batches);
        pthread_t *h = malloc(sizeof *h);
        assert_non_null(h);
        assert_int_equal(pthread_create(h, NULL, load_main, t), 0);
        load->handles[i] = h;
    }
}

void pg_load_stop(pg_load *load)
{
    __atomic_store_n(&load->stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < load->threads; i++) {
        pthread_join(*(pthread_t *)load->handles[i], NULL);
        free(load->handles[i]);
        load->handles[i] = NULL;
    }
    for (int i = 0; i < load->threads; i++) {
        for (size_t b = 0; b < load->t[i].batch_count; b++) {
            booking_result *r = load->t[i].batches[b].results;
            for (int k = 0; k < PG_LOAD_BATCH; k++) {
                if (r[k].outcome == BOOKING_FAILED) {
                    load->failed++;
                    load->failed_by_reason[r[k].reason]++;
                } else {
                    load->decided++;
                }
            }
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void pg_load_check(pg_load *load, PGconn *pg)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT id || ':' || outcome FROM bookings WHERE id LIKE '%s-t%%' ORDER BY 1",
             load->tag);
    PGresult *res = pg_test_exec(pg, sql);
    size_t n = (size_t)PQntuples(res);
    char **rows = calloc(n + 1, sizeof *rows);
    assert_non_null(rows);
    for (size_t i = 0; i < n; i++)
        rows[i] = PQgetvalue(res, (int)i, 0);
    qsort(rows, n, sizeof *rows, cmp_str); /* C order, whatever the collation */
    char key[PG_LOAD_ID_SIZE + 8];
    const char *k = key;
    for (int i = 0; i < load->threads; i++) {
        for (size_t b = 0; b < load->t[i].batch_count; b++) {
            pg_load_batch *batch = &load->t[i].batches[b];
            int present = 0;
            for (int j = 0; j < PG_LOAD_BATCH; j++) {
                booking_result *r = &batch->results[j];
                int found = 0;
                for (int o = BOOKING_BOOKED; o <= BOOKING_REJECTED && !found; o++) {
                    snprintf(key, sizeof key, "%s:%d", batch->ids[j], o);
                    if (bsearch(&k, rows, n, sizeof *rows, cmp_str) != NULL)
                        found = o;
                }
                present += found != 0;
                if (r->outcome != BOOKING_FAILED && (int)r->outcome != found)
                    fail_msg("%s answered %s but recorded as %d", batch->ids[j],
                             booking_outcome_name(r->outcome), found);
            }
            if (batch->results[0].outcome == BOOKING_FAILED && present != 0 &&
                present != PG_LOAD_BATCH)
                fail_msg("a FAILED batch is partly visible: %d of %d records", present,
                         PG_LOAD_BATCH);
        }
    }
    free(rows);
    PQclear(res);
    pg_test_check_invariant(pg);
}

void pg_load_free(pg_load *load)
{
    for (int i = 0; i < load->threads; i++) {
        free(load->t[i].batches);
        load->t[i].batches = NULL;
    }
}
