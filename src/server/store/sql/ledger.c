/* sql/ledger.c: the operator's ledger lists (sql/ledger.h). */
#include "ledger.h"

#include <string.h>

static void page(struct sql_query *q, bool *first, const char *id, int64_t after_id, bool asc,
                 int limit)
{
    if (after_id > 0) {
        sql_query_where(q, first);
        sql_query_add(q, id);
        sql_query_add(q, asc ? " > " : " < ");
        sql_query_i64(q, after_id);
    }
    sql_query_add(q, " ORDER BY ");
    sql_query_add(q, id);
    sql_query_add(q, asc ? " LIMIT " : " DESC LIMIT ");
    sql_query_i64(q, limit > 0 ? limit : 1);
}

void sql_accounts_list(const struct account_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT id, kind, shop_id, currency, balance FROM accounts ");
    if (f->shop_id >= 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "shop_id = ");
        sql_query_i64(q, f->shop_id);
    }
    if (f->kind[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "kind = ");
        sql_query_text(q, f->kind);
    }
    if (f->currency[0] != '\0') {
        sql_query_where(q, &first);
        sql_query_add(q, "currency = ");
        sql_query_text(q, f->currency);
    }
    page(q, &first, "id", f->after_id, f->asc, f->limit);
}

void sql_read_account(const struct sql_row *r, struct ledger_account *a)
{
    memset(a, 0, sizeof *a);
    a->id = r->ops->i64(r, 0);
    r->ops->text(r, 1, a->kind, sizeof a->kind);
    a->shop_id = r->ops->i64(r, 2);
    r->ops->text(r, 3, a->currency, sizeof a->currency);
    a->balance = r->ops->i64(r, 4);
}

void sql_postings_list(const struct posting_filter *f, struct sql_query *q)
{
    bool first = true;
    q->n = 0;
    q->sql[0] = '\0';
    sql_query_add(q, "SELECT p.id, p.tx_id, p.account_id, t.kind, t.ref_type, t.ref_id, p.amount, "
                     "a.kind, a.shop_id, a.currency, t.created_at FROM postings p JOIN ledger_tx t "
                     "ON t.id = p.tx_id JOIN accounts a ON a.id = p.account_id ");
    if (f->account_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "p.account_id = ");
        sql_query_i64(q, f->account_id);
    }
    if (f->tx_id > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "p.tx_id = ");
        sql_query_i64(q, f->tx_id);
    }
    if (f->trader_id > 0) {
        /* the trader's accounts: its id in shop_id, of a trader's kind */
        sql_query_where(q, &first);
        sql_query_add(q, "p.account_id IN (SELECT id FROM accounts WHERE shop_id = ");
        sql_query_i64(q, f->trader_id);
        sql_query_add(q, " AND kind IN (");
        bool first_kind = true;
        for (int k = 0; account_kind_name((enum account_kind)k) != NULL; k++) {
            if (!account_kind_trader((enum account_kind)k))
                continue;
            sql_query_add(q, first_kind ? "" : ", ");
            sql_query_text(q, account_kind_name((enum account_kind)k));
            first_kind = false;
        }
        sql_query_add(q, "))");
    }
    /* Postings in id order with their transaction's time as a filter: the
     * time has no index of its own (ids follow commits, times nearly so),
     * so a range is read in the key's order from the cursor on. */
    if (f->from > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "t.created_at >= ");
        sql_query_i64(q, f->from);
    }
    if (f->to > 0) {
        sql_query_where(q, &first);
        sql_query_add(q, "t.created_at < ");
        sql_query_i64(q, f->to);
    }
    page(q, &first, "p.id", f->after_id, f->asc, f->limit);
}

void sql_read_posting(const struct sql_row *r, struct ledger_posting *p)
{
    memset(p, 0, sizeof *p);
    p->id = r->ops->i64(r, 0);
    p->tx_id = r->ops->i64(r, 1);
    p->account_id = r->ops->i64(r, 2);
    r->ops->text(r, 3, p->tx_kind, sizeof p->tx_kind);
    r->ops->text(r, 4, p->ref_type, sizeof p->ref_type);
    p->ref_id = r->ops->i64(r, 5);
    p->amount = r->ops->i64(r, 6);
    r->ops->text(r, 7, p->account_kind, sizeof p->account_kind);
    p->shop_id = r->ops->i64(r, 8);
    r->ops->text(r, 9, p->currency, sizeof p->currency);
    p->created_at = r->ops->i64(r, 10);
}
