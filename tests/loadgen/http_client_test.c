/* SPDX-License-Identifier: MIT */
/*
 * http_client_test.c: the load generator's control connection (setup and
 * read-back) against a scripted server on loopback. A server that answers an
 * idle keep-alive connection unprompted (a 408 Request Timeout, then its close,
 * as booking serve does to a connection idle through a long run) must not have
 * that 408 read as the answer to the next request: the client opens a new
 * connection and gets the real answer.
 */
#include "loadgen/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

typedef struct scripted {
    int listen_fd;
    int accepted; /* connections served */
} scripted;

/* Reads one request head (this test's requests have no body). */
static void read_request(int fd)
{
    char buf[4096];
    size_t len = 0;
    while (len < sizeof buf - 1) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL)
            return;
    }
}

static void write_all(int fd, const char *s)
{
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t n = write(fd, s + off, len - off);
        if (n <= 0)
            return;
        off += (size_t)n;
    }
}

#define ANSWER(body) "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" body
#define IDLE_408 "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

/* Connection 1: answers "a", then, idle, a 408 and its close. Connection 2: "b". */
static void *serve(void *arg)
{
    scripted *s = arg;
    for (int k = 0; k < 2; k++) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        s->accepted++;
        read_request(fd);
        write_all(fd, k == 0 ? ANSWER("a") : ANSWER("b"));
        if (k == 0) { /* later, as an idle timeout: not in the same read as "a" */
            struct timespec later = {.tv_nsec = 30 * 1000 * 1000};
            nanosleep(&later, NULL);
            write_all(fd, IDLE_408);
        }
        close(fd);
    }
    return NULL;
}

static void an_idle_connections_unprompted_408_is_not_the_next_requests_answer(void **state)
{
    (void)state;
    scripted s = {.listen_fd = socket(AF_INET, SOCK_STREAM, 0)};
    assert_true(s.listen_fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s.listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(s.listen_fd, 4), 0);
    socklen_t alen = sizeof addr;
    assert_int_equal(getsockname(s.listen_fd, (struct sockaddr *)&addr, &alen), 0);
    char url[64], why[LOADGEN_WHY_BYTES];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    loadgen_target t = {0};
    assert_int_equal(http_target_resolve(url, false, &t, why), LOADGEN_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);

    http_control ctl = {.target = &t, .timeout_ms = 5000, .fd = -1};
    http_answer a;
    const char *body;
    assert_true(http_roundtrip(&ctl, "GET", "/v1/resources/r", NULL, &a, &body));
    assert_int_equal(a.status, 200);
    assert_string_equal(body, "a");
    struct timespec idle = {.tv_nsec = 100 * 1000 * 1000}; /* the 408 and the close arrive */
    nanosleep(&idle, NULL);
    assert_true(http_roundtrip(&ctl, "GET", "/v1/resources/r", NULL, &a, &body));
    assert_int_equal(a.status, 200); /* not the idle connection's 408 */
    assert_string_equal(body, "b");
    pthread_join(th, NULL);
    assert_int_equal(s.accepted, 2);
    http_control_close(&ctl);
    free(ctl.buf);
    close(s.listen_fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_idle_connections_unprompted_408_is_not_the_next_requests_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
