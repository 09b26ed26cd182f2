/* sql/withdrawals.c: the withdrawal lists' statement (sql/withdrawals.h). */
#include "withdrawals.h"

void sql_withdrawals_list(const struct withdrawal_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, SQL_WITHDRAWAL_SELECT);
    if (f->status == WITHDRAWAL_DECIDED) {
        sql_query_where(q, &first);
        sql_query_add(q, "status <> ");
        sql_query_i64(q, WITHDRAWAL_PENDING);
    } else if (f->status >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "status = ");
        sql_query_i64(q, f->status);
    }
    if (f->shop_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "shop_id = ");
        sql_query_i64(q, f->shop_id);
    }
    if (f->merchant_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "shop_id IN (SELECT id FROM shops WHERE merchant_id = ");
        sql_query_i64(q, f->merchant_id);
        sql_query_add(q, ")");
    }
    if (f->after_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, f->asc ? "id > " : "id < ");
        sql_query_i64(q, f->after_id);
    }
    sql_query_add(q, f->asc ? " ORDER BY id LIMIT " : " ORDER BY id DESC LIMIT ");
    sql_query_i64(q, f->limit > 0 ? f->limit : 1);
}
