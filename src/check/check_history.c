/* SPDX-License-Identifier: MIT */
/*
 * check_history.c: the helpers that read a parsed history, shared by the cheap
 * checks, the search and the driver: an attempt's one reason, and an
 * operation described in words for a violation's detail.
 */
#include "check/check_history.h"
#include "core/names.h"
#include "util/time_text.h"

#include <inttypes.h>
#include <stdio.h>

booking_reason chk_attempt_reason(const chk_op *op)
{
    for (int r = BOOKING_REASON_OK; r < CORE_REASON_COUNT; r++) {
        if (op->accept & CHK_BIT(r))
            return (booking_reason)r;
    }
    return BOOKING_REASON_INTERNAL;
}

static void describe_result(const chk_op *op, char *out, size_t len)
{
    if (!op->determinate) {
        snprintf(out, len, op->complete_line ? "FAILED" : "no completion");
        return;
    }
    booking_reason r = chk_attempt_reason(op);
    switch (op->kind) {
    case CHK_ATTEMPT:
        snprintf(out, len, "%s %s%s%s%s", r == BOOKING_REASON_BOOKED ? "BOOKED" : "REJECTED",
                 booking_reason_name(r),
                 op->replayed < 0 ? "" : op->replayed ? " replayed=true" : " replayed=false",
                 op->status != BOOKING_STATUS_NONE ? " status=" : "",
                 op->status != BOOKING_STATUS_NONE ? booking_status_name(op->status) : "");
        break;
    case CHK_GET_RESOURCE:
        if (r == BOOKING_REASON_OK)
            snprintf(out, len, "capacity %" PRIu64 ", booked %" PRIu64, op->read_capacity,
                     op->read_booked);
        else
            snprintf(out, len, "%s", booking_reason_name(r));
        break;
    default:
        if ((op->kind == CHK_CANCEL || op->kind == CHK_CONFIRM) && op->accept != CHK_BIT(r))
            snprintf(out, len, "ok");
        else
            snprintf(out, len, "%s", booking_reason_name(r));
        break;
    }
}

/* " at T" for an operation whose store time the answer gave, else "". */
static void describe_time(const chk_op *op, char *out, size_t len)
{
    out[0] = '\0';
    if (op->has_at) {
        char text[TIME_TEXT_LEN];
        time_text_write(text, op->at_ms);
        snprintf(out, len, " at %.*s", TIME_TEXT_LEN, text);
    }
}

void chk_describe(const check_history *h, const chk_op *op, char *out, size_t out_len)
{
    char result[128], at[40], hold[40] = "";
    describe_result(op, result, sizeof result);
    describe_time(op, at, sizeof at);
    if (op->hold_ms != 0)
        snprintf(hold, sizeof hold, ", hold %" PRIu64 " ms", op->hold_ms);
    switch (op->kind) {
    case CHK_ATTEMPT:
        snprintf(out, out_len, "attempt %s on %s, %" PRIu64 " units%s, answered %s%s",
                 h->bookings.names[op->booking], h->resources.names[op->resource], op->value,
                 hold, result, at);
        break;
    case CHK_CONFIRM:
        snprintf(out, out_len, "confirm %s answered %s%s", h->bookings.names[op->booking],
                 result, at);
        break;
    case CHK_SET_CAPACITY:
        snprintf(out, out_len, "set_capacity %s to %" PRIu64 " answered %s",
                 h->resources.names[op->resource], op->value, result);
        break;
    case CHK_CANCEL:
        snprintf(out, out_len, "cancel %s answered %s%s", h->bookings.names[op->booking], result,
                 at);
        break;
    case CHK_GET_RESOURCE:
        snprintf(out, out_len, "get_resource %s answered %s%s", h->resources.names[op->resource],
                 result, at);
        break;
    }
}
