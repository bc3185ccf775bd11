#!/bin/bash
# SPDX-License-Identifier: MIT
# cli_confirm_test.sh: a hold's whole life from the command line (SPEC sections 6
# and 7) on a durable store, one command per step as a user would type them:
# `booking attempt --hold-ms` prints status held and expires_at, `booking confirm`
# answers with the output and exit codes of `booking cancel` (0 confirmed or
# already_confirmed; 3 hold_expired, already_cancelled, not_booked,
# unknown_booking), a cancel of an expired hold is hold_expired, and a replay of
# an expired hold is BOOKED, status expired, replayed=true.
# It needs the sqlite: store's holds (its confirm, and its clock).
# Usage: cli_confirm_test.sh PATH/TO/booking   (needs python3)
set -u

BOOKING=${1:?usage: cli_confirm_test.sh PATH/TO/booking}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/booking-cli-confirm-XXXXXX") || exit 1
STORE="sqlite:$WORK/holds.db"
HOLD_LONG_MS=600000 # outlives the test: expires only if the store's clock is wrong
HOLD_SHORT_MS=50    # expires during the wait below
EXPIRY_WAIT_S=0.2   # a bounded wait, 4 times the short hold
TIME_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
checks=0
failures=0
trap 'rm -rf "$WORK"' EXIT

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
    echo "  stdout: $(head -c 600 "$WORK/out")" >&2
    echo "  stderr: $(head -c 600 "$WORK/err")" >&2
}

# expect EXIT ARGS...: runs booking --store STORE ARGS, checks the exit status and
# that it printed on stdout only.
expect() {
    local want=$1
    shift
    "$BOOKING" "$@" --store "$STORE" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    last="booking $*"
    checks=$((checks + 1))
    [ "$rc" -eq "$want" ] || fail "$last: exit $rc, expected $want"
    [ -s "$WORK/out" ] && [ ! -s "$WORK/err" ] || fail "$last: expected stdout only"
}

# line_is EXTENDED_REGEX: stdout is one line matching it whole.
line_is() {
    checks=$((checks + 1))
    [ "$(wc -l <"$WORK/out")" -eq 1 ] && grep -Eqx -- "$1" "$WORK/out" ||
        fail "$last: stdout is not /$1/"
}

# json_is PYTHON_CONDITION on d, the one JSON object on stdout; is_time(v) tells a
# store time (RFC 3339, UTC, milliseconds).
json_is() {
    checks=$((checks + 1))
    python3 - "$WORK/out" "$1" <<'PY' || fail "$last: JSON body is wrong"
import json, re, sys
d = json.load(open(sys.argv[1]))
def is_time(v):
    return isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", v) is not None
if not eval(sys.argv[2], {"d": d, "is_time": is_time}):
    sys.exit("condition failed: %s on %s" % (sys.argv[2], d))
PY
}

RECORD="booking_id=%s resource_id=seats units=%s outcome=BOOKED reason=booked status=%s"

expect 0 resource set seats --capacity 3

# ---- hold then confirm: active for good, a repeat is already_confirmed ----
expect 0 attempt --booking h1 --resource seats --units 2 --hold-ms $HOLD_LONG_MS
line_is "BOOKED reason=booked booking_id=h1 resource_id=seats units=2 replayed=false status=held expires_at=$TIME_RE"
expect 0 attempt --booking h1 --resource seats --units 2 --hold-ms $HOLD_LONG_MS --json
json_is '(d["status"] == "held" and d["replayed"] is True and is_time(d["expires_at"])
    and set(d) == {"outcome", "reason", "booking_id", "resource_id", "units", "replayed",
                   "status", "expires_at"})'
expect 0 booking get h1
line_is "$(printf "$RECORD" h1 2 held) expires_at=$TIME_RE"
expect 0 resource get seats
line_is "resource_id=seats capacity=3 booked=2 remaining=1"
expect 0 confirm h1
line_is "confirmed $(printf "$RECORD" h1 2 active)"
expect 0 confirm h1 --json
json_is '(d["result"] == "already_confirmed" and d["status"] == "active" and "expires_at" not in d
    and is_time(d["created_at"]) and is_time(d["updated_at"]) and d["updated_at"] >= d["created_at"])'
expect 0 resource get seats
line_is "resource_id=seats capacity=3 booked=2 remaining=1"

# ---- a booking made without a hold is confirmed already ----
expect 0 attempt --booking a1 --resource seats --units 1
expect 0 confirm a1
line_is "already_confirmed $(printf "$RECORD" a1 1 active)"

# ---- hold then cancel: released; a confirm after it is refused ----
expect 0 cancel a1
expect 0 attempt --booking h2 --resource seats --units 1 --hold-ms $HOLD_LONG_MS
expect 0 cancel h2
line_is "cancelled $(printf "$RECORD" h2 1 cancelled)"
expect 3 confirm h2
line_is "already_cancelled $(printf "$RECORD" h2 1 cancelled)"
expect 0 resource get seats
line_is "resource_id=seats capacity=3 booked=2 remaining=1"

# ---- a REJECTED record and an unknown id ----
expect 3 attempt --booking r1 --resource seats --units 2
expect 3 confirm r1
line_is "not_booked booking_id=r1 resource_id=seats units=2 outcome=REJECTED reason=insufficient_capacity status=none"
expect 3 confirm nobody
line_is "unknown_booking booking_id=nobody"

# ---- hold then expire: nothing to confirm or cancel; the replay says expired ----
expect 0 attempt --booking h3 --resource seats --units 1 --hold-ms $HOLD_SHORT_MS
sleep "$EXPIRY_WAIT_S"
expect 3 confirm h3
line_is "hold_expired $(printf "$RECORD" h3 1 expired) expires_at=$TIME_RE"
expect 3 cancel h3 --json
json_is '(d["result"] == "hold_expired" and d["status"] == "expired"
    and d["updated_at"] == d["expires_at"])'
expect 0 attempt --booking h3 --resource seats --units 1 --hold-ms $HOLD_SHORT_MS
line_is "BOOKED reason=booked booking_id=h3 resource_id=seats units=1 replayed=true status=expired expires_at=$TIME_RE"
expect 0 resource get seats
line_is "resource_id=seats capacity=3 booked=2 remaining=1"

echo "cli_confirm_test: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
