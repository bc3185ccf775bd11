#!/bin/sh
# SPDX-License-Identifier: MIT
# hotel-nights.sh: per-night capacity with bundles (docs/bundles.md), through the
# HTTP API of `booking serve`, in curl. It starts its own service on a free
# loopback port with a fresh sqlite: file, and stops it at the end:
#
#     sh hotel-nights.sh                          # `booking` from PATH
#     BOOKING=./build/booking sh hotel-nights.sh
#
# A room type (2 deluxe rooms) is one resource per night, room-deluxe:2026-12-01
# to room-deluxe:2026-12-14, and a stay is one bundle over its nights: every night
# reserved or none. Overlapping stays are booked, one that does not fit is
# REJECTED naming the night (the line) that was full, one is held and confirmed,
# one is cancelled, and the availability of every night is shown.
# Each step prints the request, the JSON answer and the HTTP status, and stops
# the script (exit 1) at the first status other than the one the API promises.
set -eu

booking=${BOOKING:-booking}
ROOMS=2                # deluxe rooms: the capacity of every night
NIGHTS=14              # 2026-12-01 .. 2026-12-14
START_TIMEOUT_S=10     # how long to wait for the service to listen
BODY_SHOWN_MAX=2000    # bytes of an answer to show

work=$(mktemp -d "${TMPDIR:-/tmp}/hotel-nights.XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the service: booking serve on 127.0.0.1, a free port, a fresh file ----
"$booking" serve --listen 127.0.0.1:0 --store "sqlite:$work/hotel.db" \
    >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
deadline=$(($(date +%s) + START_TIMEOUT_S))
url=""
while [ -z "$url" ]; do
    url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/serve.err" | head -n 1)
    [ -n "$url" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
        cat "$work/serve.err" >&2
        echo "hotel-nights: booking serve did not start (is '$booking' the booking program?)" >&2
        exit 1
    fi
    sleep 0.05
done
echo "# booking serve is listening on $url (store sqlite:$work/hotel.db)"
echo "# Every request with a body is sent with -H 'Content-Type: application/json'."
echo

step() { # EXPECTED_STATUS METHOD PATH [BODY]: prints the exchange, checks the status
    expected=$1 method=$2 path=$3 body=${4:-}
    if [ -n "$body" ]; then
        printf "\$ curl -X %s %s -d '%s'\n" "$method" "$url$path" "$body"
        answer=$(curl -sS -X "$method" -H 'Content-Type: application/json' \
            -w '\n%{http_code}\n' "$url$path" -d "$body") || exit 1
    else
        printf '$ curl -X %s %s\n' "$method" "$url$path"
        answer=$(curl -sS -X "$method" -w '\n%{http_code}\n' "$url$path") || exit 1
    fi
    status=$(printf '%s\n' "$answer" | tail -n 1)
    reply=$(printf '%s\n' "$answer" | sed '$d')
    printf '%s\n-> %s\n\n' "$(printf '%s' "$reply" | head -c "$BODY_SHOWN_MAX")" "$status"
    if [ "$status" != "$expected" ]; then
        echo "hotel-nights: $method $path answered $status, expected $expected" >&2
        exit 1
    fi
}

night() { # DAY: the resource of that night of December 2026
    printf 'room-deluxe:2026-12-%02d' "$1"
}

stay() { # BOOKING_ID FIRST_DAY LAST_DAY [EXTRA JSON]: a stay's body, one line per night
    id=$1 day=$2 last=$3 extra=${4:-}
    lines=""
    while [ "$day" -le "$last" ]; do
        lines="$lines${lines:+,}{\"resource_id\":\"$(night "$day")\",\"units\":1}"
        day=$((day + 1))
    done
    printf '{"booking_id":"%s","lines":[%s]%s}' "$id" "$lines" "$extra"
}

echo "# A room type is one resource per night: $ROOMS rooms on each of $NIGHTS nights."
day=1
while [ "$day" -le "$NIGHTS" ]; do
    step 200 PUT "/v1/resources/$(night "$day")" "{\"capacity\":$ROOMS}"
    day=$((day + 1))
done

echo "# Alice stays Dec 1 to 5 (checks out on the 6th): one bundle of 5 nights."
step 201 POST /v1/bookings "$(stay alice 1 5)"
echo "# Bob stays Dec 3 to 7: overlaps Alice on the 3rd to the 5th; there are 2 rooms."
step 201 POST /v1/bookings "$(stay bob 3 7)"
echo "# Carol wants Dec 2 to 4: the 2nd has a room, the 3rd (line 1) has none left."
echo "# REJECTED insufficient_capacity names that line, and no night is reserved."
step 409 POST /v1/bookings "$(stay carol 2 4)"
printf '%s\n' "$reply" | grep -q '"line":1' || { echo "hotel-nights: expected line 1" >&2; exit 1; }
echo "# The decision is recorded: Carol's retry gets the same answer, replayed."
step 409 POST /v1/bookings "$(stay carol 2 4)"

echo "# Alice's record: every night, in order, and line_count."
step 200 GET /v1/bookings/alice

echo "# Dave holds Dec 10 to 12 for 10 minutes while he pays (hold_ms), then confirms."
echo "# A hold left unconfirmed frees all its nights at expires_at, by itself."
step 201 POST /v1/bookings "$(stay dave 10 12 ',"hold_ms":600000')"
step 200 POST /v1/bookings/dave/confirm

echo "# Bob cancels: every night of his stay is released at once."
step 200 DELETE /v1/bookings/bob
echo "# Now Carol's dates fit (as a new booking ID: hers was decided)."
step 201 POST /v1/bookings "$(stay carol-2 2 4)"

echo "# Availability: rooms left per night, one GET per night (a listing endpoint"
echo "# is planned, SPEC section 5, but not built yet)."
day=1
while [ "$day" -le "$NIGHTS" ]; do
    resource=$(night "$day")
    answer=$(curl -sS -w '\n%{http_code}\n' "$url/v1/resources/$resource") || exit 1
    status=$(printf '%s\n' "$answer" | tail -n 1)
    [ "$status" = 200 ] || { echo "hotel-nights: GET $resource answered $status" >&2; exit 1; }
    left=$(printf '%s\n' "$answer" | sed -n 's/.*"remaining":\([0-9]*\).*/\1/p')
    printf '%s  %s of %s rooms left\n' "$resource" "$left" "$ROOMS"
    day=$((day + 1))
done
echo
echo "hotel-nights: every answer was the documented one"
