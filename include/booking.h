/* SPDX-License-Identifier: MIT */
/*
 * booking.h: the one public header of libbooking, a capacity-reservation engine.
 *
 * An attempt reserves `units` of a resource's capacity and ends in exactly one
 * outcome: BOOKED, REJECTED or FAILED, idempotent by booking_id (see SPEC.md).
 * Outcomes are values: no function here aborts, jumps or retries behind your back.
 *
 * Conventions that hold for every function below:
 *  - Two layers of result. The return value (booking_error) says whether the call
 *    was well formed and taken; only when it is BOOKING_OK is the business result
 *    (an outcome, or a booking_reason) in the out-parameters. A call that returns
 *    anything but BOOKING_OK has done nothing and written no out-parameter (but
 *    *out of booking_store_open, which is set to NULL).
 *  - Memory. The library never keeps a pointer you pass in: strings and request
 *    arrays are read during the call only and stay yours. Every out-parameter is
 *    caller-allocated (the structs hold their ids inline). The only object the
 *    library allocates for you is the store, released by booking_store_close().
 *    Name strings (booking_*_name, booking_version) are static: never free them.
 *  - Thread-safety: every function taking a booking_store may be called from any
 *    number of threads at once on the same store, except booking_store_close().
 *    Several processes (and, for postgres:, several machines) may open the same
 *    database at once. The functions that take no store are pure and reentrant.
 *  - No hidden retries. A lock not had within its bound, a write conflict or an
 *    I/O error is an outcome FAILED (or a failure reason), never a second try;
 *    retrying with the same booking_id is always safe.
 *
 * The library links with `pkg-config --cflags --libs libbooking`; see libbooking(3).
 */
#ifndef BOOKING_H
#define BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; booking_version() gives the library's. The
 * project's version is set here, once (CMake reads these three lines). While
 * MAJOR is 0 a MINOR release may change the API and the ABI, and the shared
 * library's SONAME names both (libbooking.so.0.MINOR); from 1 on, MAJOR alone.
 * BOOKING_VERSION_NUMBER is MAJOR * 10000 + MINOR * 100 + PATCH, for #if. */
#define BOOKING_VERSION_MAJOR 0
#define BOOKING_VERSION_MINOR 1
#define BOOKING_VERSION_PATCH 0
#define BOOKING_VERSION_NUMBER                                                               \
    (BOOKING_VERSION_MAJOR * 10000 + BOOKING_VERSION_MINOR * 100 + BOOKING_VERSION_PATCH)

/* Marks the exported symbols; the library is built with -fvisibility=hidden. */
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
#define BOOKING_BATCH_LINES_MAX 65536                  /* lines of one batch, all attempts */
#define BOOKING_LINES_MAX 64                           /* lines of one bundle (SPEC section 8) */
#define BOOKING_HOLD_MS_MAX ((uint64_t)604800000)      /* 7 days */

/* What a call itself returned: whether the request was well formed and taken.
 * The business result of a call that returned BOOKING_OK is in its out-parameter.
 * BOOKING_ERROR_MAP: XX(NAME, value, "short phrase" of booking_error_name). */
#define BOOKING_ERROR_MAP(XX)                                                                \
    XX(OK, 0, "ok")                                                                          \
    XX(EINVAL, -1, "invalid input")          /* input outside SPEC section 3; nothing done */ \
    XX(ENOMEM, -2, "out of memory")          /* out of memory before anything was done */   \
    XX(EURL, -3, "bad store URL")            /* malformed, or of an unknown scheme */       \
    XX(EOPEN, -4, "store could not be opened") /* could not be opened or migrated */      \
    XX(ENOTSUP, -5, "not supported by this store") /* e.g. a backup of memory: */         \
    XX(EBACKUP, -6, "backup failed")         /* the copy could not be written */

typedef enum booking_error {
#define BOOKING_ERROR_ENUM_(name, value, phrase) BOOKING_##name = value,
    BOOKING_ERROR_MAP(BOOKING_ERROR_ENUM_)
#undef BOOKING_ERROR_ENUM_
} booking_error;

/* The vocabulary of SPEC sections 1 and 5, one list each, in the way of libuv's
 * UV_ERRNO_MAP(XX): the enums below, their wire names (booking_*_name) and every
 * other view of them (which reasons are failures, which are recorded, the HTTP
 * status of each) are generated from these lists, so a new reason is one line.
 * The order is the ABI: append only, never reorder.
 *
 * BOOKING_OUTCOME_MAP: XX(NAME, value, "wire name"). */
#define BOOKING_OUTCOME_MAP(XX)                                                              \
    XX(BOOKED, 1, "BOOKED")                                                                  \
    XX(REJECTED, 2, "REJECTED")                                                              \
    XX(FAILED, 3, "FAILED")

/* BOOKING_REASON_MAP: XX(NAME, "wire name", outcome, recorded, http_status), values
 * from 0 in list order.
 *   outcome: the attempt outcome the reason goes with: BOOKED or REJECTED (a
 *     decision), FAILED (a technical failure: nothing the call did is visible,
 *     or for an ambiguous commit a replay shows the decision), or NONE (the
 *     answer of another operation: set, get, cancel).
 *   recorded: 1 if the decision is written as a record, so that a repeat of the
 *     booking_id gets it again; 0 if a repeat is decided afresh (or, for
 *     booking_id_conflict, the earlier record stands).
 *   http_status: what `booking serve` answers with it (SPEC section 5); a
 *     replayed BOOKED is 200 instead of 201. */
#define BOOKING_REASON_MAP(XX)                                                               \
    XX(OK, "ok", NONE, 0, 200)                          /* set/get succeeded */             \
    XX(BOOKED, "booked", BOOKED, 1, 201)                                                     \
    XX(INSUFFICIENT_CAPACITY, "insufficient_capacity", REJECTED, 1, 409)                     \
    XX(BOOKING_ID_CONFLICT, "booking_id_conflict", REJECTED, 0, 409)                         \
    XX(UNKNOWN_RESOURCE, "unknown_resource", REJECTED, 0, 404)                               \
    XX(UNKNOWN_BOOKING, "unknown_booking", NONE, 0, 404)                                     \
    XX(CANCELLED, "cancelled", NONE, 0, 200)            /* a cancel released the units */   \
    XX(ALREADY_CANCELLED, "already_cancelled", NONE, 0, 200)                                 \
    XX(NOT_BOOKED, "not_booked", NONE, 0, 409)          /* cancel of a REJECTED record */   \
    XX(CAPACITY_BELOW_BOOKED, "capacity_below_booked", NONE, 0, 409)                         \
    XX(CONFLICT, "conflict", FAILED, 0, 503)            /* write conflict, serialization */ \
    XX(BUSY, "busy", FAILED, 0, 503)                    /* lock not had within the bound */ \
    XX(UNAVAILABLE, "unavailable", FAILED, 0, 503)      /* store cannot be reached */       \
    XX(IO_ERROR, "io_error", FAILED, 0, 503)            /* read, write or sync failed */    \
    XX(TIMEOUT, "timeout", FAILED, 0, 503)              /* a statement or lock timed out */ \
    XX(INTERNAL, "internal", FAILED, 0, 503)            /* anything else (no memory, bug) */ \
    XX(CONFIRMED, "confirmed", NONE, 0, 200)            /* a confirm made a hold active */  \
    XX(ALREADY_CONFIRMED, "already_confirmed", NONE, 0, 200)                                 \
    XX(HOLD_EXPIRED, "hold_expired", NONE, 0, 409)      /* confirm or cancel after expiry */

/* BOOKING_STATUS_MAP: XX(NAME, value, "wire name"), the state of a BOOKED record. */
#define BOOKING_STATUS_MAP(XX)                                                               \
    XX(NONE, 0, "none")                                 /* a REJECTED record */             \
    XX(ACTIVE, 1, "active")                                                                  \
    XX(CANCELLED, 2, "cancelled")                                                            \
    XX(HELD, 3, "held")                                 /* a hold before its expires_at */  \
    XX(EXPIRED, 4, "expired")                           /* a hold from its expires_at on */

/* The one outcome of an attempt (SPEC section 1). */
typedef enum booking_outcome {
#define BOOKING_OUTCOME_ENUM_(name, value, wire) BOOKING_##name = value,
    BOOKING_OUTCOME_MAP(BOOKING_OUTCOME_ENUM_)
#undef BOOKING_OUTCOME_ENUM_
} booking_outcome;

/* One enum of reasons for every operation: BOOKING_REASON_OK, BOOKING_REASON_BOOKED,
 * ... BOOKING_REASON_INTERNAL, in the order of BOOKING_REASON_MAP. A reason whose
 * outcome there is FAILED is a technical failure (booking_reason_is_failure). */
typedef enum booking_reason {
#define BOOKING_REASON_ENUM_(name, wire, outcome, recorded, http_status) BOOKING_REASON_##name,
    BOOKING_REASON_MAP(BOOKING_REASON_ENUM_)
#undef BOOKING_REASON_ENUM_
} booking_reason;

/* State of a BOOKED record. REJECTED records have BOOKING_STATUS_NONE. A hold
 * (an attempt with hold_ms) is HELD until its expires_at_ms, then EXPIRED. */
typedef enum booking_status {
#define BOOKING_STATUS_ENUM_(name, value, wire) BOOKING_STATUS_##name = value,
    BOOKING_STATUS_MAP(BOOKING_STATUS_ENUM_)
#undef BOOKING_STATUS_ENUM_
} booking_status;

/* An open store: the handle every operation takes. Opaque; made by
 * booking_store_open(), shared freely between threads, freed by booking_store_close(). */
typedef struct booking_store booking_store; /* opaque */

/* One line of a bundle (SPEC section 8): a resource and the units wanted of it. */
typedef struct booking_line {
    const char *resource_id; /* NUL-terminated, 1..BOOKING_ID_LEN_MAX bytes, borrowed */
    uint64_t units;          /* 1..BOOKING_UNITS_MAX */
} booking_line;

/* One attempt's input, in one of two forms. The single form names resource_id
 * and units and leaves lines NULL; a bundle names lines (1..BOOKING_LINES_MAX
 * distinct resources, decided together: all reserved or none) and leaves
 * resource_id NULL and units 0. The single form is the bundle of its one line:
 * the same decision, and a replay in either form matches the other.
 * The strings and the lines are borrowed for the duration of the call. */
typedef struct booking_request {
    const char *booking_id;    /* NUL-terminated, 1..BOOKING_ID_LEN_MAX bytes */
    const char *resource_id;   /* single form: 1..BOOKING_ID_LEN_MAX bytes; bundle: NULL */
    uint64_t units;            /* single form: 1..BOOKING_UNITS_MAX; bundle: 0 */
    uint64_t hold_ms;          /* 0: book (status active); 1..BOOKING_HOLD_MS_MAX: hold
                                  until the decision's time + hold_ms (status held) */
    const booking_line *lines; /* bundle: line_count lines; single form: NULL */
    size_t line_count;         /* bundle: 1..BOOKING_LINES_MAX; single form: 0 */
} booking_request;

/* One attempt's outcome. reason is BOOKED for BOOKED; insufficient_capacity,
 * booking_id_conflict or unknown_resource for REJECTED; a failure reason
 * (booking_reason_is_failure() is true) for FAILED. */
typedef struct booking_result {
    booking_outcome outcome;
    booking_reason reason;
    bool replayed;         /* the recorded decision was returned, nothing changed */
    booking_status status; /* for BOOKED: active or held; on a replay the record's
                              status as of now (active, held, cancelled, expired) */
    int64_t expires_at_ms; /* a hold's end, ms since the epoch (held, expired); else 0 */
    uint32_t line;         /* REJECTED insufficient_capacity or unknown_resource: the
                              lowest-numbered line that failed, from 0 (a bundle's answer
                              names it; the single form's is 0); else 0 */
} booking_result;

/* A resource as read or left by an operation; ids are inline and NUL-terminated. */
typedef struct booking_resource {
    char resource_id[BOOKING_ID_LEN_MAX + 1];
    uint64_t capacity;
    uint64_t booked;  /* remaining = capacity - booked; counts unexpired holds */
    int64_t as_of_ms; /* the store's time this state is as of (ms since the epoch) */
} booking_resource;

/* A decision record (SPEC section 2, GetBooking); ids inline and NUL-terminated.
 * resource_id and units are the record's first line (a single attempt's only
 * one); a bundle's lines are read with booking_get_booking_lines(). */
typedef struct booking_record {
    char booking_id[BOOKING_ID_LEN_MAX + 1];
    char resource_id[BOOKING_ID_LEN_MAX + 1]; /* line 0's */
    uint64_t units;                           /* line 0's */
    uint64_t hold_ms;        /* as the attempt gave it; 0: not a hold */
    booking_outcome outcome; /* BOOKED or REJECTED (insufficient_capacity) */
    booking_reason reason;
    booking_status status;   /* as of the call: active, held, cancelled, expired, none */
    int64_t created_at_ms;   /* the decision's time, ms since the epoch (store's clock) */
    int64_t updated_at_ms;   /* the last change of status (an expiry: expires_at_ms) */
    int64_t expires_at_ms;   /* a hold's end (created_at_ms + hold_ms); else 0 */
    uint32_t line_count;     /* 1..BOOKING_LINES_MAX: 1 for a single attempt */
    uint32_t line;           /* REJECTED: the line that had too little capacity; else 0 */
} booking_record;

/* One line of a record, as booking_get_booking_lines() reads it. */
typedef struct booking_record_line {
    char resource_id[BOOKING_ID_LEN_MAX + 1];
    uint64_t units;
} booking_record_line;

/* Opens a store named by a URL: "sqlite:PATH", "memory:" or "postgres://...".
 *   sqlite:PATH[?busy_timeout_ms=N&vfs=NAME]  a durable file (WAL, synchronous=FULL),
 *       created and migrated if needed; busy_timeout_ms bounds every lock wait
 *       (default 5000, at most 600000).
 *   memory:  a new, empty, non-durable store private to this handle.
 *   postgres://... or postgresql://...  a libpq connection URI, shared by any
 *       number of processes and machines; besides libpq's parameters it takes
 *       pool_size=N (1..64, default 4), lock_timeout_ms=N (default 5000) and
 *       statement_timeout_ms=N (default 10000, both at most 600000). A library
 *       built without PostgreSQL support answers BOOKING_EURL.
 * On success *out is a store to pass to booking_store_close(). On failure *out is
 * NULL and, if errbuf is not NULL, a one-line explanation (NUL-terminated, cut
 * to errbuf_len bytes) is written there.
 * Errors: BOOKING_EINVAL (out is NULL), BOOKING_EURL (url NULL, of an unknown
 * scheme, or with a bad location or option), BOOKING_ENOMEM, BOOKING_EOPEN (the
 * database could not be opened, configured or migrated: the errbuf says why).
 * Thread-safety: may be called from any thread; each call makes a new handle.
 * Ownership: url and errbuf are only used during the call. */
BOOKING_API booking_error booking_store_open(const char *url, booking_store **out,
                                             char *errbuf, size_t errbuf_len);

/* Closes the store and frees it. NULL is accepted. Not concurrent with other calls.
 * Every decision already returned as BOOKED or REJECTED by a durable store stays
 * committed. The caller must make sure no other thread uses the store during or
 * after this call; the handle is invalid afterwards. Cannot fail. */
BOOKING_API void booking_store_close(booking_store *store);

/* One attempt: exactly one outcome in *result. Returns BOOKING_EINVAL (and writes
 * nothing) if the request is outside the limits.
 * On BOOKING_OK, *result holds BOOKED (reason booked, status active, or on a
 * replay the record's status), REJECTED (insufficient_capacity, recorded;
 * booking_id_conflict or unknown_resource, not recorded) or FAILED (conflict,
 * busy, unavailable, io_error, timeout, internal: nothing changed, or the commit
 * was ambiguous and a replay with the same booking_id will show the decision).
 * replayed is true when the booking_id was decided before and nothing changed.
 * A request with hold_ms > 0 is a hold (SPEC section 7): BOOKED with status held
 * and expires_at_ms = the decision's time + hold_ms; its units count in booked
 * until then, and from expires_at_ms on the record reads expired and its units
 * are free again, exactly once, without any call doing it. A repeat must give the
 * same hold_ms (0 included), else it is booking_id_conflict.
 * A bundle (request->lines, SPEC section 8) is one attempt with one decision:
 * BOOKED reserves every line's units in one transaction; REJECTED reserves none
 * and result->line names the lowest-numbered line that failed (unknown_resource
 * or insufficient_capacity), judged on the state before the attempt. A repeat
 * must name the same lines in the same order (and the same hold_ms), else it is
 * booking_id_conflict. Hold, confirm, cancel and expiry apply to the whole bundle.
 * Errors: BOOKING_EINVAL (store, request or result NULL; an id empty, too long or
 * outside [A-Za-z0-9._:-]; units 0 or over BOOKING_UNITS_MAX; hold_ms over
 * BOOKING_HOLD_MS_MAX; both forms or neither; line_count 0 or over
 * BOOKING_LINES_MAX; two lines naming one resource). Out of memory in
 * the store is an outcome (FAILED internal), not an error.
 * Thread-safety: any number of threads at once; order-independent (SPEC section 1). */
BOOKING_API booking_error booking_attempt(booking_store *store, const booking_request *request,
                                          booking_result *result);

/* 1..BOOKING_BATCH_MAX attempts decided in order in one transaction; results[i]
 * answers requests[i]. If any request is invalid the whole batch is refused with
 * BOOKING_EINVAL and nothing is done. If the transaction fails, every result is
 * FAILED with the same reason and nothing of the batch is visible.
 * Each attempt gets its own decision, as if it had run alone at its place in the
 * batch: a booking_id repeated inside one batch is a replay (or a conflict) of
 * its first occurrence. The whole batch costs one commit (one fsync for sqlite:).
 * memory: has no commit that can fail: it decides the batch in order, one attempt
 * at a time, and other threads' calls may be decided between two of them.
 * requests and results are arrays of count elements, both owned by the caller.
 * A batch may mix bundles and single attempts (a single attempt counts as one
 * line), at most BOOKING_BATCH_LINES_MAX lines in all.
 * Errors: BOOKING_EINVAL (store, requests or results NULL; count 0 or over
 * BOOKING_BATCH_MAX; over BOOKING_BATCH_LINES_MAX lines; any request outside the
 * limits).
 * Thread-safety: as booking_attempt(). */
BOOKING_API booking_error booking_attempt_batch(booking_store *store,
                                                const booking_request *requests, size_t count,
                                                booking_result *results);

/* Creates the resource or changes its capacity. *reason: OK, CAPACITY_BELOW_BOOKED
 * (nothing changed) or a failure. *resource (may be NULL) gets the state after.
 * Setting the capacity a resource already has is OK and changes nothing (the
 * call is idempotent). *resource is written for OK and CAPACITY_BELOW_BOOKED (then
 * it shows the unchanged state), not for a failure.
 * Errors: BOOKING_EINVAL (store or reason NULL; resource_id invalid; capacity over
 * BOOKING_CAPACITY_MAX). Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_set_capacity(booking_store *store, const char *resource_id,
                                               uint64_t capacity, booking_reason *reason,
                                               booking_resource *resource);

/* Releases a BOOKED record's units. *reason: CANCELLED, ALREADY_CANCELLED,
 * HOLD_EXPIRED, UNKNOWN_BOOKING, NOT_BOOKED or a failure. *record (may be NULL)
 * gets the record. CANCELLED: an active or unexpired held booking; each line's
 * resource's booked -= that line's units (a bundle releases every line) and the
 * record's status became cancelled, in one transaction.
 * ALREADY_CANCELLED: a repeat; nothing changed. HOLD_EXPIRED: a hold whose
 * expires_at_ms has come; its units were already free, nothing changed.
 * NOT_BOOKED: the record is a REJECTED decision; nothing changed. The booking_id
 * stays decided: a later attempt with it is a replay (BOOKED, status cancelled),
 * never a new booking. *record is written whenever the record exists, showing its
 * state after the call.
 * Errors: BOOKING_EINVAL (store or reason NULL; booking_id invalid).
 * Thread-safety: any number of threads at once; of racing cancels of one booking
 * exactly one gets CANCELLED. */
BOOKING_API booking_error booking_cancel(booking_store *store, const char *booking_id,
                                         booking_reason *reason, booking_record *record);

/* Turns a hold into an active booking (SPEC section 7). *reason: CONFIRMED (the
 * hold had not expired at the store's time of the call: its status is now active
 * and it never expires), ALREADY_CONFIRMED (active already: a repeat, or a booking
 * that was never a hold), HOLD_EXPIRED (its expires_at_ms has come; nothing
 * changed), ALREADY_CANCELLED, NOT_BOOKED (a REJECTED record), UNKNOWN_BOOKING, or a
 * failure. *record (may be NULL) is written whenever the record exists, showing its
 * state after the call. Of a confirm and a cancel racing on one hold, one wins.
 * Errors: BOOKING_EINVAL (store or reason NULL; booking_id invalid).
 * Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_confirm(booking_store *store, const char *booking_id,
                                          booking_reason *reason, booking_record *record);

/* *reason: OK (then *resource is filled), UNKNOWN_RESOURCE or a failure.
 * GetResource: capacity and booked (remaining = capacity - booked) as committed,
 * as of the store's time resource->as_of_ms: holds expired by then are not counted.
 * Errors: BOOKING_EINVAL (store, reason or resource NULL; resource_id invalid).
 * Thread-safety: any number of threads at once; reads never wait for a writer's
 * sync in sqlite:. */
BOOKING_API booking_error booking_get_resource(booking_store *store, const char *resource_id,
                                               booking_reason *reason,
                                               booking_resource *resource);

/* *reason: OK (then *record is filled), UNKNOWN_BOOKING or a failure.
 * GetBooking: the decision record of a booking_id (BOOKED or REJECTED
 * insufficient_capacity; undecided and unrecorded attempts are UNKNOWN_BOOKING).
 * Errors: BOOKING_EINVAL (store, reason or record NULL; booking_id invalid).
 * Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_get_booking(booking_store *store, const char *booking_id,
                                              booking_reason *reason, booking_record *record);

/* As booking_get_booking(), and a bundle's lines: on OK, lines[0..n) get the
 * record's first n = min(record->line_count, lines_cap) lines, in the order the
 * attempt gave them (BOOKING_LINES_MAX always holds them all). Lines never change
 * once decided. Errors: as booking_get_booking(), and BOOKING_EINVAL for lines
 * NULL with lines_cap > 0. Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_get_booking_lines(booking_store *store, const char *booking_id,
                                                    booking_reason *reason,
                                                    booking_record *record,
                                                    booking_record_line *lines, size_t lines_cap);

/* Listing (SPEC section 5): pages of resources, or of one resource's bookings,
 * in ascending id order (bytewise, as strcmp orders them), read by keyset: a page
 * holds ids strictly after `after` (NULL: from the first), at most `limit` of them
 * (1..BOOKING_LIST_LIMIT_MAX), and `next` (a buffer of BOOKING_LIST_NEXT_SIZE
 * bytes) gets the cursor to resume from: the id to pass as `after` for the next
 * page, or "" when the listing has no more. A page examines at most
 * BOOKING_LIST_SCAN_MAX records: a filtered one that reaches that bound first ends
 * early, with fewer than `limit` items, even none, and `next` the last id it
 * examined (not the last it returned). So a page may hold fewer than limit
 * items while next is not "": a caller pages until next is "". A listing that
 * keeps every record it examines (list_resources, and list_bookings with
 * BOOKING_LIST_ALL) returns every record it examines, and its next, when not "",
 * is its last item's id. Every page is read in one snapshot and served from an
 * index: its cost grows with the page and the records it examines, never with
 * more than BOOKING_LIST_SCAN_MAX of them, nor with the number of bookings.
 * Between pages the store goes on changing: an id that exists from the first
 * page to the last and keeps matching is on exactly one page. */
#define BOOKING_LIST_LIMIT_MAX 1000
#define BOOKING_LIST_LIMIT_DEFAULT 100
/* Records examined per page. Measured at 1M records on one resource, none kept
 * (a page of ?status=held over HTTP, load 6 to 35 on 2 cores): a budget's page
 * takes 0.5 to 4 ms in memory: (the shard lock's hold), 50 to 440 ms in sqlite:
 * and 90 to 600 ms in postgres://, against 0.13 s, 11 to 39 s and 14 to 18 s
 * (past the 10 s statement timeout) for the walk of all of them before. */
#define BOOKING_LIST_SCAN_MAX 10000
#define BOOKING_LIST_NEXT_SIZE (BOOKING_ID_LEN_MAX + 1)

/* Which bookings a listing keeps, by the record's status as of the read's time
 * (a hold past its expires_at is expired even before a write applied it). */
typedef enum booking_list_filter {
    BOOKING_LIST_ALL = 0,
    BOOKING_LIST_HELD = 1,
    BOOKING_LIST_ACTIVE = 2,
    BOOKING_LIST_CANCELLED = 3,
    BOOKING_LIST_EXPIRED = 4,
    BOOKING_LIST_REJECTED = 5, /* REJECTED records (status none) */
} booking_list_filter;

/* *reason: OK (then resources[0..*count) are filled, each as
 * booking_get_resource() reads it, all as of one time) or a failure.
 * Errors: BOOKING_EINVAL (store, reason, resources, count or next NULL; limit 0
 * or over BOOKING_LIST_LIMIT_MAX; after not NULL and invalid).
 * Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_list_resources(booking_store *store, const char *after,
                                                 size_t limit, booking_reason *reason,
                                                 booking_resource *resources, size_t *count,
                                                 char *next);

/* The records of resource_id's bookings: every record with a line on it (a
 * bundle's, whichever its line), REJECTED ones included, that filter keeps, in
 * ascending booking_id order, each as booking_get_booking() reads it (a bundle's
 * lines: booking_get_booking_lines()). *reason: OK (then records[0..*count) are
 * filled), UNKNOWN_RESOURCE, or a failure.
 * Errors: BOOKING_EINVAL (store, reason, records, count or next NULL; resource_id
 * invalid; filter unknown; limit 0 or over BOOKING_LIST_LIMIT_MAX; after not NULL
 * and invalid). Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_list_bookings(booking_store *store, const char *resource_id,
                                                booking_list_filter filter, const char *after,
                                                size_t limit, booking_reason *reason,
                                                booking_record *records, size_t *count,
                                                char *next);

/* The wire name of a filter ("held", ..., "rejected"; "" for ALL), and back:
 * false when name is none of them. */
BOOKING_API const char *booking_list_filter_name(booking_list_filter filter);
BOOKING_API bool booking_list_filter_parse(const char *name, booking_list_filter *out);

/* One confirm or cancel of a booking_change_batch(). */
typedef enum booking_change_kind {
    BOOKING_CHANGE_CANCEL = 1,  /* as booking_cancel() */
    BOOKING_CHANGE_CONFIRM = 2, /* as booking_confirm() */
} booking_change_kind;

typedef struct booking_change {
    const char *booking_id; /* NUL-terminated, 1..BOOKING_ID_LEN_MAX bytes, borrowed */
    booking_change_kind kind;
} booking_change;

/* 1..BOOKING_BATCH_MAX confirms and cancels, decided in order, each as
 * booking_confirm() or booking_cancel() decides it at its place in the batch:
 * reasons[i] answers changes[i], and records[i] (records may be NULL; else an
 * array of count) gets its record whenever the record exists. What a service
 * does to commit many at once (group commit), as booking_attempt_batch() for
 * attempts. sqlite: one transaction and one sync for the whole batch; if it
 * fails, every reason is that failure and nothing of the batch is visible.
 * postgres: each change commits on its own (PostgreSQL groups the syncs of
 * concurrent sessions itself), so a failure fails only its change. memory: in
 * order, not isolated from other threads' calls.
 * Errors: BOOKING_EINVAL (store, changes or reasons NULL; count 0 or over
 * BOOKING_BATCH_MAX; an id invalid or a kind unknown: then nothing is done).
 * Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_change_batch(booking_store *store,
                                               const booking_change *changes, size_t count,
                                               booking_reason *reasons, booking_record *records);

/* The store's clock (SPEC section 7): returns the time in ms since the epoch.
 * By default sqlite: and memory: read the host's real-time clock and postgres://
 * the database server's (so that every instance agrees). A store never lets its
 * time go back: a reading earlier than the latest time it has used is taken as
 * that time. Tests (and simulations) inject a clock here; NULL restores the
 * default. context is passed to every call and must outlive the store's use of it.
 * The function is called from any thread that calls the store, must be
 * thread-safe and must not call the store.
 * Errors: BOOKING_EINVAL (store NULL). Thread-safety: not concurrent with other
 * calls on the store: set it right after booking_store_open(). */
typedef int64_t (*booking_clock_fn)(void *context);
BOOKING_API booking_error booking_store_set_clock(booking_store *store, booking_clock_fn clock,
                                                  void *context);

/* What a store handle has done that no answer shows: holds_expired counts the
 * holds whose expiry this handle applied (released their units) since it was
 * opened. With several processes or instances on one database, each counts the
 * expiries it applied; their sum is the database's. listing_seal_failures
 * (sqlite: only, else 0) counts the times this handle failed to seal a run of
 * its listing index (no answer is affected: listings then scan a longer tail,
 * and the seal is tried again later). Errors: BOOKING_EINVAL (store or stats
 * NULL). Thread-safety: any number of threads at once. */
typedef struct booking_store_stats {
    uint64_t holds_expired;
    uint64_t listing_seal_failures;
} booking_store_stats;
BOOKING_API booking_error booking_store_get_stats(booking_store *store, booking_store_stats *stats);

/* Writes a consistent copy of the store's database to a new file at path, while
 * other threads and processes go on deciding. sqlite: only: the copy is made in
 * one read transaction (SQLite's VACUUM INTO), so it holds exactly the decisions
 * committed before it began, compacted, and opens as a store of its own
 * ("sqlite:PATH"). To restore, stop every process using the store and put the
 * copy in place of the file (removing the old file's -wal and -shm).
 * postgres:// is backed up with PostgreSQL's own tools (pg_dump, pg_basebackup);
 * memory: has nothing to keep.
 * Errors: BOOKING_EINVAL (store or path NULL, or path empty); BOOKING_ENOTSUP
 * (memory:, postgres://); BOOKING_EBACKUP (path exists, or the copy could not be
 * written: errbuf, if not NULL, says why; no partial file is left behind).
 * Thread-safety: any number of threads at once; a backup waits for no writer. */
BOOKING_API booking_error booking_store_backup(booking_store *store, const char *path,
                                               char *errbuf, size_t errbuf_len);

/* The database engine's own words about the last failure that a call on this
 * thread turned into a failure reason (SQLite's "database is locked", the first
 * line of PostgreSQL's error), for logs: "" when this thread's last call on a
 * store met none. Each call on a store clears it first. The string is the
 * thread's own (at most BOOKING_LAST_ERROR_MAX bytes), valid until its next call
 * on a store; never NULL. Pure of side effects, reentrant. */
#define BOOKING_LAST_ERROR_MAX 256
BOOKING_API const char *booking_last_error(void);

/* Whether the store answers (a cheap read). *reason: OK or a failure.
 * What a readiness probe asks (GET /readyz). Errors: BOOKING_EINVAL (store or
 * reason NULL). Thread-safety: any number of threads at once. */
BOOKING_API booking_error booking_store_ping(booking_store *store, booking_reason *reason);

/* Validation of single inputs, as the library applies it (SPEC section 3).
 * booking_id_valid: true when id[0..len) is 1..BOOKING_ID_LEN_MAX bytes, all of
 * [A-Za-z0-9._:-] (id need not be NUL-terminated; NULL is invalid).
 * booking_units_valid: 1..BOOKING_UNITS_MAX. booking_capacity_valid:
 * 0..BOOKING_CAPACITY_MAX. Pure, reentrant, never fail. */
BOOKING_API bool booking_id_valid(const char *id, size_t len);
BOOKING_API bool booking_units_valid(uint64_t units);
BOOKING_API bool booking_capacity_valid(uint64_t capacity);
BOOKING_API bool booking_hold_ms_valid(uint64_t hold_ms); /* 0 (no hold) or 1..BOOKING_HOLD_MS_MAX */

/* Names: "BOOKED"/"REJECTED"/"FAILED"; reasons as in SPEC ("insufficient_capacity");
 * statuses "active"/"cancelled"/"none"; errors as a short phrase. Never NULL.
 * The strings are static (never free them) and are the wire names of SPEC
 * section 5. A value outside its enum gets a fallback name rather than NULL.
 * booking_reason_is_failure: true for conflict, busy, unavailable, io_error,
 * timeout and internal, i.e. for the reasons of a FAILED outcome.
 * Pure, reentrant, never fail. */
BOOKING_API const char *booking_outcome_name(booking_outcome outcome);
BOOKING_API const char *booking_reason_name(booking_reason reason);
BOOKING_API const char *booking_status_name(booking_status status);
BOOKING_API const char *booking_error_name(booking_error error);
BOOKING_API bool booking_reason_is_failure(booking_reason reason);

/* The library's version, "MAJOR.MINOR.PATCH".
 * Static string (never free it); the same as `booking --version` prints when the
 * program and the library come from one build. Pure, reentrant. */
BOOKING_API const char *booking_version(void);

#ifdef __cplusplus
}
#endif
#endif /* BOOKING_H */
