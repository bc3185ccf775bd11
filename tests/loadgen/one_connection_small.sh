#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/one-connection at small counts (1 round, 1 s per measurement): the disk's
# rates, booking serve at one connection and the in-process run each print a row,
# both store rows with the share of their answers their file kept (bench/honest.sh),
# and the ratios; the script exits 0.
# Usage: one_connection_small.sh BOOKING DISK_SYNC
set -u
BOOKING=$1 DISK_SYNC=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
out=$(timeout -k 5 300 "$ROOT/bench/one-connection/one-connection" --booking "$BOOKING" \
    --disk-sync "$DISK_SYNC" --rounds 1 --duration 1 --count 500 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || { echo "FAIL: bench/one-connection exited $rc"; exit 1; }
for run in "disk append" "disk overwrite"; do
    echo "$out" | grep -Eq "^1 +$run +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ " ||
        { echo "FAIL: no measured row for $run"; exit 1; }
done
for run in "serve 1 conn" "in process b=1"; do
    echo "$out" | grep -Eq "^1 +$run +[0-9]+ .* [0-9.]+% +[0-9.]+ +[0-9.]+ " ||
        { echo "FAIL: no counted row for $run"; exit 1; }
done
echo "$out" | grep -Eq '^# serve / disk overwrite .*median [0-9.]+; target >= 0.9: (met|NOT met)$' ||
    { echo "FAIL: no ratio to the disk"; exit 1; }
echo "PASS"
