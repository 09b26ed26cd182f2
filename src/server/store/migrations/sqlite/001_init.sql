-- 001: merchants, shops, the requisites pool, orders, idempotency keys, rates.
-- Money columns are INTEGER minor units; times are Unix seconds.
CREATE TABLE merchants (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE shops (
    id               INTEGER PRIMARY KEY,
    merchant_id      INTEGER NOT NULL REFERENCES merchants(id),
    public_key       TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    url              TEXT    NOT NULL DEFAULT '',
    callback_url     TEXT    NOT NULL DEFAULT '',
    fee_percent      TEXT    NOT NULL DEFAULT '0',
    panda_api_key    TEXT    NOT NULL UNIQUE,
    panda_secret     TEXT    NOT NULL,
    tegro_api_key    TEXT    NOT NULL,
    tegro_secret     TEXT    NOT NULL,
    panda_order_ttl  INTEGER NOT NULL,
    tegro_order_ttl  INTEGER NOT NULL,
    callback_version INTEGER NOT NULL DEFAULT 3,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL
);
CREATE INDEX shops_merchant ON shops(merchant_id);

CREATE TABLE requisites (
    id               INTEGER PRIMARY KEY,
    type             TEXT    NOT NULL,
    value            TEXT    NOT NULL,
    owner_full_name  TEXT    NOT NULL DEFAULT '',
    bank_code        TEXT    NOT NULL DEFAULT '',
    bank_name_ru     TEXT    NOT NULL DEFAULT '',
    bank_name_en     TEXT    NOT NULL DEFAULT '',
    currency         TEXT    NOT NULL,
    country_code     TEXT    NOT NULL DEFAULT '',
    active           INTEGER NOT NULL DEFAULT 1,
    assigned         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);
CREATE INDEX requisites_pick ON requisites(type, currency, active, assigned);

CREATE TABLE orders (
    id                    INTEGER PRIMARY KEY,
    uuid                  TEXT    NOT NULL UNIQUE,
    uuid_callback         TEXT    NOT NULL UNIQUE,
    pay_token             TEXT    NOT NULL,
    shop_id               INTEGER NOT NULL REFERENCES shops(id),
    origin                INTEGER NOT NULL,
    status                INTEGER NOT NULL,
    amount                INTEGER NOT NULL CHECK (amount > 0),
    currency              TEXT    NOT NULL,
    fee                   INTEGER NOT NULL,
    amount_usdt           INTEGER NOT NULL,
    exchange_rate         TEXT    NOT NULL DEFAULT '',
    merchant_order_id     TEXT    NOT NULL DEFAULT '',
    requisite_type        TEXT    NOT NULL DEFAULT '',
    payment_system        INTEGER NOT NULL DEFAULT 0,
    customer_name         TEXT    NOT NULL DEFAULT '',
    customer_requisite    TEXT    NOT NULL DEFAULT '',
    bank_code             TEXT    NOT NULL DEFAULT '',
    countries             TEXT    NOT NULL DEFAULT '',
    payment_systems       TEXT    NOT NULL DEFAULT '',
    email                 TEXT    NOT NULL DEFAULT '',
    phone                 TEXT    NOT NULL DEFAULT '',
    success_url           TEXT    NOT NULL DEFAULT '',
    fail_url              TEXT    NOT NULL DEFAULT '',
    notify_url            TEXT    NOT NULL DEFAULT '',
    lang                  TEXT    NOT NULL DEFAULT '',
    test                  INTEGER NOT NULL DEFAULT 0,
    confirmed_by_customer INTEGER NOT NULL DEFAULT 0,
    requisite_id          INTEGER REFERENCES requisites(id),
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    paid_at               INTEGER NOT NULL DEFAULT 0,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX orders_shop_merchant_order ON orders(shop_id, merchant_order_id);
CREATE INDEX orders_shop_id ON orders(shop_id, id);
CREATE INDEX orders_pending_expiry ON orders(expires_at) WHERE status = 0;

CREATE TABLE idempotency (
    shop_id      INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    fingerprint  BLOB    NOT NULL,
    order_id     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (shop_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency(created_at);

CREATE TABLE rates (
    base        TEXT    NOT NULL,
    quote       TEXT    NOT NULL,
    rate        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (base, quote)
) WITHOUT ROWID;
