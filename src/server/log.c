/* SPDX-License-Identifier: MIT */
/*
 * log.c: formatting and writing the service's log lines (log.h).
 */
#include "server/log.h"
#include "util/time_text.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = {
#define LOG_LEVEL_NAME_(name, text) [LOG_LEVEL_##name] = text,
    LOG_LEVEL_MAP(LOG_LEVEL_NAME_)
#undef LOG_LEVEL_NAME_
};

const char *log_level_name(log_level level)
{
    return (unsigned)level < sizeof level_names / sizeof level_names[0] ? level_names[level]
                                                                         : "info";
}

bool log_format_parse(const char *text, log_format *out)
{
    if (strcmp(text, "text") == 0)
        *out = LOG_FORMAT_TEXT;
    else if (strcmp(text, "json") == 0)
        *out = LOG_FORMAT_JSON;
    else
        return false;
    return true;
}

/* The line being written: LOG_LINE_MAX bounds it by construction (log.h). */
typedef struct line_buf {
    char *at;
    size_t len;
} line_buf;

static void put(line_buf *b, const char *s, size_t n)
{
    assert(b->len + n < LOG_LINE_MAX);
    memcpy(b->at + b->len, s, n);
    b->len += n;
}

static void put_str(line_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static const char hex[] = "0123456789abcdef";
static const char cut_mark[] = "...";

/* A JSON string's content (RFC 8259) of at most LOG_VALUE_MAX bytes of s: quote,
 * backslash and control bytes escaped; bytes >= 0x7f as \u00XX, so any input
 * (not only UTF-8) gives valid JSON and one line. */
static void put_json_escaped(line_buf *b, const char *s)
{
    size_t n = strnlen(s, LOG_VALUE_MAX + 1);
    bool cut = n > LOG_VALUE_MAX;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < (cut ? LOG_VALUE_MAX : n); i++) {
        if (p[i] == '"' || p[i] == '\\') {
            char e[2] = {'\\', (char)p[i]};
            put(b, e, 2);
        } else if (p[i] < 0x20 || p[i] >= 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]};
            put(b, e, 6);
        } else {
            put(b, (const char *)&p[i], 1);
        }
    }
    if (cut)
        put(b, cut_mark, sizeof cut_mark - 1);
}

/* Whether a logfmt value can go bare: short, printable ASCII without blank,
 * quote, backslash or '='. */
static bool logfmt_bare(const char *s)
{
    size_t n = strnlen(s, LOG_VALUE_MAX + 1);
    if (n == 0 || n > LOG_VALUE_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '=' || *p == '\\')
            return false;
    }
    return true;
}

/* A logfmt value: bare, or quoted with the JSON escapes (what logfmt parsers read). */
static void put_logfmt_value(line_buf *b, const char *s)
{
    if (logfmt_bare(s)) {
        put_str(b, s);
        return;
    }
    put(b, "\"", 1);
    put_json_escaped(b, s);
    put(b, "\"", 1);
}

static void put_number(line_buf *b, int64_t v)
{
    char n[24];
    int len = snprintf(n, sizeof n, "%" PRId64, v);
    put(b, n, (size_t)len);
}

static void put_key(line_buf *b, const char *key)
{
    assert(key != NULL && strlen(key) <= LOG_KEY_MAX);
    put_str(b, key);
}

size_t log_format_line(char *buf, size_t size, log_format format, int64_t time_ms,
                       log_level level, const char *msg, const log_field *fields, size_t count)
{
    assert(size >= LOG_LINE_MAX && count <= LOG_FIELDS_MAX);
    (void)size;
    line_buf b = {.at = buf};
    char when[TIME_TEXT_LEN];
    time_text_write(when, time_ms);
    if (format == LOG_FORMAT_JSON) {
        put_str(&b, "{\"time\":\"");
        put(&b, when, TIME_TEXT_LEN);
        put_str(&b, "\",\"level\":\"");
        put_str(&b, log_level_name(level));
        put_str(&b, "\",\"msg\":\"");
        put_json_escaped(&b, msg);
        put(&b, "\"", 1);
        for (size_t i = 0; i < count; i++) {
            put_str(&b, ",\"");
            put_key(&b, fields[i].key);
            put_str(&b, "\":");
            if (fields[i].text == NULL) {
                put_number(&b, fields[i].number);
            } else {
                put(&b, "\"", 1);
                put_json_escaped(&b, fields[i].text);
                put(&b, "\"", 1);
            }
        }
        put(&b, "}", 1);
    } else {
        put_str(&b, "time=");
        put(&b, when, TIME_TEXT_LEN);
        put_str(&b, " level=");
        put_str(&b, log_level_name(level));
        put_str(&b, " msg=");
        put_logfmt_value(&b, msg);
        for (size_t i = 0; i < count; i++) {
            put(&b, " ", 1);
            put_key(&b, fields[i].key);
            put(&b, "=", 1);
            if (fields[i].text == NULL)
                put_number(&b, fields[i].number);
            else
                put_logfmt_value(&b, fields[i].text);
        }
    }
    put(&b, "\n", 1);
    buf[b.len] = '\0';
    return b.len;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool log_open(server_log *log, const char *path, log_format format)
{
    memset(log, 0, sizeof *log);
    log->format = format;
    if (path == NULL) {
        log->out = stderr;
    } else if (strcmp(path, "-") == 0) {
        log->out = stdout;
    } else {
        if (strlen(path) >= sizeof log->path) {
            errno = ENAMETOOLONG;
            return false;
        }
        log->out = fopen(path, "ae");
        if (log->out == NULL)
            return false;
        log->owned = true;
        snprintf(log->path, sizeof log->path, "%s", path);
    }
    pthread_mutex_init(&log->lock, NULL);
    return true;
}

bool log_reopen(server_log *log)
{
    if (!log->owned)
        return true;
    FILE *f = fopen(log->path, "ae");
    if (f == NULL)
        return false;
    pthread_mutex_lock(&log->lock);
    FILE *old = log->out;
    log->out = f;
    pthread_mutex_unlock(&log->lock);
    fclose(old);
    return true;
}

void log_close(server_log *log)
{
    if (log->out == NULL)
        return;
    if (log->owned)
        fclose(log->out);
    else
        fflush(log->out);
    pthread_mutex_destroy(&log->lock);
    log->out = NULL;
}

void log_event(server_log *log, log_level level, const char *msg, const log_field *fields,
               size_t count)
{
    static _Thread_local char line[LOG_LINE_MAX];
    size_t len =
        log_format_line(line, sizeof line, log->format, now_ms(), level, msg, fields, count);
    pthread_mutex_lock(&log->lock);
    fwrite(line, 1, len, log->out);
    fflush(log->out);
    pthread_mutex_unlock(&log->lock);
}
