/* sql/shops.c: the operator's shop list (sql/shops.h). */
#include "shops.h"

#include <stdlib.h>
#include <string.h>

#include "rows.h"

/* f's conditions on the shops table `s`. */
static void shop_where(const struct shop_filter *f, struct sql_query *q, bool *first)
{
    if (f->merchant_id > 0) {
        sql_query_where(q, first);
        sql_query_add(q, "s.merchant_id = ");
        sql_query_i64(q, f->merchant_id);
    }
    if (f->active >= 0) {
        sql_query_where(q, first);
        sql_query_add(q, f->active ? "s.active = 1" : "s.active = 0");
    }
    if (f->q[0] != '\0') {
        /* LIKE folds ASCII letters on SQLite only: lower() on both sides
         * makes it the same on PostgreSQL; q's own % _ \ are escaped. */
        sql_query_where(q, first);
        sql_query_add(q, "(lower(s.name) LIKE '%' || replace(replace(replace(lower(");
        sql_query_text(q, f->q);
        sql_query_add(q, "), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' ESCAPE '\\' "
                         "OR s.public_key = ");
        sql_query_text(q, f->q);
        size_t n = strspn(f->q, "0123456789");
        if (n > 0 && n <= 18 && f->q[n] == '\0') {
            sql_query_add(q, " OR s.id = ");
            sql_query_i64(q, strtoll(f->q, NULL, 10));
        }
        sql_query_add(q, ")");
    }
}

void sql_shops_list(const struct shop_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, SQL_SHOP_SELECT);
    shop_where(f, q, &first);
    if (f->after_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, f->asc ? "s.id > " : "s.id < ");
        sql_query_i64(q, f->after_id);
    }
    sql_query_add(q, f->asc ? " ORDER BY s.id LIMIT " : " ORDER BY s.id DESC LIMIT ");
    sql_query_i64(q, (int64_t)(f->limit > 0 ? f->limit : 1) * SHOP_DIALECTS_MAX);
}

/* "shop_id IN (the shops of f with id in [lo, hi])". */
static void page_shops(const struct shop_filter *f, int64_t lo, int64_t hi, struct sql_query *q)
{
    bool first = true;
    sql_query_add(q, "shop_id IN (SELECT s.id FROM shops s ");
    shop_where(f, q, &first);
    sql_query_where(q, &first);
    sql_query_add(q, "s.id BETWEEN ");
    sql_query_i64(q, lo);
    sql_query_add(q, " AND ");
    sql_query_i64(q, hi);
    sql_query_add(q, ")");
}

void sql_shops_money(const struct shop_filter *f, int64_t lo, int64_t hi, struct sql_query *q)
{
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT shop_id, kind, currency, balance FROM accounts WHERE kind IN "
                     "('shop_available', 'shop_held') AND ");
    page_shops(f, lo, hi, q);
    sql_query_add(q, " UNION ALL SELECT shop_id, 'fee_fixed', currency, fixed FROM shop_fees "
                     "WHERE ");
    page_shops(f, lo, hi, q);
    sql_query_add(q, " ORDER BY 1, 3, 2");
}

void sql_read_shop(const struct sql_row *r, struct shop *s)
{
    const struct sql_row_ops *c = r->ops;
    memset(s, 0, sizeof *s);
    s->id = c->i64(r, 0);
    s->merchant_id = c->i64(r, 1);
    c->text(r, 2, s->public_key, sizeof s->public_key);
    c->text(r, 3, s->name, sizeof s->name);
    c->text(r, 4, s->url, sizeof s->url);
    c->text(r, 5, s->callback_url, sizeof s->callback_url);
    c->text(r, 6, s->fee_percent, sizeof s->fee_percent);
    s->active = (int)c->i64(r, 7);
    s->created_at = c->i64(r, 8);
    c->text(r, 14, s->form_hosts, sizeof s->form_hosts);
    s->rate_limit = (int)c->i64(r, 19);
    s->rate_burst = (int)c->i64(r, 20);
    s->amount_adjust_max = (int)c->i64(r, 21);
    s->dispute_ttl = (int)c->i64(r, 22);
    s->dispute_callbacks = c->i64(r, 23) != 0;
    s->dispute_auto_success = c->i64(r, 24) != 0;
    s->test_mode = c->i64(r, 25) != 0;
    c->text(r, 26, s->logo_url, sizeof s->logo_url);
    c->text(r, 27, s->brand_color, sizeof s->brand_color);
}

void sql_read_shop_dialect(const struct sql_row *r, struct shop *s)
{
    const struct sql_row_ops *c = r->ops;
    char name[DIALECT_NAME_SIZE];
    if (c->null(r, 9))
        return;
    c->text(r, 9, name, sizeof name);
    struct shop_dialect *d = shop_dialect_add(s, name);
    if (d == NULL)
        return;
    c->text(r, 10, d->api_key, sizeof d->api_key);
    c->text(r, 11, d->secret, sizeof d->secret);
    d->order_ttl = (int)c->i64(r, 12);
    c->text(r, 13, d->callback_format, sizeof d->callback_format);
    d->strict_signing = c->i64(r, 15) != 0;
    c->text(r, 16, d->old_api_key, sizeof d->old_api_key);
    c->text(r, 17, d->old_secret, sizeof d->old_secret);
    d->old_valid_until = c->i64(r, 18);
}

void sql_read_shop_money(const struct sql_row *r, struct shop_money *m)
{
    const struct sql_row_ops *c = r->ops;
    memset(m, 0, sizeof *m);
    m->shop_id = c->i64(r, 0);
    c->text(r, 1, m->kind, sizeof m->kind);
    c->text(r, 2, m->currency, sizeof m->currency);
    m->amount = c->i64(r, 3);
}
