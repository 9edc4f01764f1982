"""Helpers the test tiers share (infrastructure, waiting, Kafka reading)."""
