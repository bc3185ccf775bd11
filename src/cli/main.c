/* SPDX-License-Identifier: MIT */
/*
 * main.c: `booking`, the command line. A thin adapter: it parses arguments,
 * calls libbooking, prints the result and exits with the outcome's status.
 */
#include "cli/cli.h"
#include "util/build_info.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

typedef struct cli_command {
    const char *name;
    cli_command_fn run;
    const char *summary;
} cli_command;

static const cli_command commands[] = {
    {"attempt", cmd_attempt, "one attempt to reserve units of a resource, or of several"},
    {"confirm", cmd_confirm, "confirm a held booking, making it active"},
    {"cancel", cmd_cancel, "cancel a booking, releasing its units"},
    {"resource", cmd_resource, "set, get or list resources and their capacity"},
    {"booking", cmd_booking, "get a booking's decision record, or list a resource's"},
    {"bench", cmd_bench, "measure attempts per second and latency"},
    {"check", cmd_check, "check a recorded history for linearizability"},
    {"serve", cmd_serve, "serve the HTTP/JSON API"},
    {"backup", cmd_backup, "write a consistent copy of a live sqlite store"},
};

static void print_help(FILE *out)
{
    fputs("Usage: booking COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "booking reserves capacity without overselling: each attempt ends in exactly one\n"
          "outcome, BOOKED, REJECTED or FAILED, and is idempotent by its booking ID.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Every command takes --help ('booking help COMMAND' says the same); those\n"
          "that use a store take --store URL (default " CLI_STORE_DEFAULT "; also memory:\n"
          "and postgres://...), and those that print a result take --json.\n"
          "attempt, confirm, cancel, resource and booking also take --url\n"
          "http://HOST:PORT (and --token-file PATH) to act through a running\n"
          "'booking serve' instead of opening its database, with the same output and\n"
          "exit status.\n"
          "\n"
          "Options:\n"
          "  -h, --help      show this help\n"
          "  -V, --version   print the version\n",
          out);
}

/* SQLite's memory statistics (on by default) take a process-wide mutex and update
 * counters on every allocation, and Debian's build has no lookaside, so each
 * statement's three or so allocations and frees paid it: ~600 instructions per
 * attempt at batch 8192. booking reads no such statistic (no sqlite3_memory_used,
 * no heap limit), and this is the program, which owns the process: here, before
 * any thread or store exists, is the one place where sqlite3_config may be called.
 * A failure leaves SQLite as it was (correct, only slower). */
static void configure_sqlite(void)
{
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)rc; /* SQLITE_MISUSE only if SQLite was initialized before main */
}

int main(int argc, char **argv)
{
    configure_sqlite();
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 && argc >= 3) {
        /* `booking help CMD` is `booking CMD --help`. */
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
            if (strcmp(argv[2], commands[i].name) == 0) {
                char *help_argv[] = {argv[2], "--help", NULL};
                return commands[i].run(2, help_argv);
            }
        }
        fprintf(stderr, "booking: unknown command '%s' (see 'booking --help')\n", argv[2]);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("booking %s\n"
               "commit %s, %s, stores %s\n",
               booking_version(), BOOKING_BUILD_COMMIT, BOOKING_BUILD_COMPILER,
               BOOKING_BUILD_STORES);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "booking: unknown command '%s' (see 'booking --help')\n", name);
    return CLI_EXIT_USAGE;
}
