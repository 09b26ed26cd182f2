/* client_tegro.c: the Tegro.money ("tegro") merchant client: signed REST
 * calls, the signed /pay/ URL, and decoding the typed answers. */
#include "client_internal.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kassa/json.h"
#include "kassa/sign.h"

#define TEGRO_BODY_MAX (1u << 20)

struct kassa_tegro {
    char *host;
    char *shop_id;
    char *api_key;
    long long last_nonce;
    kassa_http *http;
};

static int all_digits(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int method_valid(const char *m)
{
    if (!m || !*m)
        return 0;
    for (; *m; m++)
        if (!isalnum((unsigned char)*m) && *m != '_')
            return 0;
    return 1;
}

/* Point *inner and *inner_len at the members of the JSON object text `fields`
 * (between its braces, trimmed). EINVAL unless fields is an object without
 * shop_id and nonce. */
static kassa_err fields_inner(const char *fields, const char **inner, size_t *inner_len)
{
    json_t *root;
    const char *s;
    const char *e;
    kassa_err rc = KASSA_OK;

    *inner = "";
    *inner_len = 0;
    if (!fields)
        return KASSA_OK;
    root = json_loads(fields, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root) || json_object_get(root, "shop_id") ||
        json_object_get(root, "nonce")) {
        rc = KASSA_EINVAL;
        goto out;
    }
    s = fields;
    e = fields + strlen(fields);
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    /* json_loads accepted it as an object: it starts with '{', ends '}'. */
    s++;
    e--;
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    *inner = s;
    *inner_len = (size_t)(e - s);
out:
    json_decref(root);
    return rc;
}

kassa_err kassa_tegro_build_call(const char *host, const char *shop_id, const char *api_key,
                                 const char *method, const char *fields, const char *nonce,
                                 kassa_request *out)
{
    char nbuf[32];
    char sig[KASSA_SHA256_HEX_SIZE + 8];
    char hdr[KASSA_SHA256_HEX_SIZE + 16];
    const char *inner;
    size_t inner_len;
    char *url = NULL;
    cbuf path;
    cbuf b;
    kassa_err rc;

    memset(out, 0, sizeof *out);
    cbuf_init(&b, TEGRO_BODY_MAX);
    cbuf_init(&path, 4096);
    if (!host || !shop_id || !api_key || !method_valid(method) || (nonce && !all_digits(nonce))) {
        rc = KASSA_EINVAL;
        goto out;
    }
    rc = fields_inner(fields, &inner, &inner_len);
    if (rc != KASSA_OK)
        goto out;
    if (!nonce) {
        snprintf(nbuf, sizeof nbuf, "%lld", client_now_us());
        nonce = nbuf;
    }
    cbuf_adds(&b, "{\"shop_id\":");
    cbuf_add_json_string(&b, shop_id);
    cbuf_adds(&b, ",\"nonce\":");
    cbuf_adds(&b, nonce);
    if (inner_len) {
        cbuf_add(&b, ",", 1);
        cbuf_add(&b, inner, inner_len);
    }
    cbuf_add(&b, "}", 1);
    cbuf_adds(&path, "/api/");
    cbuf_adds(&path, method);
    cbuf_adds(&path, "/");
    if (b.failed || path.failed) {
        rc =
            (b.failed == KASSA_ENOMEM || path.failed == KASSA_ENOMEM) ? KASSA_ENOMEM : KASSA_EINVAL;
        goto out;
    }
    url = client_join_url(host, path.p);
    if (!url) {
        rc = KASSA_ENOMEM;
        goto out;
    }
    kassa_tegro_rest_sign(api_key, b.p, b.len, sig);
    snprintf(hdr, sizeof hdr, "Bearer %s", sig);
    rc = kassa_request_init(out, "POST", url);
    if (rc == KASSA_OK)
        rc = kassa_request_set_body(out, b.p, b.len);
    if (rc == KASSA_OK)
        rc = kassa_request_add_header(out, "Content-Type", "application/json");
    if (rc == KASSA_OK)
        rc = kassa_request_add_header(out, "Authorization", hdr);
out:
    if (rc != KASSA_OK)
        kassa_request_free(out);
    free(url);
    cbuf_free(&b);
    cbuf_free(&path);
    return rc;
}

kassa_err kassa_tegro_pay_url(const char *host, const char *shop_id, const char *secret,
                              const char *amount, const char *currency, const char *order_id,
                              int test, char **out)
{
    kassa_kv f[5];
    size_t n = 4;
    char md5[KASSA_MD5_HEX_SIZE];
    char *url = NULL;
    cbuf b;
    kassa_err rc;

    *out = NULL;
    if (!host || !shop_id || !secret || !amount || !currency || !order_id)
        return KASSA_EINVAL;
    /* Already sorted by key. */
    f[0] = (kassa_kv){"amount", amount};
    f[1] = (kassa_kv){"currency", currency};
    f[2] = (kassa_kv){"order_id", order_id};
    f[3] = (kassa_kv){"shop_id", shop_id};
    if (test)
        f[n++] = (kassa_kv){"test", "1"};
    rc = kassa_tegro_form_sign(f, n, secret, KASSA_FORM_URLENCODED, md5);
    if (rc != KASSA_OK)
        return rc;
    cbuf_init(&b, 1u << 16);
    cbuf_adds(&b, "/pay/?");
    for (size_t i = 0; i < n; i++) {
        if (i)
            cbuf_add(&b, "&", 1);
        cbuf_adds(&b, f[i].key);
        cbuf_add(&b, "=", 1);
        cbuf_add_urlencoded(&b, f[i].value);
    }
    cbuf_adds(&b, "&sign=");
    cbuf_adds(&b, md5);
    if (b.failed) {
        rc = b.failed == KASSA_ENOMEM ? KASSA_ENOMEM : KASSA_EINVAL;
        goto out;
    }
    url = client_join_url(host, b.p);
    if (!url) {
        rc = KASSA_ENOMEM;
        goto out;
    }
    *out = url;
out:
    cbuf_free(&b);
    return rc;
}

/* ----------------------------------------------------------------- client */

kassa_tegro *kassa_tegro_new(const char *host, const char *shop_id, const char *api_key)
{
    kassa_tegro *c;

    if (!host || !shop_id || !api_key)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->host = strdup(host);
    c->shop_id = strdup(shop_id);
    c->api_key = strdup(api_key);
    c->http = kassa_http_new();
    if (!c->host || !c->shop_id || !c->api_key || !c->http) {
        kassa_tegro_free(c);
        return NULL;
    }
    return c;
}

void kassa_tegro_free(kassa_tegro *c)
{
    if (!c)
        return;
    free(c->host);
    free(c->shop_id);
    free(c->api_key);
    kassa_http_free(c->http);
    free(c);
}

kassa_http *kassa_tegro_http(kassa_tegro *c)
{
    return c->http;
}

kassa_err kassa_tegro_call(kassa_tegro *c, const char *method, const char *fields, char **data,
                           kassa_error *err)
{
    kassa_request req = {0};
    kassa_response resp = {0};
    json_t *root = NULL;
    json_t *type;
    json_t *desc;
    const char *raw;
    size_t raw_len;
    char nonce[32];
    long long n;
    kassa_err rc;

    if (data)
        *data = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    n = client_now_us();
    if (n <= c->last_nonce)
        n = c->last_nonce + 1;
    c->last_nonce = n;
    snprintf(nonce, sizeof nonce, "%lld", n);
    rc = kassa_tegro_build_call(c->host, c->shop_id, c->api_key, method, fields, nonce, &req);
    if (rc != KASSA_OK) {
        client_fail(err, rc, 0, "%s", kassa_strerror(rc));
        goto out;
    }
    rc = kassa_http_send(c->http, &req, &resp, err);
    if (rc != KASSA_OK)
        goto out;
    root = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, NULL);
    type = json_is_object(root) ? json_object_get(root, "type") : NULL;
    desc = json_is_object(root) ? json_object_get(root, "desc") : NULL;
    if (json_is_string(type) && strcmp(json_string_value(type), "error") == 0) {
        rc = client_fail(err, KASSA_EAPI, resp.status, "%s",
                         json_is_string(desc) ? json_string_value(desc) : "");
        goto out;
    }
    rc = client_check_status(&resp, err);
    if (rc != KASSA_OK)
        goto out;
    if (!json_is_string(type) || strcmp(json_string_value(type), "success") != 0 ||
        kassa_json_raw_member(resp.body, resp.body_len, "data", &raw, &raw_len) != KASSA_OK) {
        rc = client_fail(err, KASSA_EPROTO, resp.status, "answer is not a tegro envelope: %.200s",
                         resp.body);
        goto out;
    }
    if (data) {
        *data = strndup(raw, raw_len);
        if (!*data)
            rc = client_fail(err, KASSA_ENOMEM, resp.status, "out of memory");
    }
out:
    json_decref(root);
    kassa_response_free(&resp);
    kassa_request_free(&req);
    return rc;
}

/* ---------------------------------------------------------- typed answers */

static char *get_str(json_t *obj, const char *key, int *oom)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? client_strdup(json_string_value(v), oom) : NULL;
}

/* A string member's content or a number member's exact text. */
static char *get_text(const char *doc, size_t len, json_t *obj, const char *key, int *oom)
{
    json_t *v = json_object_get(obj, key);
    const char *raw;
    size_t raw_len;
    char *s;

    if (json_is_string(v))
        return client_strdup(json_string_value(v), oom);
    if (!json_is_number(v) || kassa_json_raw_member(doc, len, key, &raw, &raw_len) != KASSA_OK)
        return NULL;
    s = strndup(raw, raw_len);
    if (!s)
        *oom = 1;
    return s;
}

/* An integer member, or one written as a numeric string; 0 otherwise. */
static int64_t get_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        errno = 0;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (errno == 0 && end != json_string_value(v) && *end == '\0')
            return (int64_t)x;
    }
    return 0;
}

void kassa_tegro_created_free(kassa_tegro_created *c)
{
    if (!c)
        return;
    free(c->url);
    memset(c, 0, sizeof *c);
}

void kassa_tegro_order_free(kassa_tegro_order *o)
{
    if (!o)
        return;
    free(o->amount);
    free(o->fee);
    free(o->payment_id);
    free(o->email);
    free(o->date_created);
    free(o->date_payed);
    free(o->json);
    memset(o, 0, sizeof *o);
}

void kassa_tegro_orders_free(kassa_tegro_order *orders, size_t n)
{
    for (size_t i = 0; orders && i < n; i++)
        kassa_tegro_order_free(&orders[i]);
    free(orders);
}

static kassa_err tegro_order_parse(const char *doc, size_t len, kassa_tegro_order *o)
{
    json_t *root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, NULL);
    int oom = 0;

    memset(o, 0, sizeof *o);
    if (!json_is_object(root)) {
        json_decref(root);
        return KASSA_EPROTO;
    }
    o->id = get_int(root, "id");
    o->status = (int)get_int(root, "status");
    o->payment_system_id = (int)get_int(root, "payment_system_id");
    o->currency_id = (int)get_int(root, "currency_id");
    o->test_order = (int)get_int(root, "test_order");
    o->amount = get_text(doc, len, root, "amount", &oom);
    o->fee = get_text(doc, len, root, "fee", &oom);
    o->payment_id = get_text(doc, len, root, "payment_id", &oom);
    o->email = get_str(root, "email", &oom);
    o->date_created = get_str(root, "date_created", &oom);
    o->date_payed = get_str(root, "date_payed", &oom);
    o->json = strndup(doc, len);
    if (!o->json)
        oom = 1;
    json_decref(root);
    if (oom) {
        kassa_tegro_order_free(o);
        return KASSA_ENOMEM;
    }
    return KASSA_OK;
}

static void add_str_member(cbuf *b, const char *name, const char *value)
{
    if (!value)
        return;
    cbuf_add(b, ",", 1);
    cbuf_add_json_string(b, name);
    cbuf_add(b, ":", 1);
    cbuf_add_json_string(b, value);
}

kassa_err kassa_tegro_create_order(kassa_tegro *c, const kassa_tegro_order_params *p,
                                   kassa_tegro_created *out, kassa_error *err)
{
    char num[32];
    char *data = NULL;
    json_t *root = NULL;
    json_t *url;
    cbuf b;
    kassa_err rc;

    memset(out, 0, sizeof *out);
    cbuf_init(&b, TEGRO_BODY_MAX);
    if (!p || !p->currency || !kassa_decimal_valid(p->amount) || !p->order_id) {
        rc = client_fail(err, KASSA_EINVAL, 0, "currency, amount and order_id are required");
        goto out;
    }
    cbuf_adds(&b, "{\"currency\":");
    cbuf_add_json_string(&b, p->currency);
    cbuf_adds(&b, ",\"amount\":");
    cbuf_adds(&b, p->amount);
    add_str_member(&b, "order_id", p->order_id);
    snprintf(num, sizeof num, ",\"payment_system\":%d", p->payment_system);
    cbuf_adds(&b, num);
    if (p->test)
        cbuf_adds(&b, ",\"test\":1");
    if (p->email || p->phone) {
        cbuf_adds(&b, ",\"fields\":{");
        if (p->email) {
            cbuf_adds(&b, "\"email\":");
            cbuf_add_json_string(&b, p->email);
        }
        if (p->phone) {
            cbuf_adds(&b, p->email ? ",\"phone\":" : "\"phone\":");
            cbuf_add_json_string(&b, p->phone);
        }
        cbuf_add(&b, "}", 1);
    }
    add_str_member(&b, "success_url", p->success_url);
    add_str_member(&b, "fail_url", p->fail_url);
    add_str_member(&b, "notify_url", p->notify_url);
    add_str_member(&b, "lang", p->lang);
    cbuf_add(&b, "}", 1);
    if (b.failed) {
        rc = client_fail(err, b.failed == KASSA_ENOMEM ? KASSA_ENOMEM : KASSA_EINVAL, 0,
                         "cannot build the request");
        goto out;
    }
    rc = kassa_tegro_call(c, "createOrder", b.p, &data, err);
    if (rc != KASSA_OK)
        goto out;
    root = json_loads(data, JSON_REJECT_DUPLICATES, NULL);
    url = json_is_object(root) ? json_object_get(root, "url") : NULL;
    if (!json_is_string(url) || !json_is_integer(json_object_get(root, "id"))) {
        rc = client_fail(err, KASSA_EPROTO, 200, "createOrder data lacks id or url: %.200s", data);
        goto out;
    }
    out->id = get_int(root, "id");
    out->url = strdup(json_string_value(url));
    if (!out->url)
        rc = client_fail(err, KASSA_ENOMEM, 200, "out of memory");
out:
    json_decref(root);
    free(data);
    cbuf_free(&b);
    return rc;
}

kassa_err kassa_tegro_order_get(kassa_tegro *c, int64_t order_id, const char *payment_id,
                                kassa_tegro_order *out, kassa_error *err)
{
    char *data = NULL;
    char *fields = NULL;
    cbuf b;
    kassa_err rc;

    memset(out, 0, sizeof *out);
    cbuf_init(&b, TEGRO_BODY_MAX);
    if (order_id > 0) {
        char num[48];
        snprintf(num, sizeof num, "{\"order_id\":%lld}", (long long)order_id);
        cbuf_adds(&b, num);
    } else if (payment_id) {
        cbuf_adds(&b, "{\"payment_id\":");
        cbuf_add_json_string(&b, payment_id);
        cbuf_add(&b, "}", 1);
    } else {
        rc = client_fail(err, KASSA_EINVAL, 0, "order_id or payment_id is required");
        goto out;
    }
    fields = cbuf_take(&b);
    if (!fields) {
        rc = client_fail(err, KASSA_EINVAL, 0, "cannot build the request");
        goto out;
    }
    rc = kassa_tegro_call(c, "order", fields, &data, err);
    if (rc != KASSA_OK)
        goto out;
    rc = tegro_order_parse(data, strlen(data), out);
    if (rc != KASSA_OK)
        client_fail(err, rc, 200, "order data is not an order: %.200s", data);
out:
    free(fields);
    free(data);
    cbuf_free(&b);
    return rc;
}

struct tegro_list {
    kassa_tegro_order *items;
    size_t n;
    size_t cap;
};

static kassa_err collect_tegro_order(void *ctx, const char *v, size_t vlen)
{
    struct tegro_list *l = ctx;
    kassa_err rc;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        kassa_tegro_order *p = realloc(l->items, cap * sizeof *p);
        if (!p)
            return KASSA_ENOMEM;
        l->items = p;
        l->cap = cap;
    }
    rc = tegro_order_parse(v, vlen, &l->items[l->n]);
    if (rc == KASSA_OK)
        l->n++;
    return rc;
}

kassa_err kassa_tegro_orders_get(kassa_tegro *c, int page, kassa_tegro_order **orders, size_t *n,
                                 kassa_error *err)
{
    struct tegro_list l = {0};
    char fields[48];
    char *data = NULL;
    kassa_err rc;

    *orders = NULL;
    *n = 0;
    snprintf(fields, sizeof fields, "{\"page\":%d}", page < 1 ? 1 : page);
    rc = kassa_tegro_call(c, "orders", fields, &data, err);
    if (rc != KASSA_OK)
        goto out;
    rc = client_json_array_each(data, strlen(data), collect_tegro_order, &l);
    if (rc != KASSA_OK) {
        client_fail(err, rc, 200, "orders data is not an array of orders: %.200s", data);
        kassa_tegro_orders_free(l.items, l.n);
        goto out;
    }
    *orders = l.items;
    *n = l.n;
out:
    free(data);
    return rc;
}

void kassa_tegro_balance_free(kassa_tegro_balance *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->items && i < b->n; i++) {
        free(b->items[i].currency);
        free(b->items[i].amount);
    }
    free(b->items);
    memset(b, 0, sizeof *b);
}

kassa_err kassa_tegro_balance_get(kassa_tegro *c, kassa_tegro_balance *out, kassa_error *err)
{
    char *data = NULL;
    json_t *root = NULL;
    json_t *bal;
    const char *raw;
    size_t raw_len;
    int oom = 0;
    kassa_err rc;

    memset(out, 0, sizeof *out);
    rc = kassa_tegro_call(c, "balance", NULL, &data, err);
    if (rc != KASSA_OK)
        goto out;
    root = json_loads(data, JSON_REJECT_DUPLICATES, NULL);
    bal = json_is_object(root) ? json_object_get(root, "balance") : NULL;
    if (!json_is_object(bal) ||
        kassa_json_raw_member(data, strlen(data), "balance", &raw, &raw_len) != KASSA_OK) {
        rc = client_fail(err, KASSA_EPROTO, 200, "balance data lacks balance: %.200s", data);
        goto out;
    }
    out->user_id = get_int(root, "user_id");
    out->items = calloc(json_object_size(bal) + 1, sizeof *out->items);
    if (!out->items) {
        rc = client_fail(err, KASSA_ENOMEM, 200, "out of memory");
        goto out;
    }
    {
        const char *key;
        json_t *v;
        json_object_foreach(bal, key, v)
        {
            kassa_tegro_balance_item *it = &out->items[out->n++];
            it->currency = client_strdup(key, &oom);
            it->amount = get_text(raw, raw_len, bal, key, &oom);
        }
    }
    if (oom) {
        kassa_tegro_balance_free(out);
        rc = client_fail(err, KASSA_ENOMEM, 200, "out of memory");
    }
out:
    json_decref(root);
    free(data);
    return rc;
}

void kassa_tegro_shops_free(kassa_tegro_shops *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->shops && i < s->n; i++) {
        free(s->shops[i].name);
        free(s->shops[i].url);
        free(s->shops[i].public_key);
        free(s->shops[i].date_added);
    }
    free(s->shops);
    memset(s, 0, sizeof *s);
}

kassa_err kassa_tegro_shops_get(kassa_tegro *c, kassa_tegro_shops *out, kassa_error *err)
{
    char *data = NULL;
    json_t *root = NULL;
    json_t *arr;
    json_t *v;
    size_t i;
    int oom = 0;
    kassa_err rc;

    memset(out, 0, sizeof *out);
    rc = kassa_tegro_call(c, "shops", NULL, &data, err);
    if (rc != KASSA_OK)
        goto out;
    root = json_loads(data, JSON_REJECT_DUPLICATES, NULL);
    arr = json_is_object(root) ? json_object_get(root, "shops") : NULL;
    if (!json_is_array(arr)) {
        rc = client_fail(err, KASSA_EPROTO, 200, "shops data lacks shops: %.200s", data);
        goto out;
    }
    out->user_id = get_int(root, "user_id");
    out->shops = calloc(json_array_size(arr) + 1, sizeof *out->shops);
    if (!out->shops) {
        rc = client_fail(err, KASSA_ENOMEM, 200, "out of memory");
        goto out;
    }
    json_array_foreach(arr, i, v)
    {
        kassa_tegro_shop *s = &out->shops[out->n++];
        s->id = get_int(v, "id");
        s->status = (int)get_int(v, "status");
        s->name = get_str(v, "name", &oom);
        s->url = get_str(v, "url", &oom);
        s->public_key = get_str(v, "public_key", &oom);
        s->date_added = get_str(v, "date_added", &oom);
    }
    if (oom) {
        kassa_tegro_shops_free(out);
        rc = client_fail(err, KASSA_ENOMEM, 200, "out of memory");
    }
out:
    json_decref(root);
    free(data);
    return rc;
}
