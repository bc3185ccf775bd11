/* SPDX-License-Identifier: MIT */
/*
 * cmd_manage.c: the commands around the attempt (SPEC section 2): `booking confirm`,
 * `booking cancel`, `booking resource set|get`, `booking booking get`. One option
 * parser serves all.
 */
#include "cli/cli.h"
#include "json/booking_json.h"
#include "util/time_text.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MANAGE_POSITIONAL_MAX 2

static const char cancel_help[] =
    "Usage: booking cancel BOOKING_ID [--store URL] [--json]\n"
    "\n"
    "Cancels a BOOKED booking, active or held: its units are released to the resource\n"
    "and the record is marked cancelled. The booking ID stays decided: attempting it\n"
    "again replays the booking (status cancelled), it does not book again. Safe to\n"
    "repeat. A hold that has already expired is not cancelled (hold_expired): its units\n"
    "were free already and nothing changes.\n"
    "\n"
    "Options:\n"
    "  -s, --store URL   store (default " CLI_STORE_DEFAULT ")\n"
    "  -j, --json        print the record and the result as one JSON object\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 cancelled or already_cancelled; 3 unknown_booking, not_booked (the\n"
    "record is a REJECTED decision) or hold_expired; 4 FAILED (nothing changed);\n"
    "2 usage; 1 other error.\n";

static const char confirm_help[] =
    "Usage: booking confirm BOOKING_ID [--store URL] [--json]\n"
    "\n"
    "Confirms a hold (an attempt made with --hold-ms): if it has not expired at the\n"
    "store's time of the confirm, its status becomes active and it never expires.\n"
    "Safe to repeat: a second confirm answers already_confirmed. A hold that has\n"
    "expired is not confirmed (hold_expired) and nothing changes; attempt again with a\n"
    "new booking ID to reserve again.\n"
    "\n"
    "Options:\n"
    "  -s, --store URL   store (default " CLI_STORE_DEFAULT ")\n"
    "  -j, --json        print the record and the result as one JSON object (the body\n"
    "                    of POST /v1/bookings/{booking_id}/confirm)\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 confirmed or already_confirmed (also a booking made without a\n"
    "hold); 3 hold_expired, already_cancelled, not_booked (a REJECTED decision) or\n"
    "unknown_booking; 4 FAILED (nothing changed); 2 usage; 1 other error.\n"
    "\n"
    "Example:\n"
    "  booking attempt --booking cart-7 --resource seat-12 --units 1 --hold-ms 600000\n"
    "  booking confirm cart-7\n";

static const char resource_help[] =
    "Usage: booking resource set RESOURCE_ID --capacity N [--store URL] [--json]\n"
    "       booking resource get RESOURCE_ID [--store URL] [--json]\n"
    "\n"
    "'set' creates the resource with capacity N, or changes its capacity. Lowering the\n"
    "capacity below the units already booked is refused (capacity_below_booked) and\n"
    "changes nothing. 'get' prints capacity, booked and remaining; booked counts the\n"
    "holds that have not expired at the store's time as_of.\n"
    "\n"
    "Options:\n"
    "  -c, --capacity N  capacity, 0 to 9007199254740991 ('set' only)\n"
    "  -s, --store URL   store (default " CLI_STORE_DEFAULT ")\n"
    "  -j, --json        print {resource_id, capacity, booked, remaining, as_of}\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 done; 3 capacity_below_booked or unknown_resource; 4 FAILED;\n"
    "2 usage; 1 other error.\n";

static const char booking_help[] =
    "Usage: booking booking get BOOKING_ID [--store URL] [--json]\n"
    "\n"
    "Prints the decision record of a booking ID: resource, units, outcome, reason and\n"
    "status (active, held, cancelled or expired for a BOOKED record, none for a\n"
    "REJECTED one), and expires_at for a hold that is held or expired. A bundle (an\n"
    "attempt made with --line) prints lines=RESOURCE:UNITS,... in the attempt's order\n"
    "and line_count, and a REJECTED one the failing line (from 0). --json prints the\n"
    "lines of every record, line_count, and the store's times created_at and\n"
    "updated_at (RFC 3339, UTC).\n"
    "\n"
    "Options:\n"
    "  -s, --store URL   store (default " CLI_STORE_DEFAULT ")\n"
    "  -j, --json        print the record as one JSON object\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 found; 3 unknown_booking; 4 FAILED; 2 usage; 1 other error.\n";

typedef struct manage_args {
    const char *store_url;
    const char *capacity_text;
    bool json;
    bool help;
    int positional_count;
    const char *positional[MANAGE_POSITIONAL_MAX];
} manage_args;

/* Returns -1 when parsing succeeded, else the exit code to return. */
static int parse_args(const char *command, int argc, char **argv, manage_args *a)
{
    static const struct option options[] = {
        {"store", required_argument, NULL, 's'}, {"capacity", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->store_url = CLI_STORE_DEFAULT;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:c:jh", options, NULL)) != -1) {
        switch (c) {
        case 's': a->store_url = optarg; break;
        case 'c': a->capacity_text = optarg; break;
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
    return -1;
}

/* What a record command answers: the record (get), or the record and the result
 * of a cancel or a confirm (change); an unknown id or a failure gets its reason. */
typedef enum record_answer { RECORD_GET, RECORD_CHANGE } record_answer;

static void print_record_text(const booking_record *rec, const booking_record_line *lines)
{
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

/* lines holds rec->line_count lines (booking_get_booking_lines), or is NULL for a
 * record of one line. */
static void print_record_result(booking_reason reason, const booking_record *rec,
                                const booking_record_line *lines, bool json,
                                record_answer answer, const char *id)
{
    bool have_record = reason == BOOKING_REASON_OK ||
                       (answer == RECORD_CHANGE && reason != BOOKING_REASON_UNKNOWN_BOOKING &&
                        !booking_reason_is_failure(reason));
    if (json) {
        if (!have_record)
            cli_print_json(booking_json_error(booking_reason_name(reason), id));
        else if (answer == RECORD_CHANGE)
            cli_print_json(booking_json_change(reason, rec, lines));
        else
            cli_print_json(booking_json_record(rec, lines));
    } else if (!have_record) {
        printf("%s booking_id=%s\n", booking_reason_name(reason), id);
    } else {
        if (answer == RECORD_CHANGE)
            printf("%s ", booking_reason_name(reason));
        print_record_text(rec, lines);
    }
}

/* A change's record carries line 0 only: a bundle's lines are read after it
 * (they never change). The reason of that read, OK when there was nothing to read. */
static booking_reason read_change_lines(booking_store *store, booking_reason reason,
                                        const booking_record *rec, booking_record_line *lines)
{
    bool have_record = reason != BOOKING_REASON_UNKNOWN_BOOKING &&
                       !booking_reason_is_failure(reason);
    if (!have_record || rec->line_count <= 1)
        return BOOKING_REASON_OK;
    booking_reason read;
    booking_record now = {0};
    booking_error e = booking_get_booking_lines(store, rec->booking_id, &read, &now, lines,
                                                BOOKING_LINES_MAX);
    if (e != BOOKING_OK)
        return BOOKING_REASON_INTERNAL;
    return booking_reason_is_failure(read) || read == BOOKING_REASON_OK ? read
                                                                         : BOOKING_REASON_INTERNAL;
}

/* `booking cancel ID` and `booking confirm ID`: one shape, two operations. */
typedef booking_error (*record_change_fn)(booking_store *store, const char *booking_id,
                                          booking_reason *reason, booking_record *record);

static int run_record_change(const char *command, const char *help, record_change_fn change,
                             int argc, char **argv, booking_reason *reason)
{
    manage_args a;
    int rc = parse_args(command, argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.help)
        return fputs(help, stdout), CLI_EXIT_OK;
    if (a.capacity_text != NULL)
        return cli_usage_error(command, "--capacity does not apply");
    if (a.positional_count != 1)
        return cli_usage_error(command, "expected one BOOKING_ID");
    if (!cli_check_id(command, "BOOKING_ID", a.positional[0]))
        return CLI_EXIT_USAGE;
    booking_store *store = cli_open_store(command, a.store_url);
    if (store == NULL)
        return CLI_EXIT_ERROR;
    booking_record rec = {0};
    booking_record_line lines[BOOKING_LINES_MAX];
    booking_error e = change(store, a.positional[0], reason, &rec);
    booking_reason read = e == BOOKING_OK ? read_change_lines(store, *reason, &rec, lines)
                                          : BOOKING_REASON_OK;
    booking_store_close(store);
    if (e != BOOKING_OK)
        return cli_usage_error(command, "%s", booking_error_name(e));
    if (read != BOOKING_REASON_OK) {
        /* The change stands; repeating it is safe and shows the lines. */
        print_record_result(read, &rec, NULL, a.json, RECORD_CHANGE, a.positional[0]);
        return CLI_EXIT_FAILED;
    }
    print_record_result(*reason, &rec, rec.line_count > 1 ? lines : NULL, a.json, RECORD_CHANGE,
                        a.positional[0]);
    return -1;
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
        if (reason != BOOKING_REASON_OK)
            printf("%s ", booking_reason_name(reason));
        printf("resource_id=%s capacity=%" PRIu64 " booked=%" PRIu64 " remaining=%" PRIu64 "\n",
               res->resource_id, res->capacity, res->booked, res->capacity - res->booked);
    }
    return cli_exit_for_reason(reason);
}

int cmd_cancel(int argc, char **argv)
{
    booking_reason reason;
    int rc = run_record_change("cancel", cancel_help, booking_cancel, argc, argv, &reason);
    return rc >= 0 ? rc : cli_exit_for_reason(reason);
}

int cmd_confirm(int argc, char **argv)
{
    booking_reason reason;
    int rc = run_record_change("confirm", confirm_help, booking_confirm, argc, argv, &reason);
    if (rc >= 0)
        return rc;
    /* A confirm of a cancelled booking is a refusal (HTTP 409), where a cancel's
     * already_cancelled is the answer to a repeat (0). */
    if (reason == BOOKING_REASON_ALREADY_CANCELLED)
        return CLI_EXIT_REJECTED;
    return cli_exit_for_reason(reason);
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
        return cli_usage_error("resource", "expected 'set' or 'get'");
    bool set = strcmp(a.positional[0], "set") == 0;
    if (!set && strcmp(a.positional[0], "get") != 0)
        return cli_usage_error("resource", "unknown action '%s' (expected set or get)",
                               a.positional[0]);
    if (a.positional_count != 2)
        return cli_usage_error("resource", "expected one RESOURCE_ID");
    const char *id = a.positional[1];
    if (!cli_check_id("resource", "RESOURCE_ID", id))
        return CLI_EXIT_USAGE;
    uint64_t capacity = 0;
    if (set && a.capacity_text == NULL)
        return cli_usage_error("resource", "'set' needs --capacity N");
    if (!set && a.capacity_text != NULL)
        return cli_usage_error("resource", "'get' takes no --capacity");
    if (set && !cli_parse_u64(a.capacity_text, BOOKING_CAPACITY_MAX, &capacity))
        return cli_usage_error("resource",
                               "invalid --capacity '%s': an integer from 0 to %" PRIu64,
                               a.capacity_text, BOOKING_CAPACITY_MAX);
    booking_store *store = set ? cli_open_store("resource", a.store_url)
                               : cli_open_existing_store("resource", a.store_url);
    if (store == NULL)
        return CLI_EXIT_ERROR;
    booking_reason reason;
    booking_resource res = {0};
    booking_error e = set ? booking_set_capacity(store, id, capacity, &reason, &res)
                          : booking_get_resource(store, id, &reason, &res);
    booking_store_close(store);
    if (e != BOOKING_OK)
        return cli_usage_error("resource", "%s", booking_error_name(e));
    return print_resource_result(reason, &res, a.json, id);
}

int cmd_booking(int argc, char **argv)
{
    manage_args a;
    int rc = parse_args("booking", argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.help)
        return fputs(booking_help, stdout), CLI_EXIT_OK;
    if (a.capacity_text != NULL)
        return cli_usage_error("booking", "--capacity does not apply");
    if (a.positional_count == 0 || strcmp(a.positional[0], "get") != 0)
        return cli_usage_error("booking", "expected 'get BOOKING_ID'");
    if (a.positional_count != 2)
        return cli_usage_error("booking", "expected one BOOKING_ID");
    if (!cli_check_id("booking", "BOOKING_ID", a.positional[1]))
        return CLI_EXIT_USAGE;
    booking_store *store = cli_open_existing_store("booking", a.store_url);
    if (store == NULL)
        return CLI_EXIT_ERROR;
    booking_reason reason;
    booking_record rec = {0};
    booking_record_line lines[BOOKING_LINES_MAX];
    booking_error e = booking_get_booking_lines(store, a.positional[1], &reason, &rec, lines,
                                                BOOKING_LINES_MAX);
    booking_store_close(store);
    if (e != BOOKING_OK)
        return cli_usage_error("booking", "%s", booking_error_name(e));
    print_record_result(reason, &rec, rec.line_count > 1 ? lines : NULL, a.json, RECORD_GET,
                        a.positional[1]);
    return cli_exit_for_reason(reason);
}
