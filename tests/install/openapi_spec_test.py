#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/openapi.json parses, is OpenAPI 3.1 of this version, and lists exactly the
routes, methods and status codes of SPEC section 5: no route missing, none
invented, no status a client would not be told about; and its schemas carry the
holds of SPEC section 7: hold_ms within its limit, every status of booking.h's
list, the store's times on outcomes, records and resources, and the results of
a cancel and a confirm."""
import json
import os
import re
import sys

SRC = os.environ["BOOKING_SOURCE_DIR"]
VERSION = os.environ["BOOKING_VERSION"]

# SPEC section 5, route by route. Beside the statuses its table names, three
# apply across routes: 400 for an id in the path outside SPEC section 3; 401 on
# every path but /healthz when --token-file is set; 503 with Retry-After when the
# store fails a non-attempt operation (FAILED has no other status); and 500 when
# the service cannot build an answer (out of memory). The routes with a body also
# answer 413 (over its limit), 415 (not application/json) and 503 (no room for it).
SPEC = {
    ("/v1/bookings", "post"): {200, 201, 400, 401, 404, 409, 413, 415, 503, 500},
    ("/v1/bookings/batch", "post"): {200, 400, 401, 413, 415, 503, 500},
    ("/v1/bookings/{booking_id}", "get"): {200, 400, 401, 404, 503, 500},
    ("/v1/bookings/{booking_id}", "delete"): {200, 400, 401, 404, 409, 503, 500},
    ("/v1/bookings/{booking_id}/confirm", "post"): {200, 400, 401, 404, 409, 503, 500},
    ("/v1/resources/{resource_id}", "put"): {200, 400, 401, 409, 413, 415, 503, 500},
    ("/v1/resources/{resource_id}", "get"): {200, 400, 401, 404, 503, 500},
    ("/v1/resources", "get"): {200, 400, 401, 503, 500},
    ("/v1/resources/{resource_id}/bookings", "get"): {200, 400, 401, 404, 503, 500},
    ("/healthz", "get"): {200, 500},
    ("/readyz", "get"): {200, 401, 503, 500},
    ("/metrics", "get"): {200, 401, 500},
    ("/openapi.json", "get"): {200, 401, 500},
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

failures = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    failures.append(msg)


def resolve(doc, node):
    """Follows local $refs (#/components/...) until a concrete object."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            fail("non-local $ref %s" % ref)
            return {}
        node = doc
        for part in ref[2:].split("/"):
            if part not in node:
                fail("dangling $ref %s" % ref)
                return {}
            node = node[part]
        seen += 1
        if seen > 16:
            fail("$ref loop at %s" % ref)
            return {}
    return node


def walk_refs(doc, node, where):
    if isinstance(node, dict):
        if "$ref" in node:
            resolve(doc, node)
        for k, v in node.items():
            walk_refs(doc, v, where + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_refs(doc, v, "%s/%d" % (where, i))


def no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    for k in sorted({k for k in keys if keys.count(k) > 1}):
        fail("duplicate key %r" % k)
    return dict(pairs)


with open(os.path.join(SRC, "docs", "openapi.json"), encoding="utf-8") as f:
    try:
        doc = json.load(f, object_pairs_hook=no_duplicate_keys)
    except json.JSONDecodeError as e:
        print("FAIL: docs/openapi.json does not parse: %s" % e, file=sys.stderr)
        sys.exit(1)

if not str(doc.get("openapi", "")).startswith("3.1."):
    fail("openapi is %r, expected 3.1.x" % doc.get("openapi"))
if doc.get("info", {}).get("version") != VERSION:
    fail("info.version is %r, expected the project's %s" % (doc.get("info", {}).get("version"), VERSION))
walk_refs(doc, doc, "#")

found = {}
for path, item in doc.get("paths", {}).items():
    for method, op in item.items():
        if method not in METHODS:
            continue
        statuses = set()
        for code, resp in op.get("responses", {}).items():
            if not re.fullmatch(r"[1-5][0-9][0-9]", code):
                fail("%s %s: response %r is not a status code" % (method.upper(), path, code))
                continue
            statuses.add(int(code))
            r = resolve(doc, resp)
            if not r.get("description"):
                fail("%s %s %s: no description" % (method.upper(), path, code))
            if int(code) == 503 and "Retry-After" not in r.get("headers", {}):
                fail("%s %s 503: no Retry-After header" % (method.upper(), path))
        found[(path, method)] = statuses
        # Every path parameter is declared, on the path or the operation.
        params = [resolve(doc, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        for name in re.findall(r"{([^}]+)}", path):
            if not any(p.get("in") == "path" and p.get("name") == name for p in params):
                fail("%s %s: path parameter %s is not declared" % (method.upper(), path, name))

for route in sorted(set(SPEC) | set(found)):
    method, path = route[1].upper(), route[0]
    if route not in found:
        fail("%s %s of SPEC section 5 is missing" % (method, path))
    elif route not in SPEC:
        fail("%s %s is not in SPEC section 5" % (method, path))
    elif found[route] != SPEC[route]:
        fail("%s %s: statuses %s, SPEC says %s" % (method, path, sorted(found[route]), sorted(SPEC[route])))
    else:
        print("ok: %s %s answers %s" % (method, path, ", ".join(str(s) for s in sorted(SPEC[route]))))

# ---- the schemas of holds (SPEC sections 3, 5 and 7) ----
schemas = doc.get("components", {}).get("schemas", {})


def schema(name):
    return resolve(doc, schemas.get(name, {}))


def prop(name, field):
    return resolve(doc, schema(name).get("properties", {}).get(field, {}))


def is_time(node):
    """A property that is the store's time: the Time schema, directly or through allOf."""
    node = node if "$ref" in node else (node.get("allOf") or [{}])[0]
    return node.get("$ref") == "#/components/schemas/Time"


with open(os.path.join(SRC, "include", "booking.h"), encoding="utf-8") as f:
    header = f.read()
status_map = header[header.index("#define BOOKING_STATUS_MAP"):]
statuses = re.findall(r'XX\(\w+, \d+, "(\w+)"\)', status_map[:status_map.index("\n\n")])
hold_ms = prop("AttemptRequest", "hold_ms")
if (hold_ms.get("type"), hold_ms.get("minimum"), hold_ms.get("maximum")) != ("integer", 1, 604800000):
    fail("AttemptRequest.hold_ms is %s, SPEC section 3 says an integer from 1 to 604800000" % hold_ms)
if "hold_ms" in schema("AttemptRequest").get("required", []):
    fail("AttemptRequest.hold_ms is optional (SPEC section 5)")
if sorted(schema("Status").get("enum", [])) != sorted(statuses):
    fail("Status enum %s, booking.h lists %s" % (schema("Status").get("enum"), statuses))
booked_statuses = sorted(s for s in statuses if s != "none")
if sorted(prop("Outcome", "status").get("enum", [])) != booked_statuses:
    fail("Outcome.status enum %s, expected %s" % (prop("Outcome", "status").get("enum"), booked_statuses))
times = {"Outcome": ["expires_at"], "Record": ["expires_at", "created_at", "updated_at"],
         "Resource": ["as_of"]}
required_times = {"Record": ["created_at", "updated_at"], "Resource": ["as_of"]}
for name, fields in times.items():
    for field in fields:
        node = schema(name).get("properties", {}).get(field)
        if node is None or not is_time(node):
            fail("%s.%s is not documented as the store's Time" % (name, field))
for name, fields in required_times.items():
    for field in fields:
        if field not in schema(name).get("required", []):
            fail("%s.%s is not required (SPEC section 5)" % (name, field))
time_pattern = re.compile(schema("Time").get("pattern", "^$"))
if not time_pattern.match("2026-12-01T21:50:00.123Z") or time_pattern.match("2026-12-01T21:50:00Z"):
    fail("Time.pattern is not RFC 3339 UTC with milliseconds")
results = {"CancelResult": {"cancelled", "already_cancelled", "not_booked", "hold_expired"},
           "ConfirmResult": {"confirmed", "already_confirmed", "hold_expired", "already_cancelled",
                             "not_booked"}}
for name, want in results.items():
    parts = [resolve(doc, p) for p in schema(name).get("allOf", [])]
    got = set()
    for part in parts:
        got |= set(part.get("properties", {}).get("result", {}).get("enum", []))
    if got != want:
        fail("%s.result enum %s, SPEC sections 2 and 5 say %s" % (name, sorted(got), sorted(want)))
if not failures:
    print("ok: hold_ms, statuses, times and results of holds are documented")

# ---- the schemas of bundles (SPEC sections 3, 5 and 8) ----
lines = schema("Lines")
if (lines.get("type"), lines.get("minItems"), lines.get("maxItems")) != ("array", 1, 64):
    fail("Lines is %s, SPEC section 3 says an array of 1 to 64 lines" % lines)
if sorted(schema("Line").get("required", [])) != ["resource_id", "units"] or \
        schema("Line").get("additionalProperties") is not False:
    fail("Line must be exactly {resource_id, units} (SPEC section 8)")
for name in ["AttemptRequest", "Outcome", "Record"]:
    if "lines" not in schema(name).get("properties", {}):
        fail("%s has no lines (SPEC section 8)" % name)
for name in ["AttemptRequest", "Outcome"]:
    if "resource_id" in schema(name).get("required", []) or len(schema(name).get("oneOf", [])) != 2:
        fail("%s must take one of two forms, resource_id and units or lines" % name)
for name in ["Outcome", "Record"]:
    if prop(name, "line").get("type") != "integer":
        fail("%s.line is not documented as an integer" % name)
for field in ["lines", "line_count"]:
    if field not in schema("Record").get("required", []):
        fail("Record.%s is not required (every record has its lines)" % field)
if not failures:
    print("ok: lines, line and line_count of bundles are documented")

# ---- the listings (SPEC sections 3 and 5) ----
with open(os.path.join(SRC, "src", "core", "names.c"), encoding="utf-8") as f:
    names = f.read()
filter_map = names[names.index("#define BOOKING_LIST_FILTER_MAP"):]
filters = re.findall(r'XX\(\w+, "(\w+)"\)', filter_map[:filter_map.index("\n\n")])
if sorted(schema("ListStatus").get("enum", [])) != sorted(filters):
    fail("ListStatus enum %s, the library's filters are %s" % (schema("ListStatus").get("enum"), filters))
limit_max = int(re.search(r"#define BOOKING_LIST_LIMIT_MAX (\d+)", header).group(1))
limit_default = int(re.search(r"#define BOOKING_LIST_LIMIT_DEFAULT (\d+)", header).group(1))
limit = schema("ListLimit")
if (limit.get("type"), limit.get("minimum"), limit.get("maximum"), limit.get("default")) != \
        ("integer", 1, limit_max, limit_default):
    fail("ListLimit is %s, SPEC section 3 says an integer 1 to %d, default %d"
         % (limit, limit_max, limit_default))
for name, key, item in [("ResourcesPage", "resources", "Resource"),
                        ("BookingsPage", "bookings", "Record")]:
    page = schema(name)
    if sorted(page.get("required", [])) != sorted([key, "next"]) or \
            page.get("properties", {}).get(key, {}).get("items", {}).get("$ref") != \
            "#/components/schemas/" + item:
        fail("%s must be {%s: [%s], next}" % (name, key, item))
for path, params in [("/v1/resources", {"after", "limit"}),
                     ("/v1/resources/{resource_id}/bookings", {"after", "limit", "status"})]:
    op = doc.get("paths", {}).get(path, {}).get("get", {})
    got = {resolve(doc, p).get("name") for p in op.get("parameters", [])
           if resolve(doc, p).get("in") == "query"}
    if got != params:
        fail("GET %s takes the query parameters %s, documented %s" % (path, sorted(params), sorted(got)))
if not failures:
    print("ok: the listings' pages, limit and status are documented")

if failures:
    print("%d check(s) failed" % len(failures), file=sys.stderr)
    sys.exit(1)
print("all checks passed")
