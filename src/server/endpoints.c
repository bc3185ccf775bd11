/* SPDX-License-Identifier: MIT */
/*
 * endpoints.c: the answers of SPEC section 5, as a status and a body that
 * json/booking_json.c builds. Reads and capacity changes call the library
 * directly from the HTTP thread; attempts, confirms and cancels are decided by
 * the committer (group commit) and only turned into answers here.
 */
#include "server/endpoints.h"
#include "json/booking_json.h"
#include "server/problem.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Every status in BOOKING_REASON_MAP is one the service names (metrics.c counts them). */
#define REASON_STATUS_NAMED_(name, wire, outcome, recorded, http_status)                    \
    _Static_assert((http_status) == HTTP_OK || (http_status) == HTTP_CREATED ||             \
                       (http_status) == HTTP_NOT_FOUND || (http_status) == HTTP_CONFLICT || \
                       (http_status) == HTTP_UNAVAILABLE,                                   \
                   "reason " #name " has an HTTP status the service does not name");
BOOKING_REASON_MAP(REASON_STATUS_NAMED_)
#undef REASON_STATUS_NAMED_

unsigned endpoint_reason_status(booking_reason reason)
{
    switch (reason) {
#define REASON_STATUS_(name, wire, outcome, recorded, http_status) \
    case BOOKING_REASON_##name: return http_status;
        BOOKING_REASON_MAP(REASON_STATUS_)
#undef REASON_STATUS_
    }
    return HTTP_INTERNAL;
}

static http_reply reply(unsigned status, json_t *body)
{
    return (http_reply){.status = status, .body = body, .allow = NULL, .retry_after = false};
}

http_reply reply_error(unsigned status, const char *error, const char *detail)
{
    http_reply r = reply(status, problem_json(status, error, detail));
    r.retry_after = status == HTTP_UNAVAILABLE;
    r.problem = true;
    return r;
}

http_reply reply_invalid(const request_decode_result *why)
{
    if (why->status == REQUEST_DECODE_NOMEM)
        return reply_error(HTTP_UNAVAILABLE, "internal", why->detail);
    return reply_error(HTTP_BAD_REQUEST, "invalid_request", why->detail);
}

/* A store's failure on a non-attempt operation: 503, retrying is safe. */
static http_reply reply_failure(booking_reason reason)
{
    return reply_error(endpoint_reason_status(reason), booking_reason_name(reason),
                       "the store could not answer; retrying is safe");
}

/* The library refused input the decoder accepted: a bug, never the client's fault. */
static http_reply reply_library_error(booking_error e)
{
    if (e == BOOKING_EINVAL)
        return reply_error(HTTP_BAD_REQUEST, "invalid_request", booking_error_name(e));
    if (e == BOOKING_ENOMEM) /* a shortage, never the client's fault: retry */
        return reply_error(HTTP_UNAVAILABLE, "internal", booking_error_name(e));
    return reply_error(HTTP_INTERNAL, "internal", booking_error_name(e));
}

/* Attempts are answered by the thousand: their bodies are written straight as
 * text (booking_json_outcome_text, checked byte for byte against jansson by the
 * unit tests) rather than built as trees. The tree is the fallback. */
static http_reply reply_text(unsigned status, char *text, size_t len)
{
    return (http_reply){.status = status, .text = text, .text_len = len};
}

http_reply reply_attempt(const booking_request *request, const booking_result *result)
{
    unsigned status = endpoint_reason_status(result->reason);
    if (result->outcome == BOOKING_BOOKED && result->replayed)
        status = HTTP_OK; /* nothing was created this time */
    size_t len = 0;
    char *text = booking_json_outcome_text(request, result, &len);
    http_reply r = text != NULL ? reply_text(status, text, len)
                                : reply(status, booking_json_outcome(request, result));
    r.retry_after = result->outcome == BOOKING_FAILED;
    if (status == HTTP_CREATED) /* SPEC section 5: Location: /v1/bookings/{booking_id} */
        r.location_id = request->booking_id;
    return r;
}

http_reply reply_batch(const booking_request *requests, const booking_result *results,
                       size_t count)
{
    bool any_failed = false;
    for (size_t i = 0; i < count; i++)
        any_failed = any_failed || results[i].outcome == BOOKING_FAILED;
    size_t len = 0;
    char *text = booking_json_outcomes_text(requests, results, count, &len);
    http_reply r = text != NULL ? reply_text(HTTP_OK, text, len)
                                : reply(HTTP_OK, booking_json_outcomes(requests, results, count));
    r.retry_after = any_failed;
    return r;
}

/* The lines to show beside a record: a record of one line shows its line 0, the
 * record's own fields (the same as lines[0], and what every store has). */
static const booking_record_line *record_lines_or_null(const booking_record *rec,
                                                       const booking_record_line *lines)
{
    return rec->line_count > 1 ? lines : NULL;
}

http_reply endpoint_booking_get(booking_store *store, const char *booking_id)
{
    booking_reason reason;
    booking_record rec = {0}; /* every field a body shows is defined, whatever the store */
    booking_record_line lines[BOOKING_LINES_MAX];
    booking_error e = booking_get_booking_lines(store, booking_id, &reason, &rec, lines,
                                                BOOKING_LINES_MAX);
    if (e != BOOKING_OK)
        return reply_library_error(e);
    if (reason == BOOKING_REASON_OK)
        return reply(endpoint_reason_status(reason), booking_json_record(&rec, record_lines_or_null(&rec, lines)));
    if (reason == BOOKING_REASON_UNKNOWN_BOOKING)
        return reply_error(endpoint_reason_status(reason), "unknown_booking", booking_id);
    return reply_failure(reason);
}

/* The answer of a cancel or a confirm: the record with "result" whenever there is
 * a record (200, or 409 for not_booked, hold_expired and a confirm's
 * already_cancelled: the record shows why nothing changed), 404 for an unknown
 * id, 503 for a failure. The status is the reason's (BOOKING_REASON_MAP).
 * A change's record carries line 0 only; a bundle's other lines are read here
 * (they never change once decided, so any read after the change gives the ones
 * it changed). If that read fails the answer is its failure: the change stands,
 * and a repeat of it is safe and answers with the lines. */
static http_reply reply_change(booking_store *store, booking_reason reason,
                               const booking_record *rec, const char *booking_id)
{
    if (reason == BOOKING_REASON_UNKNOWN_BOOKING)
        return reply_error(endpoint_reason_status(reason), "unknown_booking", booking_id);
    if (booking_reason_is_failure(reason))
        return reply_failure(reason);
    if (rec->line_count <= 1)
        return reply(endpoint_reason_status(reason), booking_json_change(reason, rec, NULL));
    booking_reason read;
    booking_record now = {0};
    booking_record_line lines[BOOKING_LINES_MAX];
    booking_error e = booking_get_booking_lines(store, booking_id, &read, &now, lines,
                                                BOOKING_LINES_MAX);
    if (e != BOOKING_OK)
        return reply_library_error(e);
    if (read != BOOKING_REASON_OK)
        return reply_failure(booking_reason_is_failure(read) ? read : BOOKING_REASON_INTERNAL);
    assert(now.line_count == rec->line_count); /* lines never change */
    return reply(endpoint_reason_status(reason), booking_json_change(reason, rec, lines));
}

/* A confirm's already_cancelled is a refusal (SPEC section 5: 409), while a
 * cancel's is the answer to a repeat (200): one reason, two statuses. */
static unsigned confirm_status(booking_reason reason)
{
    return reason == BOOKING_REASON_ALREADY_CANCELLED ? HTTP_CONFLICT
                                                      : endpoint_reason_status(reason);
}

http_reply reply_cancel(booking_store *store, server_metrics *metrics, const char *booking_id,
                        booking_reason reason, const booking_record *rec)
{
    metrics_change(metrics, reason, rec);
    switch (reason) {
    case BOOKING_REASON_CANCELLED:
    case BOOKING_REASON_ALREADY_CANCELLED:
    case BOOKING_REASON_NOT_BOOKED:   /* a REJECTED decision: nothing to release */
    case BOOKING_REASON_HOLD_EXPIRED: /* its units were already free */
    case BOOKING_REASON_UNKNOWN_BOOKING:
        return reply_change(store, reason, rec, booking_id);
    default:
        return reply_failure(reason);
    }
}

http_reply reply_confirm(booking_store *store, server_metrics *metrics, const char *booking_id,
                         booking_reason reason, const booking_record *rec)
{
    metrics_change(metrics, reason, rec);
    switch (reason) {
    case BOOKING_REASON_CONFIRMED:
    case BOOKING_REASON_ALREADY_CONFIRMED:
    case BOOKING_REASON_HOLD_EXPIRED:
    case BOOKING_REASON_ALREADY_CANCELLED:
    case BOOKING_REASON_NOT_BOOKED:
    case BOOKING_REASON_UNKNOWN_BOOKING: {
        http_reply r = reply_change(store, reason, rec, booking_id);
        r.status = confirm_status(reason);
        return r;
    }
    default:
        return reply_failure(reason);
    }
}

http_reply endpoint_resource_get(booking_store *store, const char *resource_id)
{
    booking_reason reason;
    booking_resource res = {0};
    booking_error e = booking_get_resource(store, resource_id, &reason, &res);
    if (e != BOOKING_OK)
        return reply_library_error(e);
    if (reason == BOOKING_REASON_OK)
        return reply(endpoint_reason_status(reason), booking_json_resource(&res));
    if (reason == BOOKING_REASON_UNKNOWN_RESOURCE)
        return reply_error(endpoint_reason_status(reason), "unknown_resource", resource_id);
    return reply_failure(reason);
}

http_reply endpoint_resource_put(booking_store *store, const char *resource_id, uint64_t capacity)
{
    booking_reason reason;
    booking_resource res = {0};
    booking_error e = booking_set_capacity(store, resource_id, capacity, &reason, &res);
    if (e != BOOKING_OK)
        return reply_library_error(e);
    if (reason == BOOKING_REASON_OK)
        return reply(endpoint_reason_status(reason), booking_json_resource(&res));
    if (reason == BOOKING_REASON_CAPACITY_BELOW_BOOKED) {
        /* The state stays as it was; show it beside the refusal. */
        return reply(endpoint_reason_status(reason), booking_json_capacity_refused(reason, &res));
    }
    return reply_failure(reason);
}

/* ---- listings ---- */

static http_reply reply_page(char *text, size_t len)
{
    if (text == NULL)
        return reply_error(HTTP_UNAVAILABLE, "internal", "out of memory for the page");
    return reply_text(HTTP_OK, text, len);
}

http_reply endpoint_resource_list(booking_store *store, const list_query *query)
{
    assert(query->kind == LIST_QUERY_RESOURCES);
    assert(query->limit >= 1 && query->limit <= BOOKING_LIST_LIMIT_MAX);
    booking_resource *page = calloc(query->limit, sizeof *page);
    if (page == NULL)
        return reply_error(HTTP_UNAVAILABLE, "internal", "out of memory for the page");
    booking_reason reason;
    size_t count = 0;
    char next[BOOKING_LIST_NEXT_SIZE];
    booking_error e = booking_list_resources(store, list_query_after(query), query->limit,
                                             &reason, page, &count, next);
    http_reply r;
    if (e != BOOKING_OK) {
        r = reply_library_error(e);
    } else if (reason != BOOKING_REASON_OK) {
        r = reply_failure(booking_reason_is_failure(reason) ? reason : BOOKING_REASON_INTERNAL);
    } else {
        size_t len = 0;
        char *text = booking_json_resources_page_text(page, count, next[0] ? next : NULL, &len);
        r = reply_page(text, len);
    }
    free(page);
    return r;
}

/* The lines of the page's bundles, read beside the page (lines never change once
 * decided, so any read after the page's gives the page's): lines[i] points into
 * *buffer for a bundle and is NULL for a record of one line. OK, or the reason
 * of the read that failed (a failure; INTERNAL if a listed record were unknown). */
static booking_reason read_page_lines(booking_store *store, const booking_record *records,
                                      size_t count, const booking_record_line **lines,
                                      booking_record_line **buffer)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += records[i].line_count > 1 ? records[i].line_count : 0;
    *buffer = NULL;
    if (total > 0 && (*buffer = calloc(total, sizeof **buffer)) == NULL)
        return BOOKING_REASON_INTERNAL;
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        lines[i] = NULL;
        if (records[i].line_count <= 1)
            continue;
        booking_reason read;
        booking_record now = {0};
        booking_error e = booking_get_booking_lines(store, records[i].booking_id, &read, &now,
                                                    *buffer + used, records[i].line_count);
        if (e != BOOKING_OK || read != BOOKING_REASON_OK)
            return e == BOOKING_OK && booking_reason_is_failure(read) ? read
                                                                       : BOOKING_REASON_INTERNAL;
        assert(now.line_count == records[i].line_count); /* lines never change */
        lines[i] = *buffer + used;
        used += records[i].line_count;
    }
    return BOOKING_REASON_OK;
}

http_reply endpoint_booking_list(booking_store *store, const char *resource_id,
                                 const list_query *query)
{
    assert(query->kind == LIST_QUERY_BOOKINGS);
    assert(query->limit >= 1 && query->limit <= BOOKING_LIST_LIMIT_MAX);
    booking_record *page = calloc(query->limit, sizeof *page);
    const booking_record_line **lines = calloc(query->limit, sizeof *lines);
    booking_record_line *buffer = NULL;
    http_reply r;
    booking_reason reason;
    size_t count = 0;
    char next[BOOKING_LIST_NEXT_SIZE];
    booking_error e = BOOKING_ENOMEM;
    if (page != NULL && lines != NULL)
        e = booking_list_bookings(store, resource_id, query->filter, list_query_after(query),
                                  query->limit, &reason, page, &count, next);
    if (e != BOOKING_OK) {
        r = reply_library_error(e);
    } else if (reason == BOOKING_REASON_UNKNOWN_RESOURCE) {
        r = reply_error(endpoint_reason_status(reason), "unknown_resource", resource_id);
    } else if (reason != BOOKING_REASON_OK) {
        r = reply_failure(booking_reason_is_failure(reason) ? reason : BOOKING_REASON_INTERNAL);
    } else if ((reason = read_page_lines(store, page, count, lines, &buffer)) !=
               BOOKING_REASON_OK) {
        r = reply_failure(reason);
    } else {
        size_t len = 0;
        /* next: the store's cursor (booking.h), not derived from the items: a
         * filtered page may end early, short or even empty, with a next. */
        char *text =
            booking_json_bookings_page_text(page, lines, count, next[0] ? next : NULL, &len);
        r = reply_page(text, len);
    }
    free(buffer);
    free(lines);
    free(page);
    return r;
}

http_reply endpoint_readyz(booking_store *store, bool draining, bool commit_failed)
{
    if (draining)
        return reply(HTTP_UNAVAILABLE, booking_json_health("draining", NULL));
    if (commit_failed) {
        http_reply r = reply(HTTP_UNAVAILABLE, booking_json_health("unavailable", "commit_failed"));
        r.retry_after = true;
        return r;
    }
    booking_reason reason;
    booking_error e = booking_store_ping(store, &reason);
    if (e == BOOKING_OK && reason == BOOKING_REASON_OK)
        return reply(HTTP_OK, booking_json_health("ready", NULL));
    const char *why = e != BOOKING_OK ? "internal" : booking_reason_name(reason);
    http_reply r = reply(HTTP_UNAVAILABLE, booking_json_health("unavailable", why));
    r.retry_after = true;
    return r;
}

http_reply endpoint_healthz(void)
{
    return reply(HTTP_OK, booking_json_health("ok", NULL));
}
