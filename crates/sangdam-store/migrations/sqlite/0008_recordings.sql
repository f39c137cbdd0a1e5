-- Recording with consent (issue 5). A recording starts only after every participant in the room
-- agreed; each agreement, refusal and withdrawal is a row of its own. The file lives on disk,
-- encrypted with a key of its own, which is sealed here (so key rotation re-seals it). A stopped
-- recording is deleted from disk after the retention days, and its key destroyed.

CREATE TABLE recordings (
    id                  TEXT PRIMARY KEY NOT NULL,
    room_id             TEXT NOT NULL REFERENCES rooms (id),
    proposed_by         TEXT NOT NULL REFERENCES users (id),
    state               TEXT NOT NULL CHECK (state IN ('proposed', 'declined', 'recording', 'stopped', 'failed', 'deleted')),
    file_key            BLOB,
    size                BIGINT,
    duration_ms         BIGINT,
    shared_with_client  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL,
    started_at          BIGINT,
    stopped_at          BIGINT,
    delete_after        BIGINT,
    CHECK (state <> 'recording' OR file_key IS NOT NULL),
    CHECK (state <> 'deleted' OR file_key IS NULL)
);
CREATE INDEX recordings_room ON recordings (room_id, created_at);
CREATE INDEX recordings_delete ON recordings (state, delete_after);

CREATE TABLE recording_consents (
    recording_id        TEXT NOT NULL REFERENCES recordings (id),
    user_id             TEXT NOT NULL REFERENCES users (id),
    agreed              BOOLEAN NOT NULL,
    at                  BIGINT NOT NULL
);
CREATE INDEX recording_consents_recording ON recording_consents (recording_id, at);
