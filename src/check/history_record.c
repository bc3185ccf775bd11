/*
 * history_record.c: a mutex-guarded growing buffer of JSON lines. Ids are
 * already valid ([A-Za-z0-9._:-]) when recorded, so they need no escaping.
 */
#include "check/history_record.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD_LINE_BYTES_MAX 512 /* two ids of 128 bytes and a few fields */

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

static void append(check_recorder *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(check_recorder *rec, const char *fmt, ...)
{
    char line[RECORD_LINE_BYTES_MAX];
    pthread_mutex_lock(&rec->lock);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 1) {
        rec->ok = false;
        goto out;
    }
    int t = snprintf(line + n, sizeof line - (size_t)n, ",\"time\":%" PRIu64 "}\n", now_ns());
    if (t < 0 || (size_t)(n + t) >= sizeof line) {
        rec->ok = false;
        goto out;
    }
    size_t need = (size_t)(n + t);
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

void check_record_attempt_invoke(check_recorder *rec, int process, const booking_request *req)
{
    append(rec,
           "{\"type\":\"invoke\",\"process\":%d,\"f\":\"attempt\",\"booking_id\":\"%s\","
           "\"resource_id\":\"%s\",\"units\":%" PRIu64,
           process, req->booking_id, req->resource_id, req->units);
}

void check_record_attempt_complete(check_recorder *rec, int process, const booking_result *res)
{
    append(rec,
           "{\"type\":\"complete\",\"process\":%d,\"f\":\"attempt\",\"outcome\":\"%s\","
           "\"reason\":\"%s\",\"replayed\":%s",
           process, booking_outcome_name(res->outcome), booking_reason_name(res->reason),
           res->replayed ? "true" : "false");
}

void check_record_set_capacity_invoke(check_recorder *rec, int process, const char *resource_id,
                                      uint64_t capacity)
{
    append(rec,
           "{\"type\":\"invoke\",\"process\":%d,\"f\":\"set_capacity\",\"resource_id\":\"%s\","
           "\"capacity\":%" PRIu64,
           process, resource_id, capacity);
}

void check_record_set_capacity_complete(check_recorder *rec, int process, booking_reason reason)
{
    append(rec,
           "{\"type\":\"complete\",\"process\":%d,\"f\":\"set_capacity\",\"ok\":%s,"
           "\"reason\":\"%s\"",
           process, reason == BOOKING_REASON_OK ? "true" : "false", booking_reason_name(reason));
}

void check_record_cancel_invoke(check_recorder *rec, int process, const char *booking_id)
{
    append(rec, "{\"type\":\"invoke\",\"process\":%d,\"f\":\"cancel\",\"booking_id\":\"%s\"",
           process, booking_id);
}

void check_record_cancel_complete(check_recorder *rec, int process, booking_reason reason)
{
    bool ok = reason == BOOKING_REASON_CANCELLED || reason == BOOKING_REASON_ALREADY_CANCELLED;
    append(rec, "{\"type\":\"complete\",\"process\":%d,\"f\":\"cancel\",\"ok\":%s,\"reason\":\"%s\"",
           process, ok ? "true" : "false", booking_reason_name(reason));
}

void check_record_get_resource_invoke(check_recorder *rec, int process, const char *resource_id)
{
    append(rec,
           "{\"type\":\"invoke\",\"process\":%d,\"f\":\"get_resource\",\"resource_id\":\"%s\"",
           process, resource_id);
}

void check_record_get_resource_complete(check_recorder *rec, int process, booking_reason reason,
                                        const booking_resource *resource)
{
    if (reason == BOOKING_REASON_OK)
        append(rec,
               "{\"type\":\"complete\",\"process\":%d,\"f\":\"get_resource\",\"reason\":\"ok\","
               "\"capacity\":%" PRIu64 ",\"booked\":%" PRIu64,
               process, resource->capacity, resource->booked);
    else
        append(rec,
               "{\"type\":\"complete\",\"process\":%d,\"f\":\"get_resource\",\"reason\":\"%s\"",
               process, booking_reason_name(reason));
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
