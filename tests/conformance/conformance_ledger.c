/* SPDX-License-Identifier: MIT */
/*
 * conformance_ledger.c: the ledger of what a conformance case decided, and the
 * assertions the cases share (conformance_ledger.h).
 */
#include "conformance_ledger.h"
#include "support/test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char store_url[URL_SIZE];
booking_store *store;
char run_tag[32]; /* distinguishes this run's ids from earlier runs' in a shared store */

/* ---- ids ---- */

static int64_t clock_ms; /* atomic: the store may read it from its own threads */

int64_t conformance_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&clock_ms, __ATOMIC_SEQ_CST);
}

int64_t clock_now(void)
{
    return conformance_clock(NULL);
}

void clock_set(int64_t ms)
{
    __atomic_store_n(&clock_ms, ms, __ATOMIC_SEQ_CST);
}

void clock_advance(int64_t ms)
{
    __atomic_add_fetch(&clock_ms, ms, __ATOMIC_SEQ_CST);
}

void new_id(char out[ID_SIZE], const char *what)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s-%s", run_tag, what);
    test_unique_id(out, ID_SIZE, prefix);
}

/* ---- the ledger: what one case decided, to check the invariant against ---- */


ledger *ledger_of(void **state)
{
    return (ledger *)*state;
}

int ledger_setup(void **state)
{
    ledger *l = calloc(1, sizeof *l);
    if (l == NULL)
        return -1;
    *state = l;
    return 0;
}

const char *rid(const ledger *l, size_t r)
{
    return l->resources[r].id;
}

/* Index of resource_id in the ledger, or LEDGER_RESOURCES_MAX if the case did not create it. */
size_t ledger_find_resource(const ledger *l, const char *resource_id)
{
    for (size_t i = 0; i < l->resource_count; i++) {
        if (strcmp(l->resources[i].id, resource_id) == 0)
            return i;
    }
    return LEDGER_RESOURCES_MAX;
}

/* FNV-1a: the 8192-attempt batch would make a linear search quadratic. */
static size_t id_hash(const char *id)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)h;
}

/* The index slot of booking_id: its booking's, or the empty slot where it would go. */
static size_t *ledger_slot(const ledger *l, const char *booking_id)
{
    for (size_t i = id_hash(booking_id) & l->index_mask;; i = (i + 1) & l->index_mask) {
        size_t *slot = &l->index[i];
        if (*slot == 0 || strcmp(l->bookings[*slot - 1].id, booking_id) == 0)
            return slot;
    }
}

ledger_booking *ledger_find_booking(ledger *l, const char *booking_id)
{
    if (l->index == NULL)
        return NULL;
    size_t *slot = ledger_slot(l, booking_id);
    return *slot == 0 ? NULL : &l->bookings[*slot - 1];
}

/* Makes room for one more booking; the index stays at most half full. */
static void ledger_grow(ledger *l)
{
    if (l->booking_count < l->booking_cap)
        return;
    size_t cap = l->booking_cap ? l->booking_cap * 2 : 64;
    ledger_booking *grown = realloc(l->bookings, cap * sizeof *grown);
    assert_non_null(grown);
    l->bookings = grown;
    l->booking_cap = cap;
    free(l->index);
    l->index = calloc(cap * 2, sizeof *l->index);
    assert_non_null(l->index);
    l->index_mask = cap * 2 - 1;
    for (size_t i = 0; i < l->booking_count; i++)
        *ledger_slot(l, l->bookings[i].id) = i + 1;
}

void fail_on_failed(const char *what, booking_reason reason)
{
    if (booking_reason_is_failure(reason))
        fail_msg("%s: FAILED %s on a healthy store", what, booking_reason_name(reason));
}

/* Creates (or changes) a resource through the API; returns its ledger index. */
size_t ledger_resource_new(ledger *l, uint64_t capacity)
{
    assert_true(l->resource_count < LEDGER_RESOURCES_MAX);
    ledger_resource *r = &l->resources[l->resource_count];
    new_id(r->id, "res");
    booking_reason reason;
    booking_resource out;
    assert_int_equal(booking_set_capacity(store, r->id, capacity, &reason, &out), BOOKING_OK);
    fail_on_failed("set_capacity", reason);
    assert_int_equal(reason, BOOKING_REASON_OK);
    r->capacity = capacity;
    return l->resource_count++;
}

/* Adopts a resource the case creates itself (e.g. after an unknown_resource). */
size_t ledger_adopt_resource(ledger *l, const char *resource_id, uint64_t capacity)
{
    assert_true(l->resource_count < LEDGER_RESOURCES_MAX);
    ledger_resource *r = &l->resources[l->resource_count];
    snprintf(r->id, sizeof r->id, "%s", resource_id);
    r->capacity = capacity;
    return l->resource_count++;
}

/* The ledger index of a request line's resource; fails the case if it never created it. */
static size_t learned_resource(const ledger *l, const booking_request *req, const char *resource_id)
{
    size_t r = ledger_find_resource(l, resource_id);
    if (r == LEDGER_RESOURCES_MAX)
        fail_msg("%s was decided on %s, a resource this case never created", req->booking_id,
                 resource_id);
    return r;
}

/* Learns from one result: a first decision that was recorded joins the ledger,
 * with every line of a bundle. */
void ledger_learn(ledger *l, const booking_request *req, const booking_result *res)
{
    fail_on_failed(req->booking_id, res->reason);
    if (res->replayed)
        return;
    if (res->reason != BOOKING_REASON_BOOKED &&
        res->reason != BOOKING_REASON_INSUFFICIENT_CAPACITY)
        return;
    if (ledger_find_booking(l, req->booking_id) != NULL)
        fail_msg("%s was decided a second time (replayed=false)", req->booking_id);
    bool bundle = req->lines != NULL;
    size_t count = bundle ? req->line_count : 1;
    ledger_grow(l);
    ledger_booking *b = &l->bookings[l->booking_count];
    snprintf(b->id, sizeof b->id, "%s", req->booking_id);
    b->resource = learned_resource(l, req, bundle ? req->lines[0].resource_id : req->resource_id);
    b->units = bundle ? req->lines[0].units : req->units;
    b->line_count = (uint32_t)count;
    b->line = res->outcome == BOOKING_REJECTED ? res->line : 0;
    b->more = NULL;
    if (count > 1) {
        b->more = calloc(count - 1, sizeof *b->more);
        assert_non_null(b->more);
        for (size_t i = 1; i < count; i++) {
            ledger_line *line = &b->more[i - 1];
            const char *id = req->lines[i].resource_id;
            line->units = req->lines[i].units;
            line->resource = ledger_find_resource(l, id);
            if (line->resource == LEDGER_RESOURCES_MAX && res->outcome == BOOKING_REJECTED &&
                i > res->line) {
                line->unknown_id = strdup(id);
                assert_non_null(line->unknown_id);
            } else {
                line->resource = learned_resource(l, req, id);
            }
        }
    }
    *ledger_slot(l, b->id) = ++l->booking_count;
    b->outcome = res->outcome;
    b->cancelled = false;
    b->confirmed = false;
    b->hold_ms = req->hold_ms;
    b->expires_at_ms = res->expires_at_ms;
    if (res->outcome == BOOKING_REJECTED && res->line >= count)
        fail_msg("%s: REJECTED naming line %u of %zu", req->booking_id, (unsigned)res->line,
                 count);
    if (res->outcome == BOOKING_BOOKED && res->line != 0)
        fail_msg("%s: BOOKED with line %u (expected 0)", req->booking_id, (unsigned)res->line);
    if (res->outcome == BOOKING_BOOKED && req->hold_ms != 0 &&
        res->expires_at_ms != clock_now() + (int64_t)req->hold_ms)
        fail_msg("%s: hold of %llu ms at %lld expires at %lld", req->booking_id,
                 (unsigned long long)req->hold_ms, (long long)clock_now(),
                 (long long)res->expires_at_ms);
}

const char *ledger_line_id(const ledger *l, ledger_line line)
{
    return line.resource == LEDGER_RESOURCES_MAX ? line.unknown_id : rid(l, line.resource);
}

ledger_line ledger_booking_line(const ledger_booking *b, uint32_t i)
{
    assert_true(i < b->line_count);
    if (i == 0)
        return (ledger_line){.resource = b->resource, .units = b->units};
    return b->more[i - 1];
}

booking_result ledger_bundle(ledger *l, const char *booking_id, const booking_line *lines,
                             size_t line_count, uint64_t hold_ms)
{
    booking_request req = {.booking_id = booking_id, .hold_ms = hold_ms, .lines = lines,
                           .line_count = line_count};
    booking_result res;
    assert_int_equal(booking_attempt(store, &req, &res), BOOKING_OK);
    ledger_learn(l, &req, &res);
    return res;
}

booking_result ledger_attempt(ledger *l, const char *booking_id, const char *resource_id,
                              uint64_t units)
{
    return ledger_hold(l, booking_id, resource_id, units, 0);
}

booking_result ledger_hold(ledger *l, const char *booking_id, const char *resource_id,
                           uint64_t units, uint64_t hold_ms)
{
    booking_request req = {.booking_id = booking_id, .resource_id = resource_id, .units = units,
                           .hold_ms = hold_ms};
    booking_result res;
    assert_int_equal(booking_attempt(store, &req, &res), BOOKING_OK);
    ledger_learn(l, &req, &res);
    return res;
}

void ledger_attempt_batch(ledger *l, const booking_request *requests, size_t count,
                                 booking_result *results)
{
    assert_int_equal(booking_attempt_batch(store, requests, count, results), BOOKING_OK);
    for (size_t i = 0; i < count; i++)
        ledger_learn(l, &requests[i], &results[i]);
}

booking_reason ledger_cancel(ledger *l, const char *booking_id, booking_record *record)
{
    booking_reason reason;
    assert_int_equal(booking_cancel(store, booking_id, &reason, record), BOOKING_OK);
    fail_on_failed("cancel", reason);
    if (reason == BOOKING_REASON_CANCELLED) {
        ledger_booking *b = ledger_find_booking(l, booking_id);
        if (b == NULL)
            fail_msg("cancel of %s released units of a booking this case never made", booking_id);
        b->cancelled = true;
    }
    return reason;
}

booking_reason ledger_confirm(ledger *l, const char *booking_id, booking_record *record)
{
    booking_reason reason;
    assert_int_equal(booking_confirm(store, booking_id, &reason, record), BOOKING_OK);
    fail_on_failed("confirm", reason);
    if (reason == BOOKING_REASON_CONFIRMED) {
        ledger_booking *b = ledger_find_booking(l, booking_id);
        if (b == NULL)
            fail_msg("confirm of %s changed a booking this case never made", booking_id);
        b->confirmed = true;
    }
    return reason;
}

void ledger_change_batch(ledger *l, const booking_change *changes, size_t count,
                         booking_reason *reasons, booking_record *records)
{
    assert_int_equal(booking_change_batch(store, changes, count, reasons, records), BOOKING_OK);
    for (size_t i = 0; i < count; i++) {
        fail_on_failed("change batch", reasons[i]);
        bool changed = reasons[i] == BOOKING_REASON_CANCELLED ||
                       reasons[i] == BOOKING_REASON_CONFIRMED;
        ledger_booking *b = ledger_find_booking(l, changes[i].booking_id);
        if (changed && b == NULL)
            fail_msg("%s changed a booking this case never made", changes[i].booking_id);
        if (reasons[i] == BOOKING_REASON_CANCELLED)
            b->cancelled = true;
        if (reasons[i] == BOOKING_REASON_CONFIRMED)
            b->confirmed = true;
    }
}

booking_reason ledger_set_capacity(ledger *l, size_t r, uint64_t capacity,
                                          booking_resource *out)
{
    booking_reason reason;
    assert_int_equal(booking_set_capacity(store, rid(l, r), capacity, &reason, out), BOOKING_OK);
    fail_on_failed("set_capacity", reason);
    if (reason == BOOKING_REASON_OK)
        l->resources[r].capacity = capacity;
    return reason;
}

booking_status ledger_expected_status(const ledger_booking *b)
{
    if (b->outcome != BOOKING_BOOKED)
        return BOOKING_STATUS_NONE;
    if (b->cancelled)
        return BOOKING_STATUS_CANCELLED;
    if (b->hold_ms == 0 || b->confirmed)
        return BOOKING_STATUS_ACTIVE;
    return clock_now() < b->expires_at_ms ? BOOKING_STATUS_HELD : BOOKING_STATUS_EXPIRED;
}

/* A bundle's lines read back as the ledger has them, in order. */
static void ledger_check_lines(const ledger *l, const ledger_booking *b)
{
    booking_reason reason;
    booking_record rec;
    booking_record_line lines[BOOKING_LINES_MAX];
    assert_int_equal(booking_get_booking_lines(store, b->id, &reason, &rec, lines,
                                               BOOKING_LINES_MAX),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_int_equal(rec.line_count, b->line_count);
    for (uint32_t k = 0; k < b->line_count; k++) {
        ledger_line want = ledger_booking_line(b, k);
        const char *want_id = ledger_line_id(l, want);
        if (strcmp(lines[k].resource_id, want_id) != 0 || lines[k].units != want.units)
            fail_msg("%s line %u reads back as %s:%llu, expected %s:%llu", b->id, (unsigned)k,
                     lines[k].resource_id, (unsigned long long)lines[k].units, want_id,
                     (unsigned long long)want.units);
    }
}

/* A record reads back as the case decided it. */
static void ledger_check_record(const ledger *l, const ledger_booking *b)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, b->id, &reason, &rec), BOOKING_OK);
    fail_on_failed("get_booking", reason);
    if (reason != BOOKING_REASON_OK)
        fail_msg("record of %s is gone: %s", b->id, booking_reason_name(reason));
    assert_string_equal(rec.booking_id, b->id);
    assert_string_equal(rec.resource_id, rid(l, b->resource));
    assert_true(rec.units == b->units);
    assert_int_equal(rec.outcome, b->outcome);
    assert_true(rec.hold_ms == b->hold_ms);
    assert_true(rec.expires_at_ms == b->expires_at_ms);
    assert_true(rec.created_at_ms <= rec.updated_at_ms);
    assert_true(rec.updated_at_ms <= clock_now());
    assert_int_equal(rec.line_count, b->line_count);
    assert_int_equal(rec.line, b->line);
    if (b->outcome == BOOKING_BOOKED) {
        assert_int_equal(rec.reason, BOOKING_REASON_BOOKED);
        assert_int_equal(rec.status, ledger_expected_status(b));
    } else {
        assert_int_equal(rec.reason, BOOKING_REASON_INSUFFICIENT_CAPACITY);
        assert_int_equal(rec.status, BOOKING_STATUS_NONE);
    }
    /* A single attempt's one line is read with booking_get_booking_lines by the
     * bundle cases (conformance_bundles.c); here only bundles, one read each. */
    if (b->line_count > 1)
        ledger_check_lines(l, b);
}

/* The invariant of SPEC section 1, from what the case itself decided, at the
 * clock's time: booked counts active and unexpired held bookings. */
void ledger_check(const ledger *l)
{
    for (size_t r = 0; r < l->resource_count; r++) {
        uint64_t active = 0;
        for (size_t i = 0; i < l->booking_count; i++) {
            const ledger_booking *b = &l->bookings[i];
            booking_status st = ledger_expected_status(b);
            if (st != BOOKING_STATUS_ACTIVE && st != BOOKING_STATUS_HELD)
                continue;
            for (uint32_t k = 0; k < b->line_count; k++) {
                ledger_line line = ledger_booking_line(b, k);
                if (line.resource == r)
                    active += line.units;
            }
        }
        booking_reason reason;
        booking_resource res;
        assert_int_equal(booking_get_resource(store, rid(l, r), &reason, &res), BOOKING_OK);
        fail_on_failed("get_resource", reason);
        assert_int_equal(reason, BOOKING_REASON_OK);
        if (res.booked != active || res.capacity != l->resources[r].capacity ||
            res.booked > res.capacity)
            fail_msg("invariant broken on %s: capacity %llu booked %llu, expected capacity %llu "
                     "booked %llu (sum of active BOOKED units)",
                     rid(l, r), (unsigned long long)res.capacity, (unsigned long long)res.booked,
                     (unsigned long long)l->resources[r].capacity, (unsigned long long)active);
    }
    for (size_t i = 0; i < l->booking_count; i++)
        ledger_check_record(l, &l->bookings[i]);
}

int ledger_teardown(void **state)
{
    ledger *l = ledger_of(state);
    ledger_check(l);
    for (size_t i = 0; i < l->booking_count; i++) {
        ledger_booking *b = &l->bookings[i];
        for (uint32_t k = 1; k < b->line_count; k++)
            free(b->more[k - 1].unknown_id);
        free(b->more);
    }
    free(l->index);
    free(l->bookings);
    free(l);
    return 0;
}

/* ---- assertions on results ---- */

void assert_result(booking_result res, booking_outcome outcome, booking_reason reason,
                          bool replayed, booking_status status)
{
    if (res.outcome != outcome || res.reason != reason || res.replayed != replayed ||
        res.status != status)
        fail_msg("got %s %s replayed=%d status=%s, expected %s %s replayed=%d status=%s",
                 booking_outcome_name(res.outcome), booking_reason_name(res.reason),
                 res.replayed, booking_status_name(res.status), booking_outcome_name(outcome),
                 booking_reason_name(reason), replayed, booking_status_name(status));
}

void assert_new_booked(booking_result res)
{
    assert_result(res, BOOKING_BOOKED, BOOKING_REASON_BOOKED, false, BOOKING_STATUS_ACTIVE);
}

void assert_new_insufficient(booking_result res)
{
    assert_result(res, BOOKING_REJECTED, BOOKING_REASON_INSUFFICIENT_CAPACITY, false,
                  BOOKING_STATUS_NONE);
}

void assert_conflict(booking_result res)
{
    assert_result(res, BOOKING_REJECTED, BOOKING_REASON_BOOKING_ID_CONFLICT, false,
                  BOOKING_STATUS_NONE);
}

void assert_resource(const char *resource_id, uint64_t capacity, uint64_t booked)
{
    booking_reason reason;
    booking_resource res;
    assert_int_equal(booking_get_resource(store, resource_id, &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_string_equal(res.resource_id, resource_id);
    assert_true(res.capacity == capacity);
    assert_true(res.booked == booked);
}

void assert_unknown_booking(const char *booking_id)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, booking_id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
}

booking_record get_record(const char *booking_id)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, booking_id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return rec;
}

void assert_same_record(booking_record a, booking_record b)
{
    assert_string_equal(a.booking_id, b.booking_id);
    assert_string_equal(a.resource_id, b.resource_id);
    assert_true(a.units == b.units);
    assert_int_equal(a.outcome, b.outcome);
    assert_int_equal(a.reason, b.reason);
    assert_int_equal(a.status, b.status);
}
