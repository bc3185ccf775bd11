#!/bin/bash
# SPDX-License-Identifier: MIT
# cli_url_test.sh: the command line through a running service (SPEC section 6:
# --url http://HOST:PORT, with --token-file, instead of --store). MODE says which
# rule:
#   same       every command (attempt, confirm, cancel, resource set/get, booking
#              get) through --url prints what it prints through --store and exits
#              the same, for each outcome and reason, FAILED included: one session
#              run both ways on two fresh stores, the transcripts diffed
#   token      --token-file sends the service's token; none, or a wrong one, is
#              exit 1 with one clear line
#   exclusive  --store with --url, --token-file without --url, a URL that is not
#              http://HOST:PORT, and backup --url are usage errors (2)
#   down       a service that is not there, or an answer that is not the
#              service's, is exit 1 with one line that names the URL once
# Usage: cli_url_test.sh MODE PATH/TO/booking   (needs the sqlite3 shell, python3)
set -u

MODE=${1:?usage: cli_url_test.sh MODE PATH/TO/booking}
BOOKING=${2:?usage: cli_url_test.sh MODE PATH/TO/booking}
# shellcheck source=cli_url_lib.sh
. "$(dirname "$0")/cli_url_lib.sh"

# Every command and answer that does not list: the same steps on either side.
session() {
    step resource set r1 --capacity 5
    step resource set r2 --capacity 3 --json
    step resource set r:3.x_y-z --capacity 0
    step resource get r1
    step resource get r1 --json
    step resource get nope
    step resource get nope --json
    step attempt --booking b1 --resource r1 --units 2
    step attempt --booking b1 --resource r1 --units 2 --json
    step attempt --booking b1 --resource r2 --units 1
    step attempt --booking b2 --resource r1 --units 9 --json
    step attempt --booking b5 --resource nope --units 1
    step attempt --booking b5 --resource nope --units 1 --json
    step attempt --booking b3 --line r1:1 --line r2:1 --json
    step attempt --booking b3 --line r1:1 --line r2:1
    step attempt --booking b4 --line r1:1 --line nope:1 --json
    step attempt --booking b6 --line r1:1 --line r2:9
    step attempt --booking h1 --resource r1 --units 1 --hold-ms 600000 --json
    step attempt --booking h1 --resource r1 --units 1 --hold-ms 600000
    step confirm h1
    step confirm h1 --json
    step attempt --booking h2 --resource r2 --units 1 --hold-ms 600000
    step cancel h2 --json
    step confirm h2
    step confirm h2 --json
    step attempt --booking h3 --resource r2 --units 1 --hold-ms 1
    sleep 0.1 # h3 expires
    step confirm h3 --json
    step cancel h3
    step booking get h3 --json
    step booking get h3
    step cancel b1
    step cancel b1 --json
    step cancel b2
    step confirm b2 --json
    step cancel nope --json
    step confirm nope
    step cancel b3 --json
    step confirm b3
    step booking get b3
    step booking get b3 --json
    step booking get b6 --json
    step booking get b6
    step booking get nope
    step booking get nope --json
    step resource set r1 --capacity 0 --json
    step resource set r1 --capacity 0
    step resource get r1 --json
    step resource get r2
    # Invalid input is refused before anything is opened or sent.
    step attempt --booking b7 --resource r1
    step attempt --booking 'bad id' --resource r1 --units 1
    step attempt --booking b7 --resource r1 --units 0
    step resource get 'bad/id'
    step resource set r1 --capacity x
    step booking get
    step cancel a b
}

# FAILED: the write lock of the store is held by another process.
busy_session() {
    step attempt --booking f1 --resource r1 --units 1
    step attempt --booking f1 --resource r1 --units 1 --json
    step cancel h1
    step cancel h1 --json
    step confirm h1 --json
    step resource set r2 --capacity 10
    step resource set r2 --capacity 10 --json
    step resource get r2 # a read needs no write lock
}

after_busy_session() {
    step booking get f1
    step attempt --booking f1 --resource r1 --units 1
}

same() {
    local served="$WORK/served.db" direct="$WORK/direct.db"
    start_server same --store "sqlite:$served?busy_timeout_ms=50"
    TARGET=(--url "$URL")
    TRANSCRIPT="$WORK/url.txt"
    session
    TARGET=(--store "sqlite:$direct?busy_timeout_ms=50")
    TRANSCRIPT="$WORK/store.txt"
    session
    same_transcripts "$WORK/url.txt" "$WORK/store.txt" "every command and answer"
    # The transcript shows every exit status a command has (0, 2, 3 and, below, 4).
    for code in 0 2 3; do
        checks=$((checks + 1))
        grep -qx "exit $code" "$WORK/store.txt" || fail "the session never exits $code"
    done

    lock_db "$served" 3
    lock_db "$direct" 4
    TARGET=(--url "$URL")
    TRANSCRIPT="$WORK/url-busy.txt"
    busy_session
    TARGET=(--store "sqlite:$direct?busy_timeout_ms=50")
    TRANSCRIPT="$WORK/store-busy.txt"
    busy_session
    unlock_dbs 3 4
    same_transcripts "$WORK/url-busy.txt" "$WORK/store-busy.txt" "FAILED answers"
    checks=$((checks + 1))
    [ "$(grep -cx 'exit 4' "$WORK/store-busy.txt")" -ge 6 ] || fail "the locked store did not FAIL"

    TARGET=(--url "$URL")
    TRANSCRIPT="$WORK/url-after.txt"
    after_busy_session
    TARGET=(--store "sqlite:$direct?busy_timeout_ms=50")
    TRANSCRIPT="$WORK/store-after.txt"
    after_busy_session
    same_transcripts "$WORK/url-after.txt" "$WORK/store-after.txt" "after the lock: nothing FAILED is visible"
    stop_server
}

token() {
    printf '  s3cret-token\n' >"$WORK/token"
    printf 'wrong-token\n' >"$WORK/wrong"
    start_server token --store "sqlite:$WORK/token.db" --token-file "$WORK/token"
    expect_exit 0 resource set r1 --capacity 2 --url "$URL" --token-file "$WORK/token"
    expect_exit 0 attempt --booking t1 --resource r1 --units 1 --url "$URL" --token-file "$WORK/token"
    expect_exit 0 booking get t1 --url "$URL" --token-file "$WORK/token"
    expect_exit 0 cancel t1 --token-file "$WORK/token" --url "$URL"
    for cmd in "resource get r1" "attempt --booking t2 --resource r1 --units 1" "cancel t1" \
        "confirm t1" "booking get t1" "resource set r1 --capacity 1"; do
        # shellcheck disable=SC2086 # cmd is words
        expect_error 1 $cmd --url "$URL" --token-file "$WORK/wrong"
        stderr_has "refused the token of --token-file $WORK/wrong"
        stderr_names_once "$URL"
        # shellcheck disable=SC2086
        expect_error 1 $cmd --url "$URL"
        stderr_has "asks for a token (401): give --token-file"
    done
    # Nothing refused was done.
    expect_exit 3 booking get t2 --url "$URL" --token-file "$WORK/token"
    expect_error 1 resource get r1 --url "$URL" --token-file "$WORK/missing"
    stderr_has "cannot read --token-file $WORK/missing"
    : >"$WORK/empty"
    expect_error 1 resource get r1 --url "$URL" --token-file "$WORK/empty"
    stderr_has "is empty"
    printf 'a\0b\n' >"$WORK/nul"
    expect_error 1 resource get r1 --url "$URL" --token-file "$WORK/nul"
    stderr_has "NUL"
    stop_server
}

exclusive() {
    for cmd in "attempt --booking x --resource r --units 1" "confirm x" "cancel x" \
        "resource set r --capacity 1" "resource get r" "resource list" "booking get x" \
        "booking list r"; do
        # shellcheck disable=SC2086 # cmd is words
        expect_error 2 $cmd --store "sqlite:$WORK/never.db" --url http://127.0.0.1:9
        stderr_has "--store and --url do not go together"
        # shellcheck disable=SC2086
        expect_error 2 $cmd --url http://127.0.0.1:9 --store memory:
        # shellcheck disable=SC2086
        expect_error 2 $cmd --token-file "$WORK/never" --store memory:
        stderr_has "--token-file goes with --url"
        # shellcheck disable=SC2086
        expect_error 2 $cmd --url ftp://127.0.0.1:9
        stderr_has "--url must start with http://"
        # shellcheck disable=SC2086
        expect_error 2 $cmd --url http://127.0.0.1:9/v1
        # shellcheck disable=SC2086
        expect_error 2 $cmd --url http://127.0.0.1:9 --url http://127.0.0.1:10
        stderr_has "--url given twice"
    done
    checks=$((checks + 1))
    [ ! -e "$WORK/never.db" ] || fail "a refused command created its store"
    expect_error 2 backup "$WORK/copy.db" --url http://127.0.0.1:9
    stderr_has "--url does not apply"
    checks=$((checks + 1))
    [ ! -e "$WORK/copy.db" ] || fail "a refused backup wrote its copy"
}

# A port nothing listens on: one a server had, after it stopped.
free_port_url() {
    start_server gone --store memory:
    local url=$URL
    stop_server
    echo "$url"
}

down() {
    local gone
    gone=$(free_port_url)
    for cmd in "attempt --booking x --resource r --units 1" "confirm x" "cancel x" \
        "resource set r --capacity 1" "resource get r" "resource list" "booking get x" \
        "booking list r"; do
        # shellcheck disable=SC2086 # cmd is words
        expect_error 1 $cmd --url "$gone"
        stderr_has "cannot connect to $gone"
        stderr_names_once "$gone"
    done
    expect_error 1 resource get r --url http://no-such-host.invalid:8080
    stderr_has "cannot resolve"

    # Answers that are not the service's: an HTML error page, and a 200 whose body
    # is not the shape asked for.
    python3 - "$WORK/fake.port" <<'EOF' &
import http.server, sys

class Fake(http.server.BaseHTTPRequestHandler):
    def answer(self):
        if self.path.startswith("/v1/resources/"):
            body, status, kind = b'{"resource_id": 7}', 200, "application/json"
        else:
            body, status, kind = b"<html>Bad Gateway</html>", 502, "text/html"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_DELETE = answer
    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Fake)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.timeout = 30
for _ in range(40):  # bounded: the requests below, and a margin
    server.handle_request()
EOF
    server_pids+=($!)
    local tenths=0
    while [ ! -s "$WORK/fake.port" ] && [ $tenths -lt $SERVER_START_TENTHS_MAX ]; do
        sleep 0.1
        tenths=$((tenths + 1))
    done
    local fake="http://127.0.0.1:$(cat "$WORK/fake.port")"
    expect_error 1 resource get r --url "$fake"
    stderr_has "answered 200 with a body this command cannot read"
    stderr_names_once "$fake"
    expect_error 1 booking get x --url "$fake"
    stderr_has "answered 502 with a body that is not a JSON object"
    stderr_names_once "$fake"
    expect_error 1 attempt --booking x --resource r --units 1 --url "$fake"
    stderr_names_once "$fake"
    expect_error 1 cancel x --url "$fake"
    stderr_names_once "$fake"
}

case "$MODE" in
same | token | exclusive | down) "$MODE" ;;
*)
    echo "unknown MODE $MODE" >&2
    exit 2
    ;;
esac
finish
