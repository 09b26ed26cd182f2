/* sql/traders.c: the trader row's column map and list (sql/traders.h). */
#include <string.h>

#include "traders.h"

void sql_read_trader(const struct sql_row *r, struct trader *t)
{
    const struct sql_row_ops *c = r->ops;
    memset(t, 0, sizeof *t);
    t->id = c->i64(r, 0);
    c->text(r, 1, t->name, sizeof t->name);
    c->text(r, 2, t->verified_name, sizeof t->verified_name);
    t->reward_bps = (int)c->i64(r, 3);
    c->text(r, 4, t->currency, sizeof t->currency);
    t->active = (int)c->i64(r, 5);
    t->online = (int)c->i64(r, 6);
    c->text(r, 7, t->api_key, sizeof t->api_key);
    c->text(r, 8, t->secret, sizeof t->secret);
    t->created_at = c->i64(r, 9);
}

void sql_traders_list(int64_t after_id, bool asc, int limit, struct sql_query *q)
{
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT " SQL_TRADER_COLUMNS "FROM traders ");
    if (after_id > 0) {
        sql_query_add(q, asc ? "WHERE id > " : "WHERE id < ");
        sql_query_i64(q, after_id);
    }
    sql_query_add(q, asc ? " ORDER BY id LIMIT " : " ORDER BY id DESC LIMIT ");
    sql_query_i64(q, limit > 0 ? limit : 1);
}
