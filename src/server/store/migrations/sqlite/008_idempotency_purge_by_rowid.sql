-- 008: idempotency keys are purged in rowid order (store/sqlite_idem.c):
-- the table is appended to as orders come, so its rowid order is its
-- created_at order, and the index on created_at only cost every create an
-- index entry and every batch of creates a WAL page.
DROP INDEX idempotency_created;
