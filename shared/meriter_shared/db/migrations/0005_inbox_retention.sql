-- The inbox only needs to remember an event for as long as Kafka may deliver
-- it again (a consumer that commits its offsets is not sent an event twice
-- after that); older rows are purged in bounded batches (``inbox.purge``).
-- Rows arrive in handled_at order, so a BRIN index finds the old ones for a
-- few pages of index, and costs next to nothing per insert.
CREATE INDEX inbox_handled_at ON inbox USING brin (handled_at);
