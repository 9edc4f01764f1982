-- Institutions and agencies change in place for fast reads; every state they
-- ever had is also appended here, so "as of" questions about them can be answered.
CREATE TABLE institution_versions (
    institution_id text NOT NULL REFERENCES institutions (id),
    recorded_at    timestamptz NOT NULL,
    body           jsonb NOT NULL,
    PRIMARY KEY (institution_id, recorded_at)
);

CREATE TABLE agency_versions (
    agency_id   text NOT NULL REFERENCES agencies (id),
    recorded_at timestamptz NOT NULL,
    body        jsonb NOT NULL,
    PRIMARY KEY (agency_id, recorded_at)
);
