"""Kafka through aiokafka: producer, topic set-up, the consumer runner, the outbox relay."""
