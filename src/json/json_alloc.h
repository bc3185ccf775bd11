/* SPDX-License-Identifier: MIT */
/*
 * json_alloc.h: tells a failed allocation inside jansson from bad input. jansson
 * reports some of its allocation failures as syntax errors ("malformed JSON"), so
 * its error code alone would blame the client for the server's shortage of memory
 * (issue 13). json_alloc_install() wraps the allocator jansson has at that moment
 * and counts, per thread, the allocations that failed.
 */
#ifndef BOOKING_JSON_ALLOC_H
#define BOOKING_JSON_ALLOC_H

/* Wraps jansson's current allocator (json_get_alloc_funcs) with the counting one.
 * Call once, before any thread uses jansson; a second call does nothing. */
void json_alloc_install(void);

/* How many of jansson's allocations failed on this thread since it started
 * (0 while json_alloc_install was not called): compare before and after a call. */
unsigned long json_alloc_failures(void);

#endif
