-- Flags the national body raises on a report (DEQAR's report flags). A
-- high-level flag takes the report out of the "quality assured" rule while it
-- is up; flags are lifted, never deleted, so "as of" answers stay reproducible.
CREATE TABLE report_flags (
    id         text PRIMARY KEY,
    report_id  text NOT NULL REFERENCES reports (id),
    level      text NOT NULL CHECK (level IN ('low', 'high')),
    reason     text NOT NULL,
    raised_at  timestamptz NOT NULL,
    lifted_at  timestamptz,
    CHECK (lifted_at IS NULL OR lifted_at >= raised_at)
);
CREATE INDEX report_flags_report_idx ON report_flags (report_id);
