/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c: `booking check HISTORY.jsonl`, the history checker from the
 * command line: is the recorded history linearizable against the SPEC model?
 */
#include "check/check.h"
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit statuses of `booking check` (SPEC section 6 keeps 2 for usage errors). */
enum {
    CHECK_EXIT_VALID = 0,
    CHECK_EXIT_VIOLATION = 1,
    CHECK_EXIT_UNDECIDED = 4,
};

#define CHECK_TIMEOUT_S_MAX 86400.0

static const char check_help[] =
    "Usage: booking check HISTORY.jsonl [--timeout SECONDS] [--json]\n"
    "\n"
    "Decides whether a recorded history of operations is linearizable against the\n"
    "model of booking's contract: whether some order of the operations, each placed\n"
    "between its invoke and its completion, explains every answer. Prints 'ok' with\n"
    "counts, or the first violation it can prove, with the line numbers of the\n"
    "events involved and why no order explains them. HISTORY may be - for standard\n"
    "input.\n"
    "\n"
    "A history is JSON lines, one event each, in the order they happened:\n"
    "  {\"type\":\"invoke\",\"process\":P,\"f\":\"attempt\",\"booking_id\":B,\"resource_id\":R,\"units\":N,\"time\":T}\n"
    "  {\"type\":\"complete\",\"process\":P,\"f\":\"attempt\",\"outcome\":O,\"reason\":W,\"replayed\":X,\"time\":T}\n"
    "f may also be set_capacity (invoke: resource_id, capacity; complete: ok, reason),\n"
    "cancel (invoke: booking_id; complete: ok, reason) and get_resource (invoke:\n"
    "resource_id; complete: capacity, booked, or reason unknown_resource). A FAILED\n"
    "completion, or an invoke that never completes, may or may not have taken effect.\n"
    "The history starts from an empty store. See docs/checking.md.\n"
    "\n"
    "Options:\n"
    "  -t, --timeout SECONDS  bound on the search (default 60; 0: no bound)\n"
    "  -j, --json             print the verdict as one JSON object\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status:\n"
    "  0  linearizable: some order explains every answer\n"
    "  1  violation: no order does (the output names the events)\n"
    "  2  usage error, or the history cannot be read or is malformed (line named)\n"
    "  4  undecided: no verdict within --timeout (or memory); a longer run may decide\n";

static bool parse_timeout(const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v) || v < 0 || v > CHECK_TIMEOUT_S_MAX)
        return false;
    *out = v;
    return true;
}

static const char *verdict_name(check_verdict v)
{
    switch (v) {
    case CHECK_VALID: return "ok";
    case CHECK_VIOLATION: return "violation";
    case CHECK_UNDECIDED: return "undecided";
    case CHECK_INVALID: return "invalid";
    }
    return "invalid";
}

static json_t *report_json(const check_report *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "verdict", json_string(verdict_name(r->verdict)));
    json_object_set_new(o, "valid", json_boolean(r->verdict == CHECK_VALID));
    if (r->verdict != CHECK_INVALID) {
        json_t *c = json_object();
        json_object_set_new(c, "events", json_integer((json_int_t)r->events));
        json_object_set_new(c, "operations", json_integer((json_int_t)r->operations));
        json_object_set_new(c, "attempts", json_integer((json_int_t)r->attempts));
        json_object_set_new(c, "cancels", json_integer((json_int_t)r->cancels));
        if (r->confirms != 0 || r->holds != 0) { /* histories without holds keep their shape */
            json_object_set_new(c, "confirms", json_integer((json_int_t)r->confirms));
            json_object_set_new(c, "holds", json_integer((json_int_t)r->holds));
        }
        json_object_set_new(c, "set_capacity", json_integer((json_int_t)r->set_capacities));
        json_object_set_new(c, "get_resource", json_integer((json_int_t)r->get_resources));
        json_object_set_new(c, "indeterminate", json_integer((json_int_t)r->indeterminate));
        json_object_set_new(c, "resources", json_integer((json_int_t)r->resources));
        json_object_set_new(c, "components", json_integer((json_int_t)r->components));
        json_object_set_new(c, "search_states", json_integer((json_int_t)r->search_states));
        json_object_set_new(o, "counts", c);
    }
    if (r->verdict == CHECK_VIOLATION) {
        json_t *lines = json_array();
        for (size_t i = 0; i < r->line_count; i++)
            json_array_append_new(lines, json_integer((json_int_t)r->lines[i]));
        json_object_set_new(o, "kind", json_string(r->kind));
        json_object_set_new(o, "lines", lines);
    }
    if (r->verdict != CHECK_VALID)
        json_object_set_new(o, "detail", json_string(r->detail));
    return o;
}

static void print_text(const check_report *r)
{
    switch (r->verdict) {
    case CHECK_VALID: {
        char holds[96] = ""; /* histories without holds keep their line */
        if (r->confirms != 0 || r->holds != 0)
            snprintf(holds, sizeof holds, ", %zu confirm; %zu of the attempts holds", r->confirms,
                     r->holds);
        printf("ok: linearizable; %zu events, %zu operations (%zu attempt, %zu cancel, "
               "%zu set_capacity, %zu get_resource%s), %zu indeterminate, %zu resources in "
               "%zu components, %zu search states\n",
               r->events, r->operations, r->attempts, r->cancels, r->set_capacities,
               r->get_resources, holds, r->indeterminate, r->resources, r->components,
               r->search_states);
        break;
    }
    case CHECK_VIOLATION:
        printf("violation: %s at lines", r->kind);
        for (size_t i = 0; i < r->line_count; i++)
            printf("%s %zu", i ? "," : "", r->lines[i]);
        printf("\n  %s\n", r->detail);
        break;
    case CHECK_UNDECIDED:
        printf("undecided: %s (%zu events, %zu operations)\n", r->detail, r->events,
               r->operations);
        break;
    case CHECK_INVALID:
        break;
    }
}

int cmd_check(int argc, char **argv)
{
    static const struct option options[] = {{"timeout", required_argument, NULL, 't'},
                                            {"json", no_argument, NULL, 'j'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    check_options opts = {.timeout_s = CHECK_TIMEOUT_S_DEFAULT};
    bool json = false;
    const char *path = NULL;
    int c;
    optind = 0;
    opterr = 0;
    /* "-" (stdin) is a positional argument, and options may follow it. */
    while ((c = getopt_long(argc, argv, "-:t:jh", options, NULL)) != -1) {
        switch (c) {
        case 1:
            if (path != NULL)
                return cli_usage_error("check", "unexpected argument '%s'", optarg);
            path = optarg;
            break;
        case 't':
            if (!parse_timeout(optarg, &opts.timeout_s))
                return cli_usage_error("check", "invalid --timeout '%s': seconds, 0 to %.0f",
                                       optarg, CHECK_TIMEOUT_S_MAX);
            break;
        case 'j': json = true; break;
        case 'h': fputs(check_help, stdout); return CLI_EXIT_OK;
        case ':': return cli_usage_error("check", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("check", "unknown option %s", argv[optind - 1]);
        }
    }
    if (path == NULL)
        return cli_usage_error("check", "missing HISTORY file");
    check_report report;
    check_verdict v = check_file(path, &opts, &report);
    if (v == CHECK_INVALID) {
        if (json)
            cli_print_json(report_json(&report));
        fprintf(stderr, "booking check: %s\n", report.detail);
        return CLI_EXIT_USAGE;
    }
    if (json)
        cli_print_json(report_json(&report));
    else
        print_text(&report);
    switch (v) {
    case CHECK_VALID: return CHECK_EXIT_VALID;
    case CHECK_VIOLATION: return CHECK_EXIT_VIOLATION;
    default: return CHECK_EXIT_UNDECIDED;
    }
}
