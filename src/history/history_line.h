/* SPDX-License-Identifier: MIT */
/*
 * history_line.h: the one line format of a history (docs/checking.md, "The
 * history"), in both directions: an event encoded as one JSON line, and one line
 * decoded into an event. The checker reads with it; the recorder and the load
 * generator write with it.
 */
#ifndef BOOKING_HISTORY_LINE_H
#define BOOKING_HISTORY_LINE_H

#include "booking.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The longest line the encoder writes: two ids, a bundle of BOOKING_LINES_MAX
 * lines of the longest ids, and every numeric field fit (checked in
 * history_write.c). The decoder takes what the checker's own bound allows. */
#define HISTORY_LINE_BYTES_MAX 16384
#define HISTORY_WHY_BYTES 256 /* a decoding error's message */

typedef enum history_type { HISTORY_INVOKE, HISTORY_COMPLETE } history_type;

/* The operation ("f"). */
typedef enum history_f {
    HISTORY_ATTEMPT,
    HISTORY_SET_CAPACITY,
    HISTORY_CANCEL,
    HISTORY_GET_RESOURCE,
    HISTORY_CONFIRM,
} history_f;

/* An optional true/false field; zero, so an event left zero writes none. */
typedef enum history_bool { HISTORY_ABSENT = 0, HISTORY_FALSE, HISTORY_TRUE } history_bool;

/* One event. Which fields count depends on type and f (the table in
 * docs/checking.md); the others are zero. Decoded strings point into the
 * history_line they came from and live as long as it is open. */
typedef struct history_event {
    history_type type;
    history_f f;
    int64_t process;
    bool has_time;
    uint64_t time_ns;
    /* invoke */
    const char *booking_id;  /* attempt, cancel, confirm */
    const char *resource_id; /* attempt (single form), set_capacity, get_resource */
    uint64_t units;          /* attempt (single form) */
    /* attempt as a bundle (SPEC section 8): "lines" instead of resource_id and units
     * (then NULL and 0), 1..BOOKING_LINES_MAX distinct resources. NULL: single form. */
    const booking_line *lines;
    size_t line_count;
    uint64_t hold_ms;        /* attempt: 0 (no "hold_ms") or 1..BOOKING_HOLD_MS_MAX */
    uint64_t capacity;       /* set_capacity; a get_resource completion with has_read */
    /* complete */
    bool failed;             /* FAILED or a failure reason: no other field is read */
    booking_outcome outcome; /* attempt (required unless failed) */
    bool has_reason;
    booking_reason reason;
    history_bool replayed;   /* attempt */
    bool has_line;           /* attempt REJECTED insufficient_capacity or unknown_resource: */
    uint32_t line;           /* the answer named its failing line ("line", from 0) */
    history_bool ok;         /* set_capacity, cancel, confirm */
    bool has_read;           /* get_resource answered capacity and booked */
    uint64_t booked;
    /* The store's times an answer carries (SPEC section 7), ms since the epoch,
     * written as RFC 3339 text (util/time_text.h). */
    booking_status status;   /* attempt answered BOOKED: NONE when the answer did not say */
    bool has_expires_at;     /* attempt, cancel, confirm: the hold's end */
    int64_t expires_at_ms;
    bool has_updated_at;     /* cancel, confirm: the record's last change of status */
    int64_t updated_at_ms;
    bool has_as_of;          /* get_resource: the store time the read is as of */
    int64_t as_of_ms;
} history_event;

/* ---- writing ---- */

/* Writes ev as one line ending in '\n' into out; returns its length, or 0 if it
 * does not fit in cap bytes (HISTORY_LINE_BYTES_MAX always fits). Ids must be
 * valid (SPEC section 3), so they need no escaping. */
size_t history_line_encode(const history_event *ev, char *out, size_t cap);

/* Encodes ev and appends it to f; false when it could not be written. */
bool history_line_write(FILE *f, const history_event *ev);

/* The time of a line this module encoded (its "time" field; 0 if none), without
 * a JSON parse: to merge histories written apart by time. */
uint64_t history_line_time(const char *line);

/* ---- reading ---- */

/* One line being decoded, in two steps so that the reader can check the
 * process's state between them (as the checker does): the envelope ("type",
 * "process", "time", "f"), then the fields of its f. */
typedef struct history_line {
    struct json_t *obj;
    booking_line lines[BOOKING_LINES_MAX]; /* a bundle's lines, strings in obj */
} history_line;

/* Parses text[0..len) as one JSON object (duplicate keys refused) and reads its
 * envelope into ev. False with why filled when the line is malformed; close the
 * line either way. */
bool history_line_open(history_line *line, const char *text, size_t len, history_event *ev,
                       char why[HISTORY_WHY_BYTES]);

/* Reads the fields that ev's type and f carry, with their ranges (SPEC section
 * 3) and the reasons each f may answer. False with why filled when malformed. */
bool history_line_read_fields(history_line *line, history_event *ev, char why[HISTORY_WHY_BYTES]);

void history_line_close(history_line *line);

#endif
