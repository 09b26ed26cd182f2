/* pg_orders.c: an order's life after its create on PostgreSQL (twin of
 * sqlite_orders.c): state changes, outbox events, due orders, the payer's
 * confirmation and method, the receipt image, statistics.
 *
 * Across nodes: a state change is an UPDATE conditional on the old state
 * (a racing node's change makes it touch no row: KASSA_ESTATE); due orders
 * are selected FOR UPDATE SKIP LOCKED so two sweepers split them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_internal.h"
#include "sql/disputes.h"
#include "sql/orders.h"

enum {
    S_ORDER_SET_STATUS = PG_SLOTS_ORDERS,
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
_Static_assert((int)S_END_ <= (int)PG_SLOTS_WITHDRAWALS, "orders statements overflow their slots");

static const char *const sql[] = {
    [S_ORDER_SET_STATUS - PG_SLOTS_ORDERS] = SQL_ORDER_SET_STATUS,
    [S_EVENT - PG_SLOTS_ORDERS] = SQL_EVENT_INSERT,
    [S_ORDERS_DUE - PG_SLOTS_ORDERS] =
        "SELECT id FROM orders WHERE status = 0 AND expires_at <= $1 "
        "ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    [S_ORDER_CONFIRM - PG_SLOTS_ORDERS] = SQL_ORDER_CONFIRM,
    [S_ORDER_SET_METHOD - PG_SLOTS_ORDERS] = SQL_ORDER_SET_METHOD,
    [S_RECEIPT_PUT - PG_SLOTS_ORDERS] = SQL_RECEIPT_IMAGE_PUT,
    [S_RECEIPT_GET - PG_SLOTS_ORDERS] = SQL_RECEIPT_IMAGE_GET,
    [S_EVIDENCE_PUT - PG_SLOTS_ORDERS] = SQL_DISPUTE_EVIDENCE_PUT,
    [S_EVIDENCE_GET - PG_SLOTS_ORDERS] = SQL_DISPUTE_EVIDENCE_GET,
    [S_STATS - PG_SLOTS_ORDERS] =
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
};

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

static PGresult *exec_(struct pg_conn *c, int slot, const struct pg_params *p, kassa_err *err)
{
    return pg_exec(c, slot, sql[slot - PG_SLOTS_ORDERS], p, err);
}

static kassa_err run_(struct pg_conn *c, int slot, const struct pg_params *p, int64_t *changed)
{
    return pg_run(c, slot, sql[slot - PG_SLOTS_ORDERS], p, changed);
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
    pgp_i64(&p, o->amount_received);
    pgp_i64(&p, o->fee);
    pgp_i64(&p, o->amount_usdt);
    pgp_i64(&p, o->reversed_at);
    pgp_text(&p, o->confirmed_by);
    int64_t n = 0;
    kassa_err err = run_(c, S_ORDER_SET_STATUS, &p, &n);
    if (err == KASSA_OK && n != 1)
        err = KASSA_ESTATE;
    return err;
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

/* A stored file (a receipt image, a dispute's evidence): the row of
 * statement `slot` (content type, bytes) into the arena; KASSA_ENOTFOUND
 * without one. */
static kassa_err file_get(struct pg_conn *c, int slot, const struct pg_params *p, struct arena *a,
                          char **content_type, void **data, size_t *len)
{
    kassa_err err;
    PGresult *r = exec_(c, slot, p, &err);
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

kassa_err pg_receipt_image_get(struct store_conn *base, int64_t order_id, struct arena *a,
                               char **content_type, void **data, size_t *len)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    return file_get(c, S_RECEIPT_GET, &p, a, content_type, data, len);
}

kassa_err pg_evidence_put(struct store_conn *base, const struct dispute_evidence *e,
                          const void *data, size_t len)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, e->uuid);
    pgp_i64(&p, e->dispute_id);
    pgp_text(&p, e->key);
    pgp_text(&p, dispute_party_name(e->uploader));
    pgp_text(&p, e->content_type);
    pgp_bytes(&p, data, len);
    pgp_i64(&p, e->created_at);
    return run_(c, S_EVIDENCE_PUT, &p, NULL);
}

kassa_err pg_evidence_get(struct store_conn *base, int64_t dispute_id, const char *uuid,
                          struct arena *a, char **content_type, void **data, size_t *len)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, dispute_id);
    pgp_text(&p, uuid);
    return file_get(c, S_EVIDENCE_GET, &p, a, content_type, data, len);
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
        int64_t *cells[] = {&out->total_orders,  &out->completed_orders, &out->pending_orders,
                            &out->total_amount,  &out->completed_amount, &out->pending_amount,
                            &out->failed_amount, &out->total_commission};
        for (int i = 0; i < 8 && err == KASSA_OK; i++)
            if (!pg_i64_checked(r, 0, i, cells[i]))
                err = KASSA_EMONEY_RANGE; /* never a silent 0 */
    } else {
        err = KASSA_EIO;
    }
    PQclear(r);
    return err;
}
