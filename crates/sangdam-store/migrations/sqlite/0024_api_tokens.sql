-- Tokens for the public API. A token is shown once; only its SHA-256 hash is kept. A personal
-- token acts as its owner; a service token, made by an admin (the owner here), acts for the
-- center. Revoking and expiry are checked on every use; last use is recorded.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    owner_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('personal', 'service')),
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    scopes          TEXT NOT NULL CHECK (length(scopes) BETWEEN 1 AND 200),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL CHECK (expires_at > created_at AND expires_at <= created_at + 366 * 86400),
    revoked_at      INTEGER,
    last_used_at    INTEGER
);
CREATE INDEX api_tokens_owner ON api_tokens (owner_id, kind);

-- The answers to POST requests sent with an Idempotency-Key, per token: the same key with the
-- same request replays the stored answer, with another request is refused. A row without a
-- status is a request still running; the key's first request holds it by inserting the row.
CREATE TABLE api_idempotency (
    token_id        TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key             TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint     TEXT NOT NULL,
    status          INTEGER CHECK (status BETWEEN 100 AND 599),
    body            TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_age ON api_idempotency (created_at);
