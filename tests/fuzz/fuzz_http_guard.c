/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http_guard.c: the request-head checks of the service (src/server/
 * http_guard.h). Input: a head, "TARGET VERSION" then "Name: value" lines, LF
 * separated; bytes are taken raw, NULs included. Properties: never crashes; an
 * accepted head has one Content-Length at most, of digits, never beside a
 * Transfer-Encoding, no coding but chunked, a visible-ASCII target, and on
 * HTTP/1.1 exactly one Host; an accepted media type is application/json.
 */
#include "fuzz/fuzz.h"
#include "server/http_guard.h"

#include <string.h>
#include <strings.h>

#define FUZZ_HEADERS_MAX 64
#define FUZZ_LINE_MAX 512

static size_t next_line(const uint8_t *data, size_t size, size_t at, char *out, size_t *len)
{
    size_t n = 0;
    while (at < size && data[at] != '\n') {
        if (n + 1 < FUZZ_LINE_MAX)
            out[n++] = (char)data[at];
        at++;
    }
    out[n] = '\0';
    *len = n;
    return at < size ? at + 1 : at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char lines[FUZZ_HEADERS_MAX + 1][FUZZ_LINE_MAX];
    size_t at = 0, len = 0;
    at = next_line(data, size, at, lines[0], &len);
    /* The first line: target (raw, up to the last space), then the version. */
    char *space = NULL;
    for (size_t i = len; i > 0; i--) {
        if (lines[0][i - 1] == ' ') {
            space = &lines[0][i - 1];
            break;
        }
    }
    size_t target_len = space != NULL ? (size_t)(space - lines[0]) : len;
    const char *version = space != NULL ? space + 1 : "HTTP/1.1";
    http_guard_head head = {0};
    head.target_bad = !http_guard_target_valid(lines[0], target_len);
    head.target_cut = memchr(lines[0], '\0', target_len) != NULL;
    head.version = version;
    unsigned cl = 0, te = 0, host = 0;
    for (size_t h = 1; h <= FUZZ_HEADERS_MAX && at < size; h++) {
        at = next_line(data, size, at, lines[h], &len);
        char *colon = strchr(lines[h], ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        const char *value = colon + 1;
        while (*value == ' ')
            value++;
        cl += strcasecmp(lines[h], "Content-Length") == 0;
        te += strcasecmp(lines[h], "Transfer-Encoding") == 0;
        host += strcasecmp(lines[h], "Host") == 0;
        http_guard_add(&head, lines[h], value);
        if (http_guard_media_type_is_json(value))
            FUZZ_REQUIRE(strncasecmp(value + strspn(value, " \t"), "application/json", 16) == 0);
    }
    http_guard_verdict v = http_guard_check(&head);
    FUZZ_REQUIRE(v.status == 0 || v.status == 400 || v.status == 501);
    FUZZ_REQUIRE((v.status == 0) == (v.error == NULL));
    if (v.status == 0) {
        FUZZ_REQUIRE(cl <= 1 && !(cl > 0 && te > 0) && te <= 1);
        FUZZ_REQUIRE(te == 0 || strcasecmp(head.transfer_encoding, "chunked") == 0);
        FUZZ_REQUIRE(cl == 0 || strspn(head.content_length, "0123456789") ==
                                    strlen(head.content_length));
        FUZZ_REQUIRE(memchr(lines[0], '\0', target_len) == NULL);
        for (size_t i = 0; i < target_len; i++)
            FUZZ_REQUIRE((unsigned char)lines[0][i] > 0x20 && (unsigned char)lines[0][i] < 0x7f);
        FUZZ_REQUIRE(strcmp(version, "HTTP/1.1") != 0 || host == 1);
    }
    return 0;
}
