/* reply.c: see reply.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "kassa/json.h"
#include "kassa/money.h"
#include "reply.h"

static struct dialect_settings settings = {
    .public_url = "http://127.0.0.1:8080", .timestamp_window = 300, .max_upload = 3211264};

void dialect_configure(const struct dialect_settings *s)
{
    settings = *s;
}

const struct dialect_settings *dialect_settings(void)
{
    return &settings;
}

void dialect_pay_url(const struct order *o, char *buf, size_t size)
{
    snprintf(buf, size, "%s/pay/complete/%lld/%s/", settings.public_url, (long long)o->id,
             o->pay_token);
}

void reply_jw(struct http_req *req, int status, struct jw *w)
{
    size_t len;
    char *body = jw_finish(w, &len);
    if (body == NULL) {
        static const char err[] = "{\"error\":\"Internal server error\"}";
        http_reply(req, 500, "application/json", err, sizeof err - 1);
        return;
    }
    http_reply_owned(req, status, "application/json", body, len);
}

void reply_error(struct http_req *req, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (status == 500 && core_db_unavailable_lately()) {
        /* The database is down (a PostgreSQL restart), or was when this
         * request failed: say so, retryable. Reading the flag now alone, a
         * request that failed in the outage answered 500 when another
         * connection had reconnected meanwhile (test_pg_nodes, 1 in ~7). */
        status = 503;
        snprintf(msg, sizeof msg, "database unavailable, try again shortly");
    }
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kstr(&w, "error", msg);
    jw_obj_end(&w);
    reply_jw(req, status, &w);
}

json_t *parse_json_object(struct http_req *req, char *msg, size_t msglen)
{
    return parse_json_object_flags(req, 0, msg, msglen);
}

json_t *parse_json_object_flags(struct http_req *req, size_t flags, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *root = json_loadb(req->body ? req->body : "", req->body_len,
                              JSON_REJECT_DUPLICATES | flags, &jerr);
    if (root == NULL) {
        snprintf(msg, msglen, "invalid JSON: %s", jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(msg, msglen, "request body must be a JSON object");
        return NULL;
    }
    return root;
}

bool json_opt_string(json_t *obj, const char *key, char *dst, size_t size, char *msg, size_t msglen)
{
    json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_string(v)) {
        snprintf(msg, msglen, "%s: must be a string", key);
        return false;
    }
    size_t n = json_string_length(v);
    if (n >= size || memchr(json_string_value(v), '\0', n) != NULL) {
        snprintf(msg, msglen, "%s: must be at most %zu bytes", key, size - 1);
        return false;
    }
    memcpy(dst, json_string_value(v), n);
    dst[n] = '\0';
    return true;
}

bool json_decimal_text(struct http_req *req, json_t *obj, const char *key, char *dst, size_t size,
                       bool *found, char *msg, size_t msglen)
{
    return json_decimal_text_doc(req->body, req->body_len, obj, key, dst, size, found, msg, msglen);
}

bool json_decimal_text_doc(const char *body, size_t len, json_t *obj, const char *key, char *dst,
                           size_t size, bool *found, char *msg, size_t msglen)
{
    json_t *v = json_object_get(obj, key);
    *found = v != NULL && !json_is_null(v);
    dst[0] = '\0';
    if (!*found)
        return true;
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n >= size) {
            snprintf(msg, msglen, "%s: too long", key);
            return false;
        }
        memcpy(dst, json_string_value(v), n);
        dst[n] = '\0';
        return true;
    }
    if (json_is_number(v)) {
        const char *raw;
        size_t n;
        if (kassa_json_raw_member(body, len, key, &raw, &n) != KASSA_OK || n >= size) {
            snprintf(msg, msglen, "%s: cannot read the number", key);
            return false;
        }
        memcpy(dst, raw, n);
        dst[n] = '\0';
        return true;
    }
    snprintf(msg, msglen, "%s: must be a decimal number or a string holding one", key);
    return false;
}

const char *path_after(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return NULL;
    return path + n;
}

void reply_who(struct http_req *req, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->who, sizeof req->who, fmt, ap);
    va_end(ap);
    log_set_request(req->id, req->who);
}

bool json_opt_id(json_t *obj, const char *key, int64_t *out, char *msg, size_t msglen)
{
    json_t *v = json_object_get(obj, key);
    *out = 0;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        snprintf(msg, msglen, "%s: expected a positive integer id", key);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool json_only_members(json_t *obj, const char *const *names, const char *what, char *msg,
                       size_t msglen)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], key) != 0)
            i++;
        if (names[i] == NULL) {
            snprintf(msg, msglen, "unknown field '%.64s'%s%s", key, what != NULL ? ": " : "",
                     what != NULL ? what : "");
            return false;
        }
        if (json_is_null(val)) {
            snprintf(msg, msglen, "%s: must not be null", key);
            return false;
        }
    }
    return true;
}

bool json_amount_received(struct http_req *req, const char *currency, int64_t *out, char *msg,
                          size_t msglen)
{
    if (req->body_len == 0)
        return true;
    json_t *root = parse_json_object_flags(req, JSON_DECODE_INT_AS_REAL, msg, msglen);
    if (root == NULL)
        return false;
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "amount_received") != 0) {
            snprintf(msg, msglen, "unknown field '%.64s': a completion takes amount_received", key);
            json_decref(root);
            return false;
        }
    }
    char text[64];
    bool found;
    bool ok =
        json_decimal_text(req, root, "amount_received", text, sizeof text, &found, msg, msglen);
    json_decref(root);
    if (!ok || !found)
        return ok;
    const kassa_currency *cur = kassa_currency_find(currency);
    int64_t v = 0;
    if (cur == NULL ||
        kassa_money_parse(text, strlen(text), cur->exponent, KASSA_MONEY_POSITIVE, &v) !=
            KASSA_OK ||
        order_received_check(currency, v) == KASSA_EMONEY_ZERO) {
        snprintf(msg, msglen, "amount_received: expected a positive amount in %s, e.g. 950.00",
                 currency);
        return false;
    }
    if (order_received_check(currency, v) != KASSA_OK) {
        char limit[64];
        core_amount_limit_text(currency, false, limit, sizeof limit);
        snprintf(msg, msglen, "amount_received: at most %s", limit);
        return false;
    }
    *out = v;
    return true;
}
