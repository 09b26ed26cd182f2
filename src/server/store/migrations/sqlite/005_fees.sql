-- 005: the fixed part of a shop's tariff, per currency (minor units). The
-- fee of an order is fee_percent of its amount, rounded half-up, plus this.
CREATE TABLE shop_fees (
    shop_id   INTEGER NOT NULL REFERENCES shops(id),
    currency  TEXT    NOT NULL,
    fixed     INTEGER NOT NULL CHECK (fixed >= 0),
    PRIMARY KEY (shop_id, currency)
) WITHOUT ROWID;
