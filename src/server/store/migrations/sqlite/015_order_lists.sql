-- 015 (both backends, lockstep): what the operator's lists need beyond the
-- primary key (GET /admin/v1/orders, /withdrawals, /requisites,
-- /callbacks), chosen to cost creates almost nothing: a new order is in
-- none of the partial ones, and creation times only grow.
-- The daily queue: pending orders whose payer says they paid.
CREATE INDEX orders_queue ON orders(id) WHERE status = 0 AND confirmed_by_customer = 1;
-- Pending orders by requisite (the requisite list's counts; unique amounts
-- on a requisite's pending orders).
CREATE INDEX orders_pending_requisite ON orders(requisite_id, amount) WHERE status = 0;
-- Creation-time ranges, in time order.
CREATE INDEX orders_created ON orders(created_at, id);
-- Withdrawals by status (pending first) and callbacks by state.
CREATE INDEX withdrawals_status ON withdrawals(status, id);
CREATE INDEX callbacks_state ON callbacks(state, id);
