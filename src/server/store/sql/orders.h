/* sql/orders.h: the order row, once for both backends: its column lists,
 * the statements whose text the two SQL dialects share ($N placeholders:
 * PostgreSQL's; SQLite's prepare reads them as ?N), and its column maps
 * (sql/orders.c), used through the row reader and column sink of
 * sql/row.h. */
#ifndef KASSA_SQL_ORDERS_H
#define KASSA_SQL_ORDERS_H

#include <stddef.h>

#include "model/model.h"
#include "row.h"

/* The 32 columns an order insert fills, in sql_order_columns' order. */
#define SQL_ORDER_COLUMNS                                                                          \
    "uuid, uuid_callback, pay_token, shop_id, origin, status, amount, currency, fee, "             \
    "amount_usdt, exchange_rate, merchant_order_id, requisite_type, payment_system, "              \
    "customer_name, customer_requisite, bank_code, countries, payment_systems, email, phone, "     \
    "success_url, fail_url, notify_url, lang, test, confirmed_by_customer, requisite_id, "         \
    "created_at, expires_at, paid_at, updated_at"

/* One order: $1..$32 in SQL_ORDER_COLUMNS' order (PostgreSQL appends its
 * RETURNING; SQLite reads the new id from the connection). */
#define SQL_ORDER_INSERT                                                                           \
    "INSERT INTO orders(" SQL_ORDER_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "       \
    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, "        \
    "$27, $28, $29, $30, $31, $32)"

/* An order as read: its columns (sql_read_order's), then its requisite's
 * (SQL_REQUISITE_COLUMNS' order, NULL without one) from column
 * SQL_ORDER_REQUISITE_AT on. A WHERE clause follows. */
#define SQL_ORDER_SELECT                                                                           \
    "SELECT o.id, o.uuid, o.uuid_callback, o.pay_token, o.shop_id, o.origin, o.status, "           \
    "o.amount, o.currency, o.fee, o.amount_usdt, o.exchange_rate, o.merchant_order_id, "           \
    "o.requisite_type, o.payment_system, o.customer_name, o.customer_requisite, "                  \
    "o.bank_code, o.countries, o.payment_systems, o.email, o.phone, o.success_url, "               \
    "o.fail_url, o.notify_url, o.lang, o.test, o.confirmed_by_customer, "                          \
    "COALESCE(o.requisite_id, 0), o.created_at, o.expires_at, o.paid_at, o.updated_at, "           \
    "o.amount_received, o.reversed_at, o.trader_id, o.reserve, o.amount_requested, "               \
    "o.no_requisite_reason, o.confirmed_by, r.id, r.type, r.value, r.owner_full_name, "            \
    "r.bank_code, r.bank_name_ru, r.bank_name_en, r.currency, r.country_code, r.active, "          \
    "r.assigned, r.created_at, r.trader_id, r.min_amount, r.max_amount, r.daily_amount, "          \
    "r.daily_count, r.max_pending, r.paused, r.device_id, r.bic, r.corr_account "                  \
    "FROM orders o LEFT JOIN requisites r ON r.id = o.requisite_id "
#define SQL_ORDER_REQUISITE_AT 40

/* The statements both backends run with the same text. */
#define SQL_ORDER_BY_ID SQL_ORDER_SELECT "WHERE o.id = $1"
#define SQL_ORDER_BY_UUID SQL_ORDER_SELECT "WHERE o.uuid = $1"
#define SQL_ORDER_BY_UUID_CALLBACK SQL_ORDER_SELECT "WHERE o.uuid_callback = $1"
#define SQL_ORDERS_BY_MERCHANT_ORDER_ID                                                            \
    SQL_ORDER_SELECT "WHERE o.shop_id = $1 AND o.merchant_order_id = $2 ORDER BY o.id"
#define SQL_ORDERS_PAGE                                                                            \
    SQL_ORDER_SELECT "WHERE o.shop_id = $1 ORDER BY o.id DESC LIMIT $2 OFFSET $3"

/* An order's life after its create (sqlite_orders.c, pg_orders.c): a
 * state change only from the state the caller saw ($6), with what the
 * change sets besides (the amount received with its fee and USDT amount,
 * the reversal's time), its outbox event,
 * the payer's confirmation and method (only while pending and awaiting
 * one), the receipt image. */
#define SQL_ORDER_SET_STATUS                                                                       \
    "UPDATE orders SET status = $2, paid_at = $3, confirmed_by_customer = $4, updated_at = "       \
    "$5, amount_received = $7, fee = $8, amount_usdt = $9, reversed_at = $10, confirmed_by = "     \
    "$11 WHERE id = $1 AND status = $6"
/* What the requisite pick decided beyond the insert's columns (a trader's
 * order, a raised amount, or no requisite: provider/requisites.c). */
#define SQL_ORDER_SET_PICK                                                                         \
    "UPDATE orders SET trader_id = $2, reserve = $3, amount_requested = $4, "                      \
    "no_requisite_reason = $5 WHERE id = $1"
#define SQL_EVENT_INSERT                                                                           \
    "INSERT INTO events(shop_id, order_id, kind, status, created_at) VALUES ($1, $2, $3, "         \
    "$4, $5)"
#define SQL_ORDER_CONFIRM                                                                          \
    "UPDATE orders SET confirmed_by_customer = 1, updated_at = $2 WHERE id = $1 AND status "       \
    "= 0"
#define SQL_ORDER_SET_METHOD                                                                       \
    "UPDATE orders SET payment_system = $2, requisite_type = $3, requisite_id = $4, "              \
    "updated_at = $5 WHERE id = $1 AND status = 0 AND payment_system = 0 AND requisite_type "      \
    "= ''"
#define SQL_RECEIPT_IMAGE_PUT                                                                      \
    "INSERT INTO receipts(order_id, content_type, data, created_at) VALUES ($1, $2, $3, $4) "      \
    "ON CONFLICT (order_id) DO UPDATE SET content_type = excluded.content_type, data = "           \
    "excluded.data, created_at = excluded.created_at"
#define SQL_RECEIPT_IMAGE_GET "SELECT content_type, data FROM receipts WHERE order_id = $1"

/* A page of the orders f wants: SQL_ORDER_SELECT with f's conditions,
 * ordered by id (by creation time and id with a time range:
 * order_filter_by_time), f->limit rows. One statement: the queue, a shop, a
 * time range, a merchant order id and a search run on an index; the other
 * filters narrow the rows read in the list's order, which LIMIT stops
 * (migration 015). */
void sql_orders_list(const struct order_filter *f, struct sql_query *q);

/* The 32 columns of o in SQL_ORDER_COLUMNS' order into k (requisite_id 0
 * as NULL). */
void sql_order_columns(const struct order *o, struct sql_sink *k);

/* An order from a row of SQL_ORDER_SELECT (o cleared first; o->req filled
 * when the order has a requisite). */
void sql_read_order(const struct sql_row *r, struct order *o);

#endif
