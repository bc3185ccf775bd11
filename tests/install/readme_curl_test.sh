#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's curl session answers as printed: each `$ curl ...` line of README.md
# is run against a fresh `booking serve` (its address in place of localhost:8080),
# and its answer must equal the line printed under it (times aside). A README
# example that the service refuses (say, a body sent without application/json)
# fails here, not in a new user's terminal.
set -u
. "$(dirname "$0")/lib.sh"

readme=$BOOKING_SOURCE_DIR/README.md
command -v curl >/dev/null || die "curl is not installed (scripts/install-deps installs it)"
start_server
host=${server_url#http://}
# The session: "$ curl ..." lines, each followed by its printed answer.
sed -n 's/^    \$ \(curl .*\)$/\1/p' "$readme" >"$scratch/commands"
sed -n '/^    \$ curl /{n;s/^    //p}' "$readme" >"$scratch/answers"
count=$(wc -l <"$scratch/commands")
[ "$count" -ge 3 ] || die "README.md has $count curl lines (expected the session)"
strip_times() { sed 's/"\(as_of\|created_at\|updated_at\|expires_at\)":"[^"]*"/"\1":"T"/g'; }
i=0
while [ "$i" -lt "$count" ]; do
    i=$((i + 1))
    cmd=$(sed -n "${i}p" "$scratch/commands" | sed "s#localhost:8080#$host#g")
    want=$(sed -n "${i}p" "$scratch/answers" | strip_times)
    got=$(eval "$cmd -sS" 2>&1 | strip_times)
    if [ "$got" = "$want" ]; then
        pass "README curl line $i answers as printed"
    else
        fail "README curl line $i: $cmd
  printed: $want
  got:     $got"
    fi
done
finish
