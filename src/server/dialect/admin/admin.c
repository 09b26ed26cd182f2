/* admin.c: the operator's API (DESIGN.md "Interfaces"), JSON with a bearer
 * admin token. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "core/core.h"
#include "base/log.h"
#include "admin_auth.h"
#include "admin_backup.h"
#include "admin_callbacks.h"
#include "admin_exports.h"
#include "admin_lists.h"
#include "admin_overview.h"
#include "admin_requisites.h"
#include "admin_shops.h"
#include "dialect/dialect.h"
#include "kassa/money.h"
#include "kassa/sign.h"
#include "dialect/reply.h"

void render_admin_order(struct jw *w, const struct order *o)
{
    char t[32];
    jw_obj(w);
    jw_kint(w, "id", o->id);
    jw_kstr(w, "uuid", o->uuid);
    jw_kstr(w, "uuid_callback", o->uuid_callback);
    jw_kint(w, "shop_id", o->shop_id);
    const struct dialect *origin = dialect_by_id(o->origin);
    jw_kstr(w, "origin", origin != NULL ? origin->name : "unknown");
    jw_kstr(w, "status", order_status_name(o->status));
    jw_kmoney(w, "amount", o->amount, o->currency, kassa_currency_find(o->currency)->exponent,
              false);
    jw_kstr(w, "currency", o->currency);
    jw_kmoney(w, "fee", o->fee, o->currency, kassa_currency_find(o->currency)->exponent, false);
    if (o->amount_received > 0)
        jw_kmoney(w, "amount_received", o->amount_received, o->currency,
                  kassa_currency_find(o->currency)->exponent, false);
    else
        jw_knull(w, "amount_received");
    jw_kstr(w, "merchant_order_id", o->merchant_order_id);
    jw_kstr(w, "requisite_type", o->requisite_type);
    jw_kint(w, "payment_system", o->payment_system);
    jw_key(w, "requisite");
    if (o->requisite_id) {
        jw_obj(w);
        jw_kint(w, "id", o->req.id);
        jw_kstr(w, "type", o->req.type);
        jw_kstr(w, "requisite", o->req.value);
        jw_kstr(w, "owner_full_name", o->req.owner_full_name);
        jw_kstr(w, "bank_code", o->req.bank_code);
        jw_kstr(w, "bank_name_ru", o->req.bank_name_ru);
        jw_kstr(w, "bank_name_en", o->req.bank_name_en);
        jw_kstr(w, "country_code", o->req.country_code);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kstr(w, "customer_name", o->customer_name);
    jw_kstr(w, "customer_requisite", o->customer_requisite);
    jw_kbool(w, "test", o->test);
    jw_kbool(w, "confirmed_by_customer", o->confirmed_by_customer);
    clock_format(o->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "created_at", t);
    clock_format(o->expires_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "expires_at", t);
    if (o->paid_at) {
        clock_format(o->paid_at, CLOCK_ISO8601, t, sizeof t);
        jw_kstr(w, "paid_at", t);
    } else {
        jw_knull(w, "paid_at");
    }
    if (o->reversed_at) {
        clock_format(o->reversed_at, CLOCK_ISO8601, t, sizeof t);
        jw_kstr(w, "reversed_at", t);
    } else {
        jw_knull(w, "reversed_at");
    }
    /* The pick's word (provider/requisites.h): the amount asked for when
     * it was raised to a unique one, why no requisite took it, whose
     * requisite it is; and who completed it. */
    if (o->amount_requested > 0)
        jw_kmoney(w, "amount_requested", o->amount_requested, o->currency,
                  kassa_currency_find(o->currency)->exponent, false);
    else
        jw_knull(w, "amount_requested");
    if (o->no_requisite_reason[0] != '\0')
        jw_kstr(w, "no_requisite_reason", o->no_requisite_reason);
    else
        jw_knull(w, "no_requisite_reason");
    if (o->trader_id > 0)
        jw_kint(w, "trader_id", o->trader_id);
    else
        jw_knull(w, "trader_id");
    if (o->confirmed_by[0] != '\0')
        jw_kstr(w, "confirmed_by", o->confirmed_by);
    else
        jw_knull(w, "confirmed_by");
    jw_obj_end(w);
}

static enum http_action admin_get_order(struct http_req *req, const char *ref)
{
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    kassa_err err = o ? query_order_ref(ref, o) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Order not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    render_admin_order(&w, o);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- clock and rates ---------------------------------------------------- */

static void clock_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    (void)task;
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 256);
    jw_obj(&w);
    jw_kint(&w, "now", clock_now());
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

static enum http_action admin_clock_advance(struct http_req *req)
{
    char msg[512];
    if (!clock_is_test()) {
        reply_error(req, 403, "the clock can only be moved with --test-clock");
        return HTTP_DONE;
    }
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_t *v = json_object_get(root, "seconds");
    if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
        json_integer_value(v) > 10LL * 365 * 86400) {
        json_decref(root);
        reply_error(req, 400, "seconds: expected a positive integer");
        return HTTP_DONE;
    }
    long long seconds = (long long)json_integer_value(v);
    json_decref(root); /* v belonged to root */
    struct clock_keep_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    clock_advance(seconds);
    log_info("clock advanced", "seconds=%lld now=%lld", seconds, (long long)clock_now());
    /* Kept, so a restart goes on from the moved time; answered once kept. */
    cmd->offset = clock_offset();
    cmd->task.run = clock_keep_apply;
    return admin_submit(req, &cmd->task, clock_rendered);
}

static void rate_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct rate_put_cmd *cmd = container_of(task, struct rate_put_cmd, task);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    jw_kstr(&w, "from", cmd->from);
    jw_kstr(&w, "to", cmd->to);
    jw_kstr(&w, "rate", cmd->rate);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

static enum http_action admin_put_rate(struct http_req *req, const char *pair)
{
    char msg[512];
    struct rate_put_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    const char *dash = strchr(pair, '-');
    if (cmd == NULL || dash == NULL || (size_t)(dash - pair) >= sizeof cmd->from ||
        strlen(dash + 1) >= sizeof cmd->to) {
        reply_error(req, 400, "rate pair: expected /admin/v1/rates/FROM-TO");
        return HTTP_DONE;
    }
    memcpy(cmd->from, pair, (size_t)(dash - pair));
    core_copy(cmd->to, sizeof cmd->to, dash + 1);
    if (!kassa_currency_find(cmd->from) || !kassa_currency_find(cmd->to)) {
        reply_error(req, 400, "rate pair: unknown currency in '%.40s'", pair);
        return HTTP_DONE;
    }
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    bool found;
    int64_t probe;
    bool ok =
        json_decimal_text(req, root, "rate", cmd->rate, sizeof cmd->rate, &found, msg, sizeof msg);
    json_decref(root);
    if (ok && (!found || kassa_money_parse(cmd->rate, strlen(cmd->rate), 8, KASSA_MONEY_POSITIVE,
                                           &probe) != KASSA_OK)) {
        snprintf(msg, sizeof msg, "rate: expected a positive decimal number");
        ok = false;
    }
    if (!ok) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    cmd->task.run = rate_put_apply;
    return admin_submit(req, &cmd->task, rate_rendered);
}

/* ---- money: order transitions, withdrawals, ledger ----------------------- */

static void transition_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Order not found");
        return;
    }
    if (err == KASSA_EMONEY_RANGE) {
        reply_error(req, 422, "order %lld: an account balance would exceed the largest amount",
                    (long long)cmd->order_id);
        return;
    }
    if (err == KASSA_EMONEY_ZERO || err == KASSA_EAMOUNT_LIMIT) {
        /* complete_body checked it against the same rule: only a change of
         * the limits between the two lands here */
        reply_error(req, 400, "amount_received: refused (%s)", kassa_strerror(err));
        return;
    }
    if (err == KASSA_EFUNDS) {
        /* a late completion of a trader's order: the reserve was released
         * and the available deposit does not cover it (core/ledger.c) */
        reply_error(req, 409,
                    "order %lld: its trader's available deposit does not cover it; record a "
                    "deposit first",
                    (long long)cmd->order_id);
        return;
    }
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "order %lld is %s: it cannot become %s", (long long)cmd->order_id,
                    order_status_name(cmd->order.status), order_status_name(cmd->to));
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("order moved by the operator", "id=%lld status=%s", (long long)cmd->order.id,
             order_status_name(cmd->order.status));
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    render_admin_order(&w, &cmd->order);
    reply_jw(req, 200, &w);
}

/* A completion's optional body (reply.h json_amount_received) into
 * cmd->amount_received. */
static bool complete_body(struct http_req *req, struct order_transition_cmd *cmd, char *msg,
                          size_t msglen)
{
    return json_amount_received(req, cmd->order.currency, &cmd->amount_received, msg, msglen);
}

static enum http_action admin_order_action(struct http_req *req, const char *ref,
                                           const char *action)
{
    enum order_status to;
    if (strcmp(action, "complete") == 0)
        to = ORDER_COMPLETED;
    else if (strcmp(action, "fail") == 0)
        to = ORDER_FAILED;
    else if (strcmp(action, "cancel") == 0)
        to = ORDER_CANCELED;
    else if (strcmp(action, "reverse") == 0)
        to = ORDER_REVERSED; /* p2p.md "Reversal": a completed order only */
    else {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    struct order_transition_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    kassa_err err = query_order_ref(ref, &cmd->order);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Order not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    char msg[256];
    if (to == ORDER_COMPLETED && !complete_body(req, cmd, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    cmd->order_id = cmd->order.id;
    admin_audit_target(cmd->order.id);
    cmd->to = to;
    cmd->actor = ACTOR_OPERATOR;
    cmd->task.run = order_transition_apply;
    return admin_submit(req, &cmd->task, transition_rendered);
}

void render_admin_withdrawal(struct jw *w, const struct withdrawal *wd)
{
    static const char *const names[] = {"pending", "completed", "rejected"};
    char t[32];
    int exp = kassa_currency_find(wd->currency) ? kassa_currency_find(wd->currency)->exponent : 2;
    jw_obj(w);
    jw_kint(w, "id", wd->id);
    jw_kint(w, "shop_id", wd->shop_id);
    jw_kstr(w, "payment_id", wd->payment_id);
    jw_kstr(w, "status", wd->status >= 0 && wd->status <= 2 ? names[wd->status] : "unknown");
    jw_kmoney(w, "amount", wd->amount, wd->currency, exp, false);
    jw_kstr(w, "currency", wd->currency);
    jw_kstr(w, "account", wd->account);
    jw_kint(w, "payment_system", wd->payment_system);
    clock_format(wd->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "created_at", t);
    if (wd->completed_at) {
        clock_format(wd->completed_at, CLOCK_ISO8601, t, sizeof t);
        jw_kstr(w, "completed_at", t);
    } else {
        jw_knull(w, "completed_at");
    }
    jw_obj_end(w);
}

static void decide_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct withdrawal_decide_cmd *cmd = container_of(task, struct withdrawal_decide_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Withdrawal not found");
        return;
    }
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "withdrawal %lld is already %s", (long long)cmd->id,
                    cmd->w.status == WITHDRAWAL_COMPLETED ? "completed" : "rejected");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("withdrawal decided", "id=%lld status=%d", (long long)cmd->w.id, cmd->w.status);
    struct jw w;
    jw_init(&w, 8192);
    render_admin_withdrawal(&w, &cmd->w);
    reply_jw(req, 200, &w);
}

static enum http_action admin_withdrawal_action(struct http_req *req, const char *rest)
{
    char *end;
    long long id = strtoll(rest, &end, 10);
    bool complete;
    if (id <= 0 || end == rest)
        goto not_found;
    if (strcmp(end, "/complete") == 0)
        complete = true;
    else if (strcmp(end, "/reject") == 0)
        complete = false;
    else
        goto not_found;
    struct withdrawal_decide_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->id = id;
    cmd->complete = complete;
    cmd->task.run = withdrawal_decide_apply;
    return admin_submit(req, &cmd->task, decide_rendered);
not_found:
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

static enum http_action admin_get_withdrawal(struct http_req *req, const char *rest)
{
    char *end;
    long long id = strtoll(rest, &end, 10);
    struct withdrawal wd;
    kassa_err err = KASSA_ENOTFOUND;
    if (id > 0 && *end == '\0') {
        err = query_withdrawal(0, id, NULL, &wd);
    }
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Withdrawal not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, 8192);
    render_admin_withdrawal(&w, &wd);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

struct verify_ctx {
    struct jw *w;
    int problems;
};

static void verify_problem(void *arg, const char *problem)
{
    struct verify_ctx *v = arg;
    if (v->problems++ < 1000)
        jw_str(v->w, problem);
}

static enum http_action admin_ledger_verify(struct http_req *req)
{
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "problems");
    jw_arr(&w);
    struct verify_ctx v = {.w = &w};
    int64_t accounts = 0, transactions = 0;
    kassa_err err = query_ledger_verify(verify_problem, &v, &accounts, &transactions);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    jw_arr_end(&w);
    jw_kbool(&w, "ok", v.problems == 0);
    jw_kint(&w, "problem_count", v.problems);
    jw_kint(&w, "accounts", accounts);
    jw_kint(&w, "transactions", transactions);
    jw_obj_end(&w);
    if (v.problems)
        log_error("ledger verify found problems", "count=%d", v.problems);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static enum http_action admin_get_receipt(struct http_req *req, const char *ref)
{
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    kassa_err err = o ? query_order_ref(ref, o) : KASSA_ENOMEM;
    char *ctype = NULL;
    void *data = NULL;
    size_t len = 0;
    if (err == KASSA_OK) {
        /* A GET's arena is sized for small bodies; a receipt is up to the
         * upload limit (3 MB), so make room for one. */
        req->arena.limit += (size_t)dialect_settings()->max_upload;
        err = query_receipt_image(o->id, &req->arena, &ctype, &data, &len);
    }
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Receipt not found");
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else
        http_reply(req, 200, ctype, data, len);
    return HTTP_DONE;
}

/* ---- routing ------------------------------------------------------------ */

static enum http_action admin_route(struct http_req *req, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    bool put = strcmp(req->method, "PUT") == 0;
    const char *arg;
    if (strcmp(p, "/requisites") == 0 && post)
        return admin_add_requisite(req);
    if (strcmp(p, "/requisites") == 0 && get)
        return admin_list_requisites(req);
    if ((arg = path_after(p, "/requisites/")) != NULL && strcmp(req->method, "PATCH") == 0)
        return admin_patch_requisite(req, arg);
    if (strcmp(p, "/clock/advance") == 0 && post)
        return admin_clock_advance(req);
    if ((arg = path_after(p, "/rates/")) != NULL && put)
        return admin_put_rate(req, arg);
    if (strcmp(p, "/orders") == 0 && get)
        return admin_list_orders(req);
    if ((arg = path_after(p, "/orders/")) != NULL) {
        const char *slash = strchr(arg, '/');
        if (slash == NULL && get)
            return admin_get_order(req, arg);
        if (slash != NULL) {
            char ref[64];
            size_t n = (size_t)(slash - arg);
            if (n < sizeof ref) {
                memcpy(ref, arg, n);
                ref[n] = '\0';
                if (post)
                    return admin_order_action(req, ref, slash + 1);
                if (get && strcmp(slash, "/receipt") == 0)
                    return admin_get_receipt(req, ref);
                if (get && strcmp(slash, "/events") == 0)
                    return admin_list_order_events(req, ref);
            }
        }
    }
    if (strcmp(p, "/withdrawals") == 0 && get)
        return admin_list_withdrawals(req);
    if ((arg = path_after(p, "/withdrawals/")) != NULL) {
        if (post)
            return admin_withdrawal_action(req, arg);
        if (get)
            return admin_get_withdrawal(req, arg);
    }
    if ((arg = path_after(p, "/callbacks")) != NULL && (*arg == '\0' || *arg == '/'))
        return admin_callbacks(req, arg);
    if (strcmp(p, "/ledger/accounts") == 0 && get)
        return admin_list_accounts(req);
    if (strcmp(p, "/ledger/postings") == 0 && get)
        return admin_list_postings(req);
    if (strcmp(p, "/ledger/verify") == 0 && get)
        return admin_ledger_verify(req);
    /* Find anything: the shop list (admin_lists.c) and the CSV exports
     * (admin_exports.c). */
    if (strcmp(p, "/shops") == 0 && get)
        return admin_list_shops(req);
    if (strcmp(p, "/orders.csv") == 0 && get)
        return admin_export_orders(req);
    if (strcmp(p, "/ledger/postings.csv") == 0 && get)
        return admin_export_postings(req);
    if ((arg = path_after(p, "/shops/")) != NULL && strstr(arg, "/methods") != NULL)
        return admin_shop_methods(req, arg);
    if ((arg = path_after(p, "/shops")) != NULL && (*arg == '\0' || *arg == '/'))
        return admin_shops(req, arg);
    /* Devices and bank messages (admin_devices.c): before the traders'
     * routes, which would take /traders/{id}/devices... */
    if (((arg = path_after(p, "/traders/")) != NULL && strstr(arg, "/devices") != NULL) ||
        path_after(p, "/devices/") != NULL || path_after(p, "/bank-messages") != NULL ||
        ((arg = path_after(p, "/requisites/")) != NULL && strstr(arg, "/device") != NULL))
        return admin_devices(req, p);
    /* Disputes: the queue, deciding, pausing (admin_disputes.c). */
    if (path_after(p, "/disputes") != NULL)
        return admin_disputes(req, p);
    /* Traders and their money (admin_traders.c). */
    if (path_after(p, "/traders") != NULL)
        return admin_traders(req, p);
    /* Operators, their tokens, the audit log (admin_operators.c). */
    if (path_after(p, "/operators") != NULL || path_after(p, "/tokens/") != NULL ||
        strcmp(p, "/audit") == 0 || strcmp(p, "/me") == 0)
        return admin_operators(req, p);
    /* Merchant users, who sign in to the console (admin_merchant_users.c). */
    if ((arg = path_after(p, "/merchants/")) != NULL && strstr(arg, "/users") != NULL)
        return admin_merchant_users(req, p);
    /* The console's live overview (admin_overview.c): one read of the
     * figures per minute, the queues and the database. */
    if (strcmp(p, "/overview") == 0 && get)
        return admin_overview(req);
    /* Backups (admin_backup.c): a copy of the SQLite database, streamed. */
    if (strcmp(p, "/backup") == 0 && post)
        return admin_backup(req);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

static enum http_action admin_handle(struct http_req *req)
{
    struct admin_call call;
    const char *p = path_after(req->path, "/admin/v1");
    if (!admin_begin(req, p, &call))
        return HTTP_DONE;
    enum http_action a = admin_route(req, p);
    admin_end();
    return a;
}

/* ---- the registry's entry ----------------------------------------------- */

static const struct dialect_route routes[] = {
    {.path = "/admin/v1", .handle = admin_handle},
};

const struct dialect dialect_admin = {
    .name = "admin",
    .id = 3,
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
};
