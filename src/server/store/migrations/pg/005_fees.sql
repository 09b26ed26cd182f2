-- 005: the fixed part of a shop's tariff, per currency (minor units). The
-- fee of an order is fee_percent of its amount, rounded half-up, plus this.
CREATE TABLE shop_fees (
    shop_id   BIGINT NOT NULL REFERENCES shops(id),
    currency  TEXT   NOT NULL,
    fixed     BIGINT NOT NULL CHECK (fixed >= 0),
    PRIMARY KEY (shop_id, currency)
);
