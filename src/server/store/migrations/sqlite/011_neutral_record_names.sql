-- 011: the records of migration 002 get names that say what they hold, not
-- which dialect first needed them: request nonces (any signed request's
-- replay guard), a shop's payment-method switches, an order's receipt
-- items. Rows, keys and columns stay as they are. SQLite cannot rename an
-- index, so the one that carried the old name is made again.
ALTER TABLE tegro_nonces RENAME TO request_nonces;
ALTER TABLE tegro_shop_methods RENAME TO shop_methods;
ALTER TABLE tegro_receipt_items RENAME TO receipt_items;
DROP INDEX tegro_nonces_created;
CREATE INDEX request_nonces_created ON request_nonces(created_at);
