#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compare at small counts (2 clients, 1 s per row, a preload of 2,000), as
# root with the packages of scripts/install-deps (it starts PostgreSQL as the
# postgres user, Redis, nginx and booking serve on free loopback ports).
#   honest:   every system runs, and every row that decides prints the share of its
#             claimed decisions its store kept, at both steps; the script exits 0,
#             and so does a run of booking alone (--only), with its checks line.
#   replays:  Redis driven over a keyspace of 20 ids: its row answers thousands of
#             requests but stores at most 20 decisions, so the script must fail
#             loudly (exit 1) and say why.
# Usage: compare_small.sh BOOKING honest|replays OUTDIR
set -u
BOOKING=$1 MODE=$2 OUT=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
log="$OUT/compare-$MODE.log"
rc=0
case "$MODE" in
honest)
    timeout -k 5 400 "$ROOT/bench/compare" --booking "$BOOKING" --clients 2 --duration 1 \
        --preload 2000 --ids uuid7 --batch-size 100 --plot "$OUT/compare.png" >"$log" 2>&1 || rc=$?
    cat "$log"
    [ "$rc" -eq 0 ] || { echo "FAIL: bench/compare exited $rc"; exit 1; }
    for row in booking-sqlite 'booking-sqlite(wrk)' booking-sqlite-batch100 postgres-plpgsql \
               redis-lua booking-postgres; do
        n=$(awk -v r="$row" '$1 == r && $2 == 2 && $7 ~ /^[0-9.]+%$/' "$log" | wc -l)
        [ "$n" -eq 2 ] || { echo "FAIL: $row has $n counted rows (want one per step: 0 and 2000)"; exit 1; }
    done
    grep -q '^nginx-static(wrk) ' "$log" || { echo "FAIL: no wrk figure for nginx"; exit 1; }
    grep -q 'load generator .* wrk ' "$log" || { echo "FAIL: no load generator / wrk pair"; exit 1; }
    grep -q '^  redis-lua  *1 ' "$log" || { echo "FAIL: no Redis preload line"; exit 1; }
    # A run of some systems only (here without the batch row its targets name) ends
    # as a whole run does: its summary and its checks, exit 0.
    log="$OUT/compare-$MODE-only.log"
    timeout -k 5 200 "$ROOT/bench/compare" --booking "$BOOKING" --only booking --clients 2 \
        --duration 1 --plot "$OUT/compare-only.png" >"$log" 2>&1 || rc=$?
    cat "$log"
    [ "$rc" -eq 0 ] || { echo "FAIL: bench/compare --only booking exited $rc"; exit 1; }
    grep -q '^checks: every run' "$log" || { echo "FAIL: --only booking printed no checks line"; exit 1; }
    echo "PASS: every row counted what its store kept"
    ;;
replays)
    COMPARE_REDIS_KEYSPACE=20 timeout -k 5 200 "$ROOT/bench/compare" --booking "$BOOKING" --only redis \
        --clients 2 --duration 1 --plot "$OUT/compare-replays.png" >"$log" 2>&1 || rc=$?
    cat "$log"
    [ "$rc" -eq 1 ] || { echo "FAIL: bench/compare exited $rc, want 1"; exit 1; }
    grep -q 'CHECK FAILED: redis-lua at 2 .*under 95%' "$log" || { echo "FAIL: no clear line for the replays"; exit 1; }
    grep -q 'compare: FAILED' "$log" || { echo "FAIL: no closing failure line"; exit 1; }
    echo "PASS: a row that replayed ids failed loudly"
    ;;
*) echo "usage: compare_small.sh BOOKING honest|replays OUTDIR" >&2; exit 2 ;;
esac
