/* admin_traders.c: traders and their money (spec/p2p.md).
 *
 *   POST  /admin/v1/traders                 {"name", "verified_name", "reward_bps", "currency"?}
 *                                           -> 201 the trader with its api_key and secret (once)
 *   GET   /admin/v1/traders                 the traders (a list)
 *   GET   /admin/v1/traders/{id}            the trader with its balances
 *   PATCH /admin/v1/traders/{id}            {"name"?, "reward_bps"?, "status"?, "online"?}
 *   POST  /admin/v1/traders/{id}/deposits   {"amount"} a deposit the operator received
 *   POST  /admin/v1/traders/{id}/withdrawals {"amount"} the trader's money paid back */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "admin_lists.h"
#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/login.h"
#include "core/query.h"
#include "dialect/reply.h"
#include "kassa/money.h"

/* The trader; with credentials (its creation's answer only) and with
 * balances when b is not NULL. */
static void render_trader(struct jw *w, const struct trader *t, bool credentials,
                          const struct trader_balances *b)
{
    char at[32];
    int exp = places_of(t->currency);
    jw_obj(w);
    jw_kint(w, "id", t->id);
    jw_kstr(w, "name", t->name);
    jw_kstr(w, "verified_name", t->verified_name);
    jw_kint(w, "reward_bps", t->reward_bps);
    jw_kstr(w, "currency", t->currency);
    jw_kstr(w, "status", t->active ? "active" : "suspended");
    jw_kbool(w, "online", t->online != 0);
    if (credentials) {
        jw_kstr(w, "api_key", t->api_key);
        jw_kstr(w, "secret", t->secret);
    }
    if (b != NULL) {
        jw_key(w, "balances");
        jw_obj(w);
        jw_kmoney(w, "available", b->available, t->currency, exp, false);
        jw_kmoney(w, "reserved", b->reserved, t->currency, exp, false);
        jw_kmoney(w, "earned", b->earned, t->currency, exp, false);
        jw_obj_end(w);
    }
    clock_format(t->created_at, CLOCK_ISO8601, at, sizeof at);
    jw_kstr(w, "created_at", at);
    jw_obj_end(w);
}

static void refuse_err(struct http_req *req, kassa_err err)
{
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Trader not found");
    else
        reply_error(req, 500, "Internal server error");
}

static bool read_reward(json_t *root, int *out, bool *found, char *msg, size_t msglen)
{
    json_t *v = json_object_get(root, "reward_bps");
    *found = v != NULL;
    if (v == NULL)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 10000) {
        snprintf(msg, msglen, "reward_bps: expected an integer between 0 and 10000");
        return false;
    }
    *out = (int)json_integer_value(v);
    return true;
}

/* The console sign-in of a trader, both or neither of "login" and
 * "password" (core/login.h's rules): into cmd with TRADER_SET_LOGIN. */
static bool read_login(json_t *root, struct trader_cmd *cmd, char *msg, size_t msglen)
{
    char password[256];
    json_t *p = json_object_get(root, "password");
    bool has_login = json_object_get(root, "login") != NULL;
    if (!has_login && p == NULL)
        return true;
    if (!has_login || p == NULL) {
        snprintf(msg, msglen, "login and password: give both");
        return false;
    }
    if (!json_opt_string(root, "login", cmd->login, sizeof cmd->login, msg, msglen) ||
        !login_valid(cmd->login, msg, msglen))
        return false;
    if (!json_is_string(p) || json_string_length(p) >= sizeof password) {
        snprintf(msg, msglen, "password: expected a string of at most %zu bytes",
                 sizeof password - 1);
        return false;
    }
    core_copy(password, sizeof password, json_string_value(p));
    kassa_err err = login_password_prepare(password, cmd->password_hash, sizeof cmd->password_hash,
                                           msg, msglen);
    explicit_bzero(password, sizeof password);
    cmd->set |= TRADER_SET_LOGIN;
    return err == KASSA_OK;
}

/* ---- create and change --------------------------------------------------- */

static void trader_written(struct http_req *req, struct store_task *task, kassa_err err, int status)
{
    struct trader_cmd *cmd = container_of(task, struct trader_cmd, task);
    if (err == KASSA_EEXIST) {
        reply_error(req, 409, "login: '%s' is taken", cmd->login);
        return;
    }
    if (err != KASSA_OK) {
        refuse_err(req, err);
        return;
    }
    struct trader_balances b = {0};
    if (status == 200 && query_trader_balances(cmd->t.id, cmd->t.currency, &b) != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info(status == 201 ? "trader created" : "trader changed", "trader_id=%lld",
             (long long)cmd->t.id);
    struct jw w;
    jw_init(&w, 4096);
    render_trader(&w, &cmd->t, status == 201, &b);
    if (status == 201)
        explicit_bzero(cmd->t.secret, sizeof cmd->t.secret);
    reply_jw(req, status, &w);
}

static void trader_created(struct http_req *req, struct store_task *task, kassa_err err)
{
    trader_written(req, task, err, 201);
}

static void trader_updated(struct http_req *req, struct store_task *task, kassa_err err)
{
    trader_written(req, task, err, 200);
}

static enum http_action admin_create_trader(struct http_req *req)
{
    static const char *const names[] = {"name",  "verified_name", "reward_bps", "currency",
                                        "login", "password",      NULL};
    char msg[256];
    bool found;
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct trader_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    struct trader *t = cmd != NULL ? &cmd->t : NULL;
    if (cmd == NULL ||
        !json_only_members(root, names,
                           "a trader takes name, verified_name, reward_bps, currency, login and "
                           "password",
                           msg, sizeof msg) ||
        !json_opt_string(root, "name", t->name, sizeof t->name, msg, sizeof msg) ||
        !json_opt_string(root, "verified_name", t->verified_name, sizeof t->verified_name, msg,
                         sizeof msg) ||
        !read_reward(root, &t->reward_bps, &found, msg, sizeof msg) ||
        !json_opt_string(root, "currency", t->currency, sizeof t->currency, msg, sizeof msg) ||
        !read_login(root, cmd, msg, sizeof msg))
        goto refuse;
    if (!found) {
        snprintf(msg, sizeof msg, "reward_bps: required (basis points of each received amount)");
        goto refuse;
    }
    if (trader_create_prepare(cmd, msg, sizeof msg) != KASSA_OK)
        goto refuse;
    json_decref(root);
    cmd->task.run = trader_create_apply;
    admin_audit_created(&cmd->t.id);
    return admin_submit(req, &cmd->task, trader_created);
refuse:
    json_decref(root);
    if (cmd == NULL)
        reply_error(req, 500, "Internal server error");
    else
        reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

static enum http_action admin_update_trader(struct http_req *req, int64_t id)
{
    static const char *const names[] = {"name",  "reward_bps", "status", "online",
                                        "login", "password",   NULL};
    char msg[256], status[16] = "";
    bool found;
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct trader_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->t.id = id;
    json_t *online = json_object_get(root, "online");
    if (!json_only_members(
            root, names,
            "a trader update takes name, reward_bps, status, online, login and password", msg,
            sizeof msg) ||
        !json_opt_string(root, "name", cmd->t.name, sizeof cmd->t.name, msg, sizeof msg) ||
        !read_reward(root, &cmd->t.reward_bps, &found, msg, sizeof msg) ||
        !json_opt_string(root, "status", status, sizeof status, msg, sizeof msg) ||
        !read_login(root, cmd, msg, sizeof msg))
        goto refuse;
    if (found)
        cmd->set |= TRADER_SET_REWARD;
    if (json_object_get(root, "name") != NULL) {
        if (cmd->t.name[0] == '\0') {
            snprintf(msg, sizeof msg, "name: must not be empty");
            goto refuse;
        }
        cmd->set |= TRADER_SET_NAME;
    }
    if (json_object_get(root, "status") != NULL) {
        if (strcmp(status, "active") != 0 && strcmp(status, "suspended") != 0) {
            snprintf(msg, sizeof msg, "status: expected active or suspended");
            goto refuse;
        }
        cmd->t.active = strcmp(status, "active") == 0;
        cmd->set |= TRADER_SET_ACTIVE;
    }
    if (online != NULL) {
        if (!json_is_boolean(online)) {
            snprintf(msg, sizeof msg, "online: expected true or false");
            goto refuse;
        }
        cmd->t.online = json_is_true(online);
        cmd->set |= TRADER_SET_ONLINE;
    }
    if (cmd->set == 0) {
        snprintf(msg, sizeof msg,
                 "nothing to change: give any of name, reward_bps, status, online, "
                 "login and password");
        goto refuse;
    }
    json_decref(root);
    cmd->task.run = trader_update_apply;
    return admin_submit(req, &cmd->task, trader_updated);
refuse:
    json_decref(root);
    reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

/* ---- money --------------------------------------------------------------- */

static void money_moved(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct trader_money_cmd *cmd = container_of(task, struct trader_money_cmd, task);
    if (err == KASSA_EFUNDS) {
        reply_error(req, 409, "insufficient funds: the trader's available balance is lower");
        return;
    }
    if (err != KASSA_OK) {
        refuse_err(req, err);
        return;
    }
    log_info(cmd->deposit ? "trader deposit" : "trader withdrawal", "trader_id=%lld amount=%lld",
             (long long)cmd->trader_id, (long long)cmd->amount);
    struct jw w;
    jw_init(&w, 4096);
    render_trader(&w, &cmd->trader, false, &cmd->balances);
    reply_jw(req, 201, &w);
}

static enum http_action admin_trader_money(struct http_req *req, int64_t id, bool deposit)
{
    static const char *const names[] = {"amount", NULL};
    char msg[256], amount[64];
    bool found = false;
    struct trader t;
    kassa_err err = query_trader(id, &t);
    if (err != KASSA_OK) {
        refuse_err(req, err);
        return HTTP_DONE;
    }
    json_t *root = parse_json_object_flags(req, JSON_DECODE_INT_AS_REAL, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct trader_money_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL ||
        !json_only_members(root, names, "a deposit or withdrawal takes amount", msg, sizeof msg) ||
        !json_decimal_text(req, root, "amount", amount, sizeof amount, &found, msg, sizeof msg))
        goto refuse;
    if (!found) {
        snprintf(msg, sizeof msg, "amount: required, in %s", t.currency);
        goto refuse;
    }
    const kassa_currency *cur = kassa_currency_find(t.currency);
    kassa_err merr = cur == NULL ? KASSA_ECURRENCY
                                 : kassa_money_parse(amount, strlen(amount), cur->exponent,
                                                     KASSA_MONEY_POSITIVE, &cmd->amount);
    if (merr != KASSA_OK) {
        snprintf(msg, sizeof msg, "amount: %s", kassa_strerror(merr));
        goto refuse;
    }
    json_decref(root);
    cmd->trader_id = id;
    cmd->deposit = deposit;
    cmd->task.run = trader_money_apply;
    return admin_submit(req, &cmd->task, money_moved);
refuse:
    json_decref(root);
    if (cmd == NULL)
        reply_error(req, 500, "Internal server error");
    else
        reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

/* ---- reads --------------------------------------------------------------- */

static enum http_action admin_get_trader(struct http_req *req, int64_t id)
{
    struct trader t;
    struct trader_balances b;
    kassa_err err = query_trader(id, &t);
    if (err == KASSA_OK)
        err = query_trader_balances(id, t.currency, &b);
    if (err != KASSA_OK) {
        refuse_err(req, err);
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, 4096);
    render_trader(&w, &t, false, &b);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static bool page_trader(void *arg, const struct trader *t)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_trader(p->w, t, false, NULL);
    p->last_id = t->id;
    return true;
}

static enum http_action admin_list_traders(struct http_req *req)
{
    static const char *const args[] = {"limit", "cursor", "order", NULL};
    int limit;
    int64_t after;
    bool asc;
    if (!list_args(req, args, "traders are listed with limit, cursor and order", &limit, &after,
                   &asc))
        return HTTP_DONE;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = limit};
    kassa_err err = query_traders_list(after, asc, limit + 1, page_trader, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

enum http_action admin_traders(struct http_req *req, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (strcmp(p, "/traders") == 0) {
        if (post)
            return admin_create_trader(req);
        if (get)
            return admin_list_traders(req);
    }
    const char *arg = path_after(p, "/traders/");
    char *end;
    long long id = arg != NULL && *arg >= '1' && *arg <= '9' ? strtoll(arg, &end, 10) : 0;
    if (id > 0) {
        if (*end == '\0' && get)
            return admin_get_trader(req, id);
        if (*end == '\0' && strcmp(req->method, "PATCH") == 0)
            return admin_update_trader(req, id);
        if (strcmp(end, "/deposits") == 0 && post)
            return admin_trader_money(req, id, true);
        if (strcmp(end, "/withdrawals") == 0 && post)
            return admin_trader_money(req, id, false);
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
