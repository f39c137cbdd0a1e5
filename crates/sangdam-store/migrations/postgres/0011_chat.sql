-- The live chat center and counselor protection (issue 6): counselors' chat status and the time
-- spent in each, chats (signed-in clients or guests) from the queue to their close, their
-- messages (sealed), bans after abuse, incidents for the supervisors' dashboard, and canned
-- responses. Times are Unix seconds.

-- A counselor's place in the chat center. `status_until` ends after-work and recovery breaks by
-- themselves; `idle_since` puts the longest-idle counselor first.
CREATE TABLE chat_agents (
    user_id         TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('available', 'busy', 'after_work', 'break', 'offline')),
    status_since    BIGINT NOT NULL,
    status_until    BIGINT,
    capacity        BIGINT NOT NULL DEFAULT 3 CHECK (capacity BETWEEN 1 AND 50),
    idle_since      BIGINT NOT NULL DEFAULT 0,
    CHECK (status_until IS NULL OR status IN ('after_work', 'break'))
);

-- One row per stretch in a status; the open one has no `ended_at`. `reason` is 'recovery' for a
-- protected break after abuse.
CREATE TABLE chat_status_log (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('available', 'busy', 'after_work', 'break', 'offline')),
    reason          TEXT NOT NULL DEFAULT '' CHECK (reason IN ('', 'recovery')),
    started_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX chat_status_log_user ON chat_status_log (user_id, started_at);

-- A chat: queued → offered (to one counselor, who accepts or lets it go back) → active → closed.
-- A guest is known by the hash of their chat cookie; `device` (a hash of a long-lived browser
-- cookie, or the user id) is what a ban holds on to. `evidence_hash` (SHA-256 of the transcript
-- export) locks a chat ended because of abuse.
CREATE TABLE chats (
    id              TEXT PRIMARY KEY NOT NULL,
    client_id       TEXT REFERENCES users (id),
    nickname        TEXT NOT NULL CHECK (length(nickname) BETWEEN 1 AND 40),
    guest_token     BYTEA,
    device          TEXT NOT NULL,
    topic           TEXT NOT NULL REFERENCES specialties (id),
    language        TEXT NOT NULL CHECK (language IN ('ko', 'en')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'offered', 'active', 'closed')),
    counselor_id    TEXT REFERENCES users (id),
    queued_at       BIGINT NOT NULL,
    offered_at      BIGINT,
    accepted_at     BIGINT,
    closed_at       BIGINT,
    close_category  TEXT CHECK (close_category IN ('resolved', 'referred', 'booked', 'left', 'unanswered', 'abuse', 'other')),
    flagged         BIGINT NOT NULL DEFAULT 0 CHECK (flagged >= 0),
    transcript_to   BYTEA,
    last_seq        BIGINT NOT NULL DEFAULT 0,
    client_read     BIGINT NOT NULL DEFAULT 0,
    staff_read      BIGINT NOT NULL DEFAULT 0,
    evidence_hash   TEXT CHECK (evidence_hash IS NULL OR length(evidence_hash) = 64),
    CHECK ((client_id IS NULL) <> (guest_token IS NULL)),
    CHECK (status IN ('queued') OR counselor_id IS NOT NULL OR status = 'closed'),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CHECK (evidence_hash IS NULL OR status = 'closed')
);
CREATE INDEX chats_status ON chats (status, queued_at);
CREATE INDEX chats_counselor ON chats (counselor_id, status);
CREATE INDEX chats_client ON chats (client_id);

-- A chat's messages, numbered per chat. `kind`: the client's, the counselor's, the system's
-- (warnings, transfers), an internal note (staff only), a supervisor's whisper (to the counselor
-- only). `flag` is the abuse check's category for a client's message.
CREATE TABLE chat_messages (
    chat_id         TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('client', 'counselor', 'system', 'note', 'whisper')),
    sender_id       TEXT REFERENCES users (id),
    client_msg_id   TEXT NOT NULL,
    body            BYTEA NOT NULL,
    flag            TEXT CHECK (flag IN ('insult', 'sexual', 'threat')),
    at              BIGINT NOT NULL,
    PRIMARY KEY (chat_id, seq),
    UNIQUE (chat_id, kind, client_msg_id)
);

-- The lock, held by the database: nothing is added to a closed chat; a locked transcript's
-- messages are never deleted and change only by re-sealing (key rotation); a hash once set stays.
CREATE FUNCTION chat_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'chat_messages' THEN
        IF TG_OP = 'INSERT' THEN
            IF (SELECT status FROM chats WHERE id = NEW.chat_id) = 'closed' THEN
                RAISE EXCEPTION 'sangdam: chat is closed';
            END IF;
            RETURN NEW;
        END IF;
        IF (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL THEN
            IF TG_OP = 'DELETE' OR NEW.chat_id <> OLD.chat_id OR NEW.seq <> OLD.seq OR NEW.kind <> OLD.kind
                OR NEW.at <> OLD.at OR NEW.flag IS DISTINCT FROM OLD.flag
                OR NEW.sender_id IS DISTINCT FROM OLD.sender_id THEN
                RAISE EXCEPTION 'sangdam: evidence is locked';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.evidence_hash IS NOT NULL AND (TG_OP = 'DELETE' OR NEW.evidence_hash IS DISTINCT FROM OLD.evidence_hash
        OR NEW.status <> OLD.status) THEN
        RAISE EXCEPTION 'sangdam: evidence is locked';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER chat_messages_lock BEFORE INSERT OR UPDATE OR DELETE ON chat_messages
FOR EACH ROW EXECUTE FUNCTION chat_lock();
CREATE TRIGGER chats_lock BEFORE UPDATE OR DELETE ON chats
FOR EACH ROW EXECUTE FUNCTION chat_lock();

-- After a chat ended because of abuse: that client (by account or device) cannot start a chat
-- until `until`.
CREATE TABLE chat_bans (
    chat_id         TEXT PRIMARY KEY NOT NULL REFERENCES chats (id),
    client_id       TEXT REFERENCES users (id),
    device          TEXT NOT NULL,
    until           BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    CHECK (until > created_at)
);
CREATE INDEX chat_bans_device ON chat_bans (device, until);
CREATE INDEX chat_bans_client ON chat_bans (client_id, until);

-- Abuse a counselor met, in a chat or a video room: for the dashboard's count per counselor per
-- week, and the supervisors' alerts.
CREATE TABLE incidents (
    id              TEXT PRIMARY KEY NOT NULL,
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    chat_id         TEXT REFERENCES chats (id),
    room_id         TEXT REFERENCES rooms (id),
    category        TEXT NOT NULL CHECK (category IN ('insult', 'sexual', 'threat', 'other')),
    at              BIGINT NOT NULL,
    acknowledged_by TEXT REFERENCES users (id),
    CHECK ((chat_id IS NULL) <> (room_id IS NULL))
);
CREATE INDEX incidents_at ON incidents (at);

-- Canned responses: a counselor's own (`owner_id`) or shared by the center (no owner), found by
-- typing "/" and the shortcut. The body may hold {client} and {counselor}.
CREATE TABLE canned_responses (
    id              TEXT PRIMARY KEY NOT NULL,
    owner_id        TEXT REFERENCES users (id) ON DELETE CASCADE,
    shortcut        TEXT NOT NULL CHECK (length(shortcut) BETWEEN 1 AND 30),
    body            TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at      BIGINT NOT NULL
);
CREATE INDEX canned_responses_owner ON canned_responses (owner_id, shortcut);
