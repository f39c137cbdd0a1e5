-- A supervisor's decisions about who cares for a client, beside what appointments grant: an
-- assignment (state 'assigned') makes a counselor part of the client's care; ending it (state
-- 'ended') also ends what the counselor's earlier appointments granted: only appointments created
-- at or after ended_at grant care again. One row per client and counselor; every change is in
-- the audit log.
CREATE TABLE care_assignments (
    client_id       TEXT NOT NULL REFERENCES users (id),
    counselor_id    TEXT NOT NULL REFERENCES users (id),
    state           TEXT NOT NULL CHECK (state IN ('assigned', 'ended')),
    changed_by      TEXT NOT NULL REFERENCES users (id),
    changed_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    PRIMARY KEY (client_id, counselor_id),
    CHECK (state = 'assigned' OR ended_at IS NOT NULL)
);
CREATE INDEX care_assignments_counselor ON care_assignments (counselor_id);
CREATE INDEX appointments_client_counselor ON appointments (client_id, counselor_id, status);
