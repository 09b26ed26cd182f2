/* records.c: the merchant's orders, withdrawals and callbacks (merchant.h):
 *
 *   GET  /merchant/v1/orders?<the admin list's filters>   its shops' orders
 *   GET  /merchant/v1/orders/{ref}               one (ref: uuid or id)
 *   GET  /merchant/v1/orders/{ref}/events        its timeline
 *   GET  /merchant/v1/withdrawals?status=&shop_id=
 *   GET  /merchant/v1/withdrawals/{id}
 *   POST /merchant/v1/withdrawals                {"shop_id", "amount", "currency"?,
 *                                                 "account", "payment_system"?, "payment_id"?}
 *   GET  /merchant/v1/callbacks?order=&state=&shop_id=
 *   GET  /merchant/v1/callbacks/{id}             with its attempts
 *   POST /merchant/v1/callbacks/{id}/resend
 *
 * The lists are the admin API's (dialect/list.h), restricted to the
 * merchant by the core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/random.h"
#include "dialect/list.h"
#include "kassa/money.h"
#include "merchant.h"

static void put_time(struct jw *w, const char *key, int64_t at)
{
    char t[32];
    if (at <= 0) {
        jw_knull(w, key);
        return;
    }
    clock_format(at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, key, t);
}

static int exponent_of(const char *currency)
{
    const kassa_currency *cur = kassa_currency_find(currency);
    return cur != NULL ? cur->exponent : 2;
}

/* ---- orders -------------------------------------------------------------- */

void render_merchant_order(struct jw *w, const struct order *o)
{
    int exp = exponent_of(o->currency);
    jw_obj(w);
    jw_kint(w, "id", o->id);
    jw_kstr(w, "uuid", o->uuid);
    jw_kint(w, "shop_id", o->shop_id);
    const struct dialect *origin = dialect_by_id(o->origin);
    jw_kstr(w, "origin", origin != NULL ? origin->name : "unknown");
    jw_kstr(w, "status", order_status_name(o->status));
    jw_kmoney(w, "amount", o->amount, o->currency, exp, false);
    jw_kstr(w, "currency", o->currency);
    jw_kmoney(w, "fee", o->fee, o->currency, exp, false);
    if (o->amount_received > 0)
        jw_kmoney(w, "amount_received", o->amount_received, o->currency, exp, false);
    else
        jw_knull(w, "amount_received");
    jw_kstr(w, "merchant_order_id", o->merchant_order_id);
    jw_kstr(w, "requisite_type", o->requisite_type);
    jw_kint(w, "payment_system", o->payment_system);
    jw_kbool(w, "test", o->test);
    jw_kbool(w, "confirmed_by_customer", o->confirmed_by_customer);
    put_time(w, "created_at", o->created_at);
    put_time(w, "expires_at", o->expires_at);
    put_time(w, "paid_at", o->paid_at);
    put_time(w, "reversed_at", o->reversed_at);
    jw_obj_end(w);
}

static bool order_of(struct http_req *req, struct merchant_call *call, const char *ref,
                     struct order **out)
{
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    kassa_err err = o != NULL ? query_merchant_order(call->merchant_id, ref, o) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Order not found");
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    *out = o;
    return err == KASSA_OK;
}

enum http_action merchant_orders(struct http_req *req, struct merchant_call *call, const char *rest)
{
    if (strcmp(req->method, "GET") != 0) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    if (*rest == '\0')
        return list_shop_orders(req, call->merchant_id, render_merchant_order);
    char ref[TEXT_SIZE];
    const char *slash = strchr(rest + 1, '/');
    size_t n = slash != NULL ? (size_t)(slash - rest - 1) : strlen(rest + 1);
    if (n == 0 || n >= sizeof ref || (slash != NULL && strcmp(slash, "/events") != 0)) {
        reply_error(req, 404, slash != NULL ? "Not found" : "Order not found");
        return HTTP_DONE;
    }
    memcpy(ref, rest + 1, n);
    ref[n] = '\0';
    struct order *o;
    if (!order_of(req, call, ref, &o))
        return HTTP_DONE;
    if (slash != NULL)
        return list_order_events(req, o);
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    render_merchant_order(&w, o);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- withdrawals --------------------------------------------------------- */

static void render_withdrawal(struct jw *w, const struct withdrawal *wd)
{
    static const char *const names[] = {"pending", "completed", "rejected"};
    jw_obj(w);
    jw_kint(w, "id", wd->id);
    jw_kint(w, "shop_id", wd->shop_id);
    jw_kstr(w, "payment_id", wd->payment_id);
    jw_kstr(w, "status", wd->status >= 0 && wd->status <= 2 ? names[wd->status] : "unknown");
    jw_kmoney(w, "amount", wd->amount, wd->currency, exponent_of(wd->currency), false);
    jw_kstr(w, "currency", wd->currency);
    jw_kstr(w, "account", wd->account);
    jw_kint(w, "payment_system", wd->payment_system);
    put_time(w, "created_at", wd->created_at);
    put_time(w, "completed_at", wd->completed_at);
    jw_obj_end(w);
}

static void withdrawn(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct withdrawal_create_cmd *cmd = container_of(task, struct withdrawal_create_cmd, task);
    char avail[64];
    switch (err) {
    case KASSA_OK: {
        log_info("merchant withdrawal", "id=%lld shop_id=%lld replayed=%d", (long long)cmd->w.id,
                 (long long)cmd->shop_id, cmd->replayed);
        struct jw w;
        jw_init(&w, 4096);
        render_withdrawal(&w, &cmd->w);
        reply_jw(req, cmd->replayed ? 200 : 201, &w);
        return;
    }
    case KASSA_ENOTFOUND:
        reply_error(req, 404, "Shop not found");
        return;
    case KASSA_ECONFLICT:
        reply_error(req, 409, "payment_id: a withdrawal with other parameters has it");
        return;
    case KASSA_EFUNDS:
        kassa_money_format(cmd->w.amount, exponent_of(cmd->w.currency),
                           exponent_of(cmd->w.currency), avail, sizeof avail);
        reply_error(req, 409, "insufficient funds: the available balance is less than %s %s", avail,
                    cmd->w.currency);
        return;
    default:
        reply_error(req, 500, "Internal server error");
    }
}

/* POST /merchant/v1/withdrawals: the panda and tegro withdrawals' core
 * command (the amount held from the available balance, never below zero),
 * only from the merchant's own shop. payment_id (the merchant's id of the
 * payout, its idempotency key) is made up when not given. */
static enum http_action request_withdrawal(struct http_req *req, struct merchant_call *call)
{
    static const char *const names[] = {"shop_id",        "amount",     "currency", "account",
                                        "payment_system", "payment_id", NULL};
    char msg[256], amount[64] = "";
    struct withdrawal_create_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    json_t *root = cmd != NULL ? parse_json_object(req, msg, sizeof msg) : NULL;
    if (root == NULL) {
        reply_error(req, cmd != NULL ? 400 : 500, "%s",
                    cmd != NULL ? msg : "Internal server error");
        return HTTP_DONE;
    }
    struct withdrawal *wd = &cmd->w;
    int64_t ps = 0;
    bool found = false;
    bool ok =
        json_only_members(root, names,
                          "a withdrawal takes shop_id, amount, currency, account, payment_system "
                          "and payment_id",
                          msg, sizeof msg) &&
        json_opt_id(root, "shop_id", &cmd->shop_id, msg, sizeof msg) &&
        json_decimal_text(req, root, "amount", amount, sizeof amount, &found, msg, sizeof msg) &&
        json_opt_string(root, "currency", wd->currency, sizeof wd->currency, msg, sizeof msg) &&
        json_opt_string(root, "account", wd->account, sizeof wd->account, msg, sizeof msg) &&
        json_opt_id(root, "payment_system", &ps, msg, sizeof msg) &&
        json_opt_string(root, "payment_id", wd->payment_id, sizeof wd->payment_id, msg, sizeof msg);
    json_decref(root);
    const char *missing = !ok                   ? NULL
                          : cmd->shop_id == 0   ? "shop_id: required, the shop's id"
                          : !found              ? "amount: required, e.g. \"100.00\""
                          : wd->account[0] == 0 ? "account: required, where to pay"
                                                : NULL;
    if (missing != NULL) {
        snprintf(msg, sizeof msg, "%s", missing);
        ok = false;
    }
    if (ok && wd->currency[0] == '\0')
        core_copy(wd->currency, sizeof wd->currency, "RUB");
    const kassa_currency *cur = ok ? kassa_currency_find(wd->currency) : NULL;
    kassa_err err;
    if (ok && cur == NULL) {
        snprintf(msg, sizeof msg, "currency: unknown currency '%.16s'", wd->currency);
        ok = false;
    } else if (ok && (err = kassa_money_parse(amount, strlen(amount), cur->exponent,
                                              KASSA_MONEY_POSITIVE, &wd->amount)) != KASSA_OK) {
        snprintf(msg, sizeof msg, "amount: %s", kassa_strerror(err));
        ok = false;
    } else if (ok && ps != 0 && (ps > INT32_MAX || method_find((int)ps) == NULL)) {
        snprintf(msg, sizeof msg, "payment_system: unknown payment system %lld", (long long)ps);
        ok = false;
    }
    if (ok && wd->payment_id[0] == '\0') {
        unsigned char rnd[10];
        random_bytes(rnd, sizeof rnd);
        core_uuid7(clock_now_ms(), rnd, wd->payment_id);
    }
    wd->payment_system = (int)ps;
    cmd->merchant_id = call->merchant_id;
    if (ok && (err = withdrawal_create_prepare(cmd)) != KASSA_OK) {
        if (err == KASSA_EAMOUNT_LIMIT) {
            char limit[64];
            core_amount_limit_text(wd->currency, true, limit, sizeof limit);
            snprintf(msg, sizeof msg, "amount: at most %s", limit);
        } else {
            snprintf(msg, sizeof msg, "%s", kassa_strerror(err));
        }
        ok = false;
    }
    if (!ok) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    cmd->task.run = withdrawal_create_apply;
    return merchant_submit(req, call, &cmd->task, withdrawn, "withdrawal.create", "withdrawal", 0,
                           &cmd->w.id);
}

enum http_action merchant_withdrawals(struct http_req *req, struct merchant_call *call,
                                      const char *rest)
{
    bool get = strcmp(req->method, "GET") == 0;
    if (*rest == '\0' && get)
        return list_shop_withdrawals(req, call->merchant_id, render_withdrawal);
    if (*rest == '\0' && strcmp(req->method, "POST") == 0)
        return request_withdrawal(req, call);
    if (*rest == '/' && get) {
        int64_t id = merchant_id_of(rest + 1, strlen(rest + 1));
        struct withdrawal *wd = arena_alloc(&req->arena, sizeof *wd);
        kassa_err err = wd == NULL ? KASSA_ENOMEM
                        : id > 0   ? query_merchant_withdrawal(call->merchant_id, id, wd)
                                   : KASSA_ENOTFOUND;
        if (err == KASSA_ENOTFOUND) {
            reply_error(req, 404, "Withdrawal not found");
        } else if (err != KASSA_OK) {
            reply_error(req, 500, "Internal server error");
        } else {
            struct jw w;
            jw_init(&w, 4096);
            render_withdrawal(&w, wd);
            reply_jw(req, 200, &w);
        }
        return HTTP_DONE;
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

/* ---- callbacks ----------------------------------------------------------- */

static enum http_action get_callback(struct http_req *req, struct merchant_call *call, int64_t id)
{
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    struct callback_visitor v = callback_json_visitor(&w);
    kassa_err err = query_merchant_callback(call->merchant_id, id, &v);
    if (err == KASSA_ENOTFOUND) {
        jw_free(&w);
        reply_error(req, 404, "Callback not found");
    } else if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
    } else {
        reply_jw(req, 200, &w);
    }
    return HTTP_DONE;
}

static void resent(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct callback_resend_cmd *cmd = container_of(task, struct callback_resend_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Callback not found");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("callback resend", "callback=%lld by=merchant", (long long)cmd->id);
    if (dialect_settings()->callbacks_kick != NULL)
        dialect_settings()->callbacks_kick();
    struct merchant_call who = {.merchant_id = cmd->merchant_id};
    get_callback(req, &who, cmd->id);
}

enum http_action merchant_callbacks(struct http_req *req, struct merchant_call *call,
                                    const char *rest)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (*rest == '\0' && get)
        return list_shop_callbacks(req, call->merchant_id);
    if (*rest == '/') {
        const char *id_s = rest + 1;
        const char *slash = strchr(id_s, '/');
        int64_t id = merchant_id_of(id_s, slash ? (size_t)(slash - id_s) : strlen(id_s));
        if (id == 0) {
            reply_error(req, 404, "Callback not found");
            return HTTP_DONE;
        }
        if (slash == NULL && get)
            return get_callback(req, call, id);
        if (slash != NULL && strcmp(slash, "/resend") == 0 && post) {
            struct callback_resend_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
            if (cmd == NULL) {
                reply_error(req, 500, "Internal server error");
                return HTTP_DONE;
            }
            cmd->id = id;
            cmd->merchant_id = call->merchant_id;
            cmd->task.run = callback_resend_apply;
            return merchant_submit(req, call, &cmd->task, resent, "callback.resend", "callback", id,
                                   NULL);
        }
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
