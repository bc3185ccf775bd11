/* SPDX-License-Identifier: MIT */
/*
 * loadgen_pick.c: the workload both modes send: which attempt comes next (new,
 * replay or conflicting replay), and the ids, written by hand because the
 * generator must cost little next to a store that decides in ~100 ns.
 */
#include "loadgen/loadgen_internal.h"
#include "util/hex.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

#define UUID_TEXT_LEN 36
_Static_assert(UUID_TEXT_LEN < LOADGEN_ID_BYTES, "a UUID fits a slot's id");

void loadgen_put_uuid(char *out, uint64_t hi, uint64_t lo)
{
    /* 8-4-4-4-12: hi's digits 0-7, 8-11, 12-15, then lo's 0-3, 4-15. */
    char digits[32];
    hex_put_u32(digits, (uint32_t)(hi >> 32));
    hex_put_u32(digits + 8, (uint32_t)hi);
    hex_put_u32(digits + 16, (uint32_t)(lo >> 32));
    hex_put_u32(digits + 24, (uint32_t)lo);
    memcpy(out, digits, 8);
    out[8] = '-';
    memcpy(out + 9, digits + 8, 4);
    out[13] = '-';
    memcpy(out + 14, digits + 12, 4);
    out[18] = '-';
    memcpy(out + 19, digits + 16, 4);
    out[23] = '-';
    memcpy(out + 24, digits + 20, 12);
    out[UUID_TEXT_LEN] = '\0';
}

#define UUID7_SEQ_MAX 0xfffu        /* rand_a: a 12-bit counter within one ms */
#define UUID7_SEQ_START_MASK 0x7ffu /* a new ms starts it at random in its lower half */

/* The ms and counter of a client's next UUIDv7 (RFC 9562 section 6.2, method 1):
 * the clock's ms when it moved on, else the last id's ms with the counter + 1; a
 * counter past 12 bits (4096 ids in one ms), or a clock that went back, moves the
 * ms on by one instead. (ms, counter) ascends strictly, so the text does too. */
static uint64_t next_uuid7_ms(loadgen_picker *p, uint64_t now_ms, uint64_t draw)
{
    if (p->issued == 0 || now_ms > p->uuid7_ms) {
        p->uuid7_ms = now_ms;
        p->uuid7_seq = (unsigned)(draw & UUID7_SEQ_START_MASK);
    } else if (p->uuid7_seq < UUID7_SEQ_MAX) {
        p->uuid7_seq++;
    } else {
        p->uuid7_ms++;
        p->uuid7_seq = (unsigned)(draw & UUID7_SEQ_START_MASK);
    }
    assert(p->uuid7_seq <= UUID7_SEQ_MAX);
    return p->uuid7_ms;
}

/* RFC 9562: version in bits 12-15 of hi, variant 0b10 in the top bits of lo.
 * uuid4: 122 random bits; uuid7: the 48-bit ms time, the counter, 62 random bits. */
static void put_random_uuid(loadgen_picker *p, char *out)
{
    uint64_t hi = loadgen_random(&p->id_rng), lo = loadgen_random(&p->id_rng);
    lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;
    if (p->ids == LOADGEN_IDS_UUID7) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
        uint64_t ms = next_uuid7_ms(p, now, hi) & 0xffffffffffffull;
        hi = (ms << 16) | 0x7000 | p->uuid7_seq;
    } else {
        hi = (hi & 0xffffffffffff0fffull) | 0x4000;
    }
    loadgen_put_uuid(out, hi, lo);
}

void loadgen_tag(const loadgen_config *cfg, char tag[17])
{
    snprintf(tag, 17, "%016" PRIx64, cfg->seed);
}

void loadgen_picker_init(loadgen_picker *p, const loadgen_config *cfg, uint64_t rng,
                         const char *prefix, loadgen_slot *slots, unsigned slot_count)
{
    p->rng = rng;
    p->id_rng = rng ^ 0x5bd1e9955bd1e995ull;
    p->ids = cfg->ids;
    p->uuid7_ms = 0;
    p->uuid7_seq = 0;
    p->issued = 0;
    p->slots = slots;
    p->slot_count = slot_count;
    p->replay_cut = (uint64_t)(cfg->replay_ratio * (double)UINT32_MAX);
    p->conflict_cut = p->replay_cut + (uint64_t)(cfg->conflict_ratio * (double)UINT32_MAX);
    p->resources = cfg->resources;
    p->units_max = cfg->units_max;
    p->nights = cfg->nights;
    p->stay_min = cfg->stay_min;
    p->stay_max = cfg->stay_max;
    assert(p->nights == 0 || (p->stay_min >= 1 && p->stay_min <= p->stay_max &&
                              p->stay_max <= BOOKING_LINES_MAX && p->stay_max <= p->nights));
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
    if (p->ids == LOADGEN_IDS_SEQ) {
        memcpy(out->booking_id, p->prefix, p->prefix_len);
        *loadgen_put_hex(out->booking_id + p->prefix_len, p->issued) = '\0';
    } else {
        put_random_uuid(p, out->booking_id);
    }
    out->lines = 0;
    if (p->nights != 0) { /* a stay: stay_min..stay_max nights that fit from its first */
        uint64_t r2 = loadgen_random(&p->rng);
        unsigned stay = p->stay_min + (unsigned)(r2 % (p->stay_max - p->stay_min + 1));
        out->resource = (uint32_t)((r >> 32) % (p->nights - stay + 1));
        out->lines = stay;
    } else {
        out->resource = (uint32_t)((r >> 32) % p->resources);
    }
    out->units = 1 + loadgen_random(&p->rng) % p->units_max;
    p->slots[p->issued % p->slot_count] = *out;
    p->issued++;
}
