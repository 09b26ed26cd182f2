-- 027 (both backends, lockstep): the operator's live overview
-- (GET /admin/v1/overview) reads per-minute figures, not the orders: on a
-- database of 1,000,000 orders a scan of the last 48 hours' orders costs
-- more than the 200 ms the overview may take, and these rows cost it a
-- few thousand.
--
-- order_minutes: per minute of creation (created_at - created_at % 60),
-- shop and currency, the orders created, how many of them are completed
-- now, and what those completed orders brought (amount_received where the
-- operator named one, else the amount). Test orders are left out (no
-- money moves). Triggers keep it in the transaction that inserts an order
-- or changes its status, so it always equals
--   SELECT created_at - created_at % 60, shop_id, currency, count(*),
--          sum(status = 1), sum(CASE WHEN status = 1 THEN <volume> END)
--   FROM orders WHERE test = 0 GROUP BY 1, 2, 3
-- (tests/e2e/test_overview.py checks it). `slot` is the writing
-- connection on PostgreSQL (its backend pid: writer threads and nodes then
-- never wait on each other's row); SQLite has one writer and slot 0.
--
-- callback_minutes: per minute (of `at`, Unix ms), the callback attempts and those that got
-- no 2xx answer (a transport error, a refusal, any other status).
CREATE TABLE order_minutes (
    minute    INTEGER NOT NULL,
    shop_id   INTEGER NOT NULL,
    currency  TEXT    NOT NULL,
    slot      INTEGER NOT NULL,
    created   INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    volume    INTEGER NOT NULL,
    PRIMARY KEY (minute, shop_id, currency, slot)
) WITHOUT ROWID;

CREATE TABLE callback_minutes (
    minute    INTEGER NOT NULL,
    slot      INTEGER NOT NULL,
    attempts  INTEGER NOT NULL,
    failed    INTEGER NOT NULL,
    PRIMARY KEY (minute, slot)
) WITHOUT ROWID;

INSERT INTO order_minutes (minute, shop_id, currency, slot, created, completed, volume)
SELECT created_at - created_at % 60, shop_id, currency, 0, count(*), sum(status = 1),
       coalesce(sum(CASE WHEN status = 1 THEN
                    CASE WHEN amount_received > 0 THEN amount_received ELSE amount END END), 0)
FROM orders WHERE test = 0 GROUP BY 1, 2, 3;

INSERT INTO callback_minutes (minute, slot, attempts, failed)
SELECT at / 60000 * 60, 0, count(*), sum(http_status NOT BETWEEN 200 AND 299)
FROM callback_attempts GROUP BY 1;

CREATE TRIGGER order_minutes_insert AFTER INSERT ON orders WHEN NEW.test = 0
BEGIN
    INSERT INTO order_minutes (minute, shop_id, currency, slot, created, completed, volume)
    VALUES (NEW.created_at - NEW.created_at % 60, NEW.shop_id, NEW.currency, 0, 1,
            NEW.status = 1,
            CASE WHEN NEW.status = 1 THEN
                CASE WHEN NEW.amount_received > 0 THEN NEW.amount_received ELSE NEW.amount END
            ELSE 0 END)
    ON CONFLICT (minute, shop_id, currency, slot) DO UPDATE SET
        created = created + 1, completed = completed + excluded.completed,
        volume = volume + excluded.volume;
END;

-- A status change into or out of completed (a completion, a reversal), or
-- a completed order's received amount changed.
CREATE TRIGGER order_minutes_update AFTER UPDATE OF status, amount_received ON orders
WHEN NEW.test = 0 AND (OLD.status = 1 OR NEW.status = 1)
    AND (OLD.status <> NEW.status OR OLD.amount_received <> NEW.amount_received)
BEGIN
    INSERT INTO order_minutes (minute, shop_id, currency, slot, created, completed, volume)
    VALUES (NEW.created_at - NEW.created_at % 60, NEW.shop_id, NEW.currency, 0, 0,
            (NEW.status = 1) - (OLD.status = 1),
            (CASE WHEN NEW.status = 1 THEN
                CASE WHEN NEW.amount_received > 0 THEN NEW.amount_received ELSE NEW.amount END
             ELSE 0 END) -
            (CASE WHEN OLD.status = 1 THEN
                CASE WHEN OLD.amount_received > 0 THEN OLD.amount_received ELSE OLD.amount END
             ELSE 0 END))
    ON CONFLICT (minute, shop_id, currency, slot) DO UPDATE SET
        completed = completed + excluded.completed, volume = volume + excluded.volume;
END;

CREATE TRIGGER callback_minutes_insert AFTER INSERT ON callback_attempts
BEGIN
    INSERT INTO callback_minutes (minute, slot, attempts, failed)
    VALUES (NEW.at / 60000 * 60, 0, 1, NEW.http_status NOT BETWEEN 200 AND 299)
    ON CONFLICT (minute, slot) DO UPDATE SET
        attempts = attempts + 1, failed = failed + excluded.failed;
END;
