#!/bin/sh
# SPDX-License-Identifier: MIT
# booking(1) and libbooking(3) render with no warning at 80 columns, carry the
# project's version, and cover every command and option the program's --help
# shows and every function booking.h exports.
set -u
. "$(dirname "$0")/lib.sh"

MAN_WIDTH=80
command -v man >/dev/null || die "man is not installed (scripts/install-deps installs man-db)"
command -v groff >/dev/null || die "groff is not installed (scripts/install-deps installs groff)"

for page in man/booking.1 man/libbooking.3; do
    src=$BOOKING_SOURCE_DIR/$page
    out=$scratch/$(basename "$page").txt
    MANWIDTH=$MAN_WIDTH man --warnings -l "$src" >"$out" 2>"$scratch/warnings.txt"
    rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$scratch/warnings.txt" ]; then
        cat "$scratch/warnings.txt" >&2
        fail "$page: man --warnings -l exited $rc or warned"
    else
        pass "$page renders without warnings"
    fi
    [ -s "$out" ] || fail "$page rendered to nothing"
    wide=$(awk -v w="$MAN_WIDTH" 'length($0) > w' "$out" | head -n 3)
    [ -z "$wide" ] || fail "$page has lines wider than $MAN_WIDTH columns: $wide"
    grep -q "^\.TH [A-Z]* [0-9] \"[0-9-]*\" \"booking $BOOKING_VERSION\"" "$src" ||
        fail "$page: .TH does not name booking $BOOKING_VERSION"
done
grep -q "^## \[$BOOKING_VERSION\]" "$BOOKING_SOURCE_DIR/CHANGELOG.md" ||
    fail "CHANGELOG.md has no section for $BOOKING_VERSION"

# Every command of `booking --help` has its own subsection in booking(1)...
book1=$scratch/booking.1.txt
commands=$("$BOOKING_BIN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF >= 2 && $1 != "Commands:" {print $1}')
[ -n "$commands" ] || fail "booking --help lists no commands"
for c in $commands; do
    if grep -q "^\.SS \"booking $c\( \|\"\)" "$BOOKING_SOURCE_DIR/man/booking.1"; then
        pass "booking(1) documents the command $c"
    else
        fail "booking(1) has no subsection .SS \"booking $c ...\""
    fi
done
# ... and every long option any --help shows is in booking(1).
{
    "$BOOKING_BIN" --help
    for c in $commands; do "$BOOKING_BIN" "$c" --help; done
    "$BOOKING_BIN" bench --url http://127.0.0.1:1 --help # the HTTP mode has its own options
} 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u >"$scratch/options.txt"
[ -s "$scratch/options.txt" ] || fail "no options found in the --help texts"
missing=0
while read -r opt; do
    if ! grep -q -- "$opt\b" "$book1"; then
        fail "booking(1) does not mention $opt"
        missing=$((missing + 1))
    fi
done <"$scratch/options.txt"
[ "$missing" -ne 0 ] ||
    pass "booking(1) mentions all $(wc -l <"$scratch/options.txt") long options of the --help texts"

# Every exported function of booking.h is named and described in libbooking(3).
book3=$scratch/libbooking.3.txt
functions=$(sed -n 's/^BOOKING_API [^(]*[ *]\(booking_[a-z_]*\)(.*/\1/p' "$BOOKING_SOURCE_DIR/include/booking.h")
[ -n "$functions" ] || fail "no BOOKING_API functions found in booking.h"
for f in $functions; do
    sed -n '/^NAME/,/^LIBRARY/p' "$book3" | grep -q "\b$f\b" || fail "libbooking(3) NAME lacks $f"
    sed -n '/^FUNCTIONS/,/^RETURN VALUE/p' "$book3" | grep -q "^   .*\b$f()" ||
        fail "libbooking(3) FUNCTIONS has no subsection for $f()"
    sed -n '/^ATTRIBUTES/,/^NOTES/p' "$book3" | grep -q "\b$f()\|\*_name" ||
        fail "libbooking(3) ATTRIBUTES does not say how thread-safe $f is"
done
pass "libbooking(3) names, describes and rates every function of booking.h"
finish
