/* traders.c: traders over query_rows (one text per statement,
 * sql/traders.h). */
#include <stdlib.h>

#include "sql/traders.h"
#include "run.h"
#include "store.h"

kassa_err store_trader_insert(struct store_conn *c, struct trader *t)
{
    struct sql_query *q = store_query_new(SQL_TRADER_INSERT);
    if (q != NULL) {
        store_query_text(q, t->name);
        store_query_text(q, t->verified_name);
        store_query_i64(q, t->reward_bps);
        store_query_text(q, t->currency);
        store_query_text(q, t->api_key);
        store_query_text(q, t->secret);
        store_query_i64(q, t->created_at);
    }
    t->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &t->id);
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
    struct sql_query *q = store_query_new(SQL_TRADER_BY_ID);
    if (q != NULL)
        store_query_i64(q, id);
    struct one_trader o = {out, false};
    kassa_err err = store_query_run(c, q, trader_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_trader_by_api_key(struct store_conn *c, const char *api_key, struct trader *out)
{
    struct sql_query *q = store_query_new(SQL_TRADER_BY_API_KEY);
    if (q != NULL)
        store_query_text(q, api_key);
    struct one_trader o = {out, false};
    kassa_err err = store_query_run(c, q, trader_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_trader_update(struct store_conn *c, const struct trader *t)
{
    struct sql_query *q = store_query_new(SQL_TRADER_UPDATE);
    if (q != NULL) {
        store_query_i64(q, t->id);
        store_query_text(q, t->name);
        store_query_i64(q, t->reward_bps);
        store_query_i64(q, t->active ? 1 : 0);
        store_query_i64(q, t->online ? 1 : 0);
    }
    return store_query_run(c, q, store_row_none, NULL);
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
    return store_query_run(c, q, trader_row, &v);
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
    struct sql_query *q = store_query_new(SQL_TRADER_BALANCES);
    if (q != NULL) {
        store_query_i64(q, trader_id);
        store_query_text(q, currency);
    }
    *out = (struct trader_balances){0};
    return store_query_run(c, q, balances_row, out);
}
