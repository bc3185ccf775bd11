/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.c: `booking resource list` and `booking booking list RESOURCE_ID`, one
 * page of a listing (SPEC section 5: ascending ids, keyset pages by --after and
 * --limit). Text: one line per item, as `get` prints it, and a last line naming
 * the next page's --after when there is one. --json: the body of GET
 * /v1/resources or GET /v1/resources/{id}/bookings, item for item the bodies
 * json/booking_json.c builds for the service.
 */
#include "cli/cli.h"
#include "cli/cmd_manage.h"
#include "json/booking_json.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

_Static_assert(BOOKING_LIST_LIMIT_DEFAULT >= 1 && BOOKING_LIST_LIMIT_DEFAULT <= BOOKING_LIST_LIMIT_MAX,
               "the default page is a page the library takes");

/* --limit N: 1..BOOKING_LIST_LIMIT_MAX, default BOOKING_LIST_LIMIT_DEFAULT. -1, or
 * the usage error's code. */
static int parse_page(const char *command, const manage_args *a, size_t *limit)
{
    uint64_t n = BOOKING_LIST_LIMIT_DEFAULT;
    if (a->limit_text != NULL && (!cli_parse_u64(a->limit_text, BOOKING_LIST_LIMIT_MAX, &n) || n == 0))
        return cli_usage_error(command, "invalid --limit '%s': an integer from 1 to %d",
                               a->limit_text, BOOKING_LIST_LIMIT_MAX);
    if (a->after != NULL && !cli_check_id(command, "--after", a->after))
        return CLI_EXIT_USAGE;
    *limit = (size_t)n;
    return -1;
}

/* {key: items, "next": ID or null}; items is stolen. NULL when out of memory. */
static json_t *page_json(const char *key, json_t *items, const cli_page *page)
{
    json_t *next = page->next[0] != '\0' ? json_string(page->next) : json_null();
    json_t *o = json_object();
    bool ok = o != NULL && items != NULL && next != NULL &&
              json_object_set(o, key, items) == 0 && json_object_set(o, "next", next) == 0;
    json_decref(items);
    json_decref(next);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Appends item (stolen); false when it or the append failed. */
static bool append(json_t *items, json_t *item)
{
    return items != NULL && item != NULL && json_array_append_new(items, item) == 0;
}

static void print_more(const cli_page *page)
{
    if (page->next[0] != '\0')
        printf("more: the next page is --after %s\n", page->next);
}

/* A listing's answer other than a page: its reason, as `get` prints one. */
static void print_refusal(booking_reason reason, const char *id, bool json)
{
    if (json)
        cli_print_json(booking_json_error(booking_reason_name(reason), id != NULL ? id : ""));
    else if (id != NULL)
        printf("%s resource_id=%s\n", booking_reason_name(reason), id);
    else
        printf("%s\n", booking_reason_name(reason));
}

int manage_resource_list(const manage_args *a)
{
    assert(a->positional_count >= 1 && strcmp(a->positional[0], "list") == 0);
    if (a->positional_count > 1)
        return cli_usage_error("resource", "unexpected argument '%s' ('list' takes none)",
                               a->positional[1]);
    size_t limit = 0;
    int rc = manage_refuse_options("resource", "list", a, MANAGE_GAVE_AFTER | MANAGE_GAVE_LIMIT);
    if (rc >= 0 || (rc = parse_page("resource", a, &limit)) >= 0)
        return rc;
    cli_backend *backend = NULL;
    if ((rc = cli_backend_open("resource", &a->target, CLI_ACCESS_READ, &backend)) >= 0)
        return rc;
    booking_reason reason;
    cli_page page = {0};
    rc = cli_backend_list_resources(backend, a->after, limit, &reason, &page);
    cli_backend_close(backend);
    if (rc != CLI_BACKEND_ANSWERED) {
        cli_page_free(&page);
        return rc;
    }
    assert(page.count <= limit);
    if (reason != BOOKING_REASON_OK) {
        print_refusal(reason, NULL, a->json);
    } else if (a->json) {
        json_t *items = json_array();
        bool ok = items != NULL;
        for (size_t i = 0; ok && i < page.count; i++)
            ok = append(items, booking_json_resource(&page.resources[i]));
        cli_print_json(page_json("resources", ok ? items : (json_decref(items), NULL), &page));
    } else {
        for (size_t i = 0; i < page.count; i++)
            manage_print_resource_text(BOOKING_REASON_OK, &page.resources[i]);
        print_more(&page);
    }
    cli_page_free(&page);
    return cli_exit_for_reason(reason);
}

int manage_booking_list(const manage_args *a)
{
    assert(a->positional_count >= 1 && strcmp(a->positional[0], "list") == 0);
    if (a->positional_count != 2)
        return cli_usage_error("booking", "expected 'list RESOURCE_ID'");
    const char *resource_id = a->positional[1];
    if (!cli_check_id("booking", "RESOURCE_ID", resource_id))
        return CLI_EXIT_USAGE;
    int rc = manage_refuse_options("booking", "list", a,
                                   MANAGE_GAVE_AFTER | MANAGE_GAVE_LIMIT | MANAGE_GAVE_STATUS);
    size_t limit = 0;
    if (rc >= 0 || (rc = parse_page("booking", a, &limit)) >= 0)
        return rc;
    booking_list_filter filter = BOOKING_LIST_ALL;
    if (a->status_text != NULL &&
        (a->status_text[0] == '\0' || !booking_list_filter_parse(a->status_text, &filter)))
        return cli_usage_error("booking", "invalid --status '%s': held, active, cancelled, "
                                          "expired or rejected", a->status_text);
    cli_backend *backend = NULL;
    if ((rc = cli_backend_open("booking", &a->target, CLI_ACCESS_READ, &backend)) >= 0)
        return rc;
    booking_reason reason;
    cli_page page = {0};
    rc = cli_backend_list_bookings(backend, resource_id, filter, a->after, limit, &reason, &page);
    cli_backend_close(backend);
    if (rc != CLI_BACKEND_ANSWERED) {
        cli_page_free(&page);
        return rc;
    }
    assert(page.count <= limit);
    if (reason != BOOKING_REASON_OK) {
        print_refusal(reason, resource_id, a->json);
    } else if (a->json) {
        json_t *items = json_array();
        bool ok = items != NULL;
        for (size_t i = 0; ok && i < page.count; i++) {
            const cli_record *r = &page.records[i];
            ok = append(items, booking_json_record(&r->record,
                                                   r->record.line_count > 1 ? r->lines : NULL));
        }
        cli_print_json(page_json("bookings", ok ? items : (json_decref(items), NULL), &page));
    } else {
        for (size_t i = 0; i < page.count; i++) {
            const cli_record *r = &page.records[i];
            manage_print_record_text(&r->record, r->record.line_count > 1 ? r->lines : NULL);
        }
        print_more(&page);
    }
    cli_page_free(&page);
    return cli_exit_for_reason(reason);
}
