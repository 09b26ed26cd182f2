/* sqlite_orders.c: an order's life after its create on SQLite: state
 * changes (conditional on the old state), its outbox events, the due
 * orders the sweeper expires, the payer's confirmation and method, the
 * receipt image, and a shop's order statistics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sqlite_internal.h"
#include "sql/disputes.h"
#include "sql/orders.h"

enum {
    S_ORDER_SET_STATUS = SLOTS_ORDERS,
    S_EVENT,
    S_ORDERS_DUE,
    S_ORDER_CONFIRM,
    S_ORDER_SET_METHOD,
    S_RECEIPT_PUT,
    S_RECEIPT_GET,
    S_EVIDENCE_PUT,
    S_EVIDENCE_GET,
    S_STATS,
    S_END_,
};
_Static_assert((int)S_END_ <= (int)SLOTS_WITHDRAWALS, "orders statements overflow their slots");

static sqlite3_stmt *st_(struct sqlite_conn *c, int slot)
{
    static const char *const sql[] = {
        [S_ORDER_SET_STATUS - SLOTS_ORDERS] = SQL_ORDER_SET_STATUS,
        [S_EVENT - SLOTS_ORDERS] = SQL_EVENT_INSERT,
        [S_ORDERS_DUE - SLOTS_ORDERS] = "SELECT id FROM orders WHERE status = 0 AND "
                                        "expires_at <= ?1 ORDER BY expires_at LIMIT ?2",
        [S_ORDER_CONFIRM - SLOTS_ORDERS] = SQL_ORDER_CONFIRM,
        [S_ORDER_SET_METHOD - SLOTS_ORDERS] = SQL_ORDER_SET_METHOD,
        [S_RECEIPT_PUT - SLOTS_ORDERS] = SQL_RECEIPT_IMAGE_PUT,
        [S_RECEIPT_GET - SLOTS_ORDERS] = SQL_RECEIPT_IMAGE_GET,
        [S_EVIDENCE_PUT - SLOTS_ORDERS] = SQL_DISPUTE_EVIDENCE_PUT,
        [S_EVIDENCE_GET - SLOTS_ORDERS] = SQL_DISPUTE_EVIDENCE_GET,
        [S_STATS - SLOTS_ORDERS] =
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
    };
    return sqlite_stmt(c, slot, sql[slot - SLOTS_ORDERS]);
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
    sqlite3_bind_int64(st, 7, o->amount_received);
    sqlite3_bind_int64(st, 8, o->fee);
    sqlite3_bind_int64(st, 9, o->amount_usdt);
    sqlite3_bind_int64(st, 10, o->reversed_at);
    sqlite_bind_text(st, 11, o->confirmed_by);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ESTATE;
    return err;
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

/* A stored file (a receipt image, a dispute's evidence): the row of the
 * bound statement st (content type, bytes) into the arena;
 * KASSA_ENOTFOUND without one. */
static kassa_err file_get(struct sqlite_conn *c, sqlite3_stmt *st, struct arena *a,
                          char **content_type, void **data, size_t *len)
{
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

kassa_err sqlite_receipt_image_get(struct store_conn *base, int64_t order_id, struct arena *a,
                                   char **content_type, void **data, size_t *len)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_RECEIPT_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, order_id);
    return file_get(c, st, a, content_type, data, len);
}

kassa_err sqlite_evidence_put(struct store_conn *base, const struct dispute_evidence *e,
                              const void *data, size_t len)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_EVIDENCE_PUT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, e->uuid);
    sqlite3_bind_int64(st, 2, e->dispute_id);
    sqlite_bind_text(st, 3, e->key);
    sqlite_bind_text(st, 4, dispute_party_name(e->uploader));
    sqlite_bind_text(st, 5, e->content_type);
    sqlite3_bind_blob64(st, 6, data, len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, e->created_at);
    return sqlite_run(c, st);
}

kassa_err sqlite_evidence_get(struct store_conn *base, int64_t dispute_id, const char *uuid,
                              struct arena *a, char **content_type, void **data, size_t *len)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_EVIDENCE_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, dispute_id);
    sqlite_bind_text(st, 2, uuid);
    return file_get(c, st, a, content_type, data, len);
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
