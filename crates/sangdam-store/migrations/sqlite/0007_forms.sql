-- Counselors' own forms (issue 5) and assignments: any form (PHQ-9, GAD-7 or an own form) as
-- intake before a client's first session, or every N completed sessions. A request is one form a
-- client is asked to fill in; its `reason_key` (`intake`, or `every:<n>:<session count>`) makes
-- asking twice for the same reason impossible. Answers to own forms are sealed.

CREATE TABLE forms (
    id              TEXT PRIMARY KEY NOT NULL,
    owner_id        TEXT NOT NULL REFERENCES users (id),
    spec            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX forms_owner ON forms (owner_id);

CREATE TABLE form_assignments (
    id              TEXT PRIMARY KEY NOT NULL,
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    form_ref        TEXT NOT NULL,
    mode            TEXT NOT NULL CHECK (mode IN ('intake', 'every')),
    every_n         INTEGER CHECK (every_n IS NULL OR every_n BETWEEN 1 AND 52),
    created_at      BIGINT NOT NULL,
    CHECK ((mode = 'every') = (every_n IS NOT NULL)),
    UNIQUE (counselor_id, form_ref, mode)
);

CREATE TABLE form_requests (
    id              TEXT PRIMARY KEY NOT NULL,
    client_id       TEXT NOT NULL REFERENCES users (id),
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    form_ref        TEXT NOT NULL,
    reason_key      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    completed_at    BIGINT,
    UNIQUE (client_id, counselor_id, form_ref, reason_key)
);
CREATE INDEX form_requests_open ON form_requests (client_id, completed_at);

CREATE TABLE form_responses (
    id              TEXT PRIMARY KEY NOT NULL,
    request_id      TEXT NOT NULL UNIQUE REFERENCES form_requests (id),
    client_id       TEXT NOT NULL REFERENCES users (id),
    form_id         TEXT NOT NULL REFERENCES forms (id),
    answers         BLOB NOT NULL,
    submitted_at    BIGINT NOT NULL
);
CREATE INDEX form_responses_client ON form_responses (client_id, submitted_at);
