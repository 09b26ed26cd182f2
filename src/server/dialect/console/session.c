/* session.c: the console's sign-in and sessions, under /console/api/
 * (the rules are core/login.h's; the cookie's principal dialect/session.h):
 *
 *   POST   /console/api/session       {"login", "password", "totp"?} -> the
 *                                     session, and its cookie
 *   GET    /console/api/session       the session (a fresh read)
 *   DELETE /console/api/session       sign out (X-CSRF-Token)
 *   POST   /console/api/totp/setup    -> {"secret", "otpauth_uri"}
 *   POST   /console/api/totp/enable   {"code"}
 *   POST   /console/api/totp/disable  {"code"}
 *
 * Every answer is JSON, no-store, errors {"error": "..."}; a refused
 * sign-in says the same for an unknown login and a wrong password. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/log.h"
#include "base/totp.h"
#include "console.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "dialect/session.h"

#define WRONG_MSG "wrong login or password"

/* The session's JSON (the sign-in's and GET's). */
static void render_session(struct http_req *req, const struct principal *p, const char *csrf,
                           const struct login *l)
{
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kstr(&w, "kind", login_kind_name(p->kind));
    jw_kint(&w, "id", p->id);
    jw_kstr(&w, "name", p->name);
    if (p->kind == LOGIN_OPERATOR)
        jw_kstr(&w, "role", op_role_name(p->role));
    if (p->kind == LOGIN_MERCHANT)
        jw_kint(&w, "merchant_id", p->merchant_id);
    if (p->kind == LOGIN_TRADER)
        jw_kint(&w, "trader_id", p->id);
    jw_kstr(&w, "login", l->login);
    jw_kstr(&w, "csrf", csrf);
    jw_kbool(&w, "totp_enabled", l->totp_secret[0] != '\0');
    jw_kstr(&w, "lang", strcmp(l->lang, "ru") == 0 ? "ru" : "en");
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
}

static void set_cookie(struct http_req *req, const char *token, int max_age)
{
    char v[256];
    snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", CONSOLE_COOKIE,
             token, max_age, dialect_settings()->secure_cookies ? "; Secure" : "");
    http_add_header(req, "Set-Cookie", v);
}

/* {"error": msg, "totp_required": true} with 401. */
static void reply_totp(struct http_req *req, const char *msg)
{
    struct jw w;
    jw_init(&w, 256);
    jw_obj(&w);
    jw_kstr(&w, "error", msg);
    jw_kbool(&w, "totp_required", true);
    jw_obj_end(&w);
    reply_jw(req, 401, &w);
}

/* ---- sign in ------------------------------------------------------------- */

static void signed_in(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct signin_cmd *cmd = container_of(task, struct signin_cmd, task);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    switch (cmd->outcome) {
    case SIGNIN_OK:
        log_info("console sign-in", "kind=%s id=%lld", login_kind_name(cmd->p.kind),
                 (long long)cmd->p.id);
        set_cookie(req, cmd->token, SESSION_MAX_S);
        explicit_bzero(cmd->token, sizeof cmd->token);
        render_session(req, &cmd->p, cmd->s.csrf, &cmd->l);
        return;
    case SIGNIN_TOTP_REQUIRED:
        reply_totp(req, "one-time code required");
        return;
    case SIGNIN_TOTP_WRONG:
        log_warn("console sign-in: wrong one-time code", "client=%s", cmd->addr);
        reply_totp(req, "wrong one-time code");
        return;
    case SIGNIN_WRONG:
        break;
    }
    log_warn("console sign-in failed", "client=%s", cmd->addr);
    reply_error(req, 401, WRONG_MSG);
}

/* A member that must be a string of at most size - 1 bytes (required:
 * absent is an error too). */
static bool member_text(json_t *root, const char *key, bool required, char *dst, size_t size,
                        char *msg, size_t msglen)
{
    json_t *v = json_object_get(root, key);
    dst[0] = '\0';
    if (v == NULL && !required)
        return true;
    if (v == NULL || !json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) >= size) {
        snprintf(msg, msglen, "%s: expected a string of 1 to %zu characters", key, size - 1);
        return false;
    }
    core_copy(dst, size, json_string_value(v));
    return true;
}

static enum http_action sign_in(struct http_req *req)
{
    static const char *const names[] = {"login", "password", "totp", NULL};
    char msg[256], password[256], code[16];
    struct signin_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    json_t *root = parse_json_object(req, msg, sizeof msg);
    if (root == NULL || !json_only_members(root, names, NULL, msg, sizeof msg) ||
        !member_text(root, "login", true, cmd->login, LOGIN_MAX + 1, msg, sizeof msg) ||
        !member_text(root, "password", true, password, sizeof password, msg, sizeof msg) ||
        !member_text(root, "totp", false, code, sizeof code, msg, sizeof msg)) {
        json_decref(root);
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    json_decref(root);
    http_client_addr(req, cmd->addr, sizeof cmd->addr);
    int retry = 1;
    kassa_err err;
    if (signin_locked(cmd->login, cmd->addr, &retry, &err)) {
        char s[16];
        snprintf(s, sizeof s, "%d", retry);
        http_add_header(req, "Retry-After", s);
        log_warn("console sign-in refused: too many attempts", "client=%s", cmd->addr);
        reply_error(req, 429, "too many sign-in attempts, try again later");
        return HTTP_DONE;
    }
    if (err == KASSA_OK)
        err = signin_prepare(cmd, password, code[0] != '\0' ? code : NULL);
    explicit_bzero(password, sizeof password);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    return submit_and_render(req, &cmd->task, signed_in);
}

/* ---- the session --------------------------------------------------------- */

/* The session of req (any kind); false after answering 401, 403 or 503. */
static bool session_of(struct http_req *req, struct console_principal *cp)
{
    char msg[128];
    int status = console_principal_of(req, CONSOLE_ANY, cp, msg, sizeof msg);
    if (status != 0)
        reply_error(req, status, "%s", msg);
    return status == 0;
}

static enum http_action show_session(struct http_req *req)
{
    struct console_principal cp;
    struct principal p;
    struct login l;
    if (!session_of(req, &cp))
        return HTTP_DONE;
    kassa_err err = principal_get((enum login_kind)cp.kind, cp.user_id, &p);
    if (err == KASSA_OK)
        err = session_login_of((enum login_kind)cp.kind, cp.user_id, &l);
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 401, "not signed in");
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else
        render_session(req, &p, cp.csrf, &l);
    return HTTP_DONE;
}

static void signed_out(struct http_req *req, struct store_task *task, kassa_err err)
{
    (void)task;
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    set_cookie(req, "", 0);
    http_reply(req, 204, NULL, NULL, 0);
}

static enum http_action sign_out(struct http_req *req)
{
    struct console_principal cp;
    if (!session_of(req, &cp))
        return HTTP_DONE;
    struct session_end_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    core_copy(cmd->hash, sizeof cmd->hash, cp.token_hash);
    cmd->task.run = session_end_apply;
    return submit_and_render(req, &cmd->task, signed_out);
}

/* ---- TOTP ---------------------------------------------------------------- */

static void totp_done(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct totp_cmd *cmd = container_of(task, struct totp_cmd, task);
    if (err == KASSA_ESTATE) {
        reply_error(req, 409, "%s",
                    cmd->action == TOTP_SETUP ? "the one-time code is on already; turn it off first"
                    : cmd->action == TOTP_ENABLE
                        ? "no one-time code secret set up: call setup first"
                        : "the one-time code is off");
        return;
    }
    if (err == KASSA_EINVAL) {
        reply_error(req, 400, "wrong one-time code");
        return;
    }
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 401, "not signed in");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    struct jw w;
    jw_init(&w, 1024);
    jw_obj(&w);
    if (cmd->action == TOTP_SETUP) {
        char uri[256];
        snprintf(uri, sizeof uri, "otpauth://totp/kassa:%s?secret=%s&issuer=kassa", cmd->login,
                 cmd->secret);
        jw_kstr(&w, "secret", cmd->secret);
        jw_kstr(&w, "otpauth_uri", uri);
    } else {
        jw_kbool(&w, "totp_enabled", cmd->action == TOTP_ENABLE);
    }
    jw_obj_end(&w);
    log_info("console one-time code changed", "kind=%s id=%lld action=%s",
             login_kind_name(cmd->kind), (long long)cmd->principal_id,
             cmd->action == TOTP_SETUP    ? "setup"
             : cmd->action == TOTP_ENABLE ? "enable"
                                          : "disable");
    reply_jw(req, 200, &w);
}

static enum http_action totp(struct http_req *req, enum totp_action action)
{
    static const char *const names[] = {"code", NULL};
    struct console_principal cp;
    char msg[256];
    if (!session_of(req, &cp))
        return HTTP_DONE;
    struct totp_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (action != TOTP_SETUP) {
        json_t *root = parse_json_object(req, msg, sizeof msg);
        if (root == NULL || !json_only_members(root, names, NULL, msg, sizeof msg) ||
            !member_text(root, "code", true, cmd->code, sizeof cmd->code, msg, sizeof msg)) {
            json_decref(root);
            reply_error(req, 400, "%s", msg);
            return HTTP_DONE;
        }
        json_decref(root);
    } else {
        totp_secret_new(cmd->secret);
    }
    cmd->action = action;
    cmd->kind = (enum login_kind)cp.kind;
    cmd->principal_id = cp.user_id;
    cmd->task.run = totp_apply;
    return submit_and_render(req, &cmd->task, totp_done);
}

/* ---- routing ------------------------------------------------------------- */

enum http_action console_api_handle(struct http_req *req)
{
    console_security_headers(req);
    http_add_header(req, "Cache-Control", "no-store");
    const char *m = req->method;
    bool post = strcmp(m, "POST") == 0;
    if (strcmp(req->path, "/console/api/session") == 0) {
        if (post)
            return sign_in(req);
        if (strcmp(m, "GET") == 0)
            return show_session(req);
        if (strcmp(m, "DELETE") == 0)
            return sign_out(req);
        http_add_header(req, "Allow", "GET, POST, DELETE");
        reply_error(req, 405, "Method not allowed");
        return HTTP_DONE;
    }
    static const struct {
        const char *path;
        enum totp_action action;
    } totps[] = {
        {"/console/api/totp/setup", TOTP_SETUP},
        {"/console/api/totp/enable", TOTP_ENABLE},
        {"/console/api/totp/disable", TOTP_DISABLE},
    };
    for (size_t i = 0; i < sizeof totps / sizeof totps[0]; i++)
        if (strcmp(req->path, totps[i].path) == 0) {
            if (post)
                return totp(req, totps[i].action);
            http_add_header(req, "Allow", "POST");
            reply_error(req, 405, "Method not allowed");
            return HTTP_DONE;
        }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
