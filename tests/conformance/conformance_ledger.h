/* SPDX-License-Identifier: MIT */
/*
 * conformance_ledger.h: what every conformance case shares: the store under test,
 * unique ids, and the ledger of what a case decided, checked against the invariant
 * of SPEC section 1 after each case (see conformance.c).
 */
#ifndef BOOKING_CONFORMANCE_LEDGER_H
#define BOOKING_CONFORMANCE_LEDGER_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"

#define ID_SIZE (BOOKING_ID_LEN_MAX + 1)
#define URL_SIZE 1024
#define LEDGER_RESOURCES_MAX (BOOKING_LINES_MAX + 16) /* a 64-line bundle and a few more */
#define CASES_MAX 120

extern char store_url[URL_SIZE];
extern booking_store *store;
extern char run_tag[32];

typedef struct ledger_resource {
    char id[ID_SIZE];
    uint64_t capacity;
} ledger_resource;

/* One line of a bundle beyond its first: a resource (index into ledger.resources)
 * and its units. A REJECTED bundle may name, after its failing line, a resource
 * that does not exist: then resource is LEDGER_RESOURCES_MAX and unknown_id (owned)
 * names it. */
typedef struct ledger_line {
    size_t resource;
    uint64_t units;
    char *unknown_id;
} ledger_line;

typedef struct ledger_booking {
    char id[ID_SIZE];
    size_t resource;         /* line 0's resource, index into ledger.resources */
    uint64_t units;          /* line 0's units */
    uint32_t line_count;     /* 1 for a single attempt */
    uint32_t line;           /* a REJECTED record's failing line; else 0 */
    ledger_line *more;       /* lines 1..line_count-1 (NULL for one line), owned */
    booking_outcome outcome; /* BOOKED or REJECTED (insufficient_capacity) */
    bool cancelled;
    bool confirmed;          /* a hold made active */
    uint64_t hold_ms;
    int64_t expires_at_ms;   /* a hold's end as the store answered it; else 0 */
} ledger_booking;

typedef struct ledger {
    ledger_resource resources[LEDGER_RESOURCES_MAX];
    size_t resource_count;
    ledger_booking *bookings;
    size_t booking_count;
    size_t booking_cap;
    size_t *index; /* open addressing over bookings: slot holds index + 1, 0 is empty */
    size_t index_mask;
} ledger;

/* The clock every case's store runs on (booking_store_set_clock): it moves only
 * when a case moves it, so expiry instants are exact. */
int64_t conformance_clock(void *context);
int64_t clock_now(void);
void clock_set(int64_t ms);
void clock_advance(int64_t ms);

void new_id(char out[ID_SIZE], const char *what);
ledger *ledger_of(void **state);
int ledger_setup(void **state);
const char *rid(const ledger *l, size_t r);
size_t ledger_find_resource(const ledger *l, const char *resource_id);
ledger_booking *ledger_find_booking(ledger *l, const char *booking_id);
void fail_on_failed(const char *what, booking_reason reason);
size_t ledger_resource_new(ledger *l, uint64_t capacity);
size_t ledger_adopt_resource(ledger *l, const char *resource_id, uint64_t capacity);
void ledger_learn(ledger *l, const booking_request *req, const booking_result *res);
booking_result ledger_attempt(ledger *l, const char *booking_id, const char *resource_id,
                                     uint64_t units);
void ledger_attempt_batch(ledger *l, const booking_request *requests, size_t count,
                                 booking_result *results);
booking_reason ledger_cancel(ledger *l, const char *booking_id, booking_record *record);
booking_reason ledger_confirm(ledger *l, const char *booking_id, booking_record *record);
/* A booking_change_batch through the API; the ledger learns what it changed. */
void ledger_change_batch(ledger *l, const booking_change *changes, size_t count,
                         booking_reason *reasons, booking_record *records);
booking_result ledger_hold(ledger *l, const char *booking_id, const char *resource_id,
                           uint64_t units, uint64_t hold_ms);
/* A bundle (SPEC section 8) through booking_attempt; the ledger learns it. */
booking_result ledger_bundle(ledger *l, const char *booking_id, const booking_line *lines,
                             size_t line_count, uint64_t hold_ms);
/* Line i of a booking: its resource index and units. */
ledger_line ledger_booking_line(const ledger_booking *b, uint32_t i);
/* The resource id of a booking's line. */
const char *ledger_line_id(const ledger *l, ledger_line line);
booking_reason ledger_set_capacity(ledger *l, size_t r, uint64_t capacity,
                                          booking_resource *out);
void ledger_check(const ledger *l);
/* A booking's status as the ledger expects it at the clock's time. */
booking_status ledger_expected_status(const ledger_booking *b);
int ledger_teardown(void **state);
void assert_result(booking_result res, booking_outcome outcome, booking_reason reason,
                          bool replayed, booking_status status);
void assert_new_booked(booking_result res);
void assert_new_insufficient(booking_result res);
void assert_conflict(booking_result res);
void assert_resource(const char *resource_id, uint64_t capacity, uint64_t booked);
void assert_unknown_booking(const char *booking_id);
booking_record get_record(const char *booking_id);
void assert_same_record(booking_record a, booking_record b);

#endif
