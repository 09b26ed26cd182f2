/* sql/overview.h: what the operator's overview (GET /admin/v1/overview)
 * reads, one statement text for both backends. The series and the
 * volumes read the per-minute rows of migration 027 (order_minutes,
 * callback_minutes: kept by triggers in the transaction of each order's
 * insert and status change, each callback attempt's insert) by their
 * primary key from the window's first minute on, so they cost what the
 * window holds in minutes x shops x currencies x writer slots, never what
 * the orders are; the figures of now are counts on partial or status
 * indexes (the pending orders, the payer-says-paid queue: migration 015;
 * the disputes' queue: 023), which cost what they count. */
#ifndef KASSA_SQL_OVERVIEW_H
#define KASSA_SQL_OVERVIEW_H

#include "row.h"
#include "store/store.h"

/* Per minute from $1 on: minute, created, completed (slots, shops and
 * currencies summed), in time order. */
#define SQL_OVERVIEW_MINUTES                                                                       \
    "SELECT minute, sum(created), sum(completed) FROM order_minutes WHERE minute >= $1 "           \
    "GROUP BY minute ORDER BY minute"

/* Per shop and currency from $1 on: shop id, its name, currency, created,
 * completed, volume; by currency, then the largest volume first. */
#define SQL_OVERVIEW_SHOPS                                                                         \
    "SELECT m.shop_id, coalesce(s.name, ''), m.currency, m.created, m.completed, m.volume "        \
    "FROM (SELECT shop_id, currency, sum(created) AS created, sum(completed) AS completed, "       \
    "sum(volume) AS volume FROM order_minutes WHERE minute >= $1 GROUP BY shop_id, currency) m "   \
    "LEFT JOIN shops s ON s.id = m.shop_id ORDER BY m.currency, m.volume DESC, m.shop_id"

/* The queues now, and the callback attempts from $1 on. */
#define SQL_OVERVIEW_NOW                                                                           \
    "SELECT q.pending, q.payer_paid, q.disputes, a.attempts, a.failed FROM "                       \
    "(SELECT (SELECT count(*) FROM orders WHERE status = 0) AS pending, "                          \
    "(SELECT count(*) FROM orders WHERE status = 0 AND confirmed_by_customer = 1) AS payer_paid, " \
    "(SELECT count(*) FROM disputes WHERE status IN ('in_progress', 'paused')) AS disputes) q, "   \
    "(SELECT coalesce(sum(attempts), 0) AS attempts, coalesce(sum(failed), 0) AS failed "          \
    "FROM callback_minutes WHERE minute >= $1) a"

/* The database's size in bytes, one per backend (store_ops.sql_db_bytes). */
#define SQL_DB_BYTES_SQLITE                                                                        \
    "SELECT p.page_count * s.page_size FROM pragma_page_count() p, pragma_page_size() s"
#define SQL_DB_BYTES_PG "SELECT pg_database_size(current_database())"

#endif
