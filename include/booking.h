/*
 * booking.h: the one public header of libbooking, a capacity-reservation engine.
 *
 * An attempt reserves `units` of a resource's capacity and ends in exactly one
 * outcome: BOOKED, REJECTED or FAILED, idempotent by booking_id (see SPEC.md).
 * Outcomes are values: no function here aborts, jumps or retries behind your back.
 *
 * Thread-safety: every function taking a booking_store may be called from any
 * number of threads at once on the same store. Several processes (and, for
 * postgres:, several machines) may open the same database at once.
 */
#ifndef BOOKING_H
#define BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(BOOKING_BUILDING_LIBRARY)
#define BOOKING_API __attribute__((visibility("default")))
#else
#define BOOKING_API
#endif

/* Limits (SPEC section 3). Input outside them is refused with BOOKING_EINVAL. */
#define BOOKING_ID_LEN_MAX 128                         /* bytes of [A-Za-z0-9._:-] */
#define BOOKING_UNITS_MAX ((uint64_t)9007199254740991) /* 2^53-1 */
#define BOOKING_CAPACITY_MAX BOOKING_UNITS_MAX
#define BOOKING_BATCH_MAX 8192

/* What a call itself returned: whether the request was well formed and taken.
 * The business result of a call that returned BOOKING_OK is in its out-parameter. */
typedef enum booking_error {
    BOOKING_OK = 0,
    BOOKING_EINVAL = -1,      /* input outside SPEC section 3; nothing was done */
    BOOKING_ENOMEM = -2,      /* out of memory before anything was done */
    BOOKING_EURL = -3,        /* store URL malformed or of an unknown scheme */
    BOOKING_EOPEN = -4,       /* the store could not be opened or migrated */
} booking_error;

typedef enum booking_outcome {
    BOOKING_BOOKED = 1,
    BOOKING_REJECTED = 2,
    BOOKING_FAILED = 3,
} booking_outcome;

/* One enum of reasons for every operation. A reason below BOOKING_REASON_CONFLICT
 * is a decision (or an answer); from BOOKING_REASON_CONFLICT on it is a technical
 * failure, after which nothing the call did is visible (or, for an ambiguous
 * commit, the decision is visible to a replay with the same booking_id). */
typedef enum booking_reason {
    BOOKING_REASON_OK = 0,               /* "ok": set/get succeeded */
    BOOKING_REASON_BOOKED,               /* "booked" */
    BOOKING_REASON_INSUFFICIENT_CAPACITY,/* "insufficient_capacity" (recorded) */
    BOOKING_REASON_BOOKING_ID_CONFLICT,  /* "booking_id_conflict" (not recorded) */
    BOOKING_REASON_UNKNOWN_RESOURCE,     /* "unknown_resource" (not recorded) */
    BOOKING_REASON_UNKNOWN_BOOKING,      /* "unknown_booking" */
    BOOKING_REASON_CANCELLED,            /* "cancelled": a cancel released the units */
    BOOKING_REASON_ALREADY_CANCELLED,    /* "already_cancelled" */
    BOOKING_REASON_NOT_BOOKED,           /* "not_booked": cancel of a REJECTED record */
    BOOKING_REASON_CAPACITY_BELOW_BOOKED,/* "capacity_below_booked" */
    BOOKING_REASON_CONFLICT,             /* "conflict": write conflict, serialization */
    BOOKING_REASON_BUSY,                 /* "busy": lock not had within the bound */
    BOOKING_REASON_UNAVAILABLE,          /* "unavailable": store cannot be reached */
    BOOKING_REASON_IO_ERROR,             /* "io_error": read, write or sync failed */
    BOOKING_REASON_TIMEOUT,              /* "timeout": a statement or lock timed out */
    BOOKING_REASON_INTERNAL,             /* "internal": anything else (out of memory, bug) */
} booking_reason;

/* State of a BOOKED record. REJECTED records have BOOKING_STATUS_NONE. */
typedef enum booking_status {
    BOOKING_STATUS_NONE = 0,
    BOOKING_STATUS_ACTIVE = 1,
    BOOKING_STATUS_CANCELLED = 2,
} booking_status;

typedef struct booking_store booking_store; /* opaque */

typedef struct booking_request {
    const char *booking_id;  /* NUL-terminated, 1..BOOKING_ID_LEN_MAX bytes */
    const char *resource_id; /* NUL-terminated, 1..BOOKING_ID_LEN_MAX bytes */
    uint64_t units;          /* 1..BOOKING_UNITS_MAX */
} booking_request;

typedef struct booking_result {
    booking_outcome outcome;
    booking_reason reason;
    bool replayed;         /* the recorded decision was returned, nothing changed */
    booking_status status; /* for BOOKED: active, or cancelled since */
} booking_result;

typedef struct booking_resource {
    char resource_id[BOOKING_ID_LEN_MAX + 1];
    uint64_t capacity;
    uint64_t booked; /* remaining = capacity - booked */
} booking_resource;

typedef struct booking_record {
    char booking_id[BOOKING_ID_LEN_MAX + 1];
    char resource_id[BOOKING_ID_LEN_MAX + 1];
    uint64_t units;
    booking_outcome outcome; /* BOOKED or REJECTED (insufficient_capacity) */
    booking_reason reason;
    booking_status status;
} booking_record;

/* Opens a store named by a URL: "sqlite:PATH", "memory:" or "postgres://...".
 * On success *out is a store to pass to booking_store_close(). On failure *out is
 * NULL and, if errbuf is not NULL, a one-line explanation is written there. */
BOOKING_API booking_error booking_store_open(const char *url, booking_store **out,
                                             char *errbuf, size_t errbuf_len);

/* Closes the store and frees it. NULL is accepted. Not concurrent with other calls. */
BOOKING_API void booking_store_close(booking_store *store);

/* One attempt: exactly one outcome in *result. Returns BOOKING_EINVAL (and writes
 * nothing) if the request is outside the limits. */
BOOKING_API booking_error booking_attempt(booking_store *store, const booking_request *request,
                                          booking_result *result);

/* 1..BOOKING_BATCH_MAX attempts decided in order in one transaction; results[i]
 * answers requests[i]. If any request is invalid the whole batch is refused with
 * BOOKING_EINVAL and nothing is done. If the transaction fails, every result is
 * FAILED with the same reason and nothing of the batch is visible. */
BOOKING_API booking_error booking_attempt_batch(booking_store *store,
                                                const booking_request *requests, size_t count,
                                                booking_result *results);

/* Creates the resource or changes its capacity. *reason: OK, CAPACITY_BELOW_BOOKED
 * (nothing changed) or a failure. *resource (may be NULL) gets the state after. */
BOOKING_API booking_error booking_set_capacity(booking_store *store, const char *resource_id,
                                               uint64_t capacity, booking_reason *reason,
                                               booking_resource *resource);

/* Releases a BOOKED record's units. *reason: CANCELLED, ALREADY_CANCELLED,
 * UNKNOWN_BOOKING, NOT_BOOKED or a failure. *record (may be NULL) gets the record. */
BOOKING_API booking_error booking_cancel(booking_store *store, const char *booking_id,
                                         booking_reason *reason, booking_record *record);

/* *reason: OK (then *resource is filled), UNKNOWN_RESOURCE or a failure. */
BOOKING_API booking_error booking_get_resource(booking_store *store, const char *resource_id,
                                               booking_reason *reason,
                                               booking_resource *resource);

/* *reason: OK (then *record is filled), UNKNOWN_BOOKING or a failure. */
BOOKING_API booking_error booking_get_booking(booking_store *store, const char *booking_id,
                                              booking_reason *reason, booking_record *record);

/* Whether the store answers (a cheap read). *reason: OK or a failure. */
BOOKING_API booking_error booking_store_ping(booking_store *store, booking_reason *reason);

/* Validation of single inputs, as the library applies it (SPEC section 3). */
BOOKING_API bool booking_id_valid(const char *id, size_t len);
BOOKING_API bool booking_units_valid(uint64_t units);
BOOKING_API bool booking_capacity_valid(uint64_t capacity);

/* Names: "BOOKED"/"REJECTED"/"FAILED"; reasons as in SPEC ("insufficient_capacity");
 * statuses "active"/"cancelled"/"none"; errors as a short phrase. Never NULL. */
BOOKING_API const char *booking_outcome_name(booking_outcome outcome);
BOOKING_API const char *booking_reason_name(booking_reason reason);
BOOKING_API const char *booking_status_name(booking_status status);
BOOKING_API const char *booking_error_name(booking_error error);
BOOKING_API bool booking_reason_is_failure(booking_reason reason);

/* The library's version, "MAJOR.MINOR.PATCH". */
BOOKING_API const char *booking_version(void);

#ifdef __cplusplus
}
#endif
#endif /* BOOKING_H */
