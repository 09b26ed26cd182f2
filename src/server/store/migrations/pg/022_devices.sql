-- 022 (both backends, lockstep): devices (a trader's phone relaying bank
-- notifications, spec/p2p.md "Confirmation"), their one-time pairing
-- codes, and every bank message a device posted.
-- A device's bearer token is kept as its SHA-256 only; its HMAC secret in
-- clear (it verifies each request). revoked_at 0: in use.
CREATE TABLE devices (
    id          BIGSERIAL PRIMARY KEY,
    trader_id   BIGINT  NOT NULL,
    name        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    secret      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    last_seen   BIGINT  NOT NULL DEFAULT 0,
    revoked_at  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX devices_trader ON devices(trader_id, id);
-- A pairing code (its SHA-256), single use, short-lived.
CREATE TABLE device_pairings (
    id          BIGSERIAL PRIMARY KEY,
    trader_id   BIGINT  NOT NULL,
    code_hash   TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT  NOT NULL DEFAULT 0,
    device_id   BIGINT  NOT NULL DEFAULT 0
);
-- A message as posted, what the templates read of it, and what became of
-- it: state matched | unmatched | ambiguous | ignored (reason: debit,
-- balance, other, unparsed, unreadable). One row per (device, event_id).
CREATE TABLE bank_messages (
    id          BIGSERIAL PRIMARY KEY,
    device_id   BIGINT  NOT NULL,
    trader_id   BIGINT  NOT NULL,
    event_id    TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    sender      TEXT    NOT NULL,
    package     TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    received_at BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    state       TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    template_id TEXT    NOT NULL DEFAULT '',
    bank        TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL DEFAULT '',
    amount      BIGINT  NOT NULL DEFAULT 0,
    currency    TEXT    NOT NULL DEFAULT '',
    last4       TEXT    NOT NULL DEFAULT '',
    payer       TEXT    NOT NULL DEFAULT '',
    order_id    BIGINT  NOT NULL DEFAULT 0,
    matched_by  TEXT    NOT NULL DEFAULT '',
    matched_at  BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (device_id, event_id)
);
CREATE INDEX bank_messages_state ON bank_messages(state, id);
CREATE INDEX bank_messages_trader ON bank_messages(trader_id, state, id);
-- The device a requisite's payments are confirmed by (0: none bound).
ALTER TABLE requisites ADD COLUMN device_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX requisites_device ON requisites(device_id, id);
