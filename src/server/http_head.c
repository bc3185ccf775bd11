/* SPDX-License-Identifier: MIT */
/*
 * http_head.c: the strict reading of a request head of http_head.h. Line by line:
 * the request line (method token, SP, a visible-ASCII target, SP, HTTP/1.0 or
 * HTTP/1.1), then fields (token, ':', a value without control bytes but HTAB),
 * then the empty line. What a field means is left to http_guard.
 */
#include "server/http_head.h"
#include "server/http_chars.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Digits of a Content-Length past which no body of the service can be meant. */
#define HTTP_HEAD_LENGTH_DIGITS_MAX 18

static http_head_verdict verdict(unsigned status, const char *error, const char *detail)
{
    http_head_verdict v = {.complete = true};
    v.guard = (http_guard_verdict){.status = status, .error = error, .detail = detail};
    return v;
}

static http_head_verdict bad(const char *detail)
{
    return verdict(400, "invalid_request", detail);
}

static size_t token_len(const char *p, size_t len)
{
    size_t n = 0;
    while (n < len && http_is_tchar((unsigned char)p[n]))
        n++;
    return n;
}

/* The request line, line[0..len) without its end: fills head's target and version. */
static http_head_verdict request_line(const char *line, size_t len, http_guard_head *guard,
                                      http_head *head)
{
    size_t m = token_len(line, len);
    if (m == 0 || m == len || line[m] != ' ')
        return bad("malformed request line");
    const char *target = line + m + 1;
    const char *space = memchr(target, ' ', len - m - 1);
    if (space == NULL || space == target)
        return bad("malformed request line");
    size_t target_len = (size_t)(space - target);
    guard->target_bad = !http_guard_target_valid(target, target_len);
    const char *version = space + 1;
    size_t version_len = len - (size_t)(version - line);
    if (version_len != 8 || memcmp(version, "HTTP/", 5) != 0 || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return bad("malformed request line");
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
        return verdict(505, "invalid_request", "only HTTP/1.0 and HTTP/1.1 are served");
    guard->version = version[7] == '1' ? "HTTP/1.1" : "HTTP/1.0";
    head->method = line;
    head->method_len = m;
    head->target = target;
    head->target_len = target_len;
    head->minor = version[7] == '1' ? 1 : 0;
    return verdict(0, NULL, NULL);
}

static http_head_verdict field_line(const char *line, size_t len, http_guard_head *guard,
                                    http_head *head)
{
    if (line[0] == ' ' || line[0] == '\t')
        return bad("obsolete line folding in a header");
    size_t n = token_len(line, len);
    if (n == 0 || n == len || line[n] != ':')
        return bad("malformed header line");
    const char *value = line + n + 1;
    size_t value_len = len - n - 1;
    for (size_t i = 0; i < value_len; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return bad("a control byte in a header value");
    }
    while (value_len > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        value_len--;
    }
    while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        value_len--;
    if (head->field_count >= HTTP_HEAD_FIELDS_MAX)
        return verdict(431, "invalid_request", "too many header fields");
    head->fields[head->field_count++] =
        (http_field){.name = line, .name_len = n, .value = value, .value_len = value_len};
    char name[32];
    if (n >= sizeof name)
        return verdict(0, NULL, NULL); /* longer than any name the guard counts */
    memcpy(name, line, n);
    name[n] = '\0';
    /* The guard reads the first Content-Length and Transfer-Encoding: keep those. */
    char *kept = head->guard_other;
    if (strcasecmp(name, "Content-Length") == 0 && guard->content_length_count == 0)
        kept = head->guard_content_length;
    else if (strcasecmp(name, "Transfer-Encoding") == 0 && guard->transfer_encoding_count == 0)
        kept = head->guard_transfer_encoding;
    if (value_len > HTTP_HEAD_VALUE_MAX)
        value_len = HTTP_HEAD_VALUE_MAX; /* a cut value stays wrong where it must be right */
    memcpy(kept, value, value_len);
    kept[value_len] = '\0';
    http_guard_add(guard, name, kept);
    return verdict(0, NULL, NULL);
}

/* A Content-Length of digits too long for any body: 413 rather than 400. */
static bool length_too_large(const http_guard_head *guard)
{
    if (guard->content_length_count != 1)
        return false;
    const char *v = guard->content_length;
    size_t n = strlen(v);
    return n > HTTP_HEAD_LENGTH_DIGITS_MAX && strspn(v, "0123456789") == n;
}

/* The head is whole and the guard's checks passed: what frames the body. */
static void framing(const http_guard_head *guard, http_head *head)
{
    head->chunked = guard->transfer_encoding_count == 1; /* the guard took only "chunked" */
    head->has_length = guard->content_length_count == 1;
    head->content_length = 0;
    if (head->has_length) { /* digits only, at most HTTP_HEAD_LENGTH_DIGITS_MAX of them */
        for (const char *p = guard->content_length; *p != '\0'; p++)
            head->content_length = head->content_length * 10 + (unsigned)(*p - '0');
    }
}

http_head_verdict http_head_parse(const char *bytes, size_t len, http_head *head)
{
    assert(bytes != NULL || len == 0);
    assert(head != NULL);
    head->field_count = 0;
    head->method = head->target = NULL;
    head->method_len = head->target_len = 0;
    head->guard_content_length[0] = head->guard_transfer_encoding[0] = '\0';
    http_guard_head guard = {0};
    size_t at = 0;
    /* RFC 9112 section 2.2: empty lines before the request line are ignored. */
    while (at < len && (bytes[at] == '\r' || bytes[at] == '\n'))
        at++;
    bool first = true;
    while (at < len) {
        const char *nl = memchr(bytes + at, '\n', len - at);
        if (nl == NULL)
            break;
        size_t line_len = (size_t)(nl - (bytes + at));
        if (line_len > 0 && bytes[at + line_len - 1] == '\r')
            line_len--;
        const char *line = bytes + at;
        at = (size_t)(nl - bytes) + 1;
        if (memchr(line, '\r', line_len) != NULL)
            return bad("a bare CR in the head");
        if (line_len == 0) {
            if (first)
                break;
            if (at > HTTP_HEAD_MAX)
                return verdict(431, "invalid_request", "request head too large");
            if (length_too_large(&guard))
                return verdict(413, "payload_too_large", "Content-Length past any body's limit");
            http_head_verdict v = {.complete = true, .guard = http_guard_check(&guard)};
            if (v.guard.status == 0) {
                framing(&guard, head);
                head->length = at;
            }
            return v;
        }
        http_head_verdict v = first ? request_line(line, line_len, &guard, head)
                                    : field_line(line, line_len, &guard, head);
        if (v.guard.status != 0)
            return v;
        first = false;
    }
    if (len >= HTTP_HEAD_MAX)
        return verdict(431, "invalid_request", "request head too large");
    http_head_verdict v = {.complete = false, .guard = {0}};
    return v;
}

const char *http_head_field(const http_head *head, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < head->field_count; i++) {
        const http_field *f = &head->fields[i];
        if (f->name_len == n && strncasecmp(f->name, name, n) == 0) {
            *len = f->value_len;
            return f->value;
        }
    }
    *len = 0;
    return NULL;
}

bool http_head_has_token(const http_head *head, const char *name, const char *token)
{
    size_t n = strlen(name), t = strlen(token);
    for (size_t i = 0; i < head->field_count; i++) {
        const http_field *f = &head->fields[i];
        if (f->name_len != n || strncasecmp(f->name, name, n) != 0)
            continue;
        const char *p = f->value, *end = f->value + f->value_len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
                p++;
            const char *start = p;
            while (p < end && *p != ',')
                p++;
            const char *stop = p;
            while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t'))
                stop--;
            if ((size_t)(stop - start) == t && strncasecmp(start, token, t) == 0)
                return true;
        }
    }
    return false;
}
