/* SPDX-License-Identifier: MIT */
/*
 * json_cost.c: the JSON share of an attempt, for callgrind (bench/json-cost/README.md).
 * Decodes attempt bodies as booking serve does (decode_attempts) and writes their
 * answers (reply_attempt, reply_batch), for bodies made before the measured part:
 * single bodies {"booking_id":"<uuid4>","resource_id":"hot","units":1} or batches
 * of them. The measured part is json_cost_run, so that
 * `valgrind --tool=callgrind --toggle-collect=json_cost_run` counts it alone.
 */
#include "json/json_alloc.h"
#include "json/request_decode.h"
#include "server/endpoints.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One attempt of a body, as bench/http-layer/attempt.lua sends it. */
#define JSON_COST_ATTEMPT_MAX 96

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int put_attempt(char *p, size_t room)
{
    unsigned char b[16];
    for (int i = 0; i < 16; i++)
        b[i] = (unsigned char)rng_next();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
    return snprintf(p, room,
                    "{\"booking_id\":\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                    "%02x%02x%02x%02x%02x%02x\",\"resource_id\":\"hot\",\"units\":1}",
                    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                    b[12], b[13], b[14], b[15]);
}

/* A body of count attempts: a single one, or {"attempts":[...]} when batch. */
static char *make_body(size_t count, int batch, size_t *len)
{
    size_t room = 32 + count * (JSON_COST_ATTEMPT_MAX + 1);
    char *body = malloc(room);
    if (body == NULL)
        return NULL;
    size_t n = 0;
    if (batch)
        n += (size_t)snprintf(body, room, "{\"attempts\":[");
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            body[n++] = ',';
        n += (size_t)put_attempt(body + n, room - n);
    }
    if (batch)
        n += (size_t)snprintf(body + n, room - n, "]}");
    *len = n;
    return body;
}

size_t json_cost_run(char **bodies, const size_t *lens, size_t n, int batch,
                     booking_result *results);

/* Decodes and answers every body; returns the bytes answered (so nothing is
 * optimised away), or 0 on a failure. */
__attribute__((noinline)) size_t json_cost_run(char **bodies, const size_t *lens, size_t n,
                                               int batch, booking_result *results)
{
    size_t answered = 0;
    for (size_t i = 0; i < n; i++) {
        decoded_attempts d;
        request_decode_result r = decode_attempts(bodies[i], lens[i], batch, &d);
        if (r.status != REQUEST_DECODE_OK) {
            fprintf(stderr, "json_cost: body %zu refused: %s\n", i, r.detail);
            return 0;
        }
        http_reply reply = batch ? reply_batch(d.requests, results, d.count)
                                 : reply_attempt(d.requests, results);
        if (reply.text == NULL) {
            json_decref(reply.body);
            decoded_attempts_free(&d);
            return 0;
        }
        answered += reply.text_len;
        free(reply.text);
        decoded_attempts_free(&d);
    }
    return answered;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: json_cost ATTEMPTS_PER_BODY BODIES\n"
                        "  ATTEMPTS_PER_BODY 0: single bodies (POST /v1/bookings);\n"
                        "  1..%d: batch bodies of that many attempts\n",
                BOOKING_BATCH_MAX);
        return 2;
    }
    long per = strtol(argv[1], NULL, 10), n = strtol(argv[2], NULL, 10);
    if (per < 0 || per > BOOKING_BATCH_MAX || n < 1 || n > 1000000)
        return 2;
    int batch = per > 0;
    size_t count = batch ? (size_t)per : 1;
    json_alloc_install(); /* as booking serve does */
    char **bodies = calloc((size_t)n, sizeof *bodies);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    booking_result *results = calloc(count, sizeof *results);
    if (bodies == NULL || lens == NULL || results == NULL)
        return 1;
    for (size_t i = 0; i < count; i++)
        results[i] = (booking_result){.outcome = BOOKING_BOOKED, .reason = BOOKING_REASON_BOOKED,
                                      .status = BOOKING_STATUS_ACTIVE};
    for (long i = 0; i < n; i++)
        if ((bodies[i] = make_body(count, batch, &lens[i])) == NULL)
            return 1;
    size_t answered = json_cost_run(bodies, lens, (size_t)n, batch, results);
    printf("%ld bodies of %zu attempt(s): %zu bytes answered\n", n, count, answered);
    for (long i = 0; i < n; i++)
        free(bodies[i]);
    free(bodies);
    free(lens);
    free(results);
    return answered > 0 ? 0 : 1;
}
