-- Files shared in a live chat (issue 6), with the limits of the session room's files: sealed at
-- rest, announced by a message of the chat that names them, kept with a locked transcript.

CREATE TABLE chat_files (
    id              TEXT PRIMARY KEY NOT NULL,
    chat_id         TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL CHECK (size > 0),
    body            BLOB NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX chat_files_chat ON chat_files (chat_id, at);

ALTER TABLE chat_messages ADD COLUMN file_id TEXT REFERENCES chat_files (id);

CREATE TRIGGER chat_files_closed BEFORE INSERT ON chat_files
WHEN (SELECT status FROM chats WHERE id = NEW.chat_id) = 'closed'
BEGIN
    SELECT RAISE(ABORT, 'sangdam: chat is closed');
END;
CREATE TRIGGER chat_files_locked_delete BEFORE DELETE ON chat_files
WHEN (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'sangdam: evidence is locked');
END;
CREATE TRIGGER chat_messages_locked_file BEFORE UPDATE OF file_id ON chat_messages
WHEN (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL AND NEW.file_id IS NOT OLD.file_id
BEGIN
    SELECT RAISE(ABORT, 'sangdam: evidence is locked');
END;
