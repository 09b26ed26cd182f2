/* lists.c: the operator's lists, and the figures GET /metrics reads, that
 * need nothing of a backend but to run a statement (store.h query_rows):
 * the statement and the column map are store/sql/'s, written once. */
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "sql/callbacks.h"
#include "sql/gauges.h"
#include "sql/ledger.h"
#include "sql/orders.h"
#include "sql/requisites.h"
#include "sql/rows.h"
#include "sql/shops.h"
#include "run.h"
#include "store.h"

/* ---- run.h ---------------------------------------------------------------- */

struct sql_query *store_query_new(const char *sql)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q != NULL) {
        q->n = 0;
        q->sql[0] = '\0';
        sql_query_add(q, sql);
    }
    return q;
}

void store_query_i64(struct sql_query *q, int64_t v)
{
    if (q != NULL && q->n < SQL_QUERY_PARAMS) {
        q->p[q->n].text = NULL;
        q->p[q->n++].i64 = v;
    }
}

void store_query_text(struct sql_query *q, const char *s)
{
    if (q != NULL && q->n < SQL_QUERY_PARAMS) {
        q->p[q->n].text = s;
        q->p[q->n++].i64 = 0;
    }
}

kassa_err store_query_run(struct store_conn *c, struct sql_query *q, store_row_fn fn, void *arg)
{
    if (q == NULL)
        return KASSA_ENOMEM;
    kassa_err err = STORE_CALL(c, query_rows, q, fn, arg);
    free(q);
    return err;
}

bool store_row_none(void *arg, const struct sql_row *r)
{
    (void)arg;
    (void)r;
    return true;
}

bool store_row_id(void *arg, const struct sql_row *r)
{
    *(int64_t *)arg = r->ops->i64(r, 0);
    return true;
}

struct order_visit {
    store_order_fn fn;
    void *arg;
    struct order o; /* large: one per list, not per row */
};

static bool order_row(void *arg, const struct sql_row *r)
{
    struct order_visit *v = arg;
    sql_read_order(r, &v->o);
    return v->fn(v->arg, &v->o);
}

kassa_err store_orders_list(struct store_conn *c, const struct order_filter *f, store_order_fn fn,
                            void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    struct order_visit *v = malloc(sizeof *v);
    kassa_err err = KASSA_ENOMEM;
    if (q != NULL && v != NULL) {
        sql_orders_list(f, q);
        v->fn = fn;
        v->arg = arg;
        err = STORE_CALL(c, query_rows, q, order_row, v);
    }
    free(q);
    free(v);
    return err;
}

struct account_visit {
    store_account_fn fn;
    void *arg;
};

static bool account_row(void *arg, const struct sql_row *r)
{
    struct account_visit *v = arg;
    struct ledger_account a;
    sql_read_account(r, &a);
    return v->fn(v->arg, &a);
}

kassa_err store_accounts_list(struct store_conn *c, const struct account_filter *f,
                              store_account_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    sql_accounts_list(f, q);
    struct account_visit v = {fn, arg};
    kassa_err err = STORE_CALL(c, query_rows, q, account_row, &v);
    free(q);
    return err;
}

struct posting_visit {
    store_posting_fn fn;
    void *arg;
};

static bool posting_row(void *arg, const struct sql_row *r)
{
    struct posting_visit *v = arg;
    struct ledger_posting p;
    sql_read_posting(r, &p);
    return v->fn(v->arg, &p);
}

kassa_err store_postings_list(struct store_conn *c, const struct posting_filter *f,
                              store_posting_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    sql_postings_list(f, q);
    struct posting_visit v = {fn, arg};
    kassa_err err = STORE_CALL(c, query_rows, q, posting_row, &v);
    free(q);
    return err;
}

struct callback_visit {
    store_callback_summary_fn fn;
    void *arg;
    struct callback cb; /* large: one per list, not per row */
};

static bool callback_row(void *arg, const struct sql_row *r)
{
    struct callback_visit *v = arg;
    sql_read_callback_summary(r, &v->cb);
    return v->fn(v->arg, &v->cb);
}

kassa_err store_callbacks_list(struct store_conn *c, const struct callback_filter *f,
                               store_callback_summary_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    struct callback_visit *v = malloc(sizeof *v);
    kassa_err err = KASSA_ENOMEM;
    if (q != NULL && v != NULL) {
        sql_callbacks_list(f, q);
        v->fn = fn;
        v->arg = arg;
        err = STORE_CALL(c, query_rows, q, callback_row, v);
    }
    free(q);
    free(v);
    return err;
}

struct requisite_visit {
    store_requisite_count_fn fn;
    void *arg;
};

static bool requisite_row(void *arg, const struct sql_row *r)
{
    struct requisite_visit *v = arg;
    struct requisite rq;
    sql_read_requisite(r, 0, &rq);
    return v->fn(v->arg, &rq, r->ops->i64(r, SQL_REQUISITES_LIST_PENDING_AT));
}

kassa_err store_requisites_list(struct store_conn *c, const struct requisite_filter *f,
                                store_requisite_count_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    sql_requisites_list(f, q);
    struct requisite_visit v = {fn, arg};
    kassa_err err = STORE_CALL(c, query_rows, q, requisite_row, &v);
    free(q);
    return err;
}

/* A shop's rows arrive together (sql_shops_list): one shop is gathered
 * while they do, handed to fn when the next shop's row (or the end)
 * comes. */
struct shop_visit {
    store_shop_fn fn;
    void *arg;
    bool have, stopped;
    struct shop s; /* large: one per list */
};

static bool shop_row(void *arg, const struct sql_row *r)
{
    struct shop_visit *v = arg;
    if (v->have && r->ops->i64(r, 0) != v->s.id) {
        v->have = false;
        if (!v->fn(v->arg, &v->s)) {
            v->stopped = true;
            return false;
        }
    }
    if (!v->have) {
        sql_read_shop(r, &v->s);
        v->have = true;
    }
    sql_read_shop_dialect(r, &v->s);
    return true;
}

kassa_err store_shops_list(struct store_conn *c, const struct shop_filter *f, store_shop_fn fn,
                           void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    struct shop_visit *v = calloc(1, sizeof *v);
    kassa_err err = KASSA_ENOMEM;
    if (q != NULL && v != NULL) {
        sql_shops_list(f, q);
        v->fn = fn;
        v->arg = arg;
        err = STORE_CALL(c, query_rows, q, shop_row, v);
        if (err == KASSA_OK && v->have && !v->stopped)
            fn(arg, &v->s);
    }
    free(q);
    free(v);
    return err;
}

struct money_visit {
    store_shop_money_fn fn;
    void *arg;
};

static bool money_row(void *arg, const struct sql_row *r)
{
    struct money_visit *v = arg;
    struct shop_money m;
    sql_read_shop_money(r, &m);
    return v->fn(v->arg, &m);
}

kassa_err store_shops_money(struct store_conn *c, const struct shop_filter *f, int64_t lo,
                            int64_t hi, store_shop_money_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    sql_shops_money(f, lo, hi, q);
    struct money_visit v = {fn, arg};
    kassa_err err = STORE_CALL(c, query_rows, q, money_row, &v);
    free(q);
    return err;
}

struct one_requisite {
    struct requisite *out;
    bool found;
};

static bool requisite_found(void *arg, const struct sql_row *r)
{
    struct one_requisite *o = arg;
    sql_read_requisite(r, 0, o->out);
    o->found = true;
    return false;
}

kassa_err store_requisite_get(struct store_conn *c, int64_t id, struct requisite *out)
{
    struct sql_query *q = store_query_new(SQL_REQUISITE_BY_ID);
    store_query_i64(q, id);
    struct one_requisite o = {out, false};
    kassa_err err = store_query_run(c, q, requisite_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

kassa_err store_requisite_update(struct store_conn *c, const struct requisite *r)
{
    struct sql_query *q = store_query_new(SQL_REQUISITE_UPDATE);
    const char *texts[] = {r->owner_full_name, r->bank_code, r->bank_name_ru, r->bank_name_en,
                           r->country_code};
    store_query_i64(q, r->id);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        store_query_text(q, texts[i]);
    store_query_i64(q, r->active ? 1 : 0);
    const int64_t limits[] = {r->min_amount,  r->max_amount,  r->daily_amount,
                              r->daily_count, r->max_pending, r->paused};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        store_query_i64(q, limits[i]);
    store_query_text(q, r->bic);
    store_query_text(q, r->corr_account);
    return store_query_run(c, q, store_row_none, NULL);
}

kassa_err store_shop_rotate(struct store_conn *c, int64_t shop_id, const char *dialect,
                            int64_t old_valid_until, const char *api_key, const char *secret)
{
    struct sql_query *q = store_query_new(SQL_SHOP_DIALECT_ROTATE);
    store_query_i64(q, shop_id);
    store_query_text(q, dialect);
    store_query_i64(q, old_valid_until);
    store_query_text(q, api_key);
    store_query_text(q, secret);
    return store_query_run(c, q, store_row_none, NULL);
}

static bool gauges_row(void *arg, const struct sql_row *r)
{
    sql_read_gauges(r, arg);
    return false;
}

kassa_err store_gauges_read(struct store_conn *c, struct store_gauges *out)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    memset(out, 0, sizeof *out);
    snprintf(q->sql, sizeof q->sql, "%s", SQL_GAUGES);
    q->n = 0;
    kassa_err err = STORE_CALL(c, query_rows, q, gauges_row, out);
    free(q);
    return err;
}
