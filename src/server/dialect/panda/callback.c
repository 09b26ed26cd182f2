/* callback.c: panda's status names and its callbacks (panda.h): a JSON
 * body (version 3 by default, version 2 per shop), signed per attempt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "core/core.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "panda.h"

const char *panda_status(enum order_status s)
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
    case ORDER_REVERSED: /* p2p.md "Reversal": panda shows a reversal as canceled */
        return "canceled";
    case ORDER_NO_REQUISITE:
        return "traderNotFound";
    }
    return "pending";
}

kassa_err panda_callback_body(const struct order *o, enum order_status status, int version,
                              char *out, size_t size, size_t *len)
{
    if (kassa_currency_find(o->currency) == NULL)
        return KASSA_ECURRENCY;
    bool has_rate = o->exchange_rate[0] != '\0';
    struct jw w;
    jw_init(&w, size);
    jw_obj(&w);
    jw_kstr(&w, version == 2 ? "order_uuid" : "uuid", o->uuid);
    jw_kstr(&w, "status", panda_status(status));
    if (has_rate)
        jw_kmoney(&w, "amount_usdt", o->amount_usdt, "USDT", 2, true);
    else
        jw_knull(&w, "amount_usdt");
    /* The amount actually received when the completion named one; the
     * order's fee and USDT amount are already those of it. */
    if (version == 2) {
        jw_kmoney(&w, "amount_rub", order_amount_paid(o), o->currency, 2, true);
    } else {
        jw_kmoney(&w, "amount_local", order_amount_paid(o), o->currency, 2, true);
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
    kassa_err err = KASSA_OK;
    if (n + 1 > size) {
        err = KASSA_ETOOBIG;
    } else {
        memcpy(out, doc, n);
        out[n] = '\0';
        *len = n;
    }
    free(doc);
    return err;
}

bool panda_callback_format_ok(const char *value, char *msg, size_t msglen)
{
    if (strcmp(value, "2") == 0 || strcmp(value, "3") == 0)
        return true;
    snprintf(msg, msglen, "callback_version: expected an integer between 2 and 3");
    return false;
}

bool panda_callback_plan(const struct event *e, const struct order *o, const struct shop *s,
                         const struct shop_dialect *row, struct callback *cb, kassa_err *err)
{
    if (e->status == ORDER_PENDING)
        return false;
    int version = strcmp(row->callback_format, "2") == 0 ? 2 : 3;
    snprintf(cb->url, sizeof cb->url, "%s", s->callback_url);
    snprintf(cb->content_type, sizeof cb->content_type, "%s", PANDA_CALLBACK_CT);
    *err = panda_callback_body(o, (enum order_status)e->status, version, cb->body, sizeof cb->body,
                               &cb->body_len);
    return *err == KASSA_OK;
}

bool panda_callback_sign(const struct callback *cb, const struct shop_dialect *row, int64_t now,
                         dialect_header_fn add, void *arg)
{
    char ts[32], sig[KASSA_SHA256_HEX_SIZE];
    const char *api_key, *secret = shop_callback_secret(row, clock_now(), &api_key);
    snprintf(ts, sizeof ts, "%lld", (long long)now);
    kassa_panda_sign(secret, ts, cb->body, cb->body_len, sig);
    return add(arg, "X-API-Key", api_key) && add(arg, "X-Timestamp", ts) &&
           add(arg, "X-Signature", sig);
}
