/* sql/rows.h: the statements of merchants, shops (with their dialect rows)
 * and exchange rates both backends run, as one text ($N placeholders;
 * SQLite's prepare reads them as ?N). PostgreSQL appends RETURNING id to
 * the inserts whose new id it wants; SQLite reads it from the connection. */
#ifndef KASSA_SQL_ROWS_H
#define KASSA_SQL_ROWS_H

#define SQL_MERCHANT_INSERT "INSERT INTO merchants(name, created_at) VALUES ($1, $2)"
#define SQL_MERCHANT_GET "SELECT id, name, created_at FROM merchants WHERE id = $1"

#define SQL_SHOP_INSERT                                                                            \
    "INSERT INTO shops(merchant_id, public_key, name, url, callback_url, fee_percent, "            \
    "active, created_at, form_hosts, test_mode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
/* A shop's row of one dialect: inserted with its credentials, or its order
 * TTL, callback format and signing changed (credentials never change). */
#define SQL_SHOP_DIALECT_PUT                                                                       \
    "INSERT INTO shop_dialects(shop_id, dialect, api_key, secret, order_ttl, "                     \
    "callback_format, strict_signing) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT "            \
    "(shop_id, dialect) DO UPDATE SET order_ttl = excluded.order_ttl, "                            \
    "callback_format = excluded.callback_format, strict_signing = excluded.strict_signing"

/* A shop with its dialect rows: one result row per row of shop_dialects
 * (one with NULLs when it has none), ordered by shop and dialect name
 * (every SQL_SHOP_SELECT ends with SQL_SHOP_ORDER); the backends' shop
 * readers gather them. */
#define SQL_SHOP_SELECT                                                                            \
    "SELECT s.id, s.merchant_id, s.public_key, s.name, s.url, s.callback_url, s.fee_percent, "     \
    "s.active, s.created_at, d.dialect, d.api_key, d.secret, d.order_ttl, d.callback_format, "     \
    "s.form_hosts, d.strict_signing, d.old_api_key, d.old_secret, d.old_valid_until, "             \
    "s.rate_limit, s.rate_burst, s.amount_adjust_max, s.dispute_ttl, s.dispute_callbacks, "        \
    "s.dispute_auto_success, s.test_mode, s.logo_url, s.brand_color FROM shops s "                 \
    "LEFT JOIN shop_dialects d ON d.shop_id = s.id "
#define SQL_SHOP_ORDER "ORDER BY s.id, d.dialect"
#define SQL_SHOP_BY_ID SQL_SHOP_SELECT "WHERE s.id = $1 " SQL_SHOP_ORDER
#define SQL_SHOP_BY_PUBLIC_KEY SQL_SHOP_SELECT "WHERE s.public_key = $1 " SQL_SHOP_ORDER
/* By a dialect's current API key or the one before it (valid or not: the
 * core decides; each on an index). */
#define SQL_SHOP_BY_API_KEY                                                                        \
    SQL_SHOP_SELECT "WHERE s.id IN (SELECT shop_id FROM shop_dialects WHERE dialect = $1 AND "     \
                    "api_key = $2 UNION ALL SELECT shop_id FROM shop_dialects WHERE dialect = $1 " \
                    "AND old_api_key = $2) " SQL_SHOP_ORDER
/* A rotation: the current pair becomes the old one. $1 shop, $2 dialect,
 * $3 old_valid_until, $4 new api_key, $5 new secret. */
#define SQL_SHOP_DIALECT_ROTATE                                                                    \
    "UPDATE shop_dialects SET old_api_key = api_key, old_secret = secret, old_valid_until = $3, "  \
    "api_key = $4, secret = $5 WHERE shop_id = $1 AND dialect = $2"
#define SQL_SHOPS_BY_MERCHANT SQL_SHOP_SELECT "WHERE s.merchant_id = $1 " SQL_SHOP_ORDER

#define SQL_RATE_GET "SELECT rate FROM rates WHERE base = $1 AND quote = $2"
#define SQL_SETTING_GET "SELECT value FROM settings WHERE name = $1"
#define SQL_SETTING_PUT                                                                            \
    "INSERT INTO settings(name, value, updated_at) VALUES ($1, $2, $3) "                           \
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
#define SQL_RATE_PUT                                                                               \
    "INSERT INTO rates(base, quote, rate, updated_at) VALUES ($1, $2, $3, $4) "                    \
    "ON CONFLICT (base, quote) DO UPDATE SET rate = excluded.rate, "                               \
    "updated_at = excluded.updated_at"

#endif
