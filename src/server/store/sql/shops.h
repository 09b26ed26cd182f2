/* sql/shops.h: the operator's shop list, one text for both backends ($N
 * placeholders; SQLite's prepare reads them as ?N), and its column maps. */
#ifndef KASSA_SQL_SHOPS_H
#define KASSA_SQL_SHOPS_H

#include "model/model.h"
#include "row.h"

/* A page of the shops f wants with their dialect rows (SQL_SHOP_SELECT's
 * columns: one row per dialect row, a shop's rows together), by id in f's
 * order: f->limit shops need at most f->limit * SHOP_DIALECTS_MAX rows, the
 * statement's LIMIT (the last shop read may lack dialect rows; the caller
 * only counts it). On the primary key, or on shops_merchant with a
 * merchant. */
void sql_shops_list(const struct shop_filter *f, struct sql_query *q);

/* The balances and fixed fees (struct shop_money) of the shops f wants
 * whose id is in [lo, hi] (a page of sql_shops_list), ordered by shop,
 * currency and kind: on the accounts' unique key and shop_fees' primary
 * key. */
void sql_shops_money(const struct shop_filter *f, int64_t lo, int64_t hi, struct sql_query *q);

/* The shop columns of a row of SQL_SHOP_SELECT into s (cleared first), and
 * its dialect columns as one more dialect row of s (none for the LEFT
 * JOIN's NULLs). */
void sql_read_shop(const struct sql_row *r, struct shop *s);
void sql_read_shop_dialect(const struct sql_row *r, struct shop *s);

void sql_read_shop_money(const struct sql_row *r, struct shop_money *m);

#endif
