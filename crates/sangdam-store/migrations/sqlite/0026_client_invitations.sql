-- Clients may be invited as well as staff: a center's CRM adds a contact through the API, and the
-- person finishes the account with their own password and their own consent. One address has at
-- most one open (unused) invitation, so that a burst of requests mails one link; where an admin
-- had invited one address twice, the newest invitation stays and the older links stop working.
CREATE TABLE invitations_new (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    public_id   TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('client', 'counselor', 'supervisor', 'admin')),
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    CHECK (expires_at > created_at)
);
INSERT INTO invitations_new (token_hash, public_id, email, role, invited_by, created_at, expires_at, used_at)
    SELECT token_hash, public_id, email, role, invited_by, created_at, expires_at, used_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
DELETE FROM invitations WHERE used_at IS NULL AND EXISTS (
    SELECT 1 FROM invitations newer
    WHERE newer.email = invitations.email AND newer.used_at IS NULL
      AND (newer.created_at > invitations.created_at
           OR (newer.created_at = invitations.created_at AND newer.public_id > invitations.public_id)));
CREATE UNIQUE INDEX invitations_open_email ON invitations (email) WHERE used_at IS NULL;
