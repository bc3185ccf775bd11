#!/bin/sh
# SPDX-License-Identifier: MIT
# Three `booking serve` instances on one PostgreSQL database; every booking_id is
# sent to all three at the same moment (curl --parallel). SPEC section 1: one
# decision per booking_id (exactly one answer with replayed false, the other two
# replay it), no oversell, and the invariant holds on the tables.
# Usage: serve_instances.sh URL BOOKING_BINARY (the URL first, as with-db passes it)
set -eu
URL=$1 BOOKING=$2
. "$(dirname "$0")/serve_lib.sh"

IDS=120        # booking ids, each sent to the three instances at once
CAPACITY=80    # so the last ids are REJECTED insufficient_capacity
SENDERS=4      # ids in flight at once, per instance
work=$(mktemp -d "${TMPDIR:-/tmp}/booking-serve3.XXXXXX")
trap 'serve_stop_all; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

serve_start "$BOOKING" "$URL" "$work/s1.log"; b1=$SERVE_BASE
serve_start "$BOOKING" "$URL" "$work/s2.log"; b2=$SERVE_BASE
serve_start "$BOOKING" "$URL" "$work/s3.log"; b3=$SERVE_BASE
put_capacity "$b1" hot "$CAPACITY"

# sender K: ids K, K+SENDERS, ...; each id to the three instances in one curl -Z.
send() {
    i=$1
    while [ "$i" -le "$IDS" ]; do
        body="{\"booking_id\":\"same-$i\",\"resource_id\":\"hot\",\"units\":1}"
        curl -s --no-progress-meter -Z --parallel-immediate -H 'Content-Type: application/json' -d "$body" \
            -o "$work/$i.1" "$b1/v1/bookings" -o "$work/$i.2" "$b2/v1/bookings" \
            -o "$work/$i.3" "$b3/v1/bookings" || fail "curl failed for same-$i"
        i=$((i + SENDERS))
    done
}
pids=""
for k in $(seq 1 $SENDERS); do send "$k" & pids="$pids $!"; done
for p in $pids; do wait "$p" || fail "a sender failed"; done

fresh_booked=0
for i in $(seq 1 $IDS); do
    fresh=$(cat "$work/$i.1" "$work/$i.2" "$work/$i.3" | grep -o '"replayed":false' | wc -l)
    [ "$fresh" -eq 1 ] || fail "same-$i was decided $fresh times: $(cat "$work/$i".*)"
    failed=$(cat "$work/$i".* | grep -c '"FAILED"' || true)
    [ "$failed" -eq 0 ] || fail "same-$i got FAILED: $(cat "$work/$i".*)"
    outcomes=$(cat "$work/$i".* | grep -o '"outcome":"[A-Z]*"' | sort -u | wc -l)
    [ "$outcomes" -eq 1 ] || fail "same-$i got different outcomes: $(cat "$work/$i".*)"
    if grep -q '"outcome":"BOOKED","reason":"booked".*"replayed":false' "$work/$i".*; then
        fresh_booked=$((fresh_booked + 1))
    fi
done
[ "$fresh_booked" -eq "$CAPACITY" ] || fail "$fresh_booked BOOKED, capacity $CAPACITY"
booked=$(sql "$URL" "SELECT booked FROM resources WHERE id = 'hot'")
[ "$booked" -eq "$CAPACITY" ] || fail "booked is $booked, expected $CAPACITY"
records=$(sql "$URL" "SELECT count(*) FROM bookings WHERE id LIKE 'same-%'")
[ "$records" -eq "$IDS" ] || fail "$records records for $IDS ids"
check_invariant "$URL"
serve_stop_all
echo "serve_instances: $IDS ids x 3 instances at once: $fresh_booked BOOKED once each, invariant holds"
echo "1 passed, 0 failed"
