-- 019 (both backends, lockstep): amounts actually received and reversals.
--
-- What a completion says was actually received, and when the operator
-- reversed a completed order. 0 means none (as paid_at): amount_received 0
-- is "as amount", reversed_at 0 "not reversed". Constant defaults: no row
-- is rewritten, and the order insert (the hot path) does not name them.
ALTER TABLE orders ADD COLUMN amount_received INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN reversed_at INTEGER NOT NULL DEFAULT 0;

-- A reversal may leave a shop's available balance below zero (a debt that
-- refuses withdrawals until covered: core/ledger.c); held never goes below
-- zero. SQLite cannot change a CHECK in place: accounts is rebuilt the way
-- lang_altertable.html documents (see 010), its ids kept, so postings keep
-- referring to them.
CREATE TABLE accounts_new (
    id        INTEGER PRIMARY KEY,
    kind      TEXT    NOT NULL,            -- shop_available, shop_held, platform_fees,
                                           -- provider_clearing, payouts
    shop_id   INTEGER NOT NULL DEFAULT 0,  -- 0 for the platform's accounts
    currency  TEXT    NOT NULL,
    balance   INTEGER NOT NULL DEFAULT 0,  -- the sum of its postings, kept in step
    CHECK (kind <> 'shop_held' OR balance >= 0),
    UNIQUE (kind, shop_id, currency)
);
INSERT INTO accounts_new(id, kind, shop_id, currency, balance)
    SELECT id, kind, shop_id, currency, balance FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
