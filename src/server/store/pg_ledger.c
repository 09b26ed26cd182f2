/* pg_ledger.c: the PostgreSQL side of the money (twin of sqlite_ledger.c):
 * order state changes, ledger postings, the event outbox, withdrawals,
 * receipts, statistics and the ledger's self-check.
 *
 * Across nodes: a state change is an UPDATE conditional on the old state
 * (a racing node's change makes it touch no row: KASSA_ESTATE); a balance
 * moves with one conditional UPDATE per account, which takes the row lock
 * and re-checks the balance against the latest committed value, so
 * concurrent withdrawals on two nodes can never overdraw; due orders are
 * selected FOR UPDATE SKIP LOCKED so two sweepers split them.
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
#include "base/log.h"
#include "pg_internal.h"
#include "sql/ledger.h"

/* The advisory lock key of the ledger ("kassaLDG" as a big-endian int64). */
#define LEDGER_LOCK_KEY "7737592574190044231"

enum {
    S_ORDER_SET_STATUS = PG_SLOTS_LEDGER,
    S_LEDGER_LOCK,
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
    S_IDEM_PURGE,
    S_FEE_GET,
    S_FEE_SET,
    S_FEES,
    S_FEE_PERCENT,
    S_ORDER_SET_METHOD,
    S_SHOP_UPDATE,
    S_LEDGER_END_,
};
_Static_assert((int)S_LEDGER_END_ <= (int)PG_SLOTS_CALLBACK, "ledger statements overflow");

#define WD_COLUMNS                                                                                 \
    "SELECT id, shop_id, payment_id, currency, amount, fee, account, payment_system, status, "     \
    "fingerprint, created_at, completed_at FROM withdrawals "

static const char *const sql[] = {
    [S_ORDER_SET_STATUS - PG_SLOTS_LEDGER] =
        "UPDATE orders SET status = $2, paid_at = $3, confirmed_by_customer = $4, "
        "updated_at = $5 WHERE id = $1 AND status = $6",
    [S_LEDGER_LOCK - PG_SLOTS_LEDGER] = "SELECT pg_advisory_xact_lock(" LEDGER_LOCK_KEY ")",
    [S_ACCOUNT_ENSURE - PG_SLOTS_LEDGER] =
        "INSERT INTO accounts(kind, shop_id, currency) VALUES ($1, $2, $3) "
        "ON CONFLICT (kind, shop_id, currency) DO NOTHING",
    [S_ACCOUNT_GET - PG_SLOTS_LEDGER] =
        "SELECT id FROM accounts WHERE kind = $1 AND shop_id = $2 AND currency = $3",
    [S_ACCOUNT_ADD - PG_SLOTS_LEDGER] = SQL_ACCOUNT_ADD,
    [S_LEDGER_TX - PG_SLOTS_LEDGER] =
        "INSERT INTO ledger_tx(kind, ref_type, ref_id, created_at) VALUES ($1, $2, $3, $4) "
        "RETURNING id",
    [S_POSTING - PG_SLOTS_LEDGER] =
        "INSERT INTO postings(tx_id, account_id, amount) VALUES ($1, $2, $3)",
    [S_EVENT - PG_SLOTS_LEDGER] = "INSERT INTO events(shop_id, order_id, kind, status, "
                                  "created_at) VALUES ($1, $2, $3, $4, $5)",
    [S_ORDERS_DUE - PG_SLOTS_LEDGER] =
        "SELECT id FROM orders WHERE status = 0 AND expires_at <= $1 "
        "ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    [S_ORDER_CONFIRM - PG_SLOTS_LEDGER] =
        "UPDATE orders SET confirmed_by_customer = 1, updated_at = $2 "
        "WHERE id = $1 AND status = 0",
    [S_RECEIPT_PUT - PG_SLOTS_LEDGER] =
        "INSERT INTO receipts(order_id, content_type, data, created_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO UPDATE SET "
        "content_type = excluded.content_type, data = excluded.data, "
        "created_at = excluded.created_at",
    [S_RECEIPT_GET - PG_SLOTS_LEDGER] =
        "SELECT content_type, data FROM receipts WHERE order_id = $1",
    [S_STATS - PG_SLOTS_LEDGER] =
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE o.status = 1), "
        "COUNT(*) FILTER (WHERE o.status = 0), COALESCE(SUM(o.amount), 0), "
        "COALESCE(SUM(o.amount) FILTER (WHERE o.status = 1), 0), "
        "COALESCE(SUM(o.amount) FILTER (WHERE o.status = 0), 0), "
        "COALESCE(SUM(o.amount) FILTER (WHERE o.status IN (2, 3, 4, 5)), 0), "
        "COALESCE(SUM(o.fee) FILTER (WHERE o.status = 1), 0) "
        "FROM orders o LEFT JOIN requisites r ON r.id = o.requisite_id "
        "WHERE o.shop_id = $1 AND o.created_at >= $2 AND o.created_at < $3 "
        "AND ($4::text = '' OR o.requisite_type = $4::text) "
        "AND ($5::text = '' OR r.country_code = $5::text) AND o.currency = $6::text",
    [S_WD_INSERT - PG_SLOTS_LEDGER] =
        "INSERT INTO withdrawals(shop_id, payment_id, currency, amount, fee, account, "
        "payment_system, status, fingerprint, created_at, completed_at) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    [S_WD_BY_ID - PG_SLOTS_LEDGER] =
        WD_COLUMNS "WHERE id = $1 AND ($2::bigint = 0 OR shop_id = $2::bigint)",
    [S_WD_BY_PAYMENT_ID - PG_SLOTS_LEDGER] =
        WD_COLUMNS "WHERE shop_id = $2::bigint AND payment_id = $1",
    [S_WD_SET_STATUS - PG_SLOTS_LEDGER] =
        "UPDATE withdrawals SET status = $2, completed_at = $3 WHERE id = $1 AND status = $4",
    [S_WD_PAGE - PG_SLOTS_LEDGER] =
        WD_COLUMNS "WHERE shop_id = $1 ORDER BY id DESC LIMIT $3 OFFSET $2",
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
        "SELECT t.id, t.kind, COALESCE(SUM(p.amount), 0), COUNT(p.id) FROM ledger_tx t "
        "LEFT JOIN postings p ON p.tx_id = t.id GROUP BY t.id, t.kind "
        "HAVING COALESCE(SUM(p.amount), 0) <> 0 OR COUNT(p.id) = 0",
    [S_VERIFY_NEGATIVE - PG_SLOTS_LEDGER] =
        "SELECT id, kind, shop_id, currency, s FROM (SELECT a.id, a.kind, a.shop_id, "
        "a.currency, COALESCE((SELECT SUM(p.amount) FROM postings p "
        "WHERE p.account_id = a.id), 0) AS s FROM accounts a "
        "WHERE a.kind IN ('shop_available', 'shop_held')) x WHERE s < 0",
    [S_COUNT_ACCOUNTS - PG_SLOTS_LEDGER] = "SELECT COUNT(*) FROM accounts",
    [S_COUNT_TX - PG_SLOTS_LEDGER] = "SELECT COUNT(*) FROM ledger_tx",
    [S_IDEM_PURGE - PG_SLOTS_LEDGER] =
        "DELETE FROM idempotency WHERE ctid IN (SELECT ctid FROM idempotency "
        "WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
    [S_FEE_GET - PG_SLOTS_LEDGER] =
        "SELECT fixed FROM shop_fees WHERE shop_id = $1 AND currency = $2",
    [S_FEE_SET - PG_SLOTS_LEDGER] =
        "INSERT INTO shop_fees(shop_id, currency, fixed) VALUES ($1, $2, $3) "
        "ON CONFLICT (shop_id, currency) DO UPDATE SET fixed = excluded.fixed",
    [S_FEES - PG_SLOTS_LEDGER] =
        "SELECT currency, fixed FROM shop_fees WHERE shop_id = $1 ORDER BY currency",
    [S_FEE_PERCENT - PG_SLOTS_LEDGER] = "UPDATE shops SET fee_percent = $2 WHERE id = $1",
    [S_ORDER_SET_METHOD - PG_SLOTS_LEDGER] =
        "UPDATE orders SET payment_system = $2, requisite_type = $3, requisite_id = $4, "
        "updated_at = $5 WHERE id = $1 AND status = 0 AND payment_system = 0 AND "
        "requisite_type = ''",
    [S_SHOP_UPDATE - PG_SLOTS_LEDGER] =
        "UPDATE shops SET name = $2, url = $3, callback_url = $4 WHERE id = $1",
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

kassa_err pg_order_set_status(struct store_conn *base, const struct order *o,
                              enum order_status from)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, o->id);
    pgp_i64(&p, (int)o->status);
    pgp_i64(&p, o->paid_at);
    pgp_i64(&p, o->confirmed_by_customer);
    pgp_i64(&p, o->updated_at);
    pgp_i64(&p, (int)from);
    int64_t n = 0;
    kassa_err err = run_(c, S_ORDER_SET_STATUS, &p, &n);
    if (err == KASSA_OK && n != 1)
        err = KASSA_ESTATE;
    return err;
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

kassa_err pg_event_insert(struct store_conn *base, int64_t shop_id, int64_t order_id,
                          const char *kind, int status, int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_i64(&p, order_id);
    pgp_text(&p, kind);
    pgp_i64(&p, status);
    pgp_i64(&p, now);
    return run_(c, S_EVENT, &p, NULL);
}

kassa_err pg_orders_due(struct store_conn *base, int64_t now, int limit, int64_t *ids, int *n)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, now);
    pgp_i64(&p, limit);
    *n = 0;
    kassa_err err;
    PGresult *r = exec_(c, S_ORDERS_DUE, &p, &err);
    if (r == NULL)
        return err;
    for (int i = 0; i < PQntuples(r) && *n < limit; i++)
        ids[(*n)++] = pg_i64(r, i, 0);
    PQclear(r);
    return KASSA_OK;
}

kassa_err pg_order_confirm(struct store_conn *base, int64_t order_id, int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    pgp_i64(&p, now);
    int64_t n = 0;
    kassa_err err = run_(c, S_ORDER_CONFIRM, &p, &n);
    if (err == KASSA_OK && n != 1)
        err = KASSA_ESTATE;
    return err;
}

kassa_err pg_receipt_image_put(struct store_conn *base, int64_t order_id, const char *content_type,
                               const void *data, size_t len, int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    pgp_text(&p, content_type);
    pgp_bytes(&p, data, len);
    pgp_i64(&p, now);
    return run_(c, S_RECEIPT_PUT, &p, NULL);
}

kassa_err pg_receipt_image_get(struct store_conn *base, int64_t order_id, struct arena *a,
                               char **content_type, void **data, size_t *len)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    kassa_err err;
    PGresult *r = exec_(c, S_RECEIPT_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return KASSA_ENOTFOUND;
    }
    size_t hexlen = (size_t)PQgetlength(r, 0, 1);
    size_t cap = hexlen > 2 ? (hexlen - 2) / 2 : 0;
    *content_type = arena_strdup(a, PQgetvalue(r, 0, 0));
    *data = arena_alloc(a, cap ? cap : 1);
    if (*content_type == NULL || *data == NULL) {
        err = KASSA_ENOMEM;
    } else {
        long got = pg_bytes(r, 0, 1, *data, cap);
        if (got < 0)
            err = KASSA_EIO;
        else
            *len = (size_t)got;
    }
    PQclear(r);
    return err;
}

kassa_err pg_order_stats(struct store_conn *base, int64_t shop_id, int64_t from, int64_t to,
                         const char *requisite_type, const char *country_code, const char *currency,
                         struct order_stats *out)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_i64(&p, from);
    pgp_i64(&p, to);
    pgp_text(&p, requisite_type);
    pgp_text(&p, country_code);
    pgp_text(&p, currency);
    kassa_err err;
    PGresult *r = exec_(c, S_STATS, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1) {
        out->total_orders = pg_i64(r, 0, 0);
        out->completed_orders = pg_i64(r, 0, 1);
        out->pending_orders = pg_i64(r, 0, 2);
        out->total_amount = pg_i64(r, 0, 3);
        out->completed_amount = pg_i64(r, 0, 4);
        out->pending_amount = pg_i64(r, 0, 5);
        out->failed_amount = pg_i64(r, 0, 6);
        out->total_commission = pg_i64(r, 0, 7);
    } else {
        err = KASSA_EIO;
    }
    PQclear(r);
    return err;
}

kassa_err pg_withdrawal_insert(struct store_conn *base, struct withdrawal *w)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, w->shop_id);
    pgp_text(&p, w->payment_id);
    pgp_text(&p, w->currency);
    pgp_i64(&p, w->amount);
    pgp_i64(&p, w->fee);
    pgp_text(&p, w->account);
    pgp_i64(&p, w->payment_system);
    pgp_i64(&p, w->status);
    pgp_bytes(&p, w->fingerprint, sizeof w->fingerprint);
    pgp_i64(&p, w->created_at);
    pgp_i64(&p, w->completed_at);
    kassa_err err;
    PGresult *r = exec_(c, S_WD_INSERT, &p, &err);
    if (r == NULL)
        /* The same payment_id committed by another node meanwhile: run the
         * command again, it then finds that withdrawal (a replay or a
         * conflict). */
        return err == KASSA_EEXIST ? KASSA_ERETRY : err;
    w->id = PQntuples(r) == 1 ? pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return w->id ? KASSA_OK : KASSA_EIO;
}

static void read_withdrawal(const PGresult *r, int row, struct withdrawal *w)
{
    memset(w, 0, sizeof *w);
    w->id = pg_i64(r, row, 0);
    w->shop_id = pg_i64(r, row, 1);
    pg_text(r, row, 2, w->payment_id, sizeof w->payment_id);
    pg_text(r, row, 3, w->currency, sizeof w->currency);
    w->amount = pg_i64(r, row, 4);
    w->fee = pg_i64(r, row, 5);
    pg_text(r, row, 6, w->account, sizeof w->account);
    w->payment_system = (int)pg_i64(r, row, 7);
    w->status = (int)pg_i64(r, row, 8);
    unsigned char fp[sizeof w->fingerprint];
    if (pg_bytes(r, row, 9, fp, sizeof fp) == (long)sizeof fp)
        memcpy(w->fingerprint, fp, sizeof fp);
    w->created_at = pg_i64(r, row, 10);
    w->completed_at = pg_i64(r, row, 11);
}

kassa_err pg_withdrawal_get(struct store_conn *base, int64_t shop_id, int64_t id,
                            const char *payment_id, struct withdrawal *out)
{
    CONN(base);
    struct pg_params p = {0};
    if (payment_id)
        pgp_text(&p, payment_id);
    else
        pgp_i64(&p, id);
    pgp_i64(&p, shop_id);
    kassa_err err;
    PGresult *r = exec_(c, payment_id ? S_WD_BY_PAYMENT_ID : S_WD_BY_ID, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else
        read_withdrawal(r, 0, out);
    PQclear(r);
    return err;
}

kassa_err pg_withdrawal_set_status(struct store_conn *base, const struct withdrawal *w, int from)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, w->id);
    pgp_i64(&p, w->status);
    pgp_i64(&p, w->completed_at);
    pgp_i64(&p, from);
    int64_t n = 0;
    kassa_err err = run_(c, S_WD_SET_STATUS, &p, &n);
    if (err == KASSA_OK && n != 1)
        err = KASSA_ESTATE;
    return err;
}

kassa_err pg_withdrawals_page(struct store_conn *base, int64_t shop_id, int offset, int limit,
                              store_withdrawal_fn fn, void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_i64(&p, offset);
    pgp_i64(&p, limit);
    kassa_err err;
    PGresult *r = exec_(c, S_WD_PAGE, &p, &err);
    if (r == NULL)
        return err;
    struct withdrawal w;
    for (int i = 0; i < PQntuples(r); i++) {
        read_withdrawal(r, i, &w);
        if (!fn(arg, &w))
            break;
    }
    PQclear(r);
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
            snprintf(msg, sizeof msg, "transaction %lld (%s): postings sum to %lld, not 0",
                     (long long)pg_i64(r, i, 0), PQgetvalue(r, i, 1), (long long)pg_i64(r, i, 2));
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

kassa_err pg_idem_purge(struct store_conn *base, int64_t before, int limit, int *purged)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, before);
    pgp_i64(&p, limit);
    int64_t changed = 0;
    kassa_err err = run_(c, S_IDEM_PURGE, &p, &changed);
    *purged = err == KASSA_OK ? (int)changed : 0;
    return err;
}

kassa_err pg_shop_fee_get(struct store_conn *base, int64_t shop_id, const char *currency,
                          int64_t *fixed)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, currency);
    kassa_err err;
    PGresult *r = exec_(c, S_FEE_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        *fixed = pg_i64(r, 0, 0);
    else
        err = KASSA_ENOTFOUND;
    PQclear(r);
    return err;
}

kassa_err pg_shop_fee_set(struct store_conn *base, int64_t shop_id, const char *currency,
                          int64_t fixed)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, currency);
    pgp_i64(&p, fixed);
    return run_(c, S_FEE_SET, &p, NULL);
}

kassa_err pg_shop_fees(struct store_conn *base, int64_t shop_id,
                       bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    kassa_err err;
    PGresult *r = exec_(c, S_FEES, &p, &err);
    if (r == NULL)
        return err;
    char currency[16];
    for (int i = 0; i < PQntuples(r); i++) {
        pg_text(r, i, 0, currency, sizeof currency);
        if (!fn(arg, currency, pg_i64(r, i, 1)))
            break;
    }
    PQclear(r);
    return KASSA_OK;
}

kassa_err pg_shop_set_fee_percent(struct store_conn *base, int64_t shop_id, const char *percent)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, percent);
    int64_t changed = 0;
    kassa_err err = run_(c, S_FEE_PERCENT, &p, &changed);
    if (err == KASSA_OK && changed != 1)
        err = KASSA_ENOTFOUND;
    return err;
}

kassa_err pg_order_set_method(struct store_conn *base, int64_t order_id, int payment_system,
                              const char *requisite_type, int64_t requisite_id, int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    pgp_i64(&p, payment_system);
    pgp_text(&p, requisite_type);
    if (requisite_id != 0)
        pgp_i64(&p, requisite_id);
    else
        pgp_null(&p);
    pgp_i64(&p, now);
    int64_t n = 0;
    kassa_err err = run_(c, S_ORDER_SET_METHOD, &p, &n);
    if (err == KASSA_OK && n != 1)
        err = KASSA_ESTATE;
    return err;
}

kassa_err pg_shop_update(struct store_conn *base, const struct shop *s)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, s->id);
    pgp_text(&p, s->name);
    pgp_text(&p, s->url);
    pgp_text(&p, s->callback_url);
    int64_t changed = 0;
    kassa_err err = run_(c, S_SHOP_UPDATE, &p, &changed);
    if (err == KASSA_OK && changed != 1)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        err = pg_shop_dialects_put(c, s);
    return err;
}
