-- The national body deactivates an institution (and may reactivate it): the
-- institution stays in the registry, its credentials stay verifiable, and the
-- issuer takes no new results from it. deactivated_at NULL: active (every
-- institution registered before this migration is); deactivation_reason is
-- what the national body gave, shown with it.
ALTER TABLE institutions
    ADD COLUMN deactivated_at timestamptz,
    ADD COLUMN deactivation_reason text,
    ADD CHECK (deactivation_reason IS NULL OR deactivated_at IS NOT NULL);
