/* SPDX-License-Identifier: MIT */
/*
 * sim_model.h: what the simulation expects of a store with holds (SPEC sections 1, 2
 * and 7), as a plain sequential model. The simulation runs one store call at a time,
 * so the model can say each answer exactly: the store's time of a call is the
 * latest clock reading any call has seen (it never goes back), and a hold counts in
 * booked, and reads held, until that time reaches its expires_at. An attempt is a
 * bundle of lines (SPEC section 8): the single form is the bundle of its one line.
 */
#ifndef BOOKING_TEST_SIM_MODEL_H
#define BOOKING_TEST_SIM_MODEL_H

#include "booking.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_RESOURCES 3      /* the resource indexes the simulation names; others are unknown */
#define MODEL_LINES_MAX (MODEL_RESOURCES + 1) /* each resource once, and one unknown */
#define MODEL_IDS_MAX 4096
#define MODEL_ID_BYTES 32
#define MODEL_INDEX_SLOTS 8192 /* a power of two, at least twice MODEL_IDS_MAX */

_Static_assert(MODEL_INDEX_SLOTS >= 2 * MODEL_IDS_MAX, "the index stays half empty");
_Static_assert((MODEL_INDEX_SLOTS & (MODEL_INDEX_SLOTS - 1)) == 0, "a power of two");

/* One line of an attempt: a resource index (MODEL_RESOURCES or more: unknown). */
typedef struct model_line {
    int resource;
    uint64_t units;
} model_line;

typedef struct model_record {
    char id[MODEL_ID_BYTES];
    model_line lines[MODEL_LINES_MAX];
    size_t line_count;
    uint32_t line; /* a REJECTED record's failing line */
    uint64_t hold_ms;
    booking_outcome outcome;
    booking_status status; /* as kept: active, held (expired from expires_at on), cancelled */
    int64_t created_at_ms, updated_at_ms, expires_at_ms;
} model_record;

typedef struct sim_model {
    bool exists[MODEL_RESOURCES];
    uint64_t capacity[MODEL_RESOURCES];
    model_record records[MODEL_IDS_MAX];
    size_t count;
    uint16_t index[MODEL_INDEX_SLOTS]; /* open addressing by id: record index + 1, 0 empty */
    int64_t latest_ms;  /* the latest time the store has used */
    int64_t written_ms; /* the latest time of a call that surely wrote (a decision, a
                           change of status or capacity): a power cut keeps at least it */
} sim_model;

void model_init(sim_model *m);

/* The store's time of a call that reaches the store while the clock reads clock_ms;
 * it becomes the latest time. */
int64_t model_time(sim_model *m, int64_t clock_ms);

/* An attempt of req->booking_id and req->hold_ms with lines[0..count) decided at t,
 * applied to the model. False if the model is full. */
bool model_attempt(sim_model *m, const model_line *lines, size_t count,
                   const booking_request *req, int64_t t, booking_result *expected);

/* A confirm (or a cancel) at t, applied; *record and *has_record as the store writes them. */
booking_reason model_change(sim_model *m, const char *booking_id, bool confirm, int64_t t,
                            booking_record *record, bool *has_record);

booking_reason model_set_capacity(sim_model *m, int resource, uint64_t capacity, int64_t t);

/* booked at t: active units plus held units whose expires_at is after t. */
uint64_t model_booked(const sim_model *m, int resource, int64_t t);

const model_record *model_find(const sim_model *m, const char *booking_id);

/* A record's status at t, and the record as a read at t shows it. */
booking_status model_status_at(const model_record *r, int64_t t);
void model_public_record(const model_record *r, int64_t t, booking_record *out);

/* Holds that are expired at t (neither confirmed nor cancelled before their end). */
uint64_t model_expired(const sim_model *m, int64_t t);

/* The latest expires_at of any hold (0 if none). */
int64_t model_last_end(const sim_model *m);

#endif
