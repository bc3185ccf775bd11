#!/bin/bash
# SPDX-License-Identifier: MIT
# cli_list_test.sh: `booking resource list` and `booking booking list RESOURCE`
# (SPEC sections 5 and 6): keyset pages in ascending id order by --after and
# --limit (default 100, 1 to 1000), --status, a last text line naming the next
# page's --after, and --json printing {"resources"|"bookings": [...], "next"},
# each record as `booking booking get --json` prints it. MODE:
#   store  through --store: the pages, walked, give every item once, in order
#   url    through --url: the same session prints and exits as through --store,
#          and --json is byte for byte the service's body; a filtered page that
#          ends at the store's scan budget (empty, with a next) prints the same
#          through both, and a walk pages on through it
# Usage: cli_list_test.sh MODE PATH/TO/booking   (needs python3; url: curl)
set -u

MODE=${1:?usage: cli_list_test.sh MODE PATH/TO/booking}
BOOKING=${2:?usage: cli_list_test.sh MODE PATH/TO/booking}
# shellcheck source=cli_url_lib.sh
. "$(dirname "$0")/cli_url_lib.sh"

# The same state on any target: five resources, and on r-a bookings of every
# status (a bundle across r-a and r-b among them). The ids sort bytewise:
# "B" (0x42) before "a" (0x61).
populate() {
    for r in r-a r-b r-c r-d r-e; do
        step resource set "$r" --capacity 10
    done
    step attempt --booking a-active --resource r-a --units 1
    step attempt --booking a-held --resource r-a --units 1 --hold-ms 600000
    step attempt --booking a-expired --resource r-a --units 1 --hold-ms 1
    step attempt --booking a-cancelled --resource r-a --units 1
    step cancel a-cancelled
    step attempt --booking a-rejected --resource r-a --units 99
    step attempt --booking B-bundle --line r-b:1 --line r-a:2
    step attempt --booking a-rejected-bundle --line r-b:1 --line r-a:99
    step attempt --booking b-only --resource r-b --units 1
    sleep 0.1 # a-expired expires
}

# Every listing a user would ask for, and its usage errors.
listings() {
    step resource list
    step resource list --json
    step resource list --limit 2
    step resource list --limit 2 --after r-b
    step resource list --after r-d --json
    step resource list --after zzz
    step resource list --after zzz --json
    step resource list --limit 2 --json
    step resource list --limit 1000
    step booking list r-a
    step booking list r-a --json
    step booking list r-a --limit 2
    step booking list r-a --limit 2 --after a-active --json
    step booking list r-b
    step booking list r-c --json
    for s in held active cancelled expired rejected; do
        step booking list r-a --status "$s"
        step booking list r-a --status "$s" --json
    done
    step booking list nope
    step booking list nope --json
    step resource list --limit 0
    step resource list --limit 1001
    step resource list --limit x
    step resource list --after 'bad id'
    step resource list extra
    step resource list --status held
    step booking list
    step booking list r-a --status bogus
    step booking list r-a --status ''
    step booking list 'bad/id'
    step booking get a-active --limit 2
    step resource get r-a --after r-a
}

# walk WHAT ARGS...: follows the "more:" lines from the first page to the last
# (at most 20 pages), printing every item line.
walk() {
    local after=() pages=0
    while [ $pages -lt 20 ]; do
        "$BOOKING" "$@" "${after[@]}" "${TARGET[@]}" >"$WORK/page" 2>"$WORK/err" || {
            fail "$*: exit $? ($(cat "$WORK/err"))"
            return
        }
        grep -v '^more: ' "$WORK/page"
        local next
        next=$(sed -n 's/^more: the next page is --after \(.*\)$/\1/p' "$WORK/page")
        [ -n "$next" ] || return
        after=(--after "$next")
        pages=$((pages + 1))
    done
    fail "$*: more than 20 pages"
}

store() {
    TARGET=(--store "sqlite:$WORK/list.db")
    TRANSCRIPT="$WORK/populate.txt"
    populate
    # Walked a page of 2 (and of 1) at a time, each listing is the whole one.
    "$BOOKING" resource list "${TARGET[@]}" >"$WORK/all-resources" 2>&1
    "$BOOKING" booking list r-a "${TARGET[@]}" >"$WORK/all-bookings" 2>&1
    for limit in 1 2; do
        walk resource list --limit $limit >"$WORK/walked"
        checks=$((checks + 1))
        diff -u "$WORK/all-resources" "$WORK/walked" >&2 || fail "resource list pages of $limit"
        walk booking list r-a --limit $limit >"$WORK/walked"
        checks=$((checks + 1))
        diff -u "$WORK/all-bookings" "$WORK/walked" >&2 || fail "booking list pages of $limit"
    done
    checks=$((checks + 1))
    [ "$(cut -d' ' -f1 "$WORK/all-resources" | tr '\n' ' ')" = \
        "resource_id=r-a resource_id=r-b resource_id=r-c resource_id=r-d resource_id=r-e " ] ||
        fail "resource list is not every resource in order: $(cat "$WORK/all-resources")"
    checks=$((checks + 1))
    [ "$(cut -d' ' -f1 "$WORK/all-bookings" | tr '\n' ' ')" = \
        "booking_id=B-bundle booking_id=a-active booking_id=a-cancelled booking_id=a-expired booking_id=a-held booking_id=a-rejected booking_id=a-rejected-bundle " ] ||
        fail "booking list r-a is not every record of r-a in bytewise order: $(cat "$WORK/all-bookings")"
    # Each line is the line `booking get` prints, each --json item its body.
    "$BOOKING" booking list r-a --json "${TARGET[@]}" >"$WORK/list.json"
    for id in B-bundle a-active a-cancelled a-expired a-held a-rejected a-rejected-bundle; do
        "$BOOKING" booking get "$id" "${TARGET[@]}" >"$WORK/get"
        checks=$((checks + 1))
        grep -qxF -- "$(cat "$WORK/get")" "$WORK/all-bookings" || fail "$id: list line is not get's"
        "$BOOKING" booking get "$id" --json "${TARGET[@]}" >"$WORK/get.json"
        checks=$((checks + 1))
        python3 - "$WORK/list.json" "$WORK/get.json" "$id" <<'EOF' || fail "$id: list item is not get's body"
import json, sys
page = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
assert list(page) == ["bookings", "next"] and page["next"] is None, page.keys()
item = [b for b in page["bookings"] if b["booking_id"] == sys.argv[3]]
assert item == [got], (item, got)
EOF
    done
    # Pages, --status and the next page's line.
    expect_exit 0 resource list --limit 2 "${TARGET[@]}"
    checks=$((checks + 1))
    [ "$(tail -n 1 "$WORK/out")" = "more: the next page is --after r-b" ] || fail "$last: no next page line"
    expect_exit 0 resource list --after r-d "${TARGET[@]}"
    checks=$((checks + 1))
    [ "$(cat "$WORK/out")" = "resource_id=r-e capacity=10 booked=0 remaining=10" ] ||
        fail "$last: the last page is not r-e alone: $(cat "$WORK/out")"
    expect_exit 0 resource list --limit 2 --json "${TARGET[@]}"
    checks=$((checks + 1))
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert list(d)==["resources","next"] and d["next"]=="r-b" and [r["resource_id"] for r in d["resources"]]==["r-a","r-b"] and all(list(r)==["resource_id","capacity","booked","remaining","as_of"] for r in d["resources"]), d' <"$WORK/out" ||
        fail "$last: not the page body"
    for s in held active cancelled expired rejected; do
        expect_exit 0 booking list r-a --status "$s" "${TARGET[@]}"
        checks=$((checks + 1))
        case $s in
        rejected) want="booking_id=a-rejected booking_id=a-rejected-bundle " ;;
        active) want="booking_id=B-bundle booking_id=a-active " ;;
        *) want="booking_id=a-$s " ;;
        esac
        [ "$(cut -d' ' -f1 "$WORK/out" | tr '\n' ' ')" = "$want" ] || fail "$last: $(cat "$WORK/out")"
    done
    expect_exit 0 booking list r-c "${TARGET[@]}"
    checks=$((checks + 1))
    [ ! -s "$WORK/out" ] || fail "$last: a resource without bookings listed some"
    expect_exit 0 booking list r-c --json "${TARGET[@]}"
    checks=$((checks + 1))
    [ "$(cat "$WORK/out")" = '{"bookings":[],"next":null}' ] || fail "$last: $(cat "$WORK/out")"
    expect_exit 3 booking list nope "${TARGET[@]}" --json
    expect_exit 3 booking list nope "${TARGET[@]}"
    checks=$((checks + 1))
    [ "$(cat "$WORK/out")" = "unknown_resource resource_id=nope" ] || fail "$last: $(cat "$WORK/out")"
    expect_error 2 resource list --limit 0 "${TARGET[@]}"
    expect_error 2 resource list --limit 1001 "${TARGET[@]}"
    expect_error 2 booking list r-a --status bogus "${TARGET[@]}"
    expect_error 2 resource list --status held "${TARGET[@]}"
    # A read-only listing creates no store.
    expect_error 1 resource list --store "sqlite:$WORK/none.db"
    checks=$((checks + 1))
    [ ! -e "$WORK/none.db" ] || fail "resource list created a store"
}

# The scan budget (SPEC section 5): r-budget holds SCAN_MAX + 2 active bookings
# (BOOKING_LIST_SCAN_MAX, include/booking.h), the last of them cancelled, made
# through the service (one batch per BATCH).
SCAN_MAX=10000
BATCH=5000
budget_id() { printf 'bud-%06d' "$1"; }
populate_budget() {
    curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' -d '{"capacity":20000}' \
        "$URL/v1/resources/r-budget" || fail "PUT r-budget"
    local first
    for ((first = 0; first < SCAN_MAX + 2; first += BATCH)); do
        python3 -c '
import json, sys
first, batch, n = (int(a) for a in sys.argv[1:])
print(json.dumps({"attempts": [{"booking_id": "bud-%06d" % i, "resource_id": "r-budget",
                                "units": 1} for i in range(first, min(first + batch, n))]}))
' "$first" "$BATCH" "$((SCAN_MAX + 2))" >"$WORK/batch.json"
        curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
            --data-binary "@$WORK/batch.json" "$URL/v1/bookings/batch" >"$WORK/code"
        checks=$((checks + 1))
        [ "$(cat "$WORK/code")" = 200 ] || fail "batch from $first: $(cat "$WORK/code")"
    done
    curl -s -o /dev/null -X DELETE "$URL/v1/bookings/$(budget_id $((SCAN_MAX + 1)))"
}

budget_listings() {
    step booking list r-budget --status cancelled
    step booking list r-budget --status cancelled --json
    step booking list r-budget --status held --after "$(budget_id $((SCAN_MAX - 1)))"
    step booking list r-budget --status cancelled --limit 1 --after "$(budget_id $((SCAN_MAX - 1)))" --json
}

# The first page is empty and names the next one; a walk pages on through it.
check_budget_pages() {
    local examined
    examined=$(budget_id $((SCAN_MAX - 1)))
    expect_exit 0 booking list r-budget --status cancelled "${TARGET[@]}"
    checks=$((checks + 1))
    [ "$(cat "$WORK/out")" = "more: the next page is --after $examined" ] ||
        fail "$last: not an empty page naming the next: $(cat "$WORK/out")"
    expect_exit 0 booking list r-budget --status cancelled --json "${TARGET[@]}"
    checks=$((checks + 1))
    [ "$(cat "$WORK/out")" = "{\"bookings\":[],\"next\":\"$examined\"}" ] ||
        fail "$last: $(cat "$WORK/out")"
    walk booking list r-budget --status cancelled --limit 5 >"$WORK/walked"
    checks=$((checks + 1))
    [ "$(cut -d' ' -f1 "$WORK/walked")" = "booking_id=$(budget_id $((SCAN_MAX + 1)))" ] ||
        fail "the walk of r-budget's cancelled bookings: $(cat "$WORK/walked")"
}

url() {
    start_server list --store "sqlite:$WORK/served.db"
    TARGET=(--url "$URL")
    TRANSCRIPT="$WORK/url.txt"
    populate
    listings
    TARGET=(--store "sqlite:$WORK/direct.db")
    TRANSCRIPT="$WORK/store.txt"
    populate
    listings
    same_transcripts "$WORK/url.txt" "$WORK/store.txt" "every listing"
    # --json is the service's body, byte for byte (the read's time masked).
    for path in "/v1/resources?limit=2" "/v1/resources?after=r-b" \
        "/v1/resources/r-a/bookings" "/v1/resources/r-a/bookings?status=held&limit=1" \
        "/v1/resources/r-a/bookings?after=a-active&limit=2"; do
        curl -s "$URL$path" | mask_times >"$WORK/curl.json"
        case $path in
        "/v1/resources?limit=2") args=(resource list --limit 2) ;;
        "/v1/resources?after=r-b") args=(resource list --after r-b) ;;
        "/v1/resources/r-a/bookings") args=(booking list r-a) ;;
        *status=held*) args=(booking list r-a --status held --limit 1) ;;
        *) args=(booking list r-a --after a-active --limit 2) ;;
        esac
        "$BOOKING" "${args[@]}" --json --url "$URL" | mask_times >"$WORK/cli.json"
        checks=$((checks + 1))
        cmp -s "$WORK/curl.json" "$WORK/cli.json" ||
            fail "${args[*]} --json is not the body of GET $path: $(cat "$WORK/cli.json") vs $(cat "$WORK/curl.json")"
    done
    # The scan budget: the same file through the service, then directly.
    populate_budget
    TARGET=(--url "$URL")
    TRANSCRIPT="$WORK/budget-url.txt"
    budget_listings
    check_budget_pages
    stop_server
    TARGET=(--store "sqlite:$WORK/served.db")
    TRANSCRIPT="$WORK/budget-store.txt"
    budget_listings
    check_budget_pages
    same_transcripts "$WORK/budget-url.txt" "$WORK/budget-store.txt" "the budget's pages"
}

case "$MODE" in
store | url) "$MODE" ;;
*)
    echo "unknown MODE $MODE" >&2
    exit 2
    ;;
esac
finish
