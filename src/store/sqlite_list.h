/* SPDX-License-Identifier: MIT */
/*
 * sqlite_list.h: the sqlite store's listings (store.h list_resources and
 * list_bookings), on its reader connection, one read snapshot per call
 * (sqlite.c note (12)).
 */
#ifndef BOOKING_STORE_SQLITE_LIST_H
#define BOOKING_STORE_SQLITE_LIST_H

#include "store/sqlite_store.h"

booking_reason bk_sqlite_list_resources(booking_store *store, const char *after, size_t limit,
                                        booking_resource *out, store_page *page);
booking_reason bk_sqlite_list_bookings(booking_store *store, const char *resource_id,
                                       booking_list_filter filter, const char *after,
                                       size_t limit, booking_record *out, store_page *page);
/* Finalizes the cursors of the runs (before the reader connection closes). */
void bk_sqlite_list_cursors_free(sqlite_list_cursors *cursors);

#endif
