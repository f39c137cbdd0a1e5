-- One row per network address and per typed email (keyed hash) that is signing in: a sign-in
-- attempt updates both rows first in its transaction, so attempts for the same account or from
-- the same address are counted one after another, and a burst of simultaneous attempts cannot
-- all pass a limit that each of them checks.
CREATE TABLE throttle_locks (
    key     TEXT PRIMARY KEY NOT NULL,
    at      BIGINT NOT NULL
);
