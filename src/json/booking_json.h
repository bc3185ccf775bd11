/* SPDX-License-Identifier: MIT */
/*
 * booking_json.h: every reply body of SPEC section 5, built here and only here,
 * for the service and the command line's --json, so both print the same bytes.
 * Each json_t * returns a new reference (NULL only when out of memory).
 */
#ifndef BOOKING_JSON_H
#define BOOKING_JSON_H

#include "booking.h"

#include <jansson.h>

/* Times (SPEC section 5) are RFC 3339 UTC text with milliseconds (util/time_text.h).
 * expires_at is shown beside a status of held or expired only: a hold that was
 * confirmed (active) or cancelled has no expiry left to announce. */
bool booking_json_shows_expiry(booking_status status);

/* outcome, reason, booking_id, resource_id, units, replayed; for BOOKED also
 * status, and expires_at when held or expired. A bundle (request->lines) has
 * "lines": [{"resource_id", "units"}, ...] instead of resource_id and units, and
 * after them "line" when booking_json_shows_line (SPEC sections 5 and 8). */
json_t *booking_json_outcome(const booking_request *request, const booking_result *result);
/* Whether an outcome body names the failing line: a bundle's REJECTED
 * insufficient_capacity or unknown_resource. */
bool booking_json_shows_line(const booking_request *request, const booking_result *result);
/* resource_id, capacity, booked, remaining, as_of. */
json_t *booking_json_resource(const booking_resource *resource);
/* booking_id, resource_id and units (a record of one line only), lines (always, in
 * the attempt's order), line_count, outcome, reason, line (REJECTED only), status,
 * expires_at (held or expired only), created_at, updated_at. lines holds the
 * record's line_count lines as booking_get_booking_lines read them; it may be NULL
 * for a record of one line (line 0 is in the record itself). */
json_t *booking_json_record(const booking_record *record, const booking_record_line *lines);
/* A cancel's or a confirm's answer: the record's fields, with "result" the
 * operation's reason (cancelled, already_cancelled, confirmed, hold_expired, ...). */
json_t *booking_json_change(booking_reason reason, const booking_record *record,
                            const booking_record_line *lines);
/* {"error": error, "detail": detail}; also used for FAILED reasons of non-attempts. */
json_t *booking_json_error(const char *error, const char *detail);
/* A refused capacity change: the resource as it stays, with "error" the reason. */
json_t *booking_json_capacity_refused(booking_reason reason, const booking_resource *resource);
/* {"outcomes": [outcome, ...]}: a batch's answer, in request order. */
json_t *booking_json_outcomes(const booking_request *requests, const booking_result *results,
                              size_t count);
/* The listings of SPEC section 5 as lines (malloc'd, ending in '\n', *len bytes,
 * no NUL), byte for byte booking_json_line of the tree {"resources": [resource,
 * ...], "next": next} (or "bookings": [record, ...]), each item the body that
 * booking_json_resource or booking_json_record gives it; next NULL is null. A
 * page is written one item at a time, so it never holds more than one item's
 * tree beside the text. lines[i] are records[i]'s lines as for
 * booking_json_record (NULL for a record of one line). NULL when out of memory. */
char *booking_json_resources_page_text(const booking_resource *resources, size_t count,
                                       const char *next, size_t *len);
char *booking_json_bookings_page_text(const booking_record *records,
                                      const booking_record_line *const *lines, size_t count,
                                      const char *next, size_t *len);

/* /healthz and /readyz: {"status": status}, with "reason" unless it is NULL. */
json_t *booking_json_health(const char *status, const char *reason);

/* The line sent when even an error body cannot be built. */
#define BOOKING_JSON_OOM_LINE "{\"error\":\"internal\",\"detail\":\"out of memory\"}\n"

/* value written compact on one line ending in '\n' (one answer per line, as curl
 * users expect), NUL-terminated, *len bytes without the NUL; value is released.
 * NULL (value NULL, or out of memory): send BOOKING_JSON_OOM_LINE instead. */
char *booking_json_line(json_t *value, size_t *len);

/* The outcome body written straight into a buffer, byte for byte what
 * json_dumps(booking_json_outcome(...), JSON_COMPACT) gives, without building a
 * tree: the service answers thousands of these per batch. Writes at most
 * booking_json_outcome_max(request) bytes (BOOKING_JSON_OUTCOME_MAX for the
 * single form; no terminating NUL) and returns how many.
 * The ids must be valid (booking_id_valid, as for every request the library
 * decided): they are written unescaped, and an invalid one trips an assertion. */
/* The longest is 443 bytes: BOOKED, a 21-byte reason, two 128-byte ids, units
 * 2^53-1, status expired with its expires_at; the writer asserts the bound. */
#define BOOKING_JSON_OUTCOME_MAX (256 + 2 * BOOKING_ID_LEN_MAX)
/* A bundle's body has no resource_id or units but ,"lines":[...] and ,"line":63
 * (21 bytes at most, BOOKING_LINES_MAX - 1 being two digits), and each line at
 * most {"resource_id":"<128 bytes>","units":9007199254740991} and its comma (172). */
#define BOOKING_JSON_OUTCOME_BUNDLE_EXTRA 32
#define BOOKING_JSON_OUTCOME_LINE_MAX (48 + BOOKING_ID_LEN_MAX)
/* The bound of an outcome body for this request, its lines counted. */
size_t booking_json_outcome_max(const booking_request *request);
size_t booking_json_outcome_write(char *out, const booking_request *request,
                                  const booking_result *result);

/* The same bodies as lines (malloc'd, ending in '\n', *len bytes, no NUL) for one
 * outcome and for {"outcomes": [...]}: byte for byte booking_json_line of the
 * trees above (the ids must be valid, as above). NULL when out of memory. */
char *booking_json_outcome_text(const booking_request *request, const booking_result *result,
                                size_t *len);
char *booking_json_outcomes_text(const booking_request *requests, const booking_result *results,
                                 size_t count, size_t *len);

#endif
