/* merchant.c: the merchant API (merchant.h), its authentication and
 * routing, the merchant's shops, their credentials and test payments:
 *
 *   GET  /merchant/v1/shops                      its shops, each with its balances
 *   GET  /merchant/v1/shops/{id}                 one of them
 *   POST /merchant/v1/shops/{id}/rotate          {"dialect", "overlap_seconds"?}
 *   POST /merchant/v1/shops/{id}/test-payment    {"amount", "currency"?, "dialect"?}
 *   .../orders..., .../withdrawals..., .../callbacks...  records.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/list.h"
#include "dialect/session.h"
#include "kassa/money.h"
#include "merchant.h"

int64_t merchant_id_of(const char *s, size_t n)
{
    if (n == 0 || n > 18 || *s < '1' || *s > '9')
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ---- authentication ------------------------------------------------------ */

/* The merchant user of req: a console session of a merchant user (a
 * change also needs its CSRF header). False after answering 401 or 403
 * (another kind of session is answered as none). The API's one place of
 * authentication. */
static bool merchant_auth(struct http_req *req, struct merchant_call *call)
{
    struct console_principal p;
    char msg[160];
    int status = console_principal_of(req, CONSOLE_MERCHANT, &p, msg, sizeof msg);
    if (status != 0) {
        reply_error(req, status, "%s", msg);
        return false;
    }
    call->merchant_id = p.merchant_id;
    call->user_id = p.user_id;
    core_copy(call->user_name, sizeof call->user_name, p.name);
    reply_who(req, "merchant_user:%lld", (long long)p.user_id);
    return true;
}

/* ---- changes and their audit lines -------------------------------------- */

/* A merchant user is neither an operator nor a trader: its audit lines
 * carry actor_id -(MERCHANT_ACTOR_BASE + user id), apart from the
 * operators' ids, the bootstrap token's 0 and the traders' -<id>. */
#define MERCHANT_ACTOR_BASE (INT64_C(1) << 40)

static void merchant_written(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct merchant_call *call = container_of(task, struct merchant_call, at.task);
    free(call->at.entry);
    call->at.entry = NULL;
    call->render(req, call->at.inner, err);
}

enum http_action merchant_submit(struct http_req *req, struct merchant_call *call,
                                 struct store_task *task, render_fn render, const char *action,
                                 const char *kind, int64_t target, const int64_t *created)
{
    struct audit_entry *e = calloc(1, sizeof *e);
    if (e == NULL) {
        render(req, task, KASSA_ENOMEM);
        return HTTP_DONE;
    }
    e->actor_id = -(MERCHANT_ACTOR_BASE + call->user_id);
    snprintf(e->actor, sizeof e->actor, "merchant_user:%lld", (long long)call->user_id);
    core_copy(e->action, sizeof e->action, action);
    core_copy(e->target_kind, sizeof e->target_kind, kind);
    if (target > 0 && created == NULL)
        snprintf(e->target_id, sizeof e->target_id, "%lld", (long long)target);
    core_copy(e->request_id, sizeof e->request_id, req->id);
    http_client_addr(req, e->client, sizeof e->client);
    call->render = render;
    call->at = (struct audited_task){
        .task.run = audited_run, .inner = task, .entry = e, .created_id = created};
    return submit_and_render(req, &call->at.task, merchant_written);
}

/* ---- shops --------------------------------------------------------------- */

/* The merchant's view of a shop: no secrets (a rotation shows a new one
 * once), each merchant dialect's current API key and the end of the
 * previous pair's overlap, and its balances from `money` (by currency,
 * then kind: store.h struct shop_money) or, NULL, read now. */
static void render_shop(struct jw *w, const struct shop *s, const struct shop_money *money,
                        size_t n_money);

struct balances_ctx {
    struct jw *w;
};

static bool balance_one(void *arg, const char *currency, int64_t available, int64_t held)
{
    struct balances_ctx *b = arg;
    const kassa_currency *cur = kassa_currency_find(currency);
    int exp = cur ? cur->exponent : 2;
    jw_key(b->w, currency);
    jw_obj(b->w);
    jw_kmoney(b->w, "available", available, currency, exp, false);
    jw_kmoney(b->w, "held", held, currency, exp, false);
    jw_obj_end(b->w);
    return true;
}

static void render_shop(struct jw *w, const struct shop *s, const struct shop_money *money,
                        size_t n_money)
{
    char t[32];
    jw_obj(w);
    jw_kint(w, "id", s->id);
    jw_kint(w, "merchant_id", s->merchant_id);
    jw_kstr(w, "shop_id", s->public_key);
    jw_kstr(w, "name", s->name);
    jw_kstr(w, "url", s->url);
    jw_kstr(w, "callback_url", s->callback_url);
    jw_kstr(w, "fee_percent", s->fee_percent);
    jw_kbool(w, "active", s->active != 0);
    jw_kbool(w, "test_mode", s->test_mode);
    jw_key(w, "credentials");
    jw_obj(w);
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        const struct dialect *d = dialect_registry[i];
        const struct shop_dialect *row = shop_dialect_find(s, d->name);
        if (d->merchant == NULL || row == NULL)
            continue;
        jw_key(w, d->name);
        jw_obj(w);
        jw_kstr(w, "api_key", row->api_key);
        if (row->old_valid_until > clock_now()) {
            clock_format(row->old_valid_until, CLOCK_ISO8601, t, sizeof t);
            jw_kstr(w, "old_valid_until", t);
        } else {
            jw_knull(w, "old_valid_until");
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
    struct balances_ctx b = {w};
    jw_key(w, "balances");
    jw_obj(w);
    if (money == NULL) {
        if (query_balances(s->id, balance_one, &b) != KASSA_OK)
            w->failed = true;
    }
    for (size_t i = 0; money != NULL && i < n_money;) {
        const char *currency = money[i].currency;
        int64_t available = 0, held = 0;
        bool any = false;
        for (; i < n_money && strcmp(money[i].currency, currency) == 0; i++) {
            if (strcmp(money[i].kind, "shop_available") == 0)
                available = money[i].amount, any = true;
            else if (strcmp(money[i].kind, "shop_held") == 0)
                held = money[i].amount, any = true;
        }
        if (any)
            balance_one(&b, currency, available, held);
    }
    jw_obj_end(w);
    jw_obj_end(w);
}

/* A page of shops and their money (the money rows come after every shop
 * of the page). */
struct shop_list {
    struct shop *shops;
    int limit, n;
    bool more, failed;
    struct shop_money *money;
    size_t n_money, cap_money;
};

static bool list_shop(void *arg, const struct shop *s)
{
    struct shop_list *l = arg;
    if (l->n == l->limit) {
        l->more = true;
        return false;
    }
    l->shops[l->n++] = *s;
    return true;
}

#define SHOP_MONEY_MAX (LIST_LIMIT_MAX * 64)

static bool list_money(void *arg, const struct shop_money *m)
{
    struct shop_list *l = arg;
    if (l->n_money == l->cap_money) {
        size_t cap = l->cap_money == 0 ? 64 : l->cap_money * 2;
        struct shop_money *p = cap <= SHOP_MONEY_MAX ? realloc(l->money, cap * sizeof *p) : NULL;
        if (p == NULL) {
            l->failed = true;
            return false;
        }
        l->money = p;
        l->cap_money = cap;
    }
    l->money[l->n_money++] = *m;
    return true;
}

static const char *const shop_args[] = {"limit", "cursor", "order", NULL};

/* GET /merchant/v1/shops: {"items": [...], "next_cursor"}. */
static enum http_action list_shops(struct http_req *req, struct merchant_call *call)
{
    struct shop_filter f = {.active = -1};
    if (!list_args(req, shop_args, "shops are listed with limit, cursor, order", &f.limit,
                   &f.after_id, &f.asc))
        return HTTP_DONE;
    struct shop_list l = {.limit = f.limit, .shops = malloc((size_t)f.limit * sizeof *l.shops)};
    f.limit++; /* one more: whether a next page exists */
    kassa_err err = l.shops != NULL ? query_merchant_shops_list(call->merchant_id, &f, list_shop,
                                                                list_money, &l)
                                    : KASSA_ENOMEM;
    if (err == KASSA_OK && l.failed)
        err = KASSA_ENOMEM;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = l.limit, .n = l.n, .more = l.more};
    size_t at = 0; /* money rows by shop id, ascending */
    for (int i = 0; err == KASSA_OK && i < l.n; i++) {
        const struct shop *s = &l.shops[i];
        size_t lo = 0;
        while (lo < l.n_money && l.money[lo].shop_id != s->id)
            lo++;
        for (at = lo; at < l.n_money && l.money[at].shop_id == s->id; at++)
            ;
        render_shop(&w, s, l.money != NULL ? l.money + lo : NULL, at - lo);
        page.last_id = s->id;
    }
    finish_page(req, &w, err, &page);
    free(l.shops);
    free(l.money);
    return HTTP_DONE;
}

static enum http_action get_shop(struct http_req *req, struct merchant_call *call, int64_t id)
{
    struct shop *s = arena_alloc(&req->arena, sizeof *s);
    kassa_err err = s != NULL ? query_merchant_shop(call->merchant_id, id, s) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    render_shop(&w, s, NULL, 0);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- credentials --------------------------------------------------------- */

static void rotated(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct shop_rotate_cmd *cmd = container_of(task, struct shop_rotate_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Shop not found");
        return;
    }
    if (err == KASSA_ECONFLICT) {
        reply_error(req, 409, "shop %lld has no %s credentials to rotate", (long long)cmd->shop_id,
                    cmd->dialect);
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    shop_cache_forget(cmd->shop_id);
    log_info("credentials rotated", "shop_id=%lld dialect=%s overlap_s=%lld by=merchant",
             (long long)cmd->shop_id, cmd->dialect, (long long)cmd->overlap);
    char t[32];
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kint(&w, "shop_id", cmd->shop_id);
    jw_kstr(&w, "dialect", cmd->dialect);
    jw_kstr(&w, "api_key", cmd->row.api_key);
    jw_kstr(&w, "secret", cmd->row.secret);
    clock_format(cmd->row.old_valid_until, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(&w, "old_valid_until", t);
    jw_obj_end(&w);
    explicit_bzero(cmd->row.secret, sizeof cmd->row.secret);
    reply_jw(req, 200, &w);
}

/* POST /merchant/v1/shops/{id}/rotate {"dialect", "overlap_seconds"?}: a
 * new pair, its secret shown once; the current one keeps working for
 * overlap_seconds (default 86400; 0: stops now). The admin API's rotation,
 * only of the merchant's own shop (the core's check, in the command). */
static enum http_action rotate(struct http_req *req, struct merchant_call *call, int64_t shop_id)
{
    static const char *const names[] = {"dialect", "overlap_seconds", NULL};
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct shop_rotate_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    json_t *overlap = json_object_get(root, "overlap_seconds");
    bool ok = cmd != NULL &&
              json_only_members(root, names, "a rotation takes dialect and overlap_seconds", msg,
                                sizeof msg) &&
              json_opt_string(root, "dialect", cmd->dialect, sizeof cmd->dialect, msg, sizeof msg);
    if (ok && cmd->dialect[0] == '\0') {
        snprintf(msg, sizeof msg, "dialect: required (e.g. panda or tegro)");
        ok = false;
    }
    if (ok && overlap != NULL && !json_is_integer(overlap)) {
        snprintf(msg, sizeof msg, "overlap_seconds: expected an integer between 0 and %d",
                 ROTATE_OVERLAP_MAX);
        ok = false;
    }
    if (ok) {
        cmd->shop_id = shop_id;
        cmd->merchant_id = call->merchant_id;
        cmd->overlap = overlap != NULL ? json_integer_value(overlap) : 86400;
        ok = shop_rotate_prepare(cmd, msg, sizeof msg) == KASSA_OK;
    }
    json_decref(root);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!ok) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    cmd->task.run = shop_rotate_apply;
    return merchant_submit(req, call, &cmd->task, rotated, "shop.rotate", "shop", shop_id, NULL);
}

/* ---- the test payment ---------------------------------------------------- */

static void test_paid(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct order_create_cmd *cmd = container_of(task, struct order_create_cmd, task);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("test payment", "id=%lld shop_id=%lld", (long long)cmd->order.id,
             (long long)cmd->order.shop_id);
    char url[URL_SIZE + 128];
    dialect_pay_url(&cmd->order, url, sizeof url);
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "order");
    render_merchant_order(&w, &cmd->order);
    jw_kstr(&w, "pay_url", url);
    jw_obj_end(&w);
    reply_jw(req, 201, &w);
}

/* The merchant dialect of the shop whose callbacks a test order gets:
 * `name`, or without one the first of the registry's the shop has
 * credentials in. NULL when none. */
static const struct dialect *test_dialect(const struct shop *s, const char *name)
{
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        const struct dialect *d = dialect_registry[i];
        if (d->merchant != NULL && (name[0] == '\0' || strcmp(d->name, name) == 0) &&
            shop_dialect_find(s, d->name) != NULL)
            return d;
    }
    return NULL;
}

/* POST /merchant/v1/shops/{id}/test-payment {"amount", "currency"? (RUB),
 * "dialect"?}: a test order of the shop (core: the sandbox serves it, no
 * balance moves), 201 {"order", "pay_url"}: the payer's page, whose
 * sandbox buttons pay or fail it; its callbacks go to the shop's
 * callback_url in `dialect`'s format (default: the first the shop has). */
static enum http_action test_payment(struct http_req *req, struct merchant_call *call,
                                     int64_t shop_id)
{
    static const char *const names[] = {"amount", "currency", "dialect", NULL};
    char msg[256], amount[64] = "", dname[DIALECT_NAME_SIZE] = "";
    struct order_create_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    struct shop *s = arena_alloc(&req->arena, sizeof *s);
    if (cmd == NULL || s == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    kassa_err err = query_merchant_shop(call->merchant_id, shop_id, s);
    if (err != KASSA_OK) {
        if (err == KASSA_ENOTFOUND)
            reply_error(req, 404, "Shop not found");
        else
            reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct order *o = &cmd->order;
    bool found = false;
    bool ok =
        json_only_members(root, names, "a test payment takes amount, currency and dialect", msg,
                          sizeof msg) &&
        json_decimal_text(req, root, "amount", amount, sizeof amount, &found, msg, sizeof msg) &&
        json_opt_string(root, "currency", o->currency, sizeof o->currency, msg, sizeof msg) &&
        json_opt_string(root, "dialect", dname, sizeof dname, msg, sizeof msg);
    json_decref(root);
    if (ok && !found) {
        snprintf(msg, sizeof msg, "amount: required, e.g. \"100.00\"");
        ok = false;
    }
    if (ok && o->currency[0] == '\0')
        core_copy(o->currency, sizeof o->currency, "RUB");
    const kassa_currency *cur = ok ? kassa_currency_find(o->currency) : NULL;
    if (ok && cur == NULL) {
        snprintf(msg, sizeof msg, "currency: unknown currency '%.16s'", o->currency);
        ok = false;
    }
    if (ok && (err = kassa_money_parse(amount, strlen(amount), cur->exponent, KASSA_MONEY_POSITIVE,
                                       &o->amount)) != KASSA_OK) {
        snprintf(msg, sizeof msg, "amount: %s", kassa_strerror(err));
        ok = false;
    }
    const struct dialect *d = ok ? test_dialect(s, dname) : NULL;
    if (ok && d == NULL) {
        snprintf(msg, sizeof msg, "dialect: the shop has no credentials in '%.32s'", dname);
        ok = false;
    }
    if (ok && (err = merchant_test_order_prepare(cmd, s, d->id)) != KASSA_OK) {
        if (err == KASSA_EAMOUNT_LIMIT) {
            char limit[64];
            core_amount_limit_text(o->currency, false, limit, sizeof limit);
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
    return merchant_submit(req, call, &cmd->task, test_paid, "order.create", "order", 0,
                           &cmd->order.id);
}

/* ---- routing ------------------------------------------------------------- */

static enum http_action merchant_shops(struct http_req *req, struct merchant_call *call,
                                       const char *rest)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (*rest == '\0' && get)
        return list_shops(req, call);
    if (*rest == '/') {
        const char *id_s = rest + 1;
        const char *slash = strchr(id_s, '/');
        int64_t id = merchant_id_of(id_s, slash ? (size_t)(slash - id_s) : strlen(id_s));
        if (id == 0) {
            reply_error(req, 404, "Shop not found");
            return HTTP_DONE;
        }
        if (slash == NULL && get)
            return get_shop(req, call, id);
        if (slash != NULL && strcmp(slash, "/rotate") == 0 && post)
            return rotate(req, call, id);
        if (slash != NULL && strcmp(slash, "/test-payment") == 0 && post)
            return test_payment(req, call, id);
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

static enum http_action merchant_handle(struct http_req *req)
{
    const char *p = merchant_under(req->path, "/merchant/v1");
    struct merchant_call *call = arena_calloc(&req->arena, sizeof *call);
    if (call == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (p == NULL) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    if (!merchant_auth(req, call))
        return HTTP_DONE;
    const char *rest;
    if ((rest = merchant_under(p, "/shops")) != NULL)
        return merchant_shops(req, call, rest);
    if ((rest = merchant_under(p, "/orders")) != NULL)
        return merchant_orders(req, call, rest);
    if ((rest = merchant_under(p, "/withdrawals")) != NULL)
        return merchant_withdrawals(req, call, rest);
    if ((rest = merchant_under(p, "/callbacks")) != NULL)
        return merchant_callbacks(req, call, rest);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

static const struct dialect_route routes[] = {
    {.path = "/merchant/v1", .handle = merchant_handle},
};

const struct dialect dialect_merchant = {
    .name = MERCHANT_NAME,
    .id = 0, /* its test orders carry the merchant dialect they are made in */
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
};
