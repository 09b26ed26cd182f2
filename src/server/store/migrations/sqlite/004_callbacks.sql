-- 004: callback delivery (the outbox's other half). Times in *_at columns
-- of these tables are clock milliseconds.
--
-- events.planned: 0 = the dispatcher has not looked at the event yet,
-- 1 = its callbacks rows exist, 2 = nothing to deliver (no receiver URL, or
-- a status no dialect sends).
ALTER TABLE events ADD COLUMN planned INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_unplanned ON events(id) WHERE planned = 0;

-- One event to one receiver.
CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id),
    order_id        INTEGER NOT NULL,
    shop_id         INTEGER NOT NULL,
    receiver        TEXT    NOT NULL,              -- panda | tegro (body format)
    url             TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    body            BLOB    NOT NULL,              -- panda: signed per attempt
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed', 'refused')),
    attempts        INTEGER NOT NULL DEFAULT 0,    -- recorded, resends included
    step            INTEGER NOT NULL DEFAULT 0,    -- scheduled attempts since base_at
    base_at         INTEGER NOT NULL,              -- the schedule counts from here
    next_attempt_at INTEGER,                       -- NULL unless pending
    lease_owner     TEXT,                          -- the node delivering it now
    lease_until     INTEGER,
    claim_seq       INTEGER NOT NULL DEFAULT 0,    -- bumped by each claim / resend
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (event_id, receiver)
);
CREATE INDEX callbacks_due ON callbacks(next_attempt_at) WHERE state = 'pending';
CREATE INDEX callbacks_order ON callbacks(order_id);

-- Every attempt, as the operator sees it.
CREATE TABLE callback_attempts (
    id           INTEGER PRIMARY KEY,
    callback_id  INTEGER NOT NULL REFERENCES callbacks(id),
    at           INTEGER NOT NULL,
    url          TEXT    NOT NULL,
    http_status  INTEGER NOT NULL DEFAULT 0,       -- 0: no answer
    error        TEXT    NOT NULL DEFAULT '',      -- transport error / refusal
    latency_ms   INTEGER NOT NULL DEFAULT 0,
    response     BLOB    NOT NULL DEFAULT x''      -- first 1 KiB of the answer
);
CREATE INDEX callback_attempts_callback ON callback_attempts(callback_id, id);
