-- A signed note keeps a keyed hash of what was signed (its id, template, version, signing time and
-- body), which the page checks on every read; and the database refuses to delete a signed note,
-- its versions or its addenda, except for the retention purge of a deleted account's notes.
ALTER TABLE session_notes ADD COLUMN signed_hash TEXT;

CREATE FUNCTION signed_note_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target TEXT;
BEGIN
    IF TG_TABLE_NAME = 'session_notes' THEN
        target := OLD.id;
    ELSE
        target := OLD.note_id;
    END IF;
    IF EXISTS (SELECT 1 FROM session_notes n JOIN users u ON u.id = n.client_id
               WHERE n.id = target AND n.signed_at IS NOT NULL AND u.deleted_at IS NULL) THEN
        RAISE EXCEPTION 'sangdam: signed note is locked';
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER session_notes_signed_no_delete BEFORE DELETE ON session_notes
    FOR EACH ROW EXECUTE FUNCTION signed_note_no_delete();
CREATE TRIGGER note_versions_signed_no_delete BEFORE DELETE ON note_versions
    FOR EACH ROW EXECUTE FUNCTION signed_note_no_delete();
CREATE TRIGGER note_addenda_signed_no_delete BEFORE DELETE ON note_addenda
    FOR EACH ROW EXECUTE FUNCTION signed_note_no_delete();
