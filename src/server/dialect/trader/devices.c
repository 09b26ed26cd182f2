/* devices.c: a trader's phones and the bank messages they relay
 * (trader.h; docs/p2p.md "The trader API"):
 *
 *   POST   /trader/v1/devices                 -> 201 {"code", "trader_id", "expires_at"}
 *   GET    /trader/v1/devices                 the trader's devices (a list)
 *   POST   /trader/v1/devices/{id}/revoke     its token and secret stop; requisites unbound
 *   PUT    /trader/v1/requisites/{id}/device  {"device_id"}: bind, DELETE: unbind
 *   GET    /trader/v1/bank-messages?state=&device_id=   (a list)
 *   GET    /trader/v1/bank-messages/{id}
 *   POST   /trader/v1/bank-messages/{id}/attach  {"order": uuid}
 *
 * The core's commands, with the trader's id: another trader's device,
 * requisite or message answers 404 exactly as a missing one. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/log.h"
#include "dialect/list.h"
#include "dialect/p2p.h"
#include "trader.h"

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

/* A pairing code for the calling trader (the phone pairs with it at
 * POST /device/v1/pair). */
static enum http_action pair_code(struct http_req *req, struct trader_call *call)
{
    if (!device_code_body_ok(req))
        return HTTP_DONE;
    struct device_code_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->trader_id = call->t.id;
    device_code_prepare(cmd);
    cmd->task.run = device_code_apply;
    return trader_submit(req, call, &cmd->task, code_made);
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

static enum http_action list_devices(struct http_req *req, const struct trader *t)
{
    static const char *const args[] = {"limit", "cursor", "order", NULL};
    int limit;
    int64_t after;
    bool asc;
    if (!list_args(req, args, "devices are listed with limit, cursor and order", &limit, &after,
                   &asc))
        return HTTP_DONE;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = limit};
    kassa_err err = query_devices_list(t->id, after, asc, limit + 1, page_device, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

#define BOUND_MAX 64

static void device_revoked(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct device_revoke_cmd *cmd = container_of(task, struct device_revoke_cmd, task);
    int64_t ids[BOUND_MAX];
    int n = 0;
    if (err == KASSA_OK)
        err = query_device_requisites(cmd->device_id, ids, BOUND_MAX, &n);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Device not found");
        return;
    }
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "device %lld is already revoked", (long long)cmd->device_id);
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("device revoked by its trader", "device_id=%lld", (long long)cmd->device_id);
    struct jw w;
    jw_init(&w, 8192);
    render_device(&w, &cmd->device, ids, n);
    reply_jw(req, 200, &w);
}

static enum http_action revoke_device(struct http_req *req, struct trader_call *call, int64_t id)
{
    if (req->body_len > 0) {
        reply_error(req, 400, "revoke takes no body");
        return HTTP_DONE;
    }
    struct device_revoke_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->device_id = id;
    cmd->trader_id = call->t.id;
    cmd->task.run = device_revoke_apply;
    return trader_submit(req, call, &cmd->task, device_revoked);
}

enum http_action trader_devices(struct http_req *req, struct trader_call *call, const char *p)
{
    const char *end;
    int64_t id = id_at(p[0] == '/' ? p + 1 : NULL, &end);
    bool post = strcmp(req->method, "POST") == 0;
    if (p[0] == '\0' && post)
        return pair_code(req, call);
    if (p[0] == '\0' && strcmp(req->method, "GET") == 0)
        return list_devices(req, &call->t);
    if (id > 0 && post && strcmp(end, "/revoke") == 0)
        return revoke_device(req, call, id);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

/* ---- a requisite's device ------------------------------------------------ */

/* Another trader's device is no device at all (as a missing one): only
 * the trader's own devices are named to it. */
static void bound(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct requisite_bind_cmd *cmd = container_of(task, struct requisite_bind_cmd, task);
    if ((err == KASSA_ENOTFOUND && strcmp(cmd->what, "device") == 0) || err == KASSA_ECONFLICT)
        reply_error(req, 400, "device_id: no device %lld in use", (long long)cmd->device_id);
    else if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Requisite not found");
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else {
        log_info("requisite device set by its trader", "requisite_id=%lld device_id=%lld",
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

enum http_action trader_requisite_device(struct http_req *req, struct trader_call *call,
                                         int64_t requisite_id)
{
    static const char *const names[] = {"device_id", NULL};
    bool bind = strcmp(req->method, "PUT") == 0;
    if (!bind && strcmp(req->method, "DELETE") != 0) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    char msg[256];
    struct requisite_bind_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->requisite_id = requisite_id;
    cmd->trader_id = call->t.id;
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
    } else if (req->body_len > 0) {
        reply_error(req, 400, "DELETE takes no body");
        return HTTP_DONE;
    }
    cmd->task.run = requisite_bind_apply;
    return trader_submit(req, call, &cmd->task, bound);
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

static enum http_action list_messages(struct http_req *req, const struct trader *t)
{
    static const char *const args[] = {"state", "device_id", "limit", "cursor", "order", NULL};
    char msg[256], state[16] = "";
    struct bank_message_filter f = {.state = -1, .trader_id = t->id};
    if (!list_args(req, args,
                   "bank messages are listed with state, device_id, limit, cursor and order",
                   &f.limit, &f.after_id, &f.asc))
        return HTTP_DONE;
    if (!arg_text(req, "state", state, sizeof state, msg, sizeof msg) ||
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

static enum http_action get_message(struct http_req *req, const struct trader *t, int64_t id)
{
    struct bank_message *m = arena_alloc(&req->arena, sizeof *m);
    kassa_err err = m != NULL ? query_bank_message(id, m) : KASSA_ENOMEM;
    if (err == KASSA_OK && m->trader_id != t->id)
        err = KASSA_ENOTFOUND; /* another's: as a missing one */
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
    bool currency = cmd->what != NULL && strcmp(cmd->what, "currency") == 0;
    /* An order on another trader's requisite is no order of the trader's. */
    if (err == KASSA_ENOTFOUND || (err == KASSA_ECONFLICT && !currency))
        reply_error(req, 404,
                    order || err == KASSA_ECONFLICT ? "Order not found" : "Bank message not found");
    else if (err == KASSA_ESTATE && order)
        reply_error(req, 409, "order %s is %s: it cannot become completed", cmd->order_uuid,
                    order_status_name(cmd->order.status));
    else if (err == KASSA_ESTATE)
        reply_error(req, 409,
                    "bank message %lld is %s: only an unmatched or ambiguous one is "
                    "attached",
                    (long long)cmd->message_id, bank_message_state_name(cmd->message.state));
    else if (err == KASSA_ECONFLICT)
        reply_error(req, 409, "order %s is in %s, the message's amount in %s", cmd->order_uuid,
                    cmd->order.currency, cmd->message.currency);
    else if (err == KASSA_EAMOUNT_LIMIT || err == KASSA_EMONEY_ZERO)
        reply_error(req, 409, "the message's amount cannot complete an order (%s)",
                    kassa_strerror(err));
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else {
        log_info("bank message attached by its trader", "message_id=%lld order_id=%lld",
                 (long long)cmd->message_id, (long long)cmd->order.id);
        struct jw w;
        jw_init(&w, REPLY_JSON_LIMIT);
        jw_obj(&w);
        jw_key(&w, "message");
        render_bank_message(&w, &cmd->message);
        jw_key(&w, "order");
        trader_render_order(&w, &cmd->order);
        jw_obj_end(&w);
        reply_jw(req, 200, &w);
    }
}

/* The trader says which of its orders a message paid: the order completes
 * with the message's amount, as the operator's attachment does. */
static enum http_action attach(struct http_req *req, struct trader_call *call, int64_t id)
{
    struct bank_message_attach_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!bank_message_attach_body(req, cmd))
        return HTTP_DONE;
    cmd->message_id = id;
    cmd->trader_id = call->t.id;
    cmd->actor = ACTOR_TRADER;
    cmd->matched_by = "trader";
    cmd->task.run = bank_message_attach_apply;
    return trader_submit(req, call, &cmd->task, attached);
}

enum http_action trader_bank_messages(struct http_req *req, struct trader_call *call, const char *p)
{
    const char *end;
    int64_t id = id_at(p[0] == '/' ? p + 1 : NULL, &end);
    if (p[0] == '\0' && strcmp(req->method, "GET") == 0)
        return list_messages(req, &call->t);
    if (id > 0 && *end == '\0' && strcmp(req->method, "GET") == 0)
        return get_message(req, &call->t, id);
    if (id > 0 && strcmp(end, "/attach") == 0 && strcmp(req->method, "POST") == 0)
        return attach(req, call, id);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
