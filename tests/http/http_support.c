/* SPDX-License-Identifier: MIT */
/*
 * http_support.c: runs the real `booking serve` binary (BOOKING_BIN) as a child
 * process and talks to it over loopback with libcurl or a raw socket.
 */
#include "http/http_support.h"
#include "support/test_support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define SERVER_START_TIMEOUT_MS 10000
#define SERVER_ARGS_MAX 32
#define POLL_STEP_MS 10

static unsigned server_counter;

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool read_port(const char *path, unsigned *port)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "listening on http://127.0.0.1:");
        if (p != NULL)
            found = sscanf(p, "listening on http://127.0.0.1:%u", port) == 1;
    }
    fclose(f);
    return found;
}

/* BOOKING_TEST_BIN, when set, names another booking to test (an older build, to
 * see a test fail where it tests a fix); else the one built beside the tests. */
const char *test_booking_bin(void)
{
    const char *other = getenv("BOOKING_TEST_BIN");
    return other != NULL && other[0] != '\0' ? other : BOOKING_BIN;
}

int test_server_start(test_server *s, const char *store_url, const char *const *args)
{
    memset(s, 0, sizeof *s);
    snprintf(s->log_path, sizeof s->log_path, "%s/server-%ld-%u.log", test_tmpdir(),
             (long)getpid(), ++server_counter);
    const char *argv[SERVER_ARGS_MAX];
    size_t n = 0;
    argv[n++] = test_booking_bin();
    argv[n++] = "serve";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--store";
    argv[n++] = store_url;
    argv[n++] = "--threads";
    argv[n++] = "2";
    for (size_t i = 0; args != NULL && args[i] != NULL && n < SERVER_ARGS_MAX - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int log = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDWR);
        if (log < 0 || null < 0)
            _exit(127);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        execv(test_booking_bin(), (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    for (int waited = 0; waited < SERVER_START_TIMEOUT_MS; waited += POLL_STEP_MS) {
        if (read_port(s->log_path, &s->port)) {
            snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
            return 0;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = 0;
            return -1;
        }
        sleep_ms(POLL_STEP_MS);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    s->pid = 0;
    return -1;
}

int test_server_signal_wait(test_server *s, int sig, int timeout_ms, int *status)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    for (int waited = 0; waited < timeout_ms; waited += POLL_STEP_MS) {
        pid_t r = waitpid(s->pid, status, WNOHANG);
        if (r == s->pid) {
            s->pid = 0;
            return 0;
        }
        sleep_ms(POLL_STEP_MS);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, status, 0);
    s->pid = 0;
    return -1;
}

bool test_server_alive(test_server *s)
{
    if (s->pid <= 0)
        return false;
    int status;
    return waitpid(s->pid, &status, WNOHANG) == 0;
}

void test_server_stop(test_server *s)
{
    int status = 0;
    int rc = test_server_signal_wait(s, SIGTERM, 20000, &status);
    assert_int_equal(rc, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

void http_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_client_init(http_client *c)
{
    memset(c, 0, sizeof *c);
    c->curl = curl_easy_init();
    return c->curl != NULL ? 0 : -1;
}

void http_client_cleanup(http_client *c)
{
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    c->curl = NULL;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    http_response *r = arg;
    size_t n = size * nmemb;
    char *grown = realloc(r->body, r->body_len + n + 1);
    if (grown == NULL)
        return 0;
    r->body = grown;
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    http_response *r = arg;
    size_t n = size * nmemb;
    /* Keep only the last response's headers (a 100 Continue comes first). */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        r->headers_len = 0;
    size_t room = sizeof r->headers - 1 - r->headers_len;
    size_t take = n < room ? n : room;
    memcpy(r->headers + r->headers_len, data, take);
    r->headers_len += take;
    r->headers[r->headers_len] = '\0';
    return n;
}

CURLcode http_do(http_client *c, const char *method, const char *url, const char *body,
                 size_t body_len, http_response *out)
{
    memset(out, 0, sizeof *out);
    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache */
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *headers = NULL;
    char auth[HTTP_HEADERS_MAX];
    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (c->token != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
        headers = curl_slist_append(headers, auth);
    }
    if (c->no_expect)
        headers = curl_slist_append(headers, "Expect:");
    if (c->chunked)
        headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0 || body != NULL) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    out->code = curl_easy_perform(h);
    if (out->code == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(headers);
    return out->code;
}

void http_response_free(http_response *r)
{
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

const char *http_header(const http_response *r, const char *name, char *buf, size_t len)
{
    size_t name_len = strlen(name);
    const char *p = r->headers;
    while (*p != '\0') {
        const char *eol = strstr(p, "\r\n");
        size_t line_len = eol != NULL ? (size_t)(eol - p) : strlen(p);
        if (line_len > name_len && strncasecmp(p, name, name_len) == 0 && p[name_len] == ':') {
            const char *v = p + name_len + 1;
            while (*v == ' ')
                v++;
            size_t vlen = line_len - (size_t)(v - p);
            if (vlen >= len)
                vlen = len - 1;
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        if (eol == NULL)
            break;
        p = eol + 2;
    }
    return NULL;
}

json_t *http_json(const http_response *r)
{
    if (r->body == NULL)
        return NULL;
    return json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
}

void http_url(const test_server *s, const char *path, char *out, size_t len)
{
    snprintf(out, len, "%s%s", s->base, path);
}

int test_server_start_seeded(test_server *s, http_client *c, const char *db_name,
                             const char *rid, const char *booking_id)
{
    char url[700];
    snprintf(url, sizeof url, "sqlite:%s/%s", test_tmpdir(), db_name);
    if (test_server_start(s, url, NULL) != 0 || http_client_init(c) != 0)
        return -1;
    char u[HTTP_URL_MAX], path[HTTP_URL_MAX / 2], body[HTTP_URL_MAX];
    http_response r;
    snprintf(path, sizeof path, "/v1/resources/%s", rid);
    http_url(s, path, u, sizeof u);
    http_do(c, "PUT", u, "{\"capacity\":10}", 15, &r);
    long put = r.status;
    http_response_free(&r);
    http_url(s, "/v1/bookings", u, sizeof u);
    int n = snprintf(body, sizeof body,
                     "{\"booking_id\":\"%s\",\"resource_id\":\"%s\",\"units\":1}",
                     booking_id, rid);
    http_do(c, "POST", u, body, (size_t)n, &r);
    long post = r.status;
    http_response_free(&r);
    return put == 200 && post == 201 ? 0 : -1;
}

int http_suite_teardown(void **state)
{
    assert_non_null(state);
    const http_suite *suite = *state;
    assert_non_null(suite);
    assert_non_null(suite->server);
    if (suite->client != NULL)
        http_client_cleanup(suite->client);
    test_server_stop(suite->server);
    test_tmpdir_remove();
    return 0;
}

int raw_connect(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool raw_write(int fd, const void *bytes, size_t len)
{
    for (size_t sent = 0; sent < len;) {
        ssize_t n = send(fd, (const char *)bytes + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += (size_t)n;
    }
    return true;
}

size_t raw_read(int fd, int quiet_ms, char *text, size_t cap, bool *closed)
{
    size_t got = 0;
    *closed = false;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (got + 1 < cap && poll(&pfd, 1, quiet_ms) > 0) {
        ssize_t n = recv(fd, text + got, cap - 1 - got, 0);
        if (n <= 0) {
            *closed = true;
            break;
        }
        got += (size_t)n;
    }
    text[got] = '\0';
    return got;
}

size_t raw_exchange(unsigned port, const void *bytes, size_t len, char *reply, size_t cap,
                    int timeout_ms)
{
    reply[0] = '\0';
    int fd = raw_connect(port);
    if (fd < 0)
        return 0;
    (void)raw_write(fd, bytes, len);
    shutdown(fd, SHUT_WR);
    bool closed;
    size_t got = raw_read(fd, timeout_ms, reply, cap, &closed);
    close(fd);
    return got;
}
