/* sqlite_records.c: the smaller records in SQLite (migrations 002, 011):
 * request nonces (the replay guard), per-shop payment-method switches,
 * an order's receipt items; and the listings of a merchant's shops and a
 * shop's orders. Statement slots SLOTS_RECORDS.. (sqlite_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sql/orders.h"
#include "sql/records.h"
#include "sql/rows.h"
#include "sqlite_internal.h"

enum {
    T_NONCE_PUT = SLOTS_RECORDS,
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
_Static_assert((int)T_END_ <= (int)SLOTS_LEDGER, "record statements overflow their slots");

static sqlite3_stmt *tstmt(struct store_conn *base, int slot, const char *sql)
{
    return sqlite_stmt(container_of(base, struct sqlite_conn, base), slot, sql);
}

kassa_err sqlite_nonce_put(struct store_conn *base, int64_t shop_id, const char *nonce,
                           const unsigned char body_hash[32], int64_t now)
{
    sqlite3_stmt *st = tstmt(base, T_NONCE_PUT, SQL_NONCE_PUT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, nonce);
    sqlite3_bind_blob(st, 3, body_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return sqlite_run(container_of(base, struct sqlite_conn, base), st);
}

kassa_err sqlite_nonce_prune(struct store_conn *base, int64_t before)
{
    sqlite3_stmt *st = tstmt(base, T_NONCE_PRUNE, SQL_NONCE_PRUNE);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, before);
    return sqlite_run(container_of(base, struct sqlite_conn, base), st);
}

kassa_err sqlite_shops_by_merchant(struct store_conn *base, int64_t merchant_id,
                                   bool (*fn)(void *arg, const struct shop *s), void *arg)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = tstmt(base, T_SHOPS_BY_MERCHANT, SQL_SHOPS_BY_MERCHANT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, merchant_id);
    return sqlite_read_shops(c, st, fn, arg, NULL);
}

kassa_err sqlite_orders_page(struct store_conn *base, int64_t shop_id, int64_t offset, int limit,
                             store_order_fn fn, void *arg)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = tstmt(base, T_ORDERS_PAGE, SQL_ORDERS_PAGE);
    struct order *o = malloc(sizeof *o);
    kassa_err err = KASSA_OK;
    if (st == NULL || o == NULL) {
        free(o);
        return st ? KASSA_ENOMEM : KASSA_EIO;
    }
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite3_bind_int(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_read_order(st, o);
        if (!fn(arg, o))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    free(o);
    return err;
}

kassa_err sqlite_query_rows(struct store_conn *base, const struct sql_query *q, store_row_fn fn,
                            void *arg)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    bool once;
    sqlite3_stmt *st = sqlite_stmt_runtime(c, q->sql, &once);
    if (st == NULL)
        return KASSA_EIO;
    struct sqlite_sink k = sqlite_sink(st, 1);
    sql_query_params(q, &k.base);
    struct sqlite_row row = sqlite_row(st);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (!fn(arg, &row.base))
            break;
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    if (once)
        sqlite3_finalize(st);
    else
        sqlite_stmt_done(st);
    /* A statement that writes (a requisite's settings) voids what the
     * writer's memo read within this transaction. */
    if (strncmp(q->sql, "SELECT", 6) != 0)
        sqlite_memo_forget(c);
    return err;
}

kassa_err sqlite_order_events(struct store_conn *base, int64_t order_id, int64_t after_id, bool asc,
                              int limit, store_event_fn fn, void *arg)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = asc ? tstmt(base, T_EVENTS_ASC, SQL_EVENTS_OF_ORDER_ASC)
                           : tstmt(base, T_EVENTS_DESC, SQL_EVENTS_OF_ORDER_DESC);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int64(st, 2, after_id > 0 ? after_id : (asc ? 0 : INT64_MAX));
    sqlite3_bind_int(st, 3, limit);
    struct order_event e;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&e, 0, sizeof e);
        e.id = sqlite3_column_int64(st, 0);
        e.order_id = sqlite3_column_int64(st, 1);
        sqlite_col_text(st, 2, e.kind, sizeof e.kind);
        e.status = sqlite3_column_int(st, 3);
        e.created_at = sqlite3_column_int64(st, 4);
        if (!fn(arg, &e))
            break;
    }
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_shop_methods(struct store_conn *base, int64_t shop_id,
                              bool (*fn)(void *arg, int method_id, bool enabled), void *arg)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = tstmt(base, T_METHODS, SQL_SHOP_METHODS);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    int rc;
    kassa_err err = KASSA_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (!fn(arg, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1) != 0))
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_shop_method_set(struct store_conn *base, int64_t shop_id, int method_id,
                                 bool enabled, int64_t now)
{
    sqlite3_stmt *st = tstmt(base, T_METHOD_SET, SQL_SHOP_METHOD_SET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite3_bind_int(st, 2, method_id);
    sqlite3_bind_int(st, 3, enabled ? 1 : 0);
    sqlite3_bind_int64(st, 4, now);
    return sqlite_run(container_of(base, struct sqlite_conn, base), st);
}

kassa_err sqlite_receipt_put(struct store_conn *base, int64_t order_id, int position,
                             const char *name, const char *count, int64_t price)
{
    sqlite3_stmt *st = tstmt(base, T_RECEIPT_PUT, SQL_RECEIPT_ITEM_PUT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int(st, 2, position);
    sqlite_bind_text(st, 3, name);
    sqlite_bind_text(st, 4, count);
    sqlite3_bind_int64(st, 5, price);
    return sqlite_run(container_of(base, struct sqlite_conn, base), st);
}

kassa_err sqlite_receipt_items(struct store_conn *base, int64_t order_id,
                               bool (*fn)(void *arg, const char *name, const char *count,
                                          int64_t price),
                               void *arg)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = tstmt(base, T_RECEIPT_ITEMS, SQL_RECEIPT_ITEMS);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    int rc;
    kassa_err err = KASSA_OK;
    char name[256], count[32];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_col_text(st, 0, name, sizeof name);
        sqlite_col_text(st, 1, count, sizeof count);
        if (!fn(arg, name, count, sqlite3_column_int64(st, 2)))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}
