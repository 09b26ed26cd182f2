/* sql/withdrawals.h: the withdrawal statements both backends run, as one
 * text ($N placeholders; SQLite's prepare reads them as ?N). PostgreSQL
 * appends RETURNING id to the insert. */
#ifndef KASSA_SQL_WITHDRAWALS_H
#define KASSA_SQL_WITHDRAWALS_H

#define SQL_WITHDRAWAL_INSERT                                                                      \
    "INSERT INTO withdrawals(shop_id, payment_id, currency, amount, fee, account, "                \
    "payment_system, status, fingerprint, created_at, completed_at) VALUES ($1, $2, $3, $4, "      \
    "$5, $6, $7, $8, $9, $10, $11)"
#define SQL_WITHDRAWAL_SET_STATUS                                                                  \
    "UPDATE withdrawals SET status = $2, completed_at = $3 WHERE id = $1 AND status = $4"

/* The columns a withdrawal is read with, in the backends' readers' order. */
#define SQL_WITHDRAWAL_SELECT                                                                      \
    "SELECT id, shop_id, payment_id, currency, amount, fee, account, payment_system, status, "     \
    "fingerprint, created_at, completed_at FROM withdrawals "

#include "model/model.h"
#include "row.h"

/* A page of the withdrawals f wants, by id, on an index (migration 015). */
void sql_withdrawals_list(const struct withdrawal_filter *f, struct sql_query *q);

#endif
