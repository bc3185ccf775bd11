# SPDX-License-Identifier: MIT
# serve_lib.sh: what the postgres service tests share (sourced, not run):
# starting `booking serve` on a free port and waiting for it, and checking the
# invariant of SPEC section 1 straight on the tables with psql.

PSQL=${PSQL:-$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)}
[ -n "$PSQL" ] || PSQL=psql
SERVE_PIDS=""

fail() { echo "FAIL: $*" >&2; exit 1; }

# serve_start BOOKING URL LOG: starts a service; its base URL lands in SERVE_BASE.
# (Not called as $(...): the service would hold the substitution's pipe open.)
serve_start() {
    : >"$3" # exists before the job opens it: a sed that ran first failed on a missing file
    "$1" serve --listen 127.0.0.1:0 --store "$2" --threads 4 >/dev/null 2>"$3" &
    SERVE_PIDS="$SERVE_PIDS $!"
    for _ in $(seq 1 100); do
        SERVE_BASE=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$3")
        [ -n "$SERVE_BASE" ] && return 0
        sleep 0.1
    done
    cat "$3" >&2
    fail "booking serve did not start"
}

serve_stop_all() {
    for p in $SERVE_PIDS; do kill -TERM "$p" 2>/dev/null || true; done
    for p in $SERVE_PIDS; do wait "$p" 2>/dev/null || true; done
    SERVE_PIDS=""
}

# libpq_url URL: the URL without the store's own parameters, which libpq refuses.
libpq_url() {
    python3 -c 'import sys
base, _, q = sys.argv[1].partition("?")
ours = ("prepare", "pool_size", "partitions", "lock_timeout_ms", "statement_timeout_ms")
kept = [p for p in q.split("&") if p and p.split("=")[0] not in ours]
print(base + ("?" + "&".join(kept) if kept else ""))' "$1"
}

# sql URL QUERY: one value.
sql() {
    PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -At -v ON_ERROR_STOP=1 "$(libpq_url "$1")" -c "$2"
}

# check_invariant URL: for every resource, 0 <= booked <= capacity and booked is
# the sum of the units its BOOKED records hold on it, as stored: line 0 of every
# active or held record on it, and every line 1.. on it of an active bundle or of
# one still a live hold entry (a held one whose time has come counts until a write
# on its resource applies its expiry).
check_invariant() {
    bad=$(sql "$1" "SELECT count(*) FROM resources r WHERE r.booked < 0 OR r.booked > r.capacity
          OR r.booked <> COALESCE((SELECT sum(units) FROM bookings b WHERE b.resource_id = r.id
                                   AND b.outcome = 1 AND b.status IN (1, 3)), 0)
                        + COALESCE((SELECT sum(l.units) FROM booking_lines l
                                    JOIN bookings b ON b.id = l.booking_id
                                    WHERE l.resource_id = r.id AND b.outcome = 1
                                    AND (l.held OR b.status = 1)), 0)")
    [ "$bad" = "0" ] || fail "invariant broken on $bad resource(s)"
}

put_capacity() { # BASE RESOURCE CAPACITY
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
        -d "{\"capacity\":$3}" "$1/v1/resources/$2")
    [ "$code" = "200" ] || fail "PUT $1/v1/resources/$2 answered $code"
}
