-- Rules admins set in the product (issue 5's retention rules). A row overrides the settings
-- file's default; no row, the default holds.

CREATE TABLE center_settings (
    key             TEXT PRIMARY KEY NOT NULL
                    CHECK (key IN ('retention_signed_note_years', 'recording_retention_days')),
    value           BIGINT NOT NULL,
    updated_by      TEXT NOT NULL REFERENCES users (id),
    updated_at      BIGINT NOT NULL,
    CHECK (key <> 'retention_signed_note_years' OR value BETWEEN 1 AND 50),
    CHECK (key <> 'recording_retention_days' OR value BETWEEN 1 AND 3650)
);
