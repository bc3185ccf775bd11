/* SPDX-License-Identifier: MIT */
/*
 * resource_overlay.c: the overlay's entries, kept beside the shared id table
 * (store/id_table.h), which does the hashing and probing.
 */
#include "store/resource_overlay.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

bool bk_overlay_init(resource_overlay *o, size_t entries_max)
{
    memset(o, 0, sizeof *o);
    o->entries = calloc(entries_max, sizeof *o->entries);
    if (o->entries == NULL || !bk_id_table_init(&o->ids, entries_max)) {
        bk_overlay_free(o);
        return false;
    }
    return true;
}

void bk_overlay_free(resource_overlay *o)
{
    bk_id_table_free(&o->ids);
    free(o->entries);
    memset(o, 0, sizeof *o);
}

void bk_overlay_reset(resource_overlay *o)
{
    bk_id_table_reset(&o->ids);
}

overlay_entry *bk_overlay_get(resource_overlay *o, const char *id, size_t len, bool *fresh)
{
    size_t i = bk_id_table_add(&o->ids, id, len, fresh);
    if (i == ID_TABLE_NONE)
        return NULL;
    assert(i < o->ids.count);
    overlay_entry *e = &o->entries[i];
    if (*fresh)
        *e = (overlay_entry){.id = id, .id_len = (uint32_t)len};
    /* An entry that exists was read from the store or changed by the core:
     * either way it keeps the resource invariant. */
    assert(!e->exists || bk_core_resource_consistent(&e->state));
    return e;
}
