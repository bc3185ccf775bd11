#!/bin/bash
# SPDX-License-Identifier: MIT
# cli_bundle_test.sh: bundles from the command line (SPEC sections 6 and 8) on a
# durable store, one command per step: `booking attempt --line ID:N ...` books
# every line or none (exit 0 BOOKED, 3 REJECTED naming line=I), prints lines= and
# --json with "lines" and "line", replays and conflicts by the lines' order,
# `booking booking get` shows the lines and line_count, cancel releases every
# line, and --line refuses to mix with --resource/--units or to be malformed (2).
# Usage: cli_bundle_test.sh PATH/TO/booking   (needs python3)
set -u

BOOKING=${1:?usage: cli_bundle_test.sh PATH/TO/booking}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/booking-cli-bundle-XXXXXX") || exit 1
STORE="sqlite:$WORK/bundles.db"
checks=0
failures=0
trap 'rm -rf "$WORK"' EXIT

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
    echo "  stdout: $(head -c 600 "$WORK/out")" >&2
    echo "  stderr: $(head -c 600 "$WORK/err")" >&2
}

# expect EXIT ARGS...: runs booking ARGS --store STORE, checks the exit status.
expect() {
    local want=$1
    shift
    "$BOOKING" "$@" --store "$STORE" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    last="booking $*"
    checks=$((checks + 1))
    [ "$rc" -eq "$want" ] || fail "$last: exit $rc, expected $want"
}

# A result: stdout, nothing on stderr.
expect_result() {
    expect "$@"
    [ -s "$WORK/out" ] && [ ! -s "$WORK/err" ] || fail "$last: not a result on stdout alone"
}

# A usage error: exit 2, nothing on stdout, one line on stderr naming $2 (a word).
expect_usage() {
    local word=$1
    shift
    expect 2 "$@"
    [ ! -s "$WORK/out" ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] ||
        fail "$last: not a one-line error on stderr alone"
    grep -q -- "$word" "$WORK/err" || fail "$last: the error does not say '$word'"
}

stdout_is() {
    checks=$((checks + 1))
    [ "$(cat "$WORK/out")" = "$1" ] || fail "$last: stdout is not '$1'"
}

# json_is KEYS CONDITION: stdout is one JSON object with exactly KEYS, and the
# Python condition on d holds.
json_is() {
    checks=$((checks + 1))
    python3 - "$WORK/out" "$1" "$2" <<'EOF' || fail "$last: JSON body is wrong"
import json, sys
path, keys, cond = sys.argv[1], sys.argv[2].split(), sys.argv[3]
d = json.load(open(path))
if sorted(d) != sorted(keys):
    sys.exit("fields %s, expected %s" % (sorted(d), sorted(keys)))
if not eval(cond, {"d": d}):
    sys.exit("condition failed: %s on %s" % (cond, d))
EOF
}

LINES='[{"resource_id": "room:2026-12-01", "units": 1}, {"resource_id": "room:2026-12-02", "units": 1}]'

# ---- two nights of one room: a stay is a bundle over them ----
expect_result 0 resource set room:2026-12-01 --capacity 1
expect_result 0 resource set room:2026-12-02 --capacity 2

expect_result 0 attempt --booking stay-1 --line room:2026-12-01:1 --line room:2026-12-02:1
stdout_is "BOOKED reason=booked booking_id=stay-1 lines=room:2026-12-01:1,room:2026-12-02:1 replayed=false status=active"
expect_result 0 attempt --booking stay-1 --line room:2026-12-01:1 --line room:2026-12-02:1 --json
json_is "outcome reason booking_id lines replayed status" \
    "d['lines'] == $LINES and d['replayed'] is True and d['status'] == 'active'"

# Night 1 is full: a stay over night 2 then night 1 is REJECTED naming line 1, and
# night 2 keeps its room.
expect_result 3 attempt --booking stay-2 --line room:2026-12-02:1 --line room:2026-12-01:1
stdout_is "REJECTED reason=insufficient_capacity booking_id=stay-2 lines=room:2026-12-02:1,room:2026-12-01:1 line=1 replayed=false"
expect_result 0 resource get room:2026-12-02
grep -q "booked=1 " "$WORK/out" || fail "$last: a REJECTED stay reserved a night"
expect_result 3 attempt --booking stay-2 --line room:2026-12-02:1 --line room:2026-12-01:1 --json
json_is "outcome reason booking_id lines line replayed" \
    "d['reason'] == 'insufficient_capacity' and d['line'] == 1 and d['replayed'] is True"

# An unknown night: REJECTED unknown_resource with its line, not recorded.
expect_result 3 attempt --booking stay-3 --line room:2026-12-02:1 --line room:2026-12-09:1 --json
json_is "outcome reason booking_id lines line replayed" \
    "d['reason'] == 'unknown_resource' and d['line'] == 1"
expect_result 3 booking get stay-3

# The same lines in another order are another request.
expect_result 3 attempt --booking stay-1 --line room:2026-12-02:1 --line room:2026-12-01:1
grep -q "^REJECTED reason=booking_id_conflict " "$WORK/out" || fail "$last: not a conflict"
expect_result 3 attempt --booking stay-1 --resource room:2026-12-01 --units 1
grep -q "^REJECTED reason=booking_id_conflict " "$WORK/out" || fail "$last: not a conflict"

# ---- the record shows the lines ----
expect_result 0 booking get stay-1
grep -q "^booking_id=stay-1 lines=room:2026-12-01:1,room:2026-12-02:1 line_count=2 outcome=BOOKED reason=booked status=active$" \
    "$WORK/out" || fail "$last: the record does not show its lines"
expect_result 0 booking get stay-1 --json
json_is "booking_id lines line_count outcome reason status created_at updated_at" \
    "d['lines'] == $LINES and d['line_count'] == 2"
expect_result 0 booking get stay-2 --json
json_is "booking_id lines line_count outcome reason line status created_at updated_at" \
    "d['line'] == 1 and d['outcome'] == 'REJECTED' and d['status'] == 'none'"

# ---- cancel releases every line, and answers with them ----
expect_result 0 cancel stay-1 --json
json_is "booking_id lines line_count outcome reason status created_at updated_at result" \
    "d['result'] == 'cancelled' and d['lines'] == $LINES"
expect_result 0 cancel stay-1
grep -q "^already_cancelled booking_id=stay-1 lines=room:2026-12-01:1,room:2026-12-02:1 " \
    "$WORK/out" || fail "$last: the repeat does not show the lines"
expect_result 0 resource get room:2026-12-01
grep -q "booked=0 " "$WORK/out" || fail "$last: night 1 not released"
expect_result 0 resource get room:2026-12-02
grep -q "booked=0 " "$WORK/out" || fail "$last: night 2 not released"

# ---- a held stay, confirmed ----
expect_result 0 attempt --booking hold-1 --line room:2026-12-01:1 --line room:2026-12-02:2 --hold-ms 600000
grep -q " status=held expires_at=" "$WORK/out" || fail "$last: not held"
expect_result 0 confirm hold-1 --json
json_is "booking_id lines line_count outcome reason status created_at updated_at result" \
    "d['result'] == 'confirmed' and d['line_count'] == 2 and d['lines'][1]['units'] == 2"

# ---- usage: the two forms do not mix, and a line is RESOURCE:UNITS ----
expect_usage "does not mix" attempt --booking u --line room:2026-12-01:1 --resource room:2026-12-01
expect_usage "does not mix" attempt --booking u --units 1 --line room:2026-12-01:1
expect_usage "--line" attempt --booking u --line room
expect_usage "--line" attempt --booking u --line room:2026-12-01:0
expect_usage "--line" attempt --booking u --line room:2026-12-01:x
expect_usage "--line" attempt --booking u --line :1
expect_usage "--line" attempt --booking u --line "a b:1"
expect_usage "named by two" attempt --booking u --line r:1 --line s:1 --line r:2
# (expect appends --store: a --line last on the command line is run by hand.)
"$BOOKING" attempt --booking u --line >"$WORK/out" 2>"$WORK/err"
rc=$?
last="booking attempt --booking u --line"
checks=$((checks + 1))
[ "$rc" -eq 2 ] && grep -q "needs a value" "$WORK/err" || fail "$last: exit $rc, not 'needs a value'"
expect_usage "missing" attempt --booking u
many=()
for i in $(seq 0 64); do many+=(--line "n$i:1"); done
expect_usage "at most 64" attempt --booking u "${many[@]}"
expect_result 3 attempt --booking u "${many[@]:0:128}" # 64 lines: taken (the nights are unknown)
grep -q "^REJECTED reason=unknown_resource .* line=0 " "$WORK/out" || fail "$last: not unknown_resource"
expect_result 0 attempt --help
grep -q -- "--line ID:N" "$WORK/out" || fail "$last: the help does not show --line"

echo "cli_bundle_test: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
