-- 028 (both backends, lockstep): orders by trader (GET /admin/v1/orders
-- ?trader_id=, the trader's own list), newest first, from an index rather
-- than a scan of every order. Partial: an order of the operator's own pool
-- (trader_id 0) is in none, so creating one costs nothing more; a query
-- names `trader_id > 0` for the planner to take it (store/sql/orders.c).
-- An order's trader is its requisite's, set when the order is created.
CREATE INDEX orders_trader ON orders(trader_id, id) WHERE trader_id > 0;
