/* sql/disputes.h: the statements of disputes, their evidence and their
 * log, one text for both backends ($N placeholders), and the dispute
 * row's column map (store/disputes.c; the evidence's bytes go through the
 * backends' own ops, as a receipt's do). */
#ifndef KASSA_SQL_DISPUTES_H
#define KASSA_SQL_DISPUTES_H

#include "model/model.h"
#include "row.h"

/* A dispute with its order's uuid, merchant order id and currency, its
 * shop's merchant and its requisite's trader. */
#define SQL_DISPUTE_SELECT                                                                         \
    "SELECT d.id, d.uuid, d.order_id, d.shop_id, d.amount, d.comment, d.status, d.initiator, "     \
    "d.awaiting, d.reject_reason, d.ttl, d.deadline, d.paused_at, d.pause_duration, "              \
    "d.reopened_at, d.amount_received, d.created_at, d.modified_at, o.uuid, "                      \
    "o.merchant_order_id, o.currency, s.merchant_id, COALESCE(r.trader_id, 0) FROM disputes d "    \
    "JOIN orders o ON o.id = d.order_id JOIN shops s ON s.id = d.shop_id LEFT JOIN requisites r "  \
    "ON r.id = o.requisite_id "
#define SQL_DISPUTE_BY_ID SQL_DISPUTE_SELECT "WHERE d.id = $1"
#define SQL_DISPUTE_BY_UUID SQL_DISPUTE_SELECT "WHERE d.uuid = $1"
#define SQL_DISPUTE_BY_ORDER SQL_DISPUTE_SELECT "WHERE d.order_id = $1"

#define SQL_DISPUTE_INSERT                                                                         \
    "INSERT INTO disputes(uuid, order_id, shop_id, amount, comment, status, initiator, "           \
    "awaiting, reject_reason, ttl, deadline, paused_at, pause_duration, reopened_at, "             \
    "amount_received, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "  \
    "$11, $12, $13, $14, $15, $16, $17) RETURNING id"
/* The changing columns, only while the row is as read ($13 status, $14
 * awaiting): no row returned when another writer or node changed it. */
#define SQL_DISPUTE_UPDATE                                                                         \
    "UPDATE disputes SET amount = $2, comment = $3, status = $4, awaiting = $5, "                  \
    "reject_reason = $6, deadline = $7, paused_at = $8, pause_duration = $9, reopened_at = $10, "  \
    "amount_received = $11, modified_at = $12 WHERE id = $1 AND status = $13 AND awaiting = $14 "  \
    "RETURNING id"
/* Disputes whose trader's time ran out: $1 now, $2 how many. */
#define SQL_DISPUTES_DUE                                                                           \
    "SELECT id FROM disputes WHERE status = 'in_progress' AND awaiting = 'trader' AND "            \
    "deadline <= $1 ORDER BY deadline LIMIT $2"

#define SQL_DISPUTE_LOG_INSERT                                                                     \
    "INSERT INTO dispute_logs(uuid, dispute_id, actor_role, status, details, created_at) "         \
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
#define SQL_DISPUTE_LOGS                                                                           \
    "SELECT id, uuid, dispute_id, actor_role, status, details, created_at FROM dispute_logs "      \
    "WHERE dispute_id = $1 ORDER BY id"
#define SQL_DISPUTE_EVIDENCE_LIST                                                                  \
    "SELECT id, uuid, dispute_id, key, uploader, content_type, created_at FROM "                   \
    "dispute_evidence WHERE dispute_id = $1 ORDER BY id"
/* The evidence's bytes (the backends bind and read them): $1 uuid, $2
 * dispute, $3 key, $4 uploader, $5 content type, $6 data, $7 now. */
#define SQL_DISPUTE_EVIDENCE_PUT                                                                   \
    "INSERT INTO dispute_evidence(uuid, dispute_id, key, uploader, content_type, data, "           \
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
#define SQL_DISPUTE_EVIDENCE_GET                                                                   \
    "SELECT content_type, data FROM dispute_evidence WHERE dispute_id = $1 AND uuid = $2"

void sql_read_dispute(const struct sql_row *r, struct dispute *d);
void sql_read_dispute_log(const struct sql_row *r, struct dispute_log *l);
void sql_read_dispute_evidence(const struct sql_row *r, struct dispute_evidence *e);
/* A page of the disputes f wants, newest first: by offset (the merchant's
 * pages) or below f->after_id (the operator's queue). */
void sql_disputes_list(const struct dispute_filter *f, struct sql_query *q);

#endif
