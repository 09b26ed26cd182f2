-- 003: the double-entry ledger, the order event outbox, withdrawals and
-- payment receipts. Amounts are INTEGER minor units; a posting's sign says
-- which way it moves (every ledger_tx's postings sum to zero).
CREATE TABLE accounts (
    id        INTEGER PRIMARY KEY,
    kind      TEXT    NOT NULL,            -- shop_available, shop_held, platform_fees,
                                           -- provider_clearing, payouts
    shop_id   INTEGER NOT NULL DEFAULT 0,  -- 0 for the platform's accounts
    currency  TEXT    NOT NULL,
    balance   INTEGER NOT NULL DEFAULT 0,  -- the sum of its postings, kept in step
    CHECK (kind NOT IN ('shop_available', 'shop_held') OR balance >= 0),
    UNIQUE (kind, shop_id, currency)
);

CREATE TABLE ledger_tx (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,          -- order.completed, withdrawal.created, ...
    ref_type    TEXT    NOT NULL,          -- order, withdrawal
    ref_id      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX ledger_tx_ref ON ledger_tx(ref_type, ref_id);

CREATE TABLE postings (
    id          INTEGER PRIMARY KEY,
    tx_id       INTEGER NOT NULL REFERENCES ledger_tx(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    amount      INTEGER NOT NULL
);
CREATE INDEX postings_account ON postings(account_id);
CREATE INDEX postings_tx ON postings(tx_id);

-- One row per order state change, written with it (the callbacks' outbox).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    shop_id     INTEGER NOT NULL,
    order_id    INTEGER NOT NULL,
    kind        TEXT    NOT NULL,          -- order.completed, order.expired, ...
    status      INTEGER NOT NULL,          -- the order's new core status
    created_at  INTEGER NOT NULL
);
CREATE INDEX events_order ON events(order_id);

CREATE TABLE withdrawals (
    id              INTEGER PRIMARY KEY,
    shop_id         INTEGER NOT NULL REFERENCES shops(id),
    payment_id      TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    fee             INTEGER NOT NULL DEFAULT 0,
    account         TEXT    NOT NULL,
    payment_system  INTEGER NOT NULL DEFAULT 0,
    status          INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 completed, 2 rejected
    fingerprint     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    completed_at    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (shop_id, payment_id)
);
CREATE INDEX withdrawals_shop ON withdrawals(shop_id, id);

CREATE TABLE receipts (
    order_id      INTEGER PRIMARY KEY REFERENCES orders(id),
    content_type  TEXT    NOT NULL,
    data          BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);
