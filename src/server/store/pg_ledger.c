/* pg_ledger.c: the ledger on PostgreSQL (twin of sqlite_ledger.c):
 * postings, a shop's balances, and the ledger's self-check.
 *
 * Across nodes: a balance moves with one conditional UPDATE per account
 * (sql/ledger.h: the floor the core chose), which takes the row lock and
 * re-checks the balance against the latest committed value, so concurrent
 * withdrawals on two nodes can never overdraw.
 *
 * Postings queue on one lock: a transaction takes a transaction-scoped
 * advisory lock (LEDGER_LOCK_KEY) before its first account. Each posting
 * locks its accounts in id order, but a batch of several commands (or
 * several writers and nodes) took them command by command, so two batches
 * could lock the same accounts in opposite orders, and creating a missing
 * account waits for a concurrent creator: deadlocks, found only after the
 * server's deadlock_timeout (1 s by default), and a command that lost all
 * five tries answered 500 (test_pg_writers, about one run in eight). Under
 * the lock, postings wait for each other in turn, never in a cycle over
 * their accounts; the lock goes at COMMIT or ROLLBACK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_internal.h"
#include "sql/ledger.h"

/* The advisory lock key of the ledger ("kassaLDG" as a big-endian int64). */
#define LEDGER_LOCK_KEY "7737592574190044231"

enum {
    S_LEDGER_LOCK = PG_SLOTS_LEDGER,
    S_ACCOUNT_ENSURE,
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
_Static_assert((int)S_END_ <= (int)PG_SLOTS_ORDERS, "ledger statements overflow their slots");

static const char *const sql[] = {
    [S_LEDGER_LOCK - PG_SLOTS_LEDGER] = "SELECT pg_advisory_xact_lock(" LEDGER_LOCK_KEY ")",
    [S_ACCOUNT_ENSURE - PG_SLOTS_LEDGER] = SQL_ACCOUNT_ENSURE,
    [S_ACCOUNT_GET - PG_SLOTS_LEDGER] =
        "SELECT id FROM accounts WHERE kind = $1 AND shop_id = $2 AND currency = $3",
    [S_ACCOUNT_ADD - PG_SLOTS_LEDGER] = SQL_ACCOUNT_ADD,
    [S_LEDGER_TX - PG_SLOTS_LEDGER] = SQL_LEDGER_TX_INSERT " RETURNING id",
    [S_POSTING - PG_SLOTS_LEDGER] = SQL_POSTING_INSERT,
    [S_BALANCES - PG_SLOTS_LEDGER] =
        "SELECT currency, "
        "COALESCE(SUM(balance) FILTER (WHERE kind = 'shop_available'), 0), "
        "COALESCE(SUM(balance) FILTER (WHERE kind = 'shop_held'), 0) "
        "FROM accounts WHERE shop_id = $1 AND kind IN ('shop_available', 'shop_held') "
        "GROUP BY currency ORDER BY currency",
    [S_VERIFY_ACCOUNTS - PG_SLOTS_LEDGER] =
        "SELECT id, kind, shop_id, currency, balance, s FROM (SELECT a.id, a.kind, "
        "a.shop_id, a.currency, a.balance, COALESCE((SELECT SUM(p.amount) FROM postings p "
        "WHERE p.account_id = a.id), 0) AS s FROM accounts a) x WHERE balance <> s",
    [S_VERIFY_TX - PG_SLOTS_LEDGER] =
        "SELECT t.id, t.kind, COALESCE(SUM(p.amount), 0), COUNT(p.id), COALESCE(a.currency, '') "
        "FROM ledger_tx t LEFT JOIN postings p ON p.tx_id = t.id LEFT JOIN accounts a ON "
        "a.id = p.account_id GROUP BY t.id, t.kind, a.currency "
        "HAVING COALESCE(SUM(p.amount), 0) <> 0 OR COUNT(p.id) = 0",
    [S_VERIFY_NEGATIVE - PG_SLOTS_LEDGER] = SQL_VERIFY_NEGATIVE,
    [S_COUNT_ACCOUNTS - PG_SLOTS_LEDGER] = SQL_COUNT_ACCOUNTS,
    [S_COUNT_TX - PG_SLOTS_LEDGER] = SQL_COUNT_TX,
};

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

static PGresult *exec_(struct pg_conn *c, int slot, const struct pg_params *p, kassa_err *err)
{
    return pg_exec(c, slot, sql[slot - PG_SLOTS_LEDGER], p, err);
}

static kassa_err run_(struct pg_conn *c, int slot, const struct pg_params *p, int64_t *changed)
{
    return pg_run(c, slot, sql[slot - PG_SLOTS_LEDGER], p, changed);
}

/* The account's id, created when missing (another node may create it at
 * the same moment: ON CONFLICT DO NOTHING waits for it, then we read it). */
static kassa_err account_id(struct pg_conn *c, const struct posting *leg, int64_t *id)
{
    const char *kind = account_kind_name(leg->kind);
    if (kind == NULL)
        return KASSA_EIO;
    struct pg_params p = {0};
    pgp_text(&p, kind);
    pgp_i64(&p, leg->shop_id);
    pgp_text(&p, leg->currency);
    for (int attempt = 0; attempt < 2; attempt++) {
        kassa_err err;
        PGresult *r = exec_(c, S_ACCOUNT_GET, &p, &err);
        if (r == NULL)
            return err;
        bool found = PQntuples(r) == 1;
        if (found)
            *id = pg_i64(r, 0, 0);
        PQclear(r);
        if (found)
            return KASSA_OK;
        if ((err = run_(c, S_ACCOUNT_ENSURE, &p, NULL)) != KASSA_OK)
            return err;
    }
    return KASSA_EIO;
}

kassa_err pg_ledger_lock(struct store_conn *base)
{
    CONN(base);
    static const struct pg_params none = {.n = 0};
    const struct pg_call call = {S_LEDGER_LOCK, sql[S_LEDGER_LOCK - PG_SLOTS_LEDGER], &none};
    PGresult *res;
    kassa_err err = pg_exec_many(c, &call, 1, &res);
    if (err == KASSA_OK)
        PQclear(res);
    return err;
}

kassa_err pg_ledger_post(struct store_conn *base, const char *kind, const char *ref_type,
                         int64_t ref_id, int64_t now, const struct posting *legs, size_t n)
{
    CONN(base);
    int64_t acc[16];
    size_t order[16];
    if (n > sizeof acc / sizeof acc[0])
        return KASSA_EINVAL;
    /* The ledger's lock and the transaction record in one round trip, before
     * any account is read, created or locked. Taken again in the same
     * transaction, the lock stacks; all of it goes at COMMIT or ROLLBACK. */
    static const struct pg_params none = {.n = 0};
    struct pg_params p = {0};
    pgp_text(&p, kind);
    pgp_text(&p, ref_type);
    pgp_i64(&p, ref_id);
    pgp_i64(&p, now);
    const struct pg_call calls[2] = {
        {S_LEDGER_LOCK, sql[S_LEDGER_LOCK - PG_SLOTS_LEDGER], &none},
        {S_LEDGER_TX, sql[S_LEDGER_TX - PG_SLOTS_LEDGER], &p},
    };
    PGresult *res[2];
    kassa_err err = pg_exec_many(c, calls, 2, res);
    if (err != KASSA_OK)
        return err;
    int64_t tx_id = PQntuples(res[1]) == 1 ? pg_i64(res[1], 0, 0) : 0;
    PQclear(res[0]);
    PQclear(res[1]);
    if (tx_id == 0)
        return KASSA_EIO;
    for (size_t i = 0; i < n; i++) {
        if ((err = account_id(c, &legs[i], &acc[i])) != KASSA_OK)
            return err;
        order[i] = i;
    }
    /* Lock the accounts in id order, the same order on every node, so two
     * batches touching the same accounts queue rather than deadlock. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && acc[order[j]] < acc[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        struct pg_params a = {0};
        pgp_i64(&a, acc[i]);
        pgp_i64(&a, legs[i].amount);
        pgp_text(&a, legs[i].floor_zero ? "true" : "false");
        PGresult *r = exec_(c, S_ACCOUNT_ADD, &a, &err);
        if (r == NULL)
            return err;
        bool moved = PQntuples(r) == 1;
        PQclear(r);
        if (!moved)
            return KASSA_EFUNDS;
        struct pg_params q = {0};
        pgp_i64(&q, tx_id);
        pgp_i64(&q, acc[i]);
        pgp_i64(&q, legs[i].amount);
        if ((err = run_(c, S_POSTING, &q, NULL)) != KASSA_OK)
            return err;
    }
    return KASSA_OK;
}

kassa_err pg_balances(struct store_conn *base, int64_t shop_id, store_balance_fn fn, void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    kassa_err err;
    PGresult *r = exec_(c, S_BALANCES, &p, &err);
    if (r == NULL)
        return err;
    char currency[16];
    for (int i = 0; i < PQntuples(r); i++) {
        pg_text(r, i, 0, currency, sizeof currency);
        if (!fn(arg, currency, pg_i64(r, i, 1), pg_i64(r, i, 2)))
            break;
    }
    PQclear(r);
    return KASSA_OK;
}

static int64_t count(struct pg_conn *c, int slot)
{
    kassa_err err;
    PGresult *r = exec_(c, slot, NULL, &err);
    int64_t n = -1;
    if (r != NULL && PQntuples(r) == 1)
        n = pg_i64(r, 0, 0);
    PQclear(r);
    return n;
}

kassa_err pg_ledger_verify(struct store_conn *base, store_problem_fn problem, void *arg,
                           int64_t *accounts, int64_t *transactions)
{
    CONN(base);
    char msg[512];
    kassa_err err;
    PGresult *r = exec_(c, S_VERIFY_ACCOUNTS, NULL, &err);
    if (r == NULL)
        return err;
    for (int i = 0; i < PQntuples(r); i++) {
        snprintf(msg, sizeof msg,
                 "account %lld (%s, shop %lld, %s): balance %lld but its postings sum to %lld",
                 (long long)pg_i64(r, i, 0), PQgetvalue(r, i, 1), (long long)pg_i64(r, i, 2),
                 PQgetvalue(r, i, 3), (long long)pg_i64(r, i, 4), (long long)pg_i64(r, i, 5));
        problem(arg, msg);
    }
    PQclear(r);
    if ((r = exec_(c, S_VERIFY_TX, NULL, &err)) == NULL)
        return err;
    for (int i = 0; i < PQntuples(r); i++) {
        if (pg_i64(r, i, 3) == 0)
            snprintf(msg, sizeof msg, "transaction %lld (%s): has no postings",
                     (long long)pg_i64(r, i, 0), PQgetvalue(r, i, 1));
        else
            snprintf(msg, sizeof msg, "transaction %lld (%s): postings in %s sum to %lld, not 0",
                     (long long)pg_i64(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 4),
                     (long long)pg_i64(r, i, 2));
        problem(arg, msg);
    }
    PQclear(r);
    if ((r = exec_(c, S_VERIFY_NEGATIVE, NULL, &err)) == NULL)
        return err;
    for (int i = 0; i < PQntuples(r); i++) {
        snprintf(msg, sizeof msg, "account %lld (%s, shop %lld, %s) is negative: %lld",
                 (long long)pg_i64(r, i, 0), PQgetvalue(r, i, 1), (long long)pg_i64(r, i, 2),
                 PQgetvalue(r, i, 3), (long long)pg_i64(r, i, 4));
        problem(arg, msg);
    }
    PQclear(r);
    *accounts = count(c, S_COUNT_ACCOUNTS);
    *transactions = count(c, S_COUNT_TX);
    return KASSA_OK;
}
