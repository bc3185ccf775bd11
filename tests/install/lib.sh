# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# lib.sh: what the install tests share: failing loudly, a scratch directory
# removed on exit, a staged install, and a `booking serve` on a free port.
# Sourced by the *_test.sh scripts; the environment comes from CMakeLists.txt.

: "${BOOKING_SOURCE_DIR:?set by ctest}" "${BOOKING_BUILD_DIR:?}" "${BOOKING_BIN:?}"
SERVE_START_TIMEOUT_S=10

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/booking-install-test.XXXXXX") || die "mktemp"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# stage_install DIR: `cmake --install` of this build tree into DIR with prefix /usr,
# the way a distribution package is made (DESTDIR=DIR).
stage_install() {
    DESTDIR="$1" cmake --install "$BOOKING_BUILD_DIR" --prefix /usr >"$scratch/install.log" 2>&1 ||
        { cat "$scratch/install.log" >&2; die "cmake --install failed"; }
}

# start_server [ARGS...]: starts `booking serve` on a free loopback port with a
# fresh sqlite store (or the store $server_store names, if set); sets server_pid
# and server_url. Fails the test if the command is missing or does not come up.
start_server() {
    # Emptied first: the background job truncates it only once it runs, and a sed
    # that ran before read the previous server's address (then nobody answered).
    : >"$scratch/serve.err"
    "$BOOKING_BIN" serve --listen 127.0.0.1:0 --store "${server_store:-sqlite:$scratch/serve.db}" "$@" \
        >"$scratch/serve.out" 2>"$scratch/serve.err" &
    server_pid=$!
    deadline=$(($(date +%s) + SERVE_START_TIMEOUT_S))
    server_url=""
    while [ -z "$server_url" ]; do
        server_url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$scratch/serve.err" | head -n 1)
        if [ -n "$server_url" ]; then break; fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            cat "$scratch/serve.err" >&2
            server_pid=""
            die "booking serve exited before listening (is the serve command built?)"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            cat "$scratch/serve.err" >&2
            die "booking serve did not print its address within ${SERVE_START_TIMEOUT_S}s"
        fi
        sleep 0.05
    done
    export server_url
}
