-- The issuer's other doors: credentials signed through the VC-API, learners'
-- claim pages, erasure.
--
-- A VC-API credential is the institution's own document: it has no result
-- (result_id NULL) and no learner_ref (erasure reaches results' learners
-- only); it holds a status index only when it asked for a status entry
-- (generation and status_index NULL otherwise), and carries entries for
-- ``status_purposes`` only (NULL: a results credential, whose revocation
-- entry has its suspension sibling). ``vc_id`` is the id the institution
-- knows it by (the credential's own ``id`` or options.credentialId), not
-- unique: the same document may be signed again.
ALTER TABLE credentials
    ALTER COLUMN generation DROP NOT NULL,
    ALTER COLUMN status_index DROP NOT NULL,
    ADD COLUMN source text NOT NULL DEFAULT 'results' CHECK (source IN ('results', 'vcapi')),
    ADD COLUMN vc_id text,
    ADD COLUMN status_purposes text[];
CREATE INDEX credentials_vc_id ON credentials (institution_id, vc_id) WHERE vc_id IS NOT NULL;
CREATE INDEX credentials_learner ON credentials (institution_id, learner_ref);

-- Erasures (GDPR art. 17): what was erased for whom, with no personal data —
-- the learner is named only by learner_ref, the keyed hash intake stores.
CREATE TABLE erasures (
    erasure_id     text PRIMARY KEY,
    institution_id text NOT NULL,
    learner_ref    text NOT NULL,
    results        integer NOT NULL,
    rejected       integer NOT NULL,
    credentials    integer NOT NULL,
    claims         integer NOT NULL,
    erased_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX erasures_institution ON erasures (institution_id, erased_at);

-- Claim links of erased credentials: the claim row (token → credential) is
-- deleted; its token hash alone stays, so the link answers "gone" rather
-- than "never existed". A hash of a random token names no one.
CREATE TABLE erased_claims (
    token_hash text PRIMARY KEY,
    erased_at  timestamptz NOT NULL DEFAULT now()
);
