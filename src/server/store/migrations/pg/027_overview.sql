-- 027 (both backends, lockstep): the operator's live overview
-- (GET /admin/v1/overview) reads per-minute figures, not the orders: see
-- the SQLite file of the same number for what each table holds and the
-- query it always equals.
--
-- On PostgreSQL `slot` is the writing connection's backend pid: each
-- writer thread (and node) adds to rows of its own, so no writer waits on
-- another's lock on a minute's row until its commit, and no two batches
-- can deadlock on them; the reader sums the slots. Inserts are counted by
-- a statement trigger over the statement's new rows (a multi-row insert
-- of a batch's orders adds to each row once); status changes by a row
-- trigger that fires only into or out of completed.
CREATE TABLE order_minutes (
    minute    BIGINT  NOT NULL,
    shop_id   BIGINT  NOT NULL,
    currency  TEXT    NOT NULL,
    slot      INTEGER NOT NULL,
    created   BIGINT  NOT NULL,
    completed BIGINT  NOT NULL,
    volume    BIGINT  NOT NULL,
    PRIMARY KEY (minute, shop_id, currency, slot)
);

CREATE TABLE callback_minutes (
    minute    BIGINT  NOT NULL,
    slot      INTEGER NOT NULL,
    attempts  BIGINT  NOT NULL,
    failed    BIGINT  NOT NULL,
    PRIMARY KEY (minute, slot)
);

INSERT INTO order_minutes (minute, shop_id, currency, slot, created, completed, volume)
SELECT created_at - created_at % 60, shop_id, currency, 0, count(*),
       count(*) FILTER (WHERE status = 1),
       coalesce(sum(CASE WHEN amount_received > 0 THEN amount_received ELSE amount END)
                FILTER (WHERE status = 1), 0)
FROM orders WHERE test = 0 GROUP BY 1, 2, 3;

INSERT INTO callback_minutes (minute, slot, attempts, failed)
SELECT at / 60000 * 60, 0, count(*), count(*) FILTER (WHERE http_status NOT BETWEEN 200 AND 299)
FROM callback_attempts GROUP BY 1;

CREATE FUNCTION order_minutes_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_minutes AS m (minute, shop_id, currency, slot, created, completed, volume)
    SELECT created_at - created_at % 60, shop_id, currency, pg_backend_pid(), count(*),
           count(*) FILTER (WHERE status = 1),
           coalesce(sum(CASE WHEN amount_received > 0 THEN amount_received ELSE amount END)
                    FILTER (WHERE status = 1), 0)
    FROM new_orders WHERE test = 0 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (minute, shop_id, currency, slot) DO UPDATE SET
        created = m.created + excluded.created, completed = m.completed + excluded.completed,
        volume = m.volume + excluded.volume;
    RETURN NULL;
END $$;

CREATE TRIGGER order_minutes_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION order_minutes_insert();

CREATE FUNCTION order_minutes_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_minutes AS m (minute, shop_id, currency, slot, created, completed, volume)
    VALUES (NEW.created_at - NEW.created_at % 60, NEW.shop_id, NEW.currency, pg_backend_pid(), 0,
            (NEW.status = 1)::int - (OLD.status = 1)::int,
            (CASE WHEN NEW.status <> 1 THEN 0
                  WHEN NEW.amount_received > 0 THEN NEW.amount_received ELSE NEW.amount END) -
            (CASE WHEN OLD.status <> 1 THEN 0
                  WHEN OLD.amount_received > 0 THEN OLD.amount_received ELSE OLD.amount END))
    ON CONFLICT (minute, shop_id, currency, slot) DO UPDATE SET
        completed = m.completed + excluded.completed, volume = m.volume + excluded.volume;
    RETURN NULL;
END $$;

CREATE TRIGGER order_minutes_update AFTER UPDATE OF status, amount_received ON orders
    FOR EACH ROW
    WHEN (NEW.test = 0 AND (OLD.status = 1 OR NEW.status = 1)
          AND (OLD.status <> NEW.status OR OLD.amount_received <> NEW.amount_received))
    EXECUTE FUNCTION order_minutes_update();

CREATE FUNCTION callback_minutes_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO callback_minutes AS m (minute, slot, attempts, failed)
    SELECT at / 60000 * 60, pg_backend_pid(), count(*),
           count(*) FILTER (WHERE http_status NOT BETWEEN 200 AND 299)
    FROM new_attempts GROUP BY 1 ORDER BY 1
    ON CONFLICT (minute, slot) DO UPDATE SET
        attempts = m.attempts + excluded.attempts, failed = m.failed + excluded.failed;
    RETURN NULL;
END $$;

CREATE TRIGGER callback_minutes_insert AFTER INSERT ON callback_attempts
    REFERENCING NEW TABLE AS new_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION callback_minutes_insert();
