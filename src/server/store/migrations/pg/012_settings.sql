-- 012 (both backends, lockstep): named settings kassad keeps across
-- restarts, e.g. the offset of a --test-clock moved forward.
CREATE TABLE settings (
    name        TEXT    NOT NULL PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL
);
