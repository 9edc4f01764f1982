-- Transactional outbox: a row per event, written in the same transaction as
-- the change it announces. The relay publishes unpublished rows in seq order
-- and records where Kafka put them (partition, offset); those positions let it
-- notice a broker that lost its log and publish the lost rows again.
CREATE TABLE outbox (
    seq             bigserial PRIMARY KEY,
    event_id        text NOT NULL UNIQUE,
    topic           text NOT NULL,
    key             text NOT NULL,
    event           jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    kafka_partition integer,
    kafka_offset    bigint
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_position ON outbox (topic, kafka_partition, kafka_offset)
    WHERE published_at IS NOT NULL;

-- Inbox: the events a consumer has applied, written in the same transaction
-- as the effect, so a redelivered event is recognised and changes nothing.
CREATE TABLE inbox (
    consumer   text NOT NULL,
    event_id   text NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
