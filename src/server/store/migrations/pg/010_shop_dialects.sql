-- 010: a shop's credentials and settings in each merchant dialect become
-- rows keyed by the dialect's registered name (shop_dialects), instead of
-- columns per dialect on shops. Every shop's keys, secrets and order TTLs
-- are carried over, and so are its callback formats: panda's
-- callback_version ("3" or "2", as text) and tegro's notification_format
-- ("form" or "json") become the callback_format of the shop's row of each.
-- PostgreSQL never had an 008 or 009 (they were SQLite's own); from 010 on
-- both backends' migrations carry the same numbers, in lockstep. Twin of
-- migrations/sqlite/010_shop_dialects.sql.
CREATE TABLE shop_dialects (
    shop_id          BIGINT  NOT NULL REFERENCES shops(id),
    dialect          TEXT    NOT NULL,
    api_key          TEXT    NOT NULL,
    secret           TEXT    NOT NULL,
    order_ttl        INTEGER NOT NULL,
    callback_format  TEXT    NOT NULL,
    PRIMARY KEY (shop_id, dialect),
    UNIQUE (dialect, api_key)
);

INSERT INTO shop_dialects(shop_id, dialect, api_key, secret, order_ttl, callback_format)
    SELECT id, 'panda', panda_api_key, panda_secret, panda_order_ttl, callback_version::text
    FROM shops;
INSERT INTO shop_dialects(shop_id, dialect, api_key, secret, order_ttl, callback_format)
    SELECT id, 'tegro', tegro_api_key, tegro_secret, tegro_order_ttl, notification_format
    FROM shops;

-- Their indexes (shops_tegro_key, the unique key on panda_api_key) and the
-- check on notification_format go with the columns.
ALTER TABLE shops DROP COLUMN panda_api_key,
                  DROP COLUMN panda_secret,
                  DROP COLUMN tegro_api_key,
                  DROP COLUMN tegro_secret,
                  DROP COLUMN panda_order_ttl,
                  DROP COLUMN tegro_order_ttl,
                  DROP COLUMN callback_version,
                  DROP COLUMN notification_format;
