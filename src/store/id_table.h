/* SPDX-License-Identifier: MIT */
/*
 * id_table.h: a bounded set of borrowed ids, each given a dense index in
 * first-touch order. The per-batch scratch of the transactional stores (the
 * resource overlay, the postgres record map) keys on it and keeps its values in
 * arrays of its own, indexed by it: one probe loop for both, no allocation after init.
 */
#ifndef BOOKING_STORE_ID_TABLE_H
#define BOOKING_STORE_ID_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_TABLE_NONE SIZE_MAX /* "no index": absent, or the table is full */
#define ID_TABLE_SLOTS_MIN 16  /* power of two */

typedef struct id_table_key {
    const char *id; /* borrowed: alive until the next reset */
    uint32_t len;
    uint32_t slot; /* where it sits in slots[], so a reset clears only what was used */
    uint64_t hash;
} id_table_key;

typedef struct id_table {
    uint32_t *slots;    /* 0: empty; else the key's index + 1 */
    id_table_key *keys; /* entries_max, the first `count` in use, first-touch order */
    size_t count;
    size_t entries_max;
    size_t mask; /* slots - 1; slots >= 2 * entries_max, so a probe always ends */
    uint64_t seed;
} id_table;

bool bk_id_table_init(id_table *t, size_t entries_max);
void bk_id_table_free(id_table *t);
/* Forgets every id: O(ids used since the last reset), not O(slots). */
void bk_id_table_reset(id_table *t);

/* The index of id, adding it when absent (*fresh tells which); ID_TABLE_NONE
 * only when entries_max ids are already in. */
size_t bk_id_table_add(id_table *t, const char *id, size_t len, bool *fresh);
/* The index of id, or ID_TABLE_NONE when absent. */
size_t bk_id_table_find(const id_table *t, const char *id, size_t len);

#endif
