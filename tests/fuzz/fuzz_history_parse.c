/* SPDX-License-Identifier: MIT */
/*
 * fuzz_history_parse.c: the history parser and, for small histories, the whole
 * checker. Properties: never crashes; a refusal names a line; a verdict is one
 * of the four; a violation names at least one line within the history.
 */
#include "check/check.h"
#include "fuzz/fuzz.h"

#define FUZZ_CHECK_TIMEOUT_S 0.5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_report report;
    check_history *h = check_history_parse((const char *)data, size, &report);
    if (h == NULL) {
        FUZZ_REQUIRE(report.verdict == CHECK_INVALID);
        FUZZ_REQUIRE(report.detail[0] != '\0');
        return 0;
    }
    check_options opts = {.timeout_s = FUZZ_CHECK_TIMEOUT_S};
    check_verdict v = check_history_run(h, &opts, &report);
    FUZZ_REQUIRE(v == CHECK_VALID || v == CHECK_VIOLATION || v == CHECK_UNDECIDED);
    FUZZ_REQUIRE(report.verdict == v);
    if (v == CHECK_VIOLATION) {
        FUZZ_REQUIRE(report.line_count > 0 && report.kind[0] != '\0');
        for (size_t i = 0; i < report.line_count; i++)
            FUZZ_REQUIRE(report.lines[i] >= 1 && report.lines[i] <= size);
    }
    check_history_free(h);
    return 0;
}
