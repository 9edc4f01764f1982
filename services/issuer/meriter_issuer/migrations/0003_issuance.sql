-- Issuer identities: each institution issues under its own DID. did:web by
-- default (served at /issuers/{institution_id}/did.json), did:key on request.
-- Keys are Ed25519; the private seed is sealed under the master key
-- (meriter_shared.secrets), never stored in the clear. Rotation adds a key
-- and retires the old one for signing; retired public keys stay published so
-- earlier credentials still verify.
CREATE TABLE issuer_identities (
    institution_id text PRIMARY KEY,
    method         text NOT NULL CHECK (method IN ('web', 'key')),
    did            text NOT NULL UNIQUE,
    signing_key_id text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE issuer_keys (
    key_id           text PRIMARY KEY,
    institution_id   text NOT NULL,
    public_multibase text NOT NULL,
    sealed_seed      text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    retired_at       timestamptz
);
CREATE INDEX issuer_keys_institution ON issuer_keys (institution_id, created_at);

-- Results as institutions post them. The learner's personal data sits in
-- ``learner`` only (erasable: set to NULL); ``learner_ref`` is a keyed hash of
-- the learner's identifier, so an erasure finds the rows without the
-- identifier being stored. One row per (institution, result_id), whatever is
-- posted again.
CREATE TABLE results (
    seq            bigserial UNIQUE,
    institution_id text NOT NULL,
    result_id      text NOT NULL,
    offering_id    text NOT NULL,
    content_hash   text NOT NULL,
    learner        jsonb,
    learner_ref    text NOT NULL,
    assessed_on    date NOT NULL,
    issued_on      date,
    grade          text,
    supervision    text,
    state          text NOT NULL CHECK (state IN ('accepted', 'held', 'issued', 'rejected')),
    reason         text,
    credential_id  text,
    accepted_at    timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, result_id)
);
CREATE INDEX results_by_state ON results (institution_id, state, seq);
CREATE INDEX results_learner ON results (institution_id, learner_ref);

-- Status lists (Bitstring Status List v1.0): a pair per institution and
-- generation — one for revocation, one for suspension — sharing one index
-- space of ``length`` entries. Indices are handed out by a keyed permutation
-- of a counter (random-looking, never reused); a full pair starts the next
-- generation. The signed list credential is rebuilt on change and served as
-- stored.
CREATE TABLE status_lists (
    list_id        text PRIMARY KEY,
    institution_id text NOT NULL,
    generation     integer NOT NULL,
    purpose        text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    length         integer NOT NULL,
    bits           bytea NOT NULL,
    document       jsonb,
    etag           text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (institution_id, generation, purpose)
);

CREATE TABLE status_allocators (
    institution_id text NOT NULL,
    generation     integer NOT NULL,
    permutation_key bytea NOT NULL,
    next_counter   integer NOT NULL DEFAULT 0,
    length         integer NOT NULL,
    PRIMARY KEY (institution_id, generation)
);

-- Signed credentials. Exactly one per result: the unique constraint holds it
-- whatever the inbox or a crash does. ``document`` is the signed copy kept for
-- the institution and the claim; an erasure removes it (the credential stays
-- verifiable from the learner's copy, its status still changeable).
CREATE TABLE credentials (
    credential_id  text PRIMARY KEY,
    seq            bigserial UNIQUE,
    institution_id text NOT NULL,
    result_id      text,
    issued_at      timestamptz NOT NULL,
    title          text NOT NULL,
    generation     integer NOT NULL,
    status_index   integer NOT NULL,
    revoked        boolean NOT NULL DEFAULT false,
    suspended      boolean NOT NULL DEFAULT false,
    status_reason  text,
    document       jsonb,
    learner_ref    text,
    UNIQUE (institution_id, result_id),
    UNIQUE (institution_id, generation, status_index)
);
CREATE INDEX credentials_institution ON credentials (institution_id, seq);

-- Claim links: an unguessable token per credential, stored as its SHA-256,
-- expiring, for one purpose (reading that credential).
CREATE TABLE claims (
    token_hash    text PRIMARY KEY,
    credential_id text NOT NULL REFERENCES credentials ON DELETE CASCADE,
    language      text NOT NULL,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claims_credential ON claims (credential_id);
