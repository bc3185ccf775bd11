/*
 * check_model.h: the SPEC model the checker replays a history against (SPEC
 * sections 1 and 2), written apart from src/core/decide.c on purpose: the
 * checker must not trust the code it checks (docs/checking.md, "The model").
 */
#ifndef BOOKING_CHECK_MODEL_H
#define BOOKING_CHECK_MODEL_H

#include "check/check_history.h"

/* A resource in the model. */
typedef struct chk_res {
    uint64_t cap, booked;
    bool exists;
} chk_res;

/* A booking_id's decision record in the model. */
typedef struct chk_rec {
    uint64_t units;
    uint32_t lr;           /* the resource it was decided on (the caller's numbering) */
    booking_reason reason; /* BOOKED or INSUFFICIENT_CAPACITY */
    bool exists, cancelled;
} chk_rec;

/* The answer the model gives an operation. */
typedef struct chk_answer {
    booking_reason reason;
    bool replayed;
    uint64_t cap, booked; /* get_resource answered OK */
} chk_answer;

/* One operation applied to the part of the state it touches. */
typedef struct chk_step {
    chk_answer answer;
    bool effect;      /* the state changes; what into is below */
    bool res_changes; /* then res is the resource's new state */
    bool rec_changes; /* then rec is the record's new state */
    chk_res res;
    chk_rec rec;
} chk_step;

/* The model's answer to one operation of kind with value (units or capacity)
 * naming resource lr. res is the resource it acts on: an attempt's,
 * set_capacity's or get_resource's own, a cancel's record's resource. rec is the
 * booking_id's record (attempt, cancel). NULL, or exists false, means absent.
 * Pure: reads only its arguments. */
chk_step chk_model_step(chk_kind kind, uint64_t value, uint32_t lr, const chk_res *res,
                        const chk_rec *rec);

#endif
