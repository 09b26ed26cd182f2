/* sql/requisites.c: the requisite row's column map (sql/requisites.h). */
#include "requisites.h"

void sql_read_requisite(const struct sql_row *r, int i, struct requisite *rq)
{
    const struct sql_row_ops *c = r->ops;
    rq->id = c->i64(r, i + 0);
    c->text(r, i + 1, rq->type, sizeof rq->type);
    c->text(r, i + 2, rq->value, sizeof rq->value);
    c->text(r, i + 3, rq->owner_full_name, sizeof rq->owner_full_name);
    c->text(r, i + 4, rq->bank_code, sizeof rq->bank_code);
    c->text(r, i + 5, rq->bank_name_ru, sizeof rq->bank_name_ru);
    c->text(r, i + 6, rq->bank_name_en, sizeof rq->bank_name_en);
    c->text(r, i + 7, rq->currency, sizeof rq->currency);
    c->text(r, i + 8, rq->country_code, sizeof rq->country_code);
    rq->active = (int)c->i64(r, i + 9);
    rq->assigned = c->i64(r, i + 10);
    rq->created_at = c->i64(r, i + 11);
    rq->trader_id = c->i64(r, i + 12);
    rq->min_amount = c->i64(r, i + 13);
    rq->max_amount = c->i64(r, i + 14);
    rq->daily_amount = c->i64(r, i + 15);
    rq->daily_count = c->i64(r, i + 16);
    rq->max_pending = c->i64(r, i + 17);
    rq->paused = (int)c->i64(r, i + 18);
    rq->device_id = c->i64(r, i + 19);
    c->text(r, i + 20, rq->bic, sizeof rq->bic);
    c->text(r, i + 21, rq->corr_account, sizeof rq->corr_account);
}

void sql_requisites_list(const struct requisite_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    /* status = 0 as a literal: the partial index's condition. */
    sql_query_add(q, "SELECT " SQL_REQUISITE_COLUMNS ", (SELECT COUNT(*) FROM orders o WHERE "
                     "o.requisite_id = r.id AND o.status = 0) FROM requisites r ");
    if (f->type[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "r.type = ");
        sql_query_text(q, f->type);
    }
    if (f->currency[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "r.currency = ");
        sql_query_text(q, f->currency);
    }
    if (f->active >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "r.active = ");
        sql_query_i64(q, f->active);
    }
    if (f->trader_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "r.trader_id = ");
        sql_query_i64(q, f->trader_id);
    }
    if (f->after_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, f->asc ? "r.id > " : "r.id < ");
        sql_query_i64(q, f->after_id);
    }
    sql_query_add(q, f->asc ? " ORDER BY r.id LIMIT " : " ORDER BY r.id DESC LIMIT ");
    sql_query_i64(q, f->limit > 0 ? f->limit : 1);
}
