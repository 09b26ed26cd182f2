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
    "country_code, active, assigned, created_at, trader_id "

/* A new requisite, assigned 0 (PostgreSQL appends RETURNING id). */
#define SQL_REQUISITE_INSERT                                                                       \
    "INSERT INTO requisites(type, value, owner_full_name, bank_code, bank_name_ru, "               \
    "bank_name_en, currency, country_code, active, assigned, created_at, trader_id) VALUES "       \
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11)"

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
#define SQL_REQUISITES_LIST_PENDING_AT 13 /* the count's column */

/* One requisite, and writing its settings back. */
#define SQL_REQUISITE_BY_ID "SELECT " SQL_REQUISITE_COLUMNS "FROM requisites WHERE id = $1"
#define SQL_REQUISITE_UPDATE                                                                       \
    "UPDATE requisites SET owner_full_name = $2, bank_code = $3, bank_name_ru = $4, "              \
    "bank_name_en = $5, country_code = $6, active = $7 WHERE id = $1"

/* A requisite's columns (SQL_REQUISITE_COLUMNS' order) from column i on. */
void sql_read_requisite(const struct sql_row *r, int i, struct requisite *rq);

#endif
