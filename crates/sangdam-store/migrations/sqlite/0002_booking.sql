-- Booking: counselor profiles, specialties, offerings, availability, appointments, waitlist, holds,
-- calendar feeds and the job queue. Times are Unix seconds (UTC); dates are local YYYY-MM-DD text.

CREATE TABLE specialties (
    id          TEXT PRIMARY KEY NOT NULL,
    name_ko     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO specialties (id, name_ko, name_en, position) VALUES
    ('depression', '우울', 'Depression', 1),
    ('anxiety', '불안', 'Anxiety', 2),
    ('family', '가족', 'Family', 3),
    ('couples', '부부', 'Couples', 4),
    ('career', '진로', 'Career', 5),
    ('workplace', '직장', 'Workplace', 6),
    ('legal', '법률', 'Legal', 7),
    ('finance', '재무', 'Finance', 8),
    ('customer-service', '고객상담', 'Customer service', 9);

CREATE TABLE counselor_profiles (
    user_id             TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bio_ko              TEXT NOT NULL DEFAULT '',
    bio_en              TEXT NOT NULL DEFAULT '',
    languages           TEXT NOT NULL DEFAULT 'ko',
    photo               BLOB,
    requires_approval   BOOLEAN NOT NULL DEFAULT FALSE,
    published           BOOLEAN NOT NULL DEFAULT FALSE,
    weekly_hours        TEXT NOT NULL,
    buffer_minutes      INTEGER NOT NULL DEFAULT 10 CHECK (buffer_minutes BETWEEN 0 AND 240),
    min_notice_minutes  INTEGER NOT NULL DEFAULT 720 CHECK (min_notice_minutes BETWEEN 0 AND 43200),
    horizon_days        INTEGER NOT NULL DEFAULT 60 CHECK (horizon_days BETWEEN 1 AND 365),
    daily_cap           INTEGER CHECK (daily_cap BETWEEN 1 AND 48),
    cancel_window_hours INTEGER NOT NULL DEFAULT 24 CHECK (cancel_window_hours BETWEEN 0 AND 336),
    updated_at          INTEGER NOT NULL
);

CREATE TABLE counselor_specialties (
    user_id         TEXT NOT NULL REFERENCES counselor_profiles (user_id) ON DELETE CASCADE,
    specialty_id    TEXT NOT NULL REFERENCES specialties (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, specialty_id)
);

CREATE TABLE session_offerings (
    user_id             TEXT NOT NULL REFERENCES counselor_profiles (user_id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('video', 'voice', 'chat')),
    duration_minutes    INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 240),
    price_minor         INTEGER NOT NULL CHECK (price_minor >= 0),
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE availability_exceptions (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES counselor_profiles (user_id) ON DELETE CASCADE,
    day             TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('off', 'extra')),
    start_minute    INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute      INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX availability_exceptions_user ON availability_exceptions (user_id, day);

CREATE TABLE appointments (
    id              TEXT PRIMARY KEY NOT NULL,
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    client_id       TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL CHECK (kind IN ('video', 'voice', 'chat')),
    price_minor     INTEGER NOT NULL CHECK (price_minor >= 0),
    currency        TEXT NOT NULL,
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('requested', 'confirmed', 'completed', 'no_show', 'cancelled', 'late_cancelled')),
    reason          BLOB,
    first_time      BOOLEAN NOT NULL DEFAULT FALSE,
    series_id       TEXT,
    sequence        INTEGER NOT NULL DEFAULT 0,
    cancel_reason   TEXT,
    cancelled_by    TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (counselor_id <> client_id)
);
CREATE INDEX appointments_counselor ON appointments (counselor_id, starts_at);
CREATE INDEX appointments_client ON appointments (client_id, starts_at);
CREATE INDEX appointments_series ON appointments (series_id);

-- No double booking: SQLite runs one write at a time, so this check and the write it guards
-- cannot interleave with another booking. (PostgreSQL uses an exclusion constraint.)
CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON appointments
WHEN NEW.status IN ('requested', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'appointment_overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments
        WHERE counselor_id = NEW.counselor_id
          AND status IN ('requested', 'confirmed')
          AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at
    );
END;
CREATE TRIGGER appointments_no_overlap_update BEFORE UPDATE OF starts_at, ends_at, status ON appointments
WHEN NEW.status IN ('requested', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'appointment_overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments
        WHERE counselor_id = NEW.counselor_id
          AND id <> NEW.id
          AND status IN ('requested', 'confirmed')
          AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at
    );
END;

-- A slot offered to the first client on a waitlist, held for them until it expires.
CREATE TABLE slot_holds (
    id              TEXT PRIMARY KEY NOT NULL,
    counselor_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX slot_holds_counselor ON slot_holds (counselor_id, starts_at);

CREATE TABLE waitlist (
    id              TEXT PRIMARY KEY NOT NULL,
    counselor_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day             TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('video', 'voice', 'chat')),
    status          TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'passed', 'left')),
    hold_id         TEXT,
    created_at      INTEGER NOT NULL,
    UNIQUE (counselor_id, client_id, day)
);
CREATE INDEX waitlist_day ON waitlist (counselor_id, day, status, created_at);

CREATE TABLE calendar_feeds (
    user_id     TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE notification_settings (
    user_id         TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reminders       BOOLEAN NOT NULL DEFAULT TRUE
);

-- Scheduled work that must survive restarts: reminders, waitlist offers that expire. A claimed
-- job carries a lease; the idempotency key makes scheduling the same job twice a no-op.
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    run_at          INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);

-- Mail may now carry an idempotency key (a reminder's), so that a job run twice sends one mail,
-- and a calendar attachment.
ALTER TABLE mail_outbox ADD COLUMN idempotency_key TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment BLOB;
CREATE UNIQUE INDEX mail_outbox_idempotency ON mail_outbox (idempotency_key);
