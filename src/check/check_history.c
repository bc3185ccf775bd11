/* SPDX-License-Identifier: MIT */
/*
 * check_history.c: the helpers that read a parsed history, shared by the cheap
 * checks, the search and the driver: an attempt's one reason, and an
 * operation described in words for a violation's detail.
 */
#include "check/check_history.h"
#include "core/names.h"
#include "util/time_text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

booking_reason chk_attempt_reason(const chk_op *op)
{
    for (int r = BOOKING_REASON_OK; r < CORE_REASON_COUNT; r++) {
        if (op->accept & CHK_BIT(r))
            return (booking_reason)r;
    }
    return BOOKING_REASON_INTERNAL;
}

bool chk_lines_equal(const check_history *h, const chk_op *a, const chk_op *b)
{
    if (a->line_count != b->line_count)
        return false;
    const chk_line *la = chk_op_lines(h, a), *lb = chk_op_lines(h, b);
    for (uint32_t k = 0; k < a->line_count; k++) {
        if (la[k].resource != lb[k].resource || la[k].units != lb[k].units)
            return false;
    }
    return true;
}

uint64_t chk_units_on(const check_history *h, const chk_op *op, uint32_t resource)
{
    assert(op->kind == CHK_ATTEMPT && op->line_count >= 1);
    const chk_line *l = chk_op_lines(h, op);
    for (uint32_t k = 0; k < op->line_count; k++) {
        if (l[k].resource == resource)
            return l[k].units;
    }
    return 0;
}

void chk_describe_lines(const check_history *h, const chk_op *op, char *out, size_t out_len)
{
    assert(op->kind == CHK_ATTEMPT && op->line_count >= 1 && out_len > 4);
    const chk_line *l = chk_op_lines(h, op);
    if (op->line_count == 1) {
        snprintf(out, out_len, "resource %s, %" PRIu64 " units", h->resources.names[l[0].resource],
                 l[0].units);
        return;
    }
    size_t used = (size_t)snprintf(out, out_len, "lines [");
    for (uint32_t k = 0; k < op->line_count && used < out_len; k++)
        used += (size_t)snprintf(out + used, out_len - used, "%s%s x %" PRIu64, k ? ", " : "",
                                 h->resources.names[l[k].resource], l[k].units);
    if (used < out_len)
        snprintf(out + used, out_len - used, "]");
    else
        memcpy(out + out_len - 4, "...", 4);
}

static void describe_result(const chk_op *op, char *out, size_t len)
{
    if (!op->determinate) {
        snprintf(out, len, op->complete_line ? "FAILED" : "no completion");
        return;
    }
    booking_reason r = chk_attempt_reason(op);
    switch (op->kind) {
    case CHK_ATTEMPT: {
        char line[24] = "";
        if (op->fail_line >= 0 && op->line_count > 1)
            snprintf(line, sizeof line, " line %" PRId32, op->fail_line);
        snprintf(out, len, "%s %s%s%s%s%s", r == BOOKING_REASON_BOOKED ? "BOOKED" : "REJECTED",
                 booking_reason_name(r), line,
                 op->replayed < 0 ? "" : op->replayed ? " replayed=true" : " replayed=false",
                 op->status != BOOKING_STATUS_NONE ? " status=" : "",
                 op->status != BOOKING_STATUS_NONE ? booking_status_name(op->status) : "");
        break;
    }
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
    char result[160], at[40], hold[40] = "", lines[200];
    describe_result(op, result, sizeof result);
    describe_time(op, at, sizeof at);
    if (op->hold_ms != 0)
        snprintf(hold, sizeof hold, ", hold %" PRIu64 " ms", op->hold_ms);
    switch (op->kind) {
    case CHK_ATTEMPT:
        chk_describe_lines(h, op, lines, sizeof lines);
        if (op->line_count == 1) /* the words histories without bundles always had */
            snprintf(lines, sizeof lines, "%s, %" PRIu64 " units",
                     h->resources.names[op->resource], op->value);
        snprintf(out, out_len, "attempt %s on %s%s, answered %s%s",
                 h->bookings.names[op->booking], lines, hold, result, at);
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
