/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cli_parse.c: the command line's number parser (cli_parse_u64) and the id
 * rule (booking_id_valid) against plain reference implementations of SPEC
 * section 3. The first byte picks the maximum; the rest is the argument.
 */
#include "booking.h"
#include "cli/cli.h"
#include "fuzz/fuzz.h"

#include <inttypes.h>
#include <string.h>

#define FUZZ_ARG_BYTES_MAX 256

static const uint64_t maxima[] = {BOOKING_UNITS_MAX, UINT64_MAX, 0, 1, 100, 86400};

static bool reference_id_valid(const uint8_t *s, size_t len)
{
    if (len < 1 || len > BOOKING_ID_LEN_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_ARG_BYTES_MAX)
        return 0;
    uint64_t max = maxima[data[0] % (sizeof maxima / sizeof maxima[0])];
    char text[FUZZ_ARG_BYTES_MAX + 1];
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    uint64_t v = 0;
    if (cli_parse_u64(text, max, &v)) {
        FUZZ_REQUIRE(v <= max);
        /* Accepted text is digits only and means v: strip leading zeros and compare. */
        const char *digits = text;
        while (digits[0] == '0' && digits[1] != '\0')
            digits++;
        char printed[32];
        snprintf(printed, sizeof printed, "%" PRIu64, v);
        FUZZ_REQUIRE(strcmp(printed, digits) == 0);
    } else {
        /* Refused: not all digits, empty, or over max. */
        size_t n = strlen(text);
        bool all_digits = n > 0 && strspn(text, "0123456789") == n;
        if (all_digits && n <= 19) {
            uint64_t ref = strtoull(text, NULL, 10);
            FUZZ_REQUIRE(ref > max);
        }
    }
    FUZZ_REQUIRE(booking_id_valid((const char *)data + 1, size - 1) ==
                 reference_id_valid(data + 1, size - 1));
    FUZZ_REQUIRE(booking_units_valid(v) == (v >= 1 && v <= BOOKING_UNITS_MAX));
    return 0;
}
