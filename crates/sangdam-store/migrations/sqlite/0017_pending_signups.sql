-- A client's sign-up waits here until they open the link mailed to the address: the answer to
-- the sign-up form is the same whether or not the address already has an account (that owner
-- gets a mail saying so instead), so the form reveals nobody's account. The token is kept
-- hashed, like every other link token.
CREATE TABLE pending_signups (
    token_hash      TEXT PRIMARY KEY NOT NULL,
    email           TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    language        TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX pending_signups_expiry ON pending_signups (expires_at);
