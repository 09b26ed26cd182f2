-- 010: a shop's credentials and settings in each merchant dialect become
-- rows keyed by the dialect's registered name (shop_dialects), instead of
-- columns per dialect on shops. Every shop's keys, secrets and order TTLs
-- are carried over, and so are its callback formats: panda's
-- callback_version ("3" or "2", as text) and tegro's notification_format
-- ("form" or "json") become the callback_format of the shop's row of each.
-- PostgreSQL has no 008 and 009; from 010 on both backends' migrations
-- carry the same numbers, in lockstep.
--
-- shops is rebuilt without those columns the way SQLite documents it
-- (lang_altertable.html, "Making Other Kinds Of Table Schema Changes"): a
-- new table, the rows copied, the old table dropped, the new one renamed to
-- the old name, its indexes made again. orders, withdrawals, shop_fees and
-- the rest keep referring to shops(id): the migration runner
-- (store/sqlite.c) runs the migrations with foreign keys off and checks
-- every reference (PRAGMA foreign_key_check) before it commits.
CREATE TABLE shop_dialects (
    shop_id          INTEGER NOT NULL REFERENCES shops(id),
    dialect          TEXT    NOT NULL,
    api_key          TEXT    NOT NULL,
    secret           TEXT    NOT NULL,
    order_ttl        INTEGER NOT NULL,
    callback_format  TEXT    NOT NULL,
    PRIMARY KEY (shop_id, dialect),
    UNIQUE (dialect, api_key)
) WITHOUT ROWID;

INSERT INTO shop_dialects(shop_id, dialect, api_key, secret, order_ttl, callback_format)
    SELECT id, 'panda', panda_api_key, panda_secret, panda_order_ttl,
           CAST(callback_version AS TEXT)
    FROM shops;
INSERT INTO shop_dialects(shop_id, dialect, api_key, secret, order_ttl, callback_format)
    SELECT id, 'tegro', tegro_api_key, tegro_secret, tegro_order_ttl, notification_format
    FROM shops;

CREATE TABLE shops_new (
    id               INTEGER PRIMARY KEY,
    merchant_id      INTEGER NOT NULL REFERENCES merchants(id),
    public_key       TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    url              TEXT    NOT NULL DEFAULT '',
    callback_url     TEXT    NOT NULL DEFAULT '',
    fee_percent      TEXT    NOT NULL DEFAULT '0',
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL
);
INSERT INTO shops_new(id, merchant_id, public_key, name, url, callback_url, fee_percent, active,
                      created_at)
    SELECT id, merchant_id, public_key, name, url, callback_url, fee_percent, active, created_at
    FROM shops;
DROP TABLE shops;
ALTER TABLE shops_new RENAME TO shops;
CREATE INDEX shops_merchant ON shops(merchant_id);
