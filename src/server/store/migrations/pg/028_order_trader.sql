-- 028 (both backends, lockstep): orders by trader, newest first, from a
-- partial index: see the SQLite file of the same number.
CREATE INDEX orders_trader ON orders(trader_id, id) WHERE trader_id > 0;
