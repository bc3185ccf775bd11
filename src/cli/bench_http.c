/*
 * bench_http.c: `booking bench --url`, a load generator for `booking serve`:
 * C keep-alive HTTP/1.1 connections spread over T threads, one epoll loop per
 * thread, one request in flight per connection. It creates its resources, sends
 * attempts (single or batched) with replays and conflicting replays, reports
 * throughput, outcomes by reason, HTTP statuses and latency, records an optional
 * history (JSON lines, the format `booking check` reads) and verifies at the end
 * that each resource's `booked` agrees with the answers it got.
 *
 * The client is hand-written and minimal on purpose: requests are built in place
 * without printf, answers must carry Content-Length (the service's and nginx's
 * do), and outcomes are found by a small scan, not a JSON parser, so the client
 * costs little next to the server it measures on the same two cores.
 */
#include "cli/bench_stats.h"
#include "cli/cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HB_CONNECTIONS_MAX 4096
#define HB_THREADS_MAX 64
#define HB_RESOURCES_MAX 10000        /* each is created (and read back) one by one */
#define HB_DURATION_MAX_S 3600        /* the hard maximum of any run */
#define HB_ATTEMPTS_MAX 1000000000ull
#define HB_INFLIGHT_ATTEMPTS_MAX (1u << 20) /* connections x batch */
#define HB_ID_BYTES 48                /* "b-<tag16>-<conn hex>-<counter hex>" fits */
#define HB_REPLAY_SLOTS 256           /* earlier ids per connection a replay may reuse */
#define HB_ATTEMPT_JSON_MAX 192       /* one {"booking_id":..,"resource_id":..,"units":..} */
#define HB_HEAD_RESERVE 4608          /* request line and headers, token included */
#define HB_TOKEN_MAX 4000
#define HB_HEADER_MAX 8192            /* an answer's status line and headers */
#define HB_RESPONSE_MAX (8u << 20)    /* an answer's body: 8192 outcomes fit */
#define HB_TIMEOUT_MS_DEFAULT 10000   /* a request unanswered this long is lost */
#define HB_DRAIN_MS 5000              /* after the run, wait this long for answers */
#define HB_TICK_MS 100
#define HB_PROGRESS_EVERY_MS 1000
#define HB_EPOLL_EVENTS 256
#define HB_RECONNECTS_MAX 1000        /* per connection, then it gives up */
#define HB_STATUS_MAX 600
#define HB_SPREAD_RESOURCES_DEFAULT 1000

typedef struct hb_config {
    const char *url;
    char host[256];
    char port[8];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    unsigned connections;
    unsigned threads;
    uint64_t duration_s;
    uint64_t attempts; /* 0: run for duration_s */
    uint64_t resources;
    bool spread;
    unsigned batch;
    double replay_ratio;
    double conflict_ratio;
    uint64_t capacity;
    uint64_t units_max;
    char token[HB_TOKEN_MAX + 1];
    const char *history_path;
    uint64_t seed;
    uint64_t timeout_ms;
    bool json;
    bool verify;
    bool allow_remote;
} hb_config;

typedef struct hb_shared {
    const hb_config *cfg;
    char tag[17];
    char (*resource_ids)[HB_ID_BYTES];
    char head_single[HB_HEAD_RESERVE]; /* request line + headers up to Content-Length: */
    char head_batch[HB_HEAD_RESERVE];
    size_t head_single_len, head_batch_len;
    _Atomic uint64_t claimed;  /* attempts handed out (with --attempts) */
    _Atomic uint64_t answered; /* attempts with an outcome, for the progress line */
    _Atomic uint64_t lost;     /* requests without an answer */
    _Atomic bool stop;         /* no new requests (deadline, attempts spent, SIGINT) */
    uint64_t start_ns;
    uint64_t deadline_ns;
} hb_shared;

typedef struct hb_slot {
    char booking_id[HB_ID_BYTES];
    uint32_t resource;
    uint64_t units;
} hb_slot;

typedef struct hb_conn {
    int fd;
    unsigned index;
    uint64_t process;       /* history process id; a lost request moves it on */
    uint64_t rng;
    uint64_t issued;        /* new booking ids so far */
    hb_slot replay[HB_REPLAY_SLOTS];
    hb_slot *inflight;      /* the attempts of the request in flight */
    unsigned inflight_n;
    bool busy;
    bool want_out;
    uint64_t sent_ns;
    char *out;              /* HB_HEAD_RESERVE + body */
    size_t out_cap, out_start, out_end;
    char *in;
    size_t in_len, in_cap;
    unsigned reconnects;
} hb_conn;

typedef struct hb_worker {
    pthread_t thread;
    unsigned index;
    hb_shared *shared;
    hb_conn *conns;
    unsigned conn_count;
    int epfd;
    bench_stats stats;
    uint64_t http_status[HB_STATUS_MAX];
    uint64_t replayed;
    uint64_t lost;              /* requests without an answer (closed, timed out) */
    uint64_t timeouts;
    uint64_t bad_answers;       /* unparseable HTTP, or status and outcome disagree */
    uint64_t no_outcome;        /* answers that carried no outcome (4xx, 5xx bodies) */
    uint64_t *acked_units;      /* per resource: units of fresh BOOKED answers */
    uint64_t *doubt_units;      /* per resource: units that may or may not be booked */
    FILE *history;
    bool history_failed;
    bool connect_failed;
} hb_worker;

static volatile sig_atomic_t hb_interrupted;

static void hb_on_signal(int sig)
{
    (void)sig;
    hb_interrupted = 1;
}

/* Appends the decimal digits of v at p; returns the end. */
static char *hb_put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

static char *hb_put_hex(char *p, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    int shift = 60;
    while (shift > 0 && (v >> shift) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *p++ = hex[(v >> shift) & 15];
    return p;
}

static char *hb_put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* ---- answers ---------------------------------------------------------------- */

typedef enum hb_parse { HB_PARSE_MORE, HB_PARSE_DONE, HB_PARSE_BAD } hb_parse;

typedef struct hb_answer {
    int status;
    size_t body_off;
    size_t body_len;
    bool close;
} hb_answer;

static bool hb_header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* Parses one HTTP/1.x answer at the start of buf (len bytes so far). */
static hb_parse hb_parse_answer(const char *buf, size_t len, hb_answer *a)
{
    size_t scan = len < HB_HEADER_MAX ? len : HB_HEADER_MAX;
    const char *eoh = memmem(buf, scan, "\r\n\r\n", 4);
    if (eoh == NULL)
        return len >= HB_HEADER_MAX ? HB_PARSE_BAD : HB_PARSE_MORE;
    if (eoh - buf < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
        return HB_PARSE_BAD;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return HB_PARSE_BAD;
        status = status * 10 + (buf[i] - '0');
    }
    if (status < 100 || status >= HB_STATUS_MAX)
        return HB_PARSE_BAD;
    a->status = status;
    a->close = buf[7] == '0'; /* HTTP/1.0 closes unless told otherwise; we do not ask */
    bool have_length = false;
    uint64_t length = 0;
    const char *line = (const char *)memchr(buf, '\n', (size_t)(eoh - buf) + 2) + 1;
    while (line < eoh + 2) {
        const char *end = memchr(line, '\r', (size_t)(eoh + 2 - line));
        if (end == NULL)
            return HB_PARSE_BAD;
        size_t n = (size_t)(end - line);
        if (hb_header_is(line, n, "content-length")) {
            const char *v = line + 15;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            if (v == end)
                return HB_PARSE_BAD;
            for (length = 0; v < end && *v >= '0' && *v <= '9'; v++) {
                length = length * 10 + (uint64_t)(*v - '0');
                if (length > HB_RESPONSE_MAX)
                    return HB_PARSE_BAD;
            }
            have_length = true;
        } else if (hb_header_is(line, n, "transfer-encoding")) {
            return HB_PARSE_BAD; /* chunked answers are not supported (see top) */
        } else if (hb_header_is(line, n, "connection")) {
            const char *v = line + 11;
            a->close = memmem(v, (size_t)(end - v), "close", 5) != NULL;
        }
        line = end + 2;
    }
    if (!have_length)
        return HB_PARSE_BAD;
    a->body_off = (size_t)(eoh - buf) + 4;
    a->body_len = (size_t)length;
    return len >= a->body_off + a->body_len ? HB_PARSE_DONE : HB_PARSE_MORE;
}

/* Finds the next `"key"` followed by ':' in [p, end); returns the value's start. */
static const char *hb_find_key(const char *p, const char *end, const char *key)
{
    size_t n = strlen(key);
    while (p < end) {
        const char *q = memmem(p, (size_t)(end - p), key, n);
        if (q == NULL)
            return NULL;
        q += n;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (q < end && *q == ':') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
                q++;
            return q;
        }
        p = q;
    }
    return NULL;
}

/* Reads a string value (no escapes: names never need them) at p into out. */
static const char *hb_read_word(const char *p, const char *end, char *out, size_t cap)
{
    if (p == NULL || p >= end || *p != '"')
        return NULL;
    p++;
    size_t n = 0;
    while (p < end && *p != '"' && *p != '\\' && n + 1 < cap)
        out[n++] = *p++;
    if (p >= end || *p != '"')
        return NULL;
    out[n] = '\0';
    return p + 1;
}

static bool hb_read_u64(const char *p, const char *end, uint64_t *out)
{
    if (p == NULL || p >= end || *p < '0' || *p > '9')
        return false;
    uint64_t v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

/* Cursors over a body: the k-th outcome, reason and replayed belong together,
 * because each outcome object carries each key once and ids cannot hold quotes. */
typedef struct hb_scan {
    const char *outcome, *reason, *replayed, *end;
} hb_scan;

static bool hb_next_result(hb_scan *s, booking_result *r)
{
    char word[40];
    const char *v = hb_find_key(s->outcome, s->end, "\"outcome\"");
    if ((s->outcome = hb_read_word(v, s->end, word, sizeof word)) == NULL)
        return false;
    r->outcome = 0;
    for (int o = BOOKING_BOOKED; o <= BOOKING_FAILED; o++) {
        if (strcmp(word, booking_outcome_name((booking_outcome)o)) == 0)
            r->outcome = (booking_outcome)o;
    }
    v = hb_find_key(s->reason, s->end, "\"reason\"");
    if ((s->reason = hb_read_word(v, s->end, word, sizeof word)) == NULL || r->outcome == 0)
        return false;
    r->reason = BENCH_REASON_COUNT;
    for (int i = 0; i < BENCH_REASON_COUNT; i++) {
        if (strcmp(word, booking_reason_name((booking_reason)i)) == 0)
            r->reason = (booking_reason)i;
    }
    v = hb_find_key(s->replayed, s->end, "\"replayed\"");
    if (v == NULL || r->reason == BENCH_REASON_COUNT)
        return false;
    if ((size_t)(s->end - v) >= 4 && memcmp(v, "true", 4) == 0) {
        r->replayed = true;
        s->replayed = v + 4;
    } else if ((size_t)(s->end - v) >= 5 && memcmp(v, "false", 5) == 0) {
        r->replayed = false;
        s->replayed = v + 5;
    } else {
        return false;
    }
    return true;
}

/* Whether a single attempt's HTTP status agrees with its outcome (SPEC section 5). */
static bool hb_status_agrees(int status, const booking_result *r)
{
    switch (r->outcome) {
    case BOOKING_BOOKED: return status == (r->replayed ? 200 : 201);
    case BOOKING_REJECTED:
        return status == (r->reason == BOOKING_REASON_UNKNOWN_RESOURCE ? 404 : 409);
    case BOOKING_FAILED: return status == 503;
    }
    return false;
}

/* ---- history ---------------------------------------------------------------- */

static void hb_history_invoke(FILE *f, uint64_t process, const hb_slot *s, const char *resource,
                              uint64_t t)
{
    fprintf(f,
            "{\"type\":\"invoke\",\"process\":%" PRIu64 ",\"f\":\"attempt\",\"booking_id\":\"%s\","
            "\"resource_id\":\"%s\",\"units\":%" PRIu64 ",\"time\":%" PRIu64 "}\n",
            process, s->booking_id, resource, s->units, t);
}

static void hb_history_complete(FILE *f, uint64_t process, const booking_result *r, uint64_t t)
{
    fprintf(f,
            "{\"type\":\"complete\",\"process\":%" PRIu64 ",\"f\":\"attempt\",\"outcome\":\"%s\","
            "\"reason\":\"%s\",\"replayed\":%s,\"time\":%" PRIu64 "}\n",
            process, booking_outcome_name(r->outcome), booking_reason_name(r->reason),
            r->replayed ? "true" : "false", t);
}

/* The time of a history line: the last field, `"time":T}`. */
static uint64_t hb_line_time(const char *line)
{
    const char *p = strstr(line, "\"time\":");
    const char *q;
    while (p != NULL && (q = strstr(p + 1, "\"time\":")) != NULL)
        p = q;
    uint64_t t = 0;
    if (p != NULL)
        hb_read_u64(p + 7, p + strlen(p), &t);
    return t;
}

/* Merges the per-thread histories (each in time order) into out, by time. */
static bool hb_history_merge(FILE *out, hb_worker *workers, unsigned count)
{
    char **lines = calloc(count, sizeof *lines);
    size_t *caps = calloc(count, sizeof *caps);
    uint64_t *times = calloc(count, sizeof *times);
    bool *live = calloc(count, sizeof *live);
    bool ok = lines != NULL && caps != NULL && times != NULL && live != NULL;
    for (unsigned i = 0; ok && i < count; i++) {
        if (workers[i].history == NULL || workers[i].history_failed ||
            fflush(workers[i].history) != 0 || fseek(workers[i].history, 0, SEEK_SET) != 0) {
            ok = false;
            break;
        }
        live[i] = getline(&lines[i], &caps[i], workers[i].history) > 0;
        if (live[i])
            times[i] = hb_line_time(lines[i]);
    }
    /* O(threads) per line; threads <= HB_THREADS_MAX. */
    while (ok) {
        unsigned best = count;
        for (unsigned i = 0; i < count; i++) {
            if (live[i] && (best == count || times[i] < times[best]))
                best = i;
        }
        if (best == count)
            break;
        if (fputs(lines[best], out) == EOF)
            ok = false;
        live[best] = getline(&lines[best], &caps[best], workers[best].history) > 0;
        if (live[best])
            times[best] = hb_line_time(lines[best]);
    }
    for (unsigned i = 0; lines != NULL && i < count; i++)
        free(lines[i]);
    free(lines);
    free(caps);
    free(times);
    free(live);
    return ok;
}

/* ---- connections ------------------------------------------------------------ */

static int hb_connect(const hb_config *cfg, bool nonblocking)
{
    int fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    /* Linux bounds a blocking connect by SO_SNDTIMEO: a stuck listener cannot hang a loop. */
    struct timeval tv = {(time_t)(cfg->timeout_ms / 1000), (long)(cfg->timeout_ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        connect(fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) != 0) {
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

static bool hb_conn_open(hb_worker *w, hb_conn *c)
{
    if (c->fd >= 0) {
        close(c->fd); /* closing also leaves the epoll set */
        c->fd = -1;
    }
    if (c->reconnects++ > HB_RECONNECTS_MAX)
        return false;
    c->fd = hb_connect(w->shared->cfg, true);
    if (c->fd < 0)
        return false;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        close(c->fd);
        c->fd = -1;
        return false;
    }
    c->want_out = false;
    c->in_len = 0;
    return true;
}

static void hb_conn_want_out(hb_worker *w, hb_conn *c, bool want)
{
    if (c->want_out == want)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->want_out = want;
}

/* How many attempts the next request carries; 0 when the run is over. */
static unsigned hb_claim(hb_shared *sh)
{
    const hb_config *cfg = sh->cfg;
    if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
        return 0;
    if (cfg->attempts == 0)
        return cfg->batch;
    uint64_t first = atomic_fetch_add_explicit(&sh->claimed, cfg->batch, memory_order_relaxed);
    if (first >= cfg->attempts)
        return 0;
    uint64_t left = cfg->attempts - first;
    return left < cfg->batch ? (unsigned)left : cfg->batch;
}

/* Picks the next attempt: new, a replay, or a conflicting replay of an earlier id. */
static void hb_next_slot(hb_shared *sh, hb_conn *c, hb_slot *s)
{
    const hb_config *cfg = sh->cfg;
    uint64_t r = bench_random(&c->rng);
    uint64_t dice = r & UINT32_MAX;
    uint64_t replay_cut = (uint64_t)(cfg->replay_ratio * (double)UINT32_MAX);
    uint64_t conflict_cut = replay_cut + (uint64_t)(cfg->conflict_ratio * (double)UINT32_MAX);
    if (c->issued > 0 && dice < conflict_cut) {
        uint64_t span = c->issued < HB_REPLAY_SLOTS ? c->issued : HB_REPLAY_SLOTS;
        *s = c->replay[(r >> 32) % span];
        if (dice >= replay_cut) /* conflicting: same id, other units */
            s->units = s->units < BOOKING_UNITS_MAX ? s->units + 1 : s->units - 1;
        return;
    }
    char *p = hb_put_str(s->booking_id, "b-");
    p = hb_put_str(p, sh->tag);
    *p++ = '-';
    p = hb_put_hex(p, c->index);
    *p++ = '-';
    p = hb_put_hex(p, c->issued);
    *p = '\0';
    s->resource = cfg->spread ? (uint32_t)((r >> 32) % cfg->resources) : 0;
    s->units = 1 + bench_random(&c->rng) % cfg->units_max;
    c->replay[c->issued % HB_REPLAY_SLOTS] = *s;
    c->issued++;
}

static char *hb_put_attempt(char *p, const hb_shared *sh, const hb_slot *s)
{
    p = hb_put_str(p, "{\"booking_id\":\"");
    p = hb_put_str(p, s->booking_id);
    p = hb_put_str(p, "\",\"resource_id\":\"");
    p = hb_put_str(p, sh->resource_ids[s->resource]);
    p = hb_put_str(p, "\",\"units\":");
    p = hb_put_u64(p, s->units);
    *p++ = '}';
    return p;
}

/* Builds the next request in c->out: the body first, then the headers right before it. */
static void hb_build_request(hb_shared *sh, hb_conn *c, unsigned n)
{
    char *body = c->out + HB_HEAD_RESERVE, *p = body;
    if (sh->cfg->batch > 1)
        p = hb_put_str(p, "{\"attempts\":[");
    for (unsigned i = 0; i < n; i++) {
        hb_next_slot(sh, c, &c->inflight[i]);
        if (i > 0)
            *p++ = ',';
        p = hb_put_attempt(p, sh, &c->inflight[i]);
    }
    if (sh->cfg->batch > 1)
        p = hb_put_str(p, "]}");
    size_t body_len = (size_t)(p - body);
    char head[HB_HEAD_RESERVE];
    const char *prefix = sh->cfg->batch > 1 ? sh->head_batch : sh->head_single;
    size_t prefix_len = sh->cfg->batch > 1 ? sh->head_batch_len : sh->head_single_len;
    memcpy(head, prefix, prefix_len);
    char *h = hb_put_u64(head + prefix_len, body_len);
    h = hb_put_str(h, "\r\n\r\n");
    size_t head_len = (size_t)(h - head);
    c->out_start = HB_HEAD_RESERVE - head_len;
    memcpy(c->out + c->out_start, head, head_len);
    c->out_end = HB_HEAD_RESERVE + body_len;
    c->inflight_n = n;
}

/* Sends what is left of the request; false if the connection broke. */
static bool hb_conn_flush(hb_worker *w, hb_conn *c)
{
    while (c->out_start < c->out_end) {
        ssize_t k = send(c->fd, c->out + c->out_start, c->out_end - c->out_start, MSG_NOSIGNAL);
        if (k > 0) {
            c->out_start += (size_t)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            hb_conn_want_out(w, c, true);
            return true;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else {
            return false;
        }
    }
    hb_conn_want_out(w, c, false);
    return true;
}

static void hb_lose_request(hb_worker *w, hb_conn *c);

/* Starts the next request on an idle connection, if the run goes on. */
static void hb_conn_next(hb_worker *w, hb_conn *c)
{
    hb_shared *sh = w->shared;
    unsigned n = hb_claim(sh);
    if (n == 0)
        return;
    hb_build_request(sh, c, n);
    c->busy = true;
    c->sent_ns = bench_now_ns();
    if (w->history != NULL) {
        for (unsigned i = 0; i < n; i++) {
            const hb_slot *s = &c->inflight[i];
            hb_history_invoke(w->history, c->process * sh->cfg->batch + i, s,
                              sh->resource_ids[s->resource], c->sent_ns);
        }
    }
    if (!hb_conn_flush(w, c))
        hb_lose_request(w, c);
}

/* The request in flight got no answer: its attempts stay in doubt (invokes without
 * completion), the connection is reopened under new process ids, and the run goes on. */
static void hb_lose_request(hb_worker *w, hb_conn *c)
{
    hb_shared *sh = w->shared;
    if (c->busy) {
        for (unsigned i = 0; i < c->inflight_n; i++)
            w->doubt_units[c->inflight[i].resource] += c->inflight[i].units;
        w->lost++;
        atomic_fetch_add_explicit(&sh->lost, 1, memory_order_relaxed);
        c->process += sh->cfg->connections;
        c->busy = false;
    }
    if (!hb_conn_open(w, c)) {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        return;
    }
    hb_conn_next(w, c);
}

/* Counts one answer; returns whether the connection may carry the next request. */
static bool hb_conn_answer(hb_worker *w, hb_conn *c, const hb_answer *a)
{
    hb_shared *sh = w->shared;
    uint64_t t = bench_now_ns();
    bench_stats_record_latency(&w->stats, t - c->sent_ns, 1);
    w->http_status[a->status]++;
    hb_scan scan;
    scan.outcome = scan.reason = scan.replayed = c->in + a->body_off;
    scan.end = scan.outcome + a->body_len;
    bool batch = sh->cfg->batch > 1;
    unsigned got = 0;
    if (!batch || a->status == 200) {
        for (; got < c->inflight_n; got++) {
            booking_result r = {0};
            if (!hb_next_result(&scan, &r))
                break;
            const hb_slot *s = &c->inflight[got];
            if (!batch && !hb_status_agrees(a->status, &r))
                w->bad_answers++;
            bench_stats_record_result(&w->stats, &r);
            if (r.replayed)
                w->replayed++;
            if (r.outcome == BOOKING_BOOKED && !r.replayed)
                w->acked_units[s->resource] += s->units;
            else if (r.outcome == BOOKING_FAILED)
                w->doubt_units[s->resource] += s->units;
            if (w->history != NULL)
                hb_history_complete(w->history, c->process * sh->cfg->batch + got, &r, t);
        }
    }
    if (got < c->inflight_n) {
        /* No outcome for these: a 4xx/5xx without one, or a short batch answer. */
        if (got > 0 || (batch && a->status == 200))
            w->bad_answers++;
        w->no_outcome += c->inflight_n - got;
        for (unsigned i = got; i < c->inflight_n; i++)
            w->doubt_units[c->inflight[i].resource] += c->inflight[i].units;
        c->process += sh->cfg->connections; /* their invokes stay open */
    }
    atomic_fetch_add_explicit(&sh->answered, got, memory_order_relaxed);
    c->busy = false;
    return !a->close;
}

static void hb_conn_readable(hb_worker *w, hb_conn *c)
{
    bool eof = false;
    for (;;) {
        if (c->in_cap - c->in_len < 4096) {
            size_t cap = c->in_cap * 2;
            if (cap > HB_HEADER_MAX + HB_RESPONSE_MAX + 4096) {
                w->bad_answers++;
                hb_lose_request(w, c);
                return;
            }
            char *in = realloc(c->in, cap);
            if (in == NULL) {
                hb_lose_request(w, c);
                return;
            }
            c->in = in;
            c->in_cap = cap;
        }
        ssize_t k = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (k > 0) {
            c->in_len += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        eof = true; /* closed or broken: an answer may still be complete */
        break;
    }
    if (c->in_len == 0 && (eof || !c->busy)) {
        if (eof)
            hb_lose_request(w, c);
        return;
    }
    hb_answer a;
    hb_parse p = hb_parse_answer(c->in, c->in_len, &a);
    if (p == HB_PARSE_MORE && !eof)
        return;
    if (p != HB_PARSE_DONE || !c->busy || c->in_len != a.body_off + a.body_len) {
        if (p != HB_PARSE_MORE)
            w->bad_answers++; /* garbage, an answer nobody asked for, or extra bytes */
        hb_lose_request(w, c);
        return;
    }
    bool keep = hb_conn_answer(w, c, &a) && !eof;
    c->in_len = 0;
    if (!keep && !hb_conn_open(w, c)) {
        close(c->fd);
        c->fd = -1;
        return;
    }
    hb_conn_next(w, c);
}

/* Once a tick: requests unanswered too long are lost; connections that could not be
 * reopened (the server was down) try again, so a run outlives a server restart. */
static void hb_check_timeouts(hb_worker *w, uint64_t now)
{
    uint64_t limit = w->shared->cfg->timeout_ms * 1000000ull;
    bool stopping = atomic_load_explicit(&w->shared->stop, memory_order_relaxed);
    for (unsigned i = 0; i < w->conn_count; i++) {
        hb_conn *c = &w->conns[i];
        if (c->fd >= 0 && c->busy && now - c->sent_ns > limit) {
            w->timeouts++;
            hb_lose_request(w, c);
        } else if (c->fd < 0 && !stopping && c->reconnects <= HB_RECONNECTS_MAX) {
            if (hb_conn_open(w, c))
                hb_conn_next(w, c);
        }
    }
}

static unsigned hb_busy_count(const hb_worker *w)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w->conn_count; i++)
        n += w->conns[i].fd >= 0 && w->conns[i].busy;
    return n;
}

static bool hb_may_reconnect(const hb_worker *w)
{
    for (unsigned i = 0; i < w->conn_count; i++) {
        if (w->conns[i].fd < 0 && w->conns[i].reconnects <= HB_RECONNECTS_MAX)
            return true;
    }
    return false;
}

static void *hb_worker_run(void *arg)
{
    hb_worker *w = arg;
    hb_shared *sh = w->shared;
    struct epoll_event events[HB_EPOLL_EVENTS];
    for (unsigned i = 0; i < w->conn_count; i++)
        hb_conn_next(w, &w->conns[i]);
    uint64_t drain_end = 0, last_tick = bench_now_ns();
    /* Bounded: the run ends at its deadline (or when its attempts are spent), then
     * waits at most HB_DRAIN_MS for answers; the deadline itself is capped. */
    for (;;) {
        int n = epoll_wait(w->epfd, events, HB_EPOLL_EVENTS, HB_TICK_MS);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            hb_conn *c = events[i].data.ptr;
            if (c->fd < 0)
                continue;
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                hb_conn_readable(w, c);
            else if ((events[i].events & EPOLLOUT) && !hb_conn_flush(w, c))
                hb_lose_request(w, c);
        }
        uint64_t now = bench_now_ns();
        if (now >= sh->deadline_ns)
            atomic_store(&sh->stop, true);
        if (now - last_tick >= HB_TICK_MS * 1000000ull) {
            hb_check_timeouts(w, now);
            last_tick = now;
        }
        if (atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
            if (drain_end == 0)
                drain_end = now + HB_DRAIN_MS * 1000000ull;
            if (hb_busy_count(w) == 0 || now >= drain_end)
                break;
        } else if (sh->cfg->attempts != 0 && hb_busy_count(w) == 0 &&
                   (atomic_load_explicit(&sh->claimed, memory_order_relaxed) >= sh->cfg->attempts ||
                    !hb_may_reconnect(w))) {
            break; /* attempts spent, or every connection gave up */
        }
    }
    for (unsigned i = 0; i < w->conn_count; i++) {
        hb_conn *c = &w->conns[i];
        if (c->fd >= 0 && c->busy) { /* never answered: stays in doubt */
            for (unsigned k = 0; k < c->inflight_n; k++)
                w->doubt_units[c->inflight[k].resource] += c->inflight[k].units;
            w->lost++;
            c->busy = false;
        }
    }
    return NULL;
}

/* ---- setup and read-back, one blocking request at a time ------------------------ */

typedef struct hb_control {
    const hb_config *cfg;
    int fd;
    char *buf;
    size_t cap;
    FILE *history;
    uint64_t process;
} hb_control;

/* One request on the control connection; the answer's body is at *body. */
static bool hb_roundtrip(hb_control *ctl, const char *method, const char *path, const char *body,
                         hb_answer *a, const char **answer_body)
{
    const hb_config *cfg = ctl->cfg;
    for (int attempt = 0; attempt < 2; attempt++) { /* a stale keep-alive may be closed */
        if (ctl->fd < 0 && (ctl->fd = hb_connect(cfg, false)) < 0)
            return false;
        struct timeval tv = {(time_t)(cfg->timeout_ms / 1000), (long)(cfg->timeout_ms % 1000) * 1000};
        setsockopt(ctl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char head[HB_HEAD_RESERVE];
        int hn = snprintf(head, sizeof head,
                          "%s %s HTTP/1.1\r\nHost: %s:%s\r\n%s%s%sContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n",
                          method, path, cfg->host, cfg->port, cfg->token[0] ? "Authorization: Bearer " : "",
                          cfg->token, cfg->token[0] ? "\r\n" : "", body ? strlen(body) : 0);
        bool sent = hn > 0 && (size_t)hn < sizeof head &&
                    send(ctl->fd, head, (size_t)hn, MSG_NOSIGNAL) == hn &&
                    (body == NULL ||
                     send(ctl->fd, body, strlen(body), MSG_NOSIGNAL) == (ssize_t)strlen(body));
        size_t len = 0;
        hb_parse p = sent ? HB_PARSE_MORE : HB_PARSE_BAD;
        while (p == HB_PARSE_MORE) {
            if (ctl->cap - len < 4096) {
                size_t cap = ctl->cap ? ctl->cap * 2 : 65536;
                char *nb = cap <= HB_RESPONSE_MAX * 2u ? realloc(ctl->buf, cap) : NULL;
                if (nb == NULL)
                    return false;
                ctl->buf = nb;
                ctl->cap = cap;
            }
            ssize_t k = recv(ctl->fd, ctl->buf + len, ctl->cap - len - 1, 0);
            if (k <= 0) {
                p = HB_PARSE_BAD;
                break;
            }
            len += (size_t)k;
            p = hb_parse_answer(ctl->buf, len, a);
        }
        if (p == HB_PARSE_DONE) {
            ctl->buf[a->body_off + a->body_len] = '\0';
            *answer_body = ctl->buf + a->body_off;
            if (a->close) {
                close(ctl->fd);
                ctl->fd = -1;
            }
            return true;
        }
        close(ctl->fd);
        ctl->fd = -1;
        if (len > 0)
            return false; /* an answer came but was bad: do not send it twice */
    }
    return false;
}

static bool hb_create_resource(hb_control *ctl, const char *id)
{
    char path[HB_ID_BYTES + 32], body[64];
    snprintf(path, sizeof path, "/v1/resources/%s", id);
    snprintf(body, sizeof body, "{\"capacity\":%" PRIu64 "}", ctl->cfg->capacity);
    if (ctl->history != NULL)
        fprintf(ctl->history,
                "{\"type\":\"invoke\",\"process\":%" PRIu64 ",\"f\":\"set_capacity\","
                "\"resource_id\":\"%s\",\"capacity\":%" PRIu64 ",\"time\":%" PRIu64 "}\n",
                ctl->process, id, ctl->cfg->capacity, bench_now_ns());
    hb_answer a;
    const char *answer;
    if (!hb_roundtrip(ctl, "PUT", path, body, &a, &answer)) {
        cli_error("bench", "PUT %s: no answer from %s", path, ctl->cfg->url);
        return false;
    }
    if (ctl->history != NULL)
        fprintf(ctl->history,
                "{\"type\":\"complete\",\"process\":%" PRIu64 ",\"f\":\"set_capacity\","
                "\"ok\":%s,\"time\":%" PRIu64 "}\n",
                ctl->process, a.status == 200 ? "true" : "false", bench_now_ns());
    if (a.status != 200) {
        cli_error("bench", "PUT %s answered %d: %.200s", path, a.status, answer);
        return false;
    }
    return true;
}

static bool hb_read_resource(hb_control *ctl, const char *id, uint64_t *capacity, uint64_t *booked)
{
    char path[HB_ID_BYTES + 32];
    snprintf(path, sizeof path, "/v1/resources/%s", id);
    if (ctl->history != NULL)
        fprintf(ctl->history,
                "{\"type\":\"invoke\",\"process\":%" PRIu64 ",\"f\":\"get_resource\","
                "\"resource_id\":\"%s\",\"time\":%" PRIu64 "}\n",
                ctl->process, id, bench_now_ns());
    hb_answer a;
    const char *answer;
    if (!hb_roundtrip(ctl, "GET", path, NULL, &a, &answer) || a.status != 200)
        return false;
    const char *end = answer + a.body_len;
    if (!hb_read_u64(hb_find_key(answer, end, "\"capacity\""), end, capacity) ||
        !hb_read_u64(hb_find_key(answer, end, "\"booked\""), end, booked))
        return false;
    if (ctl->history != NULL)
        fprintf(ctl->history,
                "{\"type\":\"complete\",\"process\":%" PRIu64 ",\"f\":\"get_resource\","
                "\"capacity\":%" PRIu64 ",\"booked\":%" PRIu64 ",\"time\":%" PRIu64 "}\n",
                ctl->process, *capacity, *booked, bench_now_ns());
    return true;
}

/* ---- options ---------------------------------------------------------------- */

static const char bench_http_help[] =
    "Usage: booking bench --url http://HOST:PORT [--connections C] [--threads T]\n"
    "                     [--duration S | --attempts M] [--resources K] [--mode hot|spread]\n"
    "                     [--batch B] [--replay-ratio R] [--conflict-ratio X] [--capacity N]\n"
    "                     [--units U] [--token-file F] [--history FILE] [--json]\n"
    "\n"
    "Measures `booking serve` over HTTP: C keep-alive connections spread over T threads,\n"
    "one request in flight per connection. It first creates its resources (PUT\n"
    "/v1/resources/ID), then sends POST /v1/bookings (or, with --batch B > 1, POST\n"
    "/v1/bookings/batch with B attempts each) with booking IDs unique to the run. A share R\n"
    "of attempts replay an earlier ID of the same connection, a share X replay one with\n"
    "other units (booking_id_conflict). Progress goes to stderr each second; at the end,\n"
    "on stdout: attempts/s, outcomes by reason, HTTP statuses, latency p50/p99/p999 per\n"
    "request. Then it reads each resource back and checks that `booked` agrees with the\n"
    "answers (every fresh BOOKED counted, nothing above capacity).\n"
    "\n"
    "Options (defaults in brackets):\n"
    "      --url URL            the service, http://HOST:PORT; HOST must be loopback\n"
    "                           unless --allow-remote is given\n"
    "  -C, --connections C      connections, 1 to 4096 [64]\n"
    "  -t, --threads T          client threads, 1 to 64 [2, at most C]\n"
    "  -d, --duration S         seconds to send for, 1 to 3600 [10]\n"
    "  -n, --attempts M         attempts in all, instead of a duration [unset]\n"
    "  -k, --resources K        resources for --mode spread, 1 to 10000 [1000]\n"
    "  -m, --mode MODE          hot: every attempt on one resource [hot]; spread: uniform\n"
    "                           over K resources\n"
    "  -b, --batch B            attempts per request, 1 to 8192 [1]\n"
    "  -r, --replay-ratio R     share of replays, 0 to 1 [0]\n"
    "  -c, --conflict-ratio X   share of conflicting replays, 0 to 1 [0]\n"
    "      --capacity N         capacity of each resource [9007199254740991]\n"
    "  -u, --units U            units per attempt, uniform in 1..U [1]\n"
    "      --token-file F       send the bearer token in F (first line) [none]\n"
    "      --history FILE       write every operation as JSON lines [none], in booking\n"
    "                           check's format: process = connection (x B + slot in\n"
    "                           a batch)\n"
    "      --timeout-ms MS      a request unanswered this long is lost [10000]\n"
    "      --no-verify          skip reading the resources back (for a fixed-answer server)\n"
    "      --seed S             random seed [from the clock]\n"
    "      --allow-remote       allow a host that is not loopback\n"
    "  -j, --json               print the summary as one JSON object\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 if every answer was well formed and the read-back agrees; 1 otherwise.\n"
    "\n"
    "Example: booking bench --url http://127.0.0.1:8080 --connections 64 --duration 10\n";

static bool hb_is_loopback(const struct sockaddr_storage *ss)
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

/* Splits http://HOST:PORT[/] and resolves HOST. */
static int hb_parse_url(hb_config *cfg)
{
    const char *u = cfg->url;
    if (strncmp(u, "http://", 7) != 0)
        return cli_usage_error("bench", "--url must start with http://");
    u += 7;
    const char *host = u, *host_end;
    if (*u == '[') {
        host = u + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL)
            return cli_usage_error("bench", "--url: unclosed [");
        u = host_end + 1;
    } else {
        host_end = u + strcspn(u, ":/");
        u = host_end;
    }
    size_t hl = (size_t)(host_end - host);
    if (hl == 0 || hl >= sizeof cfg->host)
        return cli_usage_error("bench", "--url: bad host");
    memcpy(cfg->host, host, hl);
    cfg->host[hl] = '\0';
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
        return cli_usage_error("bench", "--url: bad port");
    memcpy(portbuf, port, pl);
    if (!cli_parse_u64(portbuf, 65535, &pv) || pv == 0 || (*u != '\0' && strcmp(u, "/") != 0))
        return cli_usage_error("bench", "--url takes http://HOST:PORT (no path)");
    memcpy(cfg->port, portbuf, sizeof portbuf);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int e = getaddrinfo(cfg->host, cfg->port, &hints, &res);
    if (e != 0 || res == NULL)
        return cli_error("bench", "cannot resolve %s: %s", cfg->host, gai_strerror(e));
    memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
    cfg->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    if (!cfg->allow_remote && !hb_is_loopback(&cfg->addr))
        return cli_usage_error("bench", "%s is not a loopback address (use --allow-remote "
                                        "only against a test host)", cfg->host);
    return -1;
}

static int hb_read_token(hb_config *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return cli_error("bench", "cannot read --token-file %s", path);
    char *line = fgets(cfg->token, sizeof cfg->token, f);
    fclose(f);
    if (line == NULL)
        return cli_error("bench", "--token-file %s is empty", path);
    cfg->token[strcspn(cfg->token, "\r\n")] = '\0';
    for (const char *p = cfg->token; *p != '\0'; p++) {
        if (*p < 0x21 || *p > 0x7e)
            return cli_error("bench", "--token-file %s: the token must be printable ASCII", path);
    }
    return cfg->token[0] ? -1 : cli_error("bench", "--token-file %s is empty", path);
}

static int hb_parse_args(int argc, char **argv, hb_config *cfg)
{
    enum { O_URL = 256, O_CAPACITY, O_TOKEN, O_HISTORY, O_SEED, O_REMOTE, O_TIMEOUT, O_NOVERIFY };
    static const struct option options[] = {
        {"url", required_argument, NULL, O_URL},
        {"connections", required_argument, NULL, 'C'},
        {"threads", required_argument, NULL, 't'},
        {"duration", required_argument, NULL, 'd'},
        {"attempts", required_argument, NULL, 'n'},
        {"resources", required_argument, NULL, 'k'},
        {"mode", required_argument, NULL, 'm'},
        {"batch", required_argument, NULL, 'b'},
        {"replay-ratio", required_argument, NULL, 'r'},
        {"conflict-ratio", required_argument, NULL, 'c'},
        {"capacity", required_argument, NULL, O_CAPACITY},
        {"units", required_argument, NULL, 'u'},
        {"token-file", required_argument, NULL, O_TOKEN},
        {"history", required_argument, NULL, O_HISTORY},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT},
        {"no-verify", no_argument, NULL, O_NOVERIFY},
        {"seed", required_argument, NULL, O_SEED},
        {"allow-remote", no_argument, NULL, O_REMOTE},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    uint64_t v;
    bool threads_given = false, resources_given = false, duration_given = false;
    const char *token_file = NULL;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":C:t:d:n:k:m:b:r:c:u:jh", options, NULL)) != -1) {
        switch (c) {
        case O_URL: cfg->url = optarg; break;
        case 'C':
            if (!cli_parse_u64(optarg, HB_CONNECTIONS_MAX, &v) || v == 0)
                return cli_usage_error("bench", "--connections takes 1 to %d", HB_CONNECTIONS_MAX);
            cfg->connections = (unsigned)v;
            break;
        case 't':
            if (!cli_parse_u64(optarg, HB_THREADS_MAX, &v) || v == 0)
                return cli_usage_error("bench", "--threads takes 1 to %d", HB_THREADS_MAX);
            cfg->threads = (unsigned)v;
            threads_given = true;
            break;
        case 'd':
            if (!cli_parse_u64(optarg, HB_DURATION_MAX_S, &cfg->duration_s) || cfg->duration_s == 0)
                return cli_usage_error("bench", "--duration takes 1 to %d seconds", HB_DURATION_MAX_S);
            duration_given = true;
            break;
        case 'n':
            if (!cli_parse_u64(optarg, HB_ATTEMPTS_MAX, &cfg->attempts) || cfg->attempts == 0)
                return cli_usage_error("bench", "--attempts takes 1 to %llu", HB_ATTEMPTS_MAX);
            break;
        case 'k':
            if (!cli_parse_u64(optarg, HB_RESOURCES_MAX, &cfg->resources) || cfg->resources == 0)
                return cli_usage_error("bench", "--resources takes 1 to %d", HB_RESOURCES_MAX);
            resources_given = true;
            break;
        case 'm':
            if (strcmp(optarg, "hot") != 0 && strcmp(optarg, "spread") != 0)
                return cli_usage_error("bench", "--mode takes hot or spread");
            cfg->spread = strcmp(optarg, "spread") == 0;
            break;
        case 'b':
            if (!cli_parse_u64(optarg, BOOKING_BATCH_MAX, &v) || v == 0)
                return cli_usage_error("bench", "--batch takes 1 to %d", BOOKING_BATCH_MAX);
            cfg->batch = (unsigned)v;
            break;
        case 'r':
            if (!cli_parse_ratio(optarg, &cfg->replay_ratio))
                return cli_usage_error("bench", "--replay-ratio takes 0 to 1");
            break;
        case 'c':
            if (!cli_parse_ratio(optarg, &cfg->conflict_ratio))
                return cli_usage_error("bench", "--conflict-ratio takes 0 to 1");
            break;
        case O_CAPACITY:
            if (!cli_parse_u64(optarg, BOOKING_CAPACITY_MAX, &cfg->capacity))
                return cli_usage_error("bench", "--capacity takes 0 to %" PRIu64, BOOKING_CAPACITY_MAX);
            break;
        case 'u':
            if (!cli_parse_u64(optarg, BOOKING_UNITS_MAX, &cfg->units_max) || cfg->units_max == 0)
                return cli_usage_error("bench", "--units takes 1 to %" PRIu64, BOOKING_UNITS_MAX);
            break;
        case O_TOKEN: token_file = optarg; break;
        case O_HISTORY: cfg->history_path = optarg; break;
        case O_TIMEOUT:
            if (!cli_parse_u64(optarg, HB_DURATION_MAX_S * 1000ull, &cfg->timeout_ms) ||
                cfg->timeout_ms == 0)
                return cli_usage_error("bench", "--timeout-ms takes 1 to %d", HB_DURATION_MAX_S * 1000);
            break;
        case O_NOVERIFY: cfg->verify = false; break;
        case O_SEED:
            if (!cli_parse_u64(optarg, UINT64_MAX, &cfg->seed))
                return cli_usage_error("bench", "--seed takes an unsigned integer");
            break;
        case O_REMOTE: cfg->allow_remote = true; break;
        case 'j': cfg->json = true; break;
        case 'h': fputs(bench_http_help, stdout); return CLI_EXIT_OK;
        case ':': return cli_usage_error("bench", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("bench", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
    if (cfg->url == NULL)
        return cli_usage_error("bench", "--url needs a value");
    if (cfg->attempts != 0 && duration_given)
        return cli_usage_error("bench", "give --duration or --attempts, not both");
    if (cfg->replay_ratio + cfg->conflict_ratio > 1.0)
        return cli_usage_error("bench", "--replay-ratio plus --conflict-ratio exceeds 1");
    if (!cfg->spread && resources_given && cfg->resources != 1)
        return cli_usage_error("bench", "--mode hot uses one resource; add --mode spread");
    if (!cfg->spread)
        cfg->resources = 1;
    if (!threads_given && cfg->threads > cfg->connections)
        cfg->threads = cfg->connections;
    if (cfg->threads > cfg->connections)
        return cli_usage_error("bench", "--threads exceeds --connections");
    if ((uint64_t)cfg->connections * cfg->batch > HB_INFLIGHT_ATTEMPTS_MAX)
        return cli_usage_error("bench", "--connections x --batch exceeds %u", HB_INFLIGHT_ATTEMPTS_MAX);
    if (token_file != NULL) {
        int rc = hb_read_token(cfg, token_file);
        if (rc >= 0)
            return rc;
    }
    return hb_parse_url(cfg);
}

/* ---- the run ---------------------------------------------------------------- */

static void hb_build_heads(hb_shared *sh)
{
    const hb_config *cfg = sh->cfg;
    char auth[HB_TOKEN_MAX + 32] = "";
    if (cfg->token[0])
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", cfg->token);
    int n = snprintf(sh->head_single, sizeof sh->head_single,
                     "POST /v1/bookings HTTP/1.1\r\nHost: %s:%s\r\n%s"
                     "Content-Type: application/json\r\nContent-Length: ",
                     cfg->host, cfg->port, auth);
    sh->head_single_len = n > 0 ? (size_t)n : 0;
    n = snprintf(sh->head_batch, sizeof sh->head_batch,
                 "POST /v1/bookings/batch HTTP/1.1\r\nHost: %s:%s\r\n%s"
                 "Content-Type: application/json\r\nContent-Length: ",
                 cfg->host, cfg->port, auth);
    sh->head_batch_len = n > 0 ? (size_t)n : 0;
}

static bool hb_worker_init(hb_worker *w, hb_shared *sh, unsigned index, hb_conn *conns)
{
    const hb_config *cfg = sh->cfg;
    w->index = index;
    w->shared = sh;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->acked_units = calloc(cfg->resources, sizeof *w->acked_units);
    w->doubt_units = calloc(cfg->resources, sizeof *w->doubt_units);
    if (w->epfd < 0 || w->acked_units == NULL || w->doubt_units == NULL)
        return false;
    if (cfg->history_path != NULL && (w->history = tmpfile()) == NULL)
        return false;
    /* Connection i belongs to thread i % T. */
    w->conns = conns;
    w->conn_count = cfg->connections / cfg->threads + (index < cfg->connections % cfg->threads);
    for (unsigned i = 0; i < w->conn_count; i++) {
        hb_conn *c = &w->conns[i];
        c->fd = -1;
        c->index = index + i * cfg->threads;
        c->process = c->index;
        c->rng = (cfg->seed ^ 0x9E3779B97F4A7C15ull) * (c->index + 1) | 1;
        c->out_cap = HB_HEAD_RESERVE + 32 + (size_t)cfg->batch * HB_ATTEMPT_JSON_MAX;
        c->out = malloc(c->out_cap);
        c->in_cap = 16384;
        c->in = malloc(c->in_cap);
        c->inflight = calloc(cfg->batch, sizeof *c->inflight);
        if (c->out == NULL || c->in == NULL || c->inflight == NULL)
            return false;
        if (!hb_conn_open(w, c)) {
            w->connect_failed = true;
            return false;
        }
        c->reconnects = 0;
    }
    return true;
}

static void hb_worker_free(hb_worker *w)
{
    for (unsigned i = 0; w->conns != NULL && i < w->conn_count; i++) {
        if (w->conns[i].fd >= 0)
            close(w->conns[i].fd);
        free(w->conns[i].out);
        free(w->conns[i].in);
        free(w->conns[i].inflight);
    }
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->history != NULL)
        fclose(w->history);
    free(w->acked_units);
    free(w->doubt_units);
}

static void hb_progress(hb_shared *sh, hb_worker *workers, unsigned started)
{
    uint64_t last_print = sh->start_ns, last_count = 0;
    for (unsigned joined = 0; joined < started;) {
        struct timespec step = {0, HB_TICK_MS * 1000000L};
        nanosleep(&step, NULL);
        if (hb_interrupted)
            atomic_store(&sh->stop, true);
        uint64_t count = atomic_load_explicit(&sh->answered, memory_order_relaxed);
        uint64_t t = bench_now_ns();
        if (t - last_print >= HB_PROGRESS_EVERY_MS * 1000000ull) {
            fprintf(stderr, "bench: %.0f s, %" PRIu64 " attempts, %.0f/s, %" PRIu64 " lost\n",
                    (double)(t - sh->start_ns) / 1e9, count,
                    (double)(count - last_count) * 1e9 / (double)(t - last_print),
                    atomic_load_explicit(&sh->lost, memory_order_relaxed));
            last_print = t;
            last_count = count;
        }
        for (; joined < started; joined++) {
            if (pthread_tryjoin_np(workers[joined].thread, NULL) != 0)
                break;
        }
    }
}

typedef struct hb_totals {
    bench_stats stats;
    uint64_t http_status[HB_STATUS_MAX];
    uint64_t replayed, lost, timeouts, bad_answers, no_outcome;
    uint64_t resources_checked, resources_wrong;
} hb_totals;

static void hb_print(const hb_config *cfg, const hb_totals *t, double seconds, const char *label,
                     bool verified)
{
    if (!cfg->json) {
        bench_stats_print(stdout, &t->stats, seconds, label, 0);
        printf("  http:");
        for (int s = 0; s < HB_STATUS_MAX; s++) {
            if (t->http_status[s] != 0)
                printf(" %d %" PRIu64, s, t->http_status[s]);
        }
        printf("\n  replayed %" PRIu64 ", lost requests %" PRIu64 " (timeouts %" PRIu64
               "), attempts without outcome %" PRIu64 ", bad answers %" PRIu64 "\n",
               t->replayed, t->lost, t->timeouts, t->no_outcome, t->bad_answers);
        if (verified)
            printf("  check: %" PRIu64 " resources read back, %" PRIu64 " disagree\n",
                   t->resources_checked, t->resources_wrong);
        return;
    }
    /* Reuse the in-process summary's JSON and add what HTTP adds. */
    char *text = NULL;
    size_t text_len = 0;
    FILE *mem = open_memstream(&text, &text_len);
    if (mem == NULL)
        return;
    bench_stats_print(mem, &t->stats, seconds, label, 1);
    fclose(mem);
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    if (o == NULL) {
        fputs("{\"error\":\"internal\"}\n", stdout);
        return;
    }
    json_t *http = json_object();
    for (int s = 0; s < HB_STATUS_MAX; s++) {
        if (t->http_status[s] != 0) {
            char key[8];
            snprintf(key, sizeof key, "%d", s);
            json_object_set_new(http, key, json_integer((json_int_t)t->http_status[s]));
        }
    }
    json_object_set_new(o, "http_status", http);
    json_object_set_new(o, "replayed", json_integer((json_int_t)t->replayed));
    json_object_set_new(o, "lost_requests", json_integer((json_int_t)t->lost));
    json_object_set_new(o, "timeouts", json_integer((json_int_t)t->timeouts));
    json_object_set_new(o, "attempts_without_outcome", json_integer((json_int_t)t->no_outcome));
    json_object_set_new(o, "bad_answers", json_integer((json_int_t)t->bad_answers));
    json_object_set_new(o, "connections", json_integer(cfg->connections));
    json_object_set_new(o, "batch", json_integer(cfg->batch));
    if (verified) {
        json_object_set_new(o, "resources_checked", json_integer((json_int_t)t->resources_checked));
        json_object_set_new(o, "resources_wrong", json_integer((json_int_t)t->resources_wrong));
    }
    char *out = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)); /* "seconds" stays short */
    json_decref(o);
    if (out != NULL)
        puts(out);
    free(out);
}

/* Reads every resource back: booked must lie between the fresh BOOKED answers and
 * those plus every attempt in doubt, and never above capacity. */
static void hb_verify(hb_control *ctl, hb_shared *sh, hb_worker *workers, unsigned count,
                      hb_totals *t)
{
    const hb_config *cfg = sh->cfg;
    for (uint64_t r = 0; r < cfg->resources; r++) {
        uint64_t acked = 0, doubt = 0, capacity = 0, booked = 0;
        for (unsigned i = 0; i < count; i++) {
            acked += workers[i].acked_units[r];
            doubt += workers[i].doubt_units[r];
        }
        t->resources_checked++;
        if (!hb_read_resource(ctl, sh->resource_ids[r], &capacity, &booked)) {
            fprintf(stderr, "booking bench: cannot read resource %s back\n", sh->resource_ids[r]);
            t->resources_wrong++;
        } else if (booked < acked || booked - acked > doubt || booked > capacity) {
            fprintf(stderr,
                    "booking bench: resource %s: booked %" PRIu64 ", capacity %" PRIu64
                    ", but answers say %" PRIu64 " booked (+ up to %" PRIu64 " in doubt)\n",
                    sh->resource_ids[r], booked, capacity, acked, doubt);
            t->resources_wrong++;
        }
    }
}

/* Runs the workers with SIGINT/SIGTERM ending the run early; returns its seconds. */
static double hb_run(hb_shared *sh, hb_worker *workers, unsigned *started)
{
    const hb_config *cfg = sh->cfg;
    struct sigaction sa = {.sa_handler = hb_on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    hb_interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sh->start_ns = bench_now_ns();
    uint64_t limit_s = cfg->attempts != 0 ? (uint64_t)HB_DURATION_MAX_S : cfg->duration_s;
    sh->deadline_ns = sh->start_ns + limit_s * 1000000000ull;
    for (*started = 0; *started < cfg->threads; (*started)++) {
        if (pthread_create(&workers[*started].thread, NULL, hb_worker_run, &workers[*started]) != 0) {
            cli_error("bench", "cannot start thread %u", *started);
            atomic_store(&sh->stop, true);
            break;
        }
    }
    hb_progress(sh, workers, *started);
    double seconds = (double)(bench_now_ns() - sh->start_ns) / 1e9;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return seconds;
}

/* Sums the workers, writes the history, reads the resources back, prints; the exit code. */
static int hb_report(hb_control *ctl, hb_shared *sh, hb_worker *workers, const hb_conn *conns,
                     double seconds)
{
    const hb_config *cfg = sh->cfg;
    hb_totals *t = calloc(1, sizeof *t);
    if (t == NULL)
        return cli_error("bench", "out of memory");
    for (unsigned i = 0; i < cfg->threads; i++) {
        hb_worker *w = &workers[i];
        bench_stats_merge(&t->stats, &w->stats);
        for (int s = 0; s < HB_STATUS_MAX; s++)
            t->http_status[s] += w->http_status[s];
        t->replayed += w->replayed;
        t->lost += w->lost;
        t->timeouts += w->timeouts;
        t->bad_answers += w->bad_answers;
        t->no_outcome += w->no_outcome;
        if (w->history != NULL && ferror(w->history))
            w->history_failed = true;
    }
    bool history_ok = true;
    if (ctl->history != NULL)
        history_ok = hb_history_merge(ctl->history, workers, cfg->threads);
    if (cfg->verify) {
        uint64_t max_process = 0;
        for (unsigned i = 0; i < cfg->connections; i++)
            max_process = conns[i].process > max_process ? conns[i].process : max_process;
        ctl->process = (max_process + 1) * cfg->batch; /* no connection ever used it */
        hb_verify(ctl, sh, workers, cfg->threads, t);
    }
    char label[200];
    snprintf(label, sizeof label, "%.64s connections=%u threads=%u resources=%" PRIu64 " batch=%u",
             cfg->url, cfg->connections, cfg->threads, cfg->resources, cfg->batch);
    hb_print(cfg, t, seconds, label, cfg->verify);
    int rc = CLI_EXIT_OK;
    if (!history_ok || (ctl->history != NULL && fflush(ctl->history) != 0)) {
        cli_error("bench", "could not write the history to %s", cfg->history_path);
        rc = CLI_EXIT_ERROR;
    }
    if (t->bad_answers != 0 || t->resources_wrong != 0 || t->stats.attempts == 0)
        rc = CLI_EXIT_ERROR;
    free(t);
    return rc;
}

int cmd_bench_http(int argc, char **argv)
{
    hb_config cfg = {.connections = 64, .threads = 2, .duration_s = 10, .resources =
                     HB_SPREAD_RESOURCES_DEFAULT, .batch = 1, .capacity = BOOKING_CAPACITY_MAX,
                     .units_max = 1, .timeout_ms = HB_TIMEOUT_MS_DEFAULT, .verify = true};
    cfg.seed = bench_now_ns() ^ ((uint64_t)getpid() << 32);
    int rc = hb_parse_args(argc, argv, &cfg);
    if (rc >= 0)
        return rc;

    hb_shared sh = {.cfg = &cfg};
    snprintf(sh.tag, sizeof sh.tag, "%016" PRIx64, cfg.seed);
    hb_build_heads(&sh);
    hb_control ctl = {.cfg = &cfg, .fd = -1};
    FILE *history = NULL;
    hb_worker *workers = calloc(cfg.threads, sizeof *workers);
    hb_conn *conns = calloc(cfg.connections, sizeof *conns);
    sh.resource_ids = calloc(cfg.resources, sizeof *sh.resource_ids);
    rc = CLI_EXIT_ERROR;
    if (workers == NULL || conns == NULL || sh.resource_ids == NULL) {
        cli_error("bench", "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < cfg.connections; i++)
        conns[i].fd = -1;
    for (unsigned i = 0; i < cfg.threads; i++)
        workers[i].epfd = -1;
    if (cfg.history_path != NULL && (history = fopen(cfg.history_path, "w")) == NULL) {
        cli_error("bench", "cannot write --history %s", cfg.history_path);
        goto out;
    }
    ctl.history = history;
    ctl.process = 0; /* before the run, process 0 is free */
    for (uint64_t r = 0; r < cfg.resources; r++) {
        snprintf(sh.resource_ids[r], HB_ID_BYTES, "r-%s-%" PRIu64, sh.tag, r);
        if (!hb_create_resource(&ctl, sh.resource_ids[r]))
            goto out;
    }
    unsigned conn_next = 0;
    for (unsigned i = 0; i < cfg.threads; i++) {
        if (!hb_worker_init(&workers[i], &sh, i, conns + conn_next)) {
            cli_error("bench", "cannot open %u connections to %s (%s)", cfg.connections, cfg.url,
                      strerror(errno));
            goto out;
        }
        conn_next += workers[i].conn_count;
    }
    unsigned started = 0;
    double seconds = hb_run(&sh, workers, &started);
    if (started < cfg.threads)
        goto out;
    rc = hb_report(&ctl, &sh, workers, conns, seconds);
out:
    if (history != NULL && fclose(history) != 0)
        rc = CLI_EXIT_ERROR;
    if (ctl.fd >= 0)
        close(ctl.fd);
    free(ctl.buf);
    for (unsigned i = 0; workers != NULL && i < cfg.threads; i++)
        hb_worker_free(&workers[i]);
    free(workers);
    free(conns);
    free(sh.resource_ids);
    return rc;
}
