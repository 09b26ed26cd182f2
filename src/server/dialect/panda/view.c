/* view.c: panda's payer view, GET /orders/callback/{uuid_callback}
 * (spec/panda.md): public, who knows uuid_callback may see it. A
 * merchant's own payment page renders it; kassa's payer page is its
 * payment_redirect_url. Beside the spec's members it carries what kassa's
 * page shows: what the QR code encodes (qr_code_kind: "st00012", "nspk" or
 * "page"; qr_code_payload) and the shop's name, site and branding. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "core/core.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "dialect/st00012.h"
#include "panda.h"

#define QR_TEXT_SIZE (URL_SIZE + 1024)

enum http_action panda_callback_view(struct http_req *req, const char *uuid_cb)
{
    if (!core_is_uuid(uuid_cb)) {
        reply_error(req, 400, "Invalid callback UUID format");
        return HTTP_DONE;
    }
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    struct shop *shop = arena_alloc(&req->arena, sizeof *shop);
    char *qr = arena_alloc(&req->arena, QR_TEXT_SIZE);
    kassa_err err =
        o && shop && qr ? query_order(ORDER_BY_UUID_CALLBACK, uuid_cb, 0, o) : KASSA_ENOMEM;
    if (err == KASSA_OK)
        err = query_shop(o->shop_id, shop);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Order not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    char created[32], url[URL_SIZE + 128];
    clock_format(o->created_at, CLOCK_ISO8601, created, sizeof created);
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_kmoney(&w, "amount_rub", o->amount, o->currency, 2, true);
    jw_kstr(&w, "status", panda_status(o->status));
    jw_kint(&w, "ttl_sec", o->status == ORDER_PENDING ? order_ttl_left(o) : 0);
    jw_kbool(&w, "confirmed_by_customer", o->confirmed_by_customer);
    jw_key(&w, "requisite_info");
    struct requisite sandbox;
    const struct requisite *r = order_requisite(o, strcmp(o->lang, "en") == 0, &sandbox);
    if (r != NULL) {
        jw_obj(&w);
        jw_kstr(&w, "type", r->type);
        jw_kstr(&w, "requisites", r->value);
        jw_kstr(&w, "owner_full_name", r->owner_full_name);
        jw_kstr(&w, "bank_code", r->bank_code);
        jw_kstr(&w, "bank_name", r->bank_name_ru);
        jw_key(&w, "attributes");
        jw_obj(&w);
        jw_kstr(&w, panda_requisite_attr(r->type), r->value);
        jw_obj_end(&w);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    snprintf(url, sizeof url, "%s/pay/complete/%lld/%s/", dialect_settings()->public_url,
             (long long)o->id, o->pay_token);
    jw_kstr(&w, "payment_redirect_url", url);
    snprintf(url, sizeof url, "%s/pay/qr/%lld/%s/dark.png", dialect_settings()->public_url,
             (long long)o->id, o->pay_token);
    jw_kstr(&w, "dark_qr_code_url", url);
    snprintf(url, sizeof url, "%s/pay/qr/%lld/%s/light.png", dialect_settings()->public_url,
             (long long)o->id, o->pay_token);
    jw_kstr(&w, "light_qr_code_url", url);
    /* what the QR code carries (st00012.h), as the payer page shows it */
    static const char *const kinds[] = {"page", "st00012", "nspk"};
    enum pay_qr kind = pay_qr_text(o, r, shop->name, qr, QR_TEXT_SIZE);
    jw_kstr(&w, "qr_code_kind", kinds[kind]);
    jw_kstr(&w, "qr_code_payload", qr);
    jw_key(&w, "shop");
    jw_obj(&w);
    jw_kstr(&w, "name", shop->name);
    jw_kstr(&w, "url", shop->url);
    jw_kstr(&w, "logo_url", shop->logo_url);
    jw_kstr(&w, "brand_color", shop->brand_color);
    jw_obj_end(&w);
    jw_knull(&w, "receipt");
    jw_kstr(&w, "created_at", created);
    jw_kstr(&w, "currency", o->currency);
    jw_kstr(&w, "uuid", o->uuid);
    jw_kstr(&w, "uuid_callback", o->uuid_callback);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}
