-- Files shared in a live chat (issue 6), with the limits of the session room's files: sealed at
-- rest, announced by a message of the chat that names them, kept with a locked transcript.

CREATE TABLE chat_files (
    id              TEXT PRIMARY KEY NOT NULL,
    chat_id         TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL CHECK (size > 0),
    body            BYTEA NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX chat_files_chat ON chat_files (chat_id, at);

ALTER TABLE chat_messages ADD COLUMN file_id TEXT REFERENCES chat_files (id);

CREATE FUNCTION chat_files_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'chat_files' THEN
        IF TG_OP = 'INSERT' THEN
            IF (SELECT status FROM chats WHERE id = NEW.chat_id) = 'closed' THEN
                RAISE EXCEPTION 'sangdam: chat is closed';
            END IF;
            RETURN NEW;
        END IF;
        IF (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL THEN
            RAISE EXCEPTION 'sangdam: evidence is locked';
        END IF;
        RETURN OLD;
    END IF;
    IF (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL
        AND NEW.file_id IS DISTINCT FROM OLD.file_id THEN
        RAISE EXCEPTION 'sangdam: evidence is locked';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER chat_files_lock BEFORE INSERT OR DELETE ON chat_files
FOR EACH ROW EXECUTE FUNCTION chat_files_lock();
CREATE TRIGGER chat_messages_lock_file BEFORE UPDATE OF file_id ON chat_messages
FOR EACH ROW EXECUTE FUNCTION chat_files_lock();
