/* admin_devices.c: devices and bank messages (spec/p2p.md
 * "Confirmation"; docs/p2p.md "Confirmation by a device").
 *
 *   POST   /admin/v1/traders/{id}/devices/pair  -> 201 {"code", "trader_id", "expires_at"}
 *   GET    /admin/v1/traders/{id}/devices       the trader's devices (a list)
 *   GET    /admin/v1/devices/{id}               a device, with its requisites
 *   POST   /admin/v1/devices/{id}/revoke        its token and secret stop; requisites unbound
 *   PUT    /admin/v1/requisites/{id}/device     {"device_id"} bind to a device of its trader
 *   DELETE /admin/v1/requisites/{id}/device     unbind
 *   GET    /admin/v1/bank-messages?state=&trader_id=&device_id=   (a list)
 *   GET    /admin/v1/bank-messages/{id}
 *   POST   /admin/v1/bank-messages/{id}/attach  {"order": uuid} complete it with the amount */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "admin_lists.h"
#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/query.h"
#include "dialect/p2p.h"
#include "dialect/reply.h"
#include "kassa/money.h"

/* A positive id at the start of s, its end in *end; 0 when none. */
static int64_t id_at(const char *s, const char **end)
{
    char *e;
    long long id = s != NULL && *s >= '1' && *s <= '9' ? strtoll(s, &e, 10) : 0;
    *end = id > 0 ? e : "";
    return id;
}

/* ---- pairing codes and devices ------------------------------------------- */

static void code_made(struct http_req *req, struct store_task *task, kassa_err err)
{
    reply_device_code(req, container_of(task, struct device_code_cmd, task), err);
}

static enum http_action admin_pair_code(struct http_req *req, int64_t trader_id)
{
    if (!device_code_body_ok(req))
        return HTTP_DONE;
    struct device_code_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->trader_id = trader_id;
    device_code_prepare(cmd);
    cmd->task.run = device_code_apply;
    return admin_submit(req, &cmd->task, code_made);
}

static bool page_device(void *arg, const struct device *d)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_device(p->w, d, NULL, 0);
    p->last_id = d->id;
    return true;
}

static enum http_action admin_list_devices(struct http_req *req, int64_t trader_id)
{
    static const char *const args[] = {"limit", "cursor", "order", NULL};
    int limit;
    int64_t after;
    bool asc;
    struct trader t;
    kassa_err err = query_trader(trader_id, &t);
    if (err != KASSA_OK) {
        reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500, "%s",
                    err == KASSA_ENOTFOUND ? "Trader not found" : "Internal server error");
        return HTTP_DONE;
    }
    if (!list_args(req, args, "devices are listed with limit, cursor and order", &limit, &after,
                   &asc))
        return HTTP_DONE;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = limit};
    err = query_devices_list(trader_id, after, asc, limit + 1, page_device, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

#define BOUND_MAX 64

static void reply_device(struct http_req *req, int status, const struct device *d)
{
    int64_t ids[BOUND_MAX];
    int n = 0;
    if (query_device_requisites(d->id, ids, BOUND_MAX, &n) != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 8192);
    render_device(&w, d, ids, n);
    reply_jw(req, status, &w);
}

static enum http_action admin_get_device(struct http_req *req, int64_t id)
{
    struct device d;
    kassa_err err = query_device(id, &d);
    if (err != KASSA_OK)
        reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500, "%s",
                    err == KASSA_ENOTFOUND ? "Device not found" : "Internal server error");
    else
        reply_device(req, 200, &d);
    return HTTP_DONE;
}

static void device_revoked(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct device_revoke_cmd *cmd = container_of(task, struct device_revoke_cmd, task);
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Device not found");
    else if (err == KASSA_ESTATE)
        reply_error(req, 409, "device %lld is already revoked", (long long)cmd->device_id);
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else {
        log_info("device revoked", "device_id=%lld", (long long)cmd->device_id);
        reply_device(req, 200, &cmd->device);
    }
}

static enum http_action admin_revoke_device(struct http_req *req, int64_t id)
{
    struct device_revoke_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->device_id = id;
    cmd->task.run = device_revoke_apply;
    return admin_submit(req, &cmd->task, device_revoked);
}

/* ---- a requisite's device ------------------------------------------------ */

static void bound(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct requisite_bind_cmd *cmd = container_of(task, struct requisite_bind_cmd, task);
    if (err == KASSA_ENOTFOUND && strcmp(cmd->what, "device") == 0)
        reply_error(req, 400, "device_id: no device %lld in use", (long long)cmd->device_id);
    else if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Requisite not found");
    else if (err == KASSA_ECONFLICT && cmd->requisite_trader == 0)
        reply_error(req, 409,
                    "requisite %lld has no trader: only a trader's requisite is bound "
                    "to the trader's device",
                    (long long)cmd->requisite_id);
    else if (err == KASSA_ECONFLICT)
        reply_error(req, 409, "device %lld is not a device of trader %lld",
                    (long long)cmd->device_id, (long long)cmd->requisite_trader);
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else {
        log_info("requisite device set", "requisite_id=%lld device_id=%lld",
                 (long long)cmd->requisite_id, (long long)cmd->device_id);
        struct jw w;
        jw_init(&w, 256);
        jw_obj(&w);
        jw_kint(&w, "requisite_id", cmd->requisite_id);
        if (cmd->device_id > 0)
            jw_kint(&w, "device_id", cmd->device_id);
        else
            jw_knull(&w, "device_id");
        jw_obj_end(&w);
        reply_jw(req, 200, &w);
    }
}

static enum http_action admin_bind(struct http_req *req, int64_t requisite_id, bool bind)
{
    static const char *const names[] = {"device_id", NULL};
    char msg[256];
    struct requisite_bind_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->requisite_id = requisite_id;
    if (bind) {
        json_t *root = parse_json_object(req, msg, sizeof msg);
        bool ok = root != NULL &&
                  json_only_members(root, names, "a binding takes device_id", msg, sizeof msg) &&
                  json_opt_id(root, "device_id", &cmd->device_id, msg, sizeof msg);
        json_decref(root);
        if (ok && cmd->device_id == 0) {
            snprintf(msg, sizeof msg, "device_id: required (DELETE unbinds)");
            ok = false;
        }
        if (!ok) {
            reply_error(req, 400, "%s", msg);
            return HTTP_DONE;
        }
    }
    cmd->task.run = requisite_bind_apply;
    return admin_submit(req, &cmd->task, bound);
}

/* ---- bank messages ------------------------------------------------------- */

static bool page_message(void *arg, const struct bank_message *m)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_bank_message(p->w, m);
    p->last_id = m->id;
    return true;
}

static enum http_action admin_list_messages(struct http_req *req)
{
    static const char *const args[] = {"state",  "trader_id", "device_id", "limit",
                                       "cursor", "order",     NULL};
    char msg[256], state[16] = "";
    struct bank_message_filter f = {.state = -1};
    if (!list_args(req, args,
                   "bank messages are listed with state, trader_id, device_id, limit, cursor "
                   "and order",
                   &f.limit, &f.after_id, &f.asc))
        return HTTP_DONE;
    if (!arg_text(req, "state", state, sizeof state, msg, sizeof msg) ||
        !arg_int(req, "trader_id", 1, INT64_MAX, &f.trader_id, msg, sizeof msg) ||
        !arg_int(req, "device_id", 1, INT64_MAX, &f.device_id, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    if (state[0] != '\0' && (f.state = bank_message_state_of(state)) < 0) {
        reply_error(req, 400, "state: expected matched, unmatched, ambiguous or ignored");
        return HTTP_DONE;
    }
    int limit = f.limit;
    f.limit = limit + 1;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = limit};
    kassa_err err = query_bank_messages_list(&f, page_message, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

static enum http_action admin_get_message(struct http_req *req, int64_t id)
{
    struct bank_message *m = arena_alloc(&req->arena, sizeof *m);
    kassa_err err = m != NULL ? query_bank_message(id, m) : KASSA_ENOMEM;
    if (err != KASSA_OK) {
        reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500, "%s",
                    err == KASSA_ENOTFOUND ? "Bank message not found" : "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, 16384);
    render_bank_message(&w, m);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static void attached(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct bank_message_attach_cmd *cmd = container_of(task, struct bank_message_attach_cmd, task);
    bool order = cmd->what != NULL && strcmp(cmd->what, "order") == 0;
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, order ? "Order not found" : "Bank message not found");
    else if (err == KASSA_ESTATE && order)
        reply_error(req, 409, "order %s is %s: it cannot become completed", cmd->order_uuid,
                    order_status_name(cmd->order.status));
    else if (err == KASSA_ESTATE)
        reply_error(req, 409,
                    "bank message %lld is %s: only an unmatched or ambiguous one is "
                    "attached",
                    (long long)cmd->message_id, bank_message_state_name(cmd->message.state));
    else if (err == KASSA_ECONFLICT && strcmp(cmd->what, "currency") == 0)
        reply_error(req, 409, "order %s is in %s, the message's amount in %s", cmd->order_uuid,
                    cmd->order.currency, cmd->message.currency);
    else if (err == KASSA_ECONFLICT)
        reply_error(req, 409, "order %s is not on a requisite of trader %lld", cmd->order_uuid,
                    (long long)cmd->message.trader_id);
    else if (err == KASSA_EAMOUNT_LIMIT || err == KASSA_EMONEY_ZERO)
        reply_error(req, 409, "the message's amount cannot complete an order (%s)",
                    kassa_strerror(err));
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else {
        log_info("bank message attached", "message_id=%lld order_id=%lld",
                 (long long)cmd->message_id, (long long)cmd->order.id);
        struct jw w;
        jw_init(&w, REPLY_JSON_LIMIT);
        jw_obj(&w);
        jw_key(&w, "message");
        render_bank_message(&w, &cmd->message);
        jw_key(&w, "order");
        render_admin_order(&w, &cmd->order);
        jw_obj_end(&w);
        reply_jw(req, 200, &w);
    }
}

static enum http_action admin_attach(struct http_req *req, int64_t id)
{
    struct bank_message_attach_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!bank_message_attach_body(req, cmd))
        return HTTP_DONE;
    cmd->message_id = id;
    cmd->actor = ACTOR_OPERATOR;
    cmd->matched_by = "operator";
    cmd->task.run = bank_message_attach_apply;
    return admin_submit(req, &cmd->task, attached);
}

/* ---- routing ------------------------------------------------------------- */

enum http_action admin_devices(struct http_req *req, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    const char *end;
    int64_t id;
    if ((id = id_at(path_after(p, "/traders/"), &end)) > 0) {
        if (strcmp(end, "/devices/pair") == 0 && post)
            return admin_pair_code(req, id);
        if (strcmp(end, "/devices") == 0 && get)
            return admin_list_devices(req, id);
    } else if ((id = id_at(path_after(p, "/devices/"), &end)) > 0) {
        if (*end == '\0' && get)
            return admin_get_device(req, id);
        if (strcmp(end, "/revoke") == 0 && post)
            return admin_revoke_device(req, id);
    } else if ((id = id_at(path_after(p, "/requisites/"), &end)) > 0) {
        if (strcmp(end, "/device") == 0 && strcmp(req->method, "PUT") == 0)
            return admin_bind(req, id, true);
        if (strcmp(end, "/device") == 0 && strcmp(req->method, "DELETE") == 0)
            return admin_bind(req, id, false);
    } else if (strcmp(p, "/bank-messages") == 0 && get) {
        return admin_list_messages(req);
    } else if ((id = id_at(path_after(p, "/bank-messages/"), &end)) > 0) {
        if (*end == '\0' && get)
            return admin_get_message(req, id);
        if (strcmp(end, "/attach") == 0 && post)
            return admin_attach(req, id);
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
