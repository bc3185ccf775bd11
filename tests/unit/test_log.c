/* SPDX-License-Identifier: MIT */
/*
 * test_log.c: the service's log lines (src/server/log.h): one event is one line
 * in either format whatever bytes a client sends, a JSON line parses back to its
 * fields, a long value is cut visibly, and a reopen after a rename (logrotate)
 * writes to the new file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/log.h"
#include "support/test_support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_MS ((int64_t)1796173630123) /* 2026-12-02T01:07:10.123Z */

static char line[LOG_LINE_MAX];

static size_t format(log_format f, const char *msg, const log_field *fields, size_t n)
{
    return log_format_line(line, sizeof line, f, T_MS, LOG_LEVEL_ERROR, msg, fields, n);
}

/* Exactly one newline, the last byte. */
static void assert_one_line(size_t len)
{
    assert_true(len >= 2 && line[len - 1] == '\n' && line[len] == '\0');
    assert_null(memchr(line, '\n', len - 1));
    assert_null(memchr(line, '\r', len - 1));
}

static const char hostile[] = "GET\r\nlevel=info msg=\"forged\" \x1b[31m\"\\ \xff\xfe";

static void text_line_is_logfmt_with_time_level_msg_and_fields(void **state)
{
    (void)state;
    log_field f[] = {LOG_TEXT("method", "GET"), LOG_TEXT("path", "/v1/bookings/b 1"),
                     LOG_NUMBER("status", 503), LOG_NUMBER("duration_us", 1234)};
    size_t len = format(LOG_FORMAT_TEXT, "store failure", f, 4);
    assert_one_line(len);
    assert_string_equal(line, "time=2026-12-02T01:07:10.123Z level=error msg=\"store failure\" "
                              "method=GET path=\"/v1/bookings/b 1\" status=503 duration_us=1234\n");
}

static void text_line_of_hostile_bytes_stays_one_line_and_forges_no_field(void **state)
{
    (void)state;
    log_field f[] = {LOG_TEXT("method", hostile)};
    size_t len = format(LOG_FORMAT_TEXT, "request", f, 1);
    assert_one_line(len);
    /* The value is quoted: the forged key=value is inside it, escaped. */
    assert_non_null(strstr(line, "method=\"GET\\u000d\\u000alevel=info msg=\\\"forged\\\" "
                                 "\\u001b[31m\\\"\\\\ \\u00ff\\u00fe\""));
    for (size_t i = 0; i + 1 < len; i++)
        assert_true((unsigned char)line[i] >= 0x20 && (unsigned char)line[i] < 0x7f);
}

static void json_line_parses_back_to_every_field(void **state)
{
    (void)state;
    log_field f[] = {LOG_TEXT("method", hostile), LOG_TEXT("request_id", "r-1"),
                     LOG_NUMBER("status", 201), LOG_NUMBER("bytes", -1)};
    size_t len = format(LOG_FORMAT_JSON, "a \"quoted\" msg", f, 4);
    assert_one_line(len);
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "time")), "2026-12-02T01:07:10.123Z");
    assert_string_equal(json_string_value(json_object_get(o, "level")), "error");
    assert_string_equal(json_string_value(json_object_get(o, "msg")), "a \"quoted\" msg");
    assert_string_equal(json_string_value(json_object_get(o, "request_id")), "r-1");
    assert_int_equal(json_integer_value(json_object_get(o, "status")), 201);
    assert_int_equal(json_integer_value(json_object_get(o, "bytes")), -1);
    /* Bytes >= 0x7f come back as the code points of the same number. */
    const char *m = json_string_value(json_object_get(o, "method"));
    assert_non_null(m);
    assert_memory_equal(m, "GET\r\nlevel=info msg=\"forged\" \x1b[31m\"\\ \xc3\xbf\xc3\xbe",
                        strlen(m));
    json_decref(o);
}

static void long_value_is_cut_visibly_and_the_line_stays_valid(void **state)
{
    (void)state;
    char *big = malloc(LOG_VALUE_MAX * 4);
    assert_non_null(big);
    memset(big, '"', LOG_VALUE_MAX * 4 - 1); /* the worst case for escaping */
    big[LOG_VALUE_MAX * 4 - 1] = '\0';
    log_field f[LOG_FIELDS_MAX];
    for (size_t i = 0; i < LOG_FIELDS_MAX; i++)
        f[i] = LOG_TEXT("path", big);
    size_t len = format(LOG_FORMAT_JSON, big, f, LOG_FIELDS_MAX);
    assert_one_line(len);
    assert_true(len < LOG_LINE_MAX);
    json_error_t err;
    json_t *o = json_loads(line, JSON_ALLOW_NUL, &err);
    assert_non_null(o);
    const char *msg = json_string_value(json_object_get(o, "msg"));
    assert_int_equal(strlen(msg), LOG_VALUE_MAX + 3);
    assert_string_equal(msg + LOG_VALUE_MAX, "...");
    json_decref(o);
    len = format(LOG_FORMAT_TEXT, big, f, LOG_FIELDS_MAX);
    assert_one_line(len);
    free(big);
}

static size_t read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n;
}

static void reopen_after_a_rename_writes_to_the_new_file(void **state)
{
    (void)state;
    char path[700], moved[720], text[4096];
    snprintf(path, sizeof path, "%s/access.log", test_tmpdir());
    snprintf(moved, sizeof moved, "%s.1", path);
    server_log log;
    assert_true(log_open(&log, path, LOG_FORMAT_TEXT));
    log_event(&log, LOG_LEVEL_INFO, "first", NULL, 0);
    assert_int_equal(rename(path, moved), 0); /* what logrotate does */
    log_event(&log, LOG_LEVEL_INFO, "second", NULL, 0); /* still the moved file */
    assert_true(log_reopen(&log));
    log_event(&log, LOG_LEVEL_WARN, "third", NULL, 0);
    log_close(&log);
    read_file(moved, text, sizeof text);
    assert_non_null(strstr(text, "msg=first"));
    assert_non_null(strstr(text, "msg=second"));
    assert_null(strstr(text, "msg=third"));
    read_file(path, text, sizeof text);
    assert_non_null(strstr(text, "level=warn msg=third"));
    assert_null(strstr(text, "msg=first"));
}

static void formats_are_text_and_json_only(void **state)
{
    (void)state;
    log_format f;
    assert_true(log_format_parse("text", &f) && f == LOG_FORMAT_TEXT);
    assert_true(log_format_parse("json", &f) && f == LOG_FORMAT_JSON);
    assert_false(log_format_parse("JSON", &f));
    assert_false(log_format_parse("", &f));
    assert_string_equal(log_level_name(LOG_LEVEL_WARN), "warn");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_line_is_logfmt_with_time_level_msg_and_fields),
        cmocka_unit_test(text_line_of_hostile_bytes_stays_one_line_and_forges_no_field),
        cmocka_unit_test(json_line_parses_back_to_every_field),
        cmocka_unit_test(long_value_is_cut_visibly_and_the_line_stays_valid),
        cmocka_unit_test(reopen_after_a_rename_writes_to_the_new_file),
        cmocka_unit_test(formats_are_text_and_json_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
