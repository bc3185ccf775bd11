#!/bin/sh
# SPDX-License-Identifier: MIT
# After a staged install (prefix /usr), a CMake project finds the library with
# find_package(booking) and links both imported targets, booking::booking (the
# shared library) and booking::booking_static (the archive and what it needs);
# a request for another 0.x minor is refused (0.x minors may break the API); and
# BOOKING_VERSION_NUMBER in booking.h agrees with the version CMake reports.
set -u
. "$(dirname "$0")/lib.sh"

version=$BOOKING_VERSION
libdir=${BOOKING_LIBDIR:-lib}
stage=$scratch/stage
stage_install "$stage"
usr=$stage/usr
[ -f "$usr/$libdir/cmake/booking/bookingConfig.cmake" ] &&
    [ -f "$usr/$libdir/cmake/booking/bookingConfigVersion.cmake" ] ||
    die "no bookingConfig.cmake under $libdir/cmake/booking"
pass "installed $libdir/cmake/booking/bookingConfig.cmake and its version file"

major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
patch=${rest#*.}
number=$((major * 10000 + minor * 100 + patch))

consumer=$scratch/consumer
mkdir -p "$consumer"
cat >"$consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(consumer LANGUAGES C)
find_package(booking $major.$minor REQUIRED)
add_executable(books_shared main.c)
target_link_libraries(books_shared PRIVATE booking::booking)
add_executable(books_static main.c)
target_link_libraries(books_static PRIVATE booking::booking_static)
CMAKE
cat >"$consumer/main.c" <<C
#include <booking.h>
#include <stdio.h>
#if BOOKING_VERSION_NUMBER != $number
#error "BOOKING_VERSION_NUMBER is not $number"
#endif
int main(void)
{
    booking_store *store;
    booking_reason reason;
    booking_result result;
    if (booking_store_open("memory:", &store, NULL, 0) != BOOKING_OK)
        return 1;
    booking_set_capacity(store, "room", 1, &reason, NULL);
    booking_request req = {.booking_id = "b", .resource_id = "room", .units = 1};
    if (booking_attempt(store, &req, &result) != BOOKING_OK)
        return 1;
    printf("%s %s\n", booking_version(), booking_outcome_name(result.outcome));
    booking_store_close(store);
    return 0;
}
C
if cmake -S "$consumer" -B "$consumer/build" -DCMAKE_PREFIX_PATH="$usr" \
        -DCMAKE_C_COMPILER="${BOOKING_CC:-cc}" >"$scratch/configure.log" 2>&1 &&
    cmake --build "$consumer/build" >"$scratch/build.log" 2>&1; then
    pass "find_package(booking $major.$minor) configures and both targets link"
    out=$(LD_LIBRARY_PATH=$usr/$libdir "$consumer/build/books_shared") || fail "books_shared exited $?"
    [ "$out" = "$version BOOKED" ] && pass "booking::booking books" ||
        fail "books_shared printed '$out'"
    out=$("$consumer/build/books_static") || fail "books_static exited $?"
    [ "$out" = "$version BOOKED" ] && pass "booking::booking_static books" ||
        fail "books_static printed '$out'"
    readelf -d "$consumer/build/books_static" | grep -q "NEEDED.*libbooking" &&
        fail "books_static needs libbooking.so: it did not link the archive"
else
    cat "$scratch/configure.log" "$scratch/build.log" >&2
    fail "the consumer project did not configure or build"
fi

other=$((minor + 1))
mkdir -p "$scratch/other"
printf 'cmake_minimum_required(VERSION 3.18)\nproject(o LANGUAGES C)\nfind_package(booking %s.%s REQUIRED)\n' \
    "$major" "$other" >"$scratch/other/CMakeLists.txt"
if cmake -S "$scratch/other" -B "$scratch/other/build" -DCMAKE_PREFIX_PATH="$usr" \
        >"$scratch/other.log" 2>&1; then
    fail "find_package(booking $major.$other) accepted version $version"
else
    pass "find_package(booking $major.$other) refuses $version (0.x minors may break the API)"
fi
finish
