/* pg_shop_settings.c: what an operator changes on a shop, on PostgreSQL
 * (twin of sqlite_shop_settings.c): fixed fees, the fee percent, the
 * settings of shop_update. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_internal.h"
#include "sql/shop_settings.h"

enum {
    S_FEE_GET = PG_SLOTS_SHOP_SETTINGS,
    S_FEE_SET,
    S_FEES,
    S_FEE_PERCENT,
    S_SHOP_UPDATE,
    S_END_,
};
_Static_assert((int)S_END_ <= (int)PG_SLOTS_CALLBACK,
               "shop settings statements overflow their slots");

static const char *const sql[] = {
    [S_FEE_GET - PG_SLOTS_SHOP_SETTINGS] = SQL_FEE_GET,
    [S_FEE_SET - PG_SLOTS_SHOP_SETTINGS] = SQL_FEE_SET,
    [S_FEES - PG_SLOTS_SHOP_SETTINGS] = SQL_FEES,
    [S_FEE_PERCENT - PG_SLOTS_SHOP_SETTINGS] = SQL_FEE_PERCENT,
    [S_SHOP_UPDATE - PG_SLOTS_SHOP_SETTINGS] = SQL_SHOP_UPDATE,
};

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

static PGresult *exec_(struct pg_conn *c, int slot, const struct pg_params *p, kassa_err *err)
{
    return pg_exec(c, slot, sql[slot - PG_SLOTS_SHOP_SETTINGS], p, err);
}

static kassa_err run_(struct pg_conn *c, int slot, const struct pg_params *p, int64_t *changed)
{
    return pg_run(c, slot, sql[slot - PG_SLOTS_SHOP_SETTINGS], p, changed);
}

kassa_err pg_shop_fee_get(struct store_conn *base, int64_t shop_id, const char *currency,
                          int64_t *fixed)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, currency);
    kassa_err err;
    PGresult *r = exec_(c, S_FEE_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        *fixed = pg_i64(r, 0, 0);
    else
        err = KASSA_ENOTFOUND;
    PQclear(r);
    return err;
}

kassa_err pg_shop_fee_set(struct store_conn *base, int64_t shop_id, const char *currency,
                          int64_t fixed)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, currency);
    pgp_i64(&p, fixed);
    return run_(c, S_FEE_SET, &p, NULL);
}

kassa_err pg_shop_fees(struct store_conn *base, int64_t shop_id,
                       bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    kassa_err err;
    PGresult *r = exec_(c, S_FEES, &p, &err);
    if (r == NULL)
        return err;
    char currency[16];
    for (int i = 0; i < PQntuples(r); i++) {
        pg_text(r, i, 0, currency, sizeof currency);
        if (!fn(arg, currency, pg_i64(r, i, 1)))
            break;
    }
    PQclear(r);
    return KASSA_OK;
}

kassa_err pg_shop_set_fee_percent(struct store_conn *base, int64_t shop_id, const char *percent)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, percent);
    int64_t changed = 0;
    kassa_err err = run_(c, S_FEE_PERCENT, &p, &changed);
    if (err == KASSA_OK && changed != 1)
        err = KASSA_ENOTFOUND;
    return err;
}

kassa_err pg_shop_update(struct store_conn *base, const struct shop *s)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, s->id);
    pgp_text(&p, s->name);
    pgp_text(&p, s->url);
    pgp_text(&p, s->callback_url);
    pgp_text(&p, s->form_hosts);
    pgp_i64(&p, s->active ? 1 : 0);
    pgp_i64(&p, s->rate_limit);
    pgp_i64(&p, s->rate_burst);
    pgp_i64(&p, s->amount_adjust_max);
    pgp_i64(&p, s->dispute_ttl);
    pgp_i64(&p, s->dispute_callbacks ? 1 : 0);
    pgp_i64(&p, s->dispute_auto_success ? 1 : 0);
    pgp_i64(&p, s->test_mode ? 1 : 0);
    pgp_text(&p, s->logo_url);
    pgp_text(&p, s->brand_color);
    int64_t changed = 0;
    kassa_err err = run_(c, S_SHOP_UPDATE, &p, &changed);
    if (err == KASSA_OK && changed != 1)
        err = KASSA_ENOTFOUND;
    if (err == KASSA_OK)
        err = pg_shop_dialects_put(c, s);
    return err;
}
