#!/bin/sh
# SPDX-License-Identifier: MIT
# libpq multi-host URLs and synchronous replication, on a primary and a
# synchronous standby of its own:
#  1. the conformance suite through "dead port, standby, primary" with
#     target_session_attrs=read-write (and again with prepare=off): libpq skips
#     the first two, the store works on whichever host is the primary;
#  2. a commit whose synchronous standby is gone answers FAILED (timeout), never
#     BOOKED, within the client's deadline: what a primary cut off by a partition
#     answers. (A cancel of the wait for the standby would report success with a
#     WARNING for a commit the next primary may not have; statement_timeout does
#     not cancel it, PostgreSQL disarms it before the commit, and the store sends
#     no cancel.)
# Usage: multihost.sh BOOKING_BINARY CONFORMANCE_BINARY PG_TEST_SERVER WORKDIR
set -eu
BOOKING=$1 CONFORMANCE=$2 PGSERVER=$3 WORK=$4
. "$(dirname "$0")/serve_lib.sh"

STMT_MS=1000                               # statement_timeout_ms of step 2
DEADLINE_S=$(( (STMT_MS + 2000) / 1000 + 3 )) # the client's deadline, with room

rm -rf "$WORK"; mkdir -p "$WORK"
cleanup() {
    "$PGSERVER" stop "$WORK/primary" >/dev/null 2>&1 || true
    "$PGSERVER" stop "$WORK/standby" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$PGSERVER" start "$WORK/primary"
"$PGSERVER" standby "$WORK/standby" "$WORK/primary"
p1=$(cat "$WORK/primary/port") p2=$(cat "$WORK/standby/port")
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PRIMARY="postgresql://postgres@127.0.0.1:$p1"
sql "$PRIMARY/postgres" "CREATE DATABASE conformance_off" >/dev/null
HOSTS="postgresql://postgres@127.0.0.1:$dead,127.0.0.1:$p2,127.0.0.1:$p1"
ATTRS="target_session_attrs=read-write&connect_timeout=2"

"$CONFORMANCE" "$HOSTS/booking?$ATTRS" >"$WORK/conformance.log" 2>&1 ||
    { tail -20 "$WORK/conformance.log" >&2; fail "conformance through a multi-host URL"; }
"$CONFORMANCE" "$HOSTS/conformance_off?$ATTRS&prepare=off" >"$WORK/conformance_off.log" 2>&1 ||
    { tail -20 "$WORK/conformance_off.log" >&2; fail "conformance through a multi-host URL, prepare=off"; }
echo "multihost: conformance passed through $dead (closed), $p2 (standby), $p1 (primary)"

URL="$HOSTS/booking?$ATTRS&statement_timeout_ms=$STMT_MS&lock_timeout_ms=500"
"$BOOKING" resource set mh-r --capacity 10 --store "$URL" >/dev/null
"$PGSERVER" stop "$WORK/standby" # the primary's commits now wait for it
for prep in on off; do
    t0=$(date +%s)
    out=$("$BOOKING" attempt --booking "mh-$prep" --resource mh-r --units 1 --store "$URL&prepare=$prep" 2>&1 || true)
    t1=$(date +%s)
    case "$out" in
    *FAILED*) ;;
    *) fail "prepare=$prep: a commit without its synchronous standby answered: $out" ;;
    esac
    [ $((t1 - t0)) -le "$DEADLINE_S" ] || fail "prepare=$prep: FAILED only after $((t1 - t0)) s"
    echo "multihost: prepare=$prep: without its standby a commit answers: $out"
done
echo "1 passed, 0 failed"
