/* SPDX-License-Identifier: MIT */
/*
 * time_text.h: the store's times (ms since the epoch) as the text of SPEC section 5,
 * RFC 3339 in UTC with milliseconds ("2026-12-01T21:50:00.123Z"), both ways. One
 * place, so the service writes and the load generator and checker read one form.
 * Header-only, libc only; the calendar is the proleptic Gregorian one (years
 * 0000-9999), computed without the C library's time zone machinery.
 */
#ifndef BOOKING_UTIL_TIME_TEXT_H
#define BOOKING_UTIL_TIME_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_TEXT_LEN 24 /* "YYYY-MM-DDTHH:MM:SS.mmmZ", without a NUL */
#define TIME_TEXT_MS_MAX ((int64_t)253402300799999) /* 9999-12-31T23:59:59.999Z */

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil). */
static inline int64_t time_text_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static inline void time_text_put(char *p, unsigned v, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Writes exactly TIME_TEXT_LEN bytes (no NUL) for 0 <= ms <= TIME_TEXT_MS_MAX. */
static inline void time_text_write(char out[TIME_TEXT_LEN], int64_t ms)
{
    int64_t days = ms / 86400000, rest = ms % 86400000;
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    time_text_put(out, (unsigned)y, 4);
    out[4] = '-';
    time_text_put(out + 5, m, 2);
    out[7] = '-';
    time_text_put(out + 8, d, 2);
    out[10] = 'T';
    time_text_put(out + 11, (unsigned)(rest / 3600000), 2);
    out[13] = ':';
    time_text_put(out + 14, (unsigned)(rest / 60000 % 60), 2);
    out[16] = ':';
    time_text_put(out + 17, (unsigned)(rest / 1000 % 60), 2);
    out[19] = '.';
    time_text_put(out + 20, (unsigned)(rest % 1000), 3);
    out[23] = 'Z';
}

static inline bool time_text_digits(const char *p, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    *out = v;
    return true;
}

/* Reads exactly the form time_text_write writes; false for anything else
 * (another length, offset, precision, or a field out of its range). */
static inline bool time_text_read(const char *text, size_t len, int64_t *ms)
{
    unsigned y, mo, d, h, mi, s, f;
    if (len != TIME_TEXT_LEN || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text[19] != '.' || text[23] != 'Z')
        return false;
    if (!time_text_digits(text, 4, &y) || !time_text_digits(text + 5, 2, &mo) ||
        !time_text_digits(text + 8, 2, &d) || !time_text_digits(text + 11, 2, &h) ||
        !time_text_digits(text + 14, 2, &mi) || !time_text_digits(text + 17, 2, &s) ||
        !time_text_digits(text + 20, 3, &f))
        return false;
    static const unsigned char month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || s > 59 || y < 1970)
        return false;
    int64_t days = time_text_days_from_civil((int64_t)y, mo, d);
    *ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + f;
    return true;
}

#endif
