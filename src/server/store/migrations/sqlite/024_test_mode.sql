-- 024 (both backends, lockstep): a shop's test mode (core/order.c): every
-- order of a shop in test mode is a test order, served by the sandbox (a
-- sandbox requisite, the payer page's Pay / Fail buttons), never by the
-- pool, and no money moves when it completes or fails.
ALTER TABLE shops ADD COLUMN test_mode INTEGER NOT NULL DEFAULT 0;
