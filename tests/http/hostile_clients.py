#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hostile_clients.py: SPEC section 5 against clients that misbehave on the wire
(issue 13): bodies over the limit written whole before reading, slow and idle
connections, too many connections, one peer taking them all. Each test starts its
own `booking serve` on a free loopback port; every attack is bounded in count and
time. Usage: hostile_clients.py BOOKING_BIN [TEST...]"""
import http.client
import json
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
START_TIMEOUT_S = 10


class Server:
    def __init__(self, *args, store="memory:"):
        self.log = tempfile.NamedTemporaryFile(prefix="hostile-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", "127.0.0.1:0", "--store", store, "--threads", "2", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + START_TIMEOUT_S
        self.port = None
        while time.time() < deadline and self.port is None:
            with open(self.log.name) as f:
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if self.port is None:
            self.stop()
            raise RuntimeError("server did not start: " + open(self.log.name).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log.name)
        return self.proc.returncode

    def conn(self, timeout=5):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=5):
        c = self.conn(timeout)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data


def problem(status, headers, data, code):
    assert headers.get("Content-Type") == "application/problem+json", headers
    o = json.loads(data)
    assert o["type"] == "about:blank" and o["status"] == status and o["error"] == code, o
    return o


def oversized_body_is_answered_413_after_it_is_read():
    """SPEC 5: a body over its limit gets 413, answered after reading it, so a
    client that writes its whole body before reading (http.client) reads it."""
    s = Server()
    try:
        s.request("PUT", "/v1/resources/r", b'{"capacity":5}')
        attempt = b'{"booking_id":"b","resource_id":"r","units":1}'
        for path, size in (("/v1/bookings", 64 * 1024 + 1), ("/v1/bookings", 1024 * 1024),
                           ("/v1/bookings/batch", 2 * 1024 * 1024 + 1),
                           ("/v1/bookings/batch", 6 * 1024 * 1024)):
            body = b" " * (size - len(attempt)) + attempt
            if path.endswith("batch"):
                body = b" " * (size - len(attempt) - 15) + b'{"attempts":[' + attempt + b"]}"
            c = s.conn(10)
            c.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            r = c.getresponse()  # a broken pipe above would have raised instead
            data = r.read()
            problem(413, dict(r.getheaders()), data, "payload_too_large")
            # The body was read: the same connection answers the next request.
            c.request("GET", "/v1/resources/r")
            r = c.getresponse()
            assert r.status == 200, r.status
            assert json.loads(r.read())["booked"] == 0
            c.close()
    finally:
        assert s.stop() == 0


TESTS = [oversized_body_is_answered_413_after_it_is_read]


def main():
    chosen = sys.argv[2:]
    failed = 0
    for t in TESTS:
        if chosen and t.__name__ not in chosen:
            continue
        t0 = time.time()
        try:
            t()
            print("ok   %s (%.1f s)" % (t.__name__, time.time() - t0), flush=True)
        except Exception as e:  # report every failure, then exit non-zero
            failed += 1
            print("FAIL %s: %r" % (t.__name__, e), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
