-- A recording is a set of files, one per participant (their camera and microphone) and one per
-- shared screen, so a player can show every camera and mix every voice. Each part says whose it
-- is and where it begins on the recording's clock. A recording made before parts existed has no
-- rows here: its one file is part 0.

CREATE TABLE recording_parts (
    recording_id  TEXT NOT NULL REFERENCES recordings (id),
    part          BIGINT NOT NULL CHECK (part >= 0 AND part < 64),
    user_id       TEXT NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('person', 'screen')),
    offset_ms     BIGINT NOT NULL CHECK (offset_ms >= 0),
    duration_ms   BIGINT NOT NULL CHECK (duration_ms >= 0),
    has_audio     BOOLEAN NOT NULL,
    has_video     BOOLEAN NOT NULL,
    PRIMARY KEY (recording_id, part),
    CHECK (kind <> 'screen' OR NOT has_audio)
);
