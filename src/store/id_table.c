/* SPDX-License-Identifier: MIT */
/*
 * id_table.c: open addressing with linear probing over a slot array of key
 * indexes, at most half full, cleared by walking the keys in use. Hashing is
 * util/hash.h's, seeded per table so that ids chosen by clients cannot be
 * planned to collide.
 *
 * Invariants, asserted:
 *  (1) count <= entries_max, and slots (mask + 1) >= 2 * entries_max: an empty
 *      slot always ends a probe.
 *  (2) keys[i].slot holds i + 1 for every i < count; every other slot is 0.
 */
#include "store/id_table.h"
#include "booking.h"
#include "util/hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((ID_TABLE_SLOTS_MIN & (ID_TABLE_SLOTS_MIN - 1)) == 0, "a power of two");
_Static_assert(BOOKING_BATCH_MAX < UINT32_MAX / 2, "key indexes and slots fit a uint32_t");
_Static_assert(BOOKING_ID_LEN_MAX <= UINT32_MAX, "an id's length fits a uint32_t");

bool bk_id_table_init(id_table *t, size_t entries_max)
{
    assert(entries_max > 0 && entries_max <= BOOKING_BATCH_LINES_MAX); /* a batch's resources */
    size_t slots = ID_TABLE_SLOTS_MIN;
    while (slots < entries_max * 2)
        slots *= 2;
    memset(t, 0, sizeof *t);
    t->slots = calloc(slots, sizeof *t->slots);
    t->keys = calloc(entries_max, sizeof *t->keys);
    if (t->slots == NULL || t->keys == NULL) {
        bk_id_table_free(t);
        return false;
    }
    t->entries_max = entries_max;
    t->mask = slots - 1;
    t->seed = hash_bytes(&t->slots, sizeof t->slots, (uint64_t)(uintptr_t)t);
    assert(t->mask + 1 >= 2 * t->entries_max); /* (1) */
    return true;
}

void bk_id_table_free(id_table *t)
{
    free(t->slots);
    free(t->keys);
    memset(t, 0, sizeof *t);
}

void bk_id_table_reset(id_table *t)
{
    assert(t->count <= t->entries_max); /* (1) */
    for (size_t i = 0; i < t->count; i++) {
        assert(t->slots[t->keys[i].slot] == i + 1); /* (2) */
        t->slots[t->keys[i].slot] = 0;
    }
    t->count = 0;
}

/* The slot where id sits, or the empty slot where it would go. */
static size_t probe(const id_table *t, const char *id, size_t len, uint64_t h)
{
    assert(t->slots != NULL && len <= BOOKING_ID_LEN_MAX);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint32_t at = t->slots[i];
        if (at == 0)
            return i;
        assert(at <= t->count); /* (2) */
        const id_table_key *k = &t->keys[at - 1];
        if (k->hash == h && k->len == len && memcmp(k->id, id, len) == 0)
            return i;
    }
}

size_t bk_id_table_add(id_table *t, const char *id, size_t len, bool *fresh)
{
    uint64_t h = hash_bytes(id, len, t->seed);
    size_t i = probe(t, id, len, h);
    *fresh = t->slots[i] == 0;
    if (!*fresh)
        return t->slots[i] - 1;
    if (t->count == t->entries_max)
        return ID_TABLE_NONE;
    t->keys[t->count] = (id_table_key){.id = id, .len = (uint32_t)len, .slot = (uint32_t)i,
                                       .hash = h};
    t->slots[i] = (uint32_t)++t->count;
    assert(t->count <= t->entries_max); /* (1) */
    return t->count - 1;
}

size_t bk_id_table_find(const id_table *t, const char *id, size_t len)
{
    size_t i = probe(t, id, len, hash_bytes(id, len, t->seed));
    return t->slots[i] == 0 ? ID_TABLE_NONE : t->slots[i] - 1;
}
