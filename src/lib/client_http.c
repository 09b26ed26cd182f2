/* client_http.c: requests, responses and the libcurl transport of the
 * client library, plus the small helpers the dialect clients share. */
#include "client_internal.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ cbuf */

void cbuf_init(cbuf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void cbuf_free(cbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void cbuf_add(cbuf *b, const void *data, size_t len)
{
    if (b->failed)
        return;
    if (len > b->max || b->len > b->max - len) {
        b->failed = KASSA_ETOOBIG;
        return;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = KASSA_ENOMEM;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void cbuf_adds(cbuf *b, const char *s)
{
    cbuf_add(b, s, strlen(s));
}

/* Decode one UTF-8 sequence at s; returns its length (0 when invalid). */
static size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        if ((s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((unsigned long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        *cp = ((unsigned long)(s[0] & 0x0F) << 12) | ((unsigned long)(s[1] & 0x3F) << 6) |
              (s[2] & 0x3F);
        if (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF))
            return 0;
        return 3;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        *cp = ((unsigned long)(s[0] & 0x07) << 18) | ((unsigned long)(s[1] & 0x3F) << 12) |
              ((unsigned long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        if (*cp < 0x10000 || *cp > 0x10FFFF)
            return 0;
        return 4;
    }
    return 0;
}

void cbuf_add_json_string(cbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    char esc[48];

    cbuf_add(b, "\"", 1);
    while (*p && !b->failed) {
        unsigned long cp;
        size_t n = utf8_decode(p, &cp);
        if (n == 0) {
            b->failed = KASSA_EINVAL;
            return;
        }
        p += n;
        switch (cp) {
        case '"':
            cbuf_add(b, "\\\"", 2);
            continue;
        case '\\':
            cbuf_add(b, "\\\\", 2);
            continue;
        case '\n':
            cbuf_add(b, "\\n", 2);
            continue;
        case '\r':
            cbuf_add(b, "\\r", 2);
            continue;
        case '\t':
            cbuf_add(b, "\\t", 2);
            continue;
        case '\b':
            cbuf_add(b, "\\b", 2);
            continue;
        case '\f':
            cbuf_add(b, "\\f", 2);
            continue;
        default:
            break;
        }
        if (cp < 0x20 || (cp > 0x7E && cp != 0x7F)) {
            if (cp >= 0x10000) {
                unsigned long v = cp - 0x10000;
                snprintf(esc, sizeof esc, "\\u%04lx\\u%04lx", 0xD800 + (v >> 10),
                         0xDC00 + (v & 0x3FF));
            } else {
                snprintf(esc, sizeof esc, "\\u%04lx", cp);
            }
            cbuf_adds(b, esc);
        } else {
            char c = (char)cp;
            cbuf_add(b, &c, 1);
        }
    }
    cbuf_add(b, "\"", 1);
}

void cbuf_add_urlencoded(cbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '_' || *p == '.' || *p == '-' || *p == '~') {
            cbuf_add(b, p, 1);
        } else if (*p == ' ') {
            cbuf_add(b, "+", 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            cbuf_add(b, e, 3);
        }
    }
}

char *cbuf_take(cbuf *b)
{
    char *p;

    if (b->failed) {
        cbuf_free(b);
        return NULL;
    }
    if (!b->p) {
        p = malloc(1);
        if (p)
            p[0] = '\0';
        return p;
    }
    p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* --------------------------------------------------------------- helpers */

kassa_err client_fail(kassa_error *err, kassa_err code, long status, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    err->http_status = status;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

char *client_join_url(const char *host, const char *path)
{
    size_t hl = strlen(host);
    cbuf b;

    while (hl > 0 && host[hl - 1] == '/')
        hl--;
    cbuf_init(&b, 1u << 20);
    cbuf_add(&b, host, hl);
    cbuf_adds(&b, path);
    return cbuf_take(&b);
}

char *client_strdup(const char *s, int *oom)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

kassa_err client_check_status(const kassa_response *resp, kassa_error *err)
{
    json_t *root;
    json_t *msg;
    kassa_err rc;

    if (resp->status >= 200 && resp->status < 300)
        return KASSA_OK;
    root = json_loadb(resp->body ? resp->body : "", resp->body_len, 0, NULL);
    msg = json_is_object(root) ? json_object_get(root, "error") : NULL;
    if (json_is_string(msg))
        rc = client_fail(err, KASSA_EAPI, resp->status, "%s", json_string_value(msg));
    else
        rc = client_fail(err, KASSA_EHTTP, resp->status, "HTTP %ld %s: %.200s", resp->status,
                         resp->reason, resp->body ? resp->body : "");
    json_decref(root);
    return rc;
}

long long client_now_s(void)
{
    return (long long)time(NULL);
}

long long client_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

const char *client_json_value_end(const char *p, const char *end)
{
    int depth = 0;

    p = skip_ws(p, end);
    if (p >= end)
        return NULL;
    if (*p != '{' && *p != '[' && *p != '"') {
        while (p < end && !strchr(",]} \t\r\n", *p))
            p++;
        return p;
    }
    while (p < end) {
        char c = *p;
        if (c == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            if (p >= end)
                return NULL;
            p++;
        } else {
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']')
                depth--;
            p++;
        }
        if (depth == 0)
            return p;
    }
    return NULL;
}

kassa_err client_json_array_each(const char *doc, size_t len,
                                 kassa_err (*fn)(void *ctx, const char *v, size_t vlen), void *ctx)
{
    const char *end = doc + len;
    const char *p = skip_ws(doc, end);

    if (p >= end || *p != '[')
        return KASSA_EPROTO;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']')
        return KASSA_OK;
    while (p < end) {
        const char *v = skip_ws(p, end);
        const char *ve = client_json_value_end(v, end);
        kassa_err rc;
        if (!ve || ve == v)
            return KASSA_EPROTO;
        rc = fn(ctx, v, (size_t)(ve - v));
        if (rc != KASSA_OK)
            return rc;
        p = skip_ws(ve, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ']')
            return KASSA_OK;
        return KASSA_EPROTO;
    }
    return KASSA_EPROTO;
}

/* ------------------------------------------------------------------- misc */

kassa_err kassa_uuid4(char out[KASSA_UUID_SIZE])
{
    unsigned char r[16];

    if (RAND_bytes(r, sizeof r) != 1)
        return KASSA_EUNAVAILABLE;
    r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
    snprintf(out, KASSA_UUID_SIZE,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
    return KASSA_OK;
}

int kassa_decimal_valid(const char *s)
{
    const char *p = s;

    if (!s || !isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

/* ---------------------------------------------------------------- request */

kassa_err kassa_request_init(kassa_request *r, const char *method, const char *url)
{
    memset(r, 0, sizeof *r);
    if (!method || !url || strlen(method) >= sizeof r->method)
        return KASSA_EINVAL;
    memcpy(r->method, method, strlen(method) + 1);
    r->url = strdup(url);
    return r->url ? KASSA_OK : KASSA_ENOMEM;
}

kassa_err kassa_request_add_header(kassa_request *r, const char *name, const char *value)
{
    cbuf b;

    if (!name || !value || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n") ||
        r->n_headers >= KASSA_REQUEST_MAX_HEADERS)
        return KASSA_EINVAL;
    cbuf_init(&b, 1u << 16);
    cbuf_adds(&b, name);
    cbuf_adds(&b, ": ");
    cbuf_adds(&b, value);
    if (b.failed) {
        kassa_err rc = (kassa_err)b.failed;
        cbuf_free(&b);
        return rc == KASSA_ETOOBIG ? KASSA_EINVAL : rc;
    }
    r->headers[r->n_headers++] = cbuf_take(&b);
    return KASSA_OK;
}

kassa_err kassa_request_set_body(kassa_request *r, const void *data, size_t len)
{
    char *p = malloc(len + 1);

    if (!p)
        return KASSA_ENOMEM;
    if (len)
        memcpy(p, data, len);
    p[len] = '\0';
    free(r->body);
    r->body = p;
    r->body_len = len;
    return KASSA_OK;
}

const char *kassa_request_header(const kassa_request *r, const char *name)
{
    size_t nl = strlen(name);

    for (size_t i = 0; i < r->n_headers; i++) {
        const char *h = r->headers[i];
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':')
            return h[nl + 1] == ' ' ? h + nl + 2 : h + nl + 1;
    }
    return NULL;
}

void kassa_request_free(kassa_request *r)
{
    if (!r)
        return;
    free(r->url);
    free(r->body);
    for (size_t i = 0; i < r->n_headers; i++)
        free(r->headers[i]);
    memset(r, 0, sizeof *r);
}

void kassa_response_free(kassa_response *r)
{
    if (!r)
        return;
    free(r->body);
    memset(r, 0, sizeof *r);
}

const char *kassa_http_reason(long status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

/* ------------------------------------------------------------------- http */

struct kassa_http {
    CURL *curl;
    long timeout_ms;
    size_t max_body;
};

kassa_http *kassa_http_new(void)
{
    kassa_http *h = calloc(1, sizeof *h);

    if (!h)
        return NULL;
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return NULL;
    }
    h->timeout_ms = 30000;
    h->max_body = 8u << 20;
    return h;
}

void kassa_http_free(kassa_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h);
}

void kassa_http_set_timeout_ms(kassa_http *h, long ms)
{
    h->timeout_ms = ms < 0 ? 0 : ms;
}

void kassa_http_set_max_body(kassa_http *h, size_t max)
{
    h->max_body = max;
}

struct recv_state {
    cbuf body;
    char reason[64];
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct recv_state *st = userp;
    size_t n = size * nmemb;

    cbuf_add(&st->body, data, n);
    return st->body.failed ? 0 : n;
}

/* Keep the reason phrase of the last status line (after redirects or 100). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct recv_state *st = userp;
    size_t n = size * nmemb;

    if (n > 5 && memcmp(data, "HTTP/", 5) == 0) {
        const char *p = memchr(data, ' ', n);
        const char *end = data + n;
        st->reason[0] = '\0';
        if (p && (size_t)(end - p) > 4) {
            p += 4; /* " 200" */
            if (p < end && *p == ' ')
                p++;
            size_t len = 0;
            while (p + len < end && p[len] != '\r' && p[len] != '\n')
                len++;
            if (len >= sizeof st->reason)
                len = sizeof st->reason - 1;
            memcpy(st->reason, p, len);
            st->reason[len] = '\0';
        }
    }
    return n;
}

kassa_err kassa_http_send(kassa_http *h, const kassa_request *req, kassa_response *resp,
                          kassa_error *err)
{
    struct curl_slist *hdrs = NULL;
    struct recv_state st;
    char curl_err[CURL_ERROR_SIZE];
    kassa_err rc = KASSA_OK;
    CURLcode cc;
    CURL *c = h->curl;

    memset(resp, 0, sizeof *resp);
    memset(&st, 0, sizeof st);
    cbuf_init(&st.body, h->max_body);
    curl_err[0] = '\0';
    if (err)
        memset(err, 0, sizeof *err);

    /* Without an explicit empty Expect, curl waits for 100-continue on big
     * POSTs; and without a Content-Type line it would send a form one. */
    for (size_t i = 0; i < req->n_headers; i++) {
        struct curl_slist *n = curl_slist_append(hdrs, req->headers[i]);
        if (!n) {
            rc = client_fail(err, KASSA_ENOMEM, 0, "out of memory");
            goto out;
        }
        hdrs = n;
    }
    {
        struct curl_slist *n = curl_slist_append(hdrs, "Expect:");
        if (!n) {
            rc = client_fail(err, KASSA_ENOMEM, 0, "out of memory");
            goto out;
        }
        hdrs = n;
    }
    if (req->body && !kassa_request_header(req, "Content-Type")) {
        struct curl_slist *n = curl_slist_append(hdrs, "Content-Type:");
        if (!n) {
            rc = client_fail(err, KASSA_ENOMEM, 0, "out of memory");
            goto out;
        }
        hdrs = n;
    }

    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &st);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT,
                     "libkassa/"
                     "0.1");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        }
    }

    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        if (st.body.failed == KASSA_ENOMEM)
            rc = client_fail(err, KASSA_ENOMEM, 0, "out of memory");
        else if (st.body.failed == KASSA_ETOOBIG)
            rc = client_fail(err, KASSA_ETRANSPORT, 0, "answer larger than %zu bytes", h->max_body);
        else
            rc = client_fail(err, KASSA_ETRANSPORT, 0, "%s",
                             curl_err[0] ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    if (st.reason[0])
        memcpy(resp->reason, st.reason, sizeof resp->reason);
    else
        snprintf(resp->reason, sizeof resp->reason, "%s", kassa_http_reason(resp->status));
    resp->body_len = st.body.len;
    resp->body = cbuf_take(&st.body);
    if (!resp->body) {
        memset(resp, 0, sizeof *resp);
        rc = client_fail(err, KASSA_ENOMEM, 0, "out of memory");
    }
out:
    /* Leave no pointers to this stack frame in the handle. */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    cbuf_free(&st.body);
    return rc;
}
