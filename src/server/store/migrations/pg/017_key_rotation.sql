-- 017 (both backends, lockstep): a dialect's credentials rotate with an
-- overlap: the pair before the current one keeps working until
-- old_valid_until (unix seconds; 0: no previous pair).
ALTER TABLE shop_dialects ADD COLUMN old_api_key TEXT NOT NULL DEFAULT '';
ALTER TABLE shop_dialects ADD COLUMN old_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE shop_dialects ADD COLUMN old_valid_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX shop_dialects_old_key ON shop_dialects(dialect, old_api_key);
