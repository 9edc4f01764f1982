-- A row the relay cannot publish for a reason that retrying will not cure
-- (larger than the broker accepts, a topic it refuses) is parked with its
-- error instead of blocking every later row; later rows of the same
-- aggregate (topic, key) wait behind it so their order holds. An operator
-- replays parked rows (meriter-<service> outbox replay) once the cause is fixed.
ALTER TABLE outbox ADD COLUMN parked_at timestamptz, ADD COLUMN park_error text;
CREATE INDEX outbox_parked ON outbox (topic, key, seq) WHERE parked_at IS NOT NULL;
