/*
 * history_record.c: a mutex-guarded growing buffer of history lines, each
 * written by history/history_line.h (ids are valid when recorded).
 */
#include "check/history_record.h"
#include "history/history_line.h"

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

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Stamps the event under the lock, so that times rise with the lines. */
static void append(check_recorder *rec, history_event *ev)
{
    char line[HISTORY_LINE_BYTES_MAX];
    pthread_mutex_lock(&rec->lock);
    ev->has_time = true;
    ev->time_ns = now_ns();
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
    ev.resource_id = req->resource_id;
    ev.units = req->units;
    append(rec, &ev);
}

void check_record_attempt_complete(check_recorder *rec, int process, const booking_result *res)
{
    history_event ev = complete(process, HISTORY_ATTEMPT, res->reason);
    ev.outcome = res->outcome;
    ev.replayed = yes_no(res->replayed);
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

void check_record_cancel_complete(check_recorder *rec, int process, booking_reason reason)
{
    history_event ev = complete(process, HISTORY_CANCEL, reason);
    ev.ok = yes_no(reason == BOOKING_REASON_CANCELLED ||
                   reason == BOOKING_REASON_ALREADY_CANCELLED);
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
