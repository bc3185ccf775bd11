/* SPDX-License-Identifier: MIT */
/*
 * sim_model.c: the sequential model of sim_model.h. It restates SPEC sections 1, 2,
 * 7 and 8 on its own (it never asks the core), so that the simulation checks the core
 * and the stores against the contract, not against themselves.
 */
#include "sim/sim_model.h"

#include <assert.h>
#include <string.h>

void model_init(sim_model *m)
{
    memset(m, 0, sizeof *m);
}

int64_t model_time(sim_model *m, int64_t clock_ms)
{
    if (clock_ms > m->latest_ms)
        m->latest_ms = clock_ms;
    return m->latest_ms;
}

/* FNV-1a: the slot where the search for an id starts. */
static size_t slot_of(const char *id)
{
    uint64_t h = 1469598103934665603ull;
    for (; *id != '\0'; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211ull;
    return (size_t)(h & (MODEL_INDEX_SLOTS - 1));
}

/* The record of an id, or NULL with *slot the empty slot where it would go. */
static model_record *find_slot(sim_model *m, const char *booking_id, size_t *slot)
{
    size_t i = slot_of(booking_id);
    while (m->index[i] != 0) {
        model_record *r = &m->records[m->index[i] - 1];
        if (strcmp(r->id, booking_id) == 0)
            return r;
        i = (i + 1) & (MODEL_INDEX_SLOTS - 1);
    }
    *slot = i;
    return NULL;
}

static model_record *find(sim_model *m, const char *booking_id)
{
    size_t slot;
    return find_slot(m, booking_id, &slot);
}

const model_record *model_find(const sim_model *m, const char *booking_id)
{
    return find((sim_model *)m, booking_id);
}

booking_status model_status_at(const model_record *r, int64_t t)
{
    if (r->status == BOOKING_STATUS_HELD && t >= r->expires_at_ms)
        return BOOKING_STATUS_EXPIRED;
    return r->status;
}

uint64_t model_booked(const sim_model *m, int resource, int64_t t)
{
    uint64_t booked = 0;
    for (size_t i = 0; i < m->count; i++) {
        const model_record *r = &m->records[i];
        booking_status st = model_status_at(r, t);
        if (r->outcome != BOOKING_BOOKED ||
            (st != BOOKING_STATUS_ACTIVE && st != BOOKING_STATUS_HELD))
            continue;
        for (size_t l = 0; l < r->line_count; l++)
            booked += r->lines[l].resource == resource ? r->lines[l].units : 0;
    }
    return booked;
}

static bool same_lines(const model_record *r, const model_line *lines, size_t count)
{
    if (r->line_count != count)
        return false;
    for (size_t i = 0; i < count; i++) {
        if (r->lines[i].resource != lines[i].resource || r->lines[i].units != lines[i].units)
            return false;
    }
    return true;
}

/* SPEC sections 1 and 8: a record decides a repeat (same lines in the same order and
 * the same hold_ms, else a conflict); else the first line whose resource is unknown
 * (not recorded) or too full (recorded) rejects the whole attempt, judged on the state
 * before it; else every line is reserved. */
bool model_attempt(sim_model *m, const model_line *lines, size_t count,
                   const booking_request *req, int64_t t, booking_result *expected)
{
    assert(count >= 1 && count <= MODEL_LINES_MAX);
    memset(expected, 0, sizeof *expected);
    expected->outcome = BOOKING_REJECTED;
    size_t slot = 0;
    model_record *r = find_slot(m, req->booking_id, &slot);
    if (r != NULL) {
        if (!same_lines(r, lines, count) || r->hold_ms != req->hold_ms) {
            expected->reason = BOOKING_REASON_BOOKING_ID_CONFLICT;
            return true;
        }
        expected->outcome = r->outcome;
        expected->reason = r->outcome == BOOKING_BOOKED ? BOOKING_REASON_BOOKED
                                                        : BOOKING_REASON_INSUFFICIENT_CAPACITY;
        expected->replayed = true;
        expected->status = model_status_at(r, t);
        expected->expires_at_ms = r->expires_at_ms;
        expected->line = r->line;
        return true;
    }
    size_t failing = count;
    for (size_t i = 0; i < count && failing == count; i++) {
        int resource = lines[i].resource;
        if (resource < 0 || resource >= MODEL_RESOURCES || !m->exists[resource]) {
            expected->reason = BOOKING_REASON_UNKNOWN_RESOURCE;
            expected->line = (uint32_t)i;
            return true;
        }
        uint64_t booked = model_booked(m, resource, t);
        assert(booked <= m->capacity[resource]);
        if (lines[i].units > m->capacity[resource] - booked)
            failing = i;
    }
    if (m->count == MODEL_IDS_MAX)
        return false;
    m->index[slot] = (uint16_t)(m->count + 1);
    r = &m->records[m->count++];
    memset(r, 0, sizeof *r);
    strncpy(r->id, req->booking_id, sizeof r->id - 1);
    memcpy(r->lines, lines, count * sizeof *lines);
    r->line_count = count;
    r->hold_ms = req->hold_ms;
    r->created_at_ms = r->updated_at_ms = t;
    m->written_ms = t > m->written_ms ? t : m->written_ms;
    if (failing < count) {
        r->outcome = BOOKING_REJECTED;
        r->status = BOOKING_STATUS_NONE;
        r->line = (uint32_t)failing;
        expected->reason = BOOKING_REASON_INSUFFICIENT_CAPACITY;
        expected->line = r->line;
        return true;
    }
    r->outcome = BOOKING_BOOKED;
    r->status = req->hold_ms != 0 ? BOOKING_STATUS_HELD : BOOKING_STATUS_ACTIVE;
    r->expires_at_ms = req->hold_ms != 0 ? t + (int64_t)req->hold_ms : 0;
    *expected = (booking_result){.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                                 .status = r->status, .expires_at_ms = r->expires_at_ms};
    return true;
}

void model_public_record(const model_record *r, int64_t t, booking_record *out)
{
    memset(out, 0, sizeof *out);
    strncpy(out->booking_id, r->id, sizeof out->booking_id - 1);
    out->units = r->lines[0].units;
    out->line_count = (uint32_t)r->line_count;
    out->line = r->line;
    out->hold_ms = r->hold_ms;
    out->outcome = r->outcome;
    out->reason = r->outcome == BOOKING_BOOKED ? BOOKING_REASON_BOOKED
                                               : BOOKING_REASON_INSUFFICIENT_CAPACITY;
    out->status = model_status_at(r, t);
    out->created_at_ms = r->created_at_ms;
    out->expires_at_ms = r->expires_at_ms;
    /* An expiry is a change of status at expires_at. */
    out->updated_at_ms = out->status == BOOKING_STATUS_EXPIRED ? r->expires_at_ms : r->updated_at_ms;
}

booking_reason model_change(sim_model *m, const char *booking_id, bool confirm, int64_t t,
                            booking_record *record, bool *has_record)
{
    model_record *r = find(m, booking_id);
    *has_record = r != NULL;
    if (r == NULL)
        return BOOKING_REASON_UNKNOWN_BOOKING;
    booking_status st = model_status_at(r, t);
    booking_reason reason;
    if (r->outcome != BOOKING_BOOKED)
        reason = BOOKING_REASON_NOT_BOOKED;
    else if (st == BOOKING_STATUS_EXPIRED)
        reason = BOOKING_REASON_HOLD_EXPIRED;
    else if (st == BOOKING_STATUS_CANCELLED)
        reason = BOOKING_REASON_ALREADY_CANCELLED;
    else if (confirm && st == BOOKING_STATUS_ACTIVE)
        reason = BOOKING_REASON_ALREADY_CONFIRMED;
    else
        reason = confirm ? BOOKING_REASON_CONFIRMED : BOOKING_REASON_CANCELLED;
    if (reason == BOOKING_REASON_CONFIRMED || reason == BOOKING_REASON_CANCELLED) {
        r->status = confirm ? BOOKING_STATUS_ACTIVE : BOOKING_STATUS_CANCELLED;
        r->updated_at_ms = t;
        m->written_ms = t > m->written_ms ? t : m->written_ms;
    }
    model_public_record(r, t, record);
    return reason;
}

booking_reason model_set_capacity(sim_model *m, int resource, uint64_t capacity, int64_t t)
{
    assert(resource >= 0 && resource < MODEL_RESOURCES);
    if (m->exists[resource] && capacity < model_booked(m, resource, t))
        return BOOKING_REASON_CAPACITY_BELOW_BOOKED;
    m->exists[resource] = true;
    m->capacity[resource] = capacity;
    m->written_ms = t > m->written_ms ? t : m->written_ms;
    return BOOKING_REASON_OK;
}

uint64_t model_expired(const sim_model *m, int64_t t)
{
    uint64_t n = 0;
    for (size_t i = 0; i < m->count; i++)
        n += model_status_at(&m->records[i], t) == BOOKING_STATUS_EXPIRED;
    return n;
}

int64_t model_last_end(const sim_model *m)
{
    int64_t last = 0;
    for (size_t i = 0; i < m->count; i++) {
        if (m->records[i].expires_at_ms > last)
            last = m->records[i].expires_at_ms;
    }
    return last;
}
