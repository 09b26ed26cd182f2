-- 007: requisites are picked in rotation by id (store/sqlite.c), no longer
-- by the `assigned` counter, which is not updated any more.
DROP INDEX requisites_pick;
CREATE INDEX requisites_pick ON requisites(type, currency, active, id);
