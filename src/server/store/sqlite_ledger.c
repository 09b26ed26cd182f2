/* sqlite_ledger.c: the SQLite side of the money: order state changes,
 * ledger postings, the event outbox, withdrawals, receipts, statistics and
 * the ledger's self-check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/log.h"
#include "sql/ledger.h"
#include "sqlite_internal.h"

enum {
    S_ORDER_SET_STATUS = SLOTS_LEDGER,
    S_ACCOUNT_ENSURE,
    S_ACCOUNT_GET,
    S_ACCOUNT_ADD,
    S_LEDGER_TX,
    S_POSTING,
    S_EVENT,
    S_ORDERS_DUE,
    S_ORDER_CONFIRM,
    S_RECEIPT_PUT,
    S_RECEIPT_GET,
    S_STATS,
    S_WD_INSERT,
    S_WD_BY_ID,
    S_WD_BY_PAYMENT_ID,
    S_WD_SET_STATUS,
    S_WD_PAGE,
    S_BALANCES,
    S_VERIFY_ACCOUNTS,
    S_VERIFY_TX,
    S_VERIFY_NEGATIVE,
    S_COUNT_ACCOUNTS,
    S_COUNT_TX,
    S_FEE_GET,
    S_FEE_SET,
    S_FEES,
    S_FEE_PERCENT,
    S_ORDER_SET_METHOD,
    S_SHOP_UPDATE,
    S_LEDGER_END_,
};
_Static_assert((int)S_LEDGER_END_ <= (int)SLOTS_CALLBACK, "ledger statements overflow");

#define WD_COLUMNS                                                                                 \
    "SELECT id, shop_id, payment_id, currency, amount, fee, account, payment_system, status, "     \
    "fingerprint, created_at, completed_at FROM withdrawals "

static sqlite3_stmt *st_(struct sqlite_conn *c, int slot)
{
    static const char *const sql[] = {
        [S_ORDER_SET_STATUS - SLOTS_LEDGER] =
            "UPDATE orders SET status = ?2, paid_at = ?3, confirmed_by_customer = ?4, "
            "updated_at = ?5 WHERE id = ?1 AND status = ?6",
        [S_ACCOUNT_ENSURE - SLOTS_LEDGER] =
            "INSERT INTO accounts(kind, shop_id, currency) VALUES (?1, ?2, ?3) "
            "ON CONFLICT(kind, shop_id, currency) DO NOTHING",
        [S_ACCOUNT_GET - SLOTS_LEDGER] =
            "SELECT id, balance FROM accounts WHERE kind = ?1 AND shop_id = ?2 AND currency = ?3",
        [S_ACCOUNT_ADD - SLOTS_LEDGER] = SQL_ACCOUNT_ADD,
        [S_LEDGER_TX - SLOTS_LEDGER] =
            "INSERT INTO ledger_tx(kind, ref_type, ref_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        [S_POSTING - SLOTS_LEDGER] =
            "INSERT INTO postings(tx_id, account_id, amount) VALUES (?1, ?2, ?3)",
        [S_EVENT - SLOTS_LEDGER] =
            "INSERT INTO events(shop_id, order_id, kind, status, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5)",
        [S_ORDERS_DUE - SLOTS_LEDGER] = "SELECT id FROM orders WHERE status = 0 AND "
                                        "expires_at <= ?1 ORDER BY expires_at LIMIT ?2",
        [S_ORDER_CONFIRM - SLOTS_LEDGER] =
            "UPDATE orders SET confirmed_by_customer = 1, updated_at = ?2 "
            "WHERE id = ?1 AND status = 0",
        [S_RECEIPT_PUT - SLOTS_LEDGER] =
            "INSERT INTO receipts(order_id, content_type, data, created_at) "
            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(order_id) DO UPDATE SET "
            "content_type = excluded.content_type, data = excluded.data, "
            "created_at = excluded.created_at",
        [S_RECEIPT_GET - SLOTS_LEDGER] =
            "SELECT content_type, data FROM receipts WHERE order_id = ?1",
        [S_STATS - SLOTS_LEDGER] =
            "SELECT COUNT(*), "
            "COALESCE(SUM(o.status = 1), 0), COALESCE(SUM(o.status = 0), 0), "
            "COALESCE(SUM(o.amount), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 1 THEN o.amount END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 0 THEN o.amount END), 0), "
            "COALESCE(SUM(CASE WHEN o.status IN (2, 3, 4, 5) THEN o.amount END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 1 THEN o.fee END), 0) "
            "FROM orders o LEFT JOIN requisites r ON r.id = o.requisite_id "
            "WHERE o.shop_id = ?1 AND o.created_at >= ?2 AND o.created_at < ?3 "
            "AND (?4 = '' OR o.requisite_type = ?4) AND (?5 = '' OR r.country_code = ?5) "
            "AND o.currency = ?6",
        [S_WD_INSERT - SLOTS_LEDGER] =
            "INSERT INTO withdrawals(shop_id, payment_id, currency, amount, fee, account, "
            "payment_system, status, fingerprint, created_at, completed_at) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        [S_WD_BY_ID - SLOTS_LEDGER] = WD_COLUMNS "WHERE id = ?1 AND (?2 = 0 OR shop_id = ?2)",
        [S_WD_BY_PAYMENT_ID - SLOTS_LEDGER] = WD_COLUMNS "WHERE shop_id = ?2 AND payment_id = ?1",
        [S_WD_SET_STATUS - SLOTS_LEDGER] =
            "UPDATE withdrawals SET status = ?2, completed_at = ?3 WHERE id = ?1 AND status = ?4",
        [S_WD_PAGE - SLOTS_LEDGER] =
            WD_COLUMNS "WHERE shop_id = ?1 ORDER BY id DESC LIMIT ?3 OFFSET ?2",
        [S_BALANCES - SLOTS_LEDGER] =
            "SELECT currency, "
            "COALESCE(SUM(CASE WHEN kind = 'shop_available' THEN balance END), 0), "
            "COALESCE(SUM(CASE WHEN kind = 'shop_held' THEN balance END), 0) "
            "FROM accounts WHERE shop_id = ?1 AND kind IN ('shop_available', 'shop_held') "
            "GROUP BY currency ORDER BY currency",
        [S_VERIFY_ACCOUNTS - SLOTS_LEDGER] =
            "SELECT a.id, a.kind, a.shop_id, a.currency, a.balance, "
            "COALESCE((SELECT SUM(p.amount) FROM postings p WHERE p.account_id = a.id), 0) AS s "
            "FROM accounts a WHERE a.balance != s",
        [S_VERIFY_TX - SLOTS_LEDGER] =
            "SELECT t.id, t.kind, COALESCE(SUM(p.amount), 0), COUNT(p.id) FROM ledger_tx t "
            "LEFT JOIN postings p ON p.tx_id = t.id GROUP BY t.id "
            "HAVING COALESCE(SUM(p.amount), 0) != 0 OR COUNT(p.id) = 0",
        [S_VERIFY_NEGATIVE - SLOTS_LEDGER] =
            "SELECT a.id, a.kind, a.shop_id, a.currency, "
            "COALESCE((SELECT SUM(p.amount) FROM postings p WHERE p.account_id = a.id), 0) AS s "
            "FROM accounts a WHERE a.kind IN ('shop_available', 'shop_held') AND s < 0",
        [S_COUNT_ACCOUNTS - SLOTS_LEDGER] = "SELECT COUNT(*) FROM accounts",
        [S_COUNT_TX - SLOTS_LEDGER] = "SELECT COUNT(*) FROM ledger_tx",
        [S_FEE_GET - SLOTS_LEDGER] =
            "SELECT fixed FROM shop_fees WHERE shop_id = ?1 AND currency = ?2",
        [S_FEE_SET - SLOTS_LEDGER] =
            "INSERT INTO shop_fees(shop_id, currency, fixed) VALUES (?1, ?2, ?3) "
            "ON CONFLICT(shop_id, currency) DO UPDATE SET fixed = excluded.fixed",
        [S_FEES - SLOTS_LEDGER] =
            "SELECT currency, fixed FROM shop_fees WHERE shop_id = ?1 ORDER BY currency",
        [S_FEE_PERCENT - SLOTS_LEDGER] = "UPDATE shops SET fee_percent = ?2 WHERE id = ?1",
        [S_ORDER_SET_METHOD - SLOTS_LEDGER] =
            "UPDATE orders SET payment_system = ?2, requisite_type = ?3, requisite_id = ?4, "
            "updated_at = ?5 WHERE id = ?1 AND status = 0 AND payment_system = 0 AND "
            "requisite_type = ''",
        [S_SHOP_UPDATE - SLOTS_LEDGER] =
            "UPDATE shops SET name = ?2, url = ?3, callback_url = ?4 WHERE id = ?1",
    };
    return sqlite_stmt(c, slot, sql[slot - SLOTS_LEDGER]);
}

#define CONN(conn) struct sqlite_conn *c = container_of(conn, struct sqlite_conn, base)

kassa_err sqlite_order_set_status(struct store_conn *base, const struct order *o,
                                  enum order_status from)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_ORDER_SET_STATUS);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, o->id);
    sqlite3_bind_int(st, 2, (int)o->status);
    sqlite3_bind_int64(st, 3, o->paid_at);
    sqlite3_bind_int(st, 4, o->confirmed_by_customer);
    sqlite3_bind_int64(st, 5, o->updated_at);
    sqlite3_bind_int(st, 6, (int)from);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ESTATE;
    return err;
}

/* The account's id and balance, created when missing. */
static kassa_err account(struct sqlite_conn *c, const struct posting *p, int64_t *id,
                         int64_t *balance)
{
    const char *kind = account_kind_name(p->kind);
    sqlite3_stmt *st = st_(c, S_ACCOUNT_GET);
    if (st == NULL || kind == NULL)
        return KASSA_EIO;
    for (int attempt = 0; attempt < 2; attempt++) {
        sqlite_bind_text(st, 1, kind);
        sqlite3_bind_int64(st, 2, p->shop_id);
        sqlite_bind_text(st, 3, p->currency);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *id = sqlite3_column_int64(st, 0);
            *balance = sqlite3_column_int64(st, 1);
            sqlite_stmt_done(st);
            return KASSA_OK;
        }
        sqlite_stmt_done(st);
        if (rc != SQLITE_DONE)
            return sqlite_step_error(c, rc);
        sqlite3_stmt *ins = st_(c, S_ACCOUNT_ENSURE);
        if (ins == NULL)
            return KASSA_EIO;
        sqlite_bind_text(ins, 1, kind);
        sqlite3_bind_int64(ins, 2, p->shop_id);
        sqlite_bind_text(ins, 3, p->currency);
        kassa_err err = sqlite_run(c, ins);
        if (err != KASSA_OK)
            return err;
    }
    return KASSA_EIO;
}

kassa_err sqlite_ledger_post(struct store_conn *base, const char *kind, const char *ref_type,
                             int64_t ref_id, int64_t now, const struct posting *p, size_t n)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_LEDGER_TX);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, kind);
    sqlite_bind_text(st, 2, ref_type);
    sqlite3_bind_int64(st, 3, ref_id);
    sqlite3_bind_int64(st, 4, now);
    kassa_err err = sqlite_run(c, st);
    if (err != KASSA_OK)
        return err;
    int64_t tx_id = sqlite3_last_insert_rowid(c->db);
    for (size_t i = 0; i < n; i++) {
        int64_t acc = 0, balance = 0;
        if ((err = account(c, &p[i], &acc, &balance)) != KASSA_OK)
            return err;
        int64_t next;
        /* SQLite would turn an overflowing sum into a floating-point number
         * (PostgreSQL refuses it: KASSA_EMONEY_RANGE as well). */
        if (__builtin_add_overflow(balance, p[i].amount, &next))
            return KASSA_EMONEY_RANGE;
        sqlite3_stmt *add = st_(c, S_ACCOUNT_ADD);
        if (add == NULL)
            return KASSA_EIO;
        sqlite3_bind_int64(add, 1, acc);
        sqlite3_bind_int64(add, 2, p[i].amount);
        sqlite3_bind_int(add, 3, p[i].floor_zero);
        int rc = sqlite3_step(add);
        bool moved = rc == SQLITE_ROW;
        err = moved || rc == SQLITE_DONE ? KASSA_OK : sqlite_step_error(c, rc);
        sqlite_stmt_done(add);
        if (err != KASSA_OK)
            return err == KASSA_EEXIST ? KASSA_EFUNDS : err; /* the CHECK (balance >= 0) */
        if (!moved)
            return KASSA_EFUNDS; /* below its floor */
        sqlite3_stmt *post = st_(c, S_POSTING);
        if (post == NULL)
            return KASSA_EIO;
        sqlite3_bind_int64(post, 1, tx_id);
        sqlite3_bind_int64(post, 2, acc);
        sqlite3_bind_int64(post, 3, p[i].amount);
        if ((err = sqlite_run(c, post)) != KASSA_OK)
            return err;
    }
    return KASSA_OK;
}

kassa_err sqlite_event_insert(struct store_conn *base, int64_t shop_id, int64_t order_id,
                              const char *kind, int status, int64_t now)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_EVENT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite3_bind_int64(st, 2, order_id);
    sqlite_bind_text(st, 3, kind);
    sqlite3_bind_int(st, 4, status);
    sqlite3_bind_int64(st, 5, now);
    return sqlite_run(c, st);
}

kassa_err sqlite_orders_due(struct store_conn *base, int64_t now, int limit, int64_t *ids, int *n)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_ORDERS_DUE);
    *n = 0;
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < limit)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_order_confirm(struct store_conn *base, int64_t order_id, int64_t now)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_ORDER_CONFIRM);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int64(st, 2, now);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ESTATE;
    return err;
}

kassa_err sqlite_receipt_image_put(struct store_conn *base, int64_t order_id,
                                   const char *content_type, const void *data, size_t len,
                                   int64_t now)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_RECEIPT_PUT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite_bind_text(st, 2, content_type);
    sqlite3_bind_blob64(st, 3, data, len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return sqlite_run(c, st);
}

kassa_err sqlite_receipt_image_get(struct store_conn *base, int64_t order_id, struct arena *a,
                                   char **content_type, void **data, size_t *len)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_RECEIPT_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW) {
        *content_type = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
        *len = (size_t)sqlite3_column_bytes(st, 1);
        *data = arena_alloc(a, *len ? *len : 1);
        if (*content_type == NULL || *data == NULL)
            err = KASSA_ENOMEM;
        else if (*len)
            memcpy(*data, sqlite3_column_blob(st, 1), *len);
    } else {
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    }
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_order_stats(struct store_conn *base, int64_t shop_id, int64_t from, int64_t to,
                             const char *requisite_type, const char *country_code,
                             const char *currency, struct order_stats *out)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_STATS);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite_bind_text(st, 4, requisite_type);
    sqlite_bind_text(st, 5, country_code);
    sqlite_bind_text(st, 6, currency);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW) {
        out->total_orders = sqlite3_column_int64(st, 0);
        out->completed_orders = sqlite3_column_int64(st, 1);
        out->pending_orders = sqlite3_column_int64(st, 2);
        out->total_amount = sqlite3_column_int64(st, 3);
        out->completed_amount = sqlite3_column_int64(st, 4);
        out->pending_amount = sqlite3_column_int64(st, 5);
        out->failed_amount = sqlite3_column_int64(st, 6);
        out->total_commission = sqlite3_column_int64(st, 7);
    } else {
        err = sqlite_step_error(c, rc);
    }
    sqlite_stmt_done(st);
    return err;
}

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

kassa_err sqlite_balances(struct store_conn *base, int64_t shop_id, store_balance_fn fn, void *arg)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_BALANCES);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    int rc;
    char currency[16];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_col_text(st, 0, currency, sizeof currency);
        if (!fn(arg, currency, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)))
            break;
    }
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

static int64_t count(struct sqlite_conn *c, int slot)
{
    sqlite3_stmt *st = st_(c, slot);
    int64_t n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite_stmt_done(st);
    return n;
}

kassa_err sqlite_ledger_verify(struct store_conn *base, store_problem_fn problem, void *arg,
                               int64_t *accounts, int64_t *transactions)
{
    CONN(base);
    char msg[512];
    int rc;
    sqlite3_stmt *st = st_(c, S_VERIFY_ACCOUNTS);
    if (st == NULL)
        return KASSA_EIO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(msg, sizeof msg,
                 "account %lld (%s, shop %lld, %s): balance %lld but its postings sum to %lld",
                 (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                 (long long)sqlite3_column_int64(st, 2), sqlite3_column_text(st, 3),
                 (long long)sqlite3_column_int64(st, 4), (long long)sqlite3_column_int64(st, 5));
        problem(arg, msg);
    }
    sqlite_stmt_done(st);
    if (rc != SQLITE_DONE)
        return sqlite_step_error(c, rc);
    if ((st = st_(c, S_VERIFY_TX)) == NULL)
        return KASSA_EIO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 3) == 0)
            snprintf(msg, sizeof msg, "transaction %lld (%s): has no postings",
                     (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1));
        else
            snprintf(msg, sizeof msg, "transaction %lld (%s): postings sum to %lld, not 0",
                     (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                     (long long)sqlite3_column_int64(st, 2));
        problem(arg, msg);
    }
    sqlite_stmt_done(st);
    if (rc != SQLITE_DONE)
        return sqlite_step_error(c, rc);
    if ((st = st_(c, S_VERIFY_NEGATIVE)) == NULL)
        return KASSA_EIO;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(msg, sizeof msg, "account %lld (%s, shop %lld, %s) is negative: %lld",
                 (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                 (long long)sqlite3_column_int64(st, 2), sqlite3_column_text(st, 3),
                 (long long)sqlite3_column_int64(st, 4));
        problem(arg, msg);
    }
    sqlite_stmt_done(st);
    if (rc != SQLITE_DONE)
        return sqlite_step_error(c, rc);
    *accounts = count(c, S_COUNT_ACCOUNTS);
    *transactions = count(c, S_COUNT_TX);
    return KASSA_OK;
}

kassa_err sqlite_shop_fee_get(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t *fixed)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEE_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, currency);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        *fixed = sqlite3_column_int64(st, 0);
    else
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_shop_fee_set(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t fixed)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEE_SET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, currency);
    sqlite3_bind_int64(st, 3, fixed);
    return sqlite_run(c, st);
}

kassa_err sqlite_shop_fees(struct store_conn *base, int64_t shop_id,
                           bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEES);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    char currency[16];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_col_text(st, 0, currency, sizeof currency);
        if (!fn(arg, currency, sqlite3_column_int64(st, 1)))
            break;
    }
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_shop_set_fee_percent(struct store_conn *base, int64_t shop_id, const char *percent)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEE_PERCENT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, percent);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ENOTFOUND;
    return err;
}

kassa_err sqlite_order_set_method(struct store_conn *base, int64_t order_id, int payment_system,
                                  const char *requisite_type, int64_t requisite_id, int64_t now)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_ORDER_SET_METHOD);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int(st, 2, payment_system);
    sqlite_bind_text(st, 3, requisite_type);
    if (requisite_id != 0)
        sqlite3_bind_int64(st, 4, requisite_id);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, now);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ESTATE;
    return err;
}

kassa_err sqlite_shop_update(struct store_conn *base, const struct shop *s)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_SHOP_UPDATE);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite_bind_text(st, 2, s->name);
    sqlite_bind_text(st, 3, s->url);
    sqlite_bind_text(st, 4, s->callback_url);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        err = sqlite_shop_dialects_put(c, s);
    return err;
}
