/* SPDX-License-Identifier: MIT */
/*
 * cmd_backup.c: `booking backup`, a consistent online copy of a sqlite store
 * (booking_store_backup), taken while `booking serve` or other processes go on
 * deciding.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char backup_help[] =
    "Usage: booking backup OUT_FILE [--store URL]\n"
    "\n"
    "Writes a consistent copy of a sqlite store to OUT_FILE, a new file, while the\n"
    "store stays in use: the copy holds exactly the decisions committed when it\n"
    "began (one read transaction; no writer waits for it), compacted, and synced to\n"
    "disk before the command succeeds. OUT_FILE must not exist. The copy is a store of\n"
    "its own: 'booking resource get ID --store sqlite:OUT_FILE' reads it.\n"
    "\n"
    "To restore: stop every process that uses the store, remove the store's file and\n"
    "its -wal and -shm files, put the copy in its place, and start again.\n"
    "It reads the database file itself: there is no --url form (run it on the host\n"
    "of the file, while 'booking serve' keeps running). A postgres:// store is\n"
    "backed up with PostgreSQL's own tools (pg_dump,\n"
    "pg_basebackup); a memory: store has nothing to keep.\n"
    "\n"
    "Options:\n"
    "  -s, --store URL   store (default " CLI_STORE_DEFAULT "); it must exist\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 the backup is written; 2 usage; 1 any other error (OUT_FILE exists,\n"
    "the store does not exist or is not sqlite:, the copy could not be written: then\n"
    "no OUT_FILE is left behind).\n"
    "\n"
    "Example:\n"
    "  booking backup /var/backups/booking-$(date +%F).db --store sqlite:/var/lib/booking/booking.db\n";

int cmd_backup(int argc, char **argv)
{
    static const struct option options[] = {{"store", required_argument, NULL, 's'},
                                            {"url", required_argument, NULL, CLI_OPTION_URL},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *store_url = NULL, *out = NULL;
    bool help = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:h", options, NULL)) != -1) {
        switch (c) {
        case 's':
            if (store_url != NULL)
                return cli_usage_error("backup", "--store given twice");
            store_url = optarg;
            break;
        case 'h': help = true; break;
        case CLI_OPTION_URL:
            /* A backup copies the database file, which only its host can read: the
             * service has no endpoint that hands its store out. */
            return cli_usage_error("backup", "--url does not apply: a backup copies the store's "
                                             "file; run it where the file is, with --store "
                                             "sqlite:PATH (the service keeps running)");
        case ':': return cli_usage_error("backup", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("backup", "unknown option %s", argv[optind - 1]);
        }
    }
    if (help)
        return fputs(backup_help, stdout), CLI_EXIT_OK;
    for (; optind < argc; optind++) {
        if (out != NULL)
            return cli_usage_error("backup", "unexpected argument '%s'", argv[optind]);
        out = argv[optind];
    }
    if (out == NULL || out[0] == '\0')
        return cli_usage_error("backup", "expected OUT_FILE");
    booking_store *store = cli_open_existing_store("backup", store_url ? store_url : CLI_STORE_DEFAULT);
    if (store == NULL)
        return CLI_EXIT_ERROR;
    char why[512] = "";
    booking_error e = booking_store_backup(store, out, why, sizeof why);
    booking_store_close(store);
    if (e != BOOKING_OK)
        return cli_error("backup", "%s", why[0] ? why : booking_error_name(e));
    struct stat st;
    long long bytes = stat(out, &st) == 0 ? (long long)st.st_size : -1;
    printf("backup %s written (%lld bytes)\n", out, bytes);
    return CLI_EXIT_OK;
}
