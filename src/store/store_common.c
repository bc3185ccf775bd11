/* SPDX-License-Identifier: MIT */
/*
 * store_common.c: small helpers every store shares, so no store writes them again.
 */
#include "store/store.h"
#include "core/decide.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void bk_store_fail_all(booking_result *results, size_t count, booking_reason reason)
{
    assert(booking_reason_is_failure(reason)); /* FAILED carries a failure reason */
    assert(count <= BOOKING_BATCH_MAX);
    for (size_t i = 0; i < count; i++) {
        results[i] = (booking_result){.outcome = BOOKING_FAILED, .reason = reason,
                                      .replayed = false, .status = BOOKING_STATUS_NONE};
    }
}

static _Thread_local char last_error[BOOKING_LAST_ERROR_MAX];

void bk_store_note_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    last_error[strcspn(last_error, "\r\n")] = '\0'; /* one line, for a log */
}

void bk_store_clear_error(void)
{
    last_error[0] = '\0';
}

const char *booking_last_error(void)
{
    return last_error;
}

void bk_store_error(char *errbuf, size_t errbuf_len, const char *fmt, ...)
{
    if (errbuf == NULL || errbuf_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errbuf_len, fmt, ap);
    va_end(ap);
}

void bk_store_copy_id(char dst[BOOKING_ID_LEN_MAX + 1], const char *src, size_t len)
{
    assert(src != NULL);
    if (len > BOOKING_ID_LEN_MAX)
        len = BOOKING_ID_LEN_MAX;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

bool bk_store_parse_long(const char *text, size_t len, long min, long max, long *out)
{
    assert(min <= max && max < 1000000000L); /* 9 digits never overflow a long */
    long v = 0;
    if (len == 0 || len > 9)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (text[i] - '0');
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int64_t real_time_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void bk_store_observe_time(booking_store *store, int64_t ms)
{
    /* A lock-free max: each failed exchange means another thread raised the
     * value, so the loop ends after at most one try per concurrent raiser. */
    int64_t seen = __atomic_load_n(&store->latest_ms, __ATOMIC_RELAXED);
    while (seen < ms && !__atomic_compare_exchange_n(&store->latest_ms, &seen, ms, true,
                                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

void bk_store_count_expired(booking_store *store, uint64_t n)
{
    __atomic_add_fetch(&store->holds_expired, n, __ATOMIC_RELAXED);
}

int64_t bk_store_now(booking_store *store)
{
    int64_t clock_ms = store->clock != NULL ? store->clock(store->clock_context) : real_time_ms();
    int64_t now = bk_core_store_time(clock_ms, __atomic_load_n(&store->latest_ms, __ATOMIC_RELAXED));
    bk_store_observe_time(store, now);
    return now;
}
