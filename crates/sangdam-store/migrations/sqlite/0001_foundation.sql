-- Foundation: accounts, sessions, two-factor, invitations, resets, throttling, audit log, mail.
-- Times are Unix seconds (UTC) in INTEGER columns; ids are random base32 text.

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('client', 'counselor', 'supervisor', 'admin')),
    language        TEXT NOT NULL CHECK (language IN ('ko', 'en')),
    timezone        TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret     BLOB,
    totp_pending    BLOB,
    totp_last_step  INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX users_role ON users (role);

CREATE TABLE recovery_codes (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    used_at     INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY NOT NULL,
    public_id       TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('active', 'pending_2fa')),
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    address         TEXT,
    agent           TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE consents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    version     TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    UNIQUE (user_id, kind, version)
);

CREATE TABLE invitations (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    public_id   TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('counselor', 'supervisor', 'admin')),
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    CHECK (expires_at > created_at)
);

CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- Failed sign-ins are keyed by a hash of the address typed, so that an unknown address is
-- throttled like a known one and never stored in clear.
CREATE TABLE signin_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email_key   TEXT NOT NULL,
    address     TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX signin_failures_email ON signin_failures (email_key, at);
CREATE INDEX signin_failures_address ON signin_failures (address, at);

CREATE TABLE account_locks (
    email_key       TEXT PRIMARY KEY NOT NULL,
    locked_until    INTEGER NOT NULL
);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    TEXT,
    actor_role  TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    address     TEXT,
    outcome     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

-- The head of the chain: one row, updated in the same transaction as each append, so that two
-- appends can never both link to the same predecessor.
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seq     INTEGER NOT NULL,
    hash    TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('held', 'pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
