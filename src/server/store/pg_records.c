/* pg_records.c: the smaller records in PostgreSQL (migrations 002, 011;
 * twin of sqlite_records.c): request nonces (the replay guard), per-shop
 * payment-method switches, an order's receipt items, and the shop/order
 * listings. Statement slots
 * PG_SLOTS_RECORDS.. (pg_internal.h).
 *
 * A nonce sent to two nodes at once: the second INSERT waits for the
 * first's transaction and then fails on the primary key, which reads as a
 * replay (KASSA_EEXIST), as on one node. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_internal.h"
#include "sql/orders.h"
#include "sql/records.h"
#include "sql/rows.h"

enum {
    T_NONCE_PUT = PG_SLOTS_RECORDS,
    T_NONCE_PRUNE,
    T_SHOPS_BY_MERCHANT,
    T_ORDERS_PAGE,
    T_METHODS,
    T_METHOD_SET,
    T_RECEIPT_PUT,
    T_RECEIPT_ITEMS,
    T_EVENTS_DESC,
    T_EVENTS_ASC,
    T_END_,
};
_Static_assert((int)T_END_ <= (int)PG_SLOTS_LEDGER, "record statements overflow their slots");

static const char *const sql[] = {
    [T_NONCE_PUT - PG_SLOTS_RECORDS] = SQL_NONCE_PUT,
    [T_NONCE_PRUNE - PG_SLOTS_RECORDS] = SQL_NONCE_PRUNE,
    [T_SHOPS_BY_MERCHANT - PG_SLOTS_RECORDS] = SQL_SHOPS_BY_MERCHANT,
    [T_ORDERS_PAGE - PG_SLOTS_RECORDS] = SQL_ORDERS_PAGE,
    [T_METHODS - PG_SLOTS_RECORDS] = SQL_SHOP_METHODS,
    [T_METHOD_SET - PG_SLOTS_RECORDS] = SQL_SHOP_METHOD_SET,
    [T_RECEIPT_PUT - PG_SLOTS_RECORDS] = SQL_RECEIPT_ITEM_PUT,
    [T_RECEIPT_ITEMS - PG_SLOTS_RECORDS] = SQL_RECEIPT_ITEMS,
    [T_EVENTS_DESC - PG_SLOTS_RECORDS] = SQL_EVENTS_OF_ORDER_DESC,
    [T_EVENTS_ASC - PG_SLOTS_RECORDS] = SQL_EVENTS_OF_ORDER_ASC,
};

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

static PGresult *exec_(struct pg_conn *c, int slot, const struct pg_params *p, kassa_err *err)
{
    return pg_exec(c, slot, sql[slot - PG_SLOTS_RECORDS], p, err);
}

static kassa_err run_(struct pg_conn *c, int slot, const struct pg_params *p)
{
    return pg_run(c, slot, sql[slot - PG_SLOTS_RECORDS], p, NULL);
}

kassa_err pg_nonce_put(struct store_conn *base, int64_t shop_id, const char *nonce,
                       const unsigned char body_hash[32], int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, nonce);
    pgp_bytes(&p, body_hash, 32);
    pgp_i64(&p, now);
    return run_(c, T_NONCE_PUT, &p);
}

kassa_err pg_nonce_prune(struct store_conn *base, int64_t before)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, before);
    return run_(c, T_NONCE_PRUNE, &p);
}

kassa_err pg_shops_by_merchant(struct store_conn *base, int64_t merchant_id,
                               bool (*fn)(void *arg, const struct shop *s), void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, merchant_id);
    kassa_err err;
    PGresult *r = exec_(c, T_SHOPS_BY_MERCHANT, &p, &err);
    if (r != NULL && PQntuples(r) > 0 && pg_read_shops(r, fn, arg) == 0)
        err = KASSA_ENOMEM;
    PQclear(r);
    return err;
}

kassa_err pg_orders_page(struct store_conn *base, int64_t shop_id, int64_t offset, int limit,
                         store_order_fn fn, void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_i64(&p, limit);
    pgp_i64(&p, offset);
    struct order *o = malloc(sizeof *o);
    if (o == NULL)
        return KASSA_ENOMEM;
    kassa_err err;
    PGresult *r = exec_(c, T_ORDERS_PAGE, &p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        pg_read_order(r, i, o);
        if (!fn(arg, o))
            break;
    }
    PQclear(r);
    free(o);
    return err;
}

kassa_err pg_query_rows(struct store_conn *base, const struct sql_query *q, store_row_fn fn,
                        void *arg)
{
    CONN(base);
    struct pg_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return KASSA_ENOMEM;
    struct pg_params_sink k = pg_params_sink(p);
    sql_query_params(q, &k.base);
    kassa_err err;
    PGresult *r = pg_exec(c, PG_SLOT_ONCE, q->sql, p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        struct pg_row row = pg_row(r, i);
        if (!fn(arg, &row.base))
            break;
    }
    PQclear(r);
    free(p);
    return err;
}

kassa_err pg_order_events(struct store_conn *base, int64_t order_id, int64_t after_id, bool asc,
                          int limit, store_event_fn fn, void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    pgp_i64(&p, after_id > 0 ? after_id : (asc ? 0 : INT64_MAX));
    pgp_i64(&p, limit);
    kassa_err err;
    PGresult *r = exec_(c, asc ? T_EVENTS_ASC : T_EVENTS_DESC, &p, &err);
    struct order_event e;
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        memset(&e, 0, sizeof e);
        e.id = pg_i64(r, i, 0);
        e.order_id = pg_i64(r, i, 1);
        pg_text(r, i, 2, e.kind, sizeof e.kind);
        e.status = (int)pg_i64(r, i, 3);
        e.created_at = pg_i64(r, i, 4);
        if (!fn(arg, &e))
            break;
    }
    PQclear(r);
    return err;
}

kassa_err pg_shop_methods(struct store_conn *base, int64_t shop_id,
                          bool (*fn)(void *arg, int method_id, bool enabled), void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    kassa_err err;
    PGresult *r = exec_(c, T_METHODS, &p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++)
        if (!fn(arg, (int)pg_i64(r, i, 0), pg_i64(r, i, 1) != 0))
            break;
    PQclear(r);
    return err;
}

kassa_err pg_shop_method_set(struct store_conn *base, int64_t shop_id, int method_id, bool enabled,
                             int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_i64(&p, method_id);
    pgp_i64(&p, enabled ? 1 : 0);
    pgp_i64(&p, now);
    return run_(c, T_METHOD_SET, &p);
}

kassa_err pg_receipt_put(struct store_conn *base, int64_t order_id, int position, const char *name,
                         const char *count, int64_t price)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    pgp_i64(&p, position);
    pgp_text(&p, name);
    pgp_text(&p, count);
    pgp_i64(&p, price);
    return run_(c, T_RECEIPT_PUT, &p);
}

kassa_err pg_receipt_items(struct store_conn *base, int64_t order_id,
                           bool (*fn)(void *arg, const char *name, const char *count,
                                      int64_t price),
                           void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    kassa_err err;
    PGresult *r = exec_(c, T_RECEIPT_ITEMS, &p, &err);
    char name[256], cnt[32];
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        pg_text(r, i, 0, name, sizeof name);
        pg_text(r, i, 1, cnt, sizeof cnt);
        if (!fn(arg, name, cnt, pg_i64(r, i, 2)))
            break;
    }
    PQclear(r);
    return err;
}
