/* sql/ledger.h: the ledger statements both backends run, as one text ($N
 * placeholders: PostgreSQL's; SQLite's prepare reads them as ?N). */
#ifndef KASSA_SQL_LEDGER_H
#define KASSA_SQL_LEDGER_H

/* A shop account whose postings sum below zero, leaving out reversals
 * (LEDGER_KIND_ORDER_REVERSED): a reversal may leave a debt, no other
 * posting may (core/ledger.c); the message shows that sum. One text for
 * both backends. */
#define SQL_VERIFY_NEGATIVE                                                                        \
    "SELECT id, kind, shop_id, currency, s FROM (SELECT a.id, a.kind, a.shop_id, a.currency, "     \
    "COALESCE((SELECT SUM(p.amount) FROM postings p JOIN ledger_tx t ON t.id = p.tx_id "           \
    "WHERE p.account_id = a.id AND t.kind <> '" LEDGER_KIND_ORDER_REVERSED "'), 0) AS s FROM "     \
    "accounts a WHERE a.kind IN ('shop_available', 'shop_held')) x WHERE s < 0"

/* Add $2 to account $1 unless $3 (the posting's floor flag, which the core
 * sets: core/ledger.c) and the balance would go below zero: the one
 * primitive under "a shop's balance never goes below zero". The check and
 * the move are one statement, so on PostgreSQL it holds the row lock and
 * sees the latest committed balance (two nodes never overdraw); a refusal
 * changes no row and returns none (KASSA_EFUNDS). */
#define SQL_ACCOUNT_ADD                                                                            \
    "UPDATE accounts SET balance = balance + $2 WHERE id = $1 "                                    \
    "AND (NOT $3 OR balance + $2 >= 0) RETURNING balance"

/* The rest of a posting; PostgreSQL appends RETURNING id to the
 * transaction's insert. */
#define SQL_ACCOUNT_ENSURE                                                                         \
    "INSERT INTO accounts(kind, shop_id, currency) VALUES ($1, $2, $3) ON CONFLICT (kind, "        \
    "shop_id, currency) DO NOTHING"
#define SQL_LEDGER_TX_INSERT                                                                       \
    "INSERT INTO ledger_tx(kind, ref_type, ref_id, created_at) VALUES ($1, $2, $3, $4)"
#define SQL_POSTING_INSERT "INSERT INTO postings(tx_id, account_id, amount) VALUES ($1, $2, $3)"
#define SQL_COUNT_ACCOUNTS "SELECT COUNT(*) FROM accounts"
#define SQL_COUNT_TX "SELECT COUNT(*) FROM ledger_tx"

#include "model/model.h"
#include "row.h"

/* The operator's lists of accounts and of postings: one statement each,
 * ordered by id (accounts by the primary key; postings by the key, or on
 * postings_account / postings_tx), and their column maps. */
void sql_accounts_list(const struct account_filter *f, struct sql_query *q);
void sql_read_account(const struct sql_row *r, struct ledger_account *a);
void sql_postings_list(const struct posting_filter *f, struct sql_query *q);
void sql_read_posting(const struct sql_row *r, struct ledger_posting *p);

#endif
