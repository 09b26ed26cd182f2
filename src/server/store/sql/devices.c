/* sql/devices.c: the column maps and lists of devices and bank messages
 * (sql/devices.h). */
#include <string.h>

#include "devices.h"

void sql_read_device(const struct sql_row *r, struct device *d)
{
    const struct sql_row_ops *c = r->ops;
    memset(d, 0, sizeof *d);
    d->id = c->i64(r, 0);
    d->trader_id = c->i64(r, 1);
    c->text(r, 2, d->name, sizeof d->name);
    c->text(r, 3, d->token_hash, sizeof d->token_hash);
    c->text(r, 4, d->secret, sizeof d->secret);
    d->created_at = c->i64(r, 5);
    d->last_seen = c->i64(r, 6);
    d->revoked_at = c->i64(r, 7);
}

void sql_read_bank_message(const struct sql_row *r, struct bank_message *m)
{
    const struct sql_row_ops *c = r->ops;
    char state[16];
    memset(m, 0, sizeof *m);
    m->id = c->i64(r, 0);
    m->device_id = c->i64(r, 1);
    m->trader_id = c->i64(r, 2);
    c->text(r, 3, m->event_id, sizeof m->event_id);
    c->text(r, 4, m->source, sizeof m->source);
    c->text(r, 5, m->sender, sizeof m->sender);
    c->text(r, 6, m->package, sizeof m->package);
    c->text(r, 7, m->title, sizeof m->title);
    c->text(r, 8, m->text, sizeof m->text);
    m->received_at = c->i64(r, 9);
    m->created_at = c->i64(r, 10);
    c->text(r, 11, state, sizeof state);
    int s = bank_message_state_of(state);
    m->state = s >= 0 ? (enum bank_message_state)s : BANK_MESSAGE_IGNORED;
    c->text(r, 12, m->reason, sizeof m->reason);
    c->text(r, 13, m->template_id, sizeof m->template_id);
    c->text(r, 14, m->bank, sizeof m->bank);
    c->text(r, 15, m->kind, sizeof m->kind);
    m->amount = c->i64(r, 16);
    c->text(r, 17, m->currency, sizeof m->currency);
    c->text(r, 18, m->last4, sizeof m->last4);
    c->text(r, 19, m->payer, sizeof m->payer);
    m->order_id = c->i64(r, 20);
    c->text(r, 21, m->order_uuid, sizeof m->order_uuid);
    c->text(r, 22, m->matched_by, sizeof m->matched_by);
    m->matched_at = c->i64(r, 23);
}

static void page_end(struct sql_query *q, bool first, int64_t after_id, bool asc, int limit,
                     const char *col)
{
    if (after_id > 0) {
        sql_query_add(q, first ? " WHERE " : " AND ");
        sql_query_add(q, col);
        sql_query_add(q, asc ? " > " : " < ");
        sql_query_i64(q, after_id);
    }
    sql_query_add(q, " ORDER BY ");
    sql_query_add(q, col);
    sql_query_add(q, asc ? " LIMIT " : " DESC LIMIT ");
    sql_query_i64(q, limit > 0 ? limit : 1);
}

void sql_devices_list(int64_t trader_id, int64_t after_id, bool asc, int limit, struct sql_query *q)
{
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT " SQL_DEVICE_COLUMNS "FROM devices");
    if (trader_id > 0) {
        sql_query_add(q, " WHERE trader_id = ");
        sql_query_i64(q, trader_id);
    }
    page_end(q, trader_id <= 0, after_id, asc, limit, "id");
}

void sql_bank_messages_list(const struct bank_message_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT " SQL_BANK_MESSAGE_COLUMNS SQL_BANK_MESSAGE_FROM);
    if (f->state >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "m.state = ");
        sql_query_text(q, bank_message_state_name((enum bank_message_state)f->state));
    }
    if (f->trader_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "m.trader_id = ");
        sql_query_i64(q, f->trader_id);
    }
    if (f->device_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "m.device_id = ");
        sql_query_i64(q, f->device_id);
    }
    page_end(q, first, f->after_id, f->asc, f->limit, "m.id");
}
