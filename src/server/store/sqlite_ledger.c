/* sqlite_ledger.c: the ledger on SQLite: postings (each balance moved by
 * the shared statement of sql/ledger.h, which applies the floor the core
 * chose), a shop's balances, and the ledger's self-check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sql/ledger.h"
#include "sqlite_internal.h"

enum {
    S_ACCOUNT_ENSURE = SLOTS_LEDGER,
    S_ACCOUNT_GET,
    S_ACCOUNT_ADD,
    S_LEDGER_TX,
    S_POSTING,
    S_BALANCES,
    S_VERIFY_ACCOUNTS,
    S_VERIFY_TX,
    S_VERIFY_NEGATIVE,
    S_COUNT_ACCOUNTS,
    S_COUNT_TX,
    S_END_,
};
_Static_assert((int)S_END_ <= (int)SLOTS_ORDERS, "ledger statements overflow their slots");

static sqlite3_stmt *st_(struct sqlite_conn *c, int slot)
{
    static const char *const sql[] = {
        [S_ACCOUNT_ENSURE - SLOTS_LEDGER] = SQL_ACCOUNT_ENSURE,
        [S_ACCOUNT_GET - SLOTS_LEDGER] =
            "SELECT id, balance FROM accounts WHERE kind = ?1 AND shop_id = ?2 AND currency = ?3",
        [S_ACCOUNT_ADD - SLOTS_LEDGER] = SQL_ACCOUNT_ADD,
        [S_LEDGER_TX - SLOTS_LEDGER] = SQL_LEDGER_TX_INSERT,
        [S_POSTING - SLOTS_LEDGER] = SQL_POSTING_INSERT,
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
            "SELECT t.id, t.kind, COALESCE(SUM(p.amount), 0), COUNT(p.id), "
            "COALESCE(a.currency, '') FROM ledger_tx t LEFT JOIN postings p ON p.tx_id = t.id "
            "LEFT JOIN accounts a ON a.id = p.account_id GROUP BY t.id, a.currency "
            "HAVING COALESCE(SUM(p.amount), 0) != 0 OR COUNT(p.id) = 0",
        [S_VERIFY_NEGATIVE - SLOTS_LEDGER] = SQL_VERIFY_NEGATIVE,
        [S_COUNT_ACCOUNTS - SLOTS_LEDGER] = SQL_COUNT_ACCOUNTS,
        [S_COUNT_TX - SLOTS_LEDGER] = SQL_COUNT_TX,
    };
    return sqlite_stmt(c, slot, sql[slot - SLOTS_LEDGER]);
}

#define CONN(conn) struct sqlite_conn *c = container_of(conn, struct sqlite_conn, base)

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
            snprintf(msg, sizeof msg, "transaction %lld (%s): postings in %s sum to %lld, not 0",
                     (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                     sqlite3_column_text(st, 4), (long long)sqlite3_column_int64(st, 2));
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
