-- Outgoing webhooks (Standard Webhooks 1.0). An endpoint is an address an admin registered with
-- the events it wants; it signs with its secrets (sealed; a replaced secret keeps signing beside
-- the new one until it expires). A delivery is one message to one endpoint, raised once per
-- event (unique event key per endpoint), and worked as a lease-based queue: attempts on the
-- specification's schedule, each written to the delivery log.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY NOT NULL,
    url             TEXT NOT NULL CHECK (length(url) BETWEEN 10 AND 2000 AND (url LIKE 'https://%' OR url LIKE 'http://%')),
    description     TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events          TEXT NOT NULL CHECK (length(events) BETWEEN 1 AND 1000),
    allow_private   BOOLEAN NOT NULL DEFAULT FALSE,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    disabled_at     INTEGER,
    disabled_reason TEXT CHECK (disabled_reason IN ('admin', 'gone')),
    CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL))
);

CREATE TABLE webhook_secrets (
    id              TEXT PRIMARY KEY NOT NULL,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    secret          BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER
);
CREATE INDEX webhook_secrets_endpoint ON webhook_secrets (endpoint_id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_key       TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Attempts made before the last manual replay: the schedule starts again after them.
    replayed_after  INTEGER NOT NULL DEFAULT 0 CHECK (replayed_after BETWEEN 0 AND attempts),
    last_error      TEXT,
    delivered_at    INTEGER,
    updated_at      INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

CREATE TABLE webhook_attempts (
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL CHECK (attempt >= 1),
    at              INTEGER NOT NULL,
    status          INTEGER CHECK (status BETWEEN 100 AND 599),
    error           TEXT,
    millis          INTEGER NOT NULL CHECK (millis >= 0),
    PRIMARY KEY (delivery_id, attempt)
);
