-- 006: orders keep no foreign keys to shops and requisites. Every order
-- insert ran both referential checks, and the one on shop_id takes a KEY
-- SHARE lock on the shop's row, which all writers of that shop share (a
-- MultiXact while two batches overlap): ~12 us of server time per order,
-- nearly a third of the batch insert (EXPLAIN ANALYZE; bench/README, session 4).
-- What they guarded (an order's shop and requisite exist) is kept by
-- forbidding what could break it: kassa never deletes a shop or a requisite
-- (it deactivates them), and these triggers refuse a DELETE or TRUNCATE by
-- hand. A statement trigger costs nothing on the paths kassa runs.
ALTER TABLE orders DROP CONSTRAINT orders_shop_id_fkey,
                   DROP CONSTRAINT orders_requisite_id_fkey;

CREATE FUNCTION kassa_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kassa: rows of % are never deleted (orders refer to them); deactivate instead',
        TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER shops_never_deleted BEFORE DELETE OR TRUNCATE ON shops
    FOR EACH STATEMENT EXECUTE FUNCTION kassa_never_deleted();
CREATE TRIGGER requisites_never_deleted BEFORE DELETE OR TRUNCATE ON requisites
    FOR EACH STATEMENT EXECUTE FUNCTION kassa_never_deleted();
