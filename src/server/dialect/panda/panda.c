/* panda.c: the PandaPay24 dialect (spec/panda.md). Wire format only: the
 * auth headers, field names, status names and number formats; everything
 * else is the core's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "base/clock.h"
#include "core/core.h"
#include "core/method.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "dialect/form.h"
#include "kassa/money.h"
#include "dialect/reply.h"
#include "panda.h"

const char *panda_requisite_attr(const char *type)
{
    if (strcmp(type, "SBP") == 0 || strcmp(type, "internalTransferMobile") == 0 ||
        strcmp(type, "phoneTopUp") == 0)
        return "phoneNumber";
    if (strcmp(type, "card") == 0 || strcmp(type, "crossBorderCard") == 0)
        return "cardNumber";
    if (strcmp(type, "accountNumber") == 0 || strcmp(type, "internalTransferAccountNumber") == 0)
        return "accountNumber";
    return "value";
}

/* ---- authentication ----------------------------------------------------- */

/* ---- rendering ---------------------------------------------------------- */

enum order_view { VIEW_CREATE_V1, VIEW_CREATE_LEGACY, VIEW_GET };

static void money_or_null(struct jw *w, const char *key, int64_t minor, const char *currency,
                          int places, bool present)
{
    if (present)
        jw_kmoney(w, key, minor, currency, places, false);
    else
        jw_knull(w, key);
}

static void render_order_fields(struct jw *w, const struct order *o, const struct shop *shop,
                                enum order_view view)
{
    /* its requisite, or a test order's sandbox one (core's order_requisite) */
    struct requisite sandbox;
    const struct requisite *r = order_requisite(o, strcmp(o->lang, "en") == 0, &sandbox);
    bool has_req = r != NULL;
    bool has_rate = o->exchange_rate[0] != '\0';
    char created[32], expires[32], merchant_id[32];
    clock_format(o->created_at, CLOCK_ISO8601, created, sizeof created);
    clock_format(o->expires_at, CLOCK_ISO8601, expires, sizeof expires);
    core_i64(shop->merchant_id, merchant_id);

    jw_obj(w);
    jw_kstr(w, "uuid", o->uuid);
    jw_kstr(w, "uuid_callback", o->uuid_callback);
    jw_kint(w, "id", o->id);
    jw_kstr(w, "status", panda_status(o->status));
    jw_kmoney(w, "amount", o->amount, o->currency, 2, view == VIEW_GET);
    money_or_null(w, "amount_usdt", o->amount_usdt, "USDT", 2, has_rate);
    jw_kstr_or_null(w, "exchange_rate", o->exchange_rate);
    jw_kstr(w, "currency", o->currency);
    jw_kmoney(w, "merchant_commission", o->fee, o->currency, 2, false);
    jw_kstr(w, "merchant_id", merchant_id);
    jw_kstr_or_null(w, "merchant_order_id", o->merchant_order_id);
    jw_kstr(w, "requisite_type", o->requisite_type);
    if (has_req) {
        jw_kstr(w, view == VIEW_GET ? "requisites" : "requisite", r->value);
        jw_key(w, "requisite_attributes");
        jw_obj(w);
        jw_kstr(w, panda_requisite_attr(r->type), r->value);
        jw_obj_end(w);
        jw_kstr(w, "owner_full_name", r->owner_full_name);
        jw_kstr(w, "bank_code", r->bank_code);
        jw_kstr(w, "bank_name_ru", r->bank_name_ru);
        jw_kstr(w, "bank_name_en", r->bank_name_en);
        jw_kstr(w, "country_code", r->country_code);
    }
    jw_kstr(w, "payment_system", "OTHER");
    jw_kstr_or_null(w, "customer_name", o->customer_name);
    jw_kstr_or_null(w, "customer_requisite", o->customer_requisite);
    jw_kbool(w, "confirmed_by_customer", o->confirmed_by_customer);
    jw_kstr(w, "created_at", created);
    jw_kstr(w, "expires_at", expires);
    if (view == VIEW_GET) {
        char buf[URL_SIZE + 128];
        core_concat(buf, sizeof buf, dialect_settings()->public_url, "/orders/callback/",
                    o->uuid_callback);
        jw_kstr(w, "url_callback", buf);
    }
    if (view == VIEW_CREATE_LEGACY && has_req) {
        jw_key(w, "requisite_data");
        jw_obj(w);
        jw_kstr(w, "requisites", r->value);
        jw_kstr(w, "owner_full_name", r->owner_full_name);
        jw_kstr(w, "bank_name_ru", r->bank_name_ru);
        jw_kstr(w, "bank_name_en", r->bank_name_en);
        jw_kstr(w, "bank_code", r->bank_code);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static void reply_order(struct http_req *req, const struct order *o, const struct shop *shop,
                        enum order_view view)
{
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    render_order_fields(&w, o, shop, view);
    reply_jw(req, 200, &w);
}

/* ---- POST /orders, /v1/orders -------------------------------------------- */

struct panda_create {
    struct order_create_cmd cmd;
    bool legacy;
};

static void create_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct panda_create *pc = container_of(task, struct panda_create, cmd.task);
    switch (err) {
    case KASSA_OK:
        log_debug("order created", "uuid=%s id=%lld status=%s replayed=%d", pc->cmd.order.uuid,
                  (long long)pc->cmd.order.id, order_status_name(pc->cmd.order.status),
                  pc->cmd.replayed);
        reply_order(req, &pc->cmd.order, &pc->cmd.shop,
                    pc->legacy ? VIEW_CREATE_LEGACY : VIEW_CREATE_V1);
        break;
    case KASSA_ECONFLICT:
        reply_error(req, 409, "idempotency key reused with different parameters");
        break;
    case KASSA_EMONEY_RANGE:
        reply_error(req, 400, "amount: smaller than the shop's fee in %s", pc->cmd.order.currency);
        break;
    default:
        reply_error(req, 500, "Internal server error");
    }
}

static const char *const known_countries[] = {"ANY", "RUS", "AZE", "KGZ",
                                              "TJK", "UZB", "KAZ", "GE-AB"};
static const char *const known_payment_systems[] = {"VISA",     "MIR",    "MC",          "AMEX",
                                                    "UnionPay", "ELCART", "KORTI_MILLI", "HUMO",
                                                    "UZCARD",   "QR",     "OTHER"};

/* An optional array of strings from `allowed`, kept as compact JSON. With
 * `skip_nulls`, null entries are left out (of the text too). */
static bool string_list(json_t *obj, const char *key, const char *const *allowed, size_t n,
                        bool skip_nulls, char *dst, size_t size, char *msg, size_t msglen)
{
    json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_array(v)) {
        snprintf(msg, msglen, "%s: must be an array of strings", key);
        return false;
    }
    size_t i, nulls = 0;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (skip_nulls && json_is_null(item)) {
            nulls++;
            continue;
        }
        if (!json_is_string(item)) {
            snprintf(msg, msglen, "%s: must be an array of strings", key);
            return false;
        }
        bool ok = false;
        for (size_t k = 0; k < n && !ok; k++)
            ok = strcmp(json_string_value(item), allowed[k]) == 0;
        if (!ok) {
            snprintf(msg, msglen, "%s: unknown value '%.64s'", key, json_string_value(item));
            return false;
        }
    }
    /* The text: the list as given, without its nulls ([null] -> []). */
    json_t *kept = nulls == 0 ? json_incref(v) : json_array();
    if (nulls > 0 && kept != NULL) {
        json_array_foreach(v, i, item)
        {
            if (!json_is_null(item))
                json_array_append(kept, item);
        }
    }
    char *text = kept ? json_dumps(kept, JSON_COMPACT) : NULL;
    json_decref(kept);
    bool fits = text != NULL && strlen(text) < size;
    if (fits)
        memcpy(dst, text, strlen(text) + 1);
    else
        snprintf(msg, msglen, "%s: too long", key);
    free(text);
    return fits;
}

kassa_err panda_parse_create(const char *body, size_t len, bool legacy,
                             struct order_create_cmd *cmd, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *root =
        json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
    struct order *o = &cmd->order;
    kassa_err err = KASSA_EINVAL;
    if (root == NULL) {
        snprintf(msg, msglen, "invalid JSON: %s", jerr.text);
        return KASSA_EINVAL;
    }
    if (!json_is_object(root)) {
        snprintf(msg, msglen, "request body must be a JSON object");
        goto out;
    }
    o->origin = dialect_panda.id;
    const char *amount_key = legacy ? "amount_rub" : "amount";
    const char *alt_key = legacy ? "amount" : "amount_rub";
    char amount[128];
    bool found;
    if (!json_decimal_text_doc(body, len, root, amount_key, amount, sizeof amount, &found, msg,
                               msglen))
        goto out;
    if (!found) {
        amount_key = alt_key;
        if (!json_decimal_text_doc(body, len, root, amount_key, amount, sizeof amount, &found, msg,
                                   msglen))
            goto out;
        if (!found) {
            snprintf(msg, msglen, "%s: required", legacy ? "amount_rub" : "amount");
            goto out;
        }
    }
    if (!json_opt_string(root, "currency", o->currency, sizeof o->currency, msg, msglen))
        goto out;
    if (o->currency[0] == '\0')
        core_copy(o->currency, sizeof o->currency, "RUB");
    const kassa_currency *cur = kassa_currency_find(o->currency);
    if (cur == NULL) {
        snprintf(msg, msglen, "currency: unknown currency '%.32s'", o->currency);
        goto out;
    }
    kassa_err merr =
        kassa_money_parse(amount, strlen(amount), cur->exponent, KASSA_MONEY_POSITIVE, &o->amount);
    if (merr != KASSA_OK) {
        snprintf(msg, msglen, "%s: %s", amount_key, kassa_strerror(merr));
        goto out;
    }
    json_t *rt = json_object_get(root, "requisite_type");
    if (rt == NULL || json_is_null(rt)) {
        snprintf(msg, msglen, "requisite_type: required");
        goto out;
    }
    if (!json_opt_string(root, "requisite_type", o->requisite_type, sizeof o->requisite_type, msg,
                         msglen))
        goto out;
    if (!requisite_type_known(o->requisite_type)) {
        snprintf(msg, msglen, "requisite_type: unknown value '%.64s'", o->requisite_type);
        goto out;
    }
    json_t *ik = json_object_get(root, "idempotency_key");
    if (ik == NULL || json_is_null(ik)) {
        snprintf(msg, msglen, "idempotency_key: required");
        goto out;
    }
    if (!json_opt_string(root, "idempotency_key", cmd->idem_key, sizeof cmd->idem_key, msg, msglen))
        goto out;
    if (cmd->idem_key[0] == '\0') {
        snprintf(msg, msglen, "idempotency_key: must not be empty");
        goto out;
    }
    if (!json_opt_string(root, "merchant_order_id", o->merchant_order_id,
                         sizeof o->merchant_order_id, msg, msglen) ||
        !json_opt_string(root, "customer_name", o->customer_name, sizeof o->customer_name, msg,
                         msglen) ||
        !json_opt_string(root, "customer_requisite", o->customer_requisite,
                         sizeof o->customer_requisite, msg, msglen) ||
        !json_opt_string(root, "bank_code", o->bank_code, sizeof o->bank_code, msg, msglen))
        goto out;
    /* countries: a production client sends [null] on every RUB order */
    if (!string_list(root, "countries", known_countries,
                     sizeof known_countries / sizeof known_countries[0], true, o->countries,
                     sizeof o->countries, msg, msglen) ||
        !string_list(root, "payment_systems", known_payment_systems,
                     sizeof known_payment_systems / sizeof known_payment_systems[0], false,
                     o->payment_systems, sizeof o->payment_systems, msg, msglen))
        goto out;
    /* The same countries, typed, for the requisite pick (known ones only:
     * each fits, and there are fewer than COUNTRY_FILTER_MAX). */
    json_t *countries = json_object_get(root, "countries");
    size_t ci;
    json_t *country;
    memset(&cmd->countries, 0, sizeof cmd->countries);
    json_array_foreach(countries, ci, country)
    {
        if (json_is_string(country))
            country_filter_add(&cmd->countries, json_string_value(country));
    }
    err = KASSA_OK;
out:
    json_decref(root);
    return err;
}

static enum http_action panda_create(struct http_req *req, bool legacy)
{
    struct shop shop;
    if (!panda_auth(req, req->body, req->body_len, &shop))
        return HTTP_DONE;
    char msg[512] = "";
    struct panda_create *pc = arena_calloc(&req->arena, sizeof *pc);
    if (pc == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct order_create_cmd *cmd = &pc->cmd;
    pc->legacy = legacy;
    cmd->shop = shop;
    order_create_init(cmd);
    if (panda_parse_create(req->body, req->body_len, legacy, cmd, msg, sizeof msg) != KASSA_OK) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    kassa_err err = order_create_prepare(cmd);
    if (err == KASSA_EMETHOD_OFF) {
        reply_error(req, 400, "requisite_type %s is switched off for this shop",
                    cmd->order.requisite_type);
        return HTTP_DONE;
    }
    if (err == KASSA_EAMOUNT_LIMIT) {
        char limit[64];
        core_amount_limit_text(cmd->order.currency, false, limit, sizeof limit);
        reply_error(req, 400, "amount: at most %s", limit);
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 400, "%s", kassa_strerror(err));
        return HTTP_DONE;
    }
    return submit_and_render(req, &cmd->task, create_rendered);
}

/* ---- reads -------------------------------------------------------------- */

static enum http_action panda_get(struct http_req *req, const char *uuid)
{
    struct shop shop;
    if (!panda_auth(req, "", 0, &shop))
        return HTTP_DONE;
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    kassa_err err = o ? query_shop_order(shop.id, ORDER_BY_UUID, uuid, 0, o) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Order not found");
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else
        reply_order(req, o, &shop, VIEW_GET);
    return HTTP_DONE;
}

struct list_ctx {
    struct jw *w;
    const struct shop *shop;
};

static bool list_one(void *arg, const struct order *o)
{
    struct list_ctx *lc = arg;
    render_order_fields(lc->w, o, lc->shop, VIEW_GET);
    return !lc->w->failed;
}

static enum http_action panda_by_merchant_id(struct http_req *req, const char *moid)
{
    struct shop shop;
    if (!panda_auth(req, "", 0, &shop))
        return HTTP_DONE;
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_arr(&w);
    struct list_ctx lc = {.w = &w, .shop = &shop};
    kassa_err err = query_orders_by_merchant_id(shop.id, moid, list_one, &lc);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    jw_arr_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- lifecycle: cancel, confirm, receipt, stats --------------------------- */

/* The shop's order with this uuid into *o; answers 404/500 and returns
 * false when there is none. */
static bool own_order(struct http_req *req, const struct shop *shop, const char *uuid,
                      struct order *o)
{
    kassa_err err = query_shop_order(shop->id, ORDER_BY_UUID, uuid, 0, o);
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Order not found");
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    return err == KASSA_OK;
}

static void cancel_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
    if (err == KASSA_EAUTH_REPLAY) {
        reply_error(req, 401,
                    "signature already used for another request: sign this one "
                    "with its own X-Timestamp (or use X-Signature-Mode: strict)");
        return;
    }
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "Order cannot be canceled: it is %s",
                    panda_status(cmd->order.status));
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500,
                    err == KASSA_ENOTFOUND ? "Order not found" : "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    jw_kstr(&w, "status", panda_status(cmd->order.status));
    jw_kstr(&w, "uuid", cmd->order.uuid);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

static enum http_action panda_cancel(struct http_req *req, const char *uuid)
{
    struct shop shop;
    struct order_transition_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!panda_auth_ex(req, "", 0, &shop, &cmd->nonce))
        return HTTP_DONE;
    if (!own_order(req, &shop, uuid, &cmd->order))
        return HTTP_DONE;
    cmd->order_id = cmd->order.id;
    cmd->to = ORDER_CANCELED;
    cmd->actor = ACTOR_MERCHANT;
    cmd->task.run = order_transition_apply;
    return submit_and_render(req, &cmd->task, cancel_rendered);
}

static void confirm_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
    if (err == KASSA_EAUTH_REPLAY) {
        reply_error(req, 401,
                    "signature already used for another request: sign this one "
                    "with its own X-Timestamp (or use X-Signature-Mode: strict)");
        return;
    }
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "Order cannot be confirmed: it is %s",
                    panda_status(cmd->order.status));
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    jw_kstr(&w, "uuid", cmd->order.uuid);
    jw_kstr(&w, "status", panda_status(cmd->order.status));
    jw_kbool(&w, "confirmed_by_customer", cmd->order.confirmed_by_customer);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

/* The payer says the money was sent. Signed by the merchant (X-API-Key and
 * the order's uuid), or public through the payer's uuid_callback. */
static enum http_action panda_confirm(struct http_req *req, const char *ref)
{
    struct order_transition_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (http_header(req, "X-API-Key") != NULL) {
        struct shop shop;
        if (!panda_auth_ex(req, "", 0, &shop, &cmd->nonce) ||
            !own_order(req, &shop, ref, &cmd->order))
            return HTTP_DONE;
    } else {
        if (!core_is_uuid(ref)) {
            reply_error(req, 400, "Invalid callback UUID format");
            return HTTP_DONE;
        }
        kassa_err err = query_order(ORDER_BY_UUID_CALLBACK, ref, 0, &cmd->order);
        if (err != KASSA_OK) {
            reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500,
                        err == KASSA_ENOTFOUND ? "Order not found" : "Internal server error");
            return HTTP_DONE;
        }
    }
    cmd->order_id = cmd->order.id;
    cmd->task.run = order_confirm_apply;
    return submit_and_render(req, &cmd->task, confirm_rendered);
}

static void receipt_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct receipt_image_cmd *cmd = container_of(task, struct receipt_image_cmd, task);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    jw_kbool(&w, "success", true);
    jw_kstr(&w, "content_type", cmd->content_type);
    jw_kint(&w, "size", (long long)cmd->len);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

/* The content of the multipart form-data field `name`: *data and *len point
 * into the body. False when the body is not such a form or lacks it. */
static bool multipart_field(struct http_req *req, const char *name, const char **data, size_t *len)
{
    const char *ct = http_header(req, "Content-Type");
    struct form_part part;
    size_t pos = 0;
    while (form_multipart_next(ct, req->body, req->body_len, &pos, &part)) {
        if (form_part_is(&part, name)) {
            *data = part.data;
            *len = part.len;
            return true;
        }
    }
    return false;
}

static enum http_action panda_receipt(struct http_req *req, const char *uuid)
{
    struct shop shop;
    /* The signature covers the timestamp and the request path. */
    if (!panda_auth(req, req->path, strlen(req->path), &shop))
        return HTTP_DONE;
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    if (o == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!own_order(req, &shop, uuid, o))
        return HTTP_DONE;
    const char *data;
    size_t len;
    if (!multipart_field(req, "receipt", &data, &len)) {
        reply_error(req, 400, "receipt: expected a multipart/form-data field named receipt");
        return HTTP_DONE;
    }
    if (len > RECEIPT_IMAGE_MAX) {
        reply_error(req, 413, "receipt: larger than 3 MB");
        return HTTP_DONE;
    }
    const char *ctype = receipt_image_type(data, len);
    if (ctype == NULL) {
        reply_error(req, 415, "receipt: only JPG and PNG images are accepted");
        return HTTP_DONE;
    }
    struct receipt_image_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->order_id = o->id;
    cmd->content_type = ctype;
    cmd->data = data;
    cmd->len = len;
    cmd->task.run = receipt_image_apply;
    return submit_and_render(req, &cmd->task, receipt_rendered);
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[Z]" (UTC) to Unix seconds. */
static bool parse_date(const char *s, int64_t *out, bool *date_only)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (end == NULL)
        return false;
    *date_only = *end == '\0';
    if (!*date_only) {
        end = strptime(end, "T%H:%M:%S", &tm);
        if (end == NULL || (*end != '\0' && strcmp(end, "Z") != 0))
            return false;
    }
    *out = (int64_t)timegm(&tm);
    return true;
}

/* A ratio as a percent with 2 decimals ("33.33"), half-up. */
static void percent_text(int64_t part, int64_t whole, char *buf, size_t size)
{
    if (whole <= 0) {
        snprintf(buf, size, "0.00");
        return;
    }
    __int128 bp = ((__int128)part * 20000 / whole + 1) / 2; /* hundredths of a percent */
    snprintf(buf, size, "%lld.%02lld", (long long)(bp / 100), (long long)(bp % 100));
}

static enum http_action panda_stats(struct http_req *req)
{
    struct shop shop;
    if (!panda_auth(req, "", 0, &shop))
        return HTTP_DONE;
    int64_t from = 0, to = INT64_MAX / 2;
    bool date_only;
    const char *f = http_query(req, "from_date"), *t = http_query(req, "to_date");
    if (f && *f && !parse_date(f, &from, &date_only)) {
        reply_error(req, 400, "from_date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
        return HTTP_DONE;
    }
    if (t && *t) {
        if (!parse_date(t, &to, &date_only)) {
            reply_error(req, 400, "to_date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
            return HTTP_DONE;
        }
        to += date_only ? 86400 : 1; /* the whole day / the second itself */
    }
    const char *rt = http_query(req, "requisite_type"), *cc = http_query(req, "country_code");
    if (rt && *rt && !requisite_type_known(rt)) {
        reply_error(req, 400, "requisite_type: unknown value '%.64s'", rt);
        return HTTP_DONE;
    }
    const char *cur = http_query(req, "currency");
    if (cur == NULL || *cur == '\0')
        cur = "RUB";
    if (kassa_currency_find(cur) == NULL) {
        reply_error(req, 400, "currency: unknown currency '%.32s'", cur);
        return HTTP_DONE;
    }
    struct order_stats st = {0};
    kassa_err err = query_order_stats(shop.id, from, to, rt ? rt : "", cc ? cc : "", cur, &st);
    if (err == KASSA_EMONEY_RANGE) {
        reply_error(req, 422,
                    "the amounts of this period exceed what can be summed; "
                    "ask for a shorter period");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    char conv[32];
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kstr(&w, "currency", cur);
    jw_kint(&w, "total_orders", st.total_orders);
    jw_kmoney(&w, "total_amount", st.total_amount, cur, 2, false);
    jw_kint(&w, "completed_orders", st.completed_orders);
    jw_kmoney(&w, "completed_amount", st.completed_amount, cur, 2, false);
    jw_kint(&w, "pending_orders", st.pending_orders);
    jw_kmoney(&w, "pending_amount", st.pending_amount, cur, 2, false);
    jw_kmoney(&w, "failed_amount", st.failed_amount, cur, 2, false);
    jw_kmoney(&w, "total_commission", st.total_commission, cur, 2, false);
    percent_text(st.completed_orders, st.total_orders, conv, sizeof conv);
    jw_kstr(&w, "order_conversion", conv);
    percent_text(st.completed_amount, st.total_amount, conv, sizeof conv);
    jw_kstr(&w, "amount_conversion", conv);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- routing ------------------------------------------------------------ */

static enum http_action panda_handle(struct http_req *req)
{
    bool v1 = strncmp(req->path, "/v1/", 4) == 0;
    const char *rest = req->path + (v1 ? 3 : 0); /* "/orders..." */
    const char *tail = path_after(rest, "/orders");
    if (tail == NULL || (tail[0] != '\0' && tail[0] != '/')) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (tail[0] == '\0' || strcmp(tail, "/") == 0) {
        if (post)
            return panda_create(req, !v1);
        reply_error(req, 405, "method not allowed");
        return HTTP_DONE;
    }
    tail++; /* past '/' */
    const char *arg;
    if ((arg = path_after(tail, "merchant/")) != NULL && get && *arg)
        return panda_by_merchant_id(req, arg);
    if ((arg = path_after(tail, "callback/")) != NULL && get)
        return panda_callback_view(req, arg);
    if (strcmp(tail, "stats") == 0 && get)
        return panda_stats(req);
    const char *slash = strchr(tail, '/');
    if (slash != NULL && strchr(slash + 1, '/') == NULL) {
        char uuid[UUID_SIZE];
        size_t n = (size_t)(slash - tail);
        if (n < sizeof uuid) {
            memcpy(uuid, tail, n);
            uuid[n] = '\0';
            if (strcmp(slash, "/cancel") == 0 && get)
                return panda_cancel(req, uuid);
            if (strcmp(slash, "/confirm") == 0 && (get || post))
                return panda_confirm(req, uuid);
            if (strcmp(slash, "/receipt") == 0 && post)
                return panda_receipt(req, uuid);
            if (strcmp(slash, "/disputes") == 0 && (get || post))
                return panda_order_disputes(req, uuid, post);
        } else if (strcmp(slash, "/cancel") == 0 || strcmp(slash, "/receipt") == 0) {
            reply_error(req, 404, "Order not found");
            return HTTP_DONE;
        }
    }
    if (strchr(tail, '/') == NULL) {
        if (get)
            return panda_get(req, tail);
        reply_error(req, 405, "method not allowed");
        return HTTP_DONE;
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

/* ---- the registry's entry ----------------------------------------------- */

static const struct dialect_route routes[] = {
    {.path = "/orders", .handle = panda_handle},
    {.path = "/v1/orders", .handle = panda_handle},
    {.path = "/disputes", .handle = panda_disputes_handle},
    {.path = "/v1/disputes", .handle = panda_disputes_handle},
};

static const struct dialect_field fields[] = {
    {"callback_version", DIALECT_CALLBACK_FORMAT},
    {"panda_order_ttl", DIALECT_ORDER_TTL},
    {"strict_signing", DIALECT_STRICT_SIGNING},
};

static const struct dialect_merchant merchant = {
    .api_key_bytes = 16,
    .secret_bytes = 32,
    .order_ttl = 900,
    .callback_format = "3",
    .callback_format_ok = panda_callback_format_ok,
    .callback_format_int = true,
    .fields = fields,
    .n_fields = sizeof fields / sizeof fields[0],
    .callback_plan = panda_callback_plan,
    .callback_sign = panda_callback_sign,
    .dispute_plan = panda_dispute_plan,
};

const struct dialect dialect_panda = {
    .name = PANDA_NAME,
    .id = 1,
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
    .merchant = &merchant,
};
