-- 019 (both backends, lockstep): amounts actually received and reversals.
--
-- What a completion says was actually received, and when the operator
-- reversed a completed order. 0 means none (as paid_at): amount_received 0
-- is "as amount", reversed_at 0 "not reversed". Constant defaults: no row
-- is rewritten, and the order insert (the hot path) does not name them.
ALTER TABLE orders ADD COLUMN amount_received BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN reversed_at BIGINT NOT NULL DEFAULT 0;

-- A reversal may leave a shop's available balance below zero (a debt that
-- refuses withdrawals until covered: core/ledger.c); held never goes below
-- zero. 003's unnamed CHECK is accounts_check.
ALTER TABLE accounts DROP CONSTRAINT accounts_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_held_check CHECK (kind <> 'shop_held' OR balance >= 0);
