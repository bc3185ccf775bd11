/* SPDX-License-Identifier: MIT */
/*
 * http_client.c: the minimal HTTP/1.1 client of the load generator. Minimal on
 * purpose: it must cost little next to the server it measures on the same cores.
 */
#include "loadgen/http_client.h"
#include "loadgen/loadgen_internal.h"
#include "util/parse.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#define CONTROL_BUFFER_INITIAL 65536

static bool is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

#define USAGE(...) loadgen_fail(why, LOADGEN_USAGE, __VA_ARGS__)

/* Copies HOST and PORT of http://HOST[:PORT][/] into t. */
static loadgen_status split_url(const char *url, loadgen_target *t, char *why)
{
    const char *u = url;
    if (strncmp(u, "http://", 7) != 0)
        return USAGE("--url must start with http://");
    u += 7;
    const char *host = u, *host_end;
    if (*u == '[') {
        host = u + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL)
            return USAGE("--url: unclosed [");
        u = host_end + 1;
    } else {
        host_end = u + strcspn(u, ":/");
        u = host_end;
    }
    size_t hl = (size_t)(host_end - host);
    if (hl == 0 || hl >= sizeof t->host)
        return USAGE("--url: bad host");
    memcpy(t->host, host, hl);
    t->host[hl] = '\0';
    const char *port = "80";
    size_t pl = 2;
    if (*u == ':') {
        port = u + 1;
        pl = strcspn(port, "/");
        u = port + pl;
    }
    uint64_t pv;
    char portbuf[8] = "";
    if (pl == 0 || pl >= sizeof portbuf)
        return USAGE("--url: bad port");
    memcpy(portbuf, port, pl);
    if (!parse_u64(portbuf, 65535, &pv) || pv == 0 || (*u != '\0' && strcmp(u, "/") != 0))
        return USAGE("--url takes http://HOST:PORT (no path)");
    memcpy(t->port, portbuf, sizeof portbuf);
    return LOADGEN_OK;
}

loadgen_status http_target_resolve(const char *url, bool allow_remote, loadgen_target *t,
                                   char why[LOADGEN_WHY_BYTES])
{
    loadgen_status s = split_url(url, t, why);
    if (s != LOADGEN_OK)
        return s;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int e = getaddrinfo(t->host, t->port, &hints, &res);
    if (e != 0 || res == NULL)
        return loadgen_fail(why, LOADGEN_ERROR, "cannot resolve %s: %s", t->host, gai_strerror(e));
    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    t->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    if (!allow_remote && !is_loopback(&t->addr))
        return USAGE("%s is not a loopback address (use --allow-remote only against a test host)",
                     t->host);
    return LOADGEN_OK;
}

int http_connect(const loadgen_target *t, uint64_t timeout_ms, bool nonblocking)
{
    int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    /* Linux bounds a blocking connect by SO_SNDTIMEO: a stuck listener cannot hang a loop. */
    struct timeval tv = {(time_t)(timeout_ms / 1000), (long)(timeout_ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        connect(fd, (const struct sockaddr *)&t->addr, t->addr_len) != 0) {
        close(fd);
        return -1;
    }
    if (nonblocking) {
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

static bool header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* The status line: "HTTP/1.x NNN"; 0 if it is not one. */
static int status_of(const char *buf)
{
    if (memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
        return 0;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return 0;
        status = status * 10 + (buf[i] - '0');
    }
    return status >= 100 && status < LOADGEN_HTTP_STATUS_MAX ? status : 0;
}

/* Reads the headers between line and eoh: Content-Length and Connection. */
static bool read_headers(const char *line, const char *eoh, http_answer *a, uint64_t *length)
{
    bool have_length = false;
    while (line < eoh + 2) {
        const char *end = memchr(line, '\r', (size_t)(eoh + 2 - line));
        if (end == NULL)
            return false;
        size_t n = (size_t)(end - line);
        if (header_is(line, n, "content-length")) {
            const char *v = line + 15;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            if (v == end)
                return false;
            for (*length = 0; v < end && *v >= '0' && *v <= '9'; v++) {
                *length = *length * 10 + (uint64_t)(*v - '0');
                if (*length > HTTP_RESPONSE_MAX)
                    return false;
            }
            have_length = true;
        } else if (header_is(line, n, "transfer-encoding")) {
            return false; /* chunked answers are not supported (see the header) */
        } else if (header_is(line, n, "connection")) {
            const char *v = line + 11;
            a->close = memmem(v, (size_t)(end - v), "close", 5) != NULL;
        }
        line = end + 2;
    }
    return have_length;
}

http_parse http_parse_answer(const char *buf, size_t len, http_answer *a)
{
    size_t scan = len < HTTP_HEADER_MAX ? len : HTTP_HEADER_MAX;
    const char *eoh = memmem(buf, scan, "\r\n\r\n", 4);
    if (eoh == NULL)
        return len >= HTTP_HEADER_MAX ? HTTP_PARSE_BAD : HTTP_PARSE_MORE;
    if (eoh - buf < 12 || (a->status = status_of(buf)) == 0)
        return HTTP_PARSE_BAD;
    a->close = buf[7] == '0'; /* HTTP/1.0 closes unless told otherwise; we do not ask */
    uint64_t length = 0;
    const char *line = (const char *)memchr(buf, '\n', (size_t)(eoh - buf) + 2) + 1;
    if (!read_headers(line, eoh, a, &length))
        return HTTP_PARSE_BAD;
    a->body_off = (size_t)(eoh - buf) + 4;
    a->body_len = (size_t)length;
    return len >= a->body_off + a->body_len ? HTTP_PARSE_DONE : HTTP_PARSE_MORE;
}

static bool send_request(http_control *ctl, const char *method, const char *path,
                         const char *body)
{
    const loadgen_target *t = ctl->target;
    struct timeval tv = {(time_t)(ctl->timeout_ms / 1000), (long)(ctl->timeout_ms % 1000) * 1000};
    setsockopt(ctl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char head[HTTP_HEAD_RESERVE];
    int hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: %s:%s\r\n%s%s%sContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      method, path, t->host, t->port, t->token[0] ? "Authorization: Bearer " : "",
                      t->token, t->token[0] ? "\r\n" : "", body ? strlen(body) : 0);
    return hn > 0 && (size_t)hn < sizeof head &&
           send(ctl->fd, head, (size_t)hn, MSG_NOSIGNAL) == hn &&
           (body == NULL || send(ctl->fd, body, strlen(body), MSG_NOSIGNAL) == (ssize_t)strlen(body));
}

/* Reads until one whole answer is in ctl->buf; *len says how much came. */
static http_parse receive_answer(http_control *ctl, http_answer *a, size_t *len)
{
    http_parse p = HTTP_PARSE_MORE;
    while (p == HTTP_PARSE_MORE) {
        if (ctl->cap - *len < 4096) {
            size_t cap = ctl->cap ? ctl->cap * 2 : CONTROL_BUFFER_INITIAL;
            char *nb = cap <= HTTP_RESPONSE_MAX * 2u ? realloc(ctl->buf, cap) : NULL;
            if (nb == NULL)
                return HTTP_PARSE_BAD;
            ctl->buf = nb;
            ctl->cap = cap;
        }
        ssize_t k = recv(ctl->fd, ctl->buf + *len, ctl->cap - *len - 1, 0);
        if (k <= 0)
            return HTTP_PARSE_BAD;
        *len += (size_t)k;
        p = http_parse_answer(ctl->buf, *len, a);
    }
    return p;
}

/* Whether an idle keep-alive connection has something to read before we asked:
 * the server spoke unprompted (an idle connection's 408, or its close), so the
 * connection is done and must not carry the next request (whose answer would be
 * read as that 408: a long run's read-back failed so, its control connection
 * idle for the whole run). */
static bool idle_connection_spoke(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) != 0; /* readable, hung up, or an error */
}

bool http_roundtrip(http_control *ctl, const char *method, const char *path, const char *body,
                    http_answer *a, const char **answer_body)
{
    if (ctl->fd >= 0 && idle_connection_spoke(ctl->fd))
        http_control_close(ctl);
    for (int attempt = 0; attempt < 2; attempt++) { /* a stale keep-alive may be closed */
        if (ctl->fd < 0 && (ctl->fd = http_connect(ctl->target, ctl->timeout_ms, false)) < 0)
            return false;
        size_t len = 0;
        bool sent = send_request(ctl, method, path, body);
        if (sent && receive_answer(ctl, a, &len) == HTTP_PARSE_DONE) {
            ctl->buf[a->body_off + a->body_len] = '\0';
            *answer_body = ctl->buf + a->body_off;
            if (a->close)
                http_control_close(ctl);
            return true;
        }
        http_control_close(ctl);
        if (len > 0)
            return false; /* an answer came but was bad: do not send it twice */
    }
    return false;
}

void http_control_close(http_control *ctl)
{
    if (ctl->fd >= 0)
        close(ctl->fd);
    ctl->fd = -1;
}
