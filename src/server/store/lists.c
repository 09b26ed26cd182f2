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
#include "store.h"

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
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, SQL_REQUISITE_BY_ID);
    q->p[q->n].text = NULL;
    q->p[q->n++].i64 = id;
    struct one_requisite o = {out, false};
    kassa_err err = STORE_CALL(c, query_rows, q, requisite_found, &o);
    free(q);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

static bool no_rows(void *arg, const struct sql_row *r)
{
    (void)arg;
    (void)r;
    return false;
}

kassa_err store_requisite_update(struct store_conn *c, const struct requisite *r)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, SQL_REQUISITE_UPDATE);
    const char *texts[] = {r->owner_full_name, r->bank_code, r->bank_name_ru, r->bank_name_en,
                           r->country_code};
    q->p[q->n].text = NULL;
    q->p[q->n++].i64 = r->id;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        q->p[q->n].text = texts[i];
        q->p[q->n++].i64 = 0;
    }
    q->p[q->n].text = NULL;
    q->p[q->n++].i64 = r->active ? 1 : 0;
    kassa_err err = STORE_CALL(c, query_rows, q, no_rows, NULL);
    free(q);
    return err;
}

kassa_err store_shop_rotate(struct store_conn *c, int64_t shop_id, const char *dialect,
                            int64_t old_valid_until, const char *api_key, const char *secret)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, SQL_SHOP_DIALECT_ROTATE);
    q->p[q->n].text = NULL;
    q->p[q->n++].i64 = shop_id;
    q->p[q->n].text = dialect;
    q->p[q->n++].i64 = 0;
    q->p[q->n].text = NULL;
    q->p[q->n++].i64 = old_valid_until;
    q->p[q->n].text = api_key;
    q->p[q->n++].i64 = 0;
    q->p[q->n].text = secret;
    q->p[q->n++].i64 = 0;
    kassa_err err = STORE_CALL(c, query_rows, q, no_rows, NULL);
    free(q);
    return err;
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
