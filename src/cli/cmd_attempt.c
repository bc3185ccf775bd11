/*
 * cmd_attempt.c: `booking attempt`, one AttemptBooking from the command line.
 * Exit status is the outcome: 0 BOOKED, 3 REJECTED, 4 FAILED (SPEC section 6).
 */
#include "cli/cli.h"
#include "json/booking_json.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char attempt_help[] =
    "Usage: booking attempt --booking ID --resource ID --units N [--store URL] [--json]\n"
    "\n"
    "Makes one attempt to reserve N units of the resource's capacity for the booking\n"
    "ID, and prints its one outcome: BOOKED, REJECTED or FAILED, with a reason.\n"
    "Repeating an attempt with the same booking ID is safe: it returns the recorded\n"
    "decision with replayed=true and never reserves twice.\n"
    "\n"
    "Options:\n"
    "  -b, --booking ID     booking id: 1 to 128 characters of A-Z a-z 0-9 . _ : -\n"
    "  -r, --resource ID    resource id, same alphabet (create it with 'booking resource set')\n"
    "  -u, --units N        units to reserve, 1 to 9007199254740991\n"
    "  -s, --store URL      store (default " CLI_STORE_DEFAULT "): sqlite:PATH, memory:,\n"
    "                       postgres://...\n"
    "  -j, --json           print the outcome as one JSON object (as POST /v1/bookings)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status:\n"
    "  0  BOOKED (reason booked)\n"
    "  3  REJECTED (insufficient_capacity, booking_id_conflict, unknown_resource)\n"
    "  4  FAILED (conflict, busy, unavailable, io_error, timeout, internal): nothing was\n"
    "     reserved, or a retry with the same booking ID will show that it was\n"
    "  2  usage error or invalid input; 1 any other error\n"
    "\n"
    "Example:\n"
    "  booking resource set room-42 --capacity 10\n"
    "  booking attempt --booking order-1001 --resource room-42 --units 2\n";

static void print_text(const booking_request *req, const booking_result *res)
{
    printf("%s reason=%s booking_id=%s resource_id=%s units=%" PRIu64 " replayed=%s",
           booking_outcome_name(res->outcome), booking_reason_name(res->reason), req->booking_id,
           req->resource_id, req->units, res->replayed ? "true" : "false");
    if (res->outcome == BOOKING_BOOKED)
        printf(" status=%s", booking_status_name(res->status));
    putchar('\n');
}

int cmd_attempt(int argc, char **argv)
{
    static const struct option options[] = {
        {"booking", required_argument, NULL, 'b'}, {"resource", required_argument, NULL, 'r'},
        {"units", required_argument, NULL, 'u'},   {"store", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *store_url = CLI_STORE_DEFAULT, *units_text = NULL;
    booking_request req = {0};
    bool json = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":b:r:u:s:jh", options, NULL)) != -1) {
        switch (c) {
        case 'b': req.booking_id = optarg; break;
        case 'r': req.resource_id = optarg; break;
        case 'u': units_text = optarg; break;
        case 's': store_url = optarg; break;
        case 'j': json = true; break;
        case 'h': fputs(attempt_help, stdout); return CLI_EXIT_OK;
        case ':': return cli_usage_error("attempt", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("attempt", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("attempt", "unexpected argument '%s'", argv[optind]);
    if (!cli_check_id("attempt", "--booking", req.booking_id) ||
        !cli_check_id("attempt", "--resource", req.resource_id))
        return CLI_EXIT_USAGE;
    if (units_text == NULL)
        return cli_usage_error("attempt", "missing --units");
    if (!cli_parse_u64(units_text, BOOKING_UNITS_MAX, &req.units) || req.units == 0)
        return cli_usage_error("attempt", "invalid --units '%s': an integer from 1 to %" PRIu64,
                               units_text, BOOKING_UNITS_MAX);

    booking_store *store = cli_open_store("attempt", store_url);
    if (store == NULL)
        return CLI_EXIT_ERROR;
    booking_result res;
    booking_error e = booking_attempt(store, &req, &res);
    booking_store_close(store);
    if (e != BOOKING_OK)
        return cli_usage_error("attempt", "%s", booking_error_name(e));
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
