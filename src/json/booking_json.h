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

/* The outcome body written straight into a buffer, byte for byte what
 * json_dumps(booking_json_outcome(...), JSON_COMPACT) gives, without building a
 * tree: the service answers thousands of these per batch. Writes at most
 * BOOKING_JSON_OUTCOME_MAX bytes (no terminating NUL) and returns how many.
 * The ids must be valid (booking_id_valid, as for every request the library
 * decided): they are written unescaped, and an invalid one trips an assertion. */
#define BOOKING_JSON_OUTCOME_MAX (192 + 2 * BOOKING_ID_LEN_MAX)
size_t booking_json_outcome_write(char *out, const booking_request *request,
                                  const booking_result *result);

#endif
