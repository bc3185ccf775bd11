/*
 * booking_json.c: builds the SPEC section 5 bodies with jansson.
 */
#include "json/booking_json.h"

#include <assert.h>
#include <string.h>

json_t *booking_json_outcome(const booking_request *request, const booking_result *result)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b}",
                          "outcome", booking_outcome_name(result->outcome),
                          "reason", booking_reason_name(result->reason),
                          "booking_id", request->booking_id,
                          "resource_id", request->resource_id,
                          "units", (json_int_t)request->units,
                          "replayed", result->replayed);
    if (o != NULL && result->outcome == BOOKING_BOOKED)
        json_object_set_new(o, "status", json_string(booking_status_name(result->status)));
    return o;
}

json_t *booking_json_resource(const booking_resource *resource)
{
    return json_pack("{s:s, s:I, s:I, s:I}",
                     "resource_id", resource->resource_id,
                     "capacity", (json_int_t)resource->capacity,
                     "booked", (json_int_t)resource->booked,
                     "remaining", (json_int_t)(resource->capacity - resource->booked));
}

json_t *booking_json_record(const booking_record *record)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}",
                     "booking_id", record->booking_id,
                     "resource_id", record->resource_id,
                     "units", (json_int_t)record->units,
                     "outcome", booking_outcome_name(record->outcome),
                     "reason", booking_reason_name(record->reason),
                     "status", booking_status_name(record->status));
}

json_t *booking_json_cancel(booking_reason reason, const booking_record *record)
{
    json_t *o = booking_json_record(record);
    if (o != NULL)
        json_object_set_new(o, "result", json_string(booking_reason_name(reason)));
    return o;
}

json_t *booking_json_error(const char *error, const char *detail)
{
    return json_pack("{s:s, s:s}", "error", error, "detail", detail);
}

static char *put_text(char *p, const char *text)
{
    size_t n = strlen(text);
    memcpy(p, text, n);
    return p + n;
}

static char *put_id(char *p, const char *id)
{
    size_t n = strlen(id);
    /* The id alphabet needs no escaping in JSON. Every id here passed the library's
     * check (booking_id_valid) before it was decided: another is a caller's bug. */
    assert(booking_id_valid(id, n));
    memcpy(p, id, n);
    return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

size_t booking_json_outcome_write(char *out, const booking_request *request,
                                  const booking_result *result)
{
    char *p = out;
    p = put_text(p, "{\"outcome\":\"");
    p = put_text(p, booking_outcome_name(result->outcome));
    p = put_text(p, "\",\"reason\":\"");
    p = put_text(p, booking_reason_name(result->reason));
    p = put_text(p, "\",\"booking_id\":\"");
    p = put_id(p, request->booking_id);
    p = put_text(p, "\",\"resource_id\":\"");
    p = put_id(p, request->resource_id);
    p = put_text(p, "\",\"units\":");
    p = put_u64(p, request->units);
    p = put_text(p, result->replayed ? ",\"replayed\":true" : ",\"replayed\":false");
    if (result->outcome == BOOKING_BOOKED) {
        p = put_text(p, ",\"status\":\"");
        p = put_text(p, booking_status_name(result->status));
        *p++ = '"';
    }
    *p++ = '}';
    return (size_t)(p - out);
}
