/*
 * store_common.c: small helpers every store shares, so no store writes them again.
 */
#include "store/store.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void store_fail_all(booking_result *results, size_t count, booking_reason reason)
{
    assert(booking_reason_is_failure(reason)); /* FAILED carries a failure reason */
    assert(count <= BOOKING_BATCH_MAX);
    for (size_t i = 0; i < count; i++) {
        results[i] = (booking_result){.outcome = BOOKING_FAILED, .reason = reason,
                                      .replayed = false, .status = BOOKING_STATUS_NONE};
    }
}

void store_error(char *errbuf, size_t errbuf_len, const char *fmt, ...)
{
    if (errbuf == NULL || errbuf_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errbuf_len, fmt, ap);
    va_end(ap);
}

void store_copy_id(char dst[BOOKING_ID_LEN_MAX + 1], const char *src, size_t len)
{
    assert(src != NULL);
    if (len > BOOKING_ID_LEN_MAX)
        len = BOOKING_ID_LEN_MAX;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

bool store_parse_long(const char *text, size_t len, long min, long max, long *out)
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
