-- 026 (both backends, lockstep): console sign-in (core/login.c). One
-- table of logins, unique across operators, traders and merchant users
-- (an operator's login and password hash stay in operators too, written
-- together with its row here); merchant users; console sessions (only a
-- SHA-256 of each session token is kept); failed sign-ins per login and
-- per client address in fixed windows, shared by every node.
CREATE TABLE logins (
    login           TEXT    PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('operator', 'trader', 'merchant')),
    principal_id    INTEGER NOT NULL,
    password_hash   TEXT    NOT NULL,
    totp_secret     TEXT    NOT NULL DEFAULT '',  -- base32; '': no second factor
    totp_pending    TEXT    NOT NULL DEFAULT '',  -- set up, not yet enabled
    totp_last_step  INTEGER NOT NULL DEFAULT 0,   -- the last accepted code's step
    lang            TEXT    NOT NULL DEFAULT 'en',
    UNIQUE (kind, principal_id)
);
INSERT INTO logins(login, kind, principal_id, password_hash)
    SELECT login, 'operator', id, password_hash FROM operators
    WHERE login IS NOT NULL AND login <> '' AND password_hash <> '';
CREATE TABLE merchant_users (
    id           INTEGER PRIMARY KEY,
    merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
    name         TEXT    NOT NULL,
    disabled     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE INDEX merchant_users_merchant ON merchant_users(merchant_id, id);
CREATE TABLE console_sessions (
    token_hash    TEXT    PRIMARY KEY,           -- hex SHA-256 of the cookie's token
    csrf          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    principal_id  INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,              -- idle expiry counts from here
    expires_at    INTEGER NOT NULL               -- the absolute end
);
CREATE INDEX console_sessions_principal ON console_sessions(kind, principal_id);
CREATE INDEX console_sessions_expires ON console_sessions(expires_at);
CREATE TABLE signin_failures (
    key           TEXT    NOT NULL,              -- "login:<login>" or "addr:<address>"
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
