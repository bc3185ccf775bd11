/* SPDX-License-Identifier: MIT */
/*
 * disk_sync.c: the disk's own fdatasync rate in a directory, the ceiling of a
 * durable store that commits one decision at a time (bench/one-connection).
 *
 *   disk_sync DIR BYTES COUNT MAX_SECONDS append|wrap
 *
 * Creates a fresh file in DIR and runs COUNT steps (or stops after MAX_SECONDS),
 * each one write of BYTES, then fdatasync: what one lone commit of SQLite's WAL
 * costs the disk (a lone attempt's commit writes about 3 WAL frames). `append`
 * writes each step after the last, so every fdatasync also records the file's
 * new size (the WAL before its first checkpoint); `wrap` writes at the start
 * again once WRAP_BYTES are written (the WAL after a checkpoint: overwritten in
 * place, the size unchanged), the file first filled and synced. Prints one line:
 *
 *   mode=append bytes=12360 ops=2000 seconds=5.01 ops_per_second=399 p50_us=2380 p99_us=9120 cpu_us=41
 *
 * (cpu_us: the process's user and system CPU per step, the kernel's cost of a
 * write and an fdatasync.)
 *
 * Exit 1 on any failed call (then nothing is printed on stdout). The file is
 * removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BYTES_MAX (1 << 20)
#define COUNT_MAX 1000000
#define SECONDS_MAX 600
/* SQLite's WAL at its default autocheckpoint: 1000 frames of a 4096-byte page. */
#define WRAP_BYTES (1000L * (4096 + 24))

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
           ((long long)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int write_all(int fd, const char *buf, size_t len, off_t at)
{
    while (len > 0) {
        ssize_t w = pwrite(fd, buf, len, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
        at += w;
    }
    return 0;
}

static long parse(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "disk_sync: %s must be %ld..%ld\n", what, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[5], "append") != 0 && strcmp(argv[5], "wrap") != 0)) {
        fprintf(stderr, "usage: disk_sync DIR BYTES COUNT MAX_SECONDS append|wrap\n");
        return 2;
    }
    size_t bytes = (size_t)parse(argv[2], 1, BYTES_MAX, "BYTES");
    long count = parse(argv[3], 1, COUNT_MAX, "COUNT");
    long max_s = parse(argv[4], 1, SECONDS_MAX, "MAX_SECONDS");
    int wrap = strcmp(argv[5], "wrap") == 0;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/disk_sync.%ld", argv[1], (long)getpid()) >=
        (int)sizeof path) {
        fprintf(stderr, "disk_sync: directory name too long\n");
        return 2;
    }
    char *buf = malloc(bytes);
    long long *lat = malloc((size_t)count * sizeof *lat);
    if (buf == NULL || lat == NULL) {
        fprintf(stderr, "disk_sync: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < bytes; i++)
        buf[i] = (char)(i * 131 + 7); /* not zeros: nothing may elide the write */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "disk_sync: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = 0;
    long steps_per_lap = wrap ? (long)(WRAP_BYTES / (long)bytes) : 0;
    if (wrap) { /* the file exists at its size, as a WAL after its first lap */
        if (steps_per_lap < 1)
            steps_per_lap = 1;
        for (long i = 0; i < steps_per_lap && rc == 0; i++)
            rc = write_all(fd, buf, bytes, (off_t)i * (off_t)bytes);
        if (rc == 0)
            rc = fsync(fd);
    }
    long done = 0;
    long long cpu_start = cpu_ns();
    long long start = now_ns(), deadline = start + max_s * 1000000000LL;
    while (rc == 0 && done < count && now_ns() < deadline) {
        long slot = wrap ? done % steps_per_lap : done;
        long long t0 = now_ns();
        rc = write_all(fd, buf, bytes, (off_t)slot * (off_t)bytes);
        if (rc == 0)
            rc = fdatasync(fd);
        lat[done++] = now_ns() - t0;
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    long long cpu = cpu_ns() - cpu_start;
    if (rc != 0)
        fprintf(stderr, "disk_sync: %s: %s\n", path, strerror(errno));
    close(fd);
    unlink(path);
    if (rc != 0 || done == 0)
        return 1;
    qsort(lat, (size_t)done, sizeof *lat, cmp_ll);
    printf("mode=%s bytes=%zu ops=%ld seconds=%.3f ops_per_second=%.0f p50_us=%lld p99_us=%lld"
           " cpu_us=%lld\n",
           argv[5], bytes, done, seconds, (double)done / seconds, lat[done / 2] / 1000,
           lat[(done * 99) / 100] / 1000, cpu / done / 1000);
    free(lat);
    free(buf);
    return 0;
}
