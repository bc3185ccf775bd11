/* SPDX-License-Identifier: MIT */
/*
 * loadgen_ids_test.c: the booking ids `booking bench --ids` sends: uuid4 carries
 * its version and variant in lower-case hex, uuid7 ascends strictly within one
 * client (its ms time and then a 12-bit counter, even past 4096 ids in one ms or
 * with a clock that went back) and carries the time, seq is the client's prefix
 * and its hex counter; every kind is unique across the clients of a run, and a
 * run without --seed draws a seed of its own, so it does not replay another's ids.
 */
#include "loadgen/loadgen.h"
#include "loadgen/loadgen_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#define UUID_LEN 36
#define CLIENTS 64
#define IDS_PER_CLIENT 4000
#define SLOTS 16

static loadgen_config config_for(const char *ids)
{
    char arg0[] = "bench", arg1[] = "--ids", arg2[16], arg3[] = "--seed", arg4[] = "42";
    snprintf(arg2, sizeof arg2, "%s", ids);
    char *argv[] = {arg0, arg1, arg2, arg3, arg4, NULL};
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(loadgen_config_parse(5, argv, &cfg, why), LOADGEN_OK);
    return cfg;
}

/* 8-4-4-4-12 lower-case hex, the version nibble, the variant 10xx (RFC 9562). */
static void assert_uuid(const char *id, char version)
{
    assert_int_equal(strlen(id), UUID_LEN);
    for (int i = 0; i < UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(id[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", id[i]));
    }
    assert_int_equal(id[14], version);
    assert_non_null(strchr("89ab", id[19]));
}

static uint64_t realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The 48-bit ms time of a UUIDv7's text: its first 12 hex digits. */
static uint64_t uuid7_ms(const char *id)
{
    char hex[13];
    memcpy(hex, id, 8);
    memcpy(hex + 8, id + 9, 4);
    hex[12] = '\0';
    return strtoull(hex, NULL, 16);
}

static void uuid4_ids_carry_version_4_and_variant_10_in_lower_case_hex(void **state)
{
    (void)state;
    loadgen_config cfg = config_for("uuid4");
    loadgen_slot slots[SLOTS], s;
    loadgen_picker p;
    loadgen_picker_init(&p, &cfg, loadgen_stream_seed(cfg.seed, 0), "b-", slots, SLOTS);
    unsigned seen[UUID_LEN][16] = {{0}};
    for (int i = 0; i < IDS_PER_CLIENT; i++) {
        loadgen_pick(&p, &s);
        assert_uuid(s.booking_id, '4');
        for (int k = 0; k < UUID_LEN; k++) {
            const char *d = strchr("0123456789abcdef", s.booking_id[k]);
            if (s.booking_id[k] != '-' && d != NULL)
                seen[k][d - "0123456789abcdef"]++;
        }
    }
    /* Every digit but the version and the variant's is random: all 16 values show up. */
    for (int k = 0; k < UUID_LEN; k++) {
        if (k == 8 || k == 13 || k == 18 || k == 23 || k == 14)
            continue;
        unsigned values = 0;
        for (int d = 0; d < 16; d++)
            values += seen[k][d] != 0;
        assert_int_equal(values, k == 19 ? 4 : 16);
    }
}

/* loadgen_put_uuid writes the 128 bits it is given, digit for digit, as printf
 * would: all-zero, all-one, one bit at a time, and random words. */
static void assert_uuid_text(uint64_t hi, uint64_t lo)
{
    char want[UUID_LEN + 1], got[UUID_LEN + 2];
    snprintf(want, sizeof want, "%08llx-%04llx-%04llx-%04llx-%012llx",
             (unsigned long long)(hi >> 32), (unsigned long long)(hi >> 16 & 0xffff),
             (unsigned long long)(hi & 0xffff), (unsigned long long)(lo >> 48),
             (unsigned long long)(lo & 0xffffffffffffull));
    memset(got, 'x', sizeof got);
    loadgen_put_uuid(got, hi, lo);
    assert_string_equal(got, want);
    assert_int_equal(got[UUID_LEN + 1], 'x'); /* 37 bytes, no more */
}

static void uuid_text_is_the_128_bits_in_canonical_lower_case_hex(void **state)
{
    (void)state;
    assert_uuid_text(0, 0);
    assert_uuid_text(UINT64_MAX, UINT64_MAX);
    assert_uuid_text(0x0123456789abcdefull, 0xfedcba9876543210ull);
    for (int bit = 0; bit < 64; bit++) {
        assert_uuid_text((uint64_t)1 << bit, 0);
        assert_uuid_text(0, (uint64_t)1 << bit);
    }
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < IDS_PER_CLIENT; i++) {
        uint64_t hi = loadgen_random(&rng);
        assert_uuid_text(hi, loadgen_random(&rng));
    }
}

static void uuid7_ids_ascend_strictly_within_a_client_and_carry_the_time(void **state)
{
    (void)state;
    loadgen_config cfg = config_for("uuid7");
    loadgen_slot slots[SLOTS], s;
    loadgen_picker p;
    loadgen_picker_init(&p, &cfg, loadgen_stream_seed(cfg.seed, 0), "b-", slots, SLOTS);
    char last[LOADGEN_ID_BYTES] = "";
    uint64_t before = realtime_ms();
    /* Far more than 4096 in a ms on any machine: the counter's overflow is taken. */
    for (int i = 0; i < 4 * IDS_PER_CLIENT; i++) {
        loadgen_pick(&p, &s);
        assert_uuid(s.booking_id, '7');
        assert_true(strcmp(last, s.booking_id) < 0);
        memcpy(last, s.booking_id, sizeof last);
    }
    uint64_t after = realtime_ms();
    uint64_t ms = uuid7_ms(last);
    assert_true(ms >= before);
    /* A ms moved on early per counter overflow: one per 2048 ids at the most. */
    assert_true(ms <= after + 4 * IDS_PER_CLIENT / 2048 + 1);

    /* A clock that went back (the last id 10 s ahead) and a full counter: still ascending. */
    p.uuid7_ms = after + 10000;
    p.uuid7_seq = 0xfff;
    loadgen_pick(&p, &s);
    assert_uuid(s.booking_id, '7');
    assert_int_equal(uuid7_ms(s.booking_id), after + 10001);
    char ahead[LOADGEN_ID_BYTES];
    memcpy(ahead, s.booking_id, sizeof ahead);
    loadgen_pick(&p, &s);
    assert_true(strcmp(ahead, s.booking_id) < 0);
    assert_int_equal(uuid7_ms(s.booking_id), after + 10001);
}

static void seq_ids_are_the_clients_prefix_and_its_hex_counter(void **state)
{
    (void)state;
    loadgen_config cfg = config_for("seq");
    loadgen_slot slots[SLOTS], s;
    loadgen_picker p;
    loadgen_picker_init(&p, &cfg, 7, "b-0123456789abcdef-3-", slots, SLOTS);
    for (uint64_t i = 0; i < 300; i++) {
        loadgen_pick(&p, &s);
        char want[LOADGEN_ID_BYTES];
        snprintf(want, sizeof want, "b-0123456789abcdef-3-%llx", (unsigned long long)i);
        assert_string_equal(s.booking_id, want);
    }
}

static int by_text(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* CLIENTS clients of one run, as both modes seed them (loadgen_stream_seed of the
 * run's seed and the client's index, the prefix by index), IDS_PER_CLIENT each:
 * no id twice. */
static void assert_unique_across_clients(const char *ids)
{
    loadgen_config cfg = config_for(ids);
    size_t n = (size_t)CLIENTS * IDS_PER_CLIENT;
    char (*all)[LOADGEN_ID_BYTES] = calloc(n, LOADGEN_ID_BYTES);
    loadgen_slot(*slots)[SLOTS] = calloc(CLIENTS, sizeof *slots);
    loadgen_picker *p = calloc(CLIENTS, sizeof *p);
    assert_non_null(all);
    assert_non_null(slots);
    assert_non_null(p);
    char tag[17];
    loadgen_tag(&cfg, tag);
    for (unsigned c = 0; c < CLIENTS; c++) {
        char prefix[LOADGEN_ID_BYTES];
        snprintf(prefix, sizeof prefix, "b-%s-%x-", tag, c);
        loadgen_picker_init(&p[c], &cfg, loadgen_stream_seed(cfg.seed, c), prefix, slots[c], SLOTS);
    }
    size_t k = 0;
    for (int i = 0; i < IDS_PER_CLIENT; i++) { /* interleaved, as threads run */
        for (unsigned c = 0; c < CLIENTS; c++) {
            loadgen_slot s;
            loadgen_pick(&p[c], &s);
            memcpy(all[k++], s.booking_id, LOADGEN_ID_BYTES);
        }
    }
    qsort(all, n, LOADGEN_ID_BYTES, by_text);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(all[i - 1], all[i]) < 0);
    free(p);
    free(slots);
    free(all);
}

static void ids_are_unique_across_the_clients_of_a_run_for_every_kind(void **state)
{
    (void)state;
    assert_unique_across_clients("uuid4");
    assert_unique_across_clients("uuid7");
    assert_unique_across_clients("seq");
}

static void a_run_without_seed_draws_its_own_so_runs_do_not_share_ids(void **state)
{
    (void)state;
    char arg0[] = "bench", arg1[] = "--attempts", arg2[] = "10";
    char *argv[] = {arg0, arg1, arg2, NULL};
    char why[LOADGEN_WHY_BYTES];
    loadgen_config a, b;
    assert_int_equal(loadgen_config_parse(3, argv, &a, why), LOADGEN_OK);
    assert_int_equal(loadgen_config_parse(3, argv, &b, why), LOADGEN_OK);
    assert_true(a.seed != b.seed);
    char ta[17], tb[17];
    loadgen_tag(&a, ta);
    loadgen_tag(&b, tb);
    assert_string_not_equal(ta, tb); /* the seq ids' prefix differs too */
    loadgen_config fixed = config_for("seq");
    assert_int_equal(fixed.seed, 42); /* --seed repeats a run on purpose */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uuid4_ids_carry_version_4_and_variant_10_in_lower_case_hex),
        cmocka_unit_test(uuid_text_is_the_128_bits_in_canonical_lower_case_hex),
        cmocka_unit_test(uuid7_ids_ascend_strictly_within_a_client_and_carry_the_time),
        cmocka_unit_test(seq_ids_are_the_clients_prefix_and_its_hex_counter),
        cmocka_unit_test(ids_are_unique_across_the_clients_of_a_run_for_every_kind),
        cmocka_unit_test(a_run_without_seed_draws_its_own_so_runs_do_not_share_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
