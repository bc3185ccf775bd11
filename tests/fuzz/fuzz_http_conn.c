/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http_conn.c: a connection's reading side (src/server/http_conn.h) driven
 * from bytes, as the HTTP loop drives it from a socket. Input: one byte choosing
 * how the rest is cut into reads (1 to 256 bytes each), then what a client sent.
 * Properties: never crashes; every request is HEAD, BODY*, END (or BAD, last);
 * a Content-Length body delivers exactly its length; a head handed out is one
 * http_head_parse accepts; and the same bytes read whole or cut into pieces give
 * the same requests, the same body bytes and the same refusal.
 */
#include "fuzz/fuzz.h"
#include "server/http_conn.h"

#include <stdbool.h>
#include <string.h>

#define TRACE_MAX 64
#define FNV_PRIME 1099511628211u
#define FNV_BASIS 1469598103934665603u

/* What the requests were: HEAD (its framing), END (keep-alive, body bytes and
 * their hash), BAD (the status). Body bytes before a BAD are not kept: how many
 * came out before the fault depends on the cuts. */
typedef struct step_seen {
    int event;
    unsigned long long value;
    unsigned long long bytes;
    uint64_t hash;
} step_seen;

typedef struct trace {
    size_t count;
    step_seen at[TRACE_MAX];
} trace;

static void note(trace *t, int event, unsigned long long value, unsigned long long bytes,
                 uint64_t hash)
{
    if (t->count < TRACE_MAX)
        t->at[t->count++] = (step_seen){.event = event, .value = value, .bytes = bytes,
                                                .hash = hash};
}

static bool is_token(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL)
            return false;
    }
    return n > 0;
}

/* Feeds bytes step at a time; the body hash is per byte so cuts do not change it. */
static void run(const char *bytes, size_t size, size_t step, trace *t)
{
    memset(t, 0, sizeof *t);
    http_conn c;
    FUZZ_REQUIRE(http_conn_init(&c));
    size_t fed = 0;
    bool in_request = false;
    unsigned long long body = 0, declared = 0;
    uint64_t hash = FNV_BASIS;
    bool by_length = false;
    for (int guard = 0; guard < 1000000; guard++) {
        const char *data = NULL;
        size_t len = 0;
        http_conn_event ev = http_conn_next(&c, &data, &len);
        if (ev == HTTP_CONN_HEAD) {
            FUZZ_REQUIRE(!in_request);
            const http_head *h = http_conn_head(&c);
            FUZZ_REQUIRE(h->length > 0 && h->method_len > 0 && h->minor <= 1);
            FUZZ_REQUIRE(!(h->chunked && h->has_length));
            FUZZ_REQUIRE(is_token(h->method, h->method_len) && h->target_len > 0);
            FUZZ_REQUIRE(memchr(h->target, ' ', h->target_len) == NULL);
            in_request = true;
            body = 0;
            hash = FNV_BASIS;
            by_length = h->has_length;
            declared = h->content_length;
            note(t, ev, h->chunked ? 1ull << 62 : h->content_length, 0, 0);
            continue;
        }
        if (ev == HTTP_CONN_BODY) {
            FUZZ_REQUIRE(in_request && len > 0 && data != NULL);
            body += len;
            FUZZ_REQUIRE(!by_length || body <= declared);
            for (size_t i = 0; i < len; i++)
                hash = (hash ^ (unsigned char)data[i]) * FNV_PRIME;
            continue;
        }
        if (ev == HTTP_CONN_END) {
            FUZZ_REQUIRE(in_request);
            FUZZ_REQUIRE(!by_length || body == declared);
            in_request = false;
            note(t, ev, c.keep_alive, body, hash);
            http_conn_finish(&c, c.keep_alive);
            if (!c.keep_alive)
                break;
            continue;
        }
        if (ev == HTTP_CONN_BAD) {
            http_guard_verdict v = http_conn_refusal(&c);
            FUZZ_REQUIRE(v.status >= 400 && v.status <= 505 && v.error != NULL && v.detail != NULL);
            note(t, ev, v.status, 0, 0);
            const char *d2 = NULL;
            size_t l2 = 0;
            FUZZ_REQUIRE(http_conn_next(&c, &d2, &l2) == HTTP_CONN_MORE);
            break;
        }
        FUZZ_REQUIRE(ev == HTTP_CONN_MORE);
        if (fed == size)
            break;
        size_t room = 0;
        char *at = http_conn_room(&c, &room);
        FUZZ_REQUIRE(at != NULL);
        if (room == 0)
            break; /* full and nothing taken: only a head past its limit, refused before */
        size_t n = size - fed < step ? size - fed : step;
        n = n < room ? n : room;
        memcpy(at, bytes + fed, n);
        http_conn_filled(&c, n);
        fed += n;
    }
    http_conn_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    const char *bytes = (const char *)data + 1;
    size -= 1;
    static trace whole, cut;
    run(bytes, size, size > 0 ? size : 1, &whole);
    run(bytes, size, step, &cut);
    FUZZ_REQUIRE(whole.count == cut.count);
    for (size_t i = 0; i < whole.count; i++) {
        FUZZ_REQUIRE(whole.at[i].event == cut.at[i].event);
        FUZZ_REQUIRE(whole.at[i].value == cut.at[i].value);
        FUZZ_REQUIRE(whole.at[i].bytes == cut.at[i].bytes);
        FUZZ_REQUIRE(whole.at[i].hash == cut.at[i].hash);
    }
    return 0;
}
