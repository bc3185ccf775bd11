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
#   rounds:   --rounds 3 with a preload of 50,000: three timed runs on the empty
#             store and three after the preload, alternated ABBA-wise, each counted;
#             without a warm-up every empty run starts on a fresh store (0 stored);
#             the table's rows are the medians, the ratios of the medians (rates
#             and the server's CPU per attempt) are printed; with --warmup 1 every run's stored
#             includes its warm-up's records and the output says so; bad values of
#             --rounds and --warmup are refused with exit 2.
# Usage: compare_small.sh BOOKING honest|replays|rounds OUTDIR
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
rounds)
    for bad in "--rounds 0" "--rounds 21" "--rounds x" "--warmup 61" "--warmup -1"; do
        # shellcheck disable=SC2086 # the option and its value are two words
        "$ROOT/bench/compare" --booking "$BOOKING" --only booking $bad >/dev/null 2>&1
        got=$?
        [ "$got" -eq 2 ] || { echo "FAIL: $bad exited $got, want 2"; exit 1; }
    done
    for warm in 0 1; do
        log="$OUT/compare-rounds-$warm.log"
        rc=0
        timeout -k 5 200 "$ROOT/bench/compare" --booking "$BOOKING" --only booking --clients 2 \
            --duration 1 --preload 50000 --rounds 3 --warmup "$warm" \
            --plot "$OUT/compare-rounds.png" >"$log" 2>&1 || rc=$?
        cat "$log"
        [ "$rc" -eq 0 ] || { echo "FAIL: bench/compare --rounds 3 --warmup $warm exited $rc"; exit 1; }
        # The section's lines: clients round store stored attempts/s p99 kept, and
        # the server's CPU per attempt.
        runs=$(awk '$1 == 2 && $2 ~ /^[1-3]$/ && ($3 == "empty" || $3 == "preloaded") && $7 ~ /^[0-9.]+%$/ &&
                    $8 ~ /^[0-9]+\.[0-9]$/ && $8 > 0' "$log")
        [ "$(echo "$runs" | grep -c ' empty ')" -eq 3 ] && [ "$(echo "$runs" | grep -c ' preloaded ')" -eq 3 ] ||
            { echo "FAIL: want 3 counted runs of each store, got:"; echo "$runs"; exit 1; }
        order=$(echo "$runs" | awk '{printf "%s%s ", $2, substr($3, 1, 1)}')
        [ "$order" = "1e 1p 2p 2e 3e 3p " ] || { echo "FAIL: runs in the order $order, want ABBA"; exit 1; }
        # Empty means empty: a fresh store each round, holding only its warm-up's
        # records; the preloaded store holds the 50,000 and the runs before.
        bad=$(echo "$runs" | awk -v w="$warm" '($3 == "empty" && ((w == 0 && $4 != 0) || (w > 0 && ($4 <= 0 || $4 >= 50000)))) ||
                                              ($3 == "preloaded" && $4 < 50000)')
        [ -z "$bad" ] || { echo "FAIL: runs that stored the wrong records before them: $bad"; exit 1; }
        # The table's rows are the medians of the runs, said in their note.
        for store in empty preloaded; do
            want=$(echo "$runs" | awk -v s="$store" '$3 == s {print $5}' | sort -n | sed -n 2p)
            step=$([ "$store" = empty ] && echo 0 || echo 50000)
            row=$(awk -v s="$step" '$1 == "booking-sqlite" && $2 == 2 && $3 >= s && (s > 0 || $3 < 50000) && /median of 3/' "$log")
            [ "$(echo "$row" | awk '{print $4}')" = "$want" ] ||
                { echo "FAIL: the $store row is not the median $want of its runs: $row"; exit 1; }
        done
        grep -q '2 clients, preloaded / empty: [0-9.]* of the medians; round by round median' "$log" ||
            { echo "FAIL: no ratio of the medians with its spread"; exit 1; }
        grep -q '2 clients, server CPU per attempt, preloaded / empty: [0-9.]* of the medians' "$log" ||
            { echo "FAIL: no ratio of the server's CPU per attempt"; exit 1; }
        grep -q 'after the preload / on the empty store >= 0.8 (medians)' "$log" || { echo "FAIL: no target line"; exit 1; }
        if [ "$warm" -gt 0 ]; then
            grep -q "follows 1 s of the same load on the same server, not timed" "$log" ||
                { echo "FAIL: the warm-up is not said in the output"; exit 1; }
        fi
    done
    echo "PASS: the rounds alternate a fresh empty store with the preloaded one, each run counted"
    ;;
*) echo "usage: compare_small.sh BOOKING honest|replays|rounds OUTDIR" >&2; exit 2 ;;
esac
