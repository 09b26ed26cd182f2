/* sql/shop_settings.h: the statements of a shop's fees and settings both
 * backends run, as one text ($N placeholders; SQLite's prepare reads them
 * as ?N). */
#ifndef KASSA_SQL_SHOP_SETTINGS_H
#define KASSA_SQL_SHOP_SETTINGS_H

#define SQL_FEE_GET "SELECT fixed FROM shop_fees WHERE shop_id = $1 AND currency = $2"
#define SQL_FEE_SET                                                                                \
    "INSERT INTO shop_fees(shop_id, currency, fixed) VALUES ($1, $2, $3) ON CONFLICT "             \
    "(shop_id, currency) DO UPDATE SET fixed = excluded.fixed"
#define SQL_FEES "SELECT currency, fixed FROM shop_fees WHERE shop_id = $1 ORDER BY currency"
#define SQL_FEE_PERCENT "UPDATE shops SET fee_percent = $2 WHERE id = $1"
/* The shop's own settings; its dialect rows are written after it
 * (*_shop_dialects_put). */
#define SQL_SHOP_UPDATE                                                                            \
    "UPDATE shops SET name = $2, url = $3, callback_url = $4, form_hosts = $5, active = $6, "      \
    "rate_limit = $7, rate_burst = $8, amount_adjust_max = $9, dispute_ttl = $10, "                \
    "dispute_callbacks = $11, dispute_auto_success = $12, test_mode = $13, logo_url = $14, "       \
    "brand_color = $15 WHERE id = $1"

#endif
