#!/bin/sh
# SPDX-License-Identifier: MIT
# A staged install (DESTDIR, prefix /usr) holds every file a user needs, the
# shared library exports exactly the functions of booking.h under its SONAME,
# and a program compiled with nothing but `pkg-config --cflags --libs libbooking`
# links (shared, and static with --static) and books.
set -u
. "$(dirname "$0")/lib.sh"

version=$BOOKING_VERSION
major=$BOOKING_SOVERSION # the SONAME's version: 0.MINOR while 0.x, then MAJOR
libdir=${BOOKING_LIBDIR:-lib}
unitdir=${BOOKING_UNITDIR:-lib/systemd/system}
cc=${BOOKING_CC:-cc}
stage=$scratch/stage
stage_install "$stage"
usr=$stage/usr

# 1. Every file, where a user and a packager expect it.
for f in bin/booking "$libdir/libbooking.so.$version" "$libdir/libbooking.a" \
         include/booking.h "$libdir/pkgconfig/libbooking.pc" share/man/man1/booking.1 \
         share/man/man3/libbooking.3 "$unitdir/booking.service" \
         share/doc/booking/openapi.json share/doc/booking/examples/embed.c \
         share/doc/booking/examples/curl-session.sh share/doc/booking/examples/hotel-nights.sh \
         share/doc/booking/examples/README.md share/doc/booking/bundles.md \
         share/doc/booking/CHANGELOG.md share/doc/booking/README.md share/doc/booking/SPEC.md; do
    if [ -f "$usr/$f" ]; then pass "installed /usr/$f"; else fail "missing /usr/$f"; fi
done
[ -x "$usr/bin/booking" ] || fail "/usr/bin/booking is not executable"
[ "$(readlink "$usr/$libdir/libbooking.so.$major")" = "libbooking.so.$version" ] ||
    fail "libbooking.so.$major does not link to libbooking.so.$version"
[ "$(readlink "$usr/$libdir/libbooking.so")" = "libbooking.so.$major" ] ||
    fail "libbooking.so does not link to libbooking.so.$major"
cmp -s "$usr/include/booking.h" "$BOOKING_SOURCE_DIR/include/booking.h" ||
    fail "installed booking.h differs from include/booking.h"
# The installed paths are the install prefix's, not the build tree's.
grep -q "^ExecStart=/usr/bin/booking serve\( \|$\)" "$usr/$unitdir/booking.service" ||
    fail "booking.service ExecStart does not run /usr/bin/booking serve"
grep -q "^prefix=/usr$" "$usr/$libdir/pkgconfig/libbooking.pc" ||
    fail "libbooking.pc prefix is not /usr"

# `make install PREFIX=... DESTDIR=...` is this very install of the build/ tree.
make_line=$(make -s -n -C "$BOOKING_SOURCE_DIR" install PREFIX=/opt/x DESTDIR=/tmp/y 2>&1 | tail -n 1)
[ "$make_line" = 'DESTDIR="/tmp/y" cmake --install build --prefix "/opt/x"' ] ||
    fail "make install does not pass PREFIX and DESTDIR to cmake --install: $make_line"
make_line=$(make -s -n -C "$BOOKING_SOURCE_DIR" install 2>&1 | tail -n 1)
[ "$make_line" = 'DESTDIR="" cmake --install build --prefix "/usr/local"' ] ||
    fail "make install's default PREFIX is not /usr/local: $make_line"

installed_version=$("$usr/bin/booking" --version | head -n 1) || fail "booking --version failed"
[ "$installed_version" = "booking $version" ] ||
    fail "booking --version says '$installed_version', expected 'booking $version'"
"$usr/bin/booking" --version | sed -n 2p | grep -q "^commit .*, stores sqlite,memory" ||
    fail "booking --version does not say the build (commit, compiler, stores)"

# 2. SONAME, and only the public API exported (-fvisibility=hidden).
soname=$(readelf -d "$usr/$libdir/libbooking.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libbooking.so.$major" ] || fail "SONAME is '$soname', expected libbooking.so.$major"
sed -n 's/^BOOKING_API [^(]*[ *]\(booking_[a-z_]*\)(.*/\1/p' "$BOOKING_SOURCE_DIR/include/booking.h" |
    sort >"$scratch/api.txt"
nm -D --defined-only "$usr/$libdir/libbooking.so.$version" | awk '$2 ~ /^[TWDBR]$/ {print $3}' |
    sort >"$scratch/exported.txt"
# The API of holds (SPEC section 7) is 22 functions: the 18 before it, and
# booking_confirm, booking_store_set_clock, booking_store_get_stats, booking_hold_ms_valid;
# then booking_change_batch (confirms and cancels committed together): 23;
# then booking_get_booking_lines (a bundle's lines, SPEC section 8): 24;
# then booking_store_backup (an online copy of a sqlite store): 25;
# then booking_last_error (the engine's words about a failure, for logs): 26.
API_FUNCTIONS=30
[ "$(wc -l <"$scratch/api.txt")" -eq "$API_FUNCTIONS" ] ||
    fail "booking.h declares $(wc -l <"$scratch/api.txt") functions, expected $API_FUNCTIONS"
for f in booking_confirm booking_store_set_clock booking_store_get_stats booking_hold_ms_valid; do
    grep -qx "$f" "$scratch/exported.txt" || fail "libbooking.so does not export $f"
done
if diff "$scratch/api.txt" "$scratch/exported.txt" >"$scratch/symbols.diff"; then
    pass "libbooking.so exports exactly the $(wc -l <"$scratch/api.txt") functions of booking.h"
else
    cat "$scratch/symbols.diff" >&2
    fail "exported symbols differ from the BOOKING_API functions of booking.h (< header, > library)"
fi

# 3. pkg-config against the staged tree, as a cross-build or a package check would.
PKG_CONFIG_PATH=$usr/$libdir/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$stage
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
[ "$(pkg-config --modversion libbooking)" = "$version" ] || fail "pkg-config --modversion libbooking"
expected="libbooking $version, store memory:
order-1 BOOKED reason=booked replayed=false
order-2 REJECTED reason=insufficient_capacity replayed=false
order-1 BOOKED reason=booked replayed=true
room-1 capacity=3 booked=2 remaining=1"
example=$usr/share/doc/booking/examples/embed.c

# shellcheck disable=SC2046 # the flags are words on purpose
if "$cc" -std=c11 -Wall -Wextra -Werror -o "$scratch/embed-shared" "$example" \
        $(pkg-config --cflags --libs libbooking) 2>"$scratch/cc.err"; then
    readelf -d "$scratch/embed-shared" | grep -q "NEEDED.*\[libbooking.so.$major\]" ||
        fail "the shared example does not need libbooking.so.$major"
    out=$(LD_LIBRARY_PATH=$usr/$libdir "$scratch/embed-shared") || fail "shared example exited $?"
    if [ "$out" = "$expected" ]; then pass "shared link with pkg-config books"; else
        printf '%s\n' "$out" >&2; fail "shared example printed something else"; fi
    # A durable store: the second run finds every decision already made.
    LD_LIBRARY_PATH=$usr/$libdir "$scratch/embed-shared" "sqlite:$scratch/embed.db" >/dev/null ||
        fail "shared example on sqlite: exited $?"
    out=$(LD_LIBRARY_PATH=$usr/$libdir "$scratch/embed-shared" "sqlite:$scratch/embed.db")
    [ "$(printf '%s\n' "$out" | grep -c 'replayed=true')" = 3 ] ||
        { printf '%s\n' "$out" >&2; fail "second sqlite: run did not replay all three attempts"; }
else
    cat "$scratch/cc.err" >&2
    fail "compiling examples/embed.c with pkg-config --cflags --libs libbooking"
fi

# Static: the same tree without the shared library, linked with --static flags
# (Requires.private and Libs.private must name every dependency of the archive).
cp -a "$stage" "$scratch/stage-static"
rm -f "$scratch/stage-static/usr/$libdir"/libbooking.so*
PKG_CONFIG_PATH=$scratch/stage-static/usr/$libdir/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$scratch/stage-static
# shellcheck disable=SC2046
if "$cc" -std=c11 -Wall -Wextra -Werror -o "$scratch/embed-static" "$example" \
        $(pkg-config --static --cflags --libs libbooking) 2>"$scratch/cc.err"; then
    if readelf -d "$scratch/embed-static" | grep -q "NEEDED.*libbooking"; then
        fail "the static example still needs libbooking.so"
    fi
    out=$("$scratch/embed-static") || fail "static example exited $?"
    if [ "$out" = "$expected" ]; then pass "static link with pkg-config --static books"; else
        printf '%s\n' "$out" >&2; fail "static example printed something else"; fi
else
    cat "$scratch/cc.err" >&2
    fail "compiling examples/embed.c with pkg-config --static --cflags --libs libbooking"
fi

PKG_CONFIG_PATH=$usr/$libdir/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$stage

# booking.h is usable from C++ too (extern "C", no C-only syntax in declarations).
cat >"$scratch/from_cxx.cc" <<'CXX'
#include <booking.h>
#include <cstdio>
int main()
{
    booking_store *store = nullptr;
    if (booking_store_open("memory:", &store, nullptr, 0) != BOOKING_OK)
        return 1;
    booking_reason reason;
    booking_error e = booking_set_capacity(store, "r", 1, &reason, nullptr);
    booking_request req = {"b", "r", 1, 60000, nullptr, 0}; /* a hold of a minute */
    booking_result res;
    booking_record rec;
    if (e == BOOKING_OK)
        e = booking_attempt(store, &req, &res);
    if (e == BOOKING_OK)
        e = booking_confirm(store, "b", &reason, &rec);
    booking_store_close(store);
    if (e != BOOKING_OK)
        return 1;
    std::printf("%s %s %s\n", booking_outcome_name(res.outcome), booking_status_name(res.status),
                booking_reason_name(reason));
    return 0;
}
CXX
if command -v c++ >/dev/null 2>&1; then
    # shellcheck disable=SC2046
    if c++ -std=c++11 -Wall -Wextra -Werror -o "$scratch/from_cxx" "$scratch/from_cxx.cc" \
            $(pkg-config --cflags --libs libbooking) 2>"$scratch/cc.err"; then
        out=$(LD_LIBRARY_PATH=$usr/$libdir "$scratch/from_cxx")
        [ "$out" = "BOOKED held confirmed" ] ||
            fail "the C++ program printed '$out', expected 'BOOKED held confirmed'"
        pass "booking.h compiles and links from C++"
    else
        cat "$scratch/cc.err" >&2
        fail "compiling a C++ program against booking.h"
    fi
else
    echo "NOTE: no C++ compiler here: booking.h was not compiled as C++"
fi

# 4. The example program of libbooking(3) compiles and prints what the page shows.
MANWIDTH=80 man -l "$usr/share/man/man3/libbooking.3" 2>/dev/null >"$scratch/libbooking.3.txt"
sed -n '/^EXAMPLES/,/Build and run/p' "$scratch/libbooking.3.txt" |
    sed -n '/#include/,/^           }$/p' | sed 's/^           //' >"$scratch/man_example.c"
sed -n '/\$ \.\/embed$/,/^$/p' "$scratch/libbooking.3.txt" | sed '1d;$d' | sed 's/^ *//' \
    >"$scratch/man_expected.txt"
# shellcheck disable=SC2046
if "$cc" -std=c11 -Wall -Wextra -Werror -o "$scratch/man_example" "$scratch/man_example.c" \
        $(pkg-config --cflags --libs libbooking) 2>"$scratch/cc.err"; then
    LD_LIBRARY_PATH=$usr/$libdir "$scratch/man_example" >"$scratch/man_out.txt" ||
        fail "the libbooking(3) example exited $?"
    if [ -s "$scratch/man_expected.txt" ] && cmp -s "$scratch/man_out.txt" "$scratch/man_expected.txt"; then
        pass "the libbooking(3) example prints what the page shows"
    else
        diff "$scratch/man_expected.txt" "$scratch/man_out.txt" >&2
        fail "the libbooking(3) example prints something other than the page shows"
    fi
else
    cat "$scratch/cc.err" >&2
    fail "compiling the libbooking(3) example"
fi
finish
