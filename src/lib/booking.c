/* SPDX-License-Identifier: MIT */
/*
 * booking.c: the public API. It checks every input against SPEC section 3,
 * then hands the call to the store named by the URL. Nothing here decides.
 */
#include "booking.h"
#include "core/validate.h"
#include "store/store.h"

#include <assert.h>
#include <string.h>

#ifndef BOOKING_VERSION
#define BOOKING_VERSION "0.0.0"
#endif

typedef struct store_scheme {
    const char *prefix; /* what the URL starts with */
    store_open_fn open;
} store_scheme;

static const store_scheme store_schemes[] = {
    {"sqlite:", bk_sqlite_store_open},
    {"memory:", bk_memory_store_open},
#ifdef BOOKING_WITH_POSTGRES
    {"postgres://", bk_postgres_store_open},
    {"postgresql://", bk_postgres_store_open},
#endif
};

#ifdef BOOKING_WITH_POSTGRES
#define STORE_SCHEMES_KNOWN "sqlite:PATH, memory: or postgres://..."
#else
#define STORE_SCHEMES_KNOWN "sqlite:PATH or memory:"
#endif

/* A postgres URL given to a library built without that store. */
static bool url_is_postgres(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

booking_error booking_store_open(const char *url, booking_store **out, char *errbuf,
                                 size_t errbuf_len)
{
    if (out == NULL)
        return BOOKING_EINVAL;
    *out = NULL;
    if (url == NULL) {
        bk_store_error(errbuf, errbuf_len, "no store URL given");
        return BOOKING_EURL;
    }
    for (size_t i = 0; i < sizeof store_schemes / sizeof store_schemes[0]; i++) {
        size_t n = strlen(store_schemes[i].prefix);
        if (strncmp(url, store_schemes[i].prefix, n) == 0)
            return store_schemes[i].open(url, url + n, out, errbuf, errbuf_len);
    }
    if (url_is_postgres(url))
        bk_store_error(errbuf, errbuf_len,
                       "this libbooking was built without the postgres:// store "
                       "(BOOKING_WITH_POSTGRES=OFF)");
    else
        bk_store_error(errbuf, errbuf_len, "unknown store URL (expected " STORE_SCHEMES_KNOWN ")");
    return BOOKING_EURL;
}

void booking_store_close(booking_store *store)
{
    if (store != NULL)
        store->ops->close(store);
}

static bool id_valid(const char *id)
{
    return bk_core_id_checked_len(id) != 0;
}

/* A bundle's lines (SPEC section 3): 1..BOOKING_LINES_MAX, each valid, no
 * resource named twice (at most 64 lines: the pairwise compare is the cheap one). */
static bool lines_valid(const booking_line *lines, size_t count)
{
    if (count == 0 || count > BOOKING_LINES_MAX)
        return false;
    size_t len[BOOKING_LINES_MAX];
    for (size_t i = 0; i < count; i++) {
        len[i] = bk_core_id_checked_len(lines[i].resource_id);
        if (len[i] == 0 || !booking_units_valid(lines[i].units))
            return false;
        for (size_t j = 0; j < i; j++) {
            if (len[j] == len[i] && memcmp(lines[j].resource_id, lines[i].resource_id, len[i]) == 0)
                return false;
        }
    }
    return true;
}

/* Whether a single attempt's resource_id is valid: the same id as the last
 * one found valid in this batch (*valid_before, NULL: none; the same pointer,
 * or one strcmp, which stops at the first byte that differs, where the check
 * reads every byte), or valid by the check, which then makes it the last. A
 * batch on one resource checks its id once. */
static bool resource_id_valid(const char *id, const char **valid_before)
{
    if (id != NULL && *valid_before != NULL &&
        (id == *valid_before || strcmp(id, *valid_before) == 0))
        return true;
    if (!id_valid(id))
        return false;
    *valid_before = id;
    return true;
}

/* Exactly one of the two forms of booking_request. */
static bool request_valid(const booking_request *r, const char **valid_resource)
{
    if (r == NULL || !id_valid(r->booking_id) || !booking_hold_ms_valid(r->hold_ms))
        return false;
    if (r->lines == NULL)
        return r->line_count == 0 && resource_id_valid(r->resource_id, valid_resource) &&
               booking_units_valid(r->units);
    return r->resource_id == NULL && r->units == 0 && lines_valid(r->lines, r->line_count);
}

booking_error booking_attempt(booking_store *store, const booking_request *request,
                              booking_result *result)
{
    return booking_attempt_batch(store, request, 1, result);
}

booking_error booking_attempt_batch(booking_store *store, const booking_request *requests,
                                    size_t count, booking_result *results)
{
    if (store == NULL || requests == NULL || results == NULL || count == 0 ||
        count > BOOKING_BATCH_MAX)
        return BOOKING_EINVAL;
    size_t lines = 0;
    const char *valid_resource = NULL; /* resource_id_valid() */
    for (size_t i = 0; i < count; i++) {
        if (!request_valid(&requests[i], &valid_resource))
            return BOOKING_EINVAL;
        lines += requests[i].lines != NULL ? requests[i].line_count : 1;
    }
    if (lines > BOOKING_BATCH_LINES_MAX)
        return BOOKING_EINVAL;
    bk_store_clear_error();
    store->ops->attempt_batch(store, requests, count, results);
    return BOOKING_OK;
}

booking_error booking_set_capacity(booking_store *store, const char *resource_id,
                                   uint64_t capacity, booking_reason *reason,
                                   booking_resource *resource)
{
    if (store == NULL || reason == NULL || !id_valid(resource_id) ||
        !booking_capacity_valid(capacity))
        return BOOKING_EINVAL;
    bk_store_clear_error();
    *reason = store->ops->set_capacity(store, resource_id, capacity, resource);
    return BOOKING_OK;
}

static bool change_valid(const booking_change *c)
{
    return id_valid(c->booking_id) &&
           (c->kind == BOOKING_CHANGE_CANCEL || c->kind == BOOKING_CHANGE_CONFIRM);
}

booking_error booking_change_batch(booking_store *store, const booking_change *changes,
                                   size_t count, booking_reason *reasons, booking_record *records)
{
    if (store == NULL || changes == NULL || reasons == NULL || count == 0 ||
        count > BOOKING_BATCH_MAX)
        return BOOKING_EINVAL;
    for (size_t i = 0; i < count; i++) {
        if (!change_valid(&changes[i]))
            return BOOKING_EINVAL;
    }
    bk_store_clear_error();
    store->ops->change_batch(store, changes, count, reasons, records);
    return BOOKING_OK;
}

/* A cancel or a confirm alone: a batch of one. */
static booking_error change_one(booking_store *store, const char *booking_id,
                                booking_change_kind kind, booking_reason *reason,
                                booking_record *record)
{
    if (reason == NULL)
        return BOOKING_EINVAL;
    booking_change c = {.booking_id = booking_id, .kind = kind};
    return booking_change_batch(store, &c, 1, reason, record);
}

booking_error booking_cancel(booking_store *store, const char *booking_id, booking_reason *reason,
                             booking_record *record)
{
    return change_one(store, booking_id, BOOKING_CHANGE_CANCEL, reason, record);
}

booking_error booking_confirm(booking_store *store, const char *booking_id, booking_reason *reason,
                              booking_record *record)
{
    return change_one(store, booking_id, BOOKING_CHANGE_CONFIRM, reason, record);
}

booking_error booking_store_set_clock(booking_store *store, booking_clock_fn clock, void *context)
{
    if (store == NULL)
        return BOOKING_EINVAL;
    store->clock = clock;
    store->clock_context = clock != NULL ? context : NULL;
    return BOOKING_OK;
}

booking_error booking_store_get_stats(booking_store *store, booking_store_stats *stats)
{
    if (store == NULL || stats == NULL)
        return BOOKING_EINVAL;
    stats->holds_expired = __atomic_load_n(&store->holds_expired, __ATOMIC_RELAXED);
    stats->listing_seal_failures = __atomic_load_n(&store->seal_failures, __ATOMIC_RELAXED);
    return BOOKING_OK;
}

booking_error booking_get_resource(booking_store *store, const char *resource_id,
                                   booking_reason *reason, booking_resource *resource)
{
    if (store == NULL || reason == NULL || resource == NULL || !id_valid(resource_id))
        return BOOKING_EINVAL;
    bk_store_clear_error();
    *reason = store->ops->get_resource(store, resource_id, resource);
    return BOOKING_OK;
}

booking_error booking_get_booking(booking_store *store, const char *booking_id,
                                  booking_reason *reason, booking_record *record)
{
    return booking_get_booking_lines(store, booking_id, reason, record, NULL, 0);
}

booking_error booking_get_booking_lines(booking_store *store, const char *booking_id,
                                        booking_reason *reason, booking_record *record,
                                        booking_record_line *lines, size_t lines_cap)
{
    if (store == NULL || reason == NULL || record == NULL || !id_valid(booking_id) ||
        (lines == NULL && lines_cap != 0))
        return BOOKING_EINVAL;
    if (lines_cap > BOOKING_LINES_MAX)
        lines_cap = BOOKING_LINES_MAX;
    bk_store_clear_error();
    *reason = store->ops->get_booking(store, booking_id, record, lines, lines_cap);
    assert(*reason != BOOKING_REASON_OK ||
           (record->line_count >= 1 && record->line_count <= BOOKING_LINES_MAX));
    return BOOKING_OK;
}

static bool list_filter_known(booking_list_filter filter)
{
    return filter >= BOOKING_LIST_ALL && filter <= BOOKING_LIST_REJECTED;
}

static bool list_page_valid(const char *after, size_t limit)
{
    return limit >= 1 && limit <= BOOKING_LIST_LIMIT_MAX && (after == NULL || id_valid(after));
}

/* What both listings assert of a store's page (store.h): in ascending order,
 * after `after`, within the scan budget, and a cursor past `after` and not
 * before the last item; a listing that keeps every record it examines resumes
 * after its last item. */
static void assert_page(const char *after, const char *first_id, size_t stride, size_t limit,
                        bool keeps_all, const store_page *page)
{
    (void)after;
    (void)first_id;
    (void)stride;
    (void)keeps_all;
    assert(page->count <= limit && page->count <= page->examined &&
           page->examined <= BOOKING_LIST_SCAN_MAX);
    assert(page->next[0] == '\0' || id_valid(page->next));
#ifndef NDEBUG
    const char *previous = after;
    for (size_t i = 0; i < page->count; i++) {
        const char *id = first_id + i * stride;
        assert(previous == NULL || strcmp(previous, id) < 0);
        previous = id;
    }
    if (page->next[0] != '\0') {
        assert(after == NULL || strcmp(after, page->next) < 0);
        assert(previous == NULL || strcmp(previous, page->next) <= 0);
        assert(!keeps_all || (page->count == limit && strcmp(previous, page->next) == 0));
    }
#endif
}

/* The page's answer to the caller: its count and its cursor. */
static void page_out(const store_page *page, size_t *count, char *next)
{
    *count = page->count;
    memcpy(next, page->next, strlen(page->next) + 1);
}

booking_error booking_list_resources(booking_store *store, const char *after, size_t limit,
                                     booking_reason *reason, booking_resource *resources,
                                     size_t *count, char *next)
{
    if (store == NULL || reason == NULL || resources == NULL || count == NULL || next == NULL ||
        !list_page_valid(after, limit))
        return BOOKING_EINVAL;
    bk_store_clear_error();
    *count = 0;
    next[0] = '\0';
    assert(store->ops->list_resources != NULL); /* every store lists */
    store_page page = {0};
    *reason = store->ops->list_resources(store, after, limit, resources, &page);
    if (*reason != BOOKING_REASON_OK)
        return BOOKING_OK;
    assert_page(after, resources[0].resource_id, sizeof *resources, limit, true, &page);
    page_out(&page, count, next);
    return BOOKING_OK;
}

booking_error booking_list_bookings(booking_store *store, const char *resource_id,
                                    booking_list_filter filter, const char *after, size_t limit,
                                    booking_reason *reason, booking_record *records,
                                    size_t *count, char *next)
{
    if (store == NULL || reason == NULL || records == NULL || count == NULL || next == NULL ||
        !id_valid(resource_id) || !list_filter_known(filter) || !list_page_valid(after, limit))
        return BOOKING_EINVAL;
    bk_store_clear_error();
    *count = 0;
    next[0] = '\0';
    assert(store->ops->list_bookings != NULL); /* every store lists */
    store_page page = {0};
    *reason = store->ops->list_bookings(store, resource_id, filter, after, limit, records, &page);
    if (*reason != BOOKING_REASON_OK)
        return BOOKING_OK;
    assert_page(after, records[0].booking_id, sizeof *records, limit, filter == BOOKING_LIST_ALL,
                &page);
    for (size_t i = 0; i < page.count; i++)
        assert(records[i].line_count >= 1 && records[i].line_count <= BOOKING_LINES_MAX);
    page_out(&page, count, next);
    return BOOKING_OK;
}

booking_error booking_store_backup(booking_store *store, const char *path, char *errbuf,
                                   size_t errbuf_len)
{
    if (store == NULL || path == NULL || path[0] == '\0')
        return BOOKING_EINVAL;
    if (store->ops->backup == NULL) {
        bk_store_error(errbuf, errbuf_len, "the %s store has no backup of its own%s",
                       store->ops->name,
                       strcmp(store->ops->name, "postgres") == 0
                           ? ": use PostgreSQL's pg_dump or pg_basebackup"
                           : "");
        return BOOKING_ENOTSUP;
    }
    return store->ops->backup(store, path, errbuf, errbuf_len);
}

booking_error booking_store_ping(booking_store *store, booking_reason *reason)
{
    if (store == NULL || reason == NULL)
        return BOOKING_EINVAL;
    bk_store_clear_error();
    *reason = store->ops->ping(store);
    return BOOKING_OK;
}

const char *booking_version(void)
{
    return BOOKING_VERSION;
}
