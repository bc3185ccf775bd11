#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs `booking check` on one hand-written history and compares the verdict with
# its .expect file: "EXIT [WORD [LINE]]": the exit status, a word the output must
# contain (the violation kind, "ok", or "line N" for malformed input) and, for a
# violation, a line number the report must name.
set -u
booking=$1 history=$2
expect=${history%.jsonl}.expect
read -r want_rc want_word want_line < "$expect" || { echo "cannot read $expect"; exit 1; }
out=$("$booking" check "$history" 2>&1)
rc=$?
echo "$out"
if [ "$rc" != "$want_rc" ]; then
    echo "FAIL: exit status $rc, expected $want_rc"
    exit 1
fi
case "$want_word" in
    line) echo "$out" | grep -q "line $want_line:" || { echo "FAIL: no 'line $want_line:'"; exit 1; } ;;
    *) echo "$out" | grep -q "$want_word" || { echo "FAIL: no '$want_word'"; exit 1; } ;;
esac
if [ "$want_rc" = 1 ] && [ -n "${want_line:-}" ]; then
    echo "$out" | head -n 1 | grep -Eq "(lines|,) $want_line(,|\$)" ||
        { echo "FAIL: the report does not name line $want_line"; exit 1; }
fi
# The --json form carries the same verdict.
json=$("$booking" check --json "$history" 2>/dev/null)
[ "$("$booking" check --json "$history" >/dev/null 2>&1; echo $?)" = "$want_rc" ] ||
    { echo "FAIL: --json exit status differs"; exit 1; }
case "$want_rc" in
    0) echo "$json" | grep -q '"verdict":"ok"' || { echo "FAIL: json $json"; exit 1; } ;;
    1) echo "$json" | grep -q '"verdict":"violation"' || { echo "FAIL: json $json"; exit 1; } ;;
esac
exit 0
