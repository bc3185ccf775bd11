/* SPDX-License-Identifier: MIT */
/*
 * sqlite_snapshot_file.h: a test's hand on the booking_id index snapshot inside a
 * sqlite store file (src/store/sqlite_index_snapshot.h): its head and its slots
 * read and written back with their checksums recomputed, so a test can put a
 * snapshot in front of one load-time check (the format, the probe, the geometry,
 * the slots, the samples) with every checksum before it passing.
 *
 * The checksums are this file's copy of the loader's computation (the same
 * hash_bytes of util/hash.h, over the seed and probe text the loader's header
 * defines, SQLITE_INDEX_SNAPSHOT_CHECKSUM_SEED and _PROBE_TEXT); every read asserts that the copy
 * reproduces what the store wrote (head checksum, probe, chunk checksum), so a
 * drift of the loader's makes the tests fail loudly instead of being rejected by
 * a checksum they did not mean to reach.
 */
#ifndef BOOKING_TEST_SQLITE_SNAPSHOT_FILE_H
#define BOOKING_TEST_SQLITE_SNAPSHOT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The head row's fields, in the order of its columns (and of its checksum). */
typedef struct snapshot_head {
    int64_t format, latest, seed, probe, bits, count, chunks;
} snapshot_head;

/* The probe of the hash function under seed, as the store writes it. */
uint64_t snapshot_probe_of(uint64_t seed);

/* The head of the file's snapshot; fails the test (cmocka) if there is none or its
 * stored checksum or probe is not what this copy computes. */
void snapshot_head_read(const char *path, snapshot_head *h);
/* Replaces the head by h, with h's checksum recomputed. */
void snapshot_head_write(const char *path, const snapshot_head *h);

/* The slots of a one-chunk snapshot (1 << bits of them, host order), malloc'd;
 * fails the test if it has several chunks or chunk 0's checksum is not what this
 * copy computes. */
uint64_t *snapshot_slots_read(const char *path, unsigned *bits);
/* Replaces chunk 0 by slots (1 << bits), with its checksum recomputed. */
void snapshot_slots_write(const char *path, const uint64_t *slots, unsigned bits);

/* Whether the loader samples slot j of slots (1 << bits): it looks up the record
 * of the first non-empty slot at or after k * (n / SAMPLES), k = 1 .. SAMPLES-1
 * (sqlite_index_snapshot.c, bk_sqlite_index_snapshot_load). */
bool snapshot_slot_sampled(const uint64_t *slots, unsigned bits, size_t j);

#endif
