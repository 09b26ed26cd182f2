-- 006_idempotency_log.sql: idempotency keys as an append-only table.
--
-- Merchants' keys are random (UUIDs), so a B-tree keyed by them took a
-- random page per new order: the most expensive write of a create. The
-- table is now appended to in rowid order, and the lookup by (shop_id, key)
-- goes through an index kept in kassad's memory (store/sqlite_idem.c),
-- built from this table when the database opens. Uniqueness of
-- (shop_id, key) is kept by that index: SQLite has a single writer.
ALTER TABLE idempotency RENAME TO idempotency_old;
DROP INDEX idempotency_created;
CREATE TABLE idempotency (
    id           INTEGER PRIMARY KEY,
    shop_id      INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    fingerprint  BLOB    NOT NULL,
    order_id     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
INSERT INTO idempotency(shop_id, key, fingerprint, order_id, created_at)
    SELECT shop_id, key, fingerprint, order_id, created_at FROM idempotency_old
    ORDER BY created_at;
DROP TABLE idempotency_old;
CREATE INDEX idempotency_created ON idempotency(created_at);
