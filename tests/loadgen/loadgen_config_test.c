/* SPDX-License-Identifier: MIT */
/*
 * loadgen_config_test.c: one option parser serves both modes of `booking bench`:
 * --url selects the HTTP mode, each mode refuses the other's options as unknown,
 * each keeps its own limits, and errors come back as values with their message.
 */
#include "loadgen/loadgen.h"
#include "loadgen/loadgen_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#define ARGS_MAX 16

static loadgen_status parse(loadgen_config *cfg, char *why, const char *args)
{
    static char buf[512];
    char *argv[ARGS_MAX] = {"bench"};
    int argc = 1;
    snprintf(buf, sizeof buf, "%s", args);
    for (char *t = strtok(buf, " "); t != NULL && argc < ARGS_MAX - 1; t = strtok(NULL, " "))
        argv[argc++] = t;
    why[0] = '\0';
    return loadgen_config_parse(argc, argv, cfg, why);
}

static void url_selects_the_http_mode_and_its_defaults(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--attempts 10"), LOADGEN_OK);
    assert_int_equal(cfg.mode, LOADGEN_INPROC);
    assert_string_equal(cfg.store_url, "memory:");
    assert_int_equal(cfg.threads, 1);
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --connections 1"), LOADGEN_OK);
    assert_int_equal(cfg.mode, LOADGEN_HTTP);
    assert_int_equal(cfg.threads, 1); /* at most one per connection */
    assert_int_equal(cfg.resources, 1); /* --mode hot */
    assert_string_equal(cfg.target.port, "9");
}

static void each_mode_refuses_the_other_modes_options_as_unknown(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--connections 4"), LOADGEN_USAGE);
    assert_string_equal(why, "unknown option --connections");
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --store memory:"), LOADGEN_USAGE);
    assert_string_equal(why, "unknown option --store");
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --help"), LOADGEN_HELP);
    assert_int_equal(cfg.mode, LOADGEN_HTTP);
}

static void each_mode_keeps_its_own_limits(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--threads 100"), LOADGEN_OK);
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --threads 100"), LOADGEN_USAGE);
    assert_string_equal(why, "--threads takes 1 to 64");
    assert_int_equal(parse(&cfg, why, "--replay-ratio 0.7 --conflict-ratio 0.7"), LOADGEN_USAGE);
    assert_string_equal(why, "--replay-ratio plus --conflict-ratio exceeds 1");
}

static void a_host_that_is_not_loopback_is_refused_unless_allowed(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--url http://10.0.0.1:80"), LOADGEN_USAGE);
    assert_int_equal(parse(&cfg, why, "--url http://10.0.0.1:80 --allow-remote"), LOADGEN_OK);
}

static void holds_and_confirms_are_options_of_both_modes(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--hold-ms 2000 --confirm-ratio 0.5"), LOADGEN_OK);
    assert_int_equal(cfg.hold_ms, 2000);
    assert_true(cfg.confirm_ratio == 0.5);
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --hold-ms 1 --confirm-ratio 1"),
                     LOADGEN_OK);
    assert_int_equal(cfg.hold_ms, 1);
    assert_int_equal(parse(&cfg, why, "--hold-ms 0"), LOADGEN_USAGE);
    assert_string_equal(why, "--hold-ms takes 1 to 604800000");
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --hold-ms 604800001"),
                     LOADGEN_USAGE);
    assert_int_equal(parse(&cfg, why, "--hold-ms 10 --confirm-ratio 1.5"), LOADGEN_USAGE);
    assert_string_equal(why, "--confirm-ratio takes 0 to 1");
    assert_int_equal(parse(&cfg, why, "--confirm-ratio 0.5"), LOADGEN_USAGE);
    assert_string_equal(why, "--confirm-ratio confirms holds: give --hold-ms too");
    assert_int_equal(parse(&cfg, why, "--attempts 10"), LOADGEN_OK);
    assert_int_equal(cfg.hold_ms, 0); /* a run without them is as before */
}

static void ids_are_random_uuid4_by_default_and_chosen_by_ids_in_both_modes(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--attempts 10"), LOADGEN_OK);
    assert_int_equal(cfg.ids, LOADGEN_IDS_UUID4);
    assert_int_equal(parse(&cfg, why, "--ids uuid7"), LOADGEN_OK);
    assert_int_equal(cfg.ids, LOADGEN_IDS_UUID7);
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --ids seq"), LOADGEN_OK);
    assert_int_equal(cfg.ids, LOADGEN_IDS_SEQ);
    assert_int_equal(parse(&cfg, why, "--ids uuid5"), LOADGEN_USAGE);
    assert_non_null(strstr(why, "--ids"));
}

/* 8-4-4-4-12 lower-case hex, the version nibble, the variant 10xx (RFC 9562). */
static void assert_uuid(const char *id, char version)
{
    assert_int_equal(strlen(id), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(id[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", id[i]));
    }
    assert_int_equal(id[14], version);
    assert_non_null(strchr("89ab", id[19]));
}

static void new_ids_are_well_formed_uuids_and_replays_repeat_them(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    loadgen_slot slots[64], s;
    for (int kind = 0; kind < 2; kind++) {
        assert_int_equal(parse(&cfg, why, kind ? "--ids uuid7 --replay-ratio 0.5"
                                               : "--ids uuid4 --replay-ratio 0.5"), LOADGEN_OK);
        loadgen_picker p;
        loadgen_picker_init(&p, &cfg, 12345, "b-", slots, 64);
        static char issued[200][LOADGEN_ID_BYTES];
        unsigned n = 0, replays = 0;
        for (int i = 0; i < 200; i++) {
            uint64_t before = p.issued;
            loadgen_pick(&p, &s);
            assert_uuid(s.booking_id, kind ? '7' : '4');
            bool seen = false;
            for (unsigned j = 0; j < n && !seen; j++)
                seen = strcmp(issued[j], s.booking_id) == 0;
            if (p.issued == before) { /* a replay: the id of an earlier new attempt */
                assert_true(seen);
                replays++;
            } else {
                assert_false(seen); /* a new attempt: an id never sent */
                snprintf(issued[n++], LOADGEN_ID_BYTES, "%s", s.booking_id);
            }
        }
        assert_true(replays > 0 && n > 0);
    }
}

/* ---- stays: bundles of consecutive nights (SPEC section 8) ---- */

static void nights_and_stay_make_the_nights_the_resources_in_both_modes(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--nights 30 --stay 2-5"), LOADGEN_OK);
    assert_int_equal(cfg.nights, 30);
    assert_int_equal(cfg.resources, 30);
    assert_int_equal(cfg.stay_min, 2);
    assert_int_equal(cfg.stay_max, 5);
    assert_int_equal(parse(&cfg, why, "--nights 30"), LOADGEN_OK);
    assert_int_equal(cfg.stay_min, 3); /* the default stay */
    assert_int_equal(cfg.stay_max, 3);
    assert_int_equal(parse(&cfg, why, "--nights 30 --stay 4"), LOADGEN_OK);
    assert_int_equal(cfg.stay_min, 4);
    assert_int_equal(cfg.stay_max, 4);
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --nights 30 --stay 3"),
                     LOADGEN_OK);
    assert_true(cfg.spread); /* stays spread over the nights */
    assert_int_equal(cfg.resources, 30);
    assert_int_equal(parse(&cfg, why, "--attempts 10"), LOADGEN_OK);
    assert_int_equal(cfg.nights, 0); /* a run without them sends single attempts */
}

static void a_stay_that_cannot_be_sent_is_refused_with_its_reason(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    assert_int_equal(parse(&cfg, why, "--stay 3"), LOADGEN_USAGE);
    assert_non_null(strstr(why, "--nights"));
    assert_int_equal(parse(&cfg, why, "--nights 2 --stay 3"), LOADGEN_USAGE);
    assert_non_null(strstr(why, "does not fit"));
    assert_int_equal(parse(&cfg, why, "--nights 100 --stay 65"), LOADGEN_USAGE);
    assert_non_null(strstr(why, "1 to 64"));
    assert_int_equal(parse(&cfg, why, "--nights 100 --stay 4-2"), LOADGEN_USAGE);
    assert_int_equal(parse(&cfg, why, "--nights 100 --stay 0-2"), LOADGEN_USAGE);
    assert_int_equal(parse(&cfg, why, "--nights 100 --stay -2"), LOADGEN_USAGE);
    assert_int_equal(parse(&cfg, why, "--nights 10 --resources 10"), LOADGEN_USAGE);
    assert_non_null(strstr(why, "--resources"));
    assert_int_equal(parse(&cfg, why, "--nights 100 --stay 9 --batch 8192"), LOADGEN_USAGE);
    assert_non_null(strstr(why, "65536"));
    assert_int_equal(parse(&cfg, why, "--nights 100 --stay 8 --batch 8192"), LOADGEN_OK);
    assert_int_equal(parse(&cfg, why, "--url http://127.0.0.1:9 --nights 30 --mode hot"),
                     LOADGEN_USAGE);
    assert_non_null(strstr(why, "--mode hot"));
}

static void stays_are_consecutive_nights_that_fit_and_replays_repeat_them(void **state)
{
    (void)state;
    loadgen_config cfg;
    char why[LOADGEN_WHY_BYTES];
    loadgen_slot slots[64], s;
    assert_int_equal(parse(&cfg, why, "--nights 10 --stay 1-4 --replay-ratio 0.3"), LOADGEN_OK);
    loadgen_picker p;
    loadgen_picker_init(&p, &cfg, 99, "b-", slots, 64);
    unsigned seen_len[5] = {0}, last_night = 0, replays = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t before = p.issued;
        loadgen_pick(&p, &s);
        assert_true(s.lines >= 1 && s.lines <= 4);
        assert_true(s.resource + s.lines <= 10); /* the stay fits in the nights */
        seen_len[s.lines]++;
        last_night |= s.resource + s.lines == 10;
        if (p.issued == before) {
            bool found = false;
            for (unsigned j = 0; j < 64 && j < before && !found; j++)
                found = strcmp(slots[j].booking_id, s.booking_id) == 0 &&
                        slots[j].resource == s.resource && slots[j].lines == s.lines &&
                        slots[j].units == s.units;
            assert_true(found); /* the same stay, night for night */
            replays++;
        }
    }
    for (unsigned len = 1; len <= 4; len++)
        assert_true(seen_len[len] > 0);
    assert_true(last_night && replays > 0);
    booking_line lines[BOOKING_LINES_MAX];
    char ids[10][LOADGEN_ID_BYTES];
    for (int n = 0; n < 10; n++)
        snprintf(ids[n], sizeof ids[n], "night-%d", n);
    s = (loadgen_slot){.resource = 6, .lines = 3, .units = 2};
    assert_int_equal(loadgen_slot_fill_lines(&s, ids, lines), 3);
    assert_string_equal(lines[0].resource_id, "night-6");
    assert_string_equal(lines[2].resource_id, "night-8");
    assert_int_equal(lines[1].units, 2);
    uint64_t ledger[10] = {0};
    loadgen_slot_add(ledger, &s);
    assert_int_equal(ledger[5] + ledger[6] + ledger[7] + ledger[8] + ledger[9], 6);
    assert_int_equal(ledger[9], 0);
}

static void nearby_seeds_give_every_client_its_own_ids(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 16; seed++) {
        for (uint64_t other = seed + 1; other < 16; other++) {
            for (uint64_t i = 0; i < 8; i++) {
                for (uint64_t j = 0; j < 8; j++)
                    assert_true(loadgen_stream_seed(seed, i) != loadgen_stream_seed(other, j));
            }
        }
    }
    assert_true(loadgen_stream_seed(0, 0) != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_selects_the_http_mode_and_its_defaults),
        cmocka_unit_test(each_mode_refuses_the_other_modes_options_as_unknown),
        cmocka_unit_test(each_mode_keeps_its_own_limits),
        cmocka_unit_test(a_host_that_is_not_loopback_is_refused_unless_allowed),
        cmocka_unit_test(holds_and_confirms_are_options_of_both_modes),
        cmocka_unit_test(ids_are_random_uuid4_by_default_and_chosen_by_ids_in_both_modes),
        cmocka_unit_test(new_ids_are_well_formed_uuids_and_replays_repeat_them),
        cmocka_unit_test(nights_and_stay_make_the_nights_the_resources_in_both_modes),
        cmocka_unit_test(a_stay_that_cannot_be_sent_is_refused_with_its_reason),
        cmocka_unit_test(stays_are_consecutive_nights_that_fit_and_replays_repeat_them),
        cmocka_unit_test(nearby_seeds_give_every_client_its_own_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
