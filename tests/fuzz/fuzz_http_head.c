/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http_head.c: the gate's strict reading of a first request head (src/server/
 * http_head.h). Input: the bytes a client sent. Properties: never crashes; an
 * accepted head ended with an empty line inside the input, starts (after empty
 * lines) with a method token and a space, holds no NUL or bare CR before its end,
 * and is HTTP/1.0 or HTTP/1.1; an incomplete one is shorter than HTTP_HEAD_MAX;
 * a refusal is one of the statuses the gate answers.
 */
#include "fuzz/fuzz.h"
#include "server/http_head.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bytes = (const char *)data;
    static http_head head; /* large: kept off the stack */
    http_head_verdict v = http_head_parse(bytes, size, &head);
    if (!v.complete) {
        FUZZ_REQUIRE(v.guard.status == 0 && size < HTTP_HEAD_MAX);
        return 0;
    }
    unsigned st = v.guard.status;
    FUZZ_REQUIRE(st == 0 || st == 400 || st == 413 || st == 431 || st == 501 || st == 505);
    FUZZ_REQUIRE((st == 0) == (v.guard.error == NULL));
    if (st != 0)
        return 0;
    size_t at = 0;
    while (at < size && (bytes[at] == '\r' || bytes[at] == '\n'))
        at++;
    /* The end: the first empty line after the request line. */
    const char *end = NULL;
    for (size_t i = at; i + 1 < size && end == NULL; i++) {
        if (bytes[i] == '\n' && bytes[i + 1] == '\n')
            end = bytes + i + 2;
        else if (bytes[i] == '\n' && i + 2 < size && bytes[i + 1] == '\r' && bytes[i + 2] == '\n')
            end = bytes + i + 3;
    }
    FUZZ_REQUIRE(end != NULL);
    size_t head_len = (size_t)(end - (bytes + at));
    FUZZ_REQUIRE(memchr(bytes + at, '\0', head_len) == NULL);
    const char *space = memchr(bytes + at, ' ', head_len);
    FUZZ_REQUIRE(space != NULL && space > bytes + at);
    const char *eol = memchr(bytes + at, '\n', head_len);
    size_t line_len = (size_t)(eol - (bytes + at));
    if (line_len > 0 && bytes[at + line_len - 1] == '\r')
        line_len--;
    FUZZ_REQUIRE(line_len >= 8);
    FUZZ_REQUIRE(memcmp(bytes + at + line_len - 8, "HTTP/1.", 7) == 0);
    return 0;
}
