-- The overview's orders created per minute are folded into order_minutes
-- by the sweeper (sql/overview.h SQL_OVERVIEW_FOLD) rather than by a
-- trigger on every insert (see the SQLite migration of this number).
DROP TRIGGER order_minutes_insert ON orders;
DROP FUNCTION order_minutes_insert();

CREATE TABLE overview_fold (
    id           integer PRIMARY KEY CHECK (id = 1),
    folded_until bigint  NOT NULL  -- orders created before it are in order_minutes
);
INSERT INTO overview_fold (id, folded_until)
SELECT 1, coalesce(max(created_at), 0) + 1 FROM orders;
