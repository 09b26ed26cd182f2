/* client_panda.c: the PandaPay24 ("panda") merchant client: building signed
 * requests, sending them, decoding orders. */
#include "client_internal.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kassa/json.h"
#include "kassa/sign.h"

#define PANDA_BODY_MAX (1u << 20)

struct kassa_panda {
    char *host;
    char *api_key;
    char *secret;
    kassa_http *http;
    int strict; /* sign every request in strict mode */
};

/* Add the auth headers: X-API-Key, X-Signature over timestamp + body,
 * X-Timestamp. */
static kassa_err panda_sign_request(kassa_request *r, const char *api_key, const char *secret,
                                    const char *timestamp)
{
    char ts[32];
    char sig[KASSA_SHA256_HEX_SIZE];
    kassa_err rc;

    if (!timestamp) {
        snprintf(ts, sizeof ts, "%lld", client_now_s());
        timestamp = ts;
    }
    kassa_panda_sign(secret, timestamp, r->body ? r->body : "", r->body_len, sig);
    rc = kassa_request_add_header(r, "X-API-Key", api_key);
    if (rc == KASSA_OK)
        rc = kassa_request_add_header(r, "X-Signature", sig);
    if (rc == KASSA_OK)
        rc = kassa_request_add_header(r, "X-Timestamp", timestamp);
    return rc;
}

/* The value of header `name` in r ("Name: value" lines), or NULL. */
static const char *request_header(const kassa_request *r, const char *name, size_t *index)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->n_headers; i++)
        if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':') {
            *index = i;
            return r->headers[i] + n + 2;
        }
    return NULL;
}

kassa_err kassa_panda_request_strict(kassa_request *r, const char *secret)
{
    size_t ts_i, sig_i, mode_i;
    if (r == NULL || secret == NULL || r->url == NULL)
        return KASSA_EINVAL;
    const char *ts = request_header(r, "X-Timestamp", &ts_i);
    if (ts == NULL || request_header(r, "X-Signature", &sig_i) == NULL)
        return KASSA_EINVAL;
    /* The target: the URL from the path on ("https://h:1/v1/x?a" -> "/v1/x?a"). */
    const char *target = strstr(r->url, "://");
    target = target != NULL ? strchr(target + 3, '/') : r->url;
    if (target == NULL)
        target = "/";
    char sig[KASSA_SHA256_HEX_SIZE];
    kassa_panda_sign_strict(secret, ts, r->method, target, r->body ? r->body : "", r->body_len,
                            sig);
    char *line = malloc(sizeof "X-Signature: " + sizeof sig);
    if (line == NULL)
        return KASSA_ENOMEM;
    snprintf(line, sizeof "X-Signature: " + sizeof sig, "X-Signature: %s", sig);
    free(r->headers[sig_i]);
    r->headers[sig_i] = line;
    if (request_header(r, "X-Signature-Mode", &mode_i) != NULL)
        return KASSA_OK;
    return kassa_request_add_header(r, "X-Signature-Mode", "strict");
}

void kassa_panda_set_strict(kassa_panda *c, int strict)
{
    if (c != NULL)
        c->strict = strict != 0;
}

static void add_opt_member(cbuf *b, const char *name, const char *value)
{
    if (!value)
        return;
    cbuf_add(b, ",", 1);
    cbuf_add_json_string(b, name);
    cbuf_add(b, ":", 1);
    cbuf_add_json_string(b, value);
}

kassa_err kassa_panda_build_create_order(const char *host, const char *api_key, const char *secret,
                                         const kassa_panda_order_params *p, const char *timestamp,
                                         kassa_request *out)
{
    char uuid[KASSA_UUID_SIZE];
    const char *key;
    char *url = NULL;
    cbuf b;
    kassa_err rc;

    memset(out, 0, sizeof *out);
    cbuf_init(&b, PANDA_BODY_MAX);
    if (!host || !api_key || !secret || !p || !kassa_decimal_valid(p->amount) ||
        !p->requisite_type || !p->requisite_type[0]) {
        rc = KASSA_EINVAL;
        goto out;
    }
    key = p->idempotency_key;
    if (!key) {
        rc = kassa_uuid4(uuid);
        if (rc != KASSA_OK)
            goto out;
        key = uuid;
    }
    if (p->api == KASSA_PANDA_LEGACY) {
        /* The amount's exact digits become a JSON number, as the seed's
         * float literal is written by json.dumps. */
        cbuf_adds(&b, "{\"amount_rub\":");
        cbuf_adds(&b, p->amount);
    } else {
        cbuf_adds(&b, "{\"amount\":");
        cbuf_add_json_string(&b, p->amount);
    }
    add_opt_member(&b, "requisite_type", p->requisite_type);
    add_opt_member(&b, "idempotency_key", key);
    add_opt_member(&b, "currency", p->currency);
    add_opt_member(&b, "merchant_order_id", p->merchant_order_id);
    add_opt_member(&b, "customer_name", p->customer_name);
    add_opt_member(&b, "customer_requisite", p->customer_requisite);
    add_opt_member(&b, "bank_code", p->bank_code);
    cbuf_add(&b, "}", 1);
    if (b.failed) {
        rc = b.failed == KASSA_ENOMEM ? KASSA_ENOMEM : KASSA_EINVAL;
        goto out;
    }
    url = client_join_url(host, p->api == KASSA_PANDA_LEGACY ? "/orders" : "/v1/orders");
    if (!url) {
        rc = KASSA_ENOMEM;
        goto out;
    }
    rc = kassa_request_init(out, "POST", url);
    if (rc == KASSA_OK)
        rc = kassa_request_set_body(out, b.p, b.len);
    if (rc == KASSA_OK)
        rc = kassa_request_add_header(out, "Content-Type", "application/json");
    if (rc == KASSA_OK)
        rc = panda_sign_request(out, api_key, secret, timestamp);
out:
    if (rc != KASSA_OK)
        kassa_request_free(out);
    free(url);
    cbuf_free(&b);
    return rc;
}

kassa_err kassa_panda_build_get(const char *host, const char *api_key, const char *secret,
                                const char *path, const char *timestamp, kassa_request *out)
{
    char *url = NULL;
    kassa_err rc;

    memset(out, 0, sizeof *out);
    if (!host || !api_key || !secret || !path || path[0] != '/')
        return KASSA_EINVAL;
    url = client_join_url(host, path);
    if (!url)
        return KASSA_ENOMEM;
    rc = kassa_request_init(out, "GET", url);
    if (rc == KASSA_OK)
        rc = panda_sign_request(out, api_key, secret, timestamp);
    if (rc != KASSA_OK)
        kassa_request_free(out);
    free(url);
    return rc;
}

/* ----------------------------------------------------------------- orders */

void kassa_panda_order_free(kassa_panda_order *o)
{
    if (!o)
        return;
    free(o->uuid);
    free(o->uuid_callback);
    free(o->status);
    free(o->amount);
    free(o->currency);
    free(o->requisite_type);
    free(o->requisite);
    free(o->merchant_order_id);
    free(o->created_at);
    free(o->expires_at);
    free(o->json);
    memset(o, 0, sizeof *o);
}

void kassa_panda_orders_free(kassa_panda_order *orders, size_t n)
{
    for (size_t i = 0; orders && i < n; i++)
        kassa_panda_order_free(&orders[i]);
    free(orders);
}

static char *get_str(json_t *obj, const char *key, int *oom)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? client_strdup(json_string_value(v), oom) : NULL;
}

/* The exact text of a money member: a string's content or a number's
 * digits, never through a double. */
static char *get_amount(const char *json, size_t len, json_t *obj, const char *key, int *oom)
{
    const char *raw;
    size_t raw_len;
    json_t *v = json_object_get(obj, key);
    char *s;

    if (json_is_string(v))
        return client_strdup(json_string_value(v), oom);
    if (!json_is_number(v) || kassa_json_raw_member(json, len, key, &raw, &raw_len) != KASSA_OK)
        return NULL;
    s = strndup(raw, raw_len);
    if (!s)
        *oom = 1;
    return s;
}

kassa_err kassa_panda_order_parse(const char *json, size_t len, kassa_panda_order *out)
{
    json_t *root;
    int oom = 0;

    memset(out, 0, sizeof *out);
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return KASSA_EPROTO;
    }
    out->uuid = get_str(root, "uuid", &oom);
    out->uuid_callback = get_str(root, "uuid_callback", &oom);
    out->status = get_str(root, "status", &oom);
    out->amount = get_amount(json, len, root, "amount", &oom);
    if (!out->amount)
        out->amount = get_amount(json, len, root, "amount_rub", &oom);
    out->currency = get_str(root, "currency", &oom);
    out->requisite_type = get_str(root, "requisite_type", &oom);
    out->requisite = get_str(root, "requisite", &oom);
    if (!out->requisite)
        out->requisite = get_str(root, "requisites", &oom);
    out->merchant_order_id = get_str(root, "merchant_order_id", &oom);
    out->created_at = get_str(root, "created_at", &oom);
    out->expires_at = get_str(root, "expires_at", &oom);
    out->json = strndup(json, len);
    if (!out->json)
        oom = 1;
    json_decref(root);
    if (oom) {
        kassa_panda_order_free(out);
        return KASSA_ENOMEM;
    }
    return KASSA_OK;
}

/* ----------------------------------------------------------------- client */

kassa_panda *kassa_panda_new(const char *host, const char *api_key, const char *secret)
{
    kassa_panda *c;

    if (!host || !api_key || !secret)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->host = strdup(host);
    c->api_key = strdup(api_key);
    c->secret = strdup(secret);
    c->http = kassa_http_new();
    if (!c->host || !c->api_key || !c->secret || !c->http) {
        kassa_panda_free(c);
        return NULL;
    }
    return c;
}

void kassa_panda_free(kassa_panda *c)
{
    if (!c)
        return;
    free(c->host);
    free(c->api_key);
    free(c->secret);
    kassa_http_free(c->http);
    free(c);
}

kassa_http *kassa_panda_http(kassa_panda *c)
{
    return c->http;
}

/* Send req, classify the answer; on KASSA_OK *resp holds a 2xx answer. */
static kassa_err panda_roundtrip(kassa_panda *c, kassa_request *req, kassa_response *resp,
                                 kassa_error *err)
{
    kassa_err rc = kassa_http_send(c->http, req, resp, err);

    if (rc == KASSA_OK)
        rc = client_check_status(resp, err);
    if (rc != KASSA_OK)
        kassa_response_free(resp);
    return rc;
}

static kassa_err build_fail(kassa_error *err, kassa_err rc)
{
    return client_fail(err, rc, 0, "%s", kassa_strerror(rc));
}

kassa_err kassa_panda_create_order(kassa_panda *c, const kassa_panda_order_params *p,
                                   kassa_panda_order *out, kassa_error *err)
{
    kassa_request req;
    kassa_response resp = {0};
    kassa_err rc;

    memset(out, 0, sizeof *out);
    if (err)
        memset(err, 0, sizeof *err);
    rc = kassa_panda_build_create_order(c->host, c->api_key, c->secret, p, NULL, &req);
    if (rc == KASSA_OK && c->strict)
        rc = kassa_panda_request_strict(&req, c->secret);
    if (rc != KASSA_OK)
        return build_fail(err, rc);
    rc = panda_roundtrip(c, &req, &resp, err);
    if (rc == KASSA_OK) {
        rc = kassa_panda_order_parse(resp.body, resp.body_len, out);
        if (rc != KASSA_OK)
            client_fail(err, rc, resp.status, "answer is not an order object: %.200s", resp.body);
    }
    kassa_response_free(&resp);
    kassa_request_free(&req);
    return rc;
}

/* GET a path built from a prefix, an escaped segment and a suffix. */
static kassa_err panda_get(kassa_panda *c, const char *prefix, const char *segment,
                           const char *suffix, kassa_response *resp, kassa_error *err)
{
    kassa_request req = {0};
    char *esc = NULL;
    char *path = NULL;
    cbuf b;
    kassa_err rc;

    if (err)
        memset(err, 0, sizeof *err);
    cbuf_init(&b, PANDA_BODY_MAX);
    if (!segment || !segment[0]) {
        rc = build_fail(err, KASSA_EINVAL);
        goto out;
    }
    esc = curl_easy_escape(NULL, segment, 0);
    if (!esc) {
        rc = build_fail(err, KASSA_ENOMEM);
        goto out;
    }
    cbuf_adds(&b, prefix);
    cbuf_adds(&b, esc);
    cbuf_adds(&b, suffix);
    path = cbuf_take(&b);
    if (!path) {
        rc = build_fail(err, KASSA_ENOMEM);
        goto out;
    }
    rc = kassa_panda_build_get(c->host, c->api_key, c->secret, path, NULL, &req);
    if (rc == KASSA_OK && c->strict)
        rc = kassa_panda_request_strict(&req, c->secret);
    if (rc != KASSA_OK) {
        build_fail(err, rc);
        goto out;
    }
    rc = panda_roundtrip(c, &req, resp, err);
out:
    curl_free(esc);
    free(path);
    cbuf_free(&b);
    kassa_request_free(&req);
    return rc;
}

kassa_err kassa_panda_get_order(kassa_panda *c, const char *uuid, kassa_panda_order *out,
                                kassa_error *err)
{
    kassa_response resp = {0};
    kassa_err rc;

    memset(out, 0, sizeof *out);
    rc = panda_get(c, "/orders/", uuid, "", &resp, err);
    if (rc == KASSA_OK) {
        rc = kassa_panda_order_parse(resp.body, resp.body_len, out);
        if (rc != KASSA_OK)
            client_fail(err, rc, resp.status, "answer is not an order object: %.200s", resp.body);
    }
    kassa_response_free(&resp);
    return rc;
}

struct order_list {
    kassa_panda_order *items;
    size_t n;
    size_t cap;
};

static kassa_err collect_order(void *ctx, const char *v, size_t vlen)
{
    struct order_list *l = ctx;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        kassa_panda_order *p = realloc(l->items, cap * sizeof *p);
        if (!p)
            return KASSA_ENOMEM;
        l->items = p;
        l->cap = cap;
    }
    kassa_err rc = kassa_panda_order_parse(v, vlen, &l->items[l->n]);
    if (rc == KASSA_OK)
        l->n++;
    return rc;
}

kassa_err kassa_panda_list_by_merchant_id(kassa_panda *c, const char *merchant_order_id,
                                          kassa_panda_order **orders, size_t *n, kassa_error *err)
{
    kassa_response resp = {0};
    struct order_list l = {0};
    json_t *root = NULL;
    kassa_err rc;

    *orders = NULL;
    *n = 0;
    rc = panda_get(c, "/orders/merchant/", merchant_order_id, "", &resp, err);
    if (rc != KASSA_OK)
        goto out;
    root = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, NULL);
    rc = json_is_array(root) ? client_json_array_each(resp.body, resp.body_len, collect_order, &l)
                             : KASSA_EPROTO;
    if (rc != KASSA_OK) {
        client_fail(err, rc, resp.status, "answer is not an array of orders: %.200s", resp.body);
        kassa_panda_orders_free(l.items, l.n);
        goto out;
    }
    *orders = l.items;
    *n = l.n;
out:
    json_decref(root);
    kassa_response_free(&resp);
    return rc;
}

kassa_err kassa_panda_cancel(kassa_panda *c, const char *uuid, char *status, size_t status_size,
                             kassa_error *err)
{
    kassa_response resp = {0};
    json_t *root = NULL;
    json_t *st;
    kassa_err rc;

    if (status && status_size)
        status[0] = '\0';
    rc = panda_get(c, "/orders/", uuid, "/cancel", &resp, err);
    if (rc != KASSA_OK)
        goto out;
    root = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, NULL);
    st = json_is_object(root) ? json_object_get(root, "status") : NULL;
    if (!json_is_string(st)) {
        rc = client_fail(err, KASSA_EPROTO, resp.status, "answer has no status: %.200s", resp.body);
        goto out;
    }
    if (status && status_size)
        snprintf(status, status_size, "%s", json_string_value(st));
out:
    json_decref(root);
    kassa_response_free(&resp);
    return rc;
}
