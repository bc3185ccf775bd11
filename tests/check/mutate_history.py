#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Derives histories for `booking check` from one recorded by `booking bench --history`.

  mutate_history.py IN OUT --lose P [--seed S] [--mutation KIND]

--lose P turns a share P of the attempts into indeterminate ones, half FAILED
(the completion becomes {"outcome":"FAILED","reason":"unavailable"}) and half
lost (the completion is removed and the process's later operations move to a
new process number, as the load generator does when a request goes unanswered).
Either only widens what may have happened, so a linearizable history stays so.

--mutation then plants one violation (none: the lossy history itself):
  read     the last read's booked one unit lower (on a sold-out resource a
           rejection of one unit completed before it proves booked = capacity);
  flip     the first fresh BOOKED after the share --at of the attempts (1/8: the
           resource far from full) answered REJECTED insufficient_capacity instead;
  drop     the fresh BOOKED of a booking_id that later answers are replays of is
           removed (invoke and completion): those replays replay nothing;
  release  after the last event a cancel of a BOOKED booking answering
           cancelled and a read that counts its units released twice;
  release-ok  the same cancel and a read that counts them released once (valid).
Prints what it changed on stderr. Exit 2 when the history has nothing to mutate.
"""
import argparse
import json
import random
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--lose", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--at", type=float, default=0.125,
                    help="flip: where among the attempts, as a share (default 1/8)")
    ap.add_argument("--mutation", default="none",
                    choices=["none", "read", "flip", "drop", "release", "release-ok"])
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    with open(a.inp) as f:
        ev = [json.loads(line) for line in f if line.strip()]

    # Pair invokes and completions: open[process] = index of the invoke.
    open_at, pair = {}, {}
    for i, e in enumerate(ev):
        p = e["process"]
        if e["type"] == "invoke":
            open_at[p] = i
        else:
            pair[open_at.pop(p)] = i
    attempts = [i for i, e in enumerate(ev) if e["type"] == "invoke" and e["f"] == "attempt"]
    ids = {}  # booking_id -> invoke indexes
    for i in attempts:
        ids.setdefault(ev[i]["booking_id"], []).append(i)

    def fresh_booked(i):
        c = pair.get(i)
        return (c is not None and ev[c].get("outcome") == "BOOKED"
                and ev[c].get("replayed") is False)

    # Choose the mutation's target first, so that losing answers leaves it alone.
    keep = set()
    target = None
    if a.mutation == "flip":
        cand = [i for i in attempts[int(len(attempts) * a.at):] if fresh_booked(i)]
        if cand:
            target = cand[0]
    elif a.mutation == "drop":
        for i in attempts[len(attempts) // 4:]:
            others = ids[ev[i]["booking_id"]]
            if fresh_booked(i) and len(others) > 1 and all(
                    j > i and j in pair and ev[pair[j]].get("outcome") in ("BOOKED", "REJECTED")
                    for j in others if j != i):
                target = i
                break
    elif a.mutation in ("release", "release-ok"):
        cand = [i for i in attempts if fresh_booked(i) and len(ids[ev[i]["booking_id"]]) == 1]
        if cand:
            target = cand[len(cand) // 2]
    if a.mutation != "none" and a.mutation != "read" and target is None:
        print("nothing to mutate", file=sys.stderr)
        return 2
    if target is not None:
        for j in ids[ev[target]["booking_id"]]:
            keep.add(j)

    lost_c, failed_c = set(), set()
    for i in attempts:
        if i in keep or i not in pair or rnd.random() >= a.lose:
            continue
        if rnd.random() < 0.5:
            failed_c.add(pair[i])
        else:
            lost_c.add(pair[i])

    out = []
    renum = {}  # original process -> current process number
    next_proc = max(e["process"] for e in ev) + 1
    for i, e in enumerate(ev):
        p = e["process"]
        e = dict(e)
        e["process"] = renum.get(p, p)
        if i in lost_c:
            renum[p] = next_proc
            next_proc += 1
            continue
        if i in failed_c:
            e = {"type": "complete", "process": e["process"], "f": "attempt",
                 "outcome": "FAILED", "reason": "unavailable", "time": e.get("time", 0)}
        out.append((i, e))

    if a.mutation == "flip":
        c = pair[target]
        for k, (i, e) in enumerate(out):
            if i == c:
                e = {k2: v for k2, v in e.items() if k2 not in ("status", "expires_at")}
                e["outcome"], e["reason"] = "REJECTED", "insufficient_capacity"
                out[k] = (i, e)
        print(f"flip: booking {ev[target]['booking_id']} (invoke line {target + 1}) now "
              "REJECTED", file=sys.stderr)
    elif a.mutation == "drop":
        gone = {target, pair[target]}
        out = [(i, e) for (i, e) in out if i not in gone]
        print(f"drop: booking {ev[target]['booking_id']} (invoke line {target + 1})",
              file=sys.stderr)
    elif a.mutation == "read":
        reads = [k for k, (i, e) in enumerate(out)
                 if e["type"] == "complete" and e["f"] == "get_resource" and "booked" in e]
        if not reads:
            print("nothing to mutate", file=sys.stderr)
            return 2
        k = reads[-1]
        e = dict(out[k][1])
        if e["booked"] == 0:
            print("nothing to mutate", file=sys.stderr)
            return 2
        e["booked"] -= 1
        out[k] = (out[k][0], e)
        print(f"read: booked now {e['booked']}", file=sys.stderr)
    elif a.mutation in ("release", "release-ok"):
        inv = ev[target]
        units = inv["units"]
        reads = [e for (i, e) in out
                 if e["type"] == "complete" and e["f"] == "get_resource" and "booked" in e]
        if not reads:
            print("nothing to mutate", file=sys.stderr)
            return 2
        last = reads[-1]
        t = max(e.get("time", 0) for (i, e) in out) + 1
        p = next_proc
        booked = last["booked"] - units * (2 if a.mutation == "release" else 1)
        if booked < 0:
            print("nothing to mutate", file=sys.stderr)
            return 2
        more = [
            {"type": "invoke", "process": p, "f": "cancel", "booking_id": inv["booking_id"],
             "time": t},
            {"type": "complete", "process": p, "f": "cancel", "ok": True, "reason": "cancelled",
             "time": t + 1},
            {"type": "invoke", "process": p, "f": "get_resource",
             "resource_id": inv["resource_id"], "time": t + 2},
            {"type": "complete", "process": p, "f": "get_resource",
             "capacity": last["capacity"], "booked": booked, "time": t + 3},
        ]
        out += [(None, e) for e in more]
        print(f"{a.mutation}: cancel {inv['booking_id']} ({units} units), read booked {booked}",
              file=sys.stderr)
    with open(a.out, "w") as f:
        for _, e in out:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    print(f"lost {len(lost_c)}, failed {len(failed_c)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
