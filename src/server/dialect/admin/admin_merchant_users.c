/* admin_merchant_users.c: a merchant's users, who sign in to the console
 * (core/login.h):
 *
 *   POST  /admin/v1/merchants/{merchant_id}/users       {"name", "login", "password"}
 *   GET   /admin/v1/merchants/{merchant_id}/users       {"items": [...]}
 *   PATCH /admin/v1/merchants/{merchant_id}/users/{id}  {"name"?, "disabled"?, "password"?}
 *
 * A user is {"id", "merchant_id", "name", "login", "disabled",
 * "created_at"}; never a password. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_auth.h"
#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/login.h"
#include "dialect/reply.h"

static void render_user(struct jw *w, const struct merchant_user *u)
{
    char t[32];
    jw_obj(w);
    jw_kint(w, "id", u->id);
    jw_kint(w, "merchant_id", u->merchant_id);
    jw_kstr(w, "name", u->name);
    jw_kstr_or_null(w, "login", u->login);
    jw_kbool(w, "disabled", u->disabled != 0);
    clock_format(u->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "created_at", t);
    jw_obj_end(w);
}

static void user_written(struct http_req *req, struct store_task *task, kassa_err err, int status)
{
    struct merchant_user_cmd *cmd = container_of(task, struct merchant_user_cmd, task);
    if (err == KASSA_EEXIST) {
        reply_error(req, 409, "login: '%s' is taken", cmd->u.login);
        return;
    }
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, status == 201 ? "Merchant not found" : "Merchant user not found");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info(status == 201 ? "merchant user created" : "merchant user changed",
             "merchant_id=%lld user_id=%lld", (long long)cmd->u.merchant_id, (long long)cmd->u.id);
    struct jw w;
    jw_init(&w, 1024);
    render_user(&w, &cmd->u);
    reply_jw(req, status, &w);
}

static void user_created(struct http_req *req, struct store_task *task, kassa_err err)
{
    user_written(req, task, err, 201);
}

static void user_updated(struct http_req *req, struct store_task *task, kassa_err err)
{
    user_written(req, task, err, 200);
}

/* "password" (required or not) through the one rule into cmd. */
static bool read_password(json_t *root, bool required, struct merchant_user_cmd *cmd, char *msg,
                          size_t msglen)
{
    char password[256];
    json_t *p = json_object_get(root, "password");
    if (p == NULL && !required)
        return true;
    if (p == NULL || !json_is_string(p) || json_string_length(p) >= sizeof password) {
        snprintf(msg, msglen, "password: %s",
                 p == NULL ? "required" : "expected a string of at most 255 bytes");
        return false;
    }
    core_copy(password, sizeof password, json_string_value(p));
    kassa_err err = login_password_prepare(password, cmd->password_hash, sizeof cmd->password_hash,
                                           msg, msglen);
    explicit_bzero(password, sizeof password);
    cmd->set |= MERCHANT_USER_SET_PASSWORD;
    return err == KASSA_OK;
}

static enum http_action create_user(struct http_req *req, int64_t merchant_id)
{
    static const char *const names[] = {"name", "login", "password", NULL};
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    struct merchant_user_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (root == NULL || cmd == NULL)
        goto refuse;
    cmd->u.merchant_id = merchant_id;
    if (!json_only_members(root, names, "a merchant user takes name, login and password", msg,
                           sizeof msg) ||
        !json_opt_string(root, "name", cmd->u.name, sizeof cmd->u.name, msg, sizeof msg) ||
        !json_opt_string(root, "login", cmd->u.login, sizeof cmd->u.login, msg, sizeof msg))
        goto refuse;
    if (cmd->u.name[0] == '\0') {
        snprintf(msg, sizeof msg, "name: required");
        goto refuse;
    }
    if (!login_valid(cmd->u.login, msg, sizeof msg) ||
        !read_password(root, true, cmd, msg, sizeof msg))
        goto refuse;
    json_decref(root);
    cmd->task.run = merchant_user_create_apply;
    admin_audit_created(&cmd->u.id);
    return admin_submit(req, &cmd->task, user_created);
refuse:
    json_decref(root);
    if (cmd == NULL)
        reply_error(req, 500, "Internal server error");
    else
        reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

static enum http_action update_user(struct http_req *req, int64_t merchant_id, int64_t id)
{
    static const char *const names[] = {"name", "disabled", "login", "password", NULL};
    char msg[256];
    json_t *root = parse_json_object(req, msg, sizeof msg);
    struct merchant_user_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (root == NULL || cmd == NULL)
        goto refuse;
    cmd->u.id = id;
    cmd->u.merchant_id = merchant_id;
    json_t *disabled = json_object_get(root, "disabled");
    if (!json_only_members(root, names,
                           "a merchant user update takes name, disabled, login and password", msg,
                           sizeof msg) ||
        !json_opt_string(root, "name", cmd->u.name, sizeof cmd->u.name, msg, sizeof msg) ||
        !json_opt_string(root, "login", cmd->u.login, sizeof cmd->u.login, msg, sizeof msg))
        goto refuse;
    if (json_object_get(root, "name") != NULL) {
        if (cmd->u.name[0] == '\0') {
            snprintf(msg, sizeof msg, "name: must not be empty");
            goto refuse;
        }
        cmd->set |= MERCHANT_USER_SET_NAME;
    }
    if (disabled != NULL) {
        if (!json_is_boolean(disabled)) {
            snprintf(msg, sizeof msg, "disabled: expected true or false");
            goto refuse;
        }
        cmd->u.disabled = json_is_true(disabled);
        cmd->set |= MERCHANT_USER_SET_DISABLED;
    }
    if (json_object_get(root, "login") != NULL) {
        if (json_object_get(root, "password") == NULL) {
            snprintf(msg, sizeof msg, "login: give a password with it");
            goto refuse;
        }
        if (!login_valid(cmd->u.login, msg, sizeof msg))
            goto refuse;
    }
    if (!read_password(root, false, cmd, msg, sizeof msg))
        goto refuse;
    if (cmd->set == 0) {
        snprintf(msg, sizeof msg, "nothing to change: give any of name, disabled and password");
        goto refuse;
    }
    json_decref(root);
    cmd->task.run = merchant_user_update_apply;
    return admin_submit(req, &cmd->task, user_updated);
refuse:
    json_decref(root);
    if (cmd == NULL)
        reply_error(req, 500, "Internal server error");
    else
        reply_error(req, 400, "%s", msg);
    return HTTP_DONE;
}

static bool page_user(void *arg, const struct merchant_user *u)
{
    render_user(arg, u);
    return true;
}

static enum http_action list_users(struct http_req *req, int64_t merchant_id)
{
    struct jw w;
    jw_init(&w, 1 << 20);
    jw_obj(&w);
    jw_key(&w, "items");
    jw_arr(&w);
    kassa_err err = merchant_users_list(merchant_id, page_user, &w);
    if (err == KASSA_ENOTFOUND) {
        jw_free(&w);
        reply_error(req, 404, "Merchant not found");
        return HTTP_DONE;
    }
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    jw_arr_end(&w);
    jw_knull(&w, "next_cursor");
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* A positive decimal id at s; its end in *end. */
static bool read_id(const char *s, int64_t *id, const char **end)
{
    char *e;
    if (*s < '1' || *s > '9')
        return false;
    long long n = strtoll(s, &e, 10);
    *id = n;
    *end = e;
    return n > 0;
}

enum http_action admin_merchant_users(struct http_req *req, const char *p)
{
    const char *arg = path_after(p, "/merchants/"), *rest;
    int64_t merchant_id, id;
    if (arg != NULL && read_id(arg, &merchant_id, &rest)) {
        if (strcmp(rest, "/users") == 0 && strcmp(req->method, "POST") == 0)
            return create_user(req, merchant_id);
        if (strcmp(rest, "/users") == 0 && strcmp(req->method, "GET") == 0)
            return list_users(req, merchant_id);
        if ((arg = path_after(rest, "/users/")) != NULL && read_id(arg, &id, &rest) &&
            *rest == '\0' && strcmp(req->method, "PATCH") == 0)
            return update_user(req, merchant_id, id);
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
