#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/one-connection at small counts (1 round, 1 s per measurement).
#   honest: the disk's rates, booking serve at one connection and the in-process run
#           each print a row, both store rows with the share of their answers their
#           file kept (bench/honest.sh), and the ratios; the script exits 0.
#   lost:   the in-process run decides on memory: while its file is counted, as a
#           store that keeps nothing would: the script must fail loudly (exit 1).
#   ceiling: with --nginx, a measured nginx row (the loopback round trip of the same
#           load generator) and the ceiling line it gives with the overwrite p50,
#           whose ratio is p50(fdatasync) / (p50(fdatasync) + p50(nginx)).
# Usage: one_connection_small.sh BOOKING DISK_SYNC honest|lost|ceiling
set -u
BOOKING=$1 DISK_SYNC=$2 MODE=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
run() {
    timeout -k 5 300 "$ROOT/bench/one-connection/one-connection" --booking "$BOOKING" \
        --disk-sync "$DISK_SYNC" --rounds 1 --duration 1 --count 500 "$@" 2>&1
}
case "$MODE" in
honest)
    out=$(run)
    rc=$?
    echo "$out"
    [ "$rc" -eq 0 ] || { echo "FAIL: bench/one-connection exited $rc"; exit 1; }
    for r in "disk append" "disk overwrite"; do
        echo "$out" | grep -Eq "^1 +$r +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ " ||
            { echo "FAIL: no measured row for $r"; exit 1; }
    done
    for r in "serve 1 conn" "in process b=1"; do
        echo "$out" | grep -Eq "^1 +$r +[0-9]+ .* [0-9.]+% +[0-9.]+ +[0-9.]+ " ||
            { echo "FAIL: no counted row for $r"; exit 1; }
    done
    echo "$out" | grep -Eq '^# serve / disk overwrite .*median [0-9.]+; target >= 0.9: (met|NOT met)$' ||
        { echo "FAIL: no ratio to the disk"; exit 1; }
    ;;
lost)
    out=$(ONE_CONNECTION_INPROC_URL=memory: run)
    rc=$?
    echo "$out"
    [ "$rc" -eq 1 ] || { echo "FAIL: a store that kept nothing exited $rc, not 1"; exit 1; }
    echo "$out" | grep -q 'CHECK FAILED: in process: the store did not keep what it answered' ||
        { echo "FAIL: no CHECK FAILED line for the in-process run"; exit 1; }
    echo "$out" | grep -q 'one-connection: FAILED (1 checks)' ||
        { echo "FAIL: the failure is not counted once"; exit 1; }
    ;;
ceiling)
    out=$(run --nginx)
    rc=$?
    echo "$out"
    [ "$rc" -eq 0 ] || { echo "FAIL: bench/one-connection --nginx exited $rc"; exit 1; }
    n50=$(echo "$out" | awk '$1 == 1 && $2 == "nginx" && $3 == "1" && $4 == "conn" && $5 > 0 {print $6}')
    w50=$(echo "$out" | awk '$1 == 1 && $2 == "disk" && $3 == "overwrite" {print $5}')
    [[ "$n50" =~ ^[0-9]+$ && "$w50" =~ ^[0-9]+$ ]] ||
        { echo "FAIL: no measured nginx row ('$n50') or overwrite p50 ('$w50')"; exit 1; }
    want=$(awk -v y="$w50" -v x="$n50" 'BEGIN {printf "%.2f", y / (y + x)}')
    echo "$out" | grep -Eq "^# ceiling: .*: $want; median $want; target 0.9 reachable here: (yes|no)\$" ||
        { echo "FAIL: no ceiling line of $w50 / ($w50 + $n50) = $want"; exit 1; }
    ;;
*) echo "usage: one_connection_small.sh BOOKING DISK_SYNC honest|lost|ceiling" >&2; exit 2 ;;
esac
echo "PASS"
