/* SPDX-License-Identifier: MIT */
/*
 * store.h: the one interface every store engine implements.
 *
 * The library (lib/booking.c) validates input, then calls these; a store reads
 * state, asks the pure core (core/decide.h) what to do, and applies exactly that,
 * atomically. A store never retries: a lock not had in time, a conflict or an
 * I/O error becomes a FAILED reason, and nothing of the call is visible.
 * Every function may be called from many threads at once, except close.
 */
#ifndef BOOKING_STORE_H
#define BOOKING_STORE_H

#include "booking.h"

/* What a listing's page says beside its items (store_ops list_resources and
 * list_bookings). */
typedef struct store_page {
    size_t count;                      /* items filled, at most the limit */
    size_t examined;                   /* records examined, at most BOOKING_LIST_SCAN_MAX */
    char next[BOOKING_LIST_NEXT_SIZE]; /* the cursor to resume from; "" at the end */
} store_page;

_Static_assert(BOOKING_LIST_SCAN_MAX > BOOKING_LIST_LIMIT_MAX,
               "a page that keeps every record it examines fills before its budget ends");

typedef struct store_ops {
    const char *name;
    void (*close)(booking_store *store);
    /* count is 1..BOOKING_BATCH_MAX, every request valid (either form: read its
     * lines with bk_core_request_lines), at most BOOKING_BATCH_LINES_MAX lines in
     * all. Decided in order, in one transaction; on a failed transaction every
     * result is FAILED. A bundle's locks are taken in one global order
     * (resource id, or for memory: its shard index), so bundles cannot deadlock. */
    void (*attempt_batch)(booking_store *store, const booking_request *requests, size_t count,
                          booking_result *results);
    booking_reason (*set_capacity)(booking_store *store, const char *resource_id,
                                   uint64_t capacity, booking_resource *out);
    /* count is 1..BOOKING_BATCH_MAX, every change valid; records may be NULL. Each
     * decided in order as a confirm or cancel; reasons[i] (and records[i] when the
     * record exists) answer changes[i]. On a failed transaction every reason is
     * the failure. booking_cancel() and booking_confirm() are batches of one. */
    void (*change_batch)(booking_store *store, const booking_change *changes, size_t count,
                         booking_reason *reasons, booking_record *records);
    booking_reason (*get_resource)(booking_store *store, const char *resource_id,
                                   booking_resource *out);
    /* *out gets the record (line_count, line 0 in resource_id/units); lines[0..n)
     * its first n = min(line_count, lines_cap) lines. lines_cap <= BOOKING_LINES_MAX;
     * lines is NULL when lines_cap is 0. */
    booking_reason (*get_booking)(booking_store *store, const char *booking_id,
                                  booking_record *out, booking_record_line *lines,
                                  size_t lines_cap);
    /* Listing (booking_list_resources, booking_list_bookings): limit is
     * 1..BOOKING_LIST_LIMIT_MAX, after NULL or a valid id, resource_id valid, filter
     * known. One snapshot per call; page->count <= limit results in ascending id
     * order, page->examined the records it examined (read the status of) on the
     * way, at most BOOKING_LIST_SCAN_MAX, and page->next the cursor (booking.h):
     * the last item's id when a kept record follows it, else the last examined
     * id when the budget ran out with records left, else "" (the walk reached the
     * end). A store examines the keys after `after` in order and stops at the
     * first of: limit + 1 kept, BOOKING_LIST_SCAN_MAX examined, the end; with
     * every record kept (list_resources, BOOKING_LIST_ALL) the first comes first.
     * list_bookings answers UNKNOWN_RESOURCE for a resource that does not exist. */
    booking_reason (*list_resources)(booking_store *store, const char *after, size_t limit,
                                     booking_resource *out, store_page *page);
    booking_reason (*list_bookings)(booking_store *store, const char *resource_id,
                                    booking_list_filter filter, const char *after, size_t limit,
                                    booking_record *out, store_page *page);
    booking_reason (*ping)(booking_store *store);
    /* A consistent copy of the database into a new file (booking_store_backup);
     * NULL for a store that has none (then ENOTSUP). */
    booking_error (*backup)(booking_store *store, const char *path, char *errbuf,
                            size_t errbuf_len);
} store_ops;

/* Every store's own struct starts with this, so a booking_store * is its handle. */
struct booking_store {
    const store_ops *ops;
    booking_clock_fn clock; /* NULL: the engine's default clock (booking_store_set_clock) */
    void *clock_context;
    int64_t latest_ms;      /* atomic: the latest time this handle has used, so that its
                               time never goes back (SPEC section 7) */
    uint64_t holds_expired; /* atomic: expiries this handle applied (booking_store_get_stats) */
    uint64_t seal_failures; /* atomic: listing runs it failed to seal (sqlite; get_stats) */
};

/* Counts n holds whose expiry the store just applied (released their units). */
void bk_store_count_expired(booking_store *store, uint64_t n);

/* The store's time now, in ms since the epoch: the injected clock, else the host's
 * real-time clock, never earlier than any time this handle used or observed. */
int64_t bk_store_now(booking_store *store);

/* The latest time this handle has used or observed, without a reading of the
 * clock: never earlier than any bk_store_now() that returned before. A batch
 * that read the clock once at its start takes this for each of its decisions
 * (memory.c, note (8)): a time within the call, never behind what any
 * operation has used before it. */
static inline int64_t bk_store_latest_time(booking_store *store)
{
    return __atomic_load_n(&store->latest_ms, __ATOMIC_RELAXED);
}

/* Raises the handle's latest time to ms (a time the database recorded, say). */
void bk_store_observe_time(booking_store *store, int64_t ms);

/* Openers, one per URL scheme. `location` is the URL after "scheme:". */
typedef booking_error (*store_open_fn)(const char *url, const char *location, booking_store **out,
                                       char *errbuf, size_t errbuf_len);

booking_error bk_memory_store_open(const char *url, const char *location, booking_store **out,
                                char *errbuf, size_t errbuf_len);
booking_error bk_sqlite_store_open(const char *url, const char *location, booking_store **out,
                                char *errbuf, size_t errbuf_len);
booking_error bk_postgres_store_open(const char *url, const char *location, booking_store **out,
                                  char *errbuf, size_t errbuf_len);

/* Fills every result with FAILED and the given failure reason. */
void bk_store_fail_all(booking_result *results, size_t count, booking_reason reason);

/* Keeps the engine's words about a failure for booking_last_error() (this
 * thread's; the first line only). bk_store_clear_error() starts a call afresh. */
void bk_store_note_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bk_store_clear_error(void);

/* Writes a one-line message into errbuf (if any). */
void bk_store_error(char *errbuf, size_t errbuf_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses a URL option's value: 1 to 9 decimal digits, min..max. */
bool bk_store_parse_long(const char *text, size_t len, long min, long max, long *out);

/* Copies a valid id (at most BOOKING_ID_LEN_MAX bytes) into a field of the public structs. */
void bk_store_copy_id(char dst[BOOKING_ID_LEN_MAX + 1], const char *src, size_t len);

#endif
