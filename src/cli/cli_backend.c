/* SPDX-License-Identifier: MIT */
/*
 * cli_backend.c: the seam between a command and where it acts. The store side is
 * here (the library, called as the service's endpoints call it, so both give the
 * same answer); the HTTP side is cli_http.c. Each operation is one switch on the
 * side, nothing more.
 */
#include "cli/cli_backend.h"
#include "cli/cli.h"
#include "cli/cli_http.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct cli_backend {
    const char *command;
    booking_store *store; /* --store (or the default); NULL over HTTP */
    cli_http *http;       /* --url; NULL with a store */
};

int cli_target_check(const char *command, const cli_target *t)
{
    if (t->store_url != NULL && t->url != NULL)
        return cli_usage_error(command, "--store and --url do not go together: the one names "
                                        "a database to open, the other a running service");
    if (t->token_file != NULL && t->url == NULL)
        return cli_usage_error(command, "--token-file goes with --url");
    return -1;
}

int cli_backend_open(const char *command, const cli_target *t, cli_access access,
                     cli_backend **out)
{
    assert(cli_target_check(command, t) == -1); /* the caller checked the options */
    *out = NULL;
    cli_backend *b = calloc(1, sizeof *b);
    if (b == NULL)
        return cli_error(command, "out of memory");
    b->command = command;
    int rc = -1;
    if (t->url != NULL) {
        rc = cli_http_open(command, t->url, t->token_file, &b->http);
    } else {
        const char *url = t->store_url != NULL ? t->store_url : CLI_STORE_DEFAULT;
        b->store = access == CLI_ACCESS_READ ? cli_open_existing_store(command, url)
                                             : cli_open_store(command, url);
        rc = b->store != NULL ? -1 : CLI_EXIT_ERROR;
    }
    if (rc != -1) {
        free(b);
        return rc;
    }
    assert((b->http == NULL) != (b->store == NULL));
    *out = b;
    return -1;
}

void cli_backend_close(cli_backend *b)
{
    if (b == NULL)
        return;
    if (b->store != NULL)
        booking_store_close(b->store);
    cli_http_close(b->http);
    free(b);
}

void cli_page_free(cli_page *page)
{
    free(page->resources);
    free(page->records);
    memset(page, 0, sizeof *page);
}

/* A call the library refused: invalid input is a usage error (2), anything else
 * (out of memory) an error (1). */
static int store_refused(const cli_backend *b, const char *what, booking_error e)
{
    assert(e != BOOKING_OK);
    if (e == BOOKING_EINVAL)
        return cli_usage_error(b->command, "%s", booking_error_name(e));
    return cli_error(b->command, "%s: %s", what, booking_error_name(e));
}

/* A bundle's lines beside a record read without them (a change, a listing): lines
 * never change once decided, so a later read gives the ones the record had.
 * The reason of that read (OK when there was nothing to read). */
static booking_reason store_read_lines(cli_backend *b, cli_record *out)
{
    booking_record *r = &out->record;
    memcpy(out->lines[0].resource_id, r->resource_id, sizeof r->resource_id);
    out->lines[0].units = r->units;
    if (r->line_count <= 1)
        return BOOKING_REASON_OK;
    booking_reason read;
    booking_record now = {0};
    booking_error e = booking_get_booking_lines(b->store, r->booking_id, &read, &now, out->lines,
                                                BOOKING_LINES_MAX);
    if (e != BOOKING_OK)
        return BOOKING_REASON_INTERNAL;
    if (read == BOOKING_REASON_OK)
        assert(now.line_count == r->line_count); /* lines never change */
    return booking_reason_is_failure(read) || read == BOOKING_REASON_OK ? read
                                                                         : BOOKING_REASON_INTERNAL;
}

int cli_backend_attempt(cli_backend *b, const booking_request *request, booking_result *result)
{
    if (b->http != NULL)
        return cli_http_attempt(b->http, request, result);
    booking_error e = booking_attempt(b->store, request, result);
    return e == BOOKING_OK ? CLI_BACKEND_ANSWERED : store_refused(b, "an attempt", e);
}

int cli_backend_change(cli_backend *b, booking_change_kind kind, const char *booking_id,
                       booking_reason *reason, cli_record *out)
{
    assert(kind == BOOKING_CHANGE_CANCEL || kind == BOOKING_CHANGE_CONFIRM);
    if (b->http != NULL)
        return cli_http_change(b->http, kind, booking_id, reason, out);
    memset(&out->record, 0, sizeof out->record);
    booking_error e = kind == BOOKING_CHANGE_CANCEL
                          ? booking_cancel(b->store, booking_id, reason, &out->record)
                          : booking_confirm(b->store, booking_id, reason, &out->record);
    if (e != BOOKING_OK)
        return store_refused(b, kind == BOOKING_CHANGE_CANCEL ? "a cancel" : "a confirm", e);
    bool have_record = *reason != BOOKING_REASON_UNKNOWN_BOOKING &&
                       !booking_reason_is_failure(*reason);
    if (have_record) {
        /* If the lines cannot be read, the answer is that failure: the change
         * stands, and a repeat of it is safe and shows the lines (as the service). */
        booking_reason read = store_read_lines(b, out);
        if (read != BOOKING_REASON_OK)
            *reason = read;
    }
    return CLI_BACKEND_ANSWERED;
}

int cli_backend_get_booking(cli_backend *b, const char *booking_id, booking_reason *reason,
                            cli_record *out)
{
    if (b->http != NULL)
        return cli_http_get_booking(b->http, booking_id, reason, out);
    memset(&out->record, 0, sizeof out->record);
    booking_error e = booking_get_booking_lines(b->store, booking_id, reason, &out->record,
                                                out->lines, BOOKING_LINES_MAX);
    return e == BOOKING_OK ? CLI_BACKEND_ANSWERED : store_refused(b, "reading a booking", e);
}

int cli_backend_set_capacity(cli_backend *b, const char *resource_id, uint64_t capacity,
                             booking_reason *reason, booking_resource *out)
{
    if (b->http != NULL)
        return cli_http_set_capacity(b->http, resource_id, capacity, reason, out);
    memset(out, 0, sizeof *out);
    booking_error e = booking_set_capacity(b->store, resource_id, capacity, reason, out);
    return e == BOOKING_OK ? CLI_BACKEND_ANSWERED : store_refused(b, "setting a capacity", e);
}

int cli_backend_get_resource(cli_backend *b, const char *resource_id, booking_reason *reason,
                             booking_resource *out)
{
    if (b->http != NULL)
        return cli_http_get_resource(b->http, resource_id, reason, out);
    memset(out, 0, sizeof *out);
    booking_error e = booking_get_resource(b->store, resource_id, reason, out);
    return e == BOOKING_OK ? CLI_BACKEND_ANSWERED : store_refused(b, "reading a resource", e);
}

int cli_backend_list_resources(cli_backend *b, const char *after, size_t limit,
                               booking_reason *reason, cli_page *page)
{
    assert(limit >= 1 && limit <= BOOKING_LIST_LIMIT_MAX);
    if (b->http != NULL)
        return cli_http_list_resources(b->http, after, limit, reason, page);
    memset(page, 0, sizeof *page);
    page->resources = calloc(limit, sizeof *page->resources);
    if (page->resources == NULL)
        return cli_error(b->command, "out of memory");
    booking_error e = booking_list_resources(b->store, after, limit, reason, page->resources,
                                             &page->count, page->next);
    if (e != BOOKING_OK)
        return store_refused(b, "listing resources", e);
    assert(page->count <= limit);
    return CLI_BACKEND_ANSWERED;
}

int cli_backend_list_bookings(cli_backend *b, const char *resource_id, booking_list_filter filter,
                              const char *after, size_t limit, booking_reason *reason,
                              cli_page *page)
{
    assert(limit >= 1 && limit <= BOOKING_LIST_LIMIT_MAX);
    if (b->http != NULL)
        return cli_http_list_bookings(b->http, resource_id, filter, after, limit, reason, page);
    memset(page, 0, sizeof *page);
    booking_record *records = calloc(limit, sizeof *records);
    page->records = calloc(limit, sizeof *page->records);
    if (records == NULL || page->records == NULL) {
        free(records);
        return cli_error(b->command, "out of memory");
    }
    booking_error e = booking_list_bookings(b->store, resource_id, filter, after, limit, reason,
                                            records, &page->count, page->next);
    for (size_t i = 0; e == BOOKING_OK && i < page->count; i++)
        page->records[i].record = records[i];
    free(records);
    if (e != BOOKING_OK)
        return store_refused(b, "listing bookings", e);
    assert(page->count <= limit);
    if (*reason != BOOKING_REASON_OK)
        return CLI_BACKEND_ANSWERED;
    /* Each bundle's lines, as the service reads them for its answer. */
    for (size_t i = 0; i < page->count; i++) {
        booking_reason read = store_read_lines(b, &page->records[i]);
        if (read != BOOKING_REASON_OK) {
            *reason = read;
            page->count = 0;
            page->next[0] = '\0';
            return CLI_BACKEND_ANSWERED;
        }
    }
    return CLI_BACKEND_ANSWERED;
}
