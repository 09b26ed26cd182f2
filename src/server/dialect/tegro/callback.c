/* callback.c: tegro's payment notifications (tegro.h): a form, or a JSON
 * object of the same fields, with its MD5 `sign` included (stable across
 * attempts: nothing is signed per attempt). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "core/core.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "tegro.h"

const struct shop_dialect *tegro_row(const struct shop *s)
{
    return shop_dialect_find(s, TEGRO_NAME);
}

/* Copy a rendered document into out; KASSA_ETOOBIG when it does not fit. */
static kassa_err put(const char *doc, size_t n, char *out, size_t size, size_t *len)
{
    if (n + 1 > size)
        return KASSA_ETOOBIG;
    memcpy(out, doc, n);
    out[n] = '\0';
    *len = n;
    return KASSA_OK;
}

/* Append the application/x-www-form-urlencoded form of s (Python urlencode:
 * space '+', A-Za-z0-9 _.-~ kept) to b. */
static kassa_err form_append(struct buf *b, const char *s)
{
    kassa_err err = KASSA_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && err == KASSA_OK; p++) {
        char enc[4];
        size_t n = 1;
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '.' || *p == '-' || *p == '~') {
            enc[0] = (char)*p;
        } else if (*p == ' ') {
            enc[0] = '+';
        } else {
            enc[0] = '%';
            hex_encode(p, 1, enc + 1, true);
            n = 3;
        }
        err = buf_add(b, enc, n);
    }
    return err;
}

/* Whether the row wants its notifications as JSON. */
static bool wants_json(const struct shop_dialect *row)
{
    return strcmp(row->callback_format, "json") == 0;
}

kassa_err tegro_callback_body(const struct order *o, const struct shop *s,
                              const struct shop_dialect *row, char *out, size_t size, size_t *len)
{
    const kassa_currency *cur = kassa_currency_find(o->currency);
    if (cur == NULL)
        return KASSA_ECURRENCY;
    char amount[48], ps[16];
    int places = cur->exponent < 2 ? 2 : cur->exponent;
    /* The amount actually received when the completion named one. */
    if (kassa_money_format(order_amount_paid(o), cur->exponent, places, amount, sizeof amount) < 0)
        return KASSA_ETOOBIG;
    snprintf(ps, sizeof ps, "%d", o->payment_system);
    /* Sorted by key (bytewise), as the sign is computed over them. */
    kassa_kv f[7];
    size_t n = 0;
    f[n++] = (kassa_kv){"amount", amount};
    f[n++] = (kassa_kv){"currency", o->currency};
    f[n++] = (kassa_kv){"order_id", o->merchant_order_id};
    if (o->payment_system > 0)
        f[n++] = (kassa_kv){"payment_system", ps};
    f[n++] = (kassa_kv){"shop_id", s->public_key};
    if (o->test)
        f[n++] = (kassa_kv){"test", "1"};
    char sign[KASSA_MD5_HEX_SIZE];
    const char *secret = shop_callback_secret(row, clock_now(), NULL);
    kassa_err err = kassa_tegro_form_sign(f, n, secret, KASSA_FORM_URLENCODED, sign);
    if (err != KASSA_OK)
        return err;
    f[n++] = (kassa_kv){"sign", sign};
    if (wants_json(row)) {
        /* The same fields, in the same order, as one JSON object of strings. */
        struct jw w;
        jw_init(&w, size);
        jw_obj(&w);
        for (size_t i = 0; i < n; i++)
            jw_kstr(&w, f[i].key, f[i].value);
        jw_obj_end(&w);
        size_t dn = 0;
        char *doc = jw_finish(&w, &dn);
        if (doc == NULL)
            return KASSA_ETOOBIG;
        err = put(doc, dn, out, size, len);
        free(doc);
        return err;
    }
    /* key=value&...: built in a buffer bounded by out's size, then copied. */
    struct buf form;
    buf_init(&form, size > 0 ? size - 1 : 0);
    for (size_t i = 0; i < n && err == KASSA_OK; i++) {
        if (i > 0)
            err = buf_add(&form, "&", 1);
        if (err == KASSA_OK && (err = form_append(&form, f[i].key)) == KASSA_OK &&
            (err = buf_add(&form, "=", 1)) == KASSA_OK)
            err = form_append(&form, f[i].value);
    }
    if (err == KASSA_OK)
        err = put(buf_ptr(&form) != NULL ? buf_ptr(&form) : "", buf_len(&form), out, size, len);
    buf_free(&form);
    return err;
}

bool tegro_callback_format_ok(const char *value, char *msg, size_t msglen)
{
    if (strcmp(value, "form") == 0 || strcmp(value, "json") == 0)
        return true;
    snprintf(msg, msglen, "notification_format: expected \"form\" or \"json\"");
    return false;
}

bool tegro_callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                         const struct shop_dialect *row, struct callback *cb, kassa_err *err)
{
    if (e->status != ORDER_COMPLETED)
        return false;
    snprintf(cb->url, sizeof cb->url, "%s", o->notify_url[0] ? o->notify_url : s->callback_url);
    snprintf(cb->content_type, sizeof cb->content_type, "%s",
             wants_json(row) ? TEGRO_CALLBACK_CT_JSON : TEGRO_CALLBACK_CT);
    *err = tegro_callback_body(o, s, row, cb->body, sizeof cb->body, &cb->body_len);
    return *err == KASSA_OK;
}
