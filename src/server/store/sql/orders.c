/* sql/orders.c: the order row's column maps (sql/orders.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.h"
#include "requisites.h"

void sql_order_columns(const struct order *o, struct sql_sink *k)
{
    k->text(k, o->uuid);
    k->text(k, o->uuid_callback);
    k->text(k, o->pay_token);
    k->i64(k, o->shop_id, true);
    k->i64(k, o->origin, true);
    k->i64(k, (int)o->status, true);
    k->i64(k, o->amount, true);
    k->text(k, o->currency);
    k->i64(k, o->fee, true);
    k->i64(k, o->amount_usdt, true);
    k->text(k, o->exchange_rate);
    k->text(k, o->merchant_order_id);
    k->text(k, o->requisite_type);
    k->i64(k, o->payment_system, true);
    k->text(k, o->customer_name);
    k->text(k, o->customer_requisite);
    k->text(k, o->bank_code);
    k->text(k, o->countries);
    k->text(k, o->payment_systems);
    k->text(k, o->email);
    k->text(k, o->phone);
    k->text(k, o->success_url);
    k->text(k, o->fail_url);
    k->text(k, o->notify_url);
    k->text(k, o->lang);
    k->i64(k, o->test, true);
    k->i64(k, o->confirmed_by_customer, true);
    k->i64(k, o->requisite_id, o->requisite_id != 0);
    k->i64(k, o->created_at, true);
    k->i64(k, o->expires_at, true);
    k->i64(k, o->paid_at, true);
    k->i64(k, o->updated_at, true);
}

void sql_read_order(const struct sql_row *r, struct order *o)
{
    const struct sql_row_ops *c = r->ops;
    memset(o, 0, sizeof *o);
    o->id = c->i64(r, 0);
    c->text(r, 1, o->uuid, sizeof o->uuid);
    c->text(r, 2, o->uuid_callback, sizeof o->uuid_callback);
    c->text(r, 3, o->pay_token, sizeof o->pay_token);
    o->shop_id = c->i64(r, 4);
    o->origin = (int)c->i64(r, 5);
    o->status = (enum order_status)c->i64(r, 6);
    o->amount = c->i64(r, 7);
    c->text(r, 8, o->currency, sizeof o->currency);
    o->fee = c->i64(r, 9);
    o->amount_usdt = c->i64(r, 10);
    c->text(r, 11, o->exchange_rate, sizeof o->exchange_rate);
    c->text(r, 12, o->merchant_order_id, sizeof o->merchant_order_id);
    c->text(r, 13, o->requisite_type, sizeof o->requisite_type);
    o->payment_system = (int)c->i64(r, 14);
    c->text(r, 15, o->customer_name, sizeof o->customer_name);
    c->text(r, 16, o->customer_requisite, sizeof o->customer_requisite);
    c->text(r, 17, o->bank_code, sizeof o->bank_code);
    c->text(r, 18, o->countries, sizeof o->countries);
    c->text(r, 19, o->payment_systems, sizeof o->payment_systems);
    c->text(r, 20, o->email, sizeof o->email);
    c->text(r, 21, o->phone, sizeof o->phone);
    c->text(r, 22, o->success_url, sizeof o->success_url);
    c->text(r, 23, o->fail_url, sizeof o->fail_url);
    c->text(r, 24, o->notify_url, sizeof o->notify_url);
    c->text(r, 25, o->lang, sizeof o->lang);
    o->test = c->i64(r, 26) != 0;
    o->confirmed_by_customer = c->i64(r, 27) != 0;
    o->requisite_id = c->i64(r, 28);
    o->created_at = c->i64(r, 29);
    o->expires_at = c->i64(r, 30);
    o->paid_at = c->i64(r, 31);
    o->updated_at = c->i64(r, 32);
    o->amount_received = c->i64(r, 33);
    o->reversed_at = c->i64(r, 34);
    o->trader_id = c->i64(r, 35);
    o->reserve = c->i64(r, 36);
    o->amount_requested = c->i64(r, 37);
    c->text(r, 38, o->no_requisite_reason, sizeof o->no_requisite_reason);
    c->text(r, 39, o->confirmed_by, sizeof o->confirmed_by);
    if (!c->null(r, SQL_ORDER_REQUISITE_AT))
        sql_read_requisite(r, SQL_ORDER_REQUISITE_AT, &o->req);
}

/* ---- lists -------------------------------------------------------------- */

static bool all_digits(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (s[n] < '0' || s[n] > '9')
            return false;
    return n > 0 && n <= 18;
}

/* f->status and f->confirmed go into the text as numbers (they are enum
 * values, checked by the caller): partial indexes serve only conditions
 * written as constants (orders_queue, orders_pending_requisite). */
static void where_int(struct sql_query *q, bool *first, const char *column, int v)
{
    char t[64];
    sql_query_where(q, first);
    snprintf(t, sizeof t, "%s = %d", column, v);
    sql_query_add(q, t);
}

void sql_orders_list(const struct order_filter *f, struct sql_query *q)
{
    bool first = true;
    bool by_time = order_filter_by_time(f);
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, SQL_ORDER_SELECT);
    if (f->status >= 0)
        where_int(q, &first, "o.status", f->status);
    if (f->confirmed >= 0)
        where_int(q, &first, "o.confirmed_by_customer", f->confirmed);
    if (f->shop_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "o.shop_id = ");
        sql_query_i64(q, f->shop_id);
    }
    if (f->merchant_id > 0) {
        /* "+": a filter on the rows read in the list's order, not an index
         * (a large merchant's orders must not be sorted whole). */
        sql_query_where(q, &first);
        sql_query_add(q, "+o.shop_id IN (SELECT id FROM shops WHERE merchant_id = ");
        sql_query_i64(q, f->merchant_id);
        sql_query_add(q, ")");
    }
    if (f->origin > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "o.origin = ");
        sql_query_i64(q, f->origin);
    }
    if (f->requisite_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "o.requisite_id = ");
        sql_query_i64(q, f->requisite_id);
    }
    if (f->trader_id > 0) {
        /* "trader_id > 0" as written: the partial index's condition
         * (orders_trader, migration 028). */
        sql_query_where(q, &first);
        sql_query_add(q, "o.trader_id > 0 AND o.trader_id = ");
        sql_query_i64(q, f->trader_id);
    }
    if (f->currency[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "o.currency = ");
        sql_query_text(q, f->currency);
    }
    if (f->amount_min >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "o.amount >= ");
        sql_query_i64(q, f->amount_min);
    }
    if (f->amount_max >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "o.amount <= ");
        sql_query_i64(q, f->amount_max);
    }
    if (f->from > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "o.created_at >= ");
        sql_query_i64(q, f->from);
    }
    if (f->to > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "o.created_at < ");
        sql_query_i64(q, f->to);
    }
    /* A merchant order id names orders per shop (orders_shop_merchant_order):
     * across shops, one look-up per shop. */
    if (f->merchant_order_id[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "o.shop_id IN (SELECT id FROM shops) AND o.merchant_order_id = ");
        sql_query_text(q, f->merchant_order_id);
    }
    if (f->q[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "(o.uuid = ");
        sql_query_text(q, f->q);
        sql_query_add(q, " OR (o.shop_id IN (SELECT id FROM shops) AND o.merchant_order_id = ");
        sql_query_text(q, f->q);
        sql_query_add(q, ")");
        if (all_digits(f->q)) {
            sql_query_add(q, " OR o.id = ");
            sql_query_i64(q, strtoll(f->q, NULL, 10));
        }
        sql_query_add(q, ")");
    }
    if (f->after_id > 0) {
        sql_query_where(q, &first);
        if (by_time) {
            sql_query_add(q, f->asc ? "(o.created_at, o.id) > (" : "(o.created_at, o.id) < (");
            sql_query_i64(q, f->after_created);
            sql_query_add(q, ", ");
            sql_query_i64(q, f->after_id);
            sql_query_add(q, ")");
        } else {
            sql_query_add(q, f->asc ? "o.id > " : "o.id < ");
            sql_query_i64(q, f->after_id);
        }
    }
    if (by_time)
        sql_query_add(q, f->asc ? " ORDER BY o.created_at, o.id LIMIT "
                                : " ORDER BY o.created_at DESC, o.id DESC LIMIT ");
    else
        sql_query_add(q, f->asc ? " ORDER BY o.id LIMIT " : " ORDER BY o.id DESC LIMIT ");
    sql_query_i64(q, f->limit > 0 ? f->limit : 1);
}

/* ---- statements built at run time (row.h) -------------------------------- */

void sql_query_where(struct sql_query *q, bool *first)
{
    sql_query_add(q, *first ? "WHERE " : " AND ");
    *first = false;
}

void sql_query_add(struct sql_query *q, const char *text)
{
    size_t at = strlen(q->sql);
    snprintf(q->sql + at, sizeof q->sql - at, "%s", text);
}

static void placeholder(struct sql_query *q)
{
    char ph[16];
    snprintf(ph, sizeof ph, "$%d", q->n + 1);
    sql_query_add(q, ph);
}

void sql_query_i64(struct sql_query *q, int64_t v)
{
    if (q->n >= SQL_QUERY_PARAMS)
        return;
    placeholder(q);
    q->p[q->n].text = NULL;
    q->p[q->n++].i64 = v;
}

void sql_query_text(struct sql_query *q, const char *s)
{
    if (q->n >= SQL_QUERY_PARAMS)
        return;
    placeholder(q);
    q->p[q->n].text = s;
    q->p[q->n++].i64 = 0;
}

void sql_query_params(const struct sql_query *q, struct sql_sink *k)
{
    for (int i = 0; i < q->n; i++) {
        if (q->p[i].text != NULL)
            k->text(k, q->p[i].text);
        else
            k->i64(k, q->p[i].i64, true);
    }
}
