-- After a session (issue 5): the counselor's summary and homework for the client, the client's
-- feedback on the session, and secure messages between a client and a counselor. Every text is
-- sealed by the web layer.

CREATE TABLE session_summaries (
    id              TEXT PRIMARY KEY NOT NULL,
    appointment_id  TEXT NOT NULL UNIQUE REFERENCES appointments (id),
    client_id       TEXT NOT NULL REFERENCES users (id),
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    summary         BYTEA NOT NULL,
    homework        BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    read_at         BIGINT
);
CREATE INDEX session_summaries_client ON session_summaries (client_id, created_at);

-- One answer per session: 1-5 stars and three 1-5 questions; the comment is optional; whether the
-- counselor may see the client's name with it is the client's choice.
CREATE TABLE session_feedback (
    appointment_id  TEXT PRIMARY KEY NOT NULL REFERENCES appointments (id),
    client_id       TEXT NOT NULL REFERENCES users (id),
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    stars           INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    heard           INTEGER NOT NULL CHECK (heard BETWEEN 1 AND 5),
    goals           INTEGER NOT NULL CHECK (goals BETWEEN 1 AND 5),
    approach        INTEGER NOT NULL CHECK (approach BETWEEN 1 AND 5),
    comment         BYTEA,
    show_name       BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX session_feedback_counselor ON session_feedback (counselor_id, created_at);

-- Secure messages: one thread per (client, counselor).
CREATE TABLE messages (
    id              TEXT PRIMARY KEY NOT NULL,
    client_id       TEXT NOT NULL REFERENCES users (id),
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    sender_id       TEXT NOT NULL REFERENCES users (id),
    body            BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT,
    CHECK (sender_id = client_id OR sender_id = counselor_id)
);
CREATE INDEX messages_thread ON messages (client_id, counselor_id, created_at);

-- A client who deleted their account keeps an anonymized row (appointments, the audit log and
-- retained signed notes refer to it); `deleted_at` starts the retention clock of those notes.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
