-- 018 (both backends, lockstep): failed authentications counted across
-- kassad nodes (per key and client address, in fixed windows; see
-- core/guard.c), and a shop's own request rate limit (requests a second,
-- 0: none; the burst, 0: one second's worth).
CREATE TABLE auth_failures (
    key           TEXT    NOT NULL,
    window_start  BIGINT  NOT NULL,   -- unix seconds, a multiple of the window
    count         BIGINT  NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX auth_failures_window ON auth_failures(window_start, count);
ALTER TABLE shops ADD COLUMN rate_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shops ADD COLUMN rate_burst INTEGER NOT NULL DEFAULT 0;
