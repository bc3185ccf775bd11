/* SPDX-License-Identifier: MIT */
/*
 * cli_common.c: helpers every `booking` subcommand uses.
 */
#include "cli/cli.h"
#include "json/booking_json.h"
#include "util/parse.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool cli_parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    return parse_u64(text, max, out);
}

bool cli_parse_ratio(const char *text, double *out)
{
    return parse_ratio(text, out);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "booking %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'booking %s --help')\n", command);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "booking %s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_ERROR;
}

const char *cli_redact_url(const char *url, char *out, size_t size)
{
    static const char mask[] = "***";
    size_t o = 0;
    const char *authority = strstr(url, "://");
    const char *at = NULL, *colon = NULL;
    if (authority != NULL) {
        authority += 3;
        size_t end = strcspn(authority, "/?#");
        for (size_t i = 0; i < end; i++) {
            if (authority[i] == '@')
                at = authority + i;
        }
        if (at != NULL)
            colon = memchr(authority, ':', (size_t)(at - authority));
    }
    for (const char *p = url; *p != '\0' && o + sizeof mask < size;) {
        if (colon != NULL && p == colon + 1) {
            memcpy(out + o, mask, sizeof mask - 1); /* user:PASSWORD@host */
            o += sizeof mask - 1;
            p = at;
        } else if ((p == url || p[-1] == '?' || p[-1] == '&') && strncmp(p, "password=", 9) == 0) {
            memcpy(out + o, "password=***", 12); /* ...?password=SECRET */
            o += 12;
            p += strcspn(p, "&#");
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

booking_store *cli_open_store(const char *command, const char *url)
{
    char why[512] = "", shown[CLI_URL_SHOWN_MAX];
    booking_store *store = NULL;
    booking_error e = booking_store_open(url, &store, why, sizeof why);
    if (e != BOOKING_OK) {
        cli_error(command, "cannot open store %s: %s", cli_redact_url(url, shown, sizeof shown),
                  why[0] ? why : booking_error_name(e));
        return NULL;
    }
    return store;
}

#define CLI_SQLITE_SCHEME "sqlite:"

booking_store *cli_open_existing_store(const char *command, const char *url)
{
    size_t scheme = strlen(CLI_SQLITE_SCHEME);
    if (url != NULL && strncmp(url, CLI_SQLITE_SCHEME, scheme) == 0) {
        const char *path = url + scheme;
        size_t len = strcspn(path, "?"); /* the path ends where the options begin */
        char file[PATH_MAX];
        if (len == 0 || len >= sizeof file)
            return cli_open_store(command, url); /* let the library name the problem */
        memcpy(file, path, len);
        file[len] = '\0';
        struct stat st;
        if (stat(file, &st) != 0) {
            cli_error(command, "no store at %s: %s (only a command that writes creates one)",
                      file, strerror(errno));
            return NULL;
        }
    }
    return cli_open_store(command, url);
}

bool cli_check_id(const char *command, const char *what, const char *id)
{
    if (id == NULL) {
        cli_usage_error(command, "missing %s", what);
        return false;
    }
    if (!booking_id_valid(id, strlen(id))) {
        cli_usage_error(command, "invalid %s '%s': 1 to %d characters of A-Z a-z 0-9 . _ : -",
                        what, id, BOOKING_ID_LEN_MAX);
        return false;
    }
    return true;
}

void cli_print_json(json_t *value)
{
    if (value == NULL) {
        fputs(BOOKING_JSON_OOM_LINE, stdout);
        return;
    }
    size_t len;
    char *text = booking_json_line(value, &len);
    if (text != NULL) {
        fwrite(text, 1, len, stdout);
        free(text);
    }
}

int cli_exit_for_reason(booking_reason reason)
{
    switch (reason) {
    case BOOKING_REASON_OK:
    case BOOKING_REASON_CANCELLED:
    case BOOKING_REASON_ALREADY_CANCELLED:
    case BOOKING_REASON_CONFIRMED:
    case BOOKING_REASON_ALREADY_CONFIRMED:
        return CLI_EXIT_OK;
    default:
        return booking_reason_is_failure(reason) ? CLI_EXIT_FAILED : CLI_EXIT_REJECTED;
    }
}

const char *cli_option_repeated(const struct option *options, int c, cli_options_seen *seen,
                                const char *const *repeatable)
{
    if (c < 0 || c >= CLI_OPTION_CODES_MAX)
        return NULL; /* ':' and '?' are below; no option code is above */
    const struct option *o = options;
    while (o->name != NULL && o->val != c)
        o++;
    if (o->name == NULL || o->has_arg != required_argument)
        return NULL; /* a flag may be given twice: it means the same */
    for (size_t i = 0; repeatable != NULL && repeatable[i] != NULL; i++) {
        if (strcmp(repeatable[i], o->name) == 0)
            return NULL;
    }
    if (seen->seen[c])
        return o->name;
    seen->seen[c] = true;
    return NULL;
}

char *cli_read_token(const char *command, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        cli_error(command, "cannot read --token-file %s: %s", path, strerror(errno));
        return NULL;
    }
    /* Room for the longest token, "\r\n", one byte more to see a longer line, NUL. */
    const size_t room = CLI_TOKEN_LEN_MAX + 4;
    char *token = calloc(1, room);
    size_t got = token != NULL ? fread(token, 1, room - 1, f) : 0;
    fclose(f);
    if (got == 0) {
        cli_error(command, "--token-file %s is empty", path);
        free(token);
        return NULL;
    }
    /* The first line, read as bytes: a NUL in it would silently cut the token to
     * what stands before it (issue 13), so it is refused. */
    const char *newline = memchr(token, '\n', got);
    size_t len = newline != NULL ? (size_t)(newline - token) + 1 : got;
    if (memchr(token, '\0', len) != NULL) {
        cli_error(command, "--token-file %s: the token holds a NUL byte", path);
        free(token);
        return NULL;
    }
    token[len] = '\0';
    while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' ||
                       token[len - 1] == ' ' || token[len - 1] == '\t'))
        token[--len] = '\0';
    size_t start = strspn(token, " \t");
    memmove(token, token + start, len - start + 1);
    if (strlen(token) > CLI_TOKEN_LEN_MAX) {
        cli_error(command, "--token-file %s: token longer than %d bytes", path,
                  CLI_TOKEN_LEN_MAX);
        free(token);
        return NULL;
    }
    if (token[0] == '\0') {
        cli_error(command, "--token-file %s has an empty first line", path);
        free(token);
        return NULL;
    }
    return token;
}
