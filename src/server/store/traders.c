/* traders.c: traders over query_rows (one text per statement,
 * sql/traders.h). */
#include <stdlib.h>

#include "sql/traders.h"
#include "store.h"

static struct sql_query *query_new(const char *sql)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q != NULL) {
        q->n = 0;
        q->sql[0] = '\0';
        sql_query_add(q, sql);
    }
    return q;
}

static void param_i64(struct sql_query *q, int64_t v)
{
    q->p[q->n].text = NULL;
    q->p[q->n++].i64 = v;
}

static void param_text(struct sql_query *q, const char *s)
{
    q->p[q->n].text = s;
    q->p[q->n++].i64 = 0;
}

static kassa_err run(struct store_conn *c, struct sql_query *q, store_row_fn fn, void *arg)
{
    if (q == NULL)
        return KASSA_ENOMEM;
    kassa_err err = STORE_CALL(c, query_rows, q, fn, arg);
    free(q);
    return err;
}

static bool no_rows(void *arg, const struct sql_row *r)
{
    (void)arg;
    (void)r;
    return true;
}

static bool read_id(void *arg, const struct sql_row *r)
{
    *(int64_t *)arg = r->ops->i64(r, 0);
    return true;
}

kassa_err store_trader_insert(struct store_conn *c, struct trader *t)
{
    struct sql_query *q = query_new(SQL_TRADER_INSERT);
    if (q != NULL) {
        param_text(q, t->name);
        param_text(q, t->verified_name);
        param_i64(q, t->reward_bps);
        param_text(q, t->currency);
        param_text(q, t->api_key);
        param_text(q, t->secret);
        param_i64(q, t->created_at);
    }
    t->id = 0;
    kassa_err err = run(c, q, read_id, &t->id);
    return err == KASSA_OK && t->id == 0 ? KASSA_EIO : err;
}

struct one_trader {
    struct trader *out;
    bool found;
};

static bool trader_found(void *arg, const struct sql_row *r)
{
    struct one_trader *o = arg;
    sql_read_trader(r, o->out);
    o->found = true;
    return false;
}

kassa_err store_trader_get(struct store_conn *c, int64_t id, struct trader *out)
{
    struct sql_query *q = query_new(SQL_TRADER_BY_ID);
    if (q != NULL)
        param_i64(q, id);
    struct one_trader o = {out, false};
    kassa_err err = run(c, q, trader_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_trader_update(struct store_conn *c, const struct trader *t)
{
    struct sql_query *q = query_new(SQL_TRADER_UPDATE);
    if (q != NULL) {
        param_i64(q, t->id);
        param_text(q, t->name);
        param_i64(q, t->reward_bps);
        param_i64(q, t->active ? 1 : 0);
        param_i64(q, t->online ? 1 : 0);
    }
    return run(c, q, no_rows, NULL);
}

struct trader_visit {
    store_trader_fn fn;
    void *arg;
};

static bool trader_row(void *arg, const struct sql_row *r)
{
    struct trader_visit *v = arg;
    struct trader t;
    sql_read_trader(r, &t);
    return v->fn(v->arg, &t);
}

kassa_err store_traders_list(struct store_conn *c, int64_t after_id, bool asc, int limit,
                             store_trader_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q != NULL)
        sql_traders_list(after_id, asc, limit, q);
    struct trader_visit v = {fn, arg};
    return run(c, q, trader_row, &v);
}

static bool balances_row(void *arg, const struct sql_row *r)
{
    struct trader_balances *b = arg;
    b->available = r->ops->i64(r, 0);
    b->reserved = r->ops->i64(r, 1);
    b->earned = r->ops->i64(r, 2);
    return false;
}

kassa_err store_trader_balances(struct store_conn *c, int64_t trader_id, const char *currency,
                                struct trader_balances *out)
{
    struct sql_query *q = query_new(SQL_TRADER_BALANCES);
    if (q != NULL) {
        param_i64(q, trader_id);
        param_text(q, currency);
    }
    *out = (struct trader_balances){0};
    return run(c, q, balances_row, out);
}
