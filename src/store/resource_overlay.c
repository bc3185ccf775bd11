/*
 * resource_overlay.c: open addressing with linear probing, at most half full,
 * cleared by walking the used list (a batch of 10 touches 10 slots, not 16384).
 */
#include "store/resource_overlay.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

bool overlay_init(resource_overlay *o, size_t entries_max)
{
    size_t slots = 16;
    while (slots < entries_max * 2)
        slots *= 2;
    memset(o, 0, sizeof *o);
    o->slots = calloc(slots, sizeof *o->slots);
    o->used = calloc(entries_max, sizeof *o->used);
    if (o->slots == NULL || o->used == NULL) {
        overlay_free(o);
        return false;
    }
    o->entries_max = entries_max;
    o->mask = slots - 1;
    o->seed = (uint64_t)(uintptr_t)o->slots * 0x9E3779B97F4A7C15ull;
    return true;
}

void overlay_free(resource_overlay *o)
{
    free(o->slots);
    free(o->used);
    memset(o, 0, sizeof *o);
}

void overlay_reset(resource_overlay *o)
{
    for (size_t i = 0; i < o->used_count; i++)
        o->slots[o->used[i]].id = NULL;
    o->used_count = 0;
}

overlay_entry *overlay_get(resource_overlay *o, const char *id, size_t len, bool *fresh)
{
    uint64_t h = hash_bytes(id, len, o->seed);
    for (size_t i = h & o->mask;; i = (i + 1) & o->mask) {
        overlay_entry *e = &o->slots[i];
        if (e->id == NULL) {
            if (o->used_count == o->entries_max)
                return NULL;
            *e = (overlay_entry){.id = id, .id_len = (uint32_t)len, .hash = h};
            o->used[o->used_count++] = (uint32_t)i;
            *fresh = true;
            return e;
        }
        if (e->hash == h && e->id_len == len && memcmp(e->id, id, len) == 0) {
            *fresh = false;
            return e;
        }
    }
}
