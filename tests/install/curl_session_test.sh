#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/curl-session.sh, run as a user would against a fresh `booking serve`:
# every step gets the status the API documents, on memory: and on the default
# sqlite: store. Then the same with a bearer
# token (--token-file / BOOKING_TOKEN_FILE). A missing serve command fails.
set -u
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || die "curl is not installed (scripts/install-deps installs it)"
example=$BOOKING_SOURCE_DIR/examples/curl-session.sh

# memory: first: it tells the answers of the service from those of a store.
server_store=memory: start_server
if BOOKING_URL=$server_url sh "$example" >"$scratch/session.out" 2>&1; then
    pass "curl-session.sh against booking serve on memory:"
else
    cat "$scratch/session.out" >&2
    fail "curl-session.sh against booking serve --store memory:"
fi
kill "$server_pid" && wait "$server_pid"
server_pid=""

start_server
if BOOKING_URL=$server_url sh "$example" >"$scratch/session.out" 2>&1; then
    pass "curl-session.sh against $server_url: $(grep -c '^-> ' "$scratch/session.out") requests as documented"
else
    cat "$scratch/session.out" >&2
    fail "curl-session.sh against booking serve"
fi
kill "$server_pid" && wait "$server_pid"
rc=$?
server_pid=""
[ "$rc" -eq 0 ] || fail "booking serve exited $rc on SIGTERM, expected 0"

printf 'token-%s\n' "$$" >"$scratch/token"
start_server --token-file "$scratch/token"
if BOOKING_URL=$server_url BOOKING_TOKEN_FILE=$scratch/token sh "$example" >"$scratch/session.out" 2>&1; then
    pass "curl-session.sh with a bearer token"
else
    cat "$scratch/session.out" >&2
    fail "curl-session.sh with BOOKING_TOKEN_FILE against booking serve --token-file"
fi
# Without the token the session stops at its first guarded step.
if BOOKING_URL=$server_url sh "$example" >"$scratch/session.out" 2>&1; then
    fail "curl-session.sh passed without the token against a guarded service"
else
    grep -q "answered 401" "$scratch/session.out" || { cat "$scratch/session.out" >&2; fail "expected a 401 stop"; }
fi
finish
