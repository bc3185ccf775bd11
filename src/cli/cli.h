/* SPDX-License-Identifier: MIT */
/*
 * cli.h: what the `booking` subcommands share: exit codes (SPEC section 6),
 * strict number parsing, opening the store, printing results.
 */
#ifndef BOOKING_CLI_H
#define BOOKING_CLI_H

#include "booking.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum {
    CLI_EXIT_OK = 0,       /* BOOKED, or the command did what was asked */
    CLI_EXIT_ERROR = 1,    /* any other error (store could not be opened, ...) */
    CLI_EXIT_USAGE = 2,    /* bad usage or invalid input */
    CLI_EXIT_REJECTED = 3, /* REJECTED, or a decision not to do what was asked */
    CLI_EXIT_FAILED = 4,   /* FAILED: a technical failure; retrying is safe */
};

#define CLI_STORE_DEFAULT "sqlite:booking.db"

typedef int (*cli_command_fn)(int argc, char **argv);

int cmd_attempt(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_resource(int argc, char **argv);
int cmd_booking(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_backup(int argc, char **argv);

/* Parses a decimal integer 0..max with nothing else around it. */
bool cli_parse_u64(const char *text, uint64_t max, uint64_t *out);

/* Parses a share from 0 to 1 (a decimal such as 0.2), with nothing around it. */
bool cli_parse_ratio(const char *text, double *out);

/* Prints "booking CMD: message" and a pointer to --help on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "booking CMD: message" on stderr; returns CLI_EXIT_ERROR. */
int cli_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define CLI_URL_SHOWN_MAX 512

/* The URL as it may be shown in logs and errors: a password in it (user:PASSWORD@
 * or password=) becomes "***". Returns out; long URLs are cut to size. */
const char *cli_redact_url(const char *url, char *out, size_t size);

/* Opens the store or prints why not (the URL redacted); NULL on failure. */
booking_store *cli_open_store(const char *command, const char *url);

/* The same for a command that only reads (or copies) a store: a sqlite: file
 * that does not exist is refused rather than created empty, so a mistyped path
 * is an error, not an empty answer. */
booking_store *cli_open_existing_store(const char *command, const char *url);

/* Tells the service manager (systemd's sd_notify protocol, $NOTIFY_SOCKET) the
 * state lines in `state`, e.g. "READY=1\nSTATUS=...". True when it was told, or
 * when no manager listens (NOTIFY_SOCKET unset). */
bool cli_notify(const char *state);

/* The longest bearer token, as `booking serve --token-file` takes it. */
#define CLI_TOKEN_LEN_MAX 4096

/* Reads a --token-file: its first line without surrounding blanks, not empty, no
 * NUL byte, at most CLI_TOKEN_LEN_MAX bytes (one rule for the service and its
 * clients). malloc'd; NULL, the reason printed, when it is none. */
char *cli_read_token(const char *command, const char *path);

/* Checks an id argument against SPEC section 3; prints the usage error itself. */
bool cli_check_id(const char *command, const char *what, const char *id);

/* Prints a JSON value on stdout (compact, one line) and releases it. */
void cli_print_json(json_t *value);

/* Exit code of a non-attempt operation's reason. */
int cli_exit_for_reason(booking_reason reason);

/* Long-only options every command that acts on a store takes (past every char). */
enum { CLI_OPTION_URL = 300, CLI_OPTION_TOKEN_FILE = 301 };

/* Option codes cli_option_repeated can track (short letters and long-only codes). */
#define CLI_OPTION_CODES_MAX 512
typedef struct cli_options_seen {
    bool seen[CLI_OPTION_CODES_MAX];
} cli_options_seen;

struct option;
/* An option taking a value given a second time is refused (issue 13: "--booking a
 * --booking b" silently took b). Returns the long name of option code c when it
 * takes a value, was seen before and is not named in repeatable (a NULL-ended
 * list, or NULL); else marks it seen and returns NULL. */
const char *cli_option_repeated(const struct option *options, int c, cli_options_seen *seen,
                                const char *const *repeatable);

#endif
