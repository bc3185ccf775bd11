/* SPDX-License-Identifier: MIT */
/*
 * sqlite_list.c: the sqlite store's listings, sqlite.c note (12).
 *
 * list_resources is one statement over the resources table's primary key, each
 * row read as get_resource reads it, at one time.
 *
 * list_bookings merges, in ascending booking_id (bytewise: SQLite's BINARY
 * collation is memcmp), the resource's keys after `after` from every sealed run
 * (one cursor per run, each a seek on booking_runs' key (run, resource_id,
 * last_id) to the page holding the first key after `after`, then the pages that
 * follow, sqlite_run.h) and from the unsealed tail (the records after the last sealed
 * seq with a line on the resource, sorted by SQLite), all in one read
 * transaction of the reader. Each key's record is read by its seq, its status
 * taken as of the read's time (bk_sqlite_record_as_of) and kept when the filter
 * keeps it (bk_core_list_filter_keeps), until limit + 1 are kept or
 * BOOKING_LIST_SCAN_MAX records have been read (store.h: then the page resumes
 * after the last one read).
 *
 * Invariants, asserted: every key is in exactly one source (the runs cover seqs
 * up to the last sealed, the tail the ones after; a run has one key per
 * (resource, record)), so the merge never yields an id twice, and it yields
 * them in strictly ascending order.
 */
#include "store/sqlite_list.h"
#include "core/names.h"
#include "store/sqlite_row.h"
#include "store/sqlite_run.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* One source of the merge: its statement and its current key (copied: the
 * text dies at the next step). The tail's rows are keys; a run's rows are
 * pages of keys (sqlite_run.h), walked in place while the row is current, the
 * keys up to `after` skipped (only the first page has any). */
typedef struct list_source {
    sqlite3_stmt *stmt;
    bool run;
    bool alive;
    int64_t seq;
    sqlite_run_page page;
    const char *after;
    char id[BOOKING_ID_LEN_MAX + 1];
} list_source;

void bk_sqlite_list_cursors_free(sqlite_list_cursors *cursors)
{
    for (size_t i = 0; i < cursors->count; i++)
        sqlite3_finalize(cursors->run[i]);
    free(cursors->run);
    memset(cursors, 0, sizeof *cursors);
}

/* Cursors for runs 1..runs, prepared once each on the reader. */
static int cursors_reserve(sqlite_list_cursors *cursors, sqlite3 *db, size_t runs)
{
    if (runs > cursors->cap) {
        size_t cap = cursors->cap ? cursors->cap : 16;
        while (cap < runs)
            cap *= 2;
        sqlite3_stmt **more = realloc(cursors->run, cap * sizeof *more);
        if (more == NULL)
            return SQLITE_NOMEM;
        cursors->run = more;
        cursors->cap = cap;
    }
    while (cursors->count < runs) {
        int rc = sqlite3_prepare_v3(db, bk_sqlite_sql_list_run, -1, SQLITE_PREPARE_PERSISTENT,
                                    &cursors->run[cursors->count], NULL);
        if (rc != SQLITE_OK)
            return rc;
        cursors->count++;
    }
    return SQLITE_OK;
}

/* Steps the tail to its next key; SQLITE_ROW or SQLITE_DONE, else an error. */
static int tail_next(list_source *src)
{
    int rc = sqlite3_step(src->stmt);
    src->alive = rc == SQLITE_ROW;
    if (src->alive) {
        const char *id = (const char *)sqlite3_column_text(src->stmt, 0);
        size_t len = (size_t)sqlite3_column_bytes(src->stmt, 0);
        if (id == NULL || len > BOOKING_ID_LEN_MAX)
            return SQLITE_CORRUPT;
        memcpy(src->id, id, len);
        src->id[len] = '\0';
        src->seq = sqlite3_column_int64(src->stmt, 1);
    }
    return rc;
}

/* Steps a run to its next key after `after`: the next of its page, or of the
 * pages that follow; SQLITE_ROW or SQLITE_DONE, else an error. */
static int run_next(list_source *src)
{
    for (;;) {
        const char *id = NULL;
        size_t len = 0;
        int rc = bk_sqlite_run_page_next(&src->page, &id, &len, &src->seq);
        if (rc == SQLITE_ROW) {
            memcpy(src->id, id, len);
            src->id[len] = '\0';
            if (strcmp(src->id, src->after) <= 0)
                continue; /* the first page's keys up to after */
            src->alive = true;
            return rc;
        }
        src->alive = false;
        if (rc != SQLITE_DONE)
            return rc;
        rc = sqlite3_step(src->stmt);
        if (rc != SQLITE_ROW)
            return rc;
        const void *blob = sqlite3_column_blob(src->stmt, 0);
        size_t bytes = (size_t)sqlite3_column_bytes(src->stmt, 0);
        int64_t keys = sqlite3_column_int64(src->stmt, 1);
        if (blob == NULL || keys < 1 || keys > SQLITE_RUN_PAGE_KEYS)
            return SQLITE_CORRUPT;
        bk_sqlite_run_page_open(&src->page, blob, bytes, keys);
    }
}

static int source_next(list_source *src)
{
    return src->run ? run_next(src) : tail_next(src);
}

booking_reason bk_sqlite_list_resources(booking_store *store, const char *after, size_t limit,
                                        booking_resource *out, store_page *page)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    assert(limit >= 1 && limit <= BOOKING_LIST_LIMIT_MAX && out != NULL);
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    sqlite3_stmt *s = c->stmt[SQL_LIST_RESOURCES];
    sqlite3_bind_text(s, 1, after ? after : "", -1, SQLITE_STATIC); /* "" precedes every id */
    sqlite3_bind_int64(s, 2, bk_store_now(store));
    sqlite3_bind_int64(s, 3, (sqlite3_int64)limit + 1);
    size_t n = 0;
    bool extra = false;
    int64_t now = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == limit) {
            extra = true; /* the limit + 1st: an id after the page's last exists */
            continue;
        }
        const char *id = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        core_resource state = {.capacity = (uint64_t)sqlite3_column_int64(s, 1),
                               .booked = (uint64_t)sqlite3_column_int64(s, 2)};
        now = sqlite3_column_int64(s, 3);
        uint64_t due = (uint64_t)sqlite3_column_int64(s, 4) + (uint64_t)sqlite3_column_int64(s, 5);
        /* Every read of the counters; the due holds' units are part of booked. */
        assert(bk_core_resource_consistent(&state) && due <= state.booked);
        assert(id != NULL && len >= 1 && len <= BOOKING_ID_LEN_MAX);
        assert(n == 0 || strcmp(out[n - 1].resource_id, id) < 0);
        bk_store_copy_id(out[n].resource_id, id, len);
        out[n].capacity = state.capacity;
        out[n].booked = state.booked - due;
        out[n].as_of_ms = now;
        n++;
    }
    sqlite3_reset(s);
    bk_sqlite_conn_unlock(c);
    if (rc != SQLITE_DONE)
        return bk_sqlite_reason(rc);
    if (n > 0)
        bk_store_observe_time(store, now);
    page->count = n;
    page->examined = n;
    if (extra)
        memcpy(page->next, out[n - 1].resource_id, sizeof page->next);
    return BOOKING_REASON_OK;
}

/* Whether any source has a key left. */
static bool sources_alive(const list_source *src, size_t sources)
{
    for (size_t i = 0; i < sources; i++) {
        if (src[i].alive)
            return true;
    }
    return false;
}

/* The merge of the runs and the tail, inside the read transaction, (12): at
 * most BOOKING_LIST_SCAN_MAX records examined (read by their seq). */
static int merge_page(sqlite_store *st, list_source *src, size_t sources,
                      booking_list_filter filter, int64_t now, size_t limit, booking_record *out,
                      store_page *page)
{
    sqlite_conn *c = &st->reader;
    int rc = SQLITE_OK;
    for (size_t i = 0; i < sources && rc == SQLITE_OK; i++) {
        rc = source_next(&src[i]);
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    char last[BOOKING_ID_LEN_MAX + 1] = "";
    size_t n = 0;
    while (rc == SQLITE_OK && page->examined < BOOKING_LIST_SCAN_MAX) {
        list_source *min = NULL;
        for (size_t i = 0; i < sources; i++) {
            if (src[i].alive && (min == NULL || strcmp(src[i].id, min->id) < 0))
                min = &src[i];
        }
        if (min == NULL)
            break;
        /* One source per key, keys ascending: the merge yields each id once. */
        assert(last[0] == '\0' || strcmp(last, min->id) < 0);
        memcpy(last, min->id, sizeof last);
        sqlite3_stmt *s = c->stmt[SQL_SELECT_BOOKING];
        sqlite3_bind_int64(s, 1, min->seq);
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(s);
            rc = rc == SQLITE_DONE ? SQLITE_CORRUPT : rc; /* a key without its record */
            break;
        }
        page->examined++;
        core_record rec;
        booking_record record;
        bk_sqlite_record_of_row(s, min->id, NULL, &rec, &record);
        sqlite3_reset(s);
        rc = SQLITE_OK;
        bk_sqlite_record_as_of(&rec, now, &record);
        if (bk_core_list_filter_keeps(filter, record.outcome, record.status)) {
            if (n == limit) { /* a kept record follows the page */
                memcpy(page->next, out[n - 1].booking_id, sizeof page->next);
                page->count = n;
                return SQLITE_OK;
            }
            out[n++] = record;
        }
        rc = source_next(min);
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    page->count = n;
    /* The budget ran out with keys left: resume after the last examined. */
    if (rc == SQLITE_OK && page->examined == BOOKING_LIST_SCAN_MAX && sources_alive(src, sources))
        memcpy(page->next, last, sizeof page->next);
    return rc;
}

booking_reason bk_sqlite_list_bookings(booking_store *store, const char *resource_id,
                                       booking_list_filter filter, const char *after,
                                       size_t limit, booking_record *out, store_page *page)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    assert(limit >= 1 && limit <= BOOKING_LIST_LIMIT_MAX && out != NULL && resource_id != NULL);
    booking_reason r = bk_sqlite_read_begin(c);
    if (r != BOOKING_REASON_OK)
        return r;
    const char *from = after ? after : ""; /* "" precedes every id */
    sqlite3_stmt *s = c->stmt[SQL_LIST_STATE];
    sqlite3_bind_text(s, 1, resource_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, bk_store_now(store));
    int rc = sqlite3_step(s);
    bool row = rc == SQLITE_ROW; /* the columns only of a row */
    int64_t now = row ? sqlite3_column_int64(s, 0) : 0;
    bool exists = row && sqlite3_column_int(s, 1) != 0;
    int64_t sealed = row ? sqlite3_column_int64(s, 2) : 0;
    int64_t runs = row ? sqlite3_column_int64(s, 3) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW) {
        bk_sqlite_read_end(c);
        return bk_sqlite_reason(rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
    }
    if (!exists) {
        bk_sqlite_read_end(c);
        return BOOKING_REASON_UNKNOWN_RESOURCE;
    }
    assert(runs >= 0 && sealed >= runs);
    size_t sources = (size_t)runs + 1;
    list_source *src = calloc(sources, sizeof *src);
    rc = src == NULL ? SQLITE_NOMEM : cursors_reserve(&st->cursors, c->db, (size_t)runs);
    if (rc == SQLITE_OK) {
        src[0].stmt = c->stmt[SQL_LIST_TAIL];
        sqlite3_bind_int64(src[0].stmt, 1, sealed);
        sqlite3_bind_text(src[0].stmt, 2, resource_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(src[0].stmt, 3, from, -1, SQLITE_STATIC);
        for (size_t i = 1; i < sources; i++) {
            src[i].stmt = st->cursors.run[i - 1];
            src[i].run = true;
            src[i].after = from;
            bk_sqlite_run_page_open(&src[i].page, NULL, 0, 0);
            sqlite3_bind_int64(src[i].stmt, 1, (sqlite3_int64)i);
            sqlite3_bind_text(src[i].stmt, 2, resource_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(src[i].stmt, 3, from, -1, SQLITE_STATIC);
        }
        rc = merge_page(st, src, sources, filter, now, limit, out, page);
    }
    for (size_t i = 0; src != NULL && i < sources; i++) {
        if (src[i].stmt != NULL)
            sqlite3_reset(src[i].stmt);
    }
    free(src);
    bk_sqlite_read_end(c);
    if (rc != SQLITE_OK)
        return bk_sqlite_reason(rc);
    bk_store_observe_time(store, now);
    return BOOKING_REASON_OK;
}
