/* SPDX-License-Identifier: MIT */
/*
 * json_alloc.h: jansson's allocator for the service. It tells a failed
 * allocation inside jansson from bad input: jansson reports some of its
 * allocation failures as syntax errors ("malformed JSON"), so its error code
 * alone would blame the client for the server's shortage of memory (issue 13).
 * json_alloc_install() wraps the allocator jansson has at that moment and counts,
 * per thread, the allocations that failed.
 *
 * It also gives a decode one arena (json_alloc_arena_begin/end): a parsed body's
 * tree is a dozen small allocations per attempt, all released together when the
 * decode is done, and malloc and free of each of them cost a fifth of a decode.
 * Inside an arena, this thread's jansson allocations are cut from a few large
 * blocks taken from the wrapped allocator (so its failures are counted as
 * before), their frees do nothing, and the end returns the blocks at once.
 */
#ifndef BOOKING_JSON_ALLOC_H
#define BOOKING_JSON_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Wraps jansson's current allocator (json_get_alloc_funcs) with the counting one.
 * Call once, before any thread uses jansson; a second call does nothing. */
void json_alloc_install(void);

/* How many of jansson's allocations failed on this thread since it started
 * (0 while json_alloc_install was not called): compare before and after a call. */
unsigned long json_alloc_failures(void);

/* Starts this thread's arena: until json_alloc_arena_end, what jansson allocates
 * on this thread comes from it. Arenas do not nest. Every value allocated inside
 * must be released (json_decref) before the end, and none may reach another
 * thread: the end frees their memory whether they were released or not.
 * Without json_alloc_install, allocations go to jansson's allocator as ever. */
void json_alloc_arena_begin(void);
void json_alloc_arena_end(void);

/* Whether this thread is inside an arena (for the assertions of its callers). */
bool json_alloc_arena_active(void);

/* Memory from the wrapped allocator, never from an arena, its failures counted
 * like jansson's: for the yajl parser's pool (json/request_decode_yajl.c), so
 * that the allocator the tests fail on demand fails the yajl path too. Without
 * json_alloc_install, malloc and free. Release with json_alloc_free. */
void *json_alloc_malloc(size_t size);
void json_alloc_free(void *p);

#endif
