/* SPDX-License-Identifier: MIT */
/*
 * test_support.c: temporary directories and unique ids for the suite.
 */
#include "support/test_support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir_path[512];
static unsigned long unique_counter;

const char *test_tmpdir(void)
{
    if (tmpdir_path[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir_path, sizeof tmpdir_path, "%s/booking-test-XXXXXX",
                 base && base[0] ? base : "/tmp");
        if (mkdtemp(tmpdir_path) == NULL) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return tmpdir_path;
}

void test_tmpdir_remove(void)
{
    if (tmpdir_path[0] == '\0')
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir_path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir_path);
    tmpdir_path[0] = '\0';
}

void test_unique_id(char *out, size_t size, const char *prefix)
{
    snprintf(out, size, "%s-%ld-%lu", prefix, (long)getpid(), ++unique_counter);
}

bool test_url_expand(const char *url_template, char *out, size_t size)
{
    static const char placeholder[] = "@TMP@";
    const size_t placeholder_len = sizeof placeholder - 1;
    size_t used = 0;
    for (const char *p = url_template; *p != '\0';) {
        const char *piece = p;
        size_t len = 1;
        if (strncmp(p, placeholder, placeholder_len) == 0) {
            piece = test_tmpdir();
            len = strlen(piece);
            p += placeholder_len;
        } else {
            p++;
        }
        if (used + len >= size)
            return false;
        memcpy(out + used, piece, len);
        used += len;
    }
    if (size == 0)
        return false;
    out[used] = '\0';
    return true;
}

bool test_run_processes(unsigned n, int (*child)(unsigned index))
{
    if (n > TEST_PROCESSES_MAX)
        return false;
    fflush(NULL);
    pid_t pids[TEST_PROCESSES_MAX];
    unsigned forked = 0;
    for (unsigned i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            int status = child(i);
            fflush(NULL);
            _exit(status);
        }
        if (pid < 0) {
            perror("fork");
            break;
        }
        pids[forked++] = pid;
    }
    bool ok = forked == n;
    for (unsigned i = 0; i < forked; i++) {
        int status = 0;
        pid_t r;
        do {
            r = waitpid(pids[i], &status, 0);
        } while (r < 0 && errno == EINTR);
        if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "process %u did not finish well (status %d)\n", i, status);
            ok = false;
        }
    }
    return ok;
}
