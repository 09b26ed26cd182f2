/* logins.c: console sign-in's rows (logins, merchant users, console
 * sessions, failed sign-ins) over query_rows (one text per statement,
 * sql/logins.h). */
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "sql/logins.h"
#include "store.h"

/* ---- logins -------------------------------------------------------------- */

struct one_login {
    struct login *out;
    bool found;
};

static bool login_found(void *arg, const struct sql_row *r)
{
    struct one_login *o = arg;
    struct login *l = o->out;
    char kind[16];
    r->ops->text(r, 0, l->login, sizeof l->login);
    r->ops->text(r, 1, kind, sizeof kind);
    l->kind = login_kind_parse(kind);
    l->principal_id = r->ops->i64(r, 2);
    r->ops->text(r, 3, l->password_hash, sizeof l->password_hash);
    r->ops->text(r, 4, l->totp_secret, sizeof l->totp_secret);
    r->ops->text(r, 5, l->totp_pending, sizeof l->totp_pending);
    l->totp_last_step = r->ops->i64(r, 6);
    r->ops->text(r, 7, l->lang, sizeof l->lang);
    o->found = true;
    return false;
}

static kassa_err login_run(struct store_conn *c, struct sql_query *q, struct login *out)
{
    struct one_login o = {out, false};
    kassa_err err = store_query_run(c, q, login_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_login_get(struct store_conn *c, const char *login, struct login *out)
{
    struct sql_query *q = store_query_new(SQL_LOGIN_BY_NAME);
    store_query_text(q, login);
    return login_run(c, q, out);
}

kassa_err store_login_of(struct store_conn *c, enum login_kind kind, int64_t id, struct login *out)
{
    struct sql_query *q = store_query_new(SQL_LOGIN_BY_PRINCIPAL);
    store_query_text(q, login_kind_name(kind));
    store_query_i64(q, id);
    return login_run(c, q, out);
}

kassa_err store_login_put(struct store_conn *c, const struct login *l)
{
    struct login cur;
    kassa_err err = store_login_of(c, l->kind, l->principal_id, &cur);
    if (err != KASSA_OK && err != KASSA_ENOTFOUND)
        return err;
    struct sql_query *q = store_query_new(err == KASSA_OK ? SQL_LOGIN_UPDATE : SQL_LOGIN_INSERT);
    if (err == KASSA_OK) {
        store_query_text(q, login_kind_name(l->kind));
        store_query_i64(q, l->principal_id);
        store_query_text(q, l->login);
        store_query_text(q, l->password_hash);
    } else {
        store_query_text(q, l->login);
        store_query_text(q, login_kind_name(l->kind));
        store_query_i64(q, l->principal_id);
        store_query_text(q, l->password_hash);
    }
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_login_remove(struct store_conn *c, enum login_kind kind, int64_t id)
{
    struct sql_query *q = store_query_new(SQL_LOGIN_DELETE);
    store_query_text(q, login_kind_name(kind));
    store_query_i64(q, id);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_login_totp(struct store_conn *c, const struct login *l)
{
    struct sql_query *q = store_query_new(SQL_LOGIN_TOTP);
    store_query_text(q, login_kind_name(l->kind));
    store_query_i64(q, l->principal_id);
    store_query_text(q, l->totp_secret);
    store_query_text(q, l->totp_pending);
    store_query_i64(q, l->totp_last_step);
    return store_query_run(c, q, store_row_none, NULL);
}

/* ---- console sessions ---------------------------------------------------- */

kassa_err store_session_insert(struct store_conn *c, const struct console_session *s)
{
    struct sql_query *q = store_query_new(SQL_SESSION_INSERT);
    store_query_text(q, s->token_hash);
    store_query_text(q, s->csrf);
    store_query_text(q, login_kind_name(s->kind));
    store_query_i64(q, s->principal_id);
    store_query_i64(q, s->created_at);
    store_query_i64(q, s->last_seen);
    store_query_i64(q, s->expires_at);
    return store_query_run(c, q, store_row_none, NULL);
}

struct one_session {
    struct console_session *out;
    bool found;
};

static bool session_found(void *arg, const struct sql_row *r)
{
    struct one_session *o = arg;
    struct console_session *s = o->out;
    char kind[16];
    r->ops->text(r, 0, s->token_hash, sizeof s->token_hash);
    r->ops->text(r, 1, s->csrf, sizeof s->csrf);
    r->ops->text(r, 2, kind, sizeof kind);
    s->kind = login_kind_parse(kind);
    s->principal_id = r->ops->i64(r, 3);
    s->created_at = r->ops->i64(r, 4);
    s->last_seen = r->ops->i64(r, 5);
    s->expires_at = r->ops->i64(r, 6);
    o->found = true;
    return false;
}

kassa_err store_session_get(struct store_conn *c, const char *hash, struct console_session *out)
{
    struct sql_query *q = store_query_new(SQL_SESSION_BY_HASH);
    store_query_text(q, hash);
    struct one_session o = {out, false};
    kassa_err err = store_query_run(c, q, session_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_session_delete(struct store_conn *c, const char *hash)
{
    struct sql_query *q = store_query_new(SQL_SESSION_DELETE);
    store_query_text(q, hash);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_sessions_end(struct store_conn *c, enum login_kind kind, int64_t id)
{
    struct sql_query *q = store_query_new(SQL_SESSIONS_END);
    store_query_text(q, login_kind_name(kind));
    store_query_i64(q, id);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_session_touch(struct store_conn *c, const char *hash, int64_t at)
{
    struct sql_query *q = store_query_new(SQL_SESSION_TOUCH);
    store_query_text(q, hash);
    store_query_i64(q, at);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_sessions_prune(struct store_conn *c, int64_t now, int64_t idle_before)
{
    struct sql_query *q = store_query_new(SQL_SESSIONS_PRUNE);
    store_query_i64(q, now);
    store_query_i64(q, idle_before);
    return store_query_run(c, q, store_row_none, NULL);
}

/* ---- merchant users ------------------------------------------------------ */

kassa_err store_merchant_exists(struct store_conn *c, int64_t id)
{
    struct sql_query *q = store_query_new(SQL_MERCHANT_EXISTS);
    store_query_i64(q, id);
    int64_t found = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &found);
    return err == KASSA_OK && found == 0 ? KASSA_ENOTFOUND : err;
}

kassa_err store_merchant_user_insert(struct store_conn *c, struct merchant_user *u)
{
    struct sql_query *q = store_query_new(SQL_MERCHANT_USER_INSERT);
    store_query_i64(q, u->merchant_id);
    store_query_text(q, u->name);
    store_query_i64(q, u->created_at);
    u->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &u->id);
    return err == KASSA_OK && u->id == 0 ? KASSA_EIO : err;
}

struct user_visit {
    store_merchant_user_fn fn;
    void *arg;
    bool found;
};

static bool user_row(void *arg, const struct sql_row *r)
{
    struct user_visit *v = arg;
    struct merchant_user u;
    u.id = r->ops->i64(r, 0);
    u.merchant_id = r->ops->i64(r, 1);
    r->ops->text(r, 2, u.name, sizeof u.name);
    r->ops->text(r, 3, u.login, sizeof u.login);
    u.disabled = (int)r->ops->i64(r, 4);
    u.created_at = r->ops->i64(r, 5);
    v->found = true;
    return v->fn(v->arg, &u);
}

static bool user_copy(void *arg, const struct merchant_user *u)
{
    *(struct merchant_user *)arg = *u;
    return false;
}

kassa_err store_merchant_user_get(struct store_conn *c, int64_t id, struct merchant_user *out)
{
    struct sql_query *q = store_query_new(SQL_MERCHANT_USER_BY_ID);
    store_query_i64(q, id);
    struct user_visit v = {user_copy, out, false};
    kassa_err err = store_query_run(c, q, user_row, &v);
    return err == KASSA_OK && !v.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_merchant_user_update(struct store_conn *c, const struct merchant_user *u)
{
    struct sql_query *q = store_query_new(SQL_MERCHANT_USER_UPDATE);
    store_query_i64(q, u->id);
    store_query_text(q, u->name);
    store_query_i64(q, u->disabled ? 1 : 0);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_merchant_users_list(struct store_conn *c, int64_t merchant_id,
                                    store_merchant_user_fn fn, void *arg)
{
    struct sql_query *q = store_query_new(SQL_MERCHANT_USERS_LIST);
    store_query_i64(q, merchant_id);
    struct user_visit v = {fn, arg, false};
    return store_query_run(c, q, user_row, &v);
}

/* ---- failed sign-ins ----------------------------------------------------- */

kassa_err store_signin_failure_add(struct store_conn *c, const char *key, int64_t window_start)
{
    struct sql_query *q = store_query_new(SQL_SIGNIN_FAILURES_ADD);
    store_query_text(q, key);
    store_query_i64(q, window_start);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_signin_failures(struct store_conn *c, const char *key, int64_t window_start,
                                int64_t *count)
{
    struct sql_query *q = store_query_new(SQL_SIGNIN_FAILURES_COUNT);
    store_query_text(q, key);
    store_query_i64(q, window_start);
    *count = 0;
    return store_query_run(c, q, store_row_id, count);
}

kassa_err store_signin_failures_prune(struct store_conn *c, int64_t before)
{
    struct sql_query *q = store_query_new(SQL_SIGNIN_FAILURES_PRUNE);
    store_query_i64(q, before);
    return store_query_run(c, q, store_row_none, NULL);
}
