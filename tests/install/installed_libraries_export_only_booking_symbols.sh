#!/bin/sh
# SPDX-License-Identifier: MIT
# The installed libbooking.a and libbooking.so define no global symbol outside
# booking_ (issue 9, item 5): a program that links either cannot collide with,
# or call, an internal (bk_store_error, bk_overlay_get, bk_pg_send, ...).
set -u
. "$(dirname "$0")/lib.sh"

version=$BOOKING_VERSION
libdir=${BOOKING_LIBDIR:-lib}
stage=$scratch/stage
stage_install "$stage"
archive=$stage/usr/$libdir/libbooking.a
shared=$stage/usr/$libdir/libbooking.so.$version
[ -f "$archive" ] || die "no installed $libdir/libbooking.a"
[ -f "$shared" ] || die "no installed $libdir/libbooking.so.$version"

# What the toolchain itself may define in a shared object: the linker script's
# section bounds and crti.o's _init/_fini. No source here defines them; some GNU
# ld versions export them, others (binutils 2.40) keep them local. The archive
# gets nothing from the toolchain, so it is allowed nothing but booking_.
SHARED_TOOLCHAIN_SYMBOLS="_init _fini _edata _end __bss_start"

# check_globals WHAT FILE ALLOWED: fails on every defined global in FILE
# (nm's listing of "address type name") that is neither booking_ nor in ALLOWED.
check_globals() {
    awk 'NF == 3 {print $3}' "$2" | sort -u >"$scratch/names.txt"
    count=$(wc -l <"$scratch/names.txt")
    [ "$count" -gt 0 ] || { fail "$1: nm listed no defined global symbol"; return; }
    others=$(grep -v '^booking_' "$scratch/names.txt" | while read -r name; do
        case " $3 " in *" $name "*) ;; *) echo "$name" ;; esac
    done)
    if [ -z "$others" ]; then
        pass "$1: all $count defined global symbols start with booking_"
    else
        echo "$others" | sed 's/^/    /' >&2
        fail "$1: $(echo "$others" | wc -l) of $count defined global symbols are not booking_"
    fi
}

nm -g --defined-only "$archive" >"$scratch/archive.nm" || die "nm -g $archive"
check_globals "libbooking.a" "$scratch/archive.nm" ""
nm -D --defined-only "$shared" >"$scratch/shared.nm" || die "nm -D $shared"
check_globals "libbooking.so (dynamic)" "$scratch/shared.nm" "$SHARED_TOOLCHAIN_SYMBOLS"
nm -g --defined-only "$shared" >"$scratch/shared-symtab.nm" || die "nm -g $shared"
check_globals "libbooking.so (symbol table)" "$scratch/shared-symtab.nm" "$SHARED_TOOLCHAIN_SYMBOLS"
finish
