-- Session rooms: one per appointment (created on first use) or opened ad hoc by a counselor; who
-- may enter and who was admitted; who joined and left, when; and the room's chat, numbered per
-- room so that every participant receives it in one order and can ask for what it missed.

CREATE TABLE rooms (
    id              TEXT PRIMARY KEY NOT NULL,
    appointment_id  TEXT UNIQUE REFERENCES appointments (id),
    host_id         TEXT NOT NULL REFERENCES users (id),
    title           TEXT NOT NULL DEFAULT '',
    last_seq        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    ended_at        BIGINT
);

-- Everyone who may knock (an appointment's client, a client invited to an ad-hoc room) and
-- everyone who may enter at once (hosts). A guest enters once admitted; the admission is kept,
-- so a reconnect does not need a second one.
CREATE TABLE room_members (
    room_id         TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id),
    role            TEXT NOT NULL CHECK (role IN ('host', 'guest')),
    admitted_at     BIGINT,
    declined_at     BIGINT,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE room_events (
    room_id         TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id),
    event           TEXT NOT NULL CHECK (event IN ('join', 'leave', 'admit', 'decline', 'end')),
    at              BIGINT NOT NULL
);
CREATE INDEX room_events_room ON room_events (room_id, at);

-- Chat: `seq` orders a room's messages; the sender's own message id makes a resend harmless.
-- The text is sealed (counseling content).
CREATE TABLE room_messages (
    room_id         TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    sender_id       TEXT NOT NULL REFERENCES users (id),
    client_msg_id   TEXT NOT NULL,
    body            BYTEA NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (room_id, seq),
    UNIQUE (room_id, sender_id, client_msg_id)
);

-- Files shared in a room: sealed at rest, downloadable only by the room's participants.
CREATE TABLE room_files (
    id              TEXT PRIMARY KEY NOT NULL,
    room_id         TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    sender_id       TEXT NOT NULL REFERENCES users (id),
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL CHECK (size > 0),
    body            BYTEA NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX room_files_room ON room_files (room_id, at);
