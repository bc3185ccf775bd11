/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request_decode.c: the service's JSON request decoder (src/json/
 * request_decode.h). The first byte picks attempt, batch or capacity. Properties:
 * never crashes; what it accepts is within SPEC section 3's limits.
 */
#include "fuzz/fuzz.h"
#include "json/request_decode.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    request_decode_result r;
    switch (data[0] % 3) {
    case 0: {
        decoded_attempt a;
        r = decode_attempt(body, len, &a);
        if (r.status == REQUEST_DECODE_OK) {
            FUZZ_REQUIRE(booking_id_valid(a.booking_id, strlen(a.booking_id)));
            FUZZ_REQUIRE(booking_id_valid(a.resource_id, strlen(a.resource_id)));
            FUZZ_REQUIRE(booking_units_valid(a.units));
        }
        break;
    }
    case 1: {
        decoded_batch b;
        r = decode_batch(body, len, &b);
        if (r.status == REQUEST_DECODE_OK) {
            FUZZ_REQUIRE(b.count >= 1 && b.count <= BOOKING_BATCH_MAX);
            for (size_t i = 0; i < b.count; i++) {
                FUZZ_REQUIRE(booking_id_valid(b.attempts[i].booking_id,
                                              strlen(b.attempts[i].booking_id)));
                FUZZ_REQUIRE(booking_units_valid(b.attempts[i].units));
            }
            decoded_batch_free(&b);
        } else {
            FUZZ_REQUIRE(b.attempts == NULL && b.count == 0);
        }
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
    FUZZ_REQUIRE(r.status == REQUEST_DECODE_OK || r.status == REQUEST_DECODE_INVALID ||
                 r.status == REQUEST_DECODE_NOMEM);
    if (r.status == REQUEST_DECODE_INVALID)
        FUZZ_REQUIRE(r.detail[0] != '\0' && strnlen(r.detail, sizeof r.detail) < sizeof r.detail);
    return 0;
}
