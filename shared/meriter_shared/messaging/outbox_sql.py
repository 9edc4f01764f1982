"""The outbox's SQL: the queue the relay reads and the published log it keeps.

``outbox`` holds only the rows waiting to be published (and parked ones);
publishing moves a row into ``outbox_published`` with its Kafka position
(migration ``0004_outbox_published_apart``). Every statement here touches a
bounded number of rows, whatever the length of the history.
"""

from __future__ import annotations

# The relay's next batch: the oldest unpublished rows not waiting behind a
# parked row of their aggregate, locked so a second relay would skip them;
# their sizes first, the events of as many as fit in memory's bound after.
PENDING = (
    "SELECT o.seq, pg_column_size(o.event) AS size FROM outbox o "
    "WHERE o.parked_at IS NULL AND NOT EXISTS ("
    "  SELECT 1 FROM outbox p WHERE p.parked_at IS NOT NULL "
    "  AND p.topic = o.topic AND p.key = o.key AND p.seq < o.seq) "
    "ORDER BY o.seq LIMIT $1 FOR UPDATE OF o SKIP LOCKED"
)
# ... read along the primary key and stopped at the limit. A queue table's
# statistics lag (a burst fills it between two ANALYZEs), and on a small
# estimate the planner reads every waiting row and sorts them all for each
# batch: quadratic in a burst. An index scan also marks the entries of rows
# published (deleted) earlier as dead, so later scans skip them.
PENDING_PLAN = "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off"
PENDING_EVENTS = (
    "SELECT seq, topic, key, event FROM outbox WHERE seq = ANY($1::bigint[]) ORDER BY seq"
)


# Publishing moves the acknowledged rows out of the queue into the published
# log with their (partition, offset), in one statement: the queue keeps only
# what waits, and no row is updated in place.
PUBLISHED = (
    "WITH acked AS (SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[]) AS u(s, p, o)), "
    "moved AS (DELETE FROM outbox q USING acked WHERE q.seq = acked.s "
    "  RETURNING q.seq, q.event_id, q.topic, q.key, q.event, q.created_at, acked.p, acked.o) "
    "INSERT INTO outbox_published "
    "(seq, event_id, topic, key, event, created_at, kafka_partition, kafka_offset) "
    "SELECT seq, event_id, topic, key, event, created_at, p, o FROM moved"
)
# A broker that lost its log: the rows we published to (topic, partition) at
# or beyond an offset go back into the queue (all but the seqs given, which
# the current batch placed there), with their seq, so their order holds.
UNPUBLISH = (
    "WITH lost AS (DELETE FROM outbox_published WHERE topic = $1 AND kafka_partition = $2 "
    "  AND kafka_offset >= $3 AND NOT (seq = ANY($4::bigint[])) "
    "  RETURNING seq, event_id, topic, key, event, created_at), "
    "back AS (INSERT INTO outbox (seq, event_id, topic, key, event, created_at) "
    "  SELECT seq, event_id, topic, key, event, created_at FROM lost RETURNING 1) "
    "SELECT count(*) FROM back"
)
# The highest offset published to each (topic, partition): a skip scan along
# the position index, one probe per partition, whatever the log's length.
PUBLISHED_HIGHS = (
    "WITH RECURSIVE tp AS ("
    "  (SELECT topic, kafka_partition FROM outbox_published "
    "   ORDER BY topic, kafka_partition LIMIT 1) "
    "  UNION ALL "
    "  SELECT n.topic, n.kafka_partition FROM tp CROSS JOIN LATERAL ("
    "    SELECT o.topic, o.kafka_partition FROM outbox_published o "
    "    WHERE (o.topic, o.kafka_partition) > (tp.topic, tp.kafka_partition) "
    "    ORDER BY o.topic, o.kafka_partition LIMIT 1) n) "
    "SELECT tp.topic, tp.kafka_partition AS p, ("
    "  SELECT o.kafka_offset FROM outbox_published o WHERE o.topic = tp.topic "
    "  AND o.kafka_partition = tp.kafka_partition ORDER BY o.kafka_offset DESC LIMIT 1) AS high "
    "FROM tp"
)
# The pending gauge without counting the queue: the span of the waiting rows'
# sequence numbers (two probes of the primary key), exact but for the numbers
# of rolled-back transactions and of parked rows inside the span.
PENDING_SPAN = (
    "SELECT coalesce((SELECT seq FROM outbox WHERE parked_at IS NULL ORDER BY seq DESC LIMIT 1) "
    "- (SELECT seq FROM outbox WHERE parked_at IS NULL ORDER BY seq LIMIT 1) + 1, 0)"
)
# Purging the published log: of its oldest rows (a bounded batch along the
# primary key), those published before the retention window.
PURGE = (
    "WITH gone AS (DELETE FROM outbox_published WHERE seq = ANY(ARRAY("
    "  SELECT seq FROM outbox_published ORDER BY seq LIMIT $2)) "
    "  AND published_at < now() - $1::interval RETURNING 1) "
    "SELECT count(*) FROM gone"
)
