#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The service's logs, as an operator reads them: with --log-format json every
access log line is one JSON object with time, level, msg, method, path, status,
duration_us, bytes, peer, user_agent and request_id, and the request_id is the
X-Request-Id the client got; a FAILED answer (a store whose write lock another
process holds) is logged on stderr with its reason and request id; SIGHUP after
a logrotate-style rename reopens the access log, and the service goes on."""
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN = os.environ["BOOKING_BIN"]
SERVE_START_TIMEOUT_S = 10
failures = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    failures.append(msg)


def ok(msg):
    print("ok: " + msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"User-Agent": "logs-test/1 \"quoted\" \xe9"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    rid = r.getheader("X-Request-Id")
    c.close()
    return r.status, data, rid


def wait_lines(path, n, timeout_s=5):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if len(lines) >= n:
            return lines
        time.sleep(0.02)
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "logs.db")
    access = os.path.join(tmp, "access.log")
    errors = open(os.path.join(tmp, "stderr.log"), "w+")
    port = free_port()
    server = subprocess.Popen(
        [BIN, "serve", "--listen", f"127.0.0.1:{port}", "--store", f"sqlite:{db}?busy_timeout_ms=50",
         "--access-log", access, "--log-format", "json"], stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + SERVE_START_TIMEOUT_S
        while True:
            try:
                if call(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("FAIL: booking serve did not start")
            time.sleep(0.05)
        status, _, rid = call(port, "PUT", "/v1/resources/room", json.dumps({"capacity": 2}))
        assert status == 200, status
        lines = wait_lines(access, 2)
        try:
            entries = [json.loads(l) for l in lines]
            ok(f"{len(entries)} access log lines, each one JSON object")
        except ValueError as e:
            fail(f"an access log line is not JSON: {e}: {lines}")
            entries = []
        want = {"time", "level", "msg", "method", "path", "status", "duration_us", "bytes",
                "peer", "user_agent", "request_id"}
        put = [e for e in entries if e.get("method") == "PUT"]
        if put and want <= set(put[0]) and put[0]["status"] == 200 and \
                put[0]["path"] == "/v1/resources/room" and put[0]["peer"] == "127.0.0.1" and \
                put[0]["bytes"] > 0 and put[0]["user_agent"] == "logs-test/1 \"quoted\" \xe9":
            ok("the PUT's line has every field, the user agent byte for byte")
        else:
            fail(f"the PUT's line: {put}")
        if rid and put and put[0]["request_id"] == rid and len(rid) == 16:
            ok(f"X-Request-Id {rid} is the line's request_id")
        else:
            fail(f"X-Request-Id {rid} against {put[0].get('request_id') if put else None}")

        # A FAILED answer is logged with its reason: another process holds the
        # write lock past the store's 50 ms bound.
        holder = sqlite3.connect(db, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        status, body, rid = call(port, "POST", "/v1/bookings",
                                 json.dumps({"booking_id": "b1", "resource_id": "room", "units": 1}))
        holder.rollback()
        holder.close()
        errors.flush()
        errors.seek(0)
        failed = [json.loads(l) for l in errors.read().splitlines() if l.startswith("{")]
        failed = [e for e in failed if e.get("level") == "error"]
        if status == 503 and failed and failed[-1].get("reason") == "busy" and \
                failed[-1].get("request_id") == rid and \
                "database is locked" in failed[-1].get("detail", ""):
            ok(f"FAILED busy is logged on stderr with its reason, request id and the engine's "
               f"words: {failed[-1]['detail']}")
        else:
            fail(f"the FAILED answer ({status}) was logged as {failed}")

        # logrotate: rename, SIGHUP, the next lines go to the new file.
        os.rename(access, access + ".1")
        server.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        if server.poll() is None:
            ok("SIGHUP does not stop the service")
        else:
            fail(f"SIGHUP stopped the service (exit {server.returncode})")
        status, _, rid = call(port, "GET", "/v1/resources/room")
        new = wait_lines(access, 1) if os.path.exists(access) else []
        if status == 200 and any(json.loads(l).get("request_id") == rid for l in new):
            ok("after SIGHUP the access log is the new file")
        else:
            fail(f"after SIGHUP: status {status}, new file {new}")
        old = open(access + ".1").read()
        if rid not in old:
            ok("the rotated file gets no more lines")
        else:
            fail("the rotated file still gets lines")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        if code != 0:
            fail(f"exit {code}")
    errors.close()

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all checks passed")
