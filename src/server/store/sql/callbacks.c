/* sql/callbacks.c: the callbacks list (sql/callbacks.h). */
#include "callbacks.h"

#include <string.h>

void sql_callbacks_list(const struct callback_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT cb.id, cb.event_id, cb.order_id, cb.shop_id, cb.receiver, e.kind, "
                     "cb.url, cb.state, cb.attempts, cb.next_attempt_at, cb.created_at, "
                     "cb.updated_at FROM callbacks cb JOIN events e ON e.id = cb.event_id ");
    if (f->state >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "cb.state = ");
        sql_query_text(q, callback_state_name((enum callback_state)f->state));
    }
    if (f->shop_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "cb.shop_id = ");
        sql_query_i64(q, f->shop_id);
    }
    if (f->merchant_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "cb.shop_id IN (SELECT id FROM shops WHERE merchant_id = ");
        sql_query_i64(q, f->merchant_id);
        sql_query_add(q, ")");
    }
    if (f->order_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "cb.order_id = ");
        sql_query_i64(q, f->order_id);
    }
    if (f->after_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, f->asc ? "cb.id > " : "cb.id < ");
        sql_query_i64(q, f->after_id);
    }
    sql_query_add(q, f->asc ? " ORDER BY cb.id LIMIT " : " ORDER BY cb.id DESC LIMIT ");
    sql_query_i64(q, f->limit > 0 ? f->limit : 1);
}

void sql_read_callback_summary(const struct sql_row *r, struct callback *cb)
{
    char state[16];
    memset(cb, 0, sizeof *cb);
    cb->id = r->ops->i64(r, 0);
    cb->event_id = r->ops->i64(r, 1);
    cb->order_id = r->ops->i64(r, 2);
    cb->shop_id = r->ops->i64(r, 3);
    r->ops->text(r, 4, cb->receiver, sizeof cb->receiver);
    r->ops->text(r, 5, cb->event_kind, sizeof cb->event_kind);
    r->ops->text(r, 6, cb->url, sizeof cb->url);
    r->ops->text(r, 7, state, sizeof state);
    int s = callback_state_parse(state);
    cb->state = s < 0 ? CALLBACK_PENDING : (enum callback_state)s;
    cb->attempts = (int)r->ops->i64(r, 8);
    cb->next_attempt_at = r->ops->i64(r, 9);
    cb->created_at = r->ops->i64(r, 10);
    cb->updated_at = r->ops->i64(r, 11);
}
