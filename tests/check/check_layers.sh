#!/bin/sh
# SPDX-License-Identifier: MIT
# check_layers.sh NM ARCHIVE: the checker's objects call one way only,
# check.c (the driver) -> the phases -> the shared files (check_history.c,
# check_report.c, check_model.c). Fails naming every call that goes back up or
# sideways between phases, read from the archive's symbol tables.
set -eu
nm_tool=$1
archive=$2

level() { # the layer of an object: 0 shared, 1 a phase, 2 the driver
    case $1 in
    check.c.o) echo 2 ;;
    check_history.c.o | check_report.c.o | check_model.c.o | history_record.c.o) echo 0 ;;
    *) echo 1 ;;
    esac
}

defined=$(mktemp)
trap 'rm -f "$defined" "$defined.u"' EXIT
# "member symbol" for every global symbol an object defines
"$nm_tool" -A -g --defined-only "$archive" |
    sed -n 's/^[^:]*:\([^:]*\): *[0-9a-fA-F]* [A-Z] \(.*\)$/\1 \2/p' >"$defined"
[ -s "$defined" ] || { echo "no symbols read from $archive" >&2; exit 1; }

bad=0
"$nm_tool" -A -u "$archive" | sed -n 's/^[^:]*:\([^:]*\): *U \(.*\)$/\1 \2/p' >"$defined.u"
while read -r user symbol; do
    owner=$(awk -v s="$symbol" '$2 == s { print $1; exit }' "$defined")
    [ -n "$owner" ] && [ "$owner" != "$user" ] || continue
    lu=$(level "$user")
    lo=$(level "$owner")
    if [ "$lo" -gt "$lu" ] || { [ "$lo" -eq 1 ] && [ "$lu" -eq 1 ]; }; then
        echo "layer broken: $user calls $symbol, defined in $owner" >&2
        bad=1
    fi
done <"$defined.u"
[ "$bad" -eq 0 ] && echo "check/: driver -> phases -> shared, no call back up"
exit "$bad"
