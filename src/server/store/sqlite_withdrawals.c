/* sqlite_withdrawals.c: withdrawal rows on SQLite (their money moves
 * through the ledger, sqlite_ledger.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sqlite_internal.h"
#include "sql/withdrawals.h"

enum {
    S_WD_INSERT = SLOTS_WITHDRAWALS,
    S_WD_BY_ID,
    S_WD_BY_PAYMENT_ID,
    S_WD_SET_STATUS,
    S_WD_PAGE,
    S_END_,
};
_Static_assert((int)S_END_ <= (int)SLOTS_SHOP_SETTINGS,
               "withdrawals statements overflow their slots");

#define WD_COLUMNS SQL_WITHDRAWAL_SELECT

static sqlite3_stmt *st_(struct sqlite_conn *c, int slot)
{
    static const char *const sql[] = {
        [S_WD_INSERT - SLOTS_WITHDRAWALS] = SQL_WITHDRAWAL_INSERT,
        [S_WD_BY_ID - SLOTS_WITHDRAWALS] = WD_COLUMNS "WHERE id = ?1 AND (?2 = 0 OR shop_id = ?2)",
        [S_WD_BY_PAYMENT_ID - SLOTS_WITHDRAWALS] =
            WD_COLUMNS "WHERE shop_id = ?2 AND payment_id = ?1",
        [S_WD_SET_STATUS - SLOTS_WITHDRAWALS] = SQL_WITHDRAWAL_SET_STATUS,
        [S_WD_PAGE - SLOTS_WITHDRAWALS] =
            WD_COLUMNS "WHERE shop_id = ?1 ORDER BY id DESC LIMIT ?3 OFFSET ?2",
    };
    return sqlite_stmt(c, slot, sql[slot - SLOTS_WITHDRAWALS]);
}

#define CONN(conn) struct sqlite_conn *c = container_of(conn, struct sqlite_conn, base)

kassa_err sqlite_withdrawal_insert(struct store_conn *base, struct withdrawal *w)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_WD_INSERT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, w->shop_id);
    sqlite_bind_text(st, 2, w->payment_id);
    sqlite_bind_text(st, 3, w->currency);
    sqlite3_bind_int64(st, 4, w->amount);
    sqlite3_bind_int64(st, 5, w->fee);
    sqlite_bind_text(st, 6, w->account);
    sqlite3_bind_int(st, 7, w->payment_system);
    sqlite3_bind_int(st, 8, w->status);
    sqlite3_bind_blob(st, 9, w->fingerprint, sizeof w->fingerprint, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, w->created_at);
    sqlite3_bind_int64(st, 11, w->completed_at);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        w->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

static void read_withdrawal(sqlite3_stmt *st, struct withdrawal *w)
{
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(st, 0);
    w->shop_id = sqlite3_column_int64(st, 1);
    sqlite_col_text(st, 2, w->payment_id, sizeof w->payment_id);
    sqlite_col_text(st, 3, w->currency, sizeof w->currency);
    w->amount = sqlite3_column_int64(st, 4);
    w->fee = sqlite3_column_int64(st, 5);
    sqlite_col_text(st, 6, w->account, sizeof w->account);
    w->payment_system = sqlite3_column_int(st, 7);
    w->status = sqlite3_column_int(st, 8);
    if (sqlite3_column_bytes(st, 9) == (int)sizeof w->fingerprint)
        memcpy(w->fingerprint, sqlite3_column_blob(st, 9), sizeof w->fingerprint);
    w->created_at = sqlite3_column_int64(st, 10);
    w->completed_at = sqlite3_column_int64(st, 11);
}

kassa_err sqlite_withdrawal_get(struct store_conn *base, int64_t shop_id, int64_t id,
                                const char *payment_id, struct withdrawal *out)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, payment_id ? S_WD_BY_PAYMENT_ID : S_WD_BY_ID);
    if (st == NULL)
        return KASSA_EIO;
    if (payment_id)
        sqlite_bind_text(st, 1, payment_id);
    else
        sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, shop_id);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        read_withdrawal(st, out);
    else
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_withdrawal_set_status(struct store_conn *base, const struct withdrawal *w,
                                       int from)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_WD_SET_STATUS);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, w->id);
    sqlite3_bind_int(st, 2, w->status);
    sqlite3_bind_int64(st, 3, w->completed_at);
    sqlite3_bind_int(st, 4, from);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ESTATE;
    return err;
}

kassa_err sqlite_withdrawals_list(struct store_conn *base, const struct withdrawal_filter *f,
                                  store_withdrawal_fn fn, void *arg)
{
    CONN(base);
    struct sql_query *q = malloc(sizeof *q);
    if (q == NULL)
        return KASSA_ENOMEM;
    sql_withdrawals_list(f, q);
    sqlite3_stmt *st = sqlite_stmt_once(c, q->sql);
    if (st == NULL) {
        free(q);
        return KASSA_EIO;
    }
    struct sqlite_sink k = sqlite_sink(st, 1);
    sql_query_params(q, &k.base);
    struct withdrawal w;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_withdrawal(st, &w);
        if (!fn(arg, &w))
            break;
    }
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite3_finalize(st);
    free(q);
    return err;
}

kassa_err sqlite_withdrawals_page(struct store_conn *base, int64_t shop_id, int offset, int limit,
                                  store_withdrawal_fn fn, void *arg)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_WD_PAGE);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite3_bind_int(st, 2, offset);
    sqlite3_bind_int(st, 3, limit);
    struct withdrawal w;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_withdrawal(st, &w);
        if (!fn(arg, &w))
            break;
    }
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}
