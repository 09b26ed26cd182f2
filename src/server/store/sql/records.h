/* sql/records.h: the smaller records' statements both backends run, as one
 * text ($N placeholders; SQLite's prepare reads them as ?N): request
 * nonces, a shop's payment-method switches, an order's receipt items
 * (migrations 002 and 011). */
#ifndef KASSA_SQL_RECORDS_H
#define KASSA_SQL_RECORDS_H

/* A nonce recorded twice fails on the primary key (shop, nonce, hash): a
 * replay. On PostgreSQL a second node's insert waits for the first's
 * transaction, then fails the same way. */
#define SQL_NONCE_PUT                                                                              \
    "INSERT INTO request_nonces(shop_id, nonce, body_hash, created_at) VALUES ($1, $2, $3, $4)"
#define SQL_NONCE_PRUNE "DELETE FROM request_nonces WHERE created_at < $1"

#define SQL_SHOP_METHODS                                                                           \
    "SELECT method_id, enabled FROM shop_methods WHERE shop_id = $1 ORDER BY method_id"
#define SQL_SHOP_METHOD_SET                                                                        \
    "INSERT INTO shop_methods(shop_id, method_id, enabled, updated_at) VALUES ($1, $2, $3, $4) "   \
    "ON CONFLICT (shop_id, method_id) DO UPDATE SET enabled = excluded.enabled, "                  \
    "updated_at = excluded.updated_at"

#define SQL_RECEIPT_ITEM_PUT                                                                       \
    "INSERT INTO receipt_items(order_id, position, name, count, price) "                           \
    "VALUES ($1, $2, $3, $4, $5)"
#define SQL_RECEIPT_ITEMS                                                                          \
    "SELECT name, count, price FROM receipt_items WHERE order_id = $1 ORDER BY position"

/* An order's events, a page at a time by id: newest first below $2, or
 * oldest first above it. */
#define SQL_EVENTS_OF_ORDER_DESC                                                                   \
    "SELECT id, order_id, kind, status, created_at FROM events WHERE order_id = $1 AND id < $2 "   \
    "ORDER BY id DESC LIMIT $3"
#define SQL_EVENTS_OF_ORDER_ASC                                                                    \
    "SELECT id, order_id, kind, status, created_at FROM events WHERE order_id = $1 AND id > $2 "   \
    "ORDER BY id LIMIT $3"

#endif
