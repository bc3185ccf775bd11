/* SPDX-License-Identifier: MIT */
/*
 * resource_overlay.h: the resources one batch touches, with their counters as the
 * batch has changed them so far. A transactional store reads each resource once
 * per batch, lets the core decide every attempt against the overlay, and writes
 * each changed counter once at the end: one UPDATE per resource, not per attempt.
 * Bounded: at most `entries_max` resources (a batch's size), no allocation after init.
 */
#ifndef BOOKING_STORE_RESOURCE_OVERLAY_H
#define BOOKING_STORE_RESOURCE_OVERLAY_H

#include "core/decide.h"
#include "store/id_table.h"

typedef struct overlay_entry {
    const char *id; /* borrowed from the batch's requests */
    uint32_t id_len;
    bool exists;
    bool dirty; /* state.booked differs from what was read */
    core_resource state;
} overlay_entry;

/* entries[i] belongs to the id of index i in ids (first-touch order). */
typedef struct resource_overlay {
    id_table ids;
    overlay_entry *entries;
} resource_overlay;

bool bk_overlay_init(resource_overlay *o, size_t entries_max);
void bk_overlay_free(resource_overlay *o);
void bk_overlay_reset(resource_overlay *o);

/* The entry for id; *fresh is true when it was just added (the caller loads it
 * and sets exists/state). Returns NULL only if more than entries_max ids are used. */
overlay_entry *bk_overlay_get(resource_overlay *o, const char *id, size_t len, bool *fresh);

static inline size_t overlay_count(const resource_overlay *o) { return o->ids.count; }
static inline overlay_entry *overlay_at(resource_overlay *o, size_t i)
{
    return &o->entries[i];
}

#endif
