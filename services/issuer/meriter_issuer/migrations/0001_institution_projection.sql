-- The issuer's local view of the registry's institutions, kept from
-- registry.events so issuance never calls the registry synchronously.
CREATE TABLE institutions (
    institution_id text PRIMARY KEY,
    deqar_id       text,
    name_official  text NOT NULL,
    country        char(2) NOT NULL,
    state          jsonb NOT NULL,
    last_event_id  text NOT NULL,
    last_event_at  timestamptz NOT NULL,
    applied_count  integer NOT NULL DEFAULT 1
);
