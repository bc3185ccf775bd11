/* SPDX-License-Identifier: MIT */
/*
 * log.h: the service's log lines, one event per line, in one of two formats:
 *   text: logfmt, `time=2026-12-02T01:14:14.495Z level=error msg="..." key=value`
 *   json: one object a line, `{"time":"...","level":"error","msg":"...","key":...}`,
 *         the fields of Caddy's and PostgreSQL's JSON logs.
 * Every value a client or an engine chose (paths, methods, user agents, error
 * texts) is escaped, so a log line is always one line and cannot forge another.
 * A log writes to a file (appended, reopened on demand for logrotate), stdout or
 * stderr. Thread-safe: one line is written whole, under the log's lock.
 */
#ifndef BOOKING_SERVER_LOG_H
#define BOOKING_SERVER_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LOG_VALUE_MAX 512   /* bytes of one value (msg included) kept; a longer one is cut,
                               ending in "..." */
#define LOG_FIELDS_MAX 16   /* fields of one event */
#define LOG_KEY_MAX 32      /* bytes of a field's key */
/* The longest line: every value escaped at 6 bytes a byte (\u00XX), quoted, keyed. */
#define LOG_LINE_MAX (128 + (LOG_FIELDS_MAX + 1) * (6 * (LOG_VALUE_MAX + 3) + LOG_KEY_MAX + 8))
#define LOG_PATH_MAX 4096

typedef enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON } log_format;

/* LOG_LEVEL_MAP(XX(NAME, "name")), from the most to the least severe. */
#define LOG_LEVEL_MAP(XX)                                                                    \
    XX(ERROR, "error")                                                                       \
    XX(WARN, "warn")                                                                         \
    XX(INFO, "info")

typedef enum log_level {
#define LOG_LEVEL_ENUM_(name, text) LOG_LEVEL_##name,
    LOG_LEVEL_MAP(LOG_LEVEL_ENUM_)
#undef LOG_LEVEL_ENUM_
} log_level;

/* One field of an event: a string (escaped as needed) or an integer. */
typedef struct log_field {
    const char *key; /* a plain word: [a-z_] */
    const char *text; /* NULL: the field is the number */
    int64_t number;
} log_field;

#define LOG_TEXT(k, v) ((log_field){.key = (k), .text = (v) != NULL ? (v) : "-"})
#define LOG_NUMBER(k, v) ((log_field){.key = (k), .text = NULL, .number = (int64_t)(v)})

typedef struct server_log {
    pthread_mutex_t lock;
    FILE *out;
    bool owned;               /* out is a file this log opened (and reopens) */
    char path[LOG_PATH_MAX];  /* when owned */
    log_format format;
} server_log;

/* Opens a log on path ("-": stdout; NULL: stderr), appending. False (errno set)
 * when the file cannot be opened. */
bool log_open(server_log *log, const char *path, log_format format);

/* Reopens the file (after logrotate moved it); stdout and stderr stay. False
 * (errno set) when it cannot be reopened: the log then keeps its old file. */
bool log_reopen(server_log *log);

void log_close(server_log *log);

/* Parses "text" or "json". */
bool log_format_parse(const char *text, log_format *out);

const char *log_level_name(log_level level);

/* Writes one event, with the time now (RFC 3339 UTC, milliseconds). */
void log_event(server_log *log, log_level level, const char *msg, const log_field *fields,
               size_t count);

/* Formats one event into buf of LOG_LINE_MAX bytes (NUL-terminated, ending in
 * '\n'); returns its length. count <= LOG_FIELDS_MAX. What log_event writes;
 * apart for the tests. */
size_t log_format_line(char *buf, size_t size, log_format format, int64_t time_ms,
                       log_level level, const char *msg, const log_field *fields, size_t count);

#endif
