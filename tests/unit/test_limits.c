/* SPDX-License-Identifier: MIT */
/*
 * test_limits.c: SPEC section 3 at the library boundary (include/booking.h), on a
 * memory: store. Each limit is tried just inside (the call works) and just outside
 * (BOOKING_EINVAL, and afterwards the store shows that nothing was written).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "support/test_support.h"
#include "core/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_SIZE 64                      /* room for the unique ids of this file */
#define ALLOWED_ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

static booking_store *store;

static int open_store(void **state)
{
    (void)state;
    char why[256] = "";
    if (booking_store_open("memory:", &store, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "cannot open memory: store: %s\n", why);
        return -1;
    }
    return 0;
}

static int close_store(void **state)
{
    (void)state;
    booking_store_close(store);
    store = NULL;
    return 0;
}

/* A fresh resource of the given capacity; its id is written into id. */
static void new_resource(char id[ID_SIZE], uint64_t capacity)
{
    booking_reason reason;
    test_unique_id(id, ID_SIZE, "lim-res");
    assert_int_equal(booking_set_capacity(store, id, capacity, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
}

static uint64_t booked_of(const char *resource_id)
{
    booking_reason reason;
    booking_resource r;
    assert_int_equal(booking_get_resource(store, resource_id, &reason, &r), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return r.booked;
}

static uint64_t capacity_of(const char *resource_id)
{
    booking_reason reason;
    booking_resource r;
    assert_int_equal(booking_get_resource(store, resource_id, &reason, &r), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    return r.capacity;
}

static void assert_unknown_booking(const char *booking_id)
{
    booking_reason reason;
    booking_record rec;
    assert_int_equal(booking_get_booking(store, booking_id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_BOOKING);
}

static void assert_booked(const booking_request *req)
{
    booking_result res;
    assert_int_equal(booking_attempt(store, req, &res), BOOKING_OK);
    assert_int_equal(res.outcome, BOOKING_BOOKED);
    assert_false(res.replayed);
}

/* An id of exactly len bytes: a unique prefix padded with 'x'. */
static char *id_of_length(size_t len, const char *prefix)
{
    char unique[ID_SIZE];
    test_unique_id(unique, sizeof unique, prefix);
    char *id = malloc(len + 1);
    assert_non_null(id);
    memset(id, 'x', len);
    size_t n = strlen(unique) < len ? strlen(unique) : len;
    memcpy(id, unique, n);
    id[len] = '\0';
    return id;
}

/* ---- ids: 1 to 128 bytes of [A-Za-z0-9._:-] ---- */

static void id_of_1_and_128_bytes_is_accepted(void **state)
{
    (void)state;
    assert_true(booking_id_valid("a", 1));
    char *long_id = id_of_length(BOOKING_ID_LEN_MAX, "lim-128");
    assert_true(booking_id_valid(long_id, BOOKING_ID_LEN_MAX));

    /* Through the API: a 128-byte resource and booking id round-trip whole. */
    booking_reason reason;
    booking_resource r;
    assert_int_equal(booking_set_capacity(store, long_id, 5, &reason, &r), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_string_equal(r.resource_id, long_id);
    booking_request req = {.booking_id = long_id, .resource_id = long_id, .units = 1};
    assert_booked(&req);
    booking_record rec;
    assert_int_equal(booking_get_booking(store, long_id, &reason, &rec), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_string_equal(rec.booking_id, long_id);
    assert_string_equal(rec.resource_id, long_id);

    /* A one-byte id (unique within this store: this test is its only user). */
    assert_int_equal(booking_set_capacity(store, "Q", 1, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    booking_request one = {.booking_id = "q", .resource_id = "Q", .units = 1};
    assert_booked(&one);
    free(long_id);
}

static void id_of_0_bytes_is_refused(void **state)
{
    (void)state;
    char res_id[ID_SIZE];
    new_resource(res_id, 5);
    assert_false(booking_id_valid("", 0));
    assert_false(booking_id_valid("abc", 0));

    booking_result res;
    booking_reason reason;
    booking_record rec;
    booking_resource r;
    booking_request empty_booking = {.booking_id = "", .resource_id = res_id, .units = 1};
    assert_int_equal(booking_attempt(store, &empty_booking, &res), BOOKING_EINVAL);
    booking_request empty_resource = {.booking_id = "lim-empty-res", .resource_id = "", .units = 1};
    assert_int_equal(booking_attempt(store, &empty_resource, &res), BOOKING_EINVAL);
    assert_int_equal(booking_set_capacity(store, "", 5, &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_cancel(store, "", &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_get_resource(store, "", &reason, &r), BOOKING_EINVAL);
    assert_int_equal(booking_get_booking(store, "", &reason, &rec), BOOKING_EINVAL);

    assert_true(booked_of(res_id) == 0);
    assert_unknown_booking("lim-empty-res");
}

static void id_of_129_bytes_is_refused(void **state)
{
    (void)state;
    char res_id[ID_SIZE];
    new_resource(res_id, 5);
    char *long_id = id_of_length(BOOKING_ID_LEN_MAX + 1, "lim-129");
    assert_false(booking_id_valid(long_id, BOOKING_ID_LEN_MAX + 1));

    booking_result res;
    booking_reason reason;
    booking_record rec;
    booking_resource r;
    booking_request long_booking = {.booking_id = long_id, .resource_id = res_id, .units = 1};
    assert_int_equal(booking_attempt(store, &long_booking, &res), BOOKING_EINVAL);
    booking_request long_resource = {.booking_id = "lim-129-b", .resource_id = long_id, .units = 1};
    assert_int_equal(booking_attempt(store, &long_resource, &res), BOOKING_EINVAL);
    assert_int_equal(booking_set_capacity(store, long_id, 5, &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_cancel(store, long_id, &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_get_resource(store, long_id, &reason, &r), BOOKING_EINVAL);
    assert_int_equal(booking_get_booking(store, long_id, &reason, &rec), BOOKING_EINVAL);

    /* Nothing was written, not even under the id cut to 128 bytes. */
    assert_true(booked_of(res_id) == 0);
    assert_unknown_booking("lim-129-b");
    long_id[BOOKING_ID_LEN_MAX] = '\0';
    assert_unknown_booking(long_id);
    assert_int_equal(booking_get_resource(store, long_id, &reason, &r), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);
    free(long_id);
}

static void every_allowed_character_class_is_accepted(void **state)
{
    (void)state;
    const char *allowed = ALLOWED_ID_CHARS;
    for (const char *p = allowed; *p != '\0'; p++) {
        if (!booking_id_valid(p, 1))
            fail_msg("'%c' is in [A-Za-z0-9._:-] but was refused", *p);
    }
    /* One id made of every allowed character books through the API. */
    char res_id[ID_SIZE];
    new_resource(res_id, 1);
    assert_true(booking_id_valid(allowed, strlen(allowed)));
    booking_request req = {.booking_id = allowed, .resource_id = res_id, .units = 1};
    assert_booked(&req);
    assert_true(booked_of(res_id) == 1);
}

static void every_other_byte_is_refused(void **state)
{
    (void)state;
    /* Exhaustive over the 256 byte values, NUL included (the length says 1). */
    for (int b = 0; b < 256; b++) {
        char c = (char)b;
        bool expected = b != 0 && strchr(ALLOWED_ID_CHARS, b) != NULL;
        if (booking_id_valid(&c, 1) != expected)
            fail_msg("byte 0x%02x: booking_id_valid gave %d", b, !expected);
    }
}

/* The library's one-pass check (core/validate.h), which reads ids a block of
 * 16 bytes at a time: at every position of ids around the block edges, each
 * byte is accepted exactly when it is in the alphabet, and the length counts. */
static void an_id_is_accepted_exactly_when_every_byte_at_any_position_is_in_the_alphabet(void **state)
{
    (void)state;
    static const size_t lengths[] = {1, 2, 15, 16, 17, 31, 32, 33, 36, 47, 48, 49, 127,
                                     BOOKING_ID_LEN_MAX};
    char id[BOOKING_ID_LEN_MAX + 2];
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
        size_t len = lengths[l];
        for (size_t at = 0; at < len; at++) {
            for (int b = 1; b < 256; b++) {
                memset(id, 'a', len);
                id[len] = '\0';
                id[at] = (char)b;
                bool allowed = strchr(ALLOWED_ID_CHARS, b) != NULL;
                size_t got = bk_core_id_checked_len(id);
                if (got != (allowed ? len : 0))
                    fail_msg("byte 0x%02x at %zu of %zu: checked length %zu", b, at, len, got);
            }
        }
    }
    /* Every allowed byte in every lane of a block, and one too many bytes. */
    const char *all = ALLOWED_ID_CHARS;
    assert_true(bk_core_id_checked_len(all) == strlen(all));
    memset(id, 'Z', BOOKING_ID_LEN_MAX + 1);
    id[BOOKING_ID_LEN_MAX + 1] = '\0';
    assert_true(bk_core_id_checked_len(id) == 0);
    assert_true(bk_core_id_checked_len("") == 0 && bk_core_id_checked_len(NULL) == 0);
}

static void forbidden_characters_are_refused_at_the_api(void **state)
{
    (void)state;
    assert_false(booking_id_valid("a b", 3));
    assert_false(booking_id_valid("a/b", 3));
    assert_false(booking_id_valid("caf\xc3\xa9", 5)); /* UTF-8 e-acute */
    assert_false(booking_id_valid("ab\0cd", 5));     /* NUL inside, by length */
    assert_false(booking_id_valid(NULL, 3));

    char res_id[ID_SIZE];
    new_resource(res_id, 5);
    const char *bad[] = {"lim bad", "lim/bad", "lim-caf\xc3\xa9", "lim\tbad", "lim\"bad",
                         "lim%2Fbad", "lim\nbad"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        booking_result res;
        booking_reason reason;
        booking_request as_booking = {.booking_id = bad[i], .resource_id = res_id, .units = 1};
        booking_request as_resource = {.booking_id = "lim-bad-ok", .resource_id = bad[i],
                                       .units = 1};
        assert_int_equal(booking_attempt(store, &as_booking, &res), BOOKING_EINVAL);
        assert_int_equal(booking_attempt(store, &as_resource, &res), BOOKING_EINVAL);
        assert_int_equal(booking_set_capacity(store, bad[i], 5, &reason, NULL), BOOKING_EINVAL);
        assert_int_equal(booking_cancel(store, bad[i], &reason, NULL), BOOKING_EINVAL);
    }
    assert_true(booked_of(res_id) == 0);
    assert_unknown_booking("lim-bad-ok");
}

static void null_arguments_are_refused(void **state)
{
    (void)state;
    char res_id[ID_SIZE];
    new_resource(res_id, 5);
    booking_result res;
    booking_reason reason;
    booking_record rec;
    booking_resource r;
    booking_request ok = {.booking_id = "lim-null", .resource_id = res_id, .units = 1};
    booking_request no_booking = {.booking_id = NULL, .resource_id = res_id, .units = 1};
    booking_request no_resource = {.booking_id = "lim-null", .resource_id = NULL, .units = 1};
    assert_int_equal(booking_attempt(NULL, &ok, &res), BOOKING_EINVAL);
    assert_int_equal(booking_attempt(store, NULL, &res), BOOKING_EINVAL);
    assert_int_equal(booking_attempt(store, &ok, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_attempt(store, &no_booking, &res), BOOKING_EINVAL);
    assert_int_equal(booking_attempt(store, &no_resource, &res), BOOKING_EINVAL);
    assert_int_equal(booking_set_capacity(store, NULL, 5, &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_set_capacity(store, res_id, 5, NULL, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_cancel(store, "lim-null", NULL, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_get_resource(store, res_id, &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_get_booking(store, "lim-null", &reason, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_store_ping(NULL, &reason), BOOKING_EINVAL);
    assert_int_equal(booking_store_ping(store, NULL), BOOKING_EINVAL);
    assert_int_equal(booking_store_open("memory:", NULL, NULL, 0), BOOKING_EINVAL);
    assert_true(booked_of(res_id) == 0);
    assert_unknown_booking("lim-null");
    (void)rec;
    (void)r;
}

/* ---- units: 1 to 2^53-1 ---- */

static void units_of_1_and_max_are_accepted(void **state)
{
    (void)state;
    assert_true(booking_units_valid(1));
    assert_true(booking_units_valid(BOOKING_UNITS_MAX));
    char res_id[ID_SIZE], b1[ID_SIZE], b2[ID_SIZE];
    new_resource(res_id, BOOKING_CAPACITY_MAX);
    test_unique_id(b1, sizeof b1, "lim-u1");
    test_unique_id(b2, sizeof b2, "lim-umax");
    booking_request one = {.booking_id = b1, .resource_id = res_id, .units = 1};
    assert_booked(&one);
    booking_reason reason;
    assert_int_equal(booking_cancel(store, b1, &reason, NULL), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_CANCELLED);
    booking_request max = {.booking_id = b2, .resource_id = res_id, .units = BOOKING_UNITS_MAX};
    assert_booked(&max);
    assert_true(booked_of(res_id) == BOOKING_UNITS_MAX);
}

static void units_of_0_and_2_pow_53_are_refused(void **state)
{
    (void)state;
    assert_false(booking_units_valid(0));
    assert_false(booking_units_valid(BOOKING_UNITS_MAX + 1));
    assert_false(booking_units_valid(UINT64_MAX));
    char res_id[ID_SIZE], bid[ID_SIZE];
    new_resource(res_id, BOOKING_CAPACITY_MAX);
    test_unique_id(bid, sizeof bid, "lim-ubad");
    const uint64_t bad[] = {0, BOOKING_UNITS_MAX + 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        booking_request req = {.booking_id = bid, .resource_id = res_id, .units = bad[i]};
        booking_result res;
        assert_int_equal(booking_attempt(store, &req, &res), BOOKING_EINVAL);
    }
    assert_true(booked_of(res_id) == 0);
    assert_unknown_booking(bid);
    /* The id is still fresh: a valid attempt with it is a first decision. */
    booking_request ok = {.booking_id = bid, .resource_id = res_id, .units = 1};
    assert_booked(&ok);
}

/* ---- capacity: 0 to 2^53-1 ---- */

static void capacity_of_0_and_max_are_accepted(void **state)
{
    (void)state;
    assert_true(booking_capacity_valid(0));
    assert_true(booking_capacity_valid(BOOKING_CAPACITY_MAX));
    char res_id[ID_SIZE];
    new_resource(res_id, 0);
    assert_true(capacity_of(res_id) == 0);
    booking_reason reason;
    booking_resource r;
    assert_int_equal(booking_set_capacity(store, res_id, BOOKING_CAPACITY_MAX, &reason, &r),
                     BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_OK);
    assert_true(r.capacity == BOOKING_CAPACITY_MAX);
    assert_true(capacity_of(res_id) == BOOKING_CAPACITY_MAX);
}

static void capacity_of_2_pow_53_is_refused(void **state)
{
    (void)state;
    assert_false(booking_capacity_valid(BOOKING_CAPACITY_MAX + 1));
    assert_false(booking_capacity_valid(UINT64_MAX));
    char res_id[ID_SIZE], fresh[ID_SIZE];
    new_resource(res_id, 7);
    booking_reason reason;
    booking_resource r;
    assert_int_equal(booking_set_capacity(store, res_id, BOOKING_CAPACITY_MAX + 1, &reason, &r),
                     BOOKING_EINVAL);
    assert_int_equal(booking_set_capacity(store, res_id, UINT64_MAX, &reason, &r), BOOKING_EINVAL);
    assert_true(capacity_of(res_id) == 7);
    /* Nor is a resource created by a refused call. */
    test_unique_id(fresh, sizeof fresh, "lim-cap-fresh");
    assert_int_equal(booking_set_capacity(store, fresh, BOOKING_CAPACITY_MAX + 1, &reason, &r),
                     BOOKING_EINVAL);
    assert_int_equal(booking_get_resource(store, fresh, &reason, &r), BOOKING_OK);
    assert_int_equal(reason, BOOKING_REASON_UNKNOWN_RESOURCE);
}

/* ---- batch: 1 to 8192 attempts ---- */

typedef struct batch {
    booking_request *requests;
    booking_result *results;
    char (*ids)[ID_SIZE];
    size_t count;
} batch;

/* count attempts of 1 unit each on resource_id, with fresh booking ids. */
static batch batch_new(size_t count, const char *resource_id)
{
    batch b = {.count = count};
    size_t n = count > 0 ? count : 1;
    b.requests = calloc(n, sizeof *b.requests);
    b.results = calloc(n, sizeof *b.results);
    b.ids = calloc(n, sizeof *b.ids);
    assert_non_null(b.requests);
    assert_non_null(b.results);
    assert_non_null(b.ids);
    for (size_t i = 0; i < count; i++) {
        test_unique_id(b.ids[i], ID_SIZE, "lim-batch");
        b.requests[i] = (booking_request){.booking_id = b.ids[i], .resource_id = resource_id,
                                          .units = 1};
    }
    return b;
}

static void batch_free(batch *b)
{
    free(b->requests);
    free(b->results);
    free(b->ids);
}

static void batch_of_1_and_8192_are_accepted(void **state)
{
    (void)state;
    char res_id[ID_SIZE];
    new_resource(res_id, BOOKING_BATCH_MAX + 1);
    batch one = batch_new(1, res_id);
    assert_int_equal(booking_attempt_batch(store, one.requests, 1, one.results), BOOKING_OK);
    assert_int_equal(one.results[0].outcome, BOOKING_BOOKED);
    batch full = batch_new(BOOKING_BATCH_MAX, res_id);
    assert_int_equal(booking_attempt_batch(store, full.requests, full.count, full.results),
                     BOOKING_OK);
    for (size_t i = 0; i < full.count; i++)
        assert_int_equal(full.results[i].outcome, BOOKING_BOOKED);
    assert_true(booked_of(res_id) == BOOKING_BATCH_MAX + 1);
    batch_free(&one);
    batch_free(&full);
}

static void batch_of_0_and_8193_are_refused(void **state)
{
    (void)state;
    char res_id[ID_SIZE];
    new_resource(res_id, BOOKING_BATCH_MAX + 1);
    batch over = batch_new(BOOKING_BATCH_MAX + 1, res_id);
    assert_int_equal(booking_attempt_batch(store, over.requests, 0, over.results),
                     BOOKING_EINVAL);
    assert_int_equal(booking_attempt_batch(store, over.requests, over.count, over.results),
                     BOOKING_EINVAL);
    assert_true(booked_of(res_id) == 0);
    assert_unknown_booking(over.ids[0]);
    assert_unknown_booking(over.ids[BOOKING_BATCH_MAX]);
    batch_free(&over);
}

static void batch_with_one_invalid_request_is_refused_whole(void **state)
{
    (void)state;
    char res_id[ID_SIZE];
    new_resource(res_id, 100);
    const size_t count = 10;
    /* The invalid request first, in the middle, and last: none of the valid ones books. */
    const size_t positions[] = {0, count / 2, count - 1};
    for (size_t p = 0; p < sizeof positions / sizeof positions[0]; p++) {
        batch b = batch_new(count, res_id);
        b.requests[positions[p]].units = 0;
        assert_int_equal(booking_attempt_batch(store, b.requests, b.count, b.results),
                         BOOKING_EINVAL);
        b.requests[positions[p]].units = 1;
        b.requests[positions[p]].resource_id = "not a valid id";
        assert_int_equal(booking_attempt_batch(store, b.requests, b.count, b.results),
                         BOOKING_EINVAL);
        for (size_t i = 0; i < count; i++)
            assert_unknown_booking(b.ids[i]);
        batch_free(&b);
    }
    assert_true(booked_of(res_id) == 0);
}

/* ---- store URLs ---- */

static void malformed_store_urls_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {"", "nosuch:", "memory", "memory:extra", "sqlite"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        booking_store *s = (booking_store *)0x1;
        char why[256] = "";
        booking_error e = booking_store_open(bad[i], &s, why, sizeof why);
        if (e != BOOKING_EURL)
            fail_msg("store URL '%s' gave %s, expected bad store URL", bad[i],
                     booking_error_name(e));
        assert_null(s);
        assert_true(why[0] != '\0');
        assert_null(strchr(why, '\n'));
    }
    booking_store *s = (booking_store *)0x1;
    assert_int_equal(booking_store_open(NULL, &s, NULL, 0), BOOKING_EURL);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_of_1_and_128_bytes_is_accepted),
        cmocka_unit_test(id_of_0_bytes_is_refused),
        cmocka_unit_test(id_of_129_bytes_is_refused),
        cmocka_unit_test(every_allowed_character_class_is_accepted),
        cmocka_unit_test(every_other_byte_is_refused),
        cmocka_unit_test(an_id_is_accepted_exactly_when_every_byte_at_any_position_is_in_the_alphabet),
        cmocka_unit_test(forbidden_characters_are_refused_at_the_api),
        cmocka_unit_test(null_arguments_are_refused),
        cmocka_unit_test(units_of_1_and_max_are_accepted),
        cmocka_unit_test(units_of_0_and_2_pow_53_are_refused),
        cmocka_unit_test(capacity_of_0_and_max_are_accepted),
        cmocka_unit_test(capacity_of_2_pow_53_is_refused),
        cmocka_unit_test(batch_of_1_and_8192_are_accepted),
        cmocka_unit_test(batch_of_0_and_8193_are_refused),
        cmocka_unit_test(batch_with_one_invalid_request_is_refused_whole),
        cmocka_unit_test(malformed_store_urls_are_refused),
    };
    return cmocka_run_group_tests_name("limits", tests, open_store, close_store);
}
