#!/bin/sh
# SPDX-License-Identifier: MIT
# curl-session.sh: a first session with the HTTP API of `booking serve`, in curl.
# Start the service, then run this against it:
#
#     booking serve --listen 127.0.0.1:8080 --store sqlite:/tmp/booking.db &
#     BOOKING_URL=http://127.0.0.1:8080 sh curl-session.sh
#
# Each step prints the request, the JSON answer and the HTTP status, and stops
# the script (exit 1) at the first status other than the one the API promises
# (docs/openapi.json). IDs carry a per-run tag, so it can run again on one store.
# BOOKING_TOKEN_FILE names the token file when the service runs with --token-file.
set -eu

url=${BOOKING_URL:-http://127.0.0.1:8080}
token=""
if [ -n "${BOOKING_TOKEN_FILE:-}" ]; then
    token=$(head -n 1 "$BOOKING_TOKEN_FILE")
fi
run="s$(date +%s | tail -c 6)$$"
room="room-$run"
BODY_SHOWN_MAX=400 # bytes of an answer to show (the metrics and the OpenAPI are long)

call() { # METHOD URL [CURL ARGS]: prints the body, then the status on the last line
    method=$1
    shift
    if [ -n "$token" ]; then
        set -- -H "Authorization: Bearer $token" "$@"
    fi
    if ! curl -sS -X "$method" -H 'Content-Type: application/json' -w '\n%{http_code}\n' "$@"; then
        echo "curl-session: no answer from $url (is booking serve running?)" >&2
        return 1
    fi
}

step() { # EXPECTED_STATUS METHOD PATH [BODY]
    expected=$1 method=$2 path=$3 body=${4:-}
    request="curl"
    if [ "$method" != GET ]; then request="$request -X $method"; fi
    if [ -n "$body" ]; then
        printf "\$ %s %s -d '%s'\n" "$request" "$url$path" "$body"
        answer=$(call "$method" "$url$path" -d "$body") || exit 1
    else
        printf '$ %s %s\n' "$request" "$url$path"
        answer=$(call "$method" "$url$path") || exit 1
    fi
    status=$(printf '%s\n' "$answer" | tail -n 1)
    shown=$(printf '%s\n' "$answer" | sed '$d' | head -c "$BODY_SHOWN_MAX")
    printf '%s\n-> %s\n\n' "$shown" "$status"
    if [ "$status" != "$expected" ]; then
        echo "curl-session: $method $path answered $status, expected $expected" >&2
        exit 1
    fi
}

echo "# Every request is sent with -H 'Content-Type: application/json'."
echo "# Is it up? /healthz needs no token; /readyz asks the store."
step 200 GET /healthz
step 200 GET /readyz

echo "# A resource with 3 units of capacity."
step 200 PUT "/v1/resources/$room" '{"capacity":3}'

echo "# Book 2 units: 201, BOOKED."
step 201 POST /v1/bookings "{\"booking_id\":\"$run-a\",\"resource_id\":\"$room\",\"units\":2}"
echo "# The same request again (a client retry): 200, the recorded BOOKED, replayed."
step 200 POST /v1/bookings "{\"booking_id\":\"$run-a\",\"resource_id\":\"$room\",\"units\":2}"
echo "# 2 more units do not fit: 409, REJECTED insufficient_capacity (recorded)."
step 409 POST /v1/bookings "{\"booking_id\":\"$run-b\",\"resource_id\":\"$room\",\"units\":2}"
echo "# A booking ID reused with other units: 409, REJECTED booking_id_conflict."
step 409 POST /v1/bookings "{\"booking_id\":\"$run-a\",\"resource_id\":\"$room\",\"units\":1}"
echo "# A resource that does not exist: 404, REJECTED unknown_resource."
step 404 POST /v1/bookings "{\"booking_id\":\"$run-c\",\"resource_id\":\"no-$room\",\"units\":1}"
echo "# Invalid input (a space in the ID): 400, nothing changes."
step 400 POST /v1/bookings "{\"booking_id\":\"bad id\",\"resource_id\":\"$room\",\"units\":1}"

echo "# Read the decision record and the resource."
step 200 GET "/v1/bookings/$run-a"
step 200 GET "/v1/resources/$room"
step 404 GET "/v1/bookings/never-$run"

echo "# Cancel: the units come back; a second cancel is already_cancelled."
step 200 DELETE "/v1/bookings/$run-a"
step 200 DELETE "/v1/bookings/$run-a"
echo "# The cancelled ID stays decided: attempting it again is a replay."
step 200 POST /v1/bookings "{\"booking_id\":\"$run-a\",\"resource_id\":\"$room\",\"units\":2}"

echo "# A batch: decided in order in one transaction, one outcome each."
step 200 POST /v1/bookings/batch "{\"attempts\":[{\"booking_id\":\"$run-d\",\"resource_id\":\"$room\",\"units\":2},{\"booking_id\":\"$run-e\",\"resource_id\":\"$room\",\"units\":2}]}"
echo "# Capacity below what is booked is refused: 409 capacity_below_booked."
step 409 PUT "/v1/resources/$room" '{"capacity":1}'

echo "# A hold: 1 unit kept for 10 minutes (hold_ms) while, say, the customer pays:"
echo "# 201, BOOKED, status held, with expires_at (the store's time, RFC 3339 UTC)."
step 201 POST /v1/bookings "{\"booking_id\":\"$run-h\",\"resource_id\":\"$room\",\"units\":1,\"hold_ms\":600000}"
echo "# Confirm it before then: 200, confirmed, active for good; again: already_confirmed."
echo "# (A hold left unconfirmed frees its units at expires_at, by itself.)"
step 200 POST "/v1/bookings/$run-h/confirm"
step 200 POST "/v1/bookings/$run-h/confirm"
echo "# A confirm of an ID never decided: 404. hold_ms outside 1 to 604800000: 400."
step 404 POST "/v1/bookings/never-$run/confirm"
step 400 POST /v1/bookings "{\"booking_id\":\"$run-i\",\"resource_id\":\"$room\",\"units\":1,\"hold_ms\":0}"

echo "# What the service measures, and what it offers."
step 200 GET /metrics
step 200 GET /openapi.json
echo "curl-session: every answer was the documented one"
