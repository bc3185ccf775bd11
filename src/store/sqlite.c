/*
 * sqlite.c: the embedded, durable store ("sqlite:PATH[?busy_timeout_ms=N&vfs=NAME]").
 *
 * NOTES ON THE DESIGN
 *  (1) Durability: WAL with synchronous=FULL, so a COMMIT that returned SQLITE_OK
 *      is on disk. A decision is returned only after its COMMIT returned.
 *  (2) Every write (a batch, a cancel, a capacity change) is one BEGIN IMMEDIATE
 *      transaction: the write lock is taken before anything is read, so what the
 *      core decides on is the latest committed state, in this process or another.
 *  (3) Within a process, writers queue on a mutex with a bounded wait; across
 *      processes, on SQLite's lock with busy_timeout. Either expiry is FAILED busy.
 *      Neither is a retry of ours: the one attempt waits, then decides or fails.
 *  (4) Reads use a second connection, so a reader never waits for a writer's fsync.
 *  (5) The batch write path: each resource is read once into an overlay, each
 *      attempt is decided against the overlay assuming its booking_id is new and
 *      its record is inserted with ON CONFLICT DO NOTHING; when nothing was
 *      inserted the id was decided before, so its record is read and the core
 *      decides the replay instead (the speculative counter change is never made).
 *      Changed counters are written once each, at the end, before COMMIT.
 *  (6) Any error: ROLLBACK, every attempt of the call FAILED with the mapped
 *      reason. Nothing of a failed call is visible; after a failed COMMIT the
 *      decision may still surface after a crash (WAL frames were written): that is
 *      the ambiguous commit of SPEC section 1, and a replay reveals it.
 *
 * Transaction states of the writer connection:
 *
 *     IDLE --BEGIN IMMEDIATE--> WRITING --COMMIT ok--> IDLE   (results stand)
 *       ^                          |
 *       +-------ROLLBACK-----------+  (any error: all FAILED)      sqlite_tx_*()
 */
#include "store/sqlite_conn.h"
#include "store/resource_overlay.h"
#include "store/store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The columns hold the enum values themselves (sqlite_schema.c). */
_Static_assert(BOOKING_CAPACITY_MAX <= INT64_MAX, "counters bind as sqlite3_int64");

typedef struct sqlite_store {
    booking_store base;
    sqlite_conn writer;
    sqlite_conn reader;
    resource_overlay overlay; /* guarded by writer.lock */
} sqlite_store;

/* ---- reading rows ---- */

static booking_reason load_resource(sqlite_conn *c, const char *id, bool *exists,
                                    core_resource *state)
{
    assert(id != NULL && c->db != NULL);
    sqlite3_stmt *s = c->stmt[SQL_SELECT_RESOURCE];
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *exists = rc == SQLITE_ROW;
    if (*exists) {
        state->capacity = (uint64_t)sqlite3_column_int64(s, 0);
        state->booked = (uint64_t)sqlite3_column_int64(s, 1);
        /* Every read of the counters: the schema's CHECKs and our writes keep
         * the invariant, so a row without it is a bug (or a file tampered with
         * past its CHECKs), never an input to decide on. */
        assert(bk_core_resource_consistent(state));
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? BOOKING_REASON_OK : bk_sqlite_reason(rc);
}

/* Reads the record of booking_id; *exists tells whether there is one. When
 * resource_id is not NULL, record->same_resource compares with it. */
static booking_reason load_record(sqlite_conn *c, const char *booking_id, const char *resource_id,
                                  bool *exists, core_record *record, booking_record *out)
{
    assert(booking_id != NULL && (out == NULL || resource_id == NULL));
    sqlite3_stmt *s = c->stmt[SQL_SELECT_BOOKING];
    sqlite3_bind_text(s, 1, booking_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *exists = rc == SQLITE_ROW;
    if (*exists) {
        const char *rid = (const char *)sqlite3_column_text(s, 0);
        int rid_len = sqlite3_column_bytes(s, 0);
        booking_outcome outcome = (booking_outcome)sqlite3_column_int(s, 2);
        *record = (core_record){
            .same_resource = resource_id != NULL && rid != NULL &&
                             strlen(resource_id) == (size_t)rid_len &&
                             memcmp(rid, resource_id, (size_t)rid_len) == 0,
            .units = (uint64_t)sqlite3_column_int64(s, 1),
            .outcome = outcome,
            .reason = bk_core_recorded_reason(outcome),
            .status = (booking_status)sqlite3_column_int(s, 3),
        };
        assert(record->outcome == BOOKING_BOOKED || record->status == BOOKING_STATUS_NONE);
        if (out != NULL) {
            bk_store_copy_id(out->booking_id, booking_id, strlen(booking_id));
            bk_store_copy_id(out->resource_id, rid ? rid : "", rid ? (size_t)rid_len : 0);
            out->units = record->units;
            out->outcome = record->outcome;
            out->reason = record->reason;
            out->status = record->status;
        }
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? BOOKING_REASON_OK : bk_sqlite_reason(rc);
}

/* ---- the batch write path, (5) ---- */

static booking_reason decide_one(sqlite_store *st, const booking_request *req,
                                 booking_result *result)
{
    sqlite_conn *c = &st->writer;
    assert(c->held && req->units >= 1 && req->units <= BOOKING_UNITS_MAX);
    bool fresh;
    overlay_entry *res = bk_overlay_get(&st->overlay, req->resource_id, strlen(req->resource_id),
                                     &fresh);
    if (res == NULL)
        return BOOKING_REASON_INTERNAL;
    if (fresh) {
        booking_reason r = load_resource(c, req->resource_id, &res->exists, &res->state);
        if (r != BOOKING_REASON_OK)
            return r;
    }
    core_attempt attempt = {.units = req->units, .hold_ms = req->hold_ms, .now_ms = 0};
    core_attempt_decision d = bk_core_decide_attempt(attempt, res->exists ? &res->state : NULL, NULL);
    if (d.write_record) {
        sqlite3_stmt *s = c->stmt[SQL_INSERT_BOOKING];
        sqlite3_bind_text(s, 1, req->booking_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, req->resource_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)req->units);
        sqlite3_bind_int(s, 4, (int)d.result.outcome);
        sqlite3_bind_int(s, 5, (int)d.result.status);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return bk_sqlite_reason(rc);
        if (sqlite3_changes(c->db) == 1) {
            res->state.booked += d.booked_delta;
            res->dirty |= d.booked_delta != 0;
            assert(bk_core_resource_consistent(&res->state));
            *result = d.result;
            return BOOKING_REASON_OK;
        }
    }
    /* Decided before (the insert did nothing), or unknown resource: an existing
     * record still decides first, rule (1) of core/decide.c. */
    bool exists;
    core_record rec;
    booking_reason r = load_record(c, req->booking_id, req->resource_id, &exists, &rec, NULL);
    if (r != BOOKING_REASON_OK)
        return r;
    if (!exists && d.write_record)
        return BOOKING_REASON_INTERNAL; /* the insert did nothing, yet no record: never
                                           answer a decision that was not written */
    *result = exists ? bk_core_decide_attempt(attempt, NULL, &rec).result : d.result;
    return BOOKING_REASON_OK;
}

static booking_reason write_counters(sqlite_store *st)
{
    sqlite3_stmt *s = st->writer.stmt[SQL_UPDATE_BOOKED];
    assert(st->writer.held);
    for (size_t i = 0; i < overlay_count(&st->overlay); i++) {
        overlay_entry *e = overlay_at(&st->overlay, i);
        if (!e->dirty)
            continue;
        /* Every write of a counter, paired with the read in load_resource(). */
        assert(e->exists && bk_core_resource_consistent(&e->state));
        sqlite3_bind_int64(s, 1, (sqlite3_int64)e->state.booked);
        sqlite3_bind_text(s, 2, e->id, (int)e->id_len, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return bk_sqlite_reason(rc);
    }
    return BOOKING_REASON_OK;
}

static void sqlite_attempt_batch(booking_store *store, const booking_request *requests,
                                 size_t count, booking_result *results)
{
    sqlite_store *st = (sqlite_store *)store;
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    booking_reason r = bk_sqlite_tx_begin(&st->writer);
    if (r != BOOKING_REASON_OK) {
        bk_store_fail_all(results, count, r);
        return;
    }
    bk_overlay_reset(&st->overlay);
    for (size_t i = 0; i < count && r == BOOKING_REASON_OK; i++)
        r = decide_one(st, &requests[i], &results[i]);
    assert(overlay_count(&st->overlay) <= count);
    if (r == BOOKING_REASON_OK)
        r = write_counters(st);
    r = bk_sqlite_tx_end(&st->writer, r);
    if (r != BOOKING_REASON_OK)
        bk_store_fail_all(results, count, r);
}

/* ---- capacity, cancel ---- */

static booking_reason sqlite_set_capacity(booking_store *store, const char *resource_id,
                                          uint64_t capacity, booking_resource *out)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->writer;
    assert(capacity <= BOOKING_CAPACITY_MAX); /* the library validated it */
    booking_reason r = bk_sqlite_tx_begin(c);
    if (r != BOOKING_REASON_OK)
        return r;
    bool exists;
    core_resource state = {0};
    core_capacity_decision d = {.reason = BOOKING_REASON_OK};
    r = load_resource(c, resource_id, &exists, &state);
    if (r == BOOKING_REASON_OK) {
        d = bk_core_decide_set_capacity(capacity, exists ? &state : NULL);
        assert(!(d.create && d.update) && (!d.update || exists));
        if (d.create || d.update) {
            sqlite3_stmt *s = c->stmt[SQL_UPSERT_RESOURCE];
            sqlite3_bind_text(s, 1, resource_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, (sqlite3_int64)capacity);
            int rc = sqlite3_step(s);
            sqlite3_reset(s);
            if (rc != SQLITE_DONE)
                r = bk_sqlite_reason(rc);
            state.capacity = capacity;
            /* The counters as written: the core refused a capacity below booked. */
            assert(bk_core_resource_consistent(&state));
        }
    }
    r = bk_sqlite_tx_end(c, r);
    if (r != BOOKING_REASON_OK)
        return r;
    if (out != NULL && (exists || d.create)) {
        bk_store_copy_id(out->resource_id, resource_id, strlen(resource_id));
        out->capacity = state.capacity;
        out->booked = state.booked;
    }
    return d.reason;
}

static booking_reason sqlite_cancel(booking_store *store, const char *booking_id,
                                    booking_record *out)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->writer;
    booking_reason r = bk_sqlite_tx_begin(c);
    if (r != BOOKING_REASON_OK)
        return r;
    bool exists = false;
    core_record rec;
    booking_record full;
    core_cancel_decision d = {0};
    r = load_record(c, booking_id, NULL, &exists, &rec, &full);
    if (r == BOOKING_REASON_OK) {
        d = bk_core_decide_cancel(exists ? &rec : NULL, 0);
        assert(!d.write_status || (exists && d.booked_release == rec.units));
        if (d.write_status) {
            sqlite3_stmt *s = c->stmt[SQL_CANCEL_BOOKING];
            sqlite3_bind_text(s, 1, booking_id, -1, SQLITE_STATIC);
            int rc = sqlite3_step(s);
            sqlite3_reset(s);
            if (rc == SQLITE_DONE) {
                s = c->stmt[SQL_RELEASE_BOOKED];
                sqlite3_bind_int64(s, 1, (sqlite3_int64)d.booked_release);
                sqlite3_bind_text(s, 2, full.resource_id, -1, SQLITE_STATIC);
                rc = sqlite3_step(s);
                sqlite3_reset(s);
            }
            if (rc != SQLITE_DONE)
                r = bk_sqlite_reason(rc);
            full.status = BOOKING_STATUS_CANCELLED;
        }
    }
    r = bk_sqlite_tx_end(c, r);
    if (r != BOOKING_REASON_OK)
        return r;
    if (out != NULL && exists)
        *out = full;
    return d.reason;
}

/* ---- reads, (4) ---- */

static booking_reason sqlite_get_resource(booking_store *store, const char *resource_id,
                                          booking_resource *out)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    bool exists;
    core_resource state;
    r = load_resource(c, resource_id, &exists, &state);
    bk_sqlite_conn_unlock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    if (!exists)
        return BOOKING_REASON_UNKNOWN_RESOURCE;
    assert(out != NULL); /* the library always passes one to get_resource */
    bk_store_copy_id(out->resource_id, resource_id, strlen(resource_id));
    out->capacity = state.capacity;
    out->booked = state.booked;
    return BOOKING_REASON_OK;
}

static booking_reason sqlite_get_booking(booking_store *store, const char *booking_id,
                                         booking_record *out)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    bool exists;
    core_record rec;
    assert(out != NULL); /* the library always passes one to get_booking */
    r = load_record(c, booking_id, NULL, &exists, &rec, out);
    bk_sqlite_conn_unlock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    return exists ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_BOOKING;
}

static booking_reason sqlite_ping(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    sqlite3_stmt *s = c->stmt[SQL_PING];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    bk_sqlite_conn_unlock(c);
    return rc == SQLITE_ROW ? BOOKING_REASON_OK : bk_sqlite_reason(rc);
}

static void sqlite_close(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    bk_sqlite_conn_close(&st->reader);
    bk_sqlite_conn_close(&st->writer);
    bk_overlay_free(&st->overlay);
    free(st);
}

static const store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .attempt_batch = sqlite_attempt_batch,
    .set_capacity = sqlite_set_capacity,
    .cancel = sqlite_cancel,
    .get_resource = sqlite_get_resource,
    .get_booking = sqlite_get_booking,
    .ping = sqlite_ping,
};

booking_error bk_sqlite_store_open(const char *url, const char *location, booking_store **out,
                                char *errbuf, size_t errbuf_len)
{
    assert(url != NULL && location != NULL && out != NULL);
    sqlite_options opts;
    booking_error e = bk_sqlite_options_parse(url, location, &opts, errbuf, errbuf_len);
    if (e != BOOKING_OK)
        return e;
    sqlite_store *st = calloc(1, sizeof *st);
    if (st == NULL || !bk_overlay_init(&st->overlay, BOOKING_BATCH_MAX)) {
        free(st);
        return BOOKING_ENOMEM;
    }
    st->base.ops = &sqlite_ops;
    /* The writer opens first: it creates and migrates the schema. */
    e = bk_sqlite_conn_open(&st->writer, &opts, true, errbuf, errbuf_len);
    if (e == BOOKING_OK)
        e = bk_sqlite_conn_open(&st->reader, &opts, false, errbuf, errbuf_len);
    if (e != BOOKING_OK) {
        sqlite_close(&st->base);
        return e;
    }
    *out = &st->base;
    return BOOKING_OK;
}
