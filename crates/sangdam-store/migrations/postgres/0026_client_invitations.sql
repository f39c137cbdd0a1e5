-- Clients may be invited as well as staff: a center's CRM adds a contact through the API, and the
-- person finishes the account with their own password and their own consent. One address has at
-- most one open (unused) invitation, so that a burst of requests mails one link; where an admin
-- had invited one address twice, the newest invitation stays and the older links stop working.
ALTER TABLE invitations DROP CONSTRAINT invitations_role_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_role_check
    CHECK (role IN ('client', 'counselor', 'supervisor', 'admin'));
DELETE FROM invitations WHERE used_at IS NULL AND EXISTS (
    SELECT 1 FROM invitations newer
    WHERE newer.email = invitations.email AND newer.used_at IS NULL
      AND (newer.created_at > invitations.created_at
           OR (newer.created_at = invitations.created_at AND newer.public_id > invitations.public_id)));
CREATE UNIQUE INDEX invitations_open_email ON invitations (email) WHERE used_at IS NULL;
