-- A local read model of registry.events, kept by every service that must
-- decide "quality assured on D?" (issuer, verifier) without calling the
-- registry. Each row holds the aggregate's latest state as its event carried
-- it; version or event-time guards keep a replayed older event from
-- overwriting newer state. Reports keep the version in force (with its
-- withdrawal); flags keep their raise and lift.
CREATE TABLE registry_institutions (
    institution_id text PRIMARY KEY,
    deqar_id       text,
    state          jsonb NOT NULL,
    event_at       timestamptz NOT NULL,
    applied_count  integer NOT NULL DEFAULT 1
);
CREATE INDEX registry_institutions_deqar ON registry_institutions (deqar_id);

CREATE TABLE registry_agencies (
    agency_id text PRIMARY KEY,
    state     jsonb NOT NULL,
    event_at  timestamptz NOT NULL
);

CREATE TABLE registry_reports (
    report_id       text PRIMARY KEY,
    version         integer NOT NULL,
    institution_ids text[] NOT NULL,
    state           jsonb NOT NULL,
    event_at        timestamptz NOT NULL
);
CREATE INDEX registry_reports_institutions ON registry_reports USING gin (institution_ids);

CREATE TABLE registry_report_flags (
    flag_id    text PRIMARY KEY,
    report_id  text NOT NULL,
    level      text NOT NULL,
    raised_at  timestamptz NOT NULL,
    lifted_at  timestamptz
);
CREATE INDEX registry_report_flags_report ON registry_report_flags (report_id);

CREATE TABLE registry_offerings (
    offering_id    text PRIMARY KEY,
    institution_id text NOT NULL,
    version        integer NOT NULL,
    state          jsonb NOT NULL
);
