#!/bin/sh
# SPDX-License-Identifier: MIT
# Failover: a primary and a synchronous streaming standby on loopback; under load
# through `booking serve` with a multi-host URL (target_session_attrs=read-write),
# the primary is killed with SIGKILL (postmaster and backends, like a crash), the
# standby is promoted, and the same service carries on by itself. Every decision
# it acknowledged (synchronous commit) is on the new primary; the invariant holds.
# Usage: failover.sh BOOKING_BINARY PG_TEST_SERVER WORKDIR
set -eu
BOOKING=$1 PGSERVER=$2 WORK=$3
. "$(dirname "$0")/serve_lib.sh"

SENDERS=3
LOAD_BEFORE_S=1     # load on the first primary before the crash
OUTAGE_S=1          # from the crash to the promotion
RECOVERY_TRIES=100  # x 0.1 s: the service must answer BOOKED again within this

rm -rf "$WORK"; mkdir -p "$WORK"
cleanup() {
    serve_stop_all
    [ -f "$WORK/stop" ] || touch "$WORK/stop"
    "$PGSERVER" stop "$WORK/primary" >/dev/null 2>&1 || true
    "$PGSERVER" stop "$WORK/standby" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$PGSERVER" start "$WORK/primary"
"$PGSERVER" standby "$WORK/standby" "$WORK/primary"
p1=$(cat "$WORK/primary/port") p2=$(cat "$WORK/standby/port")
URL="postgresql://postgres@127.0.0.1:$p1,127.0.0.1:$p2/booking?target_session_attrs=read-write&connect_timeout=2"
serve_start "$BOOKING" "$URL" "$WORK/serve.log"; base=$SERVE_BASE
put_capacity "$base" fo-r 1000000000

# sender K: fresh ids, one request at a time; logs "id http_code outcome".
send() {
    n=0
    while [ ! -f "$WORK/stop" ]; do
        n=$((n + 1)); id="fo-$1-$n"
        out=$(curl -s --max-time 20 -w ' %{http_code}' -H 'Content-Type: application/json' \
            -d "{\"booking_id\":\"$id\",\"resource_id\":\"fo-r\",\"units\":1}" \
            "$base/v1/bookings" || echo ' 000')
        outcome=$(echo "$out" | sed -n 's/.*"outcome":"\([A-Z]*\)".*/\1/p')
        echo "$id ${out##* } ${outcome:-none}" >>"$WORK/sent.$1"
    done
}
pids=""
for k in $(seq 1 $SENDERS); do send "$k" & pids="$pids $!"; done
sleep $LOAD_BEFORE_S

# The crash: SIGKILL to the postmaster and every backend of the primary.
pm=$(head -1 "$(cat "$WORK/primary/root")/data/postmaster.pid")
# Its children. (Not awk over /proc/*/stat: mawk stops at the first process that
# exits between the glob and the read, which made this test flaky under load.)
kids=$(pgrep -P "$pm" | tr '\n' ' ')
[ -n "$kids" ] || fail "no processes of the primary found under $pm"
kill -9 "$pm" $kids
before=$(cat "$WORK"/sent.* | grep -c ' 201 BOOKED' || true)
sleep $OUTAGE_S
"$PGSERVER" promote "$WORK/standby"

# The service must decide again by itself (no restart of it).
ok=0
for _ in $(seq 1 $RECOVERY_TRIES); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -d '{"booking_id":"fo-probe-'"$_"'","resource_id":"fo-r","units":1}' "$base/v1/bookings")
    if [ "$code" = "201" ]; then ok=1; break; fi
    sleep 0.1
done
sleep 1
touch "$WORK/stop"
for p in $pids; do wait "$p" || true; done
[ "$ok" = 1 ] || fail "the service did not recover after the promotion"

NEW="postgresql://postgres@127.0.0.1:$p2/booking"
[ "$(sql "$NEW" "SELECT pg_is_in_recovery()")" = "f" ] || fail "standby not promoted"
cat "$WORK"/sent.* >"$WORK/sent"
acked=$(grep -c ' 201 BOOKED' "$WORK/sent" || true)
failed=$(grep -c ' 503 FAILED' "$WORK/sent" || true)
after=$((acked - before))
[ "$before" -gt 0 ] || fail "nothing was booked before the crash"
[ "$after" -gt 0 ] || fail "nothing was booked after the failover"
# Every acknowledged BOOKED is on the new primary, as BOOKED.
grep ' 201 BOOKED' "$WORK/sent" | cut -d' ' -f1 | sort >"$WORK/acked"
sql "$NEW" "SELECT id FROM bookings WHERE outcome = 1 AND id LIKE 'fo-%' AND id NOT LIKE 'fo-probe-%'" |
    sort >"$WORK/stored"
missing=$(comm -23 "$WORK/acked" "$WORK/stored" | wc -l)
[ "$missing" -eq 0 ] || fail "$missing acknowledged bookings are missing on the new primary: $(comm -23 "$WORK/acked" "$WORK/stored" | head -5)"
other=$(grep -v -e ' 201 BOOKED' -e ' 503 FAILED' "$WORK/sent" | head -3)
[ -z "$other" ] || fail "answers that are neither BOOKED nor FAILED: $other"
check_invariant "$NEW"
echo "failover: $acked BOOKED acknowledged ($before before the crash), $failed FAILED during it; all on the new primary"
echo "1 passed, 0 failed"
