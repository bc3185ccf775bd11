/* SPDX-License-Identifier: MIT */
/*
 * check_model.h: the SPEC model the checker replays a history against (SPEC
 * sections 1, 2 and 7), written apart from src/core/decide.c on purpose: the
 * checker must not trust the code it checks (docs/checking.md, "The model").
 */
#ifndef BOOKING_CHECK_MODEL_H
#define BOOKING_CHECK_MODEL_H

#include "check/check_history.h"

/* A resource in the model. booked counts active bookings and holds not expired
 * at the model's time. */
typedef struct chk_res {
    uint64_t cap, booked;
    bool exists;
} chk_res;

/* A booking_id's decision record in the model. */
typedef struct chk_rec {
    uint64_t units;
    uint64_t hold_ms;      /* as the deciding attempt gave it (0: no hold) */
    uint32_t lr;           /* the resource it was decided on (the caller's numbering;
                              a bundle: line 0's) */
    /* A record of a bundle (SPEC section 8) keeps the deciding attempt's lines
     * (global resource numbers); NULL: the single form of lr and units. */
    const chk_line *lines;
    uint32_t nlines;
    uint32_t fail_line;    /* REJECTED: the line that had too little capacity */
    uint32_t tag;          /* the caller's own (the search: the deciding op); kept as is */
    booking_reason reason; /* BOOKED or INSUFFICIENT_CAPACITY */
    booking_status status; /* as kept: NONE (REJECTED), ACTIVE, HELD, CANCELLED, EXPIRED */
    int64_t expires_at_ms; /* a hold's end: HELD reads expired from then on */
    bool expiry_open;      /* the history never says when this hold ends: expires_at_ms
                              is only its earliest end, and the model never expires it by
                              itself (the search decides when; docs/checking.md) */
    bool exists;
} chk_rec;

/* An operation as the model applies it: kind, its value (units or capacity), its
 * hold, the resource it names, and the model's time (ms) at which it takes effect. */
typedef struct chk_call {
    chk_kind kind;
    uint64_t value;
    uint64_t hold_ms;
    uint32_t lr;
    int64_t now_ms;
    /* An attempt's lines (global resource numbers) and, per line, its resource as
     * of now_ms (NULL or exists false: unknown). NULL lines: the single form of lr
     * and value, whose resource is the res argument. */
    const chk_line *lines;
    uint32_t nlines;
    const chk_res *const *line_res;
} chk_call;

/* The answer the model gives an operation. */
typedef struct chk_answer {
    booking_reason reason;
    bool replayed;
    booking_status status; /* attempt answered BOOKED: the record's status at now_ms */
    int64_t expires_at_ms; /* attempt answered BOOKED as a hold: its end */
    uint32_t line;         /* attempt REJECTED insufficient_capacity / unknown_resource:
                              the lowest-numbered line that failed */
    uint64_t cap, booked;  /* get_resource answered OK */
} chk_answer;

/* One operation applied to the part of the state it touches. */
typedef struct chk_step {
    chk_answer answer;
    bool effect;      /* the state changes; what into is below */
    bool res_changes; /* set_capacity: then res is the resource's new state */
    bool reserve;     /* attempt: add every line's units to its own resource */
    bool release;     /* cancel: subtract every line of the record from its resource */
    bool rec_changes; /* then rec is the record's new state */
    chk_res res;
    chk_rec rec;
} chk_step;

/* The status a record has at now_ms: HELD reads EXPIRED from its expires_at_ms on
 * (unless its end is open). The model keeps state as of its time: a store, or the
 * search, applies an expiry (booked -= units) once, when the time passes it. */
booking_status chk_rec_status_at(const chk_rec *rec, int64_t now_ms);

/* The model's answer to call. res is the resource it acts on: a single attempt's,
 * set_capacity's or get_resource's own (a bundle's are call->line_res; a cancel
 * names none: the caller applies reserve and release line by line, since a
 * bundle's lines change at one instant, SPEC section 8).
 * rec is the booking_id's record (attempt, cancel, confirm). NULL, or exists
 * false, means absent. Both are the state as of call->now_ms. Pure: reads only
 * its arguments. */
chk_step chk_model_step(const chk_call *call, const chk_res *res, const chk_rec *rec);

#endif
