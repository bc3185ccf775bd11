/* SPDX-License-Identifier: MIT */
/*
 * process_metrics.c: process_* from /proc/self (proc(5)) and booking_build_info.
 * Names, types and units as the Prometheus client libraries give them, so the
 * usual dashboards work unchanged.
 */
#include "server/process_metrics.h"
#include "util/build_info.h"

#include "booking.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PROC_STAT_LEN_MAX 2048

typedef struct proc_stat {
    unsigned long long utime_ticks, stime_ticks, start_ticks, vsize_bytes;
    long long rss_pages;
} proc_stat;

/* /proc/self/stat: fields 14, 15 (user and system CPU), 22 (start time since
 * boot), 23 (virtual size) and 24 (resident pages); field 2, the command, is in
 * parentheses and may hold spaces, so parsing starts after its last ')'. */
static bool read_proc_stat(proc_stat *out)
{
    char text[PROC_STAT_LEN_MAX];
    FILE *f = fopen("/proc/self/stat", "r");
    if (f == NULL)
        return false;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = strrchr(text, ')');
    if (p == NULL)
        return false;
    /* After ") ": field 3 (state) onwards. */
    int got = sscanf(p + 2,
                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                     "%*d %*d %llu %llu %lld",
                     &out->utime_ticks, &out->stime_ticks, &out->start_ticks, &out->vsize_bytes,
                     &out->rss_pages);
    return got == 5;
}

/* The boot time, seconds since the epoch: the btime line of /proc/stat. */
static bool read_boot_time(unsigned long long *out)
{
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return false;
    char line[256];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = sscanf(line, "btime %llu", out) == 1;
    fclose(f);
    return found;
}

static long count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    long n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

void bk_metrics_render_process(FILE *f)
{
    long ticks = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    proc_stat st;
    if (ticks > 0 && page > 0 && read_proc_stat(&st)) {
        fprintf(f,
                "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                "# TYPE process_cpu_seconds_total counter\n"
                "process_cpu_seconds_total %.2f\n"
                "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                "# TYPE process_resident_memory_bytes gauge\n"
                "process_resident_memory_bytes %lld\n"
                "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                "# TYPE process_virtual_memory_bytes gauge\n"
                "process_virtual_memory_bytes %llu\n",
                (double)(st.utime_ticks + st.stime_ticks) / (double)ticks,
                st.rss_pages * (long long)page, st.vsize_bytes);
        unsigned long long boot;
        if (read_boot_time(&boot))
            fprintf(f,
                    "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                    "# TYPE process_start_time_seconds gauge\n"
                    "process_start_time_seconds %.2f\n",
                    (double)boot + (double)st.start_ticks / (double)ticks);
    }
    long fds = count_open_fds();
    if (fds >= 0)
        fprintf(f,
                "# HELP process_open_fds Number of open file descriptors.\n"
                "# TYPE process_open_fds gauge\n"
                "process_open_fds %ld\n",
                fds);
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
        fprintf(f,
                "# HELP process_max_fds Maximum number of open file descriptors.\n"
                "# TYPE process_max_fds gauge\n"
                "process_max_fds %llu\n",
                (unsigned long long)lim.rlim_cur);
    fprintf(f,
            "# HELP booking_build_info The build of this booking: version, store engines, commit, compiler.\n"
            "# TYPE booking_build_info gauge\n"
            "booking_build_info{version=\"%s\",stores=\"%s\",commit=\"%s\",compiler=\"%s\"} 1\n",
            booking_version(), BOOKING_BUILD_STORES, BOOKING_BUILD_COMMIT, BOOKING_BUILD_COMPILER);
}
