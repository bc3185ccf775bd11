/*
 * booking_json.h: the JSON bodies of SPEC section 5, built once for the service
 * and the command line's --json, so both print the same field names.
 * Each returns a new reference (NULL only when out of memory).
 */
#ifndef BOOKING_JSON_H
#define BOOKING_JSON_H

#include "booking.h"

#include <jansson.h>

/* outcome, reason, booking_id, resource_id, units, replayed (+ status for BOOKED). */
json_t *booking_json_outcome(const booking_request *request, const booking_result *result);
/* resource_id, capacity, booked, remaining. */
json_t *booking_json_resource(const booking_resource *resource);
/* booking_id, resource_id, units, outcome, reason, status. */
json_t *booking_json_record(const booking_record *record);
/* A cancel's answer: the record's fields, with "result" the cancel's reason. */
json_t *booking_json_cancel(booking_reason reason, const booking_record *record);
/* {"error": error, "detail": detail}; also used for FAILED reasons of non-attempts. */
json_t *booking_json_error(const char *error, const char *detail);

#endif
