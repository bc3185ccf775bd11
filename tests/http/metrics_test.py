#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""GET /metrics of a running `booking serve` (memory:) is valid Prometheus text
(parsed by the Prometheus client library's own parser), carries the process_*
series with plausible values, booking_build_info with the version and the store
engines, the request latency by route (an attempt and a probe land in their own
series), and the commit duration histogram (one observation per transaction);
and every expression of the Grafana dashboard in packaging/ names only metrics
that the server exports."""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

SRC = os.environ["BOOKING_SOURCE_DIR"]
BIN = os.environ["BOOKING_BIN"]
VERSION = os.environ["BOOKING_VERSION"]
SERVE_START_TIMEOUT_S = 10
PROCESS_AGE_MAX_S = 600

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
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


port = free_port()
server = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{port}", "--store", "memory:"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    call(port, "PUT", "/v1/resources/room", json.dumps({"capacity": 5}))
    status, _ = call(port, "POST", "/v1/bookings",
                     json.dumps({"booking_id": "b1", "resource_id": "room", "units": 1}))
    assert status == 201, status
    call(port, "GET", "/nowhere")
    status, text = call(port, "GET", "/metrics")
    assert status == 200, status
    text = text.decode()
finally:
    server.terminate()
    server.wait(timeout=10)

families = {}
try:
    for fam in text_string_to_metric_families(text):
        families[fam.name] = fam
    ok(f"the exposition parses: {len(families)} metric families")
except Exception as e:  # the parser's own error names the line
    fail(f"the exposition does not parse: {e}")


def samples(name):
    return [s for f in families.values() for s in f.samples if s.name == name]


def value(name, **labels):
    for s in samples(name):
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


now = time.time()
checks = [
    ("process_cpu_seconds_total", lambda v: v is not None and v >= 0),
    ("process_resident_memory_bytes", lambda v: v is not None and v > 1 << 20),
    ("process_virtual_memory_bytes", lambda v: v is not None and v > 1 << 20),
    ("process_open_fds", lambda v: v is not None and v >= 3),
    ("process_max_fds", lambda v: v is not None and v >= 64),
    ("process_start_time_seconds", lambda v: v is not None and now - PROCESS_AGE_MAX_S < v <= now + 1),
]
for name, good in checks:
    v = value(name)
    if good(v):
        ok(f"{name} {v}")
    else:
        fail(f"{name} is {v}")

info = samples("booking_build_info")
if len(info) == 1 and info[0].value == 1 and info[0].labels.get("version") == VERSION and \
        "sqlite" in info[0].labels.get("stores", "") and info[0].labels.get("commit"):
    ok(f"booking_build_info {info[0].labels}")
else:
    fail(f"booking_build_info is {info}")

attempt = value("booking_http_request_duration_seconds_count", route="attempt")
healthz = value("booking_http_request_duration_seconds_count", route="healthz")
refused = value("booking_http_request_duration_seconds_count", route="refused")
if attempt == 1 and healthz is not None and healthz >= 1 and refused == 1:
    ok(f"latency by route: attempt {attempt}, healthz {healthz}, refused {refused}")
else:
    fail(f"latency by route: attempt {attempt}, healthz {healthz}, refused {refused}")
commits = value("booking_commit_duration_seconds_count")
batches = value("booking_commit_batch_size_count")
if commits is not None and commits >= 1 and commits == batches:
    ok(f"commit duration: {commits} transactions, as many as batch sizes")
else:
    fail(f"commit duration count {commits}, batch size count {batches}")

# The dashboard's expressions name only exported metrics.
exported = set(families)
for fam in families.values():
    exported.update(s.name for s in fam.samples)
with open(os.path.join(SRC, "packaging", "grafana-dashboard.json"), encoding="utf-8") as f:
    dashboard = json.load(f)
exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
if not exprs:
    fail("the dashboard has no expressions")
functions = {"rate", "sum", "by", "histogram_quantile", "increase", "le", "route", "code",
             "outcome", "reason", "irate", "max", "without", "time", "on", "ignoring"}
for expr in exprs:
    names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\b(?=\s*[\[{(]|\s*$|\s*[)\s/*+-])", expr))
    metrics = {n for n in names if n.startswith(("booking_", "process_"))}
    unknown = metrics - exported
    if not metrics:
        fail(f"dashboard expression names no metric: {expr}")
    elif unknown:
        fail(f"dashboard expression names metrics the server does not export: {sorted(unknown)} in {expr}")
ok(f"the dashboard's {len(exprs)} expressions name only exported metrics")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all checks passed")
