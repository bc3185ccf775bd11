#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/openapi.json tells the truth about a running `booking serve`: every
documented route and method answers, each with the status this scenario must
get and that status documented, its JSON body carries the documented required
fields; an undocumented path answers 404, an undocumented method 405; with
--token-file every path but /healthz answers 401 without the token; a store
that cannot take its write lock makes writes answer the documented 503 with
Retry-After; GET /openapi.json serves this very document; and on memory: the
holds of SPEC section 7 (hold_ms, confirm, cancel and expiry of a hold) answer
as documented, with every documented time in RFC 3339 UTC with milliseconds."""
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.environ["BOOKING_SOURCE_DIR"]
BIN = os.environ["BOOKING_BIN"]
SERVE_START_TIMEOUT_S = 10
REQUEST_TIMEOUT_S = 10

failures = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    failures.append(msg)


with open(os.path.join(SRC, "docs", "openapi.json"), encoding="utf-8") as f:
    DOC = json.load(f)


def resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        target = DOC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def required_fields(schema):
    """Required top-level properties of a schema, through allOf."""
    schema = resolve(schema)
    fields = set(schema.get("required", []))
    for sub in schema.get("allOf", []):
        fields |= required_fields(sub)
    return fields


TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def time_fields(schema):
    """Top-level properties of a schema that are the store's Time, through allOf."""
    schema = resolve(schema)
    fields = set()
    for name, node in schema.get("properties", {}).items():
        inner = node if "$ref" in node else (node.get("allOf") or [{}])[0]
        if inner.get("$ref") == "#/components/schemas/Time":
            fields.add(name)
    for sub in schema.get("allOf", []):
        fields |= time_fields(sub)
    return fields


def template_of(path):
    """The documented path template a concrete path falls under, or None."""
    for template in DOC["paths"]:
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    return None


class Server:
    def __init__(self, workdir, *args, store_options="", store=None):
        n = len(os.listdir(workdir))
        self.err_path = os.path.join(workdir, "serve-%d.err" % n)
        self.err = open(self.err_path, "w")
        self.db_path = os.path.join(workdir, "serve-%d.db" % n)
        if store is None:
            store = "sqlite:" + self.db_path + store_options
        try:
            self.proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--store", store]
                                         + list(args), stdout=subprocess.DEVNULL, stderr=self.err)
        except OSError as e:
            print("FAIL: cannot run %s serve: %s" % (BIN, e), file=sys.stderr)
            sys.exit(1)
        deadline = time.monotonic() + SERVE_START_TIMEOUT_S
        self.host = self.port = None
        while self.port is None:
            with open(self.err_path) as f:
                m = re.search(r"listening on http://([^:/ ]+):(\d+)", f.read())
            if m:
                self.host, self.port = m.group(1), int(m.group(2))
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                with open(self.err_path) as f:
                    sys.stderr.write(f.read())
                print("FAIL: booking serve did not start (exit %s); is the serve command built?"
                      % self.proc.returncode, file=sys.stderr)
                sys.exit(1)
            else:
                time.sleep(0.05)

    def request(self, method, path, body=None, token=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        result = (r.status, dict((k.lower(), v) for k, v in r.getheaders()), payload)
        conn.close()
        return result

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


covered = set()


def check(server, method, path, body, expect, token=None):
    """One request: the status must be `expect` and documented for the route."""
    try:
        status, headers, payload = server.request(method, path, body, token)
    except (OSError, http.client.HTTPException) as e:
        fail("%s %s: no answer: %s" % (method, path, e))
        return None
    template = template_of(path.split("?")[0])
    label = "%s %s" % (method, path)
    if status != expect:
        fail("%s answered %d, expected %d: %s" % (label, status, expect, payload[:200]))
    if template is None:
        return None
    op = DOC["paths"][template].get(method.lower())
    if op is None:
        return None
    covered.add((template, method.lower(), status))
    documented = op["responses"]
    if str(status) not in documented:
        fail("%s answered %d, which docs/openapi.json does not list (%s)"
             % (label, status, ", ".join(sorted(documented))))
        return None
    response = resolve(documented[str(status)])
    for header, spec in response.get("headers", {}).items():
        if resolve(spec).get("required") and header.lower() not in headers:
            fail("%s %d: documented header %s missing" % (label, status, header))
    content = response.get("content", {})
    # An error is the problem body (application/problem+json); a 503 of an attempt
    # may be either an outcome or a problem: the answer's Content-Type picks.
    media = headers.get("content-type", "").split(";")[0].strip()
    json_types = [t for t in content if t in ("application/json", "application/problem+json")]
    if json_types:
        if media not in json_types:
            fail("%s %d: Content-Type %r, documented %s"
                 % (label, status, headers.get("content-type"), " or ".join(json_types)))
            return None
        try:
            parsed = json.loads(payload)
        except ValueError:
            fail("%s %d: body is not JSON: %r" % (label, status, payload[:200]))
            return None
        body_schema = content[media]["schema"]
        missing = required_fields(body_schema) - set(parsed)
        if missing:
            fail("%s %d: body lacks documented fields %s: %s" % (label, status, sorted(missing), parsed))
        for field in sorted(time_fields(body_schema) & set(parsed)):
            if not isinstance(parsed[field], str) or not TIME_RE.match(parsed[field]):
                fail("%s %d: %s is %r, not RFC 3339 UTC with ms" % (label, status, field, parsed[field]))
        print("ok: %s -> %d" % (label, status))
        return parsed
    print("ok: %s -> %d" % (label, status))
    return payload


HOLD_LONG_MS = 600000   # outlives the test
HOLD_SHORT_MS = 200     # expires during it
EXPIRY_WAIT_S = 5       # bound on waiting for the short hold to read expired
POLL_S = 0.02


def check_holds(h):
    """Holds on memory: (whose holds every layer has): every answer of the hold
    routes, as documented."""
    hold = lambda bid, units, ms: {"booking_id": bid, "resource_id": "hr", "units": units,
                                   "hold_ms": ms}
    check(h, "PUT", "/v1/resources/hr", {"capacity": 3}, 200)
    held = check(h, "POST", "/v1/bookings", hold("h1", 2, HOLD_LONG_MS), 201)
    if held is not None and (held.get("status") != "held" or "expires_at" not in held):
        fail("a new hold answered %s, expected status held with expires_at" % held)
    check(h, "POST", "/v1/bookings", hold("h1", 2, HOLD_LONG_MS), 200)
    check(h, "POST", "/v1/bookings", hold("h1", 2, HOLD_LONG_MS + 1), 409)
    check(h, "POST", "/v1/bookings", hold("h9", 1, 0), 400)
    check(h, "POST", "/v1/bookings", hold("h9", 1, 604800001), 400)
    check(h, "POST", "/v1/bookings", hold("h9", 1, "100"), 400)
    check(h, "POST", "/v1/bookings/batch", {"attempts": [hold("h2", 1, HOLD_LONG_MS)]}, 200)
    record = check(h, "GET", "/v1/bookings/h1", None, 200)
    if record is not None and record.get("status") != "held":
        fail("GET of a hold answered %s, expected status held" % record)
    check(h, "POST", "/v1/bookings/h1/confirm", None, 200)
    check(h, "POST", "/v1/bookings/h1/confirm", None, 200)   # already_confirmed
    check(h, "DELETE", "/v1/bookings/h2", None, 200)         # a hold cancelled
    check(h, "POST", "/v1/bookings/h2/confirm", None, 409)   # already_cancelled
    check(h, "POST", "/v1/bookings", {"booking_id": "h3", "resource_id": "hr", "units": 5}, 409)
    check(h, "POST", "/v1/bookings/h3/confirm", None, 409)   # not_booked
    check(h, "POST", "/v1/bookings/never/confirm", None, 404)
    check(h, "POST", "/v1/bookings/bad%20id/confirm", None, 400)
    check(h, "POST", "/v1/bookings", hold("h4", 1, HOLD_SHORT_MS), 201)
    deadline = time.monotonic() + EXPIRY_WAIT_S
    while time.monotonic() < deadline:
        status, _, payload = h.request("GET", "/v1/bookings/h4")
        if status == 200 and json.loads(payload).get("status") == "expired":
            break
        time.sleep(POLL_S)
    else:
        fail("a hold of %d ms did not read expired within %d s" % (HOLD_SHORT_MS, EXPIRY_WAIT_S))
    expired = check(h, "POST", "/v1/bookings/h4/confirm", None, 409)
    if expired is not None and expired.get("result") != "hold_expired":
        fail("a confirm of an expired hold answered %s, expected hold_expired" % expired)
    check(h, "DELETE", "/v1/bookings/h4", None, 409)
    replay = check(h, "POST", "/v1/bookings", hold("h4", 1, HOLD_SHORT_MS), 200)
    if replay is not None and (replay.get("status"), replay.get("replayed")) != ("expired", True):
        fail("a replay of an expired hold answered %s, expected status expired, replayed" % replay)
    resource = check(h, "GET", "/v1/resources/hr", None, 200)
    if resource is not None and resource.get("booked") != 2:
        fail("after the holds the resource reads %s, expected booked 2" % resource)
    metrics = check(h, "GET", "/metrics", None, 200)
    for name in ["booking_holds_created_total", "booking_holds_confirmed_total",
                 "booking_holds_cancelled_total", "booking_holds_expired_total"]:
        if metrics is not None and ("\n# TYPE %s counter\n" % name).encode() not in metrics:
            fail("GET /metrics has no counter %s" % name)


def check_bundles(h):
    """Bundles on memory: (SPEC section 8): each answer of a bundle as documented,
    with its lines, the failing line, and the record's lines and line_count."""
    line = lambda rid, units: {"resource_id": rid, "units": units}
    stay = lambda bid, lines: {"booking_id": bid, "lines": lines}
    check(h, "PUT", "/v1/resources/n1", {"capacity": 1}, 200)
    check(h, "PUT", "/v1/resources/n2", {"capacity": 1}, 200)
    booked = check(h, "POST", "/v1/bookings", stay("s1", [line("n1", 1), line("n2", 1)]), 201)
    if booked is not None and (booked.get("lines") != [line("n1", 1), line("n2", 1)]
                               or "resource_id" in booked):
        fail("a booked bundle answered %s, expected its lines and no resource_id" % booked)
    check(h, "POST", "/v1/bookings", stay("s1", [line("n1", 1), line("n2", 1)]), 200)
    check(h, "POST", "/v1/bookings", stay("s1", [line("n2", 1), line("n1", 1)]), 409)
    check(h, "PUT", "/v1/resources/n2", {"capacity": 2}, 200)
    short = check(h, "POST", "/v1/bookings", stay("s2", [line("n2", 1), line("n1", 1)]), 409)
    if short is not None and short.get("line") != 1:
        fail("a bundle short on line 1 answered %s" % short)
    unknown = check(h, "POST", "/v1/bookings", stay("s3", [line("n2", 1), line("n9", 1)]), 404)
    if unknown is not None and unknown.get("line") != 1:
        fail("a bundle unknown on line 1 answered %s" % unknown)
    check(h, "POST", "/v1/bookings", stay("s4", []), 400)
    check(h, "POST", "/v1/bookings", stay("s4", [line("n1", 1), line("n1", 1)]), 400)
    both = dict(stay("s4", [line("n1", 1)]), resource_id="n1", units=1)
    check(h, "POST", "/v1/bookings", both, 400)
    check(h, "POST", "/v1/bookings/batch",
          {"attempts": [stay("s5", [line("n2", 1)]), {"booking_id": "s6", "resource_id": "n2",
                                                      "units": 1}]}, 200)
    record = check(h, "GET", "/v1/bookings/s1", None, 200)
    if record is not None and (record.get("line_count"), len(record.get("lines", []))) != (2, 2):
        fail("GET of a bundle answered %s, expected 2 lines" % record)
    cancelled = check(h, "DELETE", "/v1/bookings/s1", None, 200)
    if cancelled is not None and cancelled.get("lines") != [line("n1", 1), line("n2", 1)]:
        fail("a cancel of a bundle answered %s, expected its lines" % cancelled)


def check_listings(h):
    """The listings (SPEC section 5): pages with next, each item as documented."""
    check(h, "PUT", "/v1/resources/la", {"capacity": 5}, 200)
    check(h, "PUT", "/v1/resources/lb", {"capacity": 5}, 200)
    check(h, "POST", "/v1/bookings", {"booking_id": "l1", "resource_id": "la", "units": 1}, 201)
    check(h, "POST", "/v1/bookings", {"booking_id": "l2", "resource_id": "la", "units": 9}, 409)
    page = check(h, "GET", "/v1/resources?after=l&limit=1", None, 200)
    if page is not None and ([r.get("resource_id") for r in page.get("resources", [])],
                             page.get("next")) != (["la"], "la"):
        fail("GET /v1/resources?after=l&limit=1 answered %s" % page)
    for resource in page.get("resources", []) if page else []:
        missing = required_fields({"$ref": "#/components/schemas/Resource"}) - set(resource)
        if missing:
            fail("a listed resource lacks %s" % sorted(missing))
    page = check(h, "GET", "/v1/resources/la/bookings", None, 200)
    if page is not None and ([b.get("booking_id") for b in page.get("bookings", [])],
                             page.get("next")) != (["l1", "l2"], None):
        fail("GET /v1/resources/la/bookings answered %s" % page)
    for record in page.get("bookings", []) if page else []:
        missing = required_fields({"$ref": "#/components/schemas/Record"}) - set(record)
        if missing:
            fail("a listed record lacks %s" % sorted(missing))
    page = check(h, "GET", "/v1/resources/la/bookings?status=rejected&limit=1000", None, 200)
    if page is not None and [b.get("booking_id") for b in page.get("bookings", [])] != ["l2"]:
        fail("GET /v1/resources/la/bookings?status=rejected answered %s" % page)
    check(h, "GET", "/v1/resources/nope/bookings", None, 404)
    for query in ["limit=0", "limit=1001", "limit=x", "after=bad%20id", "status=bogus",
                  "limit=1&limit=2", "bogus=1"]:
        check(h, "GET", "/v1/resources/la/bookings?" + query, None, 400)
    check(h, "GET", "/v1/resources?status=held", None, 400)
    check(h, "GET", "/v1/resources/bad%20id/bookings", None, 400)


workdir = tempfile.mkdtemp(prefix="booking-openapi-test.")
try:
    h = Server(workdir, store="memory:")
    check_holds(h)
    check_bundles(h)
    check_listings(h)
    h.stop()
    s = Server(workdir)
    a = lambda bid, rid, units: {"booking_id": bid, "resource_id": rid, "units": units}
    check(s, "GET", "/healthz", None, 200)
    check(s, "GET", "/readyz", None, 200)
    check(s, "PUT", "/v1/resources/r1", {"capacity": 3}, 200)
    check(s, "PUT", "/v1/resources/r1", {"capacity": -1}, 400)
    check(s, "PUT", "/v1/resources/bad%20id", {"capacity": 1}, 400)
    check(s, "POST", "/v1/bookings", a("b1", "r1", 2), 201)
    check(s, "POST", "/v1/bookings", a("b1", "r1", 2), 200)
    check(s, "POST", "/v1/bookings", a("b2", "r1", 2), 409)
    check(s, "POST", "/v1/bookings", a("b3", "nope", 1), 404)
    check(s, "POST", "/v1/bookings", '{"booking_id":"b4","booking_id":"b4","resource_id":"r1","units":1}', 400)
    check(s, "POST", "/v1/bookings/batch", {"attempts": [a("b5", "r1", 1), a("b6", "r1", 1)]}, 200)
    check(s, "POST", "/v1/bookings/batch", {"attempts": []}, 400)
    check(s, "GET", "/v1/bookings/b1", None, 200)
    check(s, "GET", "/v1/bookings/never", None, 404)
    check(s, "GET", "/v1/bookings/bad%20id", None, 400)
    check(s, "GET", "/v1/resources/r1", None, 200)
    check(s, "GET", "/v1/resources/nope", None, 404)
    check(s, "GET", "/v1/resources/bad%20id", None, 400)
    check(s, "PUT", "/v1/resources/r1", {"capacity": 0}, 409)
    check(s, "DELETE", "/v1/bookings/b1", None, 200)
    check(s, "DELETE", "/v1/bookings/b1", None, 200)
    check(s, "DELETE", "/v1/bookings/b2", None, 409)  # a REJECTED record: not_booked
    check(s, "DELETE", "/v1/bookings/never", None, 404)
    check(s, "DELETE", "/v1/bookings/bad%20id", None, 400)
    metrics = check(s, "GET", "/metrics", None, 200)
    served = check(s, "GET", "/openapi.json", None, 200)
    if served is not None and served != DOC:
        fail("GET /openapi.json does not serve docs/openapi.json")

    # Every GET route also answers HEAD, with the GET's status and no body.
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/resources/r1",
                 "/v1/bookings/b1", "/v1/resources", "/v1/resources/r1/bookings"]:
        status, _, payload = s.request("HEAD", path)
        if status != 200 or payload:
            fail("HEAD %s answered %d with %d body bytes, expected 200 and none"
                 % (path, status, len(payload)))
        else:
            print("ok: HEAD %s -> 200" % path)

    # Every documented route and method was called.
    for template, item in DOC["paths"].items():
        for method in item:
            if method != "parameters" and not any(c[0] == template and c[1] == method for c in covered):
                fail("%s %s is documented but was not exercised" % (method.upper(), template))

    # Undocumented paths: 404. Documented paths, undocumented methods: 405.
    for path in ["/", "/v1", "/v1/bookings/b1/extra", "/v1/resourcesx", "/v2/bookings",
                 "/healthz/x", "/openapi.yaml", "/v1/resources/r1/bookings/x",
                 "/v1/resources/r1/x"]:
        check(s, "GET", path, None, 404)
    for template, item in DOC["paths"].items():
        path = re.sub(r"\{[^}]+\}", "x1", template)
        for method in ["GET", "PUT", "POST", "DELETE", "PATCH"]:
            if method.lower() in item:
                continue
            if template == "/v1/bookings/batch" and method in ("GET", "DELETE"):
                continue  # "batch" is also a valid booking_id: GET/DELETE /v1/bookings/{booking_id}
            check(s, method, path, None, 405)
    s.stop()

    # With a token: 401 without it on every documented route but /healthz.
    token_file = os.path.join(workdir, "token")
    with open(token_file, "w") as f:
        f.write("s3cret-token\n")
    t = Server(workdir, "--token-file", token_file)
    for template, item in DOC["paths"].items():
        path = re.sub(r"\{[^}]+\}", "x1", template)
        for method in item:
            if method == "parameters":
                continue
            expect = 200 if template == "/healthz" else 401
            check(t, method.upper(), path, None, expect)
    check(t, "GET", "/readyz", None, 200, token="s3cret-token")
    check(t, "GET", "/readyz", None, 401, token="wrong-token")
    t.stop()

    # A store that cannot decide: another process holds sqlite's write lock and
    # the service may not wait for it. Writes answer the documented 503 with
    # Retry-After (an attempt: FAILED busy), and a retry after the lock is gone
    # decides normally.
    f = Server(workdir, store_options="?busy_timeout_ms=0")
    check(f, "PUT", "/v1/resources/r1", {"capacity": 3}, 200)
    check(f, "POST", "/v1/bookings", a("b1", "r1", 1), 201)
    locker = sqlite3.connect(f.db_path, timeout=0, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    failed = check(f, "POST", "/v1/bookings", a("b2", "r1", 1), 503)
    if failed is not None and (failed.get("outcome"), failed.get("reason")) != ("FAILED", "busy"):
        fail("an attempt under a held lock answered %s, expected FAILED busy" % failed)
    check(f, "PUT", "/v1/resources/r1", {"capacity": 4}, 503)
    check(f, "DELETE", "/v1/bookings/b1", None, 503)
    locker.execute("ROLLBACK")
    locker.close()
    check(f, "POST", "/v1/bookings", a("b2", "r1", 1), 201)
    check(f, "DELETE", "/v1/bookings/b1", None, 200)
    f.stop()
finally:
    shutil.rmtree(workdir, ignore_errors=True)

if failures:
    print("%d check(s) failed" % len(failures), file=sys.stderr)
    sys.exit(1)
print("all checks passed")
