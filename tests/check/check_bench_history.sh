#!/bin/sh
# SPDX-License-Identifier: MIT
# A history recorded over HTTP by `booking bench --url ... --history` against a
# real `booking serve` (sqlite store) is linearizable by `booking check`, and a
# copy with one BOOKED turned into REJECTED insufficient_capacity is caught. The
# same for stays (bundles of consecutive nights, SPEC section 8), and a copy whose
# rejection names line 0 where the store named a later line (line 0 had room) too.
set -u
booking=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/booking-check-bench.XXXXXX") || exit 1
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/serve.log" ] && tail -n 5 "$dir/serve.log"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$booking" serve --listen "127.0.0.1:$port" --store "sqlite:$dir/b.db" >"$dir/serve.log" 2>&1 &
server_pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "the server did not come up"
    sleep 0.1
done

# Eight connections on one hot resource whose capacity runs out mid-run, with
# replays and conflicting replays; then many resources with batches.
"$booking" bench --url "http://127.0.0.1:$port" -C 8 -t 2 -n 3000 --capacity 2000 -u 2 \
    -r 0.2 -c 0.05 --seed 7 --history "$dir/hot.jsonl" >"$dir/hot.out" 2>&1 ||
    fail "bench (hot) exited $?: $(tail -n 3 "$dir/hot.out")"
"$booking" bench --url "http://127.0.0.1:$port" -C 8 -t 2 -n 3000 -b 4 -m spread -k 20 \
    --capacity 100 -u 3 -r 0.3 -c 0.1 --seed 8 --history "$dir/spread.jsonl" \
    >"$dir/spread.out" 2>&1 || fail "bench (spread) exited $?: $(tail -n 3 "$dir/spread.out")"
# Stays of 1 to 4 nights over 10 nights that fill up mid-run.
"$booking" bench --url "http://127.0.0.1:$port" -C 8 -t 2 -n 3000 --nights 10 --stay 1-4 \
    --capacity 30 -u 2 -r 0.2 -c 0.05 --seed 9 --history "$dir/stays.jsonl" \
    >"$dir/stays.out" 2>&1 || fail "bench (stays) exited $?: $(tail -n 3 "$dir/stays.out")"
grep -q '"lines":\[' "$dir/stays.jsonl" || fail "stays: no bundle in the history"

sed '0,/"reason":"insufficient_capacity","replayed":false,"line":[1-9]/s//"reason":"insufficient_capacity","replayed":false,"line":0/' \
    "$dir/stays.jsonl" >"$dir/stays-line.jsonl"
cmp -s "$dir/stays.jsonl" "$dir/stays-line.jsonl" && fail "stays: no rejection on a later line"
out=$("$booking" check --timeout 60 "$dir/stays-line.jsonl"); rc=$?
echo "stays, a rejection naming line 0 instead: $out"
[ $rc = 1 ] || fail "stays with line 0 named: exit $rc, want 1"

for h in hot spread stays; do
    out=$("$booking" check --timeout 60 "$dir/$h.jsonl"); rc=$?
    echo "$h: $out"
    [ $rc = 0 ] || fail "$h history: exit $rc, want 0"
    echo "$out" | grep -q "indeterminate" || fail "$h: no counts"
    # Flip the first fresh BOOKED: on the hot resource it is followed by reads
    # and replays that no order can reconcile with a rejection.
    sed '0,/"outcome":"BOOKED","reason":"booked","replayed":false/s//"outcome":"REJECTED","reason":"insufficient_capacity","replayed":false/' \
        "$dir/$h.jsonl" >"$dir/$h-bad.jsonl"
    cmp -s "$dir/$h.jsonl" "$dir/$h-bad.jsonl" && fail "$h: nothing to flip"
    out=$("$booking" check --timeout 60 "$dir/$h-bad.jsonl"); rc=$?
    echo "$h, one outcome flipped: $out"
    [ $rc = 1 ] || fail "$h flipped: exit $rc, want 1"
done
echo "all passed"
