-- 016 (both backends, lockstep): named operators with roles, their API
-- tokens (only a SHA-256 of each is kept), and the append-only audit log
-- of every admin write, written in the write's own transaction.
CREATE TABLE operators (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL
                   CHECK (role IN ('owner', 'admin', 'support', 'finance', 'viewer')),
    login          TEXT    UNIQUE,          -- NULL: no console sign-in
    password_hash  TEXT    NOT NULL DEFAULT '',
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);
CREATE TABLE operator_tokens (
    id            INTEGER PRIMARY KEY,
    operator_id   INTEGER NOT NULL REFERENCES operators(id),
    name          TEXT    NOT NULL DEFAULT '',
    token_hash    TEXT    NOT NULL UNIQUE,  -- hex SHA-256 of the token
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL DEFAULT 0,
    revoked_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX operator_tokens_operator ON operator_tokens(operator_id, id);
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,          -- unix seconds, on the clock
    actor_id     INTEGER NOT NULL,          -- 0: the bootstrap --admin-token
    actor        TEXT    NOT NULL,
    token_id     INTEGER NOT NULL,          -- 0: the bootstrap token
    action       TEXT    NOT NULL,
    target_kind  TEXT    NOT NULL,
    target_id    TEXT    NOT NULL,
    before       TEXT,                      -- JSON, secrets left out; NULL: none
    after        TEXT,
    request_id   TEXT    NOT NULL,
    client       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_at ON audit_log(at, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
