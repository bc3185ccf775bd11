/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sqlite_options.c: the sqlite: store URL's option parser, a pure function
 * (fuzzing booking_store_open itself would create database files). Properties:
 * never crashes; what it accepts has a non-empty path, a bounded busy timeout
 * and a NUL-terminated VFS name; a refusal explains itself.
 */
#include "fuzz/fuzz.h"
#include "store/sqlite_conn.h"

#include <string.h>

#define FUZZ_URL_BYTES_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= FUZZ_URL_BYTES_MAX)
        return 0;
    char url[FUZZ_URL_BYTES_MAX + 8] = "sqlite:";
    memcpy(url + 7, data, size);
    url[7 + size] = '\0';
    sqlite_options opts;
    char why[256] = "";
    booking_error e = bk_sqlite_options_parse(url, url + 7, &opts, why, sizeof why);
    if (e == BOOKING_OK) {
        size_t path_len = strnlen(opts.path, sizeof opts.path);
        FUZZ_REQUIRE(path_len > 0 && path_len < sizeof opts.path);
        FUZZ_REQUIRE(strnlen(opts.vfs, sizeof opts.vfs) < sizeof opts.vfs);
        FUZZ_REQUIRE(opts.busy_timeout_ms >= 0 &&
                     opts.busy_timeout_ms <= BOOKING_SQLITE_BUSY_TIMEOUT_MS_MAX);
        FUZZ_REQUIRE(strncmp(opts.path, url + 7, path_len) == 0);
    } else {
        FUZZ_REQUIRE(e == BOOKING_EURL);
        FUZZ_REQUIRE(why[0] != '\0');
    }
    return 0;
}
