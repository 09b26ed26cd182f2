/* sql/traders.h: the statements of traders, one text for both backends
 * ($N placeholders), and the trader row's column map (store/traders.c). */
#ifndef KASSA_SQL_TRADERS_H
#define KASSA_SQL_TRADERS_H

#include "model/model.h"
#include "row.h"

#define SQL_TRADER_COLUMNS                                                                         \
    "id, name, verified_name, reward_bps, currency, active, online, api_key, secret, created_at "

#define SQL_TRADER_INSERT                                                                          \
    "INSERT INTO traders(name, verified_name, reward_bps, currency, active, online, api_key, "     \
    "secret, created_at) VALUES ($1, $2, $3, $4, 1, 0, $5, $6, $7) RETURNING id"
#define SQL_TRADER_BY_ID "SELECT " SQL_TRADER_COLUMNS "FROM traders WHERE id = $1"
#define SQL_TRADER_BY_API_KEY "SELECT " SQL_TRADER_COLUMNS "FROM traders WHERE api_key = $1"
/* $1 id, $2 name, $3 reward_bps, $4 active, $5 online. */
#define SQL_TRADER_UPDATE                                                                          \
    "UPDATE traders SET name = $2, reward_bps = $3, active = $4, online = $5 WHERE id = $1"
/* A trader's balances in its currency: available, reserved, and earned
 * (what its rewards credited: the postings to its available account in
 * transactions of kind order.reward). $1 trader, $2 currency. */
#define SQL_TRADER_BALANCES                                                                        \
    "SELECT COALESCE((SELECT balance FROM accounts WHERE kind = 'trader_available' AND "           \
    "shop_id = $1 AND currency = $2), 0), COALESCE((SELECT balance FROM accounts WHERE "           \
    "kind = 'trader_reserved' AND shop_id = $1 AND currency = $2), 0), COALESCE((SELECT "          \
    "SUM(p.amount) FROM postings p JOIN ledger_tx t ON t.id = p.tx_id WHERE p.account_id = "       \
    "(SELECT id FROM accounts WHERE kind = 'trader_available' AND shop_id = $1 AND currency = "    \
    "$2) AND t.kind = 'order.reward'), 0)"

#define SQL_TRADER_AVAILABLE                                                                       \
    "SELECT balance FROM accounts WHERE kind = 'trader_available' AND shop_id = $1 AND "           \
    "currency = $2"

void sql_read_trader(const struct sql_row *r, struct trader *t);
/* A page of the traders, by id. */
void sql_traders_list(int64_t after_id, bool asc, int limit, struct sql_query *q);

#endif
