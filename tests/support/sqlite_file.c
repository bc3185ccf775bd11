/* SPDX-License-Identifier: MIT */
/*
 * sqlite_file.c: see sqlite_file.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/sqlite_file.h"

#include <sqlite3.h>

int64_t sqlite_file_int(const char *path, const char *sql)
{
    assert_non_null(path);
    assert_non_null(sql);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("open %s read-only: %s", path, db != NULL ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
        fail_msg("%s on %s: %s", sql, path, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}
