#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""verify.py: after a failover under load (tests/ha/failover.sh), checks that nothing
acknowledged was lost, and measures the outage.

  verify.py HISTORY LEADER_DSN SERVICE_URL FAULT_NS PSQL

HISTORY is `booking bench --history` (times: CLOCK_MONOTONIC ns); LEADER_DSN a libpq
URL of the new leader, read with PSQL; FAULT_NS the monotonic time of the fault.
Checks, each a failure if broken:
  1. every attempt has a completion (no request lost without an answer);
  2. every acknowledged BOOKED and REJECTED is on the new leader, with that outcome;
  3. every record of the run on the new leader answers an acknowledged decision or a
     FAILED one: FAILED are the only in-doubt attempts;
  4. booked = the units of the active (and held) BOOKED records, on every resource;
  5. a replay of each FAILED attempt through the service decides it (BOOKED or
     REJECTED); its record, if it had one, was kept (replayed=true);
  6. the invariant of 4 again after the replays.
Prints the unavailability window (first FAILED at or after the fault to the first
decision of an attempt sent after it: BOOKED, or REJECTED once the capacity is all
taken; both are written on the leader), the longest stretch from the fault on without any decision,
and the rate of answers before the fault and after recovery.
"""
import concurrent.futures
import json
import subprocess
import sys
import urllib.error
import urllib.request

REPLAY_TIMEOUT_S = 20
REPLAY_THREADS = 16
NS = 1e9


def fail(msg):
    print("FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


def sql(psql, dsn, query):
    r = subprocess.run([psql, "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", dsn, "-c", query],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("psql: %s" % r.stderr.strip())
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def read_history(path):
    """Attempts as dicts: id, resource, units, invoke, complete, outcome, replayed."""
    open_by_process, attempts = {}, []
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e.get("f") != "attempt":
                continue
            if e["type"] == "invoke":
                a = {"id": e["booking_id"], "resource": e["resource_id"], "units": e["units"],
                     "invoke": e["time"], "complete": None, "outcome": None}
                open_by_process[e["process"]] = a
                attempts.append(a)
            else:
                a = open_by_process.pop(e["process"])
                a["complete"], a["outcome"] = e["time"], e["outcome"]
                a["replayed"] = e.get("replayed", False)
    return attempts


def replay(url, a):
    body = json.dumps({"booking_id": a["id"], "resource_id": a["resource"],
                       "units": a["units"]}).encode()
    req = urllib.request.Request(url + "/v1/bookings", data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=REPLAY_TIMEOUT_S) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def check_invariant(psql, dsn, prefix):
    bad = sql(psql, dsn,
              "SELECT r.id, r.booked, COALESCE((SELECT sum(units) FROM bookings b"
              " WHERE b.resource_id = r.id AND b.outcome = 1 AND b.status IN (1, 3)), 0)"
              " FROM resources r WHERE r.id LIKE '%s%%' AND (r.booked < 0 OR r.booked > r.capacity"
              " OR r.booked <> COALESCE((SELECT sum(units) FROM bookings b"
              " WHERE b.resource_id = r.id AND b.outcome = 1 AND b.status IN (1, 3)), 0))" % prefix)
    if bad:
        fail("booked is not the sum of active units on %d resources, e.g. %s" % (len(bad), bad[0]))
    return int(sql(psql, dsn, "SELECT count(*) FROM resources WHERE id LIKE '%s%%'" % prefix)[0][0])


def main(argv):
    history, dsn, url, fault_ns, psql = argv[1], argv[2], argv[3], int(argv[4]), argv[5]
    attempts = read_history(history)
    if not attempts:
        fail("no attempts in the history")
    lost = [a for a in attempts if a["complete"] is None]
    if lost:
        fail("%d attempts never answered, e.g. %s" % (len(lost), lost[0]["id"]))
    acked = {a["id"]: a for a in attempts if a["outcome"] in ("BOOKED", "REJECTED")}
    failed = [a for a in attempts if a["outcome"] == "FAILED"]
    others = [a for a in attempts if a["outcome"] not in ("BOOKED", "REJECTED", "FAILED")]
    if others:
        fail("answers neither BOOKED, REJECTED nor FAILED: %s" % others[0])
    # The bench's resource ids share one run prefix ("r-<run>-<k>").
    prefix = attempts[0]["resource"].rsplit("-", 1)[0] + "-"
    stored = {row[0]: int(row[1]) for row in sql(
        psql, dsn, "SELECT id, outcome FROM bookings WHERE resource_id LIKE '%s%%'" % prefix)}
    code = {"BOOKED": 1, "REJECTED": 2}
    missing = [i for i, a in acked.items() if stored.get(i) != code[a["outcome"]]]
    if missing:
        fail("%d acknowledged decisions missing or changed on the new leader, e.g. %s (%s, stored %s)"
             % (len(missing), missing[0], acked[missing[0]]["outcome"], stored.get(missing[0])))
    failed_ids = {a["id"] for a in failed}
    strays = [i for i in stored if i not in acked and i not in failed_ids]
    if strays:
        fail("%d records on the new leader answer no attempt, e.g. %s" % (len(strays), strays[0]))
    in_doubt_committed = sum(1 for a in failed if a["id"] in stored)
    resources = check_invariant(psql, dsn, prefix)

    kept = fresh = 0
    with concurrent.futures.ThreadPoolExecutor(REPLAY_THREADS) as pool:
        replies = list(pool.map(lambda a: replay(url, a), failed))
    for a, r in zip(failed, replies):
        if r.get("outcome") not in ("BOOKED", "REJECTED"):
            fail("the replay of FAILED %s answered %s" % (a["id"], r))
        if a["id"] in stored:
            if not r.get("replayed"):
                fail("FAILED %s had a record, yet its replay decided anew: %s" % (a["id"], r))
            kept += 1
        else:
            fresh += 1
    check_invariant(psql, dsn, prefix)

    done = sorted(attempts, key=lambda a: a["complete"])
    first_failed = next((a for a in done if a["outcome"] == "FAILED" and a["complete"] >= fault_ns),
                        None)
    start_ns, end_ns = done[0]["invoke"], done[-1]["complete"]
    before = [a for a in done if a["complete"] < fault_ns]
    rate_before = len(before) / max((fault_ns - start_ns) / NS, 1e-9)
    if first_failed is not None:
        t0 = first_failed["complete"]
        # Sent after the first FAILED: an answer already on its way when the fault
        # hit says nothing of the recovery.
        back = next((a for a in done if a["outcome"] in ("BOOKED", "REJECTED") and
                     a["invoke"] > t0), None)
        if back is None:
            fail("no decision after the first FAILED: the service never recovered")
        window = "unavailable %.2f s (first FAILED %.2f s after the fault, first %s %.2f s after)" % (
            (back["complete"] - t0) / NS, (t0 - fault_ns) / NS, back["outcome"],
            (back["complete"] - fault_ns) / NS)
        recovered = back["complete"]
    else:
        # No FAILED answer at all: the longest wait between two decisions after the fault.
        ts = [fault_ns] + [a["complete"] for a in done if a["complete"] >= fault_ns]
        gap, recovered = max((b - a, b) for a, b in zip(ts, ts[1:]))
        window = "no FAILED answer; longest gap between answers after the fault %.2f s" % (gap / NS)
    # The longest stretch from the fault on without any decision answered: what a
    # client sees, whichever connection it is on.
    decided = [fault_ns] + [a["complete"] for a in done if a["complete"] >= fault_ns and
                            a["outcome"] in ("BOOKED", "REJECTED")] + [end_ns]
    quiet = max(b - a for a, b in zip(decided, decided[1:]))
    window += "; longest stretch without a decision %.2f s" % (quiet / NS)
    after = [a for a in done if a["complete"] > recovered]
    rate_after = len(after) / max((end_ns - recovered) / NS, 1e-9)
    counts = {o: sum(1 for a in attempts if a["outcome"] == o) for o in ("BOOKED", "REJECTED", "FAILED")}
    print("ha verify: %d attempts (BOOKED %d, REJECTED %d, FAILED %d) on %d resources; every "
          "acknowledged decision on the new leader; FAILED in doubt: %d had committed (replay "
          "kept them), %d had not (replay decided them); invariant holds before and after" % (
              len(attempts), counts["BOOKED"], counts["REJECTED"], counts["FAILED"], resources,
              in_doubt_committed, fresh))
    print("ha verify: %s; rate %.0f answers/s before the fault, %.0f after recovery" % (
        window, rate_before, rate_after))
    assert kept == in_doubt_committed


if __name__ == "__main__":
    main(sys.argv)
