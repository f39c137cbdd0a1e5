-- A questionnaire's total, band and risk flag follow from its answers, which are sealed; kept in
-- clear beside the client id they told a copy of the database who reported thoughts of
-- self-harm. From now on they are computed from the opened answers, and the columns hold the same
-- neutral values for every row.
UPDATE questionnaire_responses SET total = 0, band = 'minimal', risk = 0;

-- Risk alerts without a readable client: the client and the time are sealed together
-- (`sealed`, purpose `risk_flag`); `client_key` and `response_key` are keyed hashes of the
-- client's and the response's ids, which only the server can compute, for "is one open for this
-- client", "one per response" and deleting a client's alerts. The old `risk_alerts` rows are
-- moved here by the server at start-up (sealing needs its keys), and that table stays empty.
CREATE TABLE risk_flags (
    id              TEXT PRIMARY KEY NOT NULL,
    response_key    TEXT NOT NULL UNIQUE,
    client_key      TEXT NOT NULL,
    sealed          BLOB NOT NULL,
    acknowledged_by TEXT REFERENCES users (id),
    acknowledged_at BIGINT
);
CREATE INDEX risk_flags_client ON risk_flags (client_key, acknowledged_at);
CREATE INDEX risk_flags_open ON risk_flags (acknowledged_at);
