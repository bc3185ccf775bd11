/* SPDX-License-Identifier: MIT */
/*
 * cli_http.h: the --url side of cli_backend.h: each operation as one HTTP/1.1
 * request to a running `booking serve` (loadgen/http_client.h, one connection,
 * kept alive between the requests of one command), its answer read back with
 * cli_reply.h. Same contract as the cli_backend_* functions.
 */
#ifndef BOOKING_CLI_HTTP_H
#define BOOKING_CLI_HTTP_H

#include "cli/cli_backend.h"

/* How long one request may take, connect to answer: more than the service's own
 * bounds on a request (its lock waits are 5 s by default). */
#define CLI_HTTP_TIMEOUT_MS 60000

typedef struct cli_http cli_http;

/* Checks the URL (http://HOST:PORT, any host), resolves it and reads the token
 * (token_file may be NULL) into *out: -1, else the exit code, the reason printed
 * (CLI_EXIT_USAGE for a malformed URL). Connects on the first request. */
int cli_http_open(const char *command, const char *url, const char *token_file, cli_http **out);
void cli_http_close(cli_http *h);

int cli_http_attempt(cli_http *h, const booking_request *request, booking_result *result);
int cli_http_change(cli_http *h, booking_change_kind kind, const char *booking_id,
                    booking_reason *reason, cli_record *out);
int cli_http_get_booking(cli_http *h, const char *booking_id, booking_reason *reason,
                         cli_record *out);
int cli_http_set_capacity(cli_http *h, const char *resource_id, uint64_t capacity,
                          booking_reason *reason, booking_resource *out);
int cli_http_get_resource(cli_http *h, const char *resource_id, booking_reason *reason,
                          booking_resource *out);
int cli_http_list_resources(cli_http *h, const char *after, size_t limit, booking_reason *reason,
                            cli_page *page);
int cli_http_list_bookings(cli_http *h, const char *resource_id, booking_list_filter filter,
                           const char *after, size_t limit, booking_reason *reason,
                           cli_page *page);

#endif
