/* sql/ledger.h: the ledger statements both backends run, as one text ($N
 * placeholders: PostgreSQL's; SQLite's prepare reads them as ?N). */
#ifndef KASSA_SQL_LEDGER_H
#define KASSA_SQL_LEDGER_H

/* Add $2 to account $1 unless $3 (the posting's floor flag, which the core
 * sets: core/ledger.c) and the balance would go below zero: the one
 * primitive under "a shop's balance never goes below zero". The check and
 * the move are one statement, so on PostgreSQL it holds the row lock and
 * sees the latest committed balance (two nodes never overdraw); a refusal
 * changes no row and returns none (KASSA_EFUNDS). */
#define SQL_ACCOUNT_ADD                                                                            \
    "UPDATE accounts SET balance = balance + $2 WHERE id = $1 "                                    \
    "AND (NOT $3 OR balance + $2 >= 0) RETURNING balance"

#endif
