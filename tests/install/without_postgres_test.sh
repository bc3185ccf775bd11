#!/bin/sh
# SPDX-License-Identifier: MIT
# A build with -DBOOKING_WITH_POSTGRES=OFF: libbooking.so needs no libpq (only
# libsqlite3 and libc), and a postgres:// URL is refused with a message that says
# why, not as an unknown scheme. Builds the library and the program only.
set -u
. "$(dirname "$0")/lib.sh"

tree=$scratch/build
if ! cmake -S "$BOOKING_SOURCE_DIR" -B "$tree" -DBOOKING_WITH_POSTGRES=OFF -DBUILD_TESTING=OFF \
        -DCMAKE_C_COMPILER="${BOOKING_CC:-cc}" >"$scratch/configure.log" 2>&1 ||
    ! cmake --build "$tree" -j2 --target booking_shared booking >"$scratch/build.log" 2>&1; then
    cat "$scratch/configure.log" "$scratch/build.log" >&2
    die "the build without postgres failed"
fi
pass "libbooking and booking build with BOOKING_WITH_POSTGRES=OFF"
lib=$(ls "$tree"/src/libbooking.so.*.*.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || die "no libbooking.so in $tree/src"
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
case $needed in
*libpq*) fail "libbooking.so still needs libpq: $needed" ;;
*) pass "libbooking.so needs only: $needed" ;;
esac
err=$("$tree/booking" resource get r --store postgres://127.0.0.1/db 2>&1)
code=$?
[ "$code" -ne 0 ] || fail "a postgres:// store opened in a build without it"
case $err in
*"built without the postgres:// store"*) pass "postgres:// is refused as not built in" ;;
*) fail "postgres:// refused with: $err" ;;
esac
finish
