-- The overview's orders created per minute are folded into order_minutes
-- by the sweeper (sql/overview.h SQL_OVERVIEW_FOLD) rather than by a
-- trigger on every insert: the trigger cost each create an upsert of a hot
-- row, 12-15 % of create-order on SQLite (bench/run --quick). Minutes
-- before folded_until are in order_minutes; the overview counts the orders
-- created since straight from the orders (orders_created), so its figures
-- stay exact. Completions keep their trigger (order_minutes_update).
DROP TRIGGER order_minutes_insert;

CREATE TABLE overview_fold (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    folded_until INTEGER NOT NULL  -- orders created before it are in order_minutes
);
-- Every order so far was counted by the trigger.
INSERT INTO overview_fold (id, folded_until)
SELECT 1, coalesce(max(created_at), 0) + 1 FROM orders;
