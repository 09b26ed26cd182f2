/* admin_operators.c: operators, their API tokens and the audit log.
 *
 *   GET    /admin/v1/me                        who the token is
 *   POST   /admin/v1/operators                 {"name", "role", "login"?, "password"?}
 *   GET    /admin/v1/operators                 the operators (a list)
 *   GET    /admin/v1/operators/{id}
 *   PATCH  /admin/v1/operators/{id}            {"name"?, "role"?, "disabled"?,
 *                                               "login"? + "password"?}
 *   POST   /admin/v1/operators/{id}/tokens     {"name"?} -> {"id", "token"} (shown once)
 *   GET    /admin/v1/operators/{id}/tokens     the operator's tokens (never the token)
 *   DELETE /admin/v1/tokens/{id}               revoke (an operator may revoke their own)
 *   GET    /admin/v1/audit?actor=&action=&kind=&target=&from=&to=
 *
 * Who may do what is admin_auth.c's table and the core's role_may. */
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
#include "dialect/reply.h"

static void render_operator(struct jw *w, const struct operator* op)
{
    char t[32];
    jw_obj(w);
    jw_kint(w, "id", op->id);
    jw_kstr(w, "name", op->name);
    jw_kstr(w, "role", op_role_name(op->role));
    jw_kstr_or_null(w, "login", op->login);
    jw_kbool(w, "disabled", op->disabled != 0);
    clock_format(op->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "created_at", t);
    jw_obj_end(w);
}

static void render_time_or_null(struct jw *w, const char *key, int64_t at)
{
    char t[32];
    if (at == 0) {
        jw_knull(w, key);
        return;
    }
    clock_format(at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, key, t);
}

static void render_token(struct jw *w, const struct op_token *tk)
{
    jw_obj(w);
    jw_kint(w, "id", tk->id);
    jw_kint(w, "operator_id", tk->operator_id);
    jw_kstr(w, "name", tk->name);
    render_time_or_null(w, "created_at", tk->created_at);
    render_time_or_null(w, "last_used_at", tk->last_used_at);
    render_time_or_null(w, "revoked_at", tk->revoked_at);
    jw_obj_end(w);
}

static bool path_id(const char *s, int64_t *id, const char **rest)
{
    char *end;
    if (*s < '1' || *s > '9')
        return false;
    long long n = strtoll(s, &end, 10);
    if (n <= 0)
        return false;
    *id = n;
    *rest = end;
    return true;
}

static void refuse_store_error(struct http_req *req, kassa_err err, const char *what)
{
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "%s not found", what);
    else
        reply_error(req, 500, "Internal server error");
}

/* ---- who am I ------------------------------------------------------------ */

static enum http_action admin_me(struct http_req *req)
{
    const struct op_actor *a = &admin_current()->actor;
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    if (a->operator_id > 0)
        jw_kint(&w, "operator_id", a->operator_id);
    else
        jw_knull(&w, "operator_id");
    if (a->token_id > 0)
        jw_kint(&w, "token_id", a->token_id);
    else
        jw_knull(&w, "token_id");
    jw_kstr(&w, "name", a->name);
    jw_kstr(&w, "role", op_role_name(a->role));
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- operators ----------------------------------------------------------- */

static void operator_rendered(struct http_req *req, struct store_task *task, kassa_err err,
                              int status)
{
    struct operator_cmd *cmd = container_of(task, struct operator_cmd, task);
    if (err == KASSA_EEXIST) {
        reply_error(req, 409, "login: '%s' is taken", cmd->op.login);
        return;
    }
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "an operator cannot change their own role or switch themselves off");
        return;
    }
    if (err != KASSA_OK) {
        refuse_store_error(req, err, "Operator");
        return;
    }
    log_info("operator changed", "operator_id=%lld role=%s", (long long)cmd->op.id,
             op_role_name(cmd->op.role));
    struct jw w;
    jw_init(&w, 4096);
    render_operator(&w, &cmd->op);
    reply_jw(req, status, &w);
}

static void operator_created(struct http_req *req, struct store_task *task, kassa_err err)
{
    operator_rendered(req, task, err, 201);
}

static void operator_updated(struct http_req *req, struct store_task *task, kassa_err err)
{
    operator_rendered(req, task, err, 200);
}

static bool read_role(json_t *root, enum op_role *role, bool *found, char *msg, size_t msglen)
{
    char text[32];
    *found = json_object_get(root, "role") != NULL;
    if (!json_opt_string(root, "role", text, sizeof text, msg, msglen))
        return false;
    if (*found && (*role = op_role_parse(text)) == ROLE_NONE) {
        snprintf(msg, msglen, "role: expected owner, admin, support, finance or viewer");
        return false;
    }
    return true;
}

static bool read_password(json_t *root, char *dst, size_t size, const char **password, char *msg,
                          size_t msglen)
{
    json_t *p = json_object_get(root, "password");
    *password = NULL;
    if (p == NULL)
        return true;
    if (!json_is_string(p) || json_string_length(p) >= size) {
        snprintf(msg, msglen, "password: expected a string of at most %zu bytes", size - 1);
        return false;
    }
    core_copy(dst, size, json_string_value(p));
    *password = dst;
    return true;
}

static enum http_action admin_create_operator(struct http_req *req)
{
    static const char *const names[] = {"name", "role", "login", "password", NULL};
    char msg[256], pw[256];
    const char *password = NULL;
    bool found;
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct operator_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!json_only_members(root, names, NULL, msg, sizeof msg) ||
        !json_opt_string(root, "name", cmd->op.name, sizeof cmd->op.name, msg, sizeof msg) ||
        !read_role(root, &cmd->op.role, &found, msg, sizeof msg) ||
        !json_opt_string(root, "login", cmd->op.login, sizeof cmd->op.login, msg, sizeof msg) ||
        !read_password(root, pw, sizeof pw, &password, msg, sizeof msg) ||
        operator_create_prepare(cmd, password, msg, sizeof msg) != KASSA_OK) {
        json_decref(root);
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_decref(root);
    cmd->task.run = operator_create_apply;
    admin_audit_created(&cmd->op.id);
    return admin_submit(req, &cmd->task, operator_created);
}

static enum http_action admin_update_operator(struct http_req *req, int64_t id)
{
    static const char *const names[] = {"name", "role", "disabled", "login", "password", NULL};
    char msg[256], pw[256];
    const char *password = NULL;
    bool found;
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct operator_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        json_decref(root);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    cmd->op.id = id;
    cmd->self = admin_current()->actor.operator_id == id;
    json_t *disabled = json_object_get(root, "disabled");
    if (!json_only_members(root, names, NULL, msg, sizeof msg) ||
        !json_opt_string(root, "name", cmd->op.name, sizeof cmd->op.name, msg, sizeof msg) ||
        !read_role(root, &cmd->op.role, &found, msg, sizeof msg) ||
        !json_opt_string(root, "login", cmd->op.login, sizeof cmd->op.login, msg, sizeof msg) ||
        !read_password(root, pw, sizeof pw, &password, msg, sizeof msg))
        goto refuse;
    if (found)
        cmd->set |= OPERATOR_SET_ROLE;
    if (json_object_get(root, "name") != NULL) {
        if (cmd->op.name[0] == '\0') {
            snprintf(msg, sizeof msg, "name: must not be empty");
            goto refuse;
        }
        cmd->set |= OPERATOR_SET_NAME;
    }
    if (disabled != NULL) {
        if (!json_is_boolean(disabled)) {
            snprintf(msg, sizeof msg, "disabled: expected true or false");
            goto refuse;
        }
        cmd->op.disabled = json_is_true(disabled);
        cmd->set |= OPERATOR_SET_DISABLED;
    }
    if (json_object_get(root, "login") != NULL || password != NULL) {
        struct operator_cmd probe = {.op = cmd->op};
        probe.op.role = ROLE_VIEWER;
        core_copy(probe.op.name, sizeof probe.op.name, "-");
        if (operator_create_prepare(&probe, password, msg, sizeof msg) != KASSA_OK)
            goto refuse;
        core_copy(cmd->op.password_hash, sizeof cmd->op.password_hash, probe.op.password_hash);
        cmd->set |= OPERATOR_SET_PASSWORD;
    }
    if (cmd->set == 0) {
        snprintf(msg, sizeof msg,
                 "nothing to change: give any of name, role, disabled, login "
                 "and password");
        goto refuse;
    }
    json_decref(root);
    cmd->task.run = operator_update_apply;
    return admin_submit(req, &cmd->task, operator_updated);
refuse:
    json_decref(root);
    reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

static enum http_action admin_get_operator(struct http_req *req, int64_t id)
{
    struct operator op;
    kassa_err err = query_operator(id, &op);
    if (err != KASSA_OK) {
        refuse_store_error(req, err, "Operator");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, 4096);
    render_operator(&w, &op);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static const char *const page_args[] = {"limit", "cursor", "order", NULL};

static bool page_operator(void *arg, const struct operator* op)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_operator(p->w, op);
    p->last_id = op->id;
    return true;
}

static enum http_action admin_list_operators(struct http_req *req)
{
    int limit;
    int64_t after;
    bool asc;
    if (!list_args(req, page_args, "operators are listed with limit, cursor and order", &limit,
                   &after, &asc))
        return HTTP_DONE;
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = limit};
    kassa_err err = query_operators_list(after, asc, limit + 1, page_operator, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

/* ---- tokens -------------------------------------------------------------- */

struct token_write {
    struct token_cmd cmd;
    char token[OP_TOKEN_SIZE]; /* the new token, shown in this answer only */
};

static void token_created(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct token_write *tw = container_of(task, struct token_write, cmd.task);
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "operator %lld is switched off", (long long)tw->cmd.t.operator_id);
        return;
    }
    if (err != KASSA_OK) {
        refuse_store_error(req, err, "Operator");
        return;
    }
    log_info("operator token issued", "operator_id=%lld token_id=%lld",
             (long long)tw->cmd.t.operator_id, (long long)tw->cmd.t.id);
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kint(&w, "id", tw->cmd.t.id);
    jw_kint(&w, "operator_id", tw->cmd.t.operator_id);
    jw_kstr(&w, "name", tw->cmd.t.name);
    jw_kstr(&w, "token", tw->token);
    jw_obj_end(&w);
    /* The token is a secret: its memory does not outlive the answer. */
    explicit_bzero(tw->token, sizeof tw->token);
    reply_jw(req, 201, &w);
}

static enum http_action admin_create_token(struct http_req *req, int64_t operator_id)
{
    static const char *const names[] = {"name", NULL};
    char msg[256];
    json_t *root = req->body_len > 0 ? parse_json_object(req, msg, sizeof msg) : json_object();
    if (root == NULL) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct token_write *tw = arena_calloc(&req->arena, sizeof *tw);
    if (tw == NULL || !json_only_members(root, names, NULL, msg, sizeof msg) ||
        !json_opt_string(root, "name", tw->cmd.t.name, sizeof tw->cmd.t.name, msg, sizeof msg)) {
        json_decref(root);
        if (tw == NULL)
            reply_error(req, 500, "Internal server error");
        else
            reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_decref(root);
    tw->cmd.t.operator_id = operator_id;
    operator_token_new(tw->token, tw->cmd.t.hash);
    tw->cmd.task.run = token_create_apply;
    admin_audit_created(&tw->cmd.t.id);
    return admin_submit(req, &tw->cmd.task, token_created);
}

static void token_revoked(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct token_cmd *cmd = container_of(task, struct token_cmd, task);
    if (err != KASSA_OK) {
        refuse_store_error(req, err, "Token");
        return;
    }
    log_info("operator token revoked", "token_id=%lld", (long long)cmd->t.id);
    struct jw w;
    jw_init(&w, 4096);
    render_token(&w, &cmd->t);
    reply_jw(req, 200, &w);
}

static enum http_action admin_revoke_token(struct http_req *req, int64_t id)
{
    struct token_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    const struct op_actor *a = &admin_current()->actor;
    cmd->t.id = id;
    /* Without the right to manage operators, only one's own tokens. */
    if (!role_may(a->role, PERM_OPERATORS))
        cmd->only_operator = a->operator_id;
    cmd->task.run = token_revoke_apply;
    return admin_submit(req, &cmd->task, token_revoked);
}

static bool page_token(void *arg, const struct op_token *t)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    render_token(p->w, t);
    p->last_id = t->id;
    return true;
}

static enum http_action admin_list_tokens(struct http_req *req, int64_t operator_id)
{
    int limit;
    int64_t after;
    bool asc;
    struct operator op;
    if (!list_args(req, page_args, "tokens are listed with limit, cursor and order", &limit, &after,
                   &asc))
        return HTTP_DONE;
    kassa_err err = query_operator(operator_id, &op);
    if (err != KASSA_OK) {
        refuse_store_error(req, err, "Operator");
        return HTTP_DONE;
    }
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = limit};
    err = query_tokens_list(operator_id, after, asc, limit + 1, page_token, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

/* ---- the audit log ------------------------------------------------------- */

static const char *const audit_args[] = {"limit", "cursor", "order", "actor", "action",
                                         "kind",  "target", "from",  "to",    NULL};

static bool page_audit(void *arg, const struct audit_entry *e)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    char t[32];
    struct jw *w = p->w;
    jw_obj(w);
    jw_kint(w, "id", e->id);
    clock_format(e->at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "at", t);
    if (e->actor_id > 0)
        jw_kint(w, "actor_id", e->actor_id);
    else
        jw_knull(w, "actor_id");
    jw_kstr(w, "actor", e->actor);
    if (e->token_id > 0)
        jw_kint(w, "token_id", e->token_id);
    else
        jw_knull(w, "token_id");
    jw_kstr(w, "action", e->action);
    jw_kstr_or_null(w, "kind", e->target_kind);
    jw_kstr_or_null(w, "target", e->target_id);
    /* Written by the store as JSON objects (store_record_json). */
    jw_key(w, "before");
    if (e->before[0] == '{')
        jw_raw(w, e->before);
    else
        jw_null(w);
    jw_key(w, "after");
    if (e->after[0] == '{')
        jw_raw(w, e->after);
    else
        jw_null(w);
    jw_kstr(w, "request_id", e->request_id);
    jw_kstr(w, "client", e->client);
    jw_obj_end(w);
    p->last_id = e->id;
    return true;
}

static enum http_action admin_list_audit(struct http_req *req)
{
    char msg[256];
    struct audit_filter f = {.actor_id = -1};
    if (!list_args(req, audit_args,
                   "the audit log is listed by actor (an operator id, or 0: the bootstrap "
                   "token), action, kind, target, from and to (with limit, cursor, order)",
                   &f.limit, &f.after_id, &f.asc))
        return HTTP_DONE;
    if (!arg_int(req, "actor", 0, INT64_MAX, &f.actor_id, msg, sizeof msg) ||
        !arg_text(req, "action", f.action, sizeof f.action - 1, msg, sizeof msg) ||
        !arg_text(req, "kind", f.target_kind, sizeof f.target_kind, msg, sizeof msg) ||
        !arg_text(req, "target", f.target_id, sizeof f.target_id, msg, sizeof msg) ||
        !arg_time(req, "from", &f.from, msg, sizeof msg) ||
        !arg_time(req, "to", &f.to, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    size_t n = strlen(f.action);
    if (n > 0 && f.action[n - 1] == '.') {
        /* "shop." lists every shop.* action: [shop., shop/) */
        memcpy(f.action_end, f.action, n + 1);
        f.action_end[n - 1] = '/';
    }
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = f.limit};
    f.limit++;
    kassa_err err = query_audit_list(&f, page_audit, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

/* ---- routing ------------------------------------------------------------- */

enum http_action admin_operators(struct http_req *req, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    const char *rest, *arg;
    int64_t id;
    if (strcmp(p, "/me") == 0 && get)
        return admin_me(req);
    if (strcmp(p, "/audit") == 0 && get)
        return admin_list_audit(req);
    if (strcmp(p, "/operators") == 0) {
        if (post)
            return admin_create_operator(req);
        if (get)
            return admin_list_operators(req);
    }
    if ((arg = path_after(p, "/operators/")) != NULL && path_id(arg, &id, &rest)) {
        if (*rest == '\0' && get)
            return admin_get_operator(req, id);
        if (*rest == '\0' && strcmp(req->method, "PATCH") == 0)
            return admin_update_operator(req, id);
        if (strcmp(rest, "/tokens") == 0 && post)
            return admin_create_token(req, id);
        if (strcmp(rest, "/tokens") == 0 && get)
            return admin_list_tokens(req, id);
    }
    if ((arg = path_after(p, "/tokens/")) != NULL && path_id(arg, &id, &rest) && *rest == '\0' &&
        strcmp(req->method, "DELETE") == 0)
        return admin_revoke_token(req, id);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
