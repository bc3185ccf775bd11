#!/bin/bash
# SPDX-License-Identifier: MIT
# The installed bash completion completes booking's commands, each command's
# options (as its --help lists them), and store URLs, in a plain bash.
set -u
. "$(dirname "$0")/lib.sh"

stage=$scratch/stage
stage_install "$stage"
completion=$stage/usr/share/bash-completion/completions/booking
[ -f "$completion" ] || die "no completion at /usr/share/bash-completion/completions/booking"
pass "installed /usr/share/bash-completion/completions/booking"
bindir=$(dirname "$BOOKING_BIN")
touch "$scratch/live.db"

# complete WORDS...: what the completion offers for the last word (may be empty).
complete_words() {
    PATH=$bindir:$PATH bash --norc --noprofile -c '
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _booking
        printf "%s\n" "${COMPREPLY[@]}"' completion "$completion" "$@"
}
expect() { # expect WANT WORDS...
    want=$1
    shift
    got=$(complete_words "$@" | tr '\n' ' ')
    case " $got " in
    *" $want "*) pass "'$*' completes to $want" ;;
    *) fail "'$*' offers '$got', not $want" ;;
    esac
}
expect attempt booking att
expect backup booking back
expect --hold-ms booking attempt --ho
expect --max-connections booking serve --max
expect --ids booking bench --i
expect get booking resource g
expect attempt booking help at
expect list booking resource l
expect list booking booking l
expect --url booking cancel --u
expect --token-file booking booking get x --tok
expect --status booking booking list r --st
expect --after booking resource list --af
expect --limit booking booking list r --li
expect held booking booking list r --status h
expect rejected booking booking list r --status re
expect http://127.0.0.1:8080 booking resource get r --url http
expect memory: booking attempt --store mem
expect "sqlite:$scratch/live.db" booking resource get r --store "sqlite:$scratch/li"
finish
