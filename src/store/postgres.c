/*
 * postgres.c: the shared, durable store ("postgres://..." or "postgresql://...",
 * a libpq URI) for many service instances on many machines over one database.
 *
 * NOTES ON THE DESIGN
 *  (1) The rules live once, in the C core. The database locks, stores and
 *      checks; it does not decide. The road not taken: a PL/pgSQL function
 *      taking the batch as arrays would save one round trip per transaction,
 *      but would restate core/decide.c in SQL, and two copies of the rules drift.
 *  (2) READ COMMITTED with explicit row locks, so what the core decides on is
 *      the latest committed state: a transaction first locks every resource of
 *      its batch (SELECT ... FOR UPDATE, in id order so two batches cannot
 *      deadlock on each other), then, in a later statement and so a later
 *      snapshot, reads the records of its booking_ids. Records are written only
 *      by transactions holding their resource's lock, so none appears for these
 *      resources until we commit. SERIALIZABLE would be correct too, but would
 *      turn every contended hot resource into serialization failures (FAILED
 *      conflict) instead of a short, bounded lock queue.
 *  (3) Round trips: a batch is one transaction in two pipelined flights.
 *      Flight 1: BEGIN, lock resources, read records (one round trip).
 *      The core decides every attempt in order against the batch's view.
 *      Flight 2: INSERT the new records (one multi-row INSERT from unnest of
 *      arrays), UPDATE the changed counters (one UPDATE), COMMIT (one round trip).
 *      A single attempt is a batch of one. The resource locks are held for one
 *      client round trip plus the commit's fsync; batching (group commit in the
 *      service) spreads that over many attempts.
 *  (4) The INSERT has no ON CONFLICT: a booking_id that was decided meanwhile by
 *      another instance on another resource (the only way a new record can
 *      collide, given (2)) raises unique_violation; the transaction aborts, the
 *      pipelined COMMIT does not run, and the batch is FAILED conflict. Never
 *      retried: a repeat of the batch replays.
 *  (5) Errors, without retries: 40001, 40P01, 23505 -> conflict; 55P03, 57014
 *      (lock_timeout, statement_timeout) -> timeout; a lost connection or a
 *      standby (25006) -> unavailable, the connection is dropped and the next
 *      call reconnects (to the new primary, with target_session_attrs); no
 *      answer within statement_timeout + BOOKING_PG_CLIENT_GRACE_MS -> timeout, the
 *      connection is dropped. A loss during flight 2 is the ambiguous commit of
 *      SPEC section 1: FAILED, and a replay with the same booking_id reveals it.
 *  (6) Sessions: lock_timeout and statement_timeout (URL parameters
 *      lock_timeout_ms, statement_timeout_ms), idle_in_transaction_session_timeout
 *      (so a frozen client cannot hold locks for long), synchronous_commit on
 *      (durable, and with a synchronous standby, failover-proof), and
 *      enable_seqscan off: every statement is a primary-key access, and a generic
 *      plan cached while a table was small must not scan it whole once it grew.
 *  (7) Threads: a pool of pool_size (default BOOKING_PG_POOL_SIZE_DEFAULT) connections,
 *      each used by one call at a time, not one connection behind a mutex: a
 *      transaction holds its connection across two round trips, and calls on
 *      other resources should not queue behind it. Bounded so that N instances
 *      open at most N x pool_size sessions. A call waits at most lock_timeout_ms
 *      for a free connection (then FAILED busy).
 *
 * States of one pooled connection (pg_conn), per call:
 *
 *   NONE --connect--> IDLE --flight 1--> LOCKED --flight 2 ok--> IDLE (results stand)
 *     ^                 |                  |
 *     |                 |                  +--any error--> ROLLBACK --> IDLE (all FAILED)
 *     +---lost, timed out, ROLLBACK failed (bk_pg_abandon, conn_drop)
 */
#include "store/postgres_batch.h"
#include "store/postgres_conn.h"
#include "store/postgres_schema.h"
#include "store/store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pg_store {
    booking_store base;
    pg_pool pool;
    pg_batch *scratch[BOOKING_PG_POOL_SIZE_MAX]; /* per connection, allocated on first batch */
} pg_store;

/* ---- reading values ---- */

static bool parse_u64(const PGresult *res, int row, int col, uint64_t *out)
{
    assert(res != NULL && row >= 0 && row < PQntuples(res) && col >= 0 && col < PQnfields(res));
    if (PQgetisnull(res, row, col))
        return false;
    const char *s = PQgetvalue(res, row, col);
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

/* A record row starting at column `col`: resource_id, units, outcome, status. */
static bool parse_record(const PGresult *res, int row, int col, const char **resource_id,
                         uint64_t *units, booking_outcome *outcome, booking_status *status)
{
    uint64_t o, s;
    if (!parse_u64(res, row, col + 1, units) || !parse_u64(res, row, col + 2, &o) ||
        !parse_u64(res, row, col + 3, &s) || (o != BOOKING_BOOKED && o != BOOKING_REJECTED) ||
        s > BOOKING_STATUS_CANCELLED)
        return false;
    *resource_id = PQgetvalue(res, row, col);
    *outcome = (booking_outcome)o;
    *status = (booking_status)s;
    /* The schema's CHECK: only a BOOKED record has a status. */
    assert(*outcome == BOOKING_BOOKED || *status == BOOKING_STATUS_NONE);
    return true;
}

static bool result_has_rows(const PGresult *res)
{
    return res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
}

/* ---- one call on one pooled connection ---- */

/* What an operation passes to its work: the id it is about and its outputs. */
typedef struct pg_call_args {
    const char *id;
    uint64_t capacity;               /* set_capacity */
    booking_resource *resource;      /* set_capacity, get_resource */
    booking_record *record;          /* cancel, get_booking */
    const booking_request *requests; /* attempt_batch */
    size_t count;
    booking_result *results;
} pg_call_args;

/* The work of one call on its connection: returns OK, or the FAILED reason that
 * ends it (the transaction, if any, is then rolled back); the call's own answer
 * (a decision, or e.g. unknown_resource) goes to *answer. */
typedef booking_reason (*pg_work_fn)(pg_store *st, pg_conn *c, const pg_call_args *a,
                                     booking_reason *answer);

/* The shell every operation runs in: take a pooled connection, run the work,
 * end a failed transaction (bk_pg_abandon: ROLLBACK, or drop the connection) and
 * give the connection back. The operations below are thin callers. */
static booking_reason pg_call(pg_store *st, pg_work_fn work, const pg_call_args *a)
{
    pg_conn *c;
    booking_reason r = bk_pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK)
        return r;
    assert(c >= st->pool.conns && c < st->pool.conns + st->pool.size);
    booking_reason answer = BOOKING_REASON_INTERNAL;
    r = work(st, c, a, &answer);
    if (r != BOOKING_REASON_OK)
        bk_pg_abandon(&st->pool, c);
    bk_pg_pool_release(&st->pool, c);
    assert(r == BOOKING_REASON_OK || booking_reason_is_failure(r));
    return r == BOOKING_REASON_OK ? answer : r;
}

/* ---- the batch write path, (2) to (4) ---- */

/* Registers the batch's resources and booking_ids and writes flight 1's arrays. */
static booking_reason batch_prepare(pg_batch *b, const booking_request *requests, size_t count)
{
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    bk_pg_batch_reset(b);
    for (size_t i = 0; i < count; i++) {
        const booking_request *q = &requests[i];
        size_t rlen = strlen(q->resource_id), blen = strlen(q->booking_id);
        bool fresh;
        if (bk_overlay_get(&b->overlay, q->resource_id, rlen, &fresh) == NULL)
            return BOOKING_REASON_INTERNAL;
        if (fresh)
            bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_RESOURCE_IDS], q->resource_id, rlen);
        if (bk_pg_record_get(&b->records, q->booking_id, blen, &fresh) == NULL)
            return BOOKING_REASON_INTERNAL;
        if (fresh)
            bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_BOOKING_IDS], q->booking_id, blen);
    }
    assert(overlay_count(&b->overlay) <= count && b->records.ids.count <= count);
    return BOOKING_REASON_OK;
}

/* Reads flight 1's rows into the overlay and the record map. */
static booking_reason batch_load(pg_batch *b, const PGresult *resources, const PGresult *records)
{
    if (!result_has_rows(resources) || !result_has_rows(records))
        return BOOKING_REASON_INTERNAL;
    for (int i = 0; i < PQntuples(resources); i++) {
        bool fresh;
        overlay_entry *e = bk_overlay_get(&b->overlay, PQgetvalue(resources, i, 0),
                                       (size_t)PQgetlength(resources, i, 0), &fresh);
        if (e == NULL || fresh || !parse_u64(resources, i, 1, &e->state.capacity) ||
            !parse_u64(resources, i, 2, &e->state.booked) || !bk_core_resource_consistent(&e->state))
            return BOOKING_REASON_INTERNAL; /* a row not as the schema's CHECKs promise */
        e->exists = true;
    }
    assert((size_t)PQntuples(resources) <= overlay_count(&b->overlay));
    for (int i = 0; i < PQntuples(records); i++) {
        pg_record *r = bk_pg_record_find(&b->records, PQgetvalue(records, i, 0),
                                      (size_t)PQgetlength(records, i, 0));
        if (r == NULL ||
            !parse_record(records, i, 1, &r->resource_id, &r->units, &r->outcome, &r->status))
            return BOOKING_REASON_INTERNAL;
        r->exists = true;
    }
    assert((size_t)PQntuples(records) <= b->records.ids.count);
    return BOOKING_REASON_OK;
}

/* The core decides each attempt in order; new records go to flight 2's arrays. */
static void batch_decide(pg_batch *b, const booking_request *requests, size_t count,
                         booking_result *results)
{
    for (size_t i = 0; i < count; i++) {
        const booking_request *q = &requests[i];
        size_t rlen = strlen(q->resource_id), blen = strlen(q->booking_id);
        bool fresh;
        overlay_entry *res = bk_overlay_get(&b->overlay, q->resource_id, rlen, &fresh);
        pg_record *rec = bk_pg_record_find(&b->records, q->booking_id, blen);
        assert(res != NULL && !fresh && rec != NULL); /* batch_prepare added both */
        core_record cr;
        if (rec->exists) {
            cr = (core_record){
                .same_resource = strcmp(rec->resource_id, q->resource_id) == 0,
                .units = rec->units,
                .outcome = rec->outcome,
                .reason = bk_core_recorded_reason(rec->outcome),
                .status = rec->status,
            };
        }
        core_attempt_decision d = bk_core_decide_attempt(
            (core_attempt){.units = q->units, .hold_ms = q->hold_ms, .now_ms = 0},
            res->exists ? &res->state : NULL, rec->exists ? &cr : NULL);
        results[i] = d.result;
        if (!d.write_record)
            continue;
        *rec = (pg_record){.exists = true, .resource_id = q->resource_id, .units = q->units,
                           .outcome = d.result.outcome, .status = d.result.status};
        bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_INS_IDS], q->booking_id, blen);
        bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_INS_RESOURCES], q->resource_id, rlen);
        bk_pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_INS_UNITS], q->units);
        bk_pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_INS_OUTCOMES], (uint64_t)d.result.outcome);
        bk_pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_INS_STATUSES], (uint64_t)d.result.status);
        res->state.booked += d.booked_delta;
        res->dirty |= d.booked_delta != 0;
        assert(bk_core_resource_consistent(&res->state)); /* the counter as it will be written */
    }
    for (size_t i = 0; i < overlay_count(&b->overlay); i++) {
        overlay_entry *e = overlay_at(&b->overlay, i);
        if (!e->dirty)
            continue;
        assert(e->exists && bk_core_resource_consistent(&e->state));
        bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_UPD_IDS], e->id, e->id_len);
        bk_pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_UPD_BOOKED], e->state.booked);
    }
}

/* Flight 2: the writes and COMMIT. OK only if the COMMIT succeeded. */
static booking_reason batch_write(pg_store *st, pg_conn *c, pg_batch *b)
{
    const char *ins[5], *upd[2];
    for (int i = 0; i < 5; i++)
        ins[i] = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_INS_IDS + i]);
    upd[0] = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_IDS]);
    upd[1] = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_BOOKED]);
    for (int i = 0; i < 5; i++) {
        if (ins[i] == NULL)
            return BOOKING_REASON_INTERNAL;
    }
    if (upd[0] == NULL || upd[1] == NULL)
        return BOOKING_REASON_INTERNAL;
    assert(b->arrays[BOOKING_PG_ARR_INS_IDS].len >= 1); /* at least the opening "{" */
    assert(b->arrays[BOOKING_PG_ARR_UPD_IDS].len >= 1);
    bk_pg_flight_begin(c);
    if (b->arrays[BOOKING_PG_ARR_INS_IDS].len > 1)
        bk_pg_send(c, BOOKING_PG_INSERT_RECORDS, 5, ins);
    if (b->arrays[BOOKING_PG_ARR_UPD_IDS].len > 1)
        bk_pg_send(c, BOOKING_PG_UPDATE_BOOKED, 2, upd);
    bk_pg_send(c, BOOKING_PG_COMMIT, 0, NULL);
    return bk_pg_flight_run(&st->pool, c);
}

static booking_reason batch_run(pg_store *st, pg_conn *c, pg_batch *b,
                                const booking_request *requests, size_t count,
                                booking_result *results)
{
    assert(c->busy && c->pg != NULL);
    booking_reason r = batch_prepare(b, requests, count);
    const char *rids = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_RESOURCE_IDS]);
    const char *bids = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_BOOKING_IDS]);
    if (r != BOOKING_REASON_OK || rids == NULL || bids == NULL)
        return BOOKING_REASON_INTERNAL;
    bk_pg_flight_begin(c);
    bk_pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    bk_pg_send(c, BOOKING_PG_LOCK_RESOURCES, 1, &rids);
    bk_pg_send(c, BOOKING_PG_SELECT_RECORDS, 1, &bids);
    r = bk_pg_flight_run(&st->pool, c);
    if (r == BOOKING_REASON_OK)
        r = batch_load(b, bk_pg_result(c, 1), bk_pg_result(c, 2));
    if (r != BOOKING_REASON_OK)
        return r;
    batch_decide(b, requests, count, results);
    return batch_write(st, c, b);
}

static booking_reason work_batch(pg_store *st, pg_conn *c, const pg_call_args *a,
                                 booking_reason *answer)
{
    size_t slot = (size_t)(c - st->pool.conns);
    assert(slot < BOOKING_PG_POOL_SIZE_MAX && a->count >= 1);
    if (st->scratch[slot] == NULL)
        st->scratch[slot] = bk_pg_batch_new();
    if (st->scratch[slot] == NULL)
        return BOOKING_REASON_INTERNAL;
    *answer = BOOKING_REASON_OK; /* the decisions are in a->results */
    return batch_run(st, c, st->scratch[slot], a->requests, a->count, a->results);
}

static void pg_attempt_batch(booking_store *store, const booking_request *requests, size_t count,
                             booking_result *results)
{
    pg_call_args a = {.requests = requests, .count = count, .results = results};
    booking_reason r = pg_call((pg_store *)store, work_batch, &a);
    if (r != BOOKING_REASON_OK)
        bk_store_fail_all(results, count, r);
}

/* ---- capacity, cancel: the same two flights, for one row ---- */

/* The counters of a resource row (capacity, booked), as the schema's CHECKs keep them. */
static bool parse_resource(const PGresult *res, core_resource *state)
{
    if (!parse_u64(res, 0, 0, &state->capacity) || !parse_u64(res, 0, 1, &state->booked))
        return false;
    assert(bk_core_resource_consistent(state)); /* read: what we and the CHECKs wrote */
    return true;
}

static void public_resource_of(const char *resource_id, const core_resource *state,
                               booking_resource *out)
{
    assert(bk_core_resource_consistent(state));
    if (out == NULL)
        return;
    bk_store_copy_id(out->resource_id, resource_id, strlen(resource_id));
    out->capacity = state->capacity;
    out->booked = state->booked;
}

static booking_reason work_set_capacity(pg_store *st, pg_conn *c, const pg_call_args *a,
                                        booking_reason *answer)
{
    assert(a->id != NULL && a->capacity <= BOOKING_CAPACITY_MAX);
    bk_pg_flight_begin(c);
    bk_pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    bk_pg_send(c, BOOKING_PG_LOCK_RESOURCE, 1, &a->id);
    booking_reason r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res = bk_pg_result(c, 1);
    core_resource state = {0};
    if (!result_has_rows(res))
        return BOOKING_REASON_INTERNAL;
    bool exists = PQntuples(res) == 1;
    if (exists && !parse_resource(res, &state))
        return BOOKING_REASON_INTERNAL;
    core_capacity_decision d = bk_core_decide_set_capacity(a->capacity, exists ? &state : NULL);
    assert(!(d.create && d.update) && (!d.update || exists));
    char cap[24];
    snprintf(cap, sizeof cap, "%llu", (unsigned long long)a->capacity);
    const char *params[2] = {a->id, cap};
    bk_pg_flight_begin(c);
    if (d.create)
        bk_pg_send(c, BOOKING_PG_INSERT_RESOURCE, 2, params);
    else if (d.update)
        bk_pg_send(c, BOOKING_PG_UPDATE_CAPACITY, 2, params);
    bk_pg_send(c, BOOKING_PG_COMMIT, 0, NULL);
    r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    if (d.create || d.update)
        state.capacity = a->capacity;
    if (exists || d.create)
        public_resource_of(a->id, &state, a->resource); /* asserts the counter written */
    *answer = d.reason;
    return BOOKING_REASON_OK;
}

static booking_reason pg_set_capacity(booking_store *store, const char *resource_id,
                                      uint64_t capacity, booking_resource *out)
{
    pg_call_args a = {.id = resource_id, .capacity = capacity, .resource = out};
    return pg_call((pg_store *)store, work_set_capacity, &a);
}

/* Fills a public record from a row (resource_id, units, outcome, status). */
static bool record_from_row(const PGresult *res, const char *booking_id, core_record *rec,
                            booking_record *out)
{
    assert(PQntuples(res) == 1); /* by primary key */
    const char *rid;
    uint64_t units;
    booking_outcome outcome;
    booking_status status;
    if (!parse_record(res, 0, 0, &rid, &units, &outcome, &status))
        return false;
    *rec = (core_record){.same_resource = false, .units = units, .outcome = outcome,
                         .reason = bk_core_recorded_reason(outcome), .status = status};
    if (out != NULL) {
        bk_store_copy_id(out->booking_id, booking_id, strlen(booking_id));
        bk_store_copy_id(out->resource_id, rid, (size_t)PQgetlength(res, 0, 0));
        out->units = units;
        out->outcome = outcome;
        out->reason = rec->reason;
        out->status = status;
    }
    return true;
}

static booking_reason work_cancel(pg_store *st, pg_conn *c, const pg_call_args *a,
                                  booking_reason *answer)
{
    const char *booking_id = a->id;
    assert(booking_id != NULL);
    bk_pg_flight_begin(c);
    bk_pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    bk_pg_send(c, BOOKING_PG_LOCK_RECORD, 1, &booking_id);
    booking_reason r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res = bk_pg_result(c, 1);
    if (!result_has_rows(res))
        return BOOKING_REASON_INTERNAL;
    bool exists = PQntuples(res) == 1;
    core_record rec;
    booking_record full = {0};
    if (exists && !record_from_row(res, booking_id, &rec, &full))
        return BOOKING_REASON_INTERNAL;
    core_cancel_decision d = bk_core_decide_cancel(exists ? &rec : NULL, 0);
    assert(!d.write_status || (exists && d.booked_release == rec.units));
    char units[24];
    snprintf(units, sizeof units, "%llu", (unsigned long long)d.booked_release);
    const char *release[2] = {full.resource_id, units};
    bk_pg_flight_begin(c);
    if (d.write_status) {
        bk_pg_send(c, BOOKING_PG_MARK_CANCELLED, 1, &booking_id);
        bk_pg_send(c, BOOKING_PG_RELEASE_BOOKED, 2, release);
        full.status = BOOKING_STATUS_CANCELLED;
    }
    bk_pg_send(c, BOOKING_PG_COMMIT, 0, NULL);
    r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    if (a->record != NULL && exists)
        *a->record = full;
    *answer = d.reason;
    return BOOKING_REASON_OK;
}

static booking_reason pg_cancel(booking_store *store, const char *booking_id, booking_record *out)
{
    pg_call_args a = {.id = booking_id, .record = out};
    return pg_call((pg_store *)store, work_cancel, &a);
}

/* ---- reads: one statement, one round trip, no transaction of ours ---- */

/* Runs one read; on OK, *res is its result (owned by the connection). */
static booking_reason read_one(pg_store *st, pg_conn *c, pg_stmt stmt, const char *param,
                               const PGresult **res)
{
    bk_pg_flight_begin(c);
    bk_pg_send(c, stmt, param ? 1 : 0, param ? &param : NULL);
    booking_reason r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    *res = bk_pg_result(c, 0);
    return result_has_rows(*res) ? BOOKING_REASON_OK : BOOKING_REASON_INTERNAL;
}

static booking_reason work_get_resource(pg_store *st, pg_conn *c, const pg_call_args *a,
                                        booking_reason *answer)
{
    const PGresult *res;
    booking_reason r = read_one(st, c, BOOKING_PG_SELECT_RESOURCE, a->id, &res);
    if (r != BOOKING_REASON_OK)
        return r;
    core_resource state;
    assert(PQntuples(res) <= 1 && a->resource != NULL); /* by primary key; out required */
    if (PQntuples(res) == 0) {
        *answer = BOOKING_REASON_UNKNOWN_RESOURCE;
        return BOOKING_REASON_OK;
    }
    if (!parse_resource(res, &state))
        return BOOKING_REASON_INTERNAL;
    public_resource_of(a->id, &state, a->resource);
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

static booking_reason work_get_booking(pg_store *st, pg_conn *c, const pg_call_args *a,
                                       booking_reason *answer)
{
    const PGresult *res;
    booking_reason r = read_one(st, c, BOOKING_PG_SELECT_RECORD, a->id, &res);
    if (r != BOOKING_REASON_OK)
        return r;
    core_record rec;
    assert(PQntuples(res) <= 1); /* by primary key */
    if (PQntuples(res) == 0) {
        *answer = BOOKING_REASON_UNKNOWN_BOOKING;
        return BOOKING_REASON_OK;
    }
    if (!record_from_row(res, a->id, &rec, a->record))
        return BOOKING_REASON_INTERNAL;
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

static booking_reason work_ping(pg_store *st, pg_conn *c, const pg_call_args *a,
                                booking_reason *answer)
{
    (void)a;
    const PGresult *res;
    *answer = BOOKING_REASON_OK;
    return read_one(st, c, BOOKING_PG_PING, NULL, &res);
}

/* Only takes a connection and gives it back: the check that a session can be set up. */
static booking_reason work_none(pg_store *st, pg_conn *c, const pg_call_args *a,
                                booking_reason *answer)
{
    (void)st;
    (void)c;
    (void)a;
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

static booking_reason pg_get_resource(booking_store *store, const char *resource_id,
                                      booking_resource *out)
{
    pg_call_args a = {.id = resource_id, .resource = out};
    return pg_call((pg_store *)store, work_get_resource, &a);
}

static booking_reason pg_get_booking(booking_store *store, const char *booking_id,
                                     booking_record *out)
{
    pg_call_args a = {.id = booking_id, .record = out};
    return pg_call((pg_store *)store, work_get_booking, &a);
}

static booking_reason pg_ping(booking_store *store)
{
    pg_call_args a = {0};
    return pg_call((pg_store *)store, work_ping, &a);
}

static void pg_close(booking_store *store)
{
    pg_store *st = (pg_store *)store;
    bk_pg_pool_close(&st->pool);
    for (size_t i = 0; i < BOOKING_PG_POOL_SIZE_MAX; i++)
        bk_pg_batch_free(st->scratch[i]);
    free(st);
}

static const store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .attempt_batch = pg_attempt_batch,
    .set_capacity = pg_set_capacity,
    .cancel = pg_cancel,
    .get_resource = pg_get_resource,
    .get_booking = pg_get_booking,
    .ping = pg_ping,
};

booking_error bk_postgres_store_open(const char *url, const char *location, booking_store **out,
                                  char *errbuf, size_t errbuf_len)
{
    (void)location; /* libpq parses the whole URI, scheme included */
    assert(url != NULL && out != NULL);
    pg_options opts;
    booking_error e = bk_pg_options_parse(url, &opts, errbuf, errbuf_len);
    if (e != BOOKING_OK)
        return e;
    /* The schema first, on a connection of its own, so the pool's connections
     * can prepare statements against existing tables. */
    PGconn *admin = bk_pg_open_admin(&opts, errbuf, errbuf_len);
    if (admin == NULL)
        return BOOKING_EOPEN;
    e = bk_pg_schema_migrate(admin, opts.statement_timeout_ms, errbuf, errbuf_len);
    PQfinish(admin);
    if (e != BOOKING_OK)
        return e;
    pg_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return BOOKING_ENOMEM;
    st->base.ops = &pg_ops;
    e = bk_pg_pool_init(&st->pool, &opts);
    if (e != BOOKING_OK) {
        pg_close(&st->base);
        return e;
    }
    /* One connection now, so a server that takes the migration but refuses our
     * sessions (prepared statements, settings) fails at open, not at first use. */
    pg_call_args none = {0};
    booking_reason r = pg_call(st, work_none, &none);
    if (r != BOOKING_REASON_OK) {
        bk_store_error(errbuf, errbuf_len, "postgres: could not set up a session (%s)",
                    booking_reason_name(r));
        pg_close(&st->base);
        return BOOKING_EOPEN;
    }
    *out = &st->base;
    return BOOKING_OK;
}
