/* metrics.c: GET /metrics (see metrics.h). */
#include "metrics.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/metric.h"
#include "callback/dispatcher.h"
#include "core/core.h"
#include "core/query.h"
#include "dialect/reply.h"
#include "http/conns.h"
#include "kassa/kassa.h"
#include "kassa/sign.h"
#include "server.h"
#include "store/store.h"

#define METRICS_TEXT_MAX (4 * 1024 * 1024) /* bytes of the text, at most */

static struct metrics_allow allow;
static const char *admin_token;

/* ---- the allow-list ------------------------------------------------------- */

/* addr as 16 bytes (IPv4 mapped into IPv6); false when it is no address. */
static bool addr_parse(const char *s, unsigned char out[16], bool *v4)
{
    unsigned char a4[4];
    *v4 = inet_pton(AF_INET, s, a4) == 1;
    if (*v4) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, a4, 4);
        return true;
    }
    return inet_pton(AF_INET6, s, out) == 1;
}

/* One item "ADDR[/LEN]" (n bytes at s) into net. */
static bool net_parse(const char *s, size_t n, struct metrics_net *net)
{
    char text[INET6_ADDRSTRLEN + 8];
    if (n == 0 || n >= sizeof text)
        return false;
    memcpy(text, s, n);
    text[n] = '\0';
    char *slash = strchr(text, '/');
    long len = -1;
    if (slash != NULL) {
        *slash = '\0';
        char *end = NULL;
        if (slash[1] < '0' || slash[1] > '9')
            return false;
        len = strtol(slash + 1, &end, 10);
        if (*end != '\0')
            return false;
    }
    bool v4;
    if (!addr_parse(text, net->addr, &v4))
        return false;
    long max = v4 ? 32 : 128;
    if (len > max)
        return false;
    net->bits = (int)(len < 0 ? 128 : v4 ? len + 96 : len);
    return true;
}

int metrics_allow_parse(const char *spec, struct metrics_allow *out, char *err, size_t errlen)
{
    out->n = 0;
    const char *p = spec != NULL ? spec : "";
    if (*p == '\0')
        return 0;
    for (;;) {
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (out->n == METRICS_ALLOW_MAX) {
            snprintf(err, errlen, "--metrics-allow: at most %d networks", METRICS_ALLOW_MAX);
            return -1;
        }
        if (!net_parse(s, (size_t)(e - s), &out->nets[out->n])) {
            snprintf(err, errlen,
                     "--metrics-allow: expected CIDR[,CIDR...] (e.g. 127.0.0.1/32,10.0.0.0/8), "
                     "got '%.*s'",
                     (int)(e - s > 64 ? 64 : e - s), s);
            return -1;
        }
        out->n++;
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

bool metrics_allow_has(const struct metrics_allow *a, const char *addr)
{
    unsigned char x[16];
    bool v4;
    if (addr == NULL || !addr_parse(addr, x, &v4))
        return false;
    for (int i = 0; i < a->n; i++) {
        const struct metrics_net *net = &a->nets[i];
        int whole = net->bits / 8, rest = net->bits % 8;
        if (memcmp(x, net->addr, (size_t)whole) != 0)
            continue;
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if (rest == 0 || ((x[whole] ^ net->addr[whole]) & mask) == 0)
            return true;
    }
    return false;
}

/* ---- who may scrape ------------------------------------------------------- */

/* The bootstrap admin token (compared in constant time), or any
 * operator's token (every role may read). Failures count with the admin
 * API's (core/guard.c): a token guessed here is no cheaper. *status: 401,
 * 429 (*retry_s set) or 503 (the token could not be checked). */
static bool token_ok(struct http_req *req, int *status, int *retry_s)
{
    char addr[64] = "";
    if (guard_active()) {
        http_client_addr(req, addr, sizeof addr);
        if (guard_locked("admin", addr, NULL, retry_s)) {
            *status = 429;
            return false;
        }
    }
    const char *h = http_header(req, "Authorization");
    const char *tok = admin_token;
    struct op_actor actor;
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
        h += 7;
        size_t n = tok != NULL ? strlen(tok) : 0;
        if (n > 0 && strlen(h) == n && kassa_ct_equal(h, tok, n))
            return true;
        kassa_err err = operator_authenticate(h, &actor);
        if (err == KASSA_OK && role_may(actor.role, PERM_READ))
            return true;
        if (err != KASSA_OK && err != KASSA_ENOTFOUND) {
            *status = 503;
            return false;
        }
    }
    if (addr[0] == '\0')
        http_client_addr(req, addr, sizeof addr);
    guard_fail("admin", addr, NULL);
    return false;
}

bool metrics_allowed(struct http_req *req, int *status, int *retry_s)
{
    if (allow.n > 0) {
        char addr[64];
        http_client_addr(req, addr, sizeof addr);
        *status = 403;
        return metrics_allow_has(&allow, addr);
    }
    *status = 401;
    return token_ok(req, status, retry_s);
}

/* ---- what is read at each scrape -------------------------------------------- */

static const char *const version[] = {KASSA_VERSION};
static struct metric build_info = {
    .name = "kassa_build_info",
    .help = "Always 1; the version of kassad in its label.",
    .type = METRIC_GAUGE,
    .n_labels = 1,
    .labels = {{.name = "version", .names = version, .n = 1}},
};
static struct metric db_up = {
    .name = "kassa_db_up",
    .help = "1 when the database answered this scrape's query, 0 when it could not be reached.",
    .type = METRIC_GAUGE,
};
static struct metric outbox_pending = {
    .name = "kassa_outbox_pending_callbacks",
    .help = "Callbacks waiting to be delivered (all nodes).",
    .type = METRIC_GAUGE,
};
static struct metric outbox_age = {
    .name = "kassa_outbox_oldest_pending_age_seconds",
    .help = "Age of the oldest pending callback (0: none).",
    .type = METRIC_GAUGE,
};
static struct metric outbox_unplanned = {
    .name = "kassa_outbox_unplanned_events",
    .help = "Order events committed but not yet planned into callbacks (all nodes).",
    .type = METRIC_GAUGE,
};
static struct metric withdrawals_pending = {
    .name = "kassa_withdrawals_pending",
    .help = "Withdrawals waiting for the operator to complete or reject them (all nodes).",
    .type = METRIC_GAUGE,
};
static struct metric in_flight = {
    .name = "kassa_callbacks_in_flight",
    .help = "Callback deliveries this node has in flight.",
    .type = METRIC_GAUGE,
};
static struct metric queue_depth = {
    .name = "kassa_writer_queue_depth",
    .help = "Commands waiting for the writer (not those in the batch it runs).",
    .type = METRIC_GAUGE,
};
static struct metric open_conns = {
    .name = "kassa_http_connections_open",
    .help = "HTTP connections open now.",
    .type = METRIC_GAUGE,
};
static const char *const close_reasons[] = {"refused", "evicted", "timedout"};
static struct metric closed_conns = {
    .name = "kassa_http_connections_closed_total",
    .help = "Connections kassad closed itself: refused (503 at --max-connections), evicted (idle, "
            "to make room), timedout (past --request-timeout).",
    .type = METRIC_COUNTER,
    .n_labels = 1,
    .labels = {{.name = "reason", .names = close_reasons, .n = 3}},
    .scraped = true,
};
static struct metric rss = {
    .name = "process_resident_memory_bytes",
    .help = "Resident memory size in bytes.",
    .type = METRIC_GAUGE,
};
static struct metric vsize = {
    .name = "process_virtual_memory_bytes",
    .help = "Virtual memory size in bytes.",
    .type = METRIC_GAUGE,
};
static struct metric start_time = {
    .name = "process_start_time_seconds",
    .help = "Start time of the process since the Unix epoch in seconds.",
    .type = METRIC_GAUGE,
};
static struct metric cpu = {
    .name = "process_cpu_seconds_total",
    .help = "User and system CPU time spent in seconds.",
    .type = METRIC_COUNTER,
    .scraped = true,
    .scale = 1e6,
};
static struct metric open_fds = {
    .name = "process_open_fds",
    .help = "Number of open file descriptors.",
    .type = METRIC_GAUGE,
};
static struct metric max_fds = {
    .name = "process_max_fds",
    .help = "Maximum number of open file descriptors.",
    .type = METRIC_GAUGE,
};

static struct metric *const scraped[] = {
    &build_info,
    &db_up,
    &outbox_pending,
    &outbox_age,
    &outbox_unplanned,
    &withdrawals_pending,
    &in_flight,
    &queue_depth,
    &open_conns,
    &closed_conns,
    &rss,
    &vsize,
    &start_time,
    &cpu,
    &open_fds,
    &max_fds,
};

int metrics_setup(const char *allow_spec, const char *token, char *err, size_t errlen)
{
    if (metrics_allow_parse(allow_spec, &allow, err, errlen) != 0)
        return -1;
    admin_token = token;
    for (size_t i = 0; i < sizeof scraped / sizeof scraped[0]; i++)
        metric_register(scraped[i]);
    metric_set(&build_info, 0, 1);
    metric_set(&start_time, 0, (int64_t)time(NULL));
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        metric_set(&max_fds, 0, rl.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_cur);
    return 0;
}

/* The database's figures: left out of the text when it cannot be read. */
static void gather_db(void)
{
    struct store_gauges g;
    kassa_err err = query_store_gauges(&g);
    bool ok = err == KASSA_OK;
    struct metric *db[] = {&outbox_pending, &outbox_age, &outbox_unplanned, &withdrawals_pending};
    for (size_t i = 0; i < sizeof db / sizeof db[0]; i++)
        atomic_store(&db[i]->absent, !ok);
    metric_set(&db_up, 0, ok && !store_unavailable());
    if (!ok)
        return;
    int64_t age = g.oldest_pending_ms > 0 ? (clock_now_ms() - g.oldest_pending_ms) / 1000 : 0;
    metric_set(&outbox_pending, 0, g.callbacks_pending);
    metric_set(&outbox_age, 0, age > 0 ? age : 0);
    metric_set(&outbox_unplanned, 0, g.events_unplanned);
    metric_set(&withdrawals_pending, 0, g.withdrawals_pending);
}

static void gather_process(void)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%llu %llu", &size, &resident) == 2) {
            metric_set(&vsize, 0, (int64_t)(size * (unsigned long long)page));
            metric_set(&rss, 0, (int64_t)(resident * (unsigned long long)page));
        }
        fclose(f);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        metric_set(&cpu, 0,
                   ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
                       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    DIR *d = opendir("/proc/self/fd");
    if (d != NULL) {
        int64_t n = 0;
        while (readdir(d) != NULL)
            n++;
        closedir(d);
        metric_set(&open_fds, 0, n - 3); /* ".", ".." and the directory itself */
    }
}

static void gather(void)
{
    gather_db();
    gather_process();
    struct dispatcher_counters dc;
    dispatcher_counters(&dc);
    metric_set(&in_flight, 0, dc.in_flight);
    metric_set(&queue_depth, 0, app.writer != NULL ? writer_queued(app.writer) : 0);
    struct conns_stats cs;
    conns_stats(&cs);
    metric_set(&open_conns, 0, cs.open);
    metric_set(&closed_conns, 0, (int64_t)cs.refused);
    metric_set(&closed_conns, 1, (int64_t)cs.evicted);
    metric_set(&closed_conns, 2, (int64_t)cs.timedout);
}

enum http_action metrics_handle(struct http_req *req)
{
    int status = 0;
    int retry = 1;
    if (!metrics_allowed(req, &status, &retry)) {
        if (status == 401) {
            http_add_header(req, "WWW-Authenticate", "Bearer");
            reply_error(req, 401, "missing or wrong bearer token");
        } else if (status == 429) {
            char s[16];
            snprintf(s, sizeof s, "%d", retry);
            http_add_header(req, "Retry-After", s);
            reply_error(req, 429, "too many failed authentications; try again in %d s", retry);
        } else if (status == 503) {
            reply_error(req, 503, "cannot check the token now; try again shortly");
        } else {
            reply_error(req, 403, "address not allowed to read metrics");
        }
        return HTTP_DONE;
    }
    if (strcmp(req->method, "GET") != 0) {
        http_add_header(req, "Allow", "GET");
        reply_error(req, 405, "Method not allowed");
        return HTTP_DONE;
    }
    gather();
    struct buf text;
    buf_init(&text, METRICS_TEXT_MAX);
    kassa_err err = metric_render(&text);
    size_t len = 0;
    char *body = err == KASSA_OK ? buf_take(&text, &len) : NULL;
    buf_free(&text);
    if (body == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    http_reply_owned(req, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
    return HTTP_DONE;
}
