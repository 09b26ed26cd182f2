/* fuzz_request.c: whole requests of each dialect through kassad itself: the
 * HTTP layer, the router, the dialect, the core and a real SQLite store,
 * started in-process on a loopback port. The input's first byte picks a
 * route; the rest is the body (or the path, or a multipart upload) and the
 * target signs it with the shop's credentials the way a merchant would, so
 * the fuzzer gets past authentication into the parsers and the rules
 * behind them.
 *
 * Properties: every request is answered (a status line), never with a 500
 * (bad input is the client's error, never an internal one), and a JSON
 * answer is JSON. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/log.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "http/http.h"
#include "kassa/callback.h"
#include "kassa/sign.h"
#include "router.h"
#include "server.h"
#include "store/store.h"
#include "txn/submit.h"
#include "txn/writer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ADMIN_TOKEN "fuzz-admin-token-0123456789abcdef"

static struct {
    uint16_t port;
    char panda_key[KEY_SIZE], panda_secret[KEY_SIZE];
    char tegro_key[KEY_SIZE], tegro_secret[KEY_SIZE];
    char shop_id[TOKEN_SIZE];
    char order_uuid[64];
    long long nonce;
} S;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_request: %s\n", what);
    abort();
}

static void start_kassad(void)
{
    char dir[] = "/tmp/kassa-fuzz-XXXXXX", url[128], err[256];
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    snprintf(url, sizeof url, "sqlite:%s/kassa.db", dir);
    clock_init(false);
    log_set_level((enum log_level)(LOG_ERROR + 1)); /* refusals are expected: quiet */
    struct core_settings cs = {.idempotency_ttl = 86400};
    cs.n_dialects = dialect_core_dialects(cs.dialects, SHOP_DIALECTS_MAX);
    core_configure(&cs);
    if (store_open(url, &app.store, err, sizeof err) != KASSA_OK)
        die(err);
    if ((app.writer = writer_start_n(app.store, 64, 1)) == NULL)
        die("writer_start_n");
    core_use_store(app.store);
    submit_use_writer(app.writer);
    dialect_configure(&(struct dialect_settings){.public_url = "http://127.0.0.1",
                                                 .timestamp_window = 300,
                                                 .admin_token = ADMIN_TOKEN,
                                                 .max_upload = 1 << 20});
    http_set_limits(64, 10);
    if (http_start("127.0.0.1:0", 2, 1 << 20, 1 << 20, router_handle, err, sizeof err) != 0)
        die(err);
    S.port = http_port();

    /* A shop with an SBP requisite and one pending order to act on. */
    struct shop_create_cmd shop = {.task.run = shop_create_apply};
    char msg[256];
    snprintf(shop.shop.name, sizeof shop.shop.name, "Fuzz shop");
    snprintf(shop.shop.url, sizeof shop.shop.url, "https://shop.example");
    snprintf(shop.shop.callback_url, sizeof shop.shop.callback_url, "https://shop.example/cb");
    if (shop_create_prepare(&shop, msg, sizeof msg) != KASSA_OK ||
        writer_run(app.writer, &shop.task) != KASSA_OK)
        die("shop");
    const struct shop_dialect *p = shop_dialect_find(&shop.shop, "panda");
    const struct shop_dialect *t = shop_dialect_find(&shop.shop, "tegro");
    if (p == NULL || t == NULL)
        die("shop rows");
    snprintf(S.panda_key, sizeof S.panda_key, "%s", p->api_key);
    snprintf(S.panda_secret, sizeof S.panda_secret, "%s", p->secret);
    snprintf(S.tegro_key, sizeof S.tegro_key, "%s", t->api_key);
    snprintf(S.tegro_secret, sizeof S.tegro_secret, "%s", t->secret);
    snprintf(S.shop_id, sizeof S.shop_id, "%s", shop.shop.public_key);

    struct requisite_add_cmd rq = {.task.run = requisite_add_apply};
    snprintf(rq.req.type, sizeof rq.req.type, "SBP");
    snprintf(rq.req.value, sizeof rq.req.value, "+79990001122");
    snprintf(rq.req.owner_full_name, sizeof rq.req.owner_full_name, "Ivan Petrov");
    snprintf(rq.req.bank_code, sizeof rq.req.bank_code, "sber");
    snprintf(rq.req.country_code, sizeof rq.req.country_code, "RUS");
    if (requisite_add_prepare(&rq, msg, sizeof msg) != KASSA_OK ||
        writer_run(app.writer, &rq.task) != KASSA_OK)
        die("requisite");

    struct order_create_cmd oc = {.task.run = order_create_apply};
    oc.shop = shop.shop;
    oc.order.amount = 100000;
    oc.order.origin = dialect_find("panda")->id;
    snprintf(oc.order.currency, sizeof oc.order.currency, "RUB");
    snprintf(oc.order.requisite_type, sizeof oc.order.requisite_type, "SBP");
    if (order_create_prepare(&oc) != KASSA_OK || writer_run(app.writer, &oc.task) != KASSA_OK)
        die("order");
    snprintf(S.order_uuid, sizeof S.order_uuid, "%s", oc.order.uuid);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    start_kassad();
    return 0;
}

/* ---- one request -------------------------------------------------------- */

struct req {
    char head[4096];
    size_t head_len;
    const void *body;
    size_t body_len;
};

static void head_add(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void head_add(struct req *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->head + r->head_len, sizeof r->head - r->head_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->head_len +=
            (size_t)n < sizeof r->head - r->head_len ? (size_t)n : sizeof r->head - r->head_len - 1;
}

static void start_line(struct req *r, const char *method, const char *target)
{
    r->head_len = 0;
    head_add(r, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, target);
}

static bool send_all(int fd, const void *p, size_t n)
{
    const char *at = p;
    while (n > 0) {
        ssize_t k = send(fd, at, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        at += k;
        n -= (size_t)k;
    }
    return true;
}

/* Send r, read the whole answer; its status (0: none) and body. */
static int exchange(const struct req *r, char **answer, size_t *answer_len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(S.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc;
    while ((rc = connect(fd, (struct sockaddr *)&a, sizeof a)) != 0 && errno == EINTR)
        ;
    if (rc != 0)
        die("connect");
    char cl[64];
    int n = snprintf(cl, sizeof cl, "Content-Length: %zu\r\n\r\n", r->body_len);
    if (!send_all(fd, r->head, r->head_len) || !send_all(fd, cl, (size_t)n) ||
        !send_all(fd, r->body, r->body_len)) {
        close(fd);
        return -1; /* refused mid-way (a 4xx closes early): not a finding */
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    ssize_t got;
    errno = 0;
    /* libFuzzer's timer (SIGALRM) interrupts a wait now and then. */
    while (buf != NULL &&
           ((got = recv(fd, buf + len, cap - len, 0)) > 0 || (got < 0 && errno == EINTR))) {
        if (got < 0)
            continue;
        len += (size_t)got;
        if (len == cap) {
            char *more = realloc(buf, cap * 2 + 1);
            if (more == NULL)
                break;
            buf = more;
            cap *= 2;
        }
    }
    int recv_errno = errno;
    close(fd);
    if (buf == NULL)
        die("malloc");
    if (len == 0)
        fprintf(stderr, "fuzz_request: empty answer (recv: %s)\n", strerror(recv_errno));
    buf[len] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    /* The body only, and only a JSON one: else none. */
    char *sep = strstr(buf, "\r\n\r\n");
    *answer = buf;
    *answer_len = 0;
    if (sep != NULL) {
        *sep = '\0';
        bool json = strcasestr(buf, "\r\nContent-Type: application/json") != NULL;
        size_t off = (size_t)(sep + 4 - buf);
        memmove(buf, buf + off, len - off + 1);
        *answer_len = json ? len - off : 0;
    }
    return status;
}

/* panda's plain signature headers over signed_part. */
static void panda_headers(struct req *r, const void *signed_part, size_t len)
{
    char ts[32], sig[KASSA_SHA256_HEX_SIZE];
    snprintf(ts, sizeof ts, "%lld", (long long)clock_now());
    kassa_panda_sign(S.panda_secret, ts, signed_part, len, sig);
    head_add(r, "X-API-Key: %s\r\nX-Timestamp: %s\r\nX-Signature: %s\r\n", S.panda_key, ts, sig);
}

/* A target from fuzzed bytes: what a path may hold as is, the rest
 * percent-encoded (a request line must stay one line). */
static void path_from(char *dst, size_t size, const char *prefix, const uint8_t *d, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t at = (size_t)snprintf(dst, size, "%s", prefix);
    for (size_t i = 0; i < n && at + 4 < size; i++) {
        unsigned char c = d[i];
        if (c > 0x20 && c < 0x7f && c != '#') {
            dst[at++] = (char)c;
        } else {
            dst[at++] = '%';
            dst[at++] = hex[c >> 4];
            dst[at++] = hex[c & 15];
        }
    }
    dst[at] = '\0';
}

enum route {
    R_PANDA_CREATE,
    R_PANDA_CREATE_LEGACY,
    R_PANDA_CREATE_STRICT,
    R_PANDA_GET,
    R_PANDA_RECEIPT,
    R_TEGRO_REST,
    R_TEGRO_FORM,
    R_ADMIN,
    R_COUNT
};

static const char *const tegro_methods[] = {
    "createOrder", "order",   "orders",           "balance",    "shops",
    "rates",       "modules", "createWithdrawal", "withdrawal", "withdrawals"};

static const struct {
    const char *method, *path;
} admin_calls[] = {{"POST", "/admin/v1/shops"},
                   {"PATCH", "/admin/v1/shops/1"},
                   {"POST", "/admin/v1/requisites"},
                   {"POST", "/admin/v1/rates"},
                   {"PUT", "/admin/v1/shops/1/methods/28"}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    enum route route = data[0] % R_COUNT;
    unsigned pick = data[1];
    const uint8_t *in = data + 2;
    size_t n = size - 2;
    static struct req r;
    char target[2048];
    char *body = NULL; /* one the target built */

    r.body = in;
    r.body_len = n;
    switch (route) {
    case R_PANDA_CREATE:
    case R_PANDA_CREATE_LEGACY:
        start_line(&r, "POST", route == R_PANDA_CREATE ? "/v1/orders" : "/orders");
        head_add(&r, "Content-Type: application/json\r\n");
        panda_headers(&r, in, n);
        break;
    case R_PANDA_CREATE_STRICT: {
        char ts[32], sig[KASSA_SHA256_HEX_SIZE];
        snprintf(ts, sizeof ts, "%lld", (long long)clock_now());
        kassa_panda_sign_strict(S.panda_secret, ts, "POST", "/v1/orders", in, n, sig);
        start_line(&r, "POST", "/v1/orders");
        head_add(&r,
                 "X-API-Key: %s\r\nX-Timestamp: %s\r\nX-Signature: %s\r\n"
                 "X-Signature-Mode: strict\r\n",
                 S.panda_key, ts, sig);
        break;
    }
    case R_PANDA_GET:
        path_from(target, sizeof target, pick & 1 ? "/v1/orders/" : "/orders/", in, n);
        start_line(&r, pick & 2 ? "POST" : "GET", target);
        panda_headers(&r, "", 0);
        r.body_len = 0;
        break;
    case R_PANDA_RECEIPT: {
        /* The input: a boundary line, then the multipart body. */
        const uint8_t *nl = memchr(in, '\n', n < 72 ? n : 72);
        size_t blen = nl != NULL ? (size_t)(nl - in) : 0;
        snprintf(target, sizeof target, "/v1/orders/%s/receipt", S.order_uuid);
        start_line(&r, "POST", target);
        path_from(target, sizeof target, "", in, blen);
        head_add(&r, "Content-Type: multipart/form-data; boundary=%s\r\n", target);
        snprintf(target, sizeof target, "/v1/orders/%s/receipt", S.order_uuid);
        panda_headers(&r, target, strlen(target));
        r.body = nl != NULL ? nl + 1 : in;
        r.body_len = nl != NULL ? n - blen - 1 : n;
        break;
    }
    case R_TEGRO_REST: {
        /* {"shop_id":..., "nonce":<new>, <the input> */
        const char *m = tegro_methods[pick % (sizeof tegro_methods / sizeof tegro_methods[0])];
        size_t cap = n + 128;
        body = malloc(cap);
        if (body == NULL)
            die("malloc");
        int h = snprintf(body, cap, "{\"shop_id\":\"%s\",\"nonce\":%lld,", S.shop_id, ++S.nonce);
        memcpy(body + h, in, n);
        r.body = body;
        r.body_len = (size_t)h + n;
        char sig[KASSA_SHA256_HEX_SIZE];
        kassa_tegro_rest_sign(S.tegro_key, r.body, r.body_len, sig);
        snprintf(target, sizeof target, "/api/%s/", m);
        start_line(&r, "POST", target);
        head_add(&r, "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n", sig);
        break;
    }
    case R_TEGRO_FORM: {
        /* The input as form fields, the shop's id first, signed with the
         * shop's secret when it parses. */
        size_t cap = n + 256;
        body = malloc(cap);
        if (body == NULL)
            die("malloc");
        int h = snprintf(body, cap, "shop_id=%s&", S.shop_id);
        memcpy(body + h, in, n);
        size_t len = (size_t)h + n;
        body[len] = '\0';
        kassa_form f;
        if (kassa_form_parse(body, len, &f) == KASSA_OK) {
            char sign[KASSA_MD5_HEX_SIZE];
            if (kassa_tegro_form_sign(f.fields, f.n, S.tegro_secret, KASSA_FORM_URLENCODED, sign) ==
                KASSA_OK)
                len += (size_t)snprintf(body + len, cap - len, "&sign=%s", sign);
            kassa_form_free(&f);
        }
        r.body = body;
        r.body_len = len;
        start_line(&r, "POST", "/pay/");
        head_add(&r, "Content-Type: application/x-www-form-urlencoded\r\n");
        break;
    }
    case R_ADMIN: {
        size_t k = pick % (sizeof admin_calls / sizeof admin_calls[0]);
        start_line(&r, admin_calls[k].method, admin_calls[k].path);
        head_add(&r, "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n", ADMIN_TOKEN);
        break;
    }
    case R_COUNT:
        break;
    }

    char *answer = NULL;
    size_t answer_len = 0;
    int status = exchange(&r, &answer, &answer_len);
    free(body);
    if (status == -1)
        return 0;
    if (status < 100 || status > 599) {
        fprintf(stderr, "fuzz_request: no status line in the answer to route %d\n", route);
        abort();
    }
    if (status == 500) {
        fprintf(stderr, "fuzz_request: 500 on route %d: %.300s\n", route, answer);
        abort();
    }
    if (answer_len > 0) {
        json_error_t jerr;
        json_t *doc = json_loadb(answer, answer_len, 0, &jerr);
        if (doc == NULL) {
            fprintf(stderr, "fuzz_request: route %d answered bad JSON: %s\n", route, jerr.text);
            abort();
        }
        json_decref(doc);
    }
    free(answer);
    return 0;
}
