-- 014 (both backends, lockstep): a shop may require, in a dialect, the
-- signatures that cover the whole request (panda's X-Signature-Mode:
-- strict); 0 (the default) also takes the dialect's plain ones.
ALTER TABLE shop_dialects ADD COLUMN strict_signing INTEGER NOT NULL DEFAULT 0;
