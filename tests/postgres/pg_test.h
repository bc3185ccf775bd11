/* SPDX-License-Identifier: MIT */
/*
 * pg_test.h: what the postgres tests share: a plain libpq session beside the
 * store (to hold locks, kill sessions, read rows) and the invariant of SPEC
 * section 1 checked straight on the tables.
 */
#ifndef BOOKING_TEST_PG_TEST_H
#define BOOKING_TEST_PG_TEST_H

#include "booking.h"
#include "core/names.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The database URL of argv[1], or NULL after a usage line on stderr. */
const char *pg_test_url_arg(int argc, char **argv);
/* The same for a program that takes more_count arguments after the URL (named by
 * more_usage in the usage line): NULL unless argv holds all of them. */
const char *pg_test_url_args(int argc, char **argv, int more_count, const char *more_usage);

/* The store on url with options ("k=v&k=v") added to its query; fails the test
 * if it cannot open. */
booking_store *pg_test_open_with(const char *url, const char *options);

/* Sets the capacity of rid; fails the test unless it is set. */
void pg_test_set_capacity(booking_store *s, const char *rid, uint64_t capacity);

/* The booked column of resource rid, as stored. */
long long pg_test_booked(PGconn *pg, const char *rid);

/* A session of our own; fails the test if it cannot connect. */
PGconn *pg_test_connect(const char *url);

/* Runs sql; fails the test unless it succeeds. Returns the result (caller clears). */
PGresult *pg_test_exec(PGconn *pg, const char *sql);

/* One number from "SELECT ..."; fails the test on error. */
long long pg_test_value(PGconn *pg, const char *sql);

/* The units the records hold on each resource, as stored (rows resource_id,
 * units): line 0 of every active or held BOOKED record, and every line 1.. of an
 * active bundle or one still a live hold entry (a held line whose time has come
 * counts until a write on its resource applies its expiry; postgres.c note (9)).
 * Aggregated once, not per resource: a test may have many thousands. */
#define PG_TEST_HELD_UNITS                                                                   \
    "(SELECT u.resource_id, sum(u.units) AS units FROM ("                                    \
    "  SELECT resource_id, units FROM bookings WHERE outcome = 1 AND status IN (1, 3)"       \
    "  UNION ALL SELECT l.resource_id, l.units FROM booking_lines l JOIN bookings b"         \
    "  ON b.id = l.booking_id WHERE b.outcome = 1 AND (l.held OR b.status = 1)) u"           \
    " GROUP BY u.resource_id)"

/* For every resource: 0 <= booked <= capacity and booked equals the units its
 * records hold on it (PG_TEST_HELD_UNITS); every bundle has all its lines, and
 * only a hold has live line entries. Returns the number of resources checked. */
long long pg_test_check_invariant(PGconn *pg);

/* The store's own sessions (application_name "booking") on this database, not
 * other tests' databases on the same server, terminated. Returns how many. */
long long pg_test_terminate_store_sessions(PGconn *pg);

/* The server's clock, in ms since the epoch (the postgres store's default clock). */
long long pg_test_server_ms(PGconn *pg);

/* Milliseconds on the monotonic clock. */
long long pg_test_now_ms(void);

#endif

/* ---- a bounded load of batches from threads, logged for checking after ---- */

#define PG_LOAD_THREADS_MAX 8
#define PG_LOAD_BATCH 10
#define PG_LOAD_BATCHES_MAX 4000 /* per thread */
#define PG_LOAD_RESOURCES 3
#define PG_LOAD_ID_SIZE 48
#define PG_LOAD_FAILED_PAUSE_MS 10

typedef struct pg_load_batch {
    char ids[PG_LOAD_BATCH][PG_LOAD_ID_SIZE];
    booking_result results[PG_LOAD_BATCH];
} pg_load_batch;

typedef struct pg_load_thread {
    struct pg_load *load;
    int index;
    size_t batch_count;
    pg_load_batch *batches; /* PG_LOAD_BATCHES_MAX */
} pg_load_thread;

typedef struct pg_load {
    booking_store *store;
    char tag[24];
    int threads;
    volatile int stop; /* read with __atomic loads */
    pg_load_thread t[PG_LOAD_THREADS_MAX];
    void *handles[PG_LOAD_THREADS_MAX];
    /* what the run saw */
    size_t decided, failed, failed_by_reason[CORE_REASON_COUNT];
} pg_load;

/* Creates the resources "<tag>-r0..2" (large capacity) and starts the threads. */
void pg_load_start(pg_load *load, booking_store *store, int threads, const char *tag);
/* Stops the threads and tallies the outcomes. */
void pg_load_stop(pg_load *load);
/* Every decided attempt is recorded as answered; every FAILED batch is all or
 * nothing in the tables (all: an ambiguous commit); the invariant holds. */
void pg_load_check(pg_load *load, PGconn *pg);
void pg_load_free(pg_load *load);
