-- 016 (both backends, lockstep): named operators with roles, their API
-- tokens (only a SHA-256 of each is kept), and the append-only audit log
-- of every admin write, written in the write's own transaction.
CREATE TABLE operators (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL
                   CHECK (role IN ('owner', 'admin', 'support', 'finance', 'viewer')),
    login          TEXT    UNIQUE,
    password_hash  TEXT    NOT NULL DEFAULT '',
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL
);
CREATE TABLE operator_tokens (
    id            BIGSERIAL PRIMARY KEY,
    operator_id   BIGINT  NOT NULL REFERENCES operators(id),
    name          TEXT    NOT NULL DEFAULT '',
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT  NOT NULL DEFAULT 0,
    revoked_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX operator_tokens_operator ON operator_tokens(operator_id, id);
CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           BIGINT  NOT NULL,
    actor_id     BIGINT  NOT NULL,
    actor        TEXT    NOT NULL,
    token_id     BIGINT  NOT NULL,
    action       TEXT    NOT NULL,
    target_kind  TEXT    NOT NULL,
    target_id    TEXT    NOT NULL,
    before       TEXT,
    after        TEXT,
    request_id   TEXT    NOT NULL,
    client       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_at ON audit_log(at, id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
