/* SPDX-License-Identifier: MIT */
/*
 * http_guard.c: the request-head checks of SPEC section 5 beyond the syntax
 * (http_head.c). Every refusal here is one a lenient server lets through with a
 * guess: the first of two Content-Lengths, the chunked framing beside a
 * Content-Length, an id cut at a raw NUL.
 */
#include "server/http_guard.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

/* A Content-Length longer than this cannot be a body the service reads. */
#define HTTP_GUARD_CONTENT_LENGTH_DIGITS_MAX 19

void http_guard_add(http_guard_head *head, const char *name, const char *value)
{
    assert(head != NULL && name != NULL);
    if (value == NULL)
        value = "";
    if (strcasecmp(name, "Content-Length") == 0) {
        if (head->content_length_count++ == 0)
            head->content_length = value;
    } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
        if (head->transfer_encoding_count++ == 0)
            head->transfer_encoding = value;
    } else if (strcasecmp(name, "Host") == 0) {
        head->host_count++;
    }
}

/* Every refusal, the 501 too, is invalid_request: SPEC section 5's error words are a
 * closed list. */
static http_guard_verdict refuse(unsigned status, const char *detail)
{
    return (http_guard_verdict){.status = status, .error = "invalid_request", .detail = detail};
}

/* RFC 9112 section 3.2: the target is visible ASCII; a raw byte outside it
 * (NUL, a control byte, DEL, 8-bit) must be percent-encoded. */
bool http_guard_target_valid(const char *target, size_t len)
{
    assert(target != NULL || len == 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= 0x20 || c >= 0x7f)
            return false;
    }
    return true;
}

static bool all_digits(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > HTTP_GUARD_CONTENT_LENGTH_DIGITS_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

http_guard_verdict http_guard_check(const http_guard_head *head)
{
    assert(head != NULL);
    if (head->target_cut || head->target_bad)
        return refuse(400, "the request target holds a raw NUL, control or non-ASCII byte");
    if (head->content_length_count > 1)
        return refuse(400, "more than one Content-Length");
    if (head->transfer_encoding_count > 0 && head->content_length_count > 0)
        return refuse(400, "both Content-Length and Transfer-Encoding");
    if (head->transfer_encoding_count > 1 ||
        (head->transfer_encoding_count == 1 && strcasecmp(head->transfer_encoding, "chunked") != 0))
        return refuse(501, "a transfer coding other than chunked is not implemented");
    if (head->content_length_count == 1 && !all_digits(head->content_length))
        return refuse(400, "Content-Length is not a number of bytes");
    bool http11 = head->version != NULL && strcmp(head->version, "HTTP/1.1") == 0;
    if (head->host_count > 1 || (http11 && head->host_count == 0))
        return refuse(400, "HTTP/1.1 needs exactly one Host");
    return (http_guard_verdict){.status = 0, .error = NULL, .detail = NULL};
}

bool http_guard_media_type_is_json(const char *value)
{
    static const char json[] = "application/json";
    const size_t len = sizeof json - 1;
    assert(value != NULL);
    while (*value == ' ' || *value == '\t')
        value++;
    if (strncasecmp(value, json, len) != 0)
        return false;
    char next = value[len];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}
