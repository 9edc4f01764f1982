-- The verifier's view of the platform's own issuers, kept from
-- issuer.identity_changed on credentials.events: each institution's DID
-- document (every key it has signed with, retired ones too) and every DID it
-- has issued under, so a credential of the platform resolves without a
-- network hop and names its institution.
CREATE TABLE issuer_identities (
    institution_id text PRIMARY KEY,
    did            text NOT NULL,
    method         text NOT NULL,
    document       jsonb NOT NULL,
    event_at       timestamptz NOT NULL
);

CREATE TABLE issuer_dids (
    did            text PRIMARY KEY,
    institution_id text NOT NULL
);
CREATE INDEX issuer_dids_institution ON issuer_dids (institution_id);

-- One counter every projection change bumps (registry, identities, credential
-- status): HTTP processes poll it and empty their caches when it moves.
CREATE TABLE projection_changes (
    id  boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq bigint NOT NULL
);
INSERT INTO projection_changes (id, seq) VALUES (true, 0);
