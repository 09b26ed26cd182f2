/* http.c: the HTTP front on libmicrohttpd (see http.h).
 *
 * One `struct http_conn` per request, created in the URI log callback (the
 * only place MHD shows the request target exactly as received) and freed in
 * the request-completed callback. The access handler collects the body,
 * calls the handler once, and queues the reply either at once or, for a
 * suspended request, when MHD calls it again after http_resume.
 *
 * Suspend/resume race: http_suspend only marks the request. After the
 * handler returned HTTP_SUSPENDED the access handler, under http_mu, either
 * finds the request already resumed (the worker was faster) and queues the
 * reply at once, or suspends the MHD connection and marks it suspended;
 * http_resume, under the same mutex, marks the request resumed and resumes
 * the MHD connection only if it was really suspended. A global mutex (not a
 * per-request one) so nothing touches a request's memory after its owner
 * may have freed it. */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/random.h"
#include "conns.h"
#include "http_conn.h"
#include "file_body.h"
#include "listen.h"
#include "requests.h"
#include "resume.h"
#include "tls.h"

#define HTTP_ARENA_EXTRA (1024 * 1024) /* arena bytes beyond the body limit */
#define HTTP_CONN_MEMORY (16 * 1024)
#define HTTP_CONN_TIMEOUT 30   /* seconds of idle before MHD closes */
#define HTTP_STOP_WAIT_MS 5000 /* how long http_stop lets transfers finish */
/* The request target kassad lets libmicrohttpd parse. MHD keeps the
 * request line, the headers and one 56-byte record per query argument in
 * the connection's HTTP_CONN_MEMORY; when the records do not fit it closes
 * the connection without an answer. A target within these limits always
 * fits (the line takes at most half the pool); one beyond gets kassad's own
 * 414 before MHD parses it. */
#define HTTP_TARGET_MAX 8000
#define HTTP_QUERY_ARGS_MAX 64

static struct MHD_Daemon *http_daemon;
static bool http_tls; /* serving HTTPS (tls.c holds the pair) */
static http_handler http_cb;
static size_t http_max_body;
static size_t http_max_upload;
#define HTTP_UPLOAD_FILES 5 /* files a dispute's evidence may be (core DISPUTE_FILES_MAX) */
static int http_max_conns = 1024;
static int http_request_timeout = 60;
pthread_mutex_t http_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int http_live;    /* requests between URI callback and completion */
static atomic_int http_pending; /* requests handled but not yet queued */

static const char http_413[] = "{\"error\":\"request body too large\"}";
static const char http_500[] = "{\"error\":\"Internal server error\"}";
static const char http_400_framing[] =
    "{\"error\":\"request has both Content-Length and Transfer-Encoding\"}";

static struct http_conn *conn_of(struct http_req *req)
{
    return req->priv;
}

/* ---- request id ------------------------------------------------------ */

static void make_request_id(char out[17])
{
    random_hex(out, 8, false);
}

/* ---- per-request state ----------------------------------------------- */

static struct http_conn *conn_new(const char *uri, struct MHD_Connection *mhd)
{
    struct http_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->mhd = mhd;
    c->state = ST_BODY;
    c->req.priv = c;
    /* The arena is sized for the largest body; the real limit is known once
     * the method and path are (first access-handler call). */
    arena_init(&c->req.arena, HTTP_UPLOAD_FILES * http_max_upload + HTTP_ARENA_EXTRA);
    make_request_id(c->req.id);
    c->t0_us = clock_mono_us();
    c->req.route_class = http_metrics_unclassified();
    const char *target = uri != NULL ? uri : "";
    c->req.raw_target = arena_strdup(&c->req.arena, target);
    if (c->req.raw_target == NULL) {
        arena_free(&c->req.arena);
        free(c);
        return NULL;
    }
    const char *q = strchr(c->req.raw_target, '?');
    c->req.query = q != NULL ? q + 1 : "";
    c->req.method = "";
    c->req.path = "";
    c->req.body = "";
    atomic_fetch_add(&http_live, 1);
    return c;
}

static void reply_clear(struct http_conn *c)
{
    http_stream_free(c->stream);
    c->stream = NULL;
    free(c->ctype);
    free(c->rbody);
    file_body_free(c->rfile);
    c->rfile = NULL;
    c->ctype = NULL;
    c->rbody = NULL;
    c->rlen = 0;
    struct http_hdr *h = c->rheaders;
    while (h != NULL) {
        struct http_hdr *next = h->next;
        free(h->name);
        free(h->value);
        free(h);
        h = next;
    }
    c->rheaders = NULL;
}

static void conn_free(struct http_conn *c)
{
    if (c->counted_pending)
        atomic_fetch_sub(&http_pending, 1);
    reply_clear(c);
    buf_free(&c->body);
    arena_free(&c->req.arena);
    free(c);
    atomic_fetch_sub(&http_live, 1);
}

struct hdr_count {
    struct http_conn *c;
    size_t n;
};

static enum MHD_Result hdr_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct hdr_count *hc = cls;
    struct http_conn *c = hc->c;
    if (c->hnames != NULL && hc->n < c->nheaders) {
        c->hnames[hc->n] = arena_strdup(&c->req.arena, key);
        c->hvalues[hc->n] = arena_strdup(&c->req.arena, value != NULL ? value : "");
    }
    hc->n++;
    return MHD_YES;
}

/* Copy the request headers into the arena; -1 when it is full. */
static int copy_headers(struct http_conn *c)
{
    struct hdr_count hc = {c, 0};
    MHD_get_connection_values(c->mhd, MHD_HEADER_KIND, hdr_collect, &hc);
    c->nheaders = hc.n;
    c->hnames = arena_calloc(&c->req.arena, (hc.n + 1) * sizeof(char *));
    c->hvalues = arena_calloc(&c->req.arena, (hc.n + 1) * sizeof(char *));
    if (c->hnames == NULL || c->hvalues == NULL)
        return -1;
    hc.n = 0;
    MHD_get_connection_values(c->mhd, MHD_HEADER_KIND, hdr_collect, &hc);
    if (hc.n < c->nheaders)
        c->nheaders = hc.n;
    for (size_t i = 0; i < c->nheaders; i++)
        if (c->hnames[i] == NULL || c->hvalues[i] == NULL)
            return -1;
    return 0;
}

const char *http_header(struct http_req *req, const char *name)
{
    struct http_conn *c = conn_of(req);
    if (c == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < c->nheaders; i++)
        if (strcasecmp(c->hnames[i], name) == 0)
            return c->hvalues[i];
    return NULL;
}

void http_client_addr(struct http_req *req, char *buf, size_t size)
{
    struct http_conn *c = conn_of(req);
    if (size == 0)
        return;
    buf[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        c != NULL ? MHD_get_connection_info(c->mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)size);
}

/* ---- replies ----------------------------------------------------------- */

void http_set_reply(struct http_conn *c, int status, const char *ctype, char *body, size_t len)
{
    http_stream_free(c->stream);
    c->stream = NULL;
    free(c->rbody);
    free(c->ctype);
    file_body_free(c->rfile);
    c->rfile = NULL;
    c->status = status;
    c->ctype = ctype != NULL ? strdup(ctype) : NULL;
    c->rbody = body;
    c->rlen = body != NULL ? len : 0;
    c->reply_set = true;
}

void http_reply(struct http_req *req, int status, const char *content_type, const char *body,
                size_t len)
{
    struct http_conn *c = conn_of(req);
    char *copy = NULL;
    if (body != NULL && len > 0) {
        copy = malloc(len);
        if (copy == NULL) {
            /* Out of memory: an empty 500 rather than a wrong answer. */
            status = 500;
            len = 0;
        } else {
            memcpy(copy, body, len);
        }
    }
    pthread_mutex_lock(&http_mu);
    http_set_reply(c, status, content_type, copy, copy != NULL ? len : 0);
    pthread_mutex_unlock(&http_mu);
}

void http_reply_owned(struct http_req *req, int status, const char *content_type, char *body,
                      size_t len)
{
    struct http_conn *c = conn_of(req);
    pthread_mutex_lock(&http_mu);
    http_set_reply(c, status, content_type, body, len);
    pthread_mutex_unlock(&http_mu);
}

void http_reply_file(struct http_req *req, int status, const char *content_type, int fd,
                     uint64_t size, void (*done)(void *arg), void *arg)
{
    struct http_conn *c = conn_of(req);
    struct file_body *f = file_body_new(fd, size, done, arg);
    if (f == NULL) {
        http_reply(req, 500, "application/json", http_500, strlen(http_500));
        return;
    }
    pthread_mutex_lock(&http_mu);
    http_set_reply(c, status, content_type, NULL, 0);
    c->rfile = f;
    pthread_mutex_unlock(&http_mu);
}

void http_add_header(struct http_req *req, const char *name, const char *value)
{
    struct http_conn *c = conn_of(req);
    if (name == NULL || value == NULL)
        return;
    struct http_hdr *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return;
    h->name = strdup(name);
    h->value = strdup(value);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        free(h);
        return;
    }
    pthread_mutex_lock(&http_mu);
    struct http_hdr **tail = &c->rheaders;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = h;
    pthread_mutex_unlock(&http_mu);
}

void http_on_resume(struct http_req *req, void (*fn)(struct http_req *req, void *arg), void *arg)
{
    struct http_conn *c = conn_of(req);
    c->on_resume = fn;
    c->on_resume_arg = arg;
}

void http_suspend(struct http_req *req)
{
    conn_of(req)->suspend_wanted = true;
}

void http_resume(struct http_req *req)
{
    struct http_conn *c = conn_of(req);
    struct MHD_Connection *mhd = NULL;
    pthread_mutex_lock(&http_mu);
    c->resumed = true;
    if (c->suspended) {
        c->suspended = false;
        mhd = c->mhd;
    }
    pthread_mutex_unlock(&http_mu);
    /* Last touch of the request: once resumed it may complete and be freed. */
    if (mhd != NULL)
        MHD_resume_connection(mhd);
}

/* Queue the stored reply (or a 500 when none was set). The caller owns the
 * request exclusively (no worker thread holds it any more). */
static enum MHD_Result queue_reply(struct http_conn *c)
{
    if (c->counted_pending) {
        c->counted_pending = false;
        atomic_fetch_sub(&http_pending, 1);
    }
    if (c->on_resume != NULL) {
        void (*fn)(struct http_req *, void *) = c->on_resume;
        c->on_resume = NULL;
        fn(&c->req, c->on_resume_arg);
    }
    if (!c->reply_set) {
        log_error("handler set no reply", "path=%s", c->req.path);
        reply_clear(c);
        char *b = strdup(http_500);
        http_set_reply(c, 500, "application/json", b, b != NULL ? strlen(http_500) : 0);
    }
    struct MHD_Response *r;
    uint64_t sent = c->rlen;
    if (c->stream != NULL) {
        r = http_stream_response(&c->stream);
    } else if (c->rfile != NULL) {
        sent = file_body_size(c->rfile);
        r = file_body_response(c->rfile);
        if (r != NULL)
            c->rfile = NULL; /* MHD frees it now */
    } else if (c->rbody != NULL && c->rlen > 0) {
        r = MHD_create_response_from_buffer(c->rlen, c->rbody, MHD_RESPMEM_MUST_FREE);
        if (r != NULL)
            c->rbody = NULL; /* MHD frees it now */
    } else {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (r == NULL)
        return MHD_NO;
    if (c->ctype != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, c->ctype);
    MHD_add_response_header(r, "X-Request-Id", c->req.id);
    for (struct http_hdr *h = c->rheaders; h != NULL; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    c->sent_status = c->status;
    c->sent_bytes = (size_t)sent;
    enum MHD_Result ret = MHD_queue_response(c->mhd, (unsigned int)c->status, r);
    MHD_destroy_response(r);
    c->state = ST_QUEUED;
    return ret;
}

static enum MHD_Result queue_static(struct http_conn *c, int status, const char *body)
{
    reply_clear(c);
    char *b = strdup(body);
    http_set_reply(c, status, "application/json", b, b != NULL ? strlen(body) : 0);
    return queue_reply(c);
}

/* ---- MHD callbacks ----------------------------------------------------- */

static struct conn_rec *rec_of(struct MHD_Connection *mhd)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

/* Give the request state to the connection's record (which frees it if
 * MHD closes the connection without completing the request). */
static void conn_attach(struct http_conn *c, struct MHD_Connection *mhd)
{
    c->rec = rec_of(mhd);
    struct http_conn *stale = conns_request_start(c->rec, c);
    if (stale != NULL)
        conn_free(stale);
}

static const char http_414[] = "HTTP/1.1 414 URI Too Long\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 35\r\n"
                               "Connection: close\r\n\r\n"
                               "{\"error\":\"request target too long\"}";

/* Whether the target is beyond what kassad lets MHD parse. */
static bool target_too_big(const char *uri, size_t *nargs)
{
    size_t len = strlen(uri);
    const char *q = strchr(uri, '?');
    size_t n = 0;
    if (q != NULL && q[1] != '\0')
        for (n = 1; *q != '\0'; q++)
            n += *q == '&';
    *nargs = n;
    return len > HTTP_TARGET_MAX || n > HTTP_QUERY_ARGS_MAX;
}

/* Write the 414 on the connection before MHD parses the arguments (a
 * short answer into an empty socket buffer; best effort), then shut the
 * sending side: MHD, which may still fail on the rest of the request (its
 * pool full of arguments and headers), must not send a second answer
 * after it (a 431 used to follow the 414 on the same connection). */
static void send_414(struct MHD_Connection *mhd)
{
    const union MHD_ConnectionInfo *ci;
    if (http_tls) {
        ci = MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        if (ci != NULL && ci->tls_session != NULL)
            (void)gnutls_record_send(ci->tls_session, http_414, sizeof http_414 - 1);
    }
    ci = MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL)
        return;
    if (!http_tls)
        (void)!send(ci->connect_fd, http_414, sizeof http_414 - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    shutdown(ci->connect_fd, SHUT_WR);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mhd)
{
    (void)cls;
    struct http_conn *c = conn_new(uri, mhd);
    if (c == NULL)
        return NULL;
    conn_attach(c, mhd);
    size_t nargs = 0;
    if (target_too_big(c->req.raw_target, &nargs)) {
        /* MHD may not manage to answer once it parsed them (see
         * HTTP_TARGET_MAX): answer now; on_access then closes. */
        c->refused = true;
        c->sent_status = 414;
        log_set_request(c->req.id, c->req.who);
        log_warn("request refused: target too long", "bytes=%zu args=%zu",
                 strlen(c->req.raw_target), nargs);
        log_set_request_id(NULL);
        conns_request_received(c->rec);
        send_414(mhd);
    }
    return c;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* First call: method, path, headers, limit. Returns -1 when out of memory. */
static int conn_start(struct http_conn *c, const char *url, const char *method)
{
    c->started = true;
    c->req.method = arena_strdup(&c->req.arena, method);
    c->req.path = arena_strdup(&c->req.arena, url);
    if (c->req.method == NULL || c->req.path == NULL || copy_headers(c) != 0)
        return -1;
    /* A receipt is one uploaded file; a dispute's opening or a trader's
     * rejection carries up to HTTP_UPLOAD_FILES of them. */
    bool post = strcmp(method, "POST") == 0;
    bool files = post && (ends_with(url, "/disputes") ||
                          (strstr(url, "/disputes/") != NULL && ends_with(url, "/reject")));
    c->limit = files                                ? HTTP_UPLOAD_FILES * http_max_upload
               : post && ends_with(url, "/receipt") ? http_max_upload
                                                    : http_max_body;
    c->req.route_class = http_metrics_classify(&c->req);
    buf_init(&c->body, c->limit);
    /* Now the body limit is known: the arena gets that plus HTTP_ARENA_EXTRA
     * (it was sized for the largest until here). */
    if (c->req.arena.used <= c->limit + HTTP_ARENA_EXTRA)
        c->req.arena.limit = c->limit + HTTP_ARENA_EXTRA;
    return 0;
}

/* Append upload data; switches to ST_TOOBIG past the limit, and when
 * memory runs out (we cannot hold it: too big all the same). */
static void body_append(struct http_conn *c, const char *data, size_t n)
{
    if (buf_add(&c->body, data, n) != KASSA_OK) {
        buf_free(&c->body);
        c->req.body_len = 0;
        c->state = ST_TOOBIG;
        return;
    }
    c->req.body_len = buf_len(&c->body);
}

static enum MHD_Result run_handler(struct http_conn *c)
{
    if (buf_ptr(&c->body) != NULL) {
        c->req.body = buf_ptr(&c->body);
        c->req.body_len = buf_len(&c->body);
    } else {
        c->req.body = "";
        c->req.body_len = 0;
    }
    c->state = ST_HANDLING;
    c->counted_pending = true;
    atomic_fetch_add(&http_pending, 1);

    log_set_request(c->req.id, c->req.who);
    enum http_action act = http_cb(&c->req);
    enum MHD_Result ret = MHD_YES;
    if (act != HTTP_SUSPENDED || !c->suspend_wanted) {
        ret = queue_reply(c);
        goto out;
    }
    /* From here on another thread may own the request until it resumes it;
     * only the flags under http_mu are ours to read. */
    pthread_mutex_lock(&http_mu);
    bool already = c->resumed;
    if (!already) {
        MHD_suspend_connection(c->mhd);
        c->suspended = true;
    }
    pthread_mutex_unlock(&http_mu);
    if (already)
        ret = queue_reply(c);
out:
    log_set_request_id(NULL);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *mhd, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct http_conn *c = *con_cls;
    if (c == NULL) {
        /* No URI callback ran (should not happen): rebuild the target. */
        c = conn_new(url, mhd);
        if (c == NULL)
            return MHD_NO;
        conn_attach(c, mhd);
        *con_cls = c;
    }
    if (c->refused)
        return MHD_NO; /* on_uri answered 414: close */
    if (!c->started) {
        if (conn_start(c, url, method) != 0)
            return MHD_NO;
        if (http_header(&c->req, MHD_HTTP_HEADER_CONTENT_LENGTH) != NULL &&
            http_header(&c->req, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL) {
            /* Two framings: a proxy that trusts the other one would see
             * another request in the body (request smuggling). Refuse,
             * and close: where this body ends is not known. */
            conns_request_received(c->rec);
            log_set_request(c->req.id, c->req.who);
            http_add_header(&c->req, MHD_HTTP_HEADER_CONNECTION, "close");
            enum MHD_Result ret = queue_static(c, 400, http_400_framing);
            log_set_request_id(NULL);
            return ret;
        }
        const char *cl = http_header(&c->req, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *expect = http_header(&c->req, MHD_HTTP_HEADER_EXPECT);
        if (cl != NULL && expect != NULL && strcasecmp(expect, "100-continue") == 0) {
            char *end = NULL;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == 0 && end != cl && *end == '\0' && n > c->limit) {
                /* The client waits for 100 Continue: refuse before it sends. */
                c->state = ST_TOOBIG;
                conns_request_received(c->rec);
                log_set_request(c->req.id, c->req.who);
                enum MHD_Result ret = queue_static(c, 413, http_413);
                log_set_request_id(NULL);
                return ret;
            }
        }
        /* MHD's first call carries no data; should one ever carry some,
         * it is body like any other. */
        if (*upload_data_size == 0)
            return MHD_YES;
    }

    if (*upload_data_size > 0) {
        if (c->state == ST_BODY)
            body_append(c, upload_data, *upload_data_size);
        /* ST_TOOBIG: drain, keep nothing. */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (c->state == ST_BODY || c->state == ST_TOOBIG)
        conns_request_received(c->rec); /* received whole: no deadline now */
    switch (c->state) {
    case ST_BODY:
        return run_handler(c);
    case ST_TOOBIG: {
        log_set_request(c->req.id, c->req.who);
        enum MHD_Result ret = queue_static(c, 413, http_413);
        log_set_request_id(NULL);
        return ret;
    }
    case ST_HANDLING: {
        /* Called again after http_resume. */
        log_set_request(c->req.id, c->req.who);
        enum MHD_Result ret = queue_reply(c);
        log_set_request_id(NULL);
        return ret;
    }
    case ST_QUEUED:
        return MHD_YES;
    }
    return MHD_NO;
}

/* Copy a path for a `k=v` log field: spaces, quotes, '%' and control bytes
 * percent-encoded so the field stays one token. */
static void log_safe(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; *s != '\0' && o + 4 < size; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch == '"' || ch == '%' || ch == 0x7f) {
            out[o++] = '%';
            hex_encode(&ch, 1, out + o, true);
            o += 2;
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_conn *c = *con_cls;
    if (c == NULL)
        return;
    *con_cls = NULL;
    int64_t us = clock_mono_us() - c->t0_us;
    long long ms = (long long)(us / 1000);
    http_metrics_count(c->req.route_class, c->sent_status, us);
    if (c->started) {
        char path[512];
        log_safe(c->req.path, path, sizeof(path));
        log_set_request(c->req.id, c->req.who);
        if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
            log_info("request", "method=%s path=%s status=%d bytes=%zu ms=%lld", c->req.method,
                     path, c->sent_status, c->sent_bytes, ms);
        else
            log_info("request", "method=%s path=%s status=%d bytes=%zu ms=%lld end=%d",
                     c->req.method, path, c->sent_status, c->sent_bytes, ms, (int)toe);
        log_set_request_id(NULL);
    }
    conns_request_done(c->rec);
    conn_free(c);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    log_msg(LOG_WARN, buf, "component=microhttpd");
}

/* ---- daemon ------------------------------------------------------------ */

/* ---- the acceptor ----------------------------------------------------------
 * kassad accepts connections itself and hands each to MHD with
 * MHD_add_connection, which gives it to worker (fd mod workers): the
 * connections spread evenly over the worker threads. With MHD accepting,
 * every worker polls the listening socket and whichever wakes first takes
 * the connection; with one worker per CPU, all 64 of a client's
 * connections landed on one of two workers in 3 of 8 runs, and the other
 * CPU idled (33 k reads/s instead of 50 k). */

static struct {
    int fd;           /* the listening socket, -1 when none */
    pthread_t thread; /* runs while http_daemon is set */
    atomic_bool stopping;
} A = {.fd = -1};

static void *acceptor_main(void *arg)
{
    pthread_setname_np(pthread_self(), "kassa-accept"); /* top -H, perf */
    (void)arg;
    int64_t last_reap = clock_mono_ms();
    for (;;) {
        /* Wake at least every 250 ms: to stop, and to close the
         * connections past their request deadline once a second. */
        struct pollfd pfd = {.fd = A.fd, .events = POLLIN};
        int ready = poll(&pfd, 1, 250);
        if (atomic_load(&A.stopping))
            break;
        int64_t now = clock_mono_ms();
        if (now - last_reap >= 1000) {
            conns_reap(now);
            last_reap = now;
        }
        if (ready <= 0)
            continue;
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(A.fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0 && errno == EAGAIN)
            continue;
        if (fd < 0) {
            if (errno == EBADF || errno == EINVAL || errno == ENOTSOCK || errno == EOPNOTSUPP) {
                log_error("accept failed; no longer accepting", "error=\"%s\"", strerror(errno));
                break; /* the socket itself is gone: retrying would spin */
            }
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                log_warn("accept failed; retrying", "error=\"%s\"", strerror(errno));
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            continue; /* EINTR, ECONNABORTED, a network error of that connection */
        }
        if (!conns_admit(fd, http_tls))
            continue; /* answered 503 and closed */
        /* On failure MHD closes the socket (and logs through on_mhd_error). */
        if (MHD_add_connection(http_daemon, fd, (struct sockaddr *)&addr, len) != MHD_YES)
            conns_add_failed(fd);
    }
    return NULL;
}

/* Stop accepting: the acceptor sees A.stopping within 250 ms. */
static void acceptor_stop(void)
{
    atomic_store(&A.stopping, true);
    shutdown(A.fd, SHUT_RDWR);
    pthread_join(A.thread, NULL);
}

/* Each connection's record in the table (conns.h), its socket context.
 * With TLS, tls.c also counts the open connections: a replaced certificate
 * is freed when the last connection that may have handshaken with it
 * closes. */
static void on_connection(void *cls, struct MHD_Connection *mhd, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CONNECTION_FD);
        int fd = ci != NULL ? ci->connect_fd : -1;
        uint64_t token = http_tls ? tls_conn_open() : 0;
        *socket_context = conns_open(fd, token);
        if (*socket_context == NULL) {
            /* Not admitted by the acceptor (cannot happen): close it. */
            if (http_tls)
                tls_conn_close(token);
            if (fd >= 0)
                shutdown(fd, SHUT_RDWR);
        }
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        uint64_t token = 0;
        bool tracked = *socket_context != NULL;
        struct http_conn *left = conns_close(*socket_context, &token);
        *socket_context = NULL;
        if (http_tls && tracked)
            tls_conn_close(token);
        if (left != NULL) {
            /* MHD closed the connection mid-request without reporting
             * the request complete (e.g. its pool ran out while parsing). */
            log_set_request(left->req.id, left->req.who);
            log_info("request dropped by libmicrohttpd", "end=closed");
            log_set_request_id(NULL);
            conn_free(left);
        }
    }
}

void http_set_limits(int max_connections, int request_timeout_s)
{
    if (max_connections > 0)
        http_max_conns = max_connections;
    if (request_timeout_s > 0)
        http_request_timeout = request_timeout_s;
}

int http_start(const char *listen, int threads, size_t max_body, size_t max_upload,
               http_handler handler, char *err, size_t errlen)
{
    if (http_daemon != NULL) {
        snprintf(err, errlen, "http: already started");
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    bool v6 = false;
    if (listen_resolve(listen, &ss, &sslen, &v6, err, errlen) != 0)
        return -1;
    http_cb = handler;
    http_max_body = max_body;
    http_max_upload = max_upload > max_body ? max_upload : max_body;
    atomic_store(&http_live, 0);
    atomic_store(&http_pending, 0);
    http_metrics_register();

    /* poll(), not epoll: epoll costs two epoll_ctl calls per suspended
     * request (~10 % more creates at 64 connections with poll) at the price
     * of a scan per wake-up (~15 % fewer reads at 512 connections). */
    unsigned int flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                         MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET;
    /* HTTPS: MHD asks tls.c for the pair at each handshake, so a reload
     * needs no new daemon. Passed as an array: MHD refuses the option on a
     * daemon without TLS. */
    http_tls = tls_enabled();
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tls_retrieve},
        {MHD_OPTION_END, 0, NULL},
    };
    if (http_tls)
        flags |= MHD_USE_TLS;
    else
        tls_opts[0] = tls_opts[1];
    unsigned int pool = threads > 1 ? (unsigned int)threads : 1;
    int fit = http_max_conns;
    if (conns_configure(fit, http_request_timeout) != 0 ||
        ((fit = listen_fit_fd_limit(fit, conns_mhd_limit())) != http_max_conns &&
         conns_configure(fit, http_request_timeout) != 0)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* MHD's limit: every worker must be able to hold all of kassad's
     * connections (MHD picks the worker by descriptor), see conns.h. */
    unsigned int mhd_limit = conns_mhd_limit() * pool;
    A.fd = listen_socket(&ss, sslen, v6, err, errlen, listen);
    if (A.fd < 0)
        return -1;
    http_daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, NULL,
        /* The logger first, so MHD reports everything after it through log.c. */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL, MHD_OPTION_THREAD_POOL_SIZE, pool,
        MHD_OPTION_CONNECTION_LIMIT, mhd_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)HTTP_CONN_TIMEOUT, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        /* MHD clears a connection's pool for every request: keep it small
         * (headers only; bodies are copied to our own buffer). */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_ARRAY,
        tls_opts, MHD_OPTION_END);
    if (http_daemon == NULL) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen,
                 errno != 0 ? strerror(errno) : "libmicrohttpd failed to start");
        close(A.fd);
        A.fd = -1;
        return -1;
    }
    atomic_store(&A.stopping, false);
    if (pthread_create(&A.thread, NULL, acceptor_main, NULL) != 0) {
        snprintf(err, errlen, "cannot listen on %s: no acceptor thread", listen);
        MHD_stop_daemon(http_daemon);
        http_daemon = NULL;
        close(A.fd);
        A.fd = -1;
        return -1;
    }
    if (resumer_start() != 0)
        log_warn("no resumer thread: requests are resumed by their workers");
    log_info("listening", "addr=%s port=%u threads=%u tls=%d max_connections=%d", listen,
             (unsigned)http_port(), pool, (int)http_tls, fit);
    return 0;
}

void http_stop(void)
{
    if (http_daemon == NULL)
        return;
    acceptor_stop();    /* no new connections; the socket closes after the drain */
    conns_close_idle(); /* nor keep-alive ones waiting for a request */
    /* Let requests in flight finish. Suspended ones are waited for without
     * a limit: their workers still hold pointers into them, and MHD aborts
     * the process when stopped with a suspended connection. Requests still
     * being received or sent get HTTP_STOP_WAIT_MS. */
    for (int waited = 0;; waited += 10) {
        int pending = atomic_load(&http_pending);
        if (pending == 0 && (atomic_load(&http_live) == 0 || waited >= HTTP_STOP_WAIT_MS))
            break;
        if (pending != 0 && waited > 0 && waited % 5000 == 0)
            log_warn("stopping: waiting for suspended requests", "pending=%d", pending);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(http_daemon);
    http_daemon = NULL;
    resumer_stop();
    if (A.fd >= 0)
        close(A.fd);
    A.fd = -1;
}

uint16_t http_port(void)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (A.fd < 0 || getsockname(A.fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}
