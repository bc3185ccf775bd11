/* SPDX-License-Identifier: MIT */
/*
 * test_time_text.c: the store's times as text (SPEC section 5: RFC 3339, UTC,
 * milliseconds), written and read back by src/util/time_text.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/time_text.h"

#include <stdlib.h>
#include <string.h>

typedef struct known_time {
    int64_t ms;
    const char *text;
} known_time;

/* Values cross-checked with Python's datetime in UTC. */
static const known_time known[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {1764627000123, "2025-12-01T22:10:00.123Z"},
    {1709251199999, "2024-02-29T23:59:59.999Z"},
    {951782400000, "2000-02-29T00:00:00.000Z"},
    {253402300799999, "9999-12-31T23:59:59.999Z"},
};

static void times_are_written_as_rfc3339_utc_with_milliseconds(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        char text[TIME_TEXT_LEN + 1] = {0};
        time_text_write(text, known[i].ms);
        assert_string_equal(text, known[i].text);
        int64_t back = -1;
        assert_true(time_text_read(known[i].text, strlen(known[i].text), &back));
        assert_true(back == known[i].ms);
    }
}

static void every_millisecond_of_sampled_days_round_trips(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t ms = (int64_t)(x % (uint64_t)TIME_TEXT_MS_MAX);
        char text[TIME_TEXT_LEN];
        time_text_write(text, ms);
        int64_t back = -1;
        assert_true(time_text_read(text, TIME_TEXT_LEN, &back));
        assert_true(back == ms);
    }
}

static void other_forms_and_impossible_dates_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "2025-12-01T22:10:00Z",          "2025-12-01T22:10:00.123+00:00",
        "2025-12-01 22:10:00.123Z",      "2025-13-01T22:10:00.123Z",
        "2025-02-29T22:10:00.123Z",      "1900-02-29T00:00:00.000Z",
        "2025-12-01T24:00:00.000Z",      "2025-12-01T22:60:00.000Z",
        "2025-12-01T22:10:60.000Z",      "2025-12-32T22:10:00.123Z",
        "1969-12-31T23:59:59.999Z",      "2025-12-01T22:10:00.12aZ",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        if (time_text_read(bad[i], strlen(bad[i]), &ms))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(ms == 42);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(times_are_written_as_rfc3339_utc_with_milliseconds),
        cmocka_unit_test(every_millisecond_of_sampled_days_round_trips),
        cmocka_unit_test(other_forms_and_impossible_dates_are_refused),
    };
    return cmocka_run_group_tests_name("time_text", tests, NULL, NULL);
}
