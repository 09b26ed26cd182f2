/* sql/disputes.c: the column maps of disputes, their log and evidence,
 * and their lists (sql/disputes.h). */
#include <string.h>

#include "disputes.h"

void sql_read_dispute(const struct sql_row *r, struct dispute *d)
{
    const struct sql_row_ops *c = r->ops;
    char name[32];
    memset(d, 0, sizeof *d);
    d->id = c->i64(r, 0);
    c->text(r, 1, d->uuid, sizeof d->uuid);
    d->order_id = c->i64(r, 2);
    d->shop_id = c->i64(r, 3);
    d->amount = c->i64(r, 4);
    c->text(r, 5, d->comment, sizeof d->comment);
    c->text(r, 6, name, sizeof name);
    int v = dispute_status_parse(name);
    d->status = v < 0 ? DISPUTE_IN_PROGRESS : (enum dispute_status)v;
    c->text(r, 7, name, sizeof name);
    v = dispute_party_parse(name);
    d->initiator = v < 0 ? PARTY_MERCHANT : (enum dispute_party)v;
    c->text(r, 8, name, sizeof name);
    v = dispute_awaiting_parse(name);
    d->awaiting = v < 0 ? AWAIT_NONE : (enum dispute_awaiting)v;
    c->text(r, 9, d->reject_reason, sizeof d->reject_reason);
    d->ttl = c->i64(r, 10);
    d->deadline = c->i64(r, 11);
    d->paused_at = c->i64(r, 12);
    d->pause_duration = c->i64(r, 13);
    d->reopened_at = c->i64(r, 14);
    d->amount_received = c->i64(r, 15);
    d->created_at = c->i64(r, 16);
    d->modified_at = c->i64(r, 17);
    c->text(r, 18, d->order_uuid, sizeof d->order_uuid);
    c->text(r, 19, d->merchant_order_id, sizeof d->merchant_order_id);
    c->text(r, 20, d->currency, sizeof d->currency);
    d->merchant_id = c->i64(r, 21);
    d->trader_id = c->i64(r, 22);
}

void sql_read_dispute_log(const struct sql_row *r, struct dispute_log *l)
{
    const struct sql_row_ops *c = r->ops;
    char name[32];
    memset(l, 0, sizeof *l);
    l->id = c->i64(r, 0);
    c->text(r, 1, l->uuid, sizeof l->uuid);
    l->dispute_id = c->i64(r, 2);
    c->text(r, 3, name, sizeof name);
    int v = dispute_party_parse(name);
    l->actor = v < 0 ? PARTY_SYSTEM : (enum dispute_party)v;
    c->text(r, 4, name, sizeof name);
    v = dispute_status_parse(name);
    l->status = v < 0 ? DISPUTE_IN_PROGRESS : (enum dispute_status)v;
    c->text(r, 5, l->details, sizeof l->details);
    l->created_at = c->i64(r, 6);
}

void sql_read_dispute_evidence(const struct sql_row *r, struct dispute_evidence *e)
{
    const struct sql_row_ops *c = r->ops;
    char name[32];
    memset(e, 0, sizeof *e);
    e->id = c->i64(r, 0);
    c->text(r, 1, e->uuid, sizeof e->uuid);
    e->dispute_id = c->i64(r, 2);
    c->text(r, 3, e->key, sizeof e->key);
    c->text(r, 4, name, sizeof name);
    int v = dispute_party_parse(name);
    e->uploader = v < 0 ? PARTY_MERCHANT : (enum dispute_party)v;
    c->text(r, 5, e->content_type, sizeof e->content_type);
    e->created_at = c->i64(r, 6);
}

void sql_disputes_list(const struct dispute_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, SQL_DISPUTE_SELECT);
    if (f->shop_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "d.shop_id = ");
        sql_query_i64(q, f->shop_id);
    }
    if (f->trader_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "r.trader_id = ");
        sql_query_i64(q, f->trader_id);
    }
    if (f->status >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "d.status = ");
        sql_query_text(q, dispute_status_name((enum dispute_status)f->status));
    } else if (f->open_only) {
        sql_query_where(q, &first);
        sql_query_add(q, "d.status IN ('in_progress', 'paused')");
    }
    if (f->awaiting >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, f->not_awaiting ? "d.awaiting <> " : "d.awaiting = ");
        sql_query_text(q, dispute_awaiting_name((enum dispute_awaiting)f->awaiting));
    }
    if (f->after_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "d.id < ");
        sql_query_i64(q, f->after_id);
    }
    sql_query_add(q, " ORDER BY d.id DESC LIMIT ");
    sql_query_i64(q, f->limit > 0 ? f->limit : 1);
    if (f->offset > 0) {
        sql_query_add(q, " OFFSET ");
        sql_query_i64(q, f->offset);
    }
}
