/* SPDX-License-Identifier: MIT */
/*
 * sqlite_ids.c: the sqlite store's write rate as it grows, with random UUIDv4
 * booking ids (what most clients send as idempotency keys) or sequential ones,
 * in process, on the public API only.
 *
 *   sqlite_ids PATH TOTAL BATCH uuid4|seq [MAX_SECONDS [LIST_PAGES]]
 *
 * Appends TOTAL new decisions (one unit each, of RESOURCES resources in turn, every
 * one BOOKED) in batches of BATCH (booking_attempt_batch), and prints one line per
 * REPORT_EVERY decisions: decisions stored, the rate over that step, ns per
 * attempt, the process's RSS and the file's size (db + wal). It first prints how
 * long the open took and the RSS it added, then how long the first call took
 * (the store's in-memory booking_id index is built by the first call that needs
 * it, not by the open, and loaded from the file's snapshot of it when there is
 * one), and at the end how long the close took (it writes that snapshot when
 * the index grew). Bounded: stops at TOTAL or after MAX_SECONDS (default 1800). Every
 * answer is checked to be a new BOOKED decision, and after the store is closed the
 * records in the file are counted (sqlite3, read-only): the run fails unless it
 * added exactly one record per answer. With LIST_PAGES, it then pages
 * through resource r0's bookings (limit BOOKING_LIST_LIMIT_DEFAULT) that many
 * pages and prints the mean time per page. TOTAL may be 0 (open, and list). Build (from a configured build/):
 *   cc -O2 -Iinclude bench/sqlite-ids/sqlite_ids.c build/src/libbooking.a \
 *      build/src/libbooking_internal.a build/src/libbooking_core.a -lsqlite3 -lpq -lpthread -lm
 */
#include "booking.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RESOURCES 16
#define REPORT_EVERY 1000000
#define MAX_SECONDS_DEFAULT 1800
#define UUID_LEN 36

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long long file_mb(const char *path)
{
    char wal[4200];
    struct stat a = {0}, b = {0};
    snprintf(wal, sizeof wal, "%s-wal", path);
    stat(path, &a);
    stat(wal, &b);
    return (long long)((a.st_size + b.st_size) >> 20);
}

/* The decision records the file holds (0 for a file not there yet), or -1. */
static long long records_in(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long long n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM bookings", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A random UUIDv4 in its 8-4-4-4-12 text form. */
static void uuid4(char out[UUID_LEN + 1])
{
    uint64_t hi = next_u64(), lo = next_u64();
    hi = (hi & ~0xF000ull) | 0x4000ull;                         /* version 4 */
    lo = (lo & ~(0xC000000000000000ull)) | 0x8000000000000000ull; /* variant 10 */
    snprintf(out, UUID_LEN + 1, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
             hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48, lo & (uint64_t)0xFFFFFFFFFFFF);
}

int main(int argc, char **argv)
{
    if (argc < 5 || (strcmp(argv[4], "uuid4") != 0 && strcmp(argv[4], "seq") != 0)) {
        fprintf(stderr, "usage: %s PATH TOTAL BATCH uuid4|seq [MAX_SECONDS]\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    long long total = atoll(argv[2]);
    long batch = atol(argv[3]);
    bool seq = strcmp(argv[4], "seq") == 0;
    double max_s = argc > 5 ? atof(argv[5]) : MAX_SECONDS_DEFAULT;
    long list_pages = argc > 6 ? atol(argv[6]) : 0;
    if (total < 0 || batch < 1 || batch > BOOKING_BATCH_MAX || max_s <= 0) {
        fprintf(stderr, "TOTAL >= 0, BATCH 1..%d, MAX_SECONDS > 0\n", BOOKING_BATCH_MAX);
        return 2;
    }
    FILE *u = fopen("/dev/urandom", "rb");
    if (u == NULL || fread(&rng_state, sizeof rng_state, 1, u) != 1)
        return 1;
    fclose(u);
    char url[4200], why[512] = "";
    snprintf(url, sizeof url, "sqlite:%s", path);
    long long records_before = records_in(path);
    if (records_before < 0) {
        fprintf(stderr, "%s: cannot count its records\n", path);
        return 1;
    }
    booking_store *s = NULL;
    long rss0 = rss_kb();
    double t0 = now_s();
    if (booking_store_open(url, &s, why, sizeof why) != BOOKING_OK) {
        fprintf(stderr, "open %s: %s\n", url, why);
        return 1;
    }
    double opened = now_s() - t0;
    printf("open %.3f s, rss +%ld MB (rss %ld MB), file %lld MB\n", opened,
           (rss_kb() - rss0) / 1024, rss_kb() / 1024, file_mb(path));
    booking_reason reason;
    char rid[RESOURCES][16];
    for (int i = 0; i < RESOURCES; i++) {
        snprintf(rid[i], sizeof rid[i], "r%d", i);
        if (booking_set_capacity(s, rid[i], BOOKING_CAPACITY_MAX, &reason, NULL) != BOOKING_OK)
            return 1;
    }
    booking_request *req = calloc((size_t)batch, sizeof *req);
    booking_result *res = calloc((size_t)batch, sizeof *res);
    char (*ids)[UUID_LEN + 1] = calloc((size_t)batch, sizeof *ids);
    if (req == NULL || res == NULL || ids == NULL)
        return 1;
    uint64_t seq_base = (uint64_t)time(NULL) * 1000000000ull; /* a run's own range */
    long long done = 0, step_done = 0;
    double start = now_s(), step_start = start, worst = 0;
    while (done < total && now_s() - start < max_s) {
        long n = total - done < batch ? (long)(total - done) : batch;
        for (long i = 0; i < n; i++) {
            if (seq)
                snprintf(ids[i], sizeof ids[i], "b-%020" PRIu64, seq_base + (uint64_t)(done + i));
            else
                uuid4(ids[i]);
            req[i] = (booking_request){.booking_id = ids[i],
                                       .resource_id = rid[(done + i) % RESOURCES], .units = 1};
        }
        double c0 = now_s();
        if (booking_attempt_batch(s, req, (size_t)n, res) != BOOKING_OK)
            return 1;
        double took = now_s() - c0;
        if (done == 0) /* the booking_id index is built by the first call that needs it */
            printf("first call %.3f s (open to first answer %.3f s)\n", took, now_s() - t0);
        worst = took > worst ? took : worst;
        for (long i = 0; i < n; i++) {
            if (res[i].outcome != BOOKING_BOOKED || res[i].replayed) {
                fprintf(stderr, "attempt %s: %s%s\n", ids[i], booking_reason_name(res[i].reason),
                        res[i].replayed ? " (replayed)" : "");
                return 1;
            }
        }
        done += n;
        step_done += n;
        if (step_done >= REPORT_EVERY || done == total) {
            double t = now_s() - step_start;
            printf("stored +%lld = %lld: %.0f/s, %.0f ns/attempt, worst call %.1f ms, rss %ld MB,"
                   " file %lld MB\n",
                   step_done, done, (double)step_done / t, t * 1e9 / (double)step_done,
                   worst * 1e3, rss_kb() / 1024, file_mb(path));
            fflush(stdout);
            step_done = 0;
            worst = 0;
            step_start = now_s();
        }
    }
    printf("total %lld in %.1f s\n", done, now_s() - start);
    static booking_record page[BOOKING_LIST_LIMIT_DEFAULT];
    char after[BOOKING_ID_LEN_MAX + 1] = "";
    double l0 = now_s();
    long pages = 0;
    for (; pages < list_pages; pages++) {
        size_t count = 0;
        char next[BOOKING_LIST_NEXT_SIZE] = "";
        if (booking_list_bookings(s, rid[0], BOOKING_LIST_ALL, pages ? after : NULL,
                                  BOOKING_LIST_LIMIT_DEFAULT, &reason, page, &count,
                                  next) != BOOKING_OK ||
            reason != BOOKING_REASON_OK) {
            fprintf(stderr, "list: %s\n", booking_reason_name(reason));
            return 1;
        }
        if (next[0] == '\0')
            break;
        memcpy(after, next, sizeof after);
    }
    if (list_pages > 0)
        printf("list %ld pages of %d: %.2f ms per page\n", pages, BOOKING_LIST_LIMIT_DEFAULT,
               pages ? (now_s() - l0) * 1e3 / (double)pages : 0.0);
    double c0 = now_s();
    booking_store_close(s); /* writes the booking_id index's snapshot when it grew */
    printf("close %.3f s, file %lld MB\n", now_s() - c0, file_mb(path));
    long long records_after = records_in(path);
    if (records_after - records_before != done) {
        fprintf(stderr, "%s: %lld new records for %lld new decisions answered\n", path,
                records_after - records_before, done);
        return 1;
    }
    printf("counted %lld new records in the file for %lld answers\n",
           records_after - records_before, done);
    free(req);
    free(res);
    free(ids);
    return 0;
}
