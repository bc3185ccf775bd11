/* SPDX-License-Identifier: MIT */
/*
 * cli_backend.h: where a `booking` command acts, behind one seam: a store opened
 * in this process (--store URL) or a running `booking serve` (--url http://HOST:PORT,
 * with --token-file). Each command parses, calls these, and prints what they give
 * back with one printer, so a command is never written twice and both ways print
 * the same bytes and exit the same.
 *
 * Every operation returns CLI_BACKEND_ANSWERED when its answer (the reason and the
 * out-parameters, as the library fills them) is there to print; else it has printed
 * one line on stderr already and returns the exit code (CLI_EXIT_USAGE for input
 * the other side called invalid, CLI_EXIT_ERROR for anything that is not an
 * answer: a connection refused, a token refused, an operation the store does not
 * support, a malformed reply).
 */
#ifndef BOOKING_CLI_BACKEND_H
#define BOOKING_CLI_BACKEND_H

#include "booking.h"

#include <stdbool.h>
#include <stddef.h>

#define CLI_BACKEND_ANSWERED (-1)

/* The options that say where to act, as given (NULL: not given). */
typedef struct cli_target {
    const char *store_url;
    const char *url;
    const char *token_file;
} cli_target;

/* What the command does with a store: a command that only reads refuses a
 * sqlite: file that does not exist rather than create it (cli_open_existing_store). */
typedef enum cli_access { CLI_ACCESS_WRITE, CLI_ACCESS_READ } cli_access;

typedef struct cli_backend cli_backend;

/* The target options together: --store and --url exclude each other, and
 * --token-file goes with --url. -1 when they fit, else the usage error's code
 * (printed). */
int cli_target_check(const char *command, const cli_target *target);

/* Opens the store (default CLI_STORE_DEFAULT) or prepares the HTTP client (the URL
 * checked and resolved, the token read; nothing is sent yet) into *out. -1 on
 * success, else the exit code, the reason printed (CLI_EXIT_USAGE for a URL that
 * is not http://HOST:PORT). */
int cli_backend_open(const char *command, const cli_target *target, cli_access access,
                     cli_backend **out);
void cli_backend_close(cli_backend *b);

/* A bundle's lines beside its record: lines[0..record->line_count), line 0 the
 * record's own resource_id and units. */
typedef struct cli_record {
    booking_record record;
    booking_record_line lines[BOOKING_LINES_MAX];
} cli_record;

/* A page of a listing: count items (at most the limit asked, maybe fewer, even
 * none, before the last page: booking.h), and next, the id to ask the next page
 * after ("" on the last page).
 * Owned by the caller: cli_page_free. */
typedef struct cli_page {
    booking_resource *resources; /* resource list */
    cli_record *records;         /* booking list */
    size_t count;
    char next[BOOKING_ID_LEN_MAX + 1];
} cli_page;

void cli_page_free(cli_page *page);

int cli_backend_attempt(cli_backend *b, const booking_request *request, booking_result *result);
/* A cancel or a confirm; on a record, out->lines holds all of its lines. */
int cli_backend_change(cli_backend *b, booking_change_kind kind, const char *booking_id,
                       booking_reason *reason, cli_record *out);
int cli_backend_get_booking(cli_backend *b, const char *booking_id, booking_reason *reason,
                            cli_record *out);
int cli_backend_set_capacity(cli_backend *b, const char *resource_id, uint64_t capacity,
                             booking_reason *reason, booking_resource *out);
int cli_backend_get_resource(cli_backend *b, const char *resource_id, booking_reason *reason,
                             booking_resource *out);
/* after: NULL from the first; limit 1..BOOKING_LIST_LIMIT_MAX. */
int cli_backend_list_resources(cli_backend *b, const char *after, size_t limit,
                               booking_reason *reason, cli_page *page);
int cli_backend_list_bookings(cli_backend *b, const char *resource_id, booking_list_filter filter,
                              const char *after, size_t limit, booking_reason *reason,
                              cli_page *page);

#endif
