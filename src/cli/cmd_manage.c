/* SPDX-License-Identifier: MIT */
/*
 * cmd_manage.c: the commands around the attempt (SPEC section 2): `booking confirm`,
 * `booking cancel`, `booking resource set|get|list`, `booking booking get|list`.
 * One option parser serves all; each acts through cli_backend.h (a store, or a
 * running service with --url) and prints with one printer either way.
 */
#include "cli/cmd_manage.h"
#include "cli/cli.h"
#include "json/booking_json.h"
#include "util/time_text.h"

#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* What every command says of where it acts, after its own options. */
#define MANAGE_HELP_EXIT_OTHER                                                             \
    "\n1 any other error (the store cannot be opened; the service cannot be reached,\n"    \
    "refuses the token or answers an error that is not one of these).\n"

static const char cancel_help[] =
    "Usage: booking cancel BOOKING_ID [--store URL | --url URL [--token-file PATH]]\n"
    "                      [--json]\n"
    "\n"
    "Cancels a BOOKED booking, active or held: its units are released to the resource\n"
    "and the record is marked cancelled. The booking ID stays decided: attempting it\n"
    "again replays the booking (status cancelled), it does not book again. Safe to\n"
    "repeat. A hold that has already expired is not cancelled (hold_expired): its units\n"
    "were free already and nothing changes.\n"
    "\n"
    "Options:\n" MANAGE_HELP_TARGET
    "  -j, --json        print the record and the result as one JSON object\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 cancelled or already_cancelled; 3 unknown_booking, not_booked (the\n"
    "record is a REJECTED decision) or hold_expired; 4 FAILED (nothing changed);\n"
    "2 usage;" MANAGE_HELP_EXIT_OTHER;

static const char confirm_help[] =
    "Usage: booking confirm BOOKING_ID [--store URL | --url URL [--token-file PATH]]\n"
    "                       [--json]\n"
    "\n"
    "Confirms a hold (an attempt made with --hold-ms): if it has not expired at the\n"
    "store's time of the confirm, its status becomes active and it never expires.\n"
    "Safe to repeat: a second confirm answers already_confirmed. A hold that has\n"
    "expired is not confirmed (hold_expired) and nothing changes; attempt again with a\n"
    "new booking ID to reserve again.\n"
    "\n"
    "Options:\n" MANAGE_HELP_TARGET
    "  -j, --json        print the record and the result as one JSON object (the body\n"
    "                    of POST /v1/bookings/{booking_id}/confirm)\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 confirmed or already_confirmed (also a booking made without a\n"
    "hold); 3 hold_expired, already_cancelled, not_booked (a REJECTED decision) or\n"
    "unknown_booking; 4 FAILED (nothing changed); 2 usage;" MANAGE_HELP_EXIT_OTHER
    "\n"
    "Example:\n"
    "  booking attempt --booking cart-7 --resource seat-12 --units 1 --hold-ms 600000\n"
    "  booking confirm cart-7\n"
    "  booking confirm cart-7 --url http://127.0.0.1:8080 \\\n"
    "                         --token-file /etc/booking/token\n";

static const char resource_help[] =
    "Usage: booking resource set RESOURCE_ID --capacity N [TARGET] [--json]\n"
    "       booking resource get RESOURCE_ID [TARGET] [--json]\n"
    "       booking resource list [--after RESOURCE_ID] [--limit N] [TARGET] [--json]\n"
    "TARGET is --store URL, or --url URL [--token-file PATH].\n"
    "\n"
    "'set' creates the resource with capacity N, or changes its capacity. Lowering the\n"
    "capacity below the units already booked is refused (capacity_below_booked) and\n"
    "changes nothing. 'get' prints capacity, booked and remaining; booked counts the\n"
    "holds that have not expired at the store's time as_of.\n"
    "\n"
    "'list' prints the resources one a line, as 'get' prints one, in ascending\n"
    "RESOURCE_ID order (bytewise), a page at a time: at most --limit of them, those\n"
    "after --after. When more follow, a last line says so and names the --after of\n"
    "the next page:\n"
    "  more: the next page is --after RESOURCE_ID\n"
    "Each page is read at one time; between pages the store goes on changing, and a\n"
    "resource that exists from the first page to the last is on exactly one of them.\n"
    "--json prints {\"resources\": [...], \"next\": RESOURCE_ID or null}, the body of\n"
    "GET /v1/resources.\n"
    "\n"
    "Options:\n"
    "  -c, --capacity N  capacity, 0 to 9007199254740991 ('set' only)\n"
    "      --after ID    'list': start after this resource id (default: the first)\n"
    "      --limit N     'list': at most N resources, 1 to 1000 (default 100)\n" MANAGE_HELP_TARGET
    "  -j, --json        print {resource_id, capacity, booked, remaining, as_of}\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 done; 3 capacity_below_booked or unknown_resource; 4 FAILED;\n"
    "2 usage;" MANAGE_HELP_EXIT_OTHER
    "\n"
    "Example:\n"
    "  booking resource set room-42 --capacity 10\n"
    "  booking resource list --limit 2\n"
    "  booking resource list --after room-42 --url http://127.0.0.1:8080\n";

static const char booking_help[] =
    "Usage: booking booking get BOOKING_ID [TARGET] [--json]\n"
    "       booking booking list RESOURCE_ID [--status S] [--after BOOKING_ID]\n"
    "                            [--limit N] [TARGET] [--json]\n"
    "TARGET is --store URL, or --url URL [--token-file PATH].\n"
    "\n"
    "'get' prints the decision record of a booking ID: resource, units, outcome,\n"
    "reason and status (active, held, cancelled or expired for a BOOKED record, none\n"
    "for a REJECTED one), and expires_at for a hold that is held or expired. A bundle\n"
    "(an attempt made with --line) prints lines=RESOURCE:UNITS,... in the attempt's\n"
    "order and line_count, and a REJECTED one the failing line (from 0). --json\n"
    "prints the lines of every record, line_count, and the store's times created_at\n"
    "and updated_at (RFC 3339, UTC).\n"
    "\n"
    "'list' prints the records of the bookings of RESOURCE_ID one a line, as 'get'\n"
    "prints one: every record with a line on the resource (a bundle's too), REJECTED\n"
    "ones included, in ascending BOOKING_ID order (bytewise), a page at a time: at\n"
    "most --limit of them, those after --after. --status keeps the records whose\n"
    "status is S at the time of the read (a hold past its expires_at is expired).\n"
    "When more follow, a last line says so and names the --after of the next page:\n"
    "  more: the next page is --after BOOKING_ID\n"
    "--json prints {\"bookings\": [records], \"next\": BOOKING_ID or null}, the body\n"
    "of GET /v1/resources/{resource_id}/bookings.\n"
    "\n"
    "Options:\n"
    "      --status S    'list': held, active, cancelled, expired or rejected\n"
    "                    (default: every record)\n"
    "      --after ID    'list': start after this booking id (default: the first)\n"
    "      --limit N     'list': at most N records, 1 to 1000 (default 100)\n" MANAGE_HELP_TARGET
    "  -j, --json        print the record as one JSON object\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 found; 3 unknown_booking ('get') or unknown_resource ('list');\n"
    "4 FAILED; 2 usage;" MANAGE_HELP_EXIT_OTHER
    "\n"
    "Example:\n"
    "  booking booking get order-1001\n"
    "  booking booking list room-42 --status held --limit 20\n";

/* Returns -1 when parsing succeeded, else the exit code to return. */
static int parse_args(const char *command, int argc, char **argv, manage_args *a)
{
    enum { OPTION_AFTER = 302, OPTION_LIMIT, OPTION_STATUS };
    static const struct option options[] = {
        {"store", required_argument, NULL, 's'},
        {"url", required_argument, NULL, CLI_OPTION_URL},
        {"token-file", required_argument, NULL, CLI_OPTION_TOKEN_FILE},
        {"capacity", required_argument, NULL, 'c'},
        {"after", required_argument, NULL, OPTION_AFTER},
        {"limit", required_argument, NULL, OPTION_LIMIT},
        {"status", required_argument, NULL, OPTION_STATUS},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    int c;
    cli_options_seen seen = {0};
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:c:jh", options, NULL)) != -1) {
        const char *again = cli_option_repeated(options, c, &seen, NULL);
        if (again != NULL)
            return cli_usage_error(command, "--%s given twice", again);
        switch (c) {
        case 's': a->target.store_url = optarg; break;
        case CLI_OPTION_URL: a->target.url = optarg; break;
        case CLI_OPTION_TOKEN_FILE: a->target.token_file = optarg; break;
        case 'c': a->capacity_text = optarg, a->gave |= MANAGE_GAVE_CAPACITY; break;
        case OPTION_AFTER: a->after = optarg, a->gave |= MANAGE_GAVE_AFTER; break;
        case OPTION_LIMIT: a->limit_text = optarg, a->gave |= MANAGE_GAVE_LIMIT; break;
        case OPTION_STATUS: a->status_text = optarg, a->gave |= MANAGE_GAVE_STATUS; break;
        case 'j': a->json = true; break;
        case 'h': a->help = true; break;
        case ':': return cli_usage_error(command, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(command, "unknown option %s", argv[optind - 1]);
        }
    }
    for (; optind < argc; optind++) {
        if (a->positional_count == MANAGE_POSITIONAL_MAX)
            return cli_usage_error(command, "unexpected argument '%s'", argv[optind]);
        a->positional[a->positional_count++] = argv[optind];
    }
    return a->help ? -1 : cli_target_check(command, &a->target);
}

int manage_refuse_options(const char *command, const char *action, const manage_args *a,
                          unsigned allowed)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{MANAGE_GAVE_CAPACITY, "--capacity"}, {MANAGE_GAVE_AFTER, "--after"},
                 {MANAGE_GAVE_LIMIT, "--limit"}, {MANAGE_GAVE_STATUS, "--status"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((a->gave & names[i].bit) && !(allowed & names[i].bit))
            return cli_usage_error(command, "%s does not apply to '%s'", names[i].name, action);
    }
    return -1;
}

/* What a record command answers: the record (get), or the record and the result
 * of a cancel or a confirm (change); an unknown id or a failure gets its reason. */
typedef enum record_answer { RECORD_GET, RECORD_CHANGE } record_answer;

void manage_print_record_text(const booking_record *rec, const booking_record_line *lines)
{
    assert(rec->line_count >= 1 && (lines != NULL || rec->line_count == 1));
    printf("booking_id=%s", rec->booking_id);
    if (rec->line_count == 1) {
        printf(" resource_id=%s units=%" PRIu64, rec->resource_id, rec->units);
    } else {
        /* RESOURCE:UNITS, as `booking attempt --line` takes them: the units are
         * after the last colon, so ids with colons read back unambiguously. */
        printf(" lines=");
        for (uint32_t i = 0; i < rec->line_count; i++)
            printf("%s%s:%" PRIu64, i > 0 ? "," : "", lines[i].resource_id, lines[i].units);
        printf(" line_count=%" PRIu32, rec->line_count);
    }
    printf(" outcome=%s reason=%s", booking_outcome_name(rec->outcome),
           booking_reason_name(rec->reason));
    if (rec->outcome == BOOKING_REJECTED && rec->line_count > 1)
        printf(" line=%" PRIu32, rec->line);
    printf(" status=%s", booking_status_name(rec->status));
    if (booking_json_shows_expiry(rec->status)) {
        char when[TIME_TEXT_LEN];
        time_text_write(when, rec->expires_at_ms);
        printf(" expires_at=%.*s", TIME_TEXT_LEN, when);
    }
    putchar('\n');
}

/* The record and its lines as the printers take them: NULL for a record of one line. */
static const booking_record_line *lines_or_null(const cli_record *r)
{
    return r->record.line_count > 1 ? r->lines : NULL;
}

static void print_record_result(booking_reason reason, const cli_record *r, bool json,
                                record_answer answer, const char *id)
{
    bool have_record = reason == BOOKING_REASON_OK ||
                       (answer == RECORD_CHANGE && reason != BOOKING_REASON_UNKNOWN_BOOKING &&
                        !booking_reason_is_failure(reason));
    if (json) {
        if (!have_record)
            cli_print_json(booking_json_error(booking_reason_name(reason), id));
        else if (answer == RECORD_CHANGE)
            cli_print_json(booking_json_change(reason, &r->record, lines_or_null(r)));
        else
            cli_print_json(booking_json_record(&r->record, lines_or_null(r)));
    } else if (!have_record) {
        printf("%s booking_id=%s\n", booking_reason_name(reason), id);
    } else {
        if (answer == RECORD_CHANGE)
            printf("%s ", booking_reason_name(reason));
        manage_print_record_text(&r->record, lines_or_null(r));
    }
}

/* `booking cancel ID` and `booking confirm ID`: one shape, two operations. */
static int run_record_change(const char *command, const char *help, booking_change_kind kind,
                             int argc, char **argv, booking_reason *reason)
{
    manage_args a;
    int rc = parse_args(command, argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.help)
        return fputs(help, stdout), CLI_EXIT_OK;
    if ((rc = manage_refuse_options(command, command, &a, 0)) >= 0)
        return rc;
    if (a.positional_count != 1)
        return cli_usage_error(command, "expected one BOOKING_ID");
    if (!cli_check_id(command, "BOOKING_ID", a.positional[0]))
        return CLI_EXIT_USAGE;
    cli_backend *backend = NULL;
    if ((rc = cli_backend_open(command, &a.target, CLI_ACCESS_WRITE, &backend)) >= 0)
        return rc;
    static cli_record rec; /* 8 KB of lines: one per process, not on the stack */
    rc = cli_backend_change(backend, kind, a.positional[0], reason, &rec);
    cli_backend_close(backend);
    if (rc != CLI_BACKEND_ANSWERED)
        return rc;
    print_record_result(*reason, &rec, a.json, RECORD_CHANGE, a.positional[0]);
    return -1;
}

void manage_print_resource_text(booking_reason reason, const booking_resource *res)
{
    assert(res->booked <= res->capacity);
    if (reason != BOOKING_REASON_OK)
        printf("%s ", booking_reason_name(reason));
    printf("resource_id=%s capacity=%" PRIu64 " booked=%" PRIu64 " remaining=%" PRIu64 "\n",
           res->resource_id, res->capacity, res->booked, res->capacity - res->booked);
}

static int print_resource_result(booking_reason reason, const booking_resource *res, bool json,
                                 const char *id)
{
    bool have = reason == BOOKING_REASON_OK || reason == BOOKING_REASON_CAPACITY_BELOW_BOOKED;
    if (json) {
        if (reason == BOOKING_REASON_CAPACITY_BELOW_BOOKED)
            cli_print_json(booking_json_capacity_refused(reason, res));
        else if (have)
            cli_print_json(booking_json_resource(res));
        else
            cli_print_json(booking_json_error(booking_reason_name(reason), id));
    } else if (!have) {
        printf("%s resource_id=%s\n", booking_reason_name(reason), id);
    } else {
        manage_print_resource_text(reason, res);
    }
    return cli_exit_for_reason(reason);
}

int cmd_cancel(int argc, char **argv)
{
    booking_reason reason;
    int rc = run_record_change("cancel", cancel_help, BOOKING_CHANGE_CANCEL, argc, argv, &reason);
    return rc >= 0 ? rc : cli_exit_for_reason(reason);
}

int cmd_confirm(int argc, char **argv)
{
    booking_reason reason;
    int rc = run_record_change("confirm", confirm_help, BOOKING_CHANGE_CONFIRM, argc, argv,
                               &reason);
    if (rc >= 0)
        return rc;
    /* A confirm of a cancelled booking is a refusal (HTTP 409), where a cancel's
     * already_cancelled is the answer to a repeat (0). */
    if (reason == BOOKING_REASON_ALREADY_CANCELLED)
        return CLI_EXIT_REJECTED;
    return cli_exit_for_reason(reason);
}

/* `booking resource set|get ID`. */
static int resource_set_or_get(const manage_args *a, bool set)
{
    if (a->positional_count != 2)
        return cli_usage_error("resource", "expected one RESOURCE_ID");
    const char *id = a->positional[1];
    if (!cli_check_id("resource", "RESOURCE_ID", id))
        return CLI_EXIT_USAGE;
    int rc = manage_refuse_options("resource", set ? "set" : "get", a,
                                   set ? MANAGE_GAVE_CAPACITY : 0);
    if (rc >= 0)
        return rc;
    uint64_t capacity = 0;
    if (set && a->capacity_text == NULL)
        return cli_usage_error("resource", "'set' needs --capacity N");
    if (set && !cli_parse_u64(a->capacity_text, BOOKING_CAPACITY_MAX, &capacity))
        return cli_usage_error("resource",
                               "invalid --capacity '%s': an integer from 0 to %" PRIu64,
                               a->capacity_text, BOOKING_CAPACITY_MAX);
    cli_backend *backend = NULL;
    rc = cli_backend_open("resource", &a->target, set ? CLI_ACCESS_WRITE : CLI_ACCESS_READ,
                          &backend);
    if (rc >= 0)
        return rc;
    booking_reason reason;
    booking_resource res;
    rc = set ? cli_backend_set_capacity(backend, id, capacity, &reason, &res)
             : cli_backend_get_resource(backend, id, &reason, &res);
    cli_backend_close(backend);
    if (rc != CLI_BACKEND_ANSWERED)
        return rc;
    return print_resource_result(reason, &res, a->json, id);
}

int cmd_resource(int argc, char **argv)
{
    manage_args a;
    int rc = parse_args("resource", argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.help)
        return fputs(resource_help, stdout), CLI_EXIT_OK;
    if (a.positional_count == 0)
        return cli_usage_error("resource", "expected 'set', 'get' or 'list'");
    const char *action = a.positional[0];
    if (strcmp(action, "set") == 0 || strcmp(action, "get") == 0)
        return resource_set_or_get(&a, strcmp(action, "set") == 0);
    if (strcmp(action, "list") == 0)
        return manage_resource_list(&a);
    return cli_usage_error("resource", "unknown action '%s' (expected set, get or list)", action);
}

/* `booking booking get ID`. */
static int booking_get(const manage_args *a)
{
    int rc = manage_refuse_options("booking", "get", a, 0);
    if (rc >= 0)
        return rc;
    if (a->positional_count != 2)
        return cli_usage_error("booking", "expected one BOOKING_ID");
    if (!cli_check_id("booking", "BOOKING_ID", a->positional[1]))
        return CLI_EXIT_USAGE;
    cli_backend *backend = NULL;
    if ((rc = cli_backend_open("booking", &a->target, CLI_ACCESS_READ, &backend)) >= 0)
        return rc;
    booking_reason reason;
    static cli_record rec; /* 8 KB of lines: one per process, not on the stack */
    rc = cli_backend_get_booking(backend, a->positional[1], &reason, &rec);
    cli_backend_close(backend);
    if (rc != CLI_BACKEND_ANSWERED)
        return rc;
    print_record_result(reason, &rec, a->json, RECORD_GET, a->positional[1]);
    return cli_exit_for_reason(reason);
}

int cmd_booking(int argc, char **argv)
{
    manage_args a;
    int rc = parse_args("booking", argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.help)
        return fputs(booking_help, stdout), CLI_EXIT_OK;
    if (a.positional_count > 0 && strcmp(a.positional[0], "get") == 0)
        return booking_get(&a);
    if (a.positional_count > 0 && strcmp(a.positional[0], "list") == 0)
        return manage_booking_list(&a);
    return cli_usage_error("booking", "expected 'get BOOKING_ID' or 'list RESOURCE_ID'");
}
