/* SPDX-License-Identifier: MIT */
/*
 * history_record.c: a mutex-guarded growing buffer of history lines, each
 * written by history/history_line.h (ids are valid when recorded).
 */
#include "check/history_record.h"
#include "history/history_line.h"
#include "util/monotonic.h"
#include "util/time_text.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct check_recorder {
    pthread_mutex_t lock;
    char *text;
    size_t len, cap;
    bool ok;
};

check_recorder *check_recorder_new(void)
{
    check_recorder *rec = calloc(1, sizeof *rec);
    if (rec == NULL)
        return NULL;
    if (pthread_mutex_init(&rec->lock, NULL) != 0) {
        free(rec);
        return NULL;
    }
    rec->ok = true;
    return rec;
}

void check_recorder_free(check_recorder *rec)
{
    if (rec == NULL)
        return;
    pthread_mutex_destroy(&rec->lock);
    free(rec->text);
    free(rec);
}

/* Stamps the event under the lock, so that times rise with the lines. */
static void append(check_recorder *rec, history_event *ev)
{
    char line[HISTORY_LINE_BYTES_MAX];
    pthread_mutex_lock(&rec->lock);
    ev->has_time = true;
    ev->time_ns = monotonic_ns();
    size_t need = history_line_encode(ev, line, sizeof line);
    if (need == 0) {
        rec->ok = false;
        goto out;
    }
    if (rec->cap - rec->len <= need) {
        size_t cap = rec->cap ? rec->cap * 2 : 65536;
        while (cap - rec->len <= need)
            cap *= 2;
        char *grown = realloc(rec->text, cap);
        if (grown == NULL) {
            rec->ok = false;
            goto out;
        }
        rec->text = grown;
        rec->cap = cap;
    }
    memcpy(rec->text + rec->len, line, need);
    rec->len += need;
    rec->text[rec->len] = '\0';
out:
    pthread_mutex_unlock(&rec->lock);
}

static history_event invoke(int process, history_f f)
{
    return (history_event){.type = HISTORY_INVOKE, .process = process, .f = f};
}

/* A completion that names its reason (set_capacity, cancel: with "ok"). */
static history_event complete(int process, history_f f, booking_reason reason)
{
    return (history_event){.type = HISTORY_COMPLETE, .process = process, .f = f,
                           .has_reason = true, .reason = reason};
}

static history_bool yes_no(bool b)
{
    return b ? HISTORY_TRUE : HISTORY_FALSE;
}

void check_record_attempt_invoke(check_recorder *rec, int process, const booking_request *req)
{
    history_event ev = invoke(process, HISTORY_ATTEMPT);
    ev.booking_id = req->booking_id;
    ev.resource_id = req->resource_id; /* the single form; a bundle names its lines */
    ev.units = req->units;
    ev.lines = req->lines;
    ev.line_count = req->line_count;
    ev.hold_ms = req->hold_ms;
    append(rec, &ev);
}

void check_record_attempt_complete(check_recorder *rec, int process, const booking_result *res)
{
    history_event ev = complete(process, HISTORY_ATTEMPT, res->reason);
    ev.outcome = res->outcome;
    ev.replayed = yes_no(res->replayed);
    /* The failing line (SPEC section 8): 0 for the single form. */
    ev.has_line = res->outcome == BOOKING_REJECTED &&
                  (res->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY ||
                   res->reason == BOOKING_REASON_UNKNOWN_RESOURCE);
    ev.line = ev.has_line ? res->line : 0;
    if (res->outcome == BOOKING_BOOKED) {
        ev.status = res->status;
        ev.has_expires_at = res->expires_at_ms != 0; /* only a hold has an end */
        ev.expires_at_ms = res->expires_at_ms;
    }
    append(rec, &ev);
}

void check_record_set_capacity_invoke(check_recorder *rec, int process, const char *resource_id,
                                      uint64_t capacity)
{
    history_event ev = invoke(process, HISTORY_SET_CAPACITY);
    ev.resource_id = resource_id;
    ev.capacity = capacity;
    append(rec, &ev);
}

void check_record_set_capacity_complete(check_recorder *rec, int process, booking_reason reason)
{
    history_event ev = complete(process, HISTORY_SET_CAPACITY, reason);
    ev.ok = yes_no(reason == BOOKING_REASON_OK);
    append(rec, &ev);
}

void check_record_cancel_invoke(check_recorder *rec, int process, const char *booking_id)
{
    history_event ev = invoke(process, HISTORY_CANCEL);
    ev.booking_id = booking_id;
    append(rec, &ev);
}

/* A time the line format can write (a store that left a time unset gives 0). */
static bool time_in_range(int64_t ms)
{
    return ms >= 0 && ms <= TIME_TEXT_MS_MAX;
}

/* The record's times a cancel or confirm answer carries: the hold's end, and the
 * record's updated_at when this call made the change (then it is the call's time). */
static void take_record_times(history_event *ev, booking_reason reason, booking_reason changed,
                              const booking_record *record)
{
    /* The library writes *record only when the record exists (and the call did not fail). */
    if (record == NULL || booking_reason_is_failure(reason) ||
        reason == BOOKING_REASON_UNKNOWN_BOOKING || !time_in_range(record->updated_at_ms) ||
        !time_in_range(record->expires_at_ms))
        return;
    ev->has_expires_at = record->expires_at_ms != 0;
    ev->expires_at_ms = record->expires_at_ms;
    ev->has_updated_at = reason == changed;
    ev->updated_at_ms = record->updated_at_ms;
}

void check_record_cancel_complete(check_recorder *rec, int process, booking_reason reason)
{
    check_record_cancel_answer(rec, process, reason, NULL);
}

void check_record_cancel_answer(check_recorder *rec, int process, booking_reason reason,
                                const booking_record *record)
{
    history_event ev = complete(process, HISTORY_CANCEL, reason);
    ev.ok = yes_no(reason == BOOKING_REASON_CANCELLED ||
                   reason == BOOKING_REASON_ALREADY_CANCELLED);
    take_record_times(&ev, reason, BOOKING_REASON_CANCELLED, record);
    append(rec, &ev);
}

void check_record_confirm_invoke(check_recorder *rec, int process, const char *booking_id)
{
    history_event ev = invoke(process, HISTORY_CONFIRM);
    ev.booking_id = booking_id;
    append(rec, &ev);
}

void check_record_confirm_complete(check_recorder *rec, int process, booking_reason reason,
                                   const booking_record *record)
{
    history_event ev = complete(process, HISTORY_CONFIRM, reason);
    ev.ok = yes_no(reason == BOOKING_REASON_CONFIRMED ||
                   reason == BOOKING_REASON_ALREADY_CONFIRMED);
    take_record_times(&ev, reason, BOOKING_REASON_CONFIRMED, record);
    append(rec, &ev);
}

void check_record_get_resource_invoke(check_recorder *rec, int process, const char *resource_id)
{
    history_event ev = invoke(process, HISTORY_GET_RESOURCE);
    ev.resource_id = resource_id;
    append(rec, &ev);
}

void check_record_get_resource_complete(check_recorder *rec, int process, booking_reason reason,
                                        const booking_resource *resource)
{
    history_event ev = complete(process, HISTORY_GET_RESOURCE, reason);
    if (reason == BOOKING_REASON_OK) {
        ev.has_read = true;
        ev.capacity = resource->capacity;
        ev.booked = resource->booked;
        ev.has_as_of = time_in_range(resource->as_of_ms);
        ev.as_of_ms = resource->as_of_ms;
    }
    append(rec, &ev);
}

const char *check_recorder_text(const check_recorder *rec, size_t *len)
{
    *len = rec->len;
    return rec->text ? rec->text : "";
}

bool check_recorder_ok(const check_recorder *rec)
{
    return rec->ok;
}
