-- The outbox becomes a queue: it holds only the rows waiting to be published
-- (and parked ones). Publishing moves a row into outbox_published in the same
-- statement, instead of updating it in place: an update leaves a dead row
-- version per event in the table every request writes to and every relay
-- batch reads, and during a burst autovacuum chased them while the queue's
-- scans stepped over them. The queue now stays as small as the backlog; the
-- published log only grows by appends until the relay purges it by age in
-- bounded batches, and its (topic, partition, offset) is what recovery from a
-- broker that lost its log reads.
CREATE TABLE outbox_published (
    seq             bigint PRIMARY KEY,
    event_id        text NOT NULL,
    topic           text NOT NULL,
    key             text NOT NULL,
    event           jsonb NOT NULL,
    created_at      timestamptz NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    kafka_partition integer NOT NULL,
    kafka_offset    bigint NOT NULL
) WITH (
    -- Append-only until purged: nothing for vacuum to reclaim between purges,
    -- and the purge's own VACUUM follows it.
    autovacuum_vacuum_insert_scale_factor = 0.5
);
CREATE INDEX outbox_published_position ON outbox_published (topic, kafka_partition, kafka_offset);

INSERT INTO outbox_published
    (seq, event_id, topic, key, event, created_at, published_at, kafka_partition, kafka_offset)
SELECT seq, event_id, topic, key, event, created_at, published_at, kafka_partition, kafka_offset
FROM outbox WHERE published_at IS NOT NULL AND kafka_partition IS NOT NULL;
DELETE FROM outbox WHERE published_at IS NOT NULL;

DROP INDEX outbox_unpublished;
DROP INDEX outbox_position;
ALTER TABLE outbox DROP COLUMN published_at, DROP COLUMN kafka_partition, DROP COLUMN kafka_offset;
-- A queue's statistics are stale by nature (a burst fills it between two
-- ANALYZEs); the relay's queries do not depend on them (PENDING_PLAN). Vacuum
-- it often and cheaply: it is small, and its dead rows are the ones published.
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 5000,
                        autovacuum_analyze_scale_factor = 0.0, autovacuum_analyze_threshold = 5000);

-- Every event of the retention window, published or not: what operators and
-- tests read when they ask "what did this service announce".
CREATE VIEW outbox_log AS
SELECT seq, event_id, topic, key, event, created_at, NULL::timestamptz AS published_at,
       parked_at, park_error
FROM outbox
UNION ALL
SELECT seq, event_id, topic, key, event, created_at, published_at, NULL, NULL
FROM outbox_published;
