-- 021 (both backends, lockstep): the requisite selection rule of
-- spec/p2p.md (provider/requisites.c), the trader's reserve, and who
-- confirmed an order.
--
-- A requisite's limits (0: none; max_pending 0: no limit, which every
-- requisite of the operator's own pool keeps, as before) and its trader's
-- pause (active stays the operator's switch).
ALTER TABLE requisites ADD COLUMN min_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requisites ADD COLUMN max_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requisites ADD COLUMN daily_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requisites ADD COLUMN daily_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requisites ADD COLUMN max_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requisites ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;

-- The amounts pending on each requisite: SQLite's one writer reads the
-- pending orders' index (orders_pending_requisite, migration 015) for its
-- claims (store/sql/requisites.h); PostgreSQL keeps requisite_claims.

-- What a limited requisite (or a trader's) took on a day (UTC, Unix
-- seconds / 86400): pending and completed orders, by amount and count.
CREATE TABLE requisite_days (
    requisite_id  INTEGER NOT NULL,
    day           INTEGER NOT NULL,
    amount        INTEGER NOT NULL DEFAULT 0,
    count         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (requisite_id, day)
) WITHOUT ROWID;

-- An order's trader (0: none) and what it holds of the trader's deposit
-- (reserve: in the trader's currency, while pending), the amount the
-- merchant asked for when it was raised to a unique one (0: not raised),
-- why no requisite took it, and who completed it.
ALTER TABLE orders ADD COLUMN trader_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN reserve INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN amount_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN no_requisite_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';

-- How many whole units a shop's amount may be raised to be unique.
ALTER TABLE shops ADD COLUMN amount_adjust_max INTEGER NOT NULL DEFAULT 0;
