-- 007: how a shop's tegro payment notifications are encoded: "form"
-- (application/x-www-form-urlencoded, as Tegro documents) or "json" (the
-- same fields and sign as a JSON object). Existing shops keep the form.
ALTER TABLE shops ADD COLUMN notification_format TEXT NOT NULL DEFAULT 'form'
    CHECK (notification_format IN ('form', 'json'));
