-- Questionnaires (issue 5): a client's PHQ-9 and GAD-7 responses, scored; the answers themselves
-- are sealed by the web layer. A response with a risk answer (PHQ-9 item 9 above 0) gets exactly
-- one risk alert, written in the same transaction, which staff acknowledge.

CREATE TABLE questionnaire_responses (
    id              TEXT PRIMARY KEY NOT NULL,
    client_id       TEXT NOT NULL REFERENCES users (id),
    instrument      TEXT NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
    answers         BLOB NOT NULL,
    total           INTEGER NOT NULL CHECK (total BETWEEN 0 AND 27),
    band            TEXT NOT NULL CHECK (band IN ('minimal', 'mild', 'moderate', 'moderately_severe', 'severe')),
    risk            BOOLEAN NOT NULL,
    submitted_at    BIGINT NOT NULL
);

CREATE INDEX questionnaire_responses_client ON questionnaire_responses (client_id, submitted_at);

CREATE TABLE risk_alerts (
    id              TEXT PRIMARY KEY NOT NULL,
    response_id     TEXT NOT NULL UNIQUE REFERENCES questionnaire_responses (id),
    client_id       TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    acknowledged_by TEXT REFERENCES users (id),
    acknowledged_at BIGINT
);

CREATE INDEX risk_alerts_open ON risk_alerts (acknowledged_at, created_at);
