-- 013 (both backends, lockstep): further hosts a shop allows for the hosted
-- form's unsigned success_url, fail_url and notify_url, comma-separated
-- (the hosts of its url and callback_url are always allowed).
ALTER TABLE shops ADD COLUMN form_hosts TEXT NOT NULL DEFAULT '';
