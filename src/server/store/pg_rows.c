/* pg_rows.c: the rows of the PostgreSQL backend: merchants, shops,
 * requisites, orders (as read), idempotency records and exchange rates.
 * Statements in slots PG_SLOTS_ROWS.. (pg_internal.h); order creates are
 * pg_create.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_internal.h"
#include "sql/orders.h"
#include "sql/requisites.h"
#include "sql/rows.h"

/* Every row statement, prepared lazily per connection (slots
 * PG_SLOTS_ROWS..). */
#define PG_STMTS(XX)                                                                               \
    XX(MERCHANT_INSERT, SQL_MERCHANT_INSERT " RETURNING id")                                       \
    XX(MERCHANT_GET, SQL_MERCHANT_GET)                                                             \
    XX(SHOP_INSERT, SQL_SHOP_INSERT " RETURNING id")                                               \
    XX(SHOP_DIALECT_PUT, SQL_SHOP_DIALECT_PUT)                                                     \
    XX(SHOP_BY_ID, SQL_SHOP_BY_ID)                                                                 \
    XX(SHOP_BY_PUBLIC_KEY, SQL_SHOP_BY_PUBLIC_KEY)                                                 \
    XX(SHOP_BY_API_KEY, SQL_SHOP_BY_API_KEY)                                                       \
    XX(REQUISITE_INSERT, SQL_REQUISITE_INSERT " RETURNING id")                                     \
    XX(REQUISITES_AFTER, SQL_REQUISITES_AFTER)                                                     \
    XX(REQUISITE_CLAIM, SQL_REQUISITE_CLAIM)                                                       \
    XX(REQUISITE_UNCLAIM, SQL_REQUISITE_UNCLAIM)                                                   \
    XX(REQUISITE_PENDING, SQL_REQUISITE_PENDING)                                                   \
    XX(ORDER_BY_ID, SQL_ORDER_BY_ID)                                                               \
    XX(ORDER_BY_UUID, SQL_ORDER_BY_UUID)                                                           \
    XX(ORDER_BY_UUID_CALLBACK, SQL_ORDER_BY_UUID_CALLBACK)                                         \
    XX(ORDERS_BY_MERCHANT_ORDER_ID, SQL_ORDERS_BY_MERCHANT_ORDER_ID)                               \
    XX(IDEM_GET, "SELECT fingerprint, order_id, created_at FROM idempotency "                      \
                 "WHERE shop_id = $1 AND key = $2")                                                \
    XX(IDEM_PUT, "INSERT INTO idempotency(shop_id, key, fingerprint, order_id, created_at) "       \
                 "VALUES ($1, $2, $3, $4, $5)")                                                    \
    XX(IDEM_PURGE, "DELETE FROM idempotency WHERE ctid IN (SELECT ctid FROM idempotency "          \
                   "WHERE created_at < $1 ORDER BY created_at LIMIT $2)")                          \
    XX(RATE_GET, SQL_RATE_GET)                                                                     \
    XX(RATE_PUT, SQL_RATE_PUT)                                                                     \
    XX(SETTING_GET, SQL_SETTING_GET)                                                               \
    XX(SETTING_PUT, SQL_SETTING_PUT)

enum pg_stmt {
#define XX(name, sql) STMT_##name,
    PG_STMTS(XX)
#undef XX
        STMT_COUNT_
};

static const char *const stmt_sql[] = {
#define XX(name, sql) sql,
    PG_STMTS(XX)
#undef XX
};

_Static_assert((int)STMT_COUNT_ <= (int)PG_SLOTS_RECORDS - (int)PG_SLOTS_ROWS,
               "row statements overflow their slots");

/* The row statement `id`. */
static PGresult *core_exec(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                           kassa_err *err)
{
    return pg_exec(c, PG_SLOTS_ROWS + (int)id, stmt_sql[id], p, err);
}

static kassa_err core_run(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                          int64_t *changed)
{
    return pg_run(c, PG_SLOTS_ROWS + (int)id, stmt_sql[id], p, changed);
}

/* Run an INSERT ... RETURNING id into *id. */
static kassa_err core_insert_id(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                                int64_t *out)
{
    kassa_err err;
    PGresult *r = core_exec(c, id, p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        *out = pg_i64(r, 0, 0);
    else
        err = KASSA_EIO;
    PQclear(r);
    return err;
}

/* ---- data ----------------------------------------------------------------- */

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

kassa_err pg_requisite_claim(struct store_conn *base, int64_t requisite_id, int64_t amount,
                             bool *taken)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, requisite_id);
    pgp_i64(&p, amount);
    kassa_err err;
    *taken = false;
    PGresult *r = core_exec(c, STMT_REQUISITE_CLAIM, &p, &err);
    if (r == NULL)
        return err;
    *taken = PQntuples(r) == 1;
    PQclear(r);
    return KASSA_OK;
}

kassa_err pg_requisite_unclaim(struct store_conn *base, int64_t requisite_id, int64_t amount)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, requisite_id);
    pgp_i64(&p, amount);
    return core_run(c, STMT_REQUISITE_UNCLAIM, &p, NULL);
}

kassa_err pg_requisite_pending(struct store_conn *base, int64_t requisite_id, int64_t *n)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, requisite_id);
    kassa_err err;
    *n = 0;
    PGresult *r = core_exec(c, STMT_REQUISITE_PENDING, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        *n = pg_i64(r, 0, 0);
    PQclear(r);
    return KASSA_OK;
}

kassa_err pg_merchant_insert(struct store_conn *base, struct merchant *m)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, m->name);
    pgp_i64(&p, m->created_at);
    return core_insert_id(c, STMT_MERCHANT_INSERT, &p, &m->id);
}

kassa_err pg_merchant_get(struct store_conn *base, int64_t id, struct merchant *out)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, id);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_MERCHANT_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0) {
        err = KASSA_ENOTFOUND;
    } else {
        out->id = pg_i64(r, 0, 0);
        pg_text(r, 0, 1, out->name, sizeof out->name);
        out->created_at = pg_i64(r, 0, 2);
    }
    PQclear(r);
    return err;
}

kassa_err pg_shop_dialects_put(struct pg_conn *c, const struct shop *s)
{
    kassa_err err = KASSA_OK;
    for (int i = 0; i < s->n_dialects && err == KASSA_OK; i++) {
        const struct shop_dialect *d = &s->dialects[i];
        struct pg_params p = {0};
        pgp_i64(&p, s->id);
        pgp_text(&p, d->dialect);
        pgp_text(&p, d->api_key);
        pgp_text(&p, d->secret);
        pgp_i64(&p, d->order_ttl);
        pgp_text(&p, d->callback_format);
        pgp_i64(&p, d->strict_signing ? 1 : 0);
        err = core_run(c, STMT_SHOP_DIALECT_PUT, &p, NULL);
    }
    return err;
}

kassa_err pg_shop_insert(struct store_conn *base, struct shop *s)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, s->merchant_id);
    pgp_text(&p, s->public_key);
    pgp_text(&p, s->name);
    pgp_text(&p, s->url);
    pgp_text(&p, s->callback_url);
    pgp_text(&p, s->fee_percent);
    pgp_i64(&p, s->active);
    pgp_i64(&p, s->created_at);
    pgp_text(&p, s->form_hosts);
    pgp_i64(&p, s->test_mode ? 1 : 0);
    kassa_err err = core_insert_id(c, STMT_SHOP_INSERT, &p, &s->id);
    return err == KASSA_OK ? pg_shop_dialects_put(c, s) : err;
}

int pg_read_shops(const PGresult *r, bool (*fn)(void *arg, const struct shop *s), void *arg)
{
    struct shop *s = malloc(sizeof *s);
    int count = 0, n = PQntuples(r);
    if (s == NULL)
        return 0;
    for (int i = 0; i < n;) {
        memset(s, 0, sizeof *s);
        s->id = pg_i64(r, i, 0);
        s->merchant_id = pg_i64(r, i, 1);
        pg_text(r, i, 2, s->public_key, sizeof s->public_key);
        pg_text(r, i, 3, s->name, sizeof s->name);
        pg_text(r, i, 4, s->url, sizeof s->url);
        pg_text(r, i, 5, s->callback_url, sizeof s->callback_url);
        pg_text(r, i, 6, s->fee_percent, sizeof s->fee_percent);
        s->active = (int)pg_i64(r, i, 7);
        s->created_at = pg_i64(r, i, 8);
        pg_text(r, i, 14, s->form_hosts, sizeof s->form_hosts);
        s->rate_limit = (int)pg_i64(r, i, 19);
        s->rate_burst = (int)pg_i64(r, i, 20);
        s->amount_adjust_max = (int)pg_i64(r, i, 21);
        s->dispute_ttl = (int)pg_i64(r, i, 22);
        s->dispute_callbacks = pg_i64(r, i, 23) != 0;
        s->dispute_auto_success = pg_i64(r, i, 24) != 0;
        s->test_mode = pg_i64(r, i, 25) != 0;
        pg_text(r, i, 26, s->logo_url, sizeof s->logo_url);
        pg_text(r, i, 27, s->brand_color, sizeof s->brand_color);
        /* Its dialect rows: this result row and the next ones of the same
         * shop (the LEFT JOIN's NULLs when it has none). */
        for (; i < n && pg_i64(r, i, 0) == s->id; i++) {
            struct shop_dialect *d =
                PQgetisnull(r, i, 9) ? NULL : shop_dialect_add(s, PQgetvalue(r, i, 9));
            if (d == NULL)
                continue;
            pg_text(r, i, 10, d->api_key, sizeof d->api_key);
            pg_text(r, i, 11, d->secret, sizeof d->secret);
            d->order_ttl = (int)pg_i64(r, i, 12);
            pg_text(r, i, 13, d->callback_format, sizeof d->callback_format);
            d->strict_signing = pg_i64(r, i, 15) != 0;
            pg_text(r, i, 16, d->old_api_key, sizeof d->old_api_key);
            pg_text(r, i, 17, d->old_secret, sizeof d->old_secret);
            d->old_valid_until = pg_i64(r, i, 18);
        }
        count++;
        if (!fn(arg, s))
            break;
    }
    free(s);
    return count;
}

/* A visitor keeping the first shop. */
static bool first_shop(void *arg, const struct shop *s)
{
    *(struct shop *)arg = *s;
    return false;
}

/* The one shop statement `id` selects with `p` into out. */
static kassa_err one_shop(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                          struct shop *out)
{
    kassa_err err;
    PGresult *r = core_exec(c, id, p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else if (pg_read_shops(r, first_shop, out) == 0)
        err = KASSA_ENOMEM;
    PQclear(r);
    return err;
}

kassa_err pg_shop_get(struct store_conn *base, enum shop_key by, const char *key, int64_t id,
                      struct shop *out)
{
    CONN(base);
    struct pg_params p = {0};
    if (by == SHOP_BY_ID)
        pgp_i64(&p, id);
    else
        pgp_text(&p, key);
    return one_shop(c, by == SHOP_BY_ID ? STMT_SHOP_BY_ID : STMT_SHOP_BY_PUBLIC_KEY, &p, out);
}

kassa_err pg_shop_get_by_api_key(struct store_conn *base, const char *dialect, const char *api_key,
                                 struct shop *out)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, dialect);
    pgp_text(&p, api_key);
    return one_shop(c, STMT_SHOP_BY_API_KEY, &p, out);
}

kassa_err pg_requisite_insert(struct store_conn *base, struct requisite *rq)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, rq->type);
    pgp_text(&p, rq->value);
    pgp_text(&p, rq->owner_full_name);
    pgp_text(&p, rq->bank_code);
    pgp_text(&p, rq->bank_name_ru);
    pgp_text(&p, rq->bank_name_en);
    pgp_text(&p, rq->currency);
    pgp_text(&p, rq->country_code);
    pgp_i64(&p, rq->active);
    pgp_i64(&p, rq->created_at);
    pgp_i64(&p, rq->trader_id);
    const int64_t limits[] = {rq->min_amount,  rq->max_amount,  rq->daily_amount,
                              rq->daily_count, rq->max_pending, rq->paused};
    for (int i = 0; i < 6; i++)
        pgp_i64(&p, limits[i]);
    pgp_text(&p, rq->bic);
    pgp_text(&p, rq->corr_account);
    return core_insert_id(c, STMT_REQUISITE_INSERT, &p, &rq->id);
}

/* Read requisite columns starting at column `i`. */
kassa_err pg_requisites_after(struct store_conn *base, const char *type, const char *currency,
                              int64_t after, int limit, store_requisite_fn fn, void *arg, int *n)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, type);
    pgp_text(&p, currency);
    pgp_i64(&p, after);
    pgp_i64(&p, limit);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_REQUISITES_AFTER, &p, &err);
    int got = 0;
    struct requisite rq;
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        pg_read_requisite(r, i, 0, &rq);
        got++;
        if (!fn(arg, &rq))
            break;
    }
    PQclear(r);
    if (n != NULL)
        *n = got;
    return err;
}

void pg_read_requisite(const PGresult *r, int row, int i, struct requisite *rq)
{
    struct pg_row x = pg_row(r, row);
    sql_read_requisite(&x.base, i, rq);
}

void pg_read_order(const PGresult *r, int row, struct order *o)
{
    struct pg_row x = pg_row(r, row);
    sql_read_order(&x.base, o);
}

kassa_err pg_order_get(struct store_conn *base, enum order_key by, const char *key, int64_t id,
                       struct order *out)
{
    CONN(base);
    static const enum pg_stmt ids[] = {
        [ORDER_BY_ID] = STMT_ORDER_BY_ID,
        [ORDER_BY_UUID] = STMT_ORDER_BY_UUID,
        [ORDER_BY_UUID_CALLBACK] = STMT_ORDER_BY_UUID_CALLBACK,
    };
    struct pg_params p = {0};
    if (by == ORDER_BY_ID)
        pgp_i64(&p, id);
    else
        pgp_text(&p, key);
    kassa_err err;
    PGresult *r = core_exec(c, ids[by], &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else
        pg_read_order(r, 0, out);
    PQclear(r);
    return err;
}

kassa_err pg_orders_by_merchant_order_id(struct store_conn *base, int64_t shop_id, const char *moid,
                                         store_order_fn fn, void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, moid);
    kassa_err err;
    struct order *o = malloc(sizeof *o);
    if (o == NULL)
        return KASSA_ENOMEM;
    PGresult *r = core_exec(c, STMT_ORDERS_BY_MERCHANT_ORDER_ID, &p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        pg_read_order(r, i, o);
        if (!fn(arg, o))
            break;
    }
    PQclear(r);
    free(o);
    return err;
}

kassa_err pg_idem_get(struct store_conn *base, int64_t shop_id, const char *key, struct idem *out)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, key);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_IDEM_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0) {
        err = KASSA_ENOTFOUND;
    } else {
        memset(out, 0, sizeof *out);
        out->shop_id = shop_id;
        snprintf(out->key, sizeof out->key, "%s", key);
        unsigned char fp[sizeof out->fingerprint];
        if (pg_bytes(r, 0, 0, fp, sizeof fp) == (long)sizeof fp)
            memcpy(out->fingerprint, fp, sizeof fp);
        out->order_id = pg_i64(r, 0, 1);
        out->created_at = pg_i64(r, 0, 2);
    }
    PQclear(r);
    return err;
}

kassa_err pg_idem_put(struct store_conn *base, const struct idem *in)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, in->shop_id);
    pgp_text(&p, in->key);
    pgp_bytes(&p, in->fingerprint, sizeof in->fingerprint);
    pgp_i64(&p, in->order_id);
    pgp_i64(&p, in->created_at);
    kassa_err err = core_run(c, STMT_IDEM_PUT, &p, NULL);
    /* Another node committed the same key after our lookup: run the command
     * again, it then answers with that node's order. */
    return err == KASSA_EEXIST ? KASSA_ERETRY : err;
}

kassa_err pg_idem_purge(struct store_conn *base, int64_t before, int limit, int *purged)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, before);
    pgp_i64(&p, limit);
    int64_t changed = 0;
    kassa_err err = core_run(c, STMT_IDEM_PURGE, &p, &changed);
    *purged = err == KASSA_OK ? (int)changed : 0;
    return err;
}

kassa_err pg_rate_get(struct store_conn *base, const char *from, const char *to, char rate[32])
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, from);
    pgp_text(&p, to);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_RATE_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else
        pg_text(r, 0, 0, rate, 32);
    PQclear(r);
    return err;
}

kassa_err pg_rate_put(struct store_conn *base, const char *from, const char *to, const char *rate,
                      int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, from);
    pgp_text(&p, to);
    pgp_text(&p, rate);
    pgp_i64(&p, now);
    return core_run(c, STMT_RATE_PUT, &p, NULL);
}

kassa_err pg_setting_get(struct store_conn *base, const char *name, char *value, size_t size)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, name);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_SETTING_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else
        pg_text(r, 0, 0, value, size);
    PQclear(r);
    return err;
}

kassa_err pg_setting_put(struct store_conn *base, const char *name, const char *value, int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, name);
    pgp_text(&p, value);
    pgp_i64(&p, now);
    return core_run(c, STMT_SETTING_PUT, &p, NULL);
}
