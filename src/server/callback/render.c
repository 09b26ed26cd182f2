/* render.c: callback bodies of both dialects and the choice of receiver
 * (render.h); also the callback state names (model.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "base/jsonw.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "render.h"

static const char *const state_names[] = {
    [CALLBACK_PENDING] = "pending",
    [CALLBACK_DELIVERED] = "delivered",
    [CALLBACK_FAILED] = "failed",
    [CALLBACK_REFUSED] = "refused",
};

const char *callback_state_name(enum callback_state s)
{
    if ((unsigned)s < sizeof state_names / sizeof state_names[0])
        return state_names[s];
    return "unknown";
}

int callback_state_parse(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof state_names / sizeof state_names[0]; i++)
        if (strcmp(state_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *callback_panda_status(enum order_status s)
{
    switch (s) {
    case ORDER_PENDING:
        return "pending";
    case ORDER_COMPLETED:
        return "completed";
    case ORDER_FAILED:
        return "failed";
    case ORDER_EXPIRED:
        return "timeout";
    case ORDER_CANCELED:
        return "canceled";
    case ORDER_NO_REQUISITE:
        return "traderNotFound";
    }
    return "pending";
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

kassa_err callback_render_panda(const struct order *o, enum order_status status, int version,
                                char *out, size_t size, size_t *len)
{
    if (kassa_currency_find(o->currency) == NULL)
        return KASSA_ECURRENCY;
    bool has_rate = o->exchange_rate[0] != '\0';
    struct jw w;
    jw_init(&w, size);
    jw_obj(&w);
    jw_kstr(&w, version == 2 ? "order_uuid" : "uuid", o->uuid);
    jw_kstr(&w, "status", callback_panda_status(status));
    if (has_rate)
        jw_kmoney(&w, "amount_usdt", o->amount_usdt, "USDT", 2, true);
    else
        jw_knull(&w, "amount_usdt");
    if (version == 2) {
        jw_kmoney(&w, "amount_rub", o->amount, o->currency, 2, true);
    } else {
        jw_kmoney(&w, "amount_local", o->amount, o->currency, 2, true);
        jw_kstr(&w, "currency", o->currency);
    }
    /* Taken from the merchant: negative (spec/panda.md). */
    jw_kmoney(&w, "merchant_commission", -o->fee, o->currency, 2, true);
    if (version != 2)
        jw_kstr_or_null(&w, "merchant_order_id", o->merchant_order_id);
    jw_obj_end(&w);
    size_t n = 0;
    char *doc = jw_finish(&w, &n);
    if (doc == NULL)
        return KASSA_ETOOBIG;
    kassa_err err = put(doc, n, out, size, len);
    free(doc);
    return err;
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

bool callback_tegro_json(const struct shop *s)
{
    return strcmp(s->notification_format, "json") == 0;
}

kassa_err callback_render_tegro(const struct order *o, const struct shop *s, char *out, size_t size,
                                size_t *len)
{
    const kassa_currency *cur = kassa_currency_find(o->currency);
    if (cur == NULL)
        return KASSA_ECURRENCY;
    char amount[48], ps[16];
    int places = cur->exponent < 2 ? 2 : cur->exponent;
    if (kassa_money_format(o->amount, cur->exponent, places, amount, sizeof amount) < 0)
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
    kassa_err err = kassa_tegro_form_sign(f, n, s->tegro_secret, KASSA_FORM_URLENCODED, sign);
    if (err != KASSA_OK)
        return err;
    f[n++] = (kassa_kv){"sign", sign};
    if (callback_tegro_json(s)) {
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

bool callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                   struct callback *cb, kassa_err *err)
{
    *err = KASSA_OK;
    memset(cb, 0, sizeof *cb);
    cb->event_id = e->id;
    cb->order_id = o->id;
    cb->shop_id = o->shop_id;
    const char *url;
    if (o->origin == DIALECT_TEGRO) {
        if (e->status != ORDER_COMPLETED)
            return false;
        url = o->notify_url[0] ? o->notify_url : s->callback_url;
        snprintf(cb->receiver, sizeof cb->receiver, "tegro");
        snprintf(cb->content_type, sizeof cb->content_type, "%s",
                 callback_tegro_json(s) ? CALLBACK_CT_TEGRO_JSON : CALLBACK_CT_TEGRO);
        *err = callback_render_tegro(o, s, cb->body, sizeof cb->body, &cb->body_len);
    } else {
        if (e->status == ORDER_PENDING)
            return false;
        url = s->callback_url;
        snprintf(cb->receiver, sizeof cb->receiver, "panda");
        snprintf(cb->content_type, sizeof cb->content_type, "%s", CALLBACK_CT_PANDA);
        *err = callback_render_panda(o, (enum order_status)e->status, s->callback_version, cb->body,
                                     sizeof cb->body, &cb->body_len);
    }
    if (*err != KASSA_OK || url[0] == '\0')
        return false;
    snprintf(cb->url, sizeof cb->url, "%s", url);
    return true;
}
