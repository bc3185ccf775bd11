#!/bin/bash
# SPDX-License-Identifier: MIT
# cli_test.sh: the `booking` command line against SPEC section 6: --help on every
# command, the exit codes (0 BOOKED, 3 REJECTED, 4 FAILED, 2 usage, 1 other error),
# options before and after positional arguments, --json bodies with exactly the
# field names of SPEC section 5 (the store's times as RFC 3339 UTC text), holds
# (--hold-ms) and `booking confirm`, and errors on stderr in one line.
# Usage: cli_test.sh PATH/TO/booking   (needs python3 and the sqlite3 shell)
set -u

BOOKING=${1:?usage: cli_test.sh PATH/TO/booking}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/booking-cli-XXXXXX") || exit 1
DB="$WORK/cli.db"
STORE="sqlite:$DB"
LOCK_WAIT_TENTHS_MAX=50 # how long to wait for the sqlite3 shell to take its lock
UNITS_MAX=9007199254740991
holder_pid=""
checks=0
failures=0

cleanup() {
    exec 3>&- 2>/dev/null
    if [ -n "$holder_pid" ]; then
        kill "$holder_pid" 2>/dev/null
        wait "$holder_pid" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
    echo "  stdout: $(head -c 600 "$WORK/out")" >&2
    echo "  stderr: $(head -c 600 "$WORK/err")" >&2
}

# run ARGS...: runs booking, leaving stdout in $WORK/out, stderr in $WORK/err, exit in $rc.
run() {
    "$BOOKING" "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    last="booking $*"
}

# expect EXIT ARGS...: runs booking and checks its exit status.
expect() {
    local want=$1
    shift
    run "$@"
    checks=$((checks + 1))
    [ "$rc" -eq "$want" ] || fail "$last: exit $rc, expected $want"
}

# An error: exit EXIT, nothing on stdout, exactly one line on stderr.
expect_error() {
    local want=$1
    shift
    expect "$want" "$@"
    [ ! -s "$WORK/out" ] || fail "$last: an error printed on stdout"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$last: stderr is not exactly one line"
    [ -n "$(tr -d '\n' <"$WORK/err")" ] || fail "$last: empty error message"
}

# A result: exit EXIT, output on stdout, nothing on stderr.
expect_result() {
    local want=$1
    shift
    expect "$want" "$@"
    [ -s "$WORK/out" ] || fail "$last: printed nothing"
    [ ! -s "$WORK/err" ] || fail "$last: wrote on stderr"
}

stdout_has() {
    checks=$((checks + 1))
    grep -q -- "$1" "$WORK/out" || fail "$last: stdout lacks '$1'"
}

first_word_is() {
    checks=$((checks + 1))
    [ "$(head -n 1 "$WORK/out" | cut -d' ' -f1)" = "$1" ] || fail "$last: does not start with $1"
}

# The helpers a json_is/json_has condition may use: is_time(v) for a store time
# (RFC 3339, UTC, milliseconds), without(d, keys...) for d less its times.
JSON_HELPERS='
import re
def is_time(v):
    return isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", v) is not None
def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}
'

# json_is KEYS PYTHON_CONDITION: stdout is exactly one JSON object whose keys are
# exactly KEYS (space separated) and for which the condition on d holds.
json_is() {
    checks=$((checks + 1))
    python3 - "$WORK/out" "$1" "$2" "$JSON_HELPERS" <<'EOF' || fail "$last: JSON body is wrong"
import json, sys
path, keys, cond = sys.argv[1], sys.argv[2].split(), sys.argv[3]
exec(sys.argv[4])
text = open(path).read()
try:
    d = json.loads(text)
except ValueError as e:
    sys.exit("not one JSON document: %s" % e)
if not isinstance(d, dict):
    sys.exit("not a JSON object")
if sorted(d) != sorted(keys):
    sys.exit("fields %s, expected %s" % (sorted(d), sorted(keys)))
if text.count("\n") != 1:
    sys.exit("not one line")
if not eval(cond, {"d": d, "is_time": is_time, "without": without}):
    sys.exit("condition failed: %s on %s" % (cond, d))
EOF
}

# json_has KEYS PYTHON_CONDITION: as json_is, but KEYS need only be present.
json_has() {
    checks=$((checks + 1))
    python3 - "$WORK/out" "$1" "$2" "$JSON_HELPERS" <<'EOF' || fail "$last: JSON body is wrong"
import json, sys
path, keys, cond = sys.argv[1], sys.argv[2].split(), sys.argv[3]
exec(sys.argv[4])
d = json.load(open(path))
missing = [k for k in keys if k not in d]
if missing:
    sys.exit("fields %s missing from %s" % (missing, sorted(d)))
if not eval(cond, {"d": d, "is_time": is_time, "without": without}):
    sys.exit("condition failed: %s on %s" % (cond, d))
EOF
}

OUTCOME_KEYS="outcome reason booking_id resource_id units replayed"
RESOURCE_KEYS="resource_id capacity booked remaining as_of"
RECORD_KEYS="booking_id resource_id units lines line_count outcome reason status created_at updated_at"

# ---- --help on every command ----

expect_result 0 --help
stdout_has "Usage"
commands=$(sed -n '/^Commands:/,/^$/p' "$WORK/out" | awk 'NR > 1 && NF { print $1 }')
for required in attempt confirm cancel resource booking bench; do
    checks=$((checks + 1))
    echo "$commands" | grep -qx "$required" || fail "booking --help does not list '$required'"
done
for cmd in $commands; do
    expect_result 0 "$cmd" --help
    first_word_is "Usage:"
    expect_result 0 "$cmd" -h
    first_word_is "Usage:"
done
expect_result 0 attempt --units 3 --help # --help wins wherever it stands
first_word_is "Usage:"
expect_result 0 resource set r --help
first_word_is "Usage:"

expect 2                     # no command at all
[ ! -s "$WORK/out" ] || fail "$last: usage printed on stdout"
expect_error 2 frobnicate
expect_error 2 --frobnicate

# ---- exit 0 BOOKED, 3 REJECTED ----

expect_result 0 resource set room --capacity 3 --store "$STORE"
stdout_has "capacity=3"
expect_result 0 attempt --booking b1 --resource room --units 2 --store "$STORE"
first_word_is BOOKED
stdout_has "replayed=false"
stdout_has "status=active"
expect_result 0 attempt --booking b1 --resource room --units 2 --store "$STORE"
first_word_is BOOKED
stdout_has "replayed=true"
expect_result 3 attempt --booking b2 --resource room --units 2 --store "$STORE"
first_word_is REJECTED
stdout_has "reason=insufficient_capacity"
expect_result 3 attempt --booking b2 --resource room --units 2 --store "$STORE"
stdout_has "reason=insufficient_capacity"
stdout_has "replayed=true"
expect_result 3 attempt --booking b1 --resource room --units 1 --store "$STORE"
stdout_has "reason=booking_id_conflict"
expect_result 3 attempt --booking b3 --resource nowhere --units 1 --store "$STORE"
stdout_has "reason=unknown_resource"
expect_result 3 booking get b3 --store "$STORE" # unknown_resource was not recorded
stdout_has "unknown_booking"
expect_result 0 resource get room --store "$STORE"
stdout_has "booked=2"
stdout_has "remaining=1"

# The other commands' decisions (their help texts give the same codes).
expect_result 0 attempt --booking c1 --resource room --units 1 --store "$STORE"
expect_result 0 cancel c1 --store "$STORE"
stdout_has "cancelled"
expect_result 0 cancel c1 --store "$STORE"
stdout_has "already_cancelled"
expect_result 3 cancel nobody --store "$STORE"
stdout_has "unknown_booking"
expect_result 3 cancel b2 --store "$STORE"
stdout_has "not_booked"
expect_result 3 resource set room --capacity 1 --store "$STORE"
stdout_has "capacity_below_booked"
expect_result 3 resource get nowhere --store "$STORE"
stdout_has "unknown_resource"
expect_result 0 attempt --booking c1 --resource room --units 1 --store "$STORE"
stdout_has "replayed=true"
stdout_has "status=cancelled"

# ---- limits just inside are accepted ----

id128=$(printf 'i%.0s' $(seq 128))
expect_result 0 resource set "$id128" --capacity $UNITS_MAX --store "$STORE"
expect_result 0 attempt --booking "$id128" --resource "$id128" --units $UNITS_MAX --store "$STORE"
expect_result 0 resource set zero --capacity 0 --store "$STORE"
expect_result 3 attempt --booking z1 --resource zero --units 1 --store "$STORE"
expect_result 0 attempt --booking 'A-z.0_9:x' --resource room --units 1 --store "$STORE"

# ---- exit 2: usage and invalid input, nothing changes ----

id129="${id128}i"
expect_error 2 attempt --booking u1 --resource room --store "$STORE"
expect_error 2 attempt --resource room --units 1 --store "$STORE"
expect_error 2 attempt --booking u1 --units 1 --store "$STORE"
for units in 0 9007199254740992 18446744073709551616 -1 1x "" " 1" 0x10 1.0; do
    expect_error 2 attempt --booking u1 --resource room --units "$units" --store "$STORE"
done
for id in "$id129" "" "a b" "a/b" "caf$(printf '\303\251')" 'a"b'; do
    expect_error 2 attempt --booking "$id" --resource room --units 1 --store "$STORE"
    expect_error 2 attempt --booking u1 --resource "$id" --units 1 --store "$STORE"
    expect_error 2 cancel "$id" --store "$STORE"
    expect_error 2 resource set "$id" --capacity 1 --store "$STORE"
    expect_error 2 resource get "$id" --store "$STORE"
    expect_error 2 booking get "$id" --store "$STORE"
done
for capacity in 9007199254740992 -1 x ""; do
    expect_error 2 resource set room --capacity "$capacity" --store "$STORE"
done
expect_error 2 attempt --booking u1 --resource room --units 1 --frob --store "$STORE"
expect_error 2 attempt --booking u1 --resource room --units 1 extra --store "$STORE"
expect_error 2 attempt --booking u1 --resource room --store "$STORE" --units
expect_error 2 cancel --store "$STORE"
expect_error 2 cancel b1 b2 --store "$STORE"
expect_error 2 cancel b1 --capacity 3 --store "$STORE"
expect_error 2 resource --store "$STORE"
expect_error 2 resource frob room --store "$STORE"
expect_error 2 resource set room --store "$STORE"
expect_error 2 resource get room --capacity 3 --store "$STORE"
expect_error 2 resource set room extra --capacity 3 --store "$STORE"
expect_error 2 booking get --store "$STORE"
expect_error 2 booking frob b1 --store "$STORE"
expect_error 2 booking get b1 b2 --store "$STORE"
# None of them changed anything, nor were they decided.
expect_result 0 resource get room --store "$STORE"
stdout_has "capacity=3 booked=3 remaining=0"
expect_result 3 booking get u1 --store "$STORE"

# ---- exit 1: the store cannot be opened ----

expect_error 1 attempt --booking o1 --resource room --units 1 --store "sqlite:$WORK/missing/x.db"
expect_error 1 resource get room --store "sqlite:$WORK/missing/x.db"
expect_error 1 cancel o1 --store "frob:x"
expect_error 1 booking get o1 --store "sqlite:$DB?frob=1"
sqlite3 "$WORK/future.db" "PRAGMA user_version = 99;" || fail "sqlite3 shell cannot create a file"
expect_error 1 attempt --booking o1 --resource room --units 1 --store "sqlite:$WORK/future.db"
expect_error 1 resource set room --capacity 1 --store "sqlite:$WORK/future.db"

# ---- exit 4: FAILED, with the write lock held by another process ----

BUSY_STORE="sqlite:$DB?busy_timeout_ms=50"
mkfifo "$WORK/lock.fifo" || fail "mkfifo"
sqlite3 "$DB" <"$WORK/lock.fifo" >"$WORK/lock.out" 2>&1 &
holder_pid=$!
exec 3>"$WORK/lock.fifo"
printf 'BEGIN IMMEDIATE;\nSELECT %s;\n' "'locked'" >&3
tenths=0
while ! grep -q locked "$WORK/lock.out" 2>/dev/null && [ $tenths -lt $LOCK_WAIT_TENTHS_MAX ]; do
    sleep 0.1
    tenths=$((tenths + 1))
done
checks=$((checks + 1))
grep -q locked "$WORK/lock.out" || fail "the sqlite3 shell did not take the write lock"

expect_result 4 attempt --booking f1 --resource room --units 1 --store "$BUSY_STORE"
first_word_is FAILED
stdout_has "reason=busy"
expect_result 4 attempt --booking f1 --resource room --units 1 --store "$BUSY_STORE" --json
json_is "$OUTCOME_KEYS" 'd["outcome"] == "FAILED" and d["reason"] == "busy" and d["replayed"] is False'
expect_result 4 cancel b1 --store "$BUSY_STORE"
expect_result 4 resource set room --capacity 10 --store "$BUSY_STORE"
# A read does not need the write lock.
expect_result 0 resource get room --store "$BUSY_STORE"

exec 3>&- # the shell reads EOF, rolls back and exits
wait "$holder_pid"
holder_pid=""
# Nothing of the FAILED calls is visible, and retrying with the same id is safe.
expect_result 3 booking get f1 --store "$STORE"
expect_result 0 booking get b1 --store "$STORE"
stdout_has "status=active"
expect_result 0 resource get room --store "$STORE"
stdout_has "capacity=3 booked=3"
expect_result 0 resource set room --capacity 10 --store "$STORE"
expect_result 0 attempt --booking f1 --resource room --units 1 --store "$BUSY_STORE"
stdout_has "replayed=false"

# ---- options before and after positional arguments ----

expect_result 0 resource --store "$STORE" set pos --capacity 5
expect_result 0 resource set --capacity 6 pos --store "$STORE"
expect_result 0 resource set pos --store "$STORE" --capacity 7
expect_result 0 resource --json get pos --store "$STORE"
json_is "$RESOURCE_KEYS" 'd["capacity"] == 7'
expect_result 0 attempt --units 1 --store "$STORE" --resource pos --booking p1
expect_result 0 attempt --store="$STORE" --booking=p2 --resource=pos --units=1
expect_result 0 booking --store "$STORE" get p1
expect_result 0 booking get --json p1 --store "$STORE"
json_is "$RECORD_KEYS" 'd["booking_id"] == "p1"'
expect_result 0 cancel --store "$STORE" p1
expect_result 0 cancel p2 --store "$STORE"
expect_result 0 cancel --json p2 --store "$STORE"
expect_result 0 resource get pos --store "$STORE"
stdout_has "booked=0"

# ---- --json bodies: the field names of SPEC section 5 ----

expect_result 0 resource set js --capacity 5 --store "$STORE" --json
json_is "$RESOURCE_KEYS" 'without(d, "as_of") == {"resource_id": "js", "capacity": 5, "booked": 0,
    "remaining": 5} and is_time(d["as_of"])'
expect_result 0 attempt --booking j1 --resource js --units 3 --store "$STORE" --json
json_is "$OUTCOME_KEYS status" 'd == {"outcome": "BOOKED", "reason": "booked", "booking_id": "j1",
    "resource_id": "js", "units": 3, "replayed": False, "status": "active"}'
expect_result 0 attempt --booking j1 --resource js --units 3 --store "$STORE" --json
json_is "$OUTCOME_KEYS status" 'd["replayed"] is True and d["status"] == "active"'
expect_result 3 attempt --booking j2 --resource js --units 3 --store "$STORE" --json
json_is "$OUTCOME_KEYS" 'd == {"outcome": "REJECTED", "reason": "insufficient_capacity",
    "booking_id": "j2", "resource_id": "js", "units": 3, "replayed": False}'
expect_result 3 attempt --booking j1 --resource js --units 2 --store "$STORE" --json
json_is "$OUTCOME_KEYS" 'd["reason"] == "booking_id_conflict"'
expect_result 3 attempt --booking j3 --resource nowhere --units 1 --store "$STORE" --json
json_is "$OUTCOME_KEYS" 'd["reason"] == "unknown_resource"'
expect_result 0 attempt --booking "$id128" --resource "$id128" --units $UNITS_MAX --store "$STORE" --json
json_is "$OUTCOME_KEYS status" 'd["units"] == 9007199254740991 and d["replayed"] is True'
expect_result 0 resource get js --store "$STORE" --json
json_is "$RESOURCE_KEYS" 'without(d, "as_of") == {"resource_id": "js", "capacity": 5, "booked": 3,
    "remaining": 2}'
expect_result 0 booking get j1 --store "$STORE" --json
json_is "$RECORD_KEYS" '(without(d, "created_at", "updated_at") == {"booking_id": "j1",
    "resource_id": "js", "units": 3, "lines": [{"resource_id": "js", "units": 3}],
    "line_count": 1, "outcome": "BOOKED", "reason": "booked", "status": "active"}
    and is_time(d["created_at"]) and d["updated_at"] == d["created_at"])'
expect_result 0 booking get j2 --store "$STORE" --json
json_is "$RECORD_KEYS line" '(d["line"] == 0 and d["outcome"] == "REJECTED" and d["reason"] == "insufficient_capacity"
    and d["status"] == "none")'
expect_result 0 cancel j1 --store "$STORE" --json
json_has "$RECORD_KEYS" 'd["status"] == "cancelled" and "cancelled" in d.values()'
expect_result 0 cancel j1 --store "$STORE" --json
json_has "$RECORD_KEYS" 'd["status"] == "cancelled" and "already_cancelled" in d.values()'
expect_result 0 attempt --booking j1 --resource js --units 3 --store "$STORE" --json
json_is "$OUTCOME_KEYS status" 'd["replayed"] is True and d["status"] == "cancelled"'
# Answers that are not a result still print one JSON object.
expect_result 3 booking get nobody --store "$STORE" --json
python3 -c 'import json,sys; json.load(sys.stdin)' <"$WORK/out" || fail "$last: not JSON"
grep -q unknown_booking "$WORK/out" || fail "$last: does not say unknown_booking"
expect_result 3 resource get nowhere --store "$STORE" --json
python3 -c 'import json,sys; json.load(sys.stdin)' <"$WORK/out" || fail "$last: not JSON"
grep -q unknown_resource "$WORK/out" || fail "$last: does not say unknown_resource"
expect_result 0 attempt --booking j5 --resource js --units 3 --store "$STORE"
expect_result 3 resource set js --capacity 1 --store "$STORE" --json
python3 -c 'import json,sys; json.load(sys.stdin)' <"$WORK/out" || fail "$last: not JSON"
grep -q capacity_below_booked "$WORK/out" || fail "$last: does not say capacity_below_booked"
# A usage error stays a one-line message on stderr, --json or not.
expect_error 2 attempt --booking j4 --resource js --units 0 --store "$STORE" --json

# ---- holds (SPEC section 7): --hold-ms and confirm ----
# memory: lives in one process, so these are the checks one command can make; a
# hold confirmed, cancelled or expired across commands is cli_confirm_test.sh's.

# memory: starts empty: the resource is unknown, the hold option is taken all the same.
run attempt --booking h1 --resource r --units 1 --hold-ms 600000 --store memory:
checks=$((checks + 1))
[ "$rc" -eq 3 ] && grep -q "^REJECTED reason=unknown_resource" "$WORK/out" ||
    fail "$last: expected REJECTED unknown_resource"
for bad in 0 604800001 -1 1.5 abc ""; do
    expect_error 2 attempt --booking h1 --resource r --units 1 --hold-ms "$bad" --store memory:
    grep -q -- "--hold-ms" "$WORK/err" || fail "$last: the error does not name --hold-ms"
done
expect_error 2 attempt --booking h1 --resource r --units 1 --store memory: --hold-ms
expect_result 0 confirm --help
stdout_has "Usage: booking confirm BOOKING_ID"
stdout_has "hold_expired"
expect_result 0 attempt --help
stdout_has "--hold-ms MS"
expect_error 2 confirm --store memory:
expect_error 2 confirm "bad id" --store memory:
expect_error 2 confirm a b --store memory:
expect_error 2 confirm h1 --capacity 3 --store memory:
expect_error 2 confirm h1 --bogus --store memory:
expect_result 3 confirm nobody --store memory:
stdout_has "^unknown_booking booking_id=nobody$"
expect_result 3 confirm nobody --store memory: --json
json_is "error detail" 'd == {"error": "unknown_booking", "detail": "nobody"}'

# A store URL's password never reaches an error message (it would end up in logs).
expect_error 1 resource get r1 --store 'postgres://bob:s3cret@127.0.0.1:1/db?connect_timeout=1'
grep -q 's3cret' "$WORK/err" && fail "$last: the password is in the error"
grep -q 'bob:\*\*\*@' "$WORK/err" || fail "$last: the redacted URL is not shown"
expect_error 1 resource get r1 --store 'postgres://127.0.0.1:1/db?password=s3cret&connect_timeout=1'
grep -q 's3cret' "$WORK/err" && fail "$last: the password is in the error"

echo "cli_test: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
