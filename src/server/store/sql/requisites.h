/* sql/requisites.h: the requisite statements both backends run, as one
 * text ($N placeholders: PostgreSQL's; SQLite's prepare reads them as ?N,
 * sqlite.c sqlite_stmt), and the requisite row's column map. */
#ifndef KASSA_SQL_REQUISITES_H
#define KASSA_SQL_REQUISITES_H

#include <stddef.h>

#include "model/model.h"
#include "row.h"

/* The columns of a requisite row, in the order the row readers read them. */
#define SQL_REQUISITE_COLUMNS                                                                      \
    "id, type, value, owner_full_name, bank_code, bank_name_ru, bank_name_en, currency, "          \
    "country_code, active, assigned, created_at, trader_id, min_amount, max_amount, "              \
    "daily_amount, daily_count, max_pending, paused, device_id, bic, corr_account "

/* A new requisite, assigned 0 (PostgreSQL appends RETURNING id). */
#define SQL_REQUISITE_INSERT                                                                       \
    "INSERT INTO requisites(type, value, owner_full_name, bank_code, bank_name_ru, "               \
    "bank_name_en, currency, country_code, active, assigned, created_at, trader_id, "              \
    "min_amount, max_amount, daily_amount, daily_count, max_pending, paused, bic, corr_account) "  \
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13, $14, $15, $16, $17, $18, " \
    "$19)"

/* store.h requisites_after: $1 type, $2 currency, $3 after, $4 limit (on
 * SQLite the index requisites_pick is (type, currency, active, id),
 * migration 007; PostgreSQL runs it only for a lone pick). */
#define SQL_REQUISITES_AFTER                                                                       \
    "SELECT " SQL_REQUISITE_COLUMNS "FROM requisites WHERE type = $1 AND currency = $2 "           \
    "AND active = 1 AND id > $3 ORDER BY id LIMIT $4"

/* A page of the requisites f wants, by id, each with the count of pending
 * orders on it after its columns (counted on orders_pending_requisite:
 * pending rows only). */
void sql_requisites_list(const struct requisite_filter *f, struct sql_query *q);
#define SQL_REQUISITES_LIST_PENDING_AT 22 /* the count's column */

/* One requisite, and writing its settings back. */
#define SQL_REQUISITE_BY_ID "SELECT " SQL_REQUISITE_COLUMNS "FROM requisites WHERE id = $1"
#define SQL_REQUISITE_UPDATE                                                                       \
    "UPDATE requisites SET owner_full_name = $2, bank_code = $3, bank_name_ru = $4, "              \
    "bank_name_en = $5, country_code = $6, active = $7, min_amount = $8, max_amount = $9, "        \
    "daily_amount = $10, daily_count = $11, max_pending = $12, paused = $13, bic = $14, "          \
    "corr_account = $15 WHERE id = $1"

/* The claims and days of the selection rule (store/claims.c). On
 * PostgreSQL a claim is a row keyed by (requisite, amount) in
 * requisite_claims: the key is what keeps two nodes or writers from both
 * taking an amount. SQLite has one writer, whose transactions are the
 * lock: its claim reads the pending orders' index (orders_pending_requisite,
 * migration 015) and the order's insert in the same transaction is the
 * claim; leaving pending (the order's status) gives it back. */
#define SQL_REQUISITE_AMOUNT_PENDING                                                               \
    "SELECT 1 FROM orders WHERE requisite_id = $1 AND amount = $2 AND status = 0 LIMIT 1"
#define SQL_REQUISITE_PENDING_ORDERS                                                               \
    "SELECT COUNT(*) FROM orders WHERE requisite_id = $1 AND status = 0"
#define SQL_REQUISITE_CLAIM                                                                        \
    "INSERT INTO requisite_claims(requisite_id, amount) VALUES ($1, $2) ON CONFLICT DO NOTHING "   \
    "RETURNING requisite_id"
#define SQL_REQUISITE_UNCLAIM "DELETE FROM requisite_claims WHERE requisite_id = $1 AND amount = $2"
#define SQL_REQUISITE_PENDING "SELECT COUNT(*) FROM requisite_claims WHERE requisite_id = $1"
#define SQL_REQUISITE_DAY                                                                          \
    "SELECT amount, count FROM requisite_days WHERE requisite_id = $1 AND day = $2"
#define SQL_REQUISITE_DAY_ADD                                                                      \
    "INSERT INTO requisite_days(requisite_id, day, amount, count) VALUES ($1, $2, $3, $4) ON "     \
    "CONFLICT (requisite_id, day) DO UPDATE SET amount = requisite_days.amount + "                 \
    "excluded.amount, count = requisite_days.count + excluded.count"
#define SQL_REQUISITE_DAY_SUB                                                                      \
    "UPDATE requisite_days SET amount = amount + $3, count = count + $4 WHERE requisite_id = $1 "  \
    "AND day = $2"
/* The group's claims (PostgreSQL): $1 requisites, $2 amounts. */
#define SQL_REQUISITE_CLAIM_MANY                                                                   \
    "INSERT INTO requisite_claims(requisite_id, amount) SELECT * FROM unnest($1::bigint[], "       \
    "$2::bigint[]) ON CONFLICT DO NOTHING RETURNING requisite_id, amount"

/* A requisite's columns (SQL_REQUISITE_COLUMNS' order) from column i on. */
void sql_read_requisite(const struct sql_row *r, int i, struct requisite *rq);

#endif
