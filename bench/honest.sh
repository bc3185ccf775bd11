# SPDX-License-Identifier: MIT
# bench/honest.sh: the honest-peer rule of bench/compare, sourced by it (and by its
# test): a row counts only if its system stored the decisions it answered. After a
# run, the new decision records counted in the store must be at least
# HONEST_SHARE_MIN_PCT of the answers that claimed a new decision, and no more than
# those plus the requests in doubt (sent, but without an answer: the store may or
# may not have decided them). Fewer means the row measured replays or lost work;
# more means records nobody was answered for.

HONEST_SHARE_MIN_PCT=95

# honest_kept NAME NEW_RECORDS CLAIMED DOUBT: prints the share kept ("99.8%", or "-"
# when nothing was claimed); returns 1 with the reason on stderr when the rule fails.
honest_kept() {
    local name=$1 new=$2 claimed=$3 doubt=$4
    if ! [[ "$new" =~ ^-?[0-9]+$ && "$claimed" =~ ^[0-9]+$ && "$doubt" =~ ^[0-9]+$ ]]; then
        echo "-"
        echo "$name: cannot count (stored '$new', claimed '$claimed', in doubt '$doubt')" >&2
        return 1
    fi
    awk -v n="$new" -v c="$claimed" 'BEGIN {if (c > 0) printf "%.1f%%\n", 100 * n / c; else print "-"}'
    if [ "$claimed" -le 0 ]; then
        echo "$name: no answer claimed a new decision: the row did no work" >&2
        return 1
    fi
    if [ $((new * 100)) -lt $((claimed * HONEST_SHARE_MIN_PCT)) ]; then
        echo "$name: stored $new new decisions for $claimed answers that claimed one (under ${HONEST_SHARE_MIN_PCT}%): the row measured replays or lost work" >&2
        return 1
    fi
    if [ "$new" -gt $((claimed + doubt)) ]; then
        echo "$name: stored $new new decisions, more than the $claimed answers claimed plus $doubt in doubt" >&2
        return 1
    fi
    return 0
}
