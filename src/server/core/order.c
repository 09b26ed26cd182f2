/* order.c: creating orders: idempotency, fee, exchange rate, requisite
 * assignment. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "../clock.h"
#include "../log.h"
#include "core.h"
#include "kassa/money.h"

/* Fold one length-prefixed field into the fingerprint. */
static void fp_str(EVP_MD_CTX *ctx, const char *tag, const char *s)
{
    char head[64];
    size_t n = strlen(s);
    int h = snprintf(head, sizeof head, "%s:%zu:", tag, n);
    EVP_DigestUpdate(ctx, head, (size_t)h);
    EVP_DigestUpdate(ctx, s, n);
}

static void fp_int(EVP_MD_CTX *ctx, const char *tag, long long v)
{
    char buf[64];
    int h = snprintf(buf, sizeof buf, "%s=%lld;", tag, v);
    EVP_DigestUpdate(ctx, buf, (size_t)h);
}

/* SHA-256 over every parameter a client chooses: the same request twice has
 * the same fingerprint whatever its JSON spacing or key order. */
static void order_fingerprint(const struct order *o, unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        memset(out, 0, 32);
        return;
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    fp_int(ctx, "amount", (long long)o->amount);
    fp_str(ctx, "currency", o->currency);
    fp_str(ctx, "requisite_type", o->requisite_type);
    fp_int(ctx, "payment_system", o->payment_system);
    fp_str(ctx, "merchant_order_id", o->merchant_order_id);
    fp_str(ctx, "customer_name", o->customer_name);
    fp_str(ctx, "customer_requisite", o->customer_requisite);
    fp_str(ctx, "bank_code", o->bank_code);
    fp_str(ctx, "countries", o->countries);
    fp_str(ctx, "payment_systems", o->payment_systems);
    fp_str(ctx, "email", o->email);
    fp_str(ctx, "phone", o->phone);
    fp_str(ctx, "success_url", o->success_url);
    fp_str(ctx, "fail_url", o->fail_url);
    fp_str(ctx, "notify_url", o->notify_url);
    fp_str(ctx, "lang", o->lang);
    fp_int(ctx, "test", o->test);
    unsigned int len = 32;
    EVP_DigestFinal_ex(ctx, out, &len);
    EVP_MD_CTX_free(ctx);
}

kassa_err order_create_prepare(struct order_create_cmd *cmd)
{
    struct order *o = &cmd->order;
    if (o->currency[0] == '\0')
        core_copy(o->currency, sizeof o->currency, "RUB");
    if (kassa_currency_find(o->currency) == NULL)
        return KASSA_ECURRENCY;
    if (o->amount <= 0)
        return KASSA_EMONEY_ZERO;
    if (o->requisite_type[0] != '\0' && !requisite_type_known(o->requisite_type))
        return KASSA_EINVAL;
    kassa_err err = kassa_money_percent(o->amount, cmd->shop.fee_percent, &o->fee);
    if (err != KASSA_OK)
        return err;
    order_fingerprint(o, cmd->fingerprint);
    core_uuid4(o->uuid);
    core_uuid4(o->uuid_callback);
    core_hex_token(o->pay_token, 16, false);
    o->shop_id = cmd->shop.id;
    o->status = ORDER_PENDING;
    o->created_at = o->updated_at = clock_now();
    int ttl = o->origin == DIALECT_TEGRO ? cmd->shop.tegro_order_ttl : cmd->shop.panda_order_ttl;
    o->expires_at = o->created_at + (ttl > 0 ? ttl : 900);
    cmd->replayed = false;
    return KASSA_OK;
}

/* amount (of `currency`) in USDT minor units at `rate` quote units per USDT,
 * half-up; 0 when the rate is unusable. */
static int64_t to_usdt(int64_t amount, const char *currency, const char *rate)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    const kassa_currency *usdt = kassa_currency_find("USDT");
    int64_t rate8;
    if (cur == NULL || usdt == NULL ||
        kassa_money_parse(rate, strlen(rate), 8, KASSA_MONEY_POSITIVE, &rate8) != KASSA_OK)
        return 0;
    __int128 num = (__int128)amount * 100000000;
    __int128 den = (__int128)rate8;
    for (int i = 0; i < usdt->exponent; i++)
        num *= 10;
    for (int i = 0; i < cur->exponent; i++)
        den *= 10;
    __int128 q = (num + den / 2) / den;
    return q > INT64_MAX ? 0 : (int64_t)q;
}

kassa_err order_create_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct order_create_cmd *cmd = (struct order_create_cmd *)base;
    struct order *o = &cmd->order;
    kassa_err err;

    if (cmd->idem_key[0] != '\0') {
        struct idem rec;
        err = STORE_CALL(c, idem_get, cmd->shop.id, cmd->idem_key, &rec);
        if (err == KASSA_OK) {
            if (memcmp(rec.fingerprint, cmd->fingerprint, sizeof rec.fingerprint) != 0)
                return KASSA_ECONFLICT;
            err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, rec.order_id, o);
            if (err == KASSA_OK)
                cmd->replayed = true;
            return err;
        }
        if (err != KASSA_ENOTFOUND)
            return err;
    }

    if (strcmp(o->currency, "USDT") == 0) {
        o->amount_usdt = o->amount;
        core_copy(o->exchange_rate, sizeof o->exchange_rate, "1.00");
    } else {
        err = STORE_CALL(c, rate_get, "USDT", o->currency, o->exchange_rate);
        if (err == KASSA_OK)
            o->amount_usdt = to_usdt(o->amount, o->currency, o->exchange_rate);
        else if (err == KASSA_ENOTFOUND)
            o->exchange_rate[0] = '\0';
        else
            return err;
    }

    if (o->requisite_type[0] != '\0') {
        err = STORE_CALL(c, requisite_pick, o->requisite_type, o->currency, o->bank_code, &o->req);
        if (err == KASSA_OK) {
            o->requisite_id = o->req.id;
        } else if (err == KASSA_ENOTFOUND) {
            o->status = ORDER_NO_REQUISITE;
            o->requisite_id = 0;
            memset(&o->req, 0, sizeof o->req);
        } else {
            return err;
        }
    }

    if ((err = STORE_CALL(c, order_insert, o)) != KASSA_OK)
        return err == KASSA_EEXIST ? KASSA_EIO : err;
    /* Born final (no requisite could take it): the merchant hears of it. */
    if (o->status == ORDER_NO_REQUISITE && (err = order_event(c, o)) != KASSA_OK)
        return err;

    if (cmd->idem_key[0] != '\0') {
        struct idem rec = {.shop_id = cmd->shop.id, .order_id = o->id, .created_at = o->created_at};
        core_copy(rec.key, sizeof rec.key, cmd->idem_key);
        memcpy(rec.fingerprint, cmd->fingerprint, sizeof rec.fingerprint);
        if ((err = STORE_CALL(c, idem_put, &rec)) != KASSA_OK)
            return err;
    }
    return KASSA_OK;
}

int64_t order_ttl_left(const struct order *o)
{
    int64_t left = o->expires_at - clock_now();
    return left > 0 ? left : 0;
}
