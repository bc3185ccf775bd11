/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request_decode.c: the service's JSON request decoder (src/json/
 * request_decode.h). The first byte picks attempt, batch or capacity. Properties:
 * never crashes; what it accepts is within SPEC section 3's limits, in exactly
 * one of the two forms of an attempt (single, or a bundle of distinct lines);
 * the decode's arena (json/json_alloc.h, installed as the service installs it)
 * is over when it returns. Differential: attempt and batch bodies are decoded
 * twice, by decode_attempt/decode_batch (yajl first) and by the jansson
 * reference alone (json/request_decode_yajl.h); both give the same status and,
 * on success, the same values. No parse of yajl's needs more than its pool.
 */
#include "fuzz/fuzz.h"
#include "json/json_alloc.h"
#include "json/request_decode.h"
#include "json/request_decode_yajl.h"

#include <string.h>

/* An accepted attempt is one form or the other, within the limits (SPEC 3, 8). */
static void require_attempt(const decoded_attempt *a)
{
    FUZZ_REQUIRE(booking_id_valid(a->booking_id, strlen(a->booking_id)));
    FUZZ_REQUIRE(booking_hold_ms_valid(a->hold_ms));
    if (a->lines == NULL) {
        FUZZ_REQUIRE(a->line_count == 0);
        FUZZ_REQUIRE(booking_id_valid(a->resource_id, strlen(a->resource_id)));
        FUZZ_REQUIRE(booking_units_valid(a->units));
        return;
    }
    FUZZ_REQUIRE(a->line_count >= 1 && a->line_count <= BOOKING_LINES_MAX);
    FUZZ_REQUIRE(a->resource_id[0] == '\0' && a->units == 0);
    for (size_t i = 0; i < a->line_count; i++) {
        const char *rid = a->lines[i].resource_id;
        FUZZ_REQUIRE(booking_id_valid(rid, strlen(rid)));
        FUZZ_REQUIRE(booking_units_valid(a->lines[i].units));
        for (size_t j = 0; j < i; j++)
            FUZZ_REQUIRE(strcmp(a->lines[j].resource_id, rid) != 0);
    }
}

/* Two decodes of one attempt hold the same values. */
static void require_same_attempt(const decoded_attempt *a, const decoded_attempt *b)
{
    FUZZ_REQUIRE(strcmp(a->booking_id, b->booking_id) == 0);
    FUZZ_REQUIRE(strcmp(a->resource_id, b->resource_id) == 0);
    FUZZ_REQUIRE(a->units == b->units && a->hold_ms == b->hold_ms);
    FUZZ_REQUIRE(a->line_count == b->line_count && (a->lines == NULL) == (b->lines == NULL));
    for (size_t i = 0; i < a->line_count; i++) {
        FUZZ_REQUIRE(strcmp(a->lines[i].resource_id, b->lines[i].resource_id) == 0);
        FUZZ_REQUIRE(a->lines[i].units == b->lines[i].units);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_alloc_install(); /* once; later calls do nothing */
    if (size < 1)
        return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    request_decode_result r;
    switch (data[0] % 3) {
    case 0: {
        decoded_attempt a;
        r = decode_attempt(body, len, &a);
        if (r.status == REQUEST_DECODE_OK)
            require_attempt(&a);
        else
            FUZZ_REQUIRE(a.lines == NULL && a.line_count == 0);
        decoded_attempt ref;
        request_decode_result rr = decode_attempt_reference(body, len, &ref);
        FUZZ_REQUIRE(rr.status == r.status);
        if (r.status == REQUEST_DECODE_OK)
            require_same_attempt(&a, &ref);
        else
            FUZZ_REQUIRE(strcmp(rr.detail, r.detail) == 0);
        decoded_attempt_free(&ref);
        decoded_attempt_free(&a);
        break;
    }
    case 1: {
        decoded_batch b;
        r = decode_batch(body, len, &b);
        if (r.status == REQUEST_DECODE_OK) {
            FUZZ_REQUIRE(b.count >= 1 && b.count <= BOOKING_BATCH_MAX);
            size_t lines = 0;
            for (size_t i = 0; i < b.count; i++) {
                require_attempt(&b.attempts[i]);
                lines += b.attempts[i].lines != NULL ? b.attempts[i].line_count : 1;
            }
            FUZZ_REQUIRE(lines == b.line_count && lines <= BOOKING_BATCH_LINES_MAX);
        } else {
            FUZZ_REQUIRE(b.attempts == NULL && b.count == 0);
        }
        decoded_batch ref;
        request_decode_result rr = decode_batch_reference(body, len, &ref);
        FUZZ_REQUIRE(rr.status == r.status);
        if (r.status == REQUEST_DECODE_OK) {
            FUZZ_REQUIRE(ref.count == b.count && ref.line_count == b.line_count);
            for (size_t i = 0; i < b.count; i++)
                require_same_attempt(&b.attempts[i], &ref.attempts[i]);
        } else {
            FUZZ_REQUIRE(strcmp(rr.detail, r.detail) == 0);
        }
        decoded_batch_free(&ref);
        decoded_batch_free(&b);
        break;
    }
    default: {
        uint64_t capacity = 0;
        r = decode_capacity(body, len, &capacity);
        if (r.status == REQUEST_DECODE_OK)
            FUZZ_REQUIRE(booking_capacity_valid(capacity));
        break;
    }
    }
    FUZZ_REQUIRE(!json_alloc_arena_active());
    FUZZ_REQUIRE(yajl_decode_pool_overflows() == 0); /* yajl kept to its pool */
    FUZZ_REQUIRE(r.status == REQUEST_DECODE_OK || r.status == REQUEST_DECODE_INVALID ||
                 r.status == REQUEST_DECODE_NOMEM);
    if (r.status == REQUEST_DECODE_INVALID)
        FUZZ_REQUIRE(r.detail[0] != '\0' && strnlen(r.detail, sizeof r.detail) < sizeof r.detail);
    return 0;
}
