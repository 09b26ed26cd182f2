/* admin_auth.c: authentication, roles and the audit line of the admin API
 * (admin_auth.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "dialect/session.h"
#include "kassa/sign.h"

/* ---- what each route is ------------------------------------------------- */

/* The routes, by method and path after /admin/v1 ("*" one segment, a
 * final "**" the rest), first match wins: the action, what it takes, and
 * the record it changes (`id_seg`: which segment names it; 0: the write
 * creates it or the handler names it; `fixed`: a record of its own). A
 * write no row names takes PERM_ADMIN: a new route is closed to support,
 * finance and viewer until given its row. */
static const struct rule {
    const char *method, *path, *action;
    enum op_perm perm;
    const char *kind;
    int id_seg;
    const char *fixed;
} rules[] = {
    {"POST", "/shops", "shop.create", PERM_ADMIN, "shop", 0, NULL},
    {"PATCH", "/shops/*", "shop.update", PERM_ADMIN, "shop", 2, NULL},
    {"POST", "/shops/*/disable", "shop.disable", PERM_ADMIN, "shop", 2, NULL},
    {"POST", "/shops/*/enable", "shop.enable", PERM_ADMIN, "shop", 2, NULL},
    {"POST", "/shops/*/rotate", "shop.rotate", PERM_ADMIN, "shop", 2, NULL},
    {"PUT", "/shops/*/tariff", "shop.tariff", PERM_FINANCE, "shop", 2, NULL},
    {"PUT", "/shops/*/methods/*", "shop.method", PERM_ADMIN, "shop", 2, NULL},
    {"POST", "/requisites", "requisite.create", PERM_ADMIN, "requisite", 0, NULL},
    {"PATCH", "/requisites/*", "requisite.update", PERM_ADMIN, "requisite", 2, NULL},
    {"POST", "/orders/*/complete", "order.complete", PERM_ORDERS, "order", 0, NULL},
    {"POST", "/orders/*/fail", "order.fail", PERM_ORDERS, "order", 0, NULL},
    {"POST", "/orders/*/cancel", "order.cancel", PERM_ORDERS, "order", 0, NULL},
    /* A reversal takes money back from a merchant (it may leave a debt):
     * finance's, as withdrawals and tariffs are, not support's. */
    {"POST", "/orders/*/reverse", "order.reverse", PERM_FINANCE, "order", 0, NULL},
    {"POST", "/withdrawals/*/complete", "withdrawal.complete", PERM_FINANCE, "withdrawal", 2, NULL},
    {"POST", "/withdrawals/*/reject", "withdrawal.reject", PERM_FINANCE, "withdrawal", 2, NULL},
    {"POST", "/callbacks/*/resend", "callback.resend", PERM_ORDERS, "callback", 2, NULL},
    {"PUT", "/rates/*", "rate.set", PERM_FINANCE, "rate", 2, NULL},
    {"POST", "/clock/advance", "clock.advance", PERM_ADMIN, "setting", 0, "test_clock_offset"},
    {"POST", "/backup", "backup", PERM_ADMIN, "", 0, NULL},
    {"POST", "/traders", "trader.create", PERM_ADMIN, "trader", 0, NULL},
    {"PATCH", "/traders/*", "trader.update", PERM_ADMIN, "trader", 2, NULL},
    {"POST", "/traders/*/deposits", "trader.deposit", PERM_FINANCE, "trader", 2, NULL},
    {"POST", "/traders/*/withdrawals", "trader.withdrawal", PERM_FINANCE, "trader", 2, NULL},
    /* Devices and bank messages (admin_devices.c). */
    {"POST", "/traders/*/devices/pair", "device.pair", PERM_ADMIN, "trader", 2, NULL},
    {"POST", "/devices/*/revoke", "device.revoke", PERM_ADMIN, "device", 2, NULL},
    {"PUT", "/requisites/*/device", "requisite.bind", PERM_ADMIN, "requisite", 2, NULL},
    {"DELETE", "/requisites/*/device", "requisite.unbind", PERM_ADMIN, "requisite", 2, NULL},
    {"POST", "/bank-messages/*/attach", "bank_message.attach", PERM_ORDERS, "bank_message", 2,
     NULL},
    /* Disputes: deciding moves money (a late completion), as a withdrawal
     * decision does: finance's; reading is anyone's. */
    {"POST", "/disputes/*/decide", "dispute.decide", PERM_FINANCE, "dispute", 2, NULL},
    {"POST", "/disputes/*/accept", "dispute.accept", PERM_FINANCE, "dispute", 2, NULL},
    {"POST", "/disputes/*/reject", "dispute.reject", PERM_FINANCE, "dispute", 2, NULL},
    {"POST", "/disputes/*/pause", "dispute.pause", PERM_FINANCE, "dispute", 2, NULL},
    {"POST", "/disputes/*/resume", "dispute.resume", PERM_FINANCE, "dispute", 2, NULL},
    /* Merchant users (admin_merchant_users.c): console sign-ins. */
    {"POST", "/merchants/*/users", "merchant_user.create", PERM_ADMIN, "merchant_user", 0, NULL},
    {"PATCH", "/merchants/*/users/*", "merchant_user.update", PERM_ADMIN, "merchant_user", 4, NULL},
    {"POST", "/operators", "operator.create", PERM_OPERATORS, "operator", 0, NULL},
    {"PATCH", "/operators/*", "operator.update", PERM_OPERATORS, "operator", 2, NULL},
    {"POST", "/operators/*/tokens", "token.create", PERM_OPERATORS, "token", 0, NULL},
    /* Anyone may revoke their own token (admin_operators.c checks whose). */
    {"DELETE", "/tokens/*", "token.revoke", PERM_READ, "token", 2, NULL},
    {"GET", "/operators", "operator.list", PERM_OPERATORS, "", 0, NULL},
    {"GET", "/operators/**", "operator.list", PERM_OPERATORS, "", 0, NULL},
    {"GET", "/**", "", PERM_READ, "", 0, NULL},
    {"*", "/**", "admin.write", PERM_ADMIN, "", 0, NULL},
};

/* Whether path matches pattern; the text of segment `want` (1-based) into
 * seg. */
static bool path_match(const char *pattern, const char *path, int want, char *seg, size_t size)
{
    int n = 0;
    seg[0] = '\0';
    while (*pattern == '/' && *path == '/') {
        pattern++;
        path++;
        n++;
        const char *pe = strchr(pattern, '/'), *se = strchr(path, '/');
        size_t pl = pe ? (size_t)(pe - pattern) : strlen(pattern);
        size_t sl = se ? (size_t)(se - path) : strlen(path);
        if (pl == 2 && strncmp(pattern, "**", 2) == 0)
            return true;
        if (sl == 0 || (!(pl == 1 && *pattern == '*') && (pl != sl || strncmp(pattern, path, sl))))
            return false;
        if (n == want && sl < size) {
            memcpy(seg, path, sl);
            seg[sl] = '\0';
        }
        pattern += pl;
        path += sl;
    }
    return *pattern == '\0' && (*path == '\0' || strcmp(path, "/") == 0);
}

static const struct rule *rule_of(const char *method, const char *path, char *seg, size_t size)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        if ((strcmp(r->method, "*") == 0 || strcmp(r->method, method) == 0) &&
            path_match(r->path, path, r->id_seg, seg, size))
            return r;
    }
    return &rules[sizeof rules / sizeof rules[0] - 1];
}

/* ---- authentication ----------------------------------------------------- */

/* Who the bearer token is: the bootstrap token (constant-time compare),
 * else an operator's. KASSA_ENOTFOUND for neither. */
static kassa_err actor_of(const char *token, struct op_actor *a)
{
    const char *boot = dialect_settings()->admin_token;
    size_t n = boot != NULL ? strlen(boot) : 0;
    if (n > 0 && strlen(token) == n && kassa_ct_equal(token, boot, n)) {
        *a = (struct op_actor){.role = ROLE_OWNER};
        snprintf(a->name, sizeof a->name, "bootstrap");
        return KASSA_OK;
    }
    return operator_authenticate(token, a);
}

/* The operator of req's console session (dialect/session.h) as the
 * actor: token 0, client "console@<address>". False after answering 403
 * (no CSRF token) or 503; *err KASSA_ENOTFOUND when there is no operator
 * session (answered as no token). */
static bool session_actor(struct http_req *req, struct admin_call *call, kassa_err *err)
{
    struct console_principal cp;
    char msg[128], addr[48];
    int status = console_principal_of(req, CONSOLE_OPERATOR, &cp, msg, sizeof msg);
    if (status == 401)
        return true;
    if (status != 0) {
        reply_error(req, status, "%s", msg);
        return false;
    }
    call->actor = (struct op_actor){.operator_id = cp.operator_id, .role = (enum op_role)cp.role};
    core_copy(call->actor.name, sizeof call->actor.name, cp.name);
    http_client_addr(req, addr, sizeof addr);
    snprintf(call->client, sizeof call->client, "console@%s", addr);
    *err = KASSA_OK;
    return true;
}

static _Thread_local struct admin_call *current;

struct admin_call *admin_current(void)
{
    return current;
}

void admin_end(void)
{
    current = NULL;
}

bool admin_begin(struct http_req *req, const char *path, struct admin_call *call)
{
    memset(call, 0, sizeof *call);
    /* Failed authentications per client address (core/guard.c): after
     * too many, the address is refused until its window is over, right
     * token or not. */
    int retry = 0;
    if (guard_active()) {
        http_client_addr(req, call->client, sizeof call->client);
        if (guard_locked("admin", call->client, NULL, &retry)) {
            char s[16];
            snprintf(s, sizeof s, "%d", retry);
            http_add_header(req, "Retry-After", s);
            reply_error(req, 429, "too many failed admin authentications; try again in %d s",
                        retry);
            return false;
        }
    }
    const char *h = http_header(req, "Authorization");
    kassa_err err = KASSA_ENOTFOUND;
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
        err = actor_of(h + 7, &call->actor);
    /* The console: without a token, an operator's session cookie. */
    if (h == NULL && console_has_cookie(req) && !session_actor(req, call, &err))
        return false;
    if (err != KASSA_OK && err != KASSA_ENOTFOUND) {
        reply_error(req, 503, "cannot check the token now; try again shortly");
        return false;
    }
    if (err == KASSA_ENOTFOUND) {
        if (call->client[0] == '\0')
            http_client_addr(req, call->client, sizeof call->client);
        guard_fail("admin", call->client, NULL);
        log_warn("admin authentication failed", "client=%s", call->client);
        reply_error(req, 401, "invalid or missing admin token");
        return false;
    }
    if (call->actor.operator_id > 0)
        reply_who(req, "operator:%lld", (long long)call->actor.operator_id);
    else
        reply_who(req, "bootstrap");
    char seg[64];
    const struct rule *r = rule_of(req->method, path, seg, sizeof seg);
    call->action = r->action;
    call->perm = r->perm;
    call->kind = r->kind;
    if (r->fixed != NULL)
        snprintf(call->target_id, sizeof call->target_id, "%s", r->fixed);
    else if (r->id_seg > 0)
        snprintf(call->target_id, sizeof call->target_id, "%s", seg);
    if (!role_may(call->actor.role, r->perm)) {
        log_warn("admin action refused", "operator=%s role=%s action=%s", call->actor.name,
                 op_role_name(call->actor.role), r->action[0] ? r->action : "read");
        reply_error(req, 403, "the %s role may not do %s", op_role_name(call->actor.role),
                    r->action[0] ? r->action : "this");
        return false;
    }
    if (call->client[0] == '\0')
        http_client_addr(req, call->client, sizeof call->client);
    current = call;
    return true;
}

void admin_audit_target(int64_t id)
{
    if (current != NULL)
        snprintf(current->target_id, sizeof current->target_id, "%lld", (long long)id);
}

void admin_audit_created(const int64_t *id)
{
    if (current != NULL)
        current->created_id = id;
}

/* ---- the audit line ----------------------------------------------------- */

struct admin_write {
    struct audited_task at;
    render_fn render;
};

static void write_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct admin_write *w = container_of(task, struct admin_write, at.task);
    free(w->at.entry);
    w->at.entry = NULL;
    w->render(req, w->at.inner, err);
}

enum http_action admin_submit(struct http_req *req, struct store_task *task, render_fn render)
{
    struct admin_call *call = current;
    struct admin_write *w = arena_calloc(&req->arena, sizeof *w);
    struct audit_entry *e = calloc(1, sizeof *e);
    if (call == NULL || w == NULL || e == NULL) {
        free(e);
        render(req, task, KASSA_ENOMEM);
        return HTTP_DONE;
    }
    e->actor_id = call->actor.operator_id;
    e->token_id = call->actor.token_id;
    core_copy(e->actor, sizeof e->actor, call->actor.name);
    core_copy(e->action, sizeof e->action, call->action);
    core_copy(e->target_kind, sizeof e->target_kind, call->kind);
    core_copy(e->target_id, sizeof e->target_id, call->created_id ? "" : call->target_id);
    core_copy(e->request_id, sizeof e->request_id, req->id);
    core_copy(e->client, sizeof e->client, call->client);
    w->at.task.run = audited_run;
    w->at.inner = task;
    w->at.entry = e;
    w->at.created_id = call->created_id;
    w->render = render;
    return submit_and_render(req, &w->at.task, write_rendered);
}
