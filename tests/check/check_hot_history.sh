#!/bin/sh
# SPDX-License-Identifier: MIT
# check_hot_history.sh BOOKING ATTEMPTS SECONDS_MAX CONNECTIONS...
# Histories the service really produces under contention: `booking bench --url
# --history` against `booking serve` (memory store), every attempt on one hot
# resource that sells out two thirds of the way, with replays and conflicting
# replays; then 5% of the attempts made FAILED or lost (mutate_history.py), which
# keeps it linearizable. For each connection count: the lossy history checks ok,
# and a read one unit lower, a BOOKED flipped to a rejection, a dropped BOOKED
# whose booking_id is replayed later and a release counted twice are each found
# (exit 1), every check within SECONDS_MAX of CPU time (0: no time limit; the
# verdicts are still required). Prints a row of time and peak memory per history.
set -u
booking=$1 attempts=$2 seconds_max=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/booking-check-hot.XXXXXX") || exit 1
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/serve.log" ] && tail -n 5 "$dir/serve.log"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$booking" serve --listen "127.0.0.1:$port" --store memory: >"$dir/serve.log" 2>&1 &
server_pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "the server did not come up"
    sleep 0.1
done
# About 3/4 of the attempts are fresh, of 1.5 units on average: 3/4 of that fits.
capacity=$((attempts * 3 / 4))
# The limit is on CPU time (user + system): on a machine shared with builds the
# wall clock says more about the load than about the checker.
timed() { # timed FILE WANT_RC: runs the check, prints its times, peak memory, verdict
    /usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$booking" check --timeout 60 "$1" \
        >"$dir/out" 2>&1
    rc=$?
    read -r wall user sys kb <<EOF
$(tail -n 1 "$dir/time")
EOF
    secs=$(python3 -c "print(round($user + $sys, 2))")
    echo "$secs s CPU ($wall s wall), $((kb / 1024)) MiB: $(head -n 1 "$dir/out" | cut -c1-100)"
    [ "$rc" = "$2" ] || fail "$1: exit $rc, want $2: $(head -c 600 "$dir/out")"
    if [ "$seconds_max" != 0 ]; then
        python3 -c "import sys; sys.exit(0 if $secs < $seconds_max else 1)" ||
            fail "$1: $secs s, over $seconds_max s"
    fi
}
for c in "$@"; do
    h="$dir/h$c.jsonl"
    timeout 600 "$booking" bench --url "http://127.0.0.1:$port" -C "$c" -t 2 -n "$attempts" \
        --capacity "$capacity" -u 2 -r 0.2 -c 0.05 --seed "$c" --history "$h" \
        >"$dir/bench.out" 2>&1 || fail "bench -C $c exited $?: $(tail -n 3 "$dir/bench.out")"
    for m in none read flip drop release; do
        python3 "$here/mutate_history.py" "$h" "$dir/m.jsonl" --lose 0.05 --seed "$c" \
            --mutation "$m" 2>"$dir/mutate.log" || fail "mutate $m: $(cat "$dir/mutate.log")"
        want=1
        [ "$m" = none ] && want=0
        printf '%s connections, %s: ' "$c" "$m"
        timed "$dir/m.jsonl" "$want"
    done
    rm -f "$h"
done
echo "all passed"
