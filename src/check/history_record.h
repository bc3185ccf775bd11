/* SPDX-License-Identifier: MIT */
/*
 * history_record.h: records a history in the format `booking check` reads, from
 * any number of threads. Record the invoke right before the call and the
 * completion right after it: the lock orders the lines as the events happened.
 */
#ifndef BOOKING_CHECK_HISTORY_RECORD_H
#define BOOKING_CHECK_HISTORY_RECORD_H

#include "booking.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct check_recorder check_recorder;

check_recorder *check_recorder_new(void);
void check_recorder_free(check_recorder *rec);

void check_record_attempt_invoke(check_recorder *rec, int process, const booking_request *req);
void check_record_attempt_complete(check_recorder *rec, int process, const booking_result *res);
void check_record_set_capacity_invoke(check_recorder *rec, int process, const char *resource_id,
                                      uint64_t capacity);
void check_record_set_capacity_complete(check_recorder *rec, int process, booking_reason reason);
void check_record_cancel_invoke(check_recorder *rec, int process, const char *booking_id);
void check_record_cancel_complete(check_recorder *rec, int process, booking_reason reason);
/* As check_record_cancel_complete, with the record the call wrote (NULL: none):
 * its hold's end, and its updated_at when this cancel changed it. */
void check_record_cancel_answer(check_recorder *rec, int process, booking_reason reason,
                                const booking_record *record);
void check_record_confirm_invoke(check_recorder *rec, int process, const char *booking_id);
/* record: what booking_confirm wrote (NULL: none), as for a cancel. */
void check_record_confirm_complete(check_recorder *rec, int process, booking_reason reason,
                                   const booking_record *record);
void check_record_get_resource_invoke(check_recorder *rec, int process, const char *resource_id);
/* resource is read only when reason is BOOKING_REASON_OK (with its as_of). */
void check_record_get_resource_complete(check_recorder *rec, int process, booking_reason reason,
                                        const booking_resource *resource);

/* The history so far (NUL-terminated) and its length. Not concurrent with recording. */
const char *check_recorder_text(const check_recorder *rec, size_t *len);
/* False once a line could not be stored (out of memory): the history is incomplete. */
bool check_recorder_ok(const check_recorder *rec);

#endif
