-- A signed note keeps a keyed hash of what was signed (its id, template, version, signing time and
-- body), which the page checks on every read; and the database refuses to delete a signed note,
-- its versions or its addenda, except for the retention purge of a deleted account's notes.
ALTER TABLE session_notes ADD COLUMN signed_hash TEXT;

CREATE TRIGGER session_notes_signed_no_delete BEFORE DELETE ON session_notes
WHEN OLD.signed_at IS NOT NULL AND (SELECT deleted_at FROM users WHERE id = OLD.client_id) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'sangdam: signed note is locked');
END;

CREATE TRIGGER note_versions_signed_no_delete BEFORE DELETE ON note_versions
WHEN EXISTS (SELECT 1 FROM session_notes n JOIN users u ON u.id = n.client_id
             WHERE n.id = OLD.note_id AND n.signed_at IS NOT NULL AND u.deleted_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'sangdam: signed note is locked');
END;

CREATE TRIGGER note_addenda_signed_no_delete BEFORE DELETE ON note_addenda
WHEN EXISTS (SELECT 1 FROM session_notes n JOIN users u ON u.id = n.client_id
             WHERE n.id = OLD.note_id AND n.signed_at IS NOT NULL AND u.deleted_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'sangdam: signed note is locked');
END;
