/* webhook_server.c: the seed's webhook receiver, in C on libkassa.
 *
 * Listens on PORT (3000) on every address and, one connection at a time:
 *   POST /webhook   verifies the panda callback and answers
 *                   415 "Content-Type must be application/json" unless the
 *                       Content-Type is exactly application/json,
 *                   401 "Invalid API key" for a wrong X-API-Key,
 *                   401 "Invalid signature" for a wrong X-Signature,
 *                   200 (empty body) after printing "Callback JSON: <body>";
 *   POST elsewhere  404; other methods 501.
 * Environment: API_KEY (apiKey), API_SECRET (apiSecret), PORT (3000).
 * Plain POSIX sockets, so the one pkg-config line builds it:
 *   cc webhook_server.c $(pkg-config --cflags --libs kassa) */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <kassa/kassa.h>

#define HEAD_MAX (64 * 1024)
#define BODY_MAX (16 * 1024 * 1024)
#define MAX_HEADERS 100

struct request {
    char *head; /* request line and headers, NUL-split in place */
    char *method;
    char *target;
    const char *names[MAX_HEADERS];
    const char *values[MAX_HEADERS];
    size_t n_headers;
    char *body;
    size_t body_len;
};

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v ? v : def;
}

/* The first value of header name (case-insensitive), or NULL. */
static const char *header(const struct request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void respond(int fd, int code, const char *reason, const char *body)
{
    char head[512];
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    size_t blen = body ? strlen(body) : 0;
    int n;

    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    n = snprintf(head, sizeof head,
                 "HTTP/1.0 %d %s\r\nServer: kassa-webhook-example\r\nDate: %s\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 code, reason, date, blen);
    if (n < 0 || (size_t)n >= sizeof head)
        return;
    if (write_all(fd, head, (size_t)n) == 0 && blen)
        write_all(fd, body, blen);
}

/* Read one request from fd into *r (r->head and r->body malloc'd).
 * Returns 0, or the HTTP status to answer with (400, 413), or -1 to drop. */
static int read_request(int fd, struct request *r)
{
    char *buf = malloc(HEAD_MAX + 1);
    size_t len = 0;
    char *end = NULL;
    char *line;
    char *next;
    const char *cl;
    long long clen = 0;

    memset(r, 0, sizeof *r);
    if (!buf)
        return -1;
    r->head = buf;
    while (!end) {
        ssize_t n;
        if (len == HEAD_MAX)
            return 413;
        n = read(fd, buf + len, HEAD_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    *end = '\0';
    /* Request line: METHOD SP TARGET SP VERSION */
    line = buf;
    next = strstr(line, "\r\n");
    if (next) {
        *next = '\0';
        next += 2;
    }
    r->method = line;
    r->target = strchr(line, ' ');
    if (!r->target)
        return 400;
    *r->target++ = '\0';
    {
        char *sp = strchr(r->target, ' ');
        if (!sp)
            return 400;
        *sp = '\0';
    }
    for (line = next; line && *line; line = next) {
        char *colon;
        next = strstr(line, "\r\n");
        if (next) {
            *next = '\0';
            next += 2;
        }
        colon = strchr(line, ':');
        if (!colon || r->n_headers == MAX_HEADERS)
            return 400;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vl = strlen(v);
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            v[--vl] = '\0';
        r->names[r->n_headers] = line;
        r->values[r->n_headers] = v;
        r->n_headers++;
    }
    cl = header(r, "Content-Length");
    if (cl) {
        char *e;
        errno = 0;
        clen = strtoll(cl, &e, 10);
        if (errno || e == cl || *e || clen < 0)
            return 400;
        if (clen > BODY_MAX)
            return 413;
    }
    /* libcurl (a gateway's dispatcher) asks before sending a large body. */
    {
        const char *expect = header(r, "Expect");
        if (expect && strcasecmp(expect, "100-continue") == 0 &&
            write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0)
            return -1;
    }
    r->body = malloc((size_t)clen + 1);
    if (!r->body)
        return -1;
    /* Bytes already read past the head belong to the body. */
    {
        size_t have = len - (size_t)(end + 4 - buf);
        if (have > (size_t)clen)
            have = (size_t)clen;
        memcpy(r->body, end + 4, have);
        r->body_len = have;
    }
    while (r->body_len < (size_t)clen) {
        ssize_t n = read(fd, r->body + r->body_len, (size_t)clen - r->body_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        r->body_len += (size_t)n;
    }
    r->body[r->body_len] = '\0';
    return 0;
}

static const char *or_none(const char *s)
{
    return s ? s : "None";
}

static void handle(int fd, const char *api_key, const char *api_secret)
{
    struct request r;
    char when[32];
    time_t now;
    struct tm tm;
    kassa_err rc;
    int st = read_request(fd, &r);

    if (st == 400) {
        respond(fd, 400, "Bad Request", "Bad request");
        goto out;
    }
    if (st == 413) {
        respond(fd, 413, "Payload Too Large", "Request too large");
        goto out;
    }
    if (st != 0)
        goto out;
    if (strcmp(r.method, "POST") != 0) {
        respond(fd, 501, "Unsupported method", "Unsupported method");
        goto out;
    }
    if (strcmp(r.target, "/webhook") != 0) {
        respond(fd, 404, "Not Found", NULL);
        goto out;
    }
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("\n=== Received Callback ===\n");
    printf("Time: %s\n", when);
    printf("Method: %s\n", r.method);
    printf("\nHeaders:\n");
    printf("Content-Type: %s\n", or_none(header(&r, "Content-Type")));
    printf("X-API-Key: %s\n", or_none(header(&r, "X-API-Key")));
    printf("X-Signature: %s\n", or_none(header(&r, "X-Signature")));
    printf("X-Timestamp: %s\n", or_none(header(&r, "X-Timestamp")));

    {
        const char *ct = header(&r, "Content-Type");
        if (!ct || strcmp(ct, "application/json") != 0) {
            respond(fd, 415, "Unsupported Media Type", "Content-Type must be application/json");
            goto out;
        }
    }
    /* Window 0: like the seed, the timestamp's age is not checked. */
    rc = kassa_panda_callback_verify(api_key, api_secret, header(&r, "X-API-Key"),
                                     header(&r, "X-Timestamp"), header(&r, "X-Signature"), r.body,
                                     r.body_len, 0, (int64_t)now);
    if (rc == KASSA_EAUTH_KEY) {
        respond(fd, 401, "Unauthorized", "Invalid API key");
        goto out;
    }
    if (rc != KASSA_OK) {
        respond(fd, 401, "Unauthorized", "Invalid signature");
        goto out;
    }
    printf("Callback JSON: %s\n", r.body);
    respond(fd, 200, "OK", NULL);
out:
    fflush(stdout);
    free(r.head);
    free(r.body);
}

int main(void)
{
    const char *api_key = env_or("API_KEY", "apiKey");
    const char *api_secret = env_or("API_SECRET", "apiSecret");
    const char *port_s = env_or("PORT", "3000");
    struct sockaddr_in addr;
    struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
    char *e;
    long port;
    int one = 1;
    int fd;

    errno = 0;
    port = strtol(port_s, &e, 10);
    if (errno || e == port_s || *e || port < 0 || port > 65535) {
        fprintf(stderr, "PORT must be a number from 0 to 65535, not \"%s\"\n", port_s);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((unsigned short)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
        perror("bind");
        close(fd);
        return 1;
    }
    printf("Test merchant API server starting on port %ld...\n", port);
    printf("Webhook URL: http://localhost:%ld/webhook\n", port);
    fflush(stdout);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            break;
        }
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        handle(c, api_key, api_secret);
        close(c);
    }
    close(fd);
    return 1;
}
