/* SPDX-License-Identifier: MIT */
/*
 * cmd_attempt.c: `booking attempt`, one AttemptBooking from the command line, in
 * the single form (--resource, --units) or as a bundle (--line, SPEC section 8).
 * Exit status is the outcome: 0 BOOKED, 3 REJECTED, 4 FAILED (SPEC section 6).
 */
#include "cli/cli.h"
#include "cli/cli_backend.h"
#include "json/booking_json.h"
#include "util/time_text.h"

#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char attempt_help[] =
    "Usage: booking attempt --booking ID --resource ID --units N [--hold-ms MS]\n"
    "                       [TARGET] [--json]\n"
    "       booking attempt --booking ID --line ID:N [--line ID:N ...] [--hold-ms MS]\n"
    "                       [TARGET] [--json]\n"
    "TARGET is --store URL, or --url URL [--token-file PATH].\n"
    "\n"
    "Makes one attempt to reserve N units of the resource's capacity for the booking\n"
    "ID, and prints its one outcome: BOOKED, REJECTED or FAILED, with a reason.\n"
    "Repeating an attempt with the same booking ID is safe: it returns the recorded\n"
    "decision with replayed=true and never reserves twice.\n"
    "\n"
    "With --line the attempt is a bundle: each --line names a resource and the units\n"
    "wanted of it (1 to 64 lines, each resource once), and they are decided together,\n"
    "all reserved or none. A REJECTED bundle names the lowest-numbered line that\n"
    "failed (line=I, from 0, in the order the --line options were given). A repeat\n"
    "must give the same lines in the same order. --line does not mix with --resource\n"
    "and --units.\n"
    "\n"
    "With --hold-ms the booking is a hold: BOOKED with status held and expires_at, the\n"
    "store's time of the decision plus MS (RFC 3339, UTC). Its units count as booked\n"
    "until then; 'booking confirm ID' before that makes it active for good, and from\n"
    "expires_at on it is expired and its units are free again. A repeat must give the\n"
    "same --hold-ms (or none, if the first had none), else booking_id_conflict.\n"
    "\n"
    "Options:\n"
    "  -b, --booking ID     booking id: 1 to 128 characters of A-Z a-z 0-9 . _ : -\n"
    "  -r, --resource ID    resource id, same alphabet (create it with 'booking resource set')\n"
    "  -u, --units N        units to reserve, 1 to 9007199254740991\n"
    "  -l, --line ID:N      one line of a bundle: N units of resource ID (the units are\n"
    "                       after the last colon, so ID may hold colons); repeat it\n"
    "      --hold-ms MS     hold the units for MS milliseconds, 1 to 604800000 (7 days),\n"
    "                       then release them unless confirmed (default: no hold)\n"
    "  -s, --store URL      store (default " CLI_STORE_DEFAULT "): sqlite:PATH, memory:,\n"
    "                       postgres://...\n"
    "      --url URL        attempt through a running 'booking serve' at\n"
    "                       http://HOST:PORT instead of opening its database: the\n"
    "                       same outcome, output and exit status (not with --store;\n"
    "                       default: open the store)\n"
    "      --token-file PATH  the service's bearer token, read as 'booking serve\n"
    "                       --token-file' reads it (with --url; default: none)\n"
    "  -j, --json           print the outcome as one JSON object (as POST /v1/bookings)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status:\n"
    "  0  BOOKED (reason booked)\n"
    "  3  REJECTED (insufficient_capacity, booking_id_conflict, unknown_resource)\n"
    "  4  FAILED (conflict, busy, unavailable, io_error, timeout, internal): nothing was\n"
    "     reserved, or a retry with the same booking ID will show that it was\n"
    "  2  usage error or invalid input\n"
    "  1  any other error: the store cannot be opened; with --url the service cannot\n"
    "     be reached, refuses the token, or answers an error that is not an outcome\n"
    "\n"
    "Example:\n"
    "  booking resource set room-42 --capacity 10\n"
    "  booking attempt --booking order-1001 --resource room-42 --units 2\n"
    "  booking attempt --booking cart-7 --resource room-42 --units 1 --hold-ms 600000\n"
    "  booking attempt --booking stay-9 --line room:2026-12-01:1 --line room:2026-12-02:1\n"
    "  booking attempt --booking order-1002 --resource room-42 --units 1 \\\n"
    "                  --url http://127.0.0.1:8080 --token-file /etc/booking/token\n";

/* Long-only options get values past every char. */
enum { ATTEMPT_OPTION_HOLD_MS = 256 };

/* The lines of a bundle as the options gave them, their ids copied (an option's
 * text is ID:N, and the id must be NUL-terminated without the :N). */
typedef struct attempt_lines {
    booking_line at[BOOKING_LINES_MAX];
    char ids[BOOKING_LINES_MAX][BOOKING_ID_LEN_MAX + 1];
    size_t count;
} attempt_lines;

/* Adds one --line ID:N; false (the usage error printed) if it is not one. */
static bool add_line(attempt_lines *lines, const char *text)
{
    if (lines->count == BOOKING_LINES_MAX) {
        cli_usage_error("attempt", "too many --line: a bundle has at most %d lines",
                        BOOKING_LINES_MAX);
        return false;
    }
    const char *colon = strrchr(text, ':');
    size_t len = colon != NULL ? (size_t)(colon - text) : 0;
    size_t i = lines->count;
    uint64_t units = 0;
    if (colon == NULL || !booking_id_valid(text, len) ||
        !cli_parse_u64(colon + 1, BOOKING_UNITS_MAX, &units) || units == 0) {
        cli_usage_error("attempt",
                        "invalid --line '%s': RESOURCE_ID:UNITS, an id of 1 to %d characters of "
                        "A-Z a-z 0-9 . _ : - and units from 1 to %" PRIu64,
                        text, BOOKING_ID_LEN_MAX, BOOKING_UNITS_MAX);
        return false;
    }
    memcpy(lines->ids[i], text, len);
    lines->ids[i][len] = '\0';
    for (size_t j = 0; j < i; j++) {
        if (strcmp(lines->ids[j], lines->ids[i]) == 0) {
            cli_usage_error("attempt", "resource '%s' is named by two --line options",
                            lines->ids[i]);
            return false;
        }
    }
    lines->at[i] = (booking_line){.resource_id = lines->ids[i], .units = units};
    lines->count++;
    return true;
}

static void print_lines(const booking_request *req)
{
    printf(" lines=");
    for (size_t i = 0; i < req->line_count; i++)
        printf("%s%s:%" PRIu64, i > 0 ? "," : "", req->lines[i].resource_id, req->lines[i].units);
}

static void print_text(const booking_request *req, const booking_result *res)
{
    printf("%s reason=%s booking_id=%s", booking_outcome_name(res->outcome),
           booking_reason_name(res->reason), req->booking_id);
    if (req->lines == NULL)
        printf(" resource_id=%s units=%" PRIu64, req->resource_id, req->units);
    else
        print_lines(req);
    if (booking_json_shows_line(req, res))
        printf(" line=%" PRIu32, res->line);
    printf(" replayed=%s", res->replayed ? "true" : "false");
    if (res->outcome == BOOKING_BOOKED)
        printf(" status=%s", booking_status_name(res->status));
    if (res->outcome == BOOKING_BOOKED && booking_json_shows_expiry(res->status)) {
        char when[TIME_TEXT_LEN];
        time_text_write(when, res->expires_at_ms);
        printf(" expires_at=%.*s", TIME_TEXT_LEN, when);
    }
    putchar('\n');
}

/* The request's form: --line, or --resource and --units, never both. Returns -1
 * when it is one, else the exit code of the usage error it printed. */
static int check_form(booking_request *req, const char *units_text, attempt_lines *lines)
{
    if (lines->count > 0) {
        if (req->resource_id != NULL || units_text != NULL)
            return cli_usage_error("attempt", "--line does not mix with --resource and --units");
        req->lines = lines->at;
        req->line_count = lines->count;
        return -1;
    }
    if (req->resource_id == NULL && units_text == NULL)
        return cli_usage_error("attempt", "missing --resource and --units, or --line");
    if (!cli_check_id("attempt", "--resource", req->resource_id))
        return CLI_EXIT_USAGE;
    if (units_text == NULL)
        return cli_usage_error("attempt", "missing --units");
    if (!cli_parse_u64(units_text, BOOKING_UNITS_MAX, &req->units) || req->units == 0)
        return cli_usage_error("attempt", "invalid --units '%s': an integer from 1 to %" PRIu64,
                               units_text, BOOKING_UNITS_MAX);
    return -1;
}

int cmd_attempt(int argc, char **argv)
{
    static const struct option options[] = {
        {"booking", required_argument, NULL, 'b'}, {"resource", required_argument, NULL, 'r'},
        {"units", required_argument, NULL, 'u'},   {"store", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
        {"line", required_argument, NULL, 'l'},
        {"hold-ms", required_argument, NULL, ATTEMPT_OPTION_HOLD_MS},
        {"url", required_argument, NULL, CLI_OPTION_URL},
        {"token-file", required_argument, NULL, CLI_OPTION_TOKEN_FILE},
        {NULL, 0, NULL, 0}};
    const char *units_text = NULL, *hold_text = NULL;
    cli_target target = {0};
    booking_request req = {0};
    static attempt_lines lines; /* 8 KB: one per process, not on the stack */
    lines.count = 0;
    bool json = false;
    int c;
    cli_options_seen seen = {0};
    optind = 0;
    opterr = 0;
    static const char *const repeatable[] = {"line", NULL}; /* --line ID:N, once a line */
    while ((c = getopt_long(argc, argv, ":b:r:u:l:s:jh", options, NULL)) != -1) {
        const char *again = cli_option_repeated(options, c, &seen, repeatable);
        if (again != NULL)
            return cli_usage_error("attempt", "--%s given twice", again);
        switch (c) {
        case 'b': req.booking_id = optarg; break;
        case 'r': req.resource_id = optarg; break;
        case 'u': units_text = optarg; break;
        case 'l':
            if (!add_line(&lines, optarg))
                return CLI_EXIT_USAGE;
            break;
        case ATTEMPT_OPTION_HOLD_MS: hold_text = optarg; break;
        case 's': target.store_url = optarg; break;
        case CLI_OPTION_URL: target.url = optarg; break;
        case CLI_OPTION_TOKEN_FILE: target.token_file = optarg; break;
        case 'j': json = true; break;
        case 'h': fputs(attempt_help, stdout); return CLI_EXIT_OK;
        case ':': return cli_usage_error("attempt", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("attempt", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("attempt", "unexpected argument '%s'", argv[optind]);
    if (!cli_check_id("attempt", "--booking", req.booking_id))
        return CLI_EXIT_USAGE;
    int rc = cli_target_check("attempt", &target);
    if (rc >= 0)
        return rc;
    rc = check_form(&req, units_text, &lines);
    if (rc >= 0)
        return rc;
    assert((req.lines == NULL) != (req.resource_id == NULL));
    /* 0 is refused like over the limit: no hold is said by leaving the option out,
     * as in the JSON body (SPEC section 3: hold_ms is 1 to 604800000). */
    if (hold_text != NULL &&
        (!cli_parse_u64(hold_text, BOOKING_HOLD_MS_MAX, &req.hold_ms) || req.hold_ms == 0))
        return cli_usage_error("attempt", "invalid --hold-ms '%s': an integer from 1 to %" PRIu64,
                               hold_text, BOOKING_HOLD_MS_MAX);

    cli_backend *backend = NULL;
    rc = cli_backend_open("attempt", &target, CLI_ACCESS_WRITE, &backend);
    if (rc >= 0)
        return rc;
    booking_result res;
    rc = cli_backend_attempt(backend, &req, &res);
    cli_backend_close(backend);
    if (rc != CLI_BACKEND_ANSWERED)
        return rc;
    if (json)
        cli_print_json(booking_json_outcome(&req, &res));
    else
        print_text(&req, &res);
    switch (res.outcome) {
    case BOOKING_BOOKED: return CLI_EXIT_OK;
    case BOOKING_REJECTED: return CLI_EXIT_REJECTED;
    case BOOKING_FAILED: return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_FAILED;
}
