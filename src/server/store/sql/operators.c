/* sql/operators.c: column maps and lists of operators, tokens and the
 * audit log (sql/operators.h). */
#include <string.h>

#include "operators.h"

void sql_read_operator(const struct sql_row *r, int i, struct operator* op)
{
    const struct sql_row_ops *c = r->ops;
    char role[SHORT_SIZE];
    memset(op, 0, sizeof *op);
    op->id = c->i64(r, i + 0);
    c->text(r, i + 1, op->name, sizeof op->name);
    c->text(r, i + 2, role, sizeof role);
    op->role = op_role_parse(role);
    c->text(r, i + 3, op->login, sizeof op->login);
    c->text(r, i + 4, op->password_hash, sizeof op->password_hash);
    op->disabled = (int)c->i64(r, i + 5);
    op->created_at = c->i64(r, i + 6);
}

void sql_read_token(const struct sql_row *r, int i, struct op_token *t)
{
    const struct sql_row_ops *c = r->ops;
    memset(t, 0, sizeof *t);
    t->id = c->i64(r, i + 0);
    t->operator_id = c->i64(r, i + 1);
    c->text(r, i + 2, t->name, sizeof t->name);
    c->text(r, i + 3, t->hash, sizeof t->hash);
    t->created_at = c->i64(r, i + 4);
    t->last_used_at = c->i64(r, i + 5);
    t->revoked_at = c->i64(r, i + 6);
}

void sql_read_audit(const struct sql_row *r, struct audit_entry *e)
{
    const struct sql_row_ops *c = r->ops;
    e->id = c->i64(r, 0);
    e->at = c->i64(r, 1);
    e->actor_id = c->i64(r, 2);
    c->text(r, 3, e->actor, sizeof e->actor);
    e->token_id = c->i64(r, 4);
    c->text(r, 5, e->action, sizeof e->action);
    c->text(r, 6, e->target_kind, sizeof e->target_kind);
    c->text(r, 7, e->target_id, sizeof e->target_id);
    c->text(r, 8, e->before, sizeof e->before);
    c->text(r, 9, e->after, sizeof e->after);
    c->text(r, 10, e->request_id, sizeof e->request_id);
    c->text(r, 11, e->client, sizeof e->client);
}

static void page_tail(struct sql_query *q, const char *col, bool *first, int64_t after_id, bool asc,
                      int limit)
{
    if (after_id > 0) {
        sql_query_where(q, first);
        sql_query_add(q, col);
        sql_query_add(q, asc ? " > " : " < ");
        sql_query_i64(q, after_id);
    }
    sql_query_add(q, " ORDER BY ");
    sql_query_add(q, col);
    sql_query_add(q, asc ? " LIMIT " : " DESC LIMIT ");
    sql_query_i64(q, limit > 0 ? limit : 1);
}

void sql_operators_list(int64_t after_id, bool asc, int limit, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT " SQL_OPERATOR_COLUMNS "FROM operators ");
    page_tail(q, "id", &first, after_id, asc, limit);
}

void sql_tokens_list(int64_t operator_id, int64_t after_id, bool asc, int limit,
                     struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT " SQL_TOKEN_COLUMNS "FROM operator_tokens t ");
    sql_query_where(q, &first);
    sql_query_add(q, "t.operator_id = ");
    sql_query_i64(q, operator_id);
    page_tail(q, "t.id", &first, after_id, asc, limit);
}

void sql_audit_list(const struct audit_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT " SQL_AUDIT_COLUMNS "FROM audit_log ");
    if (f->actor_id >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "actor_id = ");
        sql_query_i64(q, f->actor_id);
    }
    if (f->action[0] != '\0') {
        size_t n = strlen(f->action);
        sql_query_where(q, &first);
        if (f->action[n - 1] == '.') {
            /* A prefix ("shop."): a range on the action index. */
            sql_query_add(q, "action >= ");
            sql_query_text(q, f->action);
            sql_query_add(q, " AND action < ");
            sql_query_text(q, f->action_end);
        } else {
            sql_query_add(q, "action = ");
            sql_query_text(q, f->action);
        }
    }
    if (f->target_kind[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "target_kind = ");
        sql_query_text(q, f->target_kind);
    }
    if (f->target_id[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "target_id = ");
        sql_query_text(q, f->target_id);
    }
    if (f->from > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "at >= ");
        sql_query_i64(q, f->from);
    }
    if (f->to > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "at < ");
        sql_query_i64(q, f->to);
    }
    page_tail(q, "id", &first, f->after_id, f->asc, f->limit);
}
