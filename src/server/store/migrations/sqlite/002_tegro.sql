-- 002: the tegro dialect's own records: REST nonces (replay guard), per-shop
-- payment-method switches, and the receipt items an order was created with.
CREATE TABLE tegro_nonces (
    shop_id     INTEGER NOT NULL,
    nonce       TEXT    NOT NULL,
    body_hash   BLOB    NOT NULL,   -- SHA-256 of the method name, NUL, the raw body
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (shop_id, nonce, body_hash)
) WITHOUT ROWID;
CREATE INDEX tegro_nonces_created ON tegro_nonces(created_at);

CREATE TABLE tegro_shop_methods (
    shop_id     INTEGER NOT NULL REFERENCES shops(id),
    method_id   INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (shop_id, method_id)
) WITHOUT ROWID;

CREATE TABLE tegro_receipt_items (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    position    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    count       TEXT    NOT NULL,   -- decimal text as given
    price       INTEGER NOT NULL,   -- minor units of the order's currency
    PRIMARY KEY (order_id, position)
) WITHOUT ROWID;
