-- 011: the records of migration 002 get names that say what they hold, not
-- which dialect first needed them (as migrations/sqlite/011): request
-- nonces (any signed request's replay guard), a shop's payment-method
-- switches, an order's receipt items. Rows, keys and columns stay as they
-- are; the constraints and indexes that carried the old name follow it.
ALTER TABLE tegro_nonces RENAME TO request_nonces;
ALTER TABLE tegro_shop_methods RENAME TO shop_methods;
ALTER TABLE tegro_receipt_items RENAME TO receipt_items;
ALTER INDEX tegro_nonces_created RENAME TO request_nonces_created;
ALTER TABLE request_nonces RENAME CONSTRAINT tegro_nonces_pkey TO request_nonces_pkey;
ALTER TABLE shop_methods RENAME CONSTRAINT tegro_shop_methods_pkey TO shop_methods_pkey;
ALTER TABLE shop_methods
    RENAME CONSTRAINT tegro_shop_methods_shop_id_fkey TO shop_methods_shop_id_fkey;
ALTER TABLE receipt_items RENAME CONSTRAINT tegro_receipt_items_pkey TO receipt_items_pkey;
ALTER TABLE receipt_items
    RENAME CONSTRAINT tegro_receipt_items_order_id_fkey TO receipt_items_order_id_fkey;
