-- 023 (both backends, lockstep): disputes (spec/p2p.md "Disputes"), their
-- evidence (kept as receipts are: the bytes in the database) and their
-- log; and a shop's dispute settings.
ALTER TABLE shops ADD COLUMN dispute_ttl INTEGER NOT NULL DEFAULT 1800;
ALTER TABLE shops ADD COLUMN dispute_callbacks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shops ADD COLUMN dispute_auto_success INTEGER NOT NULL DEFAULT 0;
-- One dispute per order: a resolved_cancel one is reopened, not repeated.
CREATE TABLE disputes (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT    NOT NULL UNIQUE,
    order_id        INTEGER  NOT NULL UNIQUE REFERENCES orders(id),
    shop_id         INTEGER  NOT NULL,
    amount          INTEGER  NOT NULL,            -- what the payer says was sent, minor units
    comment         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,            -- in_progress, paused, resolved_success, resolved_cancel
    initiator       TEXT    NOT NULL,            -- merchant, customer, operator
    awaiting        TEXT    NOT NULL,            -- trader, operator, '' once resolved
    reject_reason   TEXT    NOT NULL DEFAULT '',
    ttl             INTEGER  NOT NULL,            -- seconds the trader has to answer
    deadline        INTEGER  NOT NULL,            -- when that runs out (moved on by pauses)
    paused_at       INTEGER  NOT NULL DEFAULT 0,
    pause_duration  INTEGER  NOT NULL DEFAULT 0,
    reopened_at     INTEGER  NOT NULL DEFAULT 0,
    amount_received INTEGER  NOT NULL DEFAULT 0,  -- the resolution's amount, 0 none
    created_at      INTEGER  NOT NULL,
    modified_at     INTEGER  NOT NULL
);
CREATE INDEX disputes_shop ON disputes(shop_id, status, id);
CREATE INDEX disputes_queue ON disputes(status, awaiting, id);
CREATE INDEX disputes_due ON disputes(deadline) WHERE status = 'in_progress' AND awaiting = 'trader';
CREATE TABLE dispute_evidence (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT    NOT NULL UNIQUE,
    dispute_id    INTEGER  NOT NULL REFERENCES disputes(id),
    key           TEXT    NOT NULL,
    uploader      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    data          BLOB    NOT NULL,
    created_at    INTEGER  NOT NULL
);
CREATE INDEX dispute_evidence_dispute ON dispute_evidence(dispute_id, id);
CREATE TABLE dispute_logs (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT    NOT NULL UNIQUE,
    dispute_id  INTEGER  NOT NULL REFERENCES disputes(id),
    actor_role  TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    details     TEXT    NOT NULL,
    created_at  INTEGER  NOT NULL
);
CREATE INDEX dispute_logs_dispute ON dispute_logs(dispute_id, id);
