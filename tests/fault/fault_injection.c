/* SPDX-License-Identifier: MIT */
/*
 * fault_injection.c: SPEC sections 1 and 4 under I/O faults, for the sqlite store.
 * For each call (an attempt, a batch of 50, a cancel, a capacity change) and each
 * kind of file operation, the Nth operation fails, for every N from 1 until the
 * call runs without reaching it, each time on a fresh copy of one prepared
 * database. The call must answer FAILED (never a decision that did not commit);
 * the file must stay intact and consistent, show no trace of the call (or, for
 * the ambiguous commit, all of it), and the store must keep working.
 * Also: reads under faults, a statement aborted by a trigger (the store's own
 * ROLLBACK), faults while opening and closing, and a write lock held elsewhere.
 * Holds (SPEC section 7): a confirm, a cancel of a hold, and the expiry step
 * (an attempt and a confirm that meet holds whose time has come) under the same
 * faults; and the migration of a version-1 file, which either completes or
 * leaves the file at version 1 untouched. Every store runs on a fixed clock that
 * each call sets, so times are part of the snapshots compared.
 * Bundles (SPEC section 8): a batch of bundles (booked, held, rejected, replayed),
 * a cancel of a held bundle and a change batch meeting an expired one under the
 * same faults; a fault midway through a bundle's writes (its lines' insert, its
 * second counter) fails the whole batch and leaves no line of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "core/names.h"
#include "fault/sqlite_fault_vfs.h"
#include "support/test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAULT_VFS_NAME "booking-fault"
#define FAULT_N_MAX 5000            /* bound on N: no call does this many operations */
#define FAULT_BUSY_TIMEOUT_MS 100   /* what the store under test waits for a lock */
#define FAULT_BUSY_SLACK_MS 1000    /* how much longer a busy answer may take */
#define FAULT_BATCH 50
#define FAULT_TEXT_SIZE 8192        /* an answer as text (a batch of 50: ~1.5 KiB) */
#define FAULT_PATH_SIZE 640
#define FAULT_URL_SIZE 768
#define FAULT_SNAPSHOT_MAX (1 << 20)
#define FAULT_REPORT_MAX 4          /* notable cases printed per call */
#define FAULT_T0_MS 1764633600000LL /* the template's time: 2025-12-02T00:00:00Z */
#define FAULT_HOLD_LONG_MS 10000    /* t-h0, t-h1: live through every call */
#define FAULT_HOLD_SHORT_MS 1000    /* t-h2, t-h3: due for the expiry calls */
#define FAULT_AT_LIVE_MS 1          /* when most calls run, after the template's time */
#define FAULT_AT_DUE_MS (FAULT_HOLD_SHORT_MS + 1) /* when the expiry calls run */
#define FAULT_SCHEMA_VERSION 6      /* what the store migrates a file to */

#ifndef BOOKING_TEST_FIXTURES
#error "BOOKING_TEST_FIXTURES names tests/fixtures (tests/fault/CMakeLists.txt)"
#endif

/* ---- the clock of every store opened here ---- */

static int64_t fault_clock_ms = FAULT_T0_MS;

static int64_t fault_clock(void *context)
{
    (void)context;
    return __atomic_load_n(&fault_clock_ms, __ATOMIC_SEQ_CST);
}

static void fault_clock_set(int64_t ms)
{
    __atomic_store_n(&fault_clock_ms, ms, __ATOMIC_SEQ_CST);
}

/* ---- files and raw SQL ---- */

static char template_path[FAULT_PATH_SIZE];
static char case_path[FAULT_PATH_SIZE];
static char crash_path[FAULT_PATH_SIZE];
static char *snapshot_before; /* the prepared database, as text */

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (in == NULL)
        return false;
    FILE *out = fopen(to, "wb");
    bool ok = out != NULL;
    char buf[1 << 14];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    fclose(in);
    if (out != NULL && fclose(out) != 0)
        ok = false;
    return ok;
}

static void remove_db(const char *path)
{
    char p[FAULT_PATH_SIZE + 8];
    remove(path);
    snprintf(p, sizeof p, "%s-wal", path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", path);
    remove(p);
    snprintf(p, sizeof p, "%s-journal", path);
    remove(p);
}

/* A fresh copy of the prepared database at `path`. */
static void fresh_copy(const char *path)
{
    remove_db(path);
    if (!copy_file(template_path, path))
        fail_msg("cannot copy %s to %s", template_path, path);
}

/* What a crash would leave on disk now: the database file and its WAL, as
 * written so far (the WAL index is rebuilt from the WAL on open). */
static void crash_image(const char *path, const char *to)
{
    char from_wal[FAULT_PATH_SIZE + 8], to_wal[FAULT_PATH_SIZE + 8];
    remove_db(to);
    if (!copy_file(path, to))
        fail_msg("cannot copy %s", path);
    snprintf(from_wal, sizeof from_wal, "%s-wal", path);
    snprintf(to_wal, sizeof to_wal, "%s-wal", to);
    FILE *f = fopen(from_wal, "rb");
    if (f != NULL) {
        fclose(f);
        if (!copy_file(from_wal, to_wal))
            fail_msg("cannot copy %s", from_wal);
    }
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fail_msg("raw open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
    }
    sqlite3_extended_result_codes(db, 1);
    return db;
}

static void appendf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

/* The rows the queries give (of 5 columns each), as text. */
static char *snapshot_of(sqlite3 *db, const char *const *queries, size_t count)
{
    char *out = calloc(1, FAULT_SNAPSHOT_MAX);
    if (out == NULL)
        fail_msg("out of memory");
    for (size_t q = 0; q < count; q++) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, queries[q], -1, &s, NULL) != SQLITE_OK)
            fail_msg("snapshot: %s", sqlite3_errmsg(db));
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            appendf(out, FAULT_SNAPSHOT_MAX, "%s %s %s %s %s\n", sqlite3_column_text(s, 0),
                    sqlite3_column_text(s, 1), sqlite3_column_text(s, 2),
                    sqlite3_column_text(s, 3), sqlite3_column_text(s, 4));
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            fail_msg("snapshot: %s", sqlite3_errmsg(db));
    }
    return out;
}

/* Every row of the decisions and counters, in order: two equal snapshots, equal
 * decisions. The store_time row is left out: closing a store records the latest
 * time its handle used (reads included, sqlite.c note (9)), which is no trace of a
 * decision; that it never goes back is
 * sqlite_store_time_never_goes_back_across_handles_and_reopen. */
static char *snapshot(sqlite3 *db)
{
    static const char *const queries[] = {
        "SELECT 'R', id, capacity, booked, 0 FROM resources ORDER BY id",
        "SELECT 'B', id, resource_id, units, outcome * 10 + status || ' hold ' || hold_ms ||"
        " ' at ' || created_at_ms || ' ' || updated_at_ms || ' ' || expires_at_ms ||"
        " ' lines ' || line_count || ' line ' || line"
        " FROM bookings ORDER BY id",
        ("SELECT 'L', booking_id, line, resource_id, units || ' at ' || expires_at_ms ||"
         " ' live ' || live FROM booking_lines ORDER BY booking_id, line"),
    };
    return snapshot_of(db, queries, sizeof queries / sizeof queries[0]);
}

/* PRAGMA integrity_check says "ok" (the indexes of live holds included) and, for
 * every resource, booked equals the sum of its active and held BOOKED lines (a
 * held one counts until a write applies its expiry: line 0 while its record is
 * held, a line 1.. while it is live) and stays within capacity; every record has
 * its lines 1.., and only a hold's lines are live. */
static bool has_lines_table(sqlite3 *db, const char *where)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'booking_lines'",
                           -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s: sqlite_schema: %s", where, sqlite3_errmsg(db));
    bool has = sqlite3_column_int(s, 0) == 1;
    sqlite3_finalize(s);
    return has;
}

/* A file of an older version (before bundles: no booking_lines) counts line 0 only. */
static void expect_sound(sqlite3 *db, const char *where)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: integrity_check: %s", where, sqlite3_errmsg(db));
    int rc = sqlite3_step(s);
    bool ok = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
    if (!ok)
        fail_msg("%s: integrity_check: %s", where,
                 rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : sqlite3_errmsg(db));
    sqlite3_finalize(s);
    bool lines = has_lines_table(db, where);
    static const char invariant_v1[] =
        "SELECT count(*) FROM resources r WHERE r.booked < 0 OR r.booked > r.capacity OR "
        "r.booked != (SELECT coalesce(sum(b.units), 0) FROM bookings b "
        "             WHERE b.resource_id = r.id AND b.outcome = 1 AND b.status IN (1, 3))";
    static const char invariant[] =
        "SELECT count(*) FROM resources r WHERE r.booked < 0 OR r.booked > r.capacity OR "
        "r.booked != (SELECT coalesce(sum(b.units), 0) FROM bookings b "
        "             WHERE b.resource_id = r.id AND b.outcome = 1 AND b.status IN (1, 3))"
        "          + (SELECT coalesce(sum(l.units), 0) FROM booking_lines l"
        "             JOIN bookings b ON b.id = l.booking_id WHERE l.resource_id = r.id"
        "             AND b.outcome = 1 AND (b.status = 1 OR l.live = 1))";
    static const char lines_sound[] =
        "SELECT (SELECT count(*) FROM bookings b WHERE b.line_count - 1 !="
        "        (SELECT count(*) FROM booking_lines l WHERE l.booking_id = b.id))"
        "     + (SELECT count(*) FROM booking_lines l JOIN bookings b ON b.id = l.booking_id"
        "        WHERE l.live = 1 AND (b.outcome <> 1 OR b.status NOT IN (3, 4)"
        "                              OR l.expires_at_ms <> b.expires_at_ms))";
    if (lines) {
        if (sqlite3_prepare_v2(db, lines_sound, -1, &s, NULL) != SQLITE_OK)
            fail_msg("%s: lines: %s", where, sqlite3_errmsg(db));
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW || sqlite3_column_int(s, 0) != 0)
            fail_msg("%s: %d records without all their lines or lines live off a hold", where,
                     rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1);
        sqlite3_finalize(s);
    }
    if (sqlite3_prepare_v2(db, lines ? invariant : invariant_v1, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: invariant: %s", where, sqlite3_errmsg(db));
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW || sqlite3_column_int(s, 0) != 0)
        fail_msg("%s: %d resources break booked == sum of active BOOKED units <= capacity",
                 where, rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1);
    sqlite3_finalize(s);
}

/* ---- the calls under test ---- */

typedef struct call_answer {
    bool failed;           /* FAILED: for a batch, every attempt */
    bool mixed;            /* a batch whose attempts did not all fail alike */
    booking_reason reason; /* of the failure */
    char text[FAULT_TEXT_SIZE];
} call_answer;

static void answer_results(call_answer *a, const booking_result *r, size_t n)
{
    a->failed = r[0].outcome == BOOKING_FAILED;
    a->reason = r[0].reason;
    for (size_t i = 0; i < n; i++) {
        if ((r[i].outcome == BOOKING_FAILED) != a->failed ||
            (a->failed && r[i].reason != a->reason))
            a->mixed = true;
        appendf(a->text, sizeof a->text, "%s %s%s %s %lld line %u; ",
                booking_outcome_name(r[i].outcome), booking_reason_name(r[i].reason),
                r[i].replayed ? " replayed" : "", booking_status_name(r[i].status),
                (long long)r[i].expires_at_ms, (unsigned)r[i].line);
    }
}

static void answer_reason(call_answer *a, booking_error e, booking_reason r)
{
    if (e != BOOKING_OK)
        fail_msg("the library refused a valid call: %s", booking_error_name(e));
    a->failed = booking_reason_is_failure(r);
    a->reason = r;
    appendf(a->text, sizeof a->text, "%s; ", booking_reason_name(r));
}

static void attempt_one(booking_store *s, call_answer *a, const char *id, const char *res,
                        uint64_t units)
{
    booking_request req = {.booking_id = id, .resource_id = res, .units = units, .hold_ms = 0};
    booking_result r;
    booking_error e = booking_attempt(s, &req, &r);
    if (e != BOOKING_OK)
        fail_msg("attempt refused: %s", booking_error_name(e));
    answer_results(a, &r, 1);
}

static void run_attempt_booked(booking_store *s, call_answer *a)
{
    attempt_one(s, a, "f-new", "f-r0", 5);
}

static void run_attempt_insufficient(booking_store *s, call_answer *a)
{
    attempt_one(s, a, "f-big", "f-r2", 1000);
}

static void run_attempt_replay(booking_store *s, call_answer *a)
{
    attempt_one(s, a, "t-b0", "f-r0", 10);
}

/* 50 attempts over 3 resources: new ones that fit and some that do not, a
 * replay, a conflicting repeat and an unknown resource. */
static void run_batch(booking_store *s, call_answer *a)
{
    static char ids[FAULT_BATCH][32];
    static const char *const res[] = {"f-r0", "f-r1", "f-r2"};
    booking_request req[FAULT_BATCH];
    booking_result r[FAULT_BATCH];
    for (size_t i = 0; i < FAULT_BATCH; i++) {
        snprintf(ids[i], sizeof ids[i], "f-bat-%zu", i);
        req[i] = (booking_request){.booking_id = ids[i], .resource_id = res[i % 3], .units = 1 + i % 7, .hold_ms = 0};
    }
    req[10] = (booking_request){.booking_id = "t-b0", .resource_id = "f-r0", .units = 10, .hold_ms = 0};
    req[20] = (booking_request){.booking_id = "t-b0", .resource_id = "f-r0", .units = 11, .hold_ms = 0};
    req[30] = (booking_request){.booking_id = "f-bat-30", .resource_id = "f-none", .units = 1, .hold_ms = 0};
    booking_error e = booking_attempt_batch(s, req, FAULT_BATCH, r);
    if (e != BOOKING_OK)
        fail_msg("batch refused: %s", booking_error_name(e));
    answer_results(a, r, FAULT_BATCH);
}

static void run_cancel(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_record rec;
    booking_error e = booking_cancel(s, "t-b1", &r, &rec);
    answer_reason(a, e, r);
}

static void answer_record(call_answer *a, const booking_record *rec)
{
    if (!a->failed)
        appendf(a->text, sizeof a->text, "%s %s updated %lld", rec->booking_id,
                booking_status_name(rec->status), (long long)rec->updated_at_ms);
}

static void run_confirm_hold(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_record rec;
    booking_error e = booking_confirm(s, "t-h0", &r, &rec);
    answer_reason(a, e, r);
    answer_record(a, &rec);
}

static void run_cancel_hold(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_record rec;
    booking_error e = booking_cancel(s, "t-h1", &r, &rec);
    answer_reason(a, e, r);
    answer_record(a, &rec);
}

/* A confirm, a cancel of a hold and a plain cancel in one transaction: a fault
 * anywhere fails all three and leaves none of them. */
static void run_change_batch(booking_store *s, call_answer *a)
{
    const booking_change changes[3] = {{"t-h0", BOOKING_CHANGE_CONFIRM},
                                       {"t-h1", BOOKING_CHANGE_CANCEL},
                                       {"t-b1", BOOKING_CHANGE_CANCEL}};
    booking_reason r[3] = {BOOKING_REASON_INTERNAL, BOOKING_REASON_INTERNAL,
                           BOOKING_REASON_INTERNAL};
    booking_record rec[3];
    booking_error e = booking_change_batch(s, changes, 3, r, rec);
    bool any = false, all = true;
    for (size_t i = 0; i < 3; i++) {
        answer_reason(a, e, r[i]);
        any |= a->failed;
        all &= a->failed;
    }
    a->failed = any; /* a part that failed makes the call a failure, which must leave no trace */
    if (any && !all)
        appendf(a->text, sizeof a->text, "only part of the batch failed; ");
    for (size_t i = 0; i < 3; i++)
        answer_record(a, &rec[i]);
}

/* f-r2 has room for 3 only once t-h2 and t-h3 expired: the expiry step runs
 * first, in the attempt's transaction. */
static void run_expire_then_attempt(booking_store *s, call_answer *a)
{
    attempt_one(s, a, "f-late", "f-r2", 3);
}

/* A confirm that meets its own hold expired: hold_expired, and the step
 * releases every due hold of the resource (t-h2 and t-h3). */
static void run_confirm_expired(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_record rec;
    booking_error e = booking_confirm(s, "t-h2", &r, &rec);
    answer_reason(a, e, r);
    answer_record(a, &rec);
}

/* Holds and plain attempts in one batch, its first touch of f-r2 expiring. */
static void run_batch_holds(booking_store *s, call_answer *a)
{
    static const booking_request req[] = {
        {.booking_id = "f-bh-0", .resource_id = "f-r2", .units = 2, .hold_ms = FAULT_HOLD_SHORT_MS}, {.booking_id = "f-bh-1", .resource_id = "f-r0", .units = 1, .hold_ms = 0},
        {.booking_id = "f-bh-2", .resource_id = "f-r0", .units = 4, .hold_ms = FAULT_HOLD_LONG_MS},  {.booking_id = "f-bh-3", .resource_id = "f-r2", .units = 4, .hold_ms = 0},
        {.booking_id = "t-h0", .resource_id = "f-r0", .units = 3, .hold_ms = FAULT_HOLD_LONG_MS},    {.booking_id = "t-h2", .resource_id = "f-r2", .units = 2, .hold_ms = FAULT_HOLD_SHORT_MS},
        {.booking_id = "f-bh-0", .resource_id = "f-r2", .units = 2, .hold_ms = 0},
    };
    booking_result r[sizeof req / sizeof req[0]];
    if (booking_attempt_batch(s, req, sizeof req / sizeof req[0], r) != BOOKING_OK)
        fail_msg("batch refused");
    answer_results(a, r, sizeof req / sizeof req[0]);
}

static void run_set_capacity(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_resource res;
    booking_error e = booking_set_capacity(s, "f-r1", 80, &r, &res);
    answer_reason(a, e, r);
}

static void run_create_resource(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_resource res;
    booking_error e = booking_set_capacity(s, "f-r3", 10, &r, &res);
    answer_reason(a, e, r);
}

static void run_get_resource(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_resource res;
    booking_error e = booking_get_resource(s, "f-r0", &r, &res);
    answer_reason(a, e, r);
    if (!a->failed)
        appendf(a->text, sizeof a->text, "capacity %llu booked %llu", (unsigned long long)res.capacity,
                (unsigned long long)res.booked);
}

static void run_get_booking(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_record rec;
    booking_error e = booking_get_booking(s, "t-b2", &r, &rec);
    answer_reason(a, e, r);
    if (!a->failed)
        appendf(a->text, sizeof a->text, "%s %llu %s %s", rec.resource_id,
                (unsigned long long)rec.units, booking_outcome_name(rec.outcome),
                booking_status_name(rec.status));
}

/* f-r2 once t-h2 and t-h3 are due: a read shows them expired and writes nothing. */
static void run_get_resource_due(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_resource res;
    booking_error e = booking_get_resource(s, "f-r2", &r, &res);
    answer_reason(a, e, r);
    if (!a->failed)
        appendf(a->text, sizeof a->text, "capacity %llu booked %llu as of %lld",
                (unsigned long long)res.capacity, (unsigned long long)res.booked,
                (long long)res.as_of_ms);
}

/* ---- bundles ---- */

static const booking_line bun_new_lines[] = {
    {.resource_id = "f-r4", .units = 2}, {.resource_id = "f-r0", .units = 3},
    {.resource_id = "f-r1", .units = 4}};
static const booking_line bun_hold_lines[] = {{.resource_id = "f-r1", .units = 1},
                                              {.resource_id = "f-r4", .units = 1}};
static const booking_line bun_rej_lines[] = {{.resource_id = "f-r0", .units = 1},
                                             {.resource_id = "f-r4", .units = 100}};
static const booking_line bun_unknown_lines[] = {{.resource_id = "f-r1", .units = 1},
                                                 {.resource_id = "f-none", .units = 1}};
/* The template's bundles (prepare()): active, held long, held short. */
static const booking_line t_bun_lines[] = {
    {.resource_id = "f-r0", .units = 2}, {.resource_id = "f-r4", .units = 3},
    {.resource_id = "f-r1", .units = 1}};
static const booking_line t_bun_reordered[] = {
    {.resource_id = "f-r4", .units = 3}, {.resource_id = "f-r0", .units = 2},
    {.resource_id = "f-r1", .units = 1}};
static const booking_line t_bh_lines[] = {{.resource_id = "f-r4", .units = 2},
                                          {.resource_id = "f-r0", .units = 1}};
static const booking_line t_bd_lines[] = {{.resource_id = "f-r1", .units = 2},
                                          {.resource_id = "f-r4", .units = 1},
                                          {.resource_id = "f-r0", .units = 1}};

/* A single attempt, then bundles: new (3 lines), held, rejected on line 1
 * (recorded), a replay of t-bun, a conflict (its lines reordered) and one with an
 * unknown line 1. The new bundle's counter writes are f-r4's (the single
 * attempt's first), then f-r0's, then f-r1's. */
static void run_bundle_batch(booking_store *s, call_answer *a)
{
    static const booking_request req[] = {
        {.booking_id = "f-one", .resource_id = "f-r4", .units = 1},
        {.booking_id = "f-bun-new", .lines = bun_new_lines, .line_count = 3},
        {.booking_id = "f-bun-hold", .lines = bun_hold_lines, .line_count = 2,
         .hold_ms = FAULT_HOLD_LONG_MS},
        {.booking_id = "f-bun-rej", .lines = bun_rej_lines, .line_count = 2},
        {.booking_id = "t-bun", .lines = t_bun_lines, .line_count = 3},
        {.booking_id = "t-bun", .lines = t_bun_reordered, .line_count = 3},
        {.booking_id = "f-bun-unk", .lines = bun_unknown_lines, .line_count = 2},
    };
    booking_result r[sizeof req / sizeof req[0]];
    if (booking_attempt_batch(s, req, sizeof req / sizeof req[0], r) != BOOKING_OK)
        fail_msg("bundle batch refused");
    answer_results(a, r, sizeof req / sizeof req[0]);
}

/* A held bundle cancelled before its end: every line released, every entry dropped. */
static void run_cancel_held_bundle(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_record rec;
    booking_error e = booking_cancel(s, "t-bh", &r, &rec);
    answer_reason(a, e, r);
    answer_record(a, &rec);
}

/* Once t-bd is due: a confirm of it (hold_expired: each of its three lines
 * released once, by its own resource's step), then the cancel of the active t-bun
 * (every line released) and the confirm of the held t-bh, in one transaction. */
static void run_bundle_changes_due(booking_store *s, call_answer *a)
{
    const booking_change changes[3] = {{"t-bd", BOOKING_CHANGE_CONFIRM},
                                       {"t-bun", BOOKING_CHANGE_CANCEL},
                                       {"t-bh", BOOKING_CHANGE_CONFIRM}};
    booking_reason r[3] = {BOOKING_REASON_INTERNAL, BOOKING_REASON_INTERNAL,
                           BOOKING_REASON_INTERNAL};
    booking_record rec[3];
    booking_error e = booking_change_batch(s, changes, 3, r, rec);
    bool any = false, all = true;
    for (size_t i = 0; i < 3; i++) {
        answer_reason(a, e, r[i]);
        any |= a->failed;
        all &= a->failed;
    }
    a->failed = any;
    if (any && !all)
        appendf(a->text, sizeof a->text, "only part of the batch failed; ");
    for (size_t i = 0; i < 3; i++)
        answer_record(a, &rec[i]);
}

/* f-r4 as of the due time: t-bd's line 1 reads released, nothing written. */
static void run_get_resource_bundle_due(booking_store *s, call_answer *a)
{
    booking_reason r = BOOKING_REASON_INTERNAL;
    booking_resource res;
    booking_error e = booking_get_resource(s, "f-r4", &r, &res);
    answer_reason(a, e, r);
    if (!a->failed)
        appendf(a->text, sizeof a->text, "capacity %llu booked %llu as of %lld",
                (unsigned long long)res.capacity, (unsigned long long)res.booked,
                (long long)res.as_of_ms);
    booking_record rec;
    booking_record_line lines[BOOKING_LINES_MAX];
    if (a->failed)
        return;
    e = booking_get_booking_lines(s, "t-bd", &r, &rec, lines, BOOKING_LINES_MAX);
    answer_reason(a, e, r);
    for (uint32_t i = 0; !a->failed && i < rec.line_count; i++)
        appendf(a->text, sizeof a->text, "%s %llu, ", lines[i].resource_id,
                (unsigned long long)lines[i].units);
}

typedef void (*call_fn)(booking_store *s, call_answer *a);

typedef struct fault_call {
    const char *name;
    call_fn run;
    bool writes;          /* a fault-free run changes the database */
    int64_t at_ms;        /* the clock during the call, after FAULT_T0_MS */
    call_answer expected; /* the answer without faults */
    char *snapshot_after; /* the database after it, without faults */
} fault_call;

static fault_call calls[] = {
    {"attempt_booked", run_attempt_booked, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"attempt_insufficient", run_attempt_insufficient, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"attempt_replay", run_attempt_replay, false, FAULT_AT_LIVE_MS, {0}, NULL},
    {"batch_50", run_batch, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"cancel", run_cancel, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"set_capacity", run_set_capacity, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"create_resource", run_create_resource, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"get_resource", run_get_resource, false, FAULT_AT_LIVE_MS, {0}, NULL},
    {"get_booking", run_get_booking, false, FAULT_AT_LIVE_MS, {0}, NULL},
    {"confirm_hold", run_confirm_hold, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"cancel_hold", run_cancel_hold, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"expire_then_attempt", run_expire_then_attempt, true, FAULT_AT_DUE_MS, {0}, NULL},
    {"confirm_expired", run_confirm_expired, true, FAULT_AT_DUE_MS, {0}, NULL},
    {"batch_holds", run_batch_holds, true, FAULT_AT_DUE_MS, {0}, NULL},
    {"get_resource_due", run_get_resource_due, false, FAULT_AT_DUE_MS, {0}, NULL},
    {"change_batch", run_change_batch, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"bundle_batch", run_bundle_batch, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"cancel_held_bundle", run_cancel_held_bundle, true, FAULT_AT_LIVE_MS, {0}, NULL},
    {"bundle_changes_due", run_bundle_changes_due, true, FAULT_AT_DUE_MS, {0}, NULL},
    {"get_resource_bundle_due", run_get_resource_bundle_due, false, FAULT_AT_DUE_MS, {0}, NULL},
};
#define CALL_COUNT (sizeof calls / sizeof calls[0])

/* ---- opening stores ---- */

static booking_store *store_open(const char *path, const char *query)
{
    char url[FAULT_URL_SIZE], why[512] = "";
    int n = snprintf(url, sizeof url, "sqlite:%s?%s", path, query);
    if (n < 0 || (size_t)n >= sizeof url)
        fail_msg("store URL too long for %s", path);
    booking_store *s = NULL;
    booking_error e = booking_store_open(url, &s, why, sizeof why);
    if (e != BOOKING_OK)
        fail_msg("open %s: %s (%s)", url, booking_error_name(e), why);
    if (booking_store_set_clock(s, fault_clock, NULL) != BOOKING_OK)
        fail_msg("cannot set the clock of %s", url);
    return s;
}

static booking_store *fault_store_open(const char *path)
{
    char query[128];
    snprintf(query, sizeof query, "vfs=%s&busy_timeout_ms=%d", FAULT_VFS_NAME,
             FAULT_BUSY_TIMEOUT_MS);
    return store_open(path, query);
}

/* A fresh attempt after the fault: the store must still decide. */
static void expect_store_works(booking_store *s, const char *where)
{
    booking_request req = {.booking_id = "f-after", .resource_id = "f-r0", .units = 1, .hold_ms = 0};
    booking_result r;
    if (booking_attempt(s, &req, &r) != BOOKING_OK || r.outcome != BOOKING_BOOKED ||
        r.replayed)
        fail_msg("%s: the store does not work after the fault: %s %s", where,
                 booking_outcome_name(r.outcome), booking_reason_name(r.reason));
    booking_reason reason;
    booking_resource res;
    if (booking_get_resource(s, "f-r0", &reason, &res) != BOOKING_OK ||
        reason != BOOKING_REASON_OK)
        fail_msg("%s: reads fail after the fault: %s", where, booking_reason_name(reason));
}

/* ---- set-up ---- */

static int prepare(void **state)
{
    (void)state;
    if (fault_vfs_register(FAULT_VFS_NAME) != SQLITE_OK) {
        fprintf(stderr, "cannot register the fault VFS\n");
        return -1;
    }
    const char *dir = test_tmpdir();
    snprintf(template_path, sizeof template_path, "%s/template.db", dir);
    snprintf(case_path, sizeof case_path, "%s/case.db", dir);
    snprintf(crash_path, sizeof crash_path, "%s/crash.db", dir);
    booking_store *s = store_open(template_path, "busy_timeout_ms=1000");
    static const struct {
        const char *id;
        uint64_t capacity;
    } resources[] = {{"f-r0", 100}, {"f-r1", 50}, {"f-r2", 30}, {"f-r4", 20}};
    for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
        booking_reason r;
        if (booking_set_capacity(s, resources[i].id, resources[i].capacity, &r, NULL) !=
                BOOKING_OK ||
            r != BOOKING_REASON_OK) {
            fprintf(stderr, "cannot create %s\n", resources[i].id);
            return -1;
        }
    }
    static const booking_request bookings[] = {
        {.booking_id = "t-b0", .resource_id = "f-r0", .units = 10, .hold_ms = 0}, {.booking_id = "t-b1", .resource_id = "f-r0", .units = 5, .hold_ms = 0}, {.booking_id = "t-b2", .resource_id = "f-r1", .units = 20, .hold_ms = 0},
        {.booking_id = "t-b3", .resource_id = "f-r1", .units = 7, .hold_ms = 0},  {.booking_id = "t-b4", .resource_id = "f-r2", .units = 25, .hold_ms = 0}, {.booking_id = "t-rej", .resource_id = "f-r2", .units = 100, .hold_ms = 0},
        {.booking_id = "t-h0", .resource_id = "f-r0", .units = 3, .hold_ms = FAULT_HOLD_LONG_MS}, {.booking_id = "t-h1", .resource_id = "f-r1", .units = 4, .hold_ms = FAULT_HOLD_LONG_MS},
        {.booking_id = "t-h2", .resource_id = "f-r2", .units = 2, .hold_ms = FAULT_HOLD_SHORT_MS}, {.booking_id = "t-h3", .resource_id = "f-r2", .units = 1, .hold_ms = FAULT_HOLD_SHORT_MS},
    };
    enum { BOOKINGS = sizeof bookings / sizeof bookings[0] };
    booking_result r[BOOKINGS];
    booking_reason reason;
    fault_clock_set(FAULT_T0_MS);
    if (booking_attempt_batch(s, bookings, BOOKINGS, r) != BOOKING_OK ||
        r[0].outcome != BOOKING_BOOKED || r[5].reason != BOOKING_REASON_INSUFFICIENT_CAPACITY ||
        r[BOOKINGS - 1].status != BOOKING_STATUS_HELD ||
        booking_cancel(s, "t-b2", &reason, NULL) != BOOKING_OK ||
        reason != BOOKING_REASON_CANCELLED) {
        fprintf(stderr, "cannot prepare the template database\n");
        return -1;
    }
    static const booking_request bundles[] = {
        {.booking_id = "t-bun", .lines = t_bun_lines, .line_count = 3},
        {.booking_id = "t-bh", .lines = t_bh_lines, .line_count = 2,
         .hold_ms = FAULT_HOLD_LONG_MS},
        {.booking_id = "t-bd", .lines = t_bd_lines, .line_count = 3,
         .hold_ms = FAULT_HOLD_SHORT_MS},
    };
    booking_result rb[3];
    if (booking_attempt_batch(s, bundles, 3, rb) != BOOKING_OK ||
        rb[0].outcome != BOOKING_BOOKED || rb[1].status != BOOKING_STATUS_HELD ||
        rb[2].status != BOOKING_STATUS_HELD) {
        fprintf(stderr, "cannot prepare the template's bundles\n");
        return -1;
    }
    booking_store_close(s); /* checkpoints: the template is one file */
    sqlite3 *raw = raw_open(template_path);
    snapshot_before = snapshot(raw);
    sqlite3_close(raw);
    /* The fault-free answer and result of each call, through the shim. */
    for (size_t i = 0; i < CALL_COUNT; i++) {
        fresh_copy(case_path);
        s = fault_store_open(case_path);
        fault_clock_set(FAULT_T0_MS + calls[i].at_ms);
        calls[i].run(s, &calls[i].expected);
        booking_store_close(s);
        if (calls[i].expected.failed) {
            fprintf(stderr, "%s fails without faults: %s\n", calls[i].name, calls[i].expected.text);
            return -1;
        }
        raw = raw_open(case_path);
        calls[i].snapshot_after = snapshot(raw);
        sqlite3_close(raw);
        if ((strcmp(calls[i].snapshot_after, snapshot_before) != 0) != calls[i].writes) {
            /* a write that changes nothing could not show a trace */
            fprintf(stderr, "%s: unexpected effect on the database\n", calls[i].name);
            return -1;
        }
    }
    return 0;
}

static int cleanup(void **state)
{
    (void)state;
    free(snapshot_before);
    for (size_t i = 0; i < CALL_COUNT; i++)
        free(calls[i].snapshot_after);
    test_tmpdir_remove();
    return 0;
}

/* ---- one case: one call, one fault ---- */

typedef struct fault_tally {
    unsigned long cases, fired, answered_despite_fault, ambiguous_visible, crash_visible;
    unsigned long by_reason[CORE_REASON_COUNT];
} fault_tally;

/* Runs `call` with the nth operation of kind `op` failing (and, if persistent,
 * every later one). Returns whether the fault was reached. */
static bool run_case(fault_call *call, fault_op op, unsigned long nth, bool persistent,
                     fault_tally *t)
{
    char where[256];
    snprintf(where, sizeof where, "%s, %s fault #%lu%s", call->name, fault_op_name(op), nth,
             persistent ? " and after" : "");
    fault_clock_set(FAULT_T0_MS + call->at_ms);
    fresh_copy(case_path);
    booking_store *s = fault_store_open(case_path);
    call_answer got;
    memset(&got, 0, sizeof got);
    fault_vfs_arm(op, nth, persistent);
    call->run(s, &got);
    fault_vfs_disarm();
    bool fired = fault_vfs_fired();
    fault_op fired_op = fault_vfs_fired_op();
    snprintf(where + strlen(where), sizeof where - strlen(where), " (%s)",
             fired ? fault_vfs_fired_detail() : "not reached");
    crash_image(case_path, crash_path);
    t->cases++;
    t->fired += fired;

    /* The answer: a decision only if it is the one a fault-free run gives. */
    if (got.mixed)
        fail_msg("%s: a batch answered partly FAILED: %s", where, got.text);
    if (!fired && got.failed)
        fail_msg("%s: FAILED %s without a fault", where, booking_reason_name(got.reason));
    if (!got.failed && strcmp(got.text, call->expected.text) != 0)
        fail_msg("%s: answered %s; without faults: %s", where, got.text, call->expected.text);
    if (got.failed) {
        /* Every fault here is a file error: io_error, never a vaguer reason. */
        if (got.reason != BOOKING_REASON_IO_ERROR)
            fail_msg("%s: FAILED %s, not io_error", where, booking_reason_name(got.reason));
        t->by_reason[got.reason]++;
    } else if (fired) {
        if (t->answered_despite_fault++ < FAULT_REPORT_MAX)
            fprintf(stderr, "fault: %s: answered %.60s%s\n", where, got.text,
                    strlen(got.text) > 60 ? "..." : "");
    }

    /* The database, seen by another connection while the store is open: no
     * trace, or (a decision was answered, or the commit's sync failed) all of it. */
    bool may_show = !got.failed || fired_op == FAULT_OP_SYNC;
    sqlite3 *raw = raw_open(case_path);
    expect_sound(raw, where);
    char *snap = snapshot(raw);
    bool before = strcmp(snap, snapshot_before) == 0;
    bool after = strcmp(snap, call->snapshot_after) == 0;
    if (got.failed ? !(before || (after && may_show)) : !after)
        fail_msg("%s: answered %s but the database holds:\n%s", where, got.text, snap);
    if (got.failed && after && !before)
        t->ambiguous_visible++;
    free(snap);

    /* What a crash now would leave: intact, and all or nothing of the call. */
    sqlite3 *crashed = raw_open(crash_path);
    expect_sound(crashed, where);
    snap = snapshot(crashed);
    before = strcmp(snap, snapshot_before) == 0;
    after = strcmp(snap, call->snapshot_after) == 0;
    if (!(before && got.failed) && !(after && may_show))
        fail_msg("%s: after a crash the database would hold:\n%s", where, snap);
    if (got.failed && after && !before && t->crash_visible++ < FAULT_REPORT_MAX)
        fprintf(stderr, "fault: %s: FAILED, and a crash now would keep the decision\n", where);
    free(snap);
    sqlite3_close(crashed);

    /* Retrying the call after that crash is safe (SPEC section 1): whether the
     * decision surfaced or not, the retry ends where a fault-free run ends. */
    booking_store *again = store_open(crash_path, "busy_timeout_ms=1000");
    call_answer retry;
    memset(&retry, 0, sizeof retry);
    call->run(again, &retry);
    booking_store_close(again);
    if (retry.failed)
        fail_msg("%s: the retry after a crash FAILED %s", where, booking_reason_name(retry.reason));
    crashed = raw_open(crash_path);
    expect_sound(crashed, where);
    snap = snapshot(crashed);
    if (strcmp(snap, call->snapshot_after) != 0)
        fail_msg("%s: after a crash and a retry the database holds:\n%s", where, snap);
    free(snap);
    sqlite3_close(crashed);

    /* The same store handle still works; then close, reopen, nothing moved. */
    expect_store_works(s, where);
    expect_sound(raw, where);
    char *last = snapshot(raw);
    booking_store_close(s);
    sqlite3_close(raw);
    raw = raw_open(case_path);
    expect_sound(raw, where);
    snap = snapshot(raw);
    if (strcmp(snap, last) != 0)
        fail_msg("%s: reopening changed the database", where);
    free(snap);
    free(last);
    sqlite3_close(raw);
    return fired;
}

/* Every N for every kind of operation, one-shot, then persistent (the Nth and
 * every later one fail, the ROLLBACK too). */
static void fault_every_operation(fault_call *call)
{
    fault_tally t;
    memset(&t, 0, sizeof t);
    for (int op = 0; op < FAULT_OP_COUNT; op++) {
        for (int persistent = 0; persistent <= 1; persistent++) {
            unsigned long n = 1;
            while (run_case(call, (fault_op)op, n, persistent, &t)) {
                if (++n > FAULT_N_MAX)
                    fail_msg("%s: %s faults never stop being reached", call->name,
                             fault_op_name((fault_op)op));
            }
            fprintf(stderr, "fault: %s, %s%s: %lu operations\n", call->name,
                    fault_op_name((fault_op)op), persistent ? " persistent" : "", n - 1);
        }
    }
    fprintf(stderr,
            "fault: %s: %lu cases, %lu reached a fault, %lu answered anyway (same answer), "
            "%lu FAILED with the decision visible, %lu FAILED with the decision in a crash "
            "image (ambiguous commit)\n",
            call->name, t.cases, t.fired, t.answered_despite_fault, t.ambiguous_visible,
            t.crash_visible);
    for (int r = 0; r < CORE_REASON_COUNT; r++) {
        if (t.by_reason[r] != 0)
            fprintf(stderr, "fault: %s: FAILED %s: %lu\n", call->name,
                    booking_reason_name((booking_reason)r), t.by_reason[r]);
    }
    assert_true(t.fired > 0);
}

static void attempt_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[0]);
}

static void recorded_rejection_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[1]);
}

static void replay_under_io_fault_fails_and_changes_nothing(void **state)
{
    (void)state;
    fault_every_operation(&calls[2]);
}

static void batch_under_io_fault_fails_whole_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[3]);
}

static void cancel_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[4]);
}

static void set_capacity_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[5]);
}

static void create_resource_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[6]);
}

static void confirm_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[9]);
}

static void cancel_of_a_hold_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[10]);
}

/* The expiry step's writes are the call's: a fault anywhere leaves every due
 * hold held in the file (and so released by the next write), never half done. */
static void expiry_step_under_io_fault_fails_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[11]);
    fault_every_operation(&calls[12]);
    fault_every_operation(&calls[13]);
}

static void read_of_due_holds_under_io_fault_fails_and_writes_nothing(void **state)
{
    (void)state;
    fault_every_operation(&calls[14]);
}

static void change_batch_under_io_fault_fails_whole_and_leaves_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[15]);
}

static void bundle_cancel_and_expiry_under_io_fault_fail_and_leave_no_trace(void **state)
{
    (void)state;
    fault_every_operation(&calls[17]);
    fault_every_operation(&calls[18]);
    fault_every_operation(&calls[19]);
}

/* ---- a statement failing inside the transaction ---- */

/* A trigger that aborts one statement of the call: SQLite then rolls back that
 * statement only and leaves the transaction open, unlike the I/O errors above
 * (after which SQLite rolls the whole transaction back itself). So this is what
 * proves the store's own ROLLBACK: whatever the call wrote before the failing
 * statement must vanish. */
typedef struct step_fault {
    size_t call;         /* index into calls[] */
    const char *trigger; /* "BEFORE <event> ON <table> WHEN <condition>" */
} step_fault;

static const step_fault step_faults[] = {
    {0, "BEFORE INSERT ON bookings WHEN NEW.id = 'f-new'"},
    {0, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r0'"},
    {1, "BEFORE INSERT ON bookings WHEN NEW.id = 'f-big'"},
    {3, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r0'"},
    {3, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r1'"},
    {3, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r2'"},
    {4, "BEFORE UPDATE ON bookings"},
    {4, "BEFORE UPDATE ON resources"},
    {5, "BEFORE UPDATE ON resources"},
    {6, "BEFORE INSERT ON resources"},
    {9, "BEFORE UPDATE ON bookings WHEN NEW.id = 't-h0'"},
    {9, "BEFORE UPDATE ON store_time"},
    {10, "BEFORE UPDATE ON bookings WHEN NEW.id = 't-h1'"},
    {10, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r1'"},
    /* The expiry step's own statement, at its first and at its second hold. */
    {11, "BEFORE UPDATE ON bookings WHEN NEW.id = 't-h2' AND NEW.status = 4"},
    {11, "BEFORE UPDATE ON bookings WHEN NEW.id = 't-h3' AND NEW.status = 4"},
    {11, "BEFORE INSERT ON bookings WHEN NEW.id = 'f-late'"},
    {11, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r2'"},
    {11, "BEFORE UPDATE ON store_time"},
    {12, "BEFORE UPDATE ON bookings WHEN NEW.id = 't-h3' AND NEW.status = 4"},
    {12, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r2'"},
    {13, "BEFORE UPDATE ON bookings WHEN NEW.status = 4"},
    {13, "BEFORE INSERT ON bookings WHEN NEW.id = 'f-bh-2'"},
    {13, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r2'"},
    /* The batch's last change fails: its first two, already written, must vanish. */
    {15, "BEFORE UPDATE ON bookings WHEN NEW.id = 't-b1'"},
    {15, "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r0' AND NEW.booked < OLD.booked"},
};
#define STEP_FAULT_COUNT (sizeof step_faults / sizeof step_faults[0])

static void exec_sql(sqlite3 *db, const char *sql, const char *where)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s: %s", where, sql, sqlite3_errmsg(db));
}

/* Runs `call` with its statement matched by `trigger` aborting. Returns whether
 * the call FAILED. */
/* fault_arm_all(): arms the VFS so that from now on every file operation fails.
 * Registered on every connection, so a trigger can call it on the store's. */
static void sql_fault_arm_all(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    fault_vfs_arm(FAULT_OP_ANY, 1, true);
    sqlite3_result_null(ctx);
}

static int register_sql_functions(sqlite3 *db, char **err, const void *api)
{
    (void)err;
    (void)api;
    return sqlite3_create_function(db, "fault_arm_all", 0, SQLITE_UTF8, NULL, sql_fault_arm_all,
                                   NULL, NULL);
}

/* Runs `call` with its statement matched by `trigger` aborting; with
 * `then_io_faults`, every file operation fails from that moment on, so the
 * store's ROLLBACK runs on a failing disk. Returns whether the call FAILED. */
static bool step_case(fault_call *call, const char *trigger, bool then_io_faults)
{
    char sql[512], where[512];
    snprintf(where, sizeof where, "%s, step fault %s%s", call->name, trigger,
             then_io_faults ? ", then every file operation fails" : "");
    fault_clock_set(FAULT_T0_MS + call->at_ms);
    fresh_copy(case_path);
    sqlite3 *raw = raw_open(case_path);
    snprintf(sql, sizeof sql, "CREATE TRIGGER injected %s BEGIN %s SELECT RAISE(ABORT, 'injected'); END",
             trigger, then_io_faults ? "SELECT fault_arm_all();" : "");
    exec_sql(raw, sql, where);
    booking_store *s = fault_store_open(case_path);
    call_answer got;
    memset(&got, 0, sizeof got);
    call->run(s, &got);
    fault_vfs_disarm();
    if (then_io_faults)
        fprintf(stderr, "fault: %s: %lu file operations failed after the abort (%s)\n", where,
                fault_vfs_seen(), fault_vfs_fired() ? fault_vfs_fired_detail() : "-");
    if (got.mixed)
        fail_msg("%s: a batch answered partly FAILED: %s", where, got.text);
    /* Not an I/O error but a statement refused: "internal" is the honest reason. */
    if (got.failed && got.reason != BOOKING_REASON_INTERNAL)
        fail_msg("%s: FAILED %s, not internal", where, booking_reason_name(got.reason));
    if (!got.failed && strcmp(got.text, call->expected.text) != 0)
        fail_msg("%s: answered %s; without faults: %s", where, got.text, call->expected.text);
    expect_sound(raw, where);
    char *snap = snapshot(raw);
    if (strcmp(snap, got.failed ? snapshot_before : call->snapshot_after) != 0)
        fail_msg("%s: answered %s but the database holds:\n%s", where, got.text, snap);
    free(snap);
    exec_sql(raw, "DROP TRIGGER injected", where); /* fails if the call left its lock */
    expect_store_works(s, where);
    booking_store_close(s);
    expect_sound(raw, where);
    sqlite3_close(raw);
    return got.failed;
}

static void failed_statement_rolls_back_the_whole_call(void **state)
{
    (void)state;
    if (sqlite3_auto_extension((void (*)(void))register_sql_functions) != SQLITE_OK)
        fail_msg("cannot register fault_arm_all()");
    for (size_t i = 0; i < STEP_FAULT_COUNT; i++) {
        for (int then_io_faults = 0; then_io_faults <= 1; then_io_faults++) {
            if (!step_case(&calls[step_faults[i].call], step_faults[i].trigger, then_io_faults))
                fail_msg("%s: the trigger %s did not fire", calls[step_faults[i].call].name,
                         step_faults[i].trigger);
        }
    }
    /* Every attempt of the batch failing in turn, each after the ones before
     * it were inserted. Attempts 10 and 20 repeat t-b0 and attempt 30 aims at
     * an unknown resource: no f-bat-10 or f-bat-20 is inserted, and attempt 30
     * writes nothing, so those three cannot fail. */
    for (size_t i = 0; i < FAULT_BATCH; i++) {
        char trigger[128];
        snprintf(trigger, sizeof trigger, "BEFORE INSERT ON bookings WHEN NEW.id = 'f-bat-%zu'",
                 i);
        bool failed = step_case(&calls[3], trigger, false);
        if (failed == (i == 10 || i == 20 || i == 30))
            fail_msg("batch: attempt %zu %s", i, failed ? "failed" : "did not fail");
    }
}

/* ---- a fault midway through a bundle's writes ---- */

/* The rule of SPEC section 8 under faults: a bundle is all its lines or none. A
 * statement of the batch aborted (its lines' insert at line 2, the held bundle's
 * lines, the second counter the batch writes: f-r0's, after f-r4's), alone or
 * with every file operation failing from then on, and every I/O fault anywhere in
 * the batch: the whole batch answers FAILED, and no record, line or counter of it
 * is in the file (step_case() and run_case() compare the whole snapshot). */
static void bundle_fault_midway_through_its_writes_fails_the_whole_batch_and_leaves_no_line_of_it(
    void **state)
{
    (void)state;
    if (sqlite3_auto_extension((void (*)(void))register_sql_functions) != SQLITE_OK)
        fail_msg("cannot register fault_arm_all()");
    static const char *const triggers[] = {
        "BEFORE INSERT ON booking_lines WHEN NEW.booking_id = 'f-bun-new' AND NEW.line = 2",
        "BEFORE INSERT ON booking_lines WHEN NEW.booking_id = 'f-bun-hold'",
        "BEFORE INSERT ON booking_lines WHEN NEW.booking_id = 'f-bun-rej'",
        "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r0'",
        "BEFORE UPDATE ON resources WHEN NEW.id = 'f-r1'",
    };
    for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; i++) {
        for (int then_io_faults = 0; then_io_faults <= 1; then_io_faults++) {
            if (!step_case(&calls[16], triggers[i], then_io_faults))
                fail_msg("bundle_batch: the trigger %s did not fire", triggers[i]);
        }
    }
    fault_every_operation(&calls[16]);
}

/* ---- opening and closing under faults ---- */

/* Opens the store with the nth operation of kind op failing: either the open
 * fails cleanly (BOOKING_EOPEN, nothing changed) or the store works. */
static bool open_case(fault_op op, unsigned long nth, unsigned long *refused)
{
    char where[256], url[FAULT_URL_SIZE], why[512] = "";
    fresh_copy(case_path);
    snprintf(url, sizeof url, "sqlite:%s?vfs=%s&busy_timeout_ms=%d", case_path, FAULT_VFS_NAME,
             FAULT_BUSY_TIMEOUT_MS);
    booking_store *s = NULL;
    fault_vfs_arm(op, nth, false);
    booking_error e = booking_store_open(url, &s, why, sizeof why);
    fault_vfs_disarm();
    bool fired = fault_vfs_fired();
    snprintf(where, sizeof where, "open, %s fault #%lu (%s)", fault_op_name(op), nth,
             fired ? fault_vfs_fired_detail() : "not reached");
    if (e != BOOKING_OK) {
        if (e != BOOKING_EOPEN || s != NULL || !fired)
            fail_msg("%s: %s (%s)", where, booking_error_name(e), why);
        (*refused)++;
    } else {
        expect_store_works(s, where);
        booking_store_close(s);
    }
    sqlite3 *raw = raw_open(case_path);
    expect_sound(raw, where);
    if (e != BOOKING_OK) {
        char *snap = snapshot(raw);
        if (strcmp(snap, snapshot_before) != 0)
            fail_msg("%s: a failed open changed the database:\n%s", where, snap);
        free(snap);
    }
    sqlite3_close(raw);
    return fired;
}

static void reads_under_io_fault_fail_and_the_store_recovers(void **state)
{
    (void)state;
    fault_every_operation(&calls[7]);
    fault_every_operation(&calls[8]);
}

/* ---- the migration of a version-1 file under faults ---- */

/* A file of an older release: the version-1 one (before holds) and the version-2
 * one (before bundles), each with a resource, its booked, and the version. */
typedef struct old_fixture {
    const char *path;
    const char *room;
    uint64_t room_booked;
    int version;
} old_fixture;

static const old_fixture v1_fixture = {BOOKING_TEST_FIXTURES "/sqlite-schema-v1.db", "v1-room", 5,
                                       1};
static const old_fixture v2_fixture = {BOOKING_TEST_FIXTURES "/sqlite-schema-v2.db", "v2-room", 7,
                                       2};

/* What version 1 keeps: every row, in its columns. */
static char *v1_rows(sqlite3 *db)
{
    static const char *const queries[] = {
        "SELECT 'R', id, capacity, booked, 0 FROM resources ORDER BY id",
        "SELECT 'B', id, resource_id, units, outcome * 10 + status FROM bookings ORDER BY id",
    };
    return snapshot_of(db, queries, sizeof queries / sizeof queries[0]);
}

static char *schema_text(sqlite3 *db)
{
    static const char *const queries[] = {
        "SELECT 'S', type, name, coalesce(sql, ''), 0 FROM sqlite_schema ORDER BY name",
        "SELECT 'V', user_version, 0, 0, 0 FROM pragma_user_version",
    };
    return snapshot_of(db, queries, sizeof queries / sizeof queries[0]);
}

typedef struct v1_file {
    const old_fixture *fixture;
    char *rows;   /* the fixture's rows */
    char *schema; /* the fixture's schema and version */
} v1_file;

static int file_version(sqlite3 *raw, const char *where)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s: user_version: %s", where, sqlite3_errmsg(raw));
    int version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return version;
}

/* The file at path is the fixture untouched (its version, the same schema and
 * rows) or migrated whole (version 3, the same rows); returns its version. */
static int expect_v1_or_migrated(const char *path, const v1_file *v1, const char *where)
{
    sqlite3 *raw = raw_open(path);
    expect_sound(raw, where);
    int version = file_version(raw, where);
    char *rows = v1_rows(raw);
    char *schema = schema_text(raw);
    if (version != v1->fixture->version && version != FAULT_SCHEMA_VERSION)
        fail_msg("%s: the file is at version %d", where, version);
    if (strcmp(rows, v1->rows) != 0)
        fail_msg("%s: version %d, and the decisions differ:\n%s", where, version, rows);
    if (version == v1->fixture->version && strcmp(schema, v1->schema) != 0)
        fail_msg("%s: version %d, but the schema changed:\n%s", where, version, schema);
    free(rows);
    free(schema);
    sqlite3_close(raw);
    return version;
}

/* A hold on the migrated file, made and read back. */
static void expect_holds_work(booking_store *s, const char *room, const char *where)
{
    booking_request req = {.booking_id = "f-v2-hold", .resource_id = room, .units = 1, .hold_ms = FAULT_HOLD_SHORT_MS};
    booking_result r;
    if (booking_attempt(s, &req, &r) != BOOKING_OK || r.outcome != BOOKING_BOOKED ||
        r.status != BOOKING_STATUS_HELD)
        fail_msg("%s: a hold on the migrated file: %s %s", where, booking_outcome_name(r.outcome),
                 booking_reason_name(r.reason));
}

/* Opens a fresh copy of the version-1 fixture with the nth operation of kind op
 * failing: the open fails (EOPEN) or works; either way the file, and what a crash
 * would leave, is version 1 untouched or version 2 whole; a later open migrates. */
static bool migration_case(fault_op op, unsigned long nth, const v1_file *v1,
                           unsigned long *refused)
{
    char where[256], url[FAULT_URL_SIZE], why[512] = "";
    remove_db(case_path);
    if (!copy_file(v1->fixture->path, case_path))
        fail_msg("cannot copy %s", v1->fixture->path);
    snprintf(url, sizeof url, "sqlite:%s?vfs=%s&busy_timeout_ms=%d", case_path, FAULT_VFS_NAME,
             FAULT_BUSY_TIMEOUT_MS);
    booking_store *s = NULL;
    fault_vfs_arm(op, nth, false);
    booking_error e = booking_store_open(url, &s, why, sizeof why);
    fault_vfs_disarm();
    bool fired = fault_vfs_fired();
    snprintf(where, sizeof where, "migration from %d, %s fault #%lu (%s)", v1->fixture->version,
             fault_op_name(op), nth, fired ? fault_vfs_fired_detail() : "not reached");
    crash_image(case_path, crash_path);
    if (e != BOOKING_OK && (e != BOOKING_EOPEN || s != NULL || !fired))
        fail_msg("%s: %s (%s)", where, booking_error_name(e), why);
    *refused += e != BOOKING_OK;
    int version = expect_v1_or_migrated(case_path, v1, where);
    if (e == BOOKING_OK && version != FAULT_SCHEMA_VERSION)
        fail_msg("%s: the open worked, yet the file is at version %d", where, version);
    expect_v1_or_migrated(crash_path, v1, where);
    if (s == NULL)
        s = store_open(case_path, "busy_timeout_ms=1000");
    booking_reason reason;
    booking_resource res;
    if (booking_get_resource(s, v1->fixture->room, &reason, &res) != BOOKING_OK ||
        reason != BOOKING_REASON_OK || res.booked != v1->fixture->room_booked)
        fail_msg("%s: %s reads %s, booked %llu", where, v1->fixture->room,
                 booking_reason_name(reason), (unsigned long long)res.booked);
    expect_holds_work(s, v1->fixture->room, where);
    booking_store_close(s);
    sqlite3 *raw = raw_open(case_path);
    expect_sound(raw, where);
    if (file_version(raw, where) != FAULT_SCHEMA_VERSION)
        fail_msg("%s: a later open did not migrate the file", where);
    sqlite3_close(raw);
    return fired;
}

/* Every fault of every kind while opening a copy of the fixture. */
static void migration_under_every_fault(const old_fixture *fixture)
{
    fault_clock_set(FAULT_T0_MS);
    remove_db(case_path);
    if (!copy_file(fixture->path, case_path))
        fail_msg("cannot copy %s", fixture->path);
    sqlite3 *raw = raw_open(case_path);
    v1_file v1 = {fixture, v1_rows(raw), schema_text(raw)};
    sqlite3_close(raw);
    char version[16];
    snprintf(version, sizeof version, "V %d ", fixture->version);
    if (strstr(v1.schema, version) == NULL)
        fail_msg("%s is not at schema version %d:\n%s", fixture->path, fixture->version,
                 v1.schema);
    for (int op = 0; op < FAULT_OP_COUNT; op++) {
        unsigned long n = 1, refused = 0;
        while (migration_case((fault_op)op, n, &v1, &refused)) {
            if (++n > FAULT_N_MAX)
                fail_msg("migration: %s faults never stop being reached",
                         fault_op_name((fault_op)op));
        }
        fprintf(stderr, "fault: migration from %d, %s: %lu operations, %lu refused with EOPEN\n",
                fixture->version, fault_op_name((fault_op)op), n - 1, refused);
    }
    free(v1.rows);
    free(v1.schema);
}

static void migration_under_io_fault_leaves_the_v1_file_untouched_or_migrated_whole(void **state)
{
    (void)state;
    migration_under_every_fault(&v1_fixture);
}

static void migration_under_io_fault_leaves_the_v2_file_untouched_or_migrated_whole(void **state)
{
    (void)state;
    migration_under_every_fault(&v2_fixture);
}

static void open_under_io_fault_fails_cleanly_or_works(void **state)
{
    (void)state;
    for (int op = 0; op < FAULT_OP_COUNT; op++) {
        unsigned long n = 1, refused = 0;
        while (open_case((fault_op)op, n, &refused)) {
            if (++n > FAULT_N_MAX)
                fail_msg("open: %s faults never stop being reached", fault_op_name((fault_op)op));
        }
        fprintf(stderr, "fault: open, %s: %lu operations, %lu refused with EOPEN\n",
                fault_op_name((fault_op)op), n - 1, refused);
    }
}

/* Closes the store (which checkpoints the WAL into the database) with the nth
 * operation of kind op failing: a decision answered before must survive. */
static bool close_case(fault_op op, unsigned long nth)
{
    char where[256];
    fresh_copy(case_path);
    booking_store *s = fault_store_open(case_path);
    call_answer got;
    memset(&got, 0, sizeof got);
    fault_clock_set(FAULT_T0_MS + calls[3].at_ms);
    calls[3].run(s, &got); /* the batch: the largest change */
    if (strcmp(got.text, calls[3].expected.text) != 0)
        fail_msg("close: the batch answered %s without faults", got.text);
    fault_vfs_arm(op, nth, false);
    booking_store_close(s);
    fault_vfs_disarm();
    bool fired = fault_vfs_fired();
    snprintf(where, sizeof where, "close, %s fault #%lu (%s)", fault_op_name(op), nth,
             fired ? fault_vfs_fired_detail() : "not reached");
    sqlite3 *raw = raw_open(case_path);
    expect_sound(raw, where);
    char *snap = snapshot(raw);
    if (strcmp(snap, calls[3].snapshot_after) != 0)
        fail_msg("%s: a committed batch was lost:\n%s", where, snap);
    free(snap);
    sqlite3_close(raw);
    return fired;
}

static void close_under_io_fault_keeps_committed_decisions(void **state)
{
    (void)state;
    for (int op = 0; op < FAULT_OP_COUNT; op++) {
        unsigned long n = 1;
        while (close_case((fault_op)op, n)) {
            if (++n > FAULT_N_MAX)
                fail_msg("close: %s faults never stop being reached", fault_op_name((fault_op)op));
        }
        fprintf(stderr, "fault: close, %s: %lu operations\n", fault_op_name((fault_op)op), n - 1);
    }
}

/* ---- SQLITE_BUSY ---- */

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void expect_busy_quickly(const char *what, const struct timespec *since,
                                booking_reason reason)
{
    long ms = elapsed_ms(since);
    if (reason != BOOKING_REASON_BUSY)
        fail_msg("%s while another connection writes: %s, not busy", what,
                 booking_reason_name(reason));
    if (ms > FAULT_BUSY_TIMEOUT_MS + FAULT_BUSY_SLACK_MS)
        fail_msg("%s: busy after %ld ms, the bound is %d ms", what, ms, FAULT_BUSY_TIMEOUT_MS);
}

static void write_lock_held_elsewhere_fails_busy_quickly_and_writes_nothing(void **state)
{
    (void)state;
    fault_clock_set(FAULT_T0_MS + FAULT_AT_LIVE_MS);
    fresh_copy(case_path);
    char query[64];
    snprintf(query, sizeof query, "busy_timeout_ms=%d", FAULT_BUSY_TIMEOUT_MS);
    booking_store *s = store_open(case_path, query);
    sqlite3 *other = raw_open(case_path);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    struct timespec t0;
    booking_request req = {.booking_id = "f-new", .resource_id = "f-r0", .units = 5, .hold_ms = 0};
    booking_result r[FAULT_BATCH];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(booking_attempt(s, &req, &r[0]), BOOKING_OK);
    assert_int_equal(r[0].outcome, BOOKING_FAILED);
    expect_busy_quickly("attempt", &t0, r[0].reason);

    booking_request batch[3] = {{.booking_id = "f-a", .resource_id = "f-r0", .units = 1, .hold_ms = 0}, {.booking_id = "f-b", .resource_id = "f-r1", .units = 1, .hold_ms = 0}, {.booking_id = "t-b0", .resource_id = "f-r0", .units = 10, .hold_ms = 0}};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(booking_attempt_batch(s, batch, 3, r), BOOKING_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(r[i].outcome, BOOKING_FAILED);
        expect_busy_quickly("batch", &t0, r[i].reason);
    }

    booking_reason reason = BOOKING_REASON_OK;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(booking_cancel(s, "t-b1", &reason, NULL), BOOKING_OK);
    expect_busy_quickly("cancel", &t0, reason);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(booking_set_capacity(s, "f-r1", 80, &reason, NULL), BOOKING_OK);
    expect_busy_quickly("set_capacity", &t0, reason);

    /* Readers do not wait for writers (WAL). */
    booking_resource res;
    assert_int_equal(booking_get_resource(s, "f-r0", &reason, &res), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);

    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    char *snap = snapshot(other);
    assert_string_equal(snap, snapshot_before);
    free(snap);
    expect_store_works(s, "after busy");
    booking_store_close(s);
    expect_sound(other, "after busy");
    sqlite3_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attempt_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(recorded_rejection_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(replay_under_io_fault_fails_and_changes_nothing),
        cmocka_unit_test(batch_under_io_fault_fails_whole_and_leaves_no_trace),
        cmocka_unit_test(cancel_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(set_capacity_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(create_resource_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(reads_under_io_fault_fail_and_the_store_recovers),
        cmocka_unit_test(confirm_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(change_batch_under_io_fault_fails_whole_and_leaves_no_trace),
        cmocka_unit_test(cancel_of_a_hold_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(expiry_step_under_io_fault_fails_and_leaves_no_trace),
        cmocka_unit_test(read_of_due_holds_under_io_fault_fails_and_writes_nothing),
        cmocka_unit_test(failed_statement_rolls_back_the_whole_call),
        cmocka_unit_test(
            bundle_fault_midway_through_its_writes_fails_the_whole_batch_and_leaves_no_line_of_it),
        cmocka_unit_test(bundle_cancel_and_expiry_under_io_fault_fail_and_leave_no_trace),
        cmocka_unit_test(open_under_io_fault_fails_cleanly_or_works),
        cmocka_unit_test(migration_under_io_fault_leaves_the_v1_file_untouched_or_migrated_whole),
        cmocka_unit_test(migration_under_io_fault_leaves_the_v2_file_untouched_or_migrated_whole),
        cmocka_unit_test(close_under_io_fault_keeps_committed_decisions),
        cmocka_unit_test(write_lock_held_elsewhere_fails_busy_quickly_and_writes_nothing),
    };
    return cmocka_run_group_tests(tests, prepare, cleanup);
}
