/* claims.c: the requisites' claims and days, and what an order's pick
 * decided (store.h; the rule is provider/requisites.c's), over query_rows:
 * one text per statement for both backends (sql/requisites.h). */
#include "sql/orders.h"
#include "sql/requisites.h"
#include "sql/traders.h"
#include "run.h"
#include "store.h"

static struct sql_query *query2(const char *sql, int64_t a, int64_t b)
{
    struct sql_query *q = store_query_new(sql);
    store_query_i64(q, a);
    store_query_i64(q, b);
    return q;
}

struct day {
    int64_t amount, count;
};

static bool day_row(void *arg, const struct sql_row *r)
{
    struct day *d = arg;
    d->amount = r->ops->i64(r, 0);
    d->count = r->ops->i64(r, 1);
    return false;
}

kassa_err store_requisite_day(struct store_conn *c, int64_t requisite_id, int64_t day,
                              int64_t *amount, int64_t *count)
{
    struct day d = {0, 0};
    kassa_err err = store_query_run(c, query2(SQL_REQUISITE_DAY, requisite_id, day), day_row, &d);
    *amount = d.amount;
    *count = d.count;
    return err;
}

kassa_err store_requisite_day_add(struct store_conn *c, int64_t requisite_id, int64_t day,
                                  int64_t amount, int64_t count)
{
    bool up = amount >= 0 && count >= 0;
    struct sql_query *q =
        query2(up ? SQL_REQUISITE_DAY_ADD : SQL_REQUISITE_DAY_SUB, requisite_id, day);
    store_query_i64(q, amount);
    store_query_i64(q, count);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_order_set_pick(struct store_conn *c, const struct order *o)
{
    struct sql_query *q = query2(SQL_ORDER_SET_PICK, o->id, o->trader_id);
    store_query_i64(q, o->reserve);
    store_query_i64(q, o->amount_requested);
    store_query_text(q, o->no_requisite_reason);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_trader_available(struct store_conn *c, int64_t trader_id, const char *currency,
                                 int64_t *balance)
{
    struct sql_query *q = store_query_new(SQL_TRADER_AVAILABLE);
    store_query_i64(q, trader_id);
    store_query_text(q, currency);
    *balance = 0;
    return store_query_run(c, q, store_row_id, balance);
}

kassa_err store_ledger_lock(struct store_conn *c)
{
    return c->ops->ledger_lock != NULL ? STORE_CALL0(c, ledger_lock) : KASSA_OK;
}
