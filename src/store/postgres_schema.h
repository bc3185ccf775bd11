/* SPDX-License-Identifier: MIT */
/*
 * postgres_schema.h: creating and migrating the postgres store's tables, once,
 * even when many service instances start against one database at the same time.
 */
#ifndef BOOKING_STORE_POSTGRES_SCHEMA_H
#define BOOKING_STORE_POSTGRES_SCHEMA_H

#include "booking.h"

#include <libpq-fe.h>

/* Brings the schema to the version this build knows, in one transaction under
 * an advisory lock. Fails (BOOKING_EOPEN) on a newer schema or any error. */
booking_error bk_pg_schema_migrate(PGconn *pg, int statement_timeout_ms, char *errbuf,
                                size_t errbuf_len);

#endif
