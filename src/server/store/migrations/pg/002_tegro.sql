-- 002: the tegro dialect's own records (twin of migrations/sqlite/002):
-- REST nonces (replay guard), per-shop payment-method switches, and the
-- receipt items an order was created with.
CREATE TABLE tegro_nonces (
    shop_id     BIGINT  NOT NULL,
    nonce       TEXT    NOT NULL,
    body_hash   BYTEA   NOT NULL,   -- SHA-256 of the raw request body
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (shop_id, nonce, body_hash)
);
CREATE INDEX tegro_nonces_created ON tegro_nonces(created_at);

CREATE TABLE tegro_shop_methods (
    shop_id     BIGINT  NOT NULL REFERENCES shops(id),
    method_id   INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (shop_id, method_id)
);

CREATE TABLE tegro_receipt_items (
    order_id    BIGINT  NOT NULL REFERENCES orders(id),
    position    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    count       TEXT    NOT NULL,   -- decimal text as given
    price       BIGINT  NOT NULL,   -- minor units of the order's currency
    PRIMARY KEY (order_id, position)
);
