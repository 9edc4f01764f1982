-- The registry's temporal model.
-- Validity time (dates) lives in valid_from/valid_to columns; knowledge time
-- (when the registry learnt or unlearnt a fact) lives in recorded_at and
-- superseded_at. A report's facts are never updated in place: a resubmission
-- closes the current version (superseded_at) and adds the next one, and a
-- withdrawal closes the current version without a successor. "As of T" reads
-- the version with recorded_at <= T < coalesce(superseded_at, infinity).

ALTER TABLE institutions
    ADD COLUMN eter_id text UNIQUE,
    ADD COLUMN qf_ehea_levels smallint[] NOT NULL DEFAULT '{}',
    ADD COLUMN is_other_provider boolean NOT NULL DEFAULT false;

CREATE INDEX institutions_country_idx ON institutions (country, id);
CREATE INDEX institutions_name_idx ON institutions (lower(name_official), id);

CREATE TABLE institution_identifiers (
    institution_id text NOT NULL REFERENCES institutions (id),
    resource       text NOT NULL,
    identifier     text NOT NULL,
    valid_from     date,
    valid_to       date,
    PRIMARY KEY (resource, identifier, institution_id)
);
CREATE INDEX institution_identifiers_inst_idx ON institution_identifiers (institution_id);

CREATE TABLE agencies (
    id          text PRIMARY KEY,
    deqar_id    text UNIQUE,
    acronym     text NOT NULL UNIQUE,
    name        text NOT NULL,
    country     char(2),
    website     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agency_registrations (
    agency_id        text NOT NULL REFERENCES agencies (id),
    registered_from  date NOT NULL,
    registered_to    date,
    PRIMARY KEY (agency_id, registered_from)
);

CREATE TABLE reports (
    id               text PRIMARY KEY,
    agency_id        text NOT NULL REFERENCES agencies (id),
    local_identifier text NOT NULL,
    current_version  integer NOT NULL,
    withdrawn_at     timestamptz,
    UNIQUE (agency_id, local_identifier)
);

CREATE TABLE report_versions (
    report_id      text NOT NULL REFERENCES reports (id),
    version        integer NOT NULL,
    agency_id      text NOT NULL,
    activity_type  text NOT NULL,
    status         text NOT NULL,
    decision       text NOT NULL,
    valid_from     date NOT NULL,
    valid_to       date,
    -- valid_to or valid_from + 6 years, stored so range filters use an index.
    valid_until    date NOT NULL,
    body           jsonb NOT NULL,
    recorded_at    timestamptz NOT NULL,
    superseded_at  timestamptz,
    PRIMARY KEY (report_id, version)
);
CREATE INDEX report_versions_current_idx ON report_versions (agency_id, report_id)
    WHERE superseded_at IS NULL;

-- The qa-status lookup: one institution, then its report versions by key.
CREATE TABLE report_institutions (
    institution_id text NOT NULL REFERENCES institutions (id),
    report_id      text NOT NULL,
    version        integer NOT NULL,
    PRIMARY KEY (institution_id, report_id, version),
    FOREIGN KEY (report_id, version) REFERENCES report_versions (report_id, version)
);

CREATE TABLE offerings (
    id              text PRIMARY KEY,
    institution_id  text NOT NULL REFERENCES institutions (id),
    body            jsonb NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offerings_institution_idx ON offerings (institution_id, id);

CREATE TABLE offering_versions (
    offering_id  text NOT NULL REFERENCES offerings (id),
    version      integer NOT NULL,
    body         jsonb NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (offering_id, version)
);

CREATE TABLE oauth_clients (
    client_id    text PRIMARY KEY,
    -- sha256 of a 256-bit random secret: the secret has full entropy, so a
    -- slow password hash would add cost without adding safety.
    secret_hash  bytea NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'agency', 'institution')),
    tenant_id    text,
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    CHECK ((role = 'admin') = (tenant_id IS NULL))
);

CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    private_pem  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);
