#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/hotel-nights.sh, run as a user would (it starts its own booking serve
# on a fresh sqlite: file): every step gets the documented status, the stay that
# does not fit is REJECTED naming its line, and the availability it prints is
# what the stays it booked, cancelled and confirmed leave of 2 rooms a night.
set -u
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || die "curl is not installed (scripts/install-deps installs it)"
example=$BOOKING_SOURCE_DIR/examples/hotel-nights.sh
out=$scratch/hotel.out

if BOOKING=$BOOKING_BIN sh "$example" >"$out" 2>&1; then
    pass "hotel-nights.sh: $(grep -c '^-> ' "$out") requests as documented"
else
    cat "$out" >&2
    fail "hotel-nights.sh stopped"
fi
grep -q '"reason":"insufficient_capacity".*"line":1' "$out" ||
    fail "hotel-nights.sh shows no REJECTED stay naming line 1"
grep -q '"line_count":5' "$out" || fail "hotel-nights.sh shows no record of 5 lines"
# Alice 1-5, Carol 2-4 (after Bob 3-7 cancelled), Dave 10-12: rooms left per night.
want="1 0 0 0 1 2 2 2 2 1 1 1 2 2"
got=$(sed -n 's/^room-deluxe:2026-12-[0-9][0-9]  \([0-9]*\) of 2 rooms left$/\1/p' "$out" | tr '\n' ' ')
if [ "$got" = "$want " ]; then
    pass "the availability of every night is what the stays left"
else
    fail "availability per night: '$got', expected '$want '"
fi
# The service it started is gone: no booking serve of its own is left running.
grep -q "^hotel-nights: every answer was the documented one$" "$out" ||
    fail "hotel-nights.sh did not finish"
finish
