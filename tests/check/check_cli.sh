#!/bin/sh
# `booking check` as a command: usage errors exit 2 (SPEC section 6), an
# unreadable file exits 2, standard input works, and --timeout is validated.
set -u
booking=$1 dir=$2
fail() { echo "FAIL: $*"; exit 1; }
"$booking" check >/dev/null 2>&1; [ $? = 2 ] || fail "no file: want 2"
"$booking" check --bogus "$dir/cancel_releases_units_once.jsonl" >/dev/null 2>&1
[ $? = 2 ] || fail "unknown option: want 2"
"$booking" check --timeout -1 "$dir/cancel_releases_units_once.jsonl" >/dev/null 2>&1
[ $? = 2 ] || fail "negative timeout: want 2"
"$booking" check /nonexistent/history.jsonl >/dev/null 2>&1; [ $? = 2 ] || fail "missing file: want 2"
"$booking" check --help | grep -q "Exit status" || fail "--help"
"$booking" check - --timeout 5 < "$dir/reservation_applied_twice.jsonl" >/dev/null 2>&1
[ $? = 1 ] || fail "stdin violation: want 1"
"$booking" check - < "$dir/cancel_releases_units_once.jsonl" | grep -q '^ok' || fail "stdin ok"
printf '\n\n' | "$booking" check - | grep -q '^ok' || fail "an empty history is linearizable"
echo "all passed"
