-- Records (issue 5): data-encryption keys for rotation, session notes with every version and
-- their addenda, and the staff's record of a client.

-- Data keys, each sealed under the master key from the settings (key id 1 is the master key's
-- own and has no row). One is 'current' (seals new data); 'active' ones only open; a 'retired'
-- key was destroyed once nothing sealed under it was left.
CREATE TABLE encryption_keys (
    id              BIGINT PRIMARY KEY NOT NULL CHECK (id BETWEEN 2 AND 255),
    wrapped         BLOB,
    state           TEXT NOT NULL CHECK (state IN ('active', 'current', 'retired')),
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT,
    CHECK ((state = 'retired') = (wrapped IS NULL))
);
CREATE UNIQUE INDEX encryption_keys_one_current ON encryption_keys (state) WHERE state = 'current';

-- A note about one client by one counselor, optionally for one appointment. `version` is the
-- latest version's number; `signed_at` locks the note.
CREATE TABLE session_notes (
    id              TEXT PRIMARY KEY NOT NULL,
    client_id       TEXT NOT NULL REFERENCES users (id),
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    appointment_id  TEXT REFERENCES appointments (id),
    template        TEXT NOT NULL CHECK (template IN ('soap', 'dap', 'free')),
    version         BIGINT NOT NULL CHECK (version >= 1),
    signed_at       BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX session_notes_client ON session_notes (client_id, created_at);

-- Every version of a note's body (sealed JSON of its sections).
CREATE TABLE note_versions (
    note_id         TEXT NOT NULL REFERENCES session_notes (id),
    version         BIGINT NOT NULL CHECK (version >= 1),
    body            BLOB NOT NULL,
    author_id       TEXT NOT NULL REFERENCES users (id),
    saved_at        BIGINT NOT NULL,
    PRIMARY KEY (note_id, version)
);

-- What was added to a signed note (sealed text).
CREATE TABLE note_addenda (
    id              TEXT PRIMARY KEY NOT NULL,
    note_id         TEXT NOT NULL REFERENCES session_notes (id),
    author_id       TEXT NOT NULL REFERENCES users (id),
    body            BLOB NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX note_addenda_note ON note_addenda (note_id, created_at);

-- The lock, held by the database: a signed note's row never changes, no version is added to it,
-- and its versions keep their number, author and time (only key rotation re-seals a body); an
-- addendum goes only to a signed note and never changes but by re-sealing.
CREATE TRIGGER session_notes_signed_locked BEFORE UPDATE ON session_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'sangdam: signed note is locked');
END;
CREATE TRIGGER note_versions_signed_no_insert BEFORE INSERT ON note_versions
WHEN (SELECT signed_at FROM session_notes WHERE id = NEW.note_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'sangdam: signed note is locked');
END;
CREATE TRIGGER note_versions_signed_no_update BEFORE UPDATE ON note_versions
WHEN (SELECT signed_at FROM session_notes WHERE id = OLD.note_id) IS NOT NULL
    AND (NEW.note_id <> OLD.note_id OR NEW.version <> OLD.version
         OR NEW.author_id <> OLD.author_id OR NEW.saved_at <> OLD.saved_at)
BEGIN
    SELECT RAISE(ABORT, 'sangdam: signed note is locked');
END;
CREATE TRIGGER note_addenda_only_signed BEFORE INSERT ON note_addenda
WHEN (SELECT signed_at FROM session_notes WHERE id = NEW.note_id) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'sangdam: addenda go to signed notes');
END;
CREATE TRIGGER note_addenda_fixed BEFORE UPDATE ON note_addenda
WHEN NEW.note_id <> OLD.note_id OR NEW.author_id <> OLD.author_id OR NEW.created_at <> OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'sangdam: signed note is locked');
END;

-- The staff's record of a client, beside the account: contact, emergency contact, preferred
-- channel (the preferred language is the account's), tags, and whether follow-up invitations go.
CREATE TABLE client_profiles (
    user_id             TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    phone               TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    emergency_name      TEXT NOT NULL DEFAULT '' CHECK (length(emergency_name) <= 100),
    emergency_phone     TEXT NOT NULL DEFAULT '' CHECK (length(emergency_phone) <= 40),
    preferred_channel   TEXT NOT NULL DEFAULT 'video' CHECK (preferred_channel IN ('video', 'voice', 'chat', 'in_person')),
    tags                TEXT NOT NULL DEFAULT '' CHECK (length(tags) <= 500),
    follow_up           BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at          BIGINT NOT NULL
);
