#!/bin/sh
# SPDX-License-Identifier: MIT
# Failover under load, nothing lost: scripts/ha-cluster (etcd x3, Patroni x3 with
# synchronous_mode_strict, pgbouncer, booking serve x3, nginx); `booking bench` at
# 64 connections through nginx with --history; then the leader is hit by FAULT:
#   kill-postgres  SIGKILL to its postmaster and every backend (a crash)
#   kill-patroni   SIGKILL to its Patroni: PostgreSQL runs on, the leader key expires;
#                  once another node leads, Patroni is started again (as systemd's
#                  Restart= would, had it not come back at once) and demotes it
#   stop           SIGSTOP to its Patroni and its PostgreSQL (a partition), SIGCONT
#                  once another node leads: it must rejoin as a replica
# Patroni promotes a synchronous replica; the old leader must come back as a
# replica (the cluster heals); tests/ha/verify.py checks the history against the
# new leader (see there) and `booking check` the history itself.
# Usage: failover.sh BOOKING_BINARY FAULT WORKDIR [DURATION_S [FAULT_AT_S [CAPACITY]]]
set -eu
BOOKING=$1 FAULT=$2 WORK=$3 DURATION_S=${4:-30} FAULT_AT_S=${5:-8} CAPACITY=${6:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
CLUSTER="$HERE/../../scripts/ha-cluster"
PSQL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)
CONNECTIONS=64
RESOURCES=100               # x CAPACITY: so that resources fill up, and REJECTED answers come too
# (CAPACITY 300 at 30 s: the rate here swings between 500 and 3000 answers/s)
NEW_LEADER_S=30             # the DCS must name another leader within this
HEAL_S=90                   # then every node streams again within this
CHECK_TIMEOUT_S=120         # booking check's bound on its search

fail() { echo "FAIL: $*" >&2; exit 1; }
mono_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }

case "$FAULT" in kill-postgres|kill-patroni|stop) ;; *) fail "FAULT: kill-postgres|kill-patroni|stop" ;; esac
rm -rf "$WORK"; mkdir -p "$WORK"
D="$WORK/cluster"
cleanup() {
    [ -z "${bench:-}" ] || kill "$bench" 2>/dev/null || true
    BOOKING="$BOOKING" "$CLUSTER" stop "$D" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

BOOKING="$BOOKING" "$CLUSTER" start "$D"
. "$D/cluster.env"
old=$("$CLUSTER" leader "$D"); n=${old#pg}
old_port=$(echo "$HA_PG" | cut -d' ' -f"$n")

"$BOOKING" bench --url "$HA_URL" --connections $CONNECTIONS --duration "$DURATION_S" \
    --mode spread --resources $RESOURCES --capacity $CAPACITY --timeout-ms 20000 \
    --history "$WORK/history.jsonl" >"$WORK/bench.out" 2>"$WORK/bench.err" &
bench=$!
sleep "$FAULT_AT_S"

pm=$(head -1 "$D/$old/data/postmaster.pid")
patroni=$(cat "$D/pids/patroni$n")
# The postmaster's children, word-split on purpose: one pid per word.
backends() { pgrep -P "$pm" | tr '\n' ' '; }
fault_ns=$(mono_ns)
# shellcheck disable=SC2046
case "$FAULT" in
kill-postgres) kill -KILL "$pm" $(backends) ;;
kill-patroni) kill -KILL "$patroni" ;;
stop) kill -STOP "$patroni" "$pm" $(backends) ;;
esac
echo "failover: $FAULT on $old (postgres port $old_port) at ${FAULT_AT_S} s"

new="" deadline=$(( $(date +%s) + NEW_LEADER_S ))
while [ "$(date +%s)" -lt $deadline ]; do
    new=$("$CLUSTER" leader "$D" 2>/dev/null || true)
    [ -n "$new" ] && [ "$new" != "$old" ] && break
    new=""
    sleep 0.1
done
[ -n "$new" ] || fail "no other leader within $NEW_LEADER_S s"
echo "failover: $new leads, $(( ($(mono_ns) - fault_ns) / 1000000 )) ms after the fault"
# shellcheck disable=SC2046
case "$FAULT" in
kill-patroni) BOOKING="$BOOKING" "$CLUSTER" patroni "$D" "$n" ;;
stop) kill -CONT "$patroni" "$pm" $(backends) 2>/dev/null || true ;;
esac

wait "$bench" && bench_rc=0 || bench_rc=$?
bench=""
cat "$WORK/bench.out"
# The bench's own read-back counts FAILED answers as not booked; a FAILED that had
# committed then disagrees. verify.py decides with the records instead.
[ "$bench_rc" -le 1 ] || fail "booking bench exited $bench_rc"

healed=0 deadline=$(( $(date +%s) + HEAL_S ))
while [ "$(date +%s)" -lt $deadline ]; do
    "$CLUSTER" healthy "$D" && healed=1 && break
    sleep 0.1
done
"$CLUSTER" status "$D" | grep '^pg'
[ "$healed" = 1 ] || fail "the cluster did not heal: not every node streams from $new"
echo "failover: healed, $(( ($(mono_ns) - fault_ns) / 1000000 )) ms after the fault"
m=${new#pg}
new_port=$(echo "$HA_PG" | cut -d' ' -f"$m")
python3 "$HERE/verify.py" "$WORK/history.jsonl" "postgresql://postgres@127.0.0.1:$new_port/booking" \
    "$HA_URL" "$fault_ns" "$PSQL"
"$BOOKING" check "$WORK/history.jsonl" --timeout $CHECK_TIMEOUT_S || fail "booking check refused the history"
echo "1 passed, 0 failed"
