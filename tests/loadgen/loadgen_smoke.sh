#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# loadgen_smoke.sh BOOKING MODE: runs `booking serve` on a temp SQLite file on a free
# port, drives it with `booking bench --url ... --attempts 2000 --history FILE`
# (MODE single: POST /v1/bookings; batch: POST /v1/bookings/batch of 100), then checks:
#   - the generator exits 0 (its own read-back agrees, every answer well formed);
#   - the history is valid JSON lines with one invoke and one completion per attempt;
#   - the fresh BOOKED answers equal GET /v1/resources/ID's booked (SPEC 1: booked
#     equals the sum of units of BOOKED records) and never exceed capacity;
#   - `booking check` finds the history linearizable.
set -euo pipefail
BOOKING=$1
MODE=${2:-single}
ATTEMPTS=2000
CAPACITY=1500        # below ATTEMPTS: some attempts must be REJECTED insufficient_capacity
TMP=$(mktemp -d)
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The log exists before the server starts: the background job opens its redirect
# after the fork, and a sed that ran first failed on a missing file (set -e).
: >"$TMP/serve.log"
"$BOOKING" serve --listen 127.0.0.1:0 --threads 2 --store "sqlite:$TMP/smoke.db" 2>"$TMP/serve.log" &
SERVER=$!
URL=""
for _ in $(seq 100); do   # at most 10 s for the "listening on" line
    URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$TMP/serve.log")
    [ -n "$URL" ] && break
    kill -0 "$SERVER" 2>/dev/null || fail "booking serve exited: $(cat "$TMP/serve.log")"
    sleep 0.1
done
[ -n "$URL" ] || fail "booking serve printed no address"

if [ "$MODE" = kill ]; then
    # The server dies (kill -9) under load: the generator must still end in time, every
    # request without an answer must stay an invoke without completion, and after a
    # restart on the same file booked must lie between the acknowledged BOOKED and
    # those plus the requests in doubt (SPEC 1: durable; FAILED/no answer indeterminate).
    "$BOOKING" bench --url "$URL" --connections 8 --threads 2 --duration 3 --seed 7 \
        --history "$TMP/history.jsonl" --json >"$TMP/summary.json" 2>"$TMP/bench.err" &
    BENCH=$!
    sleep 1
    kill -9 "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
    rc=0
    wait "$BENCH" || rc=$?
    [ "$rc" -eq 1 ] || fail "bench should exit 1 when it cannot read back, got $rc"
    : >"$TMP/serve2.log"
    "$BOOKING" serve --listen 127.0.0.1:0 --threads 2 --store "sqlite:$TMP/smoke.db" 2>"$TMP/serve2.log" &
    SERVER=$!
    URL=""
    for _ in $(seq 100); do
        URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$TMP/serve2.log")
        [ -n "$URL" ] && break
        sleep 0.1
    done
    [ -n "$URL" ] || fail "booking serve did not restart"
    python3 - "$TMP/history.jsonl" "$TMP/summary.json" >"$TMP/resource" <<'PY' || fail "history check"
import json, sys
summary = json.load(open(sys.argv[2]))
open_ops, acked, doubt, resource, invokes = {}, 0, 0, None, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "invoke":
        assert e["process"] not in open_ops, ("two operations in flight", e)
        open_ops[e["process"]] = e
        resource = e.get("resource_id", resource) if e["f"] == "set_capacity" else resource
        invokes += e["f"] == "attempt"
        continue
    inv = open_ops.pop(e["process"])
    if e["f"] == "attempt" and e["outcome"] == "BOOKED" and not e["replayed"]:
        acked += inv["units"]
    if e["f"] == "attempt" and e["outcome"] == "FAILED":
        doubt += inv["units"]
lost = [o for o in open_ops.values() if o["f"] == "attempt"]
assert len(lost) == summary["lost_requests"] > 0, (len(lost), summary["lost_requests"])
assert summary["attempts"] + len(lost) == invokes, (summary["attempts"], len(lost), invokes)
doubt += sum(o["units"] for o in lost)
print(resource, acked, doubt)
PY
    read -r resource acked doubt <"$TMP/resource"
    booked=$(curl -sf "$URL/v1/resources/$resource" | python3 -c 'import json,sys; print(json.load(sys.stdin)["booked"])') ||
        fail "GET /v1/resources/$resource after restart"
    [ "$booked" -ge "$acked" ] && [ "$booked" -le $((acked + doubt)) ] ||
        fail "after restart booked $booked, acknowledged $acked, in doubt $doubt"
    "$BOOKING" check "$TMP/history.jsonl" >"$TMP/check.out" 2>&1 || fail "booking check: $(cat "$TMP/check.out")"
    echo "ok: kill, booked $booked (acknowledged $acked, in doubt $doubt), $(head -c 200 "$TMP/check.out")"
    exit 0
fi

batch=1
[ "$MODE" = batch ] && batch=100
"$BOOKING" bench --url "$URL" --connections 8 --threads 2 --attempts "$ATTEMPTS" --batch "$batch" \
    --replay-ratio 0.1 --conflict-ratio 0.05 --capacity "$CAPACITY" --seed 42 \
    --history "$TMP/history.jsonl" --json >"$TMP/summary.json" 2>"$TMP/bench.err" ||
    fail "booking bench exited $?: $(tail -5 "$TMP/bench.err")"

python3 - "$TMP/history.jsonl" "$TMP/summary.json" "$ATTEMPTS" "$CAPACITY" >"$TMP/resource" <<'PY' || fail "history check"
import json, sys
path, summary_path, attempts, capacity = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
summary = json.load(open(summary_path))
invokes, completes, booked_units, open_ops, resource = 0, 0, 0, {}, None
last_time = 0
for n, line in enumerate(open(path), 1):
    e = json.loads(line)  # raises on an invalid line
    assert e["type"] in ("invoke", "complete"), (n, e)
    assert isinstance(e["process"], int) and isinstance(e["time"], int), (n, e)
    assert e["time"] >= last_time, ("history out of time order", n)
    last_time = e["time"]
    p = e["process"]
    if e["type"] == "invoke":
        assert p not in open_ops, ("two operations in flight on process", p, n)
        open_ops[p] = e
        if e["f"] == "set_capacity":
            resource = e["resource_id"]
            assert e["capacity"] == capacity
        if e["f"] == "attempt":
            invokes += 1
            assert e["resource_id"] == resource and e["units"] >= 1
        continue
    inv = open_ops.pop(p)
    assert inv["f"] == e["f"], (n, inv, e)
    if e["f"] == "attempt":
        completes += 1
        assert e["outcome"] in ("BOOKED", "REJECTED", "FAILED") and isinstance(e["replayed"], bool)
        if e["outcome"] == "BOOKED" and not e["replayed"]:
            booked_units += inv["units"]
assert invokes == attempts, ("invokes", invokes, "attempts", attempts)
assert completes == attempts, ("completions", completes)
assert not open_ops, ("operations without completion", open_ops)
assert summary["attempts"] == attempts and summary["resources_wrong"] == 0, summary
assert summary["reasons"].get("insufficient_capacity", 0) > 0, "capacity was never reached"
assert summary["reasons"].get("booking_id_conflict", 0) > 0, "no conflicting replay was sent"
print(resource, booked_units)
PY
read -r resource booked_units <"$TMP/resource"
state=$(curl -sf "$URL/v1/resources/$resource") || fail "GET /v1/resources/$resource"
read -r booked capacity <<<"$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["booked"], r["capacity"])' "$state")"
[ "$booked" -eq "$booked_units" ] || fail "resource booked $booked, BOOKED answers $booked_units"
[ "$booked" -le "$capacity" ] || fail "booked $booked above capacity $capacity"
[ "$booked" -eq "$CAPACITY" ] || fail "capacity $CAPACITY not filled: booked $booked"
"$BOOKING" check "$TMP/history.jsonl" >"$TMP/check.out" 2>&1 || fail "booking check: $(cat "$TMP/check.out")"
echo "ok: $MODE, booked $booked of $capacity, $(head -c 200 "$TMP/check.out")"
