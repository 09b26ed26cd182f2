/* sql/overview.h: what the operator's overview (GET /admin/v1/overview)
 * reads, one statement text for both backends. The series and the
 * volumes read the per-minute rows of migration 027 (order_minutes,
 * callback_minutes: kept by triggers in the transaction of each order's
 * status change and each callback attempt's insert; the orders created are
 * folded in by the sweeper a few minutes after, migration 029) by their
 * primary key from the window's first minute on, so they cost what the
 * window holds in minutes x shops x currencies x writer slots, never what
 * the orders are; the figures of now are counts on partial or status
 * indexes (the pending orders, the payer-says-paid queue: migration 015;
 * the disputes' queue: 023), which cost what they count. */
#ifndef KASSA_SQL_OVERVIEW_H
#define KASSA_SQL_OVERVIEW_H

#include "row.h"
#include "store/store.h"

/* The orders created since the last fold (overview_fold.folded_until)
 * and from $1 on, each as a row of one: what order_minutes does not hold
 * yet (their completions it does: the update trigger). A few minutes of
 * orders, read on orders_created. */
#define SQL_OVERVIEW_TAIL(cols)                                                                    \
    "SELECT " cols " FROM orders o, overview_fold f WHERE o.created_at >= f.folded_until "         \
    "AND o.created_at >= $1 AND o.test = 0"

/* Per minute from $1 on: minute, created, completed (slots, shops and
 * currencies summed, the unfolded orders added), in time order. One
 * statement: the minutes and the tail are of one snapshot, so a fold
 * between two reads never counts an order twice or not at all. */
#define SQL_OVERVIEW_MINUTES                                                                       \
    "SELECT minute, sum(created), sum(completed) FROM (SELECT minute, created, completed "         \
    "FROM order_minutes WHERE minute >= $1 UNION ALL " SQL_OVERVIEW_TAIL(                          \
        "o.created_at - o.created_at % 60, 1, 0") ") t "                                           \
                                                  "GROUP BY minute ORDER BY minute"

/* Per shop and currency from $1 on: shop id, its name, currency, created,
 * completed, volume; by currency, then the largest volume first. */
#define SQL_OVERVIEW_SHOPS                                                                         \
    "SELECT m.shop_id, coalesce(s.name, ''), m.currency, m.created, m.completed, m.volume "        \
    "FROM (SELECT shop_id, currency, sum(created) AS created, sum(completed) AS completed, "       \
    "sum(volume) AS volume FROM (SELECT shop_id, currency, created, completed, volume "            \
    "FROM order_minutes WHERE minute >= $1 UNION ALL " SQL_OVERVIEW_TAIL(                          \
        "o.shop_id, o.currency, 1, 0, 0") ") u GROUP BY shop_id, currency) m "                     \
                                          "LEFT JOIN shops s ON s.id = m.shop_id ORDER BY "        \
                                          "m.currency, m.volume DESC, m.shop_id"

/* The sweeper's fold of the orders created in [$1, $2) into order_minutes
 * (slot 0), after it moved folded_until from $1 to $2 with
 * SQL_OVERVIEW_FOLD_CLAIM in the same transaction: the claim takes the
 * row's lock, so two nodes never fold one range twice (the second finds
 * folded_until moved and claims nothing). */
#define SQL_OVERVIEW_FOLD_FROM "SELECT folded_until FROM overview_fold WHERE id = 1"
#define SQL_OVERVIEW_FOLD_CLAIM                                                                    \
    "UPDATE overview_fold SET folded_until = $2 WHERE id = 1 AND folded_until = $1 RETURNING 1"
#define SQL_OVERVIEW_FOLD                                                                          \
    "INSERT INTO order_minutes AS m (minute, shop_id, currency, slot, created, completed, "        \
    "volume) SELECT created_at - created_at % 60, shop_id, currency, 0, count(*), 0, 0 "           \
    "FROM orders WHERE created_at >= $1 AND created_at < $2 AND test = 0 "                         \
    "GROUP BY created_at - created_at % 60, shop_id, currency "                                    \
    "ON CONFLICT (minute, shop_id, currency, slot) DO UPDATE SET "                                 \
    "created = m.created + excluded.created"

/* The queues now, and the callback attempts from $1 on. */
#define SQL_OVERVIEW_NOW                                                                           \
    "SELECT q.pending, q.payer_paid, q.disputes, a.attempts, a.failed FROM "                       \
    "(SELECT (SELECT count(*) FROM orders WHERE status = 0) AS pending, "                          \
    "(SELECT count(*) FROM orders WHERE status = 0 AND confirmed_by_customer = 1) AS payer_paid, " \
    "(SELECT count(*) FROM disputes WHERE status IN ('in_progress', 'paused')) AS disputes) q, "   \
    "(SELECT coalesce(sum(attempts), 0) AS attempts, coalesce(sum(failed), 0) AS failed "          \
    "FROM callback_minutes WHERE minute >= $1) a"

/* The sweeper's purge of the per-minute rows before $1 (Unix seconds): a
 * day of them at most a statement, from the oldest on, so the first purge
 * of a database that kept years of them (027 filled them from every
 * order) is many short write transactions; RETURNING: how many went.
 * Past the overview's window no read wants them, and a minute's rows stay
 * what the triggers keep while it is in the window. */
#define SQL_OVERVIEW_PURGE_ORDERS                                                                  \
    "DELETE FROM order_minutes WHERE minute < $1 AND minute < "                                    \
    "(SELECT min(minute) FROM order_minutes) + 86400 RETURNING 1"
#define SQL_OVERVIEW_PURGE_CALLBACKS                                                               \
    "DELETE FROM callback_minutes WHERE minute < $1 AND minute < "                                 \
    "(SELECT min(minute) FROM callback_minutes) + 86400 RETURNING 1"

/* The database's size in bytes, one per backend (store_ops.sql_db_bytes). */
#define SQL_DB_BYTES_SQLITE                                                                        \
    "SELECT p.page_count * s.page_size FROM pragma_page_count() p, pragma_page_size() s"
#define SQL_DB_BYTES_PG "SELECT pg_database_size(current_database())"

#endif
