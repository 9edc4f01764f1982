-- What the notifier keeps: learners' contact data (only for delivery, purged),
-- institutions' webhook endpoints, and one delivery record per
-- (credential or event, channel) — written before the send, confirmed after.

CREATE TABLE contacts (
    credential_id text PRIMARY KEY,
    institution_id text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    domain text NOT NULL,
    language text NOT NULL CHECK (language IN ('en', 'sv')),
    title text NOT NULL,
    institution_name text NOT NULL,
    claim_url text NOT NULL,
    claim_expires_at timestamptz NOT NULL,
    purge_after timestamptz NOT NULL
);
CREATE INDEX contacts_purge ON contacts (purge_after);

CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    institution_id text NOT NULL,
    url text NOT NULL,
    event_types text[] NOT NULL,
    secret_sealed text NOT NULL,
    description text,
    idempotency_key text,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (institution_id, idempotency_key)
);
CREATE INDEX webhook_endpoints_institution ON webhook_endpoints (institution_id)
    WHERE deleted_at IS NULL;

CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    -- email/<event type>/<credential id> or webhook/<endpoint id>/<event id>
    delivery_key text NOT NULL UNIQUE,
    channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
    institution_id text NOT NULL,
    credential_id text,
    result_id text,
    event_id text NOT NULL,
    event_type text NOT NULL,
    endpoint_id uuid REFERENCES webhook_endpoints (id),
    -- The email's Message-ID or the webhook's webhook-id: fixed before the
    -- first try, the same in every retry, so the recipient can tell a copy.
    message_id text NOT NULL,
    -- A webhook's exact body (no personal data); emails are rendered from contacts.
    body text,
    traceparent text,
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'bounced')),
    attempts integer NOT NULL DEFAULT 0,
    -- Tries whose outcome nobody learned (lease lapsed, answer to "." lost).
    in_doubt integer NOT NULL DEFAULT 0,
    -- Due time; for 'sending', when the claim's lease lapses.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    parked_at timestamptz
);
CREATE INDEX deliveries_due ON deliveries (channel, next_attempt_at)
    WHERE state IN ('queued', 'retrying', 'sending');
CREATE INDEX deliveries_credential ON deliveries (credential_id);
CREATE INDEX deliveries_parked ON deliveries (institution_id, id) WHERE parked_at IS NOT NULL;
