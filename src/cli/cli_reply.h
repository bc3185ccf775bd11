/* SPDX-License-Identifier: MIT */
/*
 * cli_reply.h: the reply bodies of `booking serve` (SPEC section 5, as
 * json/booking_json.c builds them) read back into the library's types, so that a
 * command acting through --url prints with the same printer as through --store.
 * Strict about what a printer shows (ids, names, numbers and times checked as the
 * library's limits say; a body that breaks them is refused), lenient about fields
 * it does not read. Pure: no I/O.
 */
#ifndef BOOKING_CLI_REPLY_H
#define BOOKING_CLI_REPLY_H

#include "cli/cli_backend.h"

#include <jansson.h>
#include <stdbool.h>

/* An outcome body (POST /v1/bookings) into *out: outcome, reason, replayed, and
 * status, expires_at and line where the body carries them. */
bool cli_reply_outcome(const json_t *body, booking_result *out);

/* {resource_id, capacity, booked, remaining, as_of}: remaining must be
 * capacity - booked. */
bool cli_reply_resource(const json_t *body, booking_resource *out);

/* A record (GET /v1/bookings/{id}, an item of a booking list): its lines into
 * out->lines, line 0 also into the record's resource_id and units. */
bool cli_reply_record(const json_t *body, cli_record *out);

/* A cancel's or a confirm's answer: the record and its "result" reason. */
bool cli_reply_change(const json_t *body, booking_reason *result, cli_record *out);

/* A refused capacity change: the resource and its "error" reason. */
bool cli_reply_capacity_refused(const json_t *body, booking_reason *error, booking_resource *out);

/* A problem body's "error" as a reason, when it is one; false when it is none
 * (unauthorized, not_found, invalid_request, ...). */
bool cli_reply_problem_reason(const json_t *body, booking_reason *out);

/* {"resources": [...], "next": ID or null} and {"bookings": [records], "next": ...}
 * with at most limit items: page->resources or page->records allocated (free
 * with cli_page_free), page->next the next id or "". */
bool cli_reply_resource_page(const json_t *body, size_t limit, cli_page *page);
bool cli_reply_booking_page(const json_t *body, size_t limit, cli_page *page);

#endif
