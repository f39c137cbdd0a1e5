-- A message that speaks of suicide or self-harm (the crisis check) opens a crisis event: one
-- open event per place (a chat, a room, a message thread, a form, a booking) at a time, raised to
-- `high` when a later message is more urgent, and open until a counselor or supervisor closes it
-- with an outcome. Who wrote it and where are sealed together (`sealed`, purpose `crisis`); the
-- place and the client are found by keyed hashes, as with risk alerts, so a copy of the database
-- does not say who spoke of suicide. The risk check a counselor fills in is sealed too.
CREATE TABLE crisis_events (
    id          TEXT PRIMARY KEY NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('chat', 'room', 'message', 'form', 'booking')),
    source_key  TEXT NOT NULL,
    client_key  TEXT,
    level       BIGINT NOT NULL CHECK (level IN (1, 2)),
    sealed      BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    assessment  BYTEA,
    assessed_by TEXT REFERENCES users (id),
    assessed_at BIGINT,
    closed_by   TEXT REFERENCES users (id),
    closed_at   BIGINT,
    outcome     TEXT CHECK (outcome IS NULL OR outcome IN
                    ('safety_plan', 'emergency_services', 'referred', 'no_risk', 'lost_contact', 'other')),
    CHECK ((closed_at IS NULL) = (outcome IS NULL)),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
    CHECK ((assessment IS NULL) = (assessed_at IS NULL))
);
CREATE UNIQUE INDEX crisis_events_open_place ON crisis_events (source_key) WHERE closed_at IS NULL;
CREATE INDEX crisis_events_open ON crisis_events (closed_at, level, created_at);
CREATE INDEX crisis_events_client ON crisis_events (client_key);

-- An open chat's crisis level orders the queue (2 high, 1 concern). It is cleared when the chat
-- closes: the lasting record is the sealed event.
ALTER TABLE chats ADD COLUMN risk BIGINT NOT NULL DEFAULT 0 CHECK (risk IN (0, 1, 2));
