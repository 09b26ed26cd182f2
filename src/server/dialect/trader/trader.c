/* trader.c: the trader API (trader.h), its authentication and routing, and
 * the trader's own record:
 *
 *   GET  /trader/v1/profile   (also /me)         the trader and its balances
 *   POST /trader/v1/online    (also /me/online)  {"online": true|false}
 *   GET  /trader/v1/ledger                       the postings of its accounts
 *   .../requisites...  requisites.c;  .../orders...  orders.c;
 *   .../devices..., .../requisites/{id}/device, .../bank-messages...  devices.c;
 *   .../disputes...  disputes.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/list.h"
#include "dialect/session.h"
#include "dialect/signed.h"
#include "kassa/money.h"
#include "trader.h"

/* ---- authentication ------------------------------------------------------ */

/* X-API-Key names a trader by its trader API key; suspended traders too
 * (they are refused with 403 once their signature holds). */
static kassa_err trader_key(void *arg, const char *key, struct signed_key *out)
{
    struct trader *t = arg;
    kassa_err err = query_trader_by_api_key(key, t);
    if (err == KASSA_ENOTFOUND)
        return KASSA_OK;
    if (err != KASSA_OK)
        return err;
    out->owner = signed_trader_owner(t->id);
    out->secret = t->secret;
    return KASSA_OK;
}

/* The trader of req's console session into *t (dialect/session.h); a
 * change records no nonce. False after answering 401, 403 or 503. */
static bool trader_session(struct http_req *req, struct trader *t, struct request_nonce *change)
{
    struct console_principal cp;
    char msg[128];
    int status = console_principal_of(req, CONSOLE_TRADER, &cp, msg, sizeof msg);
    kassa_err err = status == 0 ? query_trader(cp.trader_id, t) : KASSA_OK;
    if (status == 0 && err == KASSA_ENOTFOUND)
        status = 401;
    else if (status == 0 && err != KASSA_OK)
        status = 503;
    if (status != 0) {
        reply_error(req, status, "%s",
                    status == 401   ? "missing X-API-Key header"
                    : status == 403 ? msg
                                    : "cannot check the session now; try again shortly");
        return false;
    }
    if (change != NULL)
        change->has = false;
    reply_who(req, "trader:%lld", (long long)t->id);
    return true;
}

/* Authenticate the trader of req into *t (dialect/signed.h over the raw
 * body; every change records its signature). False after answering. */
static bool trader_auth(struct http_req *req, struct trader *t, struct request_nonce *change)
{
    const struct signed_scheme scheme = {.scope = TRADER_NAME,
                                         .holder = "trader",
                                         .lookup = trader_key,
                                         .arg = t,
                                         .nonce_every_change = true};
    struct signed_key key;
    /* The console: without X-API-Key, a trader's session cookie (its
     * CSRF token stands for the signature of a change). */
    if (http_header(req, "X-API-Key") == NULL && console_has_cookie(req))
        return trader_session(req, t, change);
    if (!signed_auth(req, &scheme, req->body != NULL ? req->body : "", req->body_len, &key, change))
        return false;
    reply_who(req, "trader:%lld", (long long)t->id);
    if (!t->active) {
        reply_error(req, 403, "this trader is suspended: ask the operator");
        return false;
    }
    return true;
}

/* ---- changes and their audit lines -------------------------------------- */

/* The trader's writes (method, path after /trader/v1 with * for one
 * segment): the audit line's action, the record's kind and which segment
 * names it (0: the trader itself, -1: set by the handler). The action
 * names are the admin API's for the same change. */
static const struct trader_write {
    const char *method, *path, *action, *kind;
    int seg;
} writes[] = {
    {"POST", "/online", "trader.online", "trader", 0},
    {"POST", "/me/online", "trader.online", "trader", 0},
    {"POST", "/requisites", "requisite.create", "requisite", -1},
    {"PATCH", "/requisites/*", "requisite.update", "requisite", 2},
    {"POST", "/requisites/*/pause", "requisite.pause", "requisite", 2},
    {"POST", "/requisites/*/resume", "requisite.resume", "requisite", 2},
    {"PUT", "/requisites/*/device", "requisite.bind", "requisite", 2},
    {"DELETE", "/requisites/*/device", "requisite.unbind", "requisite", 2},
    {"POST", "/orders/*/received", "order.complete", "order", -1},
    {"POST", "/orders/*/confirm", "order.complete", "order", -1},
    {"POST", "/orders/*/not-received", "order.fail", "order", -1},
    {"POST", "/orders/*/reject", "order.fail", "order", -1},
    {"POST", "/devices", "device.pair", "trader", 0},
    {"POST", "/devices/*/revoke", "device.revoke", "device", 2},
    {"POST", "/bank-messages/*/attach", "bank_message.attach", "bank_message", 2},
    {"POST", "/disputes/*/accept", "dispute.accept", "dispute", 2},
    {"POST", "/disputes/*/reject", "dispute.reject", "dispute", 2},
};

/* Whether path matches pattern segment by segment; segment `want` into
 * seg. */
static bool write_match(const char *pattern, const char *path, int want, char *seg, size_t size)
{
    for (int n = 1; *pattern == '/' && *path == '/'; n++) {
        size_t pl = strcspn(pattern + 1, "/"), sl = strcspn(path + 1, "/");
        bool any = pl == 1 && pattern[1] == '*';
        if (sl == 0 || (!any && (pl != sl || strncmp(pattern + 1, path + 1, sl) != 0)))
            return false;
        if (n == want && sl < size) {
            memcpy(seg, path + 1, sl);
            seg[sl] = '\0';
        }
        pattern += pl + 1;
        path += sl + 1;
    }
    return *pattern == '\0' && *path == '\0';
}

/* The audit line of a change of call at path p (none for a path that
 * changes nothing: it answers 404 before any write). */
static void audit_of(struct trader_call *call, const char *method, const char *p)
{
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        const struct trader_write *w = &writes[i];
        if (strcmp(w->method, method) == 0 &&
            write_match(w->path, p, w->seg, call->target_id, sizeof call->target_id)) {
            call->action = w->action;
            call->kind = w->kind;
            if (w->seg == 0)
                snprintf(call->target_id, sizeof call->target_id, "%lld", (long long)call->t.id);
            return;
        }
    }
}

void trader_audit_target(struct trader_call *call, int64_t id)
{
    snprintf(call->target_id, sizeof call->target_id, "%lld", (long long)id);
}

void trader_audit_created(struct trader_call *call, const int64_t *id)
{
    call->created_id = id;
}

static void trader_written(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct trader_call *call = container_of(task, struct trader_call, nt.task);
    free(call->at.entry);
    call->at.entry = NULL;
    if (err == KASSA_EAUTH_REPLAY) {
        reply_error(req, 401, SIGNED_REPLAYED_MSG);
        return;
    }
    call->render(req, call->inner, err);
}

enum http_action trader_submit(struct http_req *req, struct trader_call *call,
                               struct store_task *task, render_fn render)
{
    call->inner = task;
    call->nt.task.run = nonced_run;
    call->nt.inner = task;
    call->nt.owner = signed_trader_owner(call->t.id);
    call->render = render;
    if (call->action != NULL) {
        struct audit_entry *e = calloc(1, sizeof *e);
        if (e == NULL) {
            render(req, task, KASSA_ENOMEM);
            return HTTP_DONE;
        }
        /* A trader is no operator: actor_id -<trader id> keeps it apart
         * from the bootstrap token's 0 and the operators' ids. */
        e->actor_id = -call->t.id;
        snprintf(e->actor, sizeof e->actor, "trader:%lld", (long long)call->t.id);
        core_copy(e->action, sizeof e->action, call->action);
        core_copy(e->target_kind, sizeof e->target_kind, call->kind);
        core_copy(e->target_id, sizeof e->target_id, call->created_id ? "" : call->target_id);
        core_copy(e->request_id, sizeof e->request_id, req->id);
        http_client_addr(req, e->client, sizeof e->client);
        call->at = (struct audited_task){
            .task.run = audited_run, .inner = task, .entry = e, .created_id = call->created_id};
        call->nt.inner = &call->at.task;
    }
    return submit_and_render(req, &call->nt.task, trader_written);
}

/* ---- the profile --------------------------------------------------------- */

static void render_profile(struct jw *w, const struct trader *t, const struct trader_balances *b)
{
    char at[32];
    int exp = places_of(t->currency);
    jw_obj(w);
    jw_kint(w, "id", t->id);
    jw_kstr(w, "name", t->name);
    jw_kstr(w, "verified_name", t->verified_name);
    jw_kint(w, "reward_bps", t->reward_bps);
    jw_kstr(w, "currency", t->currency);
    jw_kbool(w, "active", t->active != 0);
    jw_kbool(w, "online", t->online != 0);
    jw_key(w, "balances");
    jw_obj(w);
    jw_kmoney(w, "available", b->available, t->currency, exp, false);
    jw_kmoney(w, "reserved", b->reserved, t->currency, exp, false);
    jw_kmoney(w, "earned", b->earned, t->currency, exp, false);
    jw_obj_end(w);
    clock_format(t->created_at, CLOCK_ISO8601, at, sizeof at);
    jw_kstr(w, "created_at", at);
    jw_obj_end(w);
}

static void reply_profile(struct http_req *req, const struct trader *t)
{
    struct trader_balances b;
    if (query_trader_balances(t->id, t->currency, &b) != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 4096);
    render_profile(&w, t, &b);
    reply_jw(req, 200, &w);
}

static void online_written(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct trader_cmd *cmd = container_of(task, struct trader_cmd, task);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("trader online", "online=%d", cmd->t.online);
    reply_profile(req, &cmd->t);
}

/* POST /trader/v1/online {"online": true|false}: whether the trader takes
 * orders now (its requisites are picked only while it is online). */
static enum http_action trader_online(struct http_req *req, struct trader_call *call)
{
    static const char *const names[] = {"online", NULL};
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_t *online = json_object_get(root, "online");
    struct trader_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    bool members_ok = json_only_members(root, names, "it takes online", msg, sizeof msg);
    if (!members_ok || !json_is_boolean(online)) {
        if (members_ok)
            snprintf(msg, sizeof msg, "online: required, true or false");
        json_decref(root);
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    bool on = json_is_true(online);
    json_decref(root);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->t.id = call->t.id;
    cmd->t.online = on;
    cmd->set = TRADER_SET_ONLINE;
    cmd->task.run = trader_update_apply;
    return trader_submit(req, call, &cmd->task, online_written);
}

/* ---- routing ------------------------------------------------------------- */

static enum http_action trader_handle(struct http_req *req)
{
    const char *p = trader_under(req->path, "/trader/v1");
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    bool change = !get && strcmp(req->method, "HEAD") != 0;
    struct trader_call *call = arena_calloc(&req->arena, sizeof *call);
    if (call == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (p == NULL || !trader_auth(req, &call->t, change ? &call->nt.nonce : NULL)) {
        if (p == NULL)
            reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    if (change)
        audit_of(call, req->method, p);
    if (get && (strcmp(p, "/profile") == 0 || strcmp(p, "/me") == 0)) {
        reply_profile(req, &call->t);
        return HTTP_DONE;
    }
    if (post && (strcmp(p, "/online") == 0 || strcmp(p, "/me/online") == 0))
        return trader_online(req, call);
    if (get && strcmp(p, "/ledger") == 0)
        return list_postings(req, call->t.id);
    if (trader_under(p, "/orders") != NULL)
        return trader_orders(req, call, trader_under(p, "/orders"));
    const char *rest = trader_under(p, "/requisites");
    char *end = NULL;
    long long rid = rest != NULL && rest[0] == '/' && rest[1] >= '1' && rest[1] <= '9'
                        ? strtoll(rest + 1, &end, 10)
                        : 0;
    if (rid > 0 && strcmp(end, "/device") == 0)
        return trader_requisite_device(req, call, rid);
    if (rest != NULL)
        return trader_requisites(req, call, rest);
    if (trader_under(p, "/devices") != NULL)
        return trader_devices(req, call, trader_under(p, "/devices"));
    if (trader_under(p, "/bank-messages") != NULL)
        return trader_bank_messages(req, call, trader_under(p, "/bank-messages"));
    if (trader_under(p, "/disputes") != NULL)
        return trader_disputes(req, call, trader_under(p, "/disputes"));
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}

static const struct dialect_route routes[] = {
    {.path = "/trader/v1", .handle = trader_handle},
};

const struct dialect dialect_trader = {
    .name = TRADER_NAME,
    .id = 5, /* it makes no orders; the number is its all the same (unique) */
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
};
