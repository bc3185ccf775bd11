/* SPDX-License-Identifier: MIT */
/*
 * loadgen_pick.c: the workload both modes send: which attempt comes next (new,
 * replay or conflicting replay), and the ids, written by hand because the
 * generator must cost little next to a store that decides in ~100 ns.
 */
#include "loadgen/loadgen_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

char *loadgen_put_hex(char *p, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    int shift = 60;
    while (shift > 0 && (v >> shift) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *p++ = hex[(v >> shift) & 15];
    return p;
}

void loadgen_tag(const loadgen_config *cfg, char tag[17])
{
    snprintf(tag, 17, "%016" PRIx64, cfg->seed);
}

void loadgen_picker_init(loadgen_picker *p, const loadgen_config *cfg, uint64_t rng,
                         const char *prefix, loadgen_slot *slots, unsigned slot_count)
{
    p->rng = rng;
    p->issued = 0;
    p->slots = slots;
    p->slot_count = slot_count;
    p->replay_cut = (uint64_t)(cfg->replay_ratio * (double)UINT32_MAX);
    p->conflict_cut = p->replay_cut + (uint64_t)(cfg->conflict_ratio * (double)UINT32_MAX);
    p->resources = cfg->resources;
    p->units_max = cfg->units_max;
    p->prefix_len = strlen(prefix);
    if (p->prefix_len >= sizeof p->prefix)
        p->prefix_len = sizeof p->prefix - 1; /* cannot happen: prefixes are short */
    memcpy(p->prefix, prefix, p->prefix_len);
}

void loadgen_pick(loadgen_picker *p, loadgen_slot *out)
{
    uint64_t r = loadgen_random(&p->rng);
    uint64_t dice = r & UINT32_MAX;
    if (p->issued > 0 && dice < p->conflict_cut) {
        uint64_t span = p->issued < p->slot_count ? p->issued : p->slot_count;
        *out = p->slots[(r >> 32) % span];
        if (dice >= p->replay_cut) /* conflicting: same id, other units */
            out->units = out->units < BOOKING_UNITS_MAX ? out->units + 1 : out->units - 1;
        return;
    }
    memcpy(out->booking_id, p->prefix, p->prefix_len);
    *loadgen_put_hex(out->booking_id + p->prefix_len, p->issued) = '\0';
    out->resource = (uint32_t)((r >> 32) % p->resources);
    out->units = 1 + loadgen_random(&p->rng) % p->units_max;
    p->slots[p->issued % p->slot_count] = *out;
    p->issued++;
}
