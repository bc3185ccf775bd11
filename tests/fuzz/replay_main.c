/* SPDX-License-Identifier: MIT */
/*
 * replay_main.c: in builds without libFuzzer, runs a fuzz target over every file
 * of the corpus directories given as arguments, so `make test` replays the
 * committed corpus (under the plain and the ASan trees). An empty corpus fails.
 */
#include "fuzz/fuzz.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_INPUT_BYTES_MAX ((size_t)4 << 20)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    uint8_t *buf = malloc(REPLAY_INPUT_BYTES_MAX);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    size_t n = fread(buf, 1, REPLAY_INPUT_BYTES_MAX, f);
    int bad = ferror(f);
    fclose(f);
    if (!bad) {
        /* An exact-size copy, so ASan sees reads past the end of the input. */
        uint8_t *exact = malloc(n ? n : 1);
        if (exact != NULL) {
            memcpy(exact, buf, n);
            LLVMFuzzerTestOneInput(exact, n);
            free(exact);
        }
    }
    free(buf);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    size_t replayed = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            perror(argv[i]);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            struct stat st;
            if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            if (replay_file(path) != 0) {
                closedir(d);
                return 1;
            }
            replayed++;
        }
        closedir(d);
    }
    printf("replayed %zu inputs\n", replayed);
    return replayed > 0 ? 0 : 1;
}
