/* overview.c: what the operator's overview reads (store.h "overview"),
 * over query_rows with sql/overview.h's statements. */
#include <string.h>

#include "run.h"
#include "sql/overview.h"
#include "store.h"

struct minutes_ctx {
    store_overview_minute_fn fn;
    void *arg;
};

static bool minute_row(void *arg, const struct sql_row *r)
{
    struct minutes_ctx *m = arg;
    return m->fn(m->arg, r->ops->i64(r, 0), r->ops->i64(r, 1), r->ops->i64(r, 2));
}

kassa_err store_overview_minutes(struct store_conn *c, int64_t from, store_overview_minute_fn fn,
                                 void *arg)
{
    struct sql_query *q = store_query_new(SQL_OVERVIEW_MINUTES);
    store_query_i64(q, from);
    struct minutes_ctx m = {.fn = fn, .arg = arg};
    return store_query_run(c, q, minute_row, &m);
}

struct shops_ctx {
    store_overview_shop_fn fn;
    void *arg;
};

static bool shop_row(void *arg, const struct sql_row *r)
{
    struct shops_ctx *m = arg;
    struct overview_shop s;
    s.shop_id = r->ops->i64(r, 0);
    r->ops->text(r, 1, s.name, sizeof s.name);
    r->ops->text(r, 2, s.currency, sizeof s.currency);
    s.created = r->ops->i64(r, 3);
    s.completed = r->ops->i64(r, 4);
    s.volume = r->ops->i64(r, 5);
    return m->fn(m->arg, &s);
}

kassa_err store_overview_shops(struct store_conn *c, int64_t from, store_overview_shop_fn fn,
                               void *arg)
{
    struct sql_query *q = store_query_new(SQL_OVERVIEW_SHOPS);
    store_query_i64(q, from);
    struct shops_ctx m = {.fn = fn, .arg = arg};
    return store_query_run(c, q, shop_row, &m);
}

static bool now_row(void *arg, const struct sql_row *r)
{
    struct overview_now *n = arg;
    n->orders_pending = r->ops->i64(r, 0);
    n->payer_paid = r->ops->i64(r, 1);
    n->disputes_open = r->ops->i64(r, 2);
    n->callback_attempts = r->ops->i64(r, 3);
    n->callback_failed = r->ops->i64(r, 4);
    return false;
}

kassa_err store_overview_now(struct store_conn *c, int64_t from, struct overview_now *out)
{
    memset(out, 0, sizeof *out);
    struct sql_query *q = store_query_new(SQL_OVERVIEW_NOW);
    store_query_i64(q, from);
    kassa_err err = store_query_run(c, q, now_row, out);
    if (err == KASSA_OK && c->ops->sql_db_bytes != NULL)
        err =
            store_query_run(c, store_query_new(c->ops->sql_db_bytes), store_row_id, &out->db_bytes);
    return err;
}

static bool count_row(void *arg, const struct sql_row *r)
{
    (void)r;
    (*(int *)arg)++;
    return true;
}

kassa_err store_overview_purge(struct store_conn *c, int64_t before, int *purged)
{
    static const char *const sql[] = {SQL_OVERVIEW_PURGE_ORDERS, SQL_OVERVIEW_PURGE_CALLBACKS};
    kassa_err err = KASSA_OK;
    *purged = 0;
    for (size_t i = 0; i < sizeof sql / sizeof sql[0] && err == KASSA_OK; i++) {
        struct sql_query *q = store_query_new(sql[i]);
        if (q != NULL)
            store_query_i64(q, before);
        err = store_query_run(c, q, count_row, purged);
    }
    return err;
}

static bool i64_row(void *arg, const struct sql_row *r)
{
    *(int64_t *)arg = r->ops->i64(r, 0);
    return false;
}

kassa_err store_overview_fold(struct store_conn *c, int64_t until, int64_t *from)
{
    *from = -1;
    int64_t lo = -1;
    kassa_err err = store_query_run(c, store_query_new(SQL_OVERVIEW_FOLD_FROM), i64_row, &lo);
    if (err != KASSA_OK || lo < 0 || until <= lo)
        return err;
    int claimed = 0;
    struct sql_query *q = store_query_new(SQL_OVERVIEW_FOLD_CLAIM);
    if (q != NULL) {
        store_query_i64(q, lo);
        store_query_i64(q, until);
    }
    err = store_query_run(c, q, count_row, &claimed);
    if (err != KASSA_OK || claimed == 0)
        return err; /* another node folded it meanwhile */
    q = store_query_new(SQL_OVERVIEW_FOLD);
    if (q != NULL) {
        store_query_i64(q, lo);
        store_query_i64(q, until);
    }
    int rows = 0; /* none: no RETURNING */
    err = store_query_run(c, q, count_row, &rows);
    if (err == KASSA_OK)
        *from = lo;
    return err;
}
