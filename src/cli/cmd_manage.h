/* SPDX-License-Identifier: MIT */
/*
 * cmd_manage.h: what the commands around the attempt share (cmd_manage.c, and
 * the listings of cmd_list.c): one option parser, and one printer for a resource
 * and for a record, so a listing's line is the line `get` prints.
 */
#ifndef BOOKING_CLI_CMD_MANAGE_H
#define BOOKING_CLI_CMD_MANAGE_H

#include "cli/cli_backend.h"

#include <stdbool.h>

#define MANAGE_POSITIONAL_MAX 2

/* The options that say where a command acts, as every --help shows them. */
#define MANAGE_HELP_TARGET                                                                 \
    "  -s, --store URL   store (default " CLI_STORE_DEFAULT "; also memory:,\n"                \
    "                    postgres://...)\n"                                                   \
    "      --url URL     act through a running 'booking serve' at http://HOST:PORT\n"        \
    "                    instead of opening its database: same output, same exit\n"         \
    "                    status (not with --store; default: open the store)\n"              \
    "      --token-file PATH\n"                                                               \
    "                    the service's bearer token, read as 'booking serve\n"              \
    "                    --token-file' reads it (with --url; default: none)\n"

/* Which options were given, to refuse one that does not apply. */
enum {
    MANAGE_GAVE_CAPACITY = 1 << 0,
    MANAGE_GAVE_AFTER = 1 << 1,
    MANAGE_GAVE_LIMIT = 1 << 2,
    MANAGE_GAVE_STATUS = 1 << 3,
};

typedef struct manage_args {
    cli_target target;
    const char *capacity_text;
    const char *after;
    const char *limit_text;
    const char *status_text;
    unsigned gave; /* MANAGE_GAVE_* */
    bool json;
    bool help;
    int positional_count;
    const char *positional[MANAGE_POSITIONAL_MAX];
} manage_args;

/* "--capacity does not apply to 'ACTION'" for the first option given outside
 * allowed (MANAGE_GAVE_* bits); -1 when none is. */
int manage_refuse_options(const char *command, const char *action, const manage_args *a,
                          unsigned allowed);

/* The line `resource get` prints for a resource (reason OK or capacity_below_booked). */
void manage_print_resource_text(booking_reason reason, const booking_resource *res);
/* The line `booking get` prints for a record; lines NULL for a record of one line. */
void manage_print_record_text(const booking_record *rec, const booking_record_line *lines);

/* `booking resource list` and `booking booking list RESOURCE`, their options
 * parsed (positional[0] is "list"). */
int manage_resource_list(const manage_args *a);
int manage_booking_list(const manage_args *a);

#endif
