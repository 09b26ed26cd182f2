/* operators.c: operators, their tokens, the audit log and the records'
 * audit snapshots, over query_rows (one text per statement, sql/). */
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "sql/operators.h"
#include "run.h"
#include "store.h"

/* ---- operators ----------------------------------------------------------- */

kassa_err store_operator_insert(struct store_conn *c, struct operator* op)
{
    struct sql_query *q = store_query_new(SQL_OPERATOR_INSERT);
    if (q != NULL) {
        store_query_text(q, op->name);
        store_query_text(q, op_role_name(op->role));
        store_query_text(q, op->login);
        store_query_text(q, op->password_hash);
        store_query_i64(q, op->created_at);
    }
    op->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &op->id);
    return err == KASSA_OK && op->id == 0 ? KASSA_EIO : err;
}

struct one_operator {
    struct operator* out;
    bool found;
};

static bool operator_found(void *arg, const struct sql_row *r)
{
    struct one_operator *o = arg;
    sql_read_operator(r, 0, o->out);
    o->found = true;
    return false;
}

kassa_err store_operator_get(struct store_conn *c, int64_t id, struct operator* out)
{
    struct sql_query *q = store_query_new(SQL_OPERATOR_BY_ID);
    if (q != NULL)
        store_query_i64(q, id);
    struct one_operator o = {out, false};
    kassa_err err = store_query_run(c, q, operator_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_operator_by_login(struct store_conn *c, const char *login, struct operator* out)
{
    struct sql_query *q = store_query_new(SQL_OPERATOR_BY_LOGIN);
    if (q != NULL)
        store_query_text(q, login);
    struct one_operator o = {out, false};
    kassa_err err = store_query_run(c, q, operator_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_operator_update(struct store_conn *c, const struct operator* op)
{
    struct sql_query *q = store_query_new(SQL_OPERATOR_UPDATE);
    if (q != NULL) {
        store_query_i64(q, op->id);
        store_query_text(q, op->name);
        store_query_text(q, op_role_name(op->role));
        store_query_text(q, op->login);
        store_query_text(q, op->password_hash);
        store_query_i64(q, op->disabled ? 1 : 0);
    }
    return store_query_run(c, q, store_row_none, NULL);
}

struct operator_visit {
    store_operator_fn fn;
    void *arg;
};

static bool operator_row(void *arg, const struct sql_row *r)
{
    struct operator_visit *v = arg;
    struct operator op;
    sql_read_operator(r, 0, &op);
    return v->fn(v->arg, &op);
}

kassa_err store_operators_list(struct store_conn *c, int64_t after_id, bool asc, int limit,
                               store_operator_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q != NULL)
        sql_operators_list(after_id, asc, limit, q);
    struct operator_visit v = {fn, arg};
    return store_query_run(c, q, operator_row, &v);
}

/* ---- tokens -------------------------------------------------------------- */

kassa_err store_token_insert(struct store_conn *c, struct op_token *t)
{
    struct sql_query *q = store_query_new(SQL_TOKEN_INSERT);
    if (q != NULL) {
        store_query_i64(q, t->operator_id);
        store_query_text(q, t->name);
        store_query_text(q, t->hash);
        store_query_i64(q, t->created_at);
    }
    t->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &t->id);
    return err == KASSA_OK && t->id == 0 ? KASSA_EIO : err;
}

struct one_token {
    struct op_token *t;
    struct operator* op;
    bool found;
};

static bool token_found(void *arg, const struct sql_row *r)
{
    struct one_token *o = arg;
    sql_read_token(r, 0, o->t);
    if (o->op != NULL)
        sql_read_operator(r, SQL_TOKEN_OPERATOR_AT, o->op);
    o->found = true;
    return false;
}

kassa_err store_token_get(struct store_conn *c, int64_t id, struct op_token *out)
{
    struct sql_query *q = store_query_new(SQL_TOKEN_BY_ID);
    if (q != NULL)
        store_query_i64(q, id);
    struct one_token o = {out, NULL, false};
    kassa_err err = store_query_run(c, q, token_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_token_by_hash(struct store_conn *c, const char *hash, struct op_token *t,
                              struct operator* op)
{
    struct sql_query *q = store_query_new(SQL_TOKEN_BY_HASH);
    if (q != NULL)
        store_query_text(q, hash);
    struct one_token o = {t, op, false};
    kassa_err err = store_query_run(c, q, token_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_token_set(struct store_conn *c, int64_t id, bool revoke, int64_t at)
{
    struct sql_query *q = store_query_new(revoke ? SQL_TOKEN_REVOKE : SQL_TOKEN_TOUCH);
    if (q != NULL) {
        store_query_i64(q, id);
        store_query_i64(q, at);
    }
    return store_query_run(c, q, store_row_none, NULL);
}

struct token_visit {
    store_token_fn fn;
    void *arg;
};

static bool token_row(void *arg, const struct sql_row *r)
{
    struct token_visit *v = arg;
    struct op_token t;
    sql_read_token(r, 0, &t);
    return v->fn(v->arg, &t);
}

kassa_err store_tokens_list(struct store_conn *c, int64_t operator_id, int64_t after_id, bool asc,
                            int limit, store_token_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q != NULL)
        sql_tokens_list(operator_id, after_id, asc, limit, q);
    struct token_visit v = {fn, arg};
    return store_query_run(c, q, token_row, &v);
}

/* ---- failed authentications of every node --------------------------------- */

kassa_err store_auth_failures_add(struct store_conn *c, const char *key, int64_t window_start,
                                  int count)
{
    struct sql_query *q = store_query_new(SQL_AUTH_FAILURES_ADD);
    if (q != NULL) {
        store_query_text(q, key);
        store_query_i64(q, window_start);
        store_query_i64(q, count);
    }
    return store_query_run(c, q, store_row_none, NULL);
}

struct locked_visit {
    bool (*fn)(void *arg, const char *key);
    void *arg;
};

static bool locked_row(void *arg, const struct sql_row *r)
{
    struct locked_visit *v = arg;
    char key[128];
    r->ops->text(r, 0, key, sizeof key);
    return v->fn(v->arg, key);
}

kassa_err store_auth_failures_locked(struct store_conn *c, int64_t window_start, int limit,
                                     bool (*fn)(void *arg, const char *key), void *arg)
{
    struct sql_query *q = store_query_new(SQL_AUTH_FAILURES_LOCKED);
    if (q != NULL) {
        store_query_i64(q, window_start);
        store_query_i64(q, limit);
    }
    struct locked_visit v = {fn, arg};
    return store_query_run(c, q, locked_row, &v);
}

kassa_err store_auth_failures_prune(struct store_conn *c, int64_t before)
{
    struct sql_query *q = store_query_new(SQL_AUTH_FAILURES_PRUNE);
    if (q != NULL)
        store_query_i64(q, before);
    return store_query_run(c, q, store_row_none, NULL);
}

/* ---- the audit log ------------------------------------------------------- */

kassa_err store_audit_insert(struct store_conn *c, const struct audit_entry *e)
{
    struct sql_query *q = store_query_new(SQL_AUDIT_INSERT);
    if (q != NULL) {
        store_query_i64(q, e->at);
        store_query_i64(q, e->actor_id);
        store_query_text(q, e->actor);
        store_query_i64(q, e->token_id);
        store_query_text(q, e->action);
        store_query_text(q, e->target_kind);
        store_query_text(q, e->target_id);
        store_query_text(q, e->before);
        store_query_text(q, e->after);
        store_query_text(q, e->request_id);
        store_query_text(q, e->client);
    }
    return store_query_run(c, q, store_row_none, NULL);
}

struct audit_visit {
    store_audit_fn fn;
    void *arg;
    struct audit_entry e; /* large: one per list */
};

static bool audit_row(void *arg, const struct sql_row *r)
{
    struct audit_visit *v = arg;
    sql_read_audit(r, &v->e);
    return v->fn(v->arg, &v->e);
}

kassa_err store_audit_list(struct store_conn *c, const struct audit_filter *f, store_audit_fn fn,
                           void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    struct audit_visit *v = malloc(sizeof *v);
    if (q == NULL || v == NULL) {
        free(q);
        free(v);
        return KASSA_ENOMEM;
    }
    sql_audit_list(f, q);
    v->fn = fn;
    v->arg = arg;
    kassa_err err = store_query_run(c, q, audit_row, v);
    free(v);
    return err;
}

/* ---- records as the audit log shows them --------------------------------- */

/* What a record of a kind looks like in the audit log: its first statement
 * gives the object's members, each further one an array of objects under
 * its key. Columns are "name:type" (i integer, s text, o an order status,
 * w a withdrawal status); secrets (credentials, password and token
 * hashes) are never selected. $1 is the record's id as text. Every
 * setting of a record is selected (a shop's and a requisite's: whatever
 * PATCH changes), so a change of any one shows as that field. */
struct snap_stmt {
    const char *key; /* NULL: the object's own members */
    const char *sql;
    const char *cols;
};

struct snap_kind {
    const char *kind;
    struct snap_stmt stmts[4];
};

static const struct snap_kind snap_kinds[] = {
    {"shop",
     {{NULL,
       "SELECT id, merchant_id, name, url, callback_url, fee_percent, active, form_hosts, "
       "rate_limit, rate_burst, amount_adjust_max, dispute_ttl, dispute_callbacks, "
       "dispute_auto_success, test_mode, logo_url, brand_color FROM shops WHERE id = CAST($1 AS "
       "BIGINT)",
       "id:i,merchant_id:i,name:s,url:s,callback_url:s,fee_percent:s,active:i,allowed_hosts:s,"
       "rate_limit:i,rate_burst:i,amount_adjust_max:i,dispute_ttl:i,dispute_callbacks:i,"
       "dispute_auto_success:i,test_mode:i,logo_url:s,brand_color:s"},
      {"dialects",
       "SELECT dialect, order_ttl, callback_format, strict_signing, old_valid_until FROM "
       "shop_dialects WHERE shop_id = CAST($1 AS BIGINT) ORDER BY dialect",
       "dialect:s,order_ttl:i,callback_format:s,strict_signing:i,old_valid_until:i"},
      {"fee_fixed",
       "SELECT currency, fixed FROM shop_fees WHERE shop_id = CAST($1 AS BIGINT) ORDER BY "
       "currency",
       "currency:s,fixed:i"},
      {"methods",
       "SELECT method_id, enabled FROM shop_methods WHERE shop_id = CAST($1 AS BIGINT) ORDER BY "
       "method_id",
       "method_id:i,enabled:i"}}},
    {"requisite",
     {{NULL,
       "SELECT id, type, value, owner_full_name, bank_code, bank_name_ru, bank_name_en, "
       "currency, country_code, bic, corr_account, active, paused, trader_id, device_id, "
       "min_amount, max_amount, daily_amount, daily_count, max_pending FROM requisites WHERE id "
       "= CAST($1 AS BIGINT)",
       "id:i,type:s,requisite:s,owner_full_name:s,bank_code:s,bank_name_ru:s,bank_name_en:s,"
       "currency:s,country_code:s,bic:s,corr_account:s,active:i,paused:i,trader_id:i,"
       "device_id:i,min_amount:i,max_amount:i,daily_amount:i,daily_count:i,max_pending:i"}}},
    {"order",
     {{NULL,
       "SELECT id, uuid, shop_id, status, amount, currency, fee, requisite_id, "
       "confirmed_by_customer, paid_at, amount_received, amount_usdt, reversed_at FROM orders "
       "WHERE id = CAST($1 AS BIGINT)",
       "id:i,uuid:s,shop_id:i,status:o,amount:i,currency:s,fee:i,requisite_id:i,"
       "confirmed_by_customer:i,paid_at:i,amount_received:i,amount_usdt:i,reversed_at:i"}}},
    {"withdrawal",
     {{NULL,
       "SELECT id, shop_id, payment_id, currency, amount, fee, account, status, completed_at "
       "FROM withdrawals WHERE id = CAST($1 AS BIGINT)",
       "id:i,shop_id:i,payment_id:s,currency:s,amount:i,fee:i,account:s,status:w,"
       "completed_at:i"}}},
    {"callback",
     {{NULL,
       "SELECT id, order_id, url, state, attempts, next_attempt_at FROM callbacks WHERE id = "
       "CAST($1 AS BIGINT)",
       "id:i,order_id:i,url:s,state:s,attempts:i,next_attempt_at:i"}}},
    {"rate",
     {{NULL, "SELECT base, quote, rate, updated_at FROM rates WHERE base || '-' || quote = $1",
       "from:s,to:s,rate:s,updated_at:i"}}},
    {"operator",
     {{NULL,
       "SELECT id, name, role, COALESCE(login, ''), disabled, CASE WHEN password_hash = '' "
       "THEN 0 ELSE 1 END FROM operators WHERE id = CAST($1 AS BIGINT)",
       "id:i,name:s,role:s,login:s,disabled:i,has_password:i"}}},
    {"token",
     {{NULL,
       "SELECT id, operator_id, name, created_at, revoked_at FROM operator_tokens WHERE id = "
       "CAST($1 AS BIGINT)",
       "id:i,operator_id:i,name:s,created_at:i,revoked_at:i"}}},
    {"trader",
     {{NULL,
       "SELECT id, name, verified_name, reward_bps, currency, active, online FROM traders WHERE "
       "id = CAST($1 AS BIGINT)",
       "id:i,name:s,verified_name:s,reward_bps:i,currency:s,active:i,online:i"},
      {"balances",
       "SELECT kind, currency, balance FROM accounts WHERE shop_id = CAST($1 AS BIGINT) AND kind "
       "IN ('trader_available', 'trader_reserved') ORDER BY kind, currency",
       "kind:s,currency:s,balance:i"}}},
    {"merchant_user",
     {{NULL,
       "SELECT u.id, u.merchant_id, u.name, COALESCE(l.login, ''), u.disabled FROM "
       "merchant_users u LEFT JOIN logins l ON l.kind = 'merchant' AND l.principal_id = u.id "
       "WHERE u.id = CAST($1 AS BIGINT)",
       "id:i,merchant_id:i,name:s,login:s,disabled:i"}}},
    {"device",
     {{NULL,
       "SELECT id, trader_id, name, created_at, last_seen, revoked_at FROM devices WHERE id = "
       "CAST($1 AS BIGINT)",
       "id:i,trader_id:i,name:s,created_at:i,last_seen:i,revoked_at:i"}}},
    {"bank_message",
     {{NULL,
       "SELECT id, device_id, trader_id, event_id, state, reason, amount, currency, order_id, "
       "matched_by FROM bank_messages WHERE id = CAST($1 AS BIGINT)",
       "id:i,device_id:i,trader_id:i,event_id:s,state:s,reason:s,amount:i,currency:s,order_id:i,"
       "matched_by:s"}}},
    {"dispute",
     {{NULL,
       "SELECT id, uuid, order_id, status, awaiting, amount, reject_reason, deadline, paused_at, "
       "pause_duration, reopened_at, amount_received FROM disputes WHERE uuid = $1",
       "id:i,uuid:s,order_id:i,status:s,awaiting:s,amount:i,reject_reason:s,deadline:i,"
       "paused_at:i,pause_duration:i,reopened_at:i,amount_received:i"}}},
    {"setting", {{NULL, "SELECT name, value FROM settings WHERE name = $1", "name:s,value:s"}}},
};

struct snap_visit {
    struct jw *w;
    const char *cols;
    int rows;
    bool array;
};

static bool snap_row(void *arg, const struct sql_row *r)
{
    struct snap_visit *v = arg;
    if (v->array)
        jw_obj(v->w);
    const char *p = v->cols;
    for (int col = 0; *p != '\0'; col++) {
        const char *colon = strchr(p, ':');
        const char *end = strchr(p, ',');
        if (colon == NULL)
            break;
        char name[64];
        size_t n = (size_t)(colon - p) < sizeof name - 1 ? (size_t)(colon - p) : sizeof name - 1;
        memcpy(name, p, n);
        name[n] = '\0';
        char type = colon[1];
        jw_key(v->w, name);
        if (r->ops->null(r, col)) {
            jw_null(v->w);
        } else if (type == 'i') {
            jw_int(v->w, (long long)r->ops->i64(r, col));
        } else if (type == 'o') {
            jw_str(v->w, order_status_name((enum order_status)r->ops->i64(r, col)));
        } else if (type == 'w') {
            jw_str(v->w, withdrawal_status_name((int)r->ops->i64(r, col)));
        } else {
            char text[2048];
            r->ops->text(r, col, text, sizeof text);
            jw_str(v->w, text);
        }
        p = end != NULL ? end + 1 : colon + strlen(colon);
    }
    if (v->array)
        jw_obj_end(v->w);
    v->rows++;
    return v->array;
}

kassa_err store_record_json(struct store_conn *c, const char *kind, const char *id, char *out,
                            size_t size)
{
    const struct snap_kind *k = NULL;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof snap_kinds / sizeof snap_kinds[0]; i++)
        if (strcmp(snap_kinds[i].kind, kind) == 0)
            k = &snap_kinds[i];
    if (k == NULL || id[0] == '\0')
        return KASSA_ENOTFOUND;
    struct jw w;
    jw_init(&w, size);
    jw_obj(&w);
    kassa_err err = KASSA_OK;
    for (int s = 0; s < 4 && k->stmts[s].sql != NULL && err == KASSA_OK; s++) {
        const struct snap_stmt *st = &k->stmts[s];
        struct snap_visit v = {&w, st->cols, 0, st->key != NULL};
        if (v.array) {
            jw_key(&w, st->key);
            jw_arr(&w);
        }
        struct sql_query *q = store_query_new(st->sql);
        if (q != NULL)
            store_query_text(q, id);
        err = store_query_run(c, q, snap_row, &v);
        if (v.array)
            jw_arr_end(&w);
        else if (err == KASSA_OK && v.rows == 0)
            err = KASSA_ENOTFOUND;
    }
    jw_obj_end(&w);
    if (err != KASSA_OK) {
        jw_free(&w);
        return err;
    }
    size_t len = 0;
    char *doc = jw_finish(&w, &len);
    if (doc == NULL)
        return KASSA_ENOMEM; /* larger than size: left out rather than cut */
    memcpy(out, doc, len + 1);
    free(doc);
    return KASSA_OK;
}
