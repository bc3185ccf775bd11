#!/bin/bash
# SPDX-License-Identifier: MIT
# cli_options_once_test.sh: SPEC section 6 against careless or hostile input
# (issue 13 item 9): an option that takes one value, given twice, is a usage error
# (it used to take the last silently), and a token file whose token holds a NUL
# byte is refused (it used to yield the text before the NUL).
# Usage: cli_options_once_test.sh PATH/TO/booking
set -u

BOOKING=${1:?usage: cli_options_once_test.sh PATH/TO/booking}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/booking-cli-once-XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
checks=0
failures=0

# expect_usage_error WHAT ARGS...: exit 2, nothing on stdout, one line on stderr naming WHAT.
expect_error() {
    local want=$1 what=$2
    shift 2
    timeout 5 "$BOOKING" "$@" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    checks=$((checks + 1))
    if [ "$rc" -ne "$want" ] || [ -s "$WORK/out" ] || [ "$(wc -l <"$WORK/err")" -ne 1 ] ||
        ! grep -q -- "$what" "$WORK/err"; then
        failures=$((failures + 1))
        echo "FAIL: booking $*: exit $rc (expected $want), stderr: $(head -c 300 "$WORK/err")" >&2
    fi
}

expect_error 2 "--booking given twice" attempt --booking a --booking b --resource r --units 1 --store memory:
expect_error 2 "--resource given twice" attempt --booking a --resource r --resource s --units 1 --store memory:
expect_error 2 "--units given twice" attempt --booking a --resource r --units 1 --units=2 --store memory:
expect_error 2 "--store given twice" attempt -b a -r r -u 1 -s memory: -s memory:
expect_error 2 "--hold-ms given twice" attempt -b a -r r -u 1 --hold-ms 5 --hold-ms 6 --store memory:
expect_error 2 "--capacity given twice" resource set r --capacity 1 --capacity 2 --store memory:
expect_error 2 "--store given twice" booking get b --store memory: --store memory:
expect_error 2 "--listen given twice" serve --listen 127.0.0.1:0 --listen 127.0.0.1:0 --store memory:
expect_error 2 "--token-file given twice" serve --token-file a --token-file b --store memory:
# A flag twice means the same as once: still fine.
"$BOOKING" attempt -b a -r r -u 1 --json --json --store memory: >"$WORK/out" 2>&1
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 3 ] || { failures=$((failures + 1)); echo "FAIL: --json twice: exit $rc" >&2; }

printf 'sekrit\0evil\n' >"$WORK/nul-token"
expect_error 1 "NUL" serve --token-file "$WORK/nul-token" --listen 127.0.0.1:0 --store memory:
printf '\0\n' >"$WORK/nul-only"
expect_error 1 "NUL" serve --token-file "$WORK/nul-only" --listen 127.0.0.1:0 --store memory:

echo "cli_options_once_test: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
