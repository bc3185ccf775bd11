/* SPDX-License-Identifier: MIT */
/*
 * sqlite_runs_check.c: see sqlite_runs_check.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/sqlite_run.h"
#include "support/sqlite_runs_check.h"

#include <sqlite3.h>

void expect_sealed_runs_hold_the_file(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *runs = NULL, *pages = NULL, *want = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT run, last_seq FROM booking_runs_sealed"
                                            " ORDER BY run", -1, &runs, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT resource_id, keys, entries FROM booking_runs"
                                            " WHERE run = ?1 ORDER BY page", -1, &pages, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT resource_id, id, seq FROM bookings"
                                            " WHERE seq > ?1 AND seq <= ?2 UNION ALL"
                                            " SELECT resource_id, booking_id, seq FROM booking_lines"
                                            " WHERE seq > ?1 AND seq <= ?2 ORDER BY 1, 2",
                                     -1, &want, NULL),
                     SQLITE_OK);
    int64_t sealed = 0;
    while (sqlite3_step(runs) == SQLITE_ROW) {
        int64_t run = sqlite3_column_int64(runs, 0), last = sqlite3_column_int64(runs, 1);
        sqlite3_bind_int64(pages, 1, run);
        sqlite3_bind_int64(want, 1, sealed);
        sqlite3_bind_int64(want, 2, last);
        size_t keys = 0;
        while (sqlite3_step(pages) == SQLITE_ROW) {
            sqlite_run_page p;
            bk_sqlite_run_page_open(&p, sqlite3_column_blob(pages, 2),
                                    (size_t)sqlite3_column_bytes(pages, 2),
                                    sqlite3_column_int64(pages, 1));
            const char *id;
            size_t len;
            int64_t seq;
            while (bk_sqlite_run_page_next(&p, &id, &len, &seq) == SQLITE_ROW) {
                assert_int_equal(sqlite3_step(want), SQLITE_ROW);
                assert_string_equal(sqlite3_column_text(pages, 0), sqlite3_column_text(want, 0));
                assert_int_equal(len, (size_t)sqlite3_column_bytes(want, 1));
                assert_memory_equal(id, sqlite3_column_text(want, 1), len);
                assert_int_equal(seq, sqlite3_column_int64(want, 2));
                keys++;
            }
        }
        assert_int_equal(sqlite3_step(want), SQLITE_DONE); /* none left out */
        assert_true(keys >= (size_t)(last - sealed));
        sqlite3_reset(pages);
        sqlite3_reset(want);
        sealed = last;
    }
    sqlite3_finalize(runs);
    sqlite3_finalize(pages);
    sqlite3_finalize(want);
    sqlite3_close(db);
}
