-- Finished deliveries (sent, failed, bounced; parked webhooks aside) are kept
-- ``delivery_retention_days`` for institutions to look up, then purged in
-- bounded batches. Rows arrive in created_at order, so a BRIN index finds the
-- old ones for a few index pages and costs next to nothing per insert.
CREATE INDEX deliveries_created_at ON deliveries USING brin (created_at);
