-- 020 (both backends, lockstep): traders (spec/p2p.md), whose own
-- requisites receive payers' transfers and whose deposit backs them.
-- Their accounts are rows of accounts (kinds trader_available and
-- trader_reserved, shop_id holding the trader's id).
CREATE TABLE traders (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT    NOT NULL,
    verified_name  TEXT    NOT NULL,
    reward_bps     INTEGER NOT NULL CHECK (reward_bps BETWEEN 0 AND 10000),
    currency       TEXT    NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    online         INTEGER NOT NULL DEFAULT 0,
    api_key        TEXT    NOT NULL UNIQUE,
    secret         TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL
);
-- A requisite's trader (0: the operator's own pool, as before).
ALTER TABLE requisites ADD COLUMN trader_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX requisites_trader ON requisites(trader_id, id);
