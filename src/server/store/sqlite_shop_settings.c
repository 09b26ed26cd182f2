/* sqlite_shop_settings.c: what an operator changes on a shop, on SQLite:
 * fixed fees per currency, the fee percent, the settings of shop_update. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sqlite_internal.h"
#include "sql/shop_settings.h"

enum {
    S_FEE_GET = SLOTS_SHOP_SETTINGS,
    S_FEE_SET,
    S_FEES,
    S_FEE_PERCENT,
    S_SHOP_UPDATE,
    S_END_,
};
_Static_assert((int)S_END_ <= (int)SLOTS_CALLBACK, "shop settings statements overflow their slots");

static sqlite3_stmt *st_(struct sqlite_conn *c, int slot)
{
    static const char *const sql[] = {
        [S_FEE_GET - SLOTS_SHOP_SETTINGS] = SQL_FEE_GET,
        [S_FEE_SET - SLOTS_SHOP_SETTINGS] = SQL_FEE_SET,
        [S_FEES - SLOTS_SHOP_SETTINGS] = SQL_FEES,
        [S_FEE_PERCENT - SLOTS_SHOP_SETTINGS] = SQL_FEE_PERCENT,
        [S_SHOP_UPDATE - SLOTS_SHOP_SETTINGS] = SQL_SHOP_UPDATE,
    };
    return sqlite_stmt(c, slot, sql[slot - SLOTS_SHOP_SETTINGS]);
}

#define CONN(conn) struct sqlite_conn *c = container_of(conn, struct sqlite_conn, base)

kassa_err sqlite_shop_fee_get(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t *fixed)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEE_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, currency);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        *fixed = sqlite3_column_int64(st, 0);
    else
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_shop_fee_set(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t fixed)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEE_SET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, currency);
    sqlite3_bind_int64(st, 3, fixed);
    return sqlite_run(c, st);
}

kassa_err sqlite_shop_fees(struct store_conn *base, int64_t shop_id,
                           bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEES);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    char currency[16];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_col_text(st, 0, currency, sizeof currency);
        if (!fn(arg, currency, sqlite3_column_int64(st, 1)))
            break;
    }
    kassa_err err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_shop_set_fee_percent(struct store_conn *base, int64_t shop_id, const char *percent)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_FEE_PERCENT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, percent);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ENOTFOUND;
    return err;
}

kassa_err sqlite_shop_update(struct store_conn *base, const struct shop *s)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_SHOP_UPDATE);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite_bind_text(st, 2, s->name);
    sqlite_bind_text(st, 3, s->url);
    sqlite_bind_text(st, 4, s->callback_url);
    sqlite_bind_text(st, 5, s->form_hosts);
    sqlite3_bind_int(st, 6, s->active ? 1 : 0);
    sqlite3_bind_int(st, 7, s->rate_limit);
    sqlite3_bind_int(st, 8, s->rate_burst);
    sqlite3_bind_int(st, 9, s->amount_adjust_max);
    sqlite3_bind_int(st, 10, s->dispute_ttl);
    sqlite3_bind_int(st, 11, s->dispute_callbacks ? 1 : 0);
    sqlite3_bind_int(st, 12, s->dispute_auto_success ? 1 : 0);
    sqlite3_bind_int(st, 13, s->test_mode ? 1 : 0);
    sqlite_bind_text(st, 14, s->logo_url);
    sqlite_bind_text(st, 15, s->brand_color);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        err = sqlite_shop_dialects_put(c, s);
    return err;
}
