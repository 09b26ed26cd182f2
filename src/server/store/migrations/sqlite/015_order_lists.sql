-- 015 (both backends, lockstep): the indexes the operator's order lists
-- use (GET /admin/v1/orders), each ordered by id as the lists are: any
-- status, the daily queue (pending orders whose payer says they paid), a
-- requisite's orders, a creation-time range, a merchant order id across
-- shops. Filters without one (currency, amount, dialect) narrow the rows
-- one of these, or the primary key, reads.
CREATE INDEX orders_status ON orders(status, id);
CREATE INDEX orders_queue ON orders(status, confirmed_by_customer, id);
CREATE INDEX orders_requisite ON orders(requisite_id, id);
CREATE INDEX orders_created ON orders(created_at, id);
CREATE INDEX orders_merchant_order_id ON orders(merchant_order_id);
-- The withdrawal list: pending ones first (GET /admin/v1/withdrawals).
CREATE INDEX withdrawals_status ON withdrawals(status, id);
