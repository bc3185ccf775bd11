/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what every fuzz target defines (the libFuzzer entry point) and how a
 * target reports a broken property: it aborts, which libFuzzer and the corpus
 * replay both report as a failure with the input that caused it.
 */
#ifndef BOOKING_TEST_FUZZ_H
#define BOOKING_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REQUIRE(cond)                                                                   \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

#endif
