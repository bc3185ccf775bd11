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
 *     +---lost, timed out, ROLLBACK failed (pg_abandon, conn_drop)
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
    return true;
}

static booking_reason recorded_reason(booking_outcome outcome)
{
    return outcome == BOOKING_BOOKED ? BOOKING_REASON_BOOKED
                                     : BOOKING_REASON_INSUFFICIENT_CAPACITY;
}

static bool result_has_rows(const PGresult *res)
{
    return res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
}

/* ---- the batch write path, (2) to (4) ---- */

/* Registers the batch's resources and booking_ids and writes flight 1's arrays. */
static booking_reason batch_prepare(pg_batch *b, const booking_request *requests, size_t count)
{
    pg_batch_reset(b);
    for (size_t i = 0; i < count; i++) {
        const booking_request *q = &requests[i];
        size_t rlen = strlen(q->resource_id), blen = strlen(q->booking_id);
        bool fresh;
        if (overlay_get(&b->overlay, q->resource_id, rlen, &fresh) == NULL)
            return BOOKING_REASON_INTERNAL;
        if (fresh)
            pg_text_add_id(&b->arrays[BOOKING_PG_ARR_RESOURCE_IDS], q->resource_id, rlen);
        if (pg_record_get(&b->records, q->booking_id, blen, &fresh) == NULL)
            return BOOKING_REASON_INTERNAL;
        if (fresh)
            pg_text_add_id(&b->arrays[BOOKING_PG_ARR_BOOKING_IDS], q->booking_id, blen);
    }
    return BOOKING_REASON_OK;
}

/* Reads flight 1's rows into the overlay and the record map. */
static booking_reason batch_load(pg_batch *b, const PGresult *resources, const PGresult *records)
{
    if (!result_has_rows(resources) || !result_has_rows(records))
        return BOOKING_REASON_INTERNAL;
    for (int i = 0; i < PQntuples(resources); i++) {
        bool fresh;
        overlay_entry *e = overlay_get(&b->overlay, PQgetvalue(resources, i, 0),
                                       (size_t)PQgetlength(resources, i, 0), &fresh);
        if (e == NULL || fresh || !parse_u64(resources, i, 1, &e->state.capacity) ||
            !parse_u64(resources, i, 2, &e->state.booked) || !core_resource_consistent(&e->state))
            return BOOKING_REASON_INTERNAL;
        e->exists = true;
    }
    for (int i = 0; i < PQntuples(records); i++) {
        pg_record *r = pg_record_find(&b->records, PQgetvalue(records, i, 0),
                                      (size_t)PQgetlength(records, i, 0));
        if (r == NULL ||
            !parse_record(records, i, 1, &r->resource_id, &r->units, &r->outcome, &r->status))
            return BOOKING_REASON_INTERNAL;
        r->exists = true;
    }
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
        overlay_entry *res = overlay_get(&b->overlay, q->resource_id, rlen, &fresh);
        pg_record *rec = pg_record_find(&b->records, q->booking_id, blen);
        assert(res != NULL && !fresh && rec != NULL); /* batch_prepare added both */
        core_record cr;
        if (rec->exists) {
            cr = (core_record){
                .same_resource = strcmp(rec->resource_id, q->resource_id) == 0,
                .units = rec->units,
                .outcome = rec->outcome,
                .reason = recorded_reason(rec->outcome),
                .status = rec->status,
            };
        }
        core_attempt_decision d = core_decide_attempt(
            q->units, res->exists ? &res->state : NULL, rec->exists ? &cr : NULL);
        results[i] = d.result;
        if (!d.write_record)
            continue;
        *rec = (pg_record){.exists = true, .resource_id = q->resource_id, .units = q->units,
                           .outcome = d.result.outcome, .status = d.result.status};
        pg_text_add_id(&b->arrays[BOOKING_PG_ARR_INS_IDS], q->booking_id, blen);
        pg_text_add_id(&b->arrays[BOOKING_PG_ARR_INS_RESOURCES], q->resource_id, rlen);
        pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_INS_UNITS], q->units);
        pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_INS_OUTCOMES], (uint64_t)d.result.outcome);
        pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_INS_STATUSES], (uint64_t)d.result.status);
        res->state.booked += d.booked_delta;
        res->dirty |= d.booked_delta != 0;
    }
    for (size_t i = 0; i < overlay_count(&b->overlay); i++) {
        overlay_entry *e = overlay_at(&b->overlay, i);
        if (!e->dirty)
            continue;
        pg_text_add_id(&b->arrays[BOOKING_PG_ARR_UPD_IDS], e->id, e->id_len);
        pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_UPD_BOOKED], e->state.booked);
    }
}

/* Flight 2: the writes and COMMIT. OK only if the COMMIT succeeded. */
static booking_reason batch_write(pg_store *st, pg_conn *c, pg_batch *b)
{
    const char *ins[5], *upd[2];
    for (int i = 0; i < 5; i++)
        ins[i] = pg_text_finish(&b->arrays[BOOKING_PG_ARR_INS_IDS + i]);
    upd[0] = pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_IDS]);
    upd[1] = pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_BOOKED]);
    for (int i = 0; i < 5; i++) {
        if (ins[i] == NULL)
            return BOOKING_REASON_INTERNAL;
    }
    if (upd[0] == NULL || upd[1] == NULL)
        return BOOKING_REASON_INTERNAL;
    pg_flight_begin(c);
    if (b->arrays[BOOKING_PG_ARR_INS_IDS].len > 1)
        pg_send(c, BOOKING_PG_INSERT_RECORDS, 5, ins);
    if (b->arrays[BOOKING_PG_ARR_UPD_IDS].len > 1)
        pg_send(c, BOOKING_PG_UPDATE_BOOKED, 2, upd);
    pg_send(c, BOOKING_PG_COMMIT, 0, NULL);
    return pg_flight_run(&st->pool, c);
}

static booking_reason batch_run(pg_store *st, pg_conn *c, pg_batch *b,
                                const booking_request *requests, size_t count,
                                booking_result *results)
{
    booking_reason r = batch_prepare(b, requests, count);
    const char *rids = pg_text_finish(&b->arrays[BOOKING_PG_ARR_RESOURCE_IDS]);
    const char *bids = pg_text_finish(&b->arrays[BOOKING_PG_ARR_BOOKING_IDS]);
    if (r != BOOKING_REASON_OK || rids == NULL || bids == NULL)
        return BOOKING_REASON_INTERNAL;
    pg_flight_begin(c);
    pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    pg_send(c, BOOKING_PG_LOCK_RESOURCES, 1, &rids);
    pg_send(c, BOOKING_PG_SELECT_RECORDS, 1, &bids);
    r = pg_flight_run(&st->pool, c);
    if (r == BOOKING_REASON_OK)
        r = batch_load(b, pg_result(c, 1), pg_result(c, 2));
    if (r != BOOKING_REASON_OK)
        return r;
    batch_decide(b, requests, count, results);
    return batch_write(st, c, b);
}

static void pg_attempt_batch(booking_store *store, const booking_request *requests, size_t count,
                             booking_result *results)
{
    pg_store *st = (pg_store *)store;
    pg_conn *c;
    booking_reason r = pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK) {
        store_fail_all(results, count, r);
        return;
    }
    size_t slot = (size_t)(c - st->pool.conns);
    if (st->scratch[slot] == NULL)
        st->scratch[slot] = pg_batch_new();
    if (st->scratch[slot] == NULL)
        r = BOOKING_REASON_INTERNAL;
    else
        r = batch_run(st, c, st->scratch[slot], requests, count, results);
    if (r != BOOKING_REASON_OK) {
        pg_abandon(&st->pool, c);
        store_fail_all(results, count, r);
    }
    pg_pool_release(&st->pool, c);
}

/* ---- capacity, cancel: the same two flights, for one row ---- */

static booking_reason run_set_capacity(pg_store *st, pg_conn *c, const char *resource_id,
                                       uint64_t capacity, booking_resource *out,
                                       booking_reason *decided)
{
    pg_flight_begin(c);
    pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    pg_send(c, BOOKING_PG_LOCK_RESOURCE, 1, &resource_id);
    booking_reason r = pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res = pg_result(c, 1);
    core_resource state = {0};
    bool exists = result_has_rows(res) && PQntuples(res) == 1;
    if (!result_has_rows(res) ||
        (exists && (!parse_u64(res, 0, 0, &state.capacity) || !parse_u64(res, 0, 1, &state.booked))))
        return BOOKING_REASON_INTERNAL;
    core_capacity_decision d = core_decide_set_capacity(capacity, exists ? &state : NULL);
    char cap[24];
    snprintf(cap, sizeof cap, "%llu", (unsigned long long)capacity);
    const char *params[2] = {resource_id, cap};
    pg_flight_begin(c);
    if (d.create)
        pg_send(c, BOOKING_PG_INSERT_RESOURCE, 2, params);
    else if (d.update)
        pg_send(c, BOOKING_PG_UPDATE_CAPACITY, 2, params);
    pg_send(c, BOOKING_PG_COMMIT, 0, NULL);
    r = pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    if (d.create || d.update)
        state.capacity = capacity;
    if (out != NULL && (exists || d.create)) {
        store_copy_id(out->resource_id, resource_id, strlen(resource_id));
        out->capacity = state.capacity;
        out->booked = state.booked;
    }
    *decided = d.reason;
    return BOOKING_REASON_OK;
}

static booking_reason pg_set_capacity(booking_store *store, const char *resource_id,
                                      uint64_t capacity, booking_resource *out)
{
    pg_store *st = (pg_store *)store;
    pg_conn *c;
    booking_reason r = pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK)
        return r;
    booking_reason decided = BOOKING_REASON_INTERNAL;
    r = run_set_capacity(st, c, resource_id, capacity, out, &decided);
    if (r != BOOKING_REASON_OK)
        pg_abandon(&st->pool, c);
    pg_pool_release(&st->pool, c);
    return r == BOOKING_REASON_OK ? decided : r;
}

/* Fills a public record from a row (resource_id, units, outcome, status). */
static bool record_from_row(const PGresult *res, const char *booking_id, core_record *rec,
                            booking_record *out)
{
    const char *rid;
    uint64_t units;
    booking_outcome outcome;
    booking_status status;
    if (!parse_record(res, 0, 0, &rid, &units, &outcome, &status))
        return false;
    *rec = (core_record){.same_resource = false, .units = units, .outcome = outcome,
                         .reason = recorded_reason(outcome), .status = status};
    if (out != NULL) {
        store_copy_id(out->booking_id, booking_id, strlen(booking_id));
        store_copy_id(out->resource_id, rid, (size_t)PQgetlength(res, 0, 0));
        out->units = units;
        out->outcome = outcome;
        out->reason = rec->reason;
        out->status = status;
    }
    return true;
}

static booking_reason run_cancel(pg_store *st, pg_conn *c, const char *booking_id,
                                 booking_record *out, booking_reason *decided)
{
    pg_flight_begin(c);
    pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    pg_send(c, BOOKING_PG_LOCK_RECORD, 1, &booking_id);
    booking_reason r = pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res = pg_result(c, 1);
    if (!result_has_rows(res))
        return BOOKING_REASON_INTERNAL;
    bool exists = PQntuples(res) == 1;
    core_record rec;
    booking_record full = {0};
    if (exists && !record_from_row(res, booking_id, &rec, &full))
        return BOOKING_REASON_INTERNAL;
    core_cancel_decision d = core_decide_cancel(exists ? &rec : NULL);
    char units[24];
    snprintf(units, sizeof units, "%llu", (unsigned long long)d.booked_release);
    const char *release[2] = {full.resource_id, units};
    pg_flight_begin(c);
    if (d.mark_cancelled) {
        pg_send(c, BOOKING_PG_MARK_CANCELLED, 1, &booking_id);
        pg_send(c, BOOKING_PG_RELEASE_BOOKED, 2, release);
        full.status = BOOKING_STATUS_CANCELLED;
    }
    pg_send(c, BOOKING_PG_COMMIT, 0, NULL);
    r = pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    if (out != NULL && exists)
        *out = full;
    *decided = d.reason;
    return BOOKING_REASON_OK;
}

static booking_reason pg_cancel(booking_store *store, const char *booking_id, booking_record *out)
{
    pg_store *st = (pg_store *)store;
    pg_conn *c;
    booking_reason r = pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK)
        return r;
    booking_reason decided = BOOKING_REASON_INTERNAL;
    r = run_cancel(st, c, booking_id, out, &decided);
    if (r != BOOKING_REASON_OK)
        pg_abandon(&st->pool, c);
    pg_pool_release(&st->pool, c);
    return r == BOOKING_REASON_OK ? decided : r;
}

/* ---- reads: one statement, one round trip, no transaction of ours ---- */

/* Runs one read; on OK, *res is its result (owned by the connection). */
static booking_reason read_one(pg_store *st, pg_conn *c, pg_stmt stmt, const char *param,
                               const PGresult **res)
{
    pg_flight_begin(c);
    pg_send(c, stmt, param ? 1 : 0, param ? &param : NULL);
    booking_reason r = pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    *res = pg_result(c, 0);
    return result_has_rows(*res) ? BOOKING_REASON_OK : BOOKING_REASON_INTERNAL;
}

static booking_reason pg_get_resource(booking_store *store, const char *resource_id,
                                      booking_resource *out)
{
    pg_store *st = (pg_store *)store;
    pg_conn *c;
    booking_reason r = pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res;
    r = read_one(st, c, BOOKING_PG_SELECT_RESOURCE, resource_id, &res);
    if (r == BOOKING_REASON_OK && PQntuples(res) == 0) {
        r = BOOKING_REASON_UNKNOWN_RESOURCE;
    } else if (r == BOOKING_REASON_OK) {
        if (parse_u64(res, 0, 0, &out->capacity) && parse_u64(res, 0, 1, &out->booked))
            store_copy_id(out->resource_id, resource_id, strlen(resource_id));
        else
            r = BOOKING_REASON_INTERNAL;
    }
    pg_pool_release(&st->pool, c);
    return r;
}

static booking_reason pg_get_booking(booking_store *store, const char *booking_id,
                                     booking_record *out)
{
    pg_store *st = (pg_store *)store;
    pg_conn *c;
    booking_reason r = pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res;
    r = read_one(st, c, BOOKING_PG_SELECT_RECORD, booking_id, &res);
    core_record rec;
    if (r == BOOKING_REASON_OK && PQntuples(res) == 0)
        r = BOOKING_REASON_UNKNOWN_BOOKING;
    else if (r == BOOKING_REASON_OK && !record_from_row(res, booking_id, &rec, out))
        r = BOOKING_REASON_INTERNAL;
    pg_pool_release(&st->pool, c);
    return r;
}

static booking_reason pg_ping(booking_store *store)
{
    pg_store *st = (pg_store *)store;
    pg_conn *c;
    booking_reason r = pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res;
    r = read_one(st, c, BOOKING_PG_PING, NULL, &res);
    pg_pool_release(&st->pool, c);
    return r;
}

static void pg_close(booking_store *store)
{
    pg_store *st = (pg_store *)store;
    pg_pool_close(&st->pool);
    for (size_t i = 0; i < BOOKING_PG_POOL_SIZE_MAX; i++)
        pg_batch_free(st->scratch[i]);
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

booking_error postgres_store_open(const char *url, const char *location, booking_store **out,
                                  char *errbuf, size_t errbuf_len)
{
    (void)location; /* libpq parses the whole URI, scheme included */
    pg_options opts;
    booking_error e = pg_options_parse(url, &opts, errbuf, errbuf_len);
    if (e != BOOKING_OK)
        return e;
    /* The schema first, on a connection of its own, so the pool's connections
     * can prepare statements against existing tables. */
    PGconn *admin = pg_open_admin(&opts, errbuf, errbuf_len);
    if (admin == NULL)
        return BOOKING_EOPEN;
    e = pg_schema_migrate(admin, opts.statement_timeout_ms, errbuf, errbuf_len);
    PQfinish(admin);
    if (e != BOOKING_OK)
        return e;
    pg_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return BOOKING_ENOMEM;
    st->base.ops = &pg_ops;
    e = pg_pool_init(&st->pool, &opts);
    if (e != BOOKING_OK) {
        pg_close(&st->base);
        return e;
    }
    /* One connection now, so a server that takes the migration but refuses our
     * sessions (prepared statements, settings) fails at open, not at first use. */
    pg_conn *c;
    booking_reason r = pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK) {
        store_error(errbuf, errbuf_len, "postgres: could not set up a session (%s)",
                    booking_reason_name(r));
        pg_close(&st->base);
        return BOOKING_EOPEN;
    }
    pg_pool_release(&st->pool, c);
    *out = &st->base;
    return BOOKING_OK;
}
