# SPDX-License-Identifier: MIT
# cli_url_lib.sh: what the --url tests share (sourced, not run): a work directory,
# a real `booking serve` on a free loopback port, the write lock of a sqlite file
# held by another process, and transcripts of a session of commands (exit status,
# stdout and stderr, the store's times masked) to diff the --url side against the
# --store side.
# The caller sets BOOKING (the program) before sourcing it.

WORK=$(mktemp -d "${TMPDIR:-/tmp}/booking-cli-url-XXXXXX") || exit 1
SERVER_START_TENTHS_MAX=100 # how long `booking serve` may take to say it listens
LOCK_WAIT_TENTHS_MAX=50     # how long the sqlite3 shell may take to take its lock
server_pids=()
holder_pids=()
checks=0
failures=0

cleanup() {
    for pid in "${holder_pids[@]}" "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*" >&2
}

# start_server NAME ARGS...: runs `booking serve --listen 127.0.0.1:0 ARGS` and
# sets URL to the address it prints once it listens.
start_server() {
    local name=$1
    shift
    "$BOOKING" serve --listen 127.0.0.1:0 "$@" 2>"$WORK/$name.log" &
    server_pids+=($!)
    local tenths=0
    URL=""
    while [ -z "$URL" ] && [ $tenths -lt $SERVER_START_TENTHS_MAX ]; do
        sleep 0.1
        tenths=$((tenths + 1))
        URL=$(sed -n 's/^booking serve: listening on \(http:\/\/[^ ]*\) .*/\1/p' "$WORK/$name.log")
    done
    if [ -z "$URL" ]; then
        fail "booking serve $* did not start: $(cat "$WORK/$name.log")"
        exit 1
    fi
}

# stop_server: stops the last server started (SIGTERM, a graceful stop).
stop_server() {
    local last=$((${#server_pids[@]} - 1))
    kill "${server_pids[$last]}" 2>/dev/null
    wait "${server_pids[$last]}" 2>/dev/null
    unset "server_pids[$last]"
}

# lock_db FILE FD: another process (the sqlite3 shell) takes FILE's write lock
# and keeps it until FD is closed (unlock_dbs).
lock_db() {
    local db=$1 fd=$2
    mkfifo "$WORK/lock$fd.fifo" || fail "mkfifo"
    sqlite3 "$db" <"$WORK/lock$fd.fifo" >"$WORK/lock$fd.out" 2>&1 &
    holder_pids+=($!)
    eval "exec $fd>\"$WORK/lock$fd.fifo\""
    printf 'BEGIN IMMEDIATE;\nSELECT %s;\n' "'locked'" >&"$fd"
    local tenths=0
    while ! grep -q locked "$WORK/lock$fd.out" 2>/dev/null && [ $tenths -lt $LOCK_WAIT_TENTHS_MAX ]; do
        sleep 0.1
        tenths=$((tenths + 1))
    done
    checks=$((checks + 1))
    grep -q locked "$WORK/lock$fd.out" || fail "the sqlite3 shell did not take the lock of $db"
}

# unlock_dbs FD...: each shell reads EOF, rolls back and exits.
unlock_dbs() {
    for fd in "$@"; do
        eval "exec $fd>&-"
    done
    for pid in "${holder_pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
    holder_pids=()
}

# The store's times (RFC 3339 with ms) differ between two stores: masked.
mask_times() {
    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/TIME/g'
}

# step ARGS...: runs `booking ARGS TARGET...` and appends to $TRANSCRIPT what a
# user sees: the command (without the target), its exit status, stdout, stderr.
step() {
    "$BOOKING" "$@" "${TARGET[@]}" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    {
        echo "\$ booking $*"
        echo "exit $rc"
        mask_times <"$WORK/out"
        echo "stderr:"
        cat "$WORK/err"
    } >>"$TRANSCRIPT"
}

# same_transcripts A B WHAT: the two sides printed and exited the same.
same_transcripts() {
    checks=$((checks + 1))
    if [ ! -s "$1" ]; then
        fail "$3: empty transcript"
    elif ! diff -u "$1" "$2" >"$WORK/diff"; then
        fail "$3: --url and --store differ:"
        head -n 80 "$WORK/diff" >&2
    fi
}

# expect_exit WANT ARGS...: runs booking ARGS, checks the exit status.
expect_exit() {
    local want=$1
    shift
    "$BOOKING" "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    last="booking $*"
    checks=$((checks + 1))
    [ "$rc" -eq "$want" ] || fail "$last: exit $rc, expected $want (stderr: $(cat "$WORK/err"))"
}

# expect_error WANT ARGS...: exit WANT, nothing on stdout, one line on stderr.
expect_error() {
    expect_exit "$@"
    checks=$((checks + 1))
    [ ! -s "$WORK/out" ] || fail "$last: an error printed on stdout: $(head -c 300 "$WORK/out")"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$last: stderr is not exactly one line: $(cat "$WORK/err")"
}

# stderr_has TEXT: the last command's message says TEXT.
stderr_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$WORK/err" || fail "$last: stderr lacks '$1': $(cat "$WORK/err")"
}

# stderr_names_once TEXT: TEXT (the URL) is named exactly once.
stderr_names_once() {
    checks=$((checks + 1))
    [ "$(grep -oF -- "$1" "$WORK/err" | wc -l)" -eq 1 ] ||
        fail "$last: stderr does not name $1 exactly once: $(cat "$WORK/err")"
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures of $checks checks failed" >&2
        exit 1
    fi
    echo "ok: $checks checks"
}
