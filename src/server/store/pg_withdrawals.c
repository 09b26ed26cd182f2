/* pg_withdrawals.c: withdrawal rows on PostgreSQL (twin of
 * sqlite_withdrawals.c; their money moves through the ledger, pg_ledger.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_internal.h"
#include "sql/withdrawals.h"

enum {
    S_WD_INSERT = PG_SLOTS_WITHDRAWALS,
    S_WD_BY_ID,
    S_WD_BY_PAYMENT_ID,
    S_WD_SET_STATUS,
    S_WD_PAGE,
    S_END_,
};
_Static_assert((int)S_END_ <= (int)PG_SLOTS_SHOP_SETTINGS,
               "withdrawals statements overflow their slots");

#define WD_COLUMNS SQL_WITHDRAWAL_SELECT

static const char *const sql[] = {
    [S_WD_INSERT - PG_SLOTS_WITHDRAWALS] = SQL_WITHDRAWAL_INSERT " RETURNING id",
    [S_WD_BY_ID - PG_SLOTS_WITHDRAWALS] =
        WD_COLUMNS "WHERE id = $1 AND ($2::bigint = 0 OR shop_id = $2::bigint)",
    [S_WD_BY_PAYMENT_ID - PG_SLOTS_WITHDRAWALS] =
        WD_COLUMNS "WHERE shop_id = $2::bigint AND payment_id = $1",
    [S_WD_SET_STATUS - PG_SLOTS_WITHDRAWALS] = SQL_WITHDRAWAL_SET_STATUS,
    [S_WD_PAGE - PG_SLOTS_WITHDRAWALS] =
        WD_COLUMNS "WHERE shop_id = $1 ORDER BY id DESC LIMIT $3 OFFSET $2",
};

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

static PGresult *exec_(struct pg_conn *c, int slot, const struct pg_params *p, kassa_err *err)
{
    return pg_exec(c, slot, sql[slot - PG_SLOTS_WITHDRAWALS], p, err);
}

static kassa_err run_(struct pg_conn *c, int slot, const struct pg_params *p, int64_t *changed)
{
    return pg_run(c, slot, sql[slot - PG_SLOTS_WITHDRAWALS], p, changed);
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

kassa_err pg_withdrawals_list(struct store_conn *base, const struct withdrawal_filter *f,
                              store_withdrawal_fn fn, void *arg)
{
    CONN(base);
    struct sql_query *q = malloc(sizeof *q);
    struct pg_params *p = calloc(1, sizeof *p);
    kassa_err err = KASSA_ENOMEM;
    if (q != NULL && p != NULL) {
        sql_withdrawals_list(f, q);
        struct pg_params_sink k = pg_params_sink(p);
        sql_query_params(q, &k.base);
        PGresult *r = pg_exec(c, PG_SLOT_ONCE, q->sql, p, &err);
        struct withdrawal w;
        for (int i = 0; r != NULL && i < PQntuples(r); i++) {
            read_withdrawal(r, i, &w);
            if (!fn(arg, &w))
                break;
        }
        PQclear(r);
    }
    free(q);
    free(p);
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
