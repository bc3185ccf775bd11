#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The honest-peer rule of bench/compare (bench/honest.sh), without a run: a row
# passes when its store kept at least 95% of the new decisions its answers claim
# and no more than those plus the ones in doubt; it fails, with its reason, when
# it kept fewer (replays, lost work), more (records nobody was answered for),
# nothing was claimed, or a count is not a number.
set -u
. "$(dirname "$0")/../../bench/honest.sh"
fails=0
expect() { # WANT(pass|fail) PCT NEW CLAIMED DOUBT
    local want=$1 pct=$2 out err rc=0
    shift 2
    out=$(honest_kept row "$@" 2>/tmp/honest_test.$$) || rc=$?
    err=$(cat /tmp/honest_test.$$); rm -f /tmp/honest_test.$$
    if { [ "$want" = pass ] && [ "$rc" -ne 0 ]; } || { [ "$want" = fail ] && [ "$rc" -eq 0 ]; } ||
        [ "$out" != "$pct" ] || { [ "$want" = fail ] && [ -z "$err" ]; }; then
        echo "FAIL: honest_kept $* gave '$out' (exit $rc, '$err'), want $want $pct"
        fails=$((fails + 1))
    fi
}
expect pass "100.0%" 1000 1000 0
expect pass "95.0%" 950 1000 0      # the floor itself
expect fail "94.9%" 949 1000 0      # one short of it: replays or lost work
expect fail "0.0%" 1 20000 0        # the old Redis row: 20,000 answers, 1 decision
expect pass "100.6%" 1006 1000 64   # in doubt: sent, unanswered, yet decided
expect fail "100.7%" 1007 1000 6    # beyond the doubt: records nobody answered for
expect fail "-" 0 0 0               # no work claimed
expect fail "-" x 10 0              # a count that did not come back
[ "$HONEST_SHARE_MIN_PCT" = 95 ] || { echo "FAIL: the floor is $HONEST_SHARE_MIN_PCT%"; fails=$((fails + 1)); }
echo "honest_kept: $fails failure(s)"
[ "$fails" -eq 0 ]
